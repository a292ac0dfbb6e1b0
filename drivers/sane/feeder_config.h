#ifndef FOLIO_FEEDER_CONFIG_H
#define FOLIO_FEEDER_CONFIG_H

/*
 * folio.conf, the libsane-folio backend's configuration file.
 *
 * Found like every SANE backend's file: in the folders of SANE_CONFIG_DIR (colon-separated; a
 * trailing colon appends the defaults), else in "." and /etc/sane.d. A missing file means
 * built-in defaults. One setting per line, `name value`; `#` starts a comment at the start of a
 * line or after white space. Settings:
 *
 *	device DIR               a page folder sane_get_devices() lists while it exists
 *	                         (repeatable, up to 64; relative to the file's own folder)
 *	max-megapixels N         largest picture decoded or frame served (1..1000, default 400)
 *	pages-per-minute N       default of the option of the same name (0..600)
 *	read-chunk N             default of the option (bytes, 0..16777216; 0: no limit)
 *	jam-page N               defaults of the fault options (page numbers from 1; 0: off)
 *	double-feed-page N
 *	cover-open-page N
 *	no-paper-page N
 *	device-lost-page N
 *	device-lost-seconds N    (0..3600, default 5)
 *
 * Unknown settings, bad values and over-long lines are warned about on stderr with the file
 * name and line number and otherwise ignored: a typo never stops the backend from loading.
 */

#include <stddef.h>
#include <stdio.h>

#pragma GCC visibility push(hidden)

#define FEEDER_PAGE_MAX 1000000
#define FEEDER_PPM_MAX 600
#define FEEDER_CHUNK_MAX (16 * 1024 * 1024)
#define FEEDER_LOST_SECONDS_MAX 3600
#define FEEDER_MEGAPIXELS_MAX 1000
#define FEEDER_DEVICES_MAX 64

/* Defaults of the feeder and fault options (see feeder_options.h for their meaning). */
struct feeder_defaults {
	int pages_per_minute;
	int read_chunk;
	int jam_page;
	int double_feed_page;
	int cover_open_page;
	int no_paper_page;
	int device_lost_page;
	int device_lost_seconds;
};

struct feeder_config {
	struct feeder_defaults defaults;
	int max_megapixels;
	char *devices[FEEDER_DEVICES_MAX]; /* owned, as written in the file */
	size_t n_devices;
};

/* Sets the built-in defaults; nothing to release yet. */
void feeder_config_init(struct feeder_config *cfg);

/*
 * feeder_config_load - find and read folio.conf into cfg (after feeder_config_init())
 *
 * Returns 0, also when there is no file, or -ENOMEM. Problems inside the file are warnings.
 */
int feeder_config_load(struct feeder_config *cfg);

/*
 * feeder_config_parse - read settings from f; name is used in warnings
 *
 * Returns 0 or -ENOMEM.
 */
int feeder_config_parse(struct feeder_config *cfg, FILE *f, const char *name);

/* Frees what the config owns and sets the defaults again. */
void feeder_config_release(struct feeder_config *cfg);

#pragma GCC visibility pop

#endif
