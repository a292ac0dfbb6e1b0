#ifndef FOLIO_IMAGE_PREVIEW_H
#define FOLIO_IMAGE_PREVIEW_H

/*
 * Stored pages for the clerk's screen: previews a browser can show, and quarter turns.
 *
 * Both take an encoded page as the store keeps it (G4 TIFF or JPEG) and decode it with
 * Leptonica. Decoding is bounded by CONFIG_IMAGE_MAX_PIXELS_M megapixels.
 */

#include <stddef.h>
#include <stdint.h>

#include "firmware/image/encode.h"

#define IMAGE_PREVIEW_MAX_WIDTH 4000

/*
 * image_preview_png - a PNG of the page scaled to @width pixels (never enlarged)
 * @ret, @ret_len: the PNG in a heap buffer the caller frees
 *
 * Bitonal pages are scaled to grey, so text stays legible in thumbnails. Returns 0, -EINVAL
 * for @width outside 16..IMAGE_PREVIEW_MAX_WIDTH, -FOLIO_EFORMAT for bytes that are no
 * page image, -FOLIO_ETOOBIG, or -ENOMEM.
 */
int image_preview_png(const void *data, size_t len, unsigned width, uint8_t **ret, size_t *ret_len);

/*
 * image_rotate_encoded - the page turned clockwise by @degrees (90, 180 or 270), encoded as
 * it was (G4 TIFF stays G4 TIFF at the same resolution; JPEG is encoded again at @quality)
 *
 * Returns 0, -EINVAL for another angle, -FOLIO_EFORMAT, -FOLIO_ETOOBIG or -ENOMEM.
 */
int image_rotate_encoded(const void *data, size_t len, int degrees, int quality,
			 struct encoded_image *ret);

#endif
