/* Simulated unplugging of a virtual feeder: a stamp file per page folder. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "feeder_config.h"
#include "feeder_dbg.h"
#include "feeder_unplug.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a, 64 bits: a stable, file-name-safe key for a folder path. */
static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int stamp_path(const char *dir, char **ret)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (asprintf(ret, "%s/folio-sane-%u-%016" PRIx64 ".unplugged", tmp, (unsigned)geteuid(),
		     path_hash(dir)) < 0)
		return -ENOMEM;
	return 0;
}

int feeder_unplug_mark(const char *dir, unsigned seconds, unsigned position)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	char buf[32];
	int n, r;

	if (seconds == 0)
		return 0;
	r = stamp_path(dir, &path);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%" PRId64 " %u\n", now_ms() + (int64_t)seconds * 1000,
		     position);
	if (write(fd, buf, (size_t)n) != n || rename(tmp, path) < 0) {
		r = errno ? -errno : -EIO;
		unlink(tmp);
		return r;
	}
	feeder_dbg(FEEDER_DBG_PAGE, "'%s' unplugged for %u s (stamp '%s')", dir, seconds, path);
	return 0;
}

/* Reads dir's stamp: deadline and position. False when there is none usable. */
static bool read_stamp(const char *path, long long *ret_until, unsigned *ret_position)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	char buf[48], *end;
	long long until;
	unsigned long position;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	errno = 0;
	until = strtoll(buf, &end, 10);
	if (errno || end == buf || *end != ' ')
		return false;
	position = strtoul(end + 1, &end, 10);
	if (errno || (*end && *end != '\n') || position > FEEDER_PAGE_MAX)
		return false;
	*ret_until = until;
	*ret_position = (unsigned)position;
	return true;
}

bool feeder_unplug_active(const char *dir)
{
	_cleanup_free_ char *path = NULL;
	long long until, now = now_ms();
	unsigned position;

	if (stamp_path(dir, &path) < 0 || !read_stamp(path, &until, &position))
		return false;
	/* A deadline further away than any allowed delay comes from a clock jump: ignore it. */
	if (until - now > (long long)FEEDER_LOST_SECONDS_MAX * 1000) {
		unlink(path);
		return false;
	}
	return until > now;
}

bool feeder_unplug_take_resume(const char *dir, unsigned *ret_position)
{
	_cleanup_free_ char *path = NULL;
	long long until, now = now_ms();
	unsigned position;

	if (stamp_path(dir, &path) < 0 || !read_stamp(path, &until, &position))
		return false;
	if (until > now)
		return false; /* still unplugged */
	unlink(path);
	if (now - until > (long long)FEEDER_RESUME_SECONDS * 1000)
		return false;
	*ret_position = position;
	return true;
}
