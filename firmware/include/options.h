#ifndef FOLIO_OPTIONS_H
#define FOLIO_OPTIONS_H

/*
 * Command-line options as a table, as git's parse-options: each program and command names its
 * options once, in an array of struct opt ending with OPT_END(), each pointing at the
 * variable it sets. opt_parse() checks argv against the table before anything else happens
 * (no configuration read, no store opened), and the same table prints the options' help.
 *
 *	const char *batch = NULL;
 *	bool now = false;
 *	const struct opt opts[] = {
 *		OPT_STRING('b', "batch", &batch, "BATCH", "the batch to export"),
 *		OPT_FLAG(0, "now", &now, "at once"),
 *		OPT_END(),
 *	};
 *
 * Accepted forms: --name VALUE, --name=VALUE, -n VALUE, -nVALUE, grouped flags (-wa); "--"
 * ends the options; arguments that are no options may stand anywhere among them. -h and
 * --help are always known. Long names are matched whole (no abbreviations).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_type {
	OPT_TYPE_END,
	OPT_TYPE_FLAG,	 /* bool *: set to true */
	OPT_TYPE_STRING, /* const char **: the value, pointing into argv */
	OPT_TYPE_UINT,	 /* unsigned *: a decimal number from 1 to max */
};

struct opt {
	enum opt_type type;
	char short_name; /* 0: none */
	const char *long_name;
	void *value;
	const char *arg; /* the value's name in the help ("BATCH"), options with a value only */
	const char *help;
	unsigned max; /* OPT_TYPE_UINT */
};

#define OPT_FLAG(s, l, v, h)                               \
	{                                                  \
		OPT_TYPE_FLAG, (s), (l), (v), NULL, (h), 0 \
	}
#define OPT_STRING(s, l, v, a, h)                           \
	{                                                   \
		OPT_TYPE_STRING, (s), (l), (v), (a), (h), 0 \
	}
#define OPT_UINT(s, l, v, a, m, h)                          \
	{                                                   \
		OPT_TYPE_UINT, (s), (l), (v), (a), (h), (m) \
	}
#define OPT_END()                                          \
	{                                                  \
		OPT_TYPE_END, 0, NULL, NULL, NULL, NULL, 0 \
	}

enum opt_parse_flags {
	/* The first argument that is no option ends the options ("folio -v scan --device X"). */
	OPT_STOP_AT_ARGUMENT = 1 << 0,
};

/* What opt_parse() returns for -h or --help (then nothing else was checked or set). */
#define OPT_HELP (-1)

/*
 * opt_parse - set the variables of @opts from argv[1..@argc-1]
 * @flags: enum opt_parse_flags
 * @why: the problem in one line when the usage is wrong ("unknown option '--bogus'")
 *
 * Moves the arguments that are no options to argv[1..n] in their order (with
 * OPT_STOP_AT_ARGUMENT: the first one and all after it) and sets argv[n + 1] to NULL; argv[0]
 * stays. Returns n + 1 (the new argc), OPT_HELP, or -FOLIO_EUSAGE with @why filled. Variables
 * of options set before a wrong one may have changed.
 */
int opt_parse(const struct opt *opts, unsigned flags, int argc, char **argv, char *why,
	      size_t why_size);

/* opt_print_help - one line per option of @opts (and -h, --help) on @out, indented */
void opt_print_help(const struct opt *opts, FILE *out);

#endif
