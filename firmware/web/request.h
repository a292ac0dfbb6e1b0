#ifndef FOLIO_WEB_REQUEST_H
#define FOLIO_WEB_REQUEST_H

/*
 * What a request to the clerk UI asks for, decoded without touching the station: the route
 * (method and path) and the bodies of the API calls. This is all of the parsing of requests
 * that is ours (libmicrohttpd parses HTTP, cookies and query strings), so it is what the
 * fuzz target tests/fuzz/fuzz_web_request.c drives.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/store/store.h"
#include "firmware/web/json.h"

#define WEB_MAX_BODY (256u << 10) /* bytes of any request body */
#define WEB_MAX_PATH 256
#define WEB_MAX_SEGMENTS 8
#define WEB_FIELD_MAX 128 /* bytes of one text field of a body */

enum web_route_id {
	ROUTE_NONE,
	ROUTE_ASSET, /* a file of the UI */
	ROUTE_LOGIN,
	ROUTE_LOGOUT,
	ROUTE_SESSION,
	ROUTE_SESSION_LANG,
	ROUTE_STATUS,
	ROUTE_DEVICES,
	ROUTE_CAPTURE,
	ROUTE_CAPTURE_PAUSE,
	ROUTE_CAPTURE_RESUME,
	ROUTE_CAPTURE_STOP,
	ROUTE_EVENTS,
	ROUTE_BATCHES,
	ROUTE_BATCH,
	ROUTE_BATCH_CLOSE,
	ROUTE_BATCH_APPROVE,
	ROUTE_BATCH_REJECT,
	ROUTE_BATCH_REOPEN,
	ROUTE_DOCUMENT,
	ROUTE_ARRANGE,
	ROUTE_RESCAN,
	ROUTE_INSERT,
	ROUTE_PAGE_IMAGE,
	ROUTE_PAGE_TEXT,
	ROUTE_PAGE_ROTATE,
	ROUTE_PAGE_FLAGS,
	ROUTE_PAGE_GREY,
	ROUTE_PAGE_DELETE,
	ROUTE_QUEUE,
	ROUTE_SEARCH,
};

/* What a route needs before its handler runs. */
enum web_route_flags {
	ROUTE_OPEN = 1u << 0,	    /* no session needed */
	ROUTE_CHANGES = 1u << 1,    /* changes something: CSRF token checked, JSON body */
	ROUTE_SUPERVISOR = 1u << 2, /* supervisors only */
	ROUTE_PASSIVE = 1u << 3,    /* does not count as activity (the event stream) */
};

struct web_route {
	enum web_route_id id;
	unsigned flags;
	uint32_t batch, document, page; /* numbers from the path, 0 when none */
	char asset[64];			/* ROUTE_ASSET: the file name ("index.html" for /) */
	char allow[32];			/* -EOPNOTSUPP: the methods the path takes */
};

/*
 * web_route - what @method and @url (the path, without the query) ask for
 * Returns 0, -ENOENT (404: no such path), -EOPNOTSUPP (405: not with this method; the methods
 * it takes in @ret->allow) or -EINVAL (400: where a batch, document or page number belongs,
 * something that is not 1..4294967295; a path too long).
 */
int web_route(const char *method, const char *url, struct web_route *ret);

/*
 * Bodies. Each decoder takes a parsed body (its root must be an object) and fills its
 * struct; on a bad field it returns -EINVAL and names the field in @ret_field. Text fields
 * are copied (at most WEB_FIELD_MAX bytes); absent optional fields stay empty/false/0.
 */

struct web_login {
	char user[64];
	char password[WEB_FIELD_MAX + 1];
};
int web_parse_login(const struct json *j, struct web_login *ret, const char **ret_field);

/* PUT /api/session/lang: "en", "fr" or "ar" */
int web_parse_lang(const struct json *j, char ret[4], const char **ret_field);

struct web_capture_body {
	char device[WEB_FIELD_MAX + 1];
	char profile[WEB_FIELD_MAX + 1];
	bool cover_sheets;
	uint32_t batch;		  /* resume */
	uint32_t from, to, after; /* rescan, insert */
	uint32_t count;		  /* insert: sheets, 1..1000 (default 1) */
};
int web_parse_capture(const struct json *j, struct web_capture_body *ret, const char **ret_field);

/* PUT document: NULL-able fields as docfields_edit wants them, plus the language. */
struct web_document_body {
	bool has_office, has_ip_type, has_application, has_code, has_received, has_language;
	char office[8];
	char ip_type[16];
	char application[STORE_APPNO_LEN];
	char document_code[STORE_NAME_LEN];
	char received[16];
	char language[8];
};
int web_parse_document(const struct json *j, struct web_document_body *ret, const char **ret_field);

/* POST arrange: @ret (caller frees) gets every place in order. */
int web_parse_arrange(const struct json *j, struct store_page_place **ret, size_t *ret_n,
		      const char **ret_field);

/* POST flags: names of enum page_flag to set and clear */
int web_parse_flags(const struct json *j, uint32_t *ret_set, uint32_t *ret_clear,
		    const char **ret_field);

/* POST rotate: 90, 180 or 270 */
int web_parse_rotate(const struct json *j, int *ret_degrees, const char **ret_field);

/* POST reject: the reason, 1..WEB_FIELD_MAX bytes */
int web_parse_reason(const struct json *j, char *ret, size_t size, const char **ret_field);

/*
 * web_parse_revision - {"revision": N}: the batch revision a supervisor approves (what
 * GET /api/batches/N showed); -ENOENT when the body names none, -EINVAL when it is no number
 */
int web_parse_revision(const struct json *j, uint64_t *ret, const char **ret_field);

/*
 * web_flag_name - the API's name of the single flag @flag: page_flag_name() with '_' for '-'
 * ("low_confidence"), in @buf; NULL for none or several. page_flag_parse() reads either.
 */
#define WEB_FLAG_NAME_MAX 32
const char *web_flag_name(uint32_t flag, char buf[WEB_FLAG_NAME_MAX]);

/* web_positive - @s as 1..UINT32_MAX (digits only), 0 when it is not */
uint32_t web_positive(const char *s);

#endif
