/* requires: CONFIG_OCR */
/* ocr_score(): character and word error rates by the ISRI definition, on hand-made cases. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "ocr/score.h"

static struct ocr_score score(const char *truth, const char *recognised)
{
	struct ocr_score s;

	assert_int_equal(ocr_score(truth, recognised, &s), 0);
	return s;
}

static void expect_chars(const char *truth, const char *recognised, size_t errors, size_t chars)
{
	struct ocr_score s = score(truth, recognised);

	assert_int_equal(s.char_errors, errors);
	assert_int_equal(s.chars, chars);
	assert_true(s.cer == (double)errors / (double)chars);
}

static void test_identical(void **state)
{
	(void)state;
	expect_chars("The quick brown fox", "The quick brown fox", 0, 19);
}

static void test_edits(void **state)
{
	(void)state;
	expect_chars("abc", "abd", 1, 3);  /* substitution */
	expect_chars("abc", "abxc", 1, 3); /* insertion */
	expect_chars("abc", "ac", 1, 3);   /* deletion */
	expect_chars("kitten", "sitting", 3, 6);
	expect_chars("Case", "case", 1, 4); /* case-sensitive */
	/* More errors than characters: CER above 100%, as ISRI has it. */
	expect_chars("ab", "xyzw", 4, 2);
}

static void test_blanks_and_lines(void **state)
{
	(void)state;
	/* Leading/trailing blanks, runs of blanks and blank lines do not count... */
	expect_chars("  Hello   world \n\n \t \n  foo  \n\n", "Hello world\nfoo", 0, 15);
	/* ...tabs, no-break spaces and CRLF are blanks too... */
	expect_chars("a\t\u00a0 b\r\nc", "a b\nc", 0, 5);
	/* ...but a newline is a character: a line break read as a space is one error. */
	expect_chars("ab\ncd", "ab cd", 1, 5);
	expect_chars("ab\ncd", "abcd", 1, 5);
}

static void test_code_points_and_nfc(void **state)
{
	(void)state;
	/* U+00E9 against e + U+0301: the same text once in NFC. */
	expect_chars("caf\u00e9", "cafe\u0301", 0, 4);
	/* A wrong accent is one error, not two bytes' worth. */
	expect_chars("\u00e9t\u00e9", "\u00e8t\u00e9", 1, 3);
	expect_chars("\u00e9", "e", 1, 1);
}

static void test_arabic(void **state)
{
	(void)state;
	/* "مرحبا بالعالم" ("hello world"): 13 code points, in logical order. */
	const char *truth =
	    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645";
	/* One letter read wrong (ح as ج). */
	const char *one =
	    "\u0645\u0631\u062c\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645";
	/* The same letters in visual (reversed) order are mostly wrong. */
	const char *reversed =
	    "\u0645\u0644\u0627\u0639\u0644\u0627\u0628 \u0627\u0628\u062d\u0631\u0645";
	struct ocr_score s;

	expect_chars(truth, truth, 0, 13);
	expect_chars(truth, one, 1, 13);
	s = score(truth, reversed);
	assert_true(s.cer > 0.5);
	assert_int_equal(s.words, 2);
	assert_int_equal(s.word_errors, 2);
	/* Alef with hamza above: precomposed U+0623 against U+0627 U+0654 (NFC composes). */
	expect_chars("\u0623\u0646\u0627", "\u0627\u0654\u0646\u0627", 0, 3);
}

static void test_words(void **state)
{
	struct ocr_score s;

	(void)state;
	s = score("the quick brown fox", "the quick brown box");
	assert_int_equal(s.words, 4);
	assert_int_equal(s.word_errors, 1);
	assert_true(s.wer == 0.25);
	/* Lines do not matter to words; blanks do not either. */
	s = score("the quick\nbrown fox", "the  quick brown\tfox");
	assert_int_equal(s.word_errors, 0);
	assert_int_equal(s.char_errors, 1);
	/* A split word: one substitution and one insertion. */
	s = score("a patent claim", "a pat ent claim");
	assert_int_equal(s.word_errors, 2);
	/* Word order matters. */
	s = score("one two three", "three two one");
	assert_int_equal(s.word_errors, 2);
}

static void test_empty(void **state)
{
	struct ocr_score s;

	(void)state;
	s = score("", "");
	assert_int_equal(s.chars, 0);
	assert_true(s.cer == 0.0 && s.wer == 0.0);
	s = score(" \n\n ", "x");
	assert_int_equal(s.char_errors, 1);
	assert_true(s.cer == 1.0 && s.wer == 1.0);
	expect_chars("abc", "", 3, 3);
}

static void test_bad_input(void **state)
{
	struct ocr_score s = { .chars = 12345 };

	(void)state;
	assert_int_equal(ocr_score("ok", "bad \xc3\x28 utf-8", &s), -EILSEQ);
	assert_int_equal(ocr_score("\xff", "ok", &s), -EILSEQ);
	assert_int_equal(ocr_score(NULL, "ok", &s), -EINVAL);
	assert_int_equal(s.chars, 12345); /* untouched on failure */

	char *big = malloc(OCR_SCORE_MAX_CHARS + 2);
	assert_non_null(big);
	memset(big, 'a', OCR_SCORE_MAX_CHARS + 1);
	big[OCR_SCORE_MAX_CHARS + 1] = '\0';
	assert_int_equal(ocr_score(big, "a", &s), -FOLIO_ETOOBIG);
	free(big);
}

static void test_format(void **state)
{
	struct ocr_score s = score("the quick brown fox", "the quick brown box");
	char buf[128];

	(void)state;
	ocr_score_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "CER 5.26% (1/19 characters)  WER 25.00% (1/4 words)");
}

static void test_normalise(void **state)
{
	char *n = NULL;

	(void)state;
	assert_int_equal(ocr_normalise("  a \t b \n\n cafe\u0301 \n", &n), 0);
	assert_string_equal(n, "a b\ncaf\u00e9");
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_edits),
		cmocka_unit_test(test_blanks_and_lines),
		cmocka_unit_test(test_code_points_and_nfc),
		cmocka_unit_test(test_arabic),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_normalise),
	};

	return cmocka_run_group_tests_name("ocr_score", tests, NULL, NULL);
}
