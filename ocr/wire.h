#ifndef FOLIO_OCR_WIRE_H
#define FOLIO_OCR_WIRE_H

/*
 * The messages between the pool (pool.c) and its worker processes (worker.c), over one
 * AF_UNIX stream socket per worker. Both ends are the same build on the same machine, so
 * fields are in host byte order; the magic changes whenever the layout does.
 *
 *   worker -> pool   reply (kind READY) once the engine is loaded, error 0 or why not
 *   pool -> worker   request (kind IMAGE or FRAME) followed by len payload bytes
 *   worker -> pool   reply (kind RESULT, same id) followed by text_len + hocr_len bytes
 *
 * Every length is checked against the bounds of engine.h before anything is allocated.
 */

#include <stddef.h>
#include <stdint.h>

#include "ocr/engine.h"

#define OCR_WIRE_MAGIC 0x464f4334u /* "FOC4" */

/* A request's languages: "" the worker's own, "auto" chosen by script (lang.h), or a list. */
#define OCR_WIRE_LANGUAGES_AUTO "auto"
#define OCR_WIRE_LANGUAGES_SIZE 72 /* OCR_MAX_LANGUAGES_LEN + NUL, rounded up */

enum ocr_wire_kind {
	OCR_WIRE_READY = 1,  /* reply: the worker's engine is loaded (or failed to load) */
	OCR_WIRE_IMAGE = 2,  /* request: encoded image bytes (TIFF, JPEG, PNG, PNM) */
	OCR_WIRE_FRAME = 3,  /* request: raw frame samples (frame.h) */
	OCR_WIRE_RESULT = 4, /* reply: a page's result */
};

enum ocr_wire_option {
	/*
	 * Check that the page stands upright before answering (ocr/worker.c: read as it lies,
	 * then, when that reading is poor, Tesseract's orientation detection); a page that does
	 * not is read turned upright, and the reply says by how much.
	 */
	OCR_WIRE_CHECK_ORIENTATION = 1u << 0,
	/* The page is known to stand upright: not checked, whatever its models. */
	OCR_WIRE_UPRIGHT = 1u << 1,
};

struct ocr_wire_request {
	uint32_t magic;
	uint32_t kind;
	uint64_t id;
	uint32_t dpi; /* IMAGE: 0 = from the file; FRAME: the frame's */
	int32_t psm;
	uint32_t width, height, depth, channels, bytes_per_line; /* FRAME only */
	uint32_t options;					 /* enum ocr_wire_option */
	uint64_t len;						 /* payload bytes that follow */
	char languages[OCR_WIRE_LANGUAGES_SIZE];		 /* NUL-terminated */
};

struct ocr_wire_reply {
	uint32_t magic;
	uint32_t kind;
	uint64_t id;
	int32_t error; /* 0 or a negative code (errors.h) */
	uint32_t words;
	double mean_confidence;
	/* RESULT of a request with OCR_WIRE_CHECK_ORIENTATION: */
	uint32_t orientation_checked; /* 1: known (engine.h) */
	uint32_t
	    turn; /* 90, 180, 270: read turned clockwise by this much (boxes of the turned page) */
	uint32_t ink_marks;  /* RESULT: the page's text-sized ink marks (engine.h) */
	uint32_t ink_unread; /* RESULT: ... of them in no word read; at most ink_marks */
	uint64_t text_len;   /* bytes of text that follow, then hocr_len bytes of hOCR */
	uint64_t hocr_len;
	char languages[OCR_WIRE_LANGUAGES_SIZE]; /* RESULT: the models that read the page */
};

/* ocr_wire_check_request - 0 when @r is well-formed and within bounds, else -EPROTO or
 * -FOLIO_ETOOBIG. */
int ocr_wire_check_request(const struct ocr_wire_request *r);

/* ocr_wire_check_reply - 0 when @r is well-formed and within bounds, else -EPROTO or
 * -FOLIO_ETOOBIG. */
int ocr_wire_check_reply(const struct ocr_wire_reply *r);

/* ocr_wire_reply_fields - the result fields of a checked RESULT reply @h into @r (not the
 * text and hOCR, which follow it) */
void ocr_wire_reply_fields(const struct ocr_wire_reply *h, struct ocr_page_result *r);

/*
 * ocr_wire_decode_reply - a whole RESULT message (header and body) to a page result
 * @msg, @len: the message's bytes
 * @ret_reply: receives the header
 * @ret: receives the result with its own copies of the strings (only when the reply's error is 0)
 *
 * Returns 0, -EPROTO for a malformed or truncated message, -FOLIO_ETOOBIG, -ENOMEM.
 */
int ocr_wire_decode_reply(const void *msg, size_t len, struct ocr_wire_reply *ret_reply,
			  struct ocr_page_result *ret);

/* ocr_wire_send - write all of @buf to @fd (blocking, no SIGPIPE); 0 or -errno (-EPIPE). */
int ocr_wire_send(int fd, const void *buf, size_t len);

/*
 * ocr_wire_recv - read exactly @len bytes from @fd (blocking)
 * Returns 0, 1 when the peer closed before the first byte (clean end), -EPIPE when it closed
 * in the middle, -errno.
 */
int ocr_wire_recv(int fd, void *buf, size_t len);

#endif
