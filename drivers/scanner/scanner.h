#ifndef FOLIO_SCANNER_H
#define FOLIO_SCANNER_H

/*
 * Scanner access: the SANE frontend side. libsane is the only way to a scanner.
 *
 * scanner_init() once per process, then open a device by its SANE name, configure it from
 * settings (source, mode, resolution, paper), and run the ADF loop:
 *
 *	while ((r = scanner_start(s)) == 0) {      feeds one sheet (one side)
 *		r = scanner_read_frame(s, max, &f);  reads it whole
 *		...
 *	}
 *	r == -FOLIO_ENODOCS: the feeder is empty
 *
 * SANE statuses become Folio error codes (errors.h): -FOLIO_EJAM, -FOLIO_ECOVEROPEN,
 * -FOLIO_ENODOCS, -FOLIO_EDEVBUSY, -FOLIO_EDEVIO, -FOLIO_EDEVGONE, -FOLIO_EDEVINVAL,
 * -FOLIO_ECANCELLED, -ENOMEM, -EACCES. Functions never print; failures are explained with
 * scanner_last_error() where SANE gives more than a status.
 *
 * A struct scanner is used by one thread at a time, except scanner_cancel(), which another
 * thread may call to stop a read in progress.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "frame.h"

struct scanner;

enum scanner_source {
	SCANNER_SOURCE_FLATBED,
	SCANNER_SOURCE_ADF,
	SCANNER_SOURCE_DUPLEX,
};

enum scanner_mode {
	SCANNER_MODE_LINEART,
	SCANNER_MODE_GRAY,
	SCANNER_MODE_COLOR,
};

struct scanner_settings {
	enum scanner_source source;
	enum scanner_mode mode;
	int resolution;	      /* dpi */
	double page_width_mm; /* paper size; 0 leaves the device's default */
	double page_height_mm;
	bool
	    auto_size; /* each sheet at its own size where the device measures it; else the page size */
	/* Device-side features, used when the device offers them (see scanner_configure()). */
	bool device_deskew;
	bool device_blank_skip;
	bool device_double_feed;
};

/* Longest device name listed, its NUL included: what a batch record keeps whole. */
#define SCANNER_NAME_MAX 128
/* Longest vendor, model or type string listed, its NUL included (longer ones are cut). */
#define SCANNER_LABEL_MAX 80

struct scanner_device {
	const char *name; /* SANE device name, e.g. "folio:/srv/pages" */
	const char *vendor;
	const char *model;
	const char *type;
};

/*
 * scanner_init - start libsane
 * @config_dir: folder with dll.conf naming the backends to load (SANE_CONFIG_DIR), or NULL
 *              to keep the environment's
 * @backend_dir: extra folder searched for backend libraries, or NULL
 * @network: scanner_list() lists network scanners too (saned hosts of the net backend's
 *           net.conf, eSCL/WSD devices of sane-airscan); else local ones only. A network
 *           scanner opens by name either way.
 *
 * Must be called before any thread starts (it sets environment variables). Returns 0 or
 * -FOLIO_EDEVIO.
 */
int scanner_init(const char *config_dir, const char *backend_dir, bool network);

/* scanner_exit - stop libsane; every scanner must be closed first */
void scanner_exit(void);

/*
 * scanner_list - call @fn for each device SANE finds; @fn's non-zero return stops the walk
 *
 * Device names come from backends and, for network scanners, from other hosts: a device
 * whose name is empty, SCANNER_NAME_MAX bytes or longer, not UTF-8 or holds a control
 * character is left out with a warning (it could not be named back, stored or shown).
 * Vendor, model and type are never NULL, cut to SCANNER_LABEL_MAX - 1 bytes, with control
 * characters and bytes that are not UTF-8 shown as '?'. The strings are valid during @fn
 * only. Returns 0, @fn's non-zero return, or an error.
 */
int scanner_list(int (*fn)(const struct scanner_device *d, void *user), void *user);

/* scanner_open - open device @name; -FOLIO_EDEVGONE when SANE does not know it */
int scanner_open(const char *name, struct scanner **ret);

/* scanner_close - cancel what runs and close; takes NULL, returns NULL */
struct scanner *scanner_close(struct scanner *s);

/* scanner_name - the device name given to scanner_open() */
const char *scanner_name(const struct scanner *s);

/*
 * scanner_describe - one line per capability (sources, modes, resolutions, paper) to @out
 */
int scanner_describe(struct scanner *s, FILE *out);

/*
 * scanner_configure - apply @set to the device
 *
 * Options are set in the order real devices need (source, mode, depth, resolution, page size,
 * then scan area), inactive options are left alone, and values the device rounds are read
 * back. Lineart falls back to a 1-bit gray mode on devices without a Lineart mode. Device-side
 * deskew, blank-page skipping and double-feed detection are switched on or off through the
 * option names backends use for them, where the device has them; a device without them is
 * no error (Folio deskews and flags blank pages itself). Returns 0, or -FOLIO_EDEVINVAL with
 * the reason in @why (e.g. no document feeder).
 */
int scanner_configure(struct scanner *s, const struct scanner_settings *set, char *why,
		      size_t why_size);

/* scanner_resolution - the resolution in effect after scanner_configure() */
int scanner_resolution(const struct scanner *s);

/* scanner_start - feed the next sheet (side); 0, -FOLIO_ENODOCS at the end, or an error */
int scanner_start(struct scanner *s);

/*
 * scanner_read_frame - read the sheet started by scanner_start() whole
 * @max_bytes: refuse frames larger than this (-FOLIO_ETOOBIG)
 * @ret: the frame; ret->data is a heap buffer the caller frees
 *
 * On a fault mid-page (jam, device lost) the partial frame is discarded and the error
 * returned. 16-bit samples are reduced to 8. Returns 0 or an error.
 */
int scanner_read_frame(struct scanner *s, size_t max_bytes, struct frame *ret);

/* scanner_cancel - stop the current sheet; safe from another thread */
void scanner_cancel(struct scanner *s);

/* scanner_error_from_status - the Folio error for a SANE_Status value (0 for GOOD) */
int scanner_error_from_status(int status);

#endif
