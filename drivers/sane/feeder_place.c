/* The virtual feeder's place in a folder, kept in a small file beside the pages. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "feeder_dbg.h"
#include "feeder_place.h"

#define PLACE_PREFIX "fed "
#define PLACE_MAX (sizeof(PLACE_PREFIX) + NAME_MAX + 1) /* "fed " NAME "\n" */

static bool valid_name(const char *name, size_t len)
{
	if (len == 0 || len > NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || (unsigned char)name[i] < 0x20)
			return false;
	return true;
}

/* The recorded name into ret (NAME_MAX + 1 bytes). False when there is none usable. */
static bool read_place(const char *dir, char *ret)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	char buf[PLACE_MAX + 1];
	struct stat st;
	size_t len;
	ssize_t n;

	if (asprintf(&path, "%s/%s", dir, FEEDER_PLACE_FILE) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_size > (off_t)PLACE_MAX) {
		feeder_dbg(FEEDER_DBG_ERR,
			   "'%s' is not a feeder place file: starting at the first "
			   "sheet",
			   path);
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	len = (size_t)n;
	if (len > strlen(PLACE_PREFIX) + 1 && buf[len - 1] == '\n' &&
	    strncmp(buf, PLACE_PREFIX, strlen(PLACE_PREFIX)) == 0 && strlen(buf) == len) {
		const char *name = buf + strlen(PLACE_PREFIX);
		size_t name_len = len - strlen(PLACE_PREFIX) - 1;

		if (valid_name(name, name_len)) {
			memcpy(ret, name, name_len);
			ret[name_len] = '\0';
			return true;
		}
	}
	feeder_dbg(FEEDER_DBG_ERR, "'%s' does not say 'fed NAME': starting at the first sheet",
		   path);
	return false;
}

size_t feeder_place_load(const char *dir, char *const *files, size_t n)
{
	char fed[NAME_MAX + 1];
	size_t lo = 0, hi = n;

	if (!read_place(dir, fed))
		return 0;
	/* files are in byte order: count those at or before the fed one. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(files[mid], fed) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	feeder_dbg(FEEDER_DBG_PAGE, "'%s': '%s' was fed last, %zu of %zu sheets left", dir, fed,
		   n - lo, n);
	return lo;
}

int feeder_place_save(const char *dir, const char *name)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	char buf[PLACE_MAX + 1];
	int n, r;

	if (!valid_name(name, strlen(name)))
		return -EINVAL;
	if (asprintf(&path, "%s/%s", dir, FEEDER_PLACE_FILE) < 0)
		return -ENOMEM;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), PLACE_PREFIX "%s\n", name);
	if (n < 0 || (size_t)n >= sizeof(buf))
		r = -ENAMETOOLONG;
	else if (write(fd, buf, (size_t)n) != n)
		r = errno ? -errno : -EIO;
	else if (rename(tmp, path) < 0)
		r = -errno;
	else
		return 0;
	unlink(tmp);
	return r;
}

int feeder_place_forget(const char *dir)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, FEEDER_PLACE_FILE) < 0)
		return -ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
