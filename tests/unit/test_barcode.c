/* Cover-sheet payloads, barcode symbols (read back with zbar) and index_examine() on frames. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zbar.h>

#include "errors.h"
#include "firmware/index/barcode.h"
#include "firmware/index/coversheet.h"
#include "firmware/index/docfields.h"
#include "firmware/index/separate.h"

static const char conf_text[] = "[station]\nid = T\noffice = KE\n"
				"[index]\npatent_pattern = KE/P/YYYY/NNNNNN\n"
				"patent_codes = APPFORM CLAIMS\n"
				"trademark_pattern = NNNNNNNN.#\ntrademark_check_digit = mod11\n";
static struct folio_config cfg;

static int setup(void **state)
{
	(void)state;
	return config_load_string("test.conf", conf_text, &cfg, NULL);
}

static const struct coversheet sheet1 = {
	.office = "KE",
	.ip_type = IP_PATENT,
	.application = "KE/P/2024/000123",
	.document_code = "APPFORM",
	.received = "2024-05-02",
};

/* ---- payload ---- */

static void test_payload_roundtrip(void **state)
{
	char buf[COVERSHEET_PAYLOAD_MAX + 1], why[128];
	struct coversheet c;
	struct coversheet t = { .office = "EP", .ip_type = IP_DESIGN, .application = "x y|z" };
	int n;

	(void)state;
	n = coversheet_payload(&sheet1, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "FOLIO1|KE|patent|KE/P/2024/000123|APPFORM|2024-05-02|65088F35");
	assert_int_equal(coversheet_parse(buf, (size_t)n, &c, why, sizeof(why)), 0);
	assert_memory_equal(&c, &sheet1, sizeof(c));

	/* '|' in a field cannot be written; a small buffer is refused, not cut. */
	snprintf(t.document_code, sizeof(t.document_code), "DRAW");
	assert_int_equal(coversheet_payload(&t, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(coversheet_payload(&sheet1, buf, 20), -ENOBUFS);
}

static void parse_bad(const char *payload, const char *reason_part)
{
	struct coversheet c = { .office = "ZZ" };
	char why[128] = "";

	if (coversheet_parse(payload, strlen(payload), &c, why, sizeof(why)) != -EINVAL)
		fail_msg("'%s' was accepted", payload);
	if (!strstr(why, reason_part))
		fail_msg("'%s': reason '%s' does not say '%s'", payload, why, reason_part);
	assert_string_equal(c.office, "ZZ"); /* untouched */
}

static void test_payload_strict(void **state)
{
	char buf[400];

	(void)state;
	parse_bad("FOLIO1|KE|patent|KE/P/2024/000123|APPFORM|2024-05-02|65088F36", "misread");
	parse_bad("FOLIO1|KE|patent|KE/P/2024/000123|APPFORM|2024-05-02|65088f35", "upper-case");
	parse_bad("FOLIO2|KE|patent|KE/P/2024/000123|APPFORM|2024-05-02|65088F35", "version");
	parse_bad("FOLIO1|KE|patent|KE/P/2024/000123|APPFORM|65088F35", "6 fields");
	parse_bad("FOLIO1|KE|patent|KE/P|2024/000123|APPFORM|2024-05-02|65088F35", "more than 7");
	parse_bad("FOLIO1|KE|patent|KE/P/2024/000123|APP\tFORM|2024-05-02|65088F35", "printable");
	parse_bad("", "version");
	parse_bad("FOLIO1|", "fields");
	memset(buf, 'A', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	parse_bad(buf, "too long");
	/* Fields with a right CRC are still checked. */
	{
		static const char *const bodies[][2] = {
			{ "FOLIO1|SU|patent|1|APPFORM|", "ST.3" },
			{ "FOLIO1|KE|patents|1|APPFORM|", "IP type" },
			{ "FOLIO1|KE|patent| 1|APPFORM|", "application" },
			{ "FOLIO1|KE|patent|1|appform|", "document code" },
			{ "FOLIO1|KE|patent|1|APPFORM|2024-13-01", "received date" },
			{ "FOLIO1|KE|patent|1|APPFORM|24-01-01", "received date" },
		};
		for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
			/* Compute the right CRC through a valid payload of the same bytes. */
			uint32_t crc = 0xffffffffu;
			const char *b = bodies[i][0];

			for (size_t k = 0; b[k]; k++) {
				crc ^= (uint8_t)b[k];
				for (int j = 0; j < 8; j++)
					crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
			}
			snprintf(buf, sizeof(buf), "%s|%08X", b, ~crc);
			parse_bad(buf, bodies[i][1]);
		}
	}
}

/* ---- symbols, read back by zbar ---- */

struct image {
	uint8_t *px;
	uint32_t w, h;
};

static struct image blank_image(uint32_t w, uint32_t h)
{
	struct image im = { malloc((size_t)w * h), w, h };

	assert_non_null(im.px);
	memset(im.px, 255, (size_t)w * h);
	return im;
}

static void draw_code128(struct image *im, const char *data, uint32_t x0, uint32_t y0,
			 uint32_t scale, uint32_t height)
{
	uint8_t *m;
	size_t n;

	assert_int_equal(barcode_code128(data, strlen(data), &m, &n), 0);
	assert_true(x0 + n * scale <= im->w && y0 + height <= im->h);
	for (uint32_t y = y0; y < y0 + height; y++)
		for (size_t i = 0; i < n; i++)
			if (m[i])
				memset(im->px + (size_t)y * im->w + x0 + i * scale, 0, scale);
	free(m);
}

static void draw_qr(struct image *im, const char *data, uint32_t x0, uint32_t y0, uint32_t scale)
{
	uint8_t *m;
	size_t w;

	assert_int_equal(barcode_qr(data, strlen(data), &m, &w), 0);
	assert_true(x0 + w * scale <= im->w && y0 + w * scale <= im->h);
	for (size_t r = 0; r < w * scale; r++)
		for (size_t c = 0; c < w; c++)
			if (m[(r / scale) * w + c])
				memset(im->px + (y0 + r) * im->w + x0 + c * scale, 0, scale);
	free(m);
}

/* What zbar reads in @im: the data of the first symbol of @type, or "" */
static void zbar_read(const struct image *im, zbar_symbol_type_t type, char *out, size_t size)
{
	zbar_image_scanner_t *sc = zbar_image_scanner_create();
	zbar_image_t *img = zbar_image_create();

	out[0] = '\0';
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, type, ZBAR_CFG_ENABLE, 1);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, im->w, im->h);
	zbar_image_set_data(img, im->px, (unsigned long)im->w * im->h, NULL);
	zbar_scan_image(sc, img);
	for (const zbar_symbol_t *s = zbar_image_first_symbol(img); s; s = zbar_symbol_next(s))
		if (zbar_symbol_get_type(s) == type) {
			snprintf(out, size, "%s", zbar_symbol_get_data(s));
			break;
		}
	zbar_image_destroy(img);
	zbar_image_scanner_destroy(sc);
}

static void test_code128_reads_back(void **state)
{
	static const char *const samples[] = {
		"A",
		"12",
		"1234",
		"123456789012",
		"ab 12345 cd",
		"X1234567",
		" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
		"FOLIO1|KE|patent|KE/P/2024/000123|APPFORM|2024-05-02|65088F35",
	};
	char got[300];

	(void)state;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct image im = blank_image(2600, 120);

		draw_code128(&im, samples[i], 40, 10, 3, 100);
		zbar_read(&im, ZBAR_CODE128, got, sizeof(got));
		if (strcmp(got, samples[i]) != 0)
			fail_msg("Code 128 of '%s' read back as '%s'", samples[i], got);
		free(im.px);
	}
	/* Digit runs are packed: 12 digits take fewer modules than 12 letters. */
	{
		uint8_t *a, *b;
		size_t na, nb;

		assert_int_equal(barcode_code128("123456789012", 12, &a, &na), 0);
		assert_int_equal(barcode_code128("ABCDEFGHIJKL", 12, &b, &nb), 0);
		assert_true(na < nb);
		free(a);
		free(b);
	}
	assert_int_equal(barcode_code128("caf\xc3\xa9", 5, &(uint8_t *){ NULL }, &(size_t){ 0 }),
			 -EINVAL);
}

static void test_qr_reads_back(void **state)
{
	const char *data = "FOLIO1|KE|patent|KE/P/2024/000123|APPFORM|2024-05-02|65088F35";
	struct image im = blank_image(400, 400);
	char got[300];

	(void)state;
	draw_qr(&im, data, 40, 40, 6);
	zbar_read(&im, ZBAR_QRCODE, got, sizeof(got));
	assert_string_equal(got, data);
	free(im.px);
}

/* ---- index_examine ---- */

/* A synthetic cover sheet: @c128 as Code 128 and @qr as QR (either may be NULL). */
static struct image sheet_image(const char *c128, const char *qr)
{
	struct image im = blank_image(1700, 1200);

	if (c128)
		draw_code128(&im, c128, 60, 100, 2, 160);
	if (qr)
		draw_qr(&im, qr, 600, 500, 8);
	return im;
}

static void examine(const struct image *im, struct index_sheet *s)
{
	assert_int_equal(index_examine_grey(im->px, im->w, im->h, im->w, &cfg, s), 0);
}

static void test_examine_cover_sheet(void **state)
{
	char p[COVERSHEET_PAYLOAD_MAX + 1];
	struct index_sheet s;
	struct image im;

	(void)state;
	coversheet_payload(&sheet1, p, sizeof(p));
	im = sheet_image(p, p);
	examine(&im, &s);
	assert_true(s.separator);
	assert_false(s.unreadable);
	assert_string_equal(s.doc.office, "KE");
	assert_int_equal(s.doc.ip_type, IP_PATENT);
	assert_string_equal(s.doc.application, "KE/P/2024/000123");
	assert_string_equal(s.doc.st13, "");
	assert_string_equal(s.doc.document_code, "APPFORM");
	assert_string_equal(s.doc.received, "2024-05-02");
	assert_string_equal(s.doc.language, "en");
	assert_string_equal(s.why, "");
	free(im.px);

	/* Either symbol alone is enough, and the verdict says which one was read. */
	im = sheet_image(NULL, p);
	examine(&im, &s);
	assert_true(s.separator);
	assert_non_null(strstr(s.why, "QR code only"));
	free(im.px);
	im = sheet_image(p, NULL);
	examine(&im, &s);
	assert_true(s.separator);
	assert_non_null(strstr(s.why, "Code 128 only"));
	free(im.px);
}

static void expect_unreadable(const char *c128, const char *qr, const char *reason_part)
{
	struct image im = sheet_image(c128, qr);
	struct index_sheet s;

	examine(&im, &s);
	assert_false(s.separator);
	assert_true(s.unreadable);
	if (!strstr(s.why, reason_part))
		fail_msg("reason '%s' does not say '%s'", s.why, reason_part);
	free(im.px);
}

static void test_examine_refuses(void **state)
{
	char p[COVERSHEET_PAYLOAD_MAX + 1], q[COVERSHEET_PAYLOAD_MAX + 1];
	struct coversheet other = sheet1;

	(void)state;
	coversheet_payload(&sheet1, p, sizeof(p));
	/* An altered payload: the CRC catches it, nothing is guessed. */
	snprintf(q, sizeof(q), "%s", p);
	q[strlen(q) - 1] = q[strlen(q) - 1] == '0' ? '1' : '0';
	expect_unreadable(q, NULL, "misread or altered");
	/* The two symbols disagree. */
	snprintf(other.application, sizeof(other.application), "KE/P/2024/000124");
	coversheet_payload(&other, q, sizeof(q));
	expect_unreadable(p, q, "disagree");
	/* Well-formed, but this station's configuration refuses the fields. */
	snprintf(other.application, sizeof(other.application), "KE/P/24/000124");
	coversheet_payload(&other, q, sizeof(q));
	expect_unreadable(q, q, "KE patent application number");
	other = sheet1;
	snprintf(other.document_code, sizeof(other.document_code), "DRAW");
	coversheet_payload(&other, q, sizeof(q));
	expect_unreadable(q, q, "'DRAW' is not a patent document code");
	other = sheet1;
	snprintf(other.received, sizeof(other.received), "2099-01-01");
	coversheet_payload(&other, q, sizeof(q));
	expect_unreadable(NULL, q, "future");
	/* A future version of the format is flagged, not ignored. */
	expect_unreadable("FOLIO2|whatever", NULL, "version");
}

static void test_examine_plain_pages(void **state)
{
	struct image im = sheet_image("HELLO-123", "https://example.org/form/42");
	struct index_sheet s;

	(void)state;
	/* Barcodes that are not Folio's (a form's own codes) are not cover sheets. */
	examine(&im, &s);
	assert_false(s.separator);
	assert_false(s.unreadable);
	free(im.px);
	im = blank_image(800, 1000);
	examine(&im, &s);
	assert_false(s.separator || s.unreadable);
	free(im.px);
}

/*
 * A sheet laid out as `folio coversheet` prints it, at 150 dpi: @c128 down the left margin
 * (bars across), @qr in the middle of the lower half (either may be NULL), and blocks of large
 * type where the fields stand when @text.
 */
#define LAYOUT_DPI 150
static uint32_t pt(double v)
{
	return (uint32_t)(v * LAYOUT_DPI / 72);
}

static struct image layout_image(const char *c128, const char *qr, bool text)
{
	struct image im = blank_image(pt(COVERSHEET_PAGE_W_PT), pt(COVERSHEET_PAGE_H_PT));
	uint32_t x0 = pt(COVERSHEET_MARGIN_PT), x1 = pt(COVERSHEET_MARGIN_PT + COVERSHEET_BAR_PT);

	if (c128) {
		uint8_t *m;
		size_t n;

		assert_int_equal(barcode_code128(c128, strlen(c128), &m, &n), 0);
		assert_true(pt(60) + 2 * n <= im.h);
		for (size_t i = 0; i < 2 * n; i++)
			if (m[i / 2])
				memset(im.px + (pt(60) + i) * im.w + x0, 0, x1 - x0);
		free(m);
	}
	if (qr)
		draw_qr(&im, qr, pt(240), pt(COVERSHEET_QR_Y_PT + 20), 11);
	for (int line = 0; text && line < 5; line++) /* 26 pt lines of bold type, 47 pt apart */
		for (uint32_t y = pt(140 + 47 * line); y < pt(160 + 47 * line); y++)
			for (uint32_t x = pt(COVERSHEET_LEFT_PT); x < pt(500); x++)
				if ((x / 4 + y / 5) % 3 == 0)
					im.px[y * im.w + x] = 0;
	return im;
}

static void test_examine_frames(void **state)
{
	char p[COVERSHEET_PAYLOAD_MAX + 1];
	struct image im;
	struct frame f = { 0 };
	struct index_sheet s;
	uint8_t *bits, *rgb;
	uint32_t bpl;

	(void)state;
	coversheet_payload(&sheet1, p, sizeof(p));
	im = layout_image(p, p, true);

	/* Depth 1, 1 = black, packed MSB first, with padding at the end of rows. */
	bpl = (im.w + 7) / 8 + 3;
	bits = calloc((size_t)bpl, im.h);
	for (uint32_t y = 0; y < im.h; y++)
		for (uint32_t x = 0; x < im.w; x++)
			if (im.px[(size_t)y * im.w + x] < 128)
				bits[(size_t)y * bpl + x / 8] |= (uint8_t)(0x80 >> (x % 8));
	f = (struct frame){ im.w, im.h, 1, 1, bpl, LAYOUT_DPI, bits };
	assert_int_equal(index_examine(&f, &cfg, &s), 0);
	assert_true(s.separator);
	assert_string_equal(s.doc.application, "KE/P/2024/000123");
	assert_string_equal(s.why, ""); /* both symbols read */

	/* RGB */
	rgb = malloc((size_t)im.w * im.h * 3);
	for (size_t i = 0; i < (size_t)im.w * im.h; i++)
		memset(rgb + 3 * i, im.px[i], 3);
	f = (struct frame){ im.w, im.h, 8, 3, im.w * 3, LAYOUT_DPI, rgb };
	assert_int_equal(index_examine(&f, &cfg, &s), 0);
	assert_true(s.separator);

	/* Grey, through the frame */
	f = (struct frame){ im.w, im.h, 8, 1, im.w, LAYOUT_DPI, im.px };
	assert_int_equal(index_examine(&f, &cfg, &s), 0);
	assert_true(s.separator);

	/* Malformed frames are refused. */
	f = (struct frame){ im.w, im.h, 8, 3, im.w, 300, rgb };
	assert_int_equal(index_examine(&f, &cfg, &s), -EINVAL);
	f = (struct frame){ im.w, im.h, 1, 3, im.w, 300, rgb };
	assert_int_equal(index_examine(&f, &cfg, &s), -EINVAL);
	f = (struct frame){ 0, im.h, 8, 1, im.w, 300, rgb };
	assert_int_equal(index_examine(&f, &cfg, &s), -EINVAL);
	f = (struct frame){ 30000, 30000, 8, 1, 30000, 300, rgb };
	assert_int_equal(index_examine(&f, &cfg, &s), -FOLIO_ETOOBIG);
	free(bits);
	free(rgb);
	free(im.px);
}

/* Every pixel of @im replaced by the mean of a (2r+1)-pixel square around it. */
static void box_blur(struct image *im, uint32_t r)
{
	uint8_t *out = malloc((size_t)im->w * im->h);

	assert_non_null(out);
	for (uint32_t pass = 0; pass < 2; pass++) { /* rows, then columns */
		for (uint32_t y = 0; y < im->h; y++)
			for (uint32_t x = 0; x < im->w; x++) {
				unsigned sum = 0, k = 0;

				for (int32_t d = -(int32_t)r; d <= (int32_t)r; d++) {
					int64_t xx = pass ? x : (int64_t)x + d,
						yy = pass ? (int64_t)y + d : y;

					if (xx < 0 || yy < 0 || xx >= im->w || yy >= im->h)
						continue;
					sum += im->px[(size_t)yy * im->w + (size_t)xx];
					k++;
				}
				out[(size_t)y * im->w + x] = (uint8_t)(sum / k);
			}
		memcpy(im->px, out, (size_t)im->w * im->h);
	}
	free(out);
}

static void examine_layout(struct image *im, struct index_sheet *s)
{
	struct frame f = { im->w, im->h, 8, 1, im->w, LAYOUT_DPI, im->px };

	assert_int_equal(index_examine(&f, &cfg, s), 0);
}

static void test_examine_layout(void **state)
{
	char p[COVERSHEET_PAYLOAD_MAX + 1];
	struct index_sheet s;
	struct index_split sp;
	struct index_step st;
	struct image im;

	(void)state;
	coversheet_payload(&sheet1, p, sizeof(p));
	/* Blurred past reading: still ours by its layout, a document for the clerk to index. */
	im = layout_image(p, p, true);
	box_blur(&im, 10);
	examine_layout(&im, &s);
	assert_true(s.separator);
	assert_true(s.unreadable);
	assert_non_null(strstr(s.why, "index its document by hand"));
	assert_string_equal(s.doc.application, "");
	assert_string_equal(s.doc.office, "KE");
	index_split_init(&sp, 1, 3);
	index_split_page(&sp, &s, &st);
	assert_int_equal(st.document, 2);
	assert_true(st.new_document && st.put_document);
	assert_int_equal(st.flags, PAGE_FLAG_SEPARATOR | PAGE_FLAG_BARCODE_UNREADABLE);
	free(im.px);

	/* Ours by its layout, its codes read but altered: a document for the clerk, and one
	 * line says what was wrong and what to do. */
	{
		char q[COVERSHEET_PAYLOAD_MAX + 1];

		snprintf(q, sizeof(q), "%s", p);
		q[strlen(q) - 1] = q[strlen(q) - 1] == '0' ? '1' : '0';
		im = layout_image(q, q, true);
		examine_layout(&im, &s);
		assert_true(s.separator && s.unreadable);
		assert_string_equal(s.why, "cover sheet barcode refused: check field does not "
					   "match: misread or altered; index its document by hand");
		free(im.px);
	}

	/* The strip torn off: the QR block and the large type still say so. */
	im = layout_image(NULL, p, true);
	box_blur(&im, 10);
	examine_layout(&im, &s);
	assert_true(s.separator && s.unreadable);
	free(im.px);

	/* A form laid out like our sheet, with codes of its own that read well, is a page. */
	im = layout_image("INV-2024-000123-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789",
			  "https://example.org/form/42", true);
	examine_layout(&im, &s);
	assert_false(s.separator || s.unreadable);
	free(im.px);

	/* A page with nothing of the layout is not searched at all: Folio codes on it in
	 * other places (a copy of a sheet's payload in a letter) do not split the stack. */
	im = sheet_image(p, p);
	{
		struct frame f = { im.w, im.h, 8, 1, im.w, 300, im.px };

		assert_int_equal(index_examine(&f, &cfg, &s), 0);
		assert_false(s.separator || s.unreadable);
	}
	free(im.px);
}

static void test_split(void **state)
{
	/* cover, page, page, cover, cover, page, unreadable page, page, cover (trailing) */
	static const struct {
		bool sep, bad;
		uint32_t doc, flags;
		bool put, new_doc;
	} steps[] = {
		{ true, false, 1, PAGE_FLAG_SEPARATOR, true, false },
		{ false, false, 1, 0, false, false },
		{ false, false, 1, 0, false, false },
		{ true, false, 2, PAGE_FLAG_SEPARATOR, true, true },
		{ true, false, 2, PAGE_FLAG_SEPARATOR, true, false },
		{ false, false, 2, 0, false, false },
		{ false, true, 2, PAGE_FLAG_BARCODE_UNREADABLE, false, false },
		{ false, false, 2, 0, false, false },
		{ true, false, 3, PAGE_FLAG_SEPARATOR, true, true },
		/* a sheet of ours whose codes cannot be read, then its page */
		{ true, true, 3, PAGE_FLAG_SEPARATOR | PAGE_FLAG_BARCODE_UNREADABLE, true, false },
		{ false, false, 3, 0, false, false },
	};
	struct index_split sp;

	(void)state;
	index_split_init(&sp, 1, 0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct index_sheet sh = { .separator = steps[i].sep, .unreadable = steps[i].bad };
		struct index_step st;

		index_split_page(&sp, &sh, &st);
		if (st.document != steps[i].doc || st.flags != steps[i].flags ||
		    st.put_document != steps[i].put || st.new_document != steps[i].new_doc)
			fail_msg("page %zu: document %u flags %u put %d new %d", i + 1, st.document,
				 st.flags, st.put_document, st.new_document);
	}
	/* A resumed batch continues its last document. */
	index_split_init(&sp, 4, 7);
	{
		struct index_sheet sh = { .separator = true };
		struct index_step st;

		index_split_page(&sp, &sh, &st);
		assert_int_equal(st.document, 5);
	}
}

static void test_docfields(void **state)
{
	struct document_info d = { .office = "KE",
				   .ip_type = IP_PATENT,
				   .document_code = "APPFORM" };
	struct docfields_edit e = { .application = "102024000000123" };
	char why[256];

	(void)state;
	assert_int_equal(docfields_apply(&cfg, &d, &e, &d, why, sizeof(why)), 0);
	assert_string_equal(d.st13, "102024000000123");
	e = (struct docfields_edit){ .application = "KE/P/2024/000123", .received = "2024-02-29" };
	assert_int_equal(docfields_apply(&cfg, &d, &e, &d, why, sizeof(why)), 0);
	assert_string_equal(d.st13, "");
	assert_string_equal(d.received, "2024-02-29");
	/* The office pattern holds for the station's office only. */
	e = (struct docfields_edit){ .office = "UG" };
	assert_int_equal(docfields_apply(&cfg, &d, &e, &d, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no pattern is configured for UG"));
	/* Changing the type re-checks the number and the code. */
	e = (struct docfields_edit){ .ip_type = "trademark" };
	assert_int_equal(docfields_apply(&cfg, &d, &e, &d, why, sizeof(why)), -EINVAL);
	e = (struct docfields_edit){ .ip_type = "trademark", .application = "12345678.X" };
	assert_int_equal(docfields_apply(&cfg, &d, &e, &d, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "check"));
	/* 12345679: weights 2..9 from the right give 9*2+7*3+...; use a known good one */
	e = (struct docfields_edit){ .received = "2023-02-29" };
	assert_int_equal(docfields_apply(&cfg, &d, &e, &d, why, sizeof(why)), -EINVAL);
	assert_string_equal(d.received, "2024-02-29"); /* untouched */
	assert_int_equal(docfields_check_code(&cfg, IP_TRADEMARK, "ANY-CODE_1", why, sizeof(why)),
			 0);
	assert_int_equal(docfields_check_code(&cfg, IP_PATENT, "DRAW", why, sizeof(why)), -EINVAL);

	/* The field at fault is named, for the clerk UI's form. */
	const char *field = NULL;
	e = (struct docfields_edit){ .office = "UG" };
	assert_int_equal(docfields_apply_field(&cfg, &d, &e, &d, why, sizeof(why), &field),
			 -EINVAL);
	assert_string_equal(field, "application"); /* a valid office; the number does not fit it */
	e = (struct docfields_edit){ .office = "Q1" };
	assert_int_equal(docfields_apply_field(&cfg, &d, &e, &d, why, sizeof(why), &field),
			 -EINVAL);
	assert_string_equal(field, "office");
	e = (struct docfields_edit){ .document_code = "DRAW" };
	assert_int_equal(docfields_apply_field(&cfg, &d, &e, &d, why, sizeof(why), &field),
			 -EINVAL);
	assert_string_equal(field, "document_code");
	e = (struct docfields_edit){ .received = "2023-02-29" };
	assert_int_equal(docfields_apply_field(&cfg, &d, &e, &d, why, sizeof(why), &field),
			 -EINVAL);
	assert_string_equal(field, "received");
	e = (struct docfields_edit){ .ip_type = "copyright" };
	assert_int_equal(docfields_apply_field(&cfg, &d, &e, &d, why, sizeof(why), &field),
			 -EINVAL);
	assert_string_equal(field, "ip_type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_roundtrip),
		cmocka_unit_test(test_payload_strict),
		cmocka_unit_test(test_code128_reads_back),
		cmocka_unit_test(test_qr_reads_back),
		cmocka_unit_test(test_examine_cover_sheet),
		cmocka_unit_test(test_examine_refuses),
		cmocka_unit_test(test_examine_plain_pages),
		cmocka_unit_test(test_examine_frames),
		/* pages that look like our sheet, read or not */
		cmocka_unit_test(test_examine_layout),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_docfields),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
