/*
 * Previews and quarter turns of stored pages (preview.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "compiler.h"
#include "errors.h"
#include "kconfig.h"
#include "firmware/image/pix.h"
#include "firmware/image/preview.h"

/* Decodes a stored page after checking its header against the pixel bound. */
static int decode(const void *data, size_t len, PIX **ret, int *ret_format)
{
	l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
	PIX *pix;

	if (!data || len == 0)
		return -FOLIO_EFORMAT;
	setMsgSeverity(L_SEVERITY_NONE); /* our callers say what went wrong */
	if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &iscmap) != 0 ||
	    (format != IFF_TIFF_G4 && format != IFF_JFIF_JPEG) || w <= 0 || h <= 0)
		return -FOLIO_EFORMAT;
	if ((uint64_t)w * (uint64_t)h > (uint64_t)CONFIG_IMAGE_MAX_PIXELS_M * 1000000u)
		return -FOLIO_ETOOBIG;
	pix = pixReadMem(data, len);
	if (!pix)
		return -FOLIO_EFORMAT;
	*ret = pix;
	*ret_format = format;
	return 0;
}

int image_preview_png(const void *data, size_t len, unsigned width, uint8_t **ret, size_t *ret_len)
{
	PIX *pix = NULL, *scaled = NULL;
	l_uint8 *png = NULL;
	size_t png_len = 0;
	float factor;
	int format, r;

	if (width < 16 || width > IMAGE_PREVIEW_MAX_WIDTH)
		return -EINVAL;
	r = decode(data, len, &pix, &format);
	if (r < 0)
		return r;
	factor = (float)width / (float)pixGetWidth(pix);
	if (factor >= 1.0f)
		scaled = pixGetDepth(pix) == 1 ? pixConvert1To8(NULL, pix, 255, 0) : pixClone(pix);
	else if (pixGetDepth(pix) == 1)
		scaled = pixScaleToGray(pix, factor);
	else
		scaled = pixScale(pix, factor, factor);
	pixDestroy(&pix);
	if (!scaled)
		return -ENOMEM;
	r = pixWriteMem(&png, &png_len, scaled, IFF_PNG) == 0 ? 0 : -ENOMEM;
	pixDestroy(&scaled);
	if (r < 0)
		return r;
	*ret = png;
	*ret_len = png_len;
	return 0;
}

int image_rotate_encoded(const void *data, size_t len, int degrees, int quality,
			 struct encoded_image *ret)
{
	PIX *pix = NULL, *turned;
	struct frame f;
	int format, dpi, r;

	if (degrees != 90 && degrees != 180 && degrees != 270)
		return -EINVAL;
	r = decode(data, len, &pix, &format);
	if (r < 0)
		return r;
	dpi = pixGetXRes(pix) > 0 ? pixGetXRes(pix) : 300;
	turned = pixRotateOrth(pix, degrees / 90);
	pixDestroy(&pix);
	if (!turned)
		return -ENOMEM;
	if (pixGetDepth(turned) == 32) {
		r = image_encode_colour(turned, (unsigned)dpi, quality, ret);
	} else if (pixGetDepth(turned) == 1 || pixGetDepth(turned) == 8) {
		f = image_pix_as_frame(turned, (unsigned)dpi);
		r = pixGetDepth(turned) == 1 ? image_encode_g4(&f, "Folio", ret)
					     : image_encode_jpeg(&f, quality, ret);
	} else {
		r = -FOLIO_EFORMAT;
	}
	pixDestroy(&turned);
	return r;
}
