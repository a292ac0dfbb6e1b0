/*
 * The grey page kept for OCR is deskewed as the JPEG encoder takes its rows
 * (image_encode_grey_sheared()): the same JPEG, byte for byte, as Leptonica's two in-place
 * shears followed by the encoder, at small and large angles either way, on pages of odd
 * sizes, and on a real scan of ../shared.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <leptonica/allheaders.h>

#include "compiler.h"
#include "firmware/image/pix.h"
#include "scans.h"

static void same_as_leptonica(PIX *grey, float radang, const char *what)
{
	struct encoded_image ours = { 0 }, theirs = { 0 };
	PIX *copy = pixCopy(NULL, grey);
	struct frame f;
	l_int32 same = 0;

	assert_non_null(copy);
	assert_int_equal(image_encode_grey_sheared(grey, radang, 300, 85, &ours), 0);
	/* The source is left as it was. */
	pixEqual(grey, copy, &same);
	assert_true(same);
	pixHShearIP(copy, pixGetHeight(copy) / 2, radang, L_BRING_IN_WHITE);
	pixVShearIP(copy, pixGetWidth(copy) / 2, radang, L_BRING_IN_WHITE);
	f = (struct frame){ .width = (uint32_t)pixGetWidth(copy),
			    .height = (uint32_t)pixGetHeight(copy),
			    .depth = 8,
			    .channels = 1,
			    .bytes_per_line = (uint32_t)pixGetWpl(copy) * 4,
			    .dpi = 300,
			    .data = (uint8_t *)pixGetData(copy) };
	assert_int_equal(image_encode_jpeg_words(&f, 85, &theirs), 0);
	if (ours.size != theirs.size || memcmp(ours.data, theirs.data, ours.size) != 0)
		fail_msg("%s at %.4f rad: JPEG of %zu bytes, Leptonica's shears give %zu", what,
			 radang, ours.size, theirs.size);
	encoded_image_release(&ours);
	encoded_image_release(&theirs);
	pixDestroy(&copy);
}

/* Grey paper with dark strokes and a gradient: every shifted pixel shows. */
static PIX *made_up_page(l_int32 w, l_int32 h)
{
	PIX *pix = pixCreate(w, h, 8);
	uint32_t seed = 3;
	l_int32 x, y;

	assert_non_null(pix);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			seed = seed * 1103515245u + 12345u;
			pixSetPixel(pix, x, y, (l_uint32)(120 + (x + 2 * y) % 100 + (seed >> 29)));
		}
	for (y = 10; y + 4 < h; y += 23)
		pixRasterop(pix, w / 8, y, w / 2, 3, PIX_CLR, NULL, 0, 0);
	return pix;
}

static void test_made_up_pages(void **state)
{
	static const l_int32 sizes[][2] = { { 601, 857 }, { 64, 64 }, { 33, 410 }, { 1001, 7 } };
	static const float angles[] = { 0.001f, -0.001f, 0.0123f, -0.0349f, 0.05f, -0.06f };
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		PIX *pix = made_up_page(sizes[i][0], sizes[i][1]);
		char what[64];

		snprintf(what, sizeof(what), "a %dx%d page", sizes[i][0], sizes[i][1]);
		for (j = 0; j < ARRAY_SIZE(angles); j++)
			same_as_leptonica(pix, angles[j], what);
		pixDestroy(&pix);
	}
}

static void test_rejects(void **state)
{
	struct encoded_image img = { 0 };
	PIX *bin = pixCreate(10, 10, 1);

	(void)state;
	assert_non_null(bin);
	assert_int_equal(image_encode_grey_sheared(bin, 0.01f, 300, 85, &img), -EINVAL);
	assert_int_equal(image_encode_grey_sheared(NULL, 0.01f, 300, 85, &img), -EINVAL);
	pixDestroy(&bin);
}

static void shear_scan(PIX *grey, const char *name)
{
	same_as_leptonica(grey, 0.021f, name);
	same_as_leptonica(grey, -0.0449f, name);
}

static void test_real_scan(void **state)
{
	static const char *const pages[] = { "journal-1914" };

	(void)state;
	each_degraded_scan(pages, ARRAY_SIZE(pages), shear_scan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made_up_pages),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_real_scan),
	};

	setMsgSeverity(L_SEVERITY_NONE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
