#ifndef FOLIO_INDEX_COVERFIND_H
#define FOLIO_INDEX_COVERFIND_H

/*
 * Finding our cover sheet on a page cheaply, before any barcode is decoded.
 *
 * The sheet `folio coversheet` prints (firmware/index/coversheet.c) has a layout no content
 * page has: a Code 128 strip about 23 mm wide running down the left edge for nearly the whole
 * length of the page, bars across it; a QR Code about 92 mm square in the middle of the lower
 * half; the fields in 22-30 pt bold type above it. A page is reduced to a map of cells about
 * 2 mm square (mean ink of a sample of their pixels, one pass over a quarter of the page's
 * pixels), and the map is searched for that layout, upright or turned 180 degrees, skewed by
 * up to about 6 degrees. Blur keeps a strip's mean ink, so a sheet whose codes cannot be
 * decoded still shows its layout.
 *
 * What is found says where to decode (the strip and the QR zone, in frame pixels) and whether
 * the page looks enough like a cover sheet to be searched whole when those zones give nothing.
 */

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

/* A rectangle of frame pixels, x0/y0 included, x1/y1 excluded. */
struct coverfind_box {
	uint32_t x0, y0, x1, y1;
};

struct coverfind {
	bool strip;	     /* a Code 128 strip along a long edge, as our sheet prints it */
	bool upside_down;    /* the strip is on the right: the sheet was fed turned 180 degrees */
	bool qr_block;	     /* a QR-sized block of dense marks where our sheet prints its QR */
	bool large_text;     /* lines of large type where our sheet prints its fields */
	uint32_t strip_rows; /* cell rows that show the strip (diagnostics) */
	uint32_t text_lines; /* large lines counted (diagnostics) */
	struct coverfind_box strip_box; /* where to decode the Code 128 (when strip) */
	struct coverfind_box qr_box;	/* where our sheet prints its QR (when strip) */
};

/*
 * coverfind_look - searches @f for the layout of our cover sheet
 * @f: a raw frame (depth 1 or 8, 1 or 3 channels, as struct frame allows); its dpi is used
 *	when set (else the page is taken as 210 mm wide)
 * @ret: what was found; written only on success
 *
 * Reads about a quarter of the frame's pixels once. Returns 0, -EINVAL for a malformed frame
 * or one too small to hold a sheet (under 2 x 2 cm), -ENOMEM. Thread-safe, no logging.
 */
int coverfind_look(const struct frame *f, struct coverfind *ret);

/*
 * coverfind_is_cover - whether what was found is our cover sheet's layout: the strip with
 * either the QR block or the large type, or (a sheet torn along its edge) both of those
 */
bool coverfind_is_cover(const struct coverfind *c);

#endif
