#ifndef FOLIO_FRAME_H
#define FOLIO_FRAME_H

/*
 * A raw page image as it leaves the scanner: what capture hands to the image stage.
 *
 * Samples follow SANE's conventions: rows top to bottom, no padding beyond bytes_per_line;
 * depth 1 is packed 8 pixels per byte, most significant bit first, with 1 meaning black;
 * depth 8 is one byte per sample, 0 black; channels 3 is interleaved R, G, B.
 */

#include <stddef.h>
#include <stdint.h>

struct frame {
	uint32_t width;		 /* pixels per line */
	uint32_t height;	 /* lines */
	uint32_t depth;		 /* bits per sample: 1 or 8 */
	uint32_t channels;	 /* 1 (lineart, grey) or 3 (RGB) */
	uint32_t bytes_per_line; /* >= ceil(width * depth * channels / 8) */
	uint32_t dpi;		 /* resolution, same in x and y */
	uint8_t *data; /* height * bytes_per_line bytes, owned by whoever owns the frame */
};

#endif
