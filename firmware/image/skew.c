/*
 * Skew search on row counts of sheared bands (see skew.h).
 *
 * Leptonica's shear about the corner at angle a keeps the columns [0, n0) where they are and
 * moves each next band of columns one row further (down for a > 0), band k ending at column
 * (k + 0.5) / tan(a), rounded. A row of the sheared page counts, for each band, the black
 * pixels of the page's row that lands there; prefix counts of every row give a band's share
 * of a row in two look-ups. The arithmetic below (float or double, and where it converts)
 * is Leptonica 1.82's, so that every score, and the angle chosen from them, is the same.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "firmware/image/skew.h"

/* Leptonica's constants (skew.c, shear.c). */
#define MIN_VALID_MAX_SCORE 10000
#define MIN_SCORE_THRESH_FACTOR 0.000002f
#define MIN_DIFF_FROM_HALF_PI 0.04f

/* A 1 bpp page as row prefix counts, and a shear's bands of columns. */
struct rows {
	const l_uint32 *data;
	int32_t w, h, wpl;
	uint32_t *prefix; /* row y: black pixels before word k at [y * (wpl + 1) + k] */
	int32_t *count;	  /* the sheared page's row counts */
	int32_t *edge;	  /* band b is columns [edge[b], edge[b + 1]), moved down b * sign */
	int32_t bands, sign;
};

static void rows_release(struct rows *r)
{
	free(r->prefix);
	free(r->count);
	free(r->edge);
	*r = (struct rows){ 0 };
}

/*
 * The scores count the bits of a word at every band's edge of every row. x86-64's baseline has
 * no instruction for it: the functions that count are also built with POPCNT (every x86-64
 * since 2008-2011), and the loader picks. Arm has one.
 */
static inline uint32_t bits_set(uint32_t v)
{
	return (uint32_t)__builtin_popcount(v);
}

_clones_("popcnt") static int rows_init(struct rows *r, PIX *pix)
{
	int32_t y, k;

	*r = (struct rows){ .data = pixGetData(pix),
			    .w = pixGetWidth(pix),
			    .h = pixGetHeight(pix),
			    .wpl = pixGetWpl(pix) };
	r->prefix = malloc((size_t)r->h * ((size_t)r->wpl + 1) * sizeof(*r->prefix));
	r->count = malloc((size_t)r->h * sizeof(*r->count));
	r->edge = malloc(((size_t)r->w + 2) * sizeof(*r->edge));
	if (!r->prefix || !r->count || !r->edge) {
		rows_release(r);
		return -ENOMEM;
	}
	for (y = 0; y < r->h; y++) {
		const l_uint32 *line = r->data + (size_t)y * r->wpl;
		uint32_t *p = r->prefix + (size_t)y * (r->wpl + 1);

		p[0] = 0;
		for (k = 0; k < r->wpl; k++)
			p[k + 1] = p[k] + bits_set(line[k]);
	}
	return 0;
}

/* Black pixels of a row left of column @x (0 <= x <= w: the pad bits are never counted). */
static inline uint32_t before(const uint32_t *prefix, const l_uint32 *line, int32_t x)
{
	uint32_t c = prefix[x >> 5];

	if (x & 31)
		c += bits_set(line[x >> 5] >> (32 - (x & 31)));
	return c;
}

/*
 * The bands of pixVShearCorner() at @radang (normalised as normalizeAngleForShear() does):
 * columns [0, n0) stay, band b moves b rows down (up for a negative angle).
 */
static void shear_bands(struct rows *r, float radang)
{
	const float half_pi = (float)(3.14159265 / 2.0);
	int32_t w = r->w, x, xincr, vshift;
	float tanangle, invangle;

	if (radang < -half_pi || radang > half_pi)
		radang = radang - (float)(int32_t)(radang / half_pi) * half_pi;
	if (radang > half_pi - MIN_DIFF_FROM_HALF_PI)
		radang = half_pi - MIN_DIFF_FROM_HALF_PI;
	else if (radang < -half_pi + MIN_DIFF_FROM_HALF_PI)
		radang = -half_pi + MIN_DIFF_FROM_HALF_PI;
	r->edge[0] = 0;
	r->bands = 1;
	r->sign = radang < 0 ? -1 : 1;
	if (radang == 0.0 || tan(radang) == 0.0) {
		r->edge[1] = w;
		return;
	}
	tanangle = (float)tan(radang);
	invangle = (float)fabs(1. / tanangle);
	/* The first band is [-n0, n0) cut at the left edge. */
	x = MIN((int32_t)(invangle / 2.), w);
	r->edge[1] = x;
	for (vshift = 1; x < w; vshift++) {
		xincr = (int32_t)(invangle * (vshift + 0.5) + 0.5) - x;
		if (w - x < xincr)
			xincr = w - x;
		x += xincr;
		r->edge[++r->bands] = x;
	}
}

/* pixVShearCorner() at @radang, then pixFindDifferentialSquareSum() of the result. */
_clones_("popcnt") static float shear_score(struct rows *r, float radang)
{
	int32_t w = r->w, h = r->h, y, b, i, skip, nskip;
	float sum = 0;

	shear_bands(r, radang);
	memset(r->count, 0, (size_t)h * sizeof(*r->count));
	for (y = 0; y < h; y++) {
		const uint32_t *prefix = r->prefix + (size_t)y * (r->wpl + 1);
		const l_uint32 *line = r->data + (size_t)y * r->wpl;
		uint32_t left = 0;

		if (prefix[r->wpl] == 0)
			continue; /* white: adds nothing (between lines, the margins) */
		/* Row y of band b lands on row y + b * sign, if there is one. */
		for (b = 0; b < r->bands; b++) {
			int32_t to = y + b * r->sign;
			uint32_t right;

			if (to < 0 || to >= h)
				break;
			right = before(prefix, line, r->edge[b + 1]);
			r->count[to] += (int32_t)(right - left);
			left = right;
		}
	}
	/* The rows at the top and bottom are left out (a black page's edges). */
	skip = MIN(h / 10, (int32_t)(0.05 * w));
	nskip = MAX(skip / 2, 1);
	for (i = nskip; i < h - nskip; i++) {
		float diff = (float)r->count[i] - (float)r->count[i - 1];

		sum += diff * diff;
	}
	return sum;
}

static PIX *reduce(PIX *pix, int factor)
{
	switch (factor) {
	case 1:
		return pixClone(pix);
	case 2:
		return pixReduceRankBinaryCascade(pix, 1, 0, 0, 0);
	case 4:
		return pixReduceRankBinaryCascade(pix, 1, 1, 0, 0);
	default:
		return pixReduceRankBinaryCascade(pix, 1, 1, 2, 0);
	}
}

/* The sweep on @sw, then the binary search on @sch, as Leptonica's ScorePivot function. */
static void sweep_and_search(struct rows *sw, struct rows *sch, float range, float delta,
			     float min_delta, float *ret_angle, float *ret_conf)
{
	const float deg2rad = (float)(3.1415926535 / 180.);
	int32_t n = (int32_t)((2. * range) / delta + 1), i, best = 0;
	float rangeleft = 0.0f - range, maxscore = -1000000000.f, minscore = +1000000000.f;
	float score[5], center, step, minthresh;

	*ret_angle = 0;
	*ret_conf = 0;
	for (i = 0; i < n; i++) {
		float s = shear_score(sw, deg2rad * (rangeleft + (float)i * delta));

		if (s > maxscore) {
			maxscore = s;
			best = i;
		}
	}
	if (best == 0 || best == n - 1)
		return; /* best at an end of the range: not measured */
	center = rangeleft + (float)best * delta;
	score[2] = shear_score(sch, deg2rad * center);
	score[0] = shear_score(sch, deg2rad * (center - delta));
	score[4] = shear_score(sch, deg2rad * (center + delta));
	/* numaGetMin() starts from 1e9: a lowest score above it counts as 1e9. */
	minscore = MIN(minscore, MIN(score[2], MIN(score[0], score[4])));
	step = (float)(0.5 * delta);
	while (step >= min_delta) {
		int32_t k = 1;

		score[1] = shear_score(sch, deg2rad * (center - step));
		score[3] = shear_score(sch, deg2rad * (center + step));
		minscore = MIN(minscore, MIN(score[1], score[3]));
		maxscore = score[1];
		for (i = 2; i < 4; i++) {
			if (score[i] > maxscore) {
				maxscore = score[i];
				k = i;
			}
		}
		score[0] = score[k - 1];
		score[4] = score[k + 1];
		score[2] = maxscore;
		center = center + step * (float)(k - 2);
		step = (float)(0.5 * step);
	}
	*ret_angle = center;
	minthresh = MIN_SCORE_THRESH_FACTOR * (float)sch->w * (float)sch->w * (float)sch->h;
	if (minscore > minthresh)
		*ret_conf = maxscore / minscore;
	if (center > rangeleft + 2 * range - delta || center < rangeleft + delta ||
	    maxscore < MIN_VALID_MAX_SCORE)
		*ret_conf = 0;
}

int skew_find(PIX *pix, int redsweep, int redsearch, float range, float delta, float min_delta,
	      float *ret_angle, float *ret_conf)
{
	struct rows sw = { 0 }, sch = { 0 };
	PIX *pixsch = NULL, *pixsw = NULL;
	l_int32 empty = 1;
	int r = -ENOMEM;

	if (!pix || pixGetDepth(pix) != 1 || !ret_angle || !ret_conf || redsearch > redsweep ||
	    (redsweep != 1 && redsweep != 2 && redsweep != 4 && redsweep != 8) ||
	    (redsearch != 1 && redsearch != 2 && redsearch != 4 && redsearch != 8) ||
	    !(delta > 0) || !(range >= 0) || range > 45)
		return -EINVAL;
	pixsch = reduce(pix, redsearch);
	if (!pixsch)
		goto out;
	pixZero(pixsch, &empty);
	if (empty) {
		r = -ENODATA;
		goto out;
	}
	pixsw = reduce(pixsch, redsweep / redsearch);
	if (!pixsw || rows_init(&sch, pixsch) < 0 || rows_init(&sw, pixsw) < 0)
		goto out;
	sweep_and_search(&sw, &sch, range, delta, min_delta, ret_angle, ret_conf);
	r = 0;
out:
	rows_release(&sw);
	rows_release(&sch);
	pixDestroy(&pixsw);
	pixDestroy(&pixsch);
	return r;
}
