/* requires: CONFIG_OCR */
/*
 * OCR worker processes: pages come back with their text; workers run with OMP_THREAD_LIMIT=1
 * and a lower priority; a worker killed (SIGKILL) or hung (SIGSTOP) mid-page is replaced, the
 * page tried again, and after a second failure the page comes back failed with the reason,
 * while the caller is never held beyond its own timeout; pages lying turned come back read
 * turned upright.
 *
 * Needs build/bin/folio-ocr-worker and build/bin/pagegen (skipped without them).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "compiler.h"
#include "errors.h"
#include "ocr/pool.h"
#include "ocr/score.h"
#include "tests/unit/frames.h"

#define PAGES 2

static char worker[4096], pagegen[4096];
static char *image[PAGES];
static size_t image_len[PAGES];
static char *truth[PAGES];

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	size_t len = 0, cap = 0;
	char *s = NULL;

	if (!f)
		return NULL;
	for (;;) { /* read to the end: /proc files have no size */
		if (cap - len < 4096) {
			char *t = realloc(s, cap + 65536);

			if (!t)
				break;
			s = t;
			cap += 65536;
		}
		size_t n = fread(s + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	if (s) {
		s[len] = '\0';
		if (ret_len)
			*ret_len = len;
	}
	return s;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* pagegen (FOLIO_BUILD's) run with @args, NULL-terminated: 0 when it succeeded. */
static int run_pagegen(const char *const *args)
{
	const char *argv[24];
	int status;
	size_t n = 0;
	pid_t pid;

	argv[n++] = pagegen;
	while (*args && n < sizeof(argv) / sizeof(argv[0]) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		execv(pagegen, (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

static int setup(void **state)
{
	static const char *const pool_pages[] = { "--out",   "pool-pages", "--count",  "2",
						  "--size",  "a5",	   "--lang",   "eng",
						  "--noise", "4",	   "--format", "tif",
						  NULL };
	const char *build = getenv("FOLIO_BUILD");
	char path[64];

	(void)state;
	if (!build)
		build = "build";
	snprintf(pagegen, sizeof(pagegen), "%s/bin/pagegen", build);
	snprintf(worker, sizeof(worker), "%s/bin/%s", build, OCR_POOL_WORKER_NAME);
	if (access(pagegen, X_OK) != 0 || access(worker, X_OK) != 0) {
		printf("skip: needs '%s' and '%s': build them with make\n", pagegen, worker);
		exit(77);
	}
	if (run_pagegen(pool_pages) != 0)
		return -1;
	for (int i = 0; i < PAGES; i++) {
		snprintf(path, sizeof(path), "pool-pages/page-%04d.tif", i + 1);
		image[i] = slurp(path, &image_len[i]);
		snprintf(path, sizeof(path), "pool-pages/page-%04d.txt", i + 1);
		truth[i] = slurp(path, NULL);
		if (!image[i] || !truth[i])
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < PAGES; i++) {
		free(image[i]);
		free(truth[i]);
	}
	return 0;
}

/* The workers lost in the last pool, as its worker_lost callback heard of them. */
static struct lost {
	struct ocr_pool_loss loss;
	char why[192];
} losses[8];
static size_t n_losses;

static void record_loss(const struct ocr_pool_loss *l, void *user)
{
	(void)user;
	if (n_losses >= sizeof(losses) / sizeof(losses[0]))
		return;
	losses[n_losses].loss = *l;
	snprintf(losses[n_losses].why, sizeof(losses[n_losses].why), "%s", l->why);
	losses[n_losses].loss.why = losses[n_losses].why;
	n_losses++;
}

/* Checks loss @i: page @tag, process @pid, @err, attempt @attempt, retried or not. */
static void assert_loss(size_t i, uint64_t tag, pid_t pid, int err, unsigned attempt, bool retried,
			const char *why)
{
	assert_true(i < n_losses);
	assert_true(losses[i].loss.has_page);
	assert_int_equal(losses[i].loss.tag, tag);
	assert_int_equal(losses[i].loss.pid, pid);
	assert_int_equal(losses[i].loss.worker, 1);
	assert_int_equal(losses[i].loss.error, err);
	assert_int_equal(losses[i].loss.attempt, attempt);
	assert_int_equal(losses[i].loss.retried, retried);
	assert_non_null(strstr(losses[i].why, why));
}

static struct ocr_pool *pool_new(unsigned workers, unsigned timeout_s)
{
	const struct ocr_pool_options o = {
		.workers = workers,
		.languages = "eng",
		.page_timeout_s = timeout_s,
		.worker_path = worker,
		.worker_lost = record_loss,
	};
	struct ocr_pool *p = NULL;

	n_losses = 0;
	assert_int_equal(ocr_pool_new(&o, &p), 0);
	assert_int_equal(ocr_pool_workers(p), workers);
	return p;
}

/* Waits for one page in short steps, checking that no step holds the caller too long. */
static struct ocr_pool_page collect(struct ocr_pool *p)
{
	struct ocr_pool_page page;

	for (int i = 0; i < 600; i++) {
		uint64_t start = now_ms();
		int r = ocr_pool_wait(p, 500, &page);

		assert_true(now_ms() - start < 500 + 2000);
		assert_true(r >= 0);
		if (r == 1)
			return page;
	}
	fail_msg("no page came back in 5 minutes");
	return page;
}

static void assert_page_text(const struct ocr_pool_page *page, int i)
{
	struct ocr_score s;

	assert_int_equal(page->error, 0);
	assert_string_equal(page->reason, "");
	assert_int_equal(ocr_score(truth[i], page->result.text, &s), 0);
	printf("page %d: cer %.2f%% after %u attempt(s)\n", i + 1, 100 * s.cer, page->attempts);
	assert_true(s.cer < 0.03);
	assert_true(page->result.words > 100);
	assert_non_null(strstr(page->result.hocr, "ocrx_word"));
}

/* Pid of the worker holding page @tag, once it has the whole page; not @other. */
static pid_t worker_with(struct ocr_pool *p, uint64_t tag, pid_t other)
{
	struct ocr_pool_page page;
	pid_t pid;

	for (int i = 0; i < 600; i++) {
		if (ocr_pool_worker_pid(p, tag, &pid) == 0 && pid != other)
			return pid;
		/* Lets the pool send the page and start workers; nothing can finish yet. */
		assert_int_equal(ocr_pool_wait(p, 100, &page), 0);
	}
	fail_msg("page %llu never reached a worker", (unsigned long long)tag);
	return -1;
}

static void test_pages_come_back(void **state)
{
	struct ocr_pool *p = pool_new(2, 0);
	struct ocr_pool_page page;
	bool seen[PAGES] = { false };

	(void)state;
	for (int i = 0; i < PAGES; i++)
		assert_int_equal(ocr_pool_submit(p, 100 + i, image[i], image_len[i], 300), 0);
	assert_int_equal(ocr_pool_outstanding(p), PAGES);
	for (int i = 0; i < PAGES; i++) {
		page = collect(p);
		assert_true(page.tag >= 100 && page.tag < 100 + PAGES);
		assert_false(seen[page.tag - 100]);
		seen[page.tag - 100] = true;
		assert_int_equal(page.attempts, 1);
		assert_page_text(&page, (int)page.tag - 100);
		ocr_page_result_release(&page.result);
	}
	assert_int_equal(ocr_pool_outstanding(p), 0);
	/* Nothing outstanding: wait returns at once. */
	assert_int_equal(ocr_pool_wait(p, -1, &page), 0);
	ocr_pool_free(p);
}

static void test_worker_environment(void **state)
{
	struct ocr_pool *p;
	struct ocr_pool_page page;
	char path[64], *env, *stat;
	size_t len;
	pid_t pid;
	long nice_parent = getpriority(0, 0), nice_worker;

	(void)state;
	/* Whatever the caller has, workers get OMP_THREAD_LIMIT=1. */
	setenv("OMP_THREAD_LIMIT", "8", 1);
	p = pool_new(1, 0);
	unsetenv("OMP_THREAD_LIMIT");
	assert_int_equal(ocr_pool_submit(p, 7, image[0], image_len[0], 300), 0);
	pid = worker_with(p, 7, -1);

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	env = slurp(path, &len);
	assert_non_null(env);
	bool one = false, other = false;
	for (size_t off = 0; off < len; off += strlen(env + off) + 1) {
		if (strcmp(env + off, "OMP_THREAD_LIMIT=1") == 0)
			one = true;
		else if (strncmp(env + off, "OMP_THREAD_LIMIT=", 17) == 0)
			other = true;
	}
	assert_true(one);
	assert_false(other);
	free(env);

	/* Field 19 of /proc/PID/stat is the nice value; comm (field 2) has no spaces here. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	stat = slurp(path, NULL);
	assert_non_null(stat);
	assert_int_equal(sscanf(stat,
				"%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
				"%*d %*d %*d %ld",
				&nice_worker),
			 1);
	assert_int_equal(nice_worker, MIN(nice_parent + OCR_POOL_DEFAULT_NICE, 19));
	free(stat);

	page = collect(p);
	assert_page_text(&page, 0);
	ocr_page_result_release(&page.result);
	ocr_pool_free(p);
}

static void test_killed_worker_retried(void **state)
{
	struct ocr_pool *p = pool_new(1, 0);
	struct ocr_pool_page page;
	pid_t first, second;

	(void)state;
	assert_int_equal(ocr_pool_submit(p, 1, image[1], image_len[1], 300), 0);
	first = worker_with(p, 1, -1);
	assert_int_equal(kill(first, SIGKILL), 0);
	page = collect(p);
	assert_int_equal(page.tag, 1);
	assert_int_equal(page.attempts, 2);
	assert_page_text(&page, 1);
	ocr_page_result_release(&page.result);

	/* The replacement is a new process and serves the next page. */
	assert_int_equal(ocr_pool_submit(p, 2, image[0], image_len[0], 300), 0);
	second = worker_with(p, 2, -1);
	assert_true(second != first);
	page = collect(p);
	assert_int_equal(page.attempts, 1);
	assert_page_text(&page, 0);
	ocr_page_result_release(&page.result);
	ocr_pool_free(p);
}

static void test_killed_twice_fails(void **state)
{
	struct ocr_pool *p = pool_new(1, 0);
	struct ocr_pool_page page;
	pid_t first, second;

	(void)state;
	assert_int_equal(ocr_pool_submit(p, 5, image[0], image_len[0], 300), 0);
	first = worker_with(p, 5, -1);
	assert_int_equal(kill(first, SIGKILL), 0);
	second = worker_with(p, 5, first);
	assert_true(second != first);
	assert_int_equal(kill(second, SIGKILL), 0);
	page = collect(p);
	assert_int_equal(page.tag, 5);
	assert_int_equal(page.error, -ECHILD);
	assert_int_equal(page.attempts, 2);
	printf("reason: %s\n", page.reason);
	assert_non_null(strstr(page.reason, "killed by signal 9"));
	assert_non_null(strstr(page.reason, "both attempts"));
	assert_null(page.result.text);
	/* The caller heard of both crashes: which page, which process, retried or not. */
	assert_int_equal(n_losses, 2);
	assert_loss(0, 5, first, -ECHILD, 1, true, "killed by signal 9 (Killed)");
	assert_loss(1, 5, second, -ECHILD, 2, false, "killed by signal 9 (Killed)");

	/* The pool carries on. */
	assert_int_equal(ocr_pool_submit(p, 6, image[1], image_len[1], 300), 0);
	page = collect(p);
	assert_int_equal(page.tag, 6);
	assert_page_text(&page, 1);
	ocr_page_result_release(&page.result);
	ocr_pool_free(p);
}

static void test_hung_worker_times_out(void **state)
{
	const unsigned limit = 2;
	struct ocr_pool *p = pool_new(1, limit);
	struct ocr_pool_page page;
	uint64_t start;
	pid_t first, second;

	(void)state;
	assert_int_equal(ocr_pool_submit(p, 9, image[0], image_len[0], 300), 0);
	start = now_ms();
	first = worker_with(p, 9, -1);
	assert_int_equal(kill(first, SIGSTOP), 0);
	second = worker_with(p, 9, first);
	assert_true(second != first);
	assert_int_equal(kill(second, SIGSTOP), 0);
	page = collect(p); /* every wait step returns within its own timeout */
	assert_true(now_ms() - start >= 2 * limit * 1000);
	assert_int_equal(page.error, -ETIMEDOUT);
	assert_int_equal(page.attempts, 2);
	printf("reason: %s\n", page.reason);
	assert_string_equal(page.reason, "page not done within 2 s on both attempts");
	assert_int_equal(n_losses, 2);
	assert_loss(0, 9, first, -ETIMEDOUT, 1, true, "page not done within 2 s");
	assert_loss(1, 9, second, -ETIMEDOUT, 2, false, "page not done within 2 s");
	/* Both stopped workers are gone (killed and reaped). */
	assert_true(kill(first, 0) < 0 && errno == ESRCH);
	assert_true(kill(second, 0) < 0 && errno == ESRCH);
	ocr_pool_free(p);
}

static void test_bad_pages(void **state)
{
	struct ocr_pool *p = pool_new(1, 0);
	struct ocr_pool_page page;
	pid_t before, after;

	(void)state;
	/* A file that is no image: failed at once, not retried, the worker stays. */
	assert_int_equal(ocr_pool_submit(p, 3, "II*\0garbage that is no TIFF", 27, 300), 0);
	page = collect(p);
	assert_int_equal(page.error, -FOLIO_EFORMAT);
	assert_int_equal(page.attempts, 1);
	assert_true(strlen(page.reason) > 0);

	/* Refused at the door. */
	assert_int_equal(ocr_pool_submit(p, 4, image[0], 0, 300), -EINVAL);
	assert_int_equal(ocr_pool_submit(p, 4, image[0], image_len[0], 7), -EINVAL);
	assert_int_equal(ocr_pool_submit(p, 4, image[0], OCR_MAX_IMAGE_BYTES + 1u, 300),
			 -FOLIO_ETOOBIG);

	assert_int_equal(ocr_pool_submit(p, 10, image[0], image_len[0], 300), 0);
	before = worker_with(p, 10, -1);
	page = collect(p);
	assert_page_text(&page, 0);
	ocr_page_result_release(&page.result);
	assert_int_equal(ocr_pool_submit(p, 11, image[1], image_len[1], 300), 0);
	after = worker_with(p, 11, -1);
	assert_int_equal(before, after);
	page = collect(p);
	ocr_page_result_release(&page.result);
	ocr_pool_free(p);
}

/* Raw frames travel to the worker too: a white page has no words; a bad frame is refused. */
static void test_frames(void **state)
{
	struct ocr_pool *p = pool_new(1, 0);
	struct ocr_pool_page page;
	struct frame f = white_page(800, 600, 300);

	(void)state;
	assert_int_equal(ocr_pool_submit_frame(p, 21, &f), 0);
	page = collect(p);
	assert_int_equal(page.tag, 21);
	assert_int_equal(page.error, 0);
	assert_int_equal(page.result.words, 0);
	assert_string_equal(page.result.text, "");
	ocr_page_result_release(&page.result);
	f.depth = 16;
	assert_int_equal(ocr_pool_submit_frame(p, 22, &f), -FOLIO_EFORMAT);
	f.depth = 8, f.bytes_per_line = 10;
	assert_int_equal(ocr_pool_submit_frame(p, 22, &f), -EINVAL);
	assert_int_equal(ocr_pool_outstanding(p), 0);
	free(f.data);
	ocr_pool_free(p);
}

/*
 * pagegen's one A4 page of @lang, fed turned clockwise by @turn degrees, as a TIFF file: on
 * A5, OSD is not sure of Arabic lying a quarter turn (confidence 10-11).
 */
static char *turned_page(const char *lang, unsigned turn, size_t *ret_len)
{
	char dir[64], degrees[8], path[96];

	snprintf(dir, sizeof(dir), "turned-%s-%u", lang, turn);
	snprintf(degrees, sizeof(degrees), "%u", turn);
	snprintf(path, sizeof(path), "%s/page-0001.tif", dir);
	if (access(path, R_OK) != 0) {
		const char *argv[] = { "--out",	   dir,	    "--count",	"1",   "--size",  "a4",
				       "--lang",   lang,    "--seed",	"7",   "--noise", "4",
				       "--rotate", degrees, "--format", "tif", NULL };

		assert_int_equal(run_pagegen(argv), 0);
	}
	return slurp(path, ret_len);
}

/* A page of @lang fed turned by @fed, read with @options, comes back turned by @turn. */
struct turned_case {
	const char *lang;
	unsigned fed, options, turn;
	bool checked;
};

static void submit_turned(struct ocr_pool *p, uint64_t tag, const struct turned_case *c)
{
	size_t len;
	char *img = turned_page(c->lang, c->fed, &len);

	assert_non_null(img);
	assert_int_equal(ocr_pool_submit_in(p, tag, img, len, 300, c->lang, c->options), 0);
	free(img);
}

static void check_turned(const struct turned_case *c, struct ocr_pool_page *page)
{
	printf("%s fed turned %u: turn %u, checked %d, %u words at %.0f%%\n", c->lang, c->fed,
	       page->result.turn, page->result.orientation_checked, page->result.words,
	       page->result.mean_confidence);
	assert_int_equal(page->error, 0);
	assert_int_equal(page->result.turn, c->turn);
	assert_int_equal(page->result.orientation_checked, c->checked);
	/* read upright: as well as a page fed upright */
	assert_true(page->result.mean_confidence >= 70);
	ocr_page_result_release(&page->result);
}

/*
 * Pages read with models that are not Latin have their orientation checked: a page of Arabic
 * upright is known upright; one lying a quarter turn (read well, but on lines on end) or
 * upside down (read badly) comes back read turned upright, its turn saying by how much. A
 * Latin page asked to be checked is known upright the same way; one of Latin models, not
 * asked, is never checked. With psm 1, which reads a page upside down as well as upright
 * (Tesseract turns it in its head), the page is still found lying turned.
 */
static void test_turned_pages(void **state)
{
	static const struct turned_case cases[] = {
		{ "ara", 0, 0, 0, true },
		{ "ara", 90, 0, 270, true },
		{ "ara", 180, 0, 180, true },
		{ "eng", 0, OCR_POOL_CHECK_ORIENTATION, 0, true },
		{ "eng", 180, OCR_POOL_CHECK_ORIENTATION, 180, true },
		{ "eng", 0, 0, 0, false },
	};
	static const struct turned_case psm1_case = { "eng", 180, OCR_POOL_CHECK_ORIENTATION, 180,
						      true };
	const struct ocr_pool_options psm1 = {
		.workers = 1,
		.languages = "eng",
		.psm = OCR_PSM_AUTO_OSD,
		.worker_path = worker,
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	struct ocr_pool *p;
	struct ocr_pool_page page;

	(void)state;
	if (access("/usr/share/tesseract-ocr/5/tessdata/ara.traineddata", R_OK) != 0 ||
	    access("/usr/share/tesseract-ocr/5/tessdata/osd.traineddata", R_OK) != 0) {
		printf("skip: the ara and osd models are not installed (Debian packages "
		       "tesseract-ocr-ara, tesseract-ocr-osd)\n");
		skip();
	}
	p = pool_new(2, 0);
	for (size_t i = 0; i < n; i++)
		submit_turned(p, 100 + i, &cases[i]);
	for (size_t k = 0; k < n; k++) {
		page = collect(p);
		assert_true(page.tag >= 100 && page.tag < 100 + n);
		check_turned(&cases[page.tag - 100], &page);
	}
	ocr_pool_free(p);

	assert_int_equal(ocr_pool_new(&psm1, &p), 0);
	submit_turned(p, 99, &psm1_case);
	page = collect(p);
	check_turned(&psm1_case, &page);
	ocr_pool_free(p);
}

static void test_bad_options(void **state)
{
	struct ocr_pool *p = NULL;
	struct ocr_pool_options o = { .workers = 1, .languages = "xqz", .worker_path = worker };

	(void)state;
	/* A language that is not installed is found when the pool starts. */
	assert_int_equal(ocr_pool_new(&o, &p), -FOLIO_ECONFIG);
	o.languages = "eng;rm";
	assert_int_equal(ocr_pool_new(&o, &p), -EINVAL);
	o.languages = "eng";
	o.worker_path = "/nonexistent/folio-ocr-worker";
	assert_int_equal(ocr_pool_new(&o, &p), -ENOENT);
	o.worker_path = worker;
	o.nice = -5;
	assert_int_equal(ocr_pool_new(&o, &p), -EINVAL);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_come_back),
		cmocka_unit_test(test_worker_environment),
		cmocka_unit_test(test_killed_worker_retried),
		cmocka_unit_test(test_killed_twice_fails),
		cmocka_unit_test(test_hung_worker_times_out),
		cmocka_unit_test(test_bad_pages),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_turned_pages),
		cmocka_unit_test(test_bad_options),
	};

	return cmocka_run_group_tests_name("ocr_pool", tests, setup, teardown);
}
