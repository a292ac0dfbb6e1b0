/*
 * skew_find() measures what Leptonica's pixFindSkewSweepAndSearch() measures: the same angle
 * and confidence, on made-up lines at known angles (every reduction the stage uses), on pages
 * with nothing to measure, and on the real scans of ../shared fed upright and sideways.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <leptonica/allheaders.h>

#include "compiler.h"
#include "firmware/image/skew.h"
#include "scans.h"

static const int reductions[][2] = { { 4, 2 }, { 2, 1 }, { 1, 1 }, { 8, 4 } };

static void same_as_leptonica(PIX *bin, int redsweep, int redsearch, float min_delta,
			      const char *what)
{
	float angle = -99, conf = -99, theirs_angle = 0, theirs_conf = 0;
	int r, theirs;

	theirs = pixFindSkewSweepAndSearch(bin, &theirs_angle, &theirs_conf, redsweep, redsearch,
					   7.0f, 1.0f, min_delta);
	r = skew_find(bin, redsweep, redsearch, 7.0f, 1.0f, min_delta, &angle, &conf);
	if (theirs) {
		if (r == 0)
			fail_msg("%s (%d/%d): Leptonica fails, ours measures %.3f", what, redsweep,
				 redsearch, angle);
		return;
	}
	if (r != 0 || angle != theirs_angle || conf != theirs_conf)
		fail_msg("%s (%d/%d): %.4f deg conf %.4f (%d), Leptonica %.4f deg conf %.4f", what,
			 redsweep, redsearch, angle, conf, r, theirs_angle, theirs_conf);
}

/* Lines of word-like blocks, turned by @degrees. */
static PIX *lines_page(l_int32 w, l_int32 h, float degrees)
{
	PIX *pix = pixCreate(w, h, 1), *turned;
	uint32_t seed = 5;
	l_int32 x, y;

	assert_non_null(pix);
	for (y = 40; y + 12 < h - 40; y += 30)
		for (x = 30; x < w - 60;) {
			seed = seed * 1103515245u + 12345u;
			l_int32 len = 8 + (l_int32)((seed >> 16) % 50);

			pixRasterop(pix, x, y, MIN(len, w - 30 - x), 10 + (l_int32)(seed & 3),
				    PIX_SET, NULL, 0, 0);
			x += len + 6 + (l_int32)((seed >> 8) % 10);
		}
	turned = pixRotate(pix, degrees * 3.14159265f / 180.0f, L_ROTATE_SAMPLING, L_BRING_IN_WHITE,
			   0, 0);
	pixDestroy(&pix);
	assert_non_null(turned);
	return turned;
}

static void test_made_up_lines(void **state)
{
	static const float angles[] = { -6.5f, -2.0f, -0.3f, 0, 0.04f, 1.1f, 3.0f, 6.8f };
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(angles); i++) {
		PIX *pix = lines_page(1240, 1754, angles[i]);
		char what[64];

		snprintf(what, sizeof(what), "lines at %.2f deg", angles[i]);
		for (j = 0; j < ARRAY_SIZE(reductions); j++)
			same_as_leptonica(pix, reductions[j][0], reductions[j][1], 0.01f, what);
		same_as_leptonica(pix, 2, 1, 0.02f, what);
		pixDestroy(&pix);
	}
}

/* A blank page has nothing to measure; a black one and noise measure nothing. */
static void test_nothing_to_measure(void **state)
{
	PIX *pix = pixCreate(600, 800, 1);
	float angle = 1, conf = 1;
	l_int32 k;
	uint32_t seed = 1;

	(void)state;
	assert_non_null(pix);
	assert_int_equal(skew_find(pix, 4, 2, 7.0f, 1.0f, 0.01f, &angle, &conf), -ENODATA);
	for (k = 0; k < 20000; k++) {
		seed = seed * 1103515245u + 12345u;
		pixSetPixel(pix, (l_int32)((seed >> 4) % 600), (l_int32)((seed >> 16) % 800), 1);
	}
	same_as_leptonica(pix, 4, 2, 0.01f, "noise");
	pixSetAll(pix);
	same_as_leptonica(pix, 4, 2, 0.01f, "a black page");
	assert_int_equal(skew_find(pix, 2, 4, 7.0f, 1.0f, 0.01f, &angle, &conf), -EINVAL);
	assert_int_equal(skew_find(pix, 3, 1, 7.0f, 1.0f, 0.01f, &angle, &conf), -EINVAL);
	pixDestroy(&pix);
}

/* Upright and turned a quarter, at both reduction pairs the stage uses. */
static void skew_scan(PIX *grey, const char *name)
{
	PIX *bin = pixConvertTo1(grey, 160), *turned;
	char what[96];

	assert_non_null(bin);
	turned = pixRotateOrth(bin, 1);
	assert_non_null(turned);
	same_as_leptonica(bin, 4, 2, 0.01f, name);
	same_as_leptonica(bin, 2, 1, 0.02f, name);
	snprintf(what, sizeof(what), "%s turned a quarter", name);
	same_as_leptonica(turned, 4, 2, 0.01f, what);
	same_as_leptonica(turned, 2, 1, 0.02f, what);
	pixDestroy(&turned);
	pixDestroy(&bin);
}

static void test_real_scans(void **state)
{
	(void)state;
	each_degraded_scan(NULL, 0, skew_scan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made_up_lines),
		cmocka_unit_test(test_nothing_to_measure),
		cmocka_unit_test(test_real_scans),
	};

	setMsgSeverity(L_SEVERITY_NONE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
