/* Scanner telemetry: counters per device beside the store, what a batch description shows. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "fileio.h"
#include "firmware/telemetry/telemetry.h"

/* A scratch store folder of the test's own, removed after it: no test reads another's files. */
static int setup(void **state)
{
	char *dir = strdup("/tmp/folio-telemetry-XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char *dir = *state;
	int r = remove_tree(dir);

	free(dir);
	return r < 0 ? -1 : 0;
}

/* @name in the test's folder, in a static buffer */
static const char *in(void **state, const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", (const char *)*state, name);
	return path;
}

/* The fi-7160's history: 7 pages, then 2 ended by a jam and 2 by a double feed (110 s). */
static void fujitsu_history(const char *store)
{
	assert_int_equal(telemetry_record_capture(store, "fujitsu:fi-7160", 0, 7, 90.4), 0);
	assert_int_equal(telemetry_record_capture(store, "fujitsu:fi-7160", -FOLIO_EJAM, 2, 10), 0);
	assert_int_equal(
	    telemetry_record_capture(store, "fujitsu:fi-7160", -FOLIO_EDOUBLEFEED, 2, 10), 0);
}

static void test_counts(void **state)
{
	const char *store = *state;
	struct telemetry_counters c;

	assert_int_equal(telemetry_get(store, "fujitsu:fi-7160", &c), -ENOENT);
	fujitsu_history(store);
	assert_int_equal(telemetry_record_capture(store, "folio:/srv/pages", 0, 2, 10), 0);

	assert_int_equal(telemetry_get(store, "fujitsu:fi-7160", &c), 0);
	assert_int_equal(c.pages, 11);
	assert_int_equal(c.jams, 1);
	assert_int_equal(c.double_feeds, 1);
	assert_int_equal(c.runs, 3);
	assert_int_equal(c.seconds, 110);
	assert_true(c.first_seen > 0 && c.last_seen >= c.first_seen);
	assert_int_equal(telemetry_get(store, "folio:/srv/pages", &c), 0);
	assert_int_equal(c.pages, 2);
	assert_int_equal(c.jams, 0);
}

static void test_describe(void **state)
{
	const char *store = *state;
	char text[256];
	int n;

	fujitsu_history(store);
	n = telemetry_describe(store, "fujitsu:fi-7160", text, sizeof(text));
	assert_int_equal(n, (int)strlen(text));
	assert_string_equal(text, "scanner pages fed: 11\nscanner jams: 1\n"
				  "scanner double feeds: 1\nscanner hours: 0.0\n");
	/* Appends nothing for an unknown device, or when it does not fit. */
	assert_int_equal(telemetry_describe(store, "other:0", text, sizeof(text)), 0);
	assert_string_equal(text, "");
	assert_int_equal(telemetry_describe(store, "fujitsu:fi-7160", text, 20), 0);
	assert_string_equal(text, "");
}

static void test_bad(void **state)
{
	const char *store = *state;
	struct telemetry_counters d = { .pages = 1 };
	FILE *f;

	assert_int_equal(telemetry_add(store, &d), -EINVAL); /* no device name */
	snprintf(d.device, sizeof(d.device), "bad\tname");
	assert_int_equal(telemetry_add(store, &d), -EINVAL);
	assert_int_equal(telemetry_record_capture(in(state, "no-such-store"), "x:0", 0, 1, 0),
			 -ENOENT);
	/* A file that is not ours is left alone. */
	f = fopen(in(state, "telemetry"), "w");
	assert_non_null(f);
	fputs("something else\n", f);
	fclose(f);
	assert_int_equal(telemetry_record_capture(store, "x:0", 0, 1, 0), -FOLIO_ECORRUPT);
}

/* How many of PREFIX:0 .. PREFIX:(@n - 1) the store still has counters for. */
static int kept(const char *store, const char *prefix, int n)
{
	struct telemetry_counters c;
	char name[32];
	int k = 0;

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s:%d", prefix, i);
		k += telemetry_get(store, name, &c) == 0;
	}
	return k;
}

/* How many of the devices test_many_devices names the store has counters for. */
static int kept_all(const char *store)
{
	return kept(store, "dev", TELEMETRY_MAX_DEVICES) + kept(store, "new", 2) +
	       kept(store, "more", TELEMETRY_MAX_DEVICES + 3);
}

static void test_many_devices(void **state)
{
	const char *store = *state;
	struct telemetry_counters c;
	char name[32];
	FILE *f;

	/* A full file: dev:0..31, each seen a minute after the one before it, except dev:9,
	 * seen first of all (so the one to go is neither the first line nor the last). */
	f = fopen(in(state, "telemetry"), "w");
	assert_non_null(f);
	fputs("# folio telemetry 1: device pages jams double_feeds cover_open device_lost runs "
	      "seconds first_seen last_seen\n",
	      f);
	for (int i = 0; i < TELEMETRY_MAX_DEVICES; i++) {
		long seen = i == 9 ? 1700000000L : 1700000000L + 60L * (i + 1);

		fprintf(f, "dev:%d\t%d\t0\t0\t0\t0\t1\t0\t%ld\t%ld\n", i, 100 + i, seen, seen);
	}
	assert_int_equal(fclose(f), 0);
	assert_int_equal(kept_all(store), TELEMETRY_MAX_DEVICES);

	/* A new scanner: the one seen longest ago is forgotten, every other one kept as it was. */
	assert_int_equal(telemetry_record_capture(store, "new:0", 0, 1, 0), 0);
	assert_int_equal(telemetry_get(store, "dev:9", &c), -ENOENT);
	assert_int_equal(kept_all(store), TELEMETRY_MAX_DEVICES);
	assert_int_equal(telemetry_get(store, "new:0", &c), 0);
	assert_int_equal(c.pages, 1);
	assert_int_equal(telemetry_get(store, "dev:0", &c), 0);
	assert_int_equal(c.pages, 100);
	snprintf(name, sizeof(name), "dev:%d", TELEMETRY_MAX_DEVICES - 1);
	assert_int_equal(telemetry_get(store, name, &c), 0);
	assert_int_equal(c.pages, 100 + TELEMETRY_MAX_DEVICES - 1);

	/* Next goes dev:0, now the one seen longest ago; a scanner seen again is not new. */
	assert_int_equal(telemetry_record_capture(store, "dev:5", 0, 1, 0), 0);
	assert_int_equal(kept_all(store), TELEMETRY_MAX_DEVICES);
	assert_int_equal(telemetry_record_capture(store, "new:1", 0, 1, 0), 0);
	assert_int_equal(telemetry_get(store, "dev:0", &c), -ENOENT);
	assert_int_equal(telemetry_get(store, "new:1", &c), 0);
	assert_int_equal(telemetry_get(store, "dev:5", &c), 0);
	assert_int_equal(c.pages, 106);

	/* However many come, the file holds TELEMETRY_MAX_DEVICES and the newest is there. */
	for (int i = 0; i < TELEMETRY_MAX_DEVICES + 3; i++) {
		snprintf(name, sizeof(name), "more:%d", i);
		assert_int_equal(telemetry_record_capture(store, name, 0, 1, 0), 0);
	}
	assert_int_equal(telemetry_get(store, name, &c), 0);
	assert_int_equal(kept_all(store), TELEMETRY_MAX_DEVICES);
}

/* Devices seen in the same second (a station's clock has seconds): they go in the order they
 * were seen, not the last one added first. */
static void test_same_second(void **state)
{
	const char *store = *state;
	struct telemetry_counters c;
	char name[32];

	for (int i = 0; i < TELEMETRY_MAX_DEVICES + 2; i++) {
		snprintf(name, sizeof(name), "tie:%d", i);
		assert_int_equal(telemetry_record_capture(store, name, 0, 1, 0), 0);
	}
	assert_int_equal(kept(store, "tie", 2), 0);
	assert_int_equal(kept(store, "tie", TELEMETRY_MAX_DEVICES + 2), TELEMETRY_MAX_DEVICES);
	snprintf(name, sizeof(name), "tie:%d", TELEMETRY_MAX_DEVICES - 1);
	assert_int_equal(telemetry_get(store, name, &c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_second, setup, teardown),
	};

	return cmocka_run_group_tests_name("telemetry", tests, NULL, NULL);
}
