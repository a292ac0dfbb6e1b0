#ifndef FOLIO_OCRQ_H
#define FOLIO_OCRQ_H

/*
 * Text recognition of captured pages, run from the store's OCR queue.
 *
 * Capture queues every page it commits; this module claims queued pages (highest priority,
 * then oldest first), hands their images to a pool of OCR worker processes (ocr/pool.h: one
 * Tesseract engine per worker, OMP_THREAD_LIMIT=1, lower CPU priority than capture) and
 * stores each result: UTF-8 text, hOCR layout and mean word confidence. A page whose mean
 * confidence is below [ocr] min_confidence is flagged for the clerk (not a blank page, nor one
 * where no words were read: a signature, a drawing). A page that crashes or
 * hangs its worker twice is recorded as failed for good with the reason (PAGE_FLAG_OCR_FAILED,
 * an "ocr-failed" event), taken off the queue and the run goes on. Claims are leases of this
 * process: pages in flight when a run stops are released at once, and those of a process that
 * died are claimed again by the next run (store.h, queues).
 */

#include <stdbool.h>
#include <stdint.h>

#include "firmware/config/config.h"
#include "firmware/store/store.h"

struct ocrq_progress {
	uint64_t done;	    /* pages recognised by this run */
	uint64_t failed;    /* pages that failed */
	uint64_t remaining; /* pages still queued (for the batch asked for, or in all) */
	double pages_per_minute;
};

struct ocrq_request {
	uint32_t batch;	      /* 0: every queued page; else that batch's pages first, then stop */
	unsigned max_seconds; /* 0: until there is nothing left to do */
	const volatile bool *stop; /* when it becomes true, the run ends soon (may be NULL) */
	const char *who;	   /* for the event log */
	void (*progress)(const struct ocrq_progress *p, void *user); /* may be NULL */
	void *user;
};

struct ocrq_summary {
	uint64_t pages; /* recognised */
	uint64_t failed;
	uint64_t low_confidence; /* flagged for the clerk */
	uint64_t turned;	 /* found lying turned by Tesseract, turned upright, read again */
	double mean_confidence;	 /* over the recognised pages with words */
	double seconds;
	unsigned workers;
};

/*
 * ocrq_run - recognise queued pages
 *
 * Returns 0 (failed pages are counted, not errors), or an error that stopped the run: the
 * OCR workers could not start (-ENOENT: languages or worker program missing), or the store
 * failed. @ret is filled in either way.
 */
int ocrq_run(struct store *s, const struct folio_config *cfg, const struct ocrq_request *req,
	     struct ocrq_summary *ret);

/*
 * ocrq_queue_batch - put every page of @batch at the head of the OCR queue
 *
 * Pages already recognised are queued again only with @again. Returns the number of pages
 * queued, or an error.
 */
int ocrq_queue_batch(struct store *s, uint32_t batch, bool again);

#endif
