/* The office's verifier: signature, hashes, sizes, completeness, page counts, schemas. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/package/events.h"
#include "firmware/package/schema.h"
#include "firmware/package/sign.h"
#include "firmware/package/st96.h"
#include "firmware/package/verify.h"

#define MANIFEST "MANIFEST.sha256"
#define SIZES "MANIFEST.sizes"
#define BATCH "BATCH.txt"
#define MANIFEST_MAX (32u << 20)
#define XML_MAX (64u << 20)
#define SIG_READ_MAX 4096

struct file {
	char path[VERIFY_PATH_MAX];
	uint64_t size;
	bool is_dir;
	bool listed; /* in the manifest (files), or holding a listed file (folders) */
};

struct entry {
	char path[VERIFY_PATH_MAX];
	char sha256[65];
	unsigned line;
	bool sized;
};

struct verifier {
	int dir_fd;
	struct verify_report *rep;
	struct file *files;
	size_t n_files, cap_files;
	struct entry *entries;
	size_t n_entries;
	struct schema *schemas[3 + ST96_N_PARTS]; /* by IP type, then a patent's other parts */
	const char *schema_dir;
};

static void problem(struct verifier *v, const char *fmt, ...) _printf_(2, 3);

/* The length of the valid UTF-8 sequence at @s (not a C1 control), 0 when there is none. */
static size_t utf8_printable(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf5 || n == 0)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) /* U+0080..U+009F: C1 controls */
		return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 4 && s[0] == 0xf0 && s[1] < 0x90) ||
	    (n == 4 && s[0] == 0xf4 && s[1] > 0x8f) || (n == 3 && s[0] == 0xed && s[1] > 0x9f))
		return 0; /* overlong, beyond U+10FFFF, surrogates */
	return n;
}

/*
 * The office operator reads problems on a terminal: names from the package may carry escape
 * sequences. Every control byte and every byte that is no printable UTF-8 becomes \xHH.
 */
static void escape_printable(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	while (*s && o + 5 < size) {
		size_t n = *s >= 0x80 ? utf8_printable(s) : (*s >= 0x20 && *s != 0x7f);

		if (n) {
			memcpy(out + o, s, n);
			o += n;
			s += n;
		} else {
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", *s++);
		}
	}
	out[o] = '\0';
}

static void problem(struct verifier *v, const char *fmt, ...)
{
	struct verify_report *rep = v->rep;
	char raw[VERIFY_PROBLEM_LEN];
	va_list ap;

	if (rep->n_problems >= VERIFY_MAX_PROBLEMS) {
		rep->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	escape_printable(raw, rep->problems[rep->n_problems++], VERIFY_PROBLEM_LEN);
}

/* A name in the package: [A-Za-z0-9._-], not starting with '.' or '-', bounded. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* "name" or "folder/name", both names_ok. */
static bool rel_ok(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);

	if (!slash)
		return name_ok(s, n);
	return name_ok(s, (size_t)(slash - s)) && name_ok(slash + 1, n - (size_t)(slash - s) - 1);
}

static int add_file(struct verifier *v, const char *path, uint64_t size, bool is_dir)
{
	if (v->n_files == v->cap_files) {
		size_t ncap = v->cap_files ? v->cap_files * 2 : 256;
		struct file *nf;

		if (ncap > VERIFY_MAX_FILES)
			return -FOLIO_ETOOBIG;
		nf = reallocarray(v->files, ncap, sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		v->files = nf;
		v->cap_files = ncap;
	}
	v->files[v->n_files] = (struct file){ .size = size, .is_dir = is_dir };
	snprintf(v->files[v->n_files].path, VERIFY_PATH_MAX, "%s", path);
	v->n_files++;
	return 0;
}

/* Lists the package: files at the top and one level of folders below, nothing deeper. */
static int scan_dir(struct verifier *v, int fd, const char *prefix, int depth)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r == 0 && (e = readdir(d))) {
		char path[VERIFY_PATH_MAX * 2];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s%s", prefix, e->d_name);
		if (strlen(path) >= VERIFY_PATH_MAX || !name_ok(e->d_name, strlen(e->d_name))) {
			problem(v, "unexpected name '%.*s' in the package", 80, path);
			continue;
		}
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode) && depth == 0) {
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			char sub_prefix[VERIFY_PATH_MAX + 1];

			if (sub < 0) {
				r = -errno;
				break;
			}
			r = add_file(v, path, 0, true);
			if (r < 0) {
				close(sub);
				break;
			}
			snprintf(sub_prefix, sizeof(sub_prefix), "%s/", path);
			r = scan_dir(v, sub, sub_prefix, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			r = add_file(v, path, (uint64_t)st.st_size, false);
		} else {
			problem(v, "'%s' is %s, not a file: packages hold plain files only", path,
				S_ISLNK(st.st_mode)   ? "a symbolic link"
				: S_ISDIR(st.st_mode) ? "a nested folder"
						      : "a special file");
		}
	}
	closedir(d);
	return r;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->path, ((const struct file *)b)->path);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

static struct file *find_file(struct verifier *v, const char *path)
{
	struct file key = { 0 };

	if (!v->n_files)
		return NULL;
	snprintf(key.path, sizeof(key.path), "%s", path);
	return bsearch(&key, v->files, v->n_files, sizeof(*v->files), cmp_file);
}

static struct entry *find_entry(struct verifier *v, const char *path)
{
	struct entry key = { 0 };

	if (!v->n_entries)
		return NULL;
	snprintf(key.path, sizeof(key.path), "%s", path);
	return bsearch(&key, v->entries, v->n_entries, sizeof(*v->entries), cmp_entry);
}

/* Reads a whole file of the package (at most @max bytes; -FOLIO_ETOOBIG beyond). */
static int read_all(int dir_fd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;

			if (cap > max)
				return -FOLIO_ETOOBIG;
			nb = realloc(buf, ncap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max)
		return -FOLIO_ETOOBIG;
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = n;
	return 0;
}

static int hash_file(int dir_fd, const char *path, char hex[65])
{
	_cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	crypto_hash_sha256_state st;
	uint8_t buf[65536], sum[32];

	if (fd < 0)
		return -errno;
	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		crypto_hash_sha256_update(&st, buf, (size_t)r);
	}
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(hex, 65, sum, sizeof(sum));
	return 0;
}

static bool lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Parses MANIFEST.sha256: "<64 hex>  <path>\n" lines, strictly. */
static int parse_manifest(struct verifier *v, const char *text, size_t len)
{
	unsigned line = 0;
	size_t max = len / 68 + 1;

	v->entries = calloc(max, sizeof(*v->entries));
	if (!v->entries)
		return -ENOMEM;
	for (size_t at = 0; at < len;) {
		const char *l = text + at, *nl = memchr(l, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - l) : len - at;
		struct entry *e;

		line++;
		at += ll + 1;
		if (!nl) {
			problem(v, "%s line %u does not end with a newline: truncated", MANIFEST,
				line);
			break;
		}
		if (ll < 67 || !lower_hex(l, 64) || l[64] != ' ' || l[65] != ' ' ||
		    !rel_ok(l + 66, ll - 66) || ll - 66 >= VERIFY_PATH_MAX) {
			problem(v, "%s line %u is not '<sha256>  <file>'", MANIFEST, line);
			continue;
		}
		if (v->n_entries == max)
			break;
		e = &v->entries[v->n_entries++];
		memcpy(e->sha256, l, 64);
		memcpy(e->path, l + 66, ll - 66);
		e->line = line;
	}
	if (v->n_entries == 0 && v->rep->n_problems == 0)
		problem(v, "%s lists no file", MANIFEST);
	qsort(v->entries, v->n_entries, sizeof(*v->entries), cmp_entry);
	for (size_t i = 1; i < v->n_entries; i++)
		if (strcmp(v->entries[i].path, v->entries[i - 1].path) == 0)
			problem(v, "%s lists '%s' twice (lines %u and %u)", MANIFEST,
				v->entries[i].path, v->entries[i - 1].line, v->entries[i].line);
	return 0;
}

static void check_signature(struct verifier *v, const struct sign_key *key, const char *manifest,
			    size_t len)
{
	_cleanup_free_ char *sig = NULL;
	char why[256];
	size_t sig_len = 0;
	int r;

	r = read_all(v->dir_fd, SIGN_FILE, SIG_READ_MAX, &sig, &sig_len);
	if (r == -ENOENT) {
		problem(v, "package is not signed: %s is missing", SIGN_FILE);
		return;
	}
	if (r < 0) {
		problem(v, "cannot read %s: %s", SIGN_FILE, folio_strerror(r));
		return;
	}
	r = sign_check(key, manifest, len, sig, sig_len, why, sizeof(why));
	if (r < 0) {
		problem(v, "bad signature: %s", why);
		return;
	}
	v->rep->signature_ok = true;
}

/* MANIFEST.sha256.sshsig, OpenSSH's form of the same signature: checked when it is there. */
static void check_ssh_signature(struct verifier *v, const struct sign_key *key,
				const char *manifest, size_t len)
{
	_cleanup_free_ char *sig = NULL;
	char why[256];
	size_t sig_len = 0;
	int r;

	r = read_all(v->dir_fd, SIGN_SSH_FILE, SIG_READ_MAX, &sig, &sig_len);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		problem(v, "cannot read %s: %s", SIGN_SSH_FILE, folio_strerror(r));
		return;
	}
	r = sign_sshsig_check(key, manifest, len, sig, sig_len, why, sizeof(why));
	if (r < 0) {
		problem(v, "bad SSH signature: %s", why);
		return;
	}
	v->rep->ssh_signature_ok = true;
}

static void check_files(struct verifier *v)
{
	for (size_t i = 0; i < v->n_entries; i++) {
		struct entry *e = &v->entries[i];
		struct file *f = find_file(v, e->path);
		char hex[65];
		int r;

		if (!f || f->is_dir) {
			problem(v, "'%s' is listed in the manifest but missing", e->path);
			continue;
		}
		f->listed = true;
		r = hash_file(v->dir_fd, e->path, hex);
		if (r < 0)
			problem(v, "cannot read '%s': %s", e->path, folio_strerror(r));
		else if (strcmp(hex, e->sha256) != 0)
			problem(v, "'%s' does not match its SHA-256 in the manifest: altered",
				e->path);
		v->rep->files++;
		v->rep->bytes += f->size;
	}
	for (size_t i = 0; i < v->n_files; i++) {
		struct file *f = &v->files[i];

		if (f->is_dir || f->listed || strcmp(f->path, MANIFEST) == 0 ||
		    strcmp(f->path, SIGN_FILE) == 0 || strcmp(f->path, SIGN_SSH_FILE) == 0)
			continue;
		problem(v, "'%s' is in the package but not in the manifest", f->path);
	}
}

static int parse_u64(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return 0;
}

static void check_sizes(struct verifier *v)
{
	_cleanup_free_ char *text = NULL;
	unsigned line = 0;
	size_t len = 0;
	int r;

	if (!find_entry(v, SIZES)) {
		problem(v, "%s is not in the manifest", SIZES);
		return;
	}
	r = read_all(v->dir_fd, SIZES, MANIFEST_MAX, &text, &len);
	if (r < 0)
		return; /* reported as missing or unreadable already */
	for (size_t at = 0; at < len;) {
		const char *l = text + at, *nl = memchr(l, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - l) : len - at, sp;
		struct entry *e;
		struct file *f;
		char path[VERIFY_PATH_MAX];
		uint64_t size;

		line++;
		at += ll + 1;
		sp = strcspn(l, " \n");
		if (!nl || sp + 2 >= ll || l[sp] != ' ' || l[sp + 1] != ' ' ||
		    parse_u64(l, sp, &size) < 0 || ll - sp - 2 >= VERIFY_PATH_MAX) {
			problem(v, "%s line %u is not '<size>  <file>'", SIZES, line);
			continue;
		}
		memcpy(path, l + sp + 2, ll - sp - 2);
		path[ll - sp - 2] = '\0';
		e = find_entry(v, path);
		if (!e) {
			problem(v, "%s line %u names '%s', which the manifest does not list", SIZES,
				line, path);
			continue;
		}
		e->sized = true;
		f = find_file(v, path);
		if (f && !f->is_dir && f->size != size)
			problem(v, "'%s' is %llu bytes, %s says %llu", path,
				(unsigned long long)f->size, SIZES, (unsigned long long)size);
	}
	for (size_t i = 0; i < v->n_entries; i++)
		if (!v->entries[i].sized && strcmp(v->entries[i].path, SIZES) != 0)
			problem(v, "'%s' has no size in %s", v->entries[i].path, SIZES);
}

static bool is_page_image(const char *name)
{
	size_t n = strlen(name);

	return n == 9 && name[0] == 'P' &&
	       (strcmp(name + 5, ".tif") == 0 || strcmp(name + 5, ".jpg") == 0) &&
	       strspn(name + 1, "0123456789") == 4;
}

struct xml_facts {
	int ip_type;	 /* enum ip_type, -1 unknown root */
	long page_total; /* com:PageTotalQuantity, -1 when absent */
	size_t n_names;
	char (*names)[VERIFY_PATH_MAX]; /* com:FileName values */
};

static void collect(xmlNode *n, struct xml_facts *x, size_t max)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "FileName") == 0 && x->n_names < max) {
			xmlChar *c = xmlNodeGetContent(n);

			snprintf(x->names[x->n_names++], VERIFY_PATH_MAX, "%s",
				 c ? (const char *)c : "");
			xmlFree(c);
		} else if (strcmp((const char *)n->name, "PageTotalQuantity") == 0) {
			xmlChar *c = xmlNodeGetContent(n);

			x->page_total = c ? strtol((const char *)c, NULL, 10) : -1;
			xmlFree(c);
		}
		collect(n->children, x, max);
	}
}

static int schema_load_once(struct verifier *v, size_t slot, const char *name, struct schema **ret)
{
	char path[PATH_MAX];
	int r;

	if (!v->schemas[slot]) {
		snprintf(path, sizeof(path), "%s/%s", v->schema_dir, name);
		r = schema_load(path, &v->schemas[slot]);
		if (r < 0)
			return log_debug_errno(r, "cannot load schema '%s'", path);
	}
	*ret = v->schemas[slot];
	return 0;
}

static int schema_of(struct verifier *v, int t, struct schema **ret)
{
	return schema_load_once(v, (size_t)t, st96_schema_for((enum ip_type)t), ret);
}

/*
 * A patent's bibliographic.xml and files.xml (st96.h): there, well-formed, every file they name
 * in the package, and valid against their schema when schemas are checked.
 */
static int check_patent_parts(struct verifier *v, const char *dir)
{
	for (int part = ST96_PART_BIBLIOGRAPHIC; part < ST96_N_PARTS; part++) {
		const char *file = st96_part_file(IP_PATENT, (enum st96_part)part);
		const char *xsd = st96_part_schema(IP_PATENT, (enum st96_part)part);
		_cleanup_free_ char *xml = NULL;
		struct xml_facts x = { .ip_type = -1, .page_total = -1 };
		char path[VERIFY_PATH_MAX * 2], why[200];
		size_t len = 0;
		xmlDoc *doc;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (!find_file(v, path)) {
			problem(v, "patent document folder '%s' has no %s", dir, file);
			continue;
		}
		r = read_all(v->dir_fd, path, XML_MAX, &xml, &len);
		if (r < 0) {
			problem(v, "cannot read '%s': %s", path, folio_strerror(r));
			continue;
		}
		doc = xmlReadMemory(xml, (int)len, path, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		if (!doc || !xmlDocGetRootElement(doc)) {
			problem(v, "'%s' is not well-formed XML", path);
			xmlFreeDoc(doc);
			continue;
		}
		x.names = calloc(v->n_files + 1, sizeof(*x.names));
		if (!x.names) {
			xmlFreeDoc(doc);
			return -ENOMEM;
		}
		collect(xmlDocGetRootElement(doc), &x, v->n_files + 1);
		xmlFreeDoc(doc);
		for (size_t i = 0; i < x.n_names; i++) {
			char named[VERIFY_PATH_MAX * 2];

			snprintf(named, sizeof(named), "%s/%s", dir, x.names[i]);
			if (!find_file(v, named))
				problem(v, "'%s' names '%s', which is not in the package", path,
					x.names[i]);
		}
		free(x.names);
		if (v->schema_dir) {
			struct schema *sc = NULL;

			r = schema_load_once(v, 3 + (size_t)part, xsd, &sc);
			if (r < 0)
				return -FOLIO_ESCHEMA;
			r = schema_validate(sc, xml, len, why, sizeof(why));
			if (r < 0)
				problem(v, "'%s' is not valid ST.96 (%s): %s", path, xsd, why);
		}
	}
	return 0;
}

/* One document folder: its XML against the page images that are there. */
static int check_document(struct verifier *v, const char *dir)
{
	_cleanup_free_ char *xml = NULL;
	struct xml_facts x = { .ip_type = -1, .page_total = -1 };
	char path[VERIFY_PATH_MAX * 2], why[200];
	size_t len = 0, images = 0, prefix = strlen(dir) + 1, named_images = 0;
	xmlDoc *doc;
	int r;

	snprintf(path, sizeof(path), "%s/document.xml", dir);
	if (!find_file(v, path)) {
		problem(v, "document folder '%s' has no document.xml", dir);
		return 0;
	}
	r = read_all(v->dir_fd, path, XML_MAX, &xml, &len);
	if (r < 0) {
		problem(v, "cannot read '%s': %s", path, folio_strerror(r));
		return 0;
	}
	doc = xmlReadMemory(xml, (int)len, path, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || !xmlDocGetRootElement(doc)) {
		problem(v, "'%s' is not well-formed XML", path);
		xmlFreeDoc(doc);
		return 0;
	}
	{
		const char *root = (const char *)xmlDocGetRootElement(doc)->name;

		x.ip_type = strcmp(root, "ApplicationBody") == 0	? IP_PATENT
			    : strcmp(root, "TrademarkApplication") == 0 ? IP_TRADEMARK
			    : strcmp(root, "DesignApplication") == 0	? IP_DESIGN
									: -1;
	}
	x.names = calloc(v->n_files + 1, sizeof(*x.names));
	if (!x.names) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	collect(xmlDocGetRootElement(doc), &x, v->n_files + 1);
	xmlFreeDoc(doc);

	for (size_t i = 0; i < v->n_files; i++) {
		const char *p = v->files[i].path;

		if (strncmp(p, dir, prefix - 1) == 0 && p[prefix - 1] == '/' &&
		    is_page_image(p + prefix))
			images++;
	}
	for (size_t i = 0; i < x.n_names; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, x.names[i]);
		if (is_page_image(x.names[i]))
			named_images++;
		if (!find_file(v, path))
			problem(v, "'%s/document.xml' names '%s', which is not in the package", dir,
				x.names[i]);
	}
	if (named_images != images)
		problem(v, "'%s/document.xml' lists %zu page%s, the folder has %zu page image%s",
			dir, named_images, named_images == 1 ? "" : "s", images,
			images == 1 ? "" : "s");
	if (x.page_total >= 0 && (size_t)x.page_total != images)
		problem(v, "'%s/document.xml' gives a page total of %ld, the folder has %zu", dir,
			x.page_total, images);
	v->rep->documents++;
	v->rep->pages += (uint32_t)images;

	if (x.ip_type < 0) {
		problem(v, "'%s/document.xml' is not an ST.96 document Folio writes", dir);
	} else if (v->schema_dir) {
		struct schema *s = NULL;

		r = schema_of(v, x.ip_type, &s);
		if (r < 0) {
			free(x.names);
			return -FOLIO_ESCHEMA;
		}
		r = schema_validate(s, xml, len, why, sizeof(why));
		if (r < 0)
			problem(v, "'%s/document.xml' is not valid ST.96 (%s): %s", dir,
				st96_schema_for((enum ip_type)x.ip_type), why);
	}
	free(x.names);
	if (x.ip_type == IP_PATENT)
		return check_patent_parts(v, dir);
	return 0;
}

/* The value of "KEY: value" line @l (up to its newline) into @buf when it is 1..max bytes of
 * @allowed characters; false otherwise. */
static bool line_value(const char *l, const char *key, const char *allowed, char *buf, size_t max)
{
	size_t kl = strlen(key), n;

	if (strncmp(l, key, kl) != 0)
		return false;
	l += kl;
	n = strcspn(l, "\n");
	if (n == 0 || n > max || strspn(l, allowed) < n)
		return false;
	memcpy(buf, l, n);
	buf[n] = '\0';
	return true;
}

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/*
 * BATCH.txt: "documents: N" and "pages: N" against what the folders hold; station, store and
 * batch against the folder's name @name; the batch's chain of custody in EVENTS.txt.
 */
static void check_batch(struct verifier *v, const char *name)
{
	_cleanup_free_ char *text = NULL, *events = NULL;
	char station[33] = "", store[17] = "", batch[11] = "", want[80], why[256];
	long docs = -1, pages = -1;
	size_t len = 0;
	int r;

	if (read_all(v->dir_fd, BATCH, 65536, &text, &len) < 0) {
		problem(v, "%s is missing or unreadable", BATCH);
		return;
	}
	if (!text || memchr(text, '\0', len)) {
		problem(v, "%s holds a NUL byte", BATCH);
		return;
	}
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, "documents: ", 11) == 0)
			docs = strtol(l + 11, NULL, 10);
		else if (strncmp(l, "pages: ", 7) == 0)
			pages = strtol(l + 7, NULL, 10);
		if (!station[0])
			(void)line_value(l, "station: ", NAME_CHARS, station, 32);
		if (!store[0])
			(void)line_value(l, "store: ", "0123456789abcdef", store, 16);
		if (!batch[0])
			(void)line_value(l, "batch: ", "0123456789", batch, 10);
	}
	if (docs != (long)v->rep->documents || pages != (long)v->rep->pages)
		problem(v, "%s counts %ld documents and %ld pages, the package holds %u and %u",
			BATCH, docs, pages, v->rep->documents, v->rep->pages);
	if (!station[0] || !batch[0] || strtoul(batch, NULL, 10) > UINT32_MAX) {
		problem(v, "%s does not name its station and batch", BATCH);
		return;
	}
	if (store[0] && strlen(store) == 16)
		snprintf(want, sizeof(want), "%s-%.8s-B%06lu", station, store,
			 strtoul(batch, NULL, 10));
	else
		snprintf(want, sizeof(want), "%s-B%06lu", station, strtoul(batch, NULL, 10));
	if (strcmp(name, want) != 0)
		problem(v,
			"the folder is named '%.80s' but %s is of station %s, store %s, batch %s "
			"('%s'): a copied, renamed or replayed package",
			name, BATCH, station, store[0] ? store : "(none)", batch, want);

	r = read_all(v->dir_fd, EVENTS_FILE, EVENTS_MAX, &events, &len);
	if (r < 0) {
		problem(v, "%s: %s", EVENTS_FILE,
			r == -ENOENT ? "missing: the package carries no chain of custody"
				     : folio_strerror(r));
		return;
	}
	r = events_check(events, len, (uint32_t)strtoul(batch, NULL, 10), &v->rep->custody, why,
			 sizeof(why));
	if (r < 0)
		problem(v, "chain of custody: %s", why);
	else
		v->rep->custody_ok = true;
}

int verify_package(const char *dir, const struct verify_options *o, struct verify_report *ret)
{
	_cleanup_free_ struct verify_report *rep = calloc(1, sizeof(*rep));
	_cleanup_free_ char *manifest = NULL;
	struct verifier v = { .dir_fd = -1, .schema_dir = o->schema_dir };
	struct sign_key key;
	size_t len = 0;
	int fd, r;

	if (!rep)
		return -ENOMEM;
	v.rep = rep;
	r = sign_load_public(o->key_path, &key);
	if (r < 0)
		return r;
	snprintf(rep->key_id, sizeof(rep->key_id), "%s", key.id);

	v.dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v.dir_fd < 0)
		return -errno;
	fd = dup(v.dir_fd);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = scan_dir(&v, fd, "", 0);
	if (r == -FOLIO_ETOOBIG) {
		problem(&v, "the package has more than %d files", VERIFY_MAX_FILES);
		goto report;
	}
	if (r < 0)
		goto out;
	if (v.n_files)
		qsort(v.files, v.n_files, sizeof(*v.files), cmp_file);

	r = read_all(v.dir_fd, MANIFEST, MANIFEST_MAX, &manifest, &len);
	if (r < 0) {
		problem(&v, "%s: %s", MANIFEST,
			r == -ENOENT ? "missing: this is not a Folio package, or it is incomplete"
				     : folio_strerror(r));
		goto report;
	}
	{
		uint8_t sum[32];

		crypto_hash_sha256(sum, (const uint8_t *)manifest, len);
		sodium_bin2hex(rep->manifest_sha256, sizeof(rep->manifest_sha256), sum,
			       sizeof(sum));
	}
	check_signature(&v, &key, manifest, len);
	check_ssh_signature(&v, &key, manifest, len);
	r = parse_manifest(&v, manifest, len);
	if (r < 0)
		goto out;
	check_files(&v);
	check_sizes(&v);
	for (size_t i = 0; i < v.n_files; i++) {
		if (!v.files[i].is_dir)
			continue;
		r = check_document(&v, v.files[i].path);
		if (r < 0)
			goto out;
	}
	if (v.schema_dir)
		rep->schemas_checked = true;
	{
		/* the folder's own name, without trailing slashes */
		char base[VERIFY_PATH_MAX * 2];
		size_t n;
		const char *slash;

		snprintf(base, sizeof(base), "%s", dir);
		n = strlen(base);
		while (n > 1 && base[n - 1] == '/')
			base[--n] = '\0';
		slash = strrchr(base, '/');
		check_batch(&v, slash ? slash + 1 : base);
	}
report:
	*ret = *rep;
	r = rep->n_problems ? -FOLIO_ECORRUPT : 0;
out:
	for (size_t i = 0; i < ARRAY_SIZE(v.schemas); i++)
		schema_free(v.schemas[i]);
	if (v.dir_fd >= 0)
		close(v.dir_fd);
	free(v.files);
	free(v.entries);
	return r;
}

void verify_print_report(FILE *out, const char *dir, const struct verify_report *rep, int r)
{
	fprintf(out, "package   %s\n", dir);
	fprintf(out, "key       %s\n", rep->key_id);
	fprintf(out, "signature %s\n", rep->signature_ok ? "ok" : "FAILED");
	fprintf(out, "ssh sig   %s\n",
		rep->ssh_signature_ok ? "ok" : (r == 0 ? "absent" : "absent or FAILED"));
	fprintf(out, "contents  %u documents, %u pages, %u files, %llu bytes\n", rep->documents,
		rep->pages, rep->files, (unsigned long long)rep->bytes);
	if (rep->custody_ok)
		fprintf(out, "custody   %zu events, from event %llu to approval at event %llu\n",
			rep->custody.events, (unsigned long long)rep->custody.first_seq,
			(unsigned long long)rep->custody.approved_seq);
	else
		fprintf(out, "custody   FAILED\n");
	fprintf(out, "schemas   %s\n",
		rep->schemas_checked ? (r == 0 ? "valid ST.96 V6_0" : "checked")
				     : "not checked (no --schemas)");
	for (size_t i = 0; i < rep->n_problems; i++)
		fprintf(out, "PROBLEM   %s\n", rep->problems[i]);
	if (rep->dropped)
		fprintf(out, "PROBLEM   ... and %zu more\n", rep->dropped);
	if (r == 0)
		fprintf(out, "result    ok\n");
}
