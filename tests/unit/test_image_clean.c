/*
 * Speck removal and the blank measure keep and drop exactly the marks Leptonica's
 * pixSelectBySize() does (8-connected components, by their box), on made-up marks that test
 * the corners of the run search and on real scans binarised at several levels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>

#include <cmocka.h>
#include <leptonica/allheaders.h>

#include "compiler.h"
#include "firmware/image/clean.h"
#include "scans.h"

/* clean_despeckle(size) against pixSelectBySize(size, size, 8, either, greater than). */
static void same_as_leptonica(PIX *bin, unsigned size, const char *what)
{
	l_int32 before = 0, after = 0, same = 0;
	uint32_t removed = 0;
	PIX *ours = NULL, *theirs;

	theirs = pixSelectBySize(bin, (l_int32)size, (l_int32)size, 8, L_SELECT_IF_EITHER,
				 L_SELECT_IF_GT, NULL);
	assert_non_null(theirs);
	assert_int_equal(clean_despeckle(bin, size, &ours, &removed), 0);
	pixEqual(ours, theirs, &same);
	pixCountPixels(bin, &before, NULL);
	pixCountPixels(theirs, &after, NULL);
	if (!same || removed != (uint32_t)(before - after))
		fail_msg("%s, marks up to %ux%u: %u pixels removed, Leptonica removes %d%s", what,
			 size, size, removed, before - after, same ? "" : ", other pixels");
	pixDestroy(&ours);
	pixDestroy(&theirs);
}

/* Specks of every shape up to 5x5, touching at corners, across words and at the edges. */
static void test_made_up_marks(void **state)
{
	static const l_int32 widths[] = { 1, 31, 32, 33, 95, 300 };
	uint32_t seed = 7;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(widths); i++) {
		l_int32 w = widths[i], h = 40, x, y, k;
		unsigned size;
		PIX *bin = pixCreate(w, h, 1);

		assert_non_null(bin);
		for (k = 0; k < w * h / 12; k++) {
			seed = seed * 1103515245u + 12345u;
			x = (l_int32)((seed >> 8) % (uint32_t)w);
			y = (l_int32)((seed >> 20) % (uint32_t)h);
			pixSetPixel(bin, x, y, 1);
			/* Some grow into short strokes and blobs. */
			if (seed & 1)
				pixSetPixel(bin, MIN(x + 1, w - 1), y, 1);
			if (seed & 2)
				pixSetPixel(bin, x, MIN(y + 1, h - 1), 1);
			if ((seed & 12) == 12)
				pixRasterop(bin, x, y, 4, 3, PIX_SET, NULL, 0, 0);
		}
		/* A diagonal chain joined only at corners, and a solid row along the bottom. */
		for (k = 0; k < MIN(w, h); k++)
			pixSetPixel(bin, k, k, 1);
		pixRasterop(bin, 0, h - 1, w, 1, PIX_SET, NULL, 0, 0);
		/* Strokes that begin on a word and fill it, white before and after. */
		pixRasterop(bin, 0, 20, w, 3, PIX_CLR, NULL, 0, 0);
		pixRasterop(bin, 32, 21, 64, 1, PIX_SET, NULL, 0, 0);
		pixRasterop(bin, 0, 25, w, 3, PIX_CLR, NULL, 0, 0);
		pixRasterop(bin, 64, 26, 32, 1, PIX_SET, NULL, 0, 0);
		for (size = 1; size <= 5; size++)
			same_as_leptonica(bin, size, "made-up marks");
		pixDestroy(&bin);
	}
}

/* A blank sheet and a black one: inside the 5 mm band, all of it is content. */
static void test_blank_and_black(void **state)
{
	PIX *bin = pixCreate(1000, 1000, 1);

	(void)state;
	assert_non_null(bin);
	same_as_leptonica(bin, 2, "a blank sheet");
	pixSetAll(bin);
	same_as_leptonica(bin, 2, "a black sheet");
	assert_true(clean_blank_score(bin, 300) > 75);
	pixClearAll(bin);
	assert_true(clean_blank_score(bin, 300) == 0);
	pixDestroy(&bin);
}

/* Real ink and paper: the degraded scans of ../shared, thresholded light and dark. */
/* Thresholded light, mid and dark: more and fewer specks, strokes broken and joined. */
static void clean_scan(PIX *grey, const char *name)
{
	static const l_int32 levels[] = { 120, 170, 210 };
	size_t j;

	for (j = 0; j < ARRAY_SIZE(levels); j++) {
		PIX *bin = pixThresholdToBinary(grey, levels[j]), *red, *pix;
		l_int32 theirs = 0, n;
		char what[128];

		assert_non_null(bin);
		snprintf(what, sizeof(what), "%s at threshold %d", name, levels[j]);
		same_as_leptonica(bin, 2, what);
		same_as_leptonica(bin, 4, what);
		/* The blank measure: marks of 4 px or more on the 4x reduction, 5 mm in. */
		red = pixReduceRankBinaryCascade(bin, 1, 1, 0, 0);
		assert_non_null(red);
		n = (l_int32)lround(5.0 * 300 / 25.4 / 4.0);
		pixSetOrClearBorder(red, n, n, n, n, PIX_CLR);
		pix = pixSelectBySize(red, 4, 4, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL);
		assert_non_null(pix);
		pixCountPixels(pix, &theirs, NULL);
		assert_float_equal(clean_blank_score(bin, 300),
				   100.0 * theirs / ((double)pixGetWidth(red) * pixGetHeight(red)),
				   1e-9);
		pixDestroy(&pix);
		pixDestroy(&red);
		pixDestroy(&bin);
	}
}

static void test_real_scans(void **state)
{
	static const char *const pages[] = { "blurred-report", "catalogue-1962-faint",
					     "journal-1914", "typescript-1962" };

	(void)state;
	each_degraded_scan(pages, ARRAY_SIZE(pages), clean_scan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made_up_marks),
		cmocka_unit_test(test_blank_and_black),
		cmocka_unit_test(test_real_scans),
	};

	setMsgSeverity(L_SEVERITY_NONE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
