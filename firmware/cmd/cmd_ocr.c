#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/ocrq/ocrq.h"
#include "ocr/score.h"

#define SCORE_MAX_BYTES (16u << 20) /* largest text file ocr-score reads */

struct ocr_view {
	bool tty;
};

static void show_progress(const struct ocrq_progress *p, void *user)
{
	struct ocr_view *v = user;

	if (!v->tty)
		return;
	fprintf(stderr,
		"\r  OCR: %" PRIu64 " done, %" PRIu64 " failed, %" PRIu64
		" waiting, %.0f pages/min   ",
		p->done, p->failed, p->remaining, p->pages_per_minute);
	log_line_open(); /* a lost worker's warning goes below it */
}

struct batch_left {
	uint32_t batch;
	uint64_t n;
};

static int count_left(const struct queue_item *it, void *user)
{
	struct batch_left *l = user;

	if (it->batch == l->batch)
		l->n++;
	return 0;
}

/* ", N turned upright" when OCR found pages lying turned, else "" (static buffer) */
static const char *turned_note(const struct ocrq_summary *sum)
{
	static char note[48];

	if (!sum->turned)
		return "";
	snprintf(note, sizeof(note), ", %" PRIu64 " turned upright", sum->turned);
	return note;
}

int cmd_ocr(struct cmd_env *env, int argc, char **argv)
{
	const char *batch_arg = NULL;
	bool wait = false, again = false;
	const struct opt opts[] = {
		OPT_STRING('b', "batch", &batch_arg, "BATCH", "this batch's pages first"),
		OPT_FLAG('w', "wait", &wait, "also wait for the pages foliod is reading"),
		OPT_FLAG('a', "again", &again, "read pages that have text again"),
		OPT_END(),
	};
	struct ocr_view view = { .tty = isatty(STDERR_FILENO) };
	struct ocrq_request req = { .who = env->who, .progress = show_progress, .user = &view };
	struct ocrq_summary sum;
	unsigned batch = 0;
	int r;

	r = cmd_options_batch(env, opts, argc, argv, &batch_arg, &batch);
	if (r <= 0)
		return r;
	if ((wait || again) && !batch)
		return cmd_usage_error(cmd_current(), "--wait and --again need --batch");
	r = cmd_load(env);
	if (r < 0)
		return r;

	if (batch) {
		struct batch_info b;

		r = store_batch_get(env->store, batch, &b);
		if (r < 0)
			return cmd_batch_error(r, batch);
		r = ocrq_queue_batch(env->store, batch, again);
		if (r < 0)
			return log_errno(r, "cannot queue batch %u for OCR: %s", batch,
					 folio_strerror(r));
		req.batch = batch;
	}

	r = ocrq_run(env->store, env->cfg, &req, &sum);
	log_line_close();
	if (r == -ENOENT)
		return log_errno(r,
				 "cannot start OCR workers for '%s': check that folio-ocr-worker "
				 "is installed beside folio and the tesseract-ocr language packs "
				 "are",
				 env->cfg->ocr_languages);
	if (r < 0)
		return log_errno(r, "OCR stopped: %s", folio_strerror(r));

	/* Pages of the batch that another process (foliod) is still reading. */
	for (unsigned waited = 0; wait; waited++) {
		struct batch_left left = { .batch = batch };
		struct timespec pause = { .tv_sec = 1 };

		r = store_queue_list(env->store, QUEUE_OCR, count_left, &left);
		if (r < 0 || left.n == 0)
			break;
		if (waited == 0)
			log_info("waiting for %" PRIu64
				 " page%s of batch %u that foliod is reading",
				 left.n, left.n == 1 ? "" : "s", batch);
		nanosleep(&pause, NULL);
	}

	if (sum.pages + sum.failed == 0) {
		if (batch)
			log_info("OCR: every page of batch %u already has its text", batch);
		else
			log_info("OCR: no page is waiting");
		return 0;
	}
	log_info("OCR: %" PRIu64 " page%s in %.1f s (%.0f pages/min, %u worker%s), mean "
		 "confidence %.0f%%, %" PRIu64 " flagged low confidence, %" PRIu64 " failed%s",
		 sum.pages, sum.pages == 1 ? "" : "s", sum.seconds,
		 sum.seconds > 0 ? 60.0 * (double)(sum.pages + sum.failed) / sum.seconds : 0.0,
		 sum.workers, sum.workers == 1 ? "" : "s", sum.mean_confidence, sum.low_confidence,
		 sum.failed, turned_note(&sum));
	if (sum.sure + sum.second_reads) {
		char kept[96] = "";

		if (sum.bitonal_reads)
			snprintf(kept, sizeof(kept),
				 "; the G4's text kept on %" PRIu64 " of the %" PRIu64
				 " grey or colour pages",
				 sum.bitonal_kept, sum.bitonal_reads);
		log_info("OCR: of %" PRIu64 " page%s with a second image kept for OCR, %" PRIu64
			 " read once (the first read sure), %" PRIu64
			 " read again from the other image (%.2f s a page for the second read, "
			 "%.2f s for the first), the more confident text kept%s",
			 sum.sure + sum.second_reads, sum.sure + sum.second_reads == 1 ? "" : "s",
			 sum.sure, sum.second_reads,
			 sum.second_reads ? sum.second_seconds / (double)sum.second_reads : 0.0,
			 sum.reads ? sum.read_seconds / (double)sum.reads : 0.0, kept);
	}
	if (sum.second_reads > sum.bitonal_reads)
		log_info("OCR: %" PRIu64 " bitonal page%s checked against grey, %" PRIu64
			 " reading much worse bitonal: %" PRIu64
			 " of them sent in grey by automatic "
			 "colour detection, the others flagged check-image ('folio page grey' "
			 "delivers such a page in grey)",
			 sum.second_reads - sum.bitonal_reads,
			 sum.second_reads - sum.bitonal_reads == 1 ? "" : "s", sum.check_image,
			 sum.auto_grey);
	return 0;
}

int cmd_ocr_status(struct cmd_env *env, int argc, char **argv)
{
	struct queue_stats qs = { 0 };
	struct store_stats st = { 0 };
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "too many arguments");
	r = store_queue_stats(env->store, QUEUE_OCR, &qs);
	if (r == 0)
		r = store_stats(env->store, &st);
	if (r < 0)
		return log_errno(r, "cannot read store '%s': %s", store_path(env->store),
				 folio_strerror(r));
	fprintf(env->out, "recognised  %" PRIu64 " pages\nwaiting     %" PRIu64 " pages", st.ocr,
		qs.items);
	if (qs.claimed)
		fprintf(env->out, " (%" PRIu64 " being read now)", qs.claimed);
	fputc('\n', env->out);
	if (qs.oldest) {
		double age = difftime(time(NULL), (time_t)qs.oldest);

		fprintf(env->out, "oldest      %.0f min waiting\n", age / 60.0);
	}
	fprintf(env->out, "languages   %s, %d worker%s (%s)\n", env->cfg->ocr_languages,
		env->cfg->ocr_workers, env->cfg->ocr_workers == 1 ? "" : "s",
		env->cfg->ocr_workers ? "configured" : "0: one per core");
	return 0;
}

/* Reads a whole text file, bounded. */
static int read_text(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(SCORE_MAX_BYTES + 1);
	if (!buf)
		return -ENOMEM;
	n = fread(buf, 1, SCORE_MAX_BYTES + 1, f);
	if (ferror(f))
		return -EIO;
	if (n > SCORE_MAX_BYTES)
		return -FOLIO_ETOOBIG;
	if (memchr(buf, '\0', n))
		return -EILSEQ;
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int cmd_ocr_score(struct cmd_env *env, int argc, char **argv)
{
	_cleanup_free_ char *truth = NULL, *text = NULL;
	struct ocr_score s;
	char line[160];
	int r;

	if (argc != 3)
		return cmd_usage_error(cmd_current(),
				       "give the ground truth and the recognised text");
	for (int i = 1; i < 3; i++) {
		r = read_text(argv[i], i == 1 ? &truth : &text);
		if (r == -FOLIO_ETOOBIG)
			return log_errno(r, "'%s' is larger than %u MiB", argv[i],
					 SCORE_MAX_BYTES >> 20);
		if (r < 0)
			return log_errno(r, "cannot read '%s': %s", argv[i],
					 r == -EILSEQ ? "it is not text" : folio_strerror(r));
	}
	r = ocr_score(truth, text, &s);
	if (r == -EILSEQ)
		return log_errno(r, "'%s' or '%s' is not valid UTF-8: convert it first (iconv)",
				 argv[1], argv[2]);
	if (r < 0)
		return log_errno(r, "cannot score: %s", folio_strerror(r));
	ocr_score_format(&s, line, sizeof(line));
	fprintf(env->out, "%s\n", line);
	return 0;
}
