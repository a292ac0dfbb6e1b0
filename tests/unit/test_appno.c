/* Application numbers: ST.13 and office patterns with check digits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/domain/appno.h"

/* A reason is one non-empty line. */
static void assert_reason(const char *why)
{
	assert_true(why[0] != '\0');
	assert_null(strchr(why, '\n'));
}

static void st13_ok(const char *s, enum ip_type t)
{
	char why[200] = "untouched";
	int r = appno_st13_check(s, t, why, sizeof(why));

	if (r != 0)
		fail_msg("'%s' rejected as %s: %s", s, ip_type_name(t), why);
}

static void st13_bad(const char *s, enum ip_type t, const char *reason_part)
{
	char why[200] = "";
	int r = appno_st13_check(s, t, why, sizeof(why));

	if (r != -EINVAL)
		fail_msg("'%s' as %s gave %d, not -EINVAL", s ? s : "(null)", ip_type_name(t), r);
	assert_reason(why);
	if (reason_part && !strstr(why, reason_part))
		fail_msg("reason '%s' does not mention '%s'", why, reason_part);
}

static void test_st13_good(void **state)
{
	(void)state;
	st13_ok("102024000000123", IP_PATENT);
	st13_ok("202023000004567", IP_PATENT); /* utility model */
	st13_ok("502024000012345", IP_TRADEMARK);
	st13_ok("802024000000017", IP_DESIGN);
	st13_ok("500000000012345", IP_TRADEMARK); /* office without year designation */
	st13_ok("101999999999999", IP_PATENT);
}

static void test_st13_bad(void **state)
{
	char small[8];

	(void)state;
	st13_bad("50202400001234", IP_TRADEMARK, "14 digits");
	st13_bad("5020240000123456", IP_TRADEMARK, "16 digits");
	st13_bad("50202400001234A", IP_TRADEMARK, "non-digit");
	st13_bad("5O2024000012345", IP_TRADEMARK, "position 2");
	st13_bad("50 2024 000012345", IP_TRADEMARK, "non-digit");
	st13_bad("", IP_TRADEMARK, "0 digits");
	st13_bad(NULL, IP_TRADEMARK, NULL);
	st13_bad("302024000012345", IP_PATENT, "type code"); /* no such type code */
	st13_bad("992024000012345", IP_DESIGN, "type code");
	st13_bad("502024000012345", IP_PATENT, "trademark"); /* right form, wrong IP type */
	st13_bad("102024000000123", IP_DESIGN, "not a design");
	st13_bad("802024000000017", IP_TRADEMARK, "industrial design");
	st13_bad("501700000012345", IP_TRADEMARK, "year");
	st13_bad("502024000000000", IP_TRADEMARK, "serial number zero");
	st13_bad("502024000012345", (enum ip_type)7, "IP type");

	/* A long, hostile input is quoted shortened and printable. */
	{
		char why[200];

		assert_int_equal(
		    appno_st13_check("5020240000123\x01\n45678901234567890123456789012345"
				     "67890123456789",
				     IP_TRADEMARK, why, sizeof(why)),
		    -EINVAL);
		assert_reason(why);
	}
	/* A small buffer is truncated, still terminated. */
	assert_int_equal(appno_st13_check("1", IP_PATENT, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(appno_st13_check("1", IP_PATENT, NULL, 0), -EINVAL);
}

static void pat_ok(const char *pattern, const char *cd, const char *s)
{
	char why[200] = "";
	int r = appno_pattern_check(pattern, cd, s, why, sizeof(why));

	if (r != 0)
		fail_msg("'%s' rejected by '%s' (%s): %s", s, pattern, cd ? cd : "null", why);
}

static void pat_bad(const char *pattern, const char *cd, const char *s, int err,
		    const char *reason_part)
{
	char why[200] = "";
	int r = appno_pattern_check(pattern, cd, s, why, sizeof(why));

	if (r != err)
		fail_msg("'%s' with '%s' (%s) gave %d, not %d", s ? s : "(null)", pattern,
			 cd ? cd : "null", r, err);
	assert_reason(why);
	if (reason_part && !strstr(why, reason_part))
		fail_msg("reason '%s' does not mention '%s'", why, reason_part);
}

static void test_pattern_plain(void **state)
{
	(void)state;
	pat_ok("KE/P/YYYY/NNNNNN", NULL, "KE/P/2024/000123");
	pat_ok("KE/P/YYYY/NNNNNN", "", "KE/P/2024/000123");
	pat_ok("KE/P/YYYY/NNNNNN", "none", "KE/P/2024/000123");
	pat_ok("T YY-NNNN", "none", "T 24-0042");
	pat_ok("\\N\\Y-YY-NNNN", NULL, "NY-24-0042"); /* escaped letters are literal */
	pat_bad("KE/P/YYYY/NNNNNN", NULL, "KE/P/2024/00012", -EINVAL, "characters");
	pat_bad("KE/P/YYYY/NNNNNN", NULL, "KE/P/2024/0001234", -EINVAL, "characters");
	pat_bad("KE/P/YYYY/NNNNNN", NULL, "KE/T/2024/000123", -EINVAL, "expected 'P'");
	pat_bad("KE/P/YYYY/NNNNNN", NULL, "ke/p/2024/000123", -EINVAL, "position 1");
	pat_bad("KE/P/YYYY/NNNNNN", NULL, "KE/P/20A4/000123", -EINVAL, "position 8");
	pat_bad("KE/P/YYYY/NNNNNN", NULL, "KE/P/1700/000123", -EINVAL, "year");
	pat_bad("KE/P/YYYY/NNNNNN", NULL, "", -EINVAL, NULL);
	pat_bad("KE/P/YYYY/NNNNNN", NULL, NULL, -EINVAL, NULL);
	pat_bad("\\N\\Y-YY-NNNN", NULL, "NN-24-0042", -EINVAL, "expected 'Y'");
}

static void test_pattern_checkdigits(void **state)
{
	(void)state;
	/* mod11 is the ISBN-10 rule: 0-306-40615-2 and 0-8044-2957-X are valid ISBNs. */
	pat_ok("NNNNNNNNN#", "mod11", "0306406152");
	pat_ok("NNNNNNNNN#", "mod11", "080442957X");
	pat_bad("NNNNNNNNN#", "mod11", "0306406153", -EINVAL, "check digit");
	pat_bad("NNNNNNNNN#", "mod11", "0306406157", -EINVAL, "check digit");
	pat_bad("NNNNNNNNN#", "mod11", "030640615X", -EINVAL, "check digit");
	pat_ok("KE/YYYY/NNNNN.#", "mod11", "KE/2024/00042.8");
	pat_bad("KE/YYYY/NNNNN.#", "mod11", "KE/2024/00042.5", -EINVAL, "check digit");
	/* Luhn: 7992739871-3 is the textbook example. */
	pat_ok("NNNNNNNNNN#", "luhn", "79927398713");
	pat_bad("NNNNNNNNNN#", "luhn", "79927398710", -EINVAL, "check digit");
	pat_bad("NNNNNNNNNN#", "luhn", "7992739871X", -EINVAL, "check digit");
	/* ISO 7064 MOD 97-10 over the year and serial digits. */
	pat_ok("YYYY/NNNNNNN-##", "mod97", "2024/0001234-39");
	pat_bad("YYYY/NNNNNNN-##", "mod97", "2024/0001234-38", -EINVAL, "check digit");
	pat_bad("YYYY/NNNNNNN-##", "mod97", "2024/0001243-39", -EINVAL, "check digit");
}

static void test_pattern_config(void **state)
{
	char why[200];

	(void)state;
	pat_bad("", NULL, "1", -FOLIO_ECONFIG, "empty");
	pat_bad(NULL, NULL, "1", -FOLIO_ECONFIG, "empty");
	pat_bad("NNNN#", "mod12", "12345", -FOLIO_ECONFIG, "mod12");
	pat_bad("NNNN", "mod11", "1234", -FOLIO_ECONFIG, "check digits");
	pat_bad("NNNN#", NULL, "12345", -FOLIO_ECONFIG, "check digits");
	pat_bad("NNNN#", "mod97", "12345", -FOLIO_ECONFIG, "check digits");
	pat_bad("YYY/NNN", NULL, "202/123", -FOLIO_ECONFIG, "year digits");
	pat_bad("YY/NNN/YY", NULL, "20/123/24", -FOLIO_ECONFIG, "one run");
	pat_bad("KE/YYYY", NULL, "KE/2024", -FOLIO_ECONFIG, "serial");
	pat_bad("NNN\\", NULL, "123", -FOLIO_ECONFIG, "backslash");
	pat_bad("NNN\t", NULL, "123\t", -FOLIO_ECONFIG, "printable");
	pat_bad("NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN", NULL, "1",
		-FOLIO_ECONFIG, "longer");

	assert_int_equal(appno_pattern_verify("KE/P/YYYY/NNNNNN", "none", why, sizeof(why)), 0);
	assert_int_equal(appno_pattern_verify("NNNNNNNNN#", "mod11", why, sizeof(why)), 0);
	assert_int_equal(appno_pattern_verify("NNNNNNNNN", "mod11", why, sizeof(why)),
			 -FOLIO_ECONFIG);
	assert_reason(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_st13_good),      cmocka_unit_test(test_st13_bad),
		cmocka_unit_test(test_pattern_plain),  cmocka_unit_test(test_pattern_checkdigits),
		cmocka_unit_test(test_pattern_config),
	};

	return cmocka_run_group_tests_name("appno", tests, NULL, NULL);
}
