/*
 * EVENTS.txt, a batch's chain of custody: lines written by events_line() pass events_check(),
 * and every way an office could receive it altered is refused with a line saying where.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/package/events.h"

static const struct {
	uint64_t seq;
	const char *what, *detail;
} chain[] = {
	{ 3, "batch-create", "device 'test:0' profile 'default'" },
	{ 4, "page-capture", "TIFF 2480x3508 300 dpi" },
	{ 9, "document-edit", "code 'SCAN' -> 'APPFORM'\twith a tab, a \\ and \x01" },
	{ 12, "batch-state", "open -> closed" },
	{ 15, "batch-state", "closed -> approved" },
	{ 16, "batch-state", "approved -> packaged" },
};

/* The text of the chain of batch 7 (events @skip and later left out when skip < 6). */
static size_t build(char *buf, size_t size, size_t skip)
{
	char link[EVENTS_LINK_HEX];
	size_t n = strlen(EVENTS_HEADER);

	memset(link, '0', 64);
	link[64] = '\0';
	memcpy(buf, EVENTS_HEADER, n);
	for (size_t i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
		struct custody_event e = {
			.seq = chain[i].seq,
			.time = 1764000000 + (int64_t)i,
			.batch = 7,
			.who = "clerk",
			.what = chain[i].what,
			.detail = chain[i].detail,
		};
		int w;

		if (i == skip)
			continue;
		memset(e.station_hash, (int)i + 1, sizeof(e.station_hash));
		w = events_line(&e, link, buf + n, size - n);
		assert_true(w > 0);
		n += (size_t)w;
	}
	buf[n] = '\0';
	return n;
}

static void expect(const char *text, size_t len, uint32_t batch, const char *reason)
{
	char why[256] = "";

	assert_int_equal(events_check(text, len, batch, NULL, why, sizeof(why)), -FOLIO_ECORRUPT);
	if (!strstr(why, reason))
		fail_msg("reason '%s' does not say '%s'", why, reason);
}

static void test_good_chain(void **state)
{
	static char buf[8192];
	struct events_summary s;
	char why[256] = "";
	size_t n = build(buf, sizeof(buf), 99);

	(void)state;
	assert_int_equal(events_check(buf, n, 7, &s, why, sizeof(why)), 0);
	assert_int_equal(s.events, 6);
	assert_int_equal(s.first_seq, 3);
	assert_int_equal(s.approved_seq, 15);
	/* Control characters, tabs and backslashes are escaped: one line per event. */
	assert_non_null(strstr(buf, "\\x09with a tab, a \\x5c and \\x01\t"));
	assert_int_equal(s.approved_time, 1764000004);
}

static void test_altered_chains(void **state)
{
	static char buf[8192], bad[8192];
	size_t n = build(buf, sizeof(buf), 99), m;
	char *p;

	(void)state;
	/* Another batch's chain. */
	expect(buf, n, 8, "an event of batch 7, not of 8");
	/* One character of a detail changed. */
	memcpy(bad, buf, n + 1);
	p = strstr(bad, "open -> closed");
	p[0] = 'O';
	expect(bad, n, 7, "line 5 (event 12): the chain is broken");
	/* A line removed from the middle: the next line's link no longer follows. */
	memcpy(bad, buf, n + 1);
	p = strstr(bad, "\n9\t");
	memmove(p + 1, strchr(p + 1, '\n') + 1, strlen(strchr(p + 1, '\n') + 1) + 1);
	expect(bad, strlen(bad), 7, "line 4 (event 12): the chain is broken");
	/* The first event left out (a chain re-linked from there): not from the beginning. */
	m = build(bad, sizeof(bad), 0);
	expect(bad, m, 7, "not with the batch's batch-create");
	/* The last line dropped: still a valid chain up to there; the approval too: refused. */
	memcpy(bad, buf, n + 1);
	*strrchr(bad, '\n') = '\0';
	p = strrchr(bad, '\n');
	assert_int_equal(events_check(bad, (size_t)(p - bad) + 1, 7, NULL, NULL, 0), 0);
	*p = '\0';
	p = strrchr(bad, '\n');
	expect(bad, (size_t)(p - bad) + 1, 7, "has no approval");
	/* Truncated mid-line, header missing, a NUL byte, a line too long, extra field. */
	expect(buf, n - 10, 7, "does not end with a newline");
	expect(buf + strlen(EVENTS_HEADER), n - strlen(EVENTS_HEADER), 7, "header line");
	memcpy(bad, buf, n + 1);
	bad[strlen(EVENTS_HEADER) + 3] = '\0';
	expect(bad, n, 7, "control character");
	memcpy(bad, buf, n + 1);
	p = strstr(bad, "batch-create");
	p[0] = '\x1b'; /* an escape sequence for the office's terminal */
	expect(bad, n, 7, "line 2 holds a control character (byte");
	memcpy(bad, buf, strlen(EVENTS_HEADER));
	memset(bad + strlen(EVENTS_HEADER), 'x', 3000);
	bad[strlen(EVENTS_HEADER) + 3000] = '\n';
	expect(bad, strlen(EVENTS_HEADER) + 3001, 7, "longer than");
	memcpy(bad, buf, n + 1);
	p = strchr(bad + strlen(EVENTS_HEADER), '\n');
	memmove(p + 2, p, strlen(p) + 1);
	p[0] = '\t';
	p[1] = 'x';
	expect(bad, n + 2, 7, "line 2 has more than 10 fields");
	expect(buf, 0, 7, "is empty");
	expect(EVENTS_HEADER, strlen(EVENTS_HEADER), 7, "holds no event");
}

static void test_order_and_approval(void **state)
{
	static char buf[8192];
	char link[EVENTS_LINK_HEX];
	size_t n = strlen(EVENTS_HEADER);
	static const uint64_t seqs[] = { 5, 5 };

	(void)state;
	/* A repeated event number (a replayed line, re-chained) is refused. */
	memset(link, '0', 64);
	link[64] = '\0';
	memcpy(buf, EVENTS_HEADER, n);
	for (size_t i = 0; i < 2; i++) {
		struct custody_event e = { .seq = seqs[i],
					   .time = 1764000000,
					   .batch = 1,
					   .who = "w",
					   .what = i ? "batch-state" : "batch-create",
					   .detail = "closed -> approved" };
		n += (size_t)events_line(&e, link, buf + n, sizeof(buf) - n);
	}
	expect(buf, n, 1, "does not follow 5");
	/* A chain that starts later than the batch's creation, or never approved. */
	n = build(buf, sizeof(buf), 99);
	{
		char link2[EVENTS_LINK_HEX];
		size_t m = strlen(EVENTS_HEADER);
		struct custody_event e = { .seq = 1,
					   .time = 1764000000,
					   .batch = 7,
					   .who = "w",
					   .what = "batch-create",
					   .detail = "" };

		memset(link2, '0', 64);
		link2[64] = '\0';
		m += (size_t)events_line(&e, link2, buf + m, sizeof(buf) - m);
		expect(buf, m, 7, "has no approval");
		e.what = "page-capture";
		m = strlen(EVENTS_HEADER);
		memset(link2, '0', 64);
		m += (size_t)events_line(&e, link2, buf + m, sizeof(buf) - m);
		expect(buf, m, 7, "not with the batch's batch-create");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_chain),
		cmocka_unit_test(test_altered_chains),
		cmocka_unit_test(test_order_and_approval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
