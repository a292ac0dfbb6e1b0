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

/*
 * The engine that reads a request's page, and whether the page must be turned first: its
 * script is detected for "auto", and its orientation checked when asked or when the models
 * are not Latin (lang.h). Sets *ret_turn (0 when upright or unknown) and *ret_checked.
 */
static struct ocr_engine *engine_of_request(struct engines *c, const struct ocr_wire_request *q,
					    const uint8_t *payload, unsigned *ret_turn,
					    bool *ret_checked)
{
	const char *models = q->languages[0] ? q->languages : c->own;
	bool is_auto = strcmp(models, OCR_WIRE_LANGUAGES_AUTO) == 0;
	char by_script[OCR_WIRE_LANGUAGES_SIZE];
	struct ocr_osd osd = { 0 };
	bool found = false;

	bool asked = is_auto || (q->options & OCR_WIRE_CHECK_ORIENTATION);
	bool check = !(q->options & OCR_WIRE_UPRIGHT) && (asked || !ocr_models_latin(models));

	*ret_turn = 0;
	*ret_checked = false;
	if (is_auto || check)
		found = detect(c, q, payload, &osd);
	/* A Latin page read with other models: its orientation was Leptonica's to tell. */
	if (found && check && (asked || strcmp(osd.script, "Latin") != 0) &&
	    osd.orientation_conf >= OCR_OSD_MIN_ORIENTATION_CONF) {
		*ret_checked = true;
		*ret_turn = osd.turn;
	}
	if (is_auto) {
		models = c->own;
		if (found &&
		    ocr_models_for_script(osd.script, c->own, by_script, sizeof(by_script)) == 0)
			models = by_script;
	}
	return q->languages[0] ? engine_for(c, models) : c->e[0];
}

/* One request: 0 after replying, 1 at the clean end of the connection, or a negative error. */
static int serve_one(struct engines *c, int in_fd, int out_fd)
{
	struct ocr_page_result r = { 0 };
	struct ocr_wire_request q;
	struct ocr_engine *e;
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
	e = engine_of_request(c, &q, payload, &turn, &checked);
	err = recognise(e, &q, payload, turn, &r);
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
