/* Board I/O: backend choice, debounce, LED patterns and blinking. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "kconfig.h"
#include "drivers/boardio/backend.h"
#include "drivers/boardio/boardio.h"

/* Blinking advances in ticks: slow is 4 ticks on, 4 off (1 Hz); fast 1 on, 1 off (4 Hz). */
#define TICK_MS 125

struct boardio {
	const struct boardio_ops *ops;
	struct boardio_backend *be;
	unsigned debounce_ms;
	uint64_t last_edge[BOARDIO_BUTTONS];
	enum boardio_pattern pattern[BOARDIO_LEDS];
	bool lit[BOARDIO_LEDS];
	int timer_fd;
	bool ticking;
	unsigned tick;
};

static const struct boardio_ops *const backends[] = {
#if IS_ENABLED(CONFIG_BOARDIO_GPIO)
	&boardio_gpio_ops,
#endif
#if IS_ENABLED(CONFIG_BOARDIO_SIM)
	&boardio_sim_ops,
#endif
	NULL,
};

uint64_t boardio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *boardio_button_name(enum boardio_button b)
{
	static const char *const names[] = { "start", "stop", "resume" };

	return (unsigned)b < ARRAY_SIZE(names) ? names[b] : "?";
}

const char *boardio_led_name(enum boardio_led l)
{
	static const char *const names[] = { "ready", "busy", "attention", "error" };

	return (unsigned)l < ARRAY_SIZE(names) ? names[l] : "?";
}

const char *boardio_pattern_name(enum boardio_pattern p)
{
	static const char *const names[] = { "off", "on", "slow", "fast" };

	return (unsigned)p < ARRAY_SIZE(names) ? names[p] : "?";
}

bool boardio_debounce_accept(uint64_t last_edge_ms, uint64_t now_ms, unsigned debounce_ms)
{
	return last_edge_ms == 0 || now_ms < last_edge_ms || now_ms - last_edge_ms >= debounce_ms;
}

int boardio_open(const struct boardio_facts *f, struct boardio **ret)
{
	struct boardio *b;
	const struct boardio_ops *ops = NULL;
	int r;

	for (size_t i = 0; backends[i]; i++)
		if (strcmp(backends[i]->name, f->backend) == 0)
			ops = backends[i];
	if (!ops)
		return -ENODEV;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->ops = ops;
	b->debounce_ms = f->debounce_ms;
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (b->timer_fd < 0) {
		r = -errno;
		free(b);
		return r;
	}
	r = ops->open(f, &b->be);
	if (r < 0) {
		close(b->timer_fd);
		free(b);
		return r;
	}
	for (size_t i = 0; i < BOARDIO_LEDS; i++)
		ops->led_write(b->be, (enum boardio_led)i, false);
	if (ops->led_patterns)
		ops->led_patterns(b->be, b->pattern);
	*ret = b;
	return 0;
}

struct boardio *boardio_close(struct boardio *b)
{
	static const enum boardio_pattern off[BOARDIO_LEDS];

	if (!b)
		return NULL;
	boardio_set_leds(b, off);
	b->ops->close(b->be);
	close(b->timer_fd);
	free(b);
	return NULL;
}

size_t boardio_fds(const struct boardio *b, int *ret)
{
	size_t n = 0;

	if (!b)
		return 0;
	if (b->ops->fd(b->be) >= 0)
		ret[n++] = b->ops->fd(b->be);
	ret[n++] = b->timer_fd;
	return n;
}

static bool lit_at(enum boardio_pattern p, unsigned tick)
{
	switch (p) {
	case BOARDIO_ON:
		return true;
	case BOARDIO_BLINK_SLOW:
		return tick % 8 < 4;
	case BOARDIO_BLINK_FAST:
		return tick % 2 == 0;
	default:
		return false;
	}
}

/* Writes the LEDs whose level changed at the current tick. */
static int show(struct boardio *b)
{
	int r = 0;

	for (size_t i = 0; i < BOARDIO_LEDS; i++) {
		bool on = lit_at(b->pattern[i], b->tick);
		int q;

		if (on == b->lit[i])
			continue;
		q = b->ops->led_write(b->be, (enum boardio_led)i, on);
		if (q < 0 && r == 0)
			r = q;
		if (q == 0)
			b->lit[i] = on;
	}
	return r;
}

static int arm_timer(struct boardio *b, bool on)
{
	struct itimerspec its = { 0 };

	if (on == b->ticking)
		return 0;
	if (on) {
		its.it_interval.tv_nsec = TICK_MS * 1000000L;
		its.it_value = its.it_interval;
	}
	if (timerfd_settime(b->timer_fd, 0, &its, NULL) < 0)
		return -errno;
	b->ticking = on;
	return 0;
}

int boardio_set_leds(struct boardio *b, const enum boardio_pattern pattern[BOARDIO_LEDS])
{
	bool blinking = false;
	int r;

	if (!b)
		return 0;
	for (size_t i = 0; i < BOARDIO_LEDS; i++)
		if (pattern[i] >= BOARDIO_PATTERNS)
			return -EINVAL;
	if (memcmp(pattern, b->pattern, sizeof(b->pattern)) == 0)
		return 0;
	memcpy(b->pattern, pattern, sizeof(b->pattern));
	for (size_t i = 0; i < BOARDIO_LEDS; i++)
		blinking |= pattern[i] == BOARDIO_BLINK_SLOW || pattern[i] == BOARDIO_BLINK_FAST;
	/* A new pattern starts lit, so a change shows at once. */
	b->tick = 0;
	r = arm_timer(b, blinking);
	if (b->ops->led_patterns) {
		int q = b->ops->led_patterns(b->be, b->pattern);

		if (q < 0 && r == 0)
			r = q;
	}
	{
		int q = show(b);

		if (q < 0 && r == 0)
			r = q;
	}
	return r;
}

static int read_buttons(struct boardio *b, unsigned *pressed)
{
	struct boardio_edge edges[16];
	int n;

	do {
		n = b->ops->read_edges(b->be, edges, ARRAY_SIZE(edges));
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			const struct boardio_edge *e = &edges[i];
			uint64_t *last = &b->last_edge[e->button];

			if ((unsigned)e->button >= BOARDIO_BUTTONS)
				continue;
			if (e->pressed && boardio_debounce_accept(*last, e->msec, b->debounce_ms))
				*pressed |= 1u << e->button;
			/* 0 stands for "no edge yet": a real edge at 0 ms counts as 1 ms. */
			*last = e->msec ? e->msec : 1;
		}
	} while (n == (int)ARRAY_SIZE(edges));
	return 0;
}

int boardio_handle(struct boardio *b, unsigned *ret_pressed)
{
	unsigned pressed = 0;
	uint64_t expirations;
	int r = 0;

	if (!b) {
		*ret_pressed = 0;
		return 0;
	}
	if (read(b->timer_fd, &expirations, sizeof(expirations)) == sizeof(expirations)) {
		b->tick += (unsigned)expirations;
		r = show(b);
	}
	if (r == 0 && b->ops->fd(b->be) >= 0)
		r = read_buttons(b, &pressed);
	if (r < 0)
		return r;
	*ret_pressed = pressed;
	return 0;
}
