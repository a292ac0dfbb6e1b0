#ifndef FOLIO_TESTS_BENCH_BENCH_H
#define FOLIO_TESTS_BENCH_BENCH_H

/* What the benchmark programs share; all static inline, so a program takes what it uses. */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "frame.h"

/* Seconds on the monotonic clock. */
static inline double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/*
 * Reads a binary PGM (P5, 8 bit) straight into a frame of @dpi, so that loading a page costs
 * no more memory than the frame itself. Returns 0, or -1 when the file is not such a PGM.
 */
static inline int read_pgm(const char *path, unsigned dpi, struct frame *f)
{
	FILE *fp = fopen(path, "rb");
	unsigned w = 0, h = 0, maxval = 0;
	int c;

	if (!fp)
		return -1;
	if (fscanf(fp, "P5 ") != 0 || ftell(fp) < 2)
		goto bad;
	while ((c = fgetc(fp)) == '#')
		while ((c = fgetc(fp)) != '\n' && c != EOF)
			;
	ungetc(c, fp);
	if (fscanf(fp, "%u %u %u", &w, &h, &maxval) != 3 || maxval != 255 || !w || !h ||
	    w > 20000 || h > 30000 || fgetc(fp) == EOF)
		goto bad;
	*f = (struct frame){ .width = w,
			     .height = h,
			     .depth = 8,
			     .channels = 1,
			     .bytes_per_line = w,
			     .dpi = dpi,
			     .data = malloc((size_t)w * h) };
	if (!f->data || fread(f->data, 1, (size_t)w * h, fp) != (size_t)w * h) {
		free(f->data);
		goto bad;
	}
	fclose(fp);
	return 0;
bad:
	fclose(fp);
	return -1;
}

#endif
