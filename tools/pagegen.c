/*
 * pagegen: renders synthetic scanned pages with known truth.
 *
 * Pages are drawn as vectors with cairo and pango (real glyphs, bidi and Arabic shaping), rotated
 * by the requested skew and orientation, then given paper tone, noise and optional blur, and
 * written as PNG, PNM or TIFF through Leptonica. Every page is a pure function of (seed, page
 * index, options): the same command writes the same files.
 *
 * DIR/truth.tsv lists, per page: file, kind, skew (degrees, clockwise), rotation (0/90/180/270,
 * clockwise), dpi, width, height, blank (1 for the blank-* kinds) and the text file (the exact
 * text drawn on the page, for OCR scoring; "-" when none).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>
#include <leptonica/allheaders.h>
#include <pango/pangocairo.h>

#define MAX_COUNT 100000
#define MAX_DPI 1200
#define MAX_TEXT (64 * 1024)

enum kind {
	KIND_TEXT,
	KIND_BLANK,
	KIND_ONELINE,
	KIND_SIGNATURE,
	KIND_STAMP,
	KIND_BLANK_NOISE,
	KIND_BLANK_HOLES,
	KIND_BLANK_BLEED,
	KIND_BLANK_EDGE,
};

static const char *const kind_names[] = {
	[KIND_TEXT] = "text",
	[KIND_BLANK] = "blank",
	[KIND_ONELINE] = "oneline",
	[KIND_SIGNATURE] = "signature",
	[KIND_STAMP] = "stamp",
	[KIND_BLANK_NOISE] = "blank-noise",
	[KIND_BLANK_HOLES] = "blank-holes",
	[KIND_BLANK_BLEED] = "blank-bleed",
	[KIND_BLANK_EDGE] = "blank-edge",
};

struct paper_size {
	const char *name;
	double w_mm, h_mm;
};

static const struct paper_size sizes[] = {
	{ "a4", 210, 297 },	    { "a5", 148, 210 },	       { "a3", 297, 420 },
	{ "letter", 215.9, 279.4 }, { "legal", 215.9, 355.6 },
};

struct options {
	const char *out;
	unsigned count;
	unsigned dpi;
	const struct paper_size *size;
	enum kind kind;
	bool mixed; /* --kind all-blank / all-content: cycle through a set */
	const enum kind *cycle;
	size_t cycle_len;
	double skew_min, skew_max;
	int rotate;
	uint64_t seed;
	const char *text_file;
	const char *lang;
	const char *format;
	double noise;
	bool blur;
	bool dark_background;
	unsigned depth;
	unsigned first;
};

static const enum kind blank_kinds[] = { KIND_BLANK, KIND_BLANK_NOISE, KIND_BLANK_HOLES,
					 KIND_BLANK_BLEED, KIND_BLANK_EDGE };
static const enum kind sparse_kinds[] = { KIND_ONELINE, KIND_SIGNATURE, KIND_STAMP };

/* splitmix64: small, fast, and the same on every machine. */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_range(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_unit(r) * n);
}

/* Roughly normal, mean 0, deviation 1 (Irwin-Hall of 4 uniforms, cheap and bounded). */
static double rng_gauss(struct rng *r)
{
	uint64_t v = rng_next(r);
	double s = (double)(v & 0xffff) + (double)((v >> 16) & 0xffff) +
		   (double)((v >> 32) & 0xffff) + (double)(v >> 48);

	return (s / 65536.0 - 2.0) * 1.7320508;
}

/* ------------------------------------------------------------------------------------------ */
/* Text */

static const char *const words_eng[] = {
	"the",	      "invention", "relates",	  "to",	       "a",	     "method",
	"for",	      "device",	   "comprising",  "of",	       "and",	     "wherein",
	"said",	      "first",	   "second",	  "member",    "is",	     "arranged",
	"in",	      "claim",	   "according",	  "any",       "preceding",  "claims",
	"housing",    "surface",   "which",	  "applicant", "filed",	     "office",
	"priority",   "date",	   "application", "number",    "trade",	     "mark",
	"design",     "shall",	   "be",	  "with",      "on",	     "by",
	"at",	      "least",	   "one",	  "layer",     "connected",  "control",
	"unit",	      "signal",	   "provided",	  "further",   "configured", "system",
	"embodiment", "figure",	   "shown",	  "example",   "between",    "portion",
	"element",    "support",   "rotation",	  "axis",      "sheet",	     "paper",
	"registered", "goods",	   "services",	  "class",     "owner",	     "representative",
};

static const char *const words_fra[] = {
	"le",	       "la",	    "les",	  "invention",	 "concerne",   "un",
	"une",	       "procédé",   "pour",	  "dispositif",	 "comprenant", "dans",
	"lequel",      "ledit",	    "premier",	  "élément",	 "selon",      "revendication",
	"déposant",    "demande",   "brevet",	  "marque",	 "dessin",     "modèle",
	"priorité",    "numéro",    "office",	  "surface",	 "boîtier",    "être",
	"réalisé",     "à",	    "de",	  "du",		 "des",	       "et",
	"où",	       "couche",    "unité",	  "commande",	 "système",    "mode",
	"réalisation", "figure",    "représenté", "exemple",	 "entre",      "partie",
	"axe",	       "rotation",  "feuille",	  "enregistrée", "produits",   "services",
	"classe",      "titulaire", "mandataire", "français",	 "déjà",       "reçu",
	"été",
};

static const char *const words_ara[] = {
	"يتعلق", "الاختراع", "بطريقة", "جهاز",	 "يشتمل", "على",    "في",	"من",	 "إلى",
	"طلب",	 "براءة",    "علامة",  "تجارية", "تصميم", "صناعي",  "المودع",	"تاريخ", "الأولوية",
	"رقم",	 "المكتب",   "الأول",  "الثاني", "عنصر",  "وفقا",   "للمطالبة", "سطح",	 "طبقة",
	"وحدة",	 "تحكم",     "نظام",   "نموذج",	 "الشكل", "مثال",   "بين",	"جزء",	 "محور",
	"ورقة",	 "مسجلة",    "سلع",    "خدمات",	 "فئة",	  "المالك", "الوكيل",	"حيث",	 "هذا",
	"التي",	 "الذي",     "مع",     "كل",	 "أو",
};

struct wordlist {
	const char *const *words;
	size_t n;
	const char *font;
	const char *title;
	const char *oneline;
	const char *stamp;
};

static struct wordlist lang_words(const char *lang)
{
	if (!strcmp(lang, "fra"))
		return (struct wordlist){ words_fra,
					  G_N_ELEMENTS(words_fra),
					  "DejaVu Serif",
					  "DEMANDE DE BREVET D'INVENTION",
					  "Suite à la page suivante.",
					  "REÇU" };
	if (!strcmp(lang, "ara"))
		return (struct wordlist){
			words_ara,	    G_N_ELEMENTS(words_ara),  "Noto Naskh Arabic",
			"طلب براءة اختراع", "يتبع في الصفحة التالية", "ورد"
		};
	return (struct wordlist){ words_eng,
				  G_N_ELEMENTS(words_eng),
				  "DejaVu Serif",
				  "APPLICATION FOR A PATENT",
				  "Continued on the next page.",
				  "RECEIVED" };
}

/* Appends to a bounded string buffer; silently stops at the bound. */
struct strbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct strbuf *b, const char *t)
{
	size_t n = strlen(t);

	if (b->len + n + 1 > b->cap)
		return;
	memcpy(b->s + b->len, t, n + 1);
	b->len += n;
}

static void make_paragraphs(struct rng *r, const struct wordlist *wl, unsigned paragraphs,
			    struct strbuf *b)
{
	unsigned p, s, w;

	for (p = 0; p < paragraphs; p++) {
		unsigned sentences = 3 + rng_below(r, 4);

		for (s = 0; s < sentences; s++) {
			unsigned nw = 6 + rng_below(r, 12);

			for (w = 0; w < nw; w++) {
				const char *word = wl->words[rng_below(r, (unsigned)wl->n)];
				char cap[64];

				if (w == 0 && (unsigned char)word[0] < 0x80) {
					snprintf(cap, sizeof(cap), "%s", word);
					if (cap[0] >= 'a' && cap[0] <= 'z')
						cap[0] = (char)(cap[0] - 'a' + 'A');
					sb_add(b, cap);
				} else {
					sb_add(b, word);
				}
				sb_add(b, w + 1 < nw ? " " : ". ");
			}
		}
		sb_add(b, p + 1 < paragraphs ? "\n\n" : "\n");
	}
}

static char *read_text_file(const char *path)
{
	FILE *fp = fopen(path, "re");
	char *buf;
	size_t n;

	if (!fp) {
		fprintf(stderr, "pagegen: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_TEXT + 1);
	if (!buf) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, MAX_TEXT, fp);
	buf[n] = '\0';
	fclose(fp);
	if (n == MAX_TEXT)
		fprintf(stderr, "pagegen: '%s' is longer than %d bytes: the rest is not drawn\n",
			path, MAX_TEXT);
	return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* Drawing: cairo user units are millimetres on the upright page. */

struct page {
	cairo_t *cr;
	double w_mm, h_mm;
	double px_per_mm;
	double paper; /* paper tone, 0..1 */
	struct rng *rng;
	const struct wordlist *wl;
	const char *lang;
};

static void set_grey(cairo_t *cr, double v)
{
	cairo_set_source_rgb(cr, v, v, v);
}

/* Lays out text in a box of width w_mm at (x, y); returns its height in mm. */
static double draw_text(struct page *pg, const char *text, double x, double y, double w_mm,
			double size_pt, bool bold, double ink)
{
	PangoLayout *layout = pango_cairo_create_layout(pg->cr);
	PangoFontDescription *fd = pango_font_description_from_string(pg->wl->font);
	int lw, lh;

	pango_cairo_context_set_resolution(pango_layout_get_context(layout), 72.0);
	pango_font_description_set_absolute_size(fd, size_pt * 25.4 / 72.0 * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(layout, fd);
	pango_layout_set_width(layout, (int)(w_mm * PANGO_SCALE));
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD);
	pango_layout_set_auto_dir(layout, TRUE);
	if (!strcmp(pg->lang, "ara"))
		pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT);
	pango_layout_set_text(layout, text, -1);
	pango_cairo_update_layout(pg->cr, layout);
	set_grey(pg->cr, ink);
	cairo_move_to(pg->cr, x, y);
	pango_cairo_show_layout(pg->cr, layout);
	pango_layout_get_size(layout, &lw, &lh);
	pango_font_description_free(fd);
	g_object_unref(layout);
	return (double)lh / PANGO_SCALE;
}

static void draw_text_page(struct page *pg, const char *user_text, struct strbuf *truth)
{
	double margin = 25, y = 25, h;
	char header[128];

	snprintf(header, sizeof(header), "%s\n", pg->wl->title);
	y += draw_text(pg, header, margin, y, pg->w_mm - 2 * margin, 14, true, 0.08);
	sb_add(truth, header);
	y += 6;
	if (user_text) {
		sb_add(truth, user_text);
		draw_text(pg, user_text, margin, y, pg->w_mm - 2 * margin, 11, false, 0.08);
		return;
	}
	while (y < pg->h_mm - 60) {
		char buf[4096];
		struct strbuf para = { buf, 0, sizeof(buf) };

		make_paragraphs(pg->rng, pg->wl, 1, &para);
		h = draw_text(pg, buf, margin, y, pg->w_mm - 2 * margin, 11, false, 0.08);
		sb_add(truth, buf);
		sb_add(truth, "\n");
		y += h + 3;
	}
}

static void draw_oneline(struct page *pg, struct strbuf *truth)
{
	double x = rng_range(pg->rng, 25, 60), y = rng_range(pg->rng, 30, pg->h_mm * 0.6);

	draw_text(pg, pg->wl->oneline, x, y, pg->w_mm - x - 20, 11, false, 0.1);
	sb_add(truth, pg->wl->oneline);
	sb_add(truth, "\n");
}

static void draw_signature(struct page *pg)
{
	struct rng *r = pg->rng;
	double x0 = rng_range(r, 40, pg->w_mm - 100),
	       y0 = rng_range(r, pg->h_mm * 0.55, pg->h_mm - 50);
	double x = x0, y = y0;
	unsigned i, strokes = 5 + rng_below(r, 4);

	cairo_save(pg->cr);
	cairo_set_line_width(pg->cr, rng_range(r, 0.35, 0.6));
	cairo_set_line_cap(pg->cr, CAIRO_LINE_CAP_ROUND);
	cairo_set_line_join(pg->cr, CAIRO_LINE_JOIN_ROUND);
	set_grey(pg->cr, rng_range(r, 0.15, 0.35));
	cairo_move_to(pg->cr, x, y);
	for (i = 0; i < strokes; i++) {
		double nx = x + rng_range(r, 4, 12), ny = y0 + rng_range(r, -6, 6);

		cairo_curve_to(pg->cr, x + rng_range(r, -5, 12), y + rng_range(r, -14, 4),
			       nx + rng_range(r, -10, 6), ny + rng_range(r, -4, 14), nx, ny);
		x = nx;
		y = ny;
	}
	/* The closing flourish under the name. */
	cairo_curve_to(pg->cr, x + 8, y + 6, x0 + 10, y0 + 9, x0 - 4, y0 + 5);
	cairo_stroke(pg->cr);
	cairo_restore(pg->cr);
}

static void draw_stamp(struct page *pg, struct strbuf *truth)
{
	struct rng *r = pg->rng;
	double cx = rng_range(r, 60, pg->w_mm - 60), cy = rng_range(r, 50, pg->h_mm - 50);
	double ink = rng_range(r, 0.35, 0.5);
	char date[64];

	snprintf(date, sizeof(date), "%s\n%02u.%02u.20%02u", pg->wl->stamp, 1 + rng_below(r, 28),
		 1 + rng_below(r, 12), 10 + rng_below(r, 15));
	cairo_save(pg->cr);
	cairo_translate(pg->cr, cx, cy);
	cairo_rotate(pg->cr, rng_range(r, -0.25, 0.25));
	set_grey(pg->cr, ink);
	cairo_set_line_width(pg->cr, 0.8);
	if (rng_below(r, 2)) {
		cairo_arc(pg->cr, 0, 0, 19, 0, 2 * M_PI);
		cairo_stroke(pg->cr);
		cairo_arc(pg->cr, 0, 0, 16.5, 0, 2 * M_PI);
		cairo_stroke(pg->cr);
	} else {
		cairo_rectangle(pg->cr, -27, -11, 54, 22);
		cairo_stroke(pg->cr);
	}
	draw_text(pg, date, -14, -6, 40, 10, true, ink);
	sb_add(truth, date);
	sb_add(truth, "\n");
	cairo_restore(pg->cr);
}

/* Faint mirrored text from the other side of the sheet. */
static void draw_bleed(struct page *pg)
{
	char buf[8192];
	struct strbuf para = { buf, 0, sizeof(buf) };
	double ink = pg->paper - rng_range(pg->rng, 0.06, 0.1);

	make_paragraphs(pg->rng, pg->wl, 6, &para);
	cairo_save(pg->cr);
	cairo_translate(pg->cr, pg->w_mm, 0);
	cairo_scale(pg->cr, -1, 1);
	draw_text(pg, buf, 25, 30, pg->w_mm - 50, 11, false, ink);
	cairo_restore(pg->cr);
}

/* ------------------------------------------------------------------------------------------ */
/* Raster stage */

static void box_blur(uint8_t *img, uint32_t w, uint32_t h, unsigned radius)
{
	uint8_t *line;
	uint32_t x, y;
	unsigned n = 2 * radius + 1;

	if (w == 0 || h == 0)
		return;
	/* The loops read back only what they wrote; zeroed for clang-tidy, which cannot tell. */
	line = calloc(MAX(w, h), 1);
	if (!line)
		return;
	for (y = 0; y < h; y++) {
		uint8_t *p = img + (size_t)y * w;
		unsigned sum = 0;

		for (x = 0; x < w + radius; x++) {
			if (x < w)
				sum += p[x];
			else
				sum += p[w - 1];
			if (x >= n)
				sum -= line[(x - n) % w];
			if (x < w)
				line[x] = p[x];
			if (x >= radius)
				p[x - radius] = (uint8_t)(sum / (x >= n - 1 ? n : x + 1));
		}
	}
	for (x = 0; x < w; x++) {
		unsigned sum = 0;

		for (y = 0; y < h + radius; y++) {
			uint8_t v = img[(size_t)MIN(y, h - 1) * w + x];

			sum += v;
			if (y >= n)
				sum -= line[(y - n) % h];
			if (y < h)
				line[y] = v;
			if (y >= radius)
				img[(size_t)(y - radius) * w + x] =
				    (uint8_t)(sum / (y >= n - 1 ? n : y + 1));
		}
	}
	free(line);
}

/* Paper grain: low-frequency mottling plus per-pixel noise, only where there is paper. */
static void add_noise(uint8_t *img, uint32_t w, uint32_t h, double sigma, double mottle,
		      struct rng *r)
{
	enum { CELL = 64 };
	uint32_t gw = w / CELL + 2, gh = h / CELL + 2, x, y;
	double *grid = calloc((size_t)gw * gh, sizeof(*grid));

	if (!grid)
		return;
	for (x = 0; x < gw * gh; x++)
		grid[x] = rng_gauss(r) * mottle;
	for (y = 0; y < h; y++) {
		double fy = (double)y / CELL;
		uint32_t gy = (uint32_t)fy;
		double ty = fy - gy;

		for (x = 0; x < w; x++) {
			double fx = (double)x / CELL, tx, m, v;
			uint32_t gx = (uint32_t)fx;
			uint8_t *p = img + (size_t)y * w + x;

			tx = fx - gx;
			m = (grid[gy * gw + gx] * (1 - tx) + grid[gy * gw + gx + 1] * tx) *
				(1 - ty) +
			    (grid[(gy + 1) * gw + gx] * (1 - tx) +
			     grid[(gy + 1) * gw + gx + 1] * tx) *
				ty;
			v = *p + m + rng_gauss(r) * sigma;
			*p = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
		}
	}
	free(grid);
}

/* Dust: small dark specks, at most a few tenths of a millimetre. */
static void add_dust(uint8_t *img, uint32_t w, uint32_t h, unsigned dpi, unsigned count,
		     struct rng *r)
{
	unsigned i, maxr = MAX(1u, dpi / 150);

	for (i = 0; i < count; i++) {
		uint32_t cx = rng_below(r, w), cy = rng_below(r, h);
		int rad = (int)rng_below(r, maxr + 1), dx, dy;
		uint8_t v = (uint8_t)rng_range(r, 60, 170);

		for (dy = -rad; dy <= rad; dy++)
			for (dx = -rad; dx <= rad; dx++) {
				int64_t px = (int64_t)cx + dx, py = (int64_t)cy + dy;

				if (px < 0 || py < 0 || px >= w || py >= h ||
				    dx * dx + dy * dy > rad * rad)
					continue;
				img[(size_t)py * w + (size_t)px] = v;
			}
	}
}

/* ------------------------------------------------------------------------------------------ */

struct truth {
	double skew;
	int rotation;
	uint32_t width, height;
};

/* Where the sheet lies in the scan, drawn from the page's own random stream. */
struct layout {
	double skew;
	uint32_t w, h; /* the scan, in pixels */
	double paper;  /* paper tone, 0..1 */
	bool dark;     /* a dark scanner background around the sheet */
	double off[4]; /* paper inset from the scan area: left, top, right, bottom */
};

static void page_layout(const struct options *o, unsigned index, enum kind kind, struct rng *rng,
			struct layout *l)
{
	double ppmm = o->dpi / 25.4;
	uint32_t pw = (uint32_t)lround(o->size->w_mm * ppmm),
		 ph = (uint32_t)lround(o->size->h_mm * ppmm);

	*l = (struct layout){ 0 };
	l->dark = o->dark_background || kind == KIND_BLANK_HOLES || kind == KIND_BLANK_EDGE;
	l->skew = o->count > 1 ? o->skew_min + (o->skew_max - o->skew_min) * index / (o->count - 1)
			       : o->skew_min;
	if (o->rotate == 90 || o->rotate == 270) {
		l->w = ph;
		l->h = pw;
	} else {
		l->w = pw;
		l->h = ph;
	}
	l->paper = rng_range(rng, 0.90, 0.96);
	if (kind == KIND_BLANK_EDGE) {
		unsigned sides = 1 + rng_below(rng, 3), i, first = rng_below(rng, 4);

		for (i = 0; i < sides; i++)
			l->off[(first + i) % 4] = rng_range(rng, 2, 7);
	} else if (l->dark && kind != KIND_BLANK_HOLES) {
		for (unsigned x = 0; x < 4; x++)
			l->off[x] = rng_range(rng, 1.5, 4);
	}
}

/* The scanner's background, then the blank sheet, skewed and rotated on it. */
static void draw_sheet(struct page *pg, const struct options *o, const struct layout *l)
{
	cairo_set_antialias(pg->cr, CAIRO_ANTIALIAS_GRAY);
	/* The scanner's background behind the sheet. */
	set_grey(pg->cr, l->dark ? rng_range(pg->rng, 0.06, 0.16) : l->paper);
	cairo_paint(pg->cr);
	/* Device pixels -> millimetres on the upright sheet, rotated about the centre. */
	cairo_translate(pg->cr, l->w / 2.0, l->h / 2.0);
	cairo_rotate(pg->cr, (o->rotate + l->skew) * M_PI / 180.0);
	cairo_scale(pg->cr, pg->px_per_mm, pg->px_per_mm);
	cairo_translate(pg->cr, -o->size->w_mm / 2, -o->size->h_mm / 2);
	/* The sheet. */
	set_grey(pg->cr, l->paper);
	cairo_rectangle(pg->cr, l->off[0], l->off[1], o->size->w_mm - l->off[0] - l->off[2],
			o->size->h_mm - l->off[1] - l->off[3]);
	cairo_fill(pg->cr);
}

/* Punched holes along the top or the left edge, showing the dark background. */
static void draw_holes(struct page *pg)
{
	unsigned n = rng_below(pg->rng, 2) ? 2 : 4, i;
	double pitch = n == 2 ? 80 : 70, cxh = rng_range(pg->rng, 9, 13);
	bool top = rng_below(pg->rng, 4) == 0;
	double span = top ? pg->w_mm : pg->h_mm;

	set_grey(pg->cr, rng_range(pg->rng, 0.06, 0.16));
	for (i = 0; i < n; i++) {
		double along = span / 2 + (i - (n - 1) / 2.0) * pitch;

		if (top)
			cairo_arc(pg->cr, along, cxh, 3, 0, 2 * M_PI);
		else
			cairo_arc(pg->cr, cxh, along, 3, 0, 2 * M_PI);
		cairo_fill(pg->cr);
	}
}

/* What the kind of page puts on the sheet; its text, if any, goes to truth. */
static int draw_content(struct page *pg, const struct options *o, enum kind kind,
			struct strbuf *truth)
{
	char *user_text = NULL;

	switch (kind) {
	case KIND_TEXT:
		if (o->text_file) {
			user_text = read_text_file(o->text_file);
			if (!user_text)
				return -EIO;
		}
		draw_text_page(pg, user_text, truth);
		free(user_text);
		break;
	case KIND_ONELINE:
		draw_oneline(pg, truth);
		break;
	case KIND_SIGNATURE:
		draw_signature(pg);
		break;
	case KIND_STAMP:
		draw_stamp(pg, truth);
		break;
	case KIND_BLANK_HOLES:
		draw_holes(pg);
		break;
	case KIND_BLANK_BLEED:
		draw_bleed(pg);
		break;
	default:
		break;
	}
	return 0;
}

/* The grey levels of the drawn surface, w x h bytes; NULL when out of memory. */
static uint8_t *surface_grey(cairo_surface_t *surf, uint32_t w, uint32_t h)
{
	const uint8_t *src;
	uint8_t *grey;
	int stride;

	cairo_surface_flush(surf);
	grey = malloc((size_t)w * h);
	if (!grey)
		return NULL;
	src = cairo_image_surface_get_data(surf);
	stride = cairo_image_surface_get_stride(surf);
	for (uint32_t y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(src + (size_t)y * stride);

		for (uint32_t x = 0; x < w; x++)
			grey[(size_t)y * w + x] = (uint8_t)(row[x] & 0xff);
	}
	return grey;
}

/* What the scanner adds: optics' blur, sensor grain, and dust on noisy blanks. */
static void degrade(uint8_t *grey, uint32_t w, uint32_t h, const struct options *o, enum kind kind,
		    struct rng *rng)
{
	if (kind == KIND_BLANK_BLEED)
		box_blur(grey, w, h, MAX(1u, o->dpi / 100));
	else if (o->blur)
		box_blur(grey, w, h, 1);
	add_noise(grey, w, h, kind == KIND_BLANK_NOISE ? MAX(o->noise, 7.0) : o->noise,
		  kind == KIND_BLANK_NOISE ? 5.0 : 1.5, rng);
	if (kind == KIND_BLANK_NOISE)
		add_dust(grey, w, h, o->dpi, 150 + rng_below(rng, 250), rng);
}

/* The grey levels as a Leptonica image at the page's resolution and depth. */
static PIX *grey_pix(const uint8_t *grey, uint32_t w, uint32_t h, const struct options *o)
{
	PIX *pix, *bin;

	pix = pixCreate((l_int32)w, (l_int32)h, 8);
	if (!pix)
		return NULL;
	for (uint32_t y = 0; y < h; y++) {
		l_uint32 *line = pixGetData(pix) + (size_t)y * pixGetWpl(pix);

		for (uint32_t x = 0; x < w; x++)
			SET_DATA_BYTE(line, x, grey[(size_t)y * w + x]);
	}
	pixSetResolution(pix, (l_int32)o->dpi, (l_int32)o->dpi);
	if (o->depth != 1)
		return pix;
	bin = pixConvertTo1(pix, 128);
	pixDestroy(&pix);
	if (bin)
		pixSetResolution(bin, (l_int32)o->dpi, (l_int32)o->dpi);
	return bin;
}

static int write_image(const struct options *o, const char *base, PIX *pix)
{
	l_int32 fmt = !strcmp(o->format, "png")	  ? IFF_PNG
		      : !strcmp(o->format, "pnm") ? IFF_PNM
		      : o->depth == 1		  ? IFF_TIFF_G4
						  : IFF_TIFF_ZIP;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.%s", o->out, base, o->format);
	if (pixWrite(path, pix, fmt)) {
		fprintf(stderr, "pagegen: cannot write '%s'\n", path);
		return -EIO;
	}
	return 0;
}

/* The page's text, its OCR truth, beside the image as BASE.txt. */
static int write_text(const struct options *o, const char *base, const struct strbuf *truth)
{
	char path[4096];
	FILE *fp;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s.txt", o->out, base);
	fp = fopen(path, "we");
	if (!fp || fwrite(truth->s, 1, truth->len, fp) != truth->len) {
		fprintf(stderr, "pagegen: cannot write '%s': %s\n", path, strerror(errno));
		r = -EIO;
	}
	if (fp && fclose(fp) != 0)
		r = -EIO;
	return r;
}

static int render_page(const struct options *o, unsigned index, const char *base, struct truth *ret)
{
	const struct wordlist wl = lang_words(o->lang);
	struct rng rng = { o->seed * 0x100000001b3ull + index * 0x9e3779b97f4a7c15ull + 1 };
	enum kind kind = o->cycle ? o->cycle[index % o->cycle_len] : o->kind;
	char textbuf[MAX_TEXT + 512];
	struct strbuf truth = { textbuf, 0, sizeof(textbuf) };
	cairo_surface_t *surf;
	struct layout l;
	struct page pg;
	uint8_t *grey;
	PIX *pix;
	int r;

	textbuf[0] = '\0';
	page_layout(o, index, kind, &rng, &l);
	surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)l.w, (int)l.h);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surf);
		return -ENOMEM;
	}
	pg = (struct page){ .cr = cairo_create(surf),
			    .w_mm = o->size->w_mm,
			    .h_mm = o->size->h_mm,
			    .px_per_mm = o->dpi / 25.4,
			    .paper = l.paper,
			    .rng = &rng,
			    .wl = &wl,
			    .lang = o->lang };
	draw_sheet(&pg, o, &l);
	r = draw_content(&pg, o, kind, &truth);
	if (r < 0)
		goto out;

	grey = surface_grey(surf, l.w, l.h);
	if (!grey) {
		r = -ENOMEM;
		goto out;
	}
	degrade(grey, l.w, l.h, o, kind, &rng);
	pix = grey_pix(grey, l.w, l.h, o);
	free(grey);
	if (!pix) {
		r = -ENOMEM;
		goto out;
	}
	r = write_image(o, base, pix);
	pixDestroy(&pix);
	if (r == 0 && truth.len > 0)
		r = write_text(o, base, &truth);
	if (r == 0)
		*ret = (struct truth){
			.skew = l.skew, .rotation = o->rotate, .width = l.w, .height = l.h
		};
out:
	cairo_destroy(pg.cr);
	cairo_surface_destroy(surf);
	return r < 0 ? r : (int)(truth.len > 0);
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: pagegen --out DIR [options]\n"
		"Renders synthetic scanned pages with known truth into DIR, plus DIR/truth.tsv.\n"
		"\n"
		"  --out DIR           output folder (created)\n"
		"  --count N           pages (default 1)\n"
		"  --first N           number of the first page file (default 1)\n"
		"  --dpi N             resolution (default 300)\n"
		"  --size NAME         a4, a5, a3, letter, legal (default a4)\n"
		"  --kind KIND         text, blank, oneline, signature, stamp, blank-noise,\n"
		"                      blank-holes, blank-bleed, blank-edge, or the sets\n"
		"                      blank-all and sparse-all (cycled page by page)\n"
		"  --skew DEG          skew, clockwise degrees (default 0)\n"
		"  --skew-range A:B    skews spread evenly from A to B over the pages\n"
		"  --rotate R          0, 90, 180, 270: page fed rotated clockwise\n"
		"  --seed S            random seed (default 1)\n"
		"  --text FILE         text to draw on text pages (UTF-8)\n"
		"  --lang L            eng, fra, ara (default eng)\n"
		"  --format F          png, pnm, tif (default png)\n"
		"  --depth D           8 (grey, default) or 1 (bitonal)\n"
		"  --noise LEVEL       grain deviation in grey levels (default 3)\n"
		"  --blur              soften like scanner optics\n"
		"  --dark-background   dark scanner background around the sheet\n");
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int parse_double(const char *s, double lo, double hi, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_size(const char *arg, struct options *o)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(sizes) && strcmp(sizes[i].name, arg); i++)
		;
	if (i == G_N_ELEMENTS(sizes))
		return -EINVAL;
	o->size = &sizes[i];
	return 0;
}

/* A kind of page, or a set of kinds cycled page by page. */
static int parse_kind(const char *arg, struct options *o)
{
	size_t i;

	if (!strcmp(arg, "blank-all")) {
		o->cycle = blank_kinds;
		o->cycle_len = G_N_ELEMENTS(blank_kinds);
		return 0;
	}
	if (!strcmp(arg, "sparse-all")) {
		o->cycle = sparse_kinds;
		o->cycle_len = G_N_ELEMENTS(sparse_kinds);
		return 0;
	}
	for (i = 0; i < G_N_ELEMENTS(kind_names) && strcmp(kind_names[i], arg); i++)
		;
	if (i == G_N_ELEMENTS(kind_names))
		return -EINVAL;
	o->kind = (enum kind)i;
	return 0;
}

/* The value of one option, checked; -EINVAL when it is not one the option takes. */
static int set_option(struct options *o, int c, const char *arg)
{
	unsigned u;

	switch (c) {
	case 'o':
		o->out = arg;
		return 0;
	case 'n':
		return parse_uint(arg, 1, MAX_COUNT, &o->count);
	case 'F':
		return parse_uint(arg, 0, 9999999, &o->first);
	case 'd':
		return parse_uint(arg, 50, MAX_DPI, &o->dpi);
	case 'S':
		return parse_size(arg, o);
	case 'k':
		return parse_kind(arg, o);
	case 's':
		if (parse_double(arg, -45, 45, &o->skew_min) < 0)
			return -EINVAL;
		o->skew_max = o->skew_min;
		return 0;
	case 'R':
		if (sscanf(arg, "%lf:%lf", &o->skew_min, &o->skew_max) != 2 ||
		    !(o->skew_min >= -45 && o->skew_min <= 45 && o->skew_max >= -45 &&
		      o->skew_max <= 45))
			return -EINVAL;
		return 0;
	case 'r':
		if (parse_uint(arg, 0, 270, &u) < 0 || u % 90)
			return -EINVAL;
		o->rotate = (int)u;
		return 0;
	case 'e':
		o->seed = strtoull(arg, NULL, 0);
		return 0;
	case 't':
		o->text_file = arg;
		return 0;
	case 'l':
		if (strcmp(arg, "eng") && strcmp(arg, "fra") && strcmp(arg, "ara"))
			return -EINVAL;
		o->lang = arg;
		return 0;
	case 'f':
		if (strcmp(arg, "png") && strcmp(arg, "pnm") && strcmp(arg, "tif"))
			return -EINVAL;
		o->format = arg;
		return 0;
	case 'D':
		if (parse_uint(arg, 1, 8, &o->depth) < 0 || (o->depth != 1 && o->depth != 8))
			return -EINVAL;
		return 0;
	case 'N':
		return parse_double(arg, 0, 64, &o->noise);
	case 'b':
		o->blur = true;
		return 0;
	case 'B':
		o->dark_background = true;
		return 0;
	default:
		return -EINVAL;
	}
}

/* 1 to go on, 0 when --help was printed, -EINVAL for wrong usage (told). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = { { "out", required_argument, NULL, 'o' },
						  { "count", required_argument, NULL, 'n' },
						  { "first", required_argument, NULL, 'F' },
						  { "dpi", required_argument, NULL, 'd' },
						  { "size", required_argument, NULL, 'S' },
						  { "kind", required_argument, NULL, 'k' },
						  { "skew", required_argument, NULL, 's' },
						  { "skew-range", required_argument, NULL, 'R' },
						  { "rotate", required_argument, NULL, 'r' },
						  { "seed", required_argument, NULL, 'e' },
						  { "text", required_argument, NULL, 't' },
						  { "lang", required_argument, NULL, 'l' },
						  { "format", required_argument, NULL, 'f' },
						  { "depth", required_argument, NULL, 'D' },
						  { "noise", required_argument, NULL, 'N' },
						  { "blur", no_argument, NULL, 'b' },
						  { "dark-background", no_argument, NULL, 'B' },
						  { "help", no_argument, NULL, 'h' },
						  {} };
	int c, li = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == '?') {
			usage(stderr);
			return -EINVAL;
		}
		if (set_option(o, c, optarg) < 0) {
			fprintf(stderr,
				"pagegen: invalid value '%s' for --%s (see pagegen --help)\n",
				optarg, longopts[li].name);
			return -EINVAL;
		}
	}
	if (!o->out || optind != argc) {
		fprintf(stderr, "pagegen: --out DIR is required (see pagegen --help)\n");
		return -EINVAL;
	}
	return 1;
}

/* Renders every page, with its line in truth.tsv; -1 when one cannot be (told). */
static int write_pages(const struct options *o, FILE *tsv)
{
	fprintf(tsv, "file\tkind\tskew\trotation\tdpi\twidth\theight\tblank\ttext\n");
	for (unsigned i = 0; i < o->count; i++) {
		enum kind kind = o->cycle ? o->cycle[i % o->cycle_len] : o->kind;
		struct truth t = { 0 };
		char base[64];
		int r;

		snprintf(base, sizeof(base), "page-%04u", o->first + i);
		r = render_page(o, i, base, &t);
		if (r < 0) {
			fprintf(stderr, "pagegen: cannot render page %u: %s\n", o->first + i,
				strerror(-r));
			return -1;
		}
		fprintf(tsv, "%s.%s\t%s\t%.3f\t%d\t%u\t%u\t%u\t%d\t%s%s\n", base, o->format,
			kind_names[kind], t.skew, t.rotation, o->dpi, t.width, t.height,
			kind >= KIND_BLANK_NOISE || kind == KIND_BLANK, r > 0 ? base : "-",
			r > 0 ? ".txt" : "");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .count = 1,
			     .dpi = 300,
			     .size = &sizes[0],
			     .kind = KIND_TEXT,
			     .seed = 1,
			     .lang = "eng",
			     .format = "png",
			     .noise = 3,
			     .depth = 8,
			     .first = 1 };
	char path[4096];
	FILE *tsv;
	int r;

	r = parse_options(argc, argv, &o);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	if (mkdir(o.out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "pagegen: cannot create '%s': %s\n", o.out, strerror(errno));
		return 1;
	}
	setMsgSeverity(L_SEVERITY_ERROR);
	snprintf(path, sizeof(path), "%s/truth.tsv", o.out);
	tsv = fopen(path, "we");
	if (!tsv) {
		fprintf(stderr, "pagegen: cannot create '%s': %s\n", path, strerror(errno));
		return 1;
	}
	if (write_pages(&o, tsv) < 0) {
		fclose(tsv);
		return 1;
	}
	if (fclose(tsv) != 0) {
		fprintf(stderr, "pagegen: cannot write '%s': %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}
