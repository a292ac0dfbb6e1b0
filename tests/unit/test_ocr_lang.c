/* requires: CONFIG_OCR */
/* Which Tesseract models read a page: by document language, or by script. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "compiler.h"
#include "ocr/lang.h"

static void test_document_language_to_model(void **state)
{
	(void)state;
	assert_string_equal(ocr_models_of_language("en"), "eng");
	assert_string_equal(ocr_models_of_language("fr"), "fra");
	assert_string_equal(ocr_models_of_language("ar"), "ara");
	assert_null(ocr_models_of_language("xx"));
	assert_null(ocr_models_of_language(""));
	assert_null(ocr_models_of_language(NULL));
}

static void test_models_include(void **state)
{
	(void)state;
	assert_true(ocr_models_include("eng+fra+ara", "ara"));
	assert_true(ocr_models_include("eng+fra+ara", "ara+eng"));
	assert_false(ocr_models_include("eng+fra", "ara"));
	assert_false(ocr_models_include("eng+fra", "en")); /* whole names only */
	assert_false(ocr_models_include("eng", ""));
}

/* Pages read with models of another script get their orientation checked by Tesseract. */
static void test_models_latin(void **state)
{
	(void)state;
	assert_true(ocr_models_latin("eng"));
	assert_true(ocr_models_latin("eng+fra+deu"));
	assert_false(ocr_models_latin("ara"));
	assert_false(ocr_models_latin("eng+fra+ara"));
	assert_false(ocr_models_latin("ara+eng"));
	assert_false(ocr_models_latin("eng+chi_sim"));
	assert_true(ocr_models_latin("arab")); /* whole names only */
}

static void test_script_to_models(void **state)
{
	static const struct {
		const char *script, *configured, *want;
	} cases[] = {
		{ "Arabic", "eng+fra+ara", "ara+eng" },
		{ "Arabic", "fra+ara", "ara" },
		{ "Latin", "eng+fra+ara", "eng+fra" },
		{ "Latin", "ara", "eng" },
		/* Arabic script without the Arabic model, or another script: all of them. */
		{ "Arabic", "eng+fra", "eng+fra" },
		{ "Cyrillic", "eng+fra+ara", "eng+fra+ara" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(
		    ocr_models_for_script(cases[i].script, cases[i].configured, buf, sizeof(buf)),
		    0);
		assert_string_equal(buf, cases[i].want);
	}
	assert_int_equal(ocr_models_for_script("Latin", "eng+fra+ara", buf, 5), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_language_to_model),
		cmocka_unit_test(test_models_include),
		cmocka_unit_test(test_script_to_models),
		cmocka_unit_test(test_models_latin),
	};

	return cmocka_run_group_tests_name("OCR models", tests, NULL, NULL);
}
