#ifndef FOLIO_IMAGE_SAUVOLA_H
#define FOLIO_IMAGE_SAUVOLA_H

/*
 * Adaptive binarisation (Sauvola) computed on 4x4 blocks, and the page statistics that fall
 * out of the same pass. Internal to firmware/image.
 *
 * Sauvola's threshold t = m * (1 + k * (s / 128 - 1)), with m and s the mean and standard
 * deviation of a window around the pixel. Here the window statistics are exact sums over
 * whole 4x4 blocks (the window steps by 4 pixels instead of 1), which gives the same result on
 * text as a per-pixel window at a tenth of the cost, and a 4x-reduced mean image for free.
 */

#include <leptonica/allheaders.h>
#include <stdbool.h>
#include <stdint.h>

#define SAUVOLA_BLOCK 4

struct page_stats {
	PIX *reduced;	    /* 8 bpp, one mean value per 4x4 block; owned, pixDestroy() */
	uint32_t hist[256]; /* full-resolution grey histogram */
	uint64_t pixels;
};

/*
 * sauvola_stats - one pass over an 8 bpp image: block sums, reduced mean image, histogram
 * @grey: 8 bpp
 * @ret: filled on success; release with page_stats_release()
 * @ret_sums: per-block sums and sums of squares (2 * blocks values), for sauvola_binarize();
 *            the caller frees it
 * Returns 0, -EINVAL or -ENOMEM.
 */
int sauvola_stats(PIX *grey, struct page_stats *ret, uint32_t **ret_sums);

struct sauvola_params {
	unsigned window; /* window side in pixels (rounded to blocks, at least 3 blocks) */
	double k;	 /* 0 < k < 1: Sauvola 0.2 .. 0.5, Wolf about 0.5 */
	/*
	 * false: Sauvola, t = m * (1 + k * (s / 128 - 1));
	 * true: Wolf and Jolion, t = m - k * (1 - s / smax) * (m - dark), with smax the largest
	 * window deviation on the page: faint ink on low-contrast paper keeps its strokes
	 */
	bool wolf;
	unsigned dark; /* Wolf: the darkest grey level of the page (a low percentile) */
};

/*
 * sauvola_binarize - 1 bpp image, 1 = black, of an 8 bpp image
 * @grey: the image sauvola_stats() measured
 * @sums: its block sums
 * @sp: window and formula (see struct sauvola_params)
 * @mask: optional 1 bpp block mask (the size of stats->reduced): masked blocks come out white
 * @ret: the new 1 bpp image
 * Returns 0, -EINVAL or -ENOMEM.
 */
int sauvola_binarize(PIX *grey, const uint32_t *sums, const struct sauvola_params *sp, PIX *mask,
		     PIX **ret);

/* Releases what sauvola_stats() allocated; takes NULL. */
void page_stats_release(struct page_stats *st);

/* Grey level below which the given fraction of pixels lies. */
unsigned page_stats_percentile(const struct page_stats *st, double fraction);

#endif
