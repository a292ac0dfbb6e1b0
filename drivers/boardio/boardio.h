#ifndef FOLIO_BOARDIO_H
#define FOLIO_BOARDIO_H

/*
 * Board I/O: the station's buttons (Start, Stop, Resume) and LEDs (ready, busy, attention,
 * error), read from the board's fixed hardware facts.
 *
 * A board's facts file (board/<name>/board.conf, installed as /usr/share/folio/board.conf) is
 * a small INI file:
 *
 *	[board]     name, console (the technician's tty, e.g. /dev/ttyAMA0)
 *	[io]        backend = gpio | sim | none
 *	            chip (gpio: gpiochip name, /dev path or label), sim_dir (sim: folder)
 *	            button_start, button_stop, button_resume, buttons_active_low, debounce_ms
 *	            led_ready, led_busy, led_attention, led_error, leds_active_low
 *	[watchdog]  device (/dev/watchdog, "sim", or empty: none), timeout_s
 *
 * Line numbers are offsets on the chip; a missing line (or -1) means the board has no such
 * button or LED. Relative paths are taken from the file's folder.
 *
 * Backends sit behind one ops table: "gpio" uses the GPIO character device through libgpiod
 * (v1 API), with both-edge events on the buttons and outputs on the LEDs; "sim" reads button
 * presses from the FIFO SIM_DIR/buttons (lines "start", "stop", "resume", optionally followed
 * by "press" or "release" and a time in milliseconds) and writes the LED patterns to
 * SIM_DIR/leds ("ready=on busy=off attention=fast error=off", replaced atomically).
 *
 * Presses are debounced in common code: a press counts only when the button had no edge for
 * debounce_ms before it. LEDs show patterns (off, on, slow or fast blink); blinking runs from
 * a timerfd that boardio_fds() hands to the caller's poll loop.
 *
 * Functions return 0 or -errno and never log above debug. A struct boardio belongs to one
 * thread.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum boardio_button { BOARDIO_START, BOARDIO_STOP, BOARDIO_RESUME, BOARDIO_BUTTONS };

enum boardio_led {
	BOARDIO_LED_READY,
	BOARDIO_LED_BUSY,
	BOARDIO_LED_ATTENTION,
	BOARDIO_LED_ERROR,
	BOARDIO_LEDS
};

enum boardio_pattern {
	BOARDIO_OFF,
	BOARDIO_ON,
	BOARDIO_BLINK_SLOW, /* 1 Hz */
	BOARDIO_BLINK_FAST, /* 4 Hz */
	BOARDIO_PATTERNS
};

#define BOARDIO_NAME_LEN 32
#define BOARDIO_MAX_LINE 1023
#define BOARDIO_MAX_FDS 2

struct boardio_facts {
	char name[BOARDIO_NAME_LEN];
	char console[64];
	char backend[16]; /* "gpio", "sim" or "none" */
	char chip[64];
	char sim_dir[PATH_MAX];
	int button_line[BOARDIO_BUTTONS]; /* -1: none */
	int led_line[BOARDIO_LEDS];	  /* -1: none */
	bool buttons_active_low, leds_active_low;
	unsigned debounce_ms;
	char watchdog_device[PATH_MAX]; /* "", "sim" or a device path */
	unsigned watchdog_timeout_s;
};

/*
 * boardio_facts_load - read a board's facts file
 * @path: the file
 * @ret: the facts (written only on success)
 * @why: receives "LINE: what is wrong" on -EINVAL (may be NULL)
 *
 * Returns 0, -EINVAL for a bad file (unknown key, bad value, a line used twice, a sim backend
 * without sim_dir), or -errno when it cannot be read.
 */
int boardio_facts_load(const char *path, struct boardio_facts *ret, char *why, size_t why_size);

struct boardio;

/*
 * boardio_open - open the board's buttons and LEDs as the facts say
 * @ret: closed with boardio_close(); all LEDs start off
 *
 * Returns 0, -ENODEV when the facts name no backend ("none") or one this build lacks
 * (CONFIG_BOARDIO_GPIO, CONFIG_BOARDIO_SIM), or the backend's -errno (-ENOENT for a missing
 * chip or sim folder, -EBUSY for lines another program holds, -EACCES).
 */
int boardio_open(const struct boardio_facts *f, struct boardio **ret);

/* boardio_close - turn the LEDs off and release everything; takes NULL, returns NULL */
struct boardio *boardio_close(struct boardio *b);

/*
 * boardio_fds - the descriptors to poll for POLLIN (button events, the blink timer)
 * Writes at most BOARDIO_MAX_FDS into @ret and returns how many.
 */
size_t boardio_fds(const struct boardio *b, int *ret);

/*
 * boardio_handle - process whatever is pending on the descriptors (never blocks)
 * @ret_pressed: bit (1 << enum boardio_button) for every debounced press since the last call
 *
 * Advances blinking. Returns 0 or -errno (a backend that cannot be read).
 */
int boardio_handle(struct boardio *b, unsigned *ret_pressed);

/*
 * boardio_set_leds - show @pattern[led] on every LED
 * Returns 0 or the backend's -errno.
 */
int boardio_set_leds(struct boardio *b, const enum boardio_pattern pattern[BOARDIO_LEDS]);

/* boardio_debounce_accept - the debounce rule, for tests: does a press at @now_ms count after
 * the button's previous edge at @last_edge_ms (0: none)? */
bool boardio_debounce_accept(uint64_t last_edge_ms, uint64_t now_ms, unsigned debounce_ms);

/* Names as the facts file and the sim backend write them ("start", "ready", "fast" ...). */
const char *boardio_button_name(enum boardio_button b);
const char *boardio_led_name(enum boardio_led l);
const char *boardio_pattern_name(enum boardio_pattern p);

#endif
