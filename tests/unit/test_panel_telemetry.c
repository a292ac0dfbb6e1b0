/* Scanner telemetry: counters per device beside the store, what a batch description shows. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/capture/capture.h"
#include "firmware/telemetry/telemetry.h"

static void test_counts(void **state)
{
	struct capture_result res = { .pages = 7, .seconds = 90.4 };
	struct telemetry_counters c;

	(void)state;
	assert_int_equal(mkdir("store", 0700), 0);
	assert_int_equal(telemetry_get("store", "fujitsu:fi-7160", &c), -ENOENT);
	assert_int_equal(
	    telemetry_record_capture("store", "fujitsu:fi-7160", 0, res.pages, res.seconds), 0);
	res.pages = 2;
	res.seconds = 10;
	assert_int_equal(telemetry_record_capture("store", "fujitsu:fi-7160", -FOLIO_EJAM,
						  res.pages, res.seconds),
			 0);
	assert_int_equal(telemetry_record_capture("store", "fujitsu:fi-7160", -FOLIO_EDOUBLEFEED,
						  res.pages, res.seconds),
			 0);
	assert_int_equal(
	    telemetry_record_capture("store", "folio:/srv/pages", 0, res.pages, res.seconds), 0);

	assert_int_equal(telemetry_get("store", "fujitsu:fi-7160", &c), 0);
	assert_int_equal(c.pages, 11);
	assert_int_equal(c.jams, 1);
	assert_int_equal(c.double_feeds, 1);
	assert_int_equal(c.runs, 3);
	assert_int_equal(c.seconds, 110);
	assert_true(c.first_seen > 0 && c.last_seen >= c.first_seen);
	assert_int_equal(telemetry_get("store", "folio:/srv/pages", &c), 0);
	assert_int_equal(c.pages, 2);
	assert_int_equal(c.jams, 0);
}

static void test_describe(void **state)
{
	char text[256];
	int n;

	(void)state;
	n = telemetry_describe("store", "fujitsu:fi-7160", text, sizeof(text));
	assert_int_equal(n, (int)strlen(text));
	assert_string_equal(text, "scanner pages fed: 11\nscanner jams: 1\n"
				  "scanner double feeds: 1\nscanner hours: 0.0\n");
	/* Appends nothing for an unknown device, or when it does not fit. */
	assert_int_equal(telemetry_describe("store", "other:0", text, sizeof(text)), 0);
	assert_string_equal(text, "");
	assert_int_equal(telemetry_describe("store", "fujitsu:fi-7160", text, 20), 0);
	assert_string_equal(text, "");
}

static void test_bad(void **state)
{
	struct telemetry_counters d = { .pages = 1 };
	struct capture_result res = { .pages = 1 };
	FILE *f;

	(void)state;
	assert_int_equal(telemetry_add("store", &d), -EINVAL); /* no device name */
	snprintf(d.device, sizeof(d.device), "bad\tname");
	assert_int_equal(telemetry_add("store", &d), -EINVAL);
	assert_int_equal(
	    telemetry_record_capture("no-such-store", "x:0", 0, res.pages, res.seconds), -ENOENT);
	/* A file that is not ours is left alone. */
	assert_int_equal(mkdir("other", 0700), 0);
	f = fopen("other/telemetry", "w");
	assert_non_null(f);
	fputs("something else\n", f);
	fclose(f);
	assert_int_equal(telemetry_record_capture("other", "x:0", 0, res.pages, res.seconds),
			 -FOLIO_ECORRUPT);
}

static void test_many_devices(void **state)
{
	struct capture_result res = { .pages = 1 };
	struct telemetry_counters c;
	char name[32];

	(void)state;
	assert_int_equal(mkdir("many", 0700), 0);
	for (int i = 0; i < TELEMETRY_MAX_DEVICES + 3; i++) {
		snprintf(name, sizeof(name), "dev:%d", i);
		assert_int_equal(telemetry_record_capture("many", name, 0, res.pages, res.seconds),
				 0);
	}
	/* Bounded: the newest are kept. */
	snprintf(name, sizeof(name), "dev:%d", TELEMETRY_MAX_DEVICES + 2);
	assert_int_equal(telemetry_get("many", name, &c), 0);
	assert_int_equal(c.pages, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_many_devices),
	};

	return cmocka_run_group_tests_name("telemetry", tests, NULL, NULL);
}
