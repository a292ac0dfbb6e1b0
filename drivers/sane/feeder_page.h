#ifndef FOLIO_FEEDER_PAGE_H
#define FOLIO_FEEDER_PAGE_H

/*
 * Turning a page image file into the raster a SANE frontend reads.
 *
 * A file is decoded once (Leptonica: PNG, TIFF, JPEG, PNM and the rest of what pixRead()
 * knows), rescaled from its own resolution (300 dpi when it has none) to the requested one,
 * the same factor for both axes when the file states one resolution (never stretched to the
 * paper), and cut to the scan area: the file's top-left corner is the sheet's, and whatever of
 * the area the picture does not cover is white paper, as a scanner pads or crops a sheet that
 * is not the paper size it was set to. With auto_size the area is the sheet itself: the frame
 * has the picture's own size and aspect at the requested resolution. The raster follows SANE's layout: rows top to
 * bottom, no padding; lineart is 1 bit per pixel, most significant bit first, 1 = black; grey
 * is 1 byte per pixel; colour is R, G, B bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

enum feeder_mode {
	FEEDER_MODE_LINEART,
	FEEDER_MODE_GRAY,
	FEEDER_MODE_COLOR,
};

struct feeder_request {
	enum feeder_mode mode;
	int dpi;	     /* output resolution */
	int threshold;	     /* lineart: grey levels below it are black (0..255) */
	int x, y;	     /* top-left of the scan area on the sheet, pixels at dpi */
	int width, height;   /* size of the scan area, pixels at dpi */
	uint64_t max_pixels; /* bound on the decoded picture and on the frame */
	bool auto_size;	     /* the area is the whole sheet, whatever its size */
	int max_width;	     /* auto_size: longest sheet the feeder takes, pixels at dpi */
	int max_height;
};

/*
 * feeder_page_layout - bytes per line and frame size of a request
 *
 * Returns 0, -EINVAL for an empty area, or -FOLIO_ETOOBIG when the frame has more than
 * max_pixels pixels.
 */
int feeder_page_layout(const struct feeder_request *req, size_t *ret_bytes_per_line,
		       size_t *ret_size);

/*
 * feeder_page_render - decode path and render it for req into a new buffer
 * @path: the page file, or NULL for a blank sheet
 * @req: what to render; with auto_size and a file, x, y, width and height are set to the
 *       sheet's (its picture at req->dpi, at most max_width x max_height)
 *
 * On success *ret_data (malloc'd, owned by the caller) holds *ret_size bytes, the whole frame.
 * Returns 0 or: -ENOENT/-EACCES/... when the file cannot be read, -FOLIO_EFORMAT when it cannot
 * be decoded, -FOLIO_ETOOBIG when the picture or the frame is larger than max_pixels, -EINVAL
 * for an empty area, -ENOMEM. Thread-safe (apart from Leptonica's message level, see the .c).
 */
int feeder_page_render(const char *path, struct feeder_request *req, uint8_t **ret_data,
		       size_t *ret_size);

#pragma GCC visibility pop

#endif
