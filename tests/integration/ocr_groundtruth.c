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

#include "ocr/pool.h"
#include "ocr/score.h"
#include "tests/integration/ocr_quality.h"

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

static void check_page(const struct gt_page *g)
{
	char image[4200], truth_path[4200], line[256];
	struct ocr_score ours, theirs;
	char *text, *cli, *truth;

	snprintf(image, sizeof(image), "%s/%s", gt_dir, g->image);
	snprintf(truth_path, sizeof(truth_path), "%s/%s", gt_dir, g->truth);
	truth = slurp(truth_path);
	assert_non_null(truth);
	strip_marks(truth);

	text = pool_read_text(worker, image, g->languages, g->dpi);
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
	const char *shared = getenv("FOLIO_SHARED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phototest),
		cmocka_unit_test(test_eurotext),
		cmocka_unit_test(test_tapuscorpus),
	};

	snprintf(gt_dir, sizeof(gt_dir), "%s/testdata/ocr-gt", shared ? shared : "../shared");
	build_program(worker, sizeof(worker), OCR_POOL_WORKER_NAME);
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
