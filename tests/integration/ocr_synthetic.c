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

#include "fileio.h"
#include "ocr/pool.h"
#include "ocr/score.h"
#include "tests/integration/ocr_quality.h"

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

static struct ocr_score check_language(const char *lang, const char *languages, double max_cer)
{
	char dir[64], image[128], truth_path[128], line[256];
	struct ocr_score s;
	char *text, *truth;

	snprintf(dir, sizeof(dir), "synthetic-%s", lang);
	render(dir, lang, "7");
	snprintf(image, sizeof(image), "%s/page-0001.png", dir);
	snprintf(truth_path, sizeof(truth_path), "%s/page-0001.txt", dir);
	truth = slurp(truth_path);
	assert_non_null(truth);

	text = pool_read_text(worker, image, languages, 300);
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english),
		cmocka_unit_test(test_french),
		cmocka_unit_test(test_arabic),
	};

	build_program(pagegen, sizeof(pagegen), "pagegen");
	build_program(worker, sizeof(worker), OCR_POOL_WORKER_NAME);
	if (access(pagegen, X_OK) != 0 || access(worker, X_OK) != 0) {
		printf("skip: needs '%s' and '%s': build them with make\n", pagegen, worker);
		return 77;
	}
	return cmocka_run_group_tests_name("ocr_synthetic", tests, NULL, NULL);
}
