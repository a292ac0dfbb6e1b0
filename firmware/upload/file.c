/* file:// targets: a local outbox or a mounted share. Copy, fsync, rename without replacing. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/upload/driver.h"

static int file_path(struct upload_conn *c, const char *rel, char *buf, size_t size)
{
	int k = snprintf(buf, size, "%s/%s", c->t->base, rel);

	if (k < 0 || (size_t)k >= size)
		return upload_conn_why(c, -ENAMETOOLONG, "path '%s/%s' is too long", c->t->base,
				       rel);
	return 0;
}

static int fsync_dir(const char *path)
{
	char copy[PATH_MAX];
	_cleanup_close_ int fd = -1;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

static int file_mkdirs(struct upload_conn *c, const char *rel_dir)
{
	char path[PATH_MAX];
	int r = file_path(c, rel_dir, path, sizeof(path));

	if (r < 0)
		return r;
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char save = *p;

		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return upload_conn_why(c, -errno, "cannot create folder '%s': %s", path,
					       folio_strerror(-errno));
		*p = save;
		if (!save)
			break;
	}
	return 0;
}

static int file_stat(struct upload_conn *c, const char *rel, struct upload_stat *ret)
{
	char path[PATH_MAX];
	struct stat st;
	int r = file_path(c, rel, path, sizeof(path));

	if (r < 0)
		return r;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT) {
			*ret = (struct upload_stat){ .exists = false };
			return 0;
		}
		return upload_conn_why(c, -errno, "cannot look at '%s': %s", path,
				       folio_strerror(-errno));
	}
	*ret = (struct upload_stat){ .exists = true,
				     .is_dir = S_ISDIR(st.st_mode),
				     .size = (uint64_t)st.st_size };
	return 0;
}

/* Copies @size bytes; the SHA-256 of what was copied goes to @ret_sha256. */
static int copy_fd(int in, int out, uint64_t size, uint64_t *counter, char ret_sha256[65])
{
	static const size_t chunk = 1u << 20;
	_cleanup_free_ char *buf = malloc(chunk);
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	uint64_t done = 0;

	if (!buf)
		return -ENOMEM;
	crypto_hash_sha256_init(&st);
	while (done < size) {
		ssize_t k = read(in, buf, (size_t)MIN((uint64_t)chunk, size - done));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		for (ssize_t w = 0; w < k;) {
			ssize_t m = write(out, buf + w, (size_t)(k - w));

			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0)
				return -errno;
			w += m;
		}
		crypto_hash_sha256_update(&st, (unsigned char *)buf, (unsigned long long)k);
		done += (uint64_t)k;
		*counter += (uint64_t)k;
	}
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(ret_sha256, 65, sum, sizeof(sum));
	return 0;
}

/* Renames @from to @to unless @to exists: -EEXIST then. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* File systems without RENAME_NOREPLACE: link() refuses an existing name too. */
	if (link(from, to) < 0)
		return -errno;
	unlink(from);
	return 0;
}

static int file_put(struct upload_conn *c, const struct upload_file *f)
{
	char temp_rel[UPLOAD_REL_MAX], temp[PATH_MAX], final[PATH_MAX], dir[UPLOAD_REL_MAX];
	_cleanup_close_ int in = -1, out = -1;
	char *slash, sum[65];
	int r;

	r = upload_temp_name(f->rel, temp_rel, sizeof(temp_rel));
	if (r < 0)
		return upload_conn_why(c, r, "path '%s' is too long", f->rel);
	r = file_path(c, temp_rel, temp, sizeof(temp));
	if (r == 0)
		r = file_path(c, f->rel, final, sizeof(final));
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s", f->rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		r = file_mkdirs(c, dir);
		if (r < 0)
			return r;
	}
	in = open(f->local, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return upload_conn_why(c, -errno, "cannot read '%s': %s", f->local,
				       folio_strerror(-errno));
	out = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return upload_conn_why(c, -errno, "cannot create '%s': %s", temp,
				       folio_strerror(-errno));
	r = copy_fd(in, out, f->size, &c->bytes_sent, sum);
	if (r == 0 && fsync(out) < 0)
		r = -errno;
	if (r < 0) {
		unlink(temp);
		return upload_conn_why(c, r, "cannot write '%s': %s", temp, folio_strerror(r));
	}
	if (strcmp(sum, f->sha256) != 0) {
		unlink(temp);
		return upload_conn_why(c, -FOLIO_ECORRUPT,
				       "local file '%s' does not match its manifest hash",
				       f->local);
	}
	r = rename_noreplace(temp, final);
	if (r == -EEXIST)
		return upload_conn_why(c, r, "'%s' exists already", final);
	if (r < 0)
		return upload_conn_why(c, r, "cannot rename '%s' into place: %s", temp,
				       folio_strerror(r));
	r = fsync_dir(final);
	if (r < 0)
		return upload_conn_why(c, r, "cannot sync the folder of '%s': %s", final,
				       folio_strerror(r));
	return 0;
}

static int file_fetch(struct upload_conn *c, const char *rel, char *buf, size_t size,
		      size_t *ret_len)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	int r = file_path(c, rel, path, sizeof(path));

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return upload_conn_why(c, -errno, "cannot read '%s': %s", path,
				       folio_strerror(-errno));
	for (;;) {
		ssize_t k = read(fd, buf + len, size - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return upload_conn_why(c, -errno, "cannot read '%s': %s", path,
					       folio_strerror(-errno));
		if (k == 0)
			break;
		len += (size_t)k;
		if (len == size) {
			char extra;

			if (read(fd, &extra, 1) > 0)
				return upload_conn_why(c, -FOLIO_ETOOBIG, "'%s' is too large",
						       path);
			break;
		}
	}
	*ret_len = len;
	return 0;
}

static int file_remove(struct upload_conn *c, const char *rel)
{
	char path[PATH_MAX];
	int r = file_path(c, rel, path, sizeof(path));

	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return upload_conn_why(c, -errno, "cannot remove '%s': %s", path,
				       folio_strerror(-errno));
	return 0;
}

const struct upload_driver upload_driver_file = {
	.scheme = "file",
	.mkdirs = file_mkdirs,
	.stat = file_stat,
	.put = file_put,
	.fetch = file_fetch,
	.remove = file_remove,
};
