#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "drivers/scanner/scanner.h"
#include "firmware/capture/capture.h"
#include "firmware/cmd/cmd.h"
#include "firmware/telemetry/telemetry.h"

struct scan_view {
	bool tty;
};

static void show_progress(const struct capture_progress *p, void *user)
{
	struct scan_view *v = user;

	if (!v->tty)
		return;
	fprintf(stderr, "\r  batch %u: page %u, %u captured, %.0f pages/min   ", p->batch,
		p->last_page, p->pages, p->pages_per_minute);
	log_line_open();
}

/* Below the progress line, which the next page draws again. */
static void show_notice(const char *message, void *user)
{
	(void)user;
	log_warn("%s", message);
}

static int parse_choice(const char *v, const char *const *names, int *ret)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0) {
			*ret = i;
			return 0;
		}
	return -EINVAL;
}

static void on_interrupt(int sig)
{
	(void)sig;
	capture_cancel();
}

int cmd_scan(struct cmd_env *env, int argc, char **argv)
{
	static const char *const sources[] = { "flatbed", "adf", "duplex", NULL };
	static const char *const modes[] = { "lineart", "gray", "color", NULL };
	const char *device = NULL, *profile_name = NULL, *source_arg = NULL, *mode_arg = NULL;
	const char *resolution_arg = NULL, *max_pages_arg = NULL, *resume_arg = NULL;
	bool force = false;
	const struct opt opts[] = {
		OPT_STRING('d', "device", &device, "NAME",
			   "the scanner (default: [capture] device)"),
		OPT_STRING('p', "profile", &profile_name, "NAME", "the scanner profile"),
		OPT_STRING('s', "source", &source_arg, "SOURCE", "adf, duplex or flatbed"),
		OPT_STRING('m', "mode", &mode_arg, "MODE", "lineart, gray or color"),
		OPT_STRING('r', "resolution", &resolution_arg, "DPI", "50 to 1200 dpi"),
		OPT_STRING('n', "max-pages", &max_pages_arg, "N", "stop after N pages"),
		OPT_STRING('R', "resume", &resume_arg, "BATCH", "continue an open batch"),
		OPT_FLAG('f', "force", &force, "a scanner outside [capture] devices"),
		OPT_END(),
	};
	const struct folio_config *cfg;
	struct capture_scanner sc = { 0 };
	struct scan_profile profile;
	const struct scan_profile *base;
	struct capture_request req = { 0 };
	struct capture_result res;
	struct scan_view view = { .tty = isatty(STDERR_FILENO) };
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	int source = -1, mode = -1, r;
	unsigned resolution = 0, max_pages = 0, resume = 0;
	char why[320];

	r = cmd_options_no_arguments(env, opts, argc, argv);
	if (r <= 0)
		return r;
	if (source_arg && parse_choice(source_arg, sources, &source) < 0)
		return cmd_usage_error(cmd_current(), "--source must be adf, duplex or flatbed");
	if (mode_arg && parse_choice(mode_arg, modes, &mode) < 0)
		return cmd_usage_error(cmd_current(), "--mode must be lineart, gray or color");
	if (resolution_arg &&
	    (cmd_parse_u32(resolution_arg, 1200, &resolution) < 0 || resolution < 50))
		return cmd_usage_error(cmd_current(), "--resolution must be 50 to 1200 dpi");
	if (max_pages_arg && cmd_parse_u32(max_pages_arg, 100000, &max_pages) < 0)
		return cmd_usage_error(cmd_current(), "--max-pages must be 1 to 100000");
	if (resume_arg && cmd_parse_u32(resume_arg, UINT32_MAX, &resume) < 0)
		return cmd_usage_error(cmd_current(), "'%s' is not a batch number", resume_arg);
	r = cmd_load(env);
	if (r < 0)
		return r;
	cfg = env->cfg;
	if (resume) {
		/* The batch's own scanner and profile, unless the user names others. */
		r = capture_batch_scanner(env->store, cfg, resume, device, profile_name, &sc, why,
					  sizeof(why));
		if (r < 0)
			return log_errno(r, "%s", why);
		device = sc.device;
		profile_name = sc.profile;
	}
	if (!device)
		device = cfg->device;
	if (!profile_name)
		profile_name = cfg->profile;
	if (!device || !*device)
		return cmd_usage_error(cmd_current(),
				       "no scanner: pass --device NAME or set [capture] device");
	base = config_find_profile(cfg, profile_name);
	if (!base)
		return cmd_usage_error(cmd_current(), "no profile '%s' in '%s'", profile_name,
				       cfg->path);
	profile = *base;
	if (source >= 0)
		profile.source = source;
	if (mode >= 0)
		profile.mode = mode;
	if (resolution)
		profile.resolution = (int)resolution;

	r = scanner_init(cfg->sane_config_dir, cfg->sane_backend_dir);
	if (r < 0)
		return log_errno(r, "cannot start SANE: %s", folio_strerror(r));
	r = capture_device_allowed(cfg, device, why, sizeof(why));
	if (r < 0 && (!force || r != -EPERM)) {
		scanner_exit();
		return log_errno(r, "%s%s", why,
				 r == -EPERM ? " (a technician may pass --force)" : "");
	}
	if (r < 0) {
		/* The technician's choice, on record under their name. */
		r = store_event_add(env->store, env->who, "capture-device-forced", resume, 0, 0,
				    "scanner '%s' outside [capture] devices, with --force", device);
		if (r < 0) {
			scanner_exit();
			return log_errno(r, "cannot record the forced scanner in the store: %s",
					 folio_strerror(r));
		}
	}

	req.device = device;
	req.profile = &profile;
	req.resume_batch = resume;
	req.choice = &sc;
	req.max_pages = max_pages;
	req.who = env->who;
	req.progress = show_progress;
	req.notice = show_notice;
	req.user = &view;

	/* Ctrl-C stops after the sheet being read; nothing read whole is lost. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	r = capture_run(env->store, cfg, &req, &res);
	if (telemetry_record_capture(cfg->store_path, device, r, res.pages, res.seconds) < 0)
		log_debug("cannot count this run in the scanner's telemetry");
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	scanner_exit();
	log_line_close();

	if (res.batch)
		fprintf(env->out, "%u\n", res.batch);
	fflush(env->out);
	if (res.batch && (res.pages || r == 0))
		log_info("batch %u: %u page%s captured in %.1f s (%.0f pages/min)%s", res.batch,
			 res.pages, res.pages == 1 ? "" : "s", res.seconds,
			 res.seconds > 0 ? 60.0 * res.pages / res.seconds : 0.0,
			 res.closed ? "; feeder empty, batch closed" : "");
	if (r == 0 && res.batch && !res.closed && profile.source == SCAN_SOURCE_FLATBED)
		log_info("batch %u stays open: put the next sheet on the glass and run 'folio scan "
			 "--resume %u', or 'folio batch close %u' when done",
			 res.batch, res.batch, res.batch);
	if (r == 0)
		return 0;
	if (res.fault && res.batch && r != -FOLIO_ESTOREFULL) {
		if (res.lost_page && r != -FOLIO_ECOVEROPEN && r != -FOLIO_ECANCELLED)
			return log_errno(
			    r, "page %u was not captured: %s with 'folio scan --resume %u'",
			    res.lost_page, capture_fault_advice(r), res.batch);
		return log_errno(r, "%s with 'folio scan --resume %u'", capture_fault_advice(r),
				 res.batch);
	}
	if (r == -FOLIO_ESTOREFULL) {
		struct store_space sp;
		char msg[256];

		/* Pages committed before it are kept; the batch stays open for --resume. */
		if (store_space(env->store, &sp) == 0 && sp.full)
			return log_errno(r, "%s", store_space_message(&sp, msg, sizeof(msg)));
		return log_errno(r, "store '%s' is full: upload or purge batches before scanning",
				 cfg->store_path);
	}
	return r; /* already explained */
}
