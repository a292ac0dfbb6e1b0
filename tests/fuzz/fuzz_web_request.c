/*
 * libFuzzer target for the clerk UI's request parsing (firmware/web/request.c, json.c): the
 * part of a request that is ours to parse. libmicrohttpd parses HTTP itself.
 *
 * Input: "METHOD PATH\n" then a JSON body. The route is decoded; the body is parsed and fed to
 * every body decoder, whatever the route, and written back out with the JSON writer. Checks
 * that nothing crashes, that decoders leave their outputs terminated and bounded, that an
 * accepted body re-parses after the writer escaped its strings, and that routes only carry
 * numbers from 1.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include -include build/include/generated/autoconf.h \
 *     tests/fuzz/fuzz_web_request.c firmware/web/request.c firmware/web/json.c -o fuzz_web
 *   ./fuzz_web tests/fuzz/web_request    # replay the seeds and fuzz onwards
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "firmware/web/json.h"
#include "firmware/web/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const char *s, size_t size)
{
	if (strnlen(s, size) == size)
		abort();
}

/* Every string of @j goes through the writer and must come back the same. */
static void roundtrip_strings(const struct json *j)
{
	for (uint32_t t = 0; t < j->n; t++) {
		char buf[512], again[512];
		struct json_writer w;
		struct json k;
		size_t len;
		char *text;
		int n;

		if (j->tok[t].type != JSON_STRING)
			continue;
		n = json_get_string(j, t, buf, sizeof(buf));
		if (n < 0)
			continue;
		jw_init(&w);
		jw_array(&w);
		jw_stringn(&w, buf, (size_t)n);
		jw_end(&w);
		text = jw_take(&w, &len);
		if (!text)
			continue;
		if (json_parse(text, len, &k, NULL, 0) != 0)
			abort(); /* the writer made text the parser refuses */
		if (json_get_string(&k, 1, again, sizeof(again)) != n ||
		    memcmp(buf, again, (size_t)n))
			abort();
		json_release(&k);
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[WEB_MAX_PATH + 64], method[16], *space, why[128];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t head = nl ? (size_t)(nl - data) : size;
	const char *body = nl ? (const char *)nl + 1 : "";
	size_t body_len = nl ? size - head - 1 : 0;
	struct web_route rt;
	struct json j;
	int r;

	if (head < sizeof(line)) {
		memcpy(line, data, head);
		line[head] = '\0';
		space = strchr(line, ' ');
		if (space && (size_t)(space - line) < sizeof(method) && !memchr(line, '\0', head)) {
			memcpy(method, line, (size_t)(space - line));
			method[space - line] = '\0';
			r = web_route(method, space + 1, &rt);
			if (r == 0) {
				terminated(rt.asset, sizeof(rt.asset));
				if (rt.id == ROUTE_NONE)
					abort();
				if (rt.id != ROUTE_ASSET && rt.asset[0])
					abort();
			} else if (r != -ENOENT && r != -EOPNOTSUPP && r != -EINVAL) {
				abort();
			}
		}
	}

	if (json_parse(body, body_len, &j, why, sizeof(why)) != 0) {
		terminated(why, sizeof(why));
		return 0;
	}
	if (j.n == 0 || j.tok[0].next != j.n)
		abort();
	roundtrip_strings(&j);
	{
		struct web_login login;
		struct web_capture_body cap;
		struct web_document_body doc;
		struct store_page_place *places = NULL;
		uint32_t set = 0, clear = 0;
		const char *field = NULL;
		char lang[4], reason[WEB_FIELD_MAX + 1];
		size_t n = 0;
		int degrees = 0;

		if (web_parse_login(&j, &login, &field) == 0) {
			terminated(login.user, sizeof(login.user));
			terminated(login.password, sizeof(login.password));
		}
		if (web_parse_lang(&j, lang, &field) == 0)
			terminated(lang, sizeof(lang));
		if (web_parse_capture(&j, &cap, &field) == 0) {
			terminated(cap.device, sizeof(cap.device));
			if (cap.count < 1 || cap.count > 1000)
				abort();
		}
		if (web_parse_document(&j, &doc, &field) == 0) {
			terminated(doc.application, sizeof(doc.application));
			terminated(doc.document_code, sizeof(doc.document_code));
		}
		if (web_parse_arrange(&j, &places, &n, &field) == 0) {
			for (size_t i = 0; i < n; i++)
				if (!places[i].number || !places[i].document)
					abort();
		}
		free(places);
		if (web_parse_flags(&j, &set, &clear, &field) == 0 && (set & clear))
			abort();
		if (web_parse_rotate(&j, &degrees, &field) == 0 && degrees % 90)
			abort();
		if (web_parse_reason(&j, reason, sizeof(reason), &field) == 0)
			terminated(reason, sizeof(reason));
	}
	json_release(&j);
	return 0;
}
