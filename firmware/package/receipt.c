/* The office's receipt: its text, its strict parser and its signature (receipt.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "fileio.h"
#include "firmware/package/receipt.h"

#define MAGIC_LINE "folio-receipt 1"
#define KEYS_FILE_MAX (64u << 10)

const struct sign_ssh_use receipt_ssh_use = {
	.ns = RECEIPT_SSH_NAMESPACE,
	.file = "the receipt's signature",
	.subject = "the receipt",
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* A station id as [station] id allows it: letters, digits and '-', not empty. */
static bool valid_station(const char *s, size_t n)
{
	if (n == 0 || n > RECEIPT_STATION_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]) && !((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
		    s[i] != '-')
			return false;
	return true;
}

/* Decimal without sign or leading zero, at most UINT32_MAX; @n digits. */
static int parse_u32(const char *s, size_t n, uint32_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (s[0] == '0' && n > 1))
		return -FOLIO_EFORMAT;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -FOLIO_EFORMAT;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -FOLIO_EFORMAT;
	*ret = (uint32_t)v;
	return 0;
}

int receipt_from_name(const char *name, struct receipt *ret)
{
	size_t n = strlen(name), b, digits;
	const char *dash = NULL;
	char canon[16];
	uint64_t batch = 0;

	/* <station>-<8 hex>-B<batch as %06u>: the last "-B" starts the batch */
	for (const char *p = name; (p = strstr(p, "-B")) != NULL; p++)
		dash = p;
	if (n > RECEIPT_NAME_MAX || !dash)
		return -FOLIO_EFORMAT;
	b = (size_t)(dash - name);
	digits = n - b - 2;
	if (digits < 6 || digits > 10 || b < 10 || name[b - 9] != '-' ||
	    !is_lower_hex(name + b - 8, 8) || !valid_station(name, b - 9))
		return -FOLIO_EFORMAT;
	for (size_t i = b + 2; i < n; i++) {
		if (!is_digit(name[i]))
			return -FOLIO_EFORMAT;
		batch = batch * 10 + (uint64_t)(name[i] - '0');
	}
	if (batch == 0 || batch > UINT32_MAX)
		return -FOLIO_EFORMAT;
	snprintf(canon, sizeof(canon), "%06u", (unsigned)batch);
	if (strcmp(canon, name + b + 2) != 0)
		return -FOLIO_EFORMAT;
	memset(ret->package, 0, sizeof(ret->package));
	memcpy(ret->package, name, n);
	memset(ret->station, 0, sizeof(ret->station));
	memcpy(ret->station, name, b - 9);
	memcpy(ret->store, name + b - 8, 8);
	ret->store[8] = '\0';
	ret->batch = (uint32_t)batch;
	return 0;
}

void receipt_set_reason(struct receipt *r, const char *text, size_t len)
{
	static const char hexd[] = "0123456789abcdef";
	size_t o = 0;

	r->accepted = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 > RECEIPT_REASON_MAX)
				break;
			r->reason[o++] = (char)c;
		} else {
			if (o + 4 > RECEIPT_REASON_MAX)
				break;
			r->reason[o++] = '\\';
			r->reason[o++] = 'x';
			r->reason[o++] = hexd[c >> 4];
			r->reason[o++] = hexd[c & 15];
		}
	}
	r->reason[o] = '\0';
	if (o == 0) /* a refusal always says why */
		snprintf(r->reason, sizeof(r->reason), "refused");
}

int receipt_format(const struct receipt *r, char *buf, size_t size)
{
	char when[32];
	time_t t = (time_t)r->time;
	struct tm tm;
	int n;

	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -EINVAL;
	n = snprintf(buf, size,
		     MAGIC_LINE "\npackage %s\nstation %s\nstore %s\nbatch %u\nmanifest-sha256 "
				"%s\nverdict %s\n%s%s%stime %s\n",
		     r->package, r->station, r->store, r->batch, r->manifest_sha256,
		     r->accepted ? "accepted" : "refused", r->accepted ? "" : "reason ",
		     r->accepted ? "" : r->reason, r->accepted ? "" : "\n", when);
	if (n < 0 || (size_t)n >= size)
		return -EINVAL;
	return n;
}

/* A cursor over the receipt's lines. */
struct lines {
	const char *p, *end;
	unsigned no;
};

/* The next line "NAME VALUE\n": its value and length; -FOLIO_EFORMAT otherwise. */
static int next_value(struct lines *l, const char *name, const char **ret, size_t *ret_len,
		      char *why, size_t why_size)
{
	size_t nl = strlen(name), left = (size_t)(l->end - l->p);
	const char *eol = memchr(l->p, '\n', left);

	*ret = l->p; /* an empty value until the line is known good */
	*ret_len = 0;
	l->no++;
	if (!eol)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "receipt line %u: '%s' expected, the receipt ends without it",
				 l->no, name);
	if ((size_t)(eol - l->p) < nl + 1 || memcmp(l->p, name, nl) != 0 || l->p[nl] != ' ')
		return folio_why(-FOLIO_EFORMAT, why, why_size, "receipt line %u: '%s' expected",
				 l->no, name);
	*ret = l->p + nl + 1;
	*ret_len = (size_t)(eol - *ret);
	for (size_t i = 0; i < *ret_len; i++)
		if ((unsigned char)(*ret)[i] < 0x20 || (unsigned char)(*ret)[i] >= 0x7f)
			return folio_why(-FOLIO_EFORMAT, why, why_size,
					 "receipt line %u: a control or non-ASCII byte in '%s'",
					 l->no, name);
	l->p = eol + 1;
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ", a real UTC time */
static int parse_time(const char *s, size_t n, int64_t *ret)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm = { 0 }, back;
	time_t t;

	if (n != sizeof(form) - 1)
		return -FOLIO_EFORMAT;
	for (size_t i = 0; i < n; i++)
		if (form[i] == 'd' ? !is_digit(s[i]) : s[i] != form[i])
			return -FOLIO_EFORMAT;
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	tm.tm_hour = (s[11] - '0') * 10 + (s[12] - '0');
	tm.tm_min = (s[14] - '0') * 10 + (s[15] - '0');
	tm.tm_sec = (s[17] - '0') * 10 + (s[18] - '0');
	back = tm;
	t = timegm(&tm);
	/* timegm normalises 2026-02-30 to March: a date that moved was not a date */
	if (t == (time_t)-1 || tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon ||
	    tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -FOLIO_EFORMAT;
	*ret = (int64_t)t;
	return 0;
}

/* Copies a checked value into a field of @size bytes. */
static void copy_value(char *dst, size_t size, const char *v, size_t n)
{
	memcpy(dst, v, n < size ? n : size - 1);
	dst[n < size ? n : size - 1] = '\0';
}

/* The next line "NAME VALUE" (receipt.h) whose value, @what, is @digits lower-case hex digits. */
static int next_hex(struct lines *l, const char *name, const char *what, size_t digits, char *dst,
		    size_t size, char *why, size_t why_size)
{
	const char *v = NULL;
	size_t n = 0;
	int e;

	e = next_value(l, name, &v, &n, why, why_size);
	if (e < 0)
		return e;
	if (n != digits || !is_lower_hex(v, n))
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "receipt line %u: %s is %zu lower-case hex digits", l->no, what,
				 digits);
	copy_value(dst, size, v, n);
	return 0;
}

/* A reason's escapes must be \xHH with lower-case hex, and nothing else after '\'. */
static bool valid_reason(const char *v, size_t n)
{
	if (n == 0 || n > RECEIPT_REASON_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] == '\\' && (i + 3 >= n || v[i + 1] != 'x' || !is_lower_hex(v + i + 2, 2)))
			return false;
	return true;
}

/* Lines 2-5: the package's name and its station, store and batch, which must agree. */
static int parse_names(struct lines *l, struct receipt *r, char *why, size_t why_size)
{
	struct receipt named;
	const char *v = NULL;
	size_t n = 0;
	int e;

	e = next_value(l, "package", &v, &n, why, why_size);
	if (e < 0)
		return e;
	if (n > RECEIPT_NAME_MAX)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "receipt line 2: package name too long");
	copy_value(r->package, sizeof(r->package), v, n);
	if (receipt_from_name(r->package, &named) < 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "receipt line 2: '%s' is not a package name", r->package);

	e = next_value(l, "station", &v, &n, why, why_size);
	if (e < 0)
		return e;
	if (!valid_station(v, n))
		return folio_why(-FOLIO_EFORMAT, why, why_size, "receipt line 3: bad station id");
	copy_value(r->station, sizeof(r->station), v, n);

	e = next_hex(l, "store", "a store id", 8, r->store, sizeof(r->store), why, why_size);
	if (e < 0)
		return e;

	e = next_value(l, "batch", &v, &n, why, why_size);
	if (e < 0)
		return e;
	if (parse_u32(v, n, &r->batch) < 0 || r->batch == 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size, "receipt line 5: bad batch number");
	if (strcmp(named.station, r->station) != 0 || strcmp(named.store, r->store) != 0 ||
	    named.batch != r->batch)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "the receipt's package '%s' is not station %s, store %s, batch %u",
				 r->package, r->station, r->store, r->batch);
	return 0;
}

/* The manifest's hash, the verdict, the reason of a refusal and the time. */
static int parse_decision(struct lines *l, struct receipt *r, char *why, size_t why_size)
{
	const char *v = NULL;
	size_t n = 0;
	int e;

	e = next_hex(l, "manifest-sha256", "a manifest hash", 64, r->manifest_sha256,
		     sizeof(r->manifest_sha256), why, why_size);
	if (e < 0)
		return e;

	e = next_value(l, "verdict", &v, &n, why, why_size);
	if (e < 0)
		return e;
	if (n == 8 && memcmp(v, "accepted", 8) == 0)
		r->accepted = true;
	else if (!(n == 7 && memcmp(v, "refused", 7) == 0))
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "receipt line 7: the verdict is accepted or refused");
	if (!r->accepted) {
		e = next_value(l, "reason", &v, &n, why, why_size);
		if (e < 0)
			return e;
		if (!valid_reason(v, n))
			return folio_why(-FOLIO_EFORMAT, why, why_size,
					 "receipt line 8: a reason is 1 to %u bytes, escapes \\xHH",
					 RECEIPT_REASON_MAX);
		copy_value(r->reason, sizeof(r->reason), v, n);
	}
	e = next_value(l, "time", &v, &n, why, why_size);
	if (e < 0)
		return e;
	if (parse_time(v, n, &r->time) < 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "receipt line %u: a time is YYYY-MM-DDTHH:MM:SSZ", l->no);
	return 0;
}

int receipt_parse(const char *text, size_t len, struct receipt *ret, char *why, size_t why_size)
{
	struct lines l = { text, text + len, 0 };
	struct receipt r = { 0 };
	int e;

	if (len > RECEIPT_MAX)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "the receipt is %zu bytes (at most %u)", len, RECEIPT_MAX);
	if (memchr(text, '\0', len))
		return folio_why(-FOLIO_EFORMAT, why, why_size, "the receipt holds a NUL byte");
	l.no++;
	if (len < sizeof(MAGIC_LINE) || memcmp(text, MAGIC_LINE "\n", sizeof(MAGIC_LINE)) != 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "not a Folio receipt: it does not start with '" MAGIC_LINE "'");
	l.p += sizeof(MAGIC_LINE);
	e = parse_names(&l, &r, why, why_size);
	if (e == 0)
		e = parse_decision(&l, &r, why, why_size);
	if (e < 0)
		return e;
	if (l.p != l.end)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "the receipt has more after its last line");
	*ret = r;
	return 0;
}

int receipt_check(const struct sign_key *keys, size_t n_keys, const char *text, size_t len,
		  const char *sig, size_t sig_len, struct receipt *ret, char *why, size_t why_size)
{
	char first[256] = "";
	int r = -FOLIO_ECORRUPT;

	if (n_keys == 0)
		return folio_why(-FOLIO_ECORRUPT, why, why_size, "no office key to check it with");
	for (size_t i = 0; i < n_keys; i++) {
		char w[256];

		r = sign_sshsig_check_for(&receipt_ssh_use, &keys[i], text, len, sig, sig_len, w,
					  sizeof(w));
		if (r == 0)
			break;
		if (r == -FOLIO_EFORMAT) /* the same for every key */
			return folio_why(r, why, why_size, "%s", w);
		if (!first[0] || !strstr(w, "another key"))
			snprintf(first, sizeof(first), "%s", w);
	}
	if (r < 0) {
		if (strstr(first, "another key"))
			return folio_why(r, why, why_size,
					 "the receipt is signed by a key that is not an office "
					 "receipt key of [upload] receipt_keys");
		return folio_why(r, why, why_size, "%s", first);
	}
	return receipt_parse(text, len, ret, why, why_size);
}

/* Replaces @name in @dfd with @data: a temporary file, synced, renamed over it. */
static int replace_file(int dfd, const char *name, const char *data, size_t len)
{
	char temp[RECEIPT_NAME_MAX + 32];
	int r;

	if ((size_t)snprintf(temp, sizeof(temp), ".%s.tmp", name) >= sizeof(temp))
		return -ENAMETOOLONG;
	(void)unlinkat(dfd, temp, 0); /* left by a crash */
	r = file_create_synced(dfd, temp, 0644, data, len);
	if (r < 0)
		return r;
	if (renameat(dfd, temp, dfd, name) < 0) {
		r = -errno;
		(void)unlinkat(dfd, temp, 0);
		return r;
	}
	return 0;
}

/* Whether @dfd holds an accepted receipt called @name. */
static bool accepted_there(int dfd, const char *name)
{
	char buf[RECEIPT_MAX + 1];
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct receipt old = { 0 };
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	return n > 0 && receipt_parse(buf, (size_t)n, &old, NULL, 0) == 0 && old.accepted;
}

int receipt_write(const char *folder, const struct receipt *r, const struct sign_key *key,
		  char *why, size_t why_size)
{
	char text[RECEIPT_MAX], sig[SIGN_SSH_MAX];
	char name[RECEIPT_NAME_MAX + 32], sig_name[RECEIPT_NAME_MAX + 32];
	_cleanup_close_ int dfd = -1;
	int tn, sn, e;

	tn = receipt_format(r, text, sizeof(text));
	if (tn < 0)
		return folio_why(tn, why, why_size, "the receipt for '%s' does not fit %u bytes",
				 r->package, RECEIPT_MAX);
	sn = sign_sshsig_for(&receipt_ssh_use, key, text, (size_t)tn, sig, sizeof(sig));
	if (sn < 0)
		return folio_why(sn, why, why_size, "cannot sign the receipt for '%s'", r->package);
	snprintf(name, sizeof(name), "%s" RECEIPT_SUFFIX, r->package);
	snprintf(sig_name, sizeof(sig_name), "%s" RECEIPT_SIG_SUFFIX, r->package);
	if (mkdir(folder, 0755) < 0 && errno != EEXIST) {
		e = -errno;
		return folio_why(e, why, why_size, "cannot create '%s': %s", folder,
				 folio_strerror(e));
	}
	dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		e = -errno;
		return folio_why(e, why, why_size, "cannot open '%s': %s", folder,
				 folio_strerror(e));
	}
	if (accepted_there(dfd, name))
		return folio_why(-EEXIST, why, why_size,
				 "'%s/%s' already accepts this package: kept as it is", folder,
				 name);
	e = replace_file(dfd, sig_name, sig, (size_t)sn);
	if (e == 0)
		e = replace_file(dfd, name, text, (size_t)tn);
	if (e == 0 && fsync(dfd) < 0)
		e = -errno;
	if (e < 0)
		return folio_why(e, why, why_size, "cannot write '%s/%s': %s", folder, name,
				 folio_strerror(e));
	return 0;
}

int receipt_load_keys(const char *path, struct sign_key *keys, size_t max, size_t *ret_n, char *why,
		      size_t why_size)
{
	_cleanup_free_ char *buf = malloc(KEYS_FILE_MAX + 1);
	_cleanup_close_ int fd = -1;
	size_t len = 0, n = 0;
	unsigned line = 0;
	char *p, *eol;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		return folio_why(r, why, why_size, "%s: cannot be read: %s", path,
				 folio_strerror(r));
	}
	for (;;) {
		ssize_t k = read(fd, buf + len, KEYS_FILE_MAX + 1 - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int r = -errno;

			return folio_why(r, why, why_size, "%s: cannot be read: %s", path,
					 folio_strerror(r));
		}
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > KEYS_FILE_MAX)
			return folio_why(-FOLIO_EFORMAT, why, why_size, "%s: larger than %u bytes",
					 path, KEYS_FILE_MAX);
	}
	buf[len] = '\0';
	for (p = buf; p < buf + len; p = eol + 1) {
		size_t ll;

		line++;
		eol = memchr(p, '\n', (size_t)(buf + len - p));
		if (!eol)
			eol = buf + len;
		ll = (size_t)(eol - p);
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (ll == 0 || p[0] == '#')
			continue;
		if (n == max)
			return folio_why(-FOLIO_EFORMAT, why, why_size, "%s:%u: more than %zu keys",
					 path, line, max);
		if (sign_ssh_parse_public(p, ll, &keys[n]) < 0)
			return folio_why(-FOLIO_EFORMAT, why, why_size,
					 "%s:%u: not an OpenSSH Ed25519 public key "
					 "(\"ssh-ed25519 AAAA... comment\")",
					 path, line);
		n++;
	}
	if (n == 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size, "%s: holds no key", path);
	*ret_n = n;
	return 0;
}
