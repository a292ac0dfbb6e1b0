#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "log.h"
#include "firmware/capture/capture.h"
#include "firmware/ocrq/ocrq.h"
#include "ocr/lang.h"
#include "ocr/pool.h"
#include "ocr/score.h"
#include "ocr/wire.h"

#define PRIORITY_ASKED 250 /* a batch someone waits for goes first */

/*
 * A page in a worker: its first read, of its delivered image, or the second read, of the
 * other image the store keeps for its OCR (store_page_ocr_image()).
 */
struct flight {
	uint64_t tag;
	bool bitonal;  /* delivered bitonal: the other image is its kept grey image */
	bool colour;   /* delivered in colour (else grey, when not bitonal): the other is a G4 */
	bool other;    /* first read: the page keeps another image for OCR */
	bool g4_first; /* delivered in colour: its kept G4 is read first, the colour image second */
	bool second;   /* the second read, of the other image (no queue claim) */
	char why[96];  /* second: why the first read was not sure */
	struct ocr_page_result first; /* second: the first read, stored after the second */
};

struct run {
	struct store *store;
	const struct folio_config *cfg;
	const struct ocrq_request *req;
	struct ocr_pool *pool;
	struct ocrq_summary *sum;
	double confidence_total; /* over the pages with words */
	uint64_t with_words;
	struct flight *flights; /* the pages in flight, 2 per worker at most */
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

/* Takes the page of @tag off the flights into @ret (zeroed when unknown). */
static void in_flight_take(struct run *r, uint64_t tag, struct flight *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < r->in_flight; i++)
		if (r->flights[i].tag == tag) {
			*ret = r->flights[i];
			r->flights[i] = r->flights[--r->in_flight];
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

/*
 * The image read first: the delivered image, or for a page delivered in colour the G4 kept
 * for its OCR (*ret_g4_first), when there is one.
 *
 * A G4 is read faster than a grey page (1.05 s against 1.83 s a page on the degraded set),
 * and what a bitonal page's check-image is about is its G4's read. A page goes out in colour
 * for a few coloured marks (a stamp, a signature) on what is mostly printed or typed text;
 * Tesseract would read its JPEG through the luminance, which weighs blue at 0.11 and fades
 * blue and violet ink, while the image stage binarised its G4 from the page's own ink axis
 * (firmware/image/binarize.h), the grey with the most ink-to-paper contrast. A page goes out
 * in grey because much of it is mid-grey (a photograph, shading), which a G4 loses: its JPEG
 * is read first. On the degraded set the colour pages' G4s read 4.0% and 15.7% (CER) against
 * 8.3% and 15.9% for their JPEGs; the grey page's JPEG 12.1% against 12.5% for its G4.
 */
static int page_image_to_read(struct run *r, const struct page_info *p, bool *ret_g4_first,
			      void **ret_image, size_t *ret_len)
{
	int e;

	*ret_g4_first = false;
	if (strcmp(p->format, "PNM") != 0 && strcmp(p->format, "TIFF") != 0 &&
	    strcmp(p->format, "JPEG") != 0)
		return -FOLIO_EFORMAT;
	if (p->channels == 3) {
		e = store_page_ocr_image(r->store, p->batch, p->number, ret_image, ret_len);
		if (e == 0) {
			*ret_g4_first = true;
			return 0;
		}
		if (e != -FOLIO_ENOTFOUND)
			log_warn("batch %u page %u: its G4 kept for OCR cannot be read (%s): its "
				 "text is read from the delivered image alone",
				 p->batch, p->number, folio_strerror(e));
	}
	return store_page_image(r->store, p->batch, p->number, ret_image, ret_len);
}

/*
 * Whether the store keeps another image of page @p for its OCR (a bitonal page's grey image,
 * a grey or colour page's G4): one that a doubtful first read can be checked against. Only
 * looked up: one that cannot be read when it is needed says so in the page's ocr-text event.
 */
static bool has_other_image(struct run *r, const struct page_info *p)
{
	int e = store_page_has_ocr_image(r->store, p->batch, p->number);

	if (e < 0)
		log_warn("batch %u page %u: the store cannot tell whether it keeps an image for "
			 "OCR (%s): its text is read from the delivered image alone",
			 p->batch, p->number, folio_strerror(e));
	return e > 0;
}

/* Claims the next page and gives it to a worker. Returns 1 when one was submitted, 0 when
 * nothing is claimable (or the asked-for batch has nothing left), or an error. */
static int submit_next(struct run *r)
{
	struct queue_item it;
	struct page_info p;
	void *image = NULL;
	size_t len;
	bool g4_first = false;
	int e;

	/* Lease long enough for both attempts of both reads of a page. */
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
		e = page_image_to_read(r, &p, &g4_first, &image, &len);
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
	r->flights[r->in_flight++] = (struct flight){ .tag = tag_of(it.batch, it.page),
						      .bitonal = p.bit_depth == 1,
						      .colour = p.channels == 3,
						      .g4_first = g4_first,
						      .other = g4_first || has_other_image(r, &p) };
	return 1;
}

/* Whether page @page is flagged blank by the image stage. */
static bool is_blank(struct run *r, uint32_t batch, uint32_t page)
{
	struct page_info p;

	return store_page_get(r->store, batch, page, &p) == 0 && (p.flags & PAGE_FLAG_BLANK);
}

/*
 * Whether a page has text to judge: low confidence means "text was read badly", so a blank
 * page, and a page where nothing was read as words (a signature, a drawing), are not flagged.
 */
static bool has_text(struct run *r, uint32_t batch, uint32_t page,
		     const struct ocr_page_result *res)
{
	return res->words && !is_blank(r, batch, page);
}

/*
 * Tesseract's orientation detection found page @number lying turned, and it was read turned
 * upright: the stored image is turned the same (capture_page_turn(), as a clerk's turn), so
 * that the text's word boxes fit it. The turn drops the page's text and its kept grey image
 * (which lies as fed) and queues its OCR, so the caller stores the text
 * next; a crash between the two reads the page again, upright. Returns 0, or an error after
 * recording the page failed for good: its text does not fit the image as it lies.
 */
static int turn_upright(struct run *r, uint32_t batch, uint32_t number, unsigned degrees)
{
	int e;

	e = capture_page_turn(r->store, r->req->who, batch, number, (int)degrees,
			      PAGE_FLAG_ORIENTATION,
			      "Tesseract's orientation detection found it lying turned", NULL);
	if (e < 0) {
		char why[160];

		snprintf(why, sizeof(why),
			 "lies turned %u degrees and cannot be turned upright: %s", 360 - degrees,
			 folio_strerror(e));
		failed_for_good(r, batch, number, why);
		return e;
	}
	r->sum->turned++;
	return 0;
}

/*
 * Keeps @res as the text of the page, which leaves the OCR queue; flags low confidence, and
 * clears orientation-unknown when OCR knew the orientation (read well and level as it lies,
 * or Tesseract's orientation detection sure of it). False
 * when the text cannot be stored: the page goes back to the queue as it was, with the image
 * kept for its OCR, to be read again.
 */
static bool keep_result(struct run *r, uint32_t batch, uint32_t page,
			const struct ocr_page_result *res)
{
	bool low;
	int e;

	e = store_ocr_put(r->store, batch, page, res->text, res->hocr, res->mean_confidence);
	if (e < 0) {
		log_debug("batch %u page %u: cannot store its text: %s", batch, page,
			  folio_strerror(e));
		store_queue_release(r->store, QUEUE_OCR, batch, page);
		r->sum->failed++;
		return false;
	}
	log_debug("batch %u page %u read with '%s': %u words, %.0f%%", batch, page, res->languages,
		  res->words, res->mean_confidence);
	low = has_text(r, batch, page, res) && res->mean_confidence < r->cfg->ocr_min_confidence;
	r->sum->pages++;
	if (res->words) {
		r->confidence_total += res->mean_confidence;
		r->with_words++;
	}
	if (low)
		r->sum->low_confidence++;
	store_page_set_flags(r->store, r->req->who, batch, page, low ? PAGE_FLAG_LOW_CONFIDENCE : 0,
			     (low ? 0 : PAGE_FLAG_LOW_CONFIDENCE) |
				 (res->orientation_checked ? PAGE_FLAG_ORIENTATION : 0));
	return true;
}

/*
 * A page that keeps another image for OCR is read a second time, from that image, only when
 * its first read is not sure (doubtful()). The second read uses the models of the first and
 * finishes before the text is stored, so approval, which waits for the text, sees what it
 * finds. The page then keeps the text of the more confident read (the grey or colour one on a
 * tie): Tesseract's layout analysis is what fails on a degraded page, in either image, and its
 * word confidences tell which read went astray; an "ocr-text" event records which image's
 * text was kept, or that the first read was sure and the other image was not read. For a
 * page delivered bitonal the two reads are also the check-image measure: the G4's text scored
 * against the grey text (ISRI CER, the grey text as the truth). When they differ by more
 * than OCRQ_CHECK_IMAGE_CER and the G4 read is less confident, the G4 lost what the grey
 * image has: the page is flagged for the clerk, who can deliver it in grey
 * (store_page_use_grey()), and it keeps its grey image until approval; other pages drop it
 * now. Tag of a second read: the page's with SECOND_TAG_BIT set in the batch half.
 */
#define SECOND_TAG_BIT (1u << 31)

/* What the page's images are called in its events: the one read first, and the other. */
static const char *first_image(const struct flight *fl)
{
	return fl->bitonal    ? "delivered G4"
	       : fl->g4_first ? "kept G4"
	       : fl->colour   ? "delivered colour image"
			      : "delivered grey image";
}

static const char *other_image(const struct flight *fl)
{
	return fl->bitonal    ? "kept grey image"
	       : fl->g4_first ? "delivered colour image"
			      : "kept G4";
}

/*
 * Whether the first read @res of a page that keeps another image is doubtful, and why (into
 * @why); false when it is sure, and the other image need not be read:
 * - its mean word confidence is below OCRQ_SURE_CONFIDENCE;
 * - a G4 with more than OCRQ_UNREAD_INK of its ink marks in no word read: lines of text
 *   that Tesseract's layout analysis left out, which confidences cannot show (engine.h);
 * - a G4 of a page not flagged blank read as no words at all: binarisation may have lost
 *   faint text (a colour page's kept G4 too: its colour image is read then).
 * The ink of a grey or colour page is not judged: automatic colour detection sent it so for
 * what is not text (a stamp, a signature, a photograph: 8.8% of the marks of the stamped page
 * of tests/integration/image_autocolour.sh lie in no word, read at 96%), and it is delivered as it was read.
 */
static bool doubtful(struct run *r, const struct flight *fl, uint32_t batch, uint32_t page,
		     const struct ocr_page_result *res, char *why, size_t size)
{
	if (!res->words) {
		if (!(fl->bitonal || fl->g4_first) || is_blank(r, batch, page))
			return false;
		snprintf(why, size, "no words read from it");
		return true;
	}
	if (res->mean_confidence < OCRQ_SURE_CONFIDENCE) {
		snprintf(why, size, "confidence %.0f%%, below %u%%", res->mean_confidence,
			 OCRQ_SURE_CONFIDENCE);
		return true;
	}
	if (fl->bitonal && (double)res->ink_unread > OCRQ_UNREAD_INK * (double)res->ink_marks) {
		snprintf(why, size, "%.1f%% of its %u ink marks in no word read, above %.0f%%",
			 100.0 * res->ink_unread / res->ink_marks, res->ink_marks,
			 100 * OCRQ_UNREAD_INK);
		return true;
	}
	return false;
}

/*
 * Sends the other image of the page whose first read is @first (taken over by the flight) to
 * a worker, with the models that read it. 0, -FOLIO_ENOTFOUND when the image is gone since the
 * page was claimed, or an error.
 */
static int second_submit(struct run *r, const struct flight *page_fl, uint32_t batch, uint32_t page,
			 struct ocr_page_result *first, const char *why)
{
	struct flight fl = { .tag = tag_of(batch | SECOND_TAG_BIT, page),
			     .bitonal = page_fl->bitonal,
			     .colour = page_fl->colour,
			     .g4_first = page_fl->g4_first,
			     .second = true };
	struct page_info p;
	void *image = NULL;
	size_t len;
	int e;

	if (batch & SECOND_TAG_BIT)
		return -ERANGE;
	e = store_page_get(r->store, batch, page, &p);
	if (e == 0)
		e = fl.g4_first ? store_page_image(r->store, batch, page, &image, &len)
				: store_page_ocr_image(r->store, batch, page, &image, &len);
	if (e == 0)
		e = ocr_pool_submit_in(r->pool, fl.tag, image, len, p.dpi, first->languages,
				       OCR_POOL_UPRIGHT);
	free(image);
	if (e < 0)
		return e;
	snprintf(fl.why, sizeof(fl.why), "%s", why);
	fl.first = *first; /* the flight owns it now */
	memset(first, 0, sizeof(*first));
	r->flights[r->in_flight++] = fl;
	return 0;
}

/*
 * A page automatic colour detection sent bitonal (PAGE_FLAG_AUTO_BITONAL) whose bitonal image
 * lost what its grey one has: delivered in grey at once (store_page_use_grey(), which makes
 * it auto-grey), as `output = auto` promises bitonal only when that keeps the content. A page
 * of a fixed bitonal profile is the clerk's to decide. True when the page went grey.
 */
static bool auto_grey(struct run *r, uint32_t batch, uint32_t page)
{
	struct page_info p;
	int e;

	e = store_page_get(r->store, batch, page, &p);
	if (e < 0 || !(p.flags & PAGE_FLAG_AUTO_BITONAL))
		return false;
	e = store_page_use_grey(r->store, r->req->who, batch, page);
	if (e < 0) {
		log_debug("batch %u page %u: cannot deliver it in grey: %s", batch, page,
			  folio_strerror(e));
		return false;
	}
	r->sum->auto_grey++;
	return true;
}

/*
 * The provenance of a page whose text is its first read's ("ocr-text" event): sure, or (@why
 * says why not) its other image could not be read or compared (@failure says why).
 */
static void one_read_event(struct run *r, const struct flight *fl, uint32_t batch, uint32_t page,
			   const struct ocr_page_result *res, const char *why, const char *failure)
{
	char ink[64] = "", rule[64] = "";

	if (fl->bitonal)
		snprintf(rule, sizeof(rule), ", at most %.0f%% of the ink in no word",
			 100 * OCRQ_UNREAD_INK);
	if (fl->bitonal && res->ink_marks)
		snprintf(ink, sizeof(ink), ", %.1f%% of %u ink marks in no word",
			 100.0 * res->ink_unread / res->ink_marks, res->ink_marks);
	if (why)
		store_event_add(r->store, r->req->who, "ocr-text", batch, 0, page,
				"text read from the %s alone, confidence %.0f%%%s: not sure (%s), "
				"but the %s could not be read (%s)",
				first_image(fl), res->mean_confidence, ink, why, other_image(fl),
				failure);
	else
		store_event_add(r->store, r->req->who, "ocr-text", batch, 0, page,
				"text read from the %s alone, confidence %.0f%%%s: sure (at least "
				"%u%%%s), the %s not read",
				first_image(fl), res->mean_confidence, ink, OCRQ_SURE_CONFIDENCE,
				rule, other_image(fl));
}

/* The provenance of a page read twice: which read gave its text ("ocr-text" event). */
static void two_reads_event(struct run *r, const struct flight *fl, uint32_t batch, uint32_t page,
			    const struct ocr_page_result *second, const struct ocr_score *sc)
{
	const struct ocr_page_result *first = &fl->first;
	/* The grey or colour read is kept on a tie. */
	bool g4_first = fl->bitonal || fl->g4_first;
	bool second_kept = g4_first ? second->mean_confidence >= first->mean_confidence
				    : second->mean_confidence > first->mean_confidence;
	const char *kept = second_kept ? other_image(fl) : first_image(fl),
		   *not_kept = second_kept ? first_image(fl) : other_image(fl);

	store_event_add(r->store, r->req->who, "ocr-text", batch, 0, page,
			"text read from the %s, confidence %.0f%% against %.0f%% for the %s "
			"(texts %.1f%% apart, CER); the %s read too, as the first read, of the "
			"%s, was not sure: %s",
			kept, second_kept ? second->mean_confidence : first->mean_confidence,
			second_kept ? first->mean_confidence : second->mean_confidence, not_kept,
			100 * sc->cer, other_image(fl), first_image(fl), fl->why);
}

/*
 * A bitonal page whose bitonal image lost what its grey one has: an auto page goes grey, any
 * other is flagged check-image for the clerk; a "check-image" event says which.
 */
static void check_image(struct run *r, uint32_t batch, uint32_t page,
			const struct ocr_page_result *grey, const struct ocr_page_result *bit,
			const struct ocr_score *sc)
{
	bool grey_now;

	r->sum->check_image++;
	grey_now = auto_grey(r, batch, page);
	store_event_add(
	    r->store, r->req->who, "check-image", batch, 0, page,
	    "bitonal image reads %.1f%% apart from grey (CER, limit %.0f%%), "
	    "confidence %.0f%% against %.0f%%: %s",
	    100 * sc->cer, 100 * OCRQ_CHECK_IMAGE_CER, bit->mean_confidence, grey->mean_confidence,
	    grey_now ? "automatic colour detection delivers it in grey" : "flagged for the clerk");
	if (!grey_now)
		store_page_set_flags(r->store, r->req->who, batch, page, PAGE_FLAG_CHECK_IMAGE, 0);
}

static void second_collected(struct run *r, struct flight *fl, struct ocr_pool_page *pp)
{
	uint32_t batch = (uint32_t)(fl->tag >> 32 & ~SECOND_TAG_BIT), page = (uint32_t)fl->tag;
	bool g4_first = fl->bitonal || fl->g4_first;
	const struct ocr_page_result *grey = g4_first ? &pp->result : &fl->first;
	const struct ocr_page_result *bit = g4_first ? &fl->first : &pp->result;
	struct ocr_score sc;
	bool worse, bit_kept;

	r->sum->second_seconds += pp->seconds;
	r->sum->second_reads++;
	if (!fl->bitonal)
		r->sum->bitonal_reads++; /* a grey or colour page whose G4 was read too */
	if (pp->error || ocr_score(grey->text, bit->text, &sc) < 0) {
		/*
		 * The first read stands; a bitonal page's grey image stays until approval, for
		 * the clerk; a grey or colour page needs its G4 no more.
		 */
		log_debug("batch %u page %u: its %s could not be read: %s", batch, page,
			  other_image(fl), pp->error ? pp->reason : "texts too long to compare");
		if (!keep_result(r, batch, page, &fl->first))
			return;
		one_read_event(r, fl, batch, page, &fl->first, fl->why,
			       pp->error ? pp->reason : "texts too long to compare");
		if (!fl->bitonal)
			store_page_ocr_image_drop(r->store, batch, page);
		return;
	}
	/* A grey or colour page is delivered as it is: no image to check. */
	worse = fl->bitonal && sc.cer > OCRQ_CHECK_IMAGE_CER &&
		bit->mean_confidence < grey->mean_confidence;
	log_debug("batch %u page %u: bitonal text %.1f%% apart from the grey one, confidence "
		  "%.0f%% against %.0f%%%s",
		  batch, page, 100 * sc.cer, bit->mean_confidence, grey->mean_confidence,
		  worse ? ": check-image" : "");
	/*
	 * The verdict before the text: approval, which waits for the text, sees it, and a page
	 * whose text is not stored (a full store, a power cut in between) is read again with it.
	 */
	if (worse)
		check_image(r, batch, page, grey, bit, &sc);
	/* The first read's orientation check holds for both: the second one was sent upright. */
	pp->result.orientation_checked = fl->first.orientation_checked;
	bit_kept = bit->mean_confidence > grey->mean_confidence;
	if (!keep_result(r, batch, page, bit_kept ? bit : grey))
		return;
	two_reads_event(r, fl, batch, page, &pp->result, &sc);
	if (bit_kept && !fl->bitonal)
		r->sum->bitonal_kept++;
	if (!worse)
		store_page_ocr_image_drop(r->store, batch, page);
}

/* The first read of a page that keeps another image: sure, or read again from the other. */
static void first_collected(struct run *r, const struct flight *fl, uint32_t batch, uint32_t page,
			    struct ocr_page_result *res)
{
	char why[96];
	int e;

	if (!doubtful(r, fl, batch, page, res, why, sizeof(why))) {
		if (!keep_result(r, batch, page, res))
			return;
		r->sum->sure++;
		one_read_event(r, fl, batch, page, res, NULL, NULL);
		store_page_ocr_image_drop(r->store, batch, page);
		return;
	}
	log_debug("batch %u page %u: the read of its %s is not sure (%s): its %s is read too",
		  batch, page, first_image(fl), why, other_image(fl));
	e = second_submit(r, fl, batch, page, res, why);
	if (e < 0) {
		log_debug("batch %u page %u: its %s cannot be read: %s", batch, page,
			  other_image(fl), folio_strerror(e));
		if (!keep_result(r, batch, page, res))
			return;
		one_read_event(r, fl, batch, page, res, why, folio_strerror(e));
		if (!fl->bitonal)
			store_page_ocr_image_drop(r->store, batch, page);
	}
}

static void collect(struct run *r, struct ocr_pool_page *pp)
{
	uint32_t batch = (uint32_t)(pp->tag >> 32 & ~SECOND_TAG_BIT), page = (uint32_t)pp->tag;
	struct flight fl;

	in_flight_take(r, pp->tag, &fl);
	if (!fl.second && !pp->error) {
		r->sum->read_seconds += pp->seconds;
		r->sum->reads++;
	}
	if (fl.second) {
		second_collected(r, &fl, pp);
		ocr_page_result_release(&fl.first);
	} else if (pp->error) {
		failed_for_good(r, batch, page, pp->reason);
	} else if (pp->result.turn) {
		/* Read turned upright: its other image went with the turn (it lay as fed). */
		if (turn_upright(r, batch, page, pp->result.turn) == 0)
			keep_result(r, batch, page, &pp->result);
	} else if (fl.other) {
		first_collected(r, &fl, batch, page, &pp->result);
	} else {
		/* No other image: a lineart scan, a store from before, a page turned since. */
		keep_result(r, batch, page, &pp->result);
	}
	ocr_page_result_release(&pp->result);
}

/*
 * A worker crashed or hung: an event for the technician ('log show --type ocr-worker-*'),
 * whether its page is read again or failed (that is an ocr-failed event of its own too).
 */
static void worker_lost(const struct ocr_pool_loss *l, void *user)
{
	struct run *r = user;
	uint32_t batch = l->has_page ? (uint32_t)(l->tag >> 32 & ~SECOND_TAG_BIT) : 0;
	uint32_t page = l->has_page ? (uint32_t)l->tag : 0;
	const char *what = l->error == -ETIMEDOUT ? "ocr-worker-hang" : "ocr-worker-crash";
	char then[64];
	int e;

	if (!l->has_page)
		snprintf(then, sizeof(then), "while starting, before it had a page");
	else
		snprintf(then, sizeof(then), "%s attempt %u: %s",
			 (l->tag >> 32) & SECOND_TAG_BIT ? "second read" : "page", l->attempt,
			 l->retried ? "read again by a new worker" : "given up");
	if (l->has_page)
		log_warn("ocr worker %u (pid %d) reading batch %u page %u: %s; %s", l->worker,
			 l->pid, batch, page, l->why, then);
	else
		log_warn("ocr worker %u (pid %d): %s", l->worker, l->pid, l->why);
	e = store_event_add(r->store, r->req->who, what, batch, 0, page,
			    "worker %u (pid %d): %s; %s", l->worker, l->pid, l->why, then);
	if (e < 0)
		log_warn("cannot record '%s' in the event log: %s", what, folio_strerror(e));
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
		.worker_lost = worker_lost,
	};
	struct run r = { .store = s, .cfg = cfg, .req = req, .sum = ret, .start = now() };
	bool more = true;
	int e = 0;

	memset(ret, 0, sizeof(*ret));
	if (remaining(&r) == 0)
		return 0; /* nothing to do: do not even start the workers */
	o.user = &r;
	e = ocr_pool_new(&o, &r.pool);
	if (e < 0)
		return e;
	ret->workers = ocr_pool_workers(r.pool);
	r.flights = calloc(2 * (size_t)ret->workers, sizeof(*r.flights));
	if (!r.flights) {
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
	/* Pages still in flight, and those whose second read was not back, go back to the
	 * queue now, for the next run to read. */
	for (size_t i = 0; r.flights && i < r.in_flight; i++) {
		store_queue_release(s, QUEUE_OCR,
				    (uint32_t)(r.flights[i].tag >> 32 & ~SECOND_TAG_BIT),
				    (uint32_t)r.flights[i].tag);
		ocr_page_result_release(&r.flights[i].first);
	}
	free(r.flights);
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
