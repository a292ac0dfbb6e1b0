#ifndef FOLIO_IMAGE_BINARIZE_H
#define FOLIO_IMAGE_BINARIZE_H

/*
 * Page statistics on 4x4 blocks, and the binarisation that keeps faint and coloured ink.
 * Internal to firmware/image.
 *
 * Binarisation: the paper's own shading (yellowing, a shadow, uneven light) is divided out
 * first: the background is a grey closing of the block means (the paper without its ink,
 * about 4 mm), smoothed, the way Leptonica's pixBackgroundNormMorph() finds it. Then the page
 * is cut at one Otsu threshold between the flattened paper and its ink, whatever that ink's
 * contrast: violet-blue typescript, carbon copies and pencil keep their strokes, where a
 * Sauvola threshold (m * (1 - k) on plain paper) fell below them. The normalisation is never
 * made as an image: the threshold is scaled by each block's background instead, so the cut is
 * one comparison a pixel. Chosen on the degraded dev set by OCR error rate
 * (tests/bench/binarize.sh). A colour scan is binarised from the grey of its ink axis
 * (binarize_ink_axis()), not from its luminance.
 */

#include <leptonica/allheaders.h>
#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

#define BINARIZE_BLOCK 4
/* Grey level the paper is normalised to. */
#define BINARIZE_PAPER 200u
/* The threshold stays at least this far below the normalised paper: grain is not ink. */
#define BINARIZE_MIN_CONTRAST 24u
/*
 * A page with less than BINARIZE_INK_MIN_SHARE of its pixels BINARIZE_INK_SHARE_CONTRAST
 * below the normalised paper has no ink to split from it (an empty sheet's grain and dust):
 * it is cut BINARIZE_INK_CONTRAST below the paper instead of at its Otsu split.
 */
#define BINARIZE_INK_SHARE_CONTRAST 36u
#define BINARIZE_INK_CONTRAST 48u
#define BINARIZE_INK_MIN_SHARE 0.002f
/* The darkest the paper's shading may be, as a share of the paper level. */
#define BINARIZE_MIN_BACKGROUND 0.6
/* The ink axis (binarize_ink_axis()): paper pixels are within this of the paper's grey level. */
#define BINARIZE_INK_AXIS_PAPER_BAND 16u
/* Fewer ink or paper pixels sampled than this: no colour to measure. */
#define BINARIZE_INK_AXIS_MIN_SAMPLES 1000u

struct page_stats {
	PIX *reduced;	    /* 8 bpp, one mean value per 4x4 block; owned, pixDestroy() */
	uint32_t hist[256]; /* full-resolution grey histogram */
	uint64_t pixels;
};

/*
 * page_stats_measure - one pass over an 8 bpp image: block means and histogram
 * @grey: 8 bpp
 * @ret: filled on success; release with page_stats_release()
 * Returns 0, -EINVAL or -ENOMEM.
 */
int page_stats_measure(PIX *grey, struct page_stats *ret);

/* Releases what page_stats_measure() allocated; takes NULL. */
void page_stats_release(struct page_stats *st);

/* Grey level below which the given fraction of pixels lies. */
unsigned page_stats_percentile(const struct page_stats *st, double fraction);

/* The paper's grey level: the histogram peak among the light levels (66..253). */
unsigned page_stats_paper(const struct page_stats *st);

/* Side of the background closing, in blocks, for a page at @dpi. */
unsigned binarize_background_size(unsigned dpi);
/*
 * binarize_background_map - the paper without its ink, one grey level per 4x4 block
 * @grey: 8 bpp page at @dpi
 * @ret: on success a new 8 bpp map (the page's size divided by 4, plus one), the caller's
 * A grey closing (binarize_background_size()) of the page sampled every 4th pixel: exactly
 * Leptonica's pixGetBackgroundGrayMapMorph(grey, NULL, 4, size), which it calls for a page
 * with black areas (blocks it must fill). Returns 0, -EINVAL, -ENOMEM, or -FOLIO_EFORMAT when
 * the page has no paper at all.
 */
int binarize_background_map(PIX *grey, unsigned dpi, PIX **ret);

/*
 * binarize_page - 1 bpp image, 1 = black, of an 8 bpp page
 * @grey: the page
 * @st: its statistics (page_stats_measure())
 * @dpi: its resolution (sizes the background closing)
 * @mask: optional 1 bpp block mask (the size of st->reduced): masked blocks come out white
 *        and do not count in the threshold
 * @ret: the new 1 bpp image
 * @ret_threshold: if not NULL, the threshold on the normalised page (paper = BINARIZE_PAPER)
 * Returns 0, -EINVAL or -ENOMEM.
 */
int binarize_page(PIX *grey, const struct page_stats *st, unsigned dpi, PIX *mask, PIX **ret,
		  unsigned *ret_threshold);

/*
 * binarize_threshold_row - one row of an 8 bpp page cut at a threshold per 4-pixel word:
 *  a pixel darker than its word's threshold @t[k] is black
 * @g: the row, Leptonica's words (@bw of them); @w: its pixels; @out: @owpl 1 bpp words,
 *  the bits past the last pixel white. SSE2 where the processor has it (32 pixels at once).
 */
void binarize_threshold_row(const uint32_t *g, const uint8_t *t, uint32_t bw, uint32_t w,
			    uint32_t *out, uint32_t owpl);

/*
 * binarize_frame_grey - an 8 bpp image of a frame
 * @f: 8-bit grey (copied) or RGB (weighed)
 * @w: red, green and blue weights in 1/256, summing to 256
 * @ret_stats: unless NULL, filled as page_stats_measure() of the image would fill it (in the
 *  same pass); release with page_stats_release()
 * Returns the image or NULL (no memory).
 */
PIX *binarize_frame_grey(const struct frame *f, const unsigned w[3], struct page_stats *ret_stats);

/*
 * binarize_ink_axis - the grey that keeps ink apart from paper on a colour scan
 *
 * Whatever the ink's colour: the projection of each pixel on the page's own paper-to-ink
 * colour difference, the weight of each channel its share of that difference. Of all greys
 * (weighted sums of the channels), this one gives the largest ink-to-paper difference for the
 * noise it carries (a matched filter, for scanner noise alike in the three channels);
 * luminance weighs blue at 0.11, so violet-blue typing, or black type on yellowed paper,
 * keeps less of its contrast in luminance. The ink is what a first binarisation made black,
 * the paper the rest within BINARIZE_INK_AXIS_PAPER_BAND of the paper's level, neither
 * counting the scanner background, on every other pixel of every other row.
 *
 * @f: the RGB frame (any other: false)
 * @grey: its 8 bpp grey, the size of @f
 * @bin: the binarisation of @grey (1 = ink)
 * @mask: optional 1 bpp block mask of the scanner background (blocks of BINARIZE_BLOCK)
 * @paper: the paper's level in @grey
 * @w: filled with the red, green and blue weights (1/256, summing to 256)
 * Returns true, or false when the page has too little ink or paper, or too little contrast
 * between them, to measure.
 */
bool binarize_ink_axis(const struct frame *f, PIX *grey, PIX *bin, PIX *mask, unsigned paper,
		       unsigned w[3]);

#endif
