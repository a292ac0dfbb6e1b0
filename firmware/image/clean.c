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

/*
 * Small marks: the 8-connected black components of a 1 bpp image that fit in a box, found on
 * runs of black pixels (a union-find over runs that touch from one row to the next) and
 * cleared. What pixSelectBySize() keeps and drops, without its image per component: on a
 * 300 dpi text page a quarter of the time.
 */
struct marks {
	int32_t *x0, *x1; /* run i covers pixels [x0[i], x1[i]) of its row */
	uint32_t *parent; /* union-find over runs; a root holds its component's box */
	int32_t *left, *right, *top, *bottom;
	uint32_t *pixels; /* a root: its component's black pixels */
	uint32_t n, cap;
	uint32_t *first; /* row y's runs are first[y] .. first[y + 1] - 1 */
	int32_t h;
};

static void marks_release(struct marks *m)
{
	free(m->x0);
	free(m->x1);
	free(m->parent);
	free(m->left);
	free(m->right);
	free(m->top);
	free(m->bottom);
	free(m->pixels);
	free(m->first);
	*m = (struct marks){ 0 };
}

static int marks_grow(struct marks *m, uint32_t first)
{
	uint32_t cap = m->cap ? 2 * m->cap : first;
	int32_t **arrays[] = { &m->x0, &m->x1, &m->left, &m->right, &m->top, &m->bottom };
	uint32_t *parent;
	size_t i;

	if (cap <= m->cap)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(arrays); i++) {
		int32_t *p = realloc(*arrays[i], (size_t)cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*arrays[i] = p;
	}
	parent = realloc(m->parent, (size_t)cap * sizeof(*parent));
	if (!parent)
		return -ENOMEM;
	m->parent = parent;
	parent = realloc(m->pixels, (size_t)cap * sizeof(*parent));
	if (!parent)
		return -ENOMEM;
	m->pixels = parent;
	m->cap = cap;
	return 0;
}

static int marks_add(struct marks *m, int32_t x0, int32_t x1, int32_t y)
{
	uint32_t i = m->n;

	if (i == m->cap && marks_grow(m, 4096) < 0)
		return -ENOMEM;
	m->x0[i] = m->left[i] = x0;
	m->x1[i] = x1;
	m->right[i] = x1 - 1;
	m->top[i] = m->bottom[i] = y;
	m->parent[i] = i;
	m->pixels[i] = (uint32_t)(x1 - x0);
	m->n++;
	return 0;
}

static uint32_t marks_root(struct marks *m, uint32_t i)
{
	while (m->parent[i] != i) {
		m->parent[i] = m->parent[m->parent[i]];
		i = m->parent[i];
	}
	return i;
}

/* Joins the components of runs @a and @b; the older root stays, holding both boxes. */
static void marks_join(struct marks *m, uint32_t a, uint32_t b)
{
	a = marks_root(m, a);
	b = marks_root(m, b);
	if (a == b)
		return;
	if (b < a) {
		uint32_t t = a;

		a = b;
		b = t;
	}
	m->parent[b] = a;
	m->left[a] = MIN(m->left[a], m->left[b]);
	m->right[a] = MAX(m->right[a], m->right[b]);
	m->top[a] = MIN(m->top[a], m->top[b]);
	m->bottom[a] = MAX(m->bottom[a], m->bottom[b]);
	m->pixels[a] += m->pixels[b];
}

/* The runs of black pixels of row @y, appended; bits past @w are not pixels. */
static int marks_add_row(struct marks *m, const l_uint32 *line, int32_t w, int32_t y)
{
	int32_t words = (w + 31) / 32, k, start = -1;

	for (k = 0; k < words; k++) {
		uint32_t word = line[k], pos = 0;

		if (k == words - 1 && w % 32)
			word &= ~(0xffffffffu >> (w % 32));
		if ((start < 0 && word == 0) || (start >= 0 && word == 0xffffffffu))
			continue;
		while (pos < 32) {
			uint32_t rest = word << pos;

			if (start < 0) {
				if (rest == 0)
					break;
				pos += (uint32_t)__builtin_clz(rest);
				start = k * 32 + (int32_t)pos;
			} else {
				/* Zeros shifted in end the run at the word's end at the latest. */
				if (~rest == 0)
					break;
				pos += (uint32_t)__builtin_clz(~rest);
				if (pos >= 32)
					break;
				if (marks_add(m, start, k * 32 + (int32_t)pos, y) < 0)
					return -ENOMEM;
				start = -1;
			}
		}
	}
	if (start >= 0 && marks_add(m, start, w, y) < 0)
		return -ENOMEM;
	return 0;
}

/* The runs of @bin and their components, in @m (marks_release() it). */
static int marks_find(PIX *bin, struct marks *m)
{
	int32_t w = pixGetWidth(bin), h = pixGetHeight(bin), wpl = pixGetWpl(bin), y;
	uint32_t prev = 0, cur = 0, i, j;

	*m = (struct marks){ .h = h };
	m->first = malloc(((size_t)h + 1) * sizeof(*m->first));
	/* About as many runs as a 300 dpi text page has: grown less often. */
	if (!m->first || marks_grow(m, MAX(4096u, 16 * (uint32_t)h)) < 0)
		goto fail;
	for (y = 0; y < h; y++) {
		prev = y ? m->first[y - 1] : 0;
		cur = m->first[y] = m->n;
		if (marks_add_row(m, pixGetData(bin) + (size_t)y * wpl, w, y) < 0)
			goto fail;
		/* Runs of the row above touch when they overlap or meet at a corner. */
		for (i = prev, j = cur; y && j < m->n; j++) {
			uint32_t k;

			while (i < cur && m->x1[i] < m->x0[j])
				i++;
			for (k = i; k < cur && m->x0[k] <= m->x1[j]; k++)
				marks_join(m, k, j);
		}
	}
	m->first[h] = m->n;
	return 0;
fail:
	marks_release(m);
	return -ENOMEM;
}

/*
 * Clears in @bin the 8-connected black components whose box is at most @max_w x @max_h
 * pixels, and counts the pixels cleared in *ret_removed.
 */
static int clear_small_marks(PIX *bin, uint32_t max_w, uint32_t max_h, uint32_t *ret_removed)
{
	uint32_t i, removed = 0;
	struct marks m;
	int32_t y;

	if (marks_find(bin, &m) < 0)
		return -ENOMEM;
	for (y = 0; y < m.h; y++) {
		l_uint32 *line = pixGetData(bin) + (size_t)y * pixGetWpl(bin);

		for (i = m.first[y]; i < m.first[y + 1]; i++) {
			uint32_t root = marks_root(&m, i);
			int32_t x;

			if ((uint32_t)(m.right[root] - m.left[root]) >= max_w ||
			    (uint32_t)(m.bottom[root] - m.top[root]) >= max_h)
				continue;
			for (x = m.x0[i]; x < m.x1[i]; x++)
				CLEAR_DATA_BIT(line, x);
			removed += (uint32_t)(m.x1[i] - m.x0[i]);
		}
	}
	*ret_removed = removed;
	marks_release(&m);
	return 0;
}

/* Whether component @root of @m, on a page @w x @h, is a punch hole. */
static bool is_punch_hole(struct marks *m, uint32_t root, l_int32 w, l_int32 h, double px_per_mm)
{
	l_int32 bx = m->left[root], by = m->top[root], bw = m->right[root] - bx + 1,
		bh = m->bottom[root] - by + 1;
	double cx, cy, edge, fill;

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
	/* A disc fills pi/4 of its box. */
	fill = (double)m->pixels[root] / ((double)bw * bh);
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
	struct marks m = { 0 };
	l_int32 w, h, count = 0, y;
	unsigned holes = 0;
	uint32_t i;
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

	/*
	 * Punch holes: dark discs inside the sheet near an edge, painted into the mask run by
	 * run. The page's text is dark here too: thousands of marks, judged by their boxes.
	 */
	if (marks_find(inner, &m) < 0)
		goto out;
	for (i = 0; i < m.n; i++)
		if (m.parent[i] == i && is_punch_hole(&m, i, w, h, px_per_mm)) {
			m.pixels[i] |= 0x80000000u; /* a hole: no page has 2^31 pixels */
			holes++;
		}
	for (y = 0; holes && y < h; y++) {
		l_uint32 *line = pixGetData(mask) + (size_t)y * pixGetWpl(mask);

		for (i = m.first[y]; i < m.first[y + 1]; i++) {
			int32_t x;

			if (!(m.pixels[marks_root(&m, i)] & 0x80000000u))
				continue;
			for (x = m.x0[i]; x < m.x1[i]; x++)
				SET_DATA_BIT(line, x);
		}
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
	marks_release(&m);
	pixDestroy(&dark);
	pixDestroy(&seed);
	pixDestroy(&border);
	pixDestroy(&inner);
	pixDestroy(&mask);
	return r;
}

int clean_despeckle(PIX *bin, unsigned size, PIX **ret, uint32_t *ret_removed)
{
	uint32_t removed = 0;
	PIX *out;
	int r;

	if (!bin || pixGetDepth(bin) != 1 || size == 0)
		return -EINVAL;
	out = pixCopy(NULL, bin);
	if (!out)
		return -ENOMEM;
	r = clear_small_marks(out, size, size, &removed);
	if (r < 0) {
		pixDestroy(&out);
		return r;
	}
	*ret = out;
	*ret_removed = removed;
	return 0;
}

double clean_blank_score(PIX *bin, unsigned dpi)
{
	l_int32 w, h, count = 0, band, minsz;
	uint32_t removed = 0;
	PIX *red;
	int r;
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
	/* Marks smaller than 1.5 mm both ways are grain and dust. */
	minsz = (l_int32)lround(1.5 * px_per_mm);
	pixCountPixels(red, &count, NULL);
	r = clear_small_marks(red, (uint32_t)MAX(minsz - 1, 0), (uint32_t)MAX(minsz - 1, 0),
			      &removed);
	pixDestroy(&red);
	if (r < 0)
		return -1;
	count -= (l_int32)removed;
	return 100.0 * count / ((double)w * h);
}
