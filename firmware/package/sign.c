/* The station key: Ed25519 key files and detached signatures (libsodium). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/package/sign.h"

#define SECRET_TAG "folio-ed25519-secret "
#define PUBLIC_TAG "folio-ed25519-public "
#define SIG_TAG "folio-ed25519 "

static int reason(int r, char *why, size_t size, const char *fmt, ...) _printf_(4, 5);

static int reason(int r, char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return r;
}

static int ensure_sodium(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

static void key_id(const uint8_t pk[32], char id[SIGN_KEY_ID_LEN + 1])
{
	uint8_t sum[32];

	crypto_hash_sha256(sum, pk, 32);
	sodium_bin2hex(id, SIGN_KEY_ID_LEN + 1, sum, SIGN_KEY_ID_LEN / 2);
}

/* Strict lower-case hex of exactly @n bytes. */
static int from_hex(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n)
		return -FOLIO_EFORMAT;
	for (size_t i = 0; i < slen; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -FOLIO_EFORMAT;
	if (sodium_hex2bin(out, n, s, slen, NULL, NULL, NULL) != 0)
		return -FOLIO_EFORMAT;
	return 0;
}

/* Reads a one-line key file: @tag, hex, a newline, nothing else. */
static int read_line_file(int fd, char *buf, size_t size, size_t *ret_len)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, size - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == size)
			return -FOLIO_EFORMAT;
	}
	*ret_len = n;
	return 0;
}

static int parse_key_line(const char *buf, size_t n, const char *tag, uint8_t *out, size_t bytes)
{
	size_t tl = strlen(tag);

	if (n < tl + 1 || memcmp(buf, tag, tl) != 0 || buf[n - 1] != '\n')
		return -FOLIO_EFORMAT;
	return from_hex(buf + tl, n - tl - 1, out, bytes);
}

int sign_keygen(const char *dir, struct sign_key *ret)
{
	struct sign_key k = { 0 };
	char line[SIGN_LINE_MAX];
	_cleanup_close_ int dfd = -1;
	int r;

	r = ensure_sodium();
	if (r < 0)
		return r;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (faccessat(dfd, SIGN_SECRET_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    faccessat(dfd, SIGN_PUBLIC_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	crypto_sign_keypair(k.pk, k.sk);
	k.has_secret = true;
	key_id(k.pk, k.id);

	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): the hex key follows */
	memcpy(line, SECRET_TAG, strlen(SECRET_TAG));
	sodium_bin2hex(line + strlen(SECRET_TAG), sizeof(line) - strlen(SECRET_TAG), k.sk, 64);
	strcat(line, "\n");
	r = file_create_synced(dfd, SIGN_SECRET_FILE, 0600, line, strlen(line));
	sodium_memzero(line, sizeof(line));
	if (r < 0)
		goto fail;
	snprintf(line, sizeof(line), PUBLIC_TAG);
	sodium_bin2hex(line + strlen(PUBLIC_TAG), sizeof(line) - strlen(PUBLIC_TAG), k.pk, 32);
	strcat(line, "\n");
	r = file_create_synced(dfd, SIGN_PUBLIC_FILE, 0644, line, strlen(line));
	if (r < 0) {
		unlinkat(dfd, SIGN_SECRET_FILE, 0);
		goto fail;
	}
	if (fsync(dfd) < 0) {
		r = -errno;
		goto fail;
	}
	*ret = k;
	sodium_memzero(&k, sizeof(k));
	return 0;
fail:
	sodium_memzero(&k, sizeof(k));
	return r;
}

int sign_load_secret(const char *path, struct sign_key *ret)
{
	struct sign_key k = { 0 };
	uint8_t pk[32], sk[64];
	char buf[SIGN_LINE_MAX];
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t n;
	int r;

	r = ensure_sodium();
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -FOLIO_EFORMAT;
	if (st.st_mode & 0077)
		return -EPERM;
	r = read_line_file(fd, buf, sizeof(buf), &n);
	if (r == 0)
		r = parse_key_line(buf, n, SECRET_TAG, k.sk, sizeof(k.sk));
	sodium_memzero(buf, sizeof(buf));
	if (r < 0)
		goto out;
	/* The secret key is seed + public key: both halves must belong together. */
	crypto_sign_ed25519_sk_to_pk(k.pk, k.sk);
	crypto_sign_seed_keypair(pk, sk, k.sk);
	if (sodium_memcmp(pk, k.pk, sizeof(pk)) != 0) {
		r = -FOLIO_EFORMAT;
		goto out;
	}
	k.has_secret = true;
	key_id(k.pk, k.id);
	*ret = k;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&k, sizeof(k));
	return r;
}

int sign_load_public(const char *path, struct sign_key *ret)
{
	struct sign_key k = { 0 };
	char buf[SIGN_LINE_MAX];
	_cleanup_close_ int fd = -1;
	size_t n = 0;
	int r;

	r = ensure_sodium();
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_line_file(fd, buf, sizeof(buf), &n);
	if (r < 0)
		return r;
	r = parse_key_line(buf, n, PUBLIC_TAG, k.pk, sizeof(k.pk));
	if (r < 0)
		return r;
	key_id(k.pk, k.id);
	*ret = k;
	return 0;
}

int sign_detached(const struct sign_key *k, const void *data, size_t len, char *buf, size_t size)
{
	uint8_t sig[crypto_sign_BYTES];
	int n;

	if (!k->has_secret || size < SIGN_LINE_MAX || ensure_sodium() < 0)
		return -EINVAL;
	crypto_sign_detached(sig, NULL, data, len, k->sk);
	n = snprintf(buf, size, SIG_TAG "%s ", k->id);
	sodium_bin2hex(buf + n, size - (size_t)n, sig, sizeof(sig));
	n += 2 * (int)sizeof(sig);
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

int sign_check(const struct sign_key *k, const void *data, size_t len, const char *sig,
	       size_t sig_len, char *why, size_t why_size)
{
	const size_t tl = strlen(SIG_TAG), want = tl + SIGN_KEY_ID_LEN + 1 + 128 + 1;
	uint8_t bin[crypto_sign_BYTES], idbin[SIGN_KEY_ID_LEN / 2];
	char id[SIGN_KEY_ID_LEN + 1];

	if (ensure_sodium() < 0)
		return reason(-EIO, why, why_size, "libsodium cannot start");
	if (sig_len != want || memcmp(sig, SIG_TAG, tl) != 0 || sig[tl + SIGN_KEY_ID_LEN] != ' ' ||
	    sig[want - 1] != '\n' ||
	    from_hex(sig + tl, SIGN_KEY_ID_LEN, idbin, sizeof(idbin)) < 0 ||
	    from_hex(sig + tl + SIGN_KEY_ID_LEN + 1, 128, bin, sizeof(bin)) < 0)
		return reason(-FOLIO_EFORMAT, why, why_size,
			      "'%s' is not a signature line (%zu bytes, expected %zu): truncated "
			      "or altered",
			      SIGN_FILE, sig_len, want);
	memcpy(id, sig + tl, SIGN_KEY_ID_LEN);
	id[SIGN_KEY_ID_LEN] = '\0';
	if (strcmp(id, k->id) != 0)
		return reason(-FOLIO_ECORRUPT, why, why_size,
			      "signed by station key %s, not by the enrolled key %s", id, k->id);
	if (crypto_sign_verify_detached(bin, data, len, k->pk) != 0)
		return reason(-FOLIO_ECORRUPT, why, why_size,
			      "signature does not match the manifest: the manifest or the "
			      "signature was altered");
	return 0;
}

void sign_key_wipe(struct sign_key *k)
{
	sodium_memzero(k, sizeof(*k));
}
