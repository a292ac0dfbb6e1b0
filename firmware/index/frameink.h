#ifndef FOLIO_INDEX_FRAMEINK_H
#define FOLIO_INDEX_FRAMEINK_H

/*
 * Ink on a raw frame, for the searches that read pages before the image stage (the cover
 * sheet's layout, patch codes, the zones given to zbar): whether a frame's fields are
 * consistent, and how dark one pixel is. Inline: the searches call frameink_at() for every
 * pixel they read.
 */

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

/* frameink_valid - whether @f can be read: data, a size, depth 1 or 8, 1 or 3 channels (1-bit
 * grey only), rows long enough. Its dpi may be 0 (unknown). */
static inline bool frameink_valid(const struct frame *f)
{
	return f && f->data && f->width && f->height && (f->depth == 1 || f->depth == 8) &&
	       (f->channels == 1 || f->channels == 3) && !(f->depth == 1 && f->channels != 1) &&
	       f->bytes_per_line >= ((uint64_t)f->width * f->depth * f->channels + 7) / 8;
}

/* frameink_at - darkness (0 white .. 255 black) of pixel @x of @row, a row of valid @f; of a
 * colour pixel its green, close enough to luma for ink */
static inline unsigned frameink_at(const struct frame *f, const uint8_t *row, uint32_t x)
{
	if (f->depth == 1)
		return (row[x >> 3] & (0x80 >> (x & 7))) ? 255 : 0;
	if (f->channels == 3)
		return 255u - row[3 * (size_t)x + 1];
	return 255u - row[x];
}

#endif
