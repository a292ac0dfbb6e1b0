/* requires: CONFIG_OCR */
/*
 * Recognition quality on pages the project renders itself (build/bin/pagegen): English, French
 * and Arabic text, degraded like a scan (grain, slight skew, optical blur). The character error
 * rate per language is printed as a figure and must stay within what a clerk would accept; Arabic
 * must come back in logical order (visual order would score far worse). Skipped without pagegen
 * or the worker program.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "fileio.h"
#include "ocr/pool.h"
#include "ocr/score.h"

static char pagegen[4096], worker[4096];

/* The whole text file @path (16 MiB at most), NUL-terminated, or NULL */
static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len;

	return file_read_all(path, 16 << 20, &s, &len) < 0 ? NULL : s;
}

static void render(const char *dir, const char *lang, const char *seed)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execl(pagegen, pagegen, "--out", dir, "--size", "a5", "--lang", lang, "--seed",
		      seed, "--noise", "8", "--skew", "0.7", "--blur", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int keep_text(size_t index, const struct ocr_pool_page *page, void *userdata)
{
	char **text = userdata;

	(void)index;
	if (page->error < 0) {
		printf("page failed: %s (%s)\n", page->reason, folio_strerror(page->error));
		return page->error;
	}
	*text = strdup(page->result.text);
	return *text ? 0 : -ENOMEM;
}

static struct ocr_score check_language(const char *lang, const char *languages, double max_cer)
{
	const struct ocr_pool_options o = { .workers = 1,
					    .languages = languages,
					    .worker_path = worker };
	char dir[64], image[128], truth_path[128], line[256];
	const char *paths[1] = { image };
	struct ocr_pool *p = NULL;
	struct ocr_score s;
	char *text = NULL, *truth;

	snprintf(dir, sizeof(dir), "synthetic-%s", lang);
	render(dir, lang, "7");
	snprintf(image, sizeof(image), "%s/page-0001.png", dir);
	snprintf(truth_path, sizeof(truth_path), "%s/page-0001.txt", dir);
	truth = slurp(truth_path);
	assert_non_null(truth);

	assert_int_equal(ocr_pool_new(&o, &p), 0);
	assert_int_equal(ocr_recognise_files(p, paths, 1, 300, keep_text, &text), 0);
	ocr_pool_free(p);
	assert_non_null(text);
	assert_int_equal(ocr_score(truth, text, &s), 0);
	ocr_score_format(&s, line, sizeof(line));
	printf("figure: synthetic %s page (-l %s, noise, skew 0.7, blur): %s\n", lang, languages,
	       line);
	assert_true(s.chars > 500);
	assert_true(s.cer <= max_cer);
	free(text);
	free(truth);
	return s;
}

static void test_english(void **state)
{
	(void)state;
	check_language("eng", "eng", 0.04);
}

static void test_french(void **state)
{
	(void)state;
	check_language("fra", "fra", 0.04);
}

static void test_arabic(void **state)
{
	(void)state;
	check_language("ara", "ara", 0.10);
}

int main(void)
{
	const char *build = getenv("FOLIO_BUILD");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english),
		cmocka_unit_test(test_french),
		cmocka_unit_test(test_arabic),
	};

	snprintf(pagegen, sizeof(pagegen), "%s/bin/pagegen", build ? build : "build");
	snprintf(worker, sizeof(worker), "%s/bin/%s", build ? build : "build",
		 OCR_POOL_WORKER_NAME);
	if (access(pagegen, X_OK) != 0 || access(worker, X_OK) != 0) {
		printf("skip: needs '%s' and '%s': build them with make\n", pagegen, worker);
		return 77;
	}
	return cmocka_run_group_tests_name("ocr_synthetic", tests, NULL, NULL);
}
