#ifndef FOLIO_TESTS_UNIT_FRAMES_H
#define FOLIO_TESTS_UNIT_FRAMES_H

/*
 * One-channel frames made in memory for the OCR tests (test_ocr_engine, ocr_pool), as a
 * scanner of grey or lineart pages delivers them. Included after <cmocka.h>; all static
 * inline, so a test takes what it uses.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/*
 * A frame of one channel of @depth bits (1 or 8) over @data, which stays the caller's: rows
 * packed without padding, @width x @height pixels at @dpi.
 */
static inline struct frame packed_frame(uint32_t width, uint32_t height, uint32_t depth,
					uint32_t dpi, uint8_t *data)
{
	return (struct frame){
		.width = width,
		.height = height,
		.depth = depth,
		.channels = 1,
		.bytes_per_line = (width * depth + 7) / 8,
		.dpi = dpi,
		.data = data,
	};
}

/* A blank white sheet, 8-bit grey, of @width x @height pixels at @dpi; free its data. */
static inline struct frame white_page(uint32_t width, uint32_t height, uint32_t dpi)
{
	struct frame f = packed_frame(width, height, 8, dpi, malloc((size_t)width * height));

	assert_non_null(f.data);
	memset(f.data, 0xff, (size_t)width * height);
	return f;
}

#endif
