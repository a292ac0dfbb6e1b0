/* The serving loop of an OCR worker process (see worker.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "ocr/engine.h"
#include "ocr/lang.h"
#include "ocr/wire.h"
#include "ocr/worker.h"

static int send_reply(int fd, const struct ocr_wire_reply *h, const struct ocr_page_result *r)
{
	int err;

	err = ocr_wire_send(fd, h, sizeof(*h));
	if (err < 0 || !r)
		return err;
	err = ocr_wire_send(fd, r->text, h->text_len);
	if (err < 0)
		return err;
	return ocr_wire_send(fd, r->hocr, h->hocr_len);
}

static int recognise(struct ocr_engine *e, const struct ocr_wire_request *q, uint8_t *payload,
		     unsigned turn, struct ocr_page_result *ret)
{
	if (q->kind == OCR_WIRE_IMAGE)
		return ocr_engine_recognise_turned(e, payload, q->len, q->dpi, q->psm, turn, ret);

	const struct frame f = {
		.width = q->width,
		.height = q->height,
		.depth = q->depth,
		.channels = q->channels,
		.bytes_per_line = q->bytes_per_line,
		.dpi = q->dpi,
		.data = payload,
	};
	return ocr_engine_recognise(e, &f, q->psm, ret);
}

/*
 * The engines a worker keeps: one per language set it was asked for, loaded on first use and
 * kept (loading takes a fraction of a second to a few seconds), the least recently used one
 * unloaded when OCR_WORKER_ENGINES are loaded. Slot 0 is the worker's own languages, kept
 * always; the "osd" engine that tells a page's script is kept beside them.
 */
struct engines {
	const char *own; /* the worker's own languages */
	struct ocr_engine *e[OCR_WORKER_ENGINES];
	uint64_t last_used[OCR_WORKER_ENGINES];
	uint64_t tick;
	struct ocr_engine *osd;
	bool osd_failed;
};

static void engines_release(struct engines *c)
{
	for (size_t i = 0; i < OCR_WORKER_ENGINES; i++)
		c->e[i] = ocr_engine_free(c->e[i]);
	c->osd = ocr_engine_free(c->osd);
}

/* The engine of @languages, loaded if need be; the worker's own when it cannot be loaded. */
static struct ocr_engine *engine_for(struct engines *c, const char *languages)
{
	size_t victim = 1;
	int err;

	c->tick++;
	for (size_t i = 0; i < OCR_WORKER_ENGINES; i++)
		if (c->e[i] && strcmp(ocr_engine_languages(c->e[i]), languages) == 0) {
			c->last_used[i] = c->tick;
			return c->e[i];
		}
	for (size_t i = 1; i < OCR_WORKER_ENGINES; i++) {
		if (!c->e[i]) {
			victim = i;
			break;
		}
		if (c->last_used[i] < c->last_used[victim])
			victim = i;
	}
	c->e[victim] = ocr_engine_free(c->e[victim]);
	err = ocr_engine_new(languages, &c->e[victim]);
	if (err < 0) {
		log_warn("OCR worker cannot load '%s' (%s): reading with '%s'", languages,
			 folio_strerror(err), c->own);
		c->last_used[0] = c->tick;
		return c->e[0];
	}
	c->last_used[victim] = c->tick;
	return c->e[victim];
}

/*
 * Tesseract's orientation and script detection of an encoded page into @ret; false when the
 * "osd" model is missing or the page has too little text to tell.
 */
static bool detect(struct engines *c, const struct ocr_wire_request *q, const uint8_t *payload,
		   struct ocr_osd *ret)
{
	if (q->kind != OCR_WIRE_IMAGE)
		return false;
	if (!c->osd && !c->osd_failed && ocr_engine_new("osd", &c->osd) < 0) {
		log_warn("OCR worker cannot load Tesseract's orientation and script detection "
			 "('osd' model): pages of unknown language are read with '%s', and "
			 "orientation is left to the image stage",
			 c->own);
		c->osd_failed = true;
	}
	return c->osd && ocr_engine_osd_image(c->osd, payload, q->len, q->dpi, ret) == 0;
}

/* Whether what OSD found settles the orientation of a page read with @asked's models. */
static bool osd_sure(const struct ocr_osd *osd, bool asked)
{
	/* A Latin page read with other models: its orientation was Leptonica's to tell. */
	return (asked || strcmp(osd->script, "Latin") != 0) &&
	       osd->orientation_conf >= OCR_OSD_MIN_ORIENTATION_CONF;
}

/*
 * Whether a page read as it lies shows that it stands upright: Tesseract read it well, on
 * level lines. A page upside down reads as garbage, and one lying a quarter turn in columns of
 * sideways lines (or as garbage): on the pages of ../shared/testdata and pagegen's English and
 * Arabic, fed four ways, every upright page read at 68% or more, every turned one at 42% or
 * less or on sideways lines; a table of Western digits upside down, whose digits still look
 * like digits, at 54% with the Arabic model.
 */
static bool read_upright(const struct ocr_page_result *r)
{
	return r->words >= OCR_UPRIGHT_MIN_WORDS &&
	       r->mean_confidence >= OCR_UPRIGHT_MIN_CONFIDENCE &&
	       (uint64_t)r->words_upright * 10 >= (uint64_t)r->words * 9;
}

/*
 * Reads a request's page into @ret, turned upright first when it lies turned. A page of
 * "auto" has its script (and so its models) and its orientation told by OSD before it is
 * read, and so has a page read with psm 1. Another page whose orientation is to be checked
 * (asked, or models that are not Latin: lang.h) is read as it lies first, and only when that
 * reading does not show it upright (read_upright()) does OSD tell, and a page found turned
 * is read again, turned: most pages stand upright, and OSD costs about a third of an Arabic
 * page's reading. Sets *ret_turn (0 when upright or unknown) and *ret_checked.
 */
static int read_page(struct engines *c, const struct ocr_wire_request *q, uint8_t *payload,
		     struct ocr_page_result *ret, unsigned *ret_turn, bool *ret_checked)
{
	const char *models = q->languages[0] ? q->languages : c->own;
	bool is_auto = strcmp(models, OCR_WIRE_LANGUAGES_AUTO) == 0;
	bool asked = is_auto || (q->options & OCR_WIRE_CHECK_ORIENTATION);
	bool check = !(q->options & OCR_WIRE_UPRIGHT) && (asked || !ocr_models_latin(models));
	char by_script[OCR_WIRE_LANGUAGES_SIZE];
	struct ocr_osd osd = { 0 };
	/*
	 * OSD first for "auto", whose models follow the script, and for psm 1, where Tesseract
	 * turns the page in its head while reading: a good reading there says nothing of how the
	 * image lies.
	 */
	bool osd_first = is_auto || q->psm == OCR_PSM_AUTO_OSD;
	struct ocr_engine *e;
	int err;

	*ret_turn = 0;
	*ret_checked = false;
	if (osd_first) {
		bool found = (is_auto || check) && detect(c, q, payload, &osd);

		if (is_auto) {
			models = c->own;
			if (found && ocr_models_for_script(osd.script, c->own, by_script,
							   sizeof(by_script)) == 0)
				models = by_script;
		}
		if (found && check && osd_sure(&osd, asked)) {
			*ret_checked = true;
			*ret_turn = osd.turn;
		}
	}
	e = q->languages[0] ? engine_for(c, models) : c->e[0];
	err = recognise(e, q, payload, *ret_turn, ret);
	if (err < 0 || !check || osd_first)
		return err;
	if (read_upright(ret)) {
		*ret_checked = true;
		return 0;
	}
	if (!detect(c, q, payload, &osd) || !osd_sure(&osd, asked))
		return 0; /* unknown: the page as it lies */
	*ret_checked = true;
	if (osd.turn == 0)
		return 0;
	/* Found lying turned: its reading as it lies is not its text. */
	ocr_page_result_release(ret);
	err = recognise(e, q, payload, osd.turn, ret);
	if (err < 0)
		return err;
	*ret_turn = osd.turn;
	return 0;
}

/* One request: 0 after replying, 1 at the clean end of the connection, or a negative error. */
static int serve_one(struct engines *c, int in_fd, int out_fd)
{
	struct ocr_page_result r = { 0 };
	struct ocr_wire_request q;
	unsigned turn;
	bool checked;
	struct ocr_wire_reply h = { .magic = OCR_WIRE_MAGIC, .kind = OCR_WIRE_RESULT };
	int err;

	err = ocr_wire_recv(in_fd, &q, sizeof(q));
	if (err != 0)
		return err;
	err = ocr_wire_check_request(&q);
	if (err < 0)
		return log_debug_errno(err, "malformed ocr request");

	_cleanup_free_ uint8_t *payload = malloc(q.len);
	if (!payload)
		return -ENOMEM;
	err = ocr_wire_recv(in_fd, payload, q.len);
	if (err != 0)
		return err < 0 ? err : -EPIPE;

	h.id = q.id;
	err = read_page(c, &q, payload, &r, &turn, &checked);
	if (err < 0) {
		h.error = err;
		return send_reply(out_fd, &h, NULL);
	}
	h.words = r.words;
	h.mean_confidence = r.mean_confidence;
	h.orientation_checked = checked;
	h.turn = turn; /* read turned upright: the caller turns its page the same */
	h.ink_marks = r.ink_marks;
	h.ink_unread = r.ink_unread;
	h.text_len = strlen(r.text);
	h.hocr_len = strlen(r.hocr);
	snprintf(h.languages, sizeof(h.languages), "%s", r.languages);
	err = send_reply(out_fd, &h, &r);
	ocr_page_result_release(&r);
	return err;
}

int ocr_worker_serve(int in_fd, int out_fd, const char *languages)
{
	struct engines c = { .own = languages };
	struct ocr_wire_reply ready = { .magic = OCR_WIRE_MAGIC, .kind = OCR_WIRE_READY };
	int err;

	err = ocr_engine_new(languages, &c.e[0]);
	ready.error = err < 0 ? err : 0;
	if (ocr_wire_send(out_fd, &ready, sizeof(ready)) < 0 || err < 0) {
		engines_release(&c);
		return err < 0 ? err : -EPIPE;
	}

	for (;;) {
		err = serve_one(&c, in_fd, out_fd);
		if (err == 1 || err < 0)
			break;
	}
	engines_release(&c);
	return err == 1 ? 0 : err;
}
