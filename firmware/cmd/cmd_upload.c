/* folio upload [--now], folio upload package DIR, folio upload status */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/base/progress_line.h"
#include "firmware/upload/transport.h"
#include "firmware/upload/upload.h"

static const char *format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!t || !localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, size, "-");
	return buf;
}

static const char *window_text(const struct folio_config *cfg, char *buf, size_t size)
{
	char when[64];
	time_t next;

	if (!cfg->upload_window[0] || strcmp(cfg->upload_window, "always") == 0)
		snprintf(buf, size, "always open");
	else if (upload_window_open(cfg, time(NULL), &next))
		snprintf(buf, size, "%s, open now", cfg->upload_window);
	else
		snprintf(buf, size, "%s, next opens %s", cfg->upload_window,
			 format_time(next, when, sizeof(when)));
	return buf;
}

int cmd_upload(struct cmd_env *env, int argc, char **argv)
{
	bool now = false;
	const struct opt opts[] = {
		OPT_FLAG(0, "now", &now, "also outside [upload] window"),
		OPT_END(),
	};
	struct upload_summary sum;
	struct progress_line view;
	char text[128];
	int r;

	r = cmd_options_then_load(env, opts, argc, argv);
	if (r <= 0)
		return r;
	if (!now && !upload_window_open(env->cfg, time(NULL), NULL)) {
		log_info("outside the upload window (%s): nothing sent; 'folio upload --now' "
			 "sends at once",
			 window_text(env->cfg, text, sizeof(text)));
		return 0;
	}
	progress_line_init(&view, "upload", "file");
	r = upload_pending(env->store, env->cfg, &view.p, &sum);
	progress_line_end(&view);
	if (r == -FOLIO_ECONFIG)
		return r; /* said already */
	if (r < 0)
		return log_errno(r, "cannot deliver to '%s': %s", config_shown_target(env->cfg),
				 folio_strerror(r));
	fprintf(env->out, "delivered %u batch%s (%.1f MB), %u failed\n", sum.delivered,
		sum.delivered == 1 ? "" : "es", (double)sum.bytes / 1e6, sum.failed);
	if (sum.failed)
		return log_errno(-EIO,
				 "%u batch%s could not be delivered to '%s': see the "
				 "messages above; they stay queued for the next run",
				 sum.failed, sum.failed == 1 ? "" : "es",
				 config_shown_target(env->cfg));
	return 0;
}

int cmd_upload_package(struct cmd_env *env, int argc, char **argv)
{
	const char *name = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "name", &name, "NAME", "the package's folder name on the server"),
		OPT_END(),
	};
	struct upload_target *t = NULL;
	struct upload_receipt rec;
	struct progress_line view;
	char why[512] = "", dir[PATH_MAX], base[PATH_MAX], line[1024];
	int r;

	argc = cmd_options(env, opts, argc, argv);
	if (argc <= 0)
		return argc;
	if (argc != 2)
		return cmd_usage_error(cmd_current(), "one package folder is needed");
	r = cmd_load(env);
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	for (size_t len = strlen(dir); len > 1 && dir[len - 1] == '/'; len--)
		dir[len - 1] = '\0';
	snprintf(base, sizeof(base), "%s", dir);
	if (!name)
		name = basename(base);

	r = upload_target_open(env->cfg, &t, why, sizeof(why));
	if (r < 0)
		return log_errno(r == -EINVAL || r == -EOPNOTSUPP ? -FOLIO_ECONFIG : r,
				 "cannot use upload target '%s': %s", config_shown_target(env->cfg),
				 why[0] ? why : folio_strerror(r));
	progress_line_init(&view, "upload", "file");
	upload_target_set_progress(t, &view.p);
	r = upload_package(t, dir, name, &rec, why, sizeof(why));
	progress_line_end(&view);
	upload_target_close(t);
	if (r < 0)
		return log_errno(r, "package '%s' was not delivered to '%s': %s", dir,
				 config_shown_target(env->cfg), why[0] ? why : folio_strerror(r));
	fprintf(env->out, "remote    %s\n", rec.remote);
	fprintf(env->out, "files     %u (%u already there)\n", rec.files, rec.files_skipped);
	fprintf(env->out, "bytes     %llu (%llu sent)\n", (unsigned long long)rec.bytes_total,
		(unsigned long long)rec.bytes_sent);
	fprintf(env->out, "seconds   %.2f\n", rec.seconds);
	fprintf(env->out, "retries   %u\n", rec.retries);
	/* Exactly what was checked: every file read back from the server into its SHA-256. */
	fprintf(env->out, "manifest  sha256 %s (read back from the server)\n", rec.manifest_sha256);
	fprintf(env->out,
		"checked   the content of every file: %u files, %llu bytes read back and hashed "
		"(SHA-256), all as in the manifest\n",
		rec.files_read_back, (unsigned long long)rec.bytes_read_back);
	fprintf(env->out, "read-back %.2f s (summed over connections)\n", rec.read_back_seconds);
	fprintf(env->out, "published %s\n",
		rec.renamed ? "complete folder renamed into place (never half-visible)"
			    : "manifest written last (the sign that the package is complete)");
	log_debug("receipt: %s", upload_receipt_format(&rec, line, sizeof(line)));
	return 0;
}

struct status_scan {
	uint32_t backlog[BATCH_STATE_COUNT];
	uint64_t backlog_bytes;
};

static int scan_batch(const struct batch_info *b, void *user)
{
	struct status_scan *s = user;

	if (b->state == BATCH_APPROVED || b->state == BATCH_PACKAGED) {
		s->backlog[b->state]++;
		s->backlog_bytes += b->image_bytes;
	}
	return 0;
}

int cmd_upload_status(struct cmd_env *env, int argc, char **argv)
{
	_cleanup_free_ struct status_scan *s = calloc(1, sizeof(*s));
	struct event_info last;
	char text[128], when[64];
	uint64_t queued = 0;
	int found, r;

	if (!s)
		return log_errno(-ENOMEM, "out of memory");
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "unexpected argument '%s'", argv[1]);
	found = upload_last_delivery(env->store, &last);
	if (found < 0)
		return log_errno(found, "cannot read the event log: %s", folio_strerror(found));
	r = store_batch_list(env->store, scan_batch, s);
	if (r < 0)
		return log_errno(r, "cannot list batches: %s", folio_strerror(r));
	r = store_queue_count(env->store, QUEUE_UPLOAD, &queued);
	if (r < 0)
		return log_errno(r, "cannot read the upload queue: %s", folio_strerror(r));

	fprintf(env->out, "target        %s\n", config_shown_target(env->cfg));
	fprintf(env->out, "window        %s\n", window_text(env->cfg, text, sizeof(text)));
	if (found)
		fprintf(env->out, "last success  batch %u at %s: %s\n", last.batch,
			format_time((time_t)last.time, when, sizeof(when)), last.detail);
	else
		fprintf(env->out, "last success  none yet\n");
	fprintf(
	    env->out, "backlog       %u batch%s (%u approved, %u packaged), %.1f MB of images\n",
	    s->backlog[BATCH_APPROVED] + s->backlog[BATCH_PACKAGED],
	    s->backlog[BATCH_APPROVED] + s->backlog[BATCH_PACKAGED] == 1 ? "" : "es",
	    s->backlog[BATCH_APPROVED], s->backlog[BATCH_PACKAGED], (double)s->backlog_bytes / 1e6);
	fprintf(env->out, "upload queue  %llu item%s\n", (unsigned long long)queued,
		queued == 1 ? "" : "s");
	return 0;
}
