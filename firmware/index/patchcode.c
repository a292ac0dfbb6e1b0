/* Patch codes: a bar-width reader over the zones near a page's edges, and the printed sheet. */
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compiler.h"
#include "firmware/index/frameink.h"
#include "firmware/index/patchcode.h"
#include "firmware/index/sheetpdf.h"

#define MM_PER_IN 25.4
#define A4_WIDTH_MM 210.0 /* assumed when the frame carries no resolution */
#define ZONE_MM 105.0	  /* depth of each zone: 3.75 in from the edge, and room for skew */
#define SIDE_MM 6.0	  /* the patch stands at least 0.25 in from the sides */
#define COLUMN_MM 4.0	  /* distance between read columns */
#define WINDOW_MM 3.0	  /* width of a column, its pixels averaged */
#define SAMPLE_MM 0.5	  /* distance between the pixels averaged across a column */
#define STEP_MM 0.2	  /* distance between the rows read down a column */
#define QUIET_MM 4.0	  /* paper before the first bar and after the last one */
#define NARROW_MIN_MM 1.3 /* a narrow bar (nominal 2.03 mm) ... */
#define NARROW_MAX_MM 3.0 /* ... */
#define WIDE_MIN_MM 4.0	  /* a wide bar (nominal 5.08 mm) ... */
#define WIDE_MAX_MM 6.4	  /* ... */
#define SPACE_MIN_MM 1.2  /* a space (nominal 2.03 mm) ... */
#define SPACE_MAX_MM 3.0  /* ... */
#define TOTAL_MIN_MM 17.5 /* the whole patch (nominal 20.32 mm) ... */
#define TOTAL_MAX_MM 23.0 /* ... */
#define SPAN_MIN_MM 40.0  /* columns that agree must span this much of the bars' length */
#define GAP_COLUMNS 1	  /* columns that may miss (a mark, a fold) inside a run */
#define SKEW_SLOPE 0.125  /* tan(7 degrees): drift of the bars from column to column */
#define DARK_LEVEL 128u	  /* mean darkness (0..255) of a sample in a bar */
#define MAX_RUNS 64	  /* runs looked at down one column (a busy page has more) */

struct geometry {
	double px_per_mm;
	uint32_t step, zone_steps, window, sample, column, side;
};

struct hit {
	enum patch_type type;
	uint32_t k; /* step index of the first bar from the edge */
};

struct run {
	bool dark;
	uint32_t start, len; /* in steps */
};

static uint32_t px_at_least_1(double v)
{
	return v < 1 ? 1 : (uint32_t)lround(v);
}

static void geometry_init(const struct frame *f, struct geometry *g)
{
	double dpi = f->dpi ? f->dpi : f->width / (A4_WIDTH_MM / MM_PER_IN);

	g->px_per_mm = dpi / MM_PER_IN;
	g->step = px_at_least_1(STEP_MM * g->px_per_mm);
	g->window = px_at_least_1(WINDOW_MM * g->px_per_mm);
	g->sample = px_at_least_1(SAMPLE_MM * g->px_per_mm);
	g->column = px_at_least_1(COLUMN_MM * g->px_per_mm);
	g->side = px_at_least_1(SIDE_MM * g->px_per_mm);
	g->zone_steps = (uint32_t)MIN((double)f->height, ZONE_MM * g->px_per_mm) / g->step;
}

/* Whether each of the @ncols columns from @g->side, @g->column apart, is in a bar on the @k-th
 * row of a zone: one pass along the row, the frame read in the order it lies in memory. */
static void dark_row(const struct frame *f, const struct geometry *g, bool bottom, uint32_t k,
		     uint32_t ncols, uint8_t *out)
{
	uint32_t y = bottom ? f->height - 1 - k * g->step : k * g->step;
	const uint8_t *row = f->data + (size_t)y * f->bytes_per_line;

	for (uint32_t c = 0, x = g->side; c < ncols; c++, x += g->column) {
		uint32_t sum = 0, n = 0;

		for (uint32_t i = x; i < x + g->window; i += g->sample, n++)
			sum += frameink_at(f, row, i);
		out[c] = sum >= DARK_LEVEL * n;
	}
}

/* The type of a bar pattern, read from the edge: bit 3 for the first bar, set when wide. */
static enum patch_type type_of(unsigned wide)
{
	switch (wide) {
	case 0xc:
		return PATCH_1;
	case 0x9:
		return PATCH_2;
	case 0xa:
		return PATCH_3;
	case 0x6:
		return PATCH_4;
	case 0x5:
		return PATCH_T;
	case 0x3:
		return PATCH_6;
	default:
		return PATCH_NONE;
	}
}

static bool within(double v, double lo, double hi)
{
	return v >= lo && v <= hi;
}

/* The patch that the seven runs from @r (bar, space, ..., bar) make, if they make one. */
static enum patch_type match(const struct geometry *g, const struct run *r)
{
	double mm = g->step / g->px_per_mm, total = 0;
	unsigned wide = 0;

	for (int i = 0; i < 7; i++) {
		double w = r[i].len * mm;

		total += w;
		if (i % 2) {
			if (!within(w, SPACE_MIN_MM, SPACE_MAX_MM))
				return PATCH_NONE;
		} else if (within(w, WIDE_MIN_MM, WIDE_MAX_MM)) {
			wide |= 8u >> (i / 2);
		} else if (!within(w, NARROW_MIN_MM, NARROW_MAX_MM)) {
			return PATCH_NONE;
		}
	}
	if (!within(total, TOTAL_MIN_MM, TOTAL_MAX_MM))
		return PATCH_NONE;
	return type_of(wide);
}

/* Reads one column of @dark (one byte a step, @stride apart) from the edge inwards: the first
 * patch in it, with paper either side. */
static struct hit read_column(const struct geometry *g, const uint8_t *dark, uint32_t stride)
{
	struct run runs[MAX_RUNS];
	uint32_t n = 0, quiet = (uint32_t)(QUIET_MM * g->px_per_mm / g->step);
	bool cur = false;

	runs[0] = (struct run){ false, 0, 0 };
	for (uint32_t k = 0; k < g->zone_steps; k++) {
		bool d = dark[(size_t)k * stride];

		if (n == 0 || d != cur) {
			if (n == MAX_RUNS)
				break;
			runs[n++] = (struct run){ d, k, 0 };
			cur = d;
		}
		runs[n - 1].len++;
	}
	for (uint32_t i = 1; i + 8 <= n; i++) {
		enum patch_type t;

		if (!runs[i].dark || runs[i - 1].len < quiet || runs[i + 7].len < quiet)
			continue;
		t = match(g, &runs[i]);
		if (t != PATCH_NONE)
			return (struct hit){ t, runs[i].start };
	}
	return (struct hit){ PATCH_NONE, 0 };
}

/* The longest run of columns that read the same patch at positions skew allows. */
static void agree(const struct geometry *g, const struct hit *hits, uint32_t n,
		  struct patchcode *best)
{
	double mm = g->step / g->px_per_mm;

	for (uint32_t a = 0; a < n; a++) {
		uint32_t last = a;
		double span;

		if (hits[a].type == PATCH_NONE)
			continue;
		for (uint32_t b = a + 1; b < n && b - last <= GAP_COLUMNS + 1; b++) {
			double drift = fabs((double)hits[b].k - hits[last].k) * mm;

			if (hits[b].type == hits[a].type &&
			    drift <= (b - last) * COLUMN_MM * SKEW_SLOPE + 1.0)
				last = b;
		}
		span = (last - a) * COLUMN_MM + WINDOW_MM;
		if (span >= SPAN_MIN_MM && span > best->span_mm) {
			best->type = hits[a].type;
			best->span_mm = (uint32_t)span;
			best->y = hits[a].k * g->step;
		}
	}
}

int patchcode_find(const struct frame *f, struct patchcode *ret)
{
	struct patchcode found = { PATCH_NONE, false, 0, 0 };
	struct geometry g;
	struct hit *hits;
	uint8_t *dark;
	uint32_t ncols;

	if (!frameink_valid(f) || !ret)
		return -EINVAL;
	geometry_init(f, &g);
	if (f->width < 2 * g.side + g.window || g.zone_steps < 2) {
		*ret = found; /* too small to hold a patch */
		return 0;
	}
	ncols = (f->width - 2 * g.side - g.window) / g.column + 1;
	hits = malloc(sizeof(*hits) * ncols);
	dark = malloc((size_t)g.zone_steps * ncols);
	if (!hits || !dark) {
		free(hits);
		free(dark);
		return -ENOMEM;
	}
	for (int bottom = 0; bottom < 2 && found.type == PATCH_NONE; bottom++) {
		for (uint32_t k = 0; k < g.zone_steps; k++)
			dark_row(f, &g, bottom, k, ncols, dark + (size_t)k * ncols);
		for (uint32_t c = 0; c < ncols; c++)
			hits[c] = read_column(&g, dark + c, ncols);
		agree(&g, hits, ncols, &found);
		if (found.type != PATCH_NONE && bottom) {
			found.upside_down = true;
			found.y = f->height - 1 - found.y;
		}
	}
	free(dark);
	free(hits);
	*ret = found;
	return 0;
}

static const char *const names[PATCH_TYPES] = { "", "1", "2", "3", "4", "T", "6" };

const char *patchcode_name(enum patch_type t)
{
	return t > PATCH_NONE && t < PATCH_TYPES ? names[t] : "";
}

int patchcode_parse(const char *s, enum patch_type *ret)
{
	for (int t = PATCH_1; t < PATCH_TYPES; t++)
		if (s && strcasecmp(s, names[t]) == 0) {
			*ret = (enum patch_type)t;
			return 0;
		}
	return -EINVAL;
}

/* ---- the printed sheet ---- */

#define PT_PER_IN 72.0
#define SHEET_W_PT 595.276 /* A4 */
#define SHEET_H_PT 841.890
#define NARROW_PT (0.08 * PT_PER_IN)
#define WIDE_PT (0.20 * PT_PER_IN)
#define PATCH_PT (0.80 * PT_PER_IN)
#define EDGE_PT (1.0 * PT_PER_IN)  /* from the top (and bottom) edge to the patch */
#define SIDES_PT (0.5 * PT_PER_IN) /* from the sides to the ends of the bars */

static const unsigned patterns[PATCH_TYPES] = { 0, 0xc, 0x9, 0xa, 0x6, 0x5, 0x3 };

/* The four bars of @t from @y downwards, the first one read from the edge at @y when not
 * @turned, at the far end when @turned (the patch for the sheet fed upside down). */
static void draw_patch(cairo_t *cr, enum patch_type t, double y, bool turned)
{
	double pos = y;

	for (int i = 0; i < 4; i++) {
		int bar = turned ? 3 - i : i;
		double w = (patterns[t] & (8u >> bar)) ? WIDE_PT : NARROW_PT;

		cairo_rectangle(cr, SIDES_PT, pos, SHEET_W_PT - 2 * SIDES_PT, w);
		pos += w + NARROW_PT;
	}
	cairo_fill(cr);
}

static void show_centred(cairo_t *cr, const char *text, double y, double size, bool bold)
{
	cairo_text_extents_t ext;

	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, text, &ext);
	cairo_move_to(cr, (SHEET_W_PT - ext.x_advance) / 2, y);
	cairo_show_text(cr, text);
}

int patchcode_write_pdf(enum patch_type t, const char *path)
{
	struct sheetpdf pdf;
	char title[32];
	cairo_t *cr;
	int r;

	if (t <= PATCH_NONE || t >= PATCH_TYPES)
		return -EINVAL;
	r = sheetpdf_begin(&pdf, path, SHEET_W_PT, SHEET_H_PT);
	if (r < 0)
		return r;
	cr = pdf.cr;
	draw_patch(cr, t, EDGE_PT, false);
	draw_patch(cr, t, SHEET_H_PT - EDGE_PT - PATCH_PT, true);
	snprintf(title, sizeof(title), "PATCH %s", patchcode_name(t));
	show_centred(cr, title, SHEET_H_PT / 2, 72, true);
	show_centred(cr, "Separator sheet. Feed it either way up, either side.",
		     SHEET_H_PT / 2 + 40, 12, false);
	show_centred(cr, "Do not photocopy it: copies thicken the bars.", SHEET_H_PT / 2 + 58, 12,
		     false);
	return sheetpdf_end(&pdf, 0);
}
