#ifndef FOLIO_WATCHDOG_H
#define FOLIO_WATCHDOG_H

/*
 * The board's hardware watchdog, fed from the daemon's main loop so a hung station reboots.
 *
 * Two backends behind one ops table: a Linux watchdog device (/dev/watchdog: WDIOC_SETTIMEOUT,
 * WDIOC_KEEPALIVE, and the magic close, writing 'V' before closing, so a clean stop does not
 * reboot the board unless its driver has nowayout), and "sim", which appends what a watchdog
 * would see to SIM_DIR/watchdog:
 *
 *	open TIMEOUT_S
 *	keepalive MS      (CLOCK_MONOTONIC milliseconds)
 *	magic-close MS
 *
 * Opening the device starts the countdown: open it when the main loop is about to run. When
 * systemd supervises the daemon (WATCHDOG_USEC set) systemd owns the hardware watchdog
 * (RuntimeWatchdogSec=) and the daemon must not open it.
 */

#include "drivers/boardio/boardio.h"

struct watchdog;

/*
 * watchdog_open - open the watchdog the facts name and set its timeout
 * @ret: closed with watchdog_close()
 *
 * Returns 0, -ENODEV when the board has none (or this build lacks CONFIG_WATCHDOG), -EBUSY
 * when another process holds it, or -errno from open(2). A device that refuses the timeout
 * keeps its own, which watchdog_timeout_ms() then reports.
 */
int watchdog_open(const struct boardio_facts *f, struct watchdog **ret);

/* watchdog_keepalive - restart the countdown; returns 0 or -errno */
int watchdog_keepalive(struct watchdog *w);

/* watchdog_timeout_ms - the countdown; feed at least every third of it */
unsigned watchdog_timeout_ms(const struct watchdog *w);

/* watchdog_close - disarm (magic close) and release; takes NULL, returns NULL */
struct watchdog *watchdog_close(struct watchdog *w);

#endif
