/* The index fields of a document: checks shared by cover sheets, barcodes and `folio doc`. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/domain/appno.h"
#include "firmware/index/docfields.h"
#include "firmware/domain/office.h"

#define SHOWN 40 /* bytes of an input quoted in a reason */

/* Copies @s for quoting: printable ASCII only, at most SHOWN bytes. */
static const char *shown(const char *s, char buf[SHOWN + 4])
{
	size_t i;

	for (i = 0; i < SHOWN && s[i]; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i])
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

int docfields_check_office(const char *s, char *why, size_t why_size)
{
	char b[SHOWN + 4];

	if (!s)
		return folio_why(-EINVAL, why, why_size, "no office code");
	if (!office_code_valid(s))
		return folio_why(
		    -EINVAL, why, why_size,
		    "'%s' is not a WIPO ST.3 office code (two capital letters, e.g. KE)",
		    shown(s, b));
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int docfields_check_application(const struct folio_config *cfg, const char *office, enum ip_type t,
				const char *s, bool *ret_st13, char *why, size_t why_size)
{
	const struct index_rules *ir;
	char b[SHOWN + 4], st13_why[128];
	size_t len;
	int r;

	if (!s || !*s)
		return folio_why(-EINVAL, why, why_size, "empty application number");
	if ((int)t < IP_PATENT || t > IP_DESIGN)
		return folio_why(-EINVAL, why, why_size, "unknown IP type");
	len = strnlen(s, STORE_APPNO_LEN);
	if (len >= STORE_APPNO_LEN || len > APPNO_MAX)
		return folio_why(-EINVAL, why, why_size,
				 "application number '%s' is too long (at most %d)", shown(s, b),
				 MIN(STORE_APPNO_LEN - 1, APPNO_MAX));
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '|')
			return folio_why(
			    -EINVAL, why, why_size,
			    "application number '%s' has a character that is not allowed",
			    shown(s, b));
	if (s[0] == ' ' || s[len - 1] == ' ')
		return folio_why(-EINVAL, why, why_size,
				 "application number '%s' starts or ends with a space",
				 shown(s, b));

	r = appno_st13_check(s, t, st13_why, sizeof(st13_why));
	if (r == 0) {
		if (ret_st13)
			*ret_st13 = true;
		return 0;
	}
	ir = &cfg->index_rules[t];
	if (office && strcmp(office, cfg->office) == 0 && ir->pattern[0]) {
		char pwhy[128];

		r = appno_pattern_check(ir->pattern, ir->check_digit, s, pwhy, sizeof(pwhy));
		if (r == 0) {
			if (ret_st13)
				*ret_st13 = false;
			return 0;
		}
		if (len == 15 && all_digits(s, len))
			return folio_why(-EINVAL, why, why_size,
					 "'%s' is not a valid ST.13 number: %s", shown(s, b),
					 st13_why);
		return folio_why(-EINVAL, why, why_size,
				 "'%s' is not a %s %s application number (%s%s%s): %s", shown(s, b),
				 cfg->office, ip_type_name(t), ir->pattern,
				 strcmp(ir->check_digit, "none") ? ", check digit " : "",
				 strcmp(ir->check_digit, "none") ? ir->check_digit : "", pwhy);
	}
	if (len == 15 && all_digits(s, len))
		return folio_why(-EINVAL, why, why_size, "'%s' is not a valid ST.13 number: %s",
				 shown(s, b), st13_why);
	return folio_why(
	    -EINVAL, why, why_size,
	    "'%s' is not an ST.13 number (15 digits) and no pattern is configured for %s "
	    "%s numbers ([index] %s_pattern)",
	    shown(s, b), office ? office : "?", ip_type_name(t), ip_type_name(t));
}

static bool code_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Is @code a word of the space/comma-separated @list? */
static bool in_list(const char *list, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = list; *p;) {
		size_t w;

		while (*p == ' ' || *p == ',')
			p++;
		w = strcspn(p, " ,");
		if (w == n && w && memcmp(p, code, n) == 0)
			return true;
		p += w;
	}
	return false;
}

int docfields_check_code(const struct folio_config *cfg, enum ip_type t, const char *code,
			 char *why, size_t why_size)
{
	char b[SHOWN + 4];
	size_t len;

	if (!code || !*code)
		return folio_why(-EINVAL, why, why_size, "empty document code");
	if ((int)t < IP_PATENT || t > IP_DESIGN)
		return folio_why(-EINVAL, why, why_size, "unknown IP type");
	len = strnlen(code, STORE_NAME_LEN);
	if (len >= STORE_NAME_LEN)
		return folio_why(-EINVAL, why, why_size,
				 "document code '%s' is too long (at most %d)", shown(code, b),
				 STORE_NAME_LEN - 1);
	for (size_t i = 0; i < len; i++)
		if (!code_char(code[i]))
			return folio_why(
			    -EINVAL, why, why_size,
			    "document code '%s': use capital letters, digits, '_' and '-'",
			    shown(code, b));
	if (cfg->index_rules[t].codes[0] && !in_list(cfg->index_rules[t].codes, code))
		return folio_why(-EINVAL, why, why_size,
				 "'%s' is not a %s document code here: use one of %s",
				 shown(code, b), ip_type_name(t), cfg->index_rules[t].codes);
	return 0;
}

/* Days from 1970-01-01 to @y-@m-@d of the proleptic Gregorian calendar (negative before). */
static int32_t day_number(int y, int m, int d)
{
	/* Years counted from March, so that the leap day ends a year. */
	int ym = m <= 2 ? y - 1 : y;
	int era = (ym >= 0 ? ym : ym - 399) / 400;
	int yoe = ym - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int32_t)(era * 146097 + doe - 719468);
}

int docfields_parse_date(const char *s, int32_t *ret_day, char *why, size_t why_size)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char b[SHOWN + 4];
	int y, m, d, dim;

	if (!s)
		return folio_why(-EINVAL, why, why_size, "no date");
	if (strlen(s) != 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) ||
	    s[7] != '-' || !all_digits(s + 8, 2))
		return folio_why(-EINVAL, why, why_size,
				 "'%s' is not a date in the form YYYY-MM-DD", shown(s, b));
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12)
		return folio_why(-EINVAL, why, why_size, "'%s' is not a real date", s);
	dim = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d < 1 || d > dim)
		return folio_why(-EINVAL, why, why_size, "'%s' is not a real date", s);
	if (ret_day)
		*ret_day = day_number(y, m, d);
	return 0;
}

int docfields_check_date(const char *s, char *why, size_t why_size)
{
	time_t tomorrow = time(NULL) + 86400;
	int32_t day = 0;
	int r;

	r = docfields_parse_date(s, &day, why, why_size);
	if (r < 0)
		return r;
	if ((int64_t)day * 86400 > (int64_t)tomorrow)
		return folio_why(-EINVAL, why, why_size, "'%s' is in the future", s);
	return 0;
}

int docfields_apply(const struct folio_config *cfg, const struct document_info *doc,
		    const struct docfields_edit *e, struct document_info *ret, char *why,
		    size_t why_size)
{
	return docfields_apply_field(cfg, doc, e, ret, why, why_size, NULL);
}

/* Blames @field (when the caller asked) for the error @r; returns @r. */
static int blame(const char **ret_field, const char *field, int r)
{
	if (r < 0 && ret_field)
		*ret_field = field;
	return r;
}

int docfields_apply_field(const struct folio_config *cfg, const struct document_info *doc,
			  const struct docfields_edit *e, struct document_info *ret, char *why,
			  size_t why_size, const char **ret_field)
{
	struct document_info d = *doc;
	enum ip_type t;
	bool st13 = false;
	int r;

	if (e->office) {
		r = docfields_check_office(e->office, why, why_size);
		if (r < 0)
			return blame(ret_field, "office", r);
		snprintf(d.office, sizeof(d.office), "%s", e->office);
	}
	if (!d.office[0])
		snprintf(d.office, sizeof(d.office), "%s", cfg->office);
	if (e->ip_type) {
		if (ip_type_parse(e->ip_type, &t) < 0)
			return blame(
			    ret_field, "ip_type",
			    folio_why(-EINVAL, why, why_size,
				      "'%.20s' is not an IP type: use patent, trademark or design",
				      e->ip_type));
		d.ip_type = (int32_t)t;
	}
	if (d.ip_type < IP_PATENT || d.ip_type > IP_DESIGN)
		return blame(
		    ret_field, "ip_type",
		    folio_why(-EINVAL, why, why_size, "the document has no valid IP type"));
	t = (enum ip_type)d.ip_type;
	if (e->application) {
		if (strnlen(e->application, sizeof(d.application)) >= sizeof(d.application))
			return blame(ret_field, "application",
				     folio_why(-EINVAL, why, why_size,
					       "application number is too long (at most %zu)",
					       sizeof(d.application) - 1));
		snprintf(d.application, sizeof(d.application), "%s", e->application);
	}
	if (d.application[0]) {
		r = docfields_check_application(cfg, d.office, t, d.application, &st13, why,
						why_size);
		if (r < 0)
			return blame(ret_field, "application", r);
	}
	memset(d.st13, 0, sizeof(d.st13));
	if (st13) /* ST.13 numbers are 15 digits: exactly what st13 holds */
		memcpy(d.st13, d.application, sizeof(d.st13) - 1);
	if (e->document_code) {
		if (strnlen(e->document_code, sizeof(d.document_code)) >= sizeof(d.document_code))
			return blame(ret_field, "document_code",
				     folio_why(-EINVAL, why, why_size,
					       "document code is too long (at most %zu)",
					       sizeof(d.document_code) - 1));
		snprintf(d.document_code, sizeof(d.document_code), "%s", e->document_code);
	}
	r = docfields_check_code(cfg, t, d.document_code, why, why_size);
	if (r < 0)
		return blame(ret_field, "document_code", r);
	if (e->received) {
		if (e->received[0]) {
			r = docfields_check_date(e->received, why, why_size);
			if (r < 0)
				return blame(ret_field, "received", r);
		}
		snprintf(d.received, sizeof(d.received), "%s", e->received);
	}
	if (e->language) {
		if (strcmp(e->language, "en") != 0 && strcmp(e->language, "fr") != 0 &&
		    strcmp(e->language, "ar") != 0)
			return blame(
			    ret_field, "language",
			    folio_why(-EINVAL, why, why_size, "language must be en, fr or ar"));
		snprintf(d.language, sizeof(d.language), "%s", e->language);
	}
	*ret = d;
	return 0;
}
