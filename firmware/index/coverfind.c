/* Our cover sheet's layout found on a reduced map of a page, before any barcode is decoded. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "firmware/index/coverfind.h"
#include "firmware/index/coversheet.h"
#include "firmware/index/frameink.h"

#define CELL_MM 2.0	       /* side of a map cell */
#define PT_MM (25.4 / 72.0)    /* millimetres per point */
#define A4_WIDTH_MM 210.0      /* assumed when the frame carries no resolution */
#define PAPER_INK 0.06f	       /* a cell this light is paper */
#define STRIP_INK_MIN 0.15f    /* a cell of a strip has at least this much ink ... */
#define STRIP_MEAN_MIN 0.2f    /* ... a row of it, on average, between these two */
#define STRIP_MEAN_MAX 0.85f   /* (a scanner's black border is darker) */
#define STRIP_OUTER 0.35       /* the strip's centre lies in this outer share of the width */
#define STRIP_GAP_ROWS 4       /* rows a strip may miss (a tear, a fold) and go on */
#define STRIP_DRIFT_CELLS 1.5f /* its centre's drift from row to row (skew) */
#define STRIP_ROWS_MIN 0.45    /* share of the page's rows that show the strip */
#define STRIP_SPAN_MIN 0.5     /* share of the page's length it spans */
#define QR_SHRINK 0.2	       /* the QR zone is judged on its middle (skew, offset) */
#define QR_BUSY_MIN 0.6	       /* share of its 3x3-cell blocks with mixed ink */
#define TEXT_WINDOW_MM 30.0    /* width of the column where field values start */
#define TEXT_INK 0.2f	       /* a row of that column with a cell this dark has ink */
#define TEXT_LINE_MIN_MM 5.5   /* a line of large type: a run of inked rows this tall ... */
#define TEXT_LINE_MAX_MM 16.0  /* ... and no taller (a paragraph of body text is) */
#define TEXT_LINES_MIN 4       /* large lines that make the sheet's field block */

struct map {
	uint32_t cols, rows, cell; /* cell: pixels per side */
	uint32_t width, height;	   /* the frame's */
	double dpi;
	float *ink; /* rows x cols, 0 paper .. 1 black */
};

/* The paper's darkness: the level that three quarters of the cells are at or under. */
static float paper_level(const float *dark, size_t n)
{
	unsigned hist[256] = { 0 };
	size_t seen = 0;

	for (size_t i = 0; i < n; i++)
		hist[(unsigned)dark[i]]++;
	for (unsigned v = 0; v < 256; v++) {
		seen += hist[v];
		if (seen * 4 >= n * 3)
			return (float)v;
	}
	return 255;
}

/* Sum of the darkness of every second pixel of @row from @x0 to @x1, @k of them: for grey
 * frames, the common case, as @k * 255 less the sum of the bytes. */
static uint32_t cell_row_ink(const struct frame *f, const uint8_t *row, uint32_t x0, uint32_t x1,
			     uint32_t k)
{
	uint32_t sum = 0;

	if (f->depth == 8 && f->channels == 1) {
		for (uint32_t x = x0; x < x1; x += 2)
			sum += row[x];
		return k * 255u - sum;
	}
	for (uint32_t x = x0; x < x1; x += 2)
		sum += frameink_at(f, row, x);
	return sum;
}

/* Mean darkness of every cell from every second pixel of every second row, then ink. */
static int map_build(const struct frame *f, struct map *m)
{
	float paper, *dark;
	uint32_t *count;
	size_t n;

	m->width = f->width;
	m->height = f->height;
	m->dpi = f->dpi ? f->dpi : f->width / (A4_WIDTH_MM / 25.4);
	m->cell = (uint32_t)lround(m->dpi * CELL_MM / 25.4);
	if (m->cell < 2)
		m->cell = 2;
	m->cols = (f->width + m->cell - 1) / m->cell;
	m->rows = (f->height + m->cell - 1) / m->cell;
	if ((double)f->width * CELL_MM / m->cell < 20 || (double)f->height * CELL_MM / m->cell < 20)
		return -EINVAL;
	n = (size_t)m->cols * m->rows;
	dark = calloc(n, sizeof(*dark));
	count = calloc(m->cols, sizeof(*count));
	if (!dark || !count) {
		free(dark);
		free(count);
		return -ENOMEM;
	}
	for (uint32_t r = 0; r < m->rows; r++) {
		uint32_t y1 = MIN((r + 1) * m->cell, f->height);
		float *out = dark + (size_t)r * m->cols;

		memset(count, 0, m->cols * sizeof(*count));
		for (uint32_t y = r * m->cell; y < y1; y += 2) {
			const uint8_t *row = f->data + (size_t)y * f->bytes_per_line;

			for (uint32_t c = 0; c < m->cols; c++) {
				uint32_t x0 = c * m->cell, x1 = MIN(x0 + m->cell, f->width);
				uint32_t k = (x1 - x0 + 1) / 2;

				out[c] += (float)cell_row_ink(f, row, x0, x1, k);
				count[c] += k;
			}
		}
		for (uint32_t c = 0; c < m->cols; c++)
			out[c] = count[c] ? out[c] / (float)count[c] : 0;
	}
	free(count);
	paper = paper_level(dark, n);
	for (size_t i = 0; i < n; i++) {
		float v = (dark[i] - paper) / (255 - paper + 1e-3f);

		dark[i] = v < 0 ? 0 : v > 1 ? 1 : v;
	}
	m->ink = dark;
	return 0;
}

static float ink_at(const struct map *m, int32_t c, uint32_t r)
{
	if (c < 0 || (uint32_t)c >= m->cols)
		return 0; /* beyond the frame: as paper */
	return m->ink[(size_t)r * m->cols + (uint32_t)c];
}

/* A run of cells [a, b) on row @r bounded by paper on both sides, the strip's width. */
static bool strip_run(const struct map *m, uint32_t r, uint32_t a, uint32_t b, double cells)
{
	float sum = 0, mean;

	if (b - a < 0.6 * cells || b - a > 1.5 * cells)
		return false;
	for (int32_t k = 2; k <= 3; k++)
		if (ink_at(m, (int32_t)a - k, r) > PAPER_INK ||
		    ink_at(m, (int32_t)b + k - 1, r) > PAPER_INK)
			return false;
	for (uint32_t c = a; c < b; c++)
		sum += ink_at(m, (int32_t)c, r);
	mean = sum / (float)(b - a);
	return mean >= STRIP_MEAN_MIN && mean <= STRIP_MEAN_MAX;
}

/* Centres (in cells) of strip runs on row @r, one near each long edge; -1 for none. */
static void strip_row(const struct map *m, uint32_t r, double cells, float *left, float *right)
{
	uint32_t c = 0;

	*left = *right = -1;
	while (c < m->cols) {
		uint32_t a;
		float centre;

		if (ink_at(m, (int32_t)c, r) < STRIP_INK_MIN) {
			c++;
			continue;
		}
		for (a = c; c < m->cols && ink_at(m, (int32_t)c, r) >= STRIP_INK_MIN; c++)
			;
		if (!strip_run(m, r, a, c, cells))
			continue;
		centre = (float)(a + c) / 2;
		if (centre < STRIP_OUTER * m->cols && *left < 0)
			*left = centre;
		else if (centre > (1 - STRIP_OUTER) * m->cols)
			*right = centre;
	}
}

struct chain {
	uint32_t first, last, n;
	float lo, hi; /* range of its centres */
};

/* The longest chain of rows whose strip centres follow each other (gaps and skew allowed). */
static struct chain strip_chain(const float *centre, uint32_t rows)
{
	struct chain best = { 0 }, cur = { 0 };
	float prev = -1;

	for (uint32_t r = 0; r < rows; r++) {
		if (centre[r] < 0)
			continue;
		if (cur.n && r - cur.last <= STRIP_GAP_ROWS &&
		    fabsf(centre[r] - prev) <= STRIP_DRIFT_CELLS) {
			cur.last = r;
			cur.n++;
			cur.lo = MIN(cur.lo, centre[r]);
			cur.hi = MAX(cur.hi, centre[r]);
		} else {
			cur = (struct chain){ r, r, 1, centre[r], centre[r] };
		}
		prev = centre[r];
		if (cur.n > best.n)
			best = cur;
	}
	return best;
}

static uint32_t px(const struct map *m, double pt)
{
	double v = pt * m->dpi / 72.0;

	return v <= 0 ? 0 : (uint32_t)v;
}

/* A box given in points of the upright sheet, in frame pixels, turned when @upside_down. */
static struct coverfind_box sheet_box(const struct map *m, bool upside_down, double x0, double y0,
				      double x1, double y1)
{
	struct coverfind_box b = { MIN(px(m, x0), m->width), MIN(px(m, y0), m->height),
				   MIN(px(m, x1), m->width), MIN(px(m, y1), m->height) };

	if (upside_down)
		b = (struct coverfind_box){ m->width - b.x1, m->height - b.y1, m->width - b.x0,
					    m->height - b.y0 };
	return b;
}

/* Whether the middle of @b is a QR Code's texture: 3x3-cell blocks of mixed ink. */
static bool qr_busy(const struct map *m, struct coverfind_box b)
{
	uint32_t w = b.x1 - b.x0, h = b.y1 - b.y0, c0, c1, r0, r1, blocks = 0, busy = 0;

	c0 = (b.x0 + (uint32_t)(QR_SHRINK * w)) / m->cell;
	c1 = (b.x1 - (uint32_t)(QR_SHRINK * w)) / m->cell;
	r0 = (b.y0 + (uint32_t)(QR_SHRINK * h)) / m->cell;
	r1 = (b.y1 - (uint32_t)(QR_SHRINK * h)) / m->cell;
	for (uint32_t r = r0; r + 3 <= r1 && r + 3 <= m->rows; r += 3)
		for (uint32_t c = c0; c + 3 <= c1 && c + 3 <= m->cols; c += 3) {
			float sum = 0;

			for (uint32_t i = 0; i < 9; i++)
				sum += ink_at(m, (int32_t)(c + i % 3), r + i / 3);
			blocks++;
			busy += sum / 9 >= 0.2f && sum / 9 <= 0.8f;
		}
	return blocks >= 4 && busy >= QR_BUSY_MIN * blocks;
}

/* Lines of large type in the column where the sheet's field values start. */
static uint32_t large_lines(const struct map *m, bool upside_down)
{
	double x0 = COVERSHEET_VALUE_PT, x1 = x0 + TEXT_WINDOW_MM / PT_MM;
	struct coverfind_box b = sheet_box(m, upside_down, x0, 30, x1, COVERSHEET_TEXT_END_PT + 10);
	double cell_mm = 25.4 * m->cell / m->dpi;
	uint32_t lines = 0, run = 0;

	for (uint32_t r = b.y0 / m->cell; r <= b.y1 / m->cell && r <= m->rows; r++) {
		bool ink = false;

		for (uint32_t c = b.x0 / m->cell; r < m->rows && c <= b.x1 / m->cell; c++)
			ink |= ink_at(m, (int32_t)c, r) > TEXT_INK;
		if (ink && r < m->rows) {
			run++;
			continue;
		}
		if (run * cell_mm >= TEXT_LINE_MIN_MM && run * cell_mm <= TEXT_LINE_MAX_MM)
			lines++;
		run = 0;
	}
	return lines;
}

static struct coverfind_box qr_zone(const struct map *m, bool upside_down)
{
	return sheet_box(m, upside_down, COVERSHEET_QR_X_PT, COVERSHEET_QR_Y_PT,
			 COVERSHEET_QR_X_PT + COVERSHEET_QR_PT,
			 COVERSHEET_QR_Y_PT + COVERSHEET_QR_PT);
}

/* Finds the strip; fills the strip fields of @ret. Returns -ENOMEM or 0. */
static int find_strip(const struct map *m, struct coverfind *ret)
{
	double cells = COVERSHEET_BAR_PT * PT_MM / (25.4 * m->cell / m->dpi);
	float *left = malloc(2 * sizeof(float) * m->rows), *right;
	struct chain l, r, *best;

	if (!left)
		return -ENOMEM;
	right = left + m->rows;
	for (uint32_t row = 0; row < m->rows; row++)
		strip_row(m, row, cells, &left[row], &right[row]);
	l = strip_chain(left, m->rows);
	r = strip_chain(right, m->rows);
	free(left);
	best = r.n > l.n ? &r : &l;
	ret->strip_rows = best->n;
	ret->upside_down = best == &r;
	if (best->n < STRIP_ROWS_MIN * m->rows ||
	    best->last - best->first < STRIP_SPAN_MIN * m->rows)
		return 0;
	ret->strip = true;
	ret->strip_box = (struct coverfind_box){
		(uint32_t)MAX(0.0, (best->lo - cells) * m->cell),
		(best->first > 2 ? best->first - 2 : 0) * m->cell,
		MIN((uint32_t)((best->hi + cells) * m->cell), m->width),
		MIN((best->last + 3) * m->cell, m->height),
	};
	return 0;
}

int coverfind_look(const struct frame *f, struct coverfind *ret)
{
	struct coverfind c = { 0 };
	struct map m = { 0 };
	int r;

	if (!frameink_valid(f))
		return -EINVAL;
	r = map_build(f, &m);
	if (r < 0)
		return r;
	r = find_strip(&m, &c);
	if (r < 0)
		goto out;
	for (int turn = 0; turn < 2; turn++) {
		/* Without a strip (torn off), both ways up are tried; with one, its side says. */
		if (c.strip && turn)
			break;
		if (!c.strip)
			c.upside_down = turn;
		c.qr_box = qr_zone(&m, c.upside_down);
		c.qr_block = qr_busy(&m, c.qr_box);
		c.text_lines = large_lines(&m, c.upside_down);
		c.large_text = c.text_lines >= TEXT_LINES_MIN;
		if (c.strip || (c.qr_block && c.large_text))
			break;
	}
	*ret = c;
out:
	free(m.ink);
	return r;
}

bool coverfind_is_cover(const struct coverfind *c)
{
	return (c->strip && (c->qr_block || c->large_text)) || (c->qr_block && c->large_text);
}
