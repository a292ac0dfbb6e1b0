/* file:// targets: a local outbox or a mounted share. Copy, fsync, rename without replacing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/upload/driver.h"

/*
 * Everything happens beneath the outbox folder, and never through a symbolic link: a link
 * planted as the package folder or as a temporary file must not send the package, or our
 * bytes, anywhere else. Paths are resolved with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) from the outbox; files are created 0600 with O_EXCL | O_NOFOLLOW,
 * folders 0700.
 */
#define FILE_MODE 0600
#define DIR_MODE 0700

/*
 * open_beneath() where there is no openat2(): the same rules, one name at a time. Every
 * folder on the way is opened with O_NOFOLLOW, '.', '..' and empty names are refused (as
 * RESOLVE_BENEATH would: -EXDEV), and a link as the last name is refused (-ELOOP).
 */
static int open_beneath_walk(int dirfd, const char *rel, int flags, mode_t mode)
{
	char path[PATH_MAX], *name, *next;
	int cur = dirfd, fd;
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s", rel) >= sizeof(path))
		return -ENAMETOOLONG;
	for (name = path;; name = next) {
		next = strchr(name, '/');
		if (next)
			*next++ = '\0';
		if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			fd = -EXDEV;
			break;
		}
		/* a link says so (O_NOFOLLOW alone answers ENOTDIR for a folder's link) */
		if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			fd = -ELOOP;
			break;
		}
		if (!next) {
			fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			fd = fd < 0 ? -errno : fd;
			/* O_PATH | O_NOFOLLOW opens a link itself: refuse it */
			if (fd >= 0 && (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode))) {
				close(fd);
				fd = -ELOOP;
			}
			break;
		}
		fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fd = errno == ENOTDIR ? -ELOOP : -errno;
			break;
		}
		if (cur != dirfd)
			close(cur);
		cur = fd;
	}
	if (cur != dirfd)
		close(cur);
	return fd;
}

static int open_beneath(int dirfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		/* RESOLVE_NO_SYMLINKS refuses a link anywhere, the last name too (O_NOFOLLOW
		 * would open an O_PATH to the link itself). */
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS) /* kernels before 5.6, qemu-user, seccomp filters */
		return open_beneath_walk(dirfd, rel, flags, mode);
	return fd < 0 ? -errno : (int)fd;
}

/* The outbox folder itself (as configured: it may be reached through links), made if missing. */
static int open_base(struct upload_conn *c)
{
	int fd = open(c->t->base, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s", c->t->base);
		for (char *p = path + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char save = *p;

			*p = '\0';
			if (mkdir(path, DIR_MODE) < 0 && errno != EEXIST)
				return upload_conn_why(c, -errno, "cannot create folder '%s': %s",
						       path, folio_strerror(-errno));
			*p = save;
			if (!save)
				break;
		}
		fd = open(c->t->base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}

	if (fd < 0)
		return upload_conn_why(c, -errno, "cannot open the outbox '%s': %s", c->t->base,
				       folio_strerror(-errno));
	return fd;
}

static int refused(struct upload_conn *c, int r, const char *rel)
{
	if (r == -ELOOP || r == -EXDEV)
		return upload_conn_why(c, -EPERM,
				       "'%s/%s' goes through a symbolic link: refused (remove the "
				       "link)",
				       c->t->base, rel);
	return upload_conn_why(c, r, "cannot open '%s/%s': %s", c->t->base, rel, folio_strerror(r));
}

/* The folder holding @rel (opened beneath the outbox) and @rel's last name. */
static int open_parent(struct upload_conn *c, int base, const char *rel, const char **ret_name)
{
	char dir[UPLOAD_REL_MAX];
	const char *slash = strrchr(rel, '/');
	int fd;

	if (!slash) {
		*ret_name = rel;
		fd = fcntl(base, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	*ret_name = slash + 1;
	fd = open_beneath(base, dir, O_PATH | O_DIRECTORY, 0);
	return fd < 0 ? refused(c, fd, dir) : fd;
}

static int file_mkdirs(struct upload_conn *c, const char *rel_dir)
{
	_cleanup_close_ int base = open_base(c);
	char path[UPLOAD_REL_MAX];

	if (base < 0)
		return base;
	snprintf(path, sizeof(path), "%s", rel_dir);
	for (char *p = path;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char save = *p;
		_cleanup_close_ int fd = -1;
		const char *name;

		*p = '\0';
		fd = open_parent(c, base, path, &name);
		if (fd < 0)
			return fd;
		if (mkdirat(fd, name, DIR_MODE) < 0 && errno != EEXIST)
			return upload_conn_why(c, -errno, "cannot create folder '%s/%s': %s",
					       c->t->base, path, folio_strerror(-errno));
		*p = save;
		if (!save)
			break;
	}
	/* The whole chain must be real folders, no links. */
	_cleanup_close_ int last = open_beneath(base, rel_dir, O_PATH | O_DIRECTORY, 0);
	return last < 0 ? refused(c, last, rel_dir) : 0;
}

static int file_stat(struct upload_conn *c, const char *rel, struct upload_stat *ret)
{
	_cleanup_close_ int base = open_base(c), fd = -1;
	struct stat st;

	if (base < 0)
		return base;
	fd = open_beneath(base, rel, O_PATH, 0);
	if (fd == -ENOENT) {
		*ret = (struct upload_stat){ .exists = false };
		return 0;
	}
	if (fd < 0)
		return refused(c, fd, rel);
	if (fstat(fd, &st) < 0)
		return upload_conn_why(c, -errno, "cannot look at '%s/%s': %s", c->t->base, rel,
				       folio_strerror(-errno));
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

/* Renames @from to @to in folder @dirfd unless @to exists: -EEXIST then. */
static int rename_noreplace(int dirfd, const char *from, const char *to)
{
	if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* File systems without RENAME_NOREPLACE: link() refuses an existing name too. */
	if (linkat(dirfd, from, dirfd, to, 0) < 0)
		return -errno;
	unlinkat(dirfd, from, 0);
	return 0;
}

static int file_put(struct upload_conn *c, const struct upload_file *f)
{
	char temp_rel[UPLOAD_REL_MAX], dir[UPLOAD_REL_MAX];
	_cleanup_close_ int base = -1, parent = -1, in = -1, out = -1;
	const char *name, *temp;
	char *slash, sum[65];
	int r;

	r = upload_temp_name(f->rel, temp_rel, sizeof(temp_rel));
	if (r < 0)
		return upload_conn_why(c, r, "path '%s' is too long", f->rel);
	snprintf(dir, sizeof(dir), "%s", f->rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		r = file_mkdirs(c, dir);
		if (r < 0)
			return r;
	}
	base = open_base(c);
	if (base < 0)
		return base;
	parent = open_parent(c, base, f->rel, &name);
	if (parent < 0)
		return parent;
	temp = strrchr(temp_rel, '/') ? strrchr(temp_rel, '/') + 1 : temp_rel;
	in = open(f->local, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return upload_conn_why(c, -errno, "cannot read '%s': %s", f->local,
				       folio_strerror(-errno));
	/* A leftover temporary file (or a link planted in its place) goes; ours is new. */
	if (unlinkat(parent, temp, 0) < 0 && errno != ENOENT)
		return upload_conn_why(c, -errno, "cannot remove '%s/%s': %s", c->t->base, temp_rel,
				       folio_strerror(-errno));
	out = openat(parent, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
	if (out < 0)
		return upload_conn_why(c, -errno, "cannot create '%s/%s': %s", c->t->base, temp_rel,
				       folio_strerror(-errno));
	if (fchmod(out, FILE_MODE) < 0)
		return upload_conn_why(c, -errno, "cannot set the mode of '%s/%s': %s", c->t->base,
				       temp_rel, folio_strerror(-errno));
	r = copy_fd(in, out, f->size, &c->bytes_sent, sum);
	if (r == 0 && fsync(out) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(parent, temp, 0);
		return upload_conn_why(c, r, "cannot write '%s/%s': %s", c->t->base, temp_rel,
				       folio_strerror(r));
	}
	if (strcmp(sum, f->sha256) != 0) {
		unlinkat(parent, temp, 0);
		return upload_local_changed(c, f);
	}
	r = rename_noreplace(parent, temp, name);
	if (r == -EEXIST)
		return upload_conn_why(c, r, "'%s/%s' exists already", c->t->base, f->rel);
	if (r < 0)
		return upload_conn_why(c, r, "cannot rename '%s/%s' into place: %s", c->t->base,
				       temp_rel, folio_strerror(r));
	if (fsync(parent) < 0) {
		/* An O_PATH descriptor cannot be synced: open the folder for it. */
		_cleanup_close_ int d = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (d < 0 || fsync(d) < 0)
			return upload_conn_why(c, -errno, "cannot sync the folder of '%s/%s': %s",
					       c->t->base, f->rel, folio_strerror(-errno));
	}
	return 0;
}

static int file_fetch(struct upload_conn *c, const char *rel, char *buf, size_t size,
		      size_t *ret_len)
{
	_cleanup_close_ int base = open_base(c), fd = -1;
	struct stat st;
	size_t len = 0;

	if (base < 0)
		return base;
	fd = open_beneath(base, rel, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return refused(c, fd, rel);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return upload_conn_why(c, -EINVAL, "'%s/%s' is not a regular file", c->t->base,
				       rel);
	for (;;) {
		ssize_t k = read(fd, buf + len, size - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return upload_conn_why(c, -errno, "cannot read '%s/%s': %s", c->t->base,
					       rel, folio_strerror(-errno));
		if (k == 0)
			break;
		len += (size_t)k;
		if (len == size) {
			char extra;

			if (read(fd, &extra, 1) > 0)
				return upload_conn_why(c, -FOLIO_ETOOBIG, "'%s/%s' is too large",
						       c->t->base, rel);
			break;
		}
	}
	*ret_len = len;
	return 0;
}

static int file_remove(struct upload_conn *c, const char *rel)
{
	_cleanup_close_ int base = open_base(c), parent = -1;
	const char *name;

	if (base < 0)
		return base;
	parent = open_parent(c, base, rel, &name);
	if (parent == -ENOENT)
		return 0;
	if (parent < 0)
		return parent;
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		return upload_conn_why(c, -errno, "cannot remove '%s/%s': %s", c->t->base, rel,
				       folio_strerror(-errno));
	return 0;
}

static int file_digest(struct upload_conn *c, const char *rel, uint64_t size, char ret_sha256[65],
		       uint64_t *ret_len)
{
	_cleanup_close_ int base = open_base(c), fd = -1;
	struct stat st;
	int r;

	if (base < 0)
		return base;
	fd = open_beneath(base, rel, O_RDONLY | O_NONBLOCK, 0);
	if (fd == -ENOENT)
		return upload_conn_why(c, fd, "'%s/%s' is not there", c->t->base, rel);
	if (fd < 0)
		return refused(c, fd, rel);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return upload_conn_why(c, -EINVAL, "'%s/%s' is not a regular file", c->t->base,
				       rel);
	*ret_len = MIN((uint64_t)st.st_size, size + 1);
	if (*ret_len > size) {
		memset(ret_sha256, '0', 64); /* longer than it should be: no need to read it */
		ret_sha256[64] = '\0';
		return 0;
	}
	r = upload_sha256_fd(fd, 0, *ret_len, ret_sha256);
	if (r < 0)
		return upload_conn_why(c, r, "cannot read '%s/%s': %s", c->t->base, rel,
				       folio_strerror(r));
	return 0;
}

static int file_rename_dir(struct upload_conn *c, const char *from, const char *to)
{
	_cleanup_close_ int base = open_base(c), parent = -1, d = -1;
	const char *from_name, *to_name;
	int r;

	if (base < 0)
		return base;
	/* Both names live in the same folder (the outbox, or a folder beneath it). */
	parent = open_parent(c, base, from, &from_name);
	if (parent < 0)
		return parent;
	to_name = strrchr(to, '/') ? strrchr(to, '/') + 1 : to;
	if (renameat2(parent, from_name, parent, to_name, RENAME_NOREPLACE) < 0) {
		r = -errno;
		if (r == -EEXIST || r == -ENOTEMPTY)
			return upload_conn_why(c, -EEXIST, "'%s/%s' exists already", c->t->base,
					       to);
		return upload_conn_why(c, r, "cannot rename '%s/%s' into place: %s", c->t->base,
				       from, folio_strerror(r));
	}
	d = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0 || fsync(d) < 0)
		return upload_conn_why(c, -errno, "cannot sync the folder of '%s/%s': %s",
				       c->t->base, to, folio_strerror(-errno));
	return 0;
}

const struct upload_driver upload_driver_file = {
	.scheme = "file",
	.mkdirs = file_mkdirs,
	.stat = file_stat,
	.put = file_put,
	.fetch = file_fetch,
	.remove = file_remove,
	.digest = file_digest,
	.rename_dir = file_rename_dir,
};
