/* Document separation: cover sheets found with zbar, and the document of every page. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/index/coversheet.h"
#include "firmware/index/docfields.h"
#include "firmware/index/separate.h"

#define MAX_SYMBOLS 8 /* Folio symbols considered on one page */

struct found {
	char data[COVERSHEET_PAYLOAD_MAX + 2];
	size_t len;
	bool code128;
};

static void verdict_unreadable(struct index_sheet *s, const char *fmt, ...) _printf_(2, 3);

static void verdict_unreadable(struct index_sheet *s, const char *fmt, ...)
{
	va_list ap;

	s->unreadable = true;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

/* Turns the Folio payloads found on a page into the verdict. */
static void judge(const struct found *f, size_t n, const struct folio_config *cfg,
		  struct index_sheet *ret)
{
	struct coversheet c;
	struct document_info d = { 0 };
	bool have_128 = false, have_qr = false, st13 = false;
	char why[128];
	int r;

	for (size_t i = 1; i < n; i++)
		if (f[i].len != f[0].len || memcmp(f[i].data, f[0].data, f[0].len) != 0) {
			verdict_unreadable(ret, "the cover sheet's barcodes disagree: reprint it");
			return;
		}
	r = coversheet_parse(f[0].data, f[0].len, &c, why, sizeof(why));
	if (r < 0) {
		verdict_unreadable(ret, "cover sheet barcode refused: %s", why);
		return;
	}
	r = docfields_check_application(cfg, c.office, c.ip_type, c.application, &st13, why,
					sizeof(why));
	if (r == 0)
		r = docfields_check_code(cfg, c.ip_type, c.document_code, why, sizeof(why));
	if (r == 0 && c.received[0])
		r = docfields_check_date(c.received, why, sizeof(why));
	if (r < 0) {
		verdict_unreadable(ret, "cover sheet refused: %s", why);
		return;
	}

	d.ip_type = (int32_t)c.ip_type;
	snprintf(d.office, sizeof(d.office), "%s", c.office);
	snprintf(d.application, sizeof(d.application), "%s", c.application);
	if (st13)
		memcpy(d.st13, c.application, sizeof(d.st13) - 1);
	snprintf(d.document_code, sizeof(d.document_code), "%s", c.document_code);
	snprintf(d.language, sizeof(d.language), "%s", cfg->language);
	snprintf(d.received, sizeof(d.received), "%s", c.received);
	ret->separator = true;
	ret->doc = d;
	for (size_t i = 0; i < n; i++) {
		have_128 |= f[i].code128;
		have_qr |= !f[i].code128;
	}
	if (!have_128 || !have_qr)
		snprintf(ret->why, sizeof(ret->why), "cover sheet read from its %s only",
			 have_qr ? "QR code" : "Code 128");
}

int index_examine_grey(const uint8_t *grey, uint32_t width, uint32_t height, uint32_t stride,
		       const struct folio_config *cfg, struct index_sheet *ret)
{
	struct found found[MAX_SYMBOLS];
	struct index_sheet s = { 0 };
	zbar_image_scanner_t *scanner;
	zbar_image_t *img;
	uint8_t *packed = NULL;
	const uint8_t *y800 = grey;
	size_t n = 0;
	bool dropped = false;

	if (!grey || !cfg || width == 0 || height == 0 || stride < width)
		return -EINVAL;
	if ((uint64_t)width * height > INDEX_MAX_PIXELS)
		return -FOLIO_ETOOBIG;
	if (stride != width) {
		packed = malloc((size_t)width * height);
		if (!packed)
			return -ENOMEM;
		for (uint32_t y = 0; y < height; y++)
			memcpy(packed + (size_t)y * width, grey + (size_t)y * stride, width);
		y800 = packed;
	}

	scanner = zbar_image_scanner_create();
	img = zbar_image_create();
	if (!scanner || !img) {
		if (img)
			zbar_image_destroy(img);
		if (scanner)
			zbar_image_scanner_destroy(scanner);
		free(packed);
		return -ENOMEM;
	}
	zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(scanner, ZBAR_CODE128, ZBAR_CFG_ENABLE, 1);
	zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, width, height);
	zbar_image_set_data(img, y800, (unsigned long)width * height, NULL);

	if (zbar_scan_image(scanner, img) > 0) {
		for (const zbar_symbol_t *sym = zbar_image_first_symbol(img); sym;
		     sym = zbar_symbol_next(sym)) {
			zbar_symbol_type_t type = zbar_symbol_get_type(sym);
			const char *data = zbar_symbol_get_data(sym);
			size_t len = zbar_symbol_get_data_length(sym);

			if ((type != ZBAR_CODE128 && type != ZBAR_QRCODE) ||
			    !coversheet_is_ours(data, len))
				continue;
			if (n == MAX_SYMBOLS) {
				dropped = true;
				continue;
			}
			/* Longer than any payload: keep a prefix; the parser refuses it. */
			found[n].len = MIN(len, sizeof(found[n].data));
			memcpy(found[n].data, data, found[n].len);
			found[n].code128 = type == ZBAR_CODE128;
			n++;
		}
	}
	zbar_image_destroy(img);
	zbar_image_scanner_destroy(scanner);
	free(packed);

	if (dropped)
		verdict_unreadable(&s, "more than %d Folio barcodes on one page", MAX_SYMBOLS);
	else if (n)
		judge(found, n, cfg, &s);
	log_debug("page examined: %zu Folio barcode%s%s%s", n, n == 1 ? "" : "s",
		  s.why[0] ? ": " : "", s.why);
	*ret = s;
	return 0;
}

int index_examine(const struct frame *f, const struct folio_config *cfg, struct index_sheet *ret)
{
	uint8_t *grey;
	uint64_t need;
	int r;

	if (!f || !f->data || f->width == 0 || f->height == 0 || (f->depth != 1 && f->depth != 8) ||
	    (f->channels != 1 && f->channels != 3) || (f->depth == 1 && f->channels != 1))
		return -EINVAL;
	if ((uint64_t)f->width * f->height > INDEX_MAX_PIXELS)
		return -FOLIO_ETOOBIG;
	need = ((uint64_t)f->width * f->depth * f->channels + 7) / 8;
	if (f->bytes_per_line < need)
		return -EINVAL;

	if (f->depth == 8 && f->channels == 1)
		return index_examine_grey(f->data, f->width, f->height, f->bytes_per_line, cfg,
					  ret);
	grey = malloc((size_t)f->width * f->height);
	if (!grey)
		return -ENOMEM;
	for (uint32_t y = 0; y < f->height; y++) {
		const uint8_t *row = f->data + (size_t)y * f->bytes_per_line;
		uint8_t *out = grey + (size_t)y * f->width;

		if (f->depth == 1) {
			for (uint32_t x = 0; x < f->width; x++)
				out[x] = (row[x >> 3] & (0x80 >> (x & 7))) ? 0 : 255;
		} else {
			for (uint32_t x = 0; x < f->width; x++) {
				const uint8_t *p = row + 3 * (size_t)x;

				out[x] = (uint8_t)((77u * p[0] + 150u * p[1] + 29u * p[2]) >> 8);
			}
		}
	}
	r = index_examine_grey(grey, f->width, f->height, f->width, cfg, ret);
	free(grey);
	return r;
}

void index_split_init(struct index_split *s, uint32_t document, uint32_t pages)
{
	s->document = document ? document : 1;
	s->pages = pages;
}

void index_split_page(struct index_split *s, const struct index_sheet *sheet,
		      struct index_step *ret)
{
	struct index_step st = { 0 };

	if (sheet->separator) {
		if (s->pages > 0) {
			s->document++;
			s->pages = 0;
			st.new_document = true;
		}
		st.put_document = true;
		st.flags |= PAGE_FLAG_SEPARATOR;
	} else {
		s->pages++;
		if (sheet->unreadable)
			st.flags |= PAGE_FLAG_BARCODE_UNREADABLE;
	}
	st.document = s->document;
	*ret = st;
}
