/*
 * Block Sauvola binarisation and page statistics.
 *
 * Leptonica stores 8 bpp rows as 32-bit words holding 4 pixels, the leftmost in the most
 * significant byte, so one word of a row is exactly one row of a 4x4 block: both passes work
 * a word at a time.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "firmware/image/sauvola.h"

#define B SAUVOLA_BLOCK

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

int sauvola_stats(PIX *grey, struct page_stats *ret, uint32_t **ret_sums)
{
	uint32_t w, h, bw, bh, wpl, full, x, y, *sums, *data;
	struct page_stats st = { 0 };

	if (!grey || pixGetDepth(grey) != 8)
		return -EINVAL;
	w = (uint32_t)pixGetWidth(grey);
	h = (uint32_t)pixGetHeight(grey);
	wpl = (uint32_t)pixGetWpl(grey);
	data = pixGetData(grey);
	bw = (w + B - 1) / B;
	bh = (h + B - 1) / B;
	full = w / B;

	sums = calloc((size_t)bw * bh * 2, sizeof(*sums));
	if (!sums)
		return -ENOMEM;
	for (y = 0; y < h; y++) {
		const uint32_t *line = data + (size_t)y * wpl;
		uint32_t *rs = sums + (size_t)(y / B) * bw * 2;

		for (x = 0; x < full; x++) {
			uint32_t word = line[x];
			uint32_t a = word >> 24, b = (word >> 16) & 0xff, c = (word >> 8) & 0xff,
				 d = word & 0xff;

			rs[2 * x] += a + b + c + d;
			rs[2 * x + 1] += a * a + b * b + c * c + d * d;
			st.hist[a]++;
			st.hist[b]++;
			st.hist[c]++;
			st.hist[d]++;
		}
		for (x = full * B; x < w; x++) {
			uint32_t v = GET_DATA_BYTE(line, x);

			rs[2 * full] += v;
			rs[2 * full + 1] += v * v;
			st.hist[v]++;
		}
	}
	st.pixels = (uint64_t)w * h;

	st.reduced = pixCreate((l_int32)bw, (l_int32)bh, 8);
	if (!st.reduced) {
		free(sums);
		return -ENOMEM;
	}
	for (y = 0; y < bh; y++) {
		l_uint32 *rline = pixGetData(st.reduced) + (size_t)y * pixGetWpl(st.reduced);
		uint32_t rows = MIN(h - y * B, (uint32_t)B);

		for (x = 0; x < bw; x++) {
			uint32_t n = rows * MIN(w - x * B, (uint32_t)B);
			uint32_t s = sums[((size_t)y * bw + x) * 2];

			SET_DATA_BYTE(rline, x, (s + n / 2) / n);
		}
	}
	*ret = st;
	*ret_sums = sums;
	return 0;
}

/* Thresholds one row of 4-pixel words into 1 bpp words; t[k] applies to word k. */
static void threshold_line(const uint32_t *g, const uint8_t *t, uint32_t bw, uint32_t w,
			   uint32_t *out, uint32_t owpl)
{
	uint32_t j, kk;

	for (j = 0; j < owpl; j++) {
		uint32_t o = 0;

		for (kk = 0; kk < 8; kk++) {
			uint32_t k = j * 8 + kk, word, th, sh = 28 - 4 * kk;

			if (k >= bw)
				break;
			word = g[k];
			th = t[k];
			o |= (uint32_t)((word >> 24) < th) << (sh + 3) |
			     (uint32_t)(((word >> 16) & 0xff) < th) << (sh + 2) |
			     (uint32_t)(((word >> 8) & 0xff) < th) << (sh + 1) |
			     (uint32_t)((word & 0xff) < th) << sh;
		}
		out[j] = o;
	}
	/* Bits past the last pixel stay white. */
	if (w % 32)
		out[w / 32] &= ~(0xffffffffu >> (w % 32));
}

/*
 * Per block, the mean and standard deviation over the window of (2r+1) x (2r+1) blocks around
 * it, into ms[2 * block] and ms[2 * block + 1]. Returns the largest deviation.
 */
static float window_stats(const uint32_t *sums, uint32_t w, uint32_t h, uint32_t r, uint64_t *col,
			  float *ms)
{
	uint32_t bw = (w + B - 1) / B, bh = (h + B - 1) / B, bx, by;
	float smax = 0;

	/* col[] holds, per block column, the sums over block rows [by - r, by + r]. */
	for (by = 0; by <= r && by < bh; by++)
		for (bx = 0; bx < bw; bx++) {
			col[2 * bx] += sums[((size_t)by * bw + bx) * 2];
			col[2 * bx + 1] += sums[((size_t)by * bw + bx) * 2 + 1];
		}

	for (by = 0; by < bh; by++) {
		uint32_t y0 = by > r ? by - r : 0, y1 = MIN(by + r, bh - 1);
		uint32_t rows_px = MIN(h, (y1 + 1) * B) - y0 * B;
		uint64_t s1 = 0, s2 = 0;

		for (bx = 0; bx <= r && bx < bw; bx++) {
			s1 += col[2 * bx];
			s2 += col[2 * bx + 1];
		}
		for (bx = 0; bx < bw; bx++) {
			uint32_t x0 = bx > r ? bx - r : 0, x1 = MIN(bx + r, bw - 1);
			double n = (double)(MIN(w, (x1 + 1) * B) - x0 * B) * rows_px;
			double m = (double)s1 / n, var = (double)s2 / n - m * m;
			float sd = (float)sqrt(var > 0 ? var : 0);
			float *o = ms + 2 * ((size_t)by * bw + bx);

			o[0] = (float)m;
			o[1] = sd;
			smax = MAX(smax, sd);
			/* Slide the window one block column right. */
			if (bx + r + 1 < bw) {
				s1 += col[2 * (bx + r + 1)];
				s2 += col[2 * (bx + r + 1) + 1];
			}
			if (bx >= r) {
				s1 -= col[2 * (bx - r)];
				s2 -= col[2 * (bx - r) + 1];
			}
		}
		/* Slide the window one block row down. */
		if (by + r + 1 < bh)
			for (bx = 0; bx < bw; bx++) {
				col[2 * bx] += sums[((size_t)(by + r + 1) * bw + bx) * 2];
				col[2 * bx + 1] += sums[((size_t)(by + r + 1) * bw + bx) * 2 + 1];
			}
		if (by >= r)
			for (bx = 0; bx < bw; bx++) {
				col[2 * bx] -= sums[((size_t)(by - r) * bw + bx) * 2];
				col[2 * bx + 1] -= sums[((size_t)(by - r) * bw + bx) * 2 + 1];
			}
	}
	return smax;
}

int sauvola_binarize(PIX *grey, const uint32_t *sums, const struct sauvola_params *sp, PIX *mask,
		     PIX **ret)
{
	uint32_t w, h, bw, bh, gwpl, owpl, r, bx, by, y;
	uint64_t *col = NULL;
	uint8_t *thr = NULL;
	float *ms = NULL, smax;
	double k;
	PIX *out;

	if (!grey || pixGetDepth(grey) != 8 || !sums || !sp || !(sp->k > 0 && sp->k < 1) ||
	    sp->dark > 255)
		return -EINVAL;
	k = sp->k;
	w = (uint32_t)pixGetWidth(grey);
	h = (uint32_t)pixGetHeight(grey);
	bw = (w + B - 1) / B;
	bh = (h + B - 1) / B;
	if (mask && (pixGetDepth(mask) != 1 || (uint32_t)pixGetWidth(mask) != bw ||
		     (uint32_t)pixGetHeight(mask) != bh))
		return -EINVAL;
	r = MAX(1u, (sp->window / B) / 2);

	out = pixCreate((l_int32)w, (l_int32)h, 1);
	col = calloc((size_t)bw * 2, sizeof(*col));
	ms = malloc((size_t)bw * bh * 2 * sizeof(*ms));
	thr = malloc(bw);
	if (!out || !col || !thr || !ms) {
		pixDestroy(&out);
		free(col);
		free(ms);
		free(thr);
		return -ENOMEM;
	}
	gwpl = (uint32_t)pixGetWpl(grey);
	owpl = (uint32_t)pixGetWpl(out);
	smax = window_stats(sums, w, h, r, col, ms);
	if (smax < 1)
		smax = 1;

	for (by = 0; by < bh; by++) {
		const l_uint32 *mline =
		    mask ? pixGetData(mask) + (size_t)by * pixGetWpl(mask) : NULL;

		for (bx = 0; bx < bw; bx++) {
			const float *o = ms + 2 * ((size_t)by * bw + bx);
			double m = o[0], sd = o[1], t;

			if (sp->wolf)
				/* Wolf and Jolion: contrast relative to the page's, not to 128. */
				t = m - k * (1.0 - sd / smax) * (m - sp->dark);
			else
				t = m * (1.0 + k * (sd / 128.0 - 1.0));
			thr[bx] = (uint8_t)(t <= 0 ? 0 : t >= 255 ? 255 : lrint(t));
			if (mline && GET_DATA_BIT(mline, bx))
				thr[bx] = 0;
		}
		for (y = by * B; y < MIN(h, by * B + B); y++)
			threshold_line(pixGetData(grey) + (size_t)y * gwpl, thr, bw, w,
				       pixGetData(out) + (size_t)y * owpl, owpl);
	}
	free(col);
	free(ms);
	free(thr);
	*ret = out;
	return 0;
}
