#ifndef FOLIO_TELEMETRY_H
#define FOLIO_TELEMETRY_H

/*
 * Scanner telemetry: per-device counters of what the station's scanners went through (pages
 * fed, jams, double feeds, covers opened, disconnects, capture runs, hours of feeding), for
 * maintenance and for the office, which sees them in every package's batch description.
 *
 * Kept in STORE_DIR/telemetry (beside the LMDB files, so backups and the daemon's sandbox
 * cover it), one line per device, tab-separated, with a header line:
 *
 *	# folio telemetry 1: device pages jams double_feeds cover_open device_lost runs seconds
 *	#   first_seen last_seen
 *
 * Every update reads the file, adds, writes a temporary file, fsyncs it and renames it into
 * place (a power cut leaves the old or the new counters), under an flock on
 * STORE_DIR/telemetry.lock so `folio scan` and foliod can record at the same time. At most
 * TELEMETRY_MAX_DEVICES devices are kept (the least recently seen is dropped). Library code:
 * logs at debug at most.
 */

#include <stddef.h>
#include <stdint.h>

#define TELEMETRY_MAX_DEVICES 32
#define TELEMETRY_DEVICE_LEN 128

struct telemetry_counters {
	char device[TELEMETRY_DEVICE_LEN];
	uint64_t pages;	       /* pages committed */
	uint64_t jams;	       /* paper jams */
	uint64_t double_feeds; /* double feeds detected */
	uint64_t cover_open;   /* captures stopped by an open cover */
	uint64_t device_lost;  /* captures stopped by a disconnected scanner */
	uint64_t runs;	       /* capture runs */
	uint64_t seconds;      /* time spent feeding (capture runs' wall time) */
	int64_t first_seen;    /* unix seconds */
	int64_t last_seen;
};

/*
 * telemetry_add - add @delta's counts to @delta->device's counters (seen now)
 * @store_dir: the store's folder
 *
 * Returns 0, -EINVAL for a device name that is empty, too long or has control characters,
 * -FOLIO_ECORRUPT for a telemetry file that is not ours (it is left as it is), or -errno.
 */
int telemetry_add(const char *store_dir, const struct telemetry_counters *delta);

/*
 * telemetry_record_capture - count one capture_run(): the @pages it committed, the @seconds it
 * ran (struct capture_result) and the fault that ended it (@r: capture_run()'s return)
 *
 * The one call capture's callers make after capture_run(). Returns as telemetry_add().
 */
int telemetry_record_capture(const char *store_dir, const char *device, int r, uint32_t pages,
			     double seconds);

/*
 * telemetry_get - the counters of @device
 * Returns 0, -ENOENT when nothing was recorded for it, or as telemetry_add().
 */
int telemetry_get(const char *store_dir, const char *device, struct telemetry_counters *ret);

/*
 * telemetry_describe - "scanner pages fed: N" ... lines for a batch description
 * @buf, @size: where to write (always NUL-terminated when @size > 0)
 *
 * Writes nothing when the device has no counters or they cannot be read (the description
 * is still complete without them). Returns the number of characters written (never more
 * than @size - 1), so callers can append: n += telemetry_describe(..., text + n, size - n).
 */
int telemetry_describe(const char *store_dir, const char *device, char *buf, size_t size);

#endif
