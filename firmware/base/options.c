/* Command-line options as a table (options.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "options.h"

static const struct opt *find_long(const struct opt *opts, const char *name, size_t len)
{
	for (const struct opt *o = opts; o->type != OPT_TYPE_END; o++)
		if (o->long_name && strlen(o->long_name) == len &&
		    strncmp(o->long_name, name, len) == 0)
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
	for (const struct opt *o = opts; o->type != OPT_TYPE_END; o++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

/* The option as the user may have written it, for messages: "--batch" or "-b". */
static void name_of(const struct opt *o, char *buf, size_t size)
{
	if (o->long_name)
		snprintf(buf, size, "--%s", o->long_name);
	else
		snprintf(buf, size, "-%c", o->short_name);
}

static int set_value(const struct opt *o, const char *value, char *why, size_t why_size)
{
	char name[64];
	unsigned long v;
	char *end;

	name_of(o, name, sizeof(name));
	if (!value)
		return folio_why(-FOLIO_EUSAGE, why, why_size, "option '%s' needs a value (%s)",
				 name, o->arg ? o->arg : "a value");
	switch (o->type) {
	case OPT_TYPE_STRING:
		*(const char **)o->value = value;
		return 0;
	case OPT_TYPE_UINT:
		errno = 0;
		v = strtoul(value, &end, 10);
		if (value[0] < '0' || value[0] > '9' || errno || *end || v == 0 || v > o->max)
			return folio_why(-FOLIO_EUSAGE, why, why_size,
					 "option '%s' takes a number from 1 to %u, not '%s'", name,
					 o->max, value);
		*(unsigned *)o->value = (unsigned)v;
		return 0;
	default:
		*(bool *)o->value = true;
		return 0;
	}
}

/* One "--name[=value]" at argv[*i]; may take argv[*i + 1] as the value. */
static int parse_long(const struct opt *opts, int argc, char **argv, int *i, char *why,
		      size_t why_size)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o = find_long(opts, name, len);

	if (!o && len == 4 && strncmp(name, "help", 4) == 0)
		return OPT_HELP;
	if (!o)
		return folio_why(-FOLIO_EUSAGE, why, why_size, "unknown option '--%.*s'", (int)len,
				 name);
	if (o->type == OPT_TYPE_FLAG) {
		if (eq)
			return folio_why(-FOLIO_EUSAGE, why, why_size,
					 "option '--%s' takes no value", o->long_name);
		return set_value(o, "", why, why_size);
	}
	if (eq)
		return set_value(o, eq + 1, why, why_size);
	return set_value(o, *i + 1 < argc ? argv[++*i] : NULL, why, why_size);
}

/* One group of short options "-wa" or "-bVALUE" at argv[*i]. */
static int parse_short(const struct opt *opts, int argc, char **argv, int *i, char *why,
		       size_t why_size)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct opt *o = find_short(opts, *p);
		int r;

		if (!o && *p == 'h')
			return OPT_HELP;
		if (!o)
			return folio_why(-FOLIO_EUSAGE, why, why_size, "unknown option '-%c'", *p);
		if (o->type != OPT_TYPE_FLAG && p[1])
			return set_value(o, p + 1, why, why_size);
		if (o->type != OPT_TYPE_FLAG)
			return set_value(o, *i + 1 < argc ? argv[++*i] : NULL, why, why_size);
		r = set_value(o, "", why, why_size);
		if (r < 0)
			return r;
	}
	return 0;
}

int opt_parse(const struct opt *opts, unsigned flags, int argc, char **argv, char *why,
	      size_t why_size)
{
	int n = 1, i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') { /* "-" alone is an argument (standard input) */
			if (flags & OPT_STOP_AT_ARGUMENT)
				break;
			argv[n++] = argv[i];
			continue;
		}
		if (a[1] == '-')
			r = parse_long(opts, argc, argv, &i, why, why_size);
		else
			r = parse_short(opts, argc, argv, &i, why, why_size);
		if (r < 0)
			return r;
	}
	while (i < argc)
		argv[n++] = argv[i++];
	argv[n] = NULL;
	return n;
}

void opt_print_help(const struct opt *opts, FILE *out)
{
	for (const struct opt *o = opts; o->type != OPT_TYPE_END; o++) {
		char left[80];

		snprintf(left, sizeof(left), "%s%c%s%s%s%s%s", o->short_name ? "-" : " ",
			 o->short_name ? o->short_name : ' ',
			 o->short_name && o->long_name ? "," : " ", o->long_name ? " --" : "",
			 o->long_name ? o->long_name : "", o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-28s %s\n", left, o->help ? o->help : "");
	}
	fprintf(out, "  %-28s %s\n", "-h, --help", "this help");
}
