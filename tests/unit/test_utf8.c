/* Telling well-formed UTF-8 from bytes that are not (device names, JSON, verify's output). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "utf8.h"

static size_t len(const char *s)
{
	return utf8_length((const unsigned char *)s, strlen(s));
}

static void test_well_formed(void **state)
{
	(void)state;
	assert_int_equal(len("a"), 1);
	assert_int_equal(len("\x1b"), 1);     /* a control character is ASCII: the caller decides */
	assert_int_equal(len("\xc3\xa9"), 2); /* é */
	assert_int_equal(len("\xd8\xb9"), 2); /* Arabic ain */
	assert_int_equal(len("\xe2\x82\xac"), 3);     /* € */
	assert_int_equal(len("\xef\xbf\xbf"), 3);     /* U+FFFF */
	assert_int_equal(len("\xf0\x9f\x93\x84"), 4); /* a page facing up */
	assert_int_equal(len("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(len("\x80"), 0);	      /* a stray continuation byte */
	assert_int_equal(len("\xc0\xaf"), 0);	      /* overlong '/' */
	assert_int_equal(len("\xe0\x80\xaf"), 0);     /* overlong, three bytes */
	assert_int_equal(len("\xf0\x80\x80\xaf"), 0); /* overlong, four bytes */
	assert_int_equal(len("\xed\xa0\x80"), 0);     /* a surrogate */
	assert_int_equal(len("\xf4\x90\x80\x80"), 0); /* beyond U+10FFFF */
	assert_int_equal(len("\xf5\x80\x80\x80"), 0);
	assert_int_equal(len("\xc3("), 0); /* no continuation */
	/* cut short by the bytes the caller may read, not by a NUL */
	assert_int_equal(utf8_length((const unsigned char *)"\xe2\x82\xac", 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
