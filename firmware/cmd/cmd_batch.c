#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/core/batch.h"
#include "firmware/upload/receipts.h"

static void format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
}

static int list_one(const struct batch_info *b, void *user)
{
	FILE *out = user;
	char when[32];

	format_time(b->created, when, sizeof(when));
	fprintf(out, "%6u  %-9s  %5u  %4u  %s  %s\n", b->id, batch_state_name(b->state), b->n_pages,
		b->n_documents, when, b->device);
	return 0;
}

int cmd_batch_list(struct cmd_env *env, int argc, char **argv)
{
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "too many arguments");
	fprintf(env->out, "%6s  %-9s  %5s  %4s  %-16s  %s\n", "BATCH", "STATE", "PAGES", "DOCS",
		"CREATED", "DEVICE");
	r = store_batch_list(env->store, list_one, env->out);
	if (r < 0)
		return log_errno(r, "cannot read batches from '%s': %s", store_path(env->store),
				 folio_strerror(r));
	return 0;
}

static int batch_arg(int argc, char **argv, unsigned *ret)
{
	if (argc != 2)
		return cmd_usage_error(cmd_current(),
				       argc < 2 ? "which batch?" : "too many arguments");
	return cmd_parse_batch(argv[1], ret);
}

/* "BATCH" (after the options) checked, then the store opened; 0 or the error told. */
static int batch_load(struct cmd_env *env, int argc, char **argv, unsigned *ret)
{
	int r = batch_arg(argc, argv, ret);

	return r < 0 ? r : cmd_load(env);
}

/*
 * "BATCH" and no options: checked, then the store opened. Returns 1 to go on, 0 when the
 * help was printed, or the error told.
 */
static int batch_usage(struct cmd_env *env, int argc, char **argv, unsigned *ret)
{
	static const struct opt none[] = { OPT_END() };
	int r;

	argc = cmd_options(env, none, argc, argv);
	if (argc <= 0)
		return argc;
	r = batch_load(env, argc, argv, ret);
	return r < 0 ? r : 1;
}

static int show_page(const struct page_info *p, void *user)
{
	FILE *out = user;
	bool first = true;

	fprintf(out, "  %5u  %4u  %-4s  %5ux%-5u  %4u  %9u  ", p->number, p->document, p->format,
		p->width, p->height, p->dpi, p->size);
	for (uint32_t bit = 1; bit; bit <<= 1)
		if ((p->flags & bit) && page_flag_name(bit)) {
			fprintf(out, "%s%s", first ? "" : ",", page_flag_name(bit));
			first = false;
		}
	fputc('\n', out);
	return 0;
}

int cmd_batch_show(struct cmd_env *env, int argc, char **argv)
{
	struct store_ocr_progress ocr;
	struct batch_info b;
	char created[32], updated[32];
	uint64_t revision = 0;
	unsigned id = 0;
	int r;

	r = batch_usage(env, argc, argv, &id);
	if (r <= 0)
		return r;
	r = store_batch_revision(env->store, id, &revision);
	if (r < 0)
		return cmd_batch_error(r, id);
	r = store_batch_get(env->store, id, &b);
	if (r < 0)
		return cmd_batch_error(r, id);
	format_time(b.created, created, sizeof(created));
	format_time(b.updated, updated, sizeof(updated));
	fprintf(env->out,
		"batch %u\n  state      %s\n  pages      %u\n  documents  %u\n  created    %s\n"
		"  updated    %s\n  station    %s\n  device     %s\n  profile    %s\n"
		"  revision   %" PRIu64 "\n",
		b.id, batch_state_name(b.state), b.n_pages, b.n_documents, created, updated,
		b.station, b.device, b.profile, revision);
	if (b.state == BATCH_REJECTED) {
		char why[256];

		if (receipts_refusal(env->store, id, why, sizeof(why)) == 0)
			fprintf(env->out, "  office     refused it: %s\n", why);
	}
	if (store_batch_ocr_progress(env->store, id, &ocr) == 0)
		fprintf(env->out,
			"  text       for %u of %u pages, %u failed for good, %u waiting\n",
			ocr.text, ocr.pages, ocr.failed, ocr.waiting);
	for (uint32_t d = 1; d <= b.n_documents; d++) {
		static const char *const types[] = { "patent", "trademark", "design" };
		struct document_info doc;

		r = store_document_get(env->store, id, d, &doc);
		if (r < 0)
			return log_errno(r, "cannot read document %u of batch %u: %s", d, id,
					 folio_strerror(r));
		fprintf(env->out, "document %u\n  office %s  type %s  application %s  code %s\n", d,
			doc.office, doc.ip_type >= 0 && doc.ip_type < 3 ? types[doc.ip_type] : "?",
			doc.application[0] ? doc.application : "(none)", doc.document_code);
	}
	fprintf(env->out, "pages\n  %5s  %4s  %-4s  %11s  %4s  %9s  %s\n", "PAGE", "DOC", "FMT",
		"PIXELS", "DPI", "BYTES", "FLAGS");
	r = store_page_list(env->store, id, show_page, env->out);
	if (r < 0)
		return log_errno(r, "cannot read pages of batch %u: %s", id, folio_strerror(r));
	return 0;
}

/* A move of a batch to another state, with what approve and reject take besides BATCH. */
struct move {
	enum batch_state to;
	uint64_t revision;  /* approve --revision N, else STORE_ANY_REVISION */
	const char *reason; /* reject --reason TEXT, or NULL */
};

/*
 * "BATCH" after the options: checked, the store opened, then the move @m made as core/batch.h
 * decides it: its refusal as it words it, else "batch N: old -> new".
 */
static int move_batch(struct cmd_env *env, int argc, char **argv, const struct move *m)
{
	struct batch_info b;
	struct msg why;
	unsigned id = 0;
	int r;

	r = batch_load(env, argc, argv, &id);
	if (r < 0)
		return r;
	switch (m->to) {
	case BATCH_CLOSED:
		r = core_batch_close(env->store, id, env->who, &b, &why);
		break;
	case BATCH_APPROVED:
		r = core_batch_approve(env->store, env->cfg, id, env->who, m->revision, &b, &why);
		break;
	case BATCH_REJECTED:
		r = core_batch_reject(env->store, id, env->who, m->reason, &b, &why);
		break;
	default: /* BATCH_OPEN */
		r = core_batch_reopen(env->store, id, env->who, &b, &why);
		break;
	}
	if (r < 0)
		return log_errno(r, "%s", why.text);
	fprintf(env->out, "batch %u: %s -> %s\n", b.id, batch_state_name(b.state),
		batch_state_name(m->to));
	return 0;
}

int cmd_batch_close(struct cmd_env *env, int argc, char **argv)
{
	static const struct opt none[] = { OPT_END() };
	const struct move m = { .to = BATCH_CLOSED };

	argc = cmd_options(env, none, argc, argv);
	return argc <= 0 ? argc : move_batch(env, argc, argv, &m);
}

/* "--revision N": a revision as 'folio batch show' prints it, or wrong usage told. */
static int parse_revision(const char *arg, uint64_t *ret)
{
	uint64_t v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v == STORE_ANY_REVISION)
		return cmd_usage_error(cmd_current(), "'%s' is not a revision", arg);
	*ret = v;
	return 0;
}

int cmd_batch_approve(struct cmd_env *env, int argc, char **argv)
{
	const char *revision_arg = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "revision", &revision_arg, "N",
			   "only while the batch is at revision N ('folio batch show')"),
		OPT_END(),
	};
	struct move m = { .to = BATCH_APPROVED, .revision = STORE_ANY_REVISION };

	argc = cmd_options(env, opts, argc, argv);
	if (argc <= 0)
		return argc;
	if (revision_arg && parse_revision(revision_arg, &m.revision) < 0)
		return -FOLIO_EUSAGE;
	return move_batch(env, argc, argv, &m);
}

int cmd_batch_reopen(struct cmd_env *env, int argc, char **argv)
{
	static const struct opt none[] = { OPT_END() };
	const struct move m = { .to = BATCH_OPEN };

	argc = cmd_options(env, none, argc, argv);
	return argc <= 0 ? argc : move_batch(env, argc, argv, &m);
}

int cmd_batch_reject(struct cmd_env *env, int argc, char **argv)
{
	struct move m = { .to = BATCH_REJECTED };
	const struct opt opts[] = {
		OPT_STRING(0, "reason", &m.reason, "TEXT",
			   "why the batch is rejected (recorded in the event log)"),
		OPT_END(),
	};

	argc = cmd_options(env, opts, argc, argv);
	return argc <= 0 ? argc : move_batch(env, argc, argv, &m);
}
