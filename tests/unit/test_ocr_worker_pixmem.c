/*
 * The OCR worker's pixWriteMem() (ocr/worker_pixmem.c): what Tesseract stores as "PNG" reads
 * back as the very same image (pixels, depth, samples per pixel, colormap; not the resolution,
 * which the recogniser does not use), and every other format is still Leptonica's own.
 * The file is compiled into this test, so that its definition is the one in effect here too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ocr/worker_pixmem.c"

/* A pix of depth @d with a pattern of every value its pixels can take. */
static PIX *pattern(l_int32 d)
{
	PIX *pix = pixCreate(157, 23, d);

	assert_non_null(pix);
	for (l_uint32 y = 0; y < 23; y++) {
		for (l_uint32 x = 0; x < 157; x++) {
			l_uint32 v =
			    d == 32 ? (x * 2654435761u + y) << 8 : (x + y * 157) % (1u << d);

			pixSetPixel(pix, (l_int32)x, (l_int32)y, v);
		}
	}
	pixSetResolution(pix, 300, 300);
	return pix;
}

static void round_trip(PIX *pix)
{
	l_uint8 *data = NULL;
	size_t size = 0;
	l_int32 same = 0;
	PIX *back;

	assert_int_equal(pixWriteMem(&data, &size, pix, IFF_PNG), 0);
	back = pixReadMem(data, size);
	assert_non_null(back);
	assert_int_equal(pixEqual(pix, back, &same), 0);
	assert_true(same);
	assert_int_equal(pixGetDepth(back), pixGetDepth(pix));
	assert_int_equal(pixGetSpp(back), pixGetSpp(pix));
	assert_int_equal(!pixGetColormap(back), !pixGetColormap(pix));
	pixDestroy(&back);
	lept_free(data);
}

static void test_png_reads_back_the_same(void **state)
{
	static const l_int32 depths[] = { 1, 2, 4, 8, 16, 32 };

	(void)state;
	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		PIX *pix = pattern(depths[i]);

		round_trip(pix);
		pixDestroy(&pix);
	}
}

static void test_colormap_kept(void **state)
{
	PIX *pix = pattern(8), *mapped;

	(void)state;
	mapped = pixConvertGrayToColormap(pix);
	assert_non_null(mapped);
	assert_non_null(pixGetColormap(mapped));
	round_trip(mapped);
	pixDestroy(&mapped);
	pixDestroy(&pix);
}

static void test_other_formats_are_leptonicas(void **state)
{
	PIX *pix = pattern(8);
	l_uint8 *data = NULL;
	size_t size = 0;

	(void)state;
	assert_int_equal(pixWriteMem(&data, &size, pix, IFF_PNM), 0);
	assert_true(size > 2);
	assert_memory_equal(data, "P5", 2);
	lept_free(data);
	pixDestroy(&pix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png_reads_back_the_same),
		cmocka_unit_test(test_colormap_kept),
		cmocka_unit_test(test_other_formats_are_leptonicas),
	};

	setLeptDebugOK(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
