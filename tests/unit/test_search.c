/* Dossier search's filters (core/search.h): dates are days of the calendar, compared as days. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "firmware/core/search.h"
#include "firmware/index/docfields.h"

static int32_t day(const char *s)
{
	int32_t d = -1;

	assert_int_equal(docfields_parse_date(s, &d, NULL, 0), 0);
	return d;
}

static void test_days(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(day("1970-01-01"), 0);
	assert_int_equal(day("2000-03-01") - day("2000-02-28"), 2); /* 2000 is a leap year */
	assert_int_equal(day("1900-03-01") - day("1900-02-28"), 1); /* 1900 is not */
	assert_int_equal(day("2024-01-01") - day("2023-12-31"), 1);
	assert_int_equal(day("2026-12-05"), 20792);
	assert_int_equal(day("2099-12-31") - day("2000-01-01"), 36524);
	assert_int_equal(docfields_parse_date("2026-02-30", NULL, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "'2026-02-30' is not a real date");
	assert_int_equal(docfields_parse_date("2023-02-29", NULL, why, sizeof(why)), -EINVAL);
	assert_int_equal(docfields_parse_date("2026-2-3", NULL, why, sizeof(why)), -EINVAL);
	assert_int_equal(docfields_parse_date("1899-12-31", NULL, why, sizeof(why)), -EINVAL);
	/* A received date may not be in the future; a search's range may. */
	assert_int_equal(docfields_check_date("2999-01-01", why, sizeof(why)), -EINVAL);
	assert_int_equal(docfields_parse_date("2999-01-01", NULL, why, sizeof(why)), 0);
}

static void test_query_check(void **state)
{
	struct search_query q = { 0 };
	const char *field = NULL;
	struct msg why;
	char long_text[400];

	(void)state;
	assert_int_equal(search_query_set(&q, "from", "2026-02-30", &why), 0);
	assert_int_equal(search_query_check(&q, &why, &field), -EINVAL);
	assert_string_equal(field, "from");
	assert_int_equal(why.code, MSG_SEARCH_DATE);
	assert_string_equal(why.text,
			    "from: '2026-02-30' is not a day of the calendar: write it YYYY-MM-DD");

	assert_int_equal(search_query_set(&q, "from", "2030-01-10", &why), 0);
	assert_int_equal(search_query_set(&q, "to", "2030-01-09", &why), 0);
	assert_int_equal(search_query_check(&q, &why, &field), -EINVAL);
	assert_string_equal(field, "to");
	assert_int_equal(why.code, MSG_SEARCH_DATE_ORDER);

	assert_int_equal(search_query_set(&q, "to", "2030-01-10", &why), 0);
	assert_int_equal(search_query_check(&q, &why, &field), 0);
	assert_int_equal(q.to_day - q.from_day, 0);

	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	assert_int_equal(search_query_set(&q, "text", long_text, &why), -EINVAL);
	assert_int_equal(why.code, MSG_SEARCH_FIELD_INVALID);
	assert_int_equal(search_query_set(&q, "text", "a\x01", &why), -EINVAL);
	assert_int_equal(search_query_set(&q, "colour", "red", &why), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_query_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
