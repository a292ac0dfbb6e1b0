/*
 * Page statistics and binarisation on 4x4 blocks.
 *
 * Leptonica stores 8 bpp rows as 32-bit words holding 4 pixels, the leftmost in the most
 * significant byte, so one word of a row is exactly one row of a 4x4 block: the statistics
 * pass and the thresholding pass work a word at a time.
 */
#include <errno.h>
#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/image/binarize.h"

#define B BINARIZE_BLOCK

void page_stats_release(struct page_stats *st)
{
	if (!st)
		return;
	pixDestroy(&st->reduced);
	*st = (struct page_stats){ 0 };
}

unsigned page_stats_percentile(const struct page_stats *st, double fraction)
{
	uint64_t want = (uint64_t)(fraction * (double)st->pixels), seen = 0;
	unsigned v;

	for (v = 0; v < 256; v++) {
		seen += st->hist[v];
		if (seen > want)
			return v;
	}
	return 255;
}

unsigned page_stats_paper(const struct page_stats *st)
{
	uint64_t best = 0;
	unsigned v, level = 255;

	for (v = 66; v < 254; v++) {
		uint64_t s = 0;
		int d;

		for (d = -2; d <= 2; d++)
			s += st->hist[(int)v + d];
		if (s >= best) {
			best = s;
			level = v;
		}
	}
	return level;
}

/* Block sums and histograms, gathered a row of words at a time. */
struct stats_pass {
	uint32_t w, h, bw, bh, full;
	uint32_t *sums;
	uint64_t hist[4][256]; /* a histogram per byte: no increment waits for the one before */
	uint64_t tail[256];    /* pixels of a last, partial word */
};

static int stats_begin(struct stats_pass *sp, uint32_t w, uint32_t h)
{
	*sp = (struct stats_pass){
		.w = w, .h = h, .bw = (w + B - 1) / B, .bh = (h + B - 1) / B, .full = w / B
	};
	sp->sums = calloc((size_t)sp->bw * sp->bh, sizeof(*sp->sums));
	return sp->sums ? 0 : -ENOMEM;
}

/* Row @y, as Leptonica's 8 bpp words. */
static void stats_row(struct stats_pass *sp, const uint32_t *line, uint32_t y)
{
	uint32_t *rs = sp->sums + (size_t)(y / B) * sp->bw, x;

	for (x = 0; x < sp->full; x++) {
		uint32_t word = line[x];
		uint32_t pairs = (word & 0x00ff00ffu) + ((word >> 8) & 0x00ff00ffu);

		rs[x] += (pairs & 0xffff) + (pairs >> 16);
		sp->hist[0][word >> 24]++;
		sp->hist[1][(word >> 16) & 0xff]++;
		sp->hist[2][(word >> 8) & 0xff]++;
		sp->hist[3][word & 0xff]++;
	}
	for (x = sp->full * B; x < sp->w; x++) {
		uint32_t v = GET_DATA_BYTE(line, x);

		rs[sp->full] += v;
		sp->tail[v]++;
	}
}

static int stats_end(struct stats_pass *sp, struct page_stats *ret)
{
	struct page_stats st = { .pixels = (uint64_t)sp->w * sp->h };
	uint32_t x, y;

	for (x = 0; x < 256; x++)
		st.hist[x] = (uint32_t)(sp->hist[0][x] + sp->hist[1][x] + sp->hist[2][x] +
					sp->hist[3][x] + sp->tail[x]);
	st.reduced = pixCreate((l_int32)sp->bw, (l_int32)sp->bh, 8);
	if (!st.reduced) {
		free(sp->sums);
		return -ENOMEM;
	}
	for (y = 0; y < sp->bh; y++) {
		l_uint32 *rline = pixGetData(st.reduced) + (size_t)y * pixGetWpl(st.reduced);
		uint32_t rows = MIN(sp->h - y * B, (uint32_t)B);

		for (x = 0; x < sp->bw; x++) {
			uint32_t n = rows * MIN(sp->w - x * B, (uint32_t)B);
			uint32_t sum = sp->sums[(size_t)y * sp->bw + x];

			SET_DATA_BYTE(rline, x, (sum + n / 2) / n);
		}
	}
	free(sp->sums);
	*ret = st;
	return 0;
}

int page_stats_measure(PIX *grey, struct page_stats *ret)
{
	struct stats_pass *sp;
	uint32_t y, wpl;
	int r;

	if (!grey || pixGetDepth(grey) != 8)
		return -EINVAL;
	sp = malloc(sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	r = stats_begin(sp, (uint32_t)pixGetWidth(grey), (uint32_t)pixGetHeight(grey));
	if (r == 0) {
		wpl = (uint32_t)pixGetWpl(grey);
		for (y = 0; y < sp->h; y++)
			stats_row(sp, pixGetData(grey) + (size_t)y * wpl, y);
		r = stats_end(sp, ret);
	}
	free(sp);
	return r;
}

/*
 * The pixels of a 4-pixel word darker than @th, as 4 bits, the leftmost pixel highest: the
 * four bytes compared at once (bit 7 of each byte of word - th, without borrows between the
 * bytes), then the four sign bits gathered by one multiplication.
 */
static inline uint32_t darker(uint32_t word, uint32_t th)
{
	const uint32_t high = 0x80808080u;
	uint32_t t = th * 0x01010101u;
	uint32_t low_ge = (word | high) - (t & ~high); /* bit 7: low 7 bits of word >= t's */
	uint32_t ge = (word & ~t) | (~(word ^ t) & low_ge);

	return (((~ge & high) >> 7) * 0x10204080u) >> 28;
}

#ifdef __SSE2__
/*
 * Eight words (32 pixels) darker than their thresholds @t[0..7], as one 1 bpp word. Each
 * threshold is spread over its word's four bytes, a byte is darker where the threshold minus
 * it (saturated) is not 0, and movemask gathers one bit a byte: per word, in memory order, a
 * nibble with the leftmost pixel (the word's high byte) highest, the words' nibbles lowest
 * first. Reversed nibble for nibble, that is the 1 bpp word.
 */
static inline uint32_t darker8(const uint32_t *g, const uint8_t *t)
{
	__m128i tt = _mm_loadl_epi64((const __m128i *)t), zero = _mm_setzero_si128();
	__m128i t2 = _mm_unpacklo_epi8(tt, tt);
	__m128i lo = _mm_loadu_si128((const __m128i *)g),
		hi = _mm_loadu_si128((const __m128i *)(g + 4));
	__m128i dlo = _mm_subs_epu8(_mm_unpacklo_epi16(t2, t2), lo);
	__m128i dhi = _mm_subs_epu8(_mm_unpackhi_epi16(t2, t2), hi);
	uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(dlo, zero)) |
		     (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(dhi, zero)) << 16;

	m = __builtin_bswap32(~m);
	return (m & 0x0f0f0f0fu) << 4 | (m >> 4 & 0x0f0f0f0fu);
}
#endif

void binarize_threshold_row(const uint32_t *g, const uint8_t *t, uint32_t bw, uint32_t w,
			    uint32_t *out, uint32_t owpl)
{
	uint32_t j = 0, kk;

#ifdef __SSE2__
	for (; j < owpl && (j + 1) * 8 <= bw; j++)
		out[j] = darker8(g + j * 8, t + j * 8);
#endif
	for (; j < owpl; j++) {
		uint32_t o = 0, n = MIN(8u, bw - MIN(bw, j * 8));

		for (kk = 0; kk < n; kk++)
			o |= darker(g[j * 8 + kk], t[j * 8 + kk]) << (28 - 4 * kk);
		out[j] = o;
	}
	/* Bits past the last pixel stay white. */
	if (w % 32)
		out[w / 32] &= ~(0xffffffffu >> (w % 32));
}

/* The grey closing that takes the ink off the paper: about 4 mm, on the block reduction. */
unsigned binarize_background_size(unsigned dpi)
{
	return (MAX(20u, dpi / 6) / B) | 1;
}

/*
 * The grey closing below works on plain byte images, @w bytes a row, and filters down the
 * columns only: a row filter is a column filter of the transposed image.
 */
static void transpose(const uint8_t *restrict in, uint8_t *restrict out, uint32_t w, uint32_t h)
{
	uint32_t x, y, x0, y0;

	/* In 32 x 32 tiles: both images stay in the cache. */
	for (y0 = 0; y0 < h; y0 += 32)
		for (x0 = 0; x0 < w; x0 += 32)
			for (y = y0; y < MIN(h, y0 + 32); y++)
				for (x = x0; x < MIN(w, x0 + 32); x++)
					out[(size_t)x * h + y] = in[(size_t)y * w + x];
}

static inline uint8_t extreme(uint8_t a, uint8_t b, bool max)
{
	return max ? MAX(a, b) : MIN(a, b);
}

/*
 * out[y] = the max (@max) or min of rows y - r .. y + r of @in clipped to [0, h), a whole row
 * of @w bytes at a time. van Herk / Gil-Werman: the window's extreme is that of a block suffix
 * and a block prefix, three comparisons a byte whatever the size. @g and @s hold
 * (h + 4 r + 1) rows each, @edge one row.
 */
static inline __attribute__((always_inline)) void
extreme_down(const uint8_t *in, uint8_t *restrict out, uint32_t w, uint32_t h, uint32_t r, bool max,
	     uint8_t *restrict g, uint8_t *restrict s, uint8_t *restrict edge)
{
	uint32_t k = 2 * r + 1, blocks = (h + 2 * r + k - 1) / k, b, y, x;

	/* Past the ends: the value that changes nothing, as Leptonica's added border. */
	memset(edge, max ? 0 : 255, w);
#define ROW(y) ((y) >= r && (y) < h + r ? in + (size_t)((y)-r) * w : edge)
	for (b = 0; b < blocks * k; b += k) {
		memcpy(g + (size_t)b * w, ROW(b), w);
		for (y = b + 1; y < b + k; y++) {
			const uint8_t *restrict v = ROW(y), *restrict p = g + (size_t)(y - 1) * w;
			uint8_t *restrict o = g + (size_t)y * w;

			for (x = 0; x < w; x++)
				o[x] = extreme(p[x], v[x], max);
		}
		memcpy(s + (size_t)(b + k - 1) * w, ROW(b + k - 1), w);
		for (y = b + k - 1; y-- > b;) {
			const uint8_t *restrict v = ROW(y), *restrict n = s + (size_t)(y + 1) * w;
			uint8_t *restrict o = s + (size_t)y * w;

			for (x = 0; x < w; x++)
				o[x] = extreme(n[x], v[x], max);
		}
	}
#undef ROW
	for (y = 0; y < h; y++) {
		const uint8_t *restrict a = s + (size_t)y * w, *restrict c =
								   g + (size_t)(y + 2 * r) * w;
		uint8_t *restrict o = out + (size_t)y * w;

		for (x = 0; x < w; x++)
			o[x] = extreme(a[x], c[x], max);
	}
}

static void max_down(const uint8_t *in, uint8_t *out, uint32_t w, uint32_t h, uint32_t r,
		     uint8_t *g, uint8_t *s, uint8_t *edge)
{
	extreme_down(in, out, w, h, r, true, g, s, edge);
}

static void min_down(const uint8_t *in, uint8_t *out, uint32_t w, uint32_t h, uint32_t r,
		     uint8_t *g, uint8_t *s, uint8_t *edge)
{
	extreme_down(in, out, w, h, r, false, g, s, edge);
}

/*
 * Grey closing of @pix by a @size x @size square (odd), the window clipped at the edges:
 * pixCloseGray()'s result, in a fraction of its time. Returns a new image, or NULL.
 */
static PIX *close_grey(PIX *pix, uint32_t size)
{
	uint32_t w = (uint32_t)pixGetWidth(pix), h = (uint32_t)pixGetHeight(pix), r = size / 2;
	uint32_t wpl = (uint32_t)pixGetWpl(pix), n = MAX(w, h) + 4 * r + 1, x, y;
	l_uint32 *data = pixGetData(pix);
	size_t area = (size_t)w * h;
	uint8_t *a = malloc(area), *t = malloc(area), *g = calloc(n, MAX(w, h));
	uint8_t *s = calloc(n, MAX(w, h)), *edge = malloc(MAX(w, h));
	PIX *out = NULL;

	if (!a || !t || !g || !s || !edge)
		goto out;
	/* Transposed: w rows of h. */
	for (y = 0; y < h; y++) {
		const l_uint32 *line = data + (size_t)y * wpl;

		for (x = 0; x < w; x++)
			a[(size_t)x * h + y] = (uint8_t)GET_DATA_BYTE(line, x);
	}
	/* Dilation along the rows, then down the columns; erosion the same. */
	max_down(a, t, h, w, r, g, s, edge);
	transpose(t, a, h, w);
	max_down(a, t, w, h, r, g, s, edge);
	transpose(t, a, w, h);
	min_down(a, t, h, w, r, g, s, edge);
	transpose(t, a, h, w);
	min_down(a, t, w, h, r, g, s, edge);
	out = pixCreate((l_int32)w, (l_int32)h, 8);
	if (!out)
		goto out;
	data = pixGetData(out);
	for (y = 0; y < h; y++) {
		l_uint32 *line = data + (size_t)y * wpl;

		for (x = 0; x < w; x++)
			SET_DATA_BYTE(line, x, t[(size_t)y * w + x]);
	}
out:
	free(a);
	free(t);
	free(g);
	free(s);
	free(edge);
	return out;
}

int binarize_background_map(PIX *grey, unsigned dpi, PIX **ret)
{
	uint32_t size = binarize_background_size(dpi), w, h, wpl, x, y;
	PIX *sampled, *closed, *map = NULL;

	if (!grey || pixGetDepth(grey) != 8 || pixGetColormap(grey) || dpi == 0 || !ret)
		return -EINVAL;
	/* Under a block: nothing to sample. */
	if (pixGetWidth(grey) < B || pixGetHeight(grey) < B)
		return -FOLIO_EFORMAT;
	sampled = pixScaleBySampling(grey, 1.0f / B, 1.0f / B);
	closed = sampled ? close_grey(sampled, size) : NULL;
	pixDestroy(&sampled);
	if (!closed)
		return -ENOMEM;
	/*
	 * A block black all round it (a black panel) is a hole Leptonica fills from the
	 * blocks around: its own map then. Otherwise its map is this closing, one block wider
	 * and taller by replication.
	 */
	w = (uint32_t)pixGetWidth(closed);
	h = (uint32_t)pixGetHeight(closed);
	wpl = (uint32_t)pixGetWpl(closed);
	for (y = 0; y < h; y++) {
		const l_uint32 *line = pixGetData(closed) + (size_t)y * wpl;

		for (x = 0; x < w; x++)
			if (GET_DATA_BYTE(line, x) == 0)
				goto leptonica;
	}
	map = pixExtendByReplication(closed, 1, 1);
	pixDestroy(&closed);
	if (!map)
		return -ENOMEM;
	*ret = map;
	return 0;
leptonica:
	pixDestroy(&closed);
	if (pixGetBackgroundGrayMapMorph(grey, NULL, B, (l_int32)size, &map) || !map)
		return -FOLIO_EFORMAT;
	*ret = map;
	return 0;
}

/* The histogram of the page divided by its background, on every other pixel and row. */
static NUMA *normalised_histogram(PIX *grey, PIX *bg, PIX *mask)
{
	uint32_t w = (uint32_t)pixGetWidth(grey), h = (uint32_t)pixGetHeight(grey), k, y;
	uint32_t gwpl = (uint32_t)pixGetWpl(grey), bwpl = (uint32_t)pixGetWpl(bg);
	uint64_t hist[2][256] = { { 0 } };
	uint32_t scale[256];
	NUMA *na;
	unsigned v;

	/* grey * BINARIZE_PAPER / background, in 16.16 fixed point per background level. */
	for (v = 0; v < 256; v++)
		scale[v] = (BINARIZE_PAPER << 16) / MAX(v, 1u);
	/*
	 * Every other pixel is pixels 0 and 2 of a word, and a word is a block's row: one
	 * background level and one mask bit for both.
	 */
	for (y = 0; y < h; y += 2) {
		const l_uint32 *g = pixGetData(grey) + (size_t)y * gwpl;
		const l_uint32 *b = pixGetData(bg) + (size_t)(y / B) * bwpl;
		const l_uint32 *m =
		    mask ? pixGetData(mask) + (size_t)(y / B) * pixGetWpl(mask) : NULL;

		for (k = 0; k * B < w; k++) {
			uint32_t word = g[k], sc, n;

			if (m && GET_DATA_BIT(m, k))
				continue;
			sc = scale[GET_DATA_BYTE(b, k)];
			n = ((word >> 24) * sc) >> 16;
			hist[0][MIN(n, 255u)]++;
			if (k * B + 2 < w) {
				n = (((word >> 8) & 0xff) * sc) >> 16;
				hist[1][MIN(n, 255u)]++;
			}
		}
	}
	na = numaCreate(256);
	if (!na)
		return NULL;
	for (v = 0; v < 256; v++)
		numaAddNumber(na, (l_float32)(hist[0][v] + hist[1][v]));
	return na;
}

/* One Otsu split of the normalised page, kept clear of paper grain. */
static unsigned page_threshold(NUMA *hist)
{
	l_int32 index = 0, n = numaGetCount(hist), i;
	l_float32 total = 0, dark = 0;
	unsigned split;

	for (i = 0; i < n; i++) {
		l_float32 v = 0;

		numaGetFValue(hist, i, &v);
		total += v;
		if (i < (l_int32)(BINARIZE_PAPER - BINARIZE_INK_SHARE_CONTRAST))
			dark += v;
	}
	/* Hardly anything well below the paper: grain and dust on an empty sheet, not ink. */
	if (dark < BINARIZE_INK_MIN_SHARE * total ||
	    numaSplitDistribution(hist, 0.0f, &index, NULL, NULL, NULL, NULL, NULL) || index < 0)
		return BINARIZE_PAPER - BINARIZE_INK_CONTRAST;
	/* Pixels at the split belong to the light side: black is below split + 1. */
	split = MIN((unsigned)index + 1, BINARIZE_PAPER - BINARIZE_MIN_CONTRAST);
	return split;
}

int binarize_page(PIX *grey, const struct page_stats *st, unsigned dpi, PIX *mask, PIX **ret,
		  unsigned *ret_threshold)
{
	uint32_t w, h, bw, bh, gwpl, owpl, bx, by, y;
	l_int32 size = (l_int32)binarize_background_size(dpi);
	PIX *bg = NULL, *smooth = NULL, *out = NULL;
	NUMA *hist = NULL;
	uint8_t *thr = NULL;
	unsigned split, floor;
	int r = -ENOMEM;

	if (!grey || pixGetDepth(grey) != 8 || !st || !st->reduced || !ret || dpi == 0)
		return -EINVAL;
	w = (uint32_t)pixGetWidth(grey);
	h = (uint32_t)pixGetHeight(grey);
	bw = (w + B - 1) / B;
	bh = (h + B - 1) / B;
	if ((uint32_t)pixGetWidth(st->reduced) != bw || (uint32_t)pixGetHeight(st->reduced) != bh)
		return -EINVAL;
	if (mask && (pixGetDepth(mask) != 1 || (uint32_t)pixGetWidth(mask) != bw ||
		     (uint32_t)pixGetHeight(mask) != bh))
		return -EINVAL;

	/* The paper without the ink, one value per block. */
	if (binarize_background_map(grey, dpi, &bg) < 0) {
		/* No paper at all (a black sheet): the closing of the means. */
		bg = pixCloseGray(st->reduced, size, size);
	}
	if (!bg) {
		/* A page of a few pixels: its paper level everywhere. */
		bg = pixCreate((l_int32)bw, (l_int32)bh, 8);
		if (!bg)
			goto out;
		pixSetAllGray(bg, (l_int32)page_stats_paper(st));
	}
	/* Its size is the page's divided by 4, rounded down: pad to whole blocks. */
	smooth = pixCreate((l_int32)bw, (l_int32)bh, 8);
	if (!smooth)
		goto out;
	pixRasterop(smooth, 0, 0, pixGetWidth(bg), pixGetHeight(bg), PIX_SRC, bg, 0, 0);
	if (pixGetWidth(bg) < (l_int32)bw || pixGetHeight(bg) < (l_int32)bh) {
		PIX *ext = pixExtendByReplication(bg, (l_int32)bw - pixGetWidth(bg),
						  (l_int32)bh - pixGetHeight(bg));

		if (!ext)
			goto out;
		pixRasterop(smooth, 0, 0, (l_int32)bw, (l_int32)bh, PIX_SRC, ext, 0, 0);
		pixDestroy(&ext);
	}
	hist = normalised_histogram(grey, smooth, mask);
	if (!hist)
		goto out;
	split = page_threshold(hist);
	/*
	 * A large dark area (a photograph, a black panel) is no shading of the paper: where the
	 * background falls below BINARIZE_MIN_BACKGROUND of the paper, the cut is made as if it
	 * did not, so such an area stays dark instead of being normalised into paper.
	 */
	floor = (unsigned)(page_stats_paper(st) * BINARIZE_MIN_BACKGROUND);

	/* Black below split on the normalised page: below split * background / paper here. */
	out = pixCreate((l_int32)w, (l_int32)h, 1);
	thr = malloc(bw);
	if (!out || !thr)
		goto out;
	gwpl = (uint32_t)pixGetWpl(grey);
	owpl = (uint32_t)pixGetWpl(out);
	for (by = 0; by < bh; by++) {
		const l_uint32 *bline = pixGetData(smooth) + (size_t)by * pixGetWpl(smooth);
		const l_uint32 *mline =
		    mask ? pixGetData(mask) + (size_t)by * pixGetWpl(mask) : NULL;

		for (bx = 0; bx < bw; bx++) {
			uint32_t t =
			    (split * MAX(GET_DATA_BYTE(bline, bx), floor) + BINARIZE_PAPER - 1) /
			    BINARIZE_PAPER;

			thr[bx] = (uint8_t)MIN(t, 255u);
			if (mline && GET_DATA_BIT(mline, bx))
				thr[bx] = 0;
		}
		for (y = by * B; y < MIN(h, by * B + B); y++)
			binarize_threshold_row(pixGetData(grey) + (size_t)y * gwpl, thr, bw, w,
					       pixGetData(out) + (size_t)y * owpl, owpl);
	}
	*ret = out;
	out = NULL;
	if (ret_threshold)
		*ret_threshold = split;
	r = 0;
out:
	pixDestroy(&bg);
	pixDestroy(&smooth);
	pixDestroy(&out);
	numaDestroy(&hist);
	free(thr);
	return r;
}

/* Leptonica's word for 4 pixels in scan order: the first in the high byte, on any host. */
static inline l_uint32 pixel_word(const uint8_t *p)
{
	return (l_uint32)p[0] << 24 | (l_uint32)p[1] << 16 | (l_uint32)p[2] << 8 | p[3];
}

_clones_("avx2") PIX *binarize_frame_grey(const struct frame *f, const unsigned w[3],
					  struct page_stats *ret_stats)
{
	PIX *pix = pixCreateNoInit((l_int32)f->width, (l_int32)f->height, 8);
	uint32_t x, y, k, wpl, full = f->width / 4;
	uint8_t *row = NULL, tail[4];
	struct stats_pass *sp = NULL;

	if (!pix)
		return NULL;
	wpl = (uint32_t)pixGetWpl(pix);
	if (ret_stats) {
		sp = malloc(sizeof(*sp));
		if (!sp || stats_begin(sp, f->width, f->height) < 0)
			goto fail;
	}
	if (f->channels != 1) {
		row = malloc((size_t)wpl * 4);
		if (!row)
			goto fail;
		memset(row + f->width, 0xff, (size_t)wpl * 4 - f->width); /* pad pixels white */
	}
	for (y = 0; y < f->height; y++) {
		const uint8_t *src = f->data + (size_t)y * f->bytes_per_line;
		l_uint32 *line = pixGetData(pix) + (size_t)y * wpl;

		if (row) {
			for (x = 0; x < f->width; x++) {
				const uint8_t *p = src + 3 * x;

				row[x] = (uint8_t)((w[0] * p[0] + w[1] * p[1] + w[2] * p[2]) >> 8);
			}
			for (k = 0; k < wpl; k++)
				line[k] = pixel_word(row + 4 * k);
		} else {
			/* Straight into Leptonica's words, no copy swapped afterwards. */
			for (k = 0; k < full; k++)
				line[k] = pixel_word(src + 4 * k);
			for (k = full; k < wpl; k++) {
				for (x = 0; x < 4; x++) /* pad pixels white */
					tail[x] = 4 * k + x < f->width ? src[4 * k + x] : 0xff;
				line[k] = pixel_word(tail);
			}
		}
		/* The statistics while the row is in the cache: one pass over the page. */
		if (sp)
			stats_row(sp, line, y);
	}
	free(row);
	if (sp) {
		if (stats_end(sp, ret_stats) < 0) {
			free(sp);
			pixDestroy(&pix);
			return NULL;
		}
		free(sp);
	}
	return pix;
fail:
	if (sp)
		free(sp->sums);
	free(sp);
	free(row);
	pixDestroy(&pix);
	return NULL;
}

bool binarize_ink_axis(const struct frame *f, PIX *grey, PIX *bin, PIX *mask, unsigned paper,
		       unsigned w[3])
{
	uint64_t ink[3] = { 0 }, bg[3] = { 0 }, n_ink = 0, n_bg = 0;
	double d[3], sum = 0;
	uint32_t x, y;
	int c;

	if (f->channels != 3)
		return false;
	for (y = 0; y < f->height; y += 2) {
		const uint8_t *row = f->data + (size_t)y * f->bytes_per_line;
		const l_uint32 *g = pixGetData(grey) + (size_t)y * pixGetWpl(grey);
		const l_uint32 *b = pixGetData(bin) + (size_t)y * pixGetWpl(bin);
		const l_uint32 *m =
		    mask ? pixGetData(mask) + (size_t)(y / BINARIZE_BLOCK) * pixGetWpl(mask) : NULL;

		for (x = 0; x < f->width; x += 2) {
			const uint8_t *px = row + 3 * (size_t)x;

			if (m && GET_DATA_BIT(m, x / BINARIZE_BLOCK))
				continue;
			if (GET_DATA_BIT(b, x)) {
				for (c = 0; c < 3; c++)
					ink[c] += px[c];
				n_ink++;
			} else if (GET_DATA_BYTE(g, x) + BINARIZE_INK_AXIS_PAPER_BAND >= paper) {
				for (c = 0; c < 3; c++)
					bg[c] += px[c];
				n_bg++;
			}
		}
	}
	if (n_ink < BINARIZE_INK_AXIS_MIN_SAMPLES || n_bg < BINARIZE_INK_AXIS_MIN_SAMPLES)
		return false;
	for (c = 0; c < 3; c++) {
		d[c] = MAX(0.0, (double)bg[c] / (double)n_bg - (double)ink[c] / (double)n_ink);
		sum += d[c];
	}
	if (sum < 3 * BINARIZE_MIN_CONTRAST)
		return false;
	w[0] = (unsigned)lround(256 * d[0] / sum);
	w[1] = (unsigned)lround(256 * d[1] / sum);
	w[1] = MIN(w[1], 256 - w[0]);
	w[2] = 256 - w[0] - w[1];
	return true;
}
