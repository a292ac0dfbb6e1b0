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
 *
 * A page delivered bitonal is read from its cleaned grey image when the store kept one
 * (store_page_ocr_image(): same geometry, so word boxes fit the delivered image), else from
 * the delivered image. Its bitonal image is then read too and its text compared with the grey
 * one's; a page where they differ by more than OCRQ_CHECK_IMAGE_CER (CER, the grey text as
 * the truth) and the bitonal read is less confident is flagged PAGE_FLAG_CHECK_IMAGE with a
 * "check-image" event, and keeps its grey image until approval; other pages drop it. A page
 * automatic colour detection sent bitonal (PAGE_FLAG_AUTO_BITONAL) is instead delivered in
 * grey at once (store_page_use_grey(): a "page-grey" event, auto-bitonal becomes auto-grey):
 * `output = auto` delivers bitonal only when that keeps the content.
 *
 * A page delivered in grey or colour is read from its delivered image, then from the bitonal
 * image the store kept for it (G4), and keeps the more confident text; its G4 is dropped then
 * (no check-image: it is delivered in grey or colour already). Every page read twice gets an
 * "ocr-text" event saying which image's text it kept, with both confidences.
 */

/*
 * Bitonal text this far from the grey text (ISRI CER) flags check-image. On the degraded
 * typescripts of ../shared the two pages whose G4 loses lines read 30-60% apart, the others
 * at most 15% (README, "OCR reads the best image").
 */
#define OCRQ_CHECK_IMAGE_CER 0.18

#include <stdbool.h>
#include <stdint.h>

#include "kconfig.h"

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
	uint64_t reads;		/* pages read (the first read, from grey when kept) */
	double read_seconds;	/* worker time of those reads */
	uint64_t checked;	/* bitonal images read after the first read */
	uint64_t bitonal_reads; /* ... of them the G4 kept for a grey or colour page */
	uint64_t bitonal_kept;	/* ... whose text was more confident, and kept */
	uint64_t check_image;	/* ... found to read much worse than grey */
	uint64_t auto_grey;	/* ... of them auto-bitonal, delivered in grey instead of flagged */
	double check_seconds;	/* worker time of those reads */
};

/*
 * ocrq_run - recognise queued pages
 *
 * Returns 0 (failed pages are counted, not errors), or an error that stopped the run: the
 * OCR workers could not start (-ENOENT: languages or worker program missing), or the store
 * failed. @ret is filled in either way.
 */
#if IS_ENABLED(CONFIG_OCR)
int ocrq_run(struct store *s, const struct folio_config *cfg, const struct ocrq_request *req,
	     struct ocrq_summary *ret);
#else /* built without OCR: nothing is read, nothing fails */
static inline int ocrq_run(struct store *s, const struct folio_config *cfg,
			   const struct ocrq_request *req, struct ocrq_summary *ret)
{
	(void)s, (void)cfg, (void)req;
	*ret = (struct ocrq_summary){ 0 };
	return 0;
}
#endif

/*
 * ocrq_queue_batch - put every page of @batch at the head of the OCR queue
 *
 * Pages already recognised are queued again only with @again. Returns the number of pages
 * queued, or an error.
 */
int ocrq_queue_batch(struct store *s, uint32_t batch, bool again);

#endif
