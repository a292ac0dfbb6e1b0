/* Application numbers: ST.13 and office patterns with check digits. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/domain/appno.h"

#define ST13_LEN 15
#define SHOWN_MAX 40 /* bytes of an input quoted in a reason */

/*
 * WIPO ST.13 codes for the type of IP right (first two digits), as far as Folio's IP types
 * use them.
 */
static const struct {
	char code[3];
	enum ip_type type;
	const char *what;
} st13_types[] = {
	{ "10", IP_PATENT, "patent" },
	{ "11", IP_PATENT, "plant patent" },
	{ "15", IP_PATENT, "supplementary protection certificate" },
	{ "20", IP_PATENT, "utility model" },
	{ "50", IP_TRADEMARK, "trademark" },
	{ "80", IP_DESIGN, "industrial design" },
};

static const char *const type_words[] = {
	[IP_PATENT] = "patent",
	[IP_TRADEMARK] = "trademark",
	[IP_DESIGN] = "design",
};

enum scheme { SCHEME_NONE, SCHEME_LUHN, SCHEME_MOD11, SCHEME_MOD97 };

static const struct {
	const char *name;
	enum scheme scheme;
	size_t n_check; /* '#' the pattern must have */
} schemes[] = {
	{ "none", SCHEME_NONE, 0 },
	{ "luhn", SCHEME_LUHN, 1 },
	{ "mod11", SCHEME_MOD11, 1 },
	{ "mod97", SCHEME_MOD97, 2 },
};

enum tok_kind { TOK_LITERAL, TOK_YEAR, TOK_SERIAL, TOK_CHECK };

struct pattern {
	enum tok_kind kind[APPNO_MAX];
	char literal[APPNO_MAX];
	size_t n;	   /* characters a matching number has */
	size_t year_start; /* index of the first Y */
	size_t n_year;
	size_t n_check;
	enum scheme scheme;
};

/* A printable, bounded copy of untrusted text for quoting in a reason. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < SHOWN_MAX && i + 4 < size && s[i]; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] && i + 4 <= size) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int appno_st13_check(const char *s, enum ip_type expected, char *why, size_t why_size)
{
	char b[SHOWN_MAX + 4];
	size_t len, i;
	unsigned year;

	if (why && why_size > 0)
		why[0] = '\0';
	if (!s)
		return folio_why(-EINVAL, why, why_size, "no ST.13 number given");
	if ((unsigned)expected >= ARRAY_SIZE(type_words))
		return folio_why(-EINVAL, why, why_size, "unknown IP type %d", (int)expected);
	len = strnlen(s, APPNO_MAX + 1);
	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return folio_why(
			    -EINVAL, why, why_size,
			    "'%s' has a non-digit at position %zu: an ST.13 number is 15 digits",
			    shown(s, b, sizeof(b)), i + 1);
	if (len != ST13_LEN)
		return folio_why(-EINVAL, why, why_size,
				 "'%s' has %zu digits: an ST.13 number has %d",
				 shown(s, b, sizeof(b)), len, ST13_LEN);

	for (i = 0; i < ARRAY_SIZE(st13_types); i++)
		if (memcmp(s, st13_types[i].code, 2) == 0)
			break;
	if (i == ARRAY_SIZE(st13_types))
		return folio_why(-EINVAL, why, why_size,
				 "'%s' starts with %.2s, which is no ST.13 IP type code known here",
				 s, s);
	if (st13_types[i].type != expected)
		return folio_why(-EINVAL, why, why_size,
				 "'%s' is a %s number (ST.13 type code %.2s), not a %s number", s,
				 st13_types[i].what, s, type_words[expected]);

	year = (unsigned)(s[2] - '0') * 1000 + (unsigned)(s[3] - '0') * 100 +
	       (unsigned)(s[4] - '0') * 10 + (unsigned)(s[5] - '0');
	if (year != 0 && (year < 1800 || year > 2099))
		return folio_why(-EINVAL, why, why_size, "'%s' has the impossible year %.4s", s,
				 s + 2);
	if (strspn(s + 6, "0") == 9)
		return folio_why(-EINVAL, why, why_size, "'%s' has the serial number zero", s);
	return 0;
}

static int pattern_compile(const char *pattern, const char *checkdigit, struct pattern *p,
			   char *why, size_t why_size)
{
	char b[SHOWN_MAX + 4];
	const char *name = (checkdigit && *checkdigit) ? checkdigit : "none";
	size_t i, want_check = 0;

	if (why && why_size > 0)
		why[0] = '\0';
	if (!pattern || !*pattern)
		return folio_why(-FOLIO_ECONFIG, why, why_size, "empty application number pattern");

	for (i = 0; i < ARRAY_SIZE(schemes); i++)
		if (strcmp(name, schemes[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(schemes))
		return folio_why(-FOLIO_ECONFIG, why, why_size,
				 "unknown check-digit scheme '%s': use none, luhn, mod11 or mod97",
				 shown(name, b, sizeof(b)));
	p->scheme = schemes[i].scheme;
	want_check = schemes[i].n_check;

	p->n = p->n_year = p->n_check = p->year_start = 0;
	for (const char *c = pattern; *c; c++) {
		enum tok_kind kind = TOK_LITERAL;
		char lit = *c;

		if (p->n == APPNO_MAX)
			return folio_why(
			    -FOLIO_ECONFIG, why, why_size,
			    "application number pattern '%s' is longer than %d characters",
			    shown(pattern, b, sizeof(b)), APPNO_MAX);
		if (*c == '\\') {
			lit = *++c;
			if (!lit)
				return folio_why(
				    -FOLIO_ECONFIG, why, why_size,
				    "application number pattern '%s' ends in a backslash",
				    shown(pattern, b, sizeof(b)));
		} else if (*c == 'Y') {
			kind = TOK_YEAR;
		} else if (*c == 'N') {
			kind = TOK_SERIAL;
		} else if (*c == '#') {
			kind = TOK_CHECK;
		}
		if (kind == TOK_LITERAL && (lit < 0x20 || lit >= 0x7f))
			return folio_why(
			    -FOLIO_ECONFIG, why, why_size,
			    "application number pattern '%s' has a character that is not "
			    "printable ASCII",
			    shown(pattern, b, sizeof(b)));
		if (kind == TOK_YEAR) {
			if (p->n_year == 0)
				p->year_start = p->n;
			else if (p->year_start + p->n_year != p->n)
				return folio_why(
				    -FOLIO_ECONFIG, why, why_size,
				    "the year digits of pattern '%s' are not one run of Ys",
				    shown(pattern, b, sizeof(b)));
			p->n_year++;
		}
		if (kind == TOK_CHECK)
			p->n_check++;
		p->kind[p->n] = kind;
		p->literal[p->n] = lit;
		p->n++;
	}
	if (p->n_year != 0 && p->n_year != 2 && p->n_year != 4)
		return folio_why(-FOLIO_ECONFIG, why, why_size,
				 "pattern '%s' has %zu year digits: use YY or YYYY",
				 shown(pattern, b, sizeof(b)), p->n_year);
	if (p->n_check != want_check)
		return folio_why(
		    -FOLIO_ECONFIG, why, why_size,
		    "pattern '%s' has %zu check digits ('#') but scheme '%s' needs %zu",
		    shown(pattern, b, sizeof(b)), p->n_check, name, want_check);
	for (i = 0; i < p->n; i++)
		if (p->kind[i] == TOK_SERIAL)
			return 0;
	return folio_why(-FOLIO_ECONFIG, why, why_size, "pattern '%s' has no serial digits (N)",
			 shown(pattern, b, sizeof(b)));
}

int appno_pattern_verify(const char *pattern, const char *checkdigit, char *why, size_t why_size)
{
	struct pattern p;

	return pattern_compile(pattern, checkdigit, &p, why, why_size);
}

/* True when the check characters fit the data digits under the pattern's scheme. */
static bool check_digits_ok(enum scheme scheme, const char *data, size_t n_data, const char *check)
{
	unsigned sum = 0, r = 0, value;
	size_t i;

	switch (scheme) {
	case SCHEME_NONE:
		return true;
	case SCHEME_LUHN:
		/* Positions counted from the right, the check digit being position 0. */
		sum = (unsigned)(check[0] - '0');
		for (i = 0; i < n_data; i++) {
			unsigned d = (unsigned)(data[n_data - 1 - i] - '0');

			if (i % 2 == 0) {
				d *= 2;
				if (d > 9)
					d -= 9;
			}
			sum += d;
		}
		return sum % 10 == 0;
	case SCHEME_MOD11:
		for (i = 0; i < n_data; i++)
			sum += (unsigned)(data[n_data - 1 - i] - '0') * (unsigned)(i + 2);
		value = (11 - sum % 11) % 11;
		return check[0] == (value == 10 ? 'X' : (char)('0' + value));
	case SCHEME_MOD97:
		for (i = 0; i < n_data; i++)
			r = (r * 10 + (unsigned)(data[i] - '0')) % 97;
		for (i = 0; i < 2; i++)
			r = (r * 10 + (unsigned)(check[i] - '0')) % 97;
		return r == 1;
	}
	return false;
}

int appno_pattern_check(const char *pattern, const char *checkdigit, const char *s, char *why,
			size_t why_size)
{
	char b[SHOWN_MAX + 4], data[APPNO_MAX], check[2] = { 0 };
	size_t len, i, n_data = 0, n_check = 0;
	struct pattern p = { 0 };
	unsigned year;
	int r;

	r = pattern_compile(pattern, checkdigit, &p, why, why_size);
	if (r < 0)
		return r;
	if (!s)
		return folio_why(-EINVAL, why, why_size, "no application number given");

	len = strnlen(s, APPNO_MAX + 1);
	if (len != p.n)
		return folio_why(
		    -EINVAL, why, why_size,
		    "application number '%s' has %s%zu characters, pattern '%s' has %zu",
		    shown(s, b, sizeof(b)), len > APPNO_MAX ? "more than " : "",
		    len > APPNO_MAX ? (size_t)APPNO_MAX : len, pattern, p.n);

	for (i = 0; i < p.n; i++) {
		char c = s[i];

		switch (p.kind[i]) {
		case TOK_LITERAL:
			if (c != p.literal[i])
				return folio_why(
				    -EINVAL, why, why_size,
				    "application number '%s' differs from pattern '%s' at "
				    "position %zu: expected '%c'",
				    shown(s, b, sizeof(b)), pattern, i + 1, p.literal[i]);
			break;
		case TOK_CHECK:
			if (!is_digit(c) && !(c == 'X' && p.scheme == SCHEME_MOD11))
				return folio_why(
				    -EINVAL, why, why_size,
				    "application number '%s' has no check digit at position "
				    "%zu",
				    shown(s, b, sizeof(b)), i + 1);
			check[n_check++] = c;
			break;
		case TOK_YEAR:
		case TOK_SERIAL:
			if (!is_digit(c))
				return folio_why(
				    -EINVAL, why, why_size,
				    "application number '%s' has no digit at position %zu",
				    shown(s, b, sizeof(b)), i + 1);
			data[n_data++] = c;
			break;
		}
	}

	if (p.n_year == 4) {
		const char *y = s + p.year_start;

		year = (unsigned)(y[0] - '0') * 1000 + (unsigned)(y[1] - '0') * 100 +
		       (unsigned)(y[2] - '0') * 10 + (unsigned)(y[3] - '0');
		if (year < 1800 || year > 2099)
			return folio_why(-EINVAL, why, why_size,
					 "application number '%s' has the impossible year %u", s,
					 year);
	}
	if (!check_digits_ok(p.scheme, data, n_data, check))
		return folio_why(-EINVAL, why, why_size,
				 "application number '%s' has a wrong check digit (%s)", s,
				 schemes[p.scheme].name);
	return 0;
}
