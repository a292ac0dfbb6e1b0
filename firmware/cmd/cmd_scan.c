#include <errno.h>
#include <limits.h>
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
	uint32_t batch; /* the batch pages go to: its number is printed once it is done */
	FILE *out;
};

static void show_progress(const struct capture_progress *p, void *user)
{
	struct scan_view *v = user;

	/* A patch sheet closed the batch: its number goes out now, the last one's at the end. */
	if (v->batch && p->batch != v->batch) {
		fprintf(v->out, "%u\n", v->batch);
		fflush(v->out);
	}
	v->batch = p->batch;
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

/* What the command line asks of this run. */
struct scan_args {
	const char *device;
	const char *profile_name;
	int source, mode; /* -1: the profile's */
	unsigned resolution, max_pages, resume;
	bool force;
};

/* > 0: go on; otherwise the command's exit (help printed, or usage error). */
static int scan_parse_options(struct cmd_env *env, int argc, char **argv, struct scan_args *a)
{
	static const char *const sources[] = { "flatbed", "adf", "duplex", NULL };
	static const char *const modes[] = { "lineart", "gray", "color", NULL };
	const char *source_arg = NULL, *mode_arg = NULL;
	const char *resolution_arg = NULL, *max_pages_arg = NULL, *resume_arg = NULL;
	const struct opt opts[] = {
		OPT_STRING('d', "device", &a->device, "NAME",
			   "the scanner (default: [capture] device)"),
		OPT_STRING('p', "profile", &a->profile_name, "NAME", "the scanner profile"),
		OPT_STRING('s', "source", &source_arg, "SOURCE", "adf, duplex or flatbed"),
		OPT_STRING('m', "mode", &mode_arg, "MODE", "lineart, gray or color"),
		OPT_STRING('r', "resolution", &resolution_arg, "DPI", "50 to 1200 dpi"),
		OPT_STRING('n', "max-pages", &max_pages_arg, "N", "stop after N pages"),
		OPT_STRING('R', "resume", &resume_arg, "BATCH", "continue an open batch"),
		OPT_FLAG('f', "force", &a->force, "a scanner outside [capture] devices"),
		OPT_END(),
	};
	int r;

	*a = (struct scan_args){ .source = -1, .mode = -1 };
	r = cmd_options_no_arguments(env, opts, argc, argv);
	if (r <= 0)
		return r;
	if (source_arg && parse_choice(source_arg, sources, &a->source) < 0)
		return cmd_usage_error(cmd_current(), "--source must be adf, duplex or flatbed");
	if (mode_arg && parse_choice(mode_arg, modes, &a->mode) < 0)
		return cmd_usage_error(cmd_current(), "--mode must be lineart, gray or color");
	if (resolution_arg &&
	    (cmd_parse_u32(resolution_arg, 1200, &a->resolution) < 0 || a->resolution < 50))
		return cmd_usage_error(cmd_current(), "--resolution must be 50 to 1200 dpi");
	if (max_pages_arg && cmd_parse_u32(max_pages_arg, 100000, &a->max_pages) < 0)
		return cmd_usage_error(cmd_current(), "--max-pages must be 1 to 100000");
	if (cmd_parse_batch(resume_arg, &a->resume) < 0)
		return -FOLIO_EUSAGE;
	return r;
}

/* Settles a->device and fills *profile: the options over the batch's or the config's. */
static int scan_choose_profile(struct cmd_env *env, struct scan_args *a, struct capture_scanner *sc,
			       struct scan_profile *profile)
{
	const struct folio_config *cfg = env->cfg;
	const struct scan_profile *base;
	char why[320];
	int r;

	if (a->resume) {
		/* The batch's own scanner and profile, unless the user names others. */
		r = capture_batch_scanner(env->store, cfg, a->resume, a->device, a->profile_name,
					  sc, why, sizeof(why));
		if (r < 0)
			return log_errno(r, "%s", why);
		a->device = sc->device;
		a->profile_name = sc->profile;
	}
	if (!a->device)
		a->device = cfg->device;
	if (!a->profile_name)
		a->profile_name = cfg->profile;
	if (!a->device || !*a->device)
		return cmd_usage_error(cmd_current(),
				       "no scanner: pass --device NAME or set [capture] device");
	base = config_find_profile(cfg, a->profile_name);
	if (!base)
		return cmd_usage_error(cmd_current(), "no profile '%s' in '%s'", a->profile_name,
				       cfg->path);
	*profile = *base;
	if (a->source >= 0)
		profile->source = a->source;
	if (a->mode >= 0)
		profile->mode = a->mode;
	if (a->resolution)
		profile->resolution = (int)a->resolution;
	return 0;
}

/* Starts SANE and checks the scanner may be used; on success SANE is left running. */
static int scan_open_scanner(struct cmd_env *env, const struct scan_args *a)
{
	const struct folio_config *cfg = env->cfg;
	char why[320];
	int r;

	r = scanner_init(cfg->sane_config_dir, cfg->sane_backend_dir, cfg->network_scanners);
	if (r < 0)
		return log_errno(r, "cannot start SANE: %s", folio_strerror(r));
	r = capture_device_allowed(cfg, a->device, why, sizeof(why));
	if (r < 0 && (!a->force || r != -EPERM)) {
		scanner_exit();
		return log_errno(r, "%s%s", why,
				 r == -EPERM ? " (a technician may pass --force)" : "");
	}
	if (r < 0) {
		/* The technician's choice, on record under their name. */
		r = store_event_add(env->store, env->who, "capture-device-forced", a->resume, 0, 0,
				    "scanner '%s' outside [capture] devices, with --force",
				    a->device);
		if (r < 0) {
			scanner_exit();
			return log_errno(r, "cannot record the forced scanner in the store: %s",
					 folio_strerror(r));
		}
	}
	return 0;
}

/* Captures with SANE open, and closes it; returns capture_run()'s result. */
static int scan_capture(struct cmd_env *env, const struct scan_args *a,
			const struct scan_profile *profile, struct capture_scanner *sc,
			struct capture_result *res)
{
	struct scan_view view = {
		.tty = isatty(STDERR_FILENO),
		.batch = a->resume,
		.out = env->out,
	};
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	struct capture_request req = {
		.device = a->device,
		.profile = profile,
		.resume_batch = a->resume,
		.choice = sc,
		.max_pages = a->max_pages,
		.who = env->who,
		.progress = show_progress,
		.notice = show_notice,
		.user = &view,
	};
	int r;

	/* Ctrl-C stops after the sheet being read; nothing read whole is lost. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	r = capture_run(env->store, env->cfg, &req, res);
	if (view.batch && view.batch != res->batch) /* closed at a patch sheet, not yet said */
		fprintf(env->out, "%u\n", view.batch);
	if (telemetry_record_capture(env->cfg->store_path, a->device, r, res->run_pages,
				     res->seconds) < 0)
		log_debug("cannot count this run in the scanner's telemetry");
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	scanner_exit();
	log_line_close();
	return r;
}

/* Prints the batch number and what became of the run; returns the command's result. */
static int scan_report(struct cmd_env *env, const struct scan_profile *profile, int r,
		       const struct capture_result *res)
{
	if (res->batch)
		fprintf(env->out, "%u\n", res->batch);
	fflush(env->out);
	if (res->batches)
		log_info("batches %u to %u: %u page%s captured in %.1f s (%.0f pages/min), %u "
			 "batch%s closed at patch sheets",
			 res->first_batch, res->batch, res->run_pages,
			 res->run_pages == 1 ? "" : "s", res->seconds,
			 res->seconds > 0 ? 60.0 * res->run_pages / res->seconds : 0.0,
			 res->batches, res->batches == 1 ? "" : "es");
	if (res->batches && (res->pages || r == 0))
		log_info("batch %u: %u page%s%s", res->batch, res->pages,
			 res->pages == 1 ? "" : "s",
			 res->closed ? "; feeder empty, batch closed" : "");
	else if (res->batch && (res->pages || r == 0))
		log_info("batch %u: %u page%s captured in %.1f s (%.0f pages/min)%s", res->batch,
			 res->pages, res->pages == 1 ? "" : "s", res->seconds,
			 res->seconds > 0 ? 60.0 * res->pages / res->seconds : 0.0,
			 res->closed ? "; feeder empty, batch closed" : "");
	if (r == 0 && res->batch && !res->closed && profile->source == SCAN_SOURCE_FLATBED)
		log_info("batch %u stays open: put the next sheet on the glass and run 'folio scan "
			 "--resume %u', or 'folio batch close %u' when done",
			 res->batch, res->batch, res->batch);
	if (r == 0)
		return 0;
	if (res->fault && res->batch && r != -FOLIO_ESTOREFULL) {
		if (res->lost_page && r != -FOLIO_ECOVEROPEN && r != -FOLIO_ECANCELLED)
			return log_errno(
			    r, "page %u was not captured: %s with 'folio scan --resume %u'",
			    res->lost_page, capture_fault_advice(r), res->batch);
		return log_errno(r, "%s with 'folio scan --resume %u'", capture_fault_advice(r),
				 res->batch);
	}
	if (r == -FOLIO_ESTOREFULL) {
		struct store_space sp;
		char full[PATH_MAX + 96];

		if (store_space(env->store, &sp) == 0 && sp.full)
			store_space_message(&sp, full, sizeof(full));
		else
			snprintf(full, sizeof(full),
				 "store '%s' is full: upload or purge batches before scanning",
				 env->cfg->store_path);
		/* Pages committed before it are kept; the batch stays open for --resume. The
		 * sheets already through the feeder from the first one not stored on are not. */
		if (!res->batch || !res->lost_page)
			return log_errno(r, "%s", full);
		return log_errno(r,
				 "%s; page %u and the sheets after it were not stored: put them "
				 "back on top and resume with 'folio scan --resume %u'",
				 full, res->lost_page, res->batch);
	}
	return r; /* already explained */
}

int cmd_scan(struct cmd_env *env, int argc, char **argv)
{
	struct scan_args a;
	struct capture_scanner sc = { 0 };
	struct scan_profile profile;
	struct capture_result res;
	int r;

	r = scan_parse_options(env, argc, argv, &a);
	if (r <= 0)
		return r;
	r = cmd_load(env);
	if (r < 0)
		return r;
	r = scan_choose_profile(env, &a, &sc, &profile);
	if (r < 0)
		return r;
	r = scan_open_scanner(env, &a);
	if (r < 0)
		return r;
	r = scan_capture(env, &a, &profile, &sc, &res);
	return scan_report(env, &profile, r, &res);
}
