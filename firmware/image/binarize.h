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
 * (tests/bench/binarize.sh).
 */

#include <leptonica/allheaders.h>
#include <stdint.h>

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

#endif
