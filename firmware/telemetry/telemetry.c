/* Scanner telemetry: per-device counters in STORE_DIR/telemetry. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/telemetry/telemetry.h"

#define HEADER                                                                             \
	"# folio telemetry 1: device pages jams double_feeds cover_open device_lost runs " \
	"seconds first_seen last_seen\n"
#define LINE_MAX_LEN 512

struct table {
	size_t n;
	struct telemetry_counters dev[TELEMETRY_MAX_DEVICES];
};

static bool valid_device(const char *d)
{
	size_t n = strlen(d);

	if (n == 0 || n >= TELEMETRY_DEVICE_LEN)
		return false;
	for (; *d; d++)
		if ((unsigned char)*d < 0x20 || *d == 0x7f)
			return false;
	return true;
}

static int parse_line(char *line, struct telemetry_counters *ret)
{
	struct telemetry_counters c = { 0 };
	char *tab = strchr(line, '\t');
	int used = 0;

	if (!tab || (size_t)(tab - line) >= sizeof(c.device))
		return -FOLIO_ECORRUPT;
	memcpy(c.device, line, (size_t)(tab - line));
	if (!valid_device(c.device))
		return -FOLIO_ECORRUPT;
	if (sscanf(tab + 1,
		   "%" SCNu64 "\t%" SCNu64 "\t%" SCNu64 "\t%" SCNu64 "\t%" SCNu64 "\t%" SCNu64
		   "\t%" SCNu64 "\t%" SCNd64 "\t%" SCNd64 "%n",
		   &c.pages, &c.jams, &c.double_feeds, &c.cover_open, &c.device_lost, &c.runs,
		   &c.seconds, &c.first_seen, &c.last_seen, &used) != 9 ||
	    (tab[1 + used] != '\n' && tab[1 + used] != '\0'))
		return -FOLIO_ECORRUPT;
	*ret = c;
	return 0;
}

static int load(int dir_fd, struct table *t)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[LINE_MAX_LEN];
	int fd, r;

	t->n = 0;
	fd = openat(dir_fd, "telemetry", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	if (!fgets(line, sizeof(line), f))
		return 0;
	if (strcmp(line, HEADER) != 0)
		return -FOLIO_ECORRUPT;
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') || t->n >= TELEMETRY_MAX_DEVICES)
			return -FOLIO_ECORRUPT;
		r = parse_line(line, &t->dev[t->n]);
		if (r < 0)
			return r;
		t->n++;
	}
	return ferror(f) ? -EIO : 0;
}

static int save(int dir_fd, const struct table *t)
{
	_cleanup_fclose_ FILE *f = NULL;
	int fd, r = 0;

	fd = openat(dir_fd, "telemetry.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		return r;
	}
	fputs(HEADER, f);
	for (size_t i = 0; i < t->n; i++) {
		const struct telemetry_counters *c = &t->dev[i];

		fprintf(f,
			"%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
			"\t%" PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t%" PRId64 "\n",
			c->device, c->pages, c->jams, c->double_feeds, c->cover_open,
			c->device_lost, c->runs, c->seconds, c->first_seen, c->last_seen);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(TAKE_PTR(f)) != 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dir_fd, "telemetry.tmp", dir_fd, "telemetry") < 0)
		r = -errno;
	if (r == 0 && fsync(dir_fd) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dir_fd, "telemetry.tmp", 0);
	return r;
}

/* Opens the store folder and takes the telemetry lock (shared to read, exclusive to add). */
/* Removes device @i, keeping the others in their order. */
static void forget(struct table *t, size_t i)
{
	memmove(&t->dev[i], &t->dev[i + 1], (t->n - i - 1) * sizeof(t->dev[0]));
	t->n--;
}

static int lock_dir(const char *store_dir, bool exclusive, int *ret_dir_fd, int *ret_lock_fd)
{
	int dir_fd, lock_fd;

	dir_fd = open(store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	lock_fd = openat(dir_fd, "telemetry.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 && !exclusive && (errno == EACCES || errno == EROFS))
		lock_fd = openat(dir_fd, "telemetry.lock", O_RDONLY | O_CLOEXEC);
	if (lock_fd < 0 || flock(lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		int r = -errno;

		if (lock_fd >= 0)
			close(lock_fd);
		close(dir_fd);
		return r;
	}
	*ret_dir_fd = dir_fd;
	*ret_lock_fd = lock_fd;
	return 0;
}

int telemetry_add(const char *store_dir, const struct telemetry_counters *delta)
{
	_cleanup_free_ struct table *t = calloc(1, sizeof(*t));
	_cleanup_close_ int dir_fd = -1;
	_cleanup_close_ int lock_fd = -1;
	struct telemetry_counters *c = NULL;
	int64_t now = (int64_t)time(NULL);
	int r;

	if (!t)
		return -ENOMEM;
	if (!valid_device(delta->device))
		return -EINVAL;
	r = lock_dir(store_dir, true, &dir_fd, &lock_fd);
	if (r < 0)
		return r;
	r = load(dir_fd, t);
	if (r < 0)
		return r;
	/* The devices stay in the order they were last seen, so that of two seen in the same
	 * second the one seen before goes first. */
	for (size_t i = 0; i < t->n && !c; i++)
		if (strcmp(t->dev[i].device, delta->device) == 0) {
			struct telemetry_counters seen = t->dev[i];

			forget(t, i);
			t->dev[t->n] = seen;
			c = &t->dev[t->n++];
		}
	if (!c) {
		if (t->n == TELEMETRY_MAX_DEVICES) { /* forget the device seen longest ago */
			size_t oldest = 0;

			for (size_t i = 1; i < t->n; i++)
				if (t->dev[i].last_seen < t->dev[oldest].last_seen)
					oldest = i;
			forget(t, oldest);
		}
		c = &t->dev[t->n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->device, sizeof(c->device), "%s", delta->device);
		c->first_seen = now;
	}
	c->pages += delta->pages;
	c->jams += delta->jams;
	c->double_feeds += delta->double_feeds;
	c->cover_open += delta->cover_open;
	c->device_lost += delta->device_lost;
	c->runs += delta->runs;
	c->seconds += delta->seconds;
	c->last_seen = now;
	return save(dir_fd, t);
}

int telemetry_record_capture(const char *store_dir, const char *device, int r, uint32_t pages,
			     double seconds)
{
	struct telemetry_counters d = { .runs = 1 };

	if (!device || snprintf(d.device, sizeof(d.device), "%s", device) >= (int)sizeof(d.device))
		return -EINVAL;
	d.pages = pages;
	d.seconds = seconds > 0 ? (uint64_t)(seconds + 0.5) : 0;
	switch (-r) {
	case FOLIO_EJAM:
		d.jams = 1;
		break;
	case FOLIO_EDOUBLEFEED:
		d.double_feeds = 1;
		break;
	case FOLIO_ECOVEROPEN:
		d.cover_open = 1;
		break;
	case FOLIO_EDEVGONE:
	case FOLIO_EDEVIO:
		d.device_lost = 1;
		break;
	default:
		break;
	}
	return telemetry_add(store_dir, &d);
}

int telemetry_get(const char *store_dir, const char *device, struct telemetry_counters *ret)
{
	_cleanup_free_ struct table *t = calloc(1, sizeof(*t));
	_cleanup_close_ int dir_fd = -1;
	_cleanup_close_ int lock_fd = -1;
	int r;

	if (!t)
		return -ENOMEM;
	r = lock_dir(store_dir, false, &dir_fd, &lock_fd);
	if (r < 0)
		return r;
	r = load(dir_fd, t);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->dev[i].device, device) == 0) {
			*ret = t->dev[i];
			return 0;
		}
	return -ENOENT;
}

int telemetry_describe(const char *store_dir, const char *device, char *buf, size_t size)
{
	struct telemetry_counters c;
	int n;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (telemetry_get(store_dir, device, &c) < 0)
		return 0;
	n = snprintf(buf, size,
		     "scanner pages fed: %" PRIu64 "\nscanner jams: %" PRIu64
		     "\nscanner double feeds: %" PRIu64 "\nscanner hours: %.1f\n",
		     c.pages, c.jams, c.double_feeds, (double)c.seconds / 3600.0);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return 0;
	}
	return n;
}
