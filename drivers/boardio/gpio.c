/*
 * The GPIO board I/O backend: libgpiod (v1 API, Debian 12's 1.6) over the GPIO character
 * device. Buttons are requested for both-edge events with a bias towards their idle level;
 * their event descriptors are gathered in one epoll descriptor for the caller's poll loop.
 * LEDs are outputs requested low (off).
 */
#include <errno.h>
#include <gpiod.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "compiler.h"
#include "drivers/boardio/backend.h"

#define CONSUMER "foliod"

struct boardio_backend {
	struct gpiod_chip *chip;
	struct gpiod_line *button[BOARDIO_BUTTONS];
	struct gpiod_line *led[BOARDIO_LEDS];
	int epoll_fd;
};

static void gpio_close(struct boardio_backend *be)
{
	for (size_t i = 0; i < BOARDIO_LEDS; i++)
		if (be->led[i])
			gpiod_line_release(be->led[i]);
	for (size_t i = 0; i < BOARDIO_BUTTONS; i++)
		if (be->button[i])
			gpiod_line_release(be->button[i]);
	if (be->chip)
		gpiod_chip_close(be->chip);
	if (be->epoll_fd >= 0)
		close(be->epoll_fd);
	free(be);
}

static int request_button(struct boardio_backend *be, size_t i, unsigned offset, bool active_low)
{
	struct gpiod_line *line = gpiod_chip_get_line(be->chip, offset);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
	int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	int bias = active_low ? GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP
			      : GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;

	if (!line)
		return -errno;
	/* Some controllers cannot set a bias: the board then has resistors of its own. */
	if (gpiod_line_request_both_edges_events_flags(line, CONSUMER, flags | bias) < 0 &&
	    gpiod_line_request_both_edges_events_flags(line, CONSUMER, flags) < 0)
		return -errno;
	be->button[i] = line;
	if (epoll_ctl(be->epoll_fd, EPOLL_CTL_ADD, gpiod_line_event_get_fd(line), &ev) < 0)
		return -errno;
	return 0;
}

static int request_led(struct boardio_backend *be, size_t i, unsigned offset, bool active_low)
{
	struct gpiod_line *line = gpiod_chip_get_line(be->chip, offset);
	int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;

	if (!line)
		return -errno;
	if (gpiod_line_request_output_flags(line, CONSUMER, flags, 0) < 0)
		return -errno;
	be->led[i] = line;
	return 0;
}

static int gpio_open(const struct boardio_facts *f, struct boardio_backend **ret)
{
	struct boardio_backend *be = calloc(1, sizeof(*be));
	int r;

	if (!be)
		return -ENOMEM;
	be->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (be->epoll_fd < 0) {
		r = -errno;
		goto fail;
	}
	be->chip = gpiod_chip_open_lookup(f->chip);
	if (!be->chip) {
		r = errno ? -errno : -ENOENT;
		goto fail;
	}
	for (size_t i = 0; i < BOARDIO_BUTTONS; i++) {
		if (f->button_line[i] < 0)
			continue;
		r = request_button(be, i, (unsigned)f->button_line[i], f->buttons_active_low);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < BOARDIO_LEDS; i++) {
		if (f->led_line[i] < 0)
			continue;
		r = request_led(be, i, (unsigned)f->led_line[i], f->leds_active_low);
		if (r < 0)
			goto fail;
	}
	*ret = be;
	return 0;
fail:
	gpio_close(be);
	return r;
}

static int gpio_fd(const struct boardio_backend *be)
{
	for (size_t i = 0; i < BOARDIO_BUTTONS; i++)
		if (be->button[i])
			return be->epoll_fd;
	return -1;
}

static int gpio_read_edges(struct boardio_backend *be, struct boardio_edge *ret, size_t max)
{
	struct epoll_event ready[BOARDIO_BUTTONS];
	size_t n = 0;
	int k;

	k = epoll_wait(be->epoll_fd, ready, (int)ARRAY_SIZE(ready), 0);
	if (k < 0)
		return errno == EINTR ? 0 : -errno;
	for (int j = 0; j < k && n < max; j++) {
		uint32_t i = ready[j].data.u32;
		struct gpiod_line_event ev[8];
		int m;

		if (i >= BOARDIO_BUTTONS || !be->button[i])
			continue;
		m = gpiod_line_event_read_multiple(be->button[i], ev,
						   (unsigned)MIN(ARRAY_SIZE(ev), max - n));
		if (m < 0)
			return -errno;
		for (int e = 0; e < m; e++) {
			ret[n].button = (enum boardio_button)i;
			ret[n].pressed = ev[e].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
			ret[n].msec = (uint64_t)ev[e].ts.tv_sec * 1000u +
				      (uint64_t)ev[e].ts.tv_nsec / 1000000u;
			n++;
		}
	}
	return (int)n;
}

static int gpio_led_write(struct boardio_backend *be, enum boardio_led led, bool on)
{
	if (!be->led[led])
		return 0;
	return gpiod_line_set_value(be->led[led], on ? 1 : 0) < 0 ? -errno : 0;
}

const struct boardio_ops boardio_gpio_ops = {
	.name = "gpio",
	.open = gpio_open,
	.close = gpio_close,
	.fd = gpio_fd,
	.read_edges = gpio_read_edges,
	.led_write = gpio_led_write,
};
