/*
 * Percent-decoding (firmware/upload/percent.c) in its two modes: target paths from the
 * configuration refuse a malformed escape, AWS query strings keep it as it is.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "firmware/upload/percent.h"

static void test_decode(void **state)
{
	static const enum percent_mode modes[] = { PERCENT_STRICT, PERCENT_KEEP_MALFORMED };
	char buf[64];
	size_t len;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		/* Upper and lower case hex; '+' is not a space; '%25' is a '%'. */
		assert_int_equal(
		    percent_decode("a%20b+c%c3%A9%2e%2E%25", buf, sizeof(buf), modes[i], &len), 0);
		assert_string_equal(buf, "a b+c\xc3\xa9..%");
		assert_int_equal(len, 10);
		assert_int_equal(percent_decode("", buf, sizeof(buf), modes[i], &len), 0);
		assert_string_equal(buf, "");
		assert_int_equal(len, 0);
		/* %00 is a byte like any other: the length says what strlen() cannot. */
		assert_int_equal(percent_decode("ab%00cd", buf, sizeof(buf), modes[i], &len), 0);
		assert_int_equal(len, 5);
		assert_memory_equal(buf, "ab\0cd", 6);
		/* Room for the result and its NUL, no more. */
		assert_int_equal(percent_decode("%41%42c", buf, 4, modes[i], &len), 0);
		assert_string_equal(buf, "ABc");
		assert_int_equal(percent_decode("%41%42cd", buf, 4, modes[i], NULL), -ENAMETOOLONG);
		assert_int_equal(percent_decode("", buf, 0, modes[i], NULL), -ENAMETOOLONG);
	}
}

static void test_malformed(void **state)
{
	static const char *const bad[] = { "%",	  "a%",	 "%4",	 "a%4", "%zz",
					   "%4g", "%g4", "%%41", "% 41" };
	char buf[64];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(percent_decode(bad[i], buf, sizeof(buf), PERCENT_STRICT, NULL),
				 -EINVAL);
		assert_int_equal(
		    percent_decode(bad[i], buf, sizeof(buf), PERCENT_KEEP_MALFORMED, &len), 0);
		if (strcmp(bad[i], "%%41") == 0)
			assert_string_equal(buf, "%A"); /* the second '%' starts a good escape */
		else
			assert_string_equal(buf, bad[i]);
		assert_int_equal(len, strlen(buf));
	}
	/* Refused wherever it is, even after a good escape. */
	assert_int_equal(percent_decode("%41%4", buf, sizeof(buf), PERCENT_STRICT, NULL), -EINVAL);
}

static void test_in_place(void **state)
{
	char s[] = "x%3Dy%2fz%zz";

	(void)state;
	assert_int_equal(percent_decode(s, s, sizeof(s), PERCENT_KEEP_MALFORMED, NULL), 0);
	assert_string_equal(s, "x=y/z%zz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
