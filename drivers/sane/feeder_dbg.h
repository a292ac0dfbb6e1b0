#ifndef FOLIO_FEEDER_DBG_H
#define FOLIO_FEEDER_DBG_H

/*
 * Debug messages of the libsane-folio backend.
 *
 * The backend is a library inside someone else's process (scanimage, a capture daemon), so it
 * does not use the station's logging: it follows the SANE convention instead. The environment
 * variable SANE_DEBUG_FOLIO=N (read by feeder_dbg_init()) selects how much is written to stderr:
 *
 *	0  only configuration warnings (the default)
 *	1  errors: why a call failed
 *	3  one line per page and per fault
 *	5  every option change
 *	7  every sane_read
 *
 * Messages are "[folio] text\n", written with one write(2). Thread-safe.
 */

#include "compiler.h"

#pragma GCC visibility push(hidden)

#define FEEDER_DBG_WARN 0
#define FEEDER_DBG_ERR 1
#define FEEDER_DBG_PAGE 3
#define FEEDER_DBG_OPTION 5
#define FEEDER_DBG_READ 7

/* Reads SANE_DEBUG_FOLIO; later calls read it again. */
void feeder_dbg_init(void);

/* The level feeder_dbg_init() found (0 when never called). */
int feeder_dbg_level(void);

/* Writes one message when level <= feeder_dbg_level(). */
void feeder_dbg(int level, const char *fmt, ...) _printf_(2, 3);

#pragma GCC visibility pop

#endif
