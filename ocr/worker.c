/* The serving loop of an OCR worker process (see worker.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "ocr/engine.h"
#include "ocr/wire.h"
#include "ocr/worker.h"

DEFINE_POINTER_CLEANUP(struct ocr_engine, ocr_engine_free)

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
		     struct ocr_page_result *ret)
{
	if (q->kind == OCR_WIRE_IMAGE)
		return ocr_engine_recognise_image(e, payload, q->len, q->dpi, q->psm, ret);

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

/* One request: 0 after replying, 1 at the clean end of the connection, or a negative error. */
static int serve_one(struct ocr_engine *e, int in_fd, int out_fd)
{
	struct ocr_page_result r = { 0 };
	struct ocr_wire_request q;
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
	err = recognise(e, &q, payload, &r);
	if (err < 0) {
		h.error = err;
		return send_reply(out_fd, &h, NULL);
	}
	h.words = r.words;
	h.mean_confidence = r.mean_confidence;
	h.text_len = strlen(r.text);
	h.hocr_len = strlen(r.hocr);
	err = send_reply(out_fd, &h, &r);
	ocr_page_result_release(&r);
	return err;
}

int ocr_worker_serve(int in_fd, int out_fd, const char *languages)
{
	_cleanup_(ocr_engine_freep) struct ocr_engine *e = NULL;
	struct ocr_wire_reply ready = { .magic = OCR_WIRE_MAGIC, .kind = OCR_WIRE_READY };
	int err;

	err = ocr_engine_new(languages, &e);
	ready.error = err < 0 ? err : 0;
	if (ocr_wire_send(out_fd, &ready, sizeof(ready)) < 0 || err < 0)
		return err < 0 ? err : -EPIPE;

	for (;;) {
		err = serve_one(e, in_fd, out_fd);
		if (err == 1)
			return 0;
		if (err < 0)
			return err;
	}
}
