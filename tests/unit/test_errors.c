/* Error names: errno values and Folio's own codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"

static void test_errno_values(void **state)
{
	(void)state;
	assert_string_equal(folio_strerror(-ENOENT), "No such file or directory");
	assert_string_equal(folio_strerror(ENOSPC), "No space left on device");
}

static void test_folio_codes(void **state)
{
	(void)state;
	assert_string_equal(folio_strerror(-FOLIO_EJAM), "paper jam");
	assert_string_equal(folio_strerror(-FOLIO_ESTATE), "not allowed in the current state");
	/* Every code has a message of its own: lower case, no full stop. */
	for (int e = FOLIO_E_BASE; e < FOLIO_E_END; e++) {
		const char *m = folio_strerror(-e);

		assert_string_not_equal(m, "unknown error");
		assert_true(m[0] >= 'a' && m[0] <= 'z');
		assert_int_not_equal(m[strlen(m) - 1], '.');
		for (int o = FOLIO_E_BASE; o < e; o++)
			assert_string_not_equal(m, folio_strerror(-o));
	}
}

static void test_unknown(void **state)
{
	(void)state;
	assert_string_equal(folio_strerror(0), "unknown error");
	assert_string_equal(folio_strerror(-FOLIO_E_END), "unknown error");
	assert_string_equal(folio_strerror(-9999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_values),
		cmocka_unit_test(test_folio_codes),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
