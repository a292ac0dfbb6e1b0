/*
 * Measuring the OCR stage for tests/bench/ocr.sh.
 *
 *   ocr_bench pool LANGS WORKERS OUTDIR PAGE...   the worker pool over the pages; writes
 *                                                  OUTDIR/<page name>.txt
 *   ocr_bench mixed WORKERS OUTDIR LANG:PAGE...   one pool over pages of several documents,
 *                                                  each read with its LANG (the station's
 *                                                  way); writes OUTDIR-LANG/<page name>.txt
 *   ocr_bench run COMMAND [ARG...]                 runs a command (a peer)
 *   ocr_bench score TRUTHDIR OUTDIR                CER over every OUTDIR/X.txt against
 *                                                  TRUTHDIR/X.txt
 *   ocr_bench engines LANGS...                     seconds to load each language set's
 *                                                  engine (the cost of a switch)
 *
 * pool and run print "seconds S cpu_seconds C max_rss_kb K": wall time, CPU time (user and
 * system, of the bench process and everything it started), and the largest resident set of any
 * process started (the pool: of any worker, model loading included).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "fileio.h"
#include "ocr/engine.h"
#include "ocr/pool.h"
#include "ocr/score.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
	       (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

/* Wall time since @start, CPU time of this process and its reaped children, largest child. */
static void report(double start)
{
	struct rusage self, children;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	printf("seconds %.3f cpu_seconds %.3f max_rss_kb %ld\n", now_s() - start,
	       cpu_s(&self) + cpu_s(&children), children.ru_maxrss);
}

struct pool_run {
	char **paths;
	const char *outdir;
	char **langs; /* mixed: each page's language, written to OUTDIR-LANG */
	int failed;
};

static int write_text(size_t index, const struct ocr_pool_page *page, void *userdata)
{
	struct pool_run *run = userdata;
	const char *base = strrchr(run->paths[index], '/');
	char path[4096];
	FILE *f;

	base = base ? base + 1 : run->paths[index];
	if (page->error < 0) {
		fprintf(stderr, "ocr_bench: page '%s' failed: %s\n", base, page->reason);
		run->failed++;
		return 0;
	}
	if (run->langs)
		snprintf(path, sizeof(path), "%s-%s/%.*s.txt", run->outdir, run->langs[index],
			 (int)strcspn(base, "."), base);
	else
		snprintf(path, sizeof(path), "%s/%.*s.txt", run->outdir, (int)strcspn(base, "."),
			 base);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs(page->result.text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

/* A pool of @o->workers running this build's worker program, or NULL, said. */
static struct ocr_pool *start_pool(struct ocr_pool_options *o)
{
	const char *build = getenv("FOLIO_BUILD");
	struct ocr_pool *p = NULL;
	char worker[4096];
	int err;

	snprintf(worker, sizeof(worker), "%s/bin/%s", build ? build : "build",
		 OCR_POOL_WORKER_NAME);
	o->worker_path = worker;
	err = ocr_pool_new(o, &p);
	if (err < 0)
		fprintf(stderr, "ocr_bench: cannot start the pool: %s\n", folio_strerror(err));
	return p;
}

static int cmd_pool(int argc, char **argv)
{
	struct ocr_pool_options o = { .languages = argv[0], .workers = (unsigned)atoi(argv[1]) };
	struct pool_run run = { .paths = argv + 3, .outdir = argv[2] };
	double start = now_s();
	struct ocr_pool *p = start_pool(&o);
	int err;

	if (!p)
		return 1;
	err = ocr_recognise_files(p, (const char *const *)run.paths, (size_t)(argc - 3), 0,
				  write_text, &run);
	ocr_pool_free(p);
	report(start);
	if (err < 0 || run.failed) {
		fprintf(stderr, "ocr_bench: %s\n", err < 0 ? folio_strerror(err) : "pages failed");
		return 1;
	}
	return 0;
}

/*
 * The station's way: one pool kept up over the pages of several documents, each page read
 * with its document's language (the workers keep an engine per language), two pages per
 * worker in flight.
 */
static int cmd_mixed(int argc, char **argv)
{
	struct ocr_pool_options o = { .languages = "eng", .workers = (unsigned)atoi(argv[0]) };
	size_t n = (size_t)argc - 2, next = 0, window;
	struct pool_run run = { .outdir = argv[1] };
	struct ocr_pool *p;
	double start;
	int err = 0;

	run.paths = calloc(n, sizeof(char *));
	run.langs = calloc(n, sizeof(char *));
	if (!run.paths || !run.langs)
		return 1;
	for (size_t i = 0; i < n; i++) {
		char *colon = strchr(argv[2 + i], ':');

		if (!colon) {
			fprintf(stderr, "ocr_bench: '%s' is not LANG:PAGE\n", argv[2 + i]);
			return 2;
		}
		*colon = '\0';
		run.langs[i] = argv[2 + i];
		run.paths[i] = colon + 1;
	}
	start = now_s();
	p = start_pool(&o);
	if (!p)
		return 1;
	window = 2 * (size_t)ocr_pool_workers(p);
	while (err >= 0 && (next < n || ocr_pool_outstanding(p) > 0)) {
		struct ocr_pool_page page;

		while (err >= 0 && next < n && ocr_pool_outstanding(p) < window) {
			char *image = NULL;
			size_t len = 0;

			err = file_read_all(run.paths[next], OCR_MAX_IMAGE_BYTES, &image, &len);
			if (err == 0)
				err =
				    ocr_pool_submit_in(p, next, image, len, 0, run.langs[next], 0);
			free(image);
			next++;
		}
		if (err < 0)
			break;
		err = ocr_pool_wait(p, -1, &page);
		if (err > 0) {
			err = write_text((size_t)page.tag, &page, &run);
			ocr_page_result_release(&page.result);
		}
	}
	ocr_pool_free(p);
	report(start);
	free(run.paths);
	free(run.langs);
	if (err < 0 || run.failed) {
		fprintf(stderr, "ocr_bench: %s\n", err < 0 ? folio_strerror(err) : "pages failed");
		return 1;
	}
	return 0;
}

static int cmd_run(char **argv)
{
	double start = now_s();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "ocr_bench: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	report(start);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* The whole text file @path (16 MiB at most), NUL-terminated, or NULL */
static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len;

	return file_read_all(path, 16 << 20, &s, &len) < 0 ? NULL : s;
}

static int cmd_score(const char *truthdir, const char *outdir)
{
	struct ocr_score total = { 0 };
	struct dirent *d;
	DIR *dir = opendir(outdir);
	char line[256];
	int pages = 0;

	if (!dir)
		return 1;
	while ((d = readdir(dir))) {
		char tp[4096], rp[4096];
		struct ocr_score s;
		size_t len = strlen(d->d_name);

		if (len < 5 || strcmp(d->d_name + len - 4, ".txt") != 0)
			continue;
		snprintf(tp, sizeof(tp), "%s/%s", truthdir, d->d_name);
		snprintf(rp, sizeof(rp), "%s/%s", outdir, d->d_name);
		char *truth = slurp(tp), *text = slurp(rp);
		int err = truth && text ? ocr_score(truth, text, &s) : -ENOENT;

		free(truth);
		free(text);
		if (err < 0) {
			fprintf(stderr, "ocr_bench: cannot score '%s': %s\n", rp,
				folio_strerror(err));
			closedir(dir);
			return 1;
		}
		total.chars += s.chars;
		total.char_errors += s.char_errors;
		total.words += s.words;
		total.word_errors += s.word_errors;
		pages++;
	}
	closedir(dir);
	total.cer = total.chars ? (double)total.char_errors / (double)total.chars : 0;
	total.wer = total.words ? (double)total.word_errors / (double)total.words : 0;
	ocr_score_format(&total, line, sizeof(line));
	printf("%s over %d pages\n", line, pages);
	return 0;
}

/*
 * What a worker pays to switch to another language set: loading its engine (each set, three
 * times, the best kept: the model files are then in the page cache, as on a station that
 * switches back and forth).
 */
static int cmd_engines(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		double best = 1e9;

		for (int k = 0; k < 3; k++) {
			struct ocr_engine *e = NULL;
			double t = now_s();
			int r = ocr_engine_new(argv[i], &e);

			if (r < 0) {
				fprintf(stderr, "ocr_bench: cannot load '%s': %s\n", argv[i],
					folio_strerror(r));
				return 1;
			}
			t = now_s() - t;
			best = t < best ? t : best;
			ocr_engine_free(e);
		}
		printf("engine %s load_seconds %.3f\n", argv[i], best);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "pool") == 0)
		return cmd_pool(argc - 2, argv + 2);
	if (argc >= 5 && strcmp(argv[1], "mixed") == 0)
		return cmd_mixed(argc - 2, argv + 2);
	if (argc >= 3 && strcmp(argv[1], "run") == 0)
		return cmd_run(argv + 2);
	if (argc == 4 && strcmp(argv[1], "score") == 0)
		return cmd_score(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "engines") == 0)
		return cmd_engines(argc - 2, argv + 2);
	fprintf(stderr, "usage: ocr_bench pool LANGS WORKERS OUTDIR PAGE... | mixed WORKERS OUTDIR "
			"LANG:PAGE... | run CMD... | score TRUTHDIR OUTDIR | engines LANGS...\n");
	return 2;
}
