/*
 * Cover sheets end to end on real rasters: the PDFs `folio coversheet` prints, rasterised by
 * poppler's pdftoppm at 200 and 300 dpi in grey and bitonal, must all be read by
 * index_examine(); then a stack of generated dossiers (build/bin/pagegen) with cover sheets
 * between them must come apart into the right documents with the right fields. Sheets as a
 * feeder delivers them (skewed by 5 degrees either way, upside down, as the back side of a
 * sheet fed face down) are read; one blurred past reading is still taken for a cover sheet and
 * flagged; content pages, forms with barcodes of their own among them, never are.
 * Needs pdftoppm (poppler-utils) and pagegen; skipped (77) without them. pagegen runs through
 * FOLIO_RUNNER when it is set (qemu-user for a cross-built board, see tests/run.sh).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "compiler.h"

#include "firmware/index/barcode.h"
#include "firmware/index/coversheet.h"
#include "firmware/index/separate.h"
#include "tests/unit/raster.h"

static const char conf_text[] = "[station]\nid = T\noffice = KE\n"
				"[index]\npatent_pattern = KE/P/YYYY/NNNNNN\n"
				"patent_codes = APPFORM CLAIMS DRAW\n";
static struct folio_config cfg;

static const struct coversheet sheets[] = {
	{ "KE", IP_PATENT, "KE/P/2024/000123", "APPFORM", "2024-05-02" },
	{ "KE", IP_TRADEMARK, "502024000012345", "TMAPP", "" },
	{ "EP", IP_DESIGN, "802023000000017", "DRAW-2", "2023-11-30" },
};

static int setup(void **state)
{
	(void)state;
	if (system("command -v pdftoppm >/dev/null 2>&1") != 0) {
		printf("skipped: pdftoppm not installed (apt-get install poppler-utils)\n");
		exit(77);
	}
	return config_load_string("test.conf", conf_text, &cfg, NULL);
}

static void check_fields(const struct index_sheet *s, const struct coversheet *c, const char *what)
{
	if (!s->separator)
		fail_msg("%s: not read as a cover sheet (%s)", what, s->why);
	assert_string_equal(s->doc.office, c->office);
	assert_int_equal(s->doc.ip_type, c->ip_type);
	assert_string_equal(s->doc.application, c->application);
	assert_string_equal(s->doc.document_code, c->document_code);
	assert_string_equal(s->doc.received, c->received);
}

static void test_rasters_read(void **state)
{
	static const struct {
		int dpi;
		const char *mode, *ext;
	} renders[] = {
		{ 200, "-gray", "pgm" },
		{ 200, "-mono", "pbm" },
		{ 300, "-gray", "pgm" },
		{ 300, "-mono", "pbm" },
	};
	unsigned read = 0, total = 0;
	double secs = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(sheets) / sizeof(sheets[0]); i++) {
		char pdf[32];

		snprintf(pdf, sizeof(pdf), "cover%zu.pdf", i);
		assert_int_equal(coversheet_write_pdf(&sheets[i], pdf), 0);
		for (size_t k = 0; k < sizeof(renders) / sizeof(renders[0]); k++) {
			char out[64], file[80], what[160];
			struct index_sheet s;
			struct frame f;
			struct timespec a, b;

			snprintf(out, sizeof(out), "r%zu-%d%s", i, renders[k].dpi, renders[k].mode);
			run("pdftoppm -r %d %s -singlefile %s %s", renders[k].dpi, renders[k].mode,
			    pdf, out);
			snprintf(file, sizeof(file), "%s.%s", out, renders[k].ext);
			assert_int_equal(read_pnm(file, &f), 0);
			f.dpi = (uint32_t)renders[k].dpi;
			clock_gettime(CLOCK_MONOTONIC, &a);
			assert_int_equal(index_examine(&f, &cfg, &s), 0);
			clock_gettime(CLOCK_MONOTONIC, &b);
			secs +=
			    (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
			snprintf(what, sizeof(what), "%s (%s)", file, sheets[i].application);
			check_fields(&s, &sheets[i], what);
			/* Both symbols are read at both resolutions. */
			if (s.why[0])
				fail_msg("%s: %s", what, s.why);
			read++;
			total++;
			free(f.data);
		}
	}
	printf("figure: %u of %u cover-sheet rasters read (200 and 300 dpi, grey and bitonal), "
	       "%.0f ms per page\n",
	       read, total, 1000 * secs / total);
}

static void test_stack_separates(void **state)
{
	/* cover 0, 2 pages, cover 1, 3 pages, cover 2, 1 page */
	static const int stack[] = { -1, 0, 0, -2, 1, 1, 1, -3, 2 };
	static const uint32_t want_doc[] = { 1, 1, 1, 2, 2, 2, 2, 3, 3 };
	const char *build = getenv("FOLIO_BUILD");
	const char *runner = getenv("FOLIO_RUNNER");
	struct index_split split;
	uint32_t pages_in[4] = { 0 };
	int next_page[3] = { 1, 1, 1 };

	(void)state;
	if (!build) {
		printf("skipped: FOLIO_BUILD not set (run through tests/run.sh)\n");
		skip();
	}
	/* pagegen is from the build under test: a cross-built one runs through FOLIO_RUNNER. */
	if (!runner)
		runner = "";
	for (int d = 0; d < 3; d++)
		run("%s %s/bin/pagegen --out dossier%d --count 3 --dpi 300 --format pnm --seed %d "
		    ">/dev/null",
		    runner, build, d, 11 + d);
	for (size_t i = 0; i < 3; i++) {
		char pdf[32];

		snprintf(pdf, sizeof(pdf), "stack%zu.pdf", i);
		assert_int_equal(coversheet_write_pdf(&sheets[i], pdf), 0);
		run("pdftoppm -r 300 -gray -singlefile %s stack%zu", pdf, i);
	}

	index_split_init(&split, 1, 0);
	for (size_t i = 0; i < sizeof(stack) / sizeof(stack[0]); i++) {
		char file[64];
		struct index_sheet s;
		struct index_step st;
		struct frame f;

		if (stack[i] < 0)
			snprintf(file, sizeof(file), "stack%d.pgm", -stack[i] - 1);
		else
			snprintf(file, sizeof(file), "dossier%d/page-%04d.pnm", stack[i],
				 next_page[stack[i]]++);
		assert_int_equal(read_pnm(file, &f), 0);
		f.dpi = 300;
		assert_int_equal(index_examine(&f, &cfg, &s), 0);
		free(f.data);
		index_split_page(&split, &s, &st);
		if (st.document != want_doc[i])
			fail_msg("page %zu (%s) went to document %u, not %u", i + 1, file,
				 st.document, want_doc[i]);
		if (stack[i] < 0) {
			check_fields(&s, &sheets[-stack[i] - 1], file);
			assert_int_equal(st.flags, PAGE_FLAG_SEPARATOR);
			assert_true(st.put_document);
		} else {
			/* Dossier pages are never taken for cover sheets or flagged. */
			if (s.separator || s.unreadable)
				fail_msg("dossier page %s: separator %d unreadable %d (%s)", file,
					 s.separator, s.unreadable, s.why);
			assert_int_equal(st.flags, 0);
			pages_in[st.document]++;
		}
	}
	assert_int_equal(pages_in[1], 2);
	assert_int_equal(pages_in[2], 3);
	assert_int_equal(pages_in[3], 1);
	printf("figure: stack of 9 sheets separated into 3 documents of 2, 3 and 1 pages\n");
}

/* ---- sheets as a feeder delivers them: skewed, turned, blurred; forms with barcodes ---- */

/* @f blurred in place by a (2r+1)-pixel box, rows then columns, like out-of-focus optics. */
static void blurred(struct frame *f, uint32_t r)
{
	uint8_t *line = malloc(MAX(f->width, f->height));

	assert_non_null(line);
	for (int pass = 0; pass < 2; pass++) {
		uint32_t n = pass ? f->height : f->width, lines = pass ? f->width : f->height;
		size_t step = pass ? f->bytes_per_line : 1, next = pass ? 1 : f->bytes_per_line;

		for (uint32_t l = 0; l < lines; l++) {
			uint8_t *p = f->data + l * next;
			unsigned sum = 0;

			for (uint32_t i = 0; i < n; i++)
				line[i] = p[i * step];
			for (uint32_t i = 0; i < n + r; i++) {
				if (i < n)
					sum += line[i];
				if (i >= 2 * r + 1)
					sum -= line[i - 2 * r - 1];
				if (i >= r)
					p[(i - r) * step] =
					    (uint8_t)(sum / (MIN(i, n - 1) -
							     (i > 2 * r ? i - 2 * r : 0) + 1));
			}
		}
	}
	free(line);
}

/* A Code 128 of @data across a form page, at @x, @y, @module pixels a module, bars @h tall. */
static void print_code128(struct frame *f, const char *data, uint32_t x, uint32_t y,
			  uint32_t module, uint32_t h)
{
	uint8_t *m;
	size_t n;

	assert_int_equal(barcode_code128(data, strlen(data), &m, &n), 0);
	for (uint32_t row = y; row < y + h; row++)
		for (size_t i = 0; i < n * module; i++)
			if (m[i / module])
				f->data[(size_t)row * f->bytes_per_line + x + i] = 0;
	free(m);
}

static void print_qr(struct frame *f, const char *data, uint32_t x, uint32_t y, uint32_t module)
{
	uint8_t *m;
	size_t w;

	assert_int_equal(barcode_qr(data, strlen(data), &m, &w), 0);
	for (size_t r = 0; r < w * module; r++)
		for (size_t c = 0; c < w * module; c++)
			if (m[(r / module) * w + c / module])
				f->data[(y + r) * f->bytes_per_line + x + c] = 0;
	free(m);
}

static void test_fed_sheets(void **state)
{
	static const struct {
		int dpi;
		double deg;
	} feeds[] = {
		{ 300, 5 }, { 300, -5 }, { 300, 180 }, { 300, 175 },
		{ 200, 5 }, { 200, -5 }, { 200, 180 }, { 200, 185 },
	};
	double secs = 0;

	(void)state;
	assert_int_equal(coversheet_write_pdf(&sheets[0], "fed.pdf"), 0);
	run("pdftoppm -r 200 -gray -singlefile fed.pdf fed200");
	run("pdftoppm -r 300 -gray -singlefile fed.pdf fed300");
	for (size_t i = 0; i < sizeof(feeds) / sizeof(feeds[0]); i++) {
		struct frame f, t;
		struct index_sheet s;
		char what[64];
		double t0;

		assert_int_equal(read_pnm(feeds[i].dpi == 200 ? "fed200.pgm" : "fed300.pgm", &f),
				 0);
		f.dpi = (uint32_t)feeds[i].dpi;
		t = turned(&f, feeds[i].deg);
		snprintf(what, sizeof(what), "%d dpi turned %.0f degrees", feeds[i].dpi,
			 feeds[i].deg);
		t0 = seconds();
		assert_int_equal(index_examine(&t, &cfg, &s), 0);
		secs += seconds() - t0;
		check_fields(&s, &sheets[0], what);
		if (s.unreadable)
			fail_msg("%s: %s", what, s.why);
		free(t.data);
		free(f.data);
	}
	printf("figure: our sheet read skewed -5/+5 degrees and upside down at 200 and 300 dpi "
	       "(%zu feeds), %.0f ms per sheet\n",
	       sizeof(feeds) / sizeof(feeds[0]), 1000 * secs / (sizeof(feeds) / sizeof(feeds[0])));
}

static void test_damaged_sheet(void **state)
{
	static const int dpis[] = { 200, 300 };

	(void)state;
	assert_int_equal(coversheet_write_pdf(&sheets[1], "damaged.pdf"), 0);
	for (size_t i = 0; i < 2; i++) {
		struct frame f;
		struct index_sheet s;
		char file[32];

		run("pdftoppm -r %d -gray -singlefile damaged.pdf damaged%d", dpis[i], dpis[i]);
		snprintf(file, sizeof(file), "damaged%d.pgm", dpis[i]);
		assert_int_equal(read_pnm(file, &f), 0);
		f.dpi = (uint32_t)dpis[i];
		/* Out of focus by about 2 mm: no symbol survives, the layout does. */
		blurred(&f, (uint32_t)(dpis[i] / 12));
		assert_int_equal(index_examine(&f, &cfg, &s), 0);
		if (!s.separator || !s.unreadable)
			fail_msg("%d dpi blurred sheet: separator %d unreadable %d (%s)", dpis[i],
				 s.separator, s.unreadable, s.why);
		assert_string_equal(s.doc.application, "");
		free(f.data);

		/* Torn: its lower 40% gone (the end of the Code 128, most of the QR Code). */
		assert_int_equal(read_pnm(file, &f), 0);
		f.dpi = (uint32_t)dpis[i];
		memset(f.data + (size_t)(f.height * 6 / 10) * f.bytes_per_line, 255,
		       (size_t)(f.height - f.height * 6 / 10) * f.bytes_per_line);
		assert_int_equal(index_examine(&f, &cfg, &s), 0);
		if (!s.separator || !s.unreadable)
			fail_msg("%d dpi torn sheet: separator %d unreadable %d (%s)", dpis[i],
				 s.separator, s.unreadable, s.why);
		free(f.data);
	}
	printf("figure: a cover sheet blurred past reading, or torn, is still a cover sheet, "
	       "flagged (200 and 300 dpi)\n");
}

static void test_content_pages(void **state)
{
	const char *build = getenv("FOLIO_BUILD");
	const char *runner = getenv("FOLIO_RUNNER");
	double quick = 0, whole = 0;
	unsigned pages = 0;

	(void)state;
	if (!build) {
		printf("skipped: FOLIO_BUILD not set (run through tests/run.sh)\n");
		skip();
	}
	run("%s %s/bin/pagegen --out content --count 4 --dpi 300 --format pnm --seed 21 "
	    ">/dev/null",
	    runner ? runner : "", build);
	for (int i = 1; i <= 4; i++) {
		struct frame f;
		struct index_sheet s;
		char file[64];
		double t0;

		snprintf(file, sizeof(file), "content/page-%04d.pnm", i);
		assert_int_equal(read_pnm(file, &f), 0);
		f.dpi = 300;
		if (i >=
		    3) { /* forms: a label's Code 128 and QR Code, one of them along the edge */
			print_code128(&f, "SHIP-000123-KE-NAIROBI", 1200, 150, 4, 180);
			print_qr(&f, "https://example.org/form/42?ref=KE-P-2024-000123", 1700, 2600,
				 12);
			if (i == 4)
				for (uint32_t k = 0; k < 30;
				     k++) /* a tall strip of bars at the edge */
					print_code128(&f, "LABEL-7", 120, 300 + 100 * k, 2, 40);
		}
		t0 = seconds();
		assert_int_equal(index_examine(&f, &cfg, &s), 0);
		quick += seconds() - t0;
		if (s.separator || s.unreadable)
			fail_msg("%s taken for a cover sheet (%s)", file, s.why);
		t0 = seconds();
		assert_int_equal(
		    index_examine_grey(f.data, f.width, f.height, f.bytes_per_line, &cfg, &s), 0);
		whole += seconds() - t0;
		assert_false(s.separator || s.unreadable);
		free(f.data);
		pages++;
	}
	printf("figure: content page (A4 300 dpi, 2 of 4 with barcodes): cover-sheet search "
	       "%.1f ms, whole-page zbar %.0f ms (%.0fx)\n",
	       1000 * quick / pages, 1000 * whole / pages, whole / quick);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rasters_read),  cmocka_unit_test(test_stack_separates),
		cmocka_unit_test(test_fed_sheets),    cmocka_unit_test(test_damaged_sheet),
		cmocka_unit_test(test_content_pages),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
