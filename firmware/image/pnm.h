#ifndef FOLIO_IMAGE_PNM_H
#define FOLIO_IMAGE_PNM_H

/*
 * Unprocessed pages: the frame exactly as scanned, as binary PNM (PBM for 1 bit, PGM for
 * grey, PPM for colour). For benchmarks of the capture path and for offices that want the
 * raw scan; not an ST.96 image format, so such pages are not exported.
 */

#include "frame.h"
#include "firmware/image/encode.h"

/*
 * image_encode_pnm - wrap the frame's samples in a PNM header
 * @ret: format "PNM", extension "pnm"; the caller releases it with encoded_image_release()
 *
 * Returns 0, -EINVAL for a frame that does not fit, -ENOMEM.
 */
int image_encode_pnm(const struct frame *f, struct encoded_image *ret);

#endif
