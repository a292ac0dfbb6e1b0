#ifndef FOLIO_PANEL_H
#define FOLIO_PANEL_H

/*
 * The station's panel: what the Start, Stop and Resume buttons do and what the ready, busy,
 * attention and error LEDs show, plus the board's hardware watchdog.
 *
 * A small state machine. Start captures a new batch from [capture] device with the default
 * profile, in a thread of its own (capture_run()); Stop asks a running capture to stop after
 * the sheet being read, or closes a batch left open; Resume continues a batch a fault or Stop
 * left open. A capture that ends on a scanner fault the clerk can fix (jam, double feed,
 * cover open, scanner gone) lights attention; anything else (store full, no scanner) lights
 * error. The patterns, as the README documents them:
 *
 *	state       ready  busy   attention  error   meaning
 *	starting    slow   -      -          -       foliod is starting
 *	ready       on     -      -          -       press Start to capture a batch
 *	capturing   -      on     -          -       the feeder runs; Stop stops after the sheet
 *	stopping    -      fast   -          -       finishing the sheet being read
 *	paused      on     -      on         -       batch left open: Resume, Start (new) or Stop (close)
 *	attention   -      -      fast       -       fix the scanner (journal says what), then Resume
 *	error       -      -      -          on      the station needs a technician; Stop clears
 *
 * (slow: 1 Hz, fast: 4 Hz.) The pure parts (panel_leds(), panel_decide(), panel_after()) are
 * separate so tests can check the table without hardware.
 *
 * Every function takes a NULL panel (a board without a facts file) and then does nothing.
 * The panel logs what the clerk's presses did and why a capture stopped (it is the caller that
 * decides); it belongs to the daemon's main thread.
 */

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/boardio/boardio.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"

enum panel_state {
	PANEL_STARTING,
	PANEL_READY,
	PANEL_CAPTURING,
	PANEL_STOPPING,
	PANEL_PAUSED,
	PANEL_ATTENTION,
	PANEL_ERROR,
	PANEL_OFF,
	PANEL_STATES
};

enum panel_action {
	PANEL_DO_NOTHING,
	PANEL_DO_START,	 /* capture a new batch (closing one left open first) */
	PANEL_DO_RESUME, /* continue the batch left open */
	PANEL_DO_CANCEL, /* stop the running capture after the sheet being read */
	PANEL_DO_CLOSE,	 /* close the batch left open with the pages it has */
	PANEL_DO_CLEAR,	 /* acknowledge an error */
};

#define PANEL_MAX_FDS (BOARDIO_MAX_FDS + 1)

/* panel_new() flags */
#define PANEL_WATCHDOG (1u << 0) /* feed the board's hardware watchdog (systemd does not) */

struct panel;

/*
 * panel_new - open the board's panel from [board] facts of @cfg
 * @cfg: the station configuration; must outlive the panel
 * @ret: the panel, in state PANEL_STARTING; freed with panel_free()
 *
 * Starts libsane (scanner_init()) when the board has buttons, so call it before other
 * threads start. Returns 0; -ENOENT when the facts file does not exist (a board without a
 * panel: carry on with a NULL panel); -EINVAL for a bad facts file (@why says where); or the
 * board I/O's -errno (-ENODEV, -EBUSY, -EACCES ...).
 */
int panel_new(const struct folio_config *cfg, unsigned flags, struct panel **ret, char *why,
	      size_t why_size);

/* panel_free - stop a running capture (after its sheet), turn the LEDs off, disarm the
 * watchdog (magic close) and free; takes NULL, returns NULL */
struct panel *panel_free(struct panel *p);

/* panel_describe - one line for the log: board, buttons and LEDs, watchdog */
const char *panel_describe(const struct panel *p);

/* panel_fds - fill @ret (at most @max, PANEL_MAX_FDS is enough) with what to poll */
size_t panel_fds(const struct panel *p, struct pollfd *ret, size_t max);

/*
 * panel_handle - act on the descriptors panel_fds() gave that poll() found ready
 * @store: where a capture started by a press goes; must stay open until panel_free()
 *
 * Debounced presses run their action; a finished capture sets the next state. Returns 0 or
 * -errno (board I/O failing; the panel goes on).
 */
int panel_handle(struct panel *p, struct store *store, const struct pollfd *fds, size_t n);

/* panel_set_state - the daemon's own states (PANEL_READY once serving, PANEL_ERROR, ...);
 * ignored while a capture runs */
void panel_set_state(struct panel *p, enum panel_state s);

/* panel_state - the current state (PANEL_OFF for NULL) */
enum panel_state panel_state(const struct panel *p);

/*
 * panel_keepalive - feed the hardware watchdog when it is due (opening it the first time)
 * Returns 0, or the -errno of opening or feeding it (reported once: the panel then stops
 * trying).
 */
int panel_keepalive(struct panel *p);

/* panel_timeout_ms - longest the main loop may sleep before panel_keepalive(); -1: no limit */
int panel_timeout_ms(const struct panel *p);

/* panel_leds - the LED patterns of state @s */
void panel_leds(enum panel_state s, enum boardio_pattern ret[BOARDIO_LEDS]);

/* panel_decide - what a press of @b does in state @s (@open_batch: a batch was left open) */
enum panel_action panel_decide(enum panel_state s, enum boardio_button b, bool open_batch);

/* panel_after - the state after a capture that returned @r (0 or capture_run()'s error) */
enum panel_state panel_after(int r);

/* panel_state_name - "ready", "attention" ... */
const char *panel_state_name(enum panel_state s);

#endif
