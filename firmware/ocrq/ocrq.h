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
 * A page is read from its delivered image. When the store keeps another image of it for OCR
 * (store_page_ocr_image(): a bitonal page's cleaned grey image, a grey or colour page's G4;
 * same geometry, so word boxes fit the delivered image) and that first read is not sure
 * (mean word confidence below OCRQ_SURE_CONFIDENCE; for a G4, more than OCRQ_UNREAD_INK of
 * its ink marks in no word read, or no words at all), the other image is read too, and the
 * page keeps the more confident text; else the other image is dropped unread. Every page
 * that keeps another image gets an "ocr-text" event saying which image's text it kept, with
 * the confidences, and whether the other image was read (and why) or not.
 *
 * A bitonal page read twice is also checked: when its G4 text and its grey text differ by
 * more than OCRQ_CHECK_IMAGE_CER (CER, the grey text as the truth) and the G4 read is less
 * confident, it is flagged PAGE_FLAG_CHECK_IMAGE with a "check-image" event, and keeps its
 * grey image until approval; other pages drop it. A page automatic colour detection sent
 * bitonal (PAGE_FLAG_AUTO_BITONAL) is instead delivered in grey at once
 * (store_page_use_grey(): a "page-grey" event, auto-bitonal becomes auto-grey): `output =
 * auto` delivers bitonal only when that keeps the content. A grey or colour page is never
 * flagged: it is delivered in grey or colour already.
 */

/*
 * Bitonal text this far from the grey text (ISRI CER) flags check-image. On the degraded
 * typescripts of ../shared the two pages whose G4 loses lines read 30-60% apart, the others
 * at most 15% (README, "OCR reads the best image").
 */
#define OCRQ_CHECK_IMAGE_CER 0.18

/*
 * A first read is sure, and the page's other image is not read, at this mean word confidence
 * or more and, for a G4, with at most this share of its ink marks (ocr/engine.h) in no word.
 * On the degraded typescripts of ../shared (README, "OCR reads the best image") the first
 * reads below 80% (68-78%) are those of the pages where the other read differs most, or whose
 * G4 loses lines (blurred-report's, 74%); catalogue-1962-landscape's G4, which loses lines
 * too, reads at 88% but leaves 6.6% of its ink marks in no word; the G4s that read well leave
 * at most 2.1%, and the sure reads (88-90%) keep the text that two reads kept.
 */
#define OCRQ_SURE_CONFIDENCE 80u
#define OCRQ_UNREAD_INK 0.04

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
	uint64_t reads;		/* first reads: the delivered image, a colour page's kept G4 */
	double read_seconds;	/* worker time of those reads */
	uint64_t sure;		/* pages keeping another image, read once: the first read sure */
	uint64_t second_reads;	/* pages read again, from the other image */
	uint64_t bitonal_reads; /* ... of them grey or colour pages, whose kept G4 was read */
	uint64_t bitonal_kept;	/* ... whose G4 text was more confident, and kept */
	uint64_t check_image;	/* bitonal pages found to read much worse than grey */
	uint64_t auto_grey;	/* ... of them auto-bitonal, delivered in grey instead of flagged */
	double second_seconds;	/* worker time of the second reads */
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
