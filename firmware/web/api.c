/*
 * The clerk UI's API handlers (API.md). Each checks its input, calls the same store, capture
 * and index functions as the `folio` command line, and answers in JSON; every change is made
 * in the name of the signed-in user, so the event log says who did it.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "drivers/scanner/scanner.h"
#include "firmware/core/batch.h"
#include "firmware/core/search.h"
#include "firmware/image/preview.h"
#include "firmware/index/docfields.h"
#include "firmware/upload/receipts.h"
#include "firmware/upload/transport.h"
#include "firmware/web/web_int.h"

#define THUMB_WIDTH 200
#define VIEW_WIDTH 1600
#define LIST_MAX 200

typedef enum MHD_Result (*handler_fn)(struct web *w, struct MHD_Connection *c,
				      struct web_request *req, const struct web_caller *who,
				      const struct json *body);

static void iso_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t <= 0 || !localtime_r(&t, &tm))
		snprintf(buf, size, "%s", "");
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
}

static void jw_ktime(struct json_writer *jw, const char *key, time_t t)
{
	char buf[32];

	iso_time(t, buf, sizeof(buf));
	jw_kstr(jw, key, buf);
}

static const char *type_name(int32_t t)
{
	return t >= IP_PATENT && t <= IP_DESIGN ? ip_type_name((enum ip_type)t) : "";
}

static enum MHD_Result bad_field(struct MHD_Connection *c, const char *field)
{
	return web_reply_error(c, MHD_HTTP_BAD_REQUEST, field ? field : "body", MSG_REQ_BAD_FIELD,
			       WEB_END);
}

static enum MHD_Result store_error(struct MHD_Connection *c, int r, const char *what)
{
	struct msg m;
	unsigned status = web_status_of(r);

	if (r == -FOLIO_ESTATE)
		msg_init(&m, MSG_STORE_STATE), status = MHD_HTTP_CONFLICT;
	else if (r == -FOLIO_ENOTFOUND)
		msg_init(&m, MSG_STORE_NOT_FOUND), status = MHD_HTTP_NOT_FOUND;
	else if (r == -FOLIO_ESTOREFULL)
		msg_init(&m, MSG_STORE_FULL), status = MHD_HTTP_SERVICE_UNAVAILABLE;
	else
		msg_init(&m, MSG_STORE_ERROR);
	msg_str(&m, "what", what);
	msg_str(&m, "error", folio_strerror(r));
	msg_render(&m);
	return web_reply_msg(c, status, NULL, &m);
}

/* The status of a refusal from core/batch.h: the text is the core's, the same everywhere. */
static enum MHD_Result refusal(struct MHD_Connection *c, int r, const char *field,
			       const struct msg *why)
{
	unsigned status;

	switch (r) {
	case -EINVAL:
		status = field ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_UNPROCESSABLE_CONTENT;
		break;
	case -FOLIO_ENOTFOUND:
		status = MHD_HTTP_NOT_FOUND;
		break;
	case -FOLIO_ECHANGED:
		field = "revision";
		status = MHD_HTTP_CONFLICT;
		break;
	case -FOLIO_ESTATE:
	case -FOLIO_EOCRPENDING:
	case -EBUSY:	/* core_batch_scanning() */
	case -EALREADY: /* core_page_use_grey() */
	case -ENODATA:
		status = MHD_HTTP_CONFLICT;
		break;
	default:
		status = web_status_of(r);
	}
	return web_reply_msg(c, status, field, why);
}

/*
 * core_batch_scanning() for the clerk UI, which also knows its own capture from the moment it
 * is asked for, before its thread holds the batch.
 */
static int batch_scanning(struct web *w, uint32_t id, struct msg *why)
{
	if (live_running(w) && w->live.batch == id) {
		msg_init(why, MSG_BATCH_SCANNING);
		msg_num(why, "batch", id);
		return msg_set(-EBUSY, why);
	}
	return core_batch_scanning(w->store, id, why);
}

/* The store's refusal of a change to the batch or page of @req, in the core's words. */
static enum MHD_Result changed_refused(struct web *w, struct MHD_Connection *c,
				       const struct web_request *req, int r)
{
	struct msg why;

	return refusal(c, core_change_refused(w->store, req->route.batch, req->route.page, r, &why),
		       NULL, &why);
}

static void session_json(struct json_writer *jw, const struct web_session *s, unsigned idle)
{
	jw_object(jw);
	jw_kstr(jw, "user", s->user);
	jw_kstr(jw, "role", s->role == ROLE_SUPERVISOR ? "supervisor" : "clerk");
	jw_kstr(jw, "lang", s->lang);
	jw_kstr(jw, "csrf", s->csrf);
	jw_kint(jw, "idle_seconds", idle);
	jw_end(jw);
}

/*
 * Session
 */

static enum MHD_Result h_login(struct web *w, struct MHD_Connection *c, struct web_request *req,
			       const struct web_caller *who, const struct json *body)
{
	struct web_login in;
	struct web_session s;
	struct json_writer jw;
	struct MHD_Response *resp;
	const char *field;
	char cookie[160];
	unsigned wait = 0;
	char addr[WEB_ADDR_TEXT];
	bool known = false;
	size_t len;
	char *text;
	int r;

	(void)req, (void)who;
	if (web_parse_login(body, &in, &field) < 0)
		return web_reply_error(c, MHD_HTTP_BAD_REQUEST, field, MSG_AUTH_ENTER, WEB_END);
	web_client_address(c, addr, sizeof(addr));
	r = web_login(w, in.user, in.password, addr, &s, &wait, &known);
	sodium_memzero(in.password, sizeof(in.password));
	if (r == -EBUSY)
		return web_reply_error(c, MHD_HTTP_TOO_MANY_REQUESTS, NULL, MSG_AUTH_LOCKED,
				       "seconds", wait, WEB_END);
	if (r == -EACCES) {
		/* Only names of accounts are kept: a password typed as a name is not. */
		if (known) {
			log_info("web: failed sign-in as '%s' from %s", in.user, addr);
			(void)store_event_add(w->store, in.user, "web-login-failed", 0, 0, 0,
					      "wrong password from %s", addr);
		}
		return web_reply_error(c, MHD_HTTP_UNAUTHORIZED, NULL, MSG_AUTH_WRONG, WEB_END);
	}
	if (r == -EUSERS)
		return web_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, MSG_AUTH_FULL,
				       WEB_END);
	if (r < 0)
		return web_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, MSG_AUTH_BROKEN,
				       WEB_END);
	(void)store_event_add(w->store, s.user, "web-login", 0, 0, 0, "%s",
			      s.role == ROLE_SUPERVISOR ? "supervisor" : "clerk");
	jw_init(&jw);
	session_json(&jw, &s, (unsigned)w->cfg->web_idle_minutes * 60);
	text = jw_take(&jw, &len);
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	snprintf(cookie, sizeof(cookie), "folio_session=%s; HttpOnly; SameSite=Strict; Path=/%s",
		 s.token, w->tls_cert ? "; Secure" : "");
	MHD_add_response_header(resp, "Set-Cookie", cookie);
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return web_queue(c, MHD_HTTP_OK, resp);
}

static enum MHD_Result h_logout(struct web *w, struct MHD_Connection *c, struct web_request *req,
				const struct web_caller *who, const struct json *body)
{
	struct MHD_Response *resp;

	(void)req, (void)body;
	web_session_end(w, who->s.token);
	(void)store_event_add(w->store, who->s.user, "web-logout", 0, 0, 0, "signed out");
	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Set-Cookie",
				"folio_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
	return web_queue(c, MHD_HTTP_NO_CONTENT, resp);
}

static enum MHD_Result h_session(struct web *w, struct MHD_Connection *c, struct web_request *req,
				 const struct web_caller *who, const struct json *body)
{
	struct json_writer jw;

	(void)req, (void)body;
	jw_init(&jw);
	session_json(&jw, &who->s, (unsigned)w->cfg->web_idle_minutes * 60);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

static enum MHD_Result h_lang(struct web *w, struct MHD_Connection *c, struct web_request *req,
			      const struct web_caller *who, const struct json *body)
{
	struct json_writer jw;
	const char *field;
	char lang[4];
	int r;

	(void)req;
	if (web_parse_lang(body, lang, &field) < 0)
		return web_reply_error(c, MHD_HTTP_BAD_REQUEST, "lang", MSG_LANG_INVALID, WEB_END);
	web_session_set_lang(w, who->s.token, lang);
	r = web_user_set_lang(w, who->s.user, lang);
	if (r < 0)
		log_warn("web: cannot keep language '%s' for '%s': %s", lang, who->s.user,
			 folio_strerror(r));
	jw_init(&jw);
	jw_object(&jw);
	jw_kstr(&jw, "lang", lang);
	jw_end(&jw);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

/*
 * Station
 */

struct last_delivery {
	uint32_t batch;
	int64_t time;
};

static int find_last_delivery(const struct batch_info *b, void *user)
{
	struct last_delivery *ld = user;

	if ((b->state == BATCH_DELIVERED || b->state == BATCH_CONFIRMED ||
	     (b->state == BATCH_PURGED && b->confirmed)) &&
	    b->updated >= ld->time) {
		ld->batch = b->id;
		ld->time = b->updated;
	}
	return 0;
}

void web_status_json(struct web *w, struct json_writer *jw)
{
	struct store_space sp;
	struct last_delivery ld = { 0 };
	time_t now = time(NULL), next = 0;
	char msg[256];
	bool open;

	jw_object(jw);
	jw_kstr(jw, "station", w->cfg->station_id);
	jw_kstr(jw, "office", w->cfg->office);
	jw_kstr(jw, "version", FOLIO_VERSION);
	live_status_json(w, jw);
	jw_key(jw, "queues");
	jw_object(jw);
	for (uint32_t q = 0; q < QUEUE_COUNT; q++) {
		uint64_t n = 0;

		(void)store_queue_count(w->store, q, &n);
		jw_kint(jw, store_queue_name(q), (int64_t)n);
	}
	jw_end(jw);
	store_space(w->store, &sp);
	jw_key(jw, "space");
	jw_object(jw);
	jw_kint(jw, "percent_used", sp.percent_full);
	jw_kbool(jw, "full", sp.full);
	if (sp.full || sp.percent_full >= 90)
		store_space_message(&sp, msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "store is %u%% full", sp.percent_full);
	jw_kstr(jw, "message", msg);
	jw_end(jw);
	open = upload_window_open(w->cfg, now, &next);
	(void)store_batch_list(w->store, find_last_delivery, &ld);
	jw_key(jw, "upload");
	jw_object(jw);
	{
		char shown[sizeof(w->cfg->upload_target)];

		jw_kstr(jw, "target",
			config_url_redact(w->cfg->upload_target, shown, sizeof(shown)));
	}
	jw_kstr(jw, "window", w->cfg->upload_window);
	jw_kbool(jw, "window_open", open);
	jw_ktime(jw, "next_window", open ? now : next);
	jw_key(jw, "last_delivery");
	if (ld.batch) {
		jw_object(jw);
		jw_kint(jw, "batch", ld.batch);
		jw_ktime(jw, "time", ld.time);
		jw_end(jw);
	} else {
		jw_null(jw);
	}
	jw_end(jw);
	jw_end(jw);
}

static enum MHD_Result h_status(struct web *w, struct MHD_Connection *c, struct web_request *req,
				const struct web_caller *who, const struct json *body)
{
	struct json_writer jw;

	(void)req, (void)who, (void)body;
	jw_init(&jw);
	web_status_json(w, &jw);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

struct device_list {
	struct json_writer *jw;
	const char *configured;
	bool listed; /* the configured device was among those found */
};

static int device_json(const struct scanner_device *d, void *user)
{
	struct device_list *dl = user;

	jw_object(dl->jw);
	jw_kstr(dl->jw, "name", d->name);
	jw_kstr(dl->jw, "vendor", d->vendor ? d->vendor : "");
	jw_kstr(dl->jw, "model", d->model ? d->model : "");
	jw_end(dl->jw);
	if (strcmp(d->name, dl->configured) == 0)
		dl->listed = true;
	return 0;
}

static enum MHD_Result h_devices(struct web *w, struct MHD_Connection *c, struct web_request *req,
				 const struct web_caller *who, const struct json *body)
{
	struct json_writer jw;
	struct device_list dl = { .jw = &jw, .configured = w->cfg->device };

	(void)req, (void)who, (void)body;
	jw_init(&jw);
	jw_object(&jw);
	jw_key(&jw, "devices");
	jw_array(&jw);
	/* Listing would open the scanner a capture is using: show the configured one then.
	 * SANE lists only devices it can discover; a folio: feeder is named, not discovered. */
	if (!live_running(w) && scanner_list(device_json, &dl) < 0)
		log_warn("web: cannot list scanners");
	if (!dl.listed && w->cfg->device[0]) {
		jw_object(&jw);
		jw_kstr(&jw, "name", w->cfg->device);
		jw_kstr(&jw, "vendor", "");
		jw_kstr(&jw, "model", "configured scanner");
		jw_end(&jw);
	}
	jw_end(&jw);
	jw_key(&jw, "profiles");
	jw_array(&jw);
	for (size_t i = 0; i < w->cfg->n_profiles; i++)
		jw_string(&jw, w->cfg->profiles[i].name);
	jw_end(&jw);
	jw_kstr(&jw, "default_device", w->cfg->device);
	jw_kstr(&jw, "default_profile", w->cfg->profile);
	jw_end(&jw);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

/*
 * Capture
 */

static enum MHD_Result started(struct web *w, struct MHD_Connection *c,
			       const struct web_caller *who, enum live_job job,
			       const struct web_capture_body *b)
{
	struct json_writer jw;
	uint32_t batch = 0;
	struct msg why;
	int r;

	r = live_start(w, who->s.user, job, b, &batch, &why);
	if (r < 0)
		return web_reply_msg(c,
				     r == -EBUSY    ? MHD_HTTP_CONFLICT
				     : r == -EINVAL ? MHD_HTTP_BAD_REQUEST
				     : r == -EPERM  ? MHD_HTTP_FORBIDDEN
						    : web_status_of(r),
				     r == -EPERM				   ? "device"
				     : r == -EINVAL && strstr(why.text, "profile") ? "profile"
										   : NULL,
				     &why);
	jw_init(&jw);
	jw_object(&jw);
	jw_kint(&jw, "batch", batch);
	jw_end(&jw);
	return web_reply_json(c, MHD_HTTP_ACCEPTED, &jw);
}

static enum MHD_Result h_capture(struct web *w, struct MHD_Connection *c, struct web_request *req,
				 const struct web_caller *who, const struct json *body)
{
	struct web_capture_body b;
	const char *field;

	(void)req;
	if (web_parse_capture(body, &b, &field) < 0)
		return bad_field(c, field);
	return started(w, c, who, req->route.id == ROUTE_CAPTURE_RESUME ? JOB_RESUME : JOB_NEW, &b);
}

static enum MHD_Result h_halt(struct web *w, struct MHD_Connection *c, struct web_request *req,
			      const struct web_caller *who, const struct json *body)
{
	bool close = req->route.id == ROUTE_CAPTURE_STOP;
	int r;

	(void)body;
	r = live_halt(w, close);
	if (r == -ESRCH)
		return web_reply_error(c, MHD_HTTP_CONFLICT, NULL, MSG_CAPTURE_NOT_RUNNING,
				       WEB_END);
	if (r < 0)
		return store_error(c, r, "cannot close the batch");
	(void)store_event_add(w->store, who->s.user,
			      close ? "web-capture-stop" : "web-capture-pause", 0, 0, 0,
			      "from the clerk UI");
	return web_reply_empty(c, MHD_HTTP_ACCEPTED);
}

static enum MHD_Result h_events(struct web *w, struct MHD_Connection *c, struct web_request *req,
				const struct web_caller *who, const struct json *body)
{
	struct MHD_Response *r = live_stream(w, who->s.token);

	(void)req, (void)body;
	if (!r)
		return MHD_NO;
	return web_queue(c, MHD_HTTP_OK, r);
}

/* @batch into @b, or the core's refusal (core_batch_editable()) as the answer in @ret. */
static bool batch_editable(struct web *w, struct MHD_Connection *c, uint32_t batch,
			   struct batch_info *b, enum MHD_Result *ret)
{
	struct msg why;
	int r = core_batch_editable(w->store, batch, b, &why);

	if (r < 0)
		*ret = refusal(c, r, NULL, &why);
	return r == 0;
}

static enum MHD_Result h_rescan(struct web *w, struct MHD_Connection *c, struct web_request *req,
				const struct web_caller *who, const struct json *body)
{
	struct web_capture_body b;
	struct batch_info bi;
	enum MHD_Result res = MHD_NO;
	struct page_info p;
	const char *field;

	if (web_parse_capture(body, &b, &field) < 0)
		return bad_field(c, field);
	if (!batch_editable(w, c, req->route.batch, &bi, &res))
		return res;
	b.batch = req->route.batch;
	if (req->route.id == ROUTE_RESCAN) {
		if (!b.from)
			return bad_field(c, "from");
		if (!b.to)
			b.to = b.from;
		if (b.to < b.from || b.to - b.from >= 1000)
			return web_reply_error(c, MHD_HTTP_BAD_REQUEST, "to", MSG_RANGE_INVALID,
					       WEB_END);
		for (uint32_t n = b.from; n <= b.to; n++)
			if (store_page_get(w->store, b.batch, n, &p) < 0)
				return web_reply_error(c, MHD_HTTP_NOT_FOUND, "from",
						       MSG_PAGE_NOT_FOUND, "batch", b.batch, "page",
						       n, WEB_END);
		return started(w, c, who, JOB_RESCAN, &b);
	}
	if (b.after && store_page_get(w->store, b.batch, b.after, &p) < 0)
		return web_reply_error(c, MHD_HTTP_NOT_FOUND, "after", MSG_PAGE_NOT_FOUND, "batch",
				       b.batch, "page", b.after, WEB_END);
	return started(w, c, who, JOB_INSERT, &b);
}

/*
 * Batches
 */

struct batch_filter {
	struct json_writer *jw;
	int state; /* -1: all */
	struct batch_info *all;
	size_t n, cap;
};

static int collect_batch(const struct batch_info *b, void *user)
{
	struct batch_filter *f = user;

	if (f->state >= 0 && b->state != (uint32_t)f->state)
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		struct batch_info *grown = reallocarray(f->all, cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		f->all = grown;
		f->cap = cap;
	}
	f->all[f->n++] = *b;
	return 0;
}

static void batch_summary_json(struct json_writer *jw, const struct batch_info *b)
{
	jw_kint(jw, "id", b->id);
	jw_kstr(jw, "state", batch_state_name(b->state));
	jw_kint(jw, "pages", b->n_pages);
	jw_kint(jw, "documents", b->n_documents);
	jw_ktime(jw, "created", b->created);
	jw_ktime(jw, "updated", b->updated);
	jw_kstr(jw, "device", b->device);
	jw_kstr(jw, "profile", b->profile);
	jw_kint(jw, "ocr_pages", b->n_ocr);
}

static enum MHD_Result h_batches(struct web *w, struct MHD_Connection *c, struct web_request *req,
				 const struct web_caller *who, const struct json *body)
{
	const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
	struct batch_filter f = { .state = -1 };
	struct json_writer jw;
	int r;

	(void)req, (void)who, (void)body;
	if (state && *state) {
		for (uint32_t s = 0; s < BATCH_STATE_COUNT; s++)
			if (strcmp(state, batch_state_name(s)) == 0)
				f.state = (int)s;
		if (f.state < 0) {
			struct msg m;

			msg_init(&m, MSG_STATE_UNKNOWN);
			msg_str(&m, "name", state);
			msg_render(&m);
			return web_reply_msg(c, MHD_HTTP_BAD_REQUEST, "state", &m);
		}
	}
	r = store_batch_list(w->store, collect_batch, &f);
	if (r < 0) {
		free(f.all);
		return store_error(c, r, "cannot list batches");
	}
	jw_init(&jw);
	jw_object(&jw);
	jw_key(&jw, "batches");
	jw_array(&jw);
	for (size_t i = f.n; i > 0 && f.n - i < LIST_MAX; i--) { /* newest first */
		jw_object(&jw);
		batch_summary_json(&jw, &f.all[i - 1]);
		jw_end(&jw);
	}
	jw_end(&jw);
	jw_end(&jw);
	free(f.all);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

/* What a supervisor must see before approving: invalid documents block, flags warn. */
struct review {
	struct web *w;
	struct json_writer *jw;
	uint32_t position;
	uint64_t bytes;
	struct msg unresolved[32];
	size_t n_unresolved, more;
};

/* A new unresolved problem of @rv as @code (parameters follow), or NULL past the limit. */
static struct msg *note(struct review *rv, enum msg_code code)
{
	if (rv->n_unresolved == ARRAY_SIZE(rv->unresolved)) {
		rv->more++;
		return NULL;
	}
	msg_init(&rv->unresolved[rv->n_unresolved], code);
	return &rv->unresolved[rv->n_unresolved++];
}

#define FLAGS_TO_RESOLVE                                                                          \
	(PAGE_FLAG_BLANK | PAGE_FLAG_SKEW | PAGE_FLAG_DARK | PAGE_FLAG_LIGHT | PAGE_FLAG_LENGTH | \
	 PAGE_FLAG_SMALL | PAGE_FLAG_BARCODE_UNREADABLE | PAGE_FLAG_LOW_CONFIDENCE |              \
	 PAGE_FLAG_CHECK | PAGE_FLAG_OCR_FAILED | PAGE_FLAG_CHECK_IMAGE)

static int page_json(const struct page_info *p, void *user)
{
	struct review *rv = user;
	struct json_writer *jw = rv->jw;
	struct ocr_result o = { 0 };
	char flags[160] = "";
	size_t n = 0;

	rv->position++;
	rv->bytes += p->size;
	jw_object(jw);
	jw_kint(jw, "number", p->number);
	jw_kint(jw, "position", rv->position);
	jw_kint(jw, "document", p->document);
	jw_kint(jw, "width", p->width);
	jw_kint(jw, "height", p->height);
	jw_kint(jw, "dpi", p->dpi);
	jw_kstr(jw, "format", p->format);
	jw_kint(jw, "size", p->size);
	jw_key(jw, "flags");
	jw_array(jw);
	for (uint32_t bit = 1; bit; bit <<= 1) {
		char buf[WEB_FLAG_NAME_MAX];
		const char *name = (p->flags & bit) ? web_flag_name(bit, buf) : NULL;

		if (!name)
			continue;
		jw_string(jw, name);
		if ((bit & FLAGS_TO_RESOLVE) && n < sizeof(flags))
			n += (size_t)snprintf(flags + n, sizeof(flags) - n, "%s%s", n ? ", " : "",
					      name);
	}
	jw_end(jw);
	jw_key(jw, "ocr_confidence");
	if (store_ocr_get(rv->w->store, p->batch, p->number, &o) == 0)
		jw_double(jw, o.confidence, 1);
	else
		jw_null(jw);
	store_ocr_release(&o);
	jw_end(jw);
	if (flags[0]) {
		struct msg *m = note(rv, MSG_PAGE_FLAGS);

		if (m) {
			msg_num(m, "page", p->number);
			msg_str(m, "flags", flags);
		}
	}
	return 0;
}

static enum MHD_Result h_batch(struct web *w, struct MHD_Connection *c, struct web_request *req,
			       const struct web_caller *who, const struct json *body)
{
	struct json_writer jw;
	struct batch_info b;
	struct review rv = { .w = w, .jw = &jw };
	struct store_ocr_progress ocr;
	uint32_t blocking = 0;
	uint64_t revision;
	int r;

	(void)who, (void)body;
	/* The revision before the content: a change in between makes approval refuse, never
	 * approve what was not shown. */
	r = store_batch_revision(w->store, req->route.batch, &revision);
	if (r < 0)
		return store_error(c, r, "cannot show the batch");
	r = store_batch_get(w->store, req->route.batch, &b);
	if (r < 0)
		return store_error(c, r, "cannot show the batch");
	jw_init(&jw);
	jw_object(&jw);
	batch_summary_json(&jw, &b);
	jw_kint(&jw, "revision", (int64_t)revision);
	if (b.state == BATCH_REJECTED) {
		char why[256];

		if (receipts_refusal(w->store, b.id, why, sizeof(why)) == 0)
			jw_kstr(&jw, "office_refusal", why);
	}
	jw_key(&jw, "documents_list");
	jw_array(&jw);
	for (uint32_t d = 1; d <= b.n_documents; d++) {
		struct document_info doc;
		struct msg problems[8];
		size_t np;

		if (store_document_get(w->store, b.id, d, &doc) < 0)
			continue;
		np = core_document_problems(w->cfg, &doc, problems, ARRAY_SIZE(problems));
		blocking += (uint32_t)np;
		jw_object(&jw);
		jw_kint(&jw, "number", d);
		jw_kstr(&jw, "office", doc.office);
		jw_kstr(&jw, "ip_type", type_name(doc.ip_type));
		jw_kstr(&jw, "application", doc.application);
		jw_kstr(&jw, "st13", doc.st13);
		jw_kstr(&jw, "document_code", doc.document_code);
		jw_kstr(&jw, "received", doc.received);
		jw_kstr(&jw, "language", doc.language);
		jw_key(&jw, "problems");
		jw_array(&jw);
		for (size_t i = 0; i < np; i++) {
			struct msg *m = note(&rv, MSG_DOC_PROBLEM);

			msg_num(&problems[i], "doc", d);
			msg_render(&problems[i]);
			web_msg_json(&jw, &problems[i], NULL);
			if (m) {
				msg_num(m, "doc", d);
				msg_sub(m, "problem", problems[i].code);
				msg_copy_params(m, &problems[i]);
			}
		}
		jw_end(&jw);
		jw_end(&jw);
	}
	jw_end(&jw);
	jw_key(&jw, "pages_list");
	jw_array(&jw);
	r = store_page_list(w->store, b.id, page_json, &rv);
	jw_end(&jw);
	if (store_batch_ocr_progress(w->store, b.id, &ocr) < 0)
		ocr = (struct store_ocr_progress){ 0 };
	if (ocr.waiting) {
		/* Approval waits for OCR (store_batch_set_state()). */
		struct msg *m = note(&rv, MSG_OCR_WAITING);

		if (m) {
			msg_num(m, "waiting", ocr.waiting);
			msg_num(m, "pages", ocr.pages);
		}
		blocking++;
	}
	jw_key(&jw, "summary");
	jw_object(&jw);
	jw_kint(&jw, "pages", b.n_pages);
	jw_kint(&jw, "documents", b.n_documents);
	jw_kint(&jw, "bytes", (int64_t)rv.bytes);
	jw_key(&jw, "text");
	jw_object(&jw);
	jw_kint(&jw, "pages", ocr.pages);
	jw_kint(&jw, "read", ocr.text);
	jw_kint(&jw, "failed", ocr.failed);
	jw_kint(&jw, "waiting", ocr.waiting);
	jw_end(&jw);
	jw_kint(&jw, "blocking", blocking);
	jw_key(&jw, "unresolved");
	jw_array(&jw);
	for (size_t i = 0; i < rv.n_unresolved; i++) {
		msg_render(&rv.unresolved[i]);
		web_msg_json(&jw, &rv.unresolved[i], NULL);
	}
	if (rv.more) {
		struct msg more;

		msg_init(&more, MSG_MORE_PROBLEMS);
		msg_num(&more, "n", rv.more);
		msg_render(&more);
		web_msg_json(&jw, &more, NULL);
	}
	jw_end(&jw);
	jw_end(&jw);
	jw_end(&jw);
	if (r < 0) {
		jw_release(&jw);
		return store_error(c, r, "cannot list the pages");
	}
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

static void announce_batch(struct web *w, uint32_t batch)
{
	char data[64];

	snprintf(data, sizeof(data), "{\"batch\":%" PRIu32 "}", batch);
	live_publish(w, "batch", data);
}

static enum MHD_Result ok_batch(struct web *w, struct MHD_Connection *c, uint32_t batch)
{
	struct json_writer jw;
	struct batch_info b;

	announce_batch(w, batch);
	if (store_batch_get(w->store, batch, &b) < 0)
		return web_reply_empty(c, MHD_HTTP_NO_CONTENT);
	jw_init(&jw);
	jw_object(&jw);
	batch_summary_json(&jw, &b);
	jw_end(&jw);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

static enum MHD_Result h_move(struct web *w, struct MHD_Connection *c, struct web_request *req,
			      const struct web_caller *who, const struct json *body)
{
	uint32_t id = req->route.batch;
	struct batch_info b;
	const char *field, *bad = NULL;
	char reason[WEB_FIELD_MAX + 1] = "";
	struct msg why;
	uint64_t revision = 0;
	int r;

	switch (req->route.id) {
	case ROUTE_BATCH_APPROVE:
		/* No such batch before no revision: 404, not 428. */
		r = core_batch_get(w->store, id, &b, &why);
		if (r < 0)
			return refusal(c, r, NULL, &why);
		r = web_parse_revision(body, &revision, &field);
		if (r == -ENOENT)
			return web_reply_error(c, MHD_HTTP_PRECONDITION_REQUIRED, "revision",
					       MSG_APPROVE_NO_REVISION, WEB_END);
		if (r < 0)
			return bad_field(c, field);
		r = core_batch_approve(w->store, w->cfg, id, who->s.user, revision, NULL, &why);
		break;
	case ROUTE_BATCH_REJECT:
		/* No reason, or one that is not text: the core's refusal of no reason. */
		if (web_parse_reason(body, reason, sizeof(reason), &field) < 0)
			reason[0] = '\0';
		bad = "reason";
		r = core_batch_reject(w->store, id, who->s.user, reason, NULL, &why);
		break;
	case ROUTE_BATCH_REOPEN:
		r = core_batch_reopen(w->store, id, who->s.user, NULL, &why);
		break;
	default:
		r = batch_scanning(w, id, &why);
		if (r < 0)
			break;
		r = core_batch_close(w->store, id, who->s.user, NULL, &why);
	}
	if (r < 0)
		return refusal(c, r, r == -EINVAL ? bad : NULL, &why);
	if (req->route.id == ROUTE_BATCH_APPROVE)
		web_work(w); /* packaging and delivery, when the window is open */
	return ok_batch(w, c, id);
}

static enum MHD_Result h_document(struct web *w, struct MHD_Connection *c, struct web_request *req,
				  const struct web_caller *who, const struct json *body)
{
	struct web_document_body in;
	struct docfields_edit e = { 0 };
	struct document_info doc, out;
	struct json_writer jw;
	const char *field;
	struct msg why;
	int r;

	if (web_parse_document(body, &in, &field) < 0)
		return bad_field(c, field);
	e.office = in.has_office ? in.office : NULL;
	e.ip_type = in.has_ip_type ? in.ip_type : NULL;
	e.application = in.has_application ? in.application : NULL;
	e.document_code = in.has_code ? in.document_code : NULL;
	e.received = in.has_received ? in.received : NULL;
	e.language = in.has_language ? in.language : NULL;
	r = core_document_edit(w->store, w->cfg, req->route.batch, req->route.document, &e,
			       who->s.user, &doc, &out, &why);
	if (r == -EINVAL) /* a field the clerk typed: 422, naming it */
		return web_reply_msg(c, MHD_HTTP_UNPROCESSABLE_CONTENT,
				     msg_param_text(&why, "field"), &why);
	if (r < 0)
		return refusal(c, r, NULL, &why);
	if (memcmp(&out, &doc, sizeof(out)) != 0)
		announce_batch(w, req->route.batch);
	jw_init(&jw);
	jw_object(&jw);
	jw_kint(&jw, "number", out.number);
	jw_kstr(&jw, "office", out.office);
	jw_kstr(&jw, "ip_type", type_name(out.ip_type));
	jw_kstr(&jw, "application", out.application);
	jw_kstr(&jw, "st13", out.st13);
	jw_kstr(&jw, "document_code", out.document_code);
	jw_kstr(&jw, "received", out.received);
	jw_kstr(&jw, "language", out.language);
	jw_end(&jw);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

static enum MHD_Result h_arrange(struct web *w, struct MHD_Connection *c, struct web_request *req,
				 const struct web_caller *who, const struct json *body)
{
	_cleanup_free_ struct store_page_place *places = NULL;
	const char *field;
	struct msg why;
	size_t n;
	int r;

	r = web_parse_arrange(body, &places, &n, &field);
	if (r < 0)
		return web_reply_error(c, MHD_HTTP_BAD_REQUEST, "pages", MSG_ARRANGE_INVALID,
				       WEB_END);
	if (batch_scanning(w, req->route.batch, &why) < 0)
		return refusal(c, -EBUSY, NULL, &why);
	r = store_batch_arrange(w->store, who->s.user, req->route.batch, places, n);
	if (r == -EINVAL)
		return web_reply_error(c, MHD_HTTP_BAD_REQUEST, "pages", MSG_ARRANGE_INVALID,
				       WEB_END);
	if (r < 0)
		return changed_refused(w, c, req, r);
	return ok_batch(w, c, req->route.batch);
}

/*
 * Pages
 */

static enum MHD_Result h_image(struct web *w, struct MHD_Connection *c, struct web_request *req,
			       const struct web_caller *who, const struct json *body)
{
	const char *size = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "size");
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	unsigned width = THUMB_WIDTH;
	struct MHD_Response *resp;
	struct page_info p;
	char etag[80], hex[17];
	void *data = NULL;
	uint8_t *png = NULL;
	size_t len = 0, png_len = 0;
	int r;

	(void)who, (void)body;
	if (size && strcmp(size, "view") == 0)
		width = VIEW_WIDTH;
	else if (size && *size && strcmp(size, "thumb") != 0)
		return web_reply_error(c, MHD_HTTP_BAD_REQUEST, "size", MSG_SIZE_INVALID, WEB_END);
	r = store_page_get(w->store, req->route.batch, req->route.page, &p);
	if (r < 0)
		return store_error(c, r, "cannot show the page");
	sodium_bin2hex(hex, sizeof(hex), p.sha256, 8);
	snprintf(etag, sizeof(etag), "\"%s-%u\"", hex, width);
	if (inm && strcmp(inm, etag) == 0) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "ETag", etag);
		return web_queue(c, MHD_HTTP_NOT_MODIFIED, resp);
	}
	r = store_page_image(w->store, req->route.batch, req->route.page, &data, &len);
	if (r < 0)
		return store_error(c, r, "cannot show the page");
	r = image_preview_png(data, len, MIN(width, p.width ? p.width : width), &png, &png_len);
	free(data);
	if (r < 0)
		return store_error(c, r, "cannot show the page");
	resp = MHD_create_response_from_buffer(png_len, png, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(png);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "image/png");
	MHD_add_response_header(resp, "Cache-Control", "private, max-age=60");
	MHD_add_response_header(resp, "ETag", etag);
	return web_queue(c, MHD_HTTP_OK, resp);
}

static enum MHD_Result h_text(struct web *w, struct MHD_Connection *c, struct web_request *req,
			      const struct web_caller *who, const struct json *body)
{
	struct ocr_result o = { 0 };
	struct json_writer jw;
	int r;

	(void)who, (void)body;
	r = store_ocr_get(w->store, req->route.batch, req->route.page, &o);
	if (r == -FOLIO_ENOTFOUND)
		return web_reply_error(c, MHD_HTTP_NOT_FOUND, NULL, MSG_PAGE_NO_TEXT, "page",
				       req->route.page, WEB_END);
	if (r < 0)
		return store_error(c, r, "cannot show the text");
	jw_init(&jw);
	jw_object(&jw);
	jw_kstr(&jw, "text", o.text);
	jw_key(&jw, "confidence");
	jw_double(&jw, o.confidence, 1);
	jw_end(&jw);
	store_ocr_release(&o);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

static enum MHD_Result h_rotate(struct web *w, struct MHD_Connection *c, struct web_request *req,
				const struct web_caller *who, const struct json *body)
{
	struct batch_info b;
	const char *field;
	enum MHD_Result res = MHD_NO;
	int degrees, r;

	if (web_parse_rotate(body, &degrees, &field) < 0)
		return web_reply_error(c, MHD_HTTP_BAD_REQUEST, "degrees", MSG_DEGREES_INVALID,
				       WEB_END);
	if (!batch_editable(w, c, req->route.batch, &b, &res))
		return res;
	/* The clerk has seen the page: its orientation is known, OCR does not turn it again. */
	r = capture_page_turn(w->store, who->s.user, req->route.batch, req->route.page, degrees,
			      PAGE_FLAG_ORIENTATION, NULL, NULL);
	if (r < 0)
		return changed_refused(w, c, req, r);
	return ok_batch(w, c, req->route.batch);
}

static enum MHD_Result h_flags(struct web *w, struct MHD_Connection *c, struct web_request *req,
			       const struct web_caller *who, const struct json *body)
{
	uint32_t set = 0, clear = 0;
	const char *field;
	int r;

	if (web_parse_flags(body, &set, &clear, &field) < 0 ||
	    ((set | clear) & PAGE_FLAGS_STATION_ONLY)) {
		char names[512], buf[WEB_FLAG_NAME_MAX];
		size_t n = 0;

		/* What people may set, from the store's own list (the station's own left out). */
		for (uint32_t bit = 1; bit && n < sizeof(names); bit <<= 1)
			if (!(bit & PAGE_FLAGS_STATION_ONLY) && web_flag_name(bit, buf))
				n += (size_t)snprintf(names + n, sizeof(names) - n, " %s", buf);
		{
			struct msg m;

			msg_init(&m, MSG_FLAGS_INVALID);
			msg_str(&m, "names", names);
			msg_render(&m);
			return web_reply_msg(c, MHD_HTTP_BAD_REQUEST, field ? field : "set", &m);
		}
	}
	r = store_page_set_flags(w->store, who->s.user, req->route.batch, req->route.page, set,
				 clear);
	if (r < 0)
		return changed_refused(w, c, req, r);
	return ok_batch(w, c, req->route.batch);
}

/* The page's kept grey image replaces its bitonal one (store_page_use_grey()). */
static enum MHD_Result h_grey(struct web *w, struct MHD_Connection *c, struct web_request *req,
			      const struct web_caller *who, const struct json *body)
{
	struct msg why;
	int r;

	(void)body;
	r = core_page_use_grey(w->store, req->route.batch, req->route.page, who->s.user, &why);
	if (r < 0)
		return refusal(c, r, NULL, &why);
	return ok_batch(w, c, req->route.batch);
}

static enum MHD_Result h_delete(struct web *w, struct MHD_Connection *c, struct web_request *req,
				const struct web_caller *who, const struct json *body)
{
	struct msg why;
	int r;

	(void)body;
	if (batch_scanning(w, req->route.batch, &why) < 0)
		return refusal(c, -EBUSY, NULL, &why);
	r = store_page_delete(w->store, who->s.user, req->route.batch, req->route.page);
	if (r < 0)
		return changed_refused(w, c, req, r);
	announce_batch(w, req->route.batch);
	return web_reply_empty(c, MHD_HTTP_NO_CONTENT);
}

/*
 * Queue and search
 */

static int delivered_batch(const struct batch_info *b, void *user)
{
	struct batch_filter *f = user;

	if (b->state != BATCH_DELIVERED && b->state != BATCH_CONFIRMED &&
	    b->state != BATCH_PACKAGED && b->state != BATCH_APPROVED)
		return 0;
	return collect_batch(b, f);
}

static enum MHD_Result h_queue(struct web *w, struct MHD_Connection *c, struct web_request *req,
			       const struct web_caller *who, const struct json *body)
{
	struct batch_filter f = { .state = -1 };
	struct json_writer jw;
	time_t now = time(NULL), next = 0;
	bool open = upload_window_open(w->cfg, now, &next);

	(void)req, (void)who, (void)body;
	jw_init(&jw);
	jw_object(&jw);
	for (uint32_t q = 0; q < QUEUE_COUNT; q++) {
		struct queue_stats st = { 0 };

		(void)store_queue_stats(w->store, q, &st);
		jw_key(&jw, store_queue_name(q));
		jw_object(&jw);
		jw_kint(&jw, "items", (int64_t)st.items);
		jw_ktime(&jw, "oldest", (time_t)st.oldest);
		jw_end(&jw);
	}
	(void)store_batch_list(w->store, delivered_batch, &f);
	jw_key(&jw, "deliveries");
	jw_array(&jw);
	for (size_t i = f.n; i > 0 && f.n - i < 20; i--) {
		jw_object(&jw);
		jw_kint(&jw, "batch", f.all[i - 1].id);
		jw_kstr(&jw, "state", batch_state_name(f.all[i - 1].state));
		jw_ktime(&jw, "time", f.all[i - 1].updated);
		jw_kint(&jw, "pages", f.all[i - 1].n_pages);
		jw_end(&jw);
	}
	jw_end(&jw);
	free(f.all);
	{
		char shown[sizeof(w->cfg->upload_target)];

		jw_kstr(&jw, "target",
			config_url_redact(w->cfg->upload_target, shown, sizeof(shown)));
	}
	jw_kstr(&jw, "window", w->cfg->upload_window);
	jw_kbool(&jw, "window_open", open);
	jw_ktime(&jw, "next_window", open ? now : next);
	jw_end(&jw);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

static int search_result(const struct search_hit *h, void *user)
{
	struct json_writer *jw = user;

	jw_object(jw);
	jw_kint(jw, "batch", h->batch->id);
	jw_kint(jw, "document", h->doc->number);
	if (h->page) {
		jw_kint(jw, "page", h->page);
		jw_kstr(jw, "snippet", h->snippet);
	}
	jw_kstr(jw, "office", h->doc->office);
	jw_kstr(jw, "ip_type", type_name(h->doc->ip_type));
	jw_kstr(jw, "application", h->doc->application);
	jw_kstr(jw, "document_code", h->doc->document_code);
	jw_kstr(jw, "received", h->doc->received);
	jw_kstr(jw, "state", batch_state_name(h->batch->state));
	jw_kint(jw, "pages", h->batch->n_pages);
	jw_end(jw);
	return 0;
}

static enum MHD_Result h_search(struct web *w, struct MHD_Connection *c, struct web_request *req,
				const struct web_caller *who, const struct json *body)
{
	static const char *const names[] = { "application", "document_code", "from", "to", "text" };
	struct json_writer jw;
	struct search_query q = { 0 };
	const char *field = NULL;
	struct msg why;
	int r;

	(void)req, (void)who, (void)body;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, names[i]);

		if (v && search_query_set(&q, names[i], v, &why) < 0)
			return web_reply_msg(c, MHD_HTTP_BAD_REQUEST, names[i], &why);
	}
	if (search_query_check(&q, &why, &field) < 0)
		return web_reply_msg(c, MHD_HTTP_BAD_REQUEST, field, &why);
	jw_init(&jw);
	jw_object(&jw);
	jw_key(&jw, "results");
	jw_array(&jw);
	r = search_run(w->store, &q, search_result, &jw, &why);
	if (r < 0) {
		jw_release(&jw);
		return web_reply_msg(c,
				     r == -EINVAL || r == -EOPNOTSUPP ? MHD_HTTP_BAD_REQUEST
				     : r == -ENODATA || r == -EINPROGRESS
					 ? MHD_HTTP_SERVICE_UNAVAILABLE
					 : MHD_HTTP_INTERNAL_SERVER_ERROR,
				     r == -EINVAL || r == -EOPNOTSUPP ? "text" : NULL, &why);
	}
	jw_end(&jw);
	jw_end(&jw);
	return web_reply_json(c, MHD_HTTP_OK, &jw);
}

static const handler_fn handlers[] = {
	[ROUTE_LOGIN] = h_login,	[ROUTE_LOGOUT] = h_logout,
	[ROUTE_SESSION] = h_session,	[ROUTE_SESSION_LANG] = h_lang,
	[ROUTE_STATUS] = h_status,	[ROUTE_DEVICES] = h_devices,
	[ROUTE_CAPTURE] = h_capture,	[ROUTE_CAPTURE_RESUME] = h_capture,
	[ROUTE_CAPTURE_PAUSE] = h_halt, [ROUTE_CAPTURE_STOP] = h_halt,
	[ROUTE_EVENTS] = h_events,	[ROUTE_BATCHES] = h_batches,
	[ROUTE_BATCH] = h_batch,	[ROUTE_BATCH_CLOSE] = h_move,
	[ROUTE_BATCH_APPROVE] = h_move, [ROUTE_BATCH_REJECT] = h_move,
	[ROUTE_BATCH_REOPEN] = h_move,	[ROUTE_DOCUMENT] = h_document,
	[ROUTE_ARRANGE] = h_arrange,	[ROUTE_RESCAN] = h_rescan,
	[ROUTE_INSERT] = h_rescan,	[ROUTE_PAGE_IMAGE] = h_image,
	[ROUTE_PAGE_TEXT] = h_text,	[ROUTE_PAGE_ROTATE] = h_rotate,
	[ROUTE_PAGE_FLAGS] = h_flags,	[ROUTE_PAGE_GREY] = h_grey,
	[ROUTE_PAGE_DELETE] = h_delete, [ROUTE_QUEUE] = h_queue,
	[ROUTE_SEARCH] = h_search,
};

enum MHD_Result web_api(struct web *w, struct MHD_Connection *c, struct web_request *req,
			const struct web_caller *who, const struct json *body)
{
	enum web_route_id id = req->route.id;

	if ((size_t)id >= ARRAY_SIZE(handlers) || !handlers[id])
		return web_reply_error(c, MHD_HTTP_NOT_FOUND, NULL, MSG_REQ_NOT_FOUND, WEB_END);
	return handlers[id](w, c, req, who, body);
}
