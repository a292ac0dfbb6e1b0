#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "log.h"
#include "firmware/image/preview.h"
#include "firmware/ocrq/ocrq.h"
#include "ocr/lang.h"
#include "ocr/pool.h"
#include "ocr/wire.h"

#define PRIORITY_ASKED 250 /* a batch someone waits for goes first */

struct run {
	struct store *store;
	const struct folio_config *cfg;
	const struct ocrq_request *req;
	struct ocr_pool *pool;
	struct ocrq_summary *sum;
	double confidence_total; /* over the pages with words */
	uint64_t with_words;
	uint64_t *claimed; /* tags of the pages in flight, 2 per worker at most */
	size_t in_flight;
	double start;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t tag_of(uint32_t batch, uint32_t page)
{
	return (uint64_t)batch << 32 | page;
}

static void in_flight_drop(struct run *r, uint64_t tag)
{
	for (size_t i = 0; i < r->in_flight; i++)
		if (r->claimed[i] == tag) {
			r->claimed[i] = r->claimed[--r->in_flight];
			return;
		}
}

/* A page whose text cannot be read, for good: off the queue, flagged and recorded. */
static void failed_for_good(struct run *r, uint32_t batch, uint32_t page, const char *why)
{
	r->sum->failed++;
	store_event_add(r->store, r->req->who, "ocr-failed", batch, 0, page, "%s", why);
	store_page_set_flags(r->store, r->req->who, batch, page, PAGE_FLAG_OCR_FAILED,
			     PAGE_FLAG_LOW_CONFIDENCE);
	store_queue_done(r->store, QUEUE_OCR, batch, page);
}

struct count_batch {
	uint32_t batch;
	uint64_t n;
};

static int count_item(const struct queue_item *it, void *user)
{
	struct count_batch *c = user;

	if (!c->batch || it->batch == c->batch)
		c->n++;
	return 0;
}

static uint64_t remaining(struct run *r)
{
	struct count_batch c = { .batch = r->req->batch };

	if (store_queue_list(r->store, QUEUE_OCR, count_item, &c) < 0)
		return 0;
	return c.n;
}

/*
 * The models that read page @p: its document's language's (lang.h), when the station has
 * them; else chosen by the page's script ("auto").
 */
static const char *models_of_page(struct run *r, const struct page_info *p)
{
	struct document_info d;
	const char *models;

	if (store_document_get(r->store, p->batch, p->document, &d) < 0)
		return OCR_WIRE_LANGUAGES_AUTO;
	models = ocr_models_of_language(d.language);
	if (!models || !ocr_models_include(r->cfg->ocr_languages, models))
		return OCR_WIRE_LANGUAGES_AUTO;
	return models;
}

/* Claims the next page and gives it to a worker. Returns 1 when one was submitted, 0 when
 * nothing is claimable (or the asked-for batch has nothing left), or an error. */
static int submit_next(struct run *r)
{
	struct queue_item it;
	struct page_info p;
	void *image = NULL;
	size_t len;
	int e;

	/* Lease long enough for both attempts of a page and the queue ahead of it. */
	e = store_queue_claim(r->store, QUEUE_OCR, (unsigned)r->cfg->ocr_page_timeout * 4, &it);
	if (e <= 0)
		return e;
	if (r->req->batch && it.batch != r->req->batch) {
		/* Everything of the asked-for batch is claimed: leave the rest for later. */
		store_queue_release(r->store, QUEUE_OCR, it.batch, it.page);
		return 0;
	}
	e = store_page_get(r->store, it.batch, it.page, &p);
	if (e == 0 && (p.flags & PAGE_FLAG_SEPARATOR)) {
		/* A cover sheet's text is in its barcodes: nothing to read. */
		store_queue_done(r->store, QUEUE_OCR, it.batch, it.page);
		return 1;
	}
	if (e == 0)
		e = store_page_image(r->store, it.batch, it.page, &image, &len);
	if (e == 0 && strcmp(p.format, "PNM") != 0 && strcmp(p.format, "TIFF") != 0 &&
	    strcmp(p.format, "JPEG") != 0)
		e = -FOLIO_EFORMAT;
	if (e == 0)
		e = ocr_pool_submit_in(
		    r->pool, tag_of(it.batch, it.page), image, len, p.dpi, models_of_page(r, &p),
		    (p.flags & PAGE_FLAG_ORIENTATION) ? OCR_POOL_CHECK_ORIENTATION : 0);
	free(image);
	if (e < 0) {
		/* A page that cannot be read now is not OCR's to fix: off the queue, recorded. */
		char why[128];

		log_debug("batch %u page %u: not recognised: %s", it.batch, it.page,
			  folio_strerror(e));
		snprintf(why, sizeof(why), "cannot read the page: %s", folio_strerror(e));
		failed_for_good(r, it.batch, it.page, why);
		return 1;
	}
	r->claimed[r->in_flight++] = tag_of(it.batch, it.page);
	return 1;
}

/*
 * Whether a page has text to judge: low confidence means "text was read badly", so a blank
 * page, and a page where nothing was read as words (a signature, a drawing), are not flagged.
 */
static bool has_text(struct run *r, uint32_t batch, uint32_t page,
		     const struct ocr_page_result *res)
{
	struct page_info p;

	if (!res->words)
		return false;
	return store_page_get(r->store, batch, page, &p) < 0 || !(p.flags & PAGE_FLAG_BLANK);
}

/*
 * Tesseract's orientation detection found page @number lying turned, and it was read turned
 * upright: the stored image is turned the same (a G4 page exactly; a JPEG page is encoded
 * again), so that the text's word boxes fit it. store_page_replace() drops the page's text and
 * queues its OCR, so the caller stores the text next; a crash between the two reads the page
 * again, upright. Returns 0, or an error after recording the page failed for good: its text
 * does not fit the image as it lies.
 */
static int turn_upright(struct run *r, uint32_t batch, uint32_t number, unsigned degrees)
{
	struct encoded_image img = { 0 };
	struct page_info p;
	void *data = NULL;
	size_t len = 0;
	int e;

	e = store_page_get(r->store, batch, number, &p);
	if (e == 0)
		e = store_page_image(r->store, batch, number, &data, &len);
	if (e == 0)
		e = image_rotate_encoded(data, len, (int)degrees, CONFIG_IMAGE_JPEG_QUALITY, &img);
	free(data);
	if (e == 0) {
		p.width = img.width;
		p.height = img.height;
		p.flags &= ~(uint32_t)PAGE_FLAG_ORIENTATION;
		e = store_page_replace(r->store, r->req->who, &p, number, img.data, img.size);
	}
	encoded_image_release(&img);
	if (e < 0) {
		char why[160];

		snprintf(why, sizeof(why),
			 "lies turned %u degrees and cannot be turned upright: %s", 360 - degrees,
			 folio_strerror(e));
		failed_for_good(r, batch, number, why);
		return e;
	}
	store_event_add(r->store, r->req->who, "page-rotate", batch, p.document, number,
			"turned %u degrees clockwise: Tesseract's orientation detection found it "
			"lying turned",
			degrees);
	r->sum->turned++;
	return 0;
}

static void collect(struct run *r, struct ocr_pool_page *pp)
{
	uint32_t batch = (uint32_t)(pp->tag >> 32), page = (uint32_t)pp->tag;
	int e;

	in_flight_drop(r, pp->tag);
	if (pp->error) {
		failed_for_good(r, batch, page, pp->reason);
		return;
	}
	if (pp->result.turn && turn_upright(r, batch, page, pp->result.turn) < 0) {
		ocr_page_result_release(&pp->result);
		return;
	}
	e = store_ocr_put(r->store, batch, page, pp->result.text, pp->result.hocr,
			  pp->result.mean_confidence);
	if (e < 0) {
		log_debug("batch %u page %u: cannot store its text: %s", batch, page,
			  folio_strerror(e));
		store_queue_release(r->store, QUEUE_OCR, batch, page);
		r->sum->failed++;
	} else {
		bool low;

		log_debug("batch %u page %u read with '%s': %u words, %.0f%%", batch, page,
			  pp->result.languages, pp->result.words, pp->result.mean_confidence);
		low = has_text(r, batch, page, &pp->result) &&
		      pp->result.mean_confidence < r->cfg->ocr_min_confidence;

		r->sum->pages++;
		if (pp->result.words) {
			r->confidence_total += pp->result.mean_confidence;
			r->with_words++;
		}
		if (low)
			r->sum->low_confidence++;
		/* Upright as it was, by Tesseract's orientation detection: known now. */
		store_page_set_flags(
		    r->store, r->req->who, batch, page, low ? PAGE_FLAG_LOW_CONFIDENCE : 0,
		    (low ? 0 : PAGE_FLAG_LOW_CONFIDENCE) |
			(pp->result.orientation_checked ? PAGE_FLAG_ORIENTATION : 0));
	}
	ocr_page_result_release(&pp->result);
}

static void report(struct run *r)
{
	struct ocrq_progress p;
	double secs = now() - r->start;

	if (!r->req->progress)
		return;
	p.done = r->sum->pages;
	p.failed = r->sum->failed;
	p.remaining = remaining(r);
	p.pages_per_minute = secs > 0 ? 60.0 * (double)(p.done + p.failed) / secs : 0;
	r->req->progress(&p, r->req->user);
}

int ocrq_run(struct store *s, const struct folio_config *cfg, const struct ocrq_request *req,
	     struct ocrq_summary *ret)
{
	struct ocr_pool_options o = {
		.workers = (unsigned)cfg->ocr_workers,
		.languages = cfg->ocr_languages,
		.psm = cfg->ocr_psm,
		.page_timeout_s = (unsigned)cfg->ocr_page_timeout,
	};
	struct run r = { .store = s, .cfg = cfg, .req = req, .sum = ret, .start = now() };
	bool more = true;
	int e = 0;

	memset(ret, 0, sizeof(*ret));
	if (remaining(&r) == 0)
		return 0; /* nothing to do: do not even start the workers */
	e = ocr_pool_new(&o, &r.pool);
	if (e < 0)
		return e;
	ret->workers = ocr_pool_workers(r.pool);
	r.claimed = calloc(2 * (size_t)ret->workers, sizeof(*r.claimed));
	if (!r.claimed) {
		e = -ENOMEM;
		goto out;
	}

	while (more || r.in_flight) {
		struct ocr_pool_page pp;

		/* Keep every worker busy with one page waiting behind it. */
		while (more && r.in_flight < 2 * (size_t)ret->workers) {
			e = submit_next(&r);
			if (e < 0)
				goto out;
			more = e > 0;
		}
		if (req->max_seconds && now() - r.start > req->max_seconds)
			more = false;
		if (req->stop && *req->stop)
			break; /* pages in flight go back to the queue */
		if (!r.in_flight)
			break;
		e = ocr_pool_wait(r.pool, 1000, &pp);
		if (e < 0)
			goto out;
		if (e > 0) {
			collect(&r, &pp);
			report(&r);
		}
	}
	e = 0;
out:
	r.pool = ocr_pool_free(r.pool);
	/* Pages still in flight go back to the queue now, for the next run to read. */
	for (size_t i = 0; r.claimed && i < r.in_flight; i++)
		store_queue_release(s, QUEUE_OCR, (uint32_t)(r.claimed[i] >> 32),
				    (uint32_t)r.claimed[i]);
	free(r.claimed);
	ret->seconds = now() - r.start;
	ret->mean_confidence = r.with_words ? r.confidence_total / (double)r.with_words : 0;
	return e;
}

struct queue_pages {
	struct store *s;
	bool again;
	int queued;
	int error;
};

static int queue_page(const struct page_info *p, void *user)
{
	struct queue_pages *q = user;
	struct ocr_result res;
	int e;

	if (!q->again && store_ocr_get(q->s, p->batch, p->number, &res) == 0) {
		store_ocr_release(&res);
		return 0;
	}
	e = store_queue_push(q->s, QUEUE_OCR, p->batch, p->number, PRIORITY_ASKED);
	if (e < 0)
		return e;
	q->queued++;
	return 0;
}

int ocrq_queue_batch(struct store *s, uint32_t batch, bool again)
{
	struct queue_pages q = { .s = s, .again = again };
	int e = store_page_list(s, batch, queue_page, &q);

	return e < 0 ? e : q.queued;
}
