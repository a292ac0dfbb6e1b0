#ifndef FOLIO_CAPTURE_H
#define FOLIO_CAPTURE_H

/*
 * The capture engine: runs a scanner's document feeder into the store.
 *
 * One thread reads sheets from the scanner (drivers/scanner) and hands whole raw frames to
 * the image stage through a bounded queue of CONFIG_CAPTURE_MAX_FRAMES frames. When the
 * queue is full the reader waits between sheets, so the scanner pauses; no page is dropped.
 * The image stage (the calling thread) encodes each frame and commits it to the store, one
 * durable transaction per page.
 *
 * A fault (jam, cover open, device lost, ...) stops the feeder. Every page read whole before
 * it is still committed; the sheet being read is discarded and reported, so the clerk knows
 * which sheet to put back. An empty feeder ends the batch normally and closes it; a fault
 * leaves it open for capture_run() with @resume_batch. A scanner that disconnects is waited
 * for ([capture] reconnect_seconds) and capture continues when it is back.
 *
 * A flatbed is never empty: a run on a profile whose source is flatbed scans the sheet on the
 * glass once (one sane_start, one page a press) and leaves the batch open for the next sheet.
 */

#include <stdbool.h>
#include <stdint.h>

#include "firmware/config/config.h"
#include "firmware/store/store.h"

struct capture_progress {
	uint32_t batch;
	uint32_t pages;	    /* committed in this run */
	uint32_t last_page; /* number of the last committed page in the batch */
	double seconds;	    /* since the run started */
	double pages_per_minute;
};

/* The scanner and profile that continue a batch, and whether the user chose others. */
struct capture_scanner {
	char device[STORE_DEVICE_LEN]; /* the one to use */
	char profile[STORE_NAME_LEN];
	char batch_device[STORE_DEVICE_LEN]; /* what the batch recorded when it was created */
	char batch_profile[STORE_NAME_LEN];
	bool device_changed; /* an explicit choice differs from the batch's */
	bool profile_changed;
};

struct capture_request {
	const char *device; /* SANE device name */
	const struct scan_profile *profile;
	uint32_t resume_batch; /* 0: start a new batch */
	uint32_t max_pages;    /* 0: until the feeder is empty */
	const char *who;       /* user name for the event log */
	/* Rescan: the sheets fed replace these pages of @resume_batch in order, in place (the
	 * batch may be open, closed or rejected and stays so); at most @n_replace sheets. */
	const uint32_t *replace;
	uint32_t n_replace;
	bool keep_open; /* an empty feeder leaves the batch open (sheets to be inserted) */
	/* Resume, rescan, insert: what capture_batch_scanner() found, or NULL. A scanner or
	 * profile other than the batch's goes in the event log once the batch takes pages
	 * ("capture-device-change": "scanner 'B' instead of the batch's 'A'", and
	 * "capture-profile-change"), under @who, and a change of scanner is said through @notice. */
	const struct capture_scanner *choice;
	/* Called after every committed page, from the calling thread; may be NULL. */
	void (*progress)(const struct capture_progress *p, void *user);
	/* Called with news for the clerk ("scanner disconnected: waiting ..."), from the
	 * scanner thread; may be NULL. */
	void (*notice)(const char *message, void *user);
	void *user;
};

struct capture_result {
	uint32_t batch;	       /* the batch the run ended in */
	uint32_t first_batch;  /* the one it began in: another when patch sheets split the run */
	uint32_t batches;      /* batches closed at patch sheets mapped to new-batch */
	uint32_t run_pages;    /* pages committed in this run, in all its batches */
	uint32_t pages;	       /* of them, pages committed to @batch */
	uint32_t first_page;   /* number of the first of them (0 if none) */
	int fault;	       /* 0, or the error that stopped the feeder */
	uint32_t lost_page;    /* number the first sheet not stored would have had (0 if none) */
	bool closed;	       /* the batch was closed: the feeder ran empty */
	double seconds;	       /* wall time of the run */
	double encode_seconds; /* time spent in the image stage */
	double store_seconds;  /* time spent committing */
};

/*
 * capture_run - capture one batch (or continue one)
 * @store: where pages go
 * @cfg: station configuration (station id, document defaults)
 * @req: what to scan
 * @ret: what happened; filled in even on failure, so the caller can report committed pages
 *
 * Returns 0 when the feeder ran empty (or max_pages was reached, or the flatbed's sheet was
 * scanned), the fault otherwise
 * (-FOLIO_EJAM, -FOLIO_ECOVEROPEN, -FOLIO_EDEVGONE ...), or -errno for a local failure. A store
 * failure stops the scanner before the next sheet.
 */
int capture_run(struct store *store, const struct folio_config *cfg,
		const struct capture_request *req, struct capture_result *ret);

/*
 * capture_new_batch - open a new batch for @device and @profile, as capture_run() does when it
 * is not resuming one: one document with the station's defaults. The id goes to @ret_batch.
 */
int capture_new_batch(struct store *store, const struct folio_config *cfg, const char *device,
		      const char *profile, const char *who, uint32_t *ret_batch);

/*
 * capture_batch_scanner - the scanner and profile that resume, rescan or insert into @batch:
 * the ones the batch was created with, never the configuration's default. A different
 * @device or @profile (NULL or "" for the batch's own) is the user's explicit choice; it is
 * taken, and flagged so that capture_run() (given @ret as the request's choice) puts it in
 * the event log.
 *
 * Returns 0, or -FOLIO_ENOTFOUND (no such batch), -EINVAL (no scanner recorded nor named, a
 * name too long, or the profile to use is not in the configuration) or another error of
 * store_batch_get(), with one line for the user in @why.
 */
int capture_batch_scanner(struct store *store, const struct folio_config *cfg, uint32_t batch,
			  const char *device, const char *profile, struct capture_scanner *ret,
			  char *why, size_t why_size);

/*
 * capture_fault_advice - what to tell the clerk about a fault, one line without the page
 * number, e.g. "paper jam: open the feeder, remove the sheet, put it back on top and resume"
 */
const char *capture_fault_advice(int fault);

struct image_page_report;

/*
 * capture_auto_note - automatic colour detection's decision and its measure for a page the
 * image stage processed with IMAGE_OUTPUT_AUTO, as its capture event and `scan test` say it:
 * "auto output colour: colour 0.120% of the page, grey tones 3.4%". Into @buf (@size bytes).
 */
void capture_auto_note(const struct image_page_report *r, char *buf, size_t size);

/*
 * capture_device_allowed - whether a capture may use @device: the configured [capture]
 * device, or a device that SANE lists now and one of the patterns of [capture] devices
 * (fnmatch) names. A folder of the virtual feeder is never listed unless SANE's folio.conf
 * names it. Needs scanner_init(). Returns 0, -EINVAL for a name no batch can record (control
 * characters, too long: never to be forced), or -EPERM; with one line for the user in @why.
 */
int capture_device_allowed(const struct folio_config *cfg, const char *device, char *why,
			   size_t why_size);

/* capture_cancel - ask a running capture_run() to stop after the current sheet (signal-safe) */
void capture_cancel(void);

/*
 * capture_page_turn - turn page @number of @batch clockwise by @degrees (90, 180 or 270) in
 * the store, for a clerk or for OCR's orientation detection alike
 *
 * The image is turned as image_rotate_encoded() does (a G4 page exactly, a JPEG page encoded
 * again at CONFIG_IMAGE_JPEG_QUALITY), the page takes its new size and loses @clear_flags, and
 * store_page_replace() drops its text and kept grey image and queues its OCR again. A
 * "page-rotate" event follows, its detail "turned N degrees clockwise" and ": @why" when
 * @why is given. The page as stored goes to @ret_page when not NULL.
 *
 * Returns 0, or an error of store_page_get(), store_page_image(), image_rotate_encoded() or
 * store_page_replace().
 */
int capture_page_turn(struct store *s, const char *who, uint32_t batch, uint32_t number,
		      int degrees, uint32_t clear_flags, const char *why,
		      struct page_info *ret_page);

#endif
