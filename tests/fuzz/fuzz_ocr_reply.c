/* requires: CONFIG_OCR */
/*
 * libFuzzer target for what an OCR worker sends back on its socket (ocr/wire.c: the checks
 * ocr/pool.c applies to every reply header, and the decoding of a whole RESULT message), and
 * for what the station then makes of a result's hOCR (ocr/hocr.c, ocr/alto.c: the delivered
 * hOCR and ALTO documents and the words of the searchable PDF).
 *
 * Input: a reply message as the worker writes it (struct ocr_wire_reply, then text_len bytes of
 * text and hocr_len bytes of hOCR). It is decoded as it is, then once more with its header
 * mended (magic, kind RESULT, no error, lengths that add up, languages terminated) so that the
 * body reaches the hOCR readers. Checks that nothing crashes, that a refusal is -EPROTO or
 * -FOLIO_ETOOBIG, that an accepted reply is within the bounds of engine.h with a code of
 * errors.h, and that the hOCR readers return their documented errors.
 *
 * Build by hand (from the source root, after make):
 *   LIBS=$(make -s --eval='libs: ; @echo $(LDLIBS)' libs)   # make's link libraries
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include -include build/include/generated/autoconf.h \
 *     $(pkg-config --cflags libxml-2.0) tests/fuzz/fuzz_ocr_reply.c ocr/wire.c ocr/hocr.c \
 *     ocr/alto.c firmware/base/errors.c build/libfolio.a $LIBS \
 *     -o fuzz_ocr_reply
 *   ./fuzz_ocr_reply tests/fuzz/ocr_reply    # replay the seeds and fuzz onwards
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "ocr/engine.h"
#include "ocr/hocr.h"
#include "ocr/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_word(const struct ocr_word *w, void *user)
{
	if (!w->text)
		abort();
	(*(unsigned *)user)++;
	return 0;
}

static void use_hocr(const char *hocr)
{
	char *doc = NULL;
	size_t len = 0;
	unsigned words = 0;
	int r;

	r = ocr_hocr_words(hocr, count_word, &words);
	if (r != 0 && r != -FOLIO_EFORMAT && r != -FOLIO_ETOOBIG && r != -EINVAL && r != -ENOMEM)
		abort();
	r = ocr_hocr_document(hocr, "page-0001.tif", "en", &doc, &len);
	if (r == 0 && (!doc || strlen(doc) != len))
		abort();
	if (r != 0 && r != -FOLIO_EFORMAT && r != -ENOMEM)
		abort();
	free(doc);
	doc = NULL;
	r = ocr_alto_document(hocr, "page-0001.tif", &doc, &len);
	if (r == 0 && (!doc || strlen(doc) != len))
		abort();
	if (r != 0 && r != -FOLIO_EFORMAT && r != -FOLIO_ETOOBIG && r != -ENOMEM)
		abort();
	free(doc);
}

static void decode(const uint8_t *msg, size_t size)
{
	struct ocr_page_result res = { 0 };
	struct ocr_wire_reply h;
	int r;

	r = ocr_wire_decode_reply(msg, size, &h, &res);
	if (r != 0 && r != -EPROTO && r != -FOLIO_ETOOBIG && r != -ENOMEM)
		abort();
	if (r != 0)
		return;
	if (h.kind != OCR_WIRE_RESULT || h.error > 0 || h.error <= -FOLIO_E_END ||
	    h.text_len > OCR_MAX_TEXT_BYTES || h.hocr_len > OCR_MAX_HOCR_BYTES ||
	    !(h.mean_confidence >= 0 && h.mean_confidence <= 100))
		abort();
	if (!folio_strerror(h.error)[0])
		abort();
	if (h.error == 0) {
		if (!res.text || !res.hocr ||
		    strnlen(res.languages, sizeof(res.languages)) == sizeof(res.languages))
			abort();
		/* Only a page whose orientation was checked comes back turned, by quarters. */
		if (res.turn % 90 || res.turn >= 360 || (res.turn && !res.orientation_checked))
			abort();
		use_hocr(res.hocr);
	}
	ocr_page_result_release(&res);
}

/*
 * Decodes @data again with its header mended (magic, kind RESULT, no error, lengths that add
 * up, languages terminated), so that the body reaches the hOCR readers. @size is at least a
 * header's.
 */
static void decode_mended(const uint8_t *data, size_t size)
{
	struct ocr_wire_reply h;
	uint8_t *mended = malloc(size);
	size_t body = size - sizeof(h);

	if (!mended)
		return;
	memcpy(mended, data, size);
	memcpy(&h, mended, sizeof(h));
	h.magic = OCR_WIRE_MAGIC;
	h.kind = OCR_WIRE_RESULT;
	h.error = 0;
	if (!(h.mean_confidence >= 0 && h.mean_confidence <= 100))
		h.mean_confidence = 50;
	h.text_len = h.text_len % (body + 1);
	h.hocr_len = body - h.text_len;
	h.languages[sizeof(h.languages) - 1] = '\0';
	h.orientation_checked %= 2;
	h.turn = h.orientation_checked ? h.turn % 4 * 90 : 0;
	if (h.ink_unread > h.ink_marks)
		h.ink_unread = h.ink_marks;
	memcpy(mended, &h, sizeof(h));
	decode(mended, size);
	free(mended);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	decode(data, size);
	if (size >= sizeof(struct ocr_wire_reply))
		decode_mended(data, size);
	return 0;
}
