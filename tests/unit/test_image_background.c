/*
 * The binarisation's background map is exactly Leptonica's pixGetBackgroundGrayMapMorph(): on
 * made-up pages of every size class (narrower than the closing, not a multiple of the block,
 * with a black panel Leptonica fills) and on the real scans of ../shared at 150, 300 and
 * 600 dpi closings. The cut at the thresholds made from it blackens exactly the pixels
 * darker than their threshold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <leptonica/allheaders.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/image/binarize.h"
#include "scans.h"

static void same_as_leptonica(PIX *grey, unsigned dpi, const char *what)
{
	l_int32 same = 0;
	PIX *ours = NULL, *theirs = NULL;
	int r;

	r = binarize_background_map(grey, dpi, &ours);
	if (pixGetBackgroundGrayMapMorph(grey, NULL, 4, (l_int32)binarize_background_size(dpi),
					 &theirs) ||
	    !theirs) {
		if (r != -FOLIO_EFORMAT)
			fail_msg("%s at %u dpi: Leptonica finds no paper, ours returns %d", what,
				 dpi, r);
		return;
	}
	assert_int_equal(r, 0);
	pixEqual(ours, theirs, &same);
	if (!same)
		fail_msg("%s at %u dpi: map %dx%d differs from Leptonica's %dx%d", what, dpi,
			 pixGetWidth(ours), pixGetHeight(ours), pixGetWidth(theirs),
			 pixGetHeight(theirs));
	pixDestroy(&ours);
	pixDestroy(&theirs);
}

/* Paper shaded left to right, lines of ink, and optionally a black panel. */
static PIX *made_up_page(l_int32 w, l_int32 h, bool panel)
{
	PIX *pix = pixCreate(w, h, 8);
	uint32_t seed = 99;
	l_int32 x, y;

	assert_non_null(pix);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			seed = seed * 1103515245u + 12345u;
			pixSetPixel(pix, x, y, (l_uint32)(150 + 90 * x / w + (seed >> 28)));
		}
	for (y = 8; y + 3 < h; y += 14)
		pixRasterop(pix, 5, y, w / 2, 3, PIX_CLR, NULL, 0, 0);
	if (panel)
		pixRasterop(pix, w / 4, h / 4, w / 2, h / 3, PIX_CLR, NULL, 0, 0);
	return pix;
}

static void test_made_up_pages(void **state)
{
	static const l_int32 sizes[][2] = { { 1, 1 },	 { 3, 7 },     { 17, 40 },
					    { 63, 101 }, { 400, 213 }, { 1003, 1402 } };
	static const unsigned dpis[] = { 150, 300, 600 };
	size_t i, j;
	int panel;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		for (panel = 0; panel < 2; panel++) {
			PIX *pix = made_up_page(sizes[i][0], sizes[i][1], panel);
			char what[64];

			snprintf(what, sizeof(what), "a %dx%d page%s", sizes[i][0], sizes[i][1],
				 panel ? " with a black panel" : "");
			for (j = 0; j < ARRAY_SIZE(dpis); j++)
				same_as_leptonica(pix, dpis[j], what);
			pixDestroy(&pix);
		}
}

/* A black sheet: no paper, for Leptonica and for us. */
static void test_black_sheet(void **state)
{
	PIX *pix = pixCreate(200, 300, 8), *map = NULL;

	(void)state;
	assert_non_null(pix);
	assert_int_equal(binarize_background_map(pix, 300, &map), -FOLIO_EFORMAT);
	assert_null(map);
	same_as_leptonica(pix, 300, "a black sheet");
	pixDestroy(&pix);
}

static void background_scan(PIX *grey, const char *name)
{
	same_as_leptonica(grey, 150, name);
	same_as_leptonica(grey, 300, name);
	same_as_leptonica(grey, 600, name);
}

static void test_real_scans(void **state)
{
	static const char *const pages[] = { "blue-typescript-1", "blurred-report",
					     "catalogue-1962-faint", "journal-1914",
					     "typescript-1962" };

	(void)state;
	each_degraded_scan(pages, ARRAY_SIZE(pages), background_scan);
}

/* Every pixel value against every threshold, at widths around 32 pixels and a page's. */
static void test_threshold_row(void **state)
{
	static const uint32_t widths[] = { 1, 3, 4, 5, 31, 32, 33, 63, 64, 65, 95, 127, 129, 2480 };
	uint32_t seed = 7;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(widths); i++) {
		uint32_t w = widths[i], bw = (w + 3) / 4, owpl = (w + 31) / 32;
		PIX *row = pixCreate((l_int32)w, 1, 8);
		uint8_t *t = malloc(bw);
		uint32_t *out = malloc(owpl * sizeof(*out));

		assert_non_null(row);
		assert_non_null(t);
		assert_non_null(out);
		for (int round = 0; round < 300; round++) {
			l_uint32 *g = pixGetData(row);

			for (uint32_t k = 0; k < bw; k++) {
				seed = seed * 1103515245u + 12345u;
				g[k] = seed ^ seed >> 15;
				t[k] = (uint8_t)(round < 256 ? (uint32_t)round : seed >> 24);
			}
			binarize_threshold_row(g, t, bw, w, out, owpl);
			for (uint32_t x = 0; x < owpl * 32; x++) {
				unsigned want = x < w && GET_DATA_BYTE(g, x) < t[x / 4];

				if (GET_DATA_BIT(out, x) != want)
					fail_msg(
					    "width %u, pixel %u (%u, threshold %u) came out %s", w,
					    x, x < w ? GET_DATA_BYTE(g, x) : 0,
					    x < w ? t[x / 4] : 0, want ? "white" : "black");
			}
		}
		pixDestroy(&row);
		free(t);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made_up_pages),
		cmocka_unit_test(test_threshold_row),
		cmocka_unit_test(test_black_sheet),
		cmocka_unit_test(test_real_scans),
	};

	setMsgSeverity(L_SEVERITY_NONE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
