/* requires: CONFIG_OCR */
/*
 * Recognition quality on real scans with ground truth (../shared/testdata/ocr-gt, see its
 * SOURCES.md): on every page the pipeline (worker pool, engine kept loaded) must do no worse than
 * the `tesseract` command run on the same file with the same language and resolution. Both
 * character error rates are printed as figures. Skipped where ../shared or the programs are
 * absent.
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
#include "ocr/pool.h"
#include "ocr/score.h"

struct gt_page {
	const char *name;
	const char *image; /* under testdata/ocr-gt */
	const char *truth;
	const char *languages;
	unsigned dpi;
};

static const struct gt_page pages[] = {
	{ "phototest", "tesseract-test/phototest.tif", "tesseract-test/phototest.txt", "eng", 200 },
	{ "eurotext", "tesseract-test/eurotext.tif", "tesseract-test/eurotext.txt", "eng", 300 },
	{ "tapuscorpus", "tapuscorpus-fr/12148-btv1b53097347b__13_3536f_default.jpg",
	  "tapuscorpus-fr/12148-btv1b53097347b__13_3536f_default.gt.txt", "fra", 400 },
};

static char gt_dir[4096], worker[4096];

static char *slurp_fd(int fd)
{
	size_t len = 0, cap = 0;
	char *s = NULL;

	for (;;) {
		if (cap - len < 4096) {
			char *t = realloc(s, cap + 65536);

			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
			cap += 65536;
		}
		ssize_t n = read(fd, s + len, cap - len - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	s[len] = '\0';
	return s;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *s;

	if (!f)
		return NULL;
	s = slurp_fd(fileno(f));
	fclose(f);
	return s;
}

/* Tapuscorpus transcription marks (SOURCES.md): `_word` underlined, `^x` superscript, `~~~`. */
static void strip_marks(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (strncmp(r, "~~~", 3) == 0) {
			r += 2;
			continue;
		}
		if (*r == '^' || (*r == '_' && (r == s || r[-1] == ' ' || r[-1] == '\n')))
			continue;
		*w++ = *r;
	}
	*w = '\0';
}

/* The text of `tesseract IMAGE stdout -l LANG --dpi DPI`, one thread, as SOURCES.md measured. */
static char *tesseract_command(const char *image, const char *languages, unsigned dpi)
{
	char dpi_s[16];
	int fds[2], status;
	pid_t pid;
	char *out;

	snprintf(dpi_s, sizeof(dpi_s), "%u", dpi);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		setenv("OMP_THREAD_LIMIT", "1", 1);
		execlp("tesseract", "tesseract", image, "stdout", "-l", languages, "--dpi", dpi_s,
		       (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	out = slurp_fd(fds[0]);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return out;
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

static void check_page(const struct gt_page *g)
{
	const struct ocr_pool_options o = { .workers = 1,
					    .languages = g->languages,
					    .worker_path = worker };
	char image[4200], truth_path[4200], line[256];
	struct ocr_score ours, theirs;
	struct ocr_pool *p = NULL;
	char *text = NULL, *cli, *truth;
	const char *paths[1] = { image };

	snprintf(image, sizeof(image), "%s/%s", gt_dir, g->image);
	snprintf(truth_path, sizeof(truth_path), "%s/%s", gt_dir, g->truth);
	truth = slurp(truth_path);
	assert_non_null(truth);
	strip_marks(truth);

	assert_int_equal(ocr_pool_new(&o, &p), 0);
	assert_int_equal(ocr_recognise_files(p, paths, 1, g->dpi, keep_text, &text), 0);
	ocr_pool_free(p);
	assert_non_null(text);
	cli = tesseract_command(image, g->languages, g->dpi);
	assert_non_null(cli);

	assert_int_equal(ocr_score(truth, text, &ours), 0);
	assert_int_equal(ocr_score(truth, cli, &theirs), 0);
	ocr_score_format(&ours, line, sizeof(line));
	printf("figure: %s (%s): pipeline %s\n", g->name, g->languages, line);
	ocr_score_format(&theirs, line, sizeof(line));
	printf("figure: %s (%s): tesseract %s\n", g->name, g->languages, line);
	/* No worse than the command, character for character. */
	assert_true(ours.char_errors <= theirs.char_errors);
	free(text);
	free(cli);
	free(truth);
}

static void test_phototest(void **state)
{
	(void)state;
	check_page(&pages[0]);
}

static void test_eurotext(void **state)
{
	(void)state;
	check_page(&pages[1]);
}

static void test_tapuscorpus(void **state)
{
	(void)state;
	check_page(&pages[2]);
}

int main(void)
{
	const char *shared = getenv("FOLIO_SHARED"), *build = getenv("FOLIO_BUILD");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phototest),
		cmocka_unit_test(test_eurotext),
		cmocka_unit_test(test_tapuscorpus),
	};

	snprintf(gt_dir, sizeof(gt_dir), "%s/testdata/ocr-gt", shared ? shared : "../shared");
	snprintf(worker, sizeof(worker), "%s/bin/%s", build ? build : "build",
		 OCR_POOL_WORKER_NAME);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/%s", gt_dir, pages[i].image);
		if (access(path, R_OK) != 0) {
			printf("skip: no OCR ground truth at '%s' (../shared/testdata/ocr-gt)\n",
			       path);
			return 77;
		}
	}
	if (access(worker, X_OK) != 0) {
		printf("skip: no '%s': build it with make\n", worker);
		return 77;
	}
	if (system("tesseract --version >/dev/null 2>&1") != 0) {
		printf("skip: no 'tesseract' command to compare with: install tesseract-ocr\n");
		return 77;
	}
	return cmocka_run_group_tests_name("ocr_groundtruth", tests, NULL, NULL);
}
