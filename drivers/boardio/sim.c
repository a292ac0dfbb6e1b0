/*
 * The simulated board I/O backend: button presses from a FIFO, LED patterns to a file.
 *
 *	SIM_DIR/buttons  FIFO; each line "NAME [press|release] [MS]" is an edge of button NAME
 *	                 (start, stop, resume), a press by default, at MS milliseconds of
 *	                 CLOCK_MONOTONIC (default: when it is read)
 *	SIM_DIR/leds     "ready=P busy=P attention=P error=P" with P off, on, slow or fast,
 *	                 replaced atomically on every change
 *
 * The FIFO is opened read-write, so writers never block and poll() never reports a hang-up;
 * it is removed on close so a late writer fails instead of waiting for ever.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"
#include "drivers/boardio/backend.h"

#define SIM_LINE_MAX 128

struct boardio_backend {
	int fd;
	char dir[PATH_MAX];
	char fifo[PATH_MAX];
	char line[SIM_LINE_MAX];
	size_t len;
	bool overlong;
	bool lit[BOARDIO_LEDS];
};

static int sim_open(const struct boardio_facts *f, struct boardio_backend **ret)
{
	struct boardio_backend *be;
	struct stat st;
	int r;

	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	snprintf(be->dir, sizeof(be->dir), "%s", f->sim_dir);
	if (mkdir(be->dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		goto fail;
	}
	r = snprintf(be->fifo, sizeof(be->fifo), "%s/buttons", be->dir);
	if (r < 0 || (size_t)r >= sizeof(be->fifo)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	if (mkfifo(be->fifo, 0660) < 0 && errno != EEXIST) {
		r = -errno;
		goto fail;
	}
	if (lstat(be->fifo, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		r = -EEXIST;
		goto fail;
	}
	be->fd = open(be->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (be->fd < 0) {
		r = -errno;
		goto fail;
	}
	*ret = be;
	return 0;
fail:
	free(be);
	return r;
}

static void sim_close(struct boardio_backend *be)
{
	unlink(be->fifo);
	close(be->fd);
	free(be);
}

static int sim_fd(const struct boardio_backend *be)
{
	return be->fd;
}

/* "NAME [press|release] [MS]" into an edge; false for anything else. */
static bool parse_edge(char *line, struct boardio_edge *ret)
{
	char *save = NULL, *name, *word, *end;
	struct boardio_edge e = { .pressed = true, .msec = boardio_now_ms() };
	size_t i;

	name = strtok_r(line, " \t\r", &save);
	if (!name)
		return false;
	for (i = 0; i < BOARDIO_BUTTONS; i++)
		if (strcmp(name, boardio_button_name((enum boardio_button)i)) == 0)
			break;
	if (i == BOARDIO_BUTTONS)
		return false;
	e.button = (enum boardio_button)i;
	while ((word = strtok_r(NULL, " \t\r", &save))) {
		if (strcmp(word, "press") == 0) {
			e.pressed = true;
		} else if (strcmp(word, "release") == 0) {
			e.pressed = false;
		} else if (*word >= '0' && *word <= '9') {
			errno = 0;
			e.msec = strtoull(word, &end, 10);
			if (errno || *end)
				return false;
		} else {
			return false;
		}
	}
	*ret = e;
	return true;
}

static int sim_read_edges(struct boardio_backend *be, struct boardio_edge *ret, size_t max)
{
	size_t n = 0;
	char c;

	/* One byte at a time: a FIFO holds little, and a partial line stays for the next call. */
	while (n < max) {
		ssize_t k = read(be->fd, &c, 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			break;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		if (c != '\n') {
			if (be->len < sizeof(be->line) - 1)
				be->line[be->len++] = c;
			else
				be->overlong = true;
			continue;
		}
		be->line[be->len] = '\0';
		if (!be->overlong && parse_edge(be->line, &ret[n]))
			n++;
		be->len = 0;
		be->overlong = false;
	}
	return (int)n;
}

static int sim_led_write(struct boardio_backend *be, enum boardio_led led, bool on)
{
	be->lit[led] = on;
	return 0;
}

static int sim_led_patterns(struct boardio_backend *be,
			    const enum boardio_pattern pattern[BOARDIO_LEDS])
{
	char path[PATH_MAX + 8], tmp[PATH_MAX + 16], text[128];
	int fd, n = 0, r = 0;

	for (size_t i = 0; i < BOARDIO_LEDS; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%s=%s", i ? " " : "",
			      boardio_led_name((enum boardio_led)i),
			      boardio_pattern_name(pattern[i]));
	n += snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	snprintf(path, sizeof(path), "%s/leds", be->dir);
	snprintf(tmp, sizeof(tmp), "%s/.leds.tmp", be->dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)n) != n)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

const struct boardio_ops boardio_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.fd = sim_fd,
	.read_edges = sim_read_edges,
	.led_write = sim_led_write,
	.led_patterns = sim_led_patterns,
};
