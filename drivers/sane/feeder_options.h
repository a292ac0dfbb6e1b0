#ifndef FOLIO_FEEDER_OPTIONS_H
#define FOLIO_FEEDER_OPTIONS_H

/*
 * The SANE options of a libsane-folio device: descriptors, values, and the rules of
 * sane_control_option() (constraints, activity, reload flags). No I/O happens here; the handle
 * in folio.c reads the values when it feeds a page and keeps the sensor values up to date.
 *
 * Options, in order (names are what scanimage shows as --name):
 *   source               "Flatbed" (the first page, every time), "ADF Front", "ADF Duplex"
 *   mode                 "Lineart", "Gray", "Color"
 *   depth                read-only: 1 for Lineart, 8 otherwise
 *   resolution           50..1200 dpi
 *   threshold            0..255, Lineart only: grey levels below it become black
 *   page-width, page-height   paper size in mm (ADF sources only); setting one resets the scan
 *                        area's extent in that direction to the whole page, so set it first
 *   tl-x, tl-y, br-x, br-y    scan area in mm, within the paper (or the flatbed glass)
 *   pages-per-minute     feed pace, 0 = as fast as possible
 *   read-chunk           most bytes one sane_read() returns, 0 = no limit
 *   reload-feeder        button: list the folder again and put every page back in the feeder
 *   jam-page, double-feed-page, cover-open-page, no-paper-page, device-lost-page
 *                        page (from 1, in feed order, each duplex side a page) where the fault
 *                        fires once per sane_open(); 0 = never. Setting one arms it again.
 *   device-lost-seconds  how long a lost device stays away
 *   page-loaded, double-feed, cover-open   read-only sensors
 */

#include <sane/sane.h>
#include <stdbool.h>

#include "feeder_config.h"
#include "feeder_page.h"

#pragma GCC visibility push(hidden)

enum feeder_opt {
	FEEDER_OPT_NUM_OPTS,
	FEEDER_OPT_GROUP_MODE,
	FEEDER_OPT_SOURCE,
	FEEDER_OPT_MODE,
	FEEDER_OPT_DEPTH,
	FEEDER_OPT_RESOLUTION,
	FEEDER_OPT_THRESHOLD,
	FEEDER_OPT_GROUP_GEOMETRY,
	FEEDER_OPT_PAGE_WIDTH,
	FEEDER_OPT_PAGE_HEIGHT,
	FEEDER_OPT_TL_X,
	FEEDER_OPT_TL_Y,
	FEEDER_OPT_BR_X,
	FEEDER_OPT_BR_Y,
	FEEDER_OPT_AUTO_SIZE,
	FEEDER_OPT_GROUP_FEEDER,
	FEEDER_OPT_PAGES_PER_MINUTE,
	FEEDER_OPT_READ_CHUNK,
	FEEDER_OPT_RELOAD,
	FEEDER_OPT_GROUP_FAULTS,
	FEEDER_OPT_JAM_PAGE,
	FEEDER_OPT_DOUBLE_FEED_PAGE,
	FEEDER_OPT_COVER_OPEN_PAGE,
	FEEDER_OPT_NO_PAPER_PAGE,
	FEEDER_OPT_DEVICE_LOST_PAGE,
	FEEDER_OPT_DEVICE_LOST_SECONDS,
	FEEDER_OPT_GROUP_SENSORS,
	FEEDER_OPT_PAGE_LOADED,
	FEEDER_OPT_DOUBLE_FEED,
	FEEDER_OPT_COVER_OPEN,
	FEEDER_OPT_COUNT
};

enum feeder_source {
	FEEDER_SOURCE_FLATBED,
	FEEDER_SOURCE_ADF_FRONT,
	FEEDER_SOURCE_ADF_DUPLEX,
};

struct feeder_options {
	SANE_Option_Descriptor desc[FEEDER_OPT_COUNT];
	SANE_Word value[FEEDER_OPT_COUNT]; /* string options hold the index in their list */
	SANE_Range x_range, y_range;	   /* scan area: the paper, or the flatbed glass */
	struct feeder_defaults defaults;
};

/* Sets up descriptors and values; the defaults of the feeder and fault options come from d. */
void feeder_options_init(struct feeder_options *o, const struct feeder_defaults *d);

/*
 * feeder_options_control - sane_control_option() on the table
 *
 * Writes SANE_INFO_* flags to *ret_info (may be NULL). A set value that is rounded or clamped
 * into its constraint is written back to value with SANE_INFO_INEXACT. Returns 0, or -EINVAL for
 * an unknown option or action, an inactive or read-only option, or a value outside a list.
 */
int feeder_options_control(struct feeder_options *o, int n, SANE_Action action, void *value,
			   SANE_Int *ret_info);

/* The current value of a word-sized option (string options: the list index). */
SANE_Word feeder_options_get(const struct feeder_options *o, enum feeder_opt n);

/* Updates a read-only sensor option. */
void feeder_options_set_sensor(struct feeder_options *o, enum feeder_opt n, bool on);

/* What to render with the current settings; max_pixels is left to the caller. */
void feeder_options_request(const struct feeder_options *o, struct feeder_request *req);

#pragma GCC visibility pop

#endif
