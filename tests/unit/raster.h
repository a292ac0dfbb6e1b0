#ifndef FOLIO_TESTS_UNIT_RASTER_H
#define FOLIO_TESTS_UNIT_RASTER_H

/*
 * Pages as frames for the tests that search real rasters (test_barcode_raster,
 * test_patchcode): shell commands that make them (pdftoppm, pagegen), PNM files read into
 * frames, frames turned as a feeder skews them, and a clock. Included after <cmocka.h>; all
 * static inline, so a test takes what it uses.
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "compiler.h"
#include "frame.h"

/* Reads a binary PGM (P5, 8-bit) or PBM (P4) into a frame; comments allowed in the header. */
static inline int read_pnm(const char *path, struct frame *ret)
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

static inline void run(const char *fmt, ...) _printf_(1, 2);

static inline void run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("'%s' failed", cmd);
}

static inline double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* @f turned by @deg clockwise about its centre (nearest pixel, white where the sheet was not). */
static inline struct frame turned(const struct frame *f, double deg)
{
	struct frame t = *f;
	double a = deg * 3.14159265358979 / 180, c = cos(a), s = sin(a);
	double cx = f->width / 2.0, cy = f->height / 2.0;

	assert_int_equal(f->depth, 8);
	t.data = malloc((size_t)f->width * f->height);
	assert_non_null(t.data);
	for (uint32_t y = 0; y < f->height; y++)
		for (uint32_t x = 0; x < f->width; x++) {
			double dx = x - cx, dy = y - cy;
			long sx = lround(cx + c * dx + s * dy), sy = lround(cy - s * dx + c * dy);

			t.data[(size_t)y * f->width + x] =
			    sx < 0 || sy < 0 || sx >= (long)f->width || sy >= (long)f->height
				? 255
				: f->data[(size_t)sy * f->bytes_per_line + (size_t)sx];
		}
	t.bytes_per_line = f->width;
	return t;
}

#endif
