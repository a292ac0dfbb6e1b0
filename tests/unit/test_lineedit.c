/* requires: CONFIG_CONSOLE */
/* The console's line editor and word splitter: what a technician at a dumb terminal sees. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "firmware/console/lineedit.h"
#include "firmware/console/words.h"

static char echo[65536];
static size_t echo_len;

static void capture(const char *s, size_t n, void *user)
{
	(void)user;
	if (echo_len + n < sizeof(echo)) {
		memcpy(echo + echo_len, s, n);
		echo_len += n;
		echo[echo_len] = '\0';
	}
}

static size_t complete(const char *line, const char **ret, size_t max, void *user)
{
	static const char *const verbs[] = { "status", "store", "selftest" };
	size_t n = 0;

	(void)user;
	for (size_t i = 0; i < 3 && n < max; i++)
		if (strncmp(verbs[i], line, strlen(line)) == 0)
			ret[n++] = verbs[i];
	return n;
}

static const struct lineedit_ops ops = { .write = capture, .complete = complete };

/* Feeds @s; returns the first result that is not LINEEDIT_MORE. */
static enum lineedit_result feed(struct lineedit *le, const char *s, size_t n)
{
	enum lineedit_result r = LINEEDIT_MORE;

	for (size_t i = 0; i < n; i++) {
		enum lineedit_result one = lineedit_feed(le, (unsigned char)s[i]);

		if (r == LINEEDIT_MORE)
			r = one;
	}
	return r;
}

#define FEED(le, lit) feed(le, lit, sizeof(lit) - 1)

/* Feeds @keys, which end a line, and checks that the line is @line. */
static void expect_line(struct lineedit *le, const char *keys, const char *line)
{
	assert_int_equal(feed(le, keys, strlen(keys)), LINEEDIT_LINE);
	assert_string_equal(lineedit_line(le), line);
}

static struct lineedit *start(unsigned flags)
{
	static struct lineedit le;

	lineedit_init(&le, &ops);
	echo_len = 0;
	lineedit_start(&le, "> ", flags);
	return &le;
}

static void test_plain_line(void **state)
{
	struct lineedit *le = start(0);

	(void)state;
	expect_line(le, "status\r\n", "status");
	assert_string_equal(echo, "> status\r\n");
	/* The LF of CR LF is no second line, also when the next line started in between. */
	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "a\r"), LINEEDIT_LINE);
	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "\n"), LINEEDIT_MORE);
	expect_line(le, "x\n", "x");
}

static void test_erase(void **state)
{
	struct lineedit *le = start(0);

	(void)state;
	expect_line(le,
		    "daX\x08tY\x7f"
		    "e\r",
		    "date");
	assert_non_null(strstr(echo, "X\b \bt"));
	lineedit_start(le, "> ", 0);
	expect_line(le,
		    "rm -rf\x15"
		    "date\r",
		    "date");
	lineedit_start(le, "> ", 0);
	expect_line(le,
		    "log tail\x17"
		    "x\r",
		    "log x");
	/* A backspace takes a whole UTF-8 character, with one column of echo. */
	lineedit_start(le, "> ", 0);
	echo_len = 0;
	expect_line(le,
		    "\xe2\x82\xac\x7f"
		    "e\r",
		    "e");
	assert_string_equal(echo, "\xe2\x82\xac\b \be\r\n");
}

static void test_keys(void **state)
{
	struct lineedit *le = start(0);

	(void)state;
	assert_int_equal(FEED(le, "date\x03"), LINEEDIT_CANCEL);
	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "\x04"), LINEEDIT_EOF);
	lineedit_start(le, "> ", 0);
	expect_line(le, "x\x04\r", "x"); /* Ctrl-D on a line: nothing */
	/* Bytes after the end of a line wait for the next start. */
	assert_int_equal(FEED(le, "abc\r"), LINEEDIT_MORE);
}

static void test_history(void **state)
{
	struct lineedit *le = start(0);

	(void)state;
	lineedit_history_add(le, "date");
	lineedit_history_add(le, "status");
	lineedit_history_add(le, "status"); /* repeats are kept once */
	expect_line(le, "\x1b[A\r", "status");
	lineedit_start(le, "> ", 0);
	expect_line(le, "\x1b[A\x1bOA\r", "date");
	lineedit_start(le, "> ", 0);
	expect_line(le, "typed\x1b[A\x1b[B\r", "typed");
	/* Many more lines than kept: the oldest go. */
	for (int i = 0; i < 3 * LINEEDIT_HISTORY; i++) {
		char l[16];

		snprintf(l, sizeof(l), "line %d", i);
		lineedit_history_add(le, l);
	}
	lineedit_start(le, "> ", 0);
	for (int i = 0; i < LINEEDIT_HISTORY + 5; i++)
		FEED(le, "\x1b[A");
	expect_line(le, "\r", "line 40");
}

static void test_completion(void **state)
{
	struct lineedit *le = start(0);

	(void)state;
	expect_line(le, "sel\t\r", "selftest ");
	/* Several candidates: the common part, then a list and the line again. */
	lineedit_start(le, "> ", 0);
	echo_len = 0;
	FEED(le, "s\t");
	assert_string_equal(le->buf, "s");
	assert_non_null(strstr(echo, "status"));
	assert_non_null(strstr(echo, "selftest"));
	assert_non_null(strstr(echo, "\r\n> s"));
	lineedit_start(le, "> ", 0);
	FEED(le, "st\t");
	assert_string_equal(le->buf, "st");
	FEED(le, "a\t");
	assert_string_equal(le->buf, "status ");
}

static void test_refusals(void **state)
{
	struct lineedit *le = start(0);
	char *big = malloc(100 * 1024);

	(void)state;
	memset(big, 'a', 100 * 1024);
	echo_len = 0;
	assert_int_equal(feed(le, big, 100 * 1024), LINEEDIT_MORE);
	assert_true(echo_len <= 2 + LINEEDIT_MAX + 1); /* prompt, the line, one bell */
	assert_int_equal(FEED(le, "\r"), LINEEDIT_REFUSED);
	assert_non_null(strstr(lineedit_refusal(le), "longer than 255"));
	free(big);

	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "da\x01te\r"), LINEEDIT_REFUSED);
	assert_non_null(strstr(lineedit_refusal(le), "control characters"));
	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "\xff\xfe\r"), LINEEDIT_REFUSED);
	assert_non_null(strstr(lineedit_refusal(le), "UTF-8"));
	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "\xc0\xaf\r"), LINEEDIT_REFUSED); /* overlong '/' */
	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "\xed\xa0\x80\r"), LINEEDIT_REFUSED); /* surrogate */
	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "\xc2\x9b"
				  "1m\r"),
			 LINEEDIT_REFUSED); /* C1 CSI */
	lineedit_start(le, "> ", 0);
	assert_int_equal(FEED(le, "\xe2\x82x\r"), LINEEDIT_REFUSED); /* cut short */
	/* Good UTF-8 is taken as it is. */
	lineedit_start(le, "> ", 0);
	expect_line(le, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\x84\r",
		    "\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\x84");
	/* Unknown escape sequences are skipped, not refused. */
	lineedit_start(le, "> ", 0);
	expect_line(le, "\x1b[1;5Cda\x1b[3~te\r", "date");
}

static void test_secret(void **state)
{
	struct lineedit *le = start(LINEEDIT_SECRET);

	(void)state;
	expect_line(le,
		    "hunter22\x7f"
		    "3\r",
		    "hunter23");
	assert_null(strstr(echo, "hunter"));
	assert_null(strchr(echo, '*'));
	/* Never kept for Up. */
	lineedit_start(le, "> ", 0);
	expect_line(le, "\x1b[A\r", "");
}

static void test_words(void **state)
{
	char buf[256], *argv[WORDS_MAX];

	(void)state;
	assert_int_equal(words_split("  config set  station.id 'a b' \"c \\\" d\" e\\ f ", buf,
				     sizeof(buf), argv, WORDS_MAX),
			 6);
	assert_string_equal(argv[0], "config");
	assert_string_equal(argv[3], "a b");
	assert_string_equal(argv[4], "c \" d");
	assert_string_equal(argv[5], "e f");
	assert_null(argv[6]);
	assert_int_equal(words_split("''", buf, sizeof(buf), argv, WORDS_MAX), 1);
	assert_string_equal(argv[0], "");
	assert_int_equal(words_split("   ", buf, sizeof(buf), argv, WORDS_MAX), 0);
	assert_int_equal(words_split("a 'b", buf, sizeof(buf), argv, WORDS_MAX), -EINVAL);
	assert_int_equal(words_split("a\\", buf, sizeof(buf), argv, WORDS_MAX), -EINVAL);
	assert_int_equal(words_split("a b c d", buf, sizeof(buf), argv, 3), -E2BIG);
	assert_int_equal(words_split("abc", buf, 3, argv, WORDS_MAX), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_line), cmocka_unit_test(test_erase),
		cmocka_unit_test(test_keys),	   cmocka_unit_test(test_history),
		cmocka_unit_test(test_completion), cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_secret),	   cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests_name("lineedit", tests, NULL, NULL);
}
