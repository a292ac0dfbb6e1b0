/*
 * Captures started from the clerk UI, and the event stream that shows them (API.md).
 *
 * One capture at a time runs in a thread of its own through capture_run(). What it does is
 * published as events into a ring; every open event stream (server-sent events) follows the
 * ring from where it joined, and a stream that fell behind by more than the ring gets a fresh
 * status instead of the events it missed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/web/web_int.h"

#define KEEPALIVE_SECONDS 15

int live_init(struct web *w)
{
	struct live *l = &w->live;
	pthread_condattr_t ca;

	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->changed, &ca);
	pthread_condattr_destroy(&ca);
	l->next_seq = 1;
	l->state = LIVE_IDLE;
	snprintf(l->message, sizeof(l->message),
		 "ready: put the sheets in the feeder and press Start");
	return 0;
}

void live_shutdown(struct web *w)
{
	struct live *l = &w->live;
	bool join;

	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	join = l->thread_running || l->joinable;
	if (l->thread_running)
		capture_cancel();
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
	if (join)
		pthread_join(l->thread, NULL);
}

/* Under l->lock. */
static void publish_locked(struct live *l, const char *name, const char *data)
{
	struct live_event *e = &l->ring[l->next_seq % LIVE_RING];

	e->seq = l->next_seq++;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->data, sizeof(e->data), "%s", data);
	pthread_cond_broadcast(&l->changed);
}

void live_publish(struct web *w, const char *name, const char *data)
{
	pthread_mutex_lock(&w->live.lock);
	publish_locked(&w->live, name, data);
	pthread_mutex_unlock(&w->live.lock);
}

/* A short, stable name of a capture fault, for screens that say it in their own words. */
static const char *fault_code(int fault)
{
	switch (-fault) {
	case 0:
		return "";
	case FOLIO_EJAM:
		return "jam";
	case FOLIO_EDOUBLEFEED:
		return "double_feed";
	case FOLIO_ECOVEROPEN:
		return "cover_open";
	case FOLIO_ENODOCS:
		return "no_paper";
	case FOLIO_EDEVGONE:
		return "device_lost";
	case FOLIO_EDEVBUSY:
		return "device_busy";
	case FOLIO_EDEVIO:
		return "device_io";
	case FOLIO_ESTOREFULL:
		return "store_full";
	case FOLIO_ECANCELLED:
		return "cancelled";
	default:
		return "error";
	}
}

/* Pages the batch has: those it had when the run started and those the run added. Under
 * l->lock; derived, so the writer thread's progress callback never reads the store. */
static uint32_t batch_pages(const struct live *l)
{
	return l->base_pages + (l->job == JOB_RESCAN ? 0 : l->progress.pages);
}

static const char *state_name(enum live_state s)
{
	static const char *const names[] = { "idle", "capturing", "paused", "fault" };

	return names[s];
}

void live_status_json(struct web *w, struct json_writer *jw)
{
	struct live *l = &w->live;

	pthread_mutex_lock(&l->lock);
	jw_key(jw, "scanner");
	jw_object(jw);
	jw_kstr(jw, "device", l->device[0] ? l->device : w->cfg->device);
	jw_kstr(jw, "state", state_name(l->state));
	jw_kstr(jw, "message", l->message);
	jw_kint(jw, "batch", l->batch);
	jw_end(jw);
	jw_key(jw, "capture");
	if (l->batch) {
		jw_object(jw);
		jw_kint(jw, "batch", l->batch);
		jw_kint(jw, "pages", l->progress.pages);
		jw_kint(jw, "last_page", l->progress.last_page);
		jw_key(jw, "pages_per_minute");
		jw_double(jw, l->progress.pages_per_minute, 1);
		jw_kint(jw, "batch_pages", batch_pages(l));
		jw_kstr(jw, "fault", l->state == LIVE_FAULT ? l->message : "");
		jw_kstr(jw, "fault_code", l->state == LIVE_FAULT ? fault_code(l->fault) : "");
		jw_kint(jw, "lost_page", l->state == LIVE_FAULT ? l->result.lost_page : 0);
		jw_end(jw);
	} else {
		jw_null(jw);
	}
	pthread_mutex_unlock(&l->lock);
}

bool live_running(struct web *w)
{
	bool running;

	pthread_mutex_lock(&w->live.lock);
	running = w->live.thread_running;
	pthread_mutex_unlock(&w->live.lock);
	return running;
}

/* Publishes "status": the whole station status, as GET /api/status answers. */
static void publish_status(struct web *w)
{
	struct json_writer jw;
	size_t len;
	char *text;

	jw_init(&jw);
	web_status_json(w, &jw);
	text = jw_take(&jw, &len);
	if (text && len < LIVE_EVENT_MAX)
		live_publish(w, "status", text);
	free(text);
}

static void on_progress(const struct capture_progress *p, void *user)
{
	struct web *w = user;
	struct live *l = &w->live;
	char data[256];

	pthread_mutex_lock(&l->lock);
	l->progress = *p;
	snprintf(data, sizeof(data),
		 "{\"batch\":%" PRIu32 ",\"number\":%" PRIu32 ",\"pages\":%" PRIu32
		 ",\"batch_pages\":%" PRIu32 ",\"pages_per_minute\":%.1f}",
		 p->batch, p->last_page, p->pages, batch_pages(l), p->pages_per_minute);
	snprintf(l->message, sizeof(l->message), "scanning: %u page%s of batch %u", p->pages,
		 p->pages == 1 ? "" : "s", p->batch);
	publish_locked(l, "page", data);
	pthread_mutex_unlock(&l->lock);
}

static void on_notice(const char *message, void *user)
{
	struct web *w = user;
	struct json_writer jw;
	size_t len;
	char *text;

	log_warn("web capture: %s", message);
	jw_init(&jw);
	jw_object(&jw);
	jw_kstr(&jw, "message", message);
	jw_end(&jw);
	text = jw_take(&jw, &len);
	if (text)
		live_publish(w, "notice", text);
	free(text);
}

/* The page numbers of @batch in reading order, with their documents. */
struct order {
	struct store_page_place *p;
	size_t n, cap;
};

static int add_place(const struct page_info *p, void *user)
{
	struct order *o = user;

	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		struct store_page_place *grown = reallocarray(o->p, cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		o->p = grown;
		o->cap = cap;
	}
	o->p[o->n++] = (struct store_page_place){ p->number, p->document };
	return 0;
}

/*
 * Insert: the @count pages numbered from @first (just captured, at the end of the reading
 * order) move to after page @after (0: to the front), into that page's document.
 */
static int place_inserted(struct web *w, const char *who, uint32_t batch, uint32_t after,
			  uint32_t first, uint32_t count)
{
	struct order o = { 0 };
	_cleanup_free_ struct store_page_place *places = NULL;
	size_t n = 0, at = 0;
	uint32_t doc = 1;
	int r;

	r = store_page_list(w->store, batch, add_place, &o);
	places = calloc(o.n + 1, sizeof(*places));
	if (r < 0 || !places) {
		free(o.p);
		return r < 0 ? r : -ENOMEM;
	}
	for (size_t i = 0; i < o.n; i++) /* the others, in their order */
		if (o.p[i].number < first || o.p[i].number >= first + count) {
			places[n++] = o.p[i];
			if (o.p[i].number == after) {
				at = n;
				doc = o.p[i].document;
			}
		}
	if (after == 0 && n)
		doc = places[0].document;
	memmove(places + at + count, places + at, (n - at) * sizeof(*places));
	for (uint32_t k = 0; k < count; k++)
		places[at + k] = (struct store_page_place){ first + k, doc };
	free(o.p);
	return store_batch_arrange(w->store, who, batch, places, n + count);
}

/* The capture request for the job asked of the live view. */
static void job_request(struct web *w, struct scan_profile *profile, struct capture_request *req)
{
	struct live *l = &w->live;

	*profile = *config_find_profile(w->cfg, l->profile);
	*req = (struct capture_request){
		.device = l->device,
		.profile = profile,
		.who = l->who,
		.progress = on_progress,
		.notice = on_notice,
		.user = w,
	};
	profile->cover_sheets = l->cover_sheets;
	if (l->job != JOB_NEW) {
		req->resume_batch = l->batch;
		req->choice = &l->choice;
	}
	if (l->job == JOB_RESCAN) {
		req->replace = l->replace;
		req->n_replace = l->n_replace;
	}
	if (l->job == JOB_INSERT) {
		req->max_pages = l->insert_count;
		req->keep_open = true;
	}
}

/* How a capture ended, as the live view tells it. */
struct job_end {
	const struct capture_result *res;
	int r;	       /* capture_run()'s result */
	bool stop;     /* the clerk pressed Stop */
	bool reopened; /* a closed batch was opened for inserted sheets */
	bool flatbed;  /* the profile reads from the glass */
};

/* The fault: its line in l->message, and a "fault" event. */
static void publish_fault_locked(struct live *l, const struct job_end *e)
{
	const struct capture_result *res = e->res;
	struct json_writer jw;
	size_t len;
	char *text;

	l->state = LIVE_FAULT;
	if (res->lost_page)
		snprintf(l->message, sizeof(l->message), "page %u not captured: %s", res->lost_page,
			 capture_fault_advice(e->r));
	else if (e->r == -FOLIO_ESTOREFULL)
		snprintf(l->message, sizeof(l->message),
			 "the store is full: upload or purge before scanning");
	else
		snprintf(l->message, sizeof(l->message), "%s (%s)", capture_fault_advice(e->r),
			 folio_strerror(e->r));
	jw_init(&jw);
	jw_object(&jw);
	jw_kint(&jw, "batch", res->batch);
	jw_kstr(&jw, "code", fault_code(e->r));
	jw_kstr(&jw, "message", l->message);
	jw_kint(&jw, "lost_page", res->lost_page);
	jw_end(&jw);
	text = jw_take(&jw, &len);
	if (text)
		publish_locked(l, "fault", text);
	free(text);
}

/* The live view's state, message and event once the capture has ended. */
static void publish_end_locked(struct live *l, const struct job_end *e)
{
	const struct capture_result *res = e->res;
	char data[LIVE_EVENT_MAX];

	if (e->r == 0 && l->job == JOB_RESUME && !e->stop && !res->closed && e->flatbed) {
		/* One sheet a press: the batch waits for the next sheet on the glass. */
		l->state = LIVE_PAUSED;
		snprintf(l->message, sizeof(l->message),
			 "batch %u: %u page%s captured from the flatbed; put the next sheet on the "
			 "glass and press Resume, or Stop to close the batch",
			 res->batch, res->pages, res->pages == 1 ? "" : "s");
		snprintf(data, sizeof(data), "{\"batch\":%" PRIu32 ",\"pages\":%" PRIu32 "}",
			 res->batch, res->pages);
		publish_locked(l, "paused", data);
	} else if (e->r == 0 || (e->r == -FOLIO_ECANCELLED && e->stop)) {
		l->state = LIVE_IDLE;
		snprintf(l->message, sizeof(l->message),
			 "batch %u: %u page%s captured%s; ready for the next batch", res->batch,
			 res->pages, res->pages == 1 ? "" : "s",
			 res->closed || e->stop || e->reopened ? ", batch closed" : "");
		snprintf(data, sizeof(data),
			 "{\"batch\":%" PRIu32 ",\"pages\":%" PRIu32 ",\"batch_pages\":%" PRIu32
			 ",\"closed\":%s}",
			 res->batch, res->pages, batch_pages(l),
			 res->closed || e->stop ? "true" : "false");
		publish_locked(l, "done", data);
	} else if (e->r == -FOLIO_ECANCELLED) {
		l->state = LIVE_PAUSED;
		snprintf(l->message, sizeof(l->message),
			 "paused: batch %u stays open with %u new page%s; press Resume to go on",
			 res->batch, res->pages, res->pages == 1 ? "" : "s");
		snprintf(data, sizeof(data), "{\"batch\":%" PRIu32 ",\"pages\":%" PRIu32 "}",
			 res->batch, res->pages);
		publish_locked(l, "paused", data);
	} else
		publish_fault_locked(l, e);
}

static void *job_main(void *arg)
{
	struct web *w = arg;
	struct live *l = &w->live;
	struct scan_profile profile;
	struct capture_request req;
	struct capture_result res = { 0 };
	struct job_end e = { .res = &res };
	char data[LIVE_EVENT_MAX];
	struct batch_info b;
	int r;

	job_request(w, &profile, &req);
	/* More sheets for a closed batch: it opens for them and closes again after. */
	if (l->job == JOB_INSERT && store_batch_get(w->store, l->batch, &b) == 0 &&
	    b.state == BATCH_CLOSED) {
		r = store_batch_set_state(w->store, l->batch, BATCH_OPEN, l->who);
		e.reopened = r == 0;
	}

	e.r = capture_run(w->store, w->cfg, &req, &res);
	e.flatbed = profile.source == SCAN_SOURCE_FLATBED;

	if (l->job == JOB_INSERT && res.pages)
		(void)place_inserted(w, l->who, res.batch, l->insert_after, res.first_page,
				     res.pages);
	pthread_mutex_lock(&l->lock);
	e.stop = l->stop_requested;
	pthread_mutex_unlock(&l->lock);
	if (res.batch && ((e.reopened && (e.r == 0 || e.stop)) || (e.stop && l->job != JOB_RESCAN)))
		(void)store_batch_set_state(w->store, res.batch, BATCH_CLOSED, l->who);

	pthread_mutex_lock(&l->lock);
	l->result = res;
	l->fault = e.r;
	if (res.batch)
		l->batch = res.batch;
	publish_end_locked(l, &e);
	snprintf(data, sizeof(data), "{\"batch\":%" PRIu32 "}", l->batch);
	publish_locked(l, "batch", data);
	pthread_mutex_unlock(&l->lock);
	publish_status(w);
	if (res.run_pages)
		web_work(w); /* OCR for the new pages */
	/* Last: live_start() joins this thread under the lock once it sees this. */
	pthread_mutex_lock(&l->lock);
	l->thread_running = false;
	l->joinable = true;
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/*
 * The batch, scanner and profile of a capture job: the clerk's or the station's for a new
 * batch; for resume, rescan and insert the batch's own (the last one captured when the clerk
 * names none), unless the clerk names others (capture_run() puts that choice in the event
 * log, from @sc). 0, or an error with its message in @why.
 */
static int live_choose(struct web *w, enum live_job job, const struct web_capture_body *body,
		       uint32_t *batch, const char **device, const struct scan_profile **profile,
		       struct capture_scanner *sc, struct msg *why)
{
	char detail[MSG_PARAM_TEXT];
	struct live *l = &w->live;
	const char *name = body->profile[0] ? body->profile : w->cfg->profile;
	int r;

	*device = body->device[0] ? body->device : w->cfg->device;
	*batch = body->batch;
	if (job != JOB_NEW) {
		if (!*batch) {
			pthread_mutex_lock(&l->lock);
			*batch = l->batch;
			pthread_mutex_unlock(&l->lock);
		}
		if (!*batch) {
			msg_init(why, MSG_CAPTURE_NO_BATCH);
			return -EINVAL;
		}
		r = capture_batch_scanner(w->store, w->cfg, *batch, body->device, body->profile, sc,
					  detail, sizeof(detail));
		if (r < 0) {
			msg_init(why, MSG_CAPTURE_REFUSED);
			msg_str(why, "detail", detail);
			msg_render(why);
			return r == -FOLIO_ENOTFOUND ? -EINVAL : r;
		}
		*device = sc->device;
		name = sc->profile;
	}
	*profile = config_find_profile(w->cfg, name);
	if (!(*device)[0]) {
		msg_init(why, MSG_CAPTURE_NO_DEVICE);
		return -EINVAL;
	}
	if (!*profile) {
		msg_init(why, MSG_CAPTURE_NO_PROFILE);
		msg_str(why, "name", name);
		msg_render(why);
		return -EINVAL;
	}
	/* A clerk picks among the scanners, never a folder: listing is not done while a
	 * capture runs (that one is refused in live_start() anyway). */
	if (!live_running(w)) {
		r = capture_device_allowed(w->cfg, *device, detail, sizeof(detail));
		if (r < 0) {
			msg_init(why, MSG_CAPTURE_REFUSED);
			msg_str(why, "detail", detail);
			msg_render(why);
			return r;
		}
	}
	return 0;
}

int live_start(struct web *w, const char *who, enum live_job job,
	       const struct web_capture_body *body, uint32_t *ret_batch, struct msg *why)
{
	struct live *l = &w->live;
	const struct scan_profile *p;
	struct capture_scanner sc = { 0 };
	const char *device;
	uint32_t batch;
	int r;

	r = live_choose(w, job, body, &batch, &device, &p, &sc, why);
	if (r < 0)
		return r;
	pthread_mutex_lock(&l->lock);
	if (l->thread_running || l->stopping) {
		pthread_mutex_unlock(&l->lock);
		msg_init(why, MSG_CAPTURE_BUSY);
		return -EBUSY;
	}
	if (l->joinable) {
		pthread_join(l->thread, NULL);
		l->joinable = false;
	}
	l->job = job;
	l->stop_requested = false;
	snprintf(l->who, sizeof(l->who), "%s", who);
	snprintf(l->device, sizeof(l->device), "%s", device);
	snprintf(l->profile, sizeof(l->profile), "%s", p->name);
	l->cover_sheets = body->cover_sheets || p->cover_sheets;
	l->n_replace = 0;
	if (job == JOB_NEW) {
		/* The batch exists before the first sheet, so the clerk sees its number at once. */
		r = capture_new_batch(w->store, w->cfg, device, p->name, who, &l->batch);
		if (r < 0) {
			pthread_mutex_unlock(&l->lock);
			msg_init(why, r == -FOLIO_ESTOREFULL ? MSG_CAPTURE_STORE_FULL
							     : MSG_CAPTURE_NO_BATCH_STORED);
			return r;
		}
		l->job = JOB_RESUME;
	} else {
		l->batch = batch;
	}
	l->choice = sc;
	if (job == JOB_RESCAN) {
		for (uint32_t n = body->from;
		     n <= body->to && l->n_replace < ARRAY_SIZE(l->replace); n++)
			l->replace[l->n_replace++] = n;
	}
	l->base_pages = 0;
	if (job != JOB_NEW) {
		struct batch_info b;

		if (store_batch_get(w->store, l->batch, &b) == 0)
			l->base_pages = b.n_pages;
	}
	l->insert_after = body->after;
	l->insert_count = body->count;
	memset(&l->progress, 0, sizeof(l->progress));
	memset(&l->result, 0, sizeof(l->result));
	l->progress.batch = l->batch;
	l->state = LIVE_CAPTURING;
	snprintf(l->message, sizeof(l->message), "scanning: feeding the sheets");
	r = -pthread_create(&l->thread, NULL, job_main, w);
	l->thread_running = r == 0;
	if (r < 0) {
		l->state = LIVE_IDLE;
		msg_init(why, MSG_CAPTURE_FAILED);
		msg_str(why, "error", folio_strerror(r));
		msg_render(why);
	}
	*ret_batch = l->batch;
	pthread_mutex_unlock(&l->lock);
	if (r == 0)
		publish_status(w);
	return r;
}

int live_halt(struct web *w, bool close_batch)
{
	struct live *l = &w->live;
	int r = 0;

	pthread_mutex_lock(&l->lock);
	if (l->thread_running) {
		l->stop_requested = close_batch;
		capture_cancel();
		snprintf(l->message, sizeof(l->message), "%s after the sheet being read",
			 close_batch ? "stopping" : "pausing");
	} else if (close_batch && (l->state == LIVE_PAUSED || l->state == LIVE_FAULT) && l->batch) {
		r = 1; /* nothing runs: close the batch left open */
	} else {
		r = -ESRCH;
	}
	pthread_mutex_unlock(&l->lock);
	if (r == 1) {
		r = store_batch_set_state(w->store, l->batch, BATCH_CLOSED, "web");
		pthread_mutex_lock(&l->lock);
		l->state = LIVE_IDLE;
		snprintf(l->message, sizeof(l->message),
			 "batch %u closed; ready for the next batch", l->batch);
		pthread_mutex_unlock(&l->lock);
	}
	publish_status(w);
	return r;
}

/*
 * The event stream
 */

struct stream {
	struct web *w;
	char token[WEB_TOKEN_HEX + 1]; /* the session it belongs to */
	uint64_t sessions_seen;	       /* l->sessions_changed when it last looked */
	uint64_t seq;		       /* the next event to send */
	char *pending;
	size_t len, off;
	bool started;
};

/* Whether the stream's session is still signed in (looking does not count as activity). */
static bool stream_session_alive(struct stream *st, struct web_session *s)
{
	return web_session_find(st->w, st->token, false, s);
}

static int stream_fill(struct stream *st)
{
	struct live *l = &st->w->live;
	struct web_session session;
	struct timespec until;
	time_t idle_end;
	char buf[LIVE_EVENT_MAX + 64];
	int n;

	/* Signed out or idle too long: the stream ends with its session. */
	if (!stream_session_alive(st, &session))
		return -ESHUTDOWN;
	if (!st->started) {
		struct json_writer jw;
		size_t len;
		char *text;

		st->started = true;
		jw_init(&jw);
		web_status_json(st->w, &jw);
		text = jw_take(&jw, &len);
		if (!text)
			return -ENOMEM;
		pthread_mutex_lock(&l->lock);
		st->seq = l->next_seq;
		pthread_mutex_unlock(&l->lock);
		n = asprintf(&st->pending, "retry: 2000\nevent: status\ndata: %s\n\n", text);
		free(text);
		if (n < 0)
			return -ENOMEM;
		st->len = (size_t)n;
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += KEEPALIVE_SECONDS;
	/* Wake when the session would expire, to end the stream then. */
	idle_end = session.last_seen + (time_t)st->w->cfg->web_idle_minutes * 60 + 1;
	if (idle_end < until.tv_sec)
		until.tv_sec = idle_end;
	pthread_mutex_lock(&l->lock);
	st->sessions_seen = l->sessions_changed;
	while (!l->stopping && st->seq == l->next_seq && st->sessions_seen == l->sessions_changed)
		if (pthread_cond_timedwait(&l->changed, &l->lock, &until) == ETIMEDOUT)
			break;
	if (l->stopping) {
		pthread_mutex_unlock(&l->lock);
		return -ESHUTDOWN;
	}
	if (st->seq == l->next_seq && st->sessions_seen != l->sessions_changed) {
		/* A session ended: look again whether it was this one's. */
		pthread_mutex_unlock(&l->lock);
		return stream_fill(st);
	}
	if (st->seq == l->next_seq) {
		n = snprintf(buf, sizeof(buf), ": keepalive\n\n");
	} else if (l->next_seq - st->seq > LIVE_RING - 1) {
		/* Fell behind: start again from a fresh status. */
		pthread_mutex_unlock(&l->lock);
		st->started = false;
		return stream_fill(st);
	} else {
		const struct live_event *e = &l->ring[st->seq % LIVE_RING];

		n = snprintf(buf, sizeof(buf), "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n", e->seq,
			     e->name, e->data);
		st->seq++;
	}
	pthread_mutex_unlock(&l->lock);
	st->pending = strdup(buf);
	if (!st->pending)
		return -ENOMEM;
	st->len = (size_t)MIN(n, (int)sizeof(buf) - 1);
	return 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	size_t n;

	(void)pos;
	if (!st->pending) {
		int r = stream_fill(st);

		if (r < 0)
			return r == -ESHUTDOWN ? MHD_CONTENT_READER_END_OF_STREAM
					       : MHD_CONTENT_READER_END_WITH_ERROR;
		st->off = 0;
	}
	n = MIN(max, st->len - st->off);
	memcpy(buf, st->pending + st->off, n);
	st->off += n;
	if (st->off == st->len) {
		free(st->pending);
		st->pending = NULL;
	}
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	free(st->pending);
	free(st);
}

void live_sessions_changed(struct web *w)
{
	struct live *l = &w->live;

	pthread_mutex_lock(&l->lock);
	l->sessions_changed++;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
}

struct MHD_Response *live_stream(struct web *w, const char *token)
{
	struct stream *st = calloc(1, sizeof(*st));
	struct MHD_Response *r;

	if (!st)
		return NULL;
	st->w = w;
	snprintf(st->token, sizeof(st->token), "%s", token);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
	if (!r) {
		free(st);
		return NULL;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	return r;
}
