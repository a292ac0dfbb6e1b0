/* The office's verifier: signature, hashes, sizes, completeness, page counts, schemas. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include "utf8.h"
#include "firmware/package/events.h"
#include "firmware/package/pdfcheck.h"
#include "firmware/package/schema.h"
#include "firmware/package/sign.h"
#include "firmware/package/st96.h"
#include "firmware/package/tiffcheck.h"
#include "firmware/package/verify.h"

#define MANIFEST "MANIFEST.sha256"
#define SIZES "MANIFEST.sizes"
#define BATCH "BATCH.txt"
#define PDF_FILE "document.pdf"	 /* a document's searchable PDF (export.c) */
#define TIFF_FILE "document.tif" /* a document's pages as one multi-page TIFF (export.c) */
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
	const struct progress *progress;
	bool pdf_named; /* the document being checked: an XML of it names its PDF */
	/* the document being checked, when it has a document.tif: the SHA-256 its XML lists for
	 * page i + 1 of it ("" when none), TIFFCHECK_MAX_PAGES of them */
	char (*listed_sha)[65];
};

static void problem(struct verifier *v, const char *fmt, ...) _printf_(2, 3);

/* The length of the valid UTF-8 sequence at @s (@left bytes) that is not a C1 control, 0 when
 * there is none. */
static size_t utf8_printable(const unsigned char *s, size_t left)
{
	size_t n = utf8_length(s, left);

	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) /* U+0080..U+009F: C1 controls */
		return 0;
	return n;
}

/*
 * The office operator reads problems on a terminal: names from the package may carry escape
 * sequences. Every control byte and every byte that is no printable UTF-8 becomes \xHH.
 */
void verify_escape(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	const unsigned char *end = s + strlen(in);

	while (*s && o + 5 < size) {
		size_t n =
		    *s >= 0x80 ? utf8_printable(s, (size_t)(end - s)) : (*s >= 0x20 && *s != 0x7f);

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
	verify_escape(raw, rep->problems[rep->n_problems++], VERIFY_PROBLEM_LEN);
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

/* bsearch() comparators: path @key against a file or an entry of the sorted arrays. */
static int cmp_path_file(const void *key, const void *elem)
{
	return strcmp(key, ((const struct file *)elem)->path);
}

static int cmp_path_entry(const void *key, const void *elem)
{
	return strcmp(key, ((const struct entry *)elem)->path);
}

static struct file *find_file(struct verifier *v, const char *path)
{
	return v->n_files ? bsearch(path, v->files, v->n_files, sizeof(*v->files), cmp_path_file)
			  : NULL;
}

static struct entry *find_entry(struct verifier *v, const char *path)
{
	return v->n_entries
		   ? bsearch(path, v->entries, v->n_entries, sizeof(*v->entries), cmp_path_entry)
		   : NULL;
}

/* read() that goes on when a signal interrupts it: the bytes read, 0 at the end, or -errno. */
static ssize_t read_retry(int fd, void *buf, size_t size)
{
	ssize_t r;

	do
		r = read(fd, buf, size);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
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
		r = read_retry(fd, buf + n, cap - n);
		if (r < 0)
			return (int)r;
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
		ssize_t r = read_retry(fd, buf, sizeof(buf));

		if (r < 0)
			return (int)r;
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

/* A signature file of the package: the manifest signed with the station's key. */
struct signature_file {
	const char *name;
	bool required;	 /* a package without it is not signed */
	const char *bad; /* heads the problem when it does not check */
	int (*check)(const struct sign_key *k, const void *data, size_t len, const char *sig,
		     size_t sig_len, char *why, size_t why_size);
};

static const struct signature_file signature = {
	.name = SIGN_FILE,
	.required = true,
	.bad = "bad signature",
	.check = sign_check,
};

/* MANIFEST.sha256.sshsig, OpenSSH's form of the same signature: checked when it is there. */
static const struct signature_file ssh_signature = {
	.name = SIGN_SSH_FILE,
	.bad = "bad SSH signature",
	.check = sign_sshsig_check,
};

/* Reads signature file @s and checks it over @manifest: true when it is good. */
static bool check_signature(struct verifier *v, const struct signature_file *s,
			    const struct sign_key *key, const char *manifest, size_t len)
{
	_cleanup_free_ char *sig = NULL;
	char why[256];
	size_t sig_len = 0;
	int r;

	r = read_all(v->dir_fd, s->name, SIG_READ_MAX, &sig, &sig_len);
	if (r == -ENOENT) {
		if (s->required)
			problem(v, "package is not signed: %s is missing", s->name);
		return false;
	}
	if (r < 0) {
		problem(v, "cannot read %s: %s", s->name, folio_strerror(r));
		return false;
	}
	r = s->check(key, manifest, len, sig, sig_len, why, sizeof(why));
	if (r < 0) {
		problem(v, "%s: %s", s->bad, why);
		return false;
	}
	return true;
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
		progress_tell(v->progress, i + 1, v->n_entries, v->rep->bytes);
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
	char (*listed_sha)[65]; /* the verifier's, or NULL: no page hashes wanted */
	int ip_type;		/* enum ip_type, -1 unknown root */
	long page_total;	/* com:PageTotalQuantity, -1 when absent */
	size_t n_names;
	char (*names)[VERIFY_PATH_MAX]; /* com:FileName values */
};

/* "...; page N of document.tif, image data SHA-256 HEX" (st96.c) into @sha[N - 1]. */
static void note_listed_sha(char (*sha)[65], const char *comment)
{
	const char *p = strstr(comment, "; page ");
	char hex[65];
	unsigned k;
	int end = 0;

	if (!p ||
	    sscanf(p, "; page %u of " TIFF_FILE ", image data SHA-256 %64[0-9a-f]%n", &k, hex,
		   &end) != 2 ||
	    end == 0 || strlen(hex) != 64 || k == 0 || k > TIFFCHECK_MAX_PAGES)
		return;
	memcpy(sha[k - 1], hex, 65);
}

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

			uint64_t total;

			/* strict: a count that is not a whole number is no count (-2) */
			x->page_total =
			    c && parse_u64((const char *)c, strlen((const char *)c), &total) == 0 &&
				    total <= VERIFY_MAX_FILES
				? (long)total
				: -2;
			xmlFree(c);
		} else if (x->listed_sha && strcmp((const char *)n->name, "CommentText") == 0) {
			xmlChar *c = xmlNodeGetContent(n);

			note_listed_sha(x->listed_sha, c ? (const char *)c : "");
			xmlFree(c);
		}
		collect(n->children, x, max);
	}
}

/* The IP type the root element of a document.xml stands for, -1 for none Folio writes. */
static int root_ip_type(const xmlNode *root)
{
	const char *name = (const char *)root->name;

	return strcmp(name, "ApplicationBody") == 0	   ? IP_PATENT
	       : strcmp(name, "TrademarkApplication") == 0 ? IP_TRADEMARK
	       : strcmp(name, "DesignApplication") == 0	   ? IP_DESIGN
							   : -1;
}

/*
 * Reads XML file @path of the package into @ret_xml (@ret_len bytes) and what it says into
 * @x: its root's IP type, its page total, the page hashes its comments list and the names it
 * lists (x->names, which the caller frees). Returns 1 when read; 0 when it cannot be read or is
 * not well-formed (a problem said); -ENOMEM.
 */
static int read_xml(struct verifier *v, const char *path, char **ret_xml, size_t *ret_len,
		    struct xml_facts *x)
{
	_cleanup_free_ char *xml = NULL;
	size_t len = 0;
	xmlDoc *doc;
	int r;

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
	x->ip_type = root_ip_type(xmlDocGetRootElement(doc));
	x->names = calloc(v->n_files + 1, sizeof(*x->names));
	if (!x->names) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	collect(xmlDocGetRootElement(doc), x, v->n_files + 1);
	xmlFreeDoc(doc);
	*ret_xml = TAKE_PTR(xml);
	*ret_len = len;
	return 1;
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
		struct xml_facts x = { .listed_sha = v->listed_sha,
				       .ip_type = -1,
				       .page_total = -1 };
		char path[VERIFY_PATH_MAX * 2], why[200];
		size_t len = 0;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (!find_file(v, path)) {
			problem(v, "patent document folder '%s' has no %s", dir, file);
			continue;
		}
		r = read_xml(v, path, &xml, &len, &x);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		for (size_t i = 0; i < x.n_names; i++) {
			char named[VERIFY_PATH_MAX * 2];

			snprintf(named, sizeof(named), "%s/%s", dir, x.names[i]);
			if (strcmp(x.names[i], PDF_FILE) == 0)
				v->pdf_named = true;
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

/*
 * The document's searchable PDF, when there: named by its XML, and a PDF as the station
 * writes it (pdfcheck.h) with a page for each page image. Its hash is checked with the others.
 */
static void check_pdf(struct verifier *v, const char *dir, size_t images)
{
	char path[VERIFY_PATH_MAX * 2], why[200];
	_cleanup_close_ int fd = -1;
	struct file *f;
	uint32_t pages = 0;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, PDF_FILE);
	f = find_file(v, path);
	if (!f || f->is_dir)
		return;
	if (!v->pdf_named)
		problem(v, "'%s' is in the package but no XML of the document names it", path);
	fd = openat(v->dir_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		problem(v, "cannot read '%s': %s", path, strerror(errno));
		return;
	}
	r = pdfcheck_pages(fd, f->size, &pages, why, sizeof(why));
	if (r == -FOLIO_EFORMAT)
		problem(v, "'%s' is not a PDF the station writes: %s", path, why);
	else if (r < 0)
		problem(v, "cannot read '%s': %s", path, folio_strerror(r));
	else if (pages != images)
		problem(v, "'%s' has %" PRIu32 " page%s, the document has %zu page image%s", path,
			pages, pages == 1 ? "" : "s", images, images == 1 ? "" : "s");
	else
		v->rep->pdfs++;
}

/* A document's multi-page TIFF, when there: its directories and their hashes. */
struct doc_tiff {
	uint32_t pages;
	uint8_t (*sha)[32]; /* TIFFCHECK_MAX_PAGES */
};

static int tiff_page(const struct tiffcheck_page *pg, uint32_t index, void *user)
{
	struct doc_tiff *t = user;

	memcpy(t->sha[index], pg->sha256, 32);
	return 0;
}

/* Reads <dir>/document.tif into @t (t->pages 0 when it cannot be read: a problem). */
static void read_document_tiff(struct verifier *v, const char *dir, const struct file *f,
			       struct doc_tiff *t)
{
	char path[VERIFY_PATH_MAX * 2], why[200];
	_cleanup_close_ int fd = -1;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, TIFF_FILE);
	fd = openat(v->dir_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		problem(v, "cannot read '%s': %s", path, strerror(errno));
		return;
	}
	r = tiffcheck_pages(fd, f->size, tiff_page, t, &t->pages, why, sizeof(why));
	if (r == -FOLIO_EFORMAT)
		problem(v, "'%s' is not a multi-page TIFF the verifier reads: %s", path, why);
	else if (r < 0)
		problem(v, "cannot read '%s': %s", path, folio_strerror(r));
}

/* Every page of document.tif against the SHA-256 the document's XML lists for it. */
static void check_tiff_hashes(struct verifier *v, const char *dir, const struct doc_tiff *t)
{
	for (uint32_t i = 0; i < t->pages; i++) {
		char hex[65];

		sodium_bin2hex(hex, sizeof(hex), t->sha[i], 32);
		if (!v->listed_sha[i][0])
			problem(v, "the XML of '%s' lists no SHA-256 for page %" PRIu32 " of %s",
				dir, i + 1, TIFF_FILE);
		else if (strcmp(hex, v->listed_sha[i]) != 0)
			problem(v,
				"page %" PRIu32
				" of '%s/%s' is not the image its XML lists (SHA-256 "
				"differs)",
				i + 1, dir, TIFF_FILE);
	}
}

static int check_document_in(struct verifier *v, const char *dir, const struct doc_tiff *t);

/*
 * One document folder: its XML against the page images that are there, one file per page
 * or one multi-page document.tif.
 */
static int check_document(struct verifier *v, const char *dir)
{
	struct doc_tiff t = { 0 };
	char path[VERIFY_PATH_MAX * 2];
	struct file *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, TIFF_FILE);
	f = find_file(v, path);
	if (f && !f->is_dir) {
		t.sha = calloc(TIFFCHECK_MAX_PAGES, sizeof(*t.sha));
		v->listed_sha = calloc(TIFFCHECK_MAX_PAGES, sizeof(*v->listed_sha));
		if (!t.sha || !v->listed_sha) {
			free(t.sha);
			free(v->listed_sha);
			v->listed_sha = NULL;
			return -ENOMEM;
		}
		read_document_tiff(v, dir, f, &t);
	}
	r = check_document_in(v, dir, &t);
	if (r == 0 && v->listed_sha)
		check_tiff_hashes(v, dir, &t);
	free(t.sha);
	free(v->listed_sha);
	v->listed_sha = NULL;
	return r;
}

static int check_document_in(struct verifier *v, const char *dir, const struct doc_tiff *t)
{
	_cleanup_free_ char *xml = NULL;
	struct xml_facts x = { .listed_sha = v->listed_sha, .ip_type = -1, .page_total = -1 };
	char path[VERIFY_PATH_MAX * 2], why[200];
	size_t len = 0, images = 0, prefix = strlen(dir) + 1, named_images = 0;
	int r;

	v->pdf_named = false;
	snprintf(path, sizeof(path), "%s/document.xml", dir);
	if (!find_file(v, path)) {
		problem(v, "document folder '%s' has no document.xml", dir);
		return 0;
	}
	r = read_xml(v, path, &xml, &len, &x);
	if (r <= 0)
		return r;

	for (size_t i = 0; i < v->n_files; i++) {
		const char *p = v->files[i].path;

		if (strncmp(p, dir, prefix - 1) == 0 && p[prefix - 1] == '/' &&
		    is_page_image(p + prefix))
			images++;
	}
	images += t->pages; /* a page of document.tif is a page image */
	for (size_t i = 0; i < x.n_names; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, x.names[i]);
		if (is_page_image(x.names[i]) || strcmp(x.names[i], TIFF_FILE) == 0)
			named_images++;
		if (strcmp(x.names[i], PDF_FILE) == 0)
			v->pdf_named = true;
		if (!find_file(v, path))
			problem(v, "'%s/document.xml' names '%s', which is not in the package", dir,
				x.names[i]);
	}
	if (named_images != images)
		problem(v, "'%s/document.xml' lists %zu page%s, the folder has %zu page image%s",
			dir, named_images, named_images == 1 ? "" : "s", images,
			images == 1 ? "" : "s");
	if (x.page_total == -2)
		problem(v, "'%s/document.xml' gives a page total that is not a whole number", dir);
	else if (x.page_total >= 0 && (size_t)x.page_total != images)
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
	if (x.ip_type == IP_PATENT) {
		r = check_patent_parts(v, dir);
		if (r < 0)
			return r;
	}
	check_pdf(v, dir, images);
	return 0;
}

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define BATCH_MAX 65536

/* A whole decimal number of at most @max: no sign, space or leading zero, nothing after it. */
static bool whole_number(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v;

	if (parse_u64(s, n, &v) < 0 || v > max)
		return false;
	*ret = v;
	return true;
}

static bool all_of(const char *s, size_t n, const char *allowed)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(allowed, s[i]))
			return false;
	return true;
}

/* "scanner hours: 12.5": a whole number, a point, one digit. */
static bool hours_ok(const char *s, size_t n)
{
	uint64_t v;

	return n >= 3 && s[n - 2] == '.' && s[n - 1] >= '0' && s[n - 1] <= '9' &&
	       whole_number(s, n - 2, UINT32_MAX, &v);
}

enum batch_field {
	BF_STATION,
	BF_STORE,
	BF_OFFICE,
	BF_BATCH,
	BF_CREATED,
	BF_DEVICE,
	BF_PROFILE,
	BF_DOCUMENTS,
	BF_PAGES,
	BF_SIGNED_BY,
	BF_WITH_TEXT,
	BF_OCR_FAILED,
	BF_FED,
	BF_JAMS,
	BF_DOUBLE_FEEDS,
	BF_HOURS,
	BF_N
};

static const struct {
	const char *key;
	bool required, repeats;
	const char *form; /* for the message */
} batch_fields[BF_N] = {
	[BF_STATION] = { "station", true, false, "1 to 32 of A-Z a-z 0-9 . _ -" },
	[BF_STORE] = { "store", false, false, "16 lower-case hex digits" },
	[BF_OFFICE] = { "office", false, false, "two capital letters (ST.3)" },
	[BF_BATCH] = { "batch", true, false, "a whole number from 1 to 4294967295" },
	[BF_CREATED] = { "created", false, false, "a UTC time YYYY-MM-DDThh:mm:ssZ" },
	[BF_DEVICE] = { "device", false, false, "at most 255 bytes" },
	[BF_PROFILE] = { "profile", false, false, "at most 255 bytes" },
	[BF_DOCUMENTS] = { "documents", true, false, "a whole number from 0 to 200000" },
	[BF_PAGES] = { "pages", true, false, "a whole number from 0 to 200000" },
	[BF_SIGNED_BY] = { "signed by", false, false, "a key id of 16 hex digits" },
	[BF_WITH_TEXT] = { "pages with text", false, false, "a whole number up to the pages" },
	[BF_OCR_FAILED] = { "ocr-failed", false, true, "a page image's path D0001/P0001.tif" },
	[BF_FED] = { "scanner pages fed", false, false, "a whole number" },
	[BF_JAMS] = { "scanner jams", false, false, "a whole number" },
	[BF_DOUBLE_FEEDS] = { "scanner double feeds", false, false, "a whole number" },
	[BF_HOURS] = { "scanner hours", false, false, "hours with one decimal, 12.5" },
};

/* Checks value @v (@n bytes) of field @f and keeps what the verifier needs in @b. */
static bool batch_value(enum batch_field f, const char *v, size_t n, struct verify_batch *b,
			uint64_t *with_text)
{
	uint64_t u;

	switch (f) {
	case BF_STATION:
		if (n < 1 || n > 32 || !all_of(v, n, NAME_CHARS))
			return false;
		memcpy(b->station, v, n);
		return true;
	case BF_STORE:
		if (n != 16 || !lower_hex(v, n))
			return false;
		memcpy(b->store, v, n);
		return true;
	case BF_OFFICE:
		if (n != 2 || !all_of(v, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
			return false;
		memcpy(b->office, v, n);
		return true;
	case BF_BATCH:
		if (!whole_number(v, n, UINT32_MAX, &u) || u == 0)
			return false;
		b->batch = (uint32_t)u;
		return true;
	case BF_CREATED:
		return events_parse_time(v, n) >= 0;
	case BF_DEVICE:
	case BF_PROFILE:
		return n <= 255;
	case BF_DOCUMENTS:
	case BF_PAGES:
		if (!whole_number(v, n, VERIFY_MAX_FILES, &u))
			return false;
		*(f == BF_DOCUMENTS ? &b->documents : &b->pages) = (uint32_t)u;
		return true;
	case BF_SIGNED_BY:
		return (n == 16 && lower_hex(v, n)) ||
		       (n == 12 && memcmp(v, "(not signed)", 12) == 0);
	case BF_WITH_TEXT:
		return whole_number(v, n, VERIFY_MAX_FILES, with_text);
	case BF_OCR_FAILED: {
		char path[VERIFY_PATH_MAX];
		const char *slash = memchr(v, '/', n);

		if (n >= VERIFY_PATH_MAX || !slash || !rel_ok(v, n))
			return false;
		memcpy(path, v, n);
		path[n] = '\0';
		return is_page_image(path + (slash - v) + 1);
	}
	case BF_FED:
	case BF_JAMS:
	case BF_DOUBLE_FEEDS:
		return whole_number(v, n, UINT64_MAX / 10, &u);
	case BF_HOURS:
		return hours_ok(v, n);
	case BF_N:
		break;
	}
	return false;
}

int verify_parse_batch(const char *text, size_t len, struct verify_batch *ret, char *why,
		       size_t why_size)
{
	struct verify_batch b = { 0 };
	unsigned seen[BF_N] = { 0 }, lineno = 0;
	uint64_t with_text = 0;

	if (len > BATCH_MAX)
		return folio_why(-FOLIO_ECORRUPT, why, why_size, "%s is larger than %d bytes",
				 BATCH, BATCH_MAX);
	for (size_t at = 0; at < len;) {
		const char *l = text + at, *nl = memchr(l, '\n', len - at), *colon;
		size_t ll = nl ? (size_t)(nl - l) : len - at, kl, vl;
		const char *v;
		int f;

		lineno++;
		at += ll + 1;
		if (!nl)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u does not end with a newline: truncated", BATCH,
					 lineno);
		for (size_t i = 0; i < ll; i++)
			if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f)
				return folio_why(
				    -FOLIO_ECORRUPT, why, why_size,
				    "%s line %u holds a control character or NUL (byte "
				    "%zu)",
				    BATCH, lineno, i + 1);
		colon = memchr(l, ':', ll);
		kl = colon ? (size_t)(colon - l) : 0;
		if (!colon || kl == 0 || kl > 32 ||
		    !all_of(l, kl, "abcdefghijklmnopqrstuvwxyz -") || ll < kl + 2 ||
		    colon[1] != ' ')
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u is not 'key: value': '%.*s'", BATCH, lineno,
					 (int)MIN(ll, (size_t)60), l);
		v = colon + 2;
		vl = ll - kl - 2;
		for (f = 0; f < BF_N; f++)
			if (strlen(batch_fields[f].key) == kl &&
			    memcmp(batch_fields[f].key, l, kl) == 0)
				break;
		if (f == BF_N)
			continue; /* a field of a later station */
		if (seen[f] && !batch_fields[f].repeats)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u gives '%s' again (line %u)", BATCH, lineno,
					 batch_fields[f].key, seen[f]);
		seen[f] = lineno;
		if (!batch_value((enum batch_field)f, v, vl, &b, &with_text))
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u: '%s' is '%.*s', not %s", BATCH, lineno,
					 batch_fields[f].key, (int)MIN(vl, (size_t)64), v,
					 batch_fields[f].form);
	}
	for (int f = 0; f < BF_N; f++)
		if (batch_fields[f].required && !seen[f])
			return folio_why(-FOLIO_ECORRUPT, why, why_size, "%s has no '%s' line",
					 BATCH, batch_fields[f].key);
	if (with_text > b.pages)
		return folio_why(-FOLIO_ECORRUPT, why, why_size,
				 "%s gives %llu pages with text of %u pages", BATCH,
				 (unsigned long long)with_text, b.pages);
	*ret = b;
	return 0;
}

/*
 * BATCH.txt: "documents: N" and "pages: N" against what the folders hold; station, store and
 * batch against the folder's name @name; the batch's chain of custody in EVENTS.txt.
 */
static void check_batch(struct verifier *v, const char *name)
{
	_cleanup_free_ char *text = NULL, *events = NULL;
	struct verify_batch *b = &v->rep->batch;
	char want[80], why[256];
	size_t len = 0;
	int r;

	r = read_all(v->dir_fd, BATCH, BATCH_MAX, &text, &len);
	if (r < 0) {
		problem(v, "%s: %s", BATCH,
			r == -ENOENT	      ? "missing"
			: r == -FOLIO_ETOOBIG ? "larger than 64 KiB"
					      : folio_strerror(r));
		return;
	}
	if (verify_parse_batch(text, len, b, why, sizeof(why)) < 0) {
		problem(v, "%s", why);
		return;
	}
	v->rep->batch_ok = true;
	if (b->documents != v->rep->documents || b->pages != v->rep->pages)
		problem(v, "%s counts %u documents and %u pages, the package holds %u and %u",
			BATCH, b->documents, b->pages, v->rep->documents, v->rep->pages);
	if (b->store[0])
		snprintf(want, sizeof(want), "%s-%.8s-B%06" PRIu32, b->station, b->store, b->batch);
	else
		snprintf(want, sizeof(want), "%s-B%06" PRIu32, b->station, b->batch);
	if (strcmp(name, want) != 0)
		problem(
		    v,
		    "the folder is named '%.80s' but %s is of station %s, store %s, batch %" PRIu32
		    " ('%s'): a copied, renamed or replayed package",
		    name, BATCH, b->station, b->store[0] ? b->store : "(none)", b->batch, want);

	r = read_all(v->dir_fd, EVENTS_FILE, EVENTS_MAX, &events, &len);
	if (r < 0) {
		problem(v, "%s: %s", EVENTS_FILE,
			r == -ENOENT ? "missing: the package carries no chain of custody"
				     : folio_strerror(r));
		return;
	}
	r = events_check(events, len, b->batch, &v->rep->custody, why, sizeof(why));
	if (r < 0)
		problem(v, "chain of custody: %s", why);
	else
		v->rep->custody_ok = true;
}

void verify_failure(int r, const char *dir, const struct verify_options *o, char *buf, size_t size)
{
	if (r == -ENOKEY)
		snprintf(buf, size,
			 "cannot read the station key '%s': check the --key path and "
			 "that this user may read it",
			 o->key_path);
	else if (r == -FOLIO_EFORMAT)
		snprintf(buf, size,
			 "'%s' is not a Folio public key (folio keygen writes "
			 "station.pub)",
			 o->key_path);
	else if (r == -FOLIO_ESCHEMA)
		snprintf(buf, size,
			 "cannot load the ST.96 schemas from '%s': pass the V6_0 "
			 "schema folder to --schemas",
			 o->schema_dir);
	else
		snprintf(buf, size, "cannot verify '%s': %s", dir, folio_strerror(r));
}

int verify_package(const char *dir, const struct verify_options *o, struct verify_report *ret)
{
	_cleanup_free_ struct verify_report *rep = calloc(1, sizeof(*rep));
	_cleanup_free_ char *manifest = NULL;
	struct verifier v = { .dir_fd = -1, .schema_dir = o->schema_dir, .progress = o->progress };
	struct sign_key key;
	size_t len = 0;
	int fd, r;

	if (!rep)
		return -ENOMEM;
	v.rep = rep;
	r = sign_load_public(o->key_path, &key);
	if (r < 0 && r != -FOLIO_EFORMAT && r != -ENOMEM) {
		log_debug("cannot read key '%s': %s", o->key_path, folio_strerror(r));
		r = -ENOKEY; /* not the package's folder */
	}
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
	rep->signature_ok = check_signature(&v, &signature, &key, manifest, len);
	rep->ssh_signature_ok = check_signature(&v, &ssh_signature, &key, manifest, len);
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
	char safe[1024];

	verify_escape(dir, safe, sizeof(safe));
	fprintf(out, "package   %s\n", safe);
	fprintf(out, "key       %s\n", rep->key_id);
	fprintf(out, "signature %s\n", rep->signature_ok ? "ok" : "FAILED");
	fprintf(out, "ssh sig   %s\n",
		rep->ssh_signature_ok ? "ok" : (r == 0 ? "absent" : "absent or FAILED"));
	fprintf(out, "contents  %u documents, %u pages, %u files, %llu bytes\n", rep->documents,
		rep->pages, rep->files, (unsigned long long)rep->bytes);
	fprintf(out, "pdf       %u of %u documents, page counts %s\n", rep->pdfs, rep->documents,
		r == 0 ? "agree" : "checked");
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
