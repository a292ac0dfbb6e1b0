/*
 * Patch codes on real rasters: the sheets `folio coversheet --patch` prints (patchcode_write_pdf),
 * rasterised by poppler's pdftoppm at 200 and 300 dpi in grey and bitonal, skewed by 5 degrees
 * either way and turned upside down, must read as their type; a one-patch sheet (as other
 * capture software prints them) fed upside down reads as its type too. Pages with bars, rules,
 * tables and barcodes of their own, and patches that break the standard (bars too short, widths
 * wrong), never read as patches. Needs pdftoppm (poppler-utils); skipped (77) without it.
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
#include <cmocka.h>

#include "compiler.h"

#include "firmware/index/barcode.h"
#include "firmware/index/patchcode.h"
#include "firmware/index/separate.h"
#include "tests/unit/raster.h"

static int setup(void **state)
{
	(void)state;
	if (system("command -v pdftoppm >/dev/null 2>&1") != 0) {
		printf("skipped: pdftoppm not installed (apt-get install poppler-utils)\n");
		exit(77);
	}
	return 0;
}

/* The sheet of @t rendered at @dpi by pdftoppm with @mode ("-gray" or "-mono"). */
static struct frame rendered(enum patch_type t, int dpi, const char *mode)
{
	char pdf[32], out[64], file[80];
	struct frame f;

	snprintf(pdf, sizeof(pdf), "patch-%s.pdf", patchcode_name(t));
	assert_int_equal(patchcode_write_pdf(t, pdf), 0);
	snprintf(out, sizeof(out), "patch-%s-%d%s", patchcode_name(t), dpi, mode);
	run("pdftoppm -r %d %s -singlefile %s %s", dpi, mode, pdf, out);
	snprintf(file, sizeof(file), "%s.%s", out, strcmp(mode, "-mono") ? "pgm" : "pbm");
	assert_int_equal(read_pnm(file, &f), 0);
	f.dpi = (uint32_t)dpi;
	return f;
}

/* A blank grey A4 page at @dpi. */
static struct frame blank(int dpi)
{
	struct frame f = { .depth = 8, .channels = 1, .dpi = (uint32_t)dpi };

	f.width = (uint32_t)lround(210 / 25.4 * dpi);
	f.height = (uint32_t)lround(297 / 25.4 * dpi);
	f.bytes_per_line = f.width;
	f.data = malloc((size_t)f.width * f.height);
	assert_non_null(f.data);
	memset(f.data, 250, (size_t)f.width * f.height);
	return f;
}

/* A black box from (@x0, @y0) to (@x1, @y1) in millimetres. */
static void box(struct frame *f, double x0, double y0, double x1, double y1)
{
	double k = f->dpi / 25.4;

	for (long y = lround(y0 * k); y < lround(y1 * k) && y < (long)f->height; y++)
		for (long x = lround(x0 * k); x < lround(x1 * k) && x < (long)f->width; x++)
			f->data[(size_t)y * f->bytes_per_line + (size_t)x] = 10;
}

/* Four bars of widths @w (mm) with @space mm between them from @y mm down, @x0..@x1 mm. */
static void bars(struct frame *f, const double w[4], double space, double y, double x0, double x1)
{
	for (int i = 0; i < 4; i++) {
		box(f, x0, y, x1, y + w[i]);
		y += w[i] + space;
	}
}

static enum patch_type found(const struct frame *f, struct patchcode *ret)
{
	struct patchcode p;

	assert_int_equal(patchcode_find(f, &p), 0);
	if (ret)
		*ret = p;
	return p.type;
}

static const enum patch_type all[] = { PATCH_1, PATCH_2, PATCH_3, PATCH_4, PATCH_T, PATCH_6 };

static void test_printed_sheets_read(void **state)
{
	static const struct {
		int dpi;
		const char *mode;
	} renders[] = { { 200, "-gray" }, { 200, "-mono" }, { 300, "-gray" }, { 300, "-mono" } };
	unsigned read = 0, total = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		for (size_t k = 0; k < sizeof(renders) / sizeof(renders[0]); k++) {
			struct frame f = rendered(all[i], renders[k].dpi, renders[k].mode);
			struct patchcode p;

			if (found(&f, &p) != all[i])
				fail_msg("patch %s at %d dpi %s read as '%s'",
					 patchcode_name(all[i]), renders[k].dpi, renders[k].mode,
					 patchcode_name(p.type));
			assert_false(p.upside_down);
			/* 1 in from the top edge, as printed */
			assert_true(fabs(p.y * 25.4 / renders[k].dpi - 25.4) < 1.0);
			read++;
			total++;
			free(f.data);
		}
	printf("figure: %u of %u printed patch sheets read (1, 2, 3, 4, T, 6; 200 and 300 dpi, "
	       "grey and bitonal)\n",
	       read, total);
}

static void test_fed_sheets_read(void **state)
{
	static const double turns[] = { -5, 5, 180, 175, 185 };
	static const enum patch_type types[] = { PATCH_2, PATCH_3, PATCH_T };
	static const int dpis[] = { 200, 300 };
	unsigned read = 0, total = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		for (size_t d = 0; d < 2; d++) {
			struct frame f = rendered(types[i], dpis[d], "-gray");

			for (size_t k = 0; k < sizeof(turns) / sizeof(turns[0]); k++) {
				struct frame t = turned(&f, turns[k]);
				enum patch_type got = found(&t, NULL);

				if (got != types[i])
					fail_msg("patch %s at %d dpi turned %.0f deg read as '%s'",
						 patchcode_name(types[i]), dpis[d], turns[k],
						 patchcode_name(got));
				read++;
				total++;
				free(t.data);
			}
			free(f.data);
		}
	printf("figure: %u of %u fed patch sheets read (2, 3, T; 200 and 300 dpi; skewed -5/+5 "
	       "degrees, upside down, upside down and skewed)\n",
	       read, total);
}

/* A sheet with one patch at its top, as other software prints them, fed upside down: the
 * bottom zone read upwards gives its type, not the reversed pattern (3 would read as T). */
static void test_one_patch_upside_down(void **state)
{
	static const double w3[4] = { 5.08, 2.03, 5.08, 2.03 }; /* W N W N */
	struct frame f = blank(300), t;
	struct patchcode p;

	(void)state;
	bars(&f, w3, 2.03, 30, 20, 190);
	assert_int_equal(found(&f, &p), PATCH_3);
	assert_false(p.upside_down);
	t = turned(&f, 180);
	assert_int_equal(found(&t, &p), PATCH_3);
	assert_true(p.upside_down);
	free(t.data);
	free(f.data);
}

/* What is not a patch: wrong widths, bars too short, too many bars, no paper around it. */
static void test_near_misses(void **state)
{
	static const double ok[4] = { 2.03, 5.08, 2.03, 5.08 }; /* T */
	static const double even[4] = { 3.5, 3.5, 3.5, 3.5 };
	static const double thin[4] = { 0.8, 2.0, 0.8, 2.0 };
	struct frame f;

	(void)state;
	f = blank(300); /* the standard's patch, bars only 30 mm long */
	bars(&f, ok, 2.03, 30, 20, 50);
	assert_int_equal(found(&f, NULL), PATCH_NONE);
	free(f.data);

	f = blank(300); /* 40 mm: read */
	bars(&f, ok, 2.03, 30, 20, 64);
	assert_int_equal(found(&f, NULL), PATCH_T);
	free(f.data);

	f = blank(300); /* four even bars */
	bars(&f, even, 2.03, 30, 20, 190);
	assert_int_equal(found(&f, NULL), PATCH_NONE);
	free(f.data);

	f = blank(200); /* thin ones */
	bars(&f, thin, 2.03, 30, 20, 190);
	assert_int_equal(found(&f, NULL), PATCH_NONE);
	free(f.data);

	f = blank(300); /* spaces twice as wide */
	bars(&f, ok, 4.5, 30, 20, 190);
	assert_int_equal(found(&f, NULL), PATCH_NONE);
	free(f.data);

	f = blank(300); /* a fifth bar right after it */
	bars(&f, ok, 2.03, 30, 20, 190);
	box(&f, 20, 30 + 20.32 + 2.03, 190, 30 + 20.32 + 4.06);
	assert_int_equal(found(&f, NULL), PATCH_NONE);
	free(f.data);

	f = blank(300); /* further than 4 in from either edge: not where a patch is read */
	bars(&f, ok, 2.03, 140, 20, 190);
	assert_int_equal(found(&f, NULL), PATCH_NONE);
	free(f.data);
}

/* Content pages: a table, heavy rules, a barcode label, a dark letterhead band, text. */
static void test_content_pages_are_not_patches(void **state)
{
	struct frame f = blank(300);
	uint8_t *m;
	size_t n;
	double t0, secs;
	enum patch_type got;

	(void)state;
	/* a letterhead: a 12 mm band and a 2 mm rule under it */
	box(&f, 0, 8, 210, 20);
	box(&f, 15, 23, 195, 25);
	/* a table: rules 0.4 mm every 6 mm, a header row 2 mm thick, columns */
	box(&f, 15, 30, 195, 32);
	for (int i = 0; i < 12; i++)
		box(&f, 15, 36 + 6.0 * i, 195, 36.4 + 6.0 * i);
	for (int c = 0; c < 5; c++)
		box(&f, 15 + 45.0 * c, 30, 15.4 + 45.0 * c, 108);
	/* a Code 128 label printed with its bars across the page, as on a form */
	assert_int_equal(barcode_code128("FORM-2024-000123", 16, &m, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (m[i])
			box(&f, 60, 112 + 0.5 * (double)i, 150, 112.5 + 0.5 * (double)i);
	free(m);
	/* heavy rules in a 2-5-2-5 mm rhythm, bars 20 mm long 10 mm apart (a bar chart) */
	for (int c = 0; c < 6; c++) {
		static const double w[4] = { 2.03, 5.08, 2.03, 5.08 };

		bars(&f, w, 2.03, 200, 15 + 30.0 * c, 35 + 30.0 * c);
	}
	t0 = seconds();
	got = found(&f, NULL);
	secs = seconds() - t0;
	if (got != PATCH_NONE)
		fail_msg("a content page read as patch %s", patchcode_name(got));
	printf("figure: patch search on a 300 dpi A4 content page: %.2f ms\n", secs * 1000);
	free(f.data);
}

/* The profile's map: which sheets split, which are plain pages, which are dropped. */
static void test_split_follows_profile(void **state)
{
	/* plain, T, plain, plain, 2, 3 (a second sheet: nothing new), plain, 6 (ignored) */
	static const int feed[] = { 0, PATCH_T, 0, 0, PATCH_2, PATCH_3, 0, PATCH_6 };
	static const uint32_t want_doc[] = { 1, 2, 2, 2, 3, 3, 3, 3 };
	static const bool want_sep[] = { false, true, false, false, true, true, false, false };
	static const bool want_put[] = { false, true, false, false, true, false, false, false };
	struct scan_profile p = { .patch_sheets = PATCH_SHEET_KEEP };
	struct index_split split;
	struct index_step step;

	(void)state;
	p.patch[PATCH_2] = p.patch[PATCH_3] = p.patch[PATCH_T] = PATCH_ACTION_NEW_DOCUMENT;
	index_split_init(&split, 1, 0);
	assert_false(index_split_wants_patches(&split)); /* until the profile is given */
	index_split_profile(&split, &p);
	assert_true(index_split_wants_patches(&split));
	for (size_t i = 0; i < sizeof(feed) / sizeof(feed[0]); i++) {
		struct index_sheet sheet = { .patch = feed[i] };

		index_split_page(&split, &sheet, &step);
		assert_int_equal(step.document, want_doc[i]);
		assert_int_equal(!!(step.flags & PAGE_FLAG_SEPARATOR), want_sep[i]);
		assert_int_equal(step.put_document, want_put[i]);
		assert_false(step.drop);
	}
	p.patch_sheets = PATCH_SHEET_DROP;
	index_split_profile(&split, &p);
	index_split_page(&split, &(struct index_sheet){ .patch = PATCH_T }, &step);
	assert_true(step.drop);
	assert_int_equal(step.document, 4);
}

/* new-batch: a batch with pages closes at the sheet, which (kept) is the next batch's first
 * page; on a batch without pages it starts nothing; with sheets being inserted it starts a
 * document instead. */
static void test_split_new_batch(void **state)
{
	/* 2 (new document), plain, T (new batch), plain, T (closes that one too), plain */
	static const int feed[] = { 0, PATCH_2, 0, PATCH_T, 0, PATCH_T, 0 };
	static const uint32_t want_doc[] = { 1, 2, 2, 1, 1, 1, 1 };
	static const bool want_new_batch[] = { false, false, false, true, false, true, false };
	struct scan_profile p = { .patch_sheets = PATCH_SHEET_KEEP };
	struct index_split split;
	struct index_step step;

	(void)state;
	p.patch[PATCH_2] = PATCH_ACTION_NEW_DOCUMENT;
	p.patch[PATCH_T] = PATCH_ACTION_NEW_BATCH;
	index_split_init(&split, 1, 0);
	index_split_profile(&split, &p);
	for (size_t i = 0; i < sizeof(feed) / sizeof(feed[0]); i++) {
		struct index_sheet sheet = { .patch = feed[i] };

		index_split_page(&split, &sheet, &step);
		assert_int_equal(step.document, want_doc[i]);
		assert_int_equal(step.new_batch, want_new_batch[i]);
		assert_int_equal(!!(step.flags & PAGE_FLAG_SEPARATOR), feed[i] != 0);
		assert_false(step.put_document && step.new_batch);
	}
	/* two in a row: the second finds a batch without pages */
	index_split_page(&split, &(struct index_sheet){ .patch = PATCH_T }, &step);
	assert_true(step.new_batch);
	index_split_page(&split, &(struct index_sheet){ .patch = PATCH_T }, &step);
	assert_false(step.new_batch);

	/* a batch resumed with pages but none in its last document still closes */
	index_split_init(&split, 3, 0);
	split.batch_pages = 5;
	index_split_profile(&split, &p);
	index_split_page(&split, &(struct index_sheet){ .patch = PATCH_T }, &step);
	assert_true(step.new_batch);
	assert_int_equal(step.document, 1);

	/* inserting: the sheet starts a document in the same batch */
	index_split_init(&split, 1, 2);
	index_split_profile(&split, &p);
	split.one_batch = true;
	index_split_page(&split, &(struct index_sheet){ .patch = PATCH_T }, &step);
	assert_false(step.new_batch);
	assert_true(step.new_document);
	assert_int_equal(step.document, 2);
}

static void test_names(void **state)
{
	enum patch_type t;

	(void)state;
	assert_int_equal(patchcode_parse("t", &t), 0);
	assert_int_equal(t, PATCH_T);
	assert_int_equal(patchcode_parse("2", &t), 0);
	assert_int_equal(t, PATCH_2);
	assert_int_equal(patchcode_parse("5", &t), -EINVAL);
	assert_int_equal(patchcode_parse("", &t), -EINVAL);
	assert_string_equal(patchcode_name(PATCH_6), "6");
	assert_string_equal(patchcode_name(PATCH_NONE), "");
	assert_int_equal(patchcode_write_pdf(PATCH_NONE, "none.pdf"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_split_follows_profile),
		cmocka_unit_test(test_split_new_batch),
		cmocka_unit_test(test_printed_sheets_read),
		cmocka_unit_test(test_fed_sheets_read),
		cmocka_unit_test(test_one_patch_upside_down),
		cmocka_unit_test(test_near_misses),
		cmocka_unit_test(test_content_pages_are_not_patches),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
