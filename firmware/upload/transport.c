/*
 * The uploader's core: targets from [upload], the package walk, the workers, retries with
 * backoff and jitter, and the confirmation of the server's copy. Drivers do the protocol.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "fileio.h"
#include "kconfig.h"
#include "log.h"
#include "firmware/upload/driver.h"
#include "firmware/upload/percent.h"
#include "firmware/upload/transport.h"

#define MANIFEST_NAME "MANIFEST.sha256"
#define SIGNATURE_NAME "MANIFEST.sha256.sig"
#define SSH_SIGNATURE_NAME "MANIFEST.sha256.sshsig"
#define MANIFEST_MAX (16u << 20)
#define PACKAGE_MAX_FILES 100000
#define NAME_MAX_LEN 128
#define BACKOFF_BASE_MS 250
#define BACKOFF_CAP_MS 30000
#define S3_PART_SIZE (8u << 20)

/*
 * Targets
 */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_result;

static void global_init(void)
{
	if (sodium_init() < 0 || upload_curl_global_init() < 0)
		global_result = -ENOMEM;
	xmlInitParser();
}

bool upload_scheme_built_in(const char *url)
{
	if (strncmp(url, "file://", 7) == 0)
		return IS_ENABLED(CONFIG_UPLOAD_FILE);
	if (strncmp(url, "https://", 8) == 0)
		return IS_ENABLED(CONFIG_UPLOAD_WEBDAV);
	if (strncmp(url, "sftp://", 7) == 0)
		return IS_ENABLED(CONFIG_UPLOAD_SFTP);
	if (strncmp(url, "s3://", 5) == 0)
		return IS_ENABLED(CONFIG_UPLOAD_S3);
	return false;
}

/* Percent-decodes @in into @out; refuses a malformed escape, NUL and control characters. */
static int url_decode(const char *in, char *out, size_t size)
{
	size_t len;
	int r = percent_decode(in, out, size, PERCENT_STRICT, &len);

	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return -EINVAL;
	return 0;
}

static int copy_setting(char *dst, size_t size, const char *src, const char *key, char *why,
			size_t n)
{
	int k = snprintf(dst, size, "%s", src);

	if (k < 0 || (size_t)k >= size) {
		snprintf(why, n, "[upload] %s is too long", key);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Whether a segment of @path is "." or "..". */
static bool has_dot_segment(const char *path)
{
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, '/');
		size_t len = (size_t)(e - p);

		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

/* "/" or a folder of the system (or in one): never an outbox. */
static bool system_folder(const char *path)
{
	static const char *const sys[] = { "/etc",  "/proc",	"/sys",	    "/dev",
					   "/boot", "/usr",	"/bin",	    "/sbin",
					   "/lib",  "/lib32",	"/lib64",   "/run",
					   "/root", "/var/lib", "/var/log", "/var/cache" };

	if (!path[0] || strcmp(path, "/") == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(sys); i++) {
		size_t len = strlen(sys[i]);

		if (strncmp(path, sys[i], len) == 0 && (path[len] == '\0' || path[len] == '/'))
			return true;
	}
	return false;
}

/* Whether folder @path is @dir or beneath it, also through links (where they exist). */
static bool path_within(const char *path, const char *dir)
{
	char rp[PATH_MAX], rd[PATH_MAX], resolved[PATH_MAX];
	size_t len;

	if (!dir[0])
		return false;
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (strncmp(path, dir, len) == 0 && (path[len] == '\0' || path[len] == '/'))
		return true;
	if (!realpath(dir, rd))
		return false;
	/* The deepest existing folder of @path, resolved. */
	snprintf(rp, sizeof(rp), "%s", path);
	while (!realpath(rp, resolved)) {
		char *slash = strrchr(rp, '/');

		if (errno != ENOENT || !slash || slash == rp)
			return false;
		*slash = '\0';
	}
	len = strlen(rd);
	return strncmp(resolved, rd, len) == 0 && (resolved[len] == '\0' || resolved[len] == '/');
}

/* Explains a target whose scheme is unknown, or known but left out of this build. */
static int check_scheme_built_in(const char *url, char *why, size_t n)
{
	const char *colon;

	if (upload_scheme_built_in(url))
		return 0;
	colon = strstr(url, "://");
	if (!colon || (strncmp(url, "file", 4) && strncmp(url, "https", 5) &&
		       strncmp(url, "sftp", 4) && strncmp(url, "s3", 2))) {
		snprintf(why, n,
			 "target '%s' is not a file://, https://, sftp:// or s3:// "
			 "URL",
			 url);
		return -EINVAL;
	}
	snprintf(why, n,
		 "this build cannot deliver to %.*s:// targets (see the Upload "
		 "menu of make menuconfig)",
		 (int)(colon - url), url);
	return -EOPNOTSUPP;
}

/* file:///FOLDER: the folder, decoded, in t->base. */
static int parse_file_target(struct upload_target *t, const char *url, char *why, size_t n)
{
	int r;

	t->drv = &upload_driver_file;
	if (url[7] != '/') {
		snprintf(why, n, "target '%s' is not file:///ABSOLUTE/FOLDER", url);
		return -EINVAL;
	}
	r = url_decode(url + 7, t->base, sizeof(t->base));
	if (r < 0) {
		snprintf(why, n, "bad folder in target '%s'", url);
		return r;
	}
	return 0;
}

/* s3://BUCKET/PREFIX: the bucket in t->s3_bucket, *path at the prefix. */
static int parse_s3_bucket(struct upload_target *t, const char *url, const char **path, char *why,
			   size_t n)
{
	const char *slash;
	size_t len;

	t->drv = &upload_driver_s3;
	slash = strchr(url + 5, '/');
	len = slash ? (size_t)(slash - (url + 5)) : strlen(url + 5);
	if (len < 3 || len >= sizeof(t->s3_bucket)) {
		snprintf(why, n, "bad bucket in target '%s': s3://BUCKET/PREFIX", url);
		return -EINVAL;
	}
	memcpy(t->s3_bucket, url + 5, len);
	t->s3_bucket[len] = '\0';
	for (const char *p = t->s3_bucket; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' &&
		    *p != '.') {
			snprintf(why, n,
				 "bad bucket name '%s': lower-case letters, digits, "
				 "'-' and '.'",
				 t->s3_bucket);
			return -EINVAL;
		}
	*path = slash ? slash : "";
	return 0;
}

/* https://HOST[:PORT]/PATH or sftp://USER@HOST[:PORT]/PATH, read by libcurl's URL parser. */
static int parse_url_target(struct upload_target *t, const char *url, struct upload_url *u,
			    char *why, size_t n)
{
	bool sftp = strncmp(url, "sftp://", 7) == 0;
	int r;

	r = upload_url_split(url, u, why, n);
	if (r < 0)
		return r;
	if (!sftp && u->has_user) {
		snprintf(why, n,
			 "put the user name in [upload] credentials_file, not in the target URL");
		return -EINVAL;
	}
	if (sftp && !u->has_user) {
		snprintf(why, n, "an sftp:// target needs a user: sftp://USER@HOST/PATH");
		return -EINVAL;
	}
	for (const char *p = u->host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-.[]:_", *p)) {
			snprintf(why, n, "bad host name in the target URL");
			return -EINVAL;
		}
	t->drv = sftp ? &upload_driver_sftp : &upload_driver_webdav;
	snprintf(t->user, sizeof(t->user), "%s", u->user);
	snprintf(t->host, sizeof(t->host), "%s", u->host);
	t->port = u->port;
	return 0;
}

/* https://, sftp:// or s3://: the host or bucket, and the path, decoded, in t->base. */
static int parse_remote_target(struct upload_target *t, const char *url, char *why, size_t n)
{
	struct upload_url u = { 0 };
	const char *path = u.path;
	int r;

	if (strncmp(url, "s3://", 5) == 0)
		r = parse_s3_bucket(t, url, &path, why, n);
	else
		r = parse_url_target(t, url, &u, why, n);
	if (r < 0)
		return r;
	if (*path && *path != '/')
		return -EINVAL;
	if (strchr(path, '?') || strchr(path, '#')) {
		snprintf(why, n, "target '%s' must not have a query or fragment", url);
		return -EINVAL;
	}
	r = url_decode(path, t->base, sizeof(t->base));
	if (r < 0) {
		snprintf(why, n, "bad path in target '%s'", url);
		return r;
	}
	return 0;
}

/* t->base_url for the drivers that address by URL; the S3 prefix as keys are written. */
static int set_base_url(struct upload_target *t)
{
	char base[PATH_MAX], esc[UPLOAD_URL_MAX];
	int r, k;

	snprintf(base, sizeof(base), "%s", t->base);
	if (t->drv == &upload_driver_webdav) {
		r = upload_url_escape_path(base, esc, sizeof(esc));
		if (r < 0)
			return r;
		if (t->port)
			k = snprintf(t->base_url, sizeof(t->base_url), "https://%s:%d%s", t->host,
				     t->port, esc);
		else
			k = snprintf(t->base_url, sizeof(t->base_url), "https://%s%s", t->host,
				     esc);
		if (k < 0 || (size_t)k >= sizeof(t->base_url))
			return -ENAMETOOLONG;
	} else if (t->drv == &upload_driver_sftp) {
		k = snprintf(t->base_url, sizeof(t->base_url), "sftp://%s:%d", t->host,
			     t->port ? t->port : 22);
		if (k < 0 || (size_t)k >= sizeof(t->base_url))
			return -ENAMETOOLONG;
	} else if (t->drv == &upload_driver_s3) {
		/* "prefix" without a leading '/', as S3 keys are written. */
		memmove(t->base, t->base + (t->base[0] == '/'), strlen(t->base) + 1);
	}
	return 0;
}

static int parse_target(struct upload_target *t, const char *url, char *why, size_t n)
{
	int r;

	r = check_scheme_built_in(url, why, n);
	if (r < 0)
		return r;
	if (strncmp(url, "file://", 7) == 0)
		r = parse_file_target(t, url, why, n);
	else
		r = parse_remote_target(t, url, why, n);
	if (r < 0)
		return r;
	/* No trailing '/', so "base/rel" joins cleanly. */
	for (size_t len = strlen(t->base); len > 0 && t->base[len - 1] == '/'; len--)
		t->base[len - 1] = '\0';
	if (has_dot_segment(t->base)) { /* also when percent-encoded: checked decoded */
		snprintf(why, n, "target '%s' has '.' or '..' in its path", url);
		return -EINVAL;
	}
	if (t->drv == &upload_driver_file && system_folder(t->base)) {
		snprintf(why, n,
			 "target '%s' is a system folder: use a folder of its own, e.g. "
			 "file:///srv/folio/outbox",
			 url);
		return -EINVAL;
	}
	return set_base_url(t);
}

static int check_file(const char *key, const char *path, char *why, size_t n)
{
	if (access(path, R_OK) < 0) {
		int r = -errno;

		snprintf(why, n, "[upload] %s '%s' cannot be read: %s", key, path,
			 folio_strerror(r));
		return r;
	}
	return 0;
}

int upload_target_open(const struct folio_config *cfg, struct upload_target **ret, char *why,
		       size_t n)
{
	struct upload_target *t;
	int r;

	pthread_once(&global_once, global_init);
	if (global_result < 0) {
		snprintf(why, n, "cannot initialise libcurl");
		return global_result;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	r = copy_setting(t->url, sizeof(t->url), cfg->upload_target, "target", why, n);
	if (r < 0)
		goto fail;
	/* For messages and receipts: no userinfo. */
	config_url_redact(cfg->upload_target, t->url, sizeof(t->url));
	r = parse_target(t, cfg->upload_target, why, n);
	if (r == -EINVAL && !why[0])
		snprintf(why, n, "target '%s' is not a valid URL", cfg->upload_target);
	if (r < 0)
		goto fail;
	if (t->drv == &upload_driver_file && path_within(t->base, cfg->store_path)) {
		snprintf(why, n, "target '%s' is inside the store '%s': use a folder outside it",
			 cfg->upload_target, cfg->store_path);
		r = -EINVAL;
		goto fail;
	}

	t->retries = cfg->upload_retries;
	r = copy_setting(t->proxy, sizeof(t->proxy), cfg->upload_proxy, "proxy", why, n);
	if (r < 0)
		goto fail;
	if (t->proxy[0])
		log_info("upload: through the proxy '%s' ([upload] proxy)", t->proxy);
	/* Started inside the window: stop when it closes (a forced run outside it goes on). */
	if (upload_window_parse(cfg->upload_window, &t->window, why, n) == 0 && !t->window.always)
		t->window_bound = upload_window_open(cfg, time(NULL), NULL);
	why[0] = '\0';
	t->connect_timeout = cfg->upload_connect_timeout;
	t->stall_timeout = cfg->upload_stall_timeout;
	t->concurrency = MAX(1, cfg->upload_concurrency);
	t->max_send_bps = (uint64_t)cfg->upload_bandwidth_kbps * 125u;
	t->s3_part_size = S3_PART_SIZE;
	r = copy_setting(t->ca_file, sizeof(t->ca_file), cfg->upload_ca_file, "ca_file", why, n);
	if (r == 0)
		r = copy_setting(t->pinned_pubkey, sizeof(t->pinned_pubkey),
				 cfg->upload_pinned_pubkey, "pinned_pubkey", why, n);
	if (r == 0)
		r = copy_setting(t->client_cert, sizeof(t->client_cert), cfg->upload_client_cert,
				 "client_cert", why, n);
	if (r == 0)
		r = copy_setting(t->client_key, sizeof(t->client_key), cfg->upload_client_key,
				 "client_key", why, n);
	if (r == 0)
		r = copy_setting(t->s3_endpoint, sizeof(t->s3_endpoint), cfg->upload_s3_endpoint,
				 "s3_endpoint", why, n);
	if (r == 0)
		r = copy_setting(t->s3_region, sizeof(t->s3_region), cfg->upload_s3_region,
				 "s3_region", why, n);
	if (r == 0)
		r = copy_setting(t->sftp_known_hosts, sizeof(t->sftp_known_hosts),
				 cfg->upload_sftp_known_hosts, "sftp_known_hosts", why, n);
	if (r == 0)
		r = copy_setting(t->sftp_key, sizeof(t->sftp_key), cfg->upload_sftp_key, "sftp_key",
				 why, n);
	if (r < 0)
		goto fail;

	if (t->drv != &upload_driver_file) {
		if (t->ca_file[0])
			r = check_file("ca_file", t->ca_file, why, n);
		if (r == 0 && t->client_cert[0])
			r = check_file("client_cert", t->client_cert, why, n);
		if (r == 0 && t->client_key[0] && !t->client_cert[0]) {
			snprintf(why, n, "[upload] client_key is set without client_cert");
			r = -EINVAL;
		}
		if (r == 0 && t->client_key[0])
			r = upload_key_file_check("[upload] client_key", t->client_key, why, n);
		if (r < 0)
			goto fail;
	}
	if (cfg->upload_credentials_file[0]) {
		r = upload_creds_load(cfg->upload_credentials_file, &t->creds, why, n);
		if (r < 0)
			goto fail;
	}
	if (t->drv->check) {
		r = t->drv->check(t, why, n);
		if (r < 0)
			goto fail;
	}
	*ret = t;
	return 0;
fail:
	upload_target_close(t);
	return r;
}

struct upload_target *upload_target_close(struct upload_target *t)
{
	if (!t)
		return NULL;
	upload_creds_wipe(&t->creds);
	free(t->made);
	pthread_mutex_destroy(&t->lock);
	free(t);
	return NULL;
}

const char *upload_target_url(const struct upload_target *t)
{
	return t->url;
}

bool upload_made_dir(struct upload_target *t, const char *rel_dir)
{
	bool found = false;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n_made && !found; i++)
		found = strcmp(t->made[i], rel_dir) == 0;
	pthread_mutex_unlock(&t->lock);
	return found;
}

void upload_note_dir(struct upload_target *t, const char *rel_dir)
{
	if (strlen(rel_dir) >= UPLOAD_REL_MAX)
		return;
	pthread_mutex_lock(&t->lock);
	if (t->n_made == t->cap_made) {
		size_t cap = t->cap_made ? t->cap_made * 2 : 16;
		void *p = cap <= 4096 ? realloc(t->made, cap * sizeof(*t->made)) : NULL;

		if (!p) {
			pthread_mutex_unlock(&t->lock);
			return; /* only a cache */
		}
		t->made = p;
		t->cap_made = cap;
	}
	strcpy(t->made[t->n_made++], rel_dir);
	pthread_mutex_unlock(&t->lock);
}

int upload_temp_name(const char *rel, char *buf, size_t size)
{
	const char *slash = strrchr(rel, '/');
	int dir = slash ? (int)(slash - rel + 1) : 0;
	int k = snprintf(buf, size, "%.*s.%s%s", dir, rel, rel + dir, UPLOAD_TEMP_SUFFIX);

	return k < 0 || (size_t)k >= size ? -ENAMETOOLONG : 0;
}

/*
 * The package
 */

struct package {
	struct upload_file *files; /* data files in manifest order, then signature, manifest */
	size_t n, n_data;
	char *manifest; /* its text */
	size_t manifest_len;
};

static void package_free(struct package *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->files[i].rel);
		free(p->files[i].local);
	}
	free(p->files);
	free(p->manifest);
	memset(p, 0, sizeof(*p));
}

/* Puts every file of @p under folder @prefix on the server: "<prefix>/<path>". */
static int package_rebase(struct package *p, const char *prefix)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *path = strchr(p->files[i].rel, '/') + 1;
		char *rel;

		if (asprintf(&rel, "%s/%s", prefix, path) < 0)
			return -ENOMEM;
		free(p->files[i].rel);
		p->files[i].rel = rel;
	}
	return 0;
}

static bool valid_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX_LEN || name[0] == '.')
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

/* A path from the manifest: relative, no "." or ".." or empty segments, no hidden names. */
static bool valid_manifest_path(const char *path)
{
	size_t len = strlen(path), seg = 0;

	if (len == 0 || len >= UPLOAD_REL_MAX - NAME_MAX_LEN - 32)
		return false;
	for (const char *p = path;; p++) {
		if (*p == '/' || *p == '\0') {
			if (seg == 0)
				return false;
			seg = 0;
			if (!*p)
				break;
			continue;
		}
		if (!isalnum((unsigned char)*p) && !strchr("._+=@,-", *p))
			return false; /* nothing a shell, a URL or an SFTP command must quote */
		if (seg == 0 && *p == '.')
			return false; /* ".", "..", hidden and temporary names */
		seg++;
	}
	return strcmp(path, MANIFEST_NAME) != 0 && strcmp(path, SIGNATURE_NAME) != 0 &&
	       strcmp(path, SSH_SIGNATURE_NAME) != 0;
}

static int add_file(struct package *p, const char *dir, const char *name, const char *path,
		    const char *sha256, size_t cap, char *why, size_t n)
{
	struct upload_file *f = &p->files[p->n];
	struct stat st;
	int k;

	if (p->n >= cap)
		return -FOLIO_ETOOBIG;
	memset(f, 0, sizeof(*f));
	if (asprintf(&f->local, "%s/%s", dir, path) < 0) {
		f->local = NULL;
		return -ENOMEM;
	}
	if (asprintf(&f->rel, "%s/%s", name, path) < 0) {
		free(f->local);
		f->local = f->rel = NULL;
		return -ENOMEM;
	}
	p->n++;
	if (stat(f->local, &st) < 0 || !S_ISREG(st.st_mode)) {
		k = stat(f->local, &st) < 0 ? -errno : -FOLIO_EFORMAT;
		snprintf(why, n, "package file '%s' listed in its manifest cannot be read: %s",
			 f->local, folio_strerror(k));
		return k;
	}
	f->size = (uint64_t)st.st_size;
	snprintf(f->sha256, sizeof(f->sha256), "%s", sha256);
	return 0;
}

static int package_load(struct package *p, const char *dir, const char *name, char *why, size_t n)
{
	char path[PATH_MAX], sum[65];
	size_t lines = 0, line = 0, cap;
	struct stat st;
	int r;

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	r = file_read_all(path, MANIFEST_MAX, &p->manifest, &p->manifest_len);
	if (r < 0) {
		snprintf(why, n, "package '%s' has no readable %s: %s", dir, MANIFEST_NAME,
			 r == -FOLIO_ETOOBIG ? "it is too large" : folio_strerror(r));
		return r == -ENOENT ? -FOLIO_EFORMAT : r;
	}
	if (p->manifest_len && memchr(p->manifest, '\0', p->manifest_len)) {
		snprintf(why, n, "'%s' contains a NUL byte", path);
		return -FOLIO_EFORMAT;
	}
	for (size_t i = 0; i < p->manifest_len; i++)
		lines += p->manifest[i] == '\n';
	if (lines > PACKAGE_MAX_FILES) {
		snprintf(why, n, "'%s' lists more than %d files", path, PACKAGE_MAX_FILES);
		return -FOLIO_ETOOBIG;
	}
	cap = lines + 4; /* the listed files, two signatures, the manifest */
	p->files = calloc(cap, sizeof(*p->files));
	if (!p->files)
		return -ENOMEM;

	/* "<64 hex>  <path>" or "<64 hex> *<path>", as sha256sum writes and reads them. */
	for (const char *l = p->manifest; l < p->manifest + p->manifest_len;) {
		const char *nl = memchr(l, '\n', (size_t)(p->manifest + p->manifest_len - l));
		size_t len = nl ? (size_t)(nl - l) : (size_t)(p->manifest + p->manifest_len - l);
		char hex[65], file[UPLOAD_REL_MAX];
		bool ok = len > 66 && len - 66 < sizeof(file) && (l[65] == ' ' || l[65] == '*') &&
			  l[64] == ' ';

		line++;
		for (size_t i = 0; ok && i < 64; i++)
			ok = isxdigit((unsigned char)l[i]) && !isupper((unsigned char)l[i]);
		if (ok) {
			memcpy(hex, l, 64);
			hex[64] = '\0';
			memcpy(file, l + 66, len - 66);
			file[len - 66] = '\0';
			ok = valid_manifest_path(file);
		}
		if (!ok) {
			snprintf(why, n, "'%s' line %zu is not '<sha256>  <path>' with a safe path",
				 path, line);
			return -FOLIO_EFORMAT;
		}
		r = add_file(p, dir, name, file, hex, cap, why, n);
		if (r < 0)
			return r;
		l += len + 1;
	}
	p->n_data = p->n;
	if (p->n_data == 0) {
		snprintf(why, n, "'%s' lists no file", path);
		return -FOLIO_EFORMAT;
	}
	/* The signatures, when there are, then the manifest: the commit marker goes last. */
	for (int i = 0; i < 2; i++) {
		const char *sig = i ? SSH_SIGNATURE_NAME : SIGNATURE_NAME;

		snprintf(path, sizeof(path), "%s/%s", dir, sig);
		if (stat(path, &st) == 0) {
			_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0 || upload_sha256_fd(fd, 0, (uint64_t)st.st_size, sum) < 0) {
				snprintf(why, n, "cannot read '%s'", path);
				return -EIO;
			}
			r = add_file(p, dir, name, sig, sum, cap, why, n);
			if (r < 0)
				return r;
		}
	}
	upload_sha256_hex(p->manifest, p->manifest_len, sum);
	r = add_file(p, dir, name, MANIFEST_NAME, sum, cap, why, n);
	if (r < 0)
		return r;
	if (p->files[p->n - 1].size != p->manifest_len) {
		snprintf(why, n, "'%s/%s' changed while it was read", dir, MANIFEST_NAME);
		return -EIO;
	}
	return 0;
}

/*
 * Delivery
 */

struct run {
	struct upload_target *t;
	struct package *pkg;
	pthread_mutex_t lock;
	size_t next;	 /* next data file to take */
	int error;	 /* the failure reported: the first file's in the package's order */
	size_t error_at; /* that file's index (SIZE_MAX: none) */
	char why[UPLOAD_WHY_MAX];
	bool own;	   /* into our temporary folder: a wrong file there is ours to replace */
	bool compare_only; /* the final folder exists: compare, send nothing */
	atomic_uint skipped;
	atomic_uint retries;
	atomic_uint read_back;	       /* files whose content was read back and matched */
	atomic_ullong read_back_bytes; /* their bytes */
	atomic_ullong read_back_us;    /* time spent reading back, summed over connections */
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void upload_backoff(unsigned attempt)
{
	uint64_t ms = BACKOFF_BASE_MS;
	struct timespec ts;

	for (unsigned i = 1; i < attempt && ms < BACKOFF_CAP_MS; i++)
		ms *= 2;
	ms = MIN(ms, (uint64_t)BACKOFF_CAP_MS);
	ms = ms / 2 + randombytes_uniform((uint32_t)(ms / 2 + 1));
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool upload_stopping(struct upload_target *t, const char **ret_why)
{
	sigset_t pending;
	time_t now;

	if (sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1)) {
		*ret_why = "the station is shutting down";
		return true;
	}
	if (!t->window_bound)
		return false;
	now = time(NULL);
	pthread_mutex_lock(&t->lock);
	if (now != t->window_checked) { /* at most once a second */
		t->window_checked = now;
		t->window_closed = !upload_window_next(&t->window, now, NULL, NULL);
	}
	pthread_mutex_unlock(&t->lock);
	if (t->window_closed) {
		*ret_why = "the upload window closed";
		return true;
	}
	return false;
}

static bool should_retry(struct run *run, struct upload_conn *c, int r, unsigned *attempt)
{
	const char *stop;

	if (!upload_transient(r) || (int)*attempt >= run->t->retries)
		return false;
	if (upload_stopping(run->t, &stop)) {
		upload_conn_why(c, -FOLIO_ECANCELLED, "stopped: %s", stop);
		return false;
	}
	(*attempt)++;
	atomic_fetch_add(&run->retries, 1);
	log_debug("retrying after: %s (attempt %u of %d)", c->why, *attempt, run->t->retries);
	upload_backoff(*attempt);
	return true;
}

static int stat_retrying(struct run *run, struct upload_conn *c, const char *rel,
			 struct upload_stat *st)
{
	unsigned attempt = 0;
	int r;

	do
		r = run->t->drv->stat(c, rel, st);
	while (r < 0 && should_retry(run, c, r, &attempt));
	return r;
}

/* What a wrong file on the server asks for: ours is replaced, the office's is left alone. */
static const char *wrong_file_todo(const struct run *run)
{
	return run->own ? "it is sent again" : "remove it there to deliver again";
}

/* Whether the server's copy at @f->rel is @f: 1 yes, 0 nothing there, -FOLIO_ECORRUPT no. */
static int compare_remote(const struct run *run, struct upload_conn *c, const struct upload_file *f,
			  const struct upload_stat *st)
{
	if (!st->exists)
		return 0;
	if (st->is_dir)
		return upload_conn_why(c, -FOLIO_ECORRUPT,
				       "'%s' on the server is a folder, not the package's file: "
				       "remove it there",
				       f->rel);
	if (st->size != f->size)
		return upload_conn_why(c, -FOLIO_ECORRUPT,
				       "'%s' on the server has %llu bytes, not %llu: another file "
				       "holds its name; %s",
				       f->rel, (unsigned long long)st->size,
				       (unsigned long long)f->size, wrong_file_todo(run));
	if (st->sha256[0] && strcmp(st->sha256, f->sha256) != 0)
		return upload_conn_why(
		    c, -FOLIO_ECORRUPT,
		    "'%s' on the server has another SHA-256 than the manifest: %s", f->rel,
		    wrong_file_todo(run));
	return 1;
}

static const char *host_of(const struct upload_target *t)
{
	return t->host[0] ? t->host : t->base;
}

/*
 * The server's copy of @f read back whole (streamed) into its SHA-256: 1 when it is the
 * manifest's content, -FOLIO_ECORRUPT when it is not.
 */
static int read_back(struct run *run, struct upload_conn *c, const struct upload_file *f)
{
	double start = now_seconds();
	unsigned attempt = 0;
	uint64_t len = 0;
	char sum[65];
	int r;

	do
		r = run->t->drv->digest(c, f->rel, f->size, sum, &len);
	while (r < 0 && should_retry(run, c, r, &attempt));
	atomic_fetch_add(&run->read_back_us, (unsigned long long)((now_seconds() - start) * 1e6));
	if (r < 0)
		return r;
	if (len != f->size || strcmp(sum, f->sha256) != 0)
		return upload_conn_why(
		    c, -FOLIO_ECORRUPT,
		    "'%s' read back from '%s' is not the package's file (%s): %s", f->rel,
		    host_of(run->t), len != f->size ? "another length" : "same size, other SHA-256",
		    wrong_file_todo(run));
	return 1;
}

/* Whether the server holds @f: 1 yes (size and content checked), 0 nothing there, or < 0. */
static int check_remote(struct run *run, struct upload_conn *c, const struct upload_file *f)
{
	struct upload_stat st;
	int r;

	r = stat_retrying(run, c, f->rel, &st);
	if (r < 0)
		return r;
	r = compare_remote(run, c, f, &st);
	if (r != 1)
		return r;
	return read_back(run, c, f);
}

/* A wrong file in our own temporary folder goes, so it is sent again. */
static int drop_own(struct run *run, struct upload_conn *c, const struct upload_file *f)
{
	unsigned attempt = 0;
	int r;

	log_warn("upload: %s", c->why);
	do
		r = run->t->drv->remove(c, f->rel);
	while (r < 0 && should_retry(run, c, r, &attempt));
	return r;
}

/* One file: skipped when it is there already, else sent, renamed and read back. */
static int deliver_file(struct run *run, struct upload_conn *c, const struct upload_file *f)
{
	const struct upload_driver *d = run->t->drv;
	unsigned attempt = 0;
	int r;

	r = check_remote(run, c, f);
	if (r == -FOLIO_ECORRUPT && run->own)
		r = drop_own(run, c, f);
	if (r < 0)
		return r;
	if (r == 1) {
		atomic_fetch_add(&run->skipped, 1);
		log_debug("'%s' is on the server already", f->rel);
		goto checked;
	}
	if (run->compare_only)
		return upload_conn_why(c, -FOLIO_ECORRUPT,
				       "'%s' is missing from the package's folder on '%s': another "
				       "delivery holds its name; remove it there to deliver again",
				       f->rel, host_of(run->t));
	for (;;) {
		r = d->put(c, f);
		if (r == 0)
			break;
		if (r == -EEXIST || upload_transient(r) || r == -ENOENT) {
			/* Maybe it arrived and only the answer was lost. */
			char why[UPLOAD_WHY_MAX];
			int e;

			memcpy(why, c->why, sizeof(why));
			e = check_remote(run, c, f);
			if (e < 0)
				return e;
			if (e == 1)
				break;
			memcpy(c->why, why, sizeof(why));
			if (r == -EEXIST) /* it went away again: try once more */
				r = -EAGAIN;
		}
		if (!should_retry(run, c, r, &attempt))
			return r;
	}
	/* Confirm the server's copy: its size, then its content. */
	r = check_remote(run, c, f);
	if (r < 0)
		return r;
	if (r == 0)
		return upload_conn_why(c, -EIO, "'%s' is not on '%s' after its upload", f->rel,
				       host_of(run->t));
checked:
	atomic_fetch_add(&run->read_back, 1);
	atomic_fetch_add(&run->read_back_bytes, (unsigned long long)f->size);
	pthread_mutex_lock(&run->lock);
	progress_tell(&run->t->progress, atomic_load(&run->read_back), run->pkg->n,
		      atomic_load(&run->read_back_bytes));
	pthread_mutex_unlock(&run->lock);
	return 0;
}

void upload_target_set_progress(struct upload_target *t, const struct progress *p)
{
	t->progress = p ? *p : (struct progress){ 0 };
}

/*
 * A failure of file @at (SIZE_MAX: of no one file). Of files checked at once the one first in
 * the package's order is reported, so the same fault always gets the same message, whichever
 * thread happened to meet its own first.
 */
static void fail_run_at(struct run *run, int r, const char *why, size_t at)
{
	pthread_mutex_lock(&run->lock);
	if (!run->error || at < run->error_at) {
		run->error = r;
		run->error_at = at;
		snprintf(run->why, sizeof(run->why), "%s", why);
	}
	pthread_mutex_unlock(&run->lock);
}

static void fail_run(struct run *run, int r, const char *why)
{
	fail_run_at(run, r, why, SIZE_MAX);
}

struct worker {
	struct run *run;
	struct upload_conn conn;
	pthread_t thread;
	bool started;
};

static void *worker_main(void *user)
{
	struct worker *w = user;
	struct run *run = w->run;

	for (;;) {
		size_t i;
		int r;

		pthread_mutex_lock(&run->lock);
		i = run->next++;
		r = run->error;
		pthread_mutex_unlock(&run->lock);
		if (r || i >= run->pkg->n_data)
			break;
		r = deliver_file(run, &w->conn, &run->pkg->files[i]);
		if (r < 0) {
			fail_run_at(run, r, w->conn.why[0] ? w->conn.why : folio_strerror(r), i);
			break;
		}
	}
	return NULL;
}

/* The manifest as the server holds it under its final name must be what we sent. */
static int confirm_manifest(struct run *run, struct upload_conn *c, const struct upload_file *f,
			    char ret[65])
{
	int r = read_back(run, c, f);

	if (r < 0)
		return r;
	memcpy(ret, f->sha256, 65);
	return 0;
}

/* Where the package is on the server, for the receipt (no secrets: no password in URLs). */
static void remote_of(const struct upload_target *t, const char *name, char *buf, size_t size)
{
	int k;

	if (t->drv == &upload_driver_s3)
		k = snprintf(buf, size, "s3://%s/%s%s%s/", t->s3_bucket, t->base,
			     t->base[0] ? "/" : "", name);
	else if (t->drv == &upload_driver_file)
		k = snprintf(buf, size, "file://%s/%s/", t->base, name);
	else if (t->drv == &upload_driver_sftp && t->port && t->port != 22)
		k = snprintf(buf, size, "sftp://%s@%s:%d%s/%s/", t->user, t->host, t->port, t->base,
			     name);
	else if (t->drv == &upload_driver_sftp)
		k = snprintf(buf, size, "sftp://%s@%s%s/%s/", t->user, t->host, t->base, name);
	else
		k = snprintf(buf, size, "%s/%s/", t->base_url, name);
	if (k < 0 || (size_t)k >= size)
		snprintf(buf, size, "%s", name); /* too long to show whole */
}

/*
 * Every file of the package into folder @prefix (made first): the data files by the workers,
 * then the signatures and the manifest, the commit marker, on this thread's connection.
 */
static void deliver_all(struct run *run, struct worker *workers, size_t n_workers,
			const char *prefix)
{
	struct upload_conn *c = &workers[n_workers].conn;
	const struct package *pkg = run->pkg;
	unsigned attempt = 0;
	int r;

	run->next = 0;
	do
		r = run->t->drv->mkdirs(c, prefix);
	while (r < 0 && should_retry(run, c, r, &attempt));
	if (r < 0) {
		fail_run(run, r, c->why);
		return;
	}
	for (size_t i = 0; i < n_workers; i++) {
		workers[i].started = false;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
			fail_run(run, -EAGAIN, "cannot start an upload thread");
			break;
		}
		workers[i].started = true;
	}
	for (size_t i = 0; i < n_workers; i++)
		if (workers[i].started)
			pthread_join(workers[i].thread, NULL);
	/* Signature, then the manifest: the commit marker. */
	for (size_t i = pkg->n_data; i < pkg->n && !run->error; i++) {
		r = deliver_file(run, c, &pkg->files[i]);
		if (r < 0)
			fail_run(run, r, c->why[0] ? c->why : folio_strerror(r));
	}
}

/*
 * Where the package goes first: its temporary folder when the protocol can rename it into
 * place (0: @ret_temp holds it, run->own set), or its final folder (1: S3, which has no
 * rename; or a final folder that exists already, which is only compared: run->compare_only).
 */
static int choose_folder(struct run *run, struct upload_conn *c, const char *name, char *ret_temp,
			 size_t size)
{
	struct upload_stat st;
	int r;

	if (!run->t->drv->rename_dir)
		return 1;
	r = stat_retrying(run, c, name, &st);
	if (r < 0)
		return r;
	if (st.exists) {
		run->compare_only = true;
		return 1;
	}
	r = upload_temp_name(name, ret_temp, size);
	if (r < 0)
		return upload_conn_why(c, r, "package name '%s' is too long", name);
	run->own = true;
	return 0;
}

/*
 * The complete, checked temporary folder renamed to @name, never replacing it. 0; 1 when
 * the final folder holds a package already (an earlier run's rename whose answer was lost,
 * or another delivery): the caller compares it; or < 0.
 */
static int publish(struct run *run, struct upload_conn *c, const char *temp, const char *name)
{
	unsigned attempt = 0;
	int r;

	do
		r = run->t->drv->rename_dir(c, temp, name);
	while (r < 0 && should_retry(run, c, r, &attempt));
	if (r == -EEXIST || r == -ENOENT) {
		struct upload_stat st;
		int e = stat_retrying(run, c, name, &st);

		if (e < 0)
			return e;
		if (st.exists) {
			log_info("upload: '%s' is on the server already: comparing it", name);
			return 1;
		}
	}
	return r;
}

static int run_error(struct run *run, int r, struct upload_conn *c)
{
	if (r < 0)
		fail_run(run, r, c->why[0] ? c->why : folio_strerror(r));
	return r;
}

int upload_package(struct upload_target *t, const char *dir, const char *name,
		   struct upload_receipt *ret, char *why, size_t n)
{
	struct upload_receipt rec = { 0 };
	struct package pkg;
	struct run run = { .t = t, .pkg = &pkg };
	struct worker *workers = NULL;
	struct upload_conn *c;
	char temp[NAME_MAX_LEN + 32];
	size_t n_workers;
	double start = now_seconds();
	int r;

	if (n)
		why[0] = '\0';
	if (!valid_name(name)) {
		snprintf(why, n, "'%s' is not a package name (letters, digits, '-', '_', '.')",
			 name);
		return -EINVAL;
	}
	r = package_load(&pkg, dir, name, why, n);
	if (r < 0) {
		package_free(&pkg);
		return r;
	}
	pthread_mutex_init(&run.lock, NULL);

	n_workers = MIN((size_t)t->concurrency, pkg.n_data);
	workers = calloc(n_workers + 1, sizeof(*workers));
	if (!workers) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i <= n_workers; i++) {
		workers[i].run = &run;
		workers[i].conn.t = t;
		workers[i].conn.max_send_bps = t->max_send_bps / n_workers;
	}
	/* The last worker slot is this thread: the folders, the manifest, the rename. */
	c = &workers[n_workers].conn;
	c->max_send_bps = t->max_send_bps;

	r = run_error(&run, choose_folder(&run, c, name, temp, sizeof(temp)), c);
	if (r == 0 && run_error(&run, package_rebase(&pkg, temp), c) == 0) {
		deliver_all(&run, workers, n_workers, temp);
		if (!run.error) {
			r = run_error(&run, publish(&run, c, temp, name), c);
			if (r >= 0 && run_error(&run, package_rebase(&pkg, name), c) < 0)
				r = -ENOMEM;
			run.own = false; /* the final folder is the office's */
		}
		if (r == 1) { /* there already: compare what is there, count again */
			log_warn("upload: the temporary folder '%s' stays on '%s': remove it there",
				 temp, host_of(t));
			run.compare_only = true;
			atomic_store(&run.skipped, 0);
			atomic_store(&run.read_back, 0);
			atomic_store(&run.read_back_bytes, 0);
			deliver_all(&run, workers, n_workers, name);
		}
	} else if (r == 1) {
		deliver_all(&run, workers, n_workers, name);
	}
	if (!run.error)
		run_error(&run,
			  confirm_manifest(&run, c, &pkg.files[pkg.n - 1], rec.manifest_sha256), c);
	for (size_t i = 0; i <= n_workers; i++) {
		rec.bytes_sent += workers[i].conn.bytes_sent;
		upload_curl_free(&workers[i].conn);
	}
	r = run.error;
	if (r < 0) {
		snprintf(why, n, "%s", run.why);
		goto out;
	}
	for (size_t i = 0; i < pkg.n; i++)
		rec.bytes_total += pkg.files[i].size;
	rec.files = (uint32_t)pkg.n;
	rec.files_skipped = atomic_load(&run.skipped);
	rec.files_read_back = atomic_load(&run.read_back);
	rec.bytes_read_back = atomic_load(&run.read_back_bytes);
	rec.read_back_seconds = (double)atomic_load(&run.read_back_us) / 1e6;
	rec.retries = atomic_load(&run.retries);
	rec.renamed = t->drv->rename_dir != NULL;
	rec.seconds = now_seconds() - start;
	rec.finished = (int64_t)time(NULL);
	remote_of(t, name, rec.remote, sizeof(rec.remote));
	*ret = rec;
	r = 0;
out:
	free(workers);
	pthread_mutex_destroy(&run.lock);
	package_free(&pkg);
	return r;
}

const char *upload_receipt_format(const struct upload_receipt *r, char *buf, size_t size)
{
	/* The manifest's hash first: an event keeps 255 bytes, and the receipts need it whole. */
	snprintf(buf, size,
		 "manifest_sha256=%s remote=%s files=%u skipped=%u bytes=%llu sent=%llu "
		 "seconds=%.1f retries=%u read_back=%u read_back_bytes=%llu published=%s",
		 r->manifest_sha256, r->remote, r->files, r->files_skipped,
		 (unsigned long long)r->bytes_total, (unsigned long long)r->bytes_sent, r->seconds,
		 r->retries, r->files_read_back, (unsigned long long)r->bytes_read_back,
		 r->renamed ? "rename" : "manifest-last");
	return buf;
}

int upload_fetch(struct upload_target *t, const char *rel, char *buf, size_t size, size_t *ret_len,
		 char *why, size_t n)
{
	struct upload_conn c = { .t = t, .max_send_bps = t->max_send_bps };
	struct run run = { .t = t };
	unsigned attempt = 0;
	size_t len = 0;
	int r;

	if (n)
		why[0] = '\0';
	if (!valid_manifest_path(rel)) {
		snprintf(why, n, "'%s' is not a path on the target", rel);
		return -EINVAL;
	}
	do
		r = t->drv->fetch(&c, rel, buf, size, &len);
	while (r < 0 && r != -ENOENT && should_retry(&run, &c, r, &attempt));
	upload_curl_free(&c);
	if (r < 0) {
		snprintf(why, n, "%s", c.why[0] ? c.why : folio_strerror(r));
		return r;
	}
	*ret_len = len;
	return 0;
}
