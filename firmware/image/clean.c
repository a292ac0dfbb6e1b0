/*
 * Page cleanup: scanner borders, punch holes, specks, blank measure.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "compiler.h"
#include "firmware/image/clean.h"

/* Punch holes: 5 to 8 mm across, centred within 20 mm of an edge, round and filled. */
#define HOLE_MIN_MM 4.0
#define HOLE_MAX_MM 9.0
#define HOLE_EDGE_MM 20.0
/* Scanner background is at least this wide, and flat: block means step by at most this. */
#define BORDER_MIN_MM 1.0
#define BORDER_MAX_TEXTURE 6.0

static bool is_punch_hole(PIX *comp, BOX *box, l_int32 w, l_int32 h, double px_per_mm)
{
	l_int32 bx, by, bw, bh, count = 0;
	double cx, cy, edge, fill;

	boxGetGeometry(box, &bx, &by, &bw, &bh);
	if (bw < HOLE_MIN_MM * px_per_mm || bh < HOLE_MIN_MM * px_per_mm ||
	    bw > HOLE_MAX_MM * px_per_mm || bh > HOLE_MAX_MM * px_per_mm)
		return false;
	if (bw * 10 < bh * 7 || bh * 10 < bw * 7)
		return false;
	cx = bx + bw / 2.0;
	cy = by + bh / 2.0;
	edge = MIN(MIN(cx, w - cx), MIN(cy, h - cy));
	if (edge > HOLE_EDGE_MM * px_per_mm)
		return false;
	pixCountPixels(comp, &count, NULL);
	/* A disc fills pi/4 of its box. */
	fill = (double)count / ((double)bw * bh);
	return fill > 0.6 && fill < 0.95;
}

/* Mean step between neighbouring block means inside a region: 0 on a flat one. */
static double texture(PIX *reduced, PIX *region)
{
	l_int32 w = pixGetWidth(reduced), h = pixGetHeight(reduced), x, y;
	const l_uint32 *g, *m;
	uint64_t sum = 0, n = 0;

	for (y = 0; y + 1 < h; y++) {
		g = pixGetData(reduced) + (size_t)y * pixGetWpl(reduced);
		m = pixGetData(region) + (size_t)y * pixGetWpl(region);
		for (x = 0; x + 1 < w; x++) {
			l_int32 v = GET_DATA_BYTE(g, x);

			/* Steps inside the region only: its edge against the paper is no texture. */
			if (!GET_DATA_BIT(m, x) || !GET_DATA_BIT(m, x + 1) ||
			    !GET_DATA_BIT(m + pixGetWpl(region), x))
				continue;
			sum += (uint64_t)abs(v - (l_int32)GET_DATA_BYTE(g, x + 1)) +
			       (uint64_t)abs(v - (l_int32)GET_DATA_BYTE(g + pixGetWpl(reduced), x));
			n += 2;
		}
	}
	return n ? (double)sum / (double)n : 0;
}

/*
 * What of the dark regions joined to the edge is scanner background: only what is wide
 * (BORDER_MIN_MM across: the lines of a drawing running off the sheet are not) and flat
 * (block means that hardly change: a photograph bled off the edge is busy). Returns a new
 * mask, or NULL.
 */
static PIX *scanner_background(PIX *reduced, PIX *border, double px_per_mm)
{
	l_int32 size = (l_int32)MAX(3.0, ceil(BORDER_MIN_MM * px_per_mm)), i, n;
	PIX *open = pixOpenBrick(NULL, border, size, size), *seed = NULL, *wide = NULL;
	PIX *mask = NULL;
	PIXA *pixa = NULL;
	BOXA *boxa = NULL;

	if (!open)
		return NULL;
	/* Still joined to the edge after the opening. */
	seed = pixCreateTemplate(open);
	if (!seed)
		goto out;
	pixSetOrClearBorder(seed, 1, 1, 1, 1, PIX_SET);
	pixAnd(seed, seed, open);
	wide = pixSeedfillBinary(NULL, seed, open, 8);
	mask = wide ? pixCreateTemplate(wide) : NULL;
	boxa = wide ? pixConnComp(wide, &pixa, 8) : NULL;
	if (!boxa) {
		pixDestroy(&mask);
		goto out;
	}
	n = boxaGetCount(boxa);
	for (i = 0; i < n; i++) {
		PIX *comp = pixaGetPix(pixa, i, L_CLONE), *full = NULL;
		l_int32 bx = 0, by = 0, bw = 0, bh = 0;

		boxaGetBoxGeometry(boxa, i, &bx, &by, &bw, &bh);
		full = comp ? pixCreateTemplate(wide) : NULL;
		if (full) {
			pixRasterop(full, bx, by, bw, bh, PIX_SRC, comp, 0, 0);
			if (texture(reduced, full) <= BORDER_MAX_TEXTURE)
				pixOr(mask, mask, full);
		}
		pixDestroy(&full);
		pixDestroy(&comp);
	}
out:
	boxaDestroy(&boxa);
	pixaDestroy(&pixa);
	pixDestroy(&open);
	pixDestroy(&seed);
	pixDestroy(&wide);
	return mask;
}

int clean_find_borders(PIX *reduced, unsigned paper, double px_per_mm, struct border_result *ret)
{
	PIX *dark = NULL, *seed = NULL, *border = NULL, *inner = NULL, *mask = NULL;
	BOXA *boxa = NULL;
	PIXA *pixa = NULL;
	l_int32 w, h, i, n, count = 0;
	unsigned holes = 0;
	int r = -ENOMEM;

	if (!reduced || pixGetDepth(reduced) != 8 || px_per_mm <= 0)
		return -EINVAL;
	w = pixGetWidth(reduced);
	h = pixGetHeight(reduced);

	/* Scanner background: darker than half the paper, joined to the edge. */
	dark = pixThresholdToBinary(reduced, (l_int32)MAX(paper / 2, 1u));
	seed = pixCreateTemplate(dark);
	if (!dark || !seed)
		goto out;
	pixSetOrClearBorder(seed, 1, 1, 1, 1, PIX_SET);
	pixAnd(seed, seed, dark);
	border = pixSeedfillBinary(NULL, seed, dark, 8);
	if (!border)
		goto out;
	mask = scanner_background(reduced, border, px_per_mm);
	inner = pixSubtract(NULL, dark, border);
	if (!mask || !inner)
		goto out;

	/* Punch holes: dark discs inside the sheet near an edge. */
	boxa = pixConnComp(inner, &pixa, 8);
	if (!boxa)
		goto out;
	n = boxaGetCount(boxa);
	for (i = 0; i < n; i++) {
		BOX *box = boxaGetBox(boxa, i, L_CLONE);
		PIX *comp = pixaGetPix(pixa, i, L_CLONE);
		l_int32 bx, by;

		if (box && comp && is_punch_hole(comp, box, w, h, px_per_mm)) {
			boxGetGeometry(box, &bx, &by, NULL, NULL);
			pixRasterop(mask, bx, by, pixGetWidth(comp), pixGetHeight(comp),
				    PIX_SRC | PIX_DST, comp, 0, 0);
			holes++;
		}
		boxDestroy(&box);
		pixDestroy(&comp);
	}

	pixCountPixels(mask, &count, NULL);
	*ret = (struct border_result){ .border_percent = 100.0 * count / ((double)w * h),
				       .holes = holes };
	if (count > 0) {
		/* Grow by two blocks: the soft rim of a shadow is lighter than the threshold. */
		ret->mask = pixDilateBrick(NULL, mask, 5, 5);
		if (!ret->mask)
			goto out;
	}
	r = 0;
out:
	boxaDestroy(&boxa);
	pixaDestroy(&pixa);
	pixDestroy(&dark);
	pixDestroy(&seed);
	pixDestroy(&border);
	pixDestroy(&inner);
	pixDestroy(&mask);
	return r;
}

int clean_despeckle(PIX *bin, unsigned size, PIX **ret, uint32_t *ret_removed)
{
	l_int32 before = 0, after = 0;
	PIX *out;

	if (!bin || pixGetDepth(bin) != 1 || size == 0)
		return -EINVAL;
	out = pixSelectBySize(bin, (l_int32)size, (l_int32)size, 8, L_SELECT_IF_EITHER,
			      L_SELECT_IF_GT, NULL);
	if (!out)
		return -ENOMEM;
	pixCountPixels(bin, &before, NULL);
	pixCountPixels(out, &after, NULL);
	*ret = out;
	*ret_removed = (uint32_t)(before - after);
	return 0;
}

double clean_blank_score(PIX *bin, unsigned dpi)
{
	PIX *red, *marks;
	l_int32 w, h, count = 0, band, minsz;
	double px_per_mm = dpi / 25.4 / 4.0;

	if (!bin || pixGetDepth(bin) != 1 || dpi == 0)
		return -1;
	/* Too small to reduce 4x: no mark of 1.5 mm fits in the band anyway. */
	if (pixGetWidth(bin) < 16 || pixGetHeight(bin) < 16)
		return 0;
	red = pixReduceRankBinaryCascade(bin, 1, 1, 0, 0);
	if (!red)
		return -1;
	w = pixGetWidth(red);
	h = pixGetHeight(red);
	band = (l_int32)lround(5.0 * px_per_mm);
	if (2 * band >= w || 2 * band >= h) {
		pixDestroy(&red);
		return 0;
	}
	pixSetOrClearBorder(red, band, band, band, band, PIX_CLR);
	minsz = (l_int32)lround(1.5 * px_per_mm);
	marks = pixSelectBySize(red, minsz, minsz, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL);
	pixDestroy(&red);
	if (!marks)
		return -1;
	pixCountPixels(marks, &count, NULL);
	pixDestroy(&marks);
	return 100.0 * count / ((double)w * h);
}
