/* Messages by code (firmware/core/message.h): the English text from the template and the
 * parameters, a problem nested in the message that names it, and the table's own rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "firmware/core/message.h"

static void test_render(void **state)
{
	struct msg m;

	(void)state;
	msg_init(&m, MSG_BATCH_STATE);
	msg_num(&m, "batch", 7);
	msg_str(&m, "state", "closed");
	msg_str(&m, "to", "open");
	msg_render(&m);
	assert_string_equal(m.text, "batch 7 is closed and cannot become open");
	assert_string_equal(msg_code_name(m.code), "batch-state");
	assert_int_equal(m.n_params, 3);
	/* A parameter that is not given stays as the template names it. */
	msg_init(&m, MSG_PAGE_NOT_FOUND);
	msg_num(&m, "page", 3);
	msg_render(&m);
	assert_string_equal(m.text, "batch {batch} has no page 3");
}

static void test_nested(void **state)
{
	struct msg problem, m;

	(void)state;
	msg_init(&problem, MSG_DOC_FIELD_INVALID);
	msg_str(&problem, "field", "application");
	msg_str(&problem, "detail", "application number '12' is too short");
	msg_render(&problem);
	assert_string_equal(problem.text, "application number '12' is too short");
	msg_init(&m, MSG_BATCH_DOC_PROBLEM);
	msg_num(&m, "batch", 4);
	msg_num(&m, "doc", 2);
	msg_sub(&m, "problem", problem.code);
	msg_copy_params(&m, &problem);
	assert_int_equal(msg_set(-22, &m), -22);
	assert_string_equal(m.text, "batch 4, document 2: application number '12' is too short: "
				    "index it before approving");
	assert_string_equal(m.params[2].text, "doc-field-invalid");
	assert_int_equal(m.params[2].kind, MSG_KIND_CODE);
}

static void test_long_text(void **state)
{
	char text[MSG_PARAM_TEXT + 8];
	struct msg m;

	(void)state;
	/* Two-byte characters across the limit: cut before the one that does not fit. */
	for (size_t i = 0; i + 2 < sizeof(text); i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	text[sizeof(text) - 2] = '\0';
	msg_init(&m, MSG_CAPTURE_REFUSED);
	msg_str(&m, "detail", text);
	assert_true(strlen(m.params[0].text) < MSG_PARAM_TEXT);
	assert_int_equal(strlen(m.params[0].text) % 2, 0);
	msg_render(&m);
	assert_true(strlen(m.text) < MSG_TEXT_LEN);
}

/* Values are put in as they are: '%' and '{name}' in a value are text, not asked for again. */
static void test_odd_values(void **state)
{
	struct msg m;

	(void)state;
	msg_init(&m, MSG_STORE_ERROR);
	msg_str(&m, "what", "{error} 100% %s%n {what}");
	msg_str(&m, "error", "{");
	msg_render(&m);
	assert_string_equal(m.text, "{error} 100% %s%n {what}: {");
	/* A '{' with no '}' in the template's place, and a NULL text, are plain. */
	msg_init(&m, MSG_CAPTURE_REFUSED);
	msg_str(&m, "detail", NULL);
	msg_render(&m);
	assert_string_equal(m.text, "");
}

static bool valid_utf8(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int more = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : -1;

		if (more < 0)
			return false;
		for (p++; more--; p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

/* Two long values past the text's bound: cut whole, between characters, never past it. */
static void test_long_render(void **state)
{
	char text[MSG_PARAM_TEXT];
	struct msg m;

	(void)state;
	for (int shift = 0; shift < 3; shift++) {
		size_t i = 0;

		for (; (int)i < shift; i++)
			text[i] = 'x';
		for (; i + 3 < sizeof(text); i += 3)
			memcpy(text + i, "\xe2\x82\xac", 3); /* the euro sign */
		text[i] = '\0';
		msg_init(&m, MSG_STORE_ERROR);
		msg_str(&m, "what", text);
		msg_str(&m, "error", text);
		msg_render(&m);
		assert_true(strlen(m.text) < MSG_TEXT_LEN);
		assert_true(strlen(m.text) > MSG_TEXT_LEN - 4);
		assert_true(valid_utf8(m.text));
	}
}

static void test_table(void **state)
{
	(void)state;
	/* Codes are lower-case words with '-', each once; texts lower-case, no full stop. */
	for (int i = 0; i < MSG__COUNT; i++) {
		const char *c = msg_code_name((enum msg_code)i);
		const char *t = msg_template((enum msg_code)i);

		assert_true(strlen(c) > 2 && strspn(c, "abcdefghijklmnopqrstuvwxyz-") == strlen(c));
		assert_true(t[0] && t[strlen(t) - 1] != '.');
		for (int o = 0; o < i; o++)
			assert_string_not_equal(c, msg_code_name((enum msg_code)o));
	}
	assert_string_equal(msg_code_name(MSG__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),	    cmocka_unit_test(test_nested),
		cmocka_unit_test(test_long_text),   cmocka_unit_test(test_odd_values),
		cmocka_unit_test(test_long_render), cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
