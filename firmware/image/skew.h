#ifndef FOLIO_IMAGE_SKEW_H
#define FOLIO_IMAGE_SKEW_H
/*
 * The skew of a page's text lines, measured as Leptonica's pixFindSkewSweepAndSearch() measures
 * it, at a fraction of its cost. Internal to firmware/image.
 *
 * Leptonica shears the page (about its top left corner, in vertical bands) at each angle it
 * tries and scores the angle by the squared differences of the sheared image's row counts:
 * text lines lying level give the sharpest profile. Those row counts are sums of the page's
 * own row counts over each band, moved down by the band's shift; skew_find() adds them up
 * from prefix counts of each row, without making an image per angle. Same bands, same
 * arithmetic, same angle and confidence (test_image_skew compares them).
 */
#include <leptonica/allheaders.h>

/*
 * skew_find - skew angle of a 1 bpp page, and the confidence in it
 * @pix: 1 bpp page
 * @redsweep, @redsearch: reductions for the coarse sweep and the binary search (1, 2, 4 or 8,
 *  redsearch <= redsweep), as Leptonica's
 * @range: the sweep covers -range .. +range degrees (at most 45), every @delta degrees; the
 *  binary search stops below @min_delta degrees
 * @ret_angle: degrees, as pixFindSkewSweepAndSearch() (0 when the best sweep angle is at
 *  either end of the range)
 * @ret_conf: the best score over the lowest one of the search (0 when not to be trusted)
 * Returns 0, -EINVAL, -ENOMEM, or -ENODATA when the page has no black pixel.
 */
int skew_find(PIX *pix, int redsweep, int redsearch, float range, float delta, float min_delta,
	      float *ret_angle, float *ret_conf);

#endif
