/* Messages between the OCR pool and its workers (see wire.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "errors.h"
#include "ocr/wire.h"

int ocr_wire_check_request(const struct ocr_wire_request *r)
{
	uint64_t min_bpl;

	if (r->magic != OCR_WIRE_MAGIC || !ocr_psm_valid(r->psm))
		return -EPROTO;
	if (!memchr(r->languages, '\0', sizeof(r->languages)) ||
	    (r->languages[0] && strcmp(r->languages, OCR_WIRE_LANGUAGES_AUTO) != 0 &&
	     !ocr_languages_valid(r->languages)))
		return -EPROTO;
	if (r->len > OCR_MAX_IMAGE_BYTES)
		return -FOLIO_ETOOBIG;
	if ((r->options & ~(uint32_t)(OCR_WIRE_CHECK_ORIENTATION | OCR_WIRE_UPRIGHT)) ||
	    ((r->options & OCR_WIRE_CHECK_ORIENTATION) && (r->options & OCR_WIRE_UPRIGHT)))
		return -EPROTO;
	switch (r->kind) {
	case OCR_WIRE_IMAGE:
		if (r->len == 0 || (r->dpi != 0 && (r->dpi < OCR_MIN_DPI || r->dpi > OCR_MAX_DPI)))
			return -EPROTO;
		return 0;
	case OCR_WIRE_FRAME:
		if (r->width == 0 || r->height == 0 || r->dpi < OCR_MIN_DPI || r->dpi > OCR_MAX_DPI)
			return -EPROTO;
		if (r->width > OCR_MAX_DIMENSION || r->height > OCR_MAX_DIMENSION ||
		    (uint64_t)r->width * r->height > OCR_MAX_PIXELS)
			return -FOLIO_ETOOBIG;
		if (!((r->depth == 1 && r->channels == 1) || (r->depth == 8 && r->channels == 1) ||
		      (r->depth == 8 && r->channels == 3)))
			return -EPROTO;
		min_bpl = ((uint64_t)r->width * r->depth * r->channels + 7) / 8;
		if (r->bytes_per_line < min_bpl ||
		    (uint64_t)r->bytes_per_line * r->height != r->len)
			return -EPROTO;
		return 0;
	default:
		return -EPROTO;
	}
}

int ocr_wire_check_reply(const struct ocr_wire_reply *r)
{
	if (r->magic != OCR_WIRE_MAGIC || r->error > 0 || r->error <= -FOLIO_E_END ||
	    !memchr(r->languages, '\0', sizeof(r->languages)))
		return -EPROTO;
	if (r->text_len > OCR_MAX_TEXT_BYTES || r->hocr_len > OCR_MAX_HOCR_BYTES)
		return -FOLIO_ETOOBIG;
	switch (r->kind) {
	case OCR_WIRE_READY:
		return r->text_len == 0 && r->hocr_len == 0 && r->turn == 0 && r->ink_marks == 0 &&
			       r->ink_unread == 0
			   ? 0
			   : -EPROTO;
	case OCR_WIRE_RESULT:
		if (r->error != 0 && (r->text_len != 0 || r->hocr_len != 0))
			return -EPROTO;
		/* Written as a positive range test so that NaN fails it too. */
		if (!(r->mean_confidence >= 0.0 && r->mean_confidence <= 100.0))
			return -EPROTO;
		if (r->orientation_checked > 1 ||
		    (r->turn != 0 && r->turn != 90 && r->turn != 180 && r->turn != 270))
			return -EPROTO;
		if (r->ink_unread > r->ink_marks)
			return -EPROTO;
		/* Only a page whose orientation was checked is read turned. */
		if (r->turn && !r->orientation_checked)
			return -EPROTO;
		return 0;
	default:
		return -EPROTO;
	}
}

static char *copy_string(const char *s, size_t len)
{
	char *c = malloc(len + 1);

	if (c) {
		memcpy(c, s, len);
		c[len] = '\0';
	}
	return c;
}

void ocr_wire_reply_fields(const struct ocr_wire_reply *h, struct ocr_page_result *r)
{
	r->words = h->words;
	r->mean_confidence = h->mean_confidence;
	r->orientation_checked = h->orientation_checked != 0;
	r->turn = h->turn;
	r->ink_marks = h->ink_marks;
	r->ink_unread = h->ink_unread;
	snprintf(r->languages, sizeof(r->languages), "%.*s", (int)sizeof(r->languages) - 1,
		 h->languages);
}

int ocr_wire_decode_reply(const void *msg, size_t len, struct ocr_wire_reply *ret_reply,
			  struct ocr_page_result *ret)
{
	struct ocr_page_result r = { 0 };
	struct ocr_wire_reply h;
	const char *body;
	int err;

	if (len < sizeof(h))
		return -EPROTO;
	memcpy(&h, msg, sizeof(h));
	err = ocr_wire_check_reply(&h);
	if (err < 0)
		return err;
	if (h.kind != OCR_WIRE_RESULT || len - sizeof(h) != h.text_len + h.hocr_len)
		return -EPROTO;
	if (h.error == 0) {
		body = (const char *)msg + sizeof(h);
		r.text = copy_string(body, h.text_len);
		r.hocr = copy_string(body + h.text_len, h.hocr_len);
		if (!r.text || !r.hocr) {
			ocr_page_result_release(&r);
			return -ENOMEM;
		}
		ocr_wire_reply_fields(&h, &r);
		*ret = r;
	}
	*ret_reply = h;
	return 0;
}

int ocr_wire_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ocr_wire_recv(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return got == 0 ? 1 : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}
