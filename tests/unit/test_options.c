/* Command-line options as a table (options.h): the forms accepted and each wrong usage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "options.h"

struct values {
	const char *batch, *out;
	unsigned pages;
	bool wait, again;
};

/* Parses the space-separated @line (argv[0] first) into @v; returns opt_parse()'s result. */
static int parse(const char *line, unsigned flags, struct values *v, char **args, char *why)
{
	static char buf[256];
	const struct opt opts[] = {
		OPT_STRING('b', "batch", &v->batch, "BATCH", "the batch"),
		OPT_STRING('o', "out", &v->out, "DIR", "where to"),
		OPT_UINT('n', "max-pages", &v->pages, "N", 500, "at most N pages"),
		OPT_FLAG('w', "wait", &v->wait, "wait"),
		OPT_FLAG('a', "again", &v->again, "again"),
		OPT_END(),
	};
	int argc = 0;

	memset(v, 0, sizeof(*v));
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t; t = strtok(NULL, " "))
		args[argc++] = t;
	args[argc] = NULL;
	why[0] = '\0';
	return opt_parse(opts, flags, argc, args, why, 160);
}

static void test_forms(void **state)
{
	struct values v;
	char *args[16], why[160];

	(void)state;
	assert_int_equal(parse("x --batch 3 -o dir --max-pages=7 -wa", 0, &v, args, why), 1);
	assert_string_equal(v.batch, "3");
	assert_string_equal(v.out, "dir");
	assert_int_equal(v.pages, 7);
	assert_true(v.wait && v.again);
	assert_null(args[1]);
	assert_int_equal(parse("x -b4 --out=d/e -n 500", 0, &v, args, why), 1);
	assert_string_equal(v.batch, "4");
	assert_string_equal(v.out, "d/e");
	assert_int_equal(v.pages, 500);
	assert_false(v.wait);
}

static void test_arguments(void **state)
{
	struct values v;
	char *args[16], why[160];

	(void)state;
	/* Arguments may stand among the options; "--" ends them; "-" is an argument. */
	assert_int_equal(parse("x one --wait two - -- --batch", 0, &v, args, why), 5);
	assert_string_equal(args[0], "x");
	assert_string_equal(args[1], "one");
	assert_string_equal(args[2], "two");
	assert_string_equal(args[3], "-");
	assert_string_equal(args[4], "--batch");
	assert_null(args[5]);
	assert_true(v.wait);
	assert_null(v.batch);
	/* A value is taken as it stands, even one that starts with '-'. */
	assert_int_equal(parse("x --batch --wait", 0, &v, args, why), 1);
	assert_string_equal(v.batch, "--wait");
	assert_false(v.wait);
	/* Stopping at the first argument leaves the command's own options alone. */
	assert_int_equal(parse("x -w scan --bogus", OPT_STOP_AT_ARGUMENT, &v, args, why), 3);
	assert_string_equal(args[1], "scan");
	assert_string_equal(args[2], "--bogus");
	assert_true(v.wait);
}

static void test_help(void **state)
{
	struct values v;
	char *args[16], why[160];

	(void)state;
	assert_int_equal(parse("x --help", 0, &v, args, why), OPT_HELP);
	assert_int_equal(parse("x one -h --bogus", 0, &v, args, why), OPT_HELP);
	assert_int_equal(parse("x -wh", 0, &v, args, why), OPT_HELP);
}

static void test_wrong_usage(void **state)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
		{ "x --bogus", "unknown option '--bogus'" },
		{ "x --bogus=1", "unknown option '--bogus'" },
		{ "x -z", "unknown option '-z'" },
		{ "x -wz", "unknown option '-z'" },
		{ "x --batc 3", "unknown option '--batc'" }, /* no abbreviations */
		{ "x --batch", "option '--batch' needs a value (BATCH)" },
		{ "x -b", "option '--batch' needs a value (BATCH)" },
		{ "x --wait=yes", "option '--wait' takes no value" },
		{ "x --max-pages 0", "option '--max-pages' takes a number from 1 to 500, not '0'" },
		{ "x -n 501", "option '--max-pages' takes a number from 1 to 500, not '501'" },
		{ "x -n -3", "option '--max-pages' takes a number from 1 to 500, not '-3'" },
		{ "x -n 7x", "option '--max-pages' takes a number from 1 to 500, not '7x'" },
		{ "x -n=7", "option '--max-pages' takes a number from 1 to 500, not '=7'" },
	};
	struct values v;
	char *args[16], why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].line, 0, &v, args, why), -FOLIO_EUSAGE);
		assert_string_equal(why, cases[i].why);
	}
}

static void test_help_text(void **state)
{
	const char *batch = NULL;
	bool now = false;
	const struct opt opts[] = {
		OPT_STRING('b', "batch", &batch, "BATCH", "the batch"),
		OPT_FLAG(0, "now", &now, "at once"),
		OPT_END(),
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	opt_print_help(opts, f);
	fclose(f);
	assert_string_equal(text, "  -b, --batch BATCH            the batch\n"
				  "      --now                    at once\n"
				  "  -h, --help                   this help\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),	  cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_help),	  cmocka_unit_test(test_wrong_usage),
		cmocka_unit_test(test_help_text),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
