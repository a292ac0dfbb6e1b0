#ifndef FOLIO_BOARDIO_BACKEND_H
#define FOLIO_BOARDIO_BACKEND_H

/* Board I/O backends: the ops table each one fills (internal to drivers/boardio). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/boardio/boardio.h"

struct boardio_backend;

/* A button edge as the hardware saw it; debouncing happens above the backend. */
struct boardio_edge {
	enum boardio_button button;
	bool pressed;
	uint64_t msec; /* CLOCK_MONOTONIC milliseconds */
};

struct boardio_ops {
	const char *name; /* as the facts file names it */
	int (*open)(const struct boardio_facts *f, struct boardio_backend **ret);
	void (*close)(struct boardio_backend *be);
	/* Readable when edges are pending; -1 when the board has no buttons. */
	int (*fd)(const struct boardio_backend *be);
	/* Reads pending edges without blocking; returns how many (0 when none) or -errno. */
	int (*read_edges)(struct boardio_backend *be, struct boardio_edge *ret, size_t max);
	/* Lights or darkens one LED (active level already applied by the backend). */
	int (*led_write)(struct boardio_backend *be, enum boardio_led led, bool on);
	/* Optional: told every pattern change (the sim backend shows them to tests). */
	int (*led_patterns)(struct boardio_backend *be,
			    const enum boardio_pattern pattern[BOARDIO_LEDS]);
};

extern const struct boardio_ops boardio_gpio_ops;
extern const struct boardio_ops boardio_sim_ops;

/* boardio_now_ms - CLOCK_MONOTONIC in milliseconds */
uint64_t boardio_now_ms(void);

#endif
