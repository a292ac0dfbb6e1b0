/* The station's panel: buttons to actions, station state to LEDs, the hardware watchdog. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "drivers/boardio/boardio.h"
#include "drivers/boardio/watchdog.h"
#include "drivers/scanner/scanner.h"
#include "firmware/capture/capture.h"
#include "firmware/panel/panel.h"
#include "firmware/telemetry/telemetry.h"

#define PANEL_WHO "panel"

struct panel {
	const struct folio_config *cfg;
	struct boardio_facts facts;
	struct boardio *io;
	enum panel_state state;
	char description[2 * PATH_MAX + 256];

	/* the hardware watchdog */
	bool feed_watchdog, watchdog_failed;
	struct watchdog *watchdog;
	uint64_t fed_at;

	/* the capture a press started */
	bool scanner_ready;
	bool capturing;
	pthread_t thread;
	int done_fd;
	struct store *store;
	uint32_t resume_batch;
	int result;
	struct capture_result res;
	uint32_t open_batch; /* left open by a fault or Stop; 0: none */
};

const char *panel_state_name(enum panel_state s)
{
	static const char *const names[] = { "starting", "ready",     "capturing", "stopping",
					     "paused",	 "attention", "error",	   "off" };

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

void panel_leds(enum panel_state s, enum boardio_pattern ret[BOARDIO_LEDS])
{
	static const enum boardio_pattern table[PANEL_STATES][BOARDIO_LEDS] = {
		/* LEDs in order: ready, busy, attention, error */
		[PANEL_STARTING] = { BOARDIO_BLINK_SLOW, BOARDIO_OFF, BOARDIO_OFF, BOARDIO_OFF },
		[PANEL_READY] = { BOARDIO_ON, BOARDIO_OFF, BOARDIO_OFF, BOARDIO_OFF },
		[PANEL_CAPTURING] = { BOARDIO_OFF, BOARDIO_ON, BOARDIO_OFF, BOARDIO_OFF },
		[PANEL_STOPPING] = { BOARDIO_OFF, BOARDIO_BLINK_FAST, BOARDIO_OFF, BOARDIO_OFF },
		[PANEL_PAUSED] = { BOARDIO_ON, BOARDIO_OFF, BOARDIO_ON, BOARDIO_OFF },
		[PANEL_ATTENTION] = { BOARDIO_OFF, BOARDIO_OFF, BOARDIO_BLINK_FAST, BOARDIO_OFF },
		[PANEL_ERROR] = { BOARDIO_OFF, BOARDIO_OFF, BOARDIO_OFF, BOARDIO_ON },
		[PANEL_OFF] = { BOARDIO_OFF, BOARDIO_OFF, BOARDIO_OFF, BOARDIO_OFF },
	};

	if ((unsigned)s >= PANEL_STATES)
		s = PANEL_OFF;
	memcpy(ret, table[s], sizeof(table[s]));
}

enum panel_action panel_decide(enum panel_state s, enum boardio_button b, bool open_batch)
{
	switch (s) {
	case PANEL_READY:
		if (b == BOARDIO_START)
			return PANEL_DO_START;
		if (b == BOARDIO_RESUME && open_batch)
			return PANEL_DO_RESUME;
		return PANEL_DO_NOTHING;
	case PANEL_CAPTURING:
		return b == BOARDIO_STOP ? PANEL_DO_CANCEL : PANEL_DO_NOTHING;
	case PANEL_PAUSED:
	case PANEL_ATTENTION:
		if (b == BOARDIO_RESUME)
			return open_batch ? PANEL_DO_RESUME : PANEL_DO_START;
		if (b == BOARDIO_STOP)
			return open_batch ? PANEL_DO_CLOSE : PANEL_DO_CLEAR;
		/* At a fault Start does nothing: the clerk decides between Resume and Stop. */
		if (b == BOARDIO_START && (s == PANEL_PAUSED || !open_batch))
			return PANEL_DO_START;
		return PANEL_DO_NOTHING;
	case PANEL_ERROR:
		if (b == BOARDIO_START)
			return PANEL_DO_START;
		if (b == BOARDIO_RESUME && open_batch)
			return PANEL_DO_RESUME;
		if (b == BOARDIO_STOP)
			return PANEL_DO_CLEAR;
		return PANEL_DO_NOTHING;
	default: /* starting, stopping, off */
		return PANEL_DO_NOTHING;
	}
}

enum panel_state panel_after(int r)
{
	switch (-r) {
	case 0:
		return PANEL_READY;
	case FOLIO_ECANCELLED:
		return PANEL_PAUSED;
	case FOLIO_EJAM:
	case FOLIO_EDOUBLEFEED:
	case FOLIO_ECOVEROPEN:
	case FOLIO_ENODOCS:
	case FOLIO_EDEVGONE:
	case FOLIO_EDEVIO:
	case FOLIO_EDEVBUSY:
		return PANEL_ATTENTION;
	default:
		return PANEL_ERROR;
	}
}

static void show(struct panel *p, enum panel_state s)
{
	enum boardio_pattern leds[BOARDIO_LEDS];
	int r;

	if (p->state != s)
		log_debug("panel: %s -> %s", panel_state_name(p->state), panel_state_name(s));
	p->state = s;
	panel_leds(s, leds);
	r = boardio_set_leds(p->io, leds);
	if (r < 0)
		log_debug("panel: cannot set the LEDs: %s", folio_strerror(r));
}

static void describe(struct panel *p)
{
	const struct boardio_facts *f = &p->facts;
	int n;

	n = snprintf(p->description, sizeof(p->description), "board '%s': ", f->name);
	if (!p->io)
		n += snprintf(p->description + n, sizeof(p->description) - (size_t)n,
			      "no buttons or LEDs");
	else if (strcmp(f->backend, "sim") == 0)
		n += snprintf(p->description + n, sizeof(p->description) - (size_t)n,
			      "simulated buttons and LEDs in '%s'", f->sim_dir);
	else
		n += snprintf(p->description + n, sizeof(p->description) - (size_t)n,
			      "buttons and LEDs on '%s'", f->chip);
	if (n < 0 || (size_t)n >= sizeof(p->description))
		return;
	if (!f->watchdog_device[0])
		snprintf(p->description + n, sizeof(p->description) - (size_t)n, ", no watchdog");
	else if (p->feed_watchdog)
		snprintf(p->description + n, sizeof(p->description) - (size_t)n,
			 ", watchdog '%s' (%u s) fed by foliod", f->watchdog_device,
			 f->watchdog_timeout_s);
	else
		snprintf(p->description + n, sizeof(p->description) - (size_t)n,
			 ", watchdog '%s' left to systemd", f->watchdog_device);
}

int panel_new(const struct folio_config *cfg, unsigned flags, struct panel **ret, char *why,
	      size_t why_size)
{
	struct panel *p;
	int r;

	if (!cfg->board_facts[0])
		return -ENOENT;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = cfg;
	p->done_fd = -1;
	r = boardio_facts_load(cfg->board_facts, &p->facts, why, why_size);
	if (r < 0)
		goto fail;
	p->feed_watchdog = (flags & PANEL_WATCHDOG) && p->facts.watchdog_device[0];
	if (strcmp(p->facts.backend, "none") != 0) {
		r = boardio_open(&p->facts, &p->io);
		if (r < 0)
			goto fail;
	}
	p->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->done_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (p->io && cfg->device[0]) {
		r = scanner_init(cfg->sane_config_dir,
				 cfg->sane_backend_dir[0] ? cfg->sane_backend_dir : NULL,
				 cfg->network_scanners);
		if (r < 0)
			goto fail;
		p->scanner_ready = true;
	}
	describe(p);
	p->state = PANEL_OFF;
	show(p, PANEL_STARTING);
	*ret = p;
	return 0;
fail:
	boardio_close(p->io);
	if (p->done_fd >= 0)
		close(p->done_fd);
	free(p);
	return r;
}

static void join_capture(struct panel *p)
{
	uint64_t v;

	if (!p->capturing)
		return;
	pthread_join(p->thread, NULL);
	if (read(p->done_fd, &v, sizeof(v)) < 0)
		(void)0; /* already read by panel_handle() */
	p->capturing = false;
}

struct panel *panel_free(struct panel *p)
{
	if (!p)
		return NULL;
	if (p->capturing) {
		log_info("panel: stopping the capture of batch %u after the sheet being read",
			 p->res.batch);
		capture_cancel();
		join_capture(p);
	}
	show(p, PANEL_OFF);
	p->watchdog = watchdog_close(p->watchdog);
	p->io = boardio_close(p->io);
	if (p->scanner_ready)
		scanner_exit();
	close(p->done_fd);
	free(p);
	return NULL;
}

const char *panel_describe(const struct panel *p)
{
	return p ? p->description : "no board facts";
}

size_t panel_fds(const struct panel *p, struct pollfd *ret, size_t max)
{
	int fds[BOARDIO_MAX_FDS];
	size_t n = 0, k;

	if (!p || max == 0)
		return 0;
	ret[n++] = (struct pollfd){ .fd = p->done_fd, .events = POLLIN };
	k = boardio_fds(p->io, fds);
	for (size_t i = 0; i < k && n < max; i++)
		ret[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	return n;
}

static void on_notice(const char *message, void *user)
{
	(void)user;
	log_warn("%s", message);
}

static void *capture_thread(void *arg)
{
	struct panel *p = arg;
	const struct folio_config *cfg = p->cfg;
	struct capture_request req = {
		.device = cfg->device,
		.profile = config_find_profile(cfg, cfg->profile),
		.resume_batch = p->resume_batch,
		.who = PANEL_WHO,
		.notice = on_notice,
	};
	struct capture_scanner sc;
	uint64_t one = 1;
	char why[256];

	memset(&p->res, 0, sizeof(p->res));
	/* Resume continues on the batch's own scanner and profile, never the default. */
	if (p->resume_batch) {
		p->result = capture_batch_scanner(p->store, cfg, p->resume_batch, NULL, NULL, &sc,
						  why, sizeof(why));
		if (p->result < 0) {
			log_err("panel: cannot resume: %s", why);
		} else {
			req.device = sc.device;
			req.profile = config_find_profile(cfg, sc.profile);
		}
	}
	if (!p->resume_batch || p->result == 0)
		p->result = capture_run(p->store, cfg, &req, &p->res);
	if (write(p->done_fd, &one, sizeof(one)) < 0)
		(void)0; /* cannot fail: the counter is far from full */
	return NULL;
}

static void start_capture(struct panel *p, struct store *store, uint32_t resume)
{
	int r;

	if (!p->scanner_ready || !config_find_profile(p->cfg, p->cfg->profile)) {
		log_err("panel: cannot capture: set [capture] device and profile in '%s'",
			p->cfg->path);
		show(p, PANEL_ERROR);
		return;
	}
	p->store = store;
	p->resume_batch = resume;
	r = pthread_create(&p->thread, NULL, capture_thread, p);
	if (r) {
		log_err("panel: cannot start a capture: %s", folio_strerror(-r));
		show(p, PANEL_ERROR);
		return;
	}
	p->capturing = true;
	if (resume)
		log_info("panel: Resume: continuing batch %u on its own scanner", resume);
	else
		log_info("panel: Start: capturing a new batch from '%s'", p->cfg->device);
	show(p, PANEL_CAPTURING);
}

static void close_open_batch(struct panel *p, struct store *store)
{
	int r;

	if (!p->open_batch)
		return;
	r = store_batch_set_state(store, p->open_batch, BATCH_CLOSED, PANEL_WHO);
	if (r < 0)
		log_warn("panel: cannot close batch %u: %s", p->open_batch, folio_strerror(r));
	else
		log_info("panel: batch %u closed with the pages it has", p->open_batch);
	p->open_batch = 0;
}

static void act(struct panel *p, struct store *store, enum boardio_button b)
{
	enum panel_action a = panel_decide(p->state, b, p->open_batch != 0);

	log_debug("panel: %s pressed in state %s", boardio_button_name(b),
		  panel_state_name(p->state));
	switch (a) {
	case PANEL_DO_NOTHING:
		break;
	case PANEL_DO_START:
		close_open_batch(p, store);
		start_capture(p, store, 0);
		break;
	case PANEL_DO_RESUME:
		start_capture(p, store, p->open_batch);
		break;
	case PANEL_DO_CANCEL:
		log_info("panel: Stop: stopping after the sheet being read");
		capture_cancel();
		show(p, PANEL_STOPPING);
		break;
	case PANEL_DO_CLOSE:
		close_open_batch(p, store);
		show(p, PANEL_READY);
		break;
	case PANEL_DO_CLEAR:
		show(p, p->open_batch ? PANEL_PAUSED : PANEL_READY);
		break;
	}
}

static void capture_done(struct panel *p)
{
	const struct capture_result *res = &p->res;
	enum panel_state next;
	int r;

	join_capture(p);
	r = p->result;
	next = panel_after(r);
	telemetry_record_capture(p->cfg->store_path, p->cfg->device, r, res->run_pages,
				 res->seconds);
	p->open_batch = r != 0 && res->batch && !res->closed ? res->batch : 0;
	if (r == 0)
		log_info("panel: batch %u: %u page%s captured; feeder empty, batch closed",
			 res->batch, res->pages, res->pages == 1 ? "" : "s");
	else if (r == -FOLIO_ECANCELLED)
		log_info("panel: batch %u stopped after %u page%s: Resume continues it, Stop "
			 "closes it",
			 res->batch, res->pages, res->pages == 1 ? "" : "s");
	else if (next == PANEL_ATTENTION && res->lost_page)
		log_warn("panel: batch %u: page %u was not captured: %s (press Resume)", res->batch,
			 res->lost_page, capture_fault_advice(r));
	else if (next == PANEL_ATTENTION)
		log_warn("panel: batch %u: %s (press Resume)", res->batch, capture_fault_advice(r));
	else
		log_err("panel: capture from '%s' failed: %s", p->cfg->device, folio_strerror(r));
	show(p, next);
}

int panel_handle(struct panel *p, struct store *store, const struct pollfd *fds, size_t n)
{
	unsigned pressed = 0;
	int r = 0;

	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (fds[i].fd == p->done_fd && (fds[i].revents & POLLIN))
			capture_done(p);
	for (size_t i = 0; i < n; i++)
		if (fds[i].fd != p->done_fd && fds[i].revents) {
			r = boardio_handle(p->io, &pressed);
			break;
		}
	for (unsigned b = 0; b < BOARDIO_BUTTONS; b++)
		if (pressed & (1u << b))
			act(p, store, (enum boardio_button)b);
	return r;
}

void panel_set_state(struct panel *p, enum panel_state s)
{
	if (!p || p->capturing || (unsigned)s >= PANEL_STATES)
		return;
	/* The daemon's ready does not hide a fault the clerk has not dealt with. */
	if (s == PANEL_READY && p->state != PANEL_STARTING && p->state != PANEL_ERROR)
		return;
	show(p, s == PANEL_READY && p->open_batch ? PANEL_PAUSED : s);
}

enum panel_state panel_state(const struct panel *p)
{
	return p ? p->state : PANEL_OFF;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Feed four times per countdown: a late wake-up or a slow cycle still leaves margin. */
static uint64_t feed_interval_ms(const struct panel *p)
{
	return MAX(watchdog_timeout_ms(p->watchdog) / 4, 100u);
}

int panel_keepalive(struct panel *p)
{
	uint64_t now = now_ms();
	int r;

	if (!p || !p->feed_watchdog || p->watchdog_failed)
		return 0;
	if (!p->watchdog) {
		r = watchdog_open(&p->facts, &p->watchdog);
		if (r < 0) {
			p->watchdog_failed = true;
			return r;
		}
	} else if (now - p->fed_at < feed_interval_ms(p)) {
		return 0;
	}
	r = watchdog_keepalive(p->watchdog);
	if (r < 0) {
		p->watchdog_failed = true;
		return r;
	}
	p->fed_at = now;
	return 0;
}

int panel_timeout_ms(const struct panel *p)
{
	uint64_t due, now;

	if (!p || !p->watchdog)
		return p && p->feed_watchdog && !p->watchdog_failed ? 0 : -1;
	due = p->fed_at + feed_interval_ms(p);
	now = now_ms();
	return due > now ? (int)MIN(due - now, (uint64_t)INT32_MAX) : 0;
}
