/*
 * Cover sheets end to end on real rasters: the PDFs `folio coversheet` prints, rasterised by
 * poppler's pdftoppm at 200 and 300 dpi in grey and bitonal, must all be read by
 * index_examine(); then a stack of generated dossiers (build/bin/pagegen) with cover sheets
 * between them must come apart into the right documents with the right fields.
 * Needs pdftoppm (poppler-utils) and pagegen; skipped (77) without them. pagegen runs through
 * FOLIO_RUNNER when it is set (qemu-user for a cross-built board, see tests/run.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "compiler.h"

#include "firmware/index/coversheet.h"
#include "firmware/index/separate.h"

static const char conf_text[] = "[station]\nid = T\noffice = KE\n"
				"[index]\npatent_pattern = KE/P/YYYY/NNNNNN\n"
				"patent_codes = APPFORM CLAIMS DRAW\n";
static struct folio_config cfg;

static const struct coversheet sheets[] = {
	{ "KE", IP_PATENT, "KE/P/2024/000123", "APPFORM", "2024-05-02" },
	{ "KE", IP_TRADEMARK, "502024000012345", "TMAPP", "" },
	{ "EP", IP_DESIGN, "802023000000017", "DRAW-2", "2023-11-30" },
};

/* Reads a binary PGM (P5, 8-bit) or PBM (P4) into a frame; comments allowed in the header. */
static int read_pnm(const char *path, struct frame *ret)
{
	FILE *f = fopen(path, "rb");
	char magic[3] = "";
	unsigned v[3] = { 0, 0, 1 };
	int nv, c;
	size_t size;

	if (!f)
		return -errno;
	if (fread(magic, 1, 2, f) != 2 || magic[0] != 'P' || (magic[1] != '4' && magic[1] != '5'))
		goto bad;
	nv = magic[1] == '4' ? 2 : 3;
	for (int i = 0; i < nv; i++) {
		for (;;) {
			c = fgetc(f);
			if (c == '#')
				while (c != '\n' && c != EOF)
					c = fgetc(f);
			else if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
				break;
		}
		ungetc(c, f);
		if (fscanf(f, "%u", &v[i]) != 1)
			goto bad;
	}
	fgetc(f); /* the one whitespace after the header */
	if (v[0] == 0 || v[1] == 0 || v[0] > 10000 || v[1] > 10000 || (nv == 3 && v[2] != 255))
		goto bad;
	*ret = (struct frame){ .width = v[0], .height = v[1], .channels = 1, .dpi = 0 };
	ret->depth = magic[1] == '4' ? 1 : 8;
	ret->bytes_per_line = magic[1] == '4' ? (v[0] + 7) / 8 : v[0];
	size = (size_t)ret->bytes_per_line * v[1];
	ret->data = malloc(size);
	if (!ret->data || fread(ret->data, 1, size, f) != size) {
		free(ret->data);
		goto bad;
	}
	/* PGM: 0 is black, as in SANE; PBM: 1 is black, as in SANE. Nothing to convert. */
	fclose(f);
	return 0;
bad:
	fclose(f);
	return -EINVAL;
}

static int setup(void **state)
{
	(void)state;
	if (system("command -v pdftoppm >/dev/null 2>&1") != 0) {
		printf("skipped: pdftoppm not installed (apt-get install poppler-utils)\n");
		exit(77);
	}
	return config_load_string("test.conf", conf_text, &cfg, NULL);
}

static void run(const char *fmt, ...) _printf_(1, 2);

static void run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("'%s' failed", cmd);
}

static void check_fields(const struct index_sheet *s, const struct coversheet *c, const char *what)
{
	if (!s->separator)
		fail_msg("%s: not read as a cover sheet (%s)", what, s->why);
	assert_string_equal(s->doc.office, c->office);
	assert_int_equal(s->doc.ip_type, c->ip_type);
	assert_string_equal(s->doc.application, c->application);
	assert_string_equal(s->doc.document_code, c->document_code);
	assert_string_equal(s->doc.received, c->received);
}

static void test_rasters_read(void **state)
{
	static const struct {
		int dpi;
		const char *mode, *ext;
	} renders[] = {
		{ 200, "-gray", "pgm" },
		{ 200, "-mono", "pbm" },
		{ 300, "-gray", "pgm" },
		{ 300, "-mono", "pbm" },
	};
	unsigned read = 0, total = 0;
	double secs = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(sheets) / sizeof(sheets[0]); i++) {
		char pdf[32];

		snprintf(pdf, sizeof(pdf), "cover%zu.pdf", i);
		assert_int_equal(coversheet_write_pdf(&sheets[i], pdf), 0);
		for (size_t k = 0; k < sizeof(renders) / sizeof(renders[0]); k++) {
			char out[64], file[80], what[160];
			struct index_sheet s;
			struct frame f;
			struct timespec a, b;

			snprintf(out, sizeof(out), "r%zu-%d%s", i, renders[k].dpi, renders[k].mode);
			run("pdftoppm -r %d %s -singlefile %s %s", renders[k].dpi, renders[k].mode,
			    pdf, out);
			snprintf(file, sizeof(file), "%s.%s", out, renders[k].ext);
			assert_int_equal(read_pnm(file, &f), 0);
			f.dpi = (uint32_t)renders[k].dpi;
			clock_gettime(CLOCK_MONOTONIC, &a);
			assert_int_equal(index_examine(&f, &cfg, &s), 0);
			clock_gettime(CLOCK_MONOTONIC, &b);
			secs +=
			    (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
			snprintf(what, sizeof(what), "%s (%s)", file, sheets[i].application);
			check_fields(&s, &sheets[i], what);
			/* Both symbols are read at both resolutions. */
			if (s.why[0])
				fail_msg("%s: %s", what, s.why);
			read++;
			total++;
			free(f.data);
		}
	}
	printf("figure: %u of %u cover-sheet rasters read (200 and 300 dpi, grey and bitonal), "
	       "%.0f ms per page\n",
	       read, total, 1000 * secs / total);
}

static void test_stack_separates(void **state)
{
	/* cover 0, 2 pages, cover 1, 3 pages, cover 2, 1 page */
	static const int stack[] = { -1, 0, 0, -2, 1, 1, 1, -3, 2 };
	static const uint32_t want_doc[] = { 1, 1, 1, 2, 2, 2, 2, 3, 3 };
	const char *build = getenv("FOLIO_BUILD");
	const char *runner = getenv("FOLIO_RUNNER");
	struct index_split split;
	uint32_t pages_in[4] = { 0 };
	int next_page[3] = { 1, 1, 1 };

	(void)state;
	if (!build) {
		printf("skipped: FOLIO_BUILD not set (run through tests/run.sh)\n");
		skip();
	}
	/* pagegen is from the build under test: a cross-built one runs through FOLIO_RUNNER. */
	if (!runner)
		runner = "";
	for (int d = 0; d < 3; d++)
		run("%s %s/bin/pagegen --out dossier%d --count 3 --dpi 300 --format pnm --seed %d "
		    ">/dev/null",
		    runner, build, d, 11 + d);
	for (size_t i = 0; i < 3; i++) {
		char pdf[32];

		snprintf(pdf, sizeof(pdf), "stack%zu.pdf", i);
		assert_int_equal(coversheet_write_pdf(&sheets[i], pdf), 0);
		run("pdftoppm -r 300 -gray -singlefile %s stack%zu", pdf, i);
	}

	index_split_init(&split, 1, 0);
	for (size_t i = 0; i < sizeof(stack) / sizeof(stack[0]); i++) {
		char file[64];
		struct index_sheet s;
		struct index_step st;
		struct frame f;

		if (stack[i] < 0)
			snprintf(file, sizeof(file), "stack%d.pgm", -stack[i] - 1);
		else
			snprintf(file, sizeof(file), "dossier%d/page-%04d.pnm", stack[i],
				 next_page[stack[i]]++);
		assert_int_equal(read_pnm(file, &f), 0);
		f.dpi = 300;
		assert_int_equal(index_examine(&f, &cfg, &s), 0);
		free(f.data);
		index_split_page(&split, &s, &st);
		if (st.document != want_doc[i])
			fail_msg("page %zu (%s) went to document %u, not %u", i + 1, file,
				 st.document, want_doc[i]);
		if (stack[i] < 0) {
			check_fields(&s, &sheets[-stack[i] - 1], file);
			assert_int_equal(st.flags, PAGE_FLAG_SEPARATOR);
			assert_true(st.put_document);
		} else {
			/* Dossier pages are never taken for cover sheets or flagged. */
			if (s.separator || s.unreadable)
				fail_msg("dossier page %s: separator %d unreadable %d (%s)", file,
					 s.separator, s.unreadable, s.why);
			assert_int_equal(st.flags, 0);
			pages_in[st.document]++;
		}
	}
	assert_int_equal(pages_in[1], 2);
	assert_int_equal(pages_in[2], 3);
	assert_int_equal(pages_in[3], 1);
	printf("figure: stack of 9 sheets separated into 3 documents of 2, 3 and 1 pages\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rasters_read),
		cmocka_unit_test(test_stack_separates),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
