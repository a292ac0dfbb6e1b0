/* Document separation: cover sheets found by their layout, read with zbar, and the document
 * of every page. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/index/coverfind.h"
#include "firmware/index/coversheet.h"
#include "firmware/index/docfields.h"
#include "firmware/index/frameink.h"
#include "firmware/index/patchcode.h"
#include "firmware/index/separate.h"

#define MAX_SYMBOLS 8 /* Folio symbols considered on one page */

/* config.c names the profile's patch keys by these numbers (it cannot include patchcode.h). */
_Static_assert(CONFIG_PATCH_TYPES == PATCH_TYPES && PATCH_1 == 1 && PATCH_2 == 2 && PATCH_3 == 3 &&
		   PATCH_4 == 4 && PATCH_T == 5 && PATCH_6 == 6,
	       "profile patch keys are indexed by enum patch_type");

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

/* Adds what follows for the page (@tail) to the reason in s->why, cut to fit. */
static void append_why(struct index_sheet *s, const char *tail)
{
	size_t n = strlen(s->why);

	snprintf(s->why + n, sizeof(s->why) - n, "%s", tail);
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
			verdict_unreadable(ret, "the cover sheet's barcodes disagree");
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

/* What zbar is asked to look for, and how densely (pixels between scan lines; 0: none). */
struct zscan {
	bool code128, qr;
	int x_density, y_density;
};

static const struct zscan scan_full = { true, true, 1, 1 };
/* The strip's bars lie across the page: scan lines down the strip cross them all. */
static const struct zscan scan_strip = { true, false, 2, 0 };
static const struct zscan scan_qr = { false, true, 2, 2 };

/* What zbar found on a page so far. */
struct finds {
	struct found sym[MAX_SYMBOLS]; /* Folio symbols */
	size_t n;
	size_t foreign; /* symbols read that are not Folio's (a form's, a label's) */
	bool dropped;	/* more Folio symbols than sym holds */
};

/* Symbols that zbar finds in a packed grey image (@width bytes a row), added to @fs. */
static int scan_symbols(const uint8_t *y800, uint32_t width, uint32_t height,
			const struct zscan *how, struct finds *fs)
{
	zbar_image_scanner_t *scanner;
	zbar_image_t *img;

	scanner = zbar_image_scanner_create();
	img = zbar_image_create();
	if (!scanner || !img) {
		if (img)
			zbar_image_destroy(img);
		if (scanner)
			zbar_image_scanner_destroy(scanner);
		return -ENOMEM;
	}
	zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(scanner, ZBAR_CODE128, ZBAR_CFG_ENABLE, how->code128);
	zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, how->qr);
	zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
	zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, how->x_density);
	zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, how->y_density);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, width, height);
	zbar_image_set_data(img, y800, (unsigned long)width * height, NULL);

	if (zbar_scan_image(scanner, img) > 0) {
		for (const zbar_symbol_t *sym = zbar_image_first_symbol(img); sym;
		     sym = zbar_symbol_next(sym)) {
			zbar_symbol_type_t type = zbar_symbol_get_type(sym);
			const char *data = zbar_symbol_get_data(sym);
			size_t len = zbar_symbol_get_data_length(sym);

			struct found *f = &fs->sym[fs->n];

			if (type != ZBAR_CODE128 && type != ZBAR_QRCODE)
				continue;
			if (!coversheet_is_ours(data, len)) {
				fs->foreign++;
				continue;
			}
			if (fs->n == MAX_SYMBOLS) {
				fs->dropped = true;
				continue;
			}
			/* Longer than any payload: keep a prefix; the parser refuses it. */
			f->len = MIN(len, sizeof(f->data));
			memcpy(f->data, data, f->len);
			f->code128 = type == ZBAR_CODE128;
			fs->n++;
		}
	}
	zbar_image_destroy(img);
	zbar_image_scanner_destroy(scanner);
	return 0;
}

/* The verdict on the Folio symbols found on a page. */
static void verdict(const struct finds *fs, const struct folio_config *cfg, struct index_sheet *s)
{
	if (fs->dropped)
		verdict_unreadable(s, "more than %d Folio barcodes on one page", MAX_SYMBOLS);
	else if (fs->n)
		judge(fs->sym, fs->n, cfg, s);
	log_debug("page examined: %zu Folio barcode%s%s%s", fs->n, fs->n == 1 ? "" : "s",
		  s->why[0] ? ": " : "", s->why);
}

int index_examine_grey(const uint8_t *grey, uint32_t width, uint32_t height, uint32_t stride,
		       const struct folio_config *cfg, struct index_sheet *ret)
{
	struct finds fs = { .n = 0 };
	struct index_sheet s = { 0 };
	uint8_t *packed = NULL;
	const uint8_t *y800 = grey;
	int r;

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
	r = scan_symbols(y800, width, height, &scan_full, &fs);
	free(packed);
	if (r < 0)
		return r;
	verdict(&fs, cfg, &s);
	*ret = s;
	return 0;
}

/* The pixels of @b (clipped to the frame) as a packed 8-bit grey image, 0 black. */
static uint8_t *crop_grey(const struct frame *f, struct coverfind_box b, uint32_t *ret_w,
			  uint32_t *ret_h)
{
	uint32_t w, h;
	uint8_t *grey;

	b.x1 = MIN(b.x1, f->width);
	b.y1 = MIN(b.y1, f->height);
	if (b.x0 >= b.x1 || b.y0 >= b.y1)
		return NULL;
	w = b.x1 - b.x0;
	h = b.y1 - b.y0;
	grey = malloc((size_t)w * h);
	if (!grey)
		return NULL;
	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *row = f->data + (size_t)(b.y0 + y) * f->bytes_per_line;
		uint8_t *out = grey + (size_t)y * w;

		for (uint32_t i = 0; i < w; i++) {
			uint32_t x = b.x0 + i;

			if (f->depth == 1) {
				out[i] = (row[x >> 3] & (0x80 >> (x & 7))) ? 0 : 255;
			} else if (f->channels == 3) {
				const uint8_t *p = row + 3 * (size_t)x;

				out[i] = (uint8_t)((77u * p[0] + 150u * p[1] + 29u * p[2]) >> 8);
			} else {
				out[i] = row[x];
			}
		}
	}
	*ret_w = w;
	*ret_h = h;
	return grey;
}

/* Folio symbols in one zone of @f. A zone that is empty once clipped finds nothing. */
static int scan_zone(const struct frame *f, struct coverfind_box b, const struct zscan *how,
		     struct finds *fs)
{
	uint32_t w = 0, h = 0;
	uint8_t *grey;
	int r;

	if (b.x0 >= MIN(b.x1, f->width) || b.y0 >= MIN(b.y1, f->height))
		return 0;
	grey = crop_grey(f, b, &w, &h);
	if (!grey)
		return -ENOMEM;
	r = scan_symbols(grey, w, h, how, fs);
	free(grey);
	return r;
}

/* @b grown by @share of its size on every side (skew, a sheet fed off centre). */
static struct coverfind_box grow(struct coverfind_box b, double share)
{
	uint32_t dx = (uint32_t)(share * (b.x1 - b.x0)), dy = (uint32_t)(share * (b.y1 - b.y0));

	return (struct coverfind_box){ b.x0 > dx ? b.x0 - dx : 0, b.y0 > dy ? b.y0 - dy : 0,
				       b.x1 + dx, b.y1 + dy };
}

/*
 * Where to look, cheapest first: the layout says whether the page can be a cover sheet; the
 * strip and the QR zone are decoded; the whole page only when the layout is ours and the
 * zones gave nothing. A sheet with our layout is a cover sheet even when nothing can be read.
 */
static int examine_zones(const struct frame *f, const struct folio_config *cfg,
			 const struct coverfind *cf, struct index_sheet *ret)
{
	struct finds fs = { .n = 0 };
	struct index_sheet s = { 0 };
	bool layout = coverfind_is_cover(cf);
	int r = 0;

	if (cf->strip)
		r = scan_zone(f, cf->strip_box, &scan_strip, &fs);
	if (r == 0 && (layout || fs.n))
		r = scan_zone(f, grow(cf->qr_box, 0.15), &scan_qr, &fs);
	/* Codes that read well and are not ours: a form or a label laid out like our sheet. */
	if (fs.n == 0 && fs.foreign)
		layout = false;
	if (r == 0 && layout && fs.n == 0) {
		uint8_t *grey = crop_grey(f, (struct coverfind_box){ 0, 0, f->width, f->height },
					  &(uint32_t){ 0 }, &(uint32_t){ 0 });

		if (!grey)
			return -ENOMEM;
		r = scan_symbols(grey, f->width, f->height, &scan_full, &fs);
		free(grey);
		if (fs.n == 0 && fs.foreign)
			layout = false;
	}
	if (r < 0)
		return r;
	verdict(&fs, cfg, &s);
	if (s.unreadable && !layout) {
		/* A Folio code on a page not laid out as ours: flagged, no document started. */
		append_why(&s, "; the page stays in this document");
	} else if (layout && !s.separator) {
		/* Ours by its layout: it starts a document, which the clerk indexes by hand. */
		s.separator = true;
		if (!s.unreadable)
			verdict_unreadable(&s, "a cover sheet whose barcodes cannot be read");
		append_why(&s, "; index its document by hand");
		s.doc = (struct document_info){ .ip_type = cfg->ip_type };
		snprintf(s.doc.office, sizeof(s.doc.office), "%s", cfg->office);
		snprintf(s.doc.language, sizeof(s.doc.language), "%s", cfg->language);
	}
	*ret = s;
	return 0;
}

int index_examine(const struct frame *f, const struct folio_config *cfg, struct index_sheet *ret)
{
	struct coverfind cf;
	int r;

	if (!frameink_valid(f) || !cfg)
		return -EINVAL;
	if ((uint64_t)f->width * f->height > INDEX_MAX_PIXELS)
		return -FOLIO_ETOOBIG;
	r = coverfind_look(f, &cf);
	if (r == -EINVAL) { /* too small to be a sheet */
		*ret = (struct index_sheet){ 0 };
		return 0;
	}
	if (r < 0)
		return r;
	log_debug("page layout: strip %s (%u rows)%s, QR block %s, %u large lines",
		  cf.strip ? "found" : "none", cf.strip_rows,
		  cf.strip && cf.upside_down ? " upside down" : "", cf.qr_block ? "yes" : "no",
		  cf.text_lines);
	if (!cf.strip && !coverfind_is_cover(&cf)) {
		*ret = (struct index_sheet){ 0 };
		return 0;
	}
	return examine_zones(f, cfg, &cf, ret);
}

int index_examine_patch(const struct frame *f, const struct folio_config *cfg,
			struct index_sheet *ret)
{
	struct patchcode p;
	int r;

	if (!frameink_valid(f) || !cfg || !ret)
		return -EINVAL;
	if ((uint64_t)f->width * f->height > INDEX_MAX_PIXELS)
		return -FOLIO_ETOOBIG;
	r = patchcode_find(f, &p);
	if (r < 0)
		return r;
	log_debug("page patch search: %s%s%s", p.type ? "Patch " : "none", patchcode_name(p.type),
		  p.upside_down ? " (upside down)" : "");
	ret->patch = (int)p.type;
	if (p.type == PATCH_NONE)
		return 0;
	ret->doc = (struct document_info){ .ip_type = cfg->ip_type };
	snprintf(ret->doc.office, sizeof(ret->doc.office), "%s", cfg->office);
	snprintf(ret->doc.document_code, sizeof(ret->doc.document_code), "%s", cfg->document_code);
	snprintf(ret->doc.language, sizeof(ret->doc.language), "%s", cfg->language);
	return 0;
}

void index_split_init(struct index_split *s, uint32_t document, uint32_t pages)
{
	*s = (struct index_split){
		.document = document ? document : 1,
		.pages = pages,
		.batch_pages = pages,
	};
}

void index_split_profile(struct index_split *s, const struct scan_profile *p)
{
	memcpy(s->patch, p->patch, sizeof(s->patch));
	s->patch_sheets = p->patch_sheets;
}

bool index_split_wants_patches(const struct index_split *s)
{
	for (int t = PATCH_1; t < PATCH_TYPES; t++)
		if (s->patch[t] != PATCH_ACTION_IGNORE)
			return true;
	return false;
}

/* What the profile makes @sheet do: PATCH_ACTION_IGNORE for a sheet that is no patch. */
static int patch_action(const struct index_split *s, const struct index_sheet *sheet)
{
	if (sheet->patch <= PATCH_NONE || sheet->patch >= PATCH_TYPES)
		return PATCH_ACTION_IGNORE;
	if (s->patch[sheet->patch] == PATCH_ACTION_NEW_BATCH && s->one_batch)
		return PATCH_ACTION_NEW_DOCUMENT;
	return s->patch[sheet->patch];
}

void index_split_page(struct index_split *s, const struct index_sheet *sheet,
		      struct index_step *ret)
{
	struct index_step st = { 0 };
	int action = sheet->separator ? PATCH_ACTION_IGNORE : patch_action(s, sheet);

	if (action == PATCH_ACTION_NEW_BATCH) {
		if (s->batch_pages > 0) { /* on a batch without pages, nothing to start */
			s->document = 1;
			s->pages = s->batch_pages = 0;
			st.new_batch = true;
		}
		st.flags |= PAGE_FLAG_SEPARATOR;
		st.drop = s->patch_sheets == PATCH_SHEET_DROP;
	} else if (sheet->separator) {
		if (s->pages > 0) {
			s->document++;
			s->pages = 0;
			st.new_document = true;
		}
		st.put_document = true;
		st.flags |= PAGE_FLAG_SEPARATOR;
		if (sheet->unreadable) /* ours by its layout, its index for the clerk to fill */
			st.flags |= PAGE_FLAG_BARCODE_UNREADABLE;
	} else if (action == PATCH_ACTION_NEW_DOCUMENT) {
		if (s->pages > 0) { /* on a document without pages, nothing to start */
			s->document++;
			s->pages = 0;
			st.new_document = true;
			st.put_document = true;
		}
		st.flags |= PAGE_FLAG_SEPARATOR;
		st.drop = s->patch_sheets == PATCH_SHEET_DROP;
	} else {
		s->pages++;
		s->batch_pages++;
		if (sheet->unreadable)
			st.flags |= PAGE_FLAG_BARCODE_UNREADABLE;
	}
	st.document = s->document;
	*ret = st;
}
