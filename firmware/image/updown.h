#ifndef FOLIO_IMAGE_UPDOWN_H
#define FOLIO_IMAGE_UPDOWN_H
/*
 * Whether a page's text stands up or down: Leptonica's pixUpDownDetect(), its hit-miss counts
 * made without an image per structuring element. Internal to firmware/image.
 *
 * Leptonica closes the page (lines of text become bars at the x-height), then finds the
 * ascenders and the descenders with four hit-miss transforms, and counts the 4x4 blocks with
 * one: Latin text has more ascenders than descenders. Each transform is a rasterop over the
 * whole page per element of its pattern (16 of them), the results ORed and reduced. Here each
 * output word is tested element by element and given up at the first element that fails,
 * which on paper and inside the bars is the first or second; the closing is done on rows of
 * words (a brick 8 tall as 8 rows ORed then ANDed, one 30 wide as shifts of 1, 2, 4, 8, 16).
 * Same closing, same counts, same confidence (test_image_updown compares them).
 */
#include <leptonica/allheaders.h>

/*
 * updown_detect - pixUpDownDetect(bin, ret_conf, 0, 0, 0): confidence that the text of @bin
 *  stands up (positive) or down (negative), 0 when there are too few marks to tell
 * @bin: 1 bpp page, at about 150 dpi as Leptonica wants it
 * Returns 0, -EINVAL or -ENOMEM.
 */
int updown_detect(PIX *bin, float *ret_conf);

/*
 * updown_close - pixMorphCompSequence(bin, "c1.8 + c30.1", 0): @bin closed by a brick 8
 *  pixels tall, then by one 30 pixels wide, as though white surrounded it (Leptonica's safe
 *  closing), which makes a line of text a bar at its x-height
 * Returns a new image (pad bits clear), or NULL for no memory or an image not 1 bpp.
 */
PIX *updown_close(PIX *bin);

#endif
