#ifndef FOLIO_IMAGE_CLEAN_H
#define FOLIO_IMAGE_CLEAN_H

/*
 * Page cleanup on Leptonica images: dark scanner borders and punch holes, specks, and the
 * blank-page measure. Internal to firmware/image.
 */

#include <leptonica/allheaders.h>
#include <stdbool.h>
#include <stdint.h>

struct border_result {
	PIX *mask;	       /* 1 bpp at the reduced scale, 1 = scanner background; owned */
	double border_percent; /* share of the page that was scanner background */
	unsigned holes;	       /* punch holes found */
};

/*
 * clean_find_borders - dark regions joined to the image edge, and punch holes near it
 * @reduced: 8 bpp page reduced by @scale (one pixel per @scale x @scale block)
 * @paper: paper grey level; darker than half of it, joined to the edge, at least 1 mm wide
 *         and flat (a photograph or a drawing running off the sheet is neither), counts
 *         as scanner background
 * @px_per_mm: resolution of @reduced
 * @ret: filled on success; ret->mask is NULL when nothing was found
 * Returns 0, -EINVAL or -ENOMEM.
 */
int clean_find_borders(PIX *reduced, unsigned paper, double px_per_mm, struct border_result *ret);

/*
 * clean_despeckle - removes black components no larger than @size x @size pixels
 * Returns a new image in *ret and the number of pixels removed in *ret_removed.
 */
int clean_despeckle(PIX *bin, unsigned size, PIX **ret, uint32_t *ret_removed);

/*
 * clean_blank_score - content coverage of a cleaned 1 bpp page, in percent of its area
 * @bin: 1 bpp, 1 = black, upright
 * @dpi: its resolution
 * Counts ink in marks at least 1.5 mm tall or wide, away from a 5 mm band along the edges,
 * on a 4x reduction: paper grain, dust and edge shadows score 0, a short line of text or a
 * signature around 0.1. Returns the score, or -1 on failure.
 */
double clean_blank_score(PIX *bin, unsigned dpi);

#endif
