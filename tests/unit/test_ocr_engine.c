/* requires: CONFIG_OCR */
/*
 * The Tesseract engine in-process: raw frames (grey and 1-bit) and encoded pages give the text
 * that is on them, with word boxes and confidences; bad input is refused before Tesseract sees
 * it. Pages come from build/bin/pagegen (skipped without it), run through FOLIO_RUNNER when it
 * is set (qemu-user for a cross-built board, see tests/run.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <leptonica/allheaders.h>

#include "errors.h"
#include "fileio.h"
#include "ocr/engine.h"
#include "ocr/score.h"
#include "tests/unit/frames.h"

static struct ocr_engine *engine;
static PIX *page;    /* 8-bit grey, 300 dpi */
static char *truth;  /* its text */
static l_uint8 *png; /* the page as a PNG file */
static size_t png_len;

/* The whole text file @path (16 MiB at most), NUL-terminated, or NULL */
static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len;

	return file_read_all(path, 16 << 20, &s, &len) < 0 ? NULL : s;
}

static int setup(void **state)
{
	const char *build = getenv("FOLIO_BUILD");
	char pagegen[4096];
	int status;
	pid_t pid;

	(void)state;
	snprintf(pagegen, sizeof(pagegen), "%s/bin/pagegen", build ? build : "build");
	if (access(pagegen, X_OK) != 0) {
		printf("skip: no '%s' to render test pages: build it with make\n", pagegen);
		exit(77);
	}
	pid = fork();
	if (pid == 0) {
		/* Through FOLIO_RUNNER when the build is foreign (qemu-user; words split by sh). */
		execl("/bin/sh", "sh", "-c", "exec ${FOLIO_RUNNER-} \"$0\" \"$@\"", pagegen,
		      "--out", "engine-pages", "--size", "a5", "--lang", "eng", "--noise", "4",
		      "--skew", "0.3", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	page = pixRead("engine-pages/page-0001.png");
	truth = slurp("engine-pages/page-0001.txt");
	if (!page || !truth || pixGetDepth(page) != 8)
		return -1;
	if (pixWriteMem(&png, &png_len, page, IFF_PNG) != 0)
		return -1;
	return ocr_engine_new("eng", &engine);
}

static int teardown(void **state)
{
	(void)state;
	ocr_engine_free(engine);
	pixDestroy(&page);
	free(truth);
	free(png);
	return 0;
}

static double cer_of(const char *text)
{
	struct ocr_score s;

	assert_int_equal(ocr_score(truth, text, &s), 0);
	return s.cer;
}

static void check_result(const struct ocr_page_result *r)
{
	double cer = cer_of(r->text);

	printf("cer %.2f%%, %u words, mean confidence %.1f, %u of %u ink marks in no word\n",
	       100 * cer, r->words, r->mean_confidence, r->ink_unread, r->ink_marks);
	assert_true(cer < 0.03);
	assert_true(r->words > 100);
	assert_true(r->mean_confidence > 70 && r->mean_confidence <= 100);
	/* Its ink marks are its letters, and nearly all of them lie in the words read. */
	assert_true(r->ink_marks > 2 * r->words);
	assert_true(r->ink_unread * 50 <= r->ink_marks);
	/* hOCR: a page with word boxes and confidences. */
	assert_non_null(strstr(r->hocr, "class='ocr_page'"));
	assert_non_null(strstr(r->hocr, "class='ocrx_word'"));
	assert_non_null(strstr(r->hocr, "bbox "));
	assert_non_null(strstr(r->hocr, "x_wconf "));
}

static void test_grey_frame(void **state)
{
	struct ocr_page_result r = { 0 };
	l_uint32 w = (l_uint32)pixGetWidth(page), h = (l_uint32)pixGetHeight(page);
	uint8_t *data = malloc((size_t)w * h);

	(void)state;
	assert_non_null(data);
	for (l_uint32 y = 0; y < h; y++) {
		const l_uint32 *line = pixGetData(page) + (size_t)y * pixGetWpl(page);

		for (l_uint32 x = 0; x < w; x++)
			data[(size_t)y * w + x] = (uint8_t)GET_DATA_BYTE(line, x);
	}
	const struct frame f = packed_frame(w, h, 8, 300, data);

	assert_int_equal(ocr_engine_recognise(engine, &f, OCR_PSM_AUTO, &r), 0);
	check_result(&r);
	ocr_page_result_release(&r);
	assert_null(r.text);
	free(data);
}

/* SANE's 1-bit frames: packed MSB first, 1 black, rows padded to bytes_per_line. */
static void test_bitonal_frame(void **state)
{
	struct ocr_page_result r = { 0 };
	PIX *bw = pixConvertTo1(page, 140);
	l_uint32 w = (l_uint32)pixGetWidth(page), h = (l_uint32)pixGetHeight(page);
	uint32_t bpl = (w + 7) / 8 + 3; /* with padding that must be ignored */
	uint8_t *data = calloc(h, bpl);

	(void)state;
	assert_non_null(bw);
	assert_non_null(data);
	for (l_uint32 y = 0; y < h; y++) {
		memset(data + (size_t)y * bpl + (w + 7) / 8, 0xff, 3);
		for (l_uint32 x = 0; x < w; x++) {
			l_uint32 v;

			pixGetPixel(bw, (l_int32)x, (l_int32)y, &v);
			if (v)
				data[(size_t)y * bpl + x / 8] |= (uint8_t)(0x80 >> (x % 8));
		}
	}
	struct frame f = packed_frame(w, h, 1, 300, data);

	f.bytes_per_line = bpl;
	assert_int_equal(ocr_engine_recognise(engine, &f, OCR_PSM_AUTO, &r), 0);
	check_result(&r);
	ocr_page_result_release(&r);
	free(data);
	pixDestroy(&bw);
}

static void test_encoded_page(void **state)
{
	struct ocr_page_result r = { 0 };

	(void)state;
	assert_int_equal(ocr_engine_recognise_image(engine, png, png_len, 300, OCR_PSM_AUTO, &r),
			 0);
	check_result(&r);
	ocr_page_result_release(&r);
}

static void test_blank_page(void **state)
{
	struct ocr_page_result r = { 0 };
	struct frame f = white_page(600, 800, 200);

	(void)state;
	assert_int_equal(ocr_engine_recognise(engine, &f, OCR_PSM_AUTO, &r), 0);
	assert_int_equal(r.words, 0);
	assert_true(r.mean_confidence == 0.0);
	assert_int_equal(r.ink_marks, 0);
	assert_int_equal(r.ink_unread, 0);
	assert_string_equal(r.text, "");
	ocr_page_result_release(&r);
	free(f.data);
}

static void test_refused(void **state)
{
	struct ocr_page_result r = { .words = 42 };
	uint8_t px[64] = { 0 };
	struct frame f = packed_frame(8, 8, 8, 300, px), bad;

	(void)state;
	bad = f, bad.width = 0;
	assert_int_equal(ocr_engine_recognise(engine, &bad, OCR_PSM_AUTO, &r), -EINVAL);
	bad = f, bad.width = OCR_MAX_DIMENSION + 1, bad.bytes_per_line = bad.width;
	assert_int_equal(ocr_engine_recognise(engine, &bad, OCR_PSM_AUTO, &r), -FOLIO_ETOOBIG);
	bad = f, bad.depth = 16;
	assert_int_equal(ocr_engine_recognise(engine, &bad, OCR_PSM_AUTO, &r), -FOLIO_EFORMAT);
	bad = f, bad.bytes_per_line = 4;
	assert_int_equal(ocr_engine_recognise(engine, &bad, OCR_PSM_AUTO, &r), -EINVAL);
	bad = f, bad.dpi = 0;
	assert_int_equal(ocr_engine_recognise(engine, &bad, OCR_PSM_AUTO, &r), -EINVAL);
	assert_int_equal(ocr_engine_recognise(engine, &f, 0, &r), -EINVAL);
	assert_int_equal(ocr_engine_recognise(engine, &f, 2, &r), -EINVAL);

	assert_int_equal(
	    ocr_engine_recognise_image(engine, "not an image at all", 19, 300, OCR_PSM_AUTO, &r),
	    -FOLIO_EFORMAT);
	/* A PNG whose header claims 100000 pixels across is refused before decoding. */
	l_uint8 *huge = malloc(png_len);
	memcpy(huge, png, png_len);
	huge[16] = 0, huge[17] = 0x01, huge[18] = 0x86, huge[19] = 0xa0; /* IHDR width */
	assert_int_equal(ocr_engine_recognise_image(engine, huge, png_len, 300, OCR_PSM_AUTO, &r),
			 -FOLIO_ETOOBIG);
	free(huge);
	assert_int_equal(ocr_engine_recognise_image(engine, png, png_len, 20, OCR_PSM_AUTO, &r),
			 -EINVAL);
	assert_int_equal(r.words, 42); /* untouched */
}

/*
 * Orientation and script detection tells how far a page lies turned, again and again on one
 * engine, and the engine frees cleanly afterwards (the script's name is Tesseract's, not ours:
 * freeing it once corrupted the worker's heap on the next detection).
 */
static void test_orientation(void **state)
{
	struct ocr_page_result r = { 0 };
	struct ocr_engine *osd = NULL;

	(void)state;
	assert_int_equal(ocr_engine_new("osd", &osd), 0);
	for (int round = 0; round < 2; round++)
		for (int quads = 0; quads < 4; quads++) {
			PIX *turned = pixRotateOrth(page, quads);
			struct ocr_osd o;
			l_uint8 *buf = NULL;
			size_t len = 0;

			assert_non_null(turned);
			assert_int_equal(pixWriteMem(&buf, &len, turned, IFF_PNG), 0);
			assert_int_equal(ocr_engine_osd_image(osd, buf, len, 300, &o), 0);
			assert_string_equal(o.script, "Latin");
			/* Turned clockwise by @quads quarters: undone by the rest of a full turn. */
			assert_int_equal(o.turn, (4 - quads) % 4 * 90);
			assert_true(o.orientation_conf >= OCR_OSD_MIN_ORIENTATION_CONF);
			if (round == 0 && quads == 2) {
				/* Read turned upright, it reads as the page itself. */
				assert_int_equal(ocr_engine_recognise_turned(engine, buf, len, 300,
									     OCR_PSM_AUTO, o.turn,
									     &r),
						 0);
				check_result(&r);
				ocr_page_result_release(&r);
			}
			free(buf);
			pixDestroy(&turned);
		}
	assert_null(ocr_engine_free(osd));
}

static void test_languages(void **state)
{
	struct ocr_engine *e = NULL;

	(void)state;
	assert_true(ocr_languages_valid("eng"));
	assert_true(ocr_languages_valid("ara+eng"));
	assert_true(ocr_languages_valid("chi_sim"));
	assert_false(ocr_languages_valid(""));
	assert_false(ocr_languages_valid("eng+"));
	assert_false(ocr_languages_valid("+eng"));
	assert_false(ocr_languages_valid("../../tmp/x"));
	assert_false(ocr_languages_valid("eng fra"));
	assert_int_equal(ocr_engine_new("../eng", &e), -EINVAL);
	assert_int_equal(ocr_engine_new("xqz", &e), -FOLIO_ECONFIG);
	assert_null(e);
	assert_int_equal(ocr_engine_new("ara+eng", &e), 0);
	assert_string_equal(ocr_engine_languages(e), "ara+eng");
	assert_null(ocr_engine_free(e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grey_frame),   cmocka_unit_test(test_bitonal_frame),
		cmocka_unit_test(test_encoded_page), cmocka_unit_test(test_blank_page),
		cmocka_unit_test(test_refused),	     cmocka_unit_test(test_languages),
		cmocka_unit_test(test_orientation),
	};

	return cmocka_run_group_tests_name("ocr_engine", tests, setup, teardown);
}
