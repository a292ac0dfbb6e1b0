#ifndef FOLIO_IMAGE_ENCODE_H
#define FOLIO_IMAGE_ENCODE_H

/*
 * Page encoders: a frame (firmware/include/frame.h) to the bytes of one image file in memory.
 *
 * Bitonal pages become CCITT Group 4 TIFF (libtiff), grey and colour pages baseline JPEG
 * (libjpeg-turbo). Both carry the page resolution. Nothing is written to disk and nothing is
 * printed: library diagnostics go to log_debug().
 */

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* Encoded page: a heap buffer the caller frees with free(). */
struct encoded_image {
	uint8_t *data;
	size_t size;
	const char *format;    /* "TIFF" or "JPEG" (static string) */
	const char *mime;      /* "image/tiff" or "image/jpeg" */
	const char *extension; /* "tif" or "jpg" */
	uint32_t width, height, dpi, bit_depth, channels;
};

/*
 * image_encode_g4 - CCITT Group 4 TIFF in memory
 * @f: depth 1, one channel (1 = black, as SANE delivers lineart); a depth-8 one-channel frame
 *     is thresholded at 50% only as a fallback (the pipeline binarises adaptively first)
 * @software: value of the Software tag, or NULL for none
 * @ret: filled on success; the caller owns ret->data (free() or encoded_image_release())
 *
 * One page, strips of about 256 KiB of raw data, PhotometricInterpretation MinIsWhite,
 * ResolutionUnit inch, X/YResolution = f->dpi, DateTime = now.
 *
 * Returns 0, -EINVAL for a frame that does not fit (depth, channels, zero size, short
 * bytes_per_line, no data, no dpi), -FOLIO_ETOOBIG above CONFIG_IMAGE_MAX_PIXELS_M megapixels,
 * -ENOMEM, or -FOLIO_EFORMAT when libtiff fails. Thread-safe.
 */
int image_encode_g4(const struct frame *f, const char *software, struct encoded_image *ret);

/*
 * image_encode_jpeg - baseline JPEG in memory
 * @f: depth 8 with 1 channel (grey) or 3 channels (RGB)
 * @quality: 1..100
 * @ret: filled on success; the caller owns ret->data
 *
 * JFIF density unit is dots per inch, density = f->dpi.
 *
 * Returns 0, -EINVAL for a frame that does not fit or a quality outside 1..100,
 * -FOLIO_ETOOBIG above CONFIG_IMAGE_MAX_PIXELS_M megapixels, -ENOMEM, or -FOLIO_EFORMAT when
 * libjpeg fails. Thread-safe.
 */
int image_encode_jpeg(const struct frame *f, int quality, struct encoded_image *ret);

/*
 * image_encode_jpeg_words - image_encode_jpeg() of a grey frame whose rows are 32-bit host
 * words holding 4 pixels, the first in the high byte (an 8 bpp Leptonica image's data, as it
 * is: no pass swapping it to scan order first)
 * @f: depth 8, 1 channel, bytes_per_line a multiple of 4, data aligned for 32-bit words
 * Returns as image_encode_jpeg().
 */
int image_encode_jpeg_words(const struct frame *f, int quality, struct encoded_image *ret);

/*
 * Row @y (0, 1, ... in order) of an image in scan order: a pointer to its bytes, which may
 * be @row, a buffer of max(bytes_per_line, width * channels) bytes to fill.
 */
typedef const uint8_t *(*image_row_fn)(void *ctx, uint32_t y, uint8_t *row);

/*
 * image_encode_jpeg_rows - image_encode_jpeg() of an image made a row at a time
 * @f: the image's size, channels, depth (8) and dpi, checked as image_encode_jpeg() checks
 *  them; its data is not read
 * @row: called once a row, in order, with @ctx
 * Returns as image_encode_jpeg().
 */
int image_encode_jpeg_rows(const struct frame *f, int quality, image_row_fn row, void *ctx,
			   struct encoded_image *ret);

/*
 * image_tiff_multipage - one multi-page TIFF of a document from its G4 and JPEG pages
 * @pages: pages made by image_encode_g4() (or any single-page bitonal CCITT TIFF) or, with
 *         format "JPEG", by image_encode_jpeg() (width, height, channels and dpi filled), in order
 * @n: 1..IMAGE_TIFF_MAX_PAGES
 * @software: Software tag of every page, or NULL to keep each page's own
 * @ret: filled on success (width, height and dpi are the first page's); caller owns ret->data
 *
 * The compressed strips are copied as they are, without decoding: every G4 page of the result
 * is bit for bit the single-page image's strips. A JPEG page becomes a JPEG-in-TIFF directory
 * (Compression 7, YCbCr or MinIsBlack) whose one strip is the whole JPEG file, byte for byte.
 * Each directory gets SubfileType page and PageNumber (index, n).
 *
 * Returns 0, -EINVAL (no pages, too many, a page that is not a bitonal CCITT TIFF or a JPEG),
 * -ENOMEM, or -FOLIO_EFORMAT when libtiff fails.
 */
#define IMAGE_TIFF_MAX_PAGES 10000
int image_tiff_multipage(const struct encoded_image *pages, size_t n, const char *software,
			 struct encoded_image *ret);

/* Frees img->data and clears *img. Takes NULL and an already released image. */
void encoded_image_release(struct encoded_image *img);

/*
 * image_frame_check - bounds a frame before any pixel is touched
 * Returns 0, -EINVAL when the fields are inconsistent (zero size, depth not 1 or 8, channels
 * not 1 or 3, 1-bit colour, bytes_per_line too short, no data, dpi 0 or above 10000), or
 * -FOLIO_ETOOBIG above CONFIG_IMAGE_MAX_PIXELS_M megapixels.
 */
int image_frame_check(const struct frame *f);

#endif
