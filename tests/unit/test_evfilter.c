/* 'log show' filters and lines (firmware/cmd/evfilter.h): kinds checked, batches and kinds
 * matched, an event printed whole. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "firmware/cmd/evfilter.h"

static struct event_info event(uint32_t batch, const char *what)
{
	struct event_info e = { .seq = 7, .time = 0, .batch = batch };

	snprintf(e.who, sizeof(e.who), "tech");
	snprintf(e.what, sizeof(e.what), "%s", what);
	return e;
}

static void test_kinds(void **state)
{
	struct event_filter f = { 0 };
	char long_kind[STORE_NAME_LEN + 1];

	(void)state;
	assert_int_equal(evfilter_set_type(&f, "batch-state"), 0);
	assert_string_equal(f.what, "batch-state");
	assert_int_equal(evfilter_set_type(&f, "ocr-*"), 0);
	assert_int_equal(evfilter_set_type(&f, ""), -EINVAL);
	assert_int_equal(evfilter_set_type(&f, "Batch"), -EINVAL);
	assert_int_equal(evfilter_set_type(&f, "-x"), -EINVAL);
	assert_int_equal(evfilter_set_type(&f, "a b"), -EINVAL);
	assert_int_equal(evfilter_set_type(&f, "a*b"), -EINVAL);
	assert_int_equal(evfilter_set_type(&f, "*"), -EINVAL);
	memset(long_kind, 'a', STORE_NAME_LEN);
	long_kind[STORE_NAME_LEN] = '\0';
	assert_int_equal(evfilter_set_type(&f, long_kind), -EINVAL);
	long_kind[STORE_NAME_LEN - 1] = '\0';
	assert_int_equal(evfilter_set_type(&f, long_kind), 0);
	/* A refused kind leaves the filter as it was. */
	assert_string_equal(f.what, long_kind);
}

static void test_match(void **state)
{
	struct event_filter f = { 0 };
	struct event_info a = event(3, "ocr-worker-crash"), b = event(4, "ocr-failed"),
			  c = event(3, "batch-state");

	(void)state;
	assert_true(evfilter_match(&f, &a) && evfilter_match(&f, &b));
	f.batch = 3;
	assert_true(evfilter_match(&f, &a) && !evfilter_match(&f, &b) && evfilter_match(&f, &c));
	assert_int_equal(evfilter_set_type(&f, "ocr-*"), 0);
	assert_true(evfilter_match(&f, &a) && !evfilter_match(&f, &c));
	f.batch = 0;
	assert_true(evfilter_match(&f, &b));
	assert_int_equal(evfilter_set_type(&f, "ocr-failed"), 0);
	assert_true(!evfilter_match(&f, &a) && evfilter_match(&f, &b));
	assert_int_equal(evfilter_set_type(&f, "ocr"), 0);
	assert_false(evfilter_match(&f, &b)); /* a kind is matched whole */
}

static void test_format(void **state)
{
	static const char prefix[] =
	    "    7 1970-01-01 00:00:00 tech page-capture batch 3 document 1 page 2: xxx";
	struct event_info e = event(3, "page-capture");
	char line[EVFILTER_LINE_MAX];

	(void)state;
	setenv("TZ", "UTC", 1);
	e.document = 1;
	e.page = 2;
	memset(e.detail, 'x', sizeof(e.detail) - 1);
	e.detail[sizeof(e.detail) - 1] = '\0';
	evfilter_format(&e, true, line, sizeof(line));
	assert_int_equal(strncmp(line, prefix, strlen(prefix)), 0);
	assert_int_equal(strlen(line), strlen(prefix) - 3 + sizeof(e.detail) - 1); /* whole */
	e = event(0, "console-login");
	snprintf(e.detail, sizeof(e.detail), "on ttyS0");
	assert_string_equal(evfilter_format(&e, false, line, sizeof(line)),
			    "    7 01-01 00:00:00 tech console-login on ttyS0");
	/* One line an event, and nothing a terminal would obey; printable UTF-8 stays. */
	e = event(3, "batch-reject-reason");
	snprintf(e.detail, sizeof(e.detail), "mal num\u00e9rot\u00e9e\n\x1b[2Jfake line");
	assert_string_equal(evfilter_format(&e, false, line, sizeof(line)),
			    "    7 01-01 00:00:00 tech batch-reject-reason batch 3: "
			    "mal num\u00e9rot\u00e9e\\x0a\\x1b[2Jfake line");
	/* The longest event, every byte escaped, is still whole. */
	memset(e.detail, 0x1b, sizeof(e.detail) - 1);
	e.detail[sizeof(e.detail) - 1] = '\0';
	evfilter_format(&e, false, line, sizeof(line));
	assert_int_equal(strlen(strstr(line, ": ") + 2), 4 * (sizeof(e.detail) - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
