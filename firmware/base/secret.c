/* Reading secret files (secret.h). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include "errors.h"
#include "fileio.h"
#include "secret.h"

int secret_open(const char *path, struct stat *ret_st)
{
	return file_open_regular(path, O_NOFOLLOW | O_NONBLOCK, ret_st);
}

bool secret_private(const struct stat *st)
{
	return (st->st_mode & (S_IRWXG | S_IRWXO)) == 0;
}

int secret_read(int fd, size_t max, char **ret, size_t *ret_len)
{
	size_t len = 0;
	char *buf;

	if (sodium_init() < 0)
		return -ENOMEM;
	buf = sodium_malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	/* One byte beyond @max tells a file too large from one that fills it. */
	while (len <= max) {
		ssize_t k = read(fd, buf + len, max + 1 - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int r = -errno;

			sodium_free(buf);
			return r;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len > max) {
		sodium_free(buf);
		return -FOLIO_ETOOBIG;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

bool secret_owned(const struct stat *st)
{
	return st->st_uid == geteuid() || st->st_uid == 0;
}

int secret_load(const char *path, size_t max, unsigned flags, char **ret, size_t *ret_len,
		struct stat *ret_st)
{
	struct stat st = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int fd, r;

	fd = secret_open(path, &st);
	if (fd < 0 && fd != -FOLIO_EFORMAT)
		return fd;
	if (ret_st)
		*ret_st = st;
	if (fd < 0)
		return fd;
	if (!secret_owned(&st) || !secret_private(&st)) {
		close(fd);
		return -EPERM;
	}
	r = secret_read(fd, max, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	if (len == 0 && (flags & SECRET_NOT_EMPTY)) {
		secret_free(buf);
		return -ENODATA;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

char *secret_free(char *buf)
{
	/* sodium_free() zeroes the region before it unmaps it, NULL included. */
	sodium_free(buf);
	return NULL;
}
