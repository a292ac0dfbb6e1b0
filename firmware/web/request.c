/*
 * Routes and request bodies of the clerk UI (request.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/web/request.h"

/* '#' in a pattern is a number 1..UINT32_MAX: the batch, then the document or page. */
static const struct {
	const char *method;
	const char *pattern;
	enum web_route_id id;
	unsigned flags;
} routes[] = {
	{ "POST", "api/login", ROUTE_LOGIN, ROUTE_OPEN | ROUTE_CHANGES },
	{ "POST", "api/logout", ROUTE_LOGOUT, ROUTE_CHANGES },
	{ "GET", "api/session", ROUTE_SESSION, 0 },
	{ "PUT", "api/session/lang", ROUTE_SESSION_LANG, ROUTE_CHANGES },
	{ "GET", "api/status", ROUTE_STATUS, 0 },
	{ "GET", "api/devices", ROUTE_DEVICES, 0 },
	{ "POST", "api/capture", ROUTE_CAPTURE, ROUTE_CHANGES },
	{ "POST", "api/capture/pause", ROUTE_CAPTURE_PAUSE, ROUTE_CHANGES },
	{ "POST", "api/capture/resume", ROUTE_CAPTURE_RESUME, ROUTE_CHANGES },
	{ "POST", "api/capture/stop", ROUTE_CAPTURE_STOP, ROUTE_CHANGES },
	{ "GET", "api/events", ROUTE_EVENTS, ROUTE_PASSIVE },
	{ "GET", "api/batches", ROUTE_BATCHES, 0 },
	{ "GET", "api/batches/#", ROUTE_BATCH, 0 },
	{ "POST", "api/batches/#/close", ROUTE_BATCH_CLOSE, ROUTE_CHANGES },
	{ "POST", "api/batches/#/approve", ROUTE_BATCH_APPROVE, ROUTE_CHANGES | ROUTE_SUPERVISOR },
	{ "POST", "api/batches/#/reject", ROUTE_BATCH_REJECT, ROUTE_CHANGES | ROUTE_SUPERVISOR },
	{ "POST", "api/batches/#/reopen", ROUTE_BATCH_REOPEN, ROUTE_CHANGES },
	{ "PUT", "api/batches/#/documents/#", ROUTE_DOCUMENT, ROUTE_CHANGES },
	{ "POST", "api/batches/#/arrange", ROUTE_ARRANGE, ROUTE_CHANGES },
	{ "POST", "api/batches/#/rescan", ROUTE_RESCAN, ROUTE_CHANGES },
	{ "POST", "api/batches/#/insert", ROUTE_INSERT, ROUTE_CHANGES },
	{ "GET", "api/batches/#/pages/#/image", ROUTE_PAGE_IMAGE, 0 },
	{ "GET", "api/batches/#/pages/#/text", ROUTE_PAGE_TEXT, 0 },
	{ "POST", "api/batches/#/pages/#/rotate", ROUTE_PAGE_ROTATE, ROUTE_CHANGES },
	{ "POST", "api/batches/#/pages/#/flags", ROUTE_PAGE_FLAGS, ROUTE_CHANGES },
	{ "POST", "api/batches/#/pages/#/grey", ROUTE_PAGE_GREY, ROUTE_CHANGES },
	{ "DELETE", "api/batches/#/pages/#", ROUTE_PAGE_DELETE, ROUTE_CHANGES | ROUTE_SUPERVISOR },
	{ "GET", "api/queue", ROUTE_QUEUE, 0 },
	{ "GET", "api/search", ROUTE_SEARCH, 0 },
};

uint32_t web_positive(const char *s)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return i && s[0] != '0' && v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* An asset name: [a-z0-9._-], not starting with a dot. */
static bool asset_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct web_route *)0)->asset) || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      strchr("._-", s[i])))
			return false;
	return true;
}

int web_route(const char *method, const char *url, struct web_route *ret)
{
	char path[WEB_MAX_PATH + 1], *seg[WEB_MAX_SEGMENTS + 1];
	size_t n = 0, len = strnlen(url, WEB_MAX_PATH + 1);
	bool path_known = false;
	char *save = NULL, *s;

	memset(ret, 0, sizeof(*ret));
	if (len > WEB_MAX_PATH || url[0] != '/')
		return -EINVAL;
	memcpy(path, url + 1, len);
	for (s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (n == WEB_MAX_SEGMENTS)
			return -ENOENT;
		seg[n++] = s;
	}

	if (n <= 1 && (n == 0 || strcmp(seg[0], "api") != 0)) {
		snprintf(ret->asset, sizeof(ret->asset), "%s", n ? seg[0] : "index.html");
		if (!asset_name_valid(ret->asset))
			return -ENOENT;
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			snprintf(ret->allow, sizeof(ret->allow), "GET, HEAD");
			return -EOPNOTSUPP;
		}
		ret->id = ROUTE_ASSET;
		ret->flags = ROUTE_OPEN;
		return 0;
	}

	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		char pat[64], *psave = NULL, *p;
		uint32_t nums[2] = { 0, 0 };
		size_t k = 0, nn = 0;
		bool match = true, bad_number = false;

		snprintf(pat, sizeof(pat), "%s", routes[i].pattern);
		for (p = strtok_r(pat, "/", &psave); p && match; p = strtok_r(NULL, "/", &psave)) {
			bool number = strcmp(p, "#") == 0;

			if (k >= n || (!number && strcmp(p, seg[k]) != 0)) {
				match = false;
			} else if (number) {
				nums[nn] = web_positive(seg[k]);
				bad_number |= !nums[nn++];
			}
			k++;
		}
		if (!match || k != n)
			continue;
		if (bad_number) /* the path is known; the number in it is none */
			return -EINVAL;
		if (strcmp(method, routes[i].method) != 0) {
			size_t al = strlen(ret->allow);

			snprintf(ret->allow + al, sizeof(ret->allow) - al, "%s%s", al ? ", " : "",
				 routes[i].method);
			path_known = true;
			continue;
		}
		ret->id = routes[i].id;
		ret->flags = routes[i].flags;
		ret->batch = nums[0];
		if (strstr(routes[i].pattern, "/documents/"))
			ret->document = nums[1];
		else
			ret->page = nums[1];
		ret->allow[0] = '\0';
		return 0;
	}
	return path_known ? -EOPNOTSUPP : -ENOENT;
}

/*
 * Bodies
 */

static int need_object(const struct json *j, const char **ret_field)
{
	*ret_field = NULL;
	return j->n && j->tok[0].type == JSON_OBJECT ? 0 : -EINVAL;
}

/* Copies string member @key into @buf; 0 when absent (buf ""), 1 when present, -EINVAL. */
static int get_text(const struct json *j, const char *key, char *buf, size_t size,
		    const char **ret_field)
{
	uint32_t t = json_member(j, 0, key);

	buf[0] = '\0';
	if (!t)
		return 0;
	if (json_get_string(j, t, buf, size) < 0) {
		buf[0] = '\0';
		*ret_field = key;
		return -EINVAL;
	}
	return 1;
}

/* Number member @key within [@min, @max] into @ret; absent leaves it. */
static int get_number(const struct json *j, const char *key, int64_t min, int64_t max,
		      uint32_t *ret, const char **ret_field)
{
	uint32_t t = json_member(j, 0, key);
	int64_t v;

	if (!t)
		return 0;
	if (json_get_int(j, t, min, max, &v) < 0) {
		*ret_field = key;
		return -EINVAL;
	}
	*ret = (uint32_t)v;
	return 1;
}

int web_parse_login(const struct json *j, struct web_login *ret, const char **ret_field)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = need_object(j, ret_field);
	if (r < 0)
		return r;
	r = get_text(j, "user", ret->user, sizeof(ret->user), ret_field);
	if (r <= 0) {
		*ret_field = "user";
		return -EINVAL;
	}
	r = get_text(j, "password", ret->password, sizeof(ret->password), ret_field);
	if (r <= 0) {
		*ret_field = "password";
		return -EINVAL;
	}
	return 0;
}

int web_parse_lang(const struct json *j, char ret[4], const char **ret_field)
{
	static const char *const langs[] = { "en", "fr", "ar" };
	int r = need_object(j, ret_field);

	if (r < 0)
		return r;
	r = get_text(j, "lang", ret, 4, ret_field);
	for (size_t i = 0; r > 0 && i < ARRAY_SIZE(langs); i++)
		if (strcmp(ret, langs[i]) == 0)
			return 0;
	*ret_field = "lang";
	return -EINVAL;
}

int web_parse_capture(const struct json *j, struct web_capture_body *ret, const char **ret_field)
{
	uint32_t t;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->count = 1;
	r = need_object(j, ret_field);
	if (r < 0)
		return r;
	if (get_text(j, "device", ret->device, sizeof(ret->device), ret_field) < 0 ||
	    get_text(j, "profile", ret->profile, sizeof(ret->profile), ret_field) < 0 ||
	    get_number(j, "batch", 1, UINT32_MAX, &ret->batch, ret_field) < 0 ||
	    get_number(j, "from", 1, UINT32_MAX, &ret->from, ret_field) < 0 ||
	    get_number(j, "to", 1, UINT32_MAX, &ret->to, ret_field) < 0 ||
	    get_number(j, "after", 0, UINT32_MAX, &ret->after, ret_field) < 0 ||
	    get_number(j, "count", 1, 1000, &ret->count, ret_field) < 0)
		return -EINVAL;
	t = json_member(j, 0, "cover_sheets");
	if (t && json_get_bool(j, t, &ret->cover_sheets) < 0) {
		*ret_field = "cover_sheets";
		return -EINVAL;
	}
	return 0;
}

int web_parse_document(const struct json *j, struct web_document_body *ret, const char **ret_field)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = need_object(j, ret_field);
	if (r < 0)
		return r;
#define FIELD(key, member, has)                                                    \
	do {                                                                       \
		r = get_text(j, key, ret->member, sizeof(ret->member), ret_field); \
		if (r < 0)                                                         \
			return r;                                                  \
		ret->has = r > 0;                                                  \
	} while (0)
	FIELD("office", office, has_office);
	FIELD("ip_type", ip_type, has_ip_type);
	FIELD("application", application, has_application);
	FIELD("document_code", document_code, has_code);
	FIELD("received", received, has_received);
	FIELD("language", language, has_language);
#undef FIELD
	return 0;
}

int web_parse_arrange(const struct json *j, struct store_page_place **ret, size_t *ret_n,
		      const char **ret_field)
{
	_cleanup_free_ struct store_page_place *places = NULL;
	uint32_t arr, e;
	size_t n = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = need_object(j, ret_field);
	if (r < 0)
		return r;
	*ret_field = "pages";
	arr = json_member(j, 0, "pages");
	if (!arr || j->tok[arr].type != JSON_ARRAY || j->tok[arr].count == 0 ||
	    j->tok[arr].count > STORE_MAX_ARRANGE)
		return -EINVAL;
	places = calloc(j->tok[arr].count, sizeof(*places));
	if (!places)
		return -ENOMEM;
	for (e = json_first(j, arr); e; e = json_after(j, arr, e)) {
		uint32_t num = json_member(j, e, "number"), doc = json_member(j, e, "document");
		int64_t a, b;

		if (json_get_int(j, num, 1, UINT32_MAX, &a) < 0 ||
		    json_get_int(j, doc, 1, UINT32_MAX, &b) < 0)
			return -EINVAL;
		places[n++] = (struct store_page_place){ (uint32_t)a, (uint32_t)b };
	}
	*ret_field = NULL;
	*ret = TAKE_PTR(places);
	*ret_n = n;
	return 0;
}

const char *web_flag_name(uint32_t flag, char buf[WEB_FLAG_NAME_MAX])
{
	const char *name = page_flag_name(flag);
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < WEB_FLAG_NAME_MAX - 1 && name[i]; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	buf[i] = '\0';
	return buf;
}

static int flag_list(const struct json *j, const char *key, uint32_t *ret, const char **ret_field)
{
	uint32_t arr = json_member(j, 0, key), e;

	*ret = 0;
	if (!arr)
		return 0;
	*ret_field = key;
	if (j->tok[arr].type != JSON_ARRAY)
		return -EINVAL;
	for (e = json_first(j, arr); e; e = json_after(j, arr, e)) {
		char name[32];
		uint32_t f;

		if (json_get_string(j, e, name, sizeof(name)) < 0)
			return -EINVAL;
		f = page_flag_parse(name);
		if (!f)
			return -EINVAL;
		*ret |= f;
	}
	*ret_field = NULL;
	return 0;
}

int web_parse_flags(const struct json *j, uint32_t *ret_set, uint32_t *ret_clear,
		    const char **ret_field)
{
	int r = need_object(j, ret_field);

	if (r < 0)
		return r;
	r = flag_list(j, "set", ret_set, ret_field);
	if (r == 0)
		r = flag_list(j, "clear", ret_clear, ret_field);
	if (r == 0 && (*ret_set & *ret_clear)) {
		*ret_field = "clear";
		r = -EINVAL;
	}
	return r;
}

int web_parse_rotate(const struct json *j, int *ret_degrees, const char **ret_field)
{
	uint32_t d = 0;
	int r = need_object(j, ret_field);

	if (r < 0)
		return r;
	r = get_number(j, "degrees", 90, 270, &d, ret_field);
	if (r <= 0 || d % 90) {
		*ret_field = "degrees";
		return -EINVAL;
	}
	*ret_degrees = (int)d;
	return 0;
}

int web_parse_reason(const struct json *j, char *ret, size_t size, const char **ret_field)
{
	int r = need_object(j, ret_field);

	if (r < 0)
		return r;
	r = get_text(j, "reason", ret, size, ret_field);
	if (r <= 0 || !ret[0]) {
		*ret_field = "reason";
		return -EINVAL;
	}
	return 0;
}

int web_parse_revision(const struct json *j, uint64_t *ret, const char **ret_field)
{
	uint32_t t;
	int64_t v;

	*ret_field = "revision";
	if (!j->n || j->tok[0].type != JSON_OBJECT)
		return -ENOENT;
	t = json_member(j, 0, "revision");
	if (!t)
		return -ENOENT;
	if (json_get_int(j, t, 0, INT64_MAX, &v) < 0)
		return -EINVAL;
	*ret = (uint64_t)v;
	return 0;
}
