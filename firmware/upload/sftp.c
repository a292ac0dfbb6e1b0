/*
 * SFTP (libcurl with libssh2): key authentication, the host key pinned in a known_hosts file,
 * upload under a temporary name (continued where an interrupted one stopped), then rename,
 * which OpenSSH's server refuses when the final name exists (files and the package's
 * temporary folder alike); files read back into their SHA-256.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "firmware/upload/driver.h"

static int sftp_path(struct upload_conn *c, const char *rel, char *buf, size_t size)
{
	int k = snprintf(buf, size, "%s/%s", c->t->base, rel);

	if (k < 0 || (size_t)k >= size)
		return upload_conn_why(c, -ENAMETOOLONG, "remote path '%s' is too long", rel);
	return 0;
}

static int sftp_url(struct upload_conn *c, const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX], esc[UPLOAD_URL_MAX];
	int r, k;

	r = sftp_path(c, rel, path, sizeof(path));
	if (r < 0)
		return r;
	r = upload_url_escape_path(path, esc, sizeof(esc));
	if (r < 0)
		return upload_conn_why(c, r, "remote path '%s' is too long", rel);
	k = snprintf(buf, size, "%s%s", c->t->base_url, esc);
	if (k < 0 || (size_t)k >= size)
		return upload_conn_why(c, -ENAMETOOLONG, "remote path '%s' is too long", rel);
	return 0;
}

static int sftp_start(struct upload_conn *c, const char *url)
{
	struct upload_target *t = c->t;
	int r = upload_curl_reset(c, url);

	if (r < 0)
		return r;
	curl_easy_setopt(c->curl, CURLOPT_USERNAME, t->user);
	curl_easy_setopt(c->curl, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
	curl_easy_setopt(c->curl, CURLOPT_SSH_PRIVATE_KEYFILE, t->sftp_key);
	curl_easy_setopt(c->curl, CURLOPT_SSH_PUBLIC_KEYFILE, ""); /* derived from the key */
	curl_easy_setopt(c->curl, CURLOPT_SSH_KNOWNHOSTS, t->sftp_known_hosts);
	return 0;
}

/* A request on file @rel under the target's base. */
static int sftp_start_rel(struct upload_conn *c, const char *rel)
{
	char url[UPLOAD_URL_MAX];
	int r = sftp_url(c, rel, url, sizeof(url));

	return r < 0 ? r : sftp_start(c, url);
}

static int sftp_stat(struct upload_conn *c, const char *rel, struct upload_stat *ret)
{
	char what[UPLOAD_REL_MAX + 16];
	curl_off_t size = -1;
	long status;
	int r;

	r = sftp_start_rel(c, rel);
	if (r < 0)
		return r;
	curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	upload_curl_body(c, NULL);
	snprintf(what, sizeof(what), "stat '%s'", rel);
	r = upload_curl_perform(c, what, &status);
	if (r == -ENOENT) {
		*ret = (struct upload_stat){ .exists = false };
		return 0;
	}
	if (r < 0)
		return r;
	curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
	if (size < 0)
		return upload_conn_why(c, -EPROTO, "%s: '%s' did not say its size", what,
				       c->t->host);
	*ret = (struct upload_stat){ .exists = true, .size = (uint64_t)size };
	return 0;
}

/* Runs one SFTP command (rename, rm) on its own request. */
static int sftp_command(struct upload_conn *c, const char *what, const char *cmd)
{
	char url[UPLOAD_URL_MAX];
	struct curl_slist *quote;
	long status;
	int r, k;

	k = snprintf(url, sizeof(url), "%s/", c->t->base_url);
	if (k < 0 || (size_t)k >= sizeof(url))
		return -ENAMETOOLONG;
	r = sftp_start(c, url);
	if (r < 0)
		return r;
	quote = curl_slist_append(NULL, cmd);
	if (!quote)
		return -ENOMEM;
	curl_easy_setopt(c->curl, CURLOPT_QUOTE, quote);
	curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	upload_curl_body(c, NULL);
	r = upload_curl_perform(c, what, &status);
	curl_easy_setopt(c->curl, CURLOPT_QUOTE, NULL);
	curl_slist_free_all(quote);
	return r;
}

static int sftp_remove(struct upload_conn *c, const char *rel)
{
	char path[PATH_MAX], cmd[PATH_MAX + 16], what[UPLOAD_REL_MAX + 16];
	struct upload_stat st = { 0 };
	int r;

	r = sftp_stat(c, rel, &st);
	if (r < 0 || !st.exists)
		return r;
	r = sftp_path(c, rel, path, sizeof(path));
	if (r < 0)
		return r;
	snprintf(cmd, sizeof(cmd), "rm \"%s\"", path);
	snprintf(what, sizeof(what), "rm '%s'", rel);
	return sftp_command(c, what, cmd);
}

static int sftp_upload(struct upload_conn *c, const struct upload_file *f, const char *rel,
		       uint64_t resume_from)
{
	_cleanup_close_ int fd = open(f->local, O_RDONLY | O_CLOEXEC);
	struct upload_source src = {
		.fd = fd, .len = f->size, .counter = &c->bytes_sent, .hash = true
	};
	char what[UPLOAD_REL_MAX + 16];
	long status;
	int r;

	if (fd < 0)
		return upload_conn_why(c, -errno, "cannot read '%s': %s", f->local,
				       folio_strerror(-errno));
	r = sftp_start_rel(c, rel);
	if (r < 0)
		return r;
	upload_curl_source(c, &src, false);
	curl_easy_setopt(c->curl, CURLOPT_FTP_CREATE_MISSING_DIRS, (long)CURLFTP_CREATE_DIR);
	curl_easy_setopt(c->curl, CURLOPT_NEW_FILE_PERMS, 0600L);
	curl_easy_setopt(c->curl, CURLOPT_NEW_DIRECTORY_PERMS, 0700L);
	if (resume_from) {
		/* libcurl appends and seeks our source (which hashes the part it skips). */
		curl_easy_setopt(c->curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)resume_from);
		log_debug("continuing '%s' at byte %llu", rel, (unsigned long long)resume_from);
	}
	upload_curl_body(c, NULL);
	snprintf(what, sizeof(what), "upload '%s'", rel);
	r = upload_curl_perform(c, what, &status);
	if (r < 0)
		return r;
	return upload_source_check(c, &src, f, rel);
}

/*
 * Renames @from to @to (a file or a folder). OpenSSH's server refuses a name that exists (its
 * SFTP version 3 rename never replaces): -EEXIST then, -ENOENT when @from is missing.
 */
static int sftp_rename(struct upload_conn *c, const char *from_rel, const char *to_rel)
{
	char from[PATH_MAX], to[PATH_MAX], cmd[2 * PATH_MAX + 32], what[UPLOAD_REL_MAX + 16];
	char why[UPLOAD_WHY_MAX];
	struct upload_stat st = { 0 };
	int r, e;

	r = sftp_path(c, from_rel, from, sizeof(from));
	if (r == 0)
		r = sftp_path(c, to_rel, to, sizeof(to));
	if (r < 0)
		return r;
	snprintf(cmd, sizeof(cmd), "rename \"%s\" \"%s\"", from, to);
	snprintf(what, sizeof(what), "rename to '%s'", to_rel);
	r = sftp_command(c, what, cmd);
	if (r != -EPROTO)
		return r;
	/* Refused: because the final name is taken, or the source is gone? */
	memcpy(why, c->why, sizeof(why));
	e = sftp_stat(c, to_rel, &st);
	if (e < 0)
		return e;
	if (st.exists) {
		memcpy(c->why, why, sizeof(why));
		return -EEXIST;
	}
	e = sftp_stat(c, from_rel, &st);
	if (e < 0)
		return e;
	memcpy(c->why, why, sizeof(why));
	return st.exists ? r : -ENOENT;
}

static int sftp_put(struct upload_conn *c, const struct upload_file *f)
{
	char temp[UPLOAD_REL_MAX];
	struct upload_stat st = { 0 };
	int r;

	r = upload_temp_name(f->rel, temp, sizeof(temp));
	if (r < 0)
		return upload_conn_why(c, r, "remote path '%s' is too long", f->rel);
	r = sftp_stat(c, temp, &st);
	if (r < 0)
		return r;
	if (st.exists && st.size > f->size) {
		r = sftp_remove(c, temp);
		if (r < 0)
			return r;
		st.exists = false;
	}
	/* Missing or short: send (the rest); whole: the local file must still be what was sent. */
	if (!st.exists || st.size < f->size)
		r = sftp_upload(c, f, temp, st.exists ? st.size : 0);
	else
		r = upload_local_check(c, f);
	if (r < 0)
		return r;
	return sftp_rename(c, temp, f->rel);
}

static int sftp_mkdirs(struct upload_conn *c, const char *rel_dir)
{
	/* Uploads create missing folders (CURLOPT_FTP_CREATE_MISSING_DIRS). */
	(void)c;
	(void)rel_dir;
	return 0;
}

static int sftp_check(struct upload_target *t, char *why, size_t n)
{
	int r;

	if (!t->sftp_key[0] || !t->sftp_known_hosts[0]) {
		snprintf(why, n, "an sftp:// target needs [upload] sftp_key and sftp_known_hosts");
		return -EINVAL;
	}
	r = upload_key_file_check("[upload] sftp_key", t->sftp_key, why, n);
	if (r < 0)
		return r;
	if (access(t->sftp_known_hosts, R_OK) < 0) {
		r = -errno;
		snprintf(why, n, "[upload] sftp_known_hosts '%s' cannot be read: %s",
			 t->sftp_known_hosts, folio_strerror(r));
		return r;
	}
	if (!t->base[0]) {
		snprintf(why, n, "an sftp:// target needs a folder: sftp://USER@HOST/FOLDER");
		return -EINVAL;
	}
	return 0;
}

const struct upload_driver upload_driver_sftp = {
	.scheme = "sftp",
	.check = sftp_check,
	.mkdirs = sftp_mkdirs,
	.stat = sftp_stat,
	.put = sftp_put,
	.fetch = upload_curl_fetch,
	.remove = sftp_remove,
	.digest = upload_curl_read_back,
	.rename_dir = sftp_rename,
	.open_read = sftp_start_rel,
};
