/*
 * Up or down by ascenders and descenders (see updown.h). The patterns, the closing, the
 * reduction and the confidence are Leptonica 1.82's (flipdetect.c); the hit-miss transform
 * follows pixHMT(): a pixel matches where every hit element lies on black and every miss
 * element on white (outside the page counts as white), and pixels closer to the edge than
 * the hits reach are cleared.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "firmware/image/updown.h"

/* Leptonica's patterns, 5 rows of 6: 'x' hit, 'o' miss, capital the origin, ' ' either. */
static const char *const ascender_sels[2] = { "x  oo "
					      "x oOo "
					      "x  o  "
					      "x     "
					      "xxxxxx",
					      " oo  x"
					      " oOo x"
					      "  o  x"
					      "     x"
					      "xxxxxx" };
static const char *const descender_sels[2] = { "xxxxxx"
					       "x     "
					       "x  o  "
					       "x oOo "
					       "x  oo ",
					       "xxxxxx"
					       "     x"
					       "  o  x"
					       " oOo x"
					       " oo  x" };
#define SEL_ROWS 5
#define SEL_COLS 6
#define MIN_UPDOWN_COUNT 70 /* DefaultMinUpDownCount */

struct sel {
	int32_t n;
	int32_t dy[SEL_ROWS * SEL_COLS], dx[SEL_ROWS * SEL_COLS]; /* from the origin */
	bool hit[SEL_ROWS * SEL_COLS];
	int32_t xp, yp, xn, yn; /* how far the hits reach left, up, right, down */
};

static void sel_parse(const char *text, struct sel *s)
{
	int32_t i, j, cy = 0, cx = 0, nh = 0, nm = 0;
	int32_t hy[SEL_ROWS * SEL_COLS], hx[SEL_ROWS * SEL_COLS];
	int32_t my[SEL_ROWS * SEL_COLS], mx[SEL_ROWS * SEL_COLS];

	for (i = 0; i < SEL_ROWS; i++)
		for (j = 0; j < SEL_COLS; j++)
			if (strchr("XOC", text[i * SEL_COLS + j])) {
				cy = i;
				cx = j;
			}
	*s = (struct sel){ 0 };
	for (i = 0; i < SEL_ROWS; i++)
		for (j = 0; j < SEL_COLS; j++) {
			char c = text[i * SEL_COLS + j];

			if (c == 'x' || c == 'X') {
				hy[nh] = i - cy;
				hx[nh++] = j - cx;
				s->xp = MAX(s->xp, cx - j);
				s->yp = MAX(s->yp, cy - i);
				s->xn = MAX(s->xn, j - cx);
				s->yn = MAX(s->yn, i - cy);
			} else if (c == 'o' || c == 'O') {
				my[nm] = i - cy;
				mx[nm++] = j - cx;
			}
		}
	/* Hits and misses in turn: paper fails at a hit, the closed text's bars at a miss. */
	for (i = 0; i < MAX(nh, nm); i++) {
		if (i < nh) {
			s->dy[s->n] = hy[i];
			s->dx[s->n] = hx[i];
			s->hit[s->n++] = true;
		}
		if (i < nm) {
			s->dy[s->n] = my[i];
			s->dx[s->n] = mx[i];
			s->hit[s->n++] = false;
		}
	}
}

/* The page's bits, white outside it and past its width. */
struct page {
	const l_uint32 *data;
	int32_t w, h, wpl, words;
	uint32_t last; /* mask of the last word's pixels */
};

static inline uint32_t page_word(const struct page *p, int32_t y, int32_t k)
{
	if (y < 0 || y >= p->h || k < 0 || k >= p->words)
		return 0;
	return p->data[(size_t)y * p->wpl + k] & (k == p->words - 1 ? p->last : ~0u);
}

/* Pixels 32 k + d .. 32 k + d + 31 of row @y, as one word. */
static inline uint32_t page_bits(const struct page *p, int32_t y, int32_t k, int32_t d)
{
	int32_t q = k + (d >> 5), r = d & 31; /* d >> 5 rounds down for d < 0 too */

	if (!r)
		return page_word(p, y, q);
	return page_word(p, y, q) << r | page_word(p, y, q + 1) >> (32 - r);
}

/* Word @k of row @y of the hit-miss transform of @p by @s. */
static uint32_t hmt_word(const struct page *p, const struct sel *s, int32_t y, int32_t k)
{
	uint32_t r = ~0u;
	int32_t e, lead, keep;

	if (y < s->yp || y >= p->h - s->yn)
		return 0;
	for (e = 0; e < s->n && r; e++) {
		uint32_t b = page_bits(p, y + s->dy[e], k, s->dx[e]);

		r &= s->hit[e] ? b : ~b;
	}
	/* Cleared where a hit would reach past the edge. */
	lead = s->xp - k * 32;
	if (r && lead > 0)
		r &= lead >= 32 ? 0 : 0xffffffffu >> lead;
	keep = p->w - s->xn - k * 32; /* pixels of this word left standing */
	if (r && keep < 32)
		r &= keep <= 0 ? 0 : ~(0xffffffffu >> keep);
	return r;
}

/* 4x4 blocks with a match of either pattern, over the blocks Leptonica's 4x reduction keeps. */
static int32_t count_blocks(const struct page *p, const struct sel s[2])
{
	int32_t bw = p->w / 4, bh = p->h / 4, by, k, i, count = 0;

	for (by = 0; by < bh; by++)
		for (k = 0; k * 8 < bw; k++) {
			uint32_t v = 0, t;

			for (i = 0; i < 4; i++)
				v |= hmt_word(p, &s[0], 4 * by + i, k) |
				     hmt_word(p, &s[1], 4 * by + i, k);
			if (!v)
				continue;
			/* One bit a 4-pixel block that has a match, blocks past bw dropped. */
			t = (v | v >> 1 | v >> 2 | v >> 3) & 0x11111111u;
			if (bw - k * 8 < 8)
				t &= ~(0xffffffffu >> (4 * (bw - k * 8)));
			count += (int32_t)((t * 0x11111111u) >> 28);
		}
	return count;
}

/* @dst = @a OR @b shifted @n (1..31) pixels right (to higher x); @nw words, @b not @dst. */
static void or_shifted(uint32_t *dst, const uint32_t *a, const uint32_t *b, int n, size_t nw)
{
	dst[0] = a[0] | b[0] >> n;
	for (size_t k = 1; k < nw; k++)
		dst[k] = a[k] | b[k] >> n | b[k - 1] << (32 - n);
}

/* @dst = @a AND @b shifted @n (1..31) pixels left (to lower x); @b not @dst. */
static void and_shifted(uint32_t *dst, const uint32_t *a, const uint32_t *b, int n, size_t nw)
{
	for (size_t k = 0; k + 1 < nw; k++)
		dst[k] = a[k] & (b[k] << n | b[k + 1] >> (32 - n));
	dst[nw - 1] = a[nw - 1] & b[nw - 1] << n;
}

/*
 * Row @x closed by a 30-pixel brick in place: pixels 0 .. @nw * 32 - 1 with at least 29 white
 * past the row's last. Dilation ORs pixels x - 29 .. x and erosion ANDs x .. x + 29, each
 * from runs of 1, 2, 4, 8 and 16 pixels; @t holds three rows of scratch.
 */
static void close_row_30(uint32_t *x, uint32_t *t, size_t nw)
{
	uint32_t *a = t, *b = t + nw, *c = t + 2 * nw;

	or_shifted(a, x, x, 1, nw);  /* x - 1 .. x */
	or_shifted(b, a, a, 2, nw);  /* x - 3 .. x */
	or_shifted(c, b, b, 4, nw);  /* x - 7 .. x */
	or_shifted(x, c, c, 8, nw);  /* x - 15 .. x */
	or_shifted(x, x, c, 16, nw); /* .. x - 23 */
	or_shifted(x, x, b, 24, nw); /* .. x - 27 */
	or_shifted(x, x, a, 28, nw); /* .. x - 29: dilated */

	and_shifted(a, x, x, 1, nw); /* x .. x + 1 */
	and_shifted(b, a, a, 2, nw);
	and_shifted(c, b, b, 4, nw);
	and_shifted(x, c, c, 8, nw); /* x .. x + 15 */
	and_shifted(x, x, c, 16, nw);
	and_shifted(x, x, b, 24, nw);
	and_shifted(x, x, a, 28, nw); /* x .. x + 29: eroded */
}

PIX *updown_close(PIX *bin)
{
	int32_t w, h, wpl, words, y, k, i;
	size_t nw;
	uint32_t last, *dil, *row, *tmp;
	const l_uint32 *src;
	l_uint32 *dst;
	PIX *out;

	if (!bin || pixGetDepth(bin) != 1)
		return NULL;
	w = pixGetWidth(bin);
	h = pixGetHeight(bin);
	wpl = pixGetWpl(bin);
	words = (w + 31) / 32;
	last = w % 32 ? ~(0xffffffffu >> (w % 32)) : ~0u;
	nw = (size_t)(w + 29 + 31) / 32 + 1;
	out = pixCreate(w, h, 1);
	dil = calloc((size_t)(h + 7) * (size_t)words, sizeof(*dil));
	row = malloc(sizeof(*row) * nw * 4);
	if (!out || !dil || !row) {
		pixDestroy(&out);
		free(dil);
		free(row);
		return NULL;
	}
	pixCopyResolution(out, bin);
	tmp = row + nw;
	src = pixGetData(bin);
	dst = pixGetData(out);
	/* Down the columns, a brick of 8: dilated rows 0 .. h + 6 OR rows y - 7 .. y ... */
	for (y = 0; y < h + 7; y++)
		for (k = 0; k < words; k++) {
			uint32_t v = 0, m = k == words - 1 ? last : ~0u;

			for (i = MAX(0, y - 7); i <= MIN(y, h - 1); i++)
				v |= src[(size_t)i * wpl + k] & m;
			dil[(size_t)y * words + k] = v;
		}
	/* ... eroded rows AND dilated rows y .. y + 7; then along each row, a brick of 30. */
	for (y = 0; y < h; y++) {
		memset(row, 0, sizeof(*row) * nw);
		for (k = 0; k < words; k++) {
			uint32_t v = ~0u;

			for (i = y; i < y + 8; i++)
				v &= dil[(size_t)i * words + k];
			row[k] = v;
		}
		close_row_30(row, tmp, nw);
		for (k = 0; k < words; k++)
			dst[(size_t)y * wpl + k] = row[k] & (k == words - 1 ? last : ~0u);
	}
	free(dil);
	free(row);
	return out;
}

int updown_detect(PIX *bin, float *ret_conf)
{
	struct sel up[2], down[2];
	struct page p;
	int32_t countup, countdown;
	float nup, ndown;
	PIX *closed;
	int i;

	if (!bin || pixGetDepth(bin) != 1 || !ret_conf)
		return -EINVAL;
	*ret_conf = 0;
	closed = updown_close(bin);
	if (!closed)
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		sel_parse(ascender_sels[i], &up[i]);
		sel_parse(descender_sels[i], &down[i]);
	}
	p = (struct page){ .data = pixGetData(closed),
			   .w = pixGetWidth(closed),
			   .h = pixGetHeight(closed),
			   .wpl = pixGetWpl(closed) };
	p.words = (p.w + 31) / 32;
	p.last = p.w % 32 ? ~(0xffffffffu >> (p.w % 32)) : ~0u;
	countup = count_blocks(&p, up);
	countdown = count_blocks(&p, down);
	pixDestroy(&closed);
	nup = (float)countup;
	ndown = (float)countdown;
	if (MAX(countup, countdown) > MIN_UPDOWN_COUNT)
		*ret_conf = (float)(2. * ((nup - ndown) / sqrt(nup + ndown)));
	return 0;
}
