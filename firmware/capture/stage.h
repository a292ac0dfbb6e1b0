#ifndef FOLIO_CAPTURE_STAGE_H
#define FOLIO_CAPTURE_STAGE_H

/*
 * The image stage on a small pool of threads, pages handed back in feed order.
 *
 * Capture reads sheets on one thread and indexes them (cover sheets, patch codes: a state
 * machine over the pages in order) on another; cleaning a page (deskew, crop, binarisation,
 * encoding) is most of the work and depends on nothing but the page, so several are cleaned
 * at once. One thread hands pages over with stage_put() in feed order; another takes them
 * back with stage_take(), oldest first and each once it is cleaned, so whoever commits them
 * sees the feed's order whatever order the threads finish in: no page overtakes another,
 * and a page is handed back as soon as it and those before it are cleaned.
 *
 * At most @threads + 1 pages are in the pool, each with its raw frame until its thread is
 * done with it: with CONFIG_CAPTURE_MAX_FRAMES waiting in the reader's queue, that bounds
 * the memory a capture holds.
 */

#include <pthread.h>
#include <stdbool.h>

#include "frame.h"
#include "firmware/image/encode.h"
#include "firmware/store/store.h"

struct scan_profile;

/*
 * One page through the stage.
 * In: @frame (owned by the stage from stage_put() on; freed once cleaned), @meta with what
 * indexing found (batch, document, flags).
 * Out (from stage_take()): @r, the delivered @img and the @ocr image, image flags added to
 * @meta.flags, the automatic colour decision in @note, and the thread's @seconds on it.
 */
struct stage_page {
	struct frame frame;
	struct page_info meta;
	struct encoded_image img, ocr;
	char note[STORE_NOTE_LEN];
	double seconds;
	int r;
};

/* Cleans one page: process(@pg, @user) fills @pg's out fields (and leaves @pg->frame alone) */
typedef int (*stage_fn)(struct stage_page *pg, void *user);

struct stage;

/* stage_new - a pool of @threads (0: one per core, at most 16) that runs @fn on each page */
int stage_new(unsigned threads, stage_fn fn, void *user, struct stage **ret);

/* stage_threads - how many threads @st runs */
unsigned stage_threads(const struct stage *st);

/* stage_put - hand @pg to the pool (copied), waiting while it is full */
void stage_put(struct stage *st, const struct stage_page *pg);

/* stage_close - no more pages will be put: stage_take() returns false once all are taken */
void stage_close(struct stage *st);

/*
 * stage_take - the oldest page, once it is cleaned, into @ret (the caller releases its
 * images): true; false when the pool is closed and empty. Waits for either.
 */
bool stage_take(struct stage *st, struct stage_page *ret);

/* stage_free - stops the threads; pages still in the pool are dropped. Returns NULL. */
struct stage *stage_free(struct stage *st);

#endif
