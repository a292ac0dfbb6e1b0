#ifndef FOLIO_IMAGE_PIX_H
#define FOLIO_IMAGE_PIX_H

/*
 * Inside the image stage: Leptonica images to encoded pages. Not for the rest of Folio, which
 * does not see Leptonica's types.
 */

#include <leptonica/allheaders.h>

#include "frame.h"
#include "firmware/image/encode.h"

/*
 * image_pix_as_frame - a depth-1 or depth-8 image as an encoder frame, in place: the words
 * are swapped to scan byte order, so @pix is no longer fit for Leptonica afterwards
 */
struct frame image_pix_as_frame(PIX *pix, unsigned dpi);

/*
 * image_rgb_frame - a 32-bit RGB image as a packed 3-channel frame, copied
 * @ret: its data malloc()ed, the caller's to free()
 * Returns 0 or -ENOMEM.
 */
int image_rgb_frame(PIX *pix, unsigned dpi, struct frame *ret);

/* image_encode_colour - a 32-bit RGB image as JPEG of @quality; errors as image_encode_jpeg() */
int image_encode_colour(PIX *pix, unsigned dpi, int quality, struct encoded_image *ret);

/*
 * image_encode_grey_sheared - an 8 bpp image deskewed by two shears and encoded as JPEG of
 * @quality: the bytes pixHShearIP(pix, h / 2, radang, L_BRING_IN_WHITE), then pixVShearIP(pix,
 * w / 2, radang, L_BRING_IN_WHITE), then image_encode_jpeg_words() give, with @pix left as it
 * is. The shears are done as the encoder takes each row, not over the whole image twice.
 * Returns as image_encode_jpeg(), -EINVAL for an image not 8 bpp or with a colormap.
 */
int image_encode_grey_sheared(PIX *pix, float radang, unsigned dpi, int quality,
			      struct encoded_image *ret);

#endif
