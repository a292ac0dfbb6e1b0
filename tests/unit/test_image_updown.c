/*
 * updown_detect() gives the confidence Leptonica's pixUpDownDetect() gives, bit for bit, and
 * updown_close() its closing pixel for pixel: on made-up text of odd sizes, on specks of
 * every density on pages smaller and a little larger than the closing's bricks, on pages
 * with nothing to count, and on the real scans of ../shared at 150 dpi, upright, upside down
 * and on their side.
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
#include "firmware/image/updown.h"
#include "scans.h"

/* The closing, pixel for pixel. */
static void same_closing(PIX *bin, const char *what)
{
	PIX *ours = updown_close(bin), *theirs = pixMorphCompSequence(bin, "c1.8 + c30.1", 0);
	l_int32 same = 0;

	assert_non_null(ours);
	assert_non_null(theirs);
	assert_int_equal(pixEqual(ours, theirs, &same), 0);
	if (!same)
		fail_msg("%s (%dx%d): the closing differs from Leptonica's", what, pixGetWidth(bin),
			 pixGetHeight(bin));
	pixDestroy(&ours);
	pixDestroy(&theirs);
}

static void same_as_leptonica(PIX *bin, const char *what)
{
	float ours = -99, theirs = -99;

	same_closing(bin, what);

	assert_int_equal(pixUpDownDetect(bin, &theirs, 0, 0, 0), 0);
	assert_int_equal(updown_detect(bin, &ours), 0);
	if (ours != theirs)
		fail_msg("%s (%dx%d): confidence %.4f, Leptonica %.4f", what, pixGetWidth(bin),
			 pixGetHeight(bin), ours, theirs);
}

/*
 * Lines of letter-like marks at the edges of the page and across word boundaries: x-height
 * boxes, some with a stem up (ascender) or down (descender), a few ON pixels in the pad.
 */
static PIX *made_up_text(l_int32 w, l_int32 h)
{
	PIX *pix = pixCreate(w, h, 1);
	uint32_t seed = 11;
	l_int32 x, y;

	assert_non_null(pix);
	for (y = 2; y + 14 < h; y += 17)
		for (x = (y / 17) % 3; x + 4 < w;) {
			seed = seed * 1103515245u + 12345u;
			pixRasterop(pix, x, y + 5, 4, 5, PIX_SET, NULL, 0, 0);
			if ((seed >> 12) % 3 == 0)
				pixRasterop(pix, x, y, 1, 6, PIX_SET, NULL, 0, 0);
			else if ((seed >> 12) % 3 == 1)
				pixRasterop(pix, x + 3, y + 9, 1, 5, PIX_SET, NULL, 0, 0);
			x += 5 + (l_int32)((seed >> 20) % 4) + ((seed & 7) == 0 ? 8 : 0);
		}
	return pix;
}

static void test_made_up_text(void **state)
{
	static const l_int32 sizes[][2] = { { 620, 877 }, { 1240, 1754 }, { 33, 300 },
					    { 31, 64 },	  { 95, 95 },	  { 400, 41 } };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		PIX *pix = made_up_text(sizes[i][0], sizes[i][1]), *turned;

		same_as_leptonica(pix, "made-up text");
		turned = pixRotate180(NULL, pix);
		assert_non_null(turned);
		same_as_leptonica(turned, "made-up text upside down");
		pixDestroy(&turned);
		turned = pixRotate90(pix, 1);
		assert_non_null(turned);
		same_as_leptonica(turned, "made-up text on its side");
		pixDestroy(&turned);
		pixDestroy(&pix);
	}
}

/* Specks and gaps of every length near 8 and 30, at widths around a word and pages smaller
 * than the bricks, with ON pixels in the pad */
static void test_closing_edges(void **state)
{
	static const l_int32 sizes[][2] = { { 1, 1 },	{ 7, 5 },    { 29, 9 },	   { 30, 8 },
					    { 31, 40 }, { 32, 33 },  { 33, 17 },   { 63, 70 },
					    { 64, 64 }, { 65, 100 }, { 200, 130 }, { 611, 47 } };
	uint32_t seed = 5;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		for (int density = 1; density <= 3; density++) {
			PIX *pix = pixCreate(sizes[i][0], sizes[i][1], 1);
			l_uint32 *d;

			assert_non_null(pix);
			d = pixGetData(pix);
			for (l_int32 n = pixGetWpl(pix) * pixGetHeight(pix), k = 0; k < n; k++) {
				uint32_t v = ~0u;

				for (int j = 0; j < density; j++) {
					seed = seed * 1103515245u + 12345u;
					v &= seed ^ (seed >> 13) * 2654435761u;
				}
				d[k] = v;
			}
			same_closing(pix, "random specks");
			pixDestroy(&pix);
		}
}

static void test_nothing_to_count(void **state)
{
	PIX *pix = pixCreate(300, 200, 1);
	float conf = 5;

	(void)state;
	assert_non_null(pix);
	assert_int_equal(updown_detect(pix, &conf), 0);
	assert_true(conf == 0);
	same_as_leptonica(pix, "a blank page");
	pixSetAll(pix);
	same_as_leptonica(pix, "a black page");
	pixDestroy(&pix);
}

/* At 150 dpi, as the stage asks, fed four ways. */
static void updown_scan(PIX *grey, const char *name)
{
	PIX *bin = pixConvertTo1(grey, 160), *half;
	char what[96];
	int turn;

	assert_non_null(bin);
	half = pixReduceRankBinaryCascade(bin, 1, 0, 0, 0);
	assert_non_null(half);
	for (turn = 0; turn < 4; turn++) {
		PIX *t = turn ? pixRotateOrth(half, turn) : pixClone(half);

		assert_non_null(t);
		snprintf(what, sizeof(what), "%s turned %d", name, 90 * turn);
		same_as_leptonica(t, what);
		pixDestroy(&t);
	}
	pixDestroy(&half);
	pixDestroy(&bin);
}

static void test_real_scans(void **state)
{
	static const char *const pages[] = { "blue-typescript-1", "blurred-report",
					     "catalogue-1962-faint", "journal-1914",
					     "typescript-1962" };

	(void)state;
	each_degraded_scan(pages, ARRAY_SIZE(pages), updown_scan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made_up_text),
		cmocka_unit_test(test_closing_edges),
		cmocka_unit_test(test_nothing_to_count),
		cmocka_unit_test(test_real_scans),
	};

	setMsgSeverity(L_SEVERITY_NONE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
