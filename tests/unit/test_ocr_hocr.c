/* Whole hOCR documents around the engine's ocr_page elements. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "ocr/engine.h"
#include "ocr/hocr.h"

/* What Tesseract's GetHOCRText gives for a page read from memory. */
static const char page[] =
    "  <div class='ocr_page' id='page_1' title='image \"unknown\"; bbox 0 0 2480 3508; "
    "ppageno 0; scan_res 300 300'>\n"
    "   <span class='ocrx_word' id='word_1_1' title='bbox 321 1415 560 1452; x_wconf "
    "96'>Continued</span>\n"
    "  </div>\n";

/* A page of two lines in one paragraph, as Tesseract gives it. */
static const char page2[] =
    "<div class='ocr_page' id='page_1' title='image \"\"; bbox 0 0 2480 3508; ppageno 0'>\n"
    " <div class='ocr_carea' id='block_1_1' title=\"bbox 100 100 900 300\">\n"
    "  <p class='ocr_par' id='par_1_1' lang='fra' title=\"bbox 100 100 900 300\">\n"
    "   <span class='ocr_line' id='line_1_1' title=\"bbox 100 100 900 150; baseline 0 -5\">\n"
    "    <span class='ocrx_word' id='word_1_1' title='bbox 100 100 300 150; x_wconf "
    "96'>Brevet</span>\n"
    "    <span class='ocrx_word' id='word_1_2' title='bbox 320 100 500 150; x_wconf "
    "41'>&amp;&lt;&quot;</span>\n"
    "   </span>\n"
    "   <span class='ocr_line' id='line_1_2' title=\"bbox 100 200 900 300\">\n"
    "    <span class='ocrx_word' id='word_1_3' title='bbox 100 200 900 300; x_wconf "
    "88'>n°1</span>\n"
    "   </span>\n"
    "  </p>\n"
    " </div>\n"
    "</div>\n";

static void test_document_names_the_delivered_image(void **state)
{
	char *doc = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(ocr_hocr_document(page, "P0001.tif", "fr", &doc, &len), 0);
	assert_int_equal(strlen(doc), len);
	assert_true(strncmp(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
	assert_non_null(
	    strstr(doc, "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"fr\""));
	assert_non_null(strstr(doc, "<meta name='ocr-system' content='tesseract "));
	assert_non_null(strstr(doc, ocr_engine_version()));
	assert_non_null(strstr(doc, "<meta name='ocr-capabilities' content='ocr_page ocr_carea "
				    "ocr_par ocr_line ocrx_word ocrp_wconf'/>"));
	assert_non_null(strstr(doc, "title='image \"P0001.tif\"; bbox 0 0 2480 3508; ppageno 0; "
				    "scan_res 300 300'"));
	assert_null(strstr(doc, "unknown"));
	assert_non_null(strstr(doc, "x_wconf 96'>Continued</span>"));
	assert_true(len > 16 && strcmp(doc + len - 16, "</body>\n</html>\n") == 0);
	free(doc);
}

static void test_page_without_image_property(void **state)
{
	char *doc = NULL;
	size_t len;

	(void)state;
	assert_int_equal(ocr_hocr_document("<div class='ocr_page' id='page_1' title='bbox 0 0 9 "
					   "9'></div>\n",
					   "P0002.jpg", NULL, &doc, &len),
			 0);
	assert_non_null(strstr(doc, "title='image \"P0002.jpg\"; bbox 0 0 9 9'"));
	assert_non_null(strstr(doc, "xml:lang=\"en\""));
	free(doc);
}

static void test_bad_input_is_refused(void **state)
{
	char *doc = NULL;
	size_t len;

	(void)state;
	assert_int_equal(ocr_hocr_document(page, "a\"b.tif", "en", &doc, &len), -EINVAL);
	assert_int_equal(ocr_hocr_document(page, "../x.tif", "en", &doc, &len), -EINVAL);
	assert_int_equal(ocr_hocr_document(page, "", "en", &doc, &len), -EINVAL);
	assert_int_equal(ocr_hocr_document(page, "P0001.tif", "e\"n", &doc, &len), -EINVAL);
	assert_int_equal(
	    ocr_hocr_document("<div class='ocr_line'>x</div>", "P0001.tif", "en", &doc, &len),
	    -FOLIO_EFORMAT);
	assert_int_equal(ocr_hocr_document("<div class='ocr_page' title='image \"x", "P0001.tif",
					   "en", &doc, &len),
			 -FOLIO_EFORMAT);
	assert_null(doc);
}

static void test_alto(void **state)
{
	char *doc = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(ocr_alto_document(page2, "P0003.tif", &doc, &len), 0);
	assert_int_equal(strlen(doc), len);
	assert_non_null(strstr(doc, "xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\""));
	assert_non_null(strstr(doc, "<fileName>P0003.tif</fileName>"));
	assert_non_null(strstr(doc, "<MeasurementUnit>pixel</MeasurementUnit>"));
	assert_non_null(strstr(doc, "<Page ID=\"page_1\" PHYSICAL_IMG_NR=\"1\" WIDTH=\"2480\" "
				    "HEIGHT=\"3508\">"));
	assert_non_null(strstr(doc, "<TextBlock ID=\"block_1\" HPOS=\"100\" VPOS=\"100\" "
				    "WIDTH=\"800\" HEIGHT=\"200\" LANG=\"fra\">"));
	assert_non_null(strstr(doc, "<String ID=\"string_1\" HPOS=\"100\" VPOS=\"100\" "
				    "WIDTH=\"200\" HEIGHT=\"50\" WC=\"0.96\" CONTENT=\"Brevet\"/>"
				    "<SP WIDTH=\"20\" HPOS=\"300\" VPOS=\"100\"/>"));
	assert_non_null(strstr(doc, "WC=\"0.41\" CONTENT=\"&amp;&lt;&quot;\"/>"));
	assert_non_null(strstr(doc, "<TextLine ID=\"line_2\""));
	assert_non_null(strstr(doc, "CONTENT=\"n°1\""));
	free(doc);
	doc = NULL;
	assert_int_equal(ocr_alto_document("<div class='ocr_page'>", "P0001.tif", &doc, &len),
			 -FOLIO_EFORMAT);
	assert_int_equal(ocr_alto_document(page2, "P 1.tif", &doc, &len), -EINVAL);
	assert_null(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_names_the_delivered_image),
		cmocka_unit_test(test_page_without_image_property),
		cmocka_unit_test(test_bad_input_is_refused),
		cmocka_unit_test(test_alto),
	};

	return cmocka_run_group_tests_name("hOCR documents", tests, NULL, NULL);
}
