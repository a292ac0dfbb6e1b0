#ifndef FOLIO_TESTS_INTEGRATION_PAGECHECK_H
#define FOLIO_TESTS_INTEGRATION_PAGECHECK_H

/*
 * What the image pipeline's plain-C tests share (image_accuracy, image_write): a CHECK that
 * counts failures instead of stopping, and generated page files loaded as the scanner would
 * deliver them. Static: each test is one program.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <leptonica/allheaders.h>

#include "firmware/image/process.h"

static int failures;

/* Says "FAIL: ..." (printf's arguments) when @cond is false, and counts it in failures. */
#define CHECK(cond, ...)                              \
	do {                                          \
		if (!(cond)) {                        \
			printf("FAIL: " __VA_ARGS__); \
			printf("\n");                 \
			failures++;                   \
		}                                     \
	} while (0)

/*
 * A page file as the scanner would deliver it at 300 dpi: 8-bit grey in SANE's byte order, or
 * RGB with a tint when @colour. Returns 0, -EIO when Leptonica cannot read it, or -ENOMEM.
 */
static inline int load_frame(const char *path, bool colour, struct frame *f)
{
	PIX *pix = pixRead(path), *g;
	uint32_t x, y, c = colour ? 3 : 1;

	if (!pix)
		return -EIO;
	g = pixConvertTo8(pix, 0);
	pixDestroy(&pix);
	if (!g)
		return -ENOMEM;
	*f = (struct frame){ .width = (uint32_t)pixGetWidth(g),
			     .height = (uint32_t)pixGetHeight(g),
			     .depth = 8,
			     .channels = c,
			     .dpi = 300 };
	f->bytes_per_line = f->width * c;
	f->data = malloc((size_t)f->bytes_per_line * f->height);
	if (!f->data) {
		pixDestroy(&g);
		return -ENOMEM;
	}
	for (y = 0; y < f->height; y++) {
		const l_uint32 *line = pixGetData(g) + (size_t)y * pixGetWpl(g);
		uint8_t *o = f->data + (size_t)y * f->bytes_per_line;

		for (x = 0; x < f->width; x++) {
			uint8_t v = (uint8_t)GET_DATA_BYTE(line, x);

			if (colour) {
				o[3 * x] = v;
				o[3 * x + 1] = (uint8_t)(v * 15 / 16);
				o[3 * x + 2] = (uint8_t)(v * 3 / 4);
			} else {
				o[x] = v;
			}
		}
	}
	pixDestroy(&g);
	return 0;
}

#endif
