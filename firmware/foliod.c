/*
 * foliod: the station daemon.
 *
 * Runs in the foreground (systemd's Type=notify), logs to stderr (journald reads the <N>
 * priorities) and serves one store, which it locks: a second foliod on the same store
 * refuses to start. Each cycle delivers approved batches to the upload target. SIGTERM and
 * SIGINT stop it between cycles; SIGUSR1 starts a cycle at once.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"
#include "firmware/upload/upload.h"

#define CYCLE_SECONDS 60

struct daemon_opts {
	const char *config_path;
	const char *store_dir;
	bool once;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: foliod [--config FILE] [--store DIR] [--once] [-v]\n\n"
		     "The Folio station daemon. --once runs one cycle and exits.\n");
}

static int parse_args(int argc, char **argv, struct daemon_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, '1' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:s:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 's':
			o->store_dir = optarg;
			break;
		case '1':
			o->once = true;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -FOLIO_EUSAGE;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s': see 'foliod --help'", argv[optind]);
		return -FOLIO_EUSAGE;
	}
	return 0;
}

static void cycle(struct store *store, const struct folio_config *cfg)
{
	struct upload_summary sum;
	int r = upload_pending(store, cfg, &sum);

	if (r < 0)
		log_err("cannot deliver to '%s': %s", cfg->upload_target, folio_strerror(r));
	else if (sum.delivered)
		log_info("delivered %u batch%s (%.1f MB) to '%s'", sum.delivered,
			 sum.delivered == 1 ? "" : "es", (double)sum.bytes / 1e6,
			 cfg->upload_target);
}

int main(int argc, char **argv)
{
	struct daemon_opts o = { .config_path = getenv("FOLIO_CONFIG") && *getenv("FOLIO_CONFIG") ? getenv("FOLIO_CONFIG")
								       : CONFIG_DEFAULT_PATH };
	struct config_problems *problems = NULL;
	struct folio_config *cfg = NULL;
	struct store *store = NULL;
	sigset_t mask;
	int sfd = -1, r;

	log_open("foliod", LOG_TARGET_AUTO);
	r = parse_args(argc, argv, &o);
	if (r < 0)
		return 2;

	cfg = calloc(1, sizeof(*cfg));
	problems = calloc(1, sizeof(*problems));
	if (!cfg || !problems) {
		log_err("out of memory");
		r = -ENOMEM;
		goto out;
	}
	r = config_load(o.config_path, cfg, problems);
	if (r < 0) {
		for (size_t i = 0; i < problems->n; i++)
			log_err("%s", problems->text[i]);
		log_err("not starting: fix the configuration ('folio config check %s')",
			o.config_path);
		r = -FOLIO_ECONFIG;
		goto out;
	}
	if (o.store_dir)
		snprintf(cfg->store_path, sizeof(cfg->store_path), "%s", o.store_dir);
	log_set_level(MAX(log_get_level(), cfg->log_level));

	r = store_open(cfg->store_path, (size_t)cfg->map_size_mb, &store);
	if (r < 0) {
		log_err("cannot open store '%s': %s", cfg->store_path, folio_strerror(r));
		goto out;
	}
	r = store_lock_daemon(store);
	if (r == -FOLIO_ELOCKED) {
		log_err("another foliod already serves store '%s': not starting a second one",
			cfg->store_path);
		goto out;
	}
	if (r < 0) {
		log_err("cannot lock store '%s': %s", cfg->store_path, folio_strerror(r));
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		r = log_errno(-errno, "cannot watch signals: %s", folio_strerror(-errno));
		goto out;
	}

	log_info("station '%s' (office %s) serving store '%s'", cfg->station_id, cfg->office,
		 cfg->store_path);
	sd_notify(0, "READY=1\nSTATUS=running");

	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		uint64_t wd_usec = 0;
		int timeout_ms = CYCLE_SECONDS * 1000;

		cycle(store, cfg);
		if (o.once)
			break;
		/* Wake often enough to feed systemd's watchdog when it has one. */
		if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec / 2000 < (uint64_t)timeout_ms)
			timeout_ms = (int)(wd_usec / 2000);
		sd_notify(0, "WATCHDOG=1");
		r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno != EINTR) {
			r = log_errno(-errno, "poll failed: %s", folio_strerror(-errno));
			goto out;
		}
		if (r > 0 && read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGUSR1) {
			log_info("stopping on %s", strsignal((int)si.ssi_signo));
			break;
		}
	}
	sd_notify(0, "STOPPING=1");
	r = 0;
out:
	if (sfd >= 0)
		close(sfd);
	store_close(store);
	free(problems);
	free(cfg);
	return r == 0 ? 0 : r == -FOLIO_ECONFIG ? 2 : 1;
}
