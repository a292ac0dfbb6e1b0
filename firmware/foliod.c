/*
 * foliod: the station daemon.
 *
 * Runs in the foreground (systemd's Type=notify), logs to stderr (journald reads the <N>
 * priorities) and serves one store, which it locks: a second foliod on the same store
 * refuses to start. Each cycle reads the text of captured pages (OCR), delivers approved
 * batches to the upload target, reads the office's receipts (confirming delivered batches or
 * returning them to the supervisor) and purges confirmed batches past their retention. SIGTERM
 * and SIGINT stop it between cycles; SIGUSR1 starts a cycle at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "kconfig.h"
#include "options.h"
#include "firmware/config/config.h"
#include "firmware/console/console.h"
#include "firmware/panel/panel.h"
#include "firmware/store/store.h"
#include "firmware/ocrq/ocrq.h"
#include "firmware/upload/receipts.h"
#include "firmware/upload/transport.h"
#include "firmware/upload/upload.h"
#include "firmware/web/web.h"
#include "drivers/scanner/scanner.h"

#define CYCLE_SECONDS 60
#define OCR_SLICE_SECONDS 50 /* OCR per cycle before the loop looks up again */

struct daemon_opts {
	const char *config_path;
	const char *store_dir;
	bool once;
	bool debug_stall;
};

/* Checks the options into @o: 1 to run, 0 when the help or the version was printed. */
static int parse_args(int argc, char **argv, struct daemon_opts *o)
{
	bool verbose = false, version = false;
	const struct opt opts[] = {
		OPT_STRING('c', "config", &o->config_path, "FILE", "the configuration file"),
		OPT_STRING('s', "store", &o->store_dir, "DIR",
			   "the store (overrides [store] path)"),
		OPT_FLAG(0, "once", &o->once, "run one cycle and exit"),
		OPT_FLAG(0, "debug-stall", &o->debug_stall,
			 "SIGUSR2 hangs the main loop (to check the watchdog reboots)"),
		OPT_FLAG('v', "verbose", &verbose, "log debug messages too"),
		OPT_FLAG('V', "version", &version, "print the version and the board"),
		OPT_END(),
	};
	char why[160];
	int r;

	r = opt_parse(opts, 0, argc, argv, why, sizeof(why));
	if (r == OPT_HELP) {
		printf("usage: foliod [OPTIONS]\n\nThe Folio station daemon.\n\nOptions:\n");
		opt_print_help(opts, stdout);
		return 0;
	}
	if (r < 0)
		return log_errno(r, "%s: see 'foliod --help'", why);
	if (r > 1)
		return log_errno(-FOLIO_EUSAGE, "unexpected argument '%s': see 'foliod --help'",
				 argv[1]);
	if (version) {
		printf("foliod %s (board %s)\n", FOLIO_VERSION, CONFIG_BOARD_NAME);
		return 0;
	}
	if (!o->config_path[0] || (o->store_dir && !o->store_dir[0]))
		return log_errno(-FOLIO_EUSAGE, "--config and --store need a value: see 'foliod "
						"--help'");
	if (verbose)
		log_set_level(LOG_DEBUG);
	return 1;
}

/*
 * One cycle of the station's background work, in order of what matters most: OCR catches up
 * on captured pages (for a bounded time, so signals and the watchdog are served), approved
 * batches are packaged and delivered, the office's receipts of delivered batches are read
 * (confirmed, or back to the supervisor), and confirmed batches past their retention are
 * purged.
 */
static void cycle(struct store *store, const struct folio_config *cfg, bool once,
		  const volatile bool *stop)
{
	struct ocrq_request oreq = {
		.who = "foliod",
		.max_seconds = once ? 0 : OCR_SLICE_SECONDS,
		.stop = stop,
	};
	struct ocrq_summary osum;
	struct upload_summary sum;
	struct receipts_summary rsum;
	unsigned purged = 0;
	int r;

	r = ocrq_run(store, cfg, &oreq, &osum);
	if (r < 0)
		log_err("OCR stopped: %s: check [ocr] languages and the folio-ocr-worker program",
			folio_strerror(r));
	else if (osum.pages || osum.failed)
		log_info("OCR: %" PRIu64 " pages read (mean confidence %.0f%%), %" PRIu64
			 " flagged low confidence, %" PRIu64 " failed",
			 osum.pages, osum.mean_confidence, osum.low_confidence, osum.failed);

	if (stop && *stop)
		return;
	if (!upload_window_open(cfg, time(NULL), NULL) && !once) {
		/* Outside the nightly window: no package is built, none left staged in clear. */
		r = upload_discard_staged(cfg);
		if (r < 0)
			log_err("cannot clear staged packages in '%s/outgoing': %s",
				cfg->store_path, folio_strerror(r));
		goto purge;
	}
	r = upload_pending(store, cfg, NULL, &sum);
	if (r < 0 && r != -FOLIO_ECONFIG) /* a configuration problem is said already */
		log_err("cannot deliver to '%s': %s", config_shown_target(cfg), folio_strerror(r));
	else if (sum.delivered)
		log_info("delivered %u batch%s (%.1f MB) to '%s'", sum.delivered,
			 sum.delivered == 1 ? "" : "es", (double)sum.bytes / 1e6,
			 config_shown_target(cfg));
	r = receipts_read(store, cfg, &rsum);
	if (r < 0 && r != -FOLIO_ECONFIG) /* a configuration problem is said already */
		log_err("cannot read the office's receipts: %s", folio_strerror(r));
	else if (rsum.confirmed || rsum.refused)
		log_info("office receipts: %u batch%s confirmed, %u refused", rsum.confirmed,
			 rsum.confirmed == 1 ? "" : "es", rsum.refused);

purge:
	r = store_purge_expired(store, (unsigned)cfg->retention_days, "foliod", &purged);
	if (r < 0)
		log_err("cannot purge expired batches: %s", folio_strerror(r));
	else if (purged)
		log_info("purged %u confirmed batch%s past %d days of retention", purged,
			 purged == 1 ? "" : "es", cfg->retention_days);
}

/* --debug-stall: SIGUSR2 hangs the main loop as a deadlock would; only SIGKILL ends it. */
_Noreturn static void stall(void)
{
	log_warn("SIGUSR2 with --debug-stall: the main loop hangs here and feeds no watchdog");
	for (;;)
		pause();
}

/* The board's buttons, LEDs and watchdog; NULL when it has none (every panel_ call takes it). */
static struct panel *open_panel(const struct folio_config *cfg)
{
	struct panel *panel = NULL;
	uint64_t wd_usec;
	char why[256] = "";
	/* Under systemd's watchdog (WATCHDOG_USEC) systemd owns the hardware one too. */
	unsigned flags = sd_watchdog_enabled(0, &wd_usec) > 0 ? 0 : PANEL_WATCHDOG;
	int r = panel_new(cfg, flags, &panel, why, sizeof(why));

	if (r == -ENOENT)
		log_info("no board facts '%s': no buttons, LEDs or watchdog", cfg->board_facts);
	else if (r == -EINVAL)
		log_warn("board facts '%s': %s: buttons, LEDs and watchdog off", cfg->board_facts,
			 why);
	else if (r < 0)
		log_warn("cannot open the buttons and LEDs of '%s': %s: buttons, LEDs and "
			 "watchdog off",
			 cfg->board_facts, folio_strerror(r));
	else
		log_info("%s", panel_describe(panel));
	return panel;
}

/* The technician console on [console] tty; NULL when it cannot run (it says why). */
static struct console *open_console(struct folio_config *cfg, struct store *store,
				    const char *config_path, const char *store_dir)
{
	struct console_options co = {
		.cfg = cfg,
		.config_path = config_path,
		.store_dir = store_dir,
		.store = store,
		.tty = cfg->console_tty,
		.baud = (unsigned)cfg->console_baud,
		.started = time(NULL),
	};
	struct console *console = NULL;
	int r = console_new(&co, &console);

	if (r < 0)
		log_err("no technician console on '%s': %s", cfg->console_tty,
			r == -ENOENT ? "the folio program is not installed beside foliod"
				     : folio_strerror(r));
	else
		log_info("technician console on '%s' at %d baud", cfg->console_tty,
			 cfg->console_baud);
	return console;
}

/* The clerk UI on [web] listen; NULL when it is off or cannot run (it says why). */
static struct web *open_web(const struct folio_config *cfg, struct store *store)
{
	struct web *web = NULL;
	int r;

	if (!IS_ENABLED(CONFIG_WEB) || !cfg->web_listen[0])
		return NULL;
	/* libsane starts before any thread (it sets environment variables). */
	r = scanner_init(cfg->sane_config_dir, cfg->sane_backend_dir, cfg->network_scanners);
	if (r < 0)
		log_warn("cannot start SANE: %s: the clerk UI cannot scan", folio_strerror(r));
	r = web_start(cfg, store, &web);
	if (r == -EADDRINUSE)
		log_err("no clerk UI: [web] listen '%s' is in use by another program: choose "
			"another port",
			cfg->web_listen);
	else if (r < 0)
		log_err("no clerk UI on '%s': %s", cfg->web_listen, folio_strerror(r));
	else
		log_info("clerk UI at %s (accounts in '%s')", web_url(web), cfg->web_users_file);
	return web;
}

/*
 * The background work (OCR, delivery, purge) runs in a thread of its own, so the main loop
 * keeps serving signals, the console, the panel and the watchdog while a cycle runs.
 */
struct background {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	volatile bool stop;
	bool kick;
	bool running;
	struct store *store;
	const struct folio_config *cfg;
};

static void *background_main(void *arg)
{
	struct background *bg = arg;

	for (;;) {
		struct timespec until;

		cycle(bg->store, bg->cfg, false, &bg->stop);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += CYCLE_SECONDS;
		pthread_mutex_lock(&bg->lock);
		while (!bg->stop && !bg->kick &&
		       pthread_cond_timedwait(&bg->wake, &bg->lock, &until) != ETIMEDOUT)
			;
		bg->kick = false;
		if (bg->stop) {
			pthread_mutex_unlock(&bg->lock);
			return NULL;
		}
		pthread_mutex_unlock(&bg->lock);
	}
}

static int background_start(struct background *bg, struct store *store,
			    const struct folio_config *cfg)
{
	int r;

	bg->store = store;
	bg->cfg = cfg;
	pthread_mutex_init(&bg->lock, NULL);
	pthread_cond_init(&bg->wake, NULL);
	r = -pthread_create(&bg->thread, NULL, background_main, bg);
	bg->running = r == 0;
	return r;
}

/* Starts a cycle now (SIGUSR1), or stops the thread and waits for it. */
static void background_signal(struct background *bg, bool stop)
{
	if (!bg->running)
		return;
	pthread_mutex_lock(&bg->lock);
	if (stop)
		bg->stop = true;
	else
		bg->kick = true;
	pthread_cond_signal(&bg->wake);
	pthread_mutex_unlock(&bg->lock);
	if (stop) {
		pthread_join(bg->thread, NULL);
		bg->running = false;
	}
}

/* From the clerk UI: new pages to read, a batch to deliver. */
static void kick_background(void *data)
{
	background_signal(data, false);
}

/* What the daemon holds while it runs; station_close() lets go of it. */
struct station {
	struct daemon_opts o;
	struct config_problems *problems;
	struct folio_config *cfg;
	struct store *store;
	struct panel *panel;
	struct console *console;
	struct web *web;
	struct background bg;
	int sfd; /* SIGTERM, SIGINT, SIGUSR1 (and SIGUSR2 with --debug-stall) */
};

static int station_load_config(struct station *st)
{
	int r;

	st->cfg = calloc(1, sizeof(*st->cfg));
	st->problems = calloc(1, sizeof(*st->problems));
	if (!st->cfg || !st->problems) {
		log_err("out of memory");
		return -ENOMEM;
	}
	r = config_load(st->o.config_path, st->cfg, st->problems);
	if (r < 0) {
		for (size_t i = 0; i < st->problems->n; i++)
			log_err("%s", st->problems->text[i]);
		log_err("not starting: fix the configuration ('folio config check %s')",
			st->o.config_path);
		return -FOLIO_ECONFIG;
	}
	if (st->o.store_dir)
		snprintf(st->cfg->store_path, sizeof(st->cfg->store_path), "%s", st->o.store_dir);
	log_set_level(MAX(log_get_level(), st->cfg->log_level));
	return 0;
}

/* Opens the store with the station key, and takes the daemon's lock on it. */
static int station_open_store(struct station *st)
{
	const struct folio_config *cfg = st->cfg;
	char key_path[PATH_MAX] = "";
	int key_from, r;

	r = store_open(cfg->store_path, (size_t)cfg->map_size_mb, &st->store);
	if (r < 0) {
		log_err("cannot open store '%s': %s", cfg->store_path, folio_strerror(r));
		return r;
	}
	key_from = config_store_key_path(cfg, key_path, sizeof(key_path));
	if (key_from == 1)
		log_info("station key: systemd credential '%s'", CONFIG_STORE_KEY_CREDENTIAL);
	r = key_from;
	if (r >= 0)
		r = store_configure(st->store, &(struct store_settings){
						   .reserve_mb = (uint64_t)cfg->reserve_mb,
						   .key_file = key_path,
						   .encrypt = cfg->store_encrypt ? STORE_ENCRYPT_YES
										 : STORE_ENCRYPT_NO,
					       });
	if (r < 0 && key_from == 1) {
		log_err("cannot use store '%s' with station key '%s': %s: check the unit's "
			"credential '%s' (LoadCredentialEncrypted=) and [store] encrypt",
			cfg->store_path, key_path, folio_strerror(r), CONFIG_STORE_KEY_CREDENTIAL);
		return r;
	}
	if (r < 0) {
		log_err("cannot use store '%s' with station key '%s': %s: check [store] key_file "
			"and encrypt ('folio config check %s')",
			cfg->store_path, cfg->store_key_file, folio_strerror(r), st->o.config_path);
		return r;
	}
	r = store_lock_daemon(st->store);
	if (r == -FOLIO_ELOCKED) {
		log_err("another foliod already serves store '%s': not starting a second one",
			cfg->store_path);
		return r;
	}
	if (r < 0) {
		log_err("cannot lock store '%s': %s", cfg->store_path, folio_strerror(r));
		return r;
	}
	return 0;
}

static int station_watch_signals(struct station *st)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	if (st->o.debug_stall)
		sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	st->sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (st->sfd < 0)
		return log_errno(-errno, "cannot watch signals: %s", folio_strerror(-errno));
	return 0;
}

/* How long the next poll may sleep, and the watchdogs fed for that long. */
static int station_feed_watchdogs(struct station *st)
{
	uint64_t wd_usec = 0;
	int timeout_ms, panel_ms, console_ms, r;

	timeout_ms = CYCLE_SECONDS * 1000;
	/* Wake often enough to feed systemd's watchdog when it has one, or the board's. */
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec / 2000 < (uint64_t)timeout_ms)
		timeout_ms = (int)(wd_usec / 2000);
	panel_ms = panel_timeout_ms(st->panel);
	if (panel_ms >= 0 && panel_ms < timeout_ms)
		timeout_ms = panel_ms;
	console_ms = console_timeout_ms(st->console);
	if (console_ms >= 0 && console_ms < timeout_ms)
		timeout_ms = console_ms;
	sd_notify(0, "WATCHDOG=1");
	r = panel_keepalive(st->panel);
	if (r < 0)
		log_warn("cannot feed the board's watchdog: %s: a hung station will not "
			 "reboot",
			 folio_strerror(r));
	return timeout_ms;
}

/* Reads the signal that woke the daemon: 1 to stop, 0 to go on. */
static int station_handle_signal(struct station *st)
{
	struct signalfd_siginfo si;

	if (read(st->sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGUSR2)
		stall();
	if (si.ssi_signo != SIGUSR1) {
		log_info("stopping on %s", strsignal((int)si.ssi_signo));
		return 1;
	}
	background_signal(&st->bg, false); /* SIGUSR1: a cycle now */
	return 0;
}

/* Serves until a signal stops the daemon (0), or one cycle with --once. */
static int station_run(struct station *st)
{
	int r;

	for (;;) {
		struct pollfd pfd[1 + PANEL_MAX_FDS + CONSOLE_POLL_FDS] = { { .fd = st->sfd,
									      .events = POLLIN } };
		int timeout_ms;
		size_t n, nc;

		if (st->o.once) {
			cycle(st->store, st->cfg, true, NULL);
			return 0;
		}
		if (!st->bg.running) {
			r = background_start(&st->bg, st->store, st->cfg);
			if (r < 0) {
				log_err("cannot start the background work: %s", folio_strerror(r));
				return r;
			}
		}
		timeout_ms = station_feed_watchdogs(st);
		n = 1 + panel_fds(st->panel, pfd + 1, ARRAY_SIZE(pfd) - 1 - CONSOLE_POLL_FDS);
		nc = console_poll_fds(st->console, pfd + n, ARRAY_SIZE(pfd) - n);
		r = poll(pfd, n + nc, timeout_ms);
		if (r < 0 && errno != EINTR)
			return log_errno(-errno, "poll failed: %s", folio_strerror(-errno));
		if (r > 0 && (pfd[0].revents & POLLIN) && station_handle_signal(st))
			return 0;
		if (r > 0 && panel_handle(st->panel, st->store, pfd + 1, n - 1) < 0)
			log_debug("panel: board I/O failed");
		console_handle(st->console, pfd + n, r > 0 ? nc : 0);
	}
}

static void station_close(struct station *st)
{
	background_signal(&st->bg, true); /* ends after the page or package at hand */
	if (st->sfd >= 0)
		close(st->sfd);
	console_free(st->console); /* its events go to the store: before it closes */
	panel_free(st->panel);	   /* stops a capture it started: before the store closes */
	web_stop(st->web);	   /* the same for the clerk UI's capture */
	store_close(st->store);
	free(st->problems);
	free(st->cfg);
}

int main(int argc, char **argv)
{
	struct station st = { .o = { .config_path = config_default_path() }, .sfd = -1 };
	int r;

	log_open("foliod", LOG_TARGET_AUTO);
	r = parse_args(argc, argv, &st.o);
	if (r <= 0)
		return r < 0 ? 2 : 0;

	r = station_load_config(&st);
	if (r < 0)
		goto out;
	if (!st.o.once) /* before the store's threads: it may start libsane */
		st.panel = open_panel(st.cfg);
	r = station_open_store(&st);
	if (r < 0)
		goto out;
	r = station_watch_signals(&st);
	if (r < 0)
		goto out;

	log_info("station '%s' (office %s) serving store '%s'", st.cfg->station_id, st.cfg->office,
		 st.cfg->store_path);
	if (IS_ENABLED(CONFIG_CONSOLE) && st.cfg->console_tty[0] && !st.o.once)
		st.console = open_console(st.cfg, st.store, st.o.config_path, st.o.store_dir);
	if (!st.o.once)
		st.web = open_web(st.cfg, st.store);
	if (st.web)
		web_on_work(st.web, kick_background, &st.bg);
	sd_notify(0, "READY=1\nSTATUS=running");
	panel_set_state(st.panel, PANEL_READY);

	r = station_run(&st);
	if (r == 0)
		sd_notify(0, "STOPPING=1");
out:
	station_close(&st);
	return r == 0 ? 0 : r == -FOLIO_ECONFIG ? 2 : 1;
}
