/*
 * The clerk UI's own parsing: JSON in and out, routes, request bodies (firmware/web).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "firmware/web/json.h"
#include "firmware/web/request.h"

static int parse(const char *text, struct json *j)
{
	return json_parse(text, strlen(text), j, NULL, 0);
}

static void test_json_accepts_what_rfc8259_allows(void **state)
{
	static const char *const good[] = {
		"{}",
		"[]",
		"0",
		"-0.5e+3",
		"\"\"",
		"true",
		" null ",
		"{\"a\":[1,2,{\"b\":\"\\u00e9\\ud83d\\ude00\"}],\"c\":false}",
		"\"\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9\"", /* Arabic, UTF-8 */
	};
	static const char *const bad[] = {
		"",
		"{",
		"{\"a\"}",
		"{\"a\":1,}",
		"[1,]",
		"01",
		"1.",
		"-",
		"tru",
		"\"\x01\"",
		"\"\\x\"",
		"\"\\u12\"",
		"[1] 2",
		"{'a':1}",
		"\"\xff\"",
		"\"\xc0\xaf\"",	    /* overlong '/' */
		"\"\xed\xa0\x80\"", /* a surrogate in UTF-8 */
	};
	struct json j;
	char why[96];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(parse(good[i], &j), 0);
		json_release(&j);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(json_parse(bad[i], strlen(bad[i]), &j, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "at byte"));
	}
}

static void test_json_bounds(void **state)
{
	char deep[64] = "", *many;
	struct json j;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		deep[n++] = ']';
	assert_int_equal(parse(deep, &j), -FOLIO_ETOOBIG);
	deep[1] = ']'; /* one level less deep would do: [] then garbage */

	many = malloc(2 * JSON_MAX_TOKENS + 8);
	assert_non_null(many);
	n = 0;
	many[n++] = '[';
	for (int i = 0; i < JSON_MAX_TOKENS; i++) {
		many[n++] = '1';
		many[n++] = ',';
	}
	many[n - 1] = ']';
	assert_int_equal(json_parse(many, n, &j, NULL, 0), -FOLIO_ETOOBIG);
	free(many);
}

static void test_json_getters_check_type_and_range(void **state)
{
	struct json j;
	char buf[8];
	int64_t v;
	bool b;

	(void)state;
	assert_int_equal(
	    parse("{\"n\":42,\"s\":\"a\\\"b\\\\c\\/\",\"t\":true,\"big\":"
		  "99999999999999999999,\"f\":1.5,\"nul\":\"\\u0000\",\"nl\":\"a\\nb\","
		  "\"long\":\"abcdefghij\"}",
		  &j),
	    0);
	assert_int_equal(json_get_int(&j, json_member(&j, 0, "n"), 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(json_get_int(&j, json_member(&j, 0, "n"), 1, 41, &v), -EINVAL);
	assert_int_equal(json_get_int(&j, json_member(&j, 0, "big"), 0, INT64_MAX, &v), -EINVAL);
	assert_int_equal(json_get_int(&j, json_member(&j, 0, "f"), 0, 10, &v), -EINVAL);
	assert_int_equal(json_get_int(&j, json_member(&j, 0, "s"), 0, 10, &v), -EINVAL);
	assert_int_equal(json_get_string(&j, json_member(&j, 0, "s"), buf, sizeof(buf)), 6);
	assert_string_equal(buf, "a\"b\\c/");
	assert_int_equal(json_get_bool(&j, json_member(&j, 0, "t"), &b), 0);
	assert_true(b);
	/* No NUL or control characters in a field; no truncation either. */
	assert_int_equal(json_get_string(&j, json_member(&j, 0, "nul"), buf, sizeof(buf)), -EINVAL);
	assert_int_equal(json_get_string(&j, json_member(&j, 0, "nl"), buf, sizeof(buf)), -EINVAL);
	assert_int_equal(json_get_string(&j, json_member(&j, 0, "long"), buf, sizeof(buf)),
			 -FOLIO_ETOOBIG);
	assert_int_equal(json_member(&j, 0, "absent"), 0);
	json_release(&j);
}

static void test_json_writer_escapes(void **state)
{
	struct json_writer w;
	size_t len;
	char *text;

	(void)state;
	jw_init(&w);
	jw_object(&w);
	jw_kstr(&w, "q", "say \"hi\"\\\n\x01");
	jw_kint(&w, "n", -7);
	jw_key(&w, "list");
	jw_array(&w);
	jw_bool(&w, true);
	jw_null(&w);
	jw_double(&w, 1.25, 1);
	jw_end(&w);
	jw_kstr(&w, "ar", "\xd9\x85");
	jw_end(&w);
	text = jw_take(&w, &len);
	assert_non_null(text);
	assert_string_equal(text, "{\"q\":\"say \\\"hi\\\"\\\\\\n\\u0001\",\"n\":-7,"
				  "\"list\":[true,null,1.2],\"ar\":\"\xd9\x85\"}");
	assert_int_equal(len, strlen(text));
	free(text);
}

static void route_is(const char *method, const char *url, enum web_route_id id, uint32_t batch,
		     uint32_t doc, uint32_t page)
{
	struct web_route rt;

	assert_int_equal(web_route(method, url, &rt), 0);
	assert_int_equal(rt.id, id);
	assert_int_equal(rt.batch, batch);
	assert_int_equal(rt.document, doc);
	assert_int_equal(rt.page, page);
}

static void test_routes(void **state)
{
	struct web_route rt;

	(void)state;
	route_is("GET", "/", ROUTE_ASSET, 0, 0, 0);
	route_is("GET", "/app.js", ROUTE_ASSET, 0, 0, 0);
	route_is("POST", "/api/login", ROUTE_LOGIN, 0, 0, 0);
	route_is("GET", "/api/batches/7", ROUTE_BATCH, 7, 0, 0);
	route_is("PUT", "/api/batches/7/documents/2", ROUTE_DOCUMENT, 7, 2, 0);
	route_is("GET", "/api/batches/7/pages/12/image", ROUTE_PAGE_IMAGE, 7, 0, 12);
	route_is("DELETE", "/api/batches/4294967295/pages/1", ROUTE_PAGE_DELETE, 4294967295u, 0, 1);
	route_is("POST", "/api/batches/1/approve", ROUTE_BATCH_APPROVE, 1, 0, 0);
	assert_int_equal(web_route("GET", "/", &rt), 0);
	assert_string_equal(rt.asset, "index.html");
	assert_true(rt.flags & ROUTE_OPEN);

	assert_int_equal(web_route("POST", "/api/batches/1/approve", &rt), 0);
	assert_true(rt.flags & ROUTE_SUPERVISOR);
	assert_true(rt.flags & ROUTE_CHANGES);
	assert_int_equal(web_route("GET", "/api/events", &rt), 0);
	assert_true(rt.flags & ROUTE_PASSIVE);

	/* 404, 405, 400 */
	assert_int_equal(web_route("GET", "/api/nothing", &rt), -ENOENT);
	assert_int_equal(web_route("GET", "/.hidden", &rt), -ENOENT);
	assert_int_equal(web_route("GET", "/static/../x", &rt), -ENOENT);
	assert_int_equal(web_route("GET", "/api/batches/7/pages", &rt), -ENOENT);
	assert_int_equal(web_route("DELETE", "/api/batches/7", &rt), -EOPNOTSUPP);
	assert_int_equal(web_route("POST", "/", &rt), -EOPNOTSUPP);
	assert_int_equal(web_route("GET", "/api/batches/0", &rt), -EINVAL);
	assert_int_equal(web_route("GET", "/api/batches/007", &rt), -EINVAL);
	assert_int_equal(web_route("GET", "/api/batches/4294967296", &rt), -EINVAL);
	assert_int_equal(web_route("GET", "/api/batches/abc", &rt), -EINVAL);
	assert_int_equal(web_route("GET", "/api/batches/-1/pages/2/text", &rt), -EINVAL);
	assert_int_equal(web_route("PUT", "/api/batches/7", &rt), -EOPNOTSUPP);
	assert_string_equal(rt.allow, "GET");
	assert_int_equal(web_route("GET", "api/batches", &rt), -EINVAL);
}

static int parse_body(const char *text, struct json *j)
{
	return json_parse(text, strlen(text), j, NULL, 0);
}

static void test_bodies(void **state)
{
	struct store_page_place *places;
	struct web_document_body doc;
	struct web_capture_body cap;
	struct web_login login;
	uint32_t set, clear;
	const char *field;
	struct json j;
	char lang[4];
	size_t n;
	int deg;

	(void)state;
	assert_int_equal(parse_body("{\"user\":\"ana\",\"password\":\"pw\"}", &j), 0);
	assert_int_equal(web_parse_login(&j, &login, &field), 0);
	assert_string_equal(login.user, "ana");
	json_release(&j);
	assert_int_equal(parse_body("{\"user\":\"ana\"}", &j), 0);
	assert_int_equal(web_parse_login(&j, &login, &field), -EINVAL);
	assert_string_equal(field, "password");
	json_release(&j);

	assert_int_equal(parse_body("{\"lang\":\"de\"}", &j), 0);
	assert_int_equal(web_parse_lang(&j, lang, &field), -EINVAL);
	json_release(&j);

	assert_int_equal(parse_body("{\"from\":3,\"to\":5,\"cover_sheets\":true}", &j), 0);
	assert_int_equal(web_parse_capture(&j, &cap, &field), 0);
	assert_int_equal(cap.from, 3);
	assert_int_equal(cap.count, 1);
	assert_true(cap.cover_sheets);
	json_release(&j);
	assert_int_equal(parse_body("{\"count\":1001}", &j), 0);
	assert_int_equal(web_parse_capture(&j, &cap, &field), -EINVAL);
	assert_string_equal(field, "count");
	json_release(&j);

	assert_int_equal(parse_body("{\"application\":\"\",\"office\":\"EP\"}", &j), 0);
	assert_int_equal(web_parse_document(&j, &doc, &field), 0);
	assert_true(doc.has_application && doc.has_office && !doc.has_code);
	json_release(&j);
	assert_int_equal(parse_body("{\"office\":42}", &j), 0);
	assert_int_equal(web_parse_document(&j, &doc, &field), -EINVAL);
	assert_string_equal(field, "office");
	json_release(&j);

	assert_int_equal(parse_body("{\"pages\":[{\"number\":2,\"document\":1},"
				    "{\"number\":1,\"document\":2}]}",
				    &j),
			 0);
	assert_int_equal(web_parse_arrange(&j, &places, &n, &field), 0);
	assert_int_equal(n, 2);
	assert_int_equal(places[0].number, 2);
	assert_int_equal(places[1].document, 2);
	free(places);
	json_release(&j);
	assert_int_equal(parse_body("{\"pages\":[{\"number\":0,\"document\":1}]}", &j), 0);
	assert_int_equal(web_parse_arrange(&j, &places, &n, &field), -EINVAL);
	json_release(&j);

	assert_int_equal(parse_body("{\"set\":[\"separator\"],\"clear\":[\"blank\",\"skew\"]}", &j),
			 0);
	assert_int_equal(web_parse_flags(&j, &set, &clear, &field), 0);
	assert_int_equal(set, PAGE_FLAG_SEPARATOR);
	assert_int_equal(clear, PAGE_FLAG_BLANK | PAGE_FLAG_SKEW);
	json_release(&j);
	assert_int_equal(parse_body("{\"set\":[\"shiny\"]}", &j), 0);
	assert_int_equal(web_parse_flags(&j, &set, &clear, &field), -EINVAL);
	json_release(&j);
	assert_int_equal(parse_body("{\"set\":[\"blank\"],\"clear\":[\"blank\"]}", &j), 0);
	assert_int_equal(web_parse_flags(&j, &set, &clear, &field), -EINVAL);
	json_release(&j);

	assert_int_equal(parse_body("{\"degrees\":180}", &j), 0);
	assert_int_equal(web_parse_rotate(&j, &deg, &field), 0);
	assert_int_equal(deg, 180);
	json_release(&j);
	assert_int_equal(parse_body("{\"degrees\":45}", &j), 0);
	assert_int_equal(web_parse_rotate(&j, &deg, &field), -EINVAL);
	json_release(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_accepts_what_rfc8259_allows),
		cmocka_unit_test(test_json_bounds),
		cmocka_unit_test(test_json_getters_check_type_and_range),
		cmocka_unit_test(test_json_writer_escapes),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
