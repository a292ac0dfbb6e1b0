/*
 * Cover-sheet search cost: each page (binary PGM, 8-bit grey, as the feeder delivers it) is
 * examined by index_examine(), the search capture runs (layout first, zones decoded), and by
 * index_examine_grey(), zbar over the whole page, which is what capture ran before: the peer
 * measured in the same run. The patch code search (index_examine_patch()), which capture
 * runs on every page that is not a cover sheet, is timed on its own.
 *
 *   coversheet_bench [--repeat N] [--dpi D] PAGE...
 *
 * Prints "pages N", "covers C" (pages the search took for cover sheets), "patches P" (pages
 * with a patch code), "search_ms M", "patch_ms Q" and "whole_page_ms W", milliseconds per
 * page, best of the repeats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/config/config.h"
#include "firmware/index/separate.h"
#include "bench.h"

int main(int argc, char **argv)
{
	static const char conf[] = "[station]\nid = BENCH\noffice = KE\n";
	struct folio_config cfg;
	struct frame *pages;
	double search = 1e30, whole = 1e30, patch = 1e30;
	unsigned repeat = 3, dpi = 300, covers = 0, patches = 0;
	int first = 1, n;

	while (first + 1 < argc && argv[first][0] == '-') {
		if (strcmp(argv[first], "--repeat") == 0)
			repeat = (unsigned)atoi(argv[first + 1]);
		else if (strcmp(argv[first], "--dpi") == 0)
			dpi = (unsigned)atoi(argv[first + 1]);
		else
			break;
		first += 2;
	}
	n = argc - first;
	if (n < 1 || repeat < 1 || dpi < 50) {
		fprintf(stderr, "usage: coversheet_bench [--repeat N] [--dpi D] PAGE.pgm...\n");
		return 2;
	}
	if (config_load_string("bench.conf", conf, &cfg, NULL) < 0) {
		fprintf(stderr, "coversheet_bench: cannot load its configuration\n");
		return 1;
	}
	pages = calloc((size_t)n, sizeof(*pages));
	for (int i = 0; pages && i < n; i++)
		if (read_pgm(argv[first + i], dpi, &pages[i]) < 0) {
			fprintf(stderr, "coversheet_bench: '%s' is not an 8-bit binary PGM\n",
				argv[first + i]);
			return 1;
		}
	if (!pages)
		return 1;
	for (unsigned k = 0; k < repeat; k++) {
		double t0 = now(), t1;

		covers = 0;
		for (int i = 0; i < n; i++) {
			struct index_sheet s;

			if (index_examine(&pages[i], &cfg, &s) < 0)
				return 1;
			covers += s.separator;
		}
		t1 = now();
		search = t1 - t0 < search ? t1 - t0 : search;
		patches = 0;
		for (int i = 0; i < n; i++) {
			struct index_sheet s = { 0 };

			if (index_examine_patch(&pages[i], &cfg, &s) < 0)
				return 1;
			patches += s.patch != 0;
		}
		t0 = now() - t1;
		patch = t0 < patch ? t0 : patch;
		t1 = now();
		for (int i = 0; i < n; i++) {
			struct index_sheet s;

			if (index_examine_grey(pages[i].data, pages[i].width, pages[i].height,
					       pages[i].bytes_per_line, &cfg, &s) < 0)
				return 1;
		}
		t0 = now() - t1;
		whole = t0 < whole ? t0 : whole;
	}
	printf("pages %d\ncovers %u\npatches %u\nsearch_ms %.2f\npatch_ms %.2f\n"
	       "whole_page_ms %.1f\n",
	       n, covers, patches, 1000 * search / n, 1000 * patch / n, 1000 * whole / n);
	for (int i = 0; i < n; i++)
		free(pages[i].data);
	free(pages);
	return 0;
}
