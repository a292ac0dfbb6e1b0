/*
 * Store commands: folio store check|stats|keygen, folio batch purge|confirm, folio queue stats.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/base/progress_line.h"

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

/* @bytes as "12.3 MiB", or "45 KiB" below a MiB */
static const char *human_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= (1u << 20))
		snprintf(buf, size, "%.1f MiB", mib(bytes));
	else
		snprintf(buf, size, "%.0f KiB", (double)bytes / 1024.0);
	return buf;
}

static void format_day(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
}

int cmd_store_configure(struct cmd_env *env)
{
	const struct folio_config *cfg = env->cfg;
	char key[PATH_MAX];
	struct store_settings set = {
		.reserve_mb = (uint64_t)cfg->reserve_mb,
		.key_file = key,
		.encrypt = cfg->store_encrypt ? STORE_ENCRYPT_YES : STORE_ENCRYPT_NO,
	};
	int r;

	/* The console's folio runs under foliod, with its credentials. */
	r = config_store_key_path(cfg, key, sizeof(key));
	if (r < 0)
		return log_errno(r, "cannot use station key '%s': %s", cfg->store_key_file,
				 folio_strerror(r));
	r = store_configure(env->store, &set);
	switch (r) {
	case 0:
		return 0;
	case -EOPNOTSUPP:
		return log_errno(r,
				 "[store] encrypt = yes, but this build has no store encryption: "
				 "set encrypt = no in '%s'",
				 cfg->path);
	case -ENOKEY:
		return log_errno(r,
				 "store encryption is on but [store] key_file is empty: create a "
				 "key with 'folio store keygen FILE' and name it there");
	case -ENOENT:
		return log_errno(r,
				 "station key '%s' does not exist: create it with 'folio store "
				 "keygen', or where foliod has it as a systemd credential, use the "
				 "technician console",
				 key);
	case -EPERM:
		return log_errno(r,
				 "station key '%s' is readable by group or others or belongs "
				 "to another user: run 'chmod 600 %s' as its owner",
				 key, key);
	case -FOLIO_EFORMAT:
		return log_errno(r,
				 "station key '%s' is not a %d-byte key file: create one with "
				 "'folio store keygen'",
				 key, STORE_KEY_BYTES);
	case -EKEYREJECTED:
		return log_errno(r,
				 "station key '%s' is not the key store '%s' was sealed with: "
				 "use this station's own key",
				 key, store_path(env->store));
	case -FOLIO_ECORRUPT:
		/* Sealing a clear store stops at a broken event chain rather than hide it. */
		return log_errno(r,
				 "store '%s' cannot be sealed: its event log or key record is "
				 "damaged: set [store] encrypt = no in '%s' and run 'folio store "
				 "check' to see where",
				 store_path(env->store), cfg->path);
	default:
		return log_errno(r, "cannot use station key '%s': %s", key, folio_strerror(r));
	}
}

struct check_view {
	FILE *out; /* 'BATCH PAGE SHA256' lines, or NULL */
	struct progress_line progress;
	uint64_t pages, done;
};

static void see_page(const struct page_info *p, const char *sha256_hex, void *user)
{
	struct check_view *v = user;

	if (v->out)
		fprintf(v->out, "%u %u %s\n", p->batch, p->number, sha256_hex);
	v->done++;
	progress_tell(&v->progress.p, v->done, MAX(v->pages, v->done), 0);
}

static void check_text_index(struct cmd_env *env, FILE *out);

int cmd_store_check(struct cmd_env *env, int argc, char **argv)
{
	bool pages = false;
	const struct opt opts[] = {
		OPT_FLAG('p', "pages", &pages, "print 'BATCH PAGE SHA256' for every intact page"),
		OPT_END(),
	};
	struct store_check_report rep;
	struct check_view view = { 0 };
	struct store_stats st;
	int r;

	r = cmd_options_then_load(env, opts, argc, argv);
	if (r <= 0)
		return r;
	view.out = pages ? env->out : NULL;
	progress_line_init(&view.progress, "store check", "page image");
	if (store_stats(env->store, &st) == 0)
		view.pages = st.pages;
	r = store_check(env->store, &rep, see_page, &view);
	progress_line_end(&view.progress);
	if (r == -FOLIO_ECORRUPT || (r == -ENOKEY && rep.problem[0]))
		return log_errno(r, "store '%s': %s", store_path(env->store), rep.problem);
	if (r < 0)
		return log_errno(r, "cannot check store '%s': %s", store_path(env->store),
				 folio_strerror(r));
	fprintf(pages ? stderr : env->out,
		"store '%s' is intact: %" PRIu64 " events chained, %" PRIu64
		" page images (%.1f MiB) and %" PRIu64 " OCR results match, %" PRIu64
		" queue items indexed\n",
		store_path(env->store), rep.events, rep.pages, mib(rep.image_bytes), rep.ocr,
		rep.queue_items);
	check_text_index(env, pages ? stderr : env->out);
	return 0;
}

/*
 * The text index is rebuilt from the texts: out of date, it is a warning, not a break. Intact,
 * it is a line on @out, beside the store's own.
 */
static void check_text_index(struct cmd_env *env, FILE *out)
{
	struct store_text_index_info ti;
	const char *why = NULL;

	if (store_text_index_info(env->store, &ti) < 0)
		return;
	if (ti.state == STORE_TEXT_INDEX_MISSING)
		why = "has not been built";
	else if (ti.state == STORE_TEXT_INDEX_STALE)
		why = "is out of date";
	else if (ti.state == STORE_TEXT_INDEX_REBUILDING)
		why = "is being rebuilt, or its rebuild stopped half way";
	else if (ti.pages != ti.ocr)
		why = "does not match the texts";
	if (why)
		log_warn("the text index %s (%" PRIu64 " of %" PRIu64
			 " pages with text indexed): search finds no text until 'folio store "
			 "reindex' ran",
			 why, ti.pages, ti.ocr);
	else
		fprintf(out, "text index: %" PRIu64 " pages, %" PRIu64 " (word, page) pairs%s\n",
			ti.pages, ti.postings, ti.keyed ? " (keyed: the store seals)" : "");
}

int cmd_store_reindex(struct cmd_env *env, int argc, char **argv)
{
	static const struct opt none[] = { OPT_END() };
	struct store_reindex_report rep = { 0 };
	struct store_text_index_info ti = { 0 };
	struct progress_line view;
	struct timespec t0, t1;
	char text[32], index[32];
	int r;

	r = cmd_options_then_load(env, none, argc, argv);
	if (r <= 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	progress_line_init(&view, "reindex", "page");
	r = store_text_reindex(env->store, &view.p, &rep);
	progress_line_end(&view);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r == -ENOKEY)
		return log_errno(r,
				 "store '%s' holds sealed text and no station key is loaded: set "
				 "[store] key_file",
				 store_path(env->store));
	if (r < 0)
		return log_errno(r, "cannot rebuild the text index of store '%s': %s",
				 store_path(env->store), folio_strerror(r));
	(void)store_text_index_info(env->store, &ti);
	fprintf(env->out,
		"text index rebuilt: %" PRIu64 " pages, %" PRIu64 " words (%s of text, index %s%s) "
		"in %.1f s\n",
		rep.pages, rep.words, human_size(rep.bytes, text, sizeof(text)),
		human_size(ti.bytes, index, sizeof(index)), ti.keyed ? ", keyed" : "",
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

int cmd_store_stats(struct cmd_env *env, int argc, char **argv)
{
	struct store_stats st;
	const struct store_space *sp = &st.space;
	char msg[256];
	uint64_t total = 0;
	bool first = true;
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "too many arguments");
	r = store_stats(env->store, &st);
	if (r < 0)
		return log_errno(r, "cannot read store '%s': %s", store_path(env->store),
				 folio_strerror(r));
	for (uint32_t i = 0; i < BATCH_STATE_COUNT; i++)
		total += st.batches[i];
	fprintf(env->out, "store      %s (layout %u)\nbatches    %" PRIu64, store_path(env->store),
		st.schema, total);
	for (uint32_t i = 0; i < BATCH_STATE_COUNT; i++) {
		if (!st.batches[i])
			continue;
		fprintf(env->out, "%s%s %" PRIu64, first ? " (" : ", ", batch_state_name(i),
			st.batches[i]);
		first = false;
	}
	fprintf(env->out,
		"%s\ndocuments  %" PRIu64 "\npages      %" PRIu64 " (%" PRIu64
		" with images, %" PRIu64 " sealed), %.1f MiB of images\nocr        %" PRIu64
		" results\nevents     %" PRIu64 "\nqueues     ocr %" PRIu64 ", package %" PRIu64
		", upload %" PRIu64 "\n",
		first ? "" : ")", st.documents, st.pages, st.images, st.sealed_pages,
		mib(st.image_bytes), st.ocr, st.events, st.queue[QUEUE_OCR],
		st.queue[QUEUE_PACKAGE], st.queue[QUEUE_UPLOAD]);
	fprintf(env->out,
		"map        %.1f MiB used of %.1f MiB (%u%%), data.mdb %.1f MiB on disk\n"
		"disk       %.1f MiB free of %.1f MiB, %.1f MiB kept in reserve\n",
		mib(sp->map_used), mib(sp->map_size),
		sp->map_size ? (unsigned)(sp->map_used * 100 / sp->map_size) : 0,
		mib(sp->file_size), mib(sp->disk_free), mib(sp->disk_size), mib(sp->reserve));
	fprintf(env->out, "sealing    %s\ncapture    %s\n",
		!st.encryption_built_in ? "not built in (CONFIG_STORE_ENCRYPTION)"
		: st.encrypt		? "on, station key loaded"
		: st.key_loaded		? "off (station key loaded to read sealed pages)"
					: "off",
		sp->full ? store_space_message(sp, msg, sizeof(msg)) : "accepted");
	return 0;
}

int cmd_store_keygen(struct cmd_env *env, int argc, char **argv)
{
	const char *path = env->cfg->store_key_file;
	int r;

	if (argc > 2)
		return cmd_usage_error(cmd_current(), "too many arguments");
	if (argc == 2)
		path = argv[1];
	if (!path[0])
		return cmd_usage_error(cmd_current(),
				       "which file? set [store] key_file or pass FILE");
	r = store_key_generate(path);
	if (r == -EEXIST)
		return log_errno(r,
				 "station key '%s' already exists: a key is never replaced, since "
				 "what it sealed would be lost",
				 path);
	if (r < 0)
		return log_errno(r, "cannot create station key '%s': %s", path, folio_strerror(r));
	fprintf(env->out, "%s\n", path);
	log_info("created station key '%s' (mode 0600): keep a copy in the office's key safe",
		 path);
	return 0;
}

int cmd_batch_purge(struct cmd_env *env, int argc, char **argv)
{
	bool now = false, expired = false;
	const struct opt opts[] = {
		OPT_FLAG(0, "now", &now, "at once, not after [store] retention_days"),
		OPT_FLAG(0, "expired", &expired, "every confirmed batch past its retention"),
		OPT_END(),
	};
	unsigned days, id = 0, purged = 0;
	struct batch_info b;
	char when[32];
	int r;

	argc = cmd_options(env, opts, argc, argv);
	if (argc <= 0)
		return argc;
	if (expired && (argc > 1 || now))
		return cmd_usage_error(cmd_current(), "--expired takes no batch and no --now");
	if (!expired && argc != 2)
		return cmd_usage_error(cmd_current(),
				       argc == 1 ? "which batch?" : "too many arguments");
	if (!expired && cmd_parse_batch(argv[1], &id) < 0)
		return -FOLIO_EUSAGE;
	r = cmd_load(env);
	if (r < 0)
		return r;
	days = (unsigned)env->cfg->retention_days;
	if (expired) {
		r = store_purge_expired(env->store, days, env->who, &purged);
		if (r < 0)
			return log_errno(r, "cannot purge store '%s': %s", store_path(env->store),
					 folio_strerror(r));
		fprintf(env->out, "purged %u batch%s confirmed more than %u days ago\n", purged,
			purged == 1 ? "" : "es", days);
		return 0;
	}
	r = store_batch_get(env->store, id, &b);
	if (r < 0)
		return cmd_batch_error(r, id);
	r = store_batch_purge(env->store, id, env->who, days, now);
	if (r == -FOLIO_ESTATE)
		return log_errno(r,
				 "batch %u is %s: only confirmed or rejected batches can be purged",
				 id, batch_state_name(b.state));
	if (r == -EAGAIN) {
		format_day(b.confirmed + (int64_t)days * 86400, when, sizeof(when));
		return log_errno(r,
				 "batch %u is kept until %s ([store] retention_days = %u): pass "
				 "--now to purge it anyway",
				 id, when, days);
	}
	if (r < 0)
		return log_errno(r, "cannot purge batch %u: %s", id, folio_strerror(r));
	fprintf(env->out, "batch %u: %s -> purged, %u page images (%.1f MiB) removed\n", id,
		batch_state_name(b.state), b.n_pages, mib(b.image_bytes));
	return 0;
}

int cmd_batch_confirm(struct cmd_env *env, int argc, char **argv)
{
	static const struct opt none[] = { OPT_END() };
	struct batch_info b;
	unsigned id;
	int r;

	argc = cmd_options(env, none, argc, argv);
	if (argc <= 0)
		return argc;
	if (argc != 2)
		return cmd_usage_error(cmd_current(),
				       argc < 2 ? "which batch?" : "too many arguments");
	r = cmd_parse_batch(argv[1], &id);
	if (r < 0)
		return r;
	r = cmd_load_batch(env, id, &b);
	if (r < 0)
		return r;
	r = store_batch_set_state(env->store, id, BATCH_CONFIRMED, env->who);
	if (r == -FOLIO_ESTATE)
		return log_errno(r,
				 "batch %u is %s and cannot become confirmed: only a delivered "
				 "batch can",
				 id, batch_state_name(b.state));
	if (r < 0)
		return log_errno(r, "cannot change batch %u: %s", id, folio_strerror(r));
	fprintf(env->out, "batch %u: %s -> confirmed\n", id, batch_state_name(b.state));
	return 0;
}

int cmd_queue_stats(struct cmd_env *env, int argc, char **argv)
{
	char when[32];
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "too many arguments");
	fprintf(env->out, "%-8s  %7s  %7s  %-16s  %s\n", "QUEUE", "ITEMS", "CLAIMED", "OLDEST",
		"TOP-PRIORITY");
	for (uint32_t q = 0; q < QUEUE_COUNT; q++) {
		struct queue_stats st;

		r = store_queue_stats(env->store, q, &st);
		if (r < 0)
			return log_errno(r, "cannot read queue '%s': %s", store_queue_name(q),
					 folio_strerror(r));
		if (st.oldest)
			format_day(st.oldest, when, sizeof(when));
		else
			snprintf(when, sizeof(when), "-");
		fprintf(env->out, "%-8s  %7" PRIu64 "  %7" PRIu64 "  %-16s  %u\n",
			store_queue_name(q), st.items, st.claimed, when, st.top_priority);
	}
	return 0;
}
