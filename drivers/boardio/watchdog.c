/* The hardware watchdog: a Linux watchdog device or the simulated one. */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kconfig.h"
#include "drivers/boardio/backend.h"
#include "drivers/boardio/watchdog.h"

struct watchdog_ops {
	int (*open)(struct watchdog *w, const struct boardio_facts *f);
	int (*keepalive)(struct watchdog *w);
	void (*close)(struct watchdog *w);
};

struct watchdog {
	const struct watchdog_ops *ops;
	int fd;
	unsigned timeout_s;
};

static int dev_open(struct watchdog *w, const struct boardio_facts *f)
{
	int timeout = (int)f->watchdog_timeout_s;

	w->fd = open(f->watchdog_device, O_WRONLY | O_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	/* Drivers round or cap the timeout (the BCM2835's is at most 15 s): ask, then read. */
	(void)ioctl(w->fd, WDIOC_SETTIMEOUT, &timeout);
	if (ioctl(w->fd, WDIOC_GETTIMEOUT, &timeout) == 0 && timeout > 0)
		w->timeout_s = (unsigned)timeout;
	return 0;
}

static int dev_keepalive(struct watchdog *w)
{
	return ioctl(w->fd, WDIOC_KEEPALIVE, 0) < 0 ? -errno : 0;
}

static void dev_close(struct watchdog *w)
{
	/* The magic close: without the 'V' the countdown goes on and the board reboots. */
	if (write(w->fd, "V", 1) != 1)
		(void)0; /* nothing better to do: the board reboots when the countdown ends */
	close(w->fd);
}

static const struct watchdog_ops dev_ops = {
	.open = dev_open,
	.keepalive = dev_keepalive,
	.close = dev_close,
};

/* Appends one line to the simulated watchdog's record. */
static int sim_record(struct watchdog *w, const char *what, unsigned long long value)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s %llu\n", what, value);

	if (write(w->fd, line, (size_t)n) == n)
		return 0;
	return errno ? -errno : -EIO;
}

static int sim_open(struct watchdog *w, const struct boardio_facts *f)
{
	char path[PATH_MAX + 16];
	int r;

	if (mkdir(f->sim_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/watchdog", f->sim_dir);
	w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return -errno;
	r = sim_record(w, "open", w->timeout_s);
	if (r < 0)
		close(w->fd);
	return r;
}

static int sim_keepalive(struct watchdog *w)
{
	return sim_record(w, "keepalive", (unsigned long long)boardio_now_ms());
}

static void sim_close(struct watchdog *w)
{
	(void)sim_record(w, "magic-close", (unsigned long long)boardio_now_ms());
	close(w->fd);
}

static const struct watchdog_ops sim_ops = {
	.open = sim_open,
	.keepalive = sim_keepalive,
	.close = sim_close,
};

int watchdog_open(const struct boardio_facts *f, struct watchdog **ret)
{
	const struct watchdog_ops *ops;
	struct watchdog *w;
	int r;

	if (!IS_ENABLED(CONFIG_WATCHDOG) || !f->watchdog_device[0])
		return -ENODEV;
	if (strcmp(f->watchdog_device, "sim") == 0)
		ops = IS_ENABLED(CONFIG_BOARDIO_SIM) ? &sim_ops : NULL;
	else
		ops = &dev_ops;
	if (!ops)
		return -ENODEV;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->ops = ops;
	w->timeout_s = f->watchdog_timeout_s;
	r = ops->open(w, f);
	if (r < 0) {
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int watchdog_keepalive(struct watchdog *w)
{
	return w ? w->ops->keepalive(w) : 0;
}

unsigned watchdog_timeout_ms(const struct watchdog *w)
{
	return w ? w->timeout_s * 1000u : 0;
}

struct watchdog *watchdog_close(struct watchdog *w)
{
	if (!w)
		return NULL;
	w->ops->close(w);
	free(w);
	return NULL;
}
