/*
 * The image stage: cleanup, binarisation, skew and orientation, blank measure, encoding.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <leptonica/allheaders.h>
#include <tiffio.h>

#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/image/clean.h"
#include "firmware/image/process.h"
#include "firmware/image/pix.h"
#include "firmware/image/binarize.h"
#include "firmware/image/skew.h"
#include "firmware/image/updown.h"

#define DEG2RAD (3.14159265358979323846 / 180.0)
/* Skew search: +-7 degrees, coarse sweep on a 4x reduction, binary search on a 2x one
 * (skew_find(), Leptonica's pixFindSkewSweepAndSearch() without an image per angle). */
#define SKEW_RANGE 7.0f
#define SKEW_MIN_CONF 3.0
/*
 * Lines running down the page turn it a quarter only when they are measured clearly: a blurred
 * or sparse page measures weakly both ways, and a wrong quarter turn loses its text to OCR.
 */
#define SKEW_TURN_MIN_CONF 6.0
/* Below this angle a rotation changes nothing visible. */
#define SKEW_MIN_DEG 0.03
/* Leptonica's own limits in pixRotate() (1.82): no turn below the first; two shears, not
 * three or sampling, up to the second. rotate() keeps to them, so its pages are the same. */
#define ROTATE_MIN_RAD 0.001f
#define SHEAR2_MAX_RAD 0.06f
#define ORIENT_MIN_CONF 8.0f
#define ORIENT_MIN_RATIO 2.5f
/*
 * Lines measured this many times stronger one way than the other run that way for sure:
 * the orientation is then up or down, and Leptonica's left/right test (half its time) is not
 * made. On the degraded typescripts of ../shared, fed four ways, the axes measure within
 * 1.0-1.9x of each other and get both tests; printed pages measure 2-30x.
 */
#define SKEW_AXIS_SURE 2.0f

/* ------------------------------------------------------------------------------------------ */
/* Library versions and messages */

static char versions[128];
static pthread_once_t versions_once = PTHREAD_ONCE_INIT;
static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void versions_init(void)
{
	char *lept = getLeptonicaVersion();
	const char *tiff = TIFFGetVersion(), *v;
	char tiffv[32] = "?";

	v = tiff ? strstr(tiff, "Version ") : NULL;
	if (v)
		sscanf(v + 8, "%31[0-9.]", tiffv);
	snprintf(versions, sizeof(versions), "%s libtiff-%s libjpeg-turbo-%s",
		 lept ? lept : "leptonica-?", tiffv, STRINGIFY(LIBJPEG_TURBO_VERSION));
	lept_free(lept);
}

const char *image_library_versions(void)
{
	pthread_once(&versions_once, versions_init);
	return versions;
}

static void lept_message(const char *msg)
{
	size_t n = strlen(msg);

	log_debug("leptonica: %.*s", (int)(n && msg[n - 1] == '\n' ? n - 1 : n), msg);
}

static void quiet_init(void)
{
	leptSetStderrHandler(lept_message);
	/* Leptonica's info messages ("rotate by shear") cost a format per call: drop them. */
	l_int32 old = setMsgSeverity(L_SEVERITY_WARNING);

	if (old > L_SEVERITY_WARNING)
		setMsgSeverity(old);
}

/* ------------------------------------------------------------------------------------------ */
/* The ops record */

struct ops {
	char *buf;
	size_t len, cap;
};

_printf_(2, 3) static void ops_add(struct ops *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len = MIN(o->len + (size_t)n, o->cap - 1);
}

/* ------------------------------------------------------------------------------------------ */

void image_profile_init(struct image_profile *p)
{
	*p = (struct image_profile){
		.output = IMAGE_OUTPUT_BITONAL,
		.deskew = true,
		.orient = true,
		.clean_borders = true,
		.despeckle = true,
		.jpeg_quality = CONFIG_IMAGE_JPEG_QUALITY,
		.skew_limit_deg = 3.0,
		.blank_threshold = 0.02,
		.dark_paper = 150,
		.light_ink = 150,
	};
}

static int profile_check(const struct image_profile *p)
{
	if (p->output != IMAGE_OUTPUT_BITONAL && p->output != IMAGE_OUTPUT_GREY &&
	    p->output != IMAGE_OUTPUT_COLOUR && p->output != IMAGE_OUTPUT_AUTO)
		return -EINVAL;
	if (p->output != IMAGE_OUTPUT_BITONAL && (p->jpeg_quality < 1 || p->jpeg_quality > 100))
		return -EINVAL;
	if (!(p->skew_limit_deg >= 0) || !(p->blank_threshold >= 0) || p->dark_paper > 255 ||
	    p->light_ink > 255 || !(p->expected_width_mm >= 0) || !(p->expected_height_mm >= 0))
		return -EINVAL;
	return 0;
}

/* Frames to Leptonica images: SANE bytes to Leptonica's 32-bit words. */

/* Luminance weights of a colour scan's grey (ITU-R BT.601), in 1/256: what is delivered. */
static const unsigned luma_weights[3] = { 77, 150, 29 };

static PIX *frame_to_rgb(const struct frame *f)
{
	PIX *pix = pixCreate((l_int32)f->width, (l_int32)f->height, 32);
	uint32_t x, y;

	if (!pix)
		return NULL;
	for (y = 0; y < f->height; y++) {
		const uint8_t *src = f->data + (size_t)y * f->bytes_per_line;
		l_uint32 *line = pixGetData(pix) + (size_t)y * pixGetWpl(pix);

		for (x = 0; x < f->width; x++)
			composeRGBPixel(src[3 * x], src[3 * x + 1], src[3 * x + 2], line + x);
	}
	return pix;
}

static PIX *frame_to_bin(const struct frame *f)
{
	PIX *pix = pixCreate((l_int32)f->width, (l_int32)f->height, 1);
	uint32_t y, bytes = (f->width + 7) / 8;

	if (!pix)
		return NULL;
	for (y = 0; y < f->height; y++) {
		uint8_t *line = (uint8_t *)(pixGetData(pix) + (size_t)y * pixGetWpl(pix));

		memcpy(line, f->data + (size_t)y * f->bytes_per_line, bytes);
		if (f->width % 8)
			line[bytes - 1] &= (uint8_t)(0xff << (8 - f->width % 8));
	}
	pixEndianByteSwap(pix);
	return pix;
}

/*
 * The typical darkness of the ink: the median grey level of as many of the darkest pixels as
 * binarisation made black, not counting the scanner background. 255 without ink.
 */
static unsigned ink_level(const struct page_stats *st, PIX *bin, double border_percent)
{
	l_int32 black = 0;

	pixCountPixels(bin, &black, NULL);
	if (black == 0)
		return 255;
	return page_stats_percentile(st, border_percent / 100.0 +
					     0.5 * (double)black / (double)st->pixels);
}

/* Turns a (possibly reduced-scale) mask into a full-scale one and paints it. */
static int paint_mask(PIX *pix, PIX *mask, unsigned scale, l_uint32 value)
{
	PIX *full = pixExpandBinaryReplicate(mask, (l_int32)scale, (l_int32)scale);
	int r = 0;

	if (!full)
		return -ENOMEM;
	if (pixGetDepth(pix) == 1) {
		if (pixRasterop(pix, 0, 0, pixGetWidth(pix), pixGetHeight(pix),
				PIX_DST & PIX_NOT(PIX_SRC), full, 0, 0))
			r = -FOLIO_EFORMAT;
	} else if (pixSetMasked(pix, full, value)) {
		r = -FOLIO_EFORMAT;
	}
	pixDestroy(&full);
	return r;
}

/* *@pix turned by @quads quarter turns, in place: the new picture, or NULL (out of memory)
 * with *@pix left as it was, the caller's to free. */
static PIX *rotate_orth(PIX **pix, int quads)
{
	PIX *r;

	if (quads % 4 == 0)
		return *pix;
	r = pixRotateOrth(*pix, quads);
	if (!r)
		return NULL;
	pixDestroy(pix);
	*pix = r;
	return r;
}

/*
 * Measures skew, and with @orient which of the portrait/landscape axes the text lines run;
 * *ret_axis_sure when they clearly run that way (SKEW_AXIS_SURE).
 */
static void find_skew(PIX *bin, bool orient, float *ret_angle, float *ret_conf, int *ret_quads,
		      bool *ret_axis_sure)
{
	float angle = 0, conf = 0, a90 = 0, c90 = 0;
	PIX *red, *rot;

	*ret_angle = 0;
	*ret_conf = 0;
	*ret_quads = 0;
	*ret_axis_sure = false;
	/* Leptonica's sweep on a 4x reduction and search on a 2x one, the 2x made once here. */
	red = pixReduceRankBinaryCascade(bin, 1, 0, 0, 0);
	if (!red || skew_find(red, 2, 1, SKEW_RANGE, 1.0f, 0.01f, &angle, &conf) < 0) {
		pixDestroy(&red);
		return;
	}
	if (orient) {
		/* Lines may run down the page: compare with the page turned a quarter. */
		rot = pixRotateOrth(red, 1);
		if (rot && skew_find(rot, 2, 1, SKEW_RANGE, 1.0f, 0.02f, &a90, &c90) == 0) {
			*ret_axis_sure = MAX(conf, c90) >= SKEW_MIN_CONF &&
					 MAX(conf, c90) >= SKEW_AXIS_SURE * MIN(conf, c90);
			if (c90 > conf * 1.5 && c90 >= SKEW_TURN_MIN_CONF) {
				angle = a90;
				conf = c90;
				*ret_quads = 1;
			} else if (c90 > conf) {
				*ret_axis_sure =
				    false; /* down the page, not measured well enough */
			}
		}
		pixDestroy(&rot);
	}
	pixDestroy(&red);
	*ret_angle = angle;
	*ret_conf = conf;
}

/*
 * Clockwise quarter turns that bring the text upright, or -1 when unknown; with @level, the
 * lines are known to run across the page and only up or down is asked.
 */
static int find_orientation(PIX *bin, unsigned dpi, bool level, float *ret_conf)
{
	float up = 0, left = 0;
	l_int32 orient = L_TEXT_ORIENT_UNKNOWN;
	PIX *red = bin;
	bool ok;

	*ret_conf = 0;
	if (dpi >= 250) {
		red = pixReduceRankBinaryCascade(bin, 1, 0, 0, 0);
		if (!red)
			return -1;
	}
	/*
	 * Leptonica's pixOrientDetect(): up or down as the page lies, and as turned a quarter.
	 * makeOrientDecision() wants both; a left of nearly 0 leaves up or down to decide.
	 */
	ok = updown_detect(red, &up) == 0;
	if (ok && !level) {
		PIX *turned = pixRotate90(red, 1);

		ok = turned && updown_detect(turned, &left) == 0;
		pixDestroy(&turned);
	}
	if (ok && makeOrientDecision(up, level ? 1e-3f : left, ORIENT_MIN_CONF, ORIENT_MIN_RATIO,
				     &orient, 0) == 0)
		*ret_conf = MAX(fabsf(up), fabsf(left));
	if (red != bin)
		pixDestroy(&red);
	switch (orient) {
	case L_TEXT_ORIENT_UP:
		return 0;
	case L_TEXT_ORIENT_LEFT:
		return 1;
	case L_TEXT_ORIENT_DOWN:
		return 2;
	case L_TEXT_ORIENT_RIGHT:
		return 3;
	default:
		return -1;
	}
}

/* Leptonica image to an encoder frame, in place: the words are swapped to scan byte order. */
struct frame image_pix_as_frame(PIX *pix, unsigned dpi)
{
	pixEndianByteSwap(pix);
	return (struct frame){
		.width = (uint32_t)pixGetWidth(pix),
		.height = (uint32_t)pixGetHeight(pix),
		.depth = pixGetDepth(pix) == 1 ? 1 : 8,
		.channels = 1,
		.bytes_per_line = (uint32_t)pixGetWpl(pix) * 4,
		.dpi = dpi,
		.data = (uint8_t *)pixGetData(pix),
	};
}

int image_rgb_frame(PIX *pix, unsigned dpi, struct frame *ret)
{
	uint32_t w = (uint32_t)pixGetWidth(pix), h = (uint32_t)pixGetHeight(pix), x, y;
	uint8_t *rgb = malloc((size_t)w * h * 3);

	if (!rgb)
		return -ENOMEM;
	for (y = 0; y < h; y++) {
		const l_uint32 *line = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
		uint8_t *o = rgb + (size_t)y * w * 3;

		for (x = 0; x < w; x++) {
			l_int32 rv, gv, bv;

			extractRGBValues(line[x], &rv, &gv, &bv);
			o[3 * x] = (uint8_t)rv;
			o[3 * x + 1] = (uint8_t)gv;
			o[3 * x + 2] = (uint8_t)bv;
		}
	}
	*ret = (struct frame){ .width = w,
			       .height = h,
			       .depth = 8,
			       .channels = 3,
			       .bytes_per_line = w * 3,
			       .dpi = dpi,
			       .data = rgb };
	return 0;
}

int image_encode_colour(PIX *pix, unsigned dpi, int quality, struct encoded_image *ret)
{
	struct frame f;
	int r;

	r = image_rgb_frame(pix, dpi, &f);
	if (r < 0)
		return r;
	r = image_encode_jpeg(&f, quality, ret);
	free(f.data);
	return r;
}

static const char *const output_names[] = {
	[IMAGE_OUTPUT_BITONAL] = "bitonal",
	[IMAGE_OUTPUT_GREY] = "grey",
	[IMAGE_OUTPUT_COLOUR] = "colour",
	[IMAGE_OUTPUT_AUTO] = "auto",
};

double image_colour_share(const struct frame *f)
{
	uint64_t n = 0, coloured = 0;
	uint32_t x, y;

	if (f->channels != 3)
		return 0;
	for (y = 0; y < f->height; y += 4) {
		const uint8_t *row = f->data + (size_t)y * f->bytes_per_line;

		for (x = 0; x < f->width; x += 4) {
			const uint8_t *px = row + 3 * (size_t)x;
			int hi = MAX(px[0], MAX(px[1], px[2])), lo = MIN(px[0], MIN(px[1], px[2]));

			coloured += hi - lo > IMAGE_AUTO_MIN_CHROMA;
			n++;
		}
	}
	return n ? (double)coloured / (double)n : 0;
}

/* Share of pixels between a quarter and three quarters of the paper level: neither. */
static double tone_share(const struct page_stats *st, unsigned paper, double border_percent)
{
	uint64_t n = 0;
	unsigned v;

	for (v = paper / 4; v < paper * 3 / 4; v++)
		n += st->hist[v];
	/* The scanner background's rim is not the page's. */
	return MAX(0.0, (double)n / (double)st->pixels - border_percent / 100.0 * 0.1);
}

/*
 * Turns *@pix by @degrees (clockwise), brought-in pixels white, its size kept. Small angles by
 * shear (L_ROTATE_SHEAR) are done in place: two shears about the centre, as pixRotate() does
 * them below SHEAR2_MAX_RAD, pixel for pixel, but without the copies (on a 300 dpi grey page
 * a quarter of the time). 0, or -ENOMEM.
 */
static int rotate(PIX **pix, float degrees, l_int32 type)
{
	float rad = (float)(degrees * DEG2RAD);
	l_int32 w = pixGetWidth(*pix), h = pixGetHeight(*pix);
	PIX *tmp;

	if (fabsf(rad) < ROTATE_MIN_RAD) /* what pixRotate() leaves as it is */
		return 0;
	if (type == L_ROTATE_SHEAR && fabsf(rad) <= SHEAR2_MAX_RAD && !pixGetColormap(*pix)) {
		if (pixHShearIP(*pix, h / 2, rad, L_BRING_IN_WHITE) ||
		    pixVShearIP(*pix, w / 2, rad, L_BRING_IN_WHITE))
			return -ENOMEM;
		return 0;
	}
	tmp = pixRotate(*pix, rad, type, L_BRING_IN_WHITE, 0, 0);
	if (!tmp)
		return -ENOMEM;
	pixDestroy(pix);
	*pix = tmp;
	return 0;
}

/* How the grey or colour image follows the bitonal one to the delivered geometry. */
struct upright {
	PIX *mask;	  /* scanner background at 1/BINARIZE_BLOCK scale, or NULL */
	unsigned paper;	  /* grey level the background is painted with */
	int quads;	  /* quarter turns before deskew */
	int turn;	  /* quarter turns in all */
	float angle;	  /* deskew angle (radians / DEG2RAD), 0 for none */
	l_int32 rotation; /* L_ROTATE_AREA_MAP (smooth) or L_ROTATE_SHEAR (fast) */
};

static int make_upright(PIX **src, const struct upright *u)
{
	l_uint32 fill = pixGetDepth(*src) == 32 ? (l_uint32)(u->paper * 0x01010100u) : u->paper;
	int r;

	if (u->mask) {
		r = paint_mask(*src, u->mask, BINARIZE_BLOCK, fill);
		if (r < 0)
			return r;
	}
	if (u->quads && !rotate_orth(src, u->quads))
		return -ENOMEM;
	if (u->angle != 0 && rotate(src, u->angle, u->rotation) < 0)
		return -ENOMEM;
	if (u->turn != u->quads && !rotate_orth(src, (u->turn - u->quads + 4) % 4))
		return -ENOMEM;
	return 0;
}

/* What IMAGE_OUTPUT_AUTO delivers for this page; the measures go into the report. */
static enum image_output choose_output(const struct frame *in, const struct page_stats *st,
				       struct image_page_report *rep)
{
	rep->colour_share = image_colour_share(in);
	rep->tone_share = tone_share(st, rep->paper_level, rep->border_percent);
	if (rep->colour_share > IMAGE_AUTO_COLOUR_SHARE)
		return IMAGE_OUTPUT_COLOUR;
	if (rep->tone_share > IMAGE_AUTO_TONE_SHARE)
		return IMAGE_OUTPUT_GREY;
	return IMAGE_OUTPUT_BITONAL;
}

int image_process(const struct frame *in, const struct image_profile *p,
		  struct encoded_image *ret_img, struct image_page_report *ret_report)
{
	return image_process_ocr(in, p, ret_img, NULL, ret_report);
}

/*
 * One page on its way through the stage (image_process_ocr()): what each step leaves for the
 * next. The images and the report are owned: page_work_release() frees them.
 */
struct page_work {
	const struct frame *in;
	const struct image_profile *p;
	struct image_page_report *rep;
	struct ops ops;	       /* into rep->ops */
	enum image_output out; /* delivered: the profile's, AUTO decided on a grey page */
	double px_per_mm;
	struct page_stats st;	 /* of the grey (none for a bitonal scan) */
	struct border_result br; /* scanner background and punch holes */
	PIX *grey;		 /* luminance; NULL for a bitonal scan */
	PIX *ink_grey;		 /* a colour scan's ink-axis grey, for OCR of a bitonal page */
	PIX *colour;		 /* the colour image, when colour is delivered */
	PIX *bin;		 /* the bitonal image, upright once straightened */
	unsigned thresh;	 /* binarisation's threshold */
	float angle, conf;	 /* skew, and Leptonica's confidence in it */
	int quads;		 /* quarter turns found with the skew (lines down the page) */
	int turn;		 /* quarter turns in all, with the orientation's */
	bool lines_sure;	 /* the lines clearly run across the page once turned by quads */
	bool orient_unknown;	 /* the text's orientation could not be told */
};

static int page_work_init(struct page_work *w, const struct frame *in,
			  const struct image_profile *p)
{
	*w = (struct page_work){ .in = in, .p = p, .out = p->output, .px_per_mm = in->dpi / 25.4 };
	w->rep = calloc(1, sizeof(*w->rep));
	if (!w->rep)
		return -ENOMEM;
	w->ops = (struct ops){ w->rep->ops, 0, sizeof(w->rep->ops) };
	w->rep->length_mm = in->height / w->px_per_mm;
	w->rep->width_mm = in->width / w->px_per_mm;
	ops_add(&w->ops, "folio image: %s; in %ux%u %s %udpi; out %s", image_library_versions(),
		in->width, in->height,
		in->depth == 1	    ? "bitonal"
		: in->channels == 3 ? "rgb8"
				    : "grey8",
		in->dpi, output_names[p->output]);
	return 0;
}

static void page_work_release(struct page_work *w)
{
	free(w->rep);
	page_stats_release(&w->st);
	pixDestroy(&w->br.mask);
	pixDestroy(&w->grey);
	pixDestroy(&w->ink_grey);
	pixDestroy(&w->colour);
	pixDestroy(&w->bin);
}

/* 1. A bitonal scan's pixels: mostly black or not, the scanner background painted out. */
static int bitonal_in(struct page_work *w)
{
	const struct frame *in = w->in;
	l_int32 black = 0;
	PIX *red;
	int r;

	w->bin = frame_to_bin(in);
	if (!w->bin)
		return -ENOMEM;
	pixCountPixels(w->bin, &black, NULL);
	if (black > 0.4 * in->width * in->height)
		w->rep->flags |= IMAGE_FLAG_DARK;
	w->rep->paper_level = 255;
	w->rep->ink_level = 0;
	if (!w->p->clean_borders)
		return 0;
	red = pixScaleToGray4(w->bin);
	r = red ? clean_find_borders(red, 255, w->px_per_mm / 4, &w->br) : -ENOMEM;
	pixDestroy(&red);
	if (r < 0)
		return r;
	if (w->br.mask)
		return paint_mask(w->bin, w->br.mask, 4, 0);
	return 0;
}

/* 1. A grey or colour scan's pixels: statistics, scanner background, what is delivered. */
static int grey_in(struct page_work *w)
{
	const struct frame *in = w->in;
	struct image_page_report *rep = w->rep;
	int r;

	w->grey = binarize_frame_grey(in, luma_weights, &w->st);
	if (!w->grey)
		return -ENOMEM;
	rep->paper_level = page_stats_paper(&w->st);
	if (w->p->clean_borders) {
		r = clean_find_borders(w->st.reduced, rep->paper_level,
				       w->px_per_mm / BINARIZE_BLOCK, &w->br);
		if (r < 0)
			return r;
	}
	rep->border_percent = w->br.border_percent;
	if (w->out == IMAGE_OUTPUT_AUTO) {
		w->out = choose_output(in, &w->st, rep);
		rep->flags |= IMAGE_FLAG_AUTO;
		ops_add(&w->ops,
			"; auto output: colour %.2f%% of the page, grey tones %.1f%% -> %s",
			100 * rep->colour_share, 100 * rep->tone_share, output_names[w->out]);
	}
	if (w->out == IMAGE_OUTPUT_COLOUR && in->channels == 3) {
		w->colour = frame_to_rgb(in);
		if (!w->colour)
			return -ENOMEM;
	}
	return 0;
}

/*
 * A colour scan is binarised again from the grey of its ink axis; that grey is also what OCR
 * reads of a bitonal page. The delivered grey stays luminance.
 */
static int binarize_on_ink_axis(struct page_work *w)
{
	const struct frame *in = w->in;
	struct page_stats ist = { 0 };
	PIX *ink_bin = NULL;
	unsigned axis[3];
	int r;

	if (in->channels != 3 ||
	    !binarize_ink_axis(in, w->grey, w->bin, w->br.mask, w->rep->paper_level, axis))
		return 0;
	w->ink_grey = binarize_frame_grey(in, axis, &ist);
	if (!w->ink_grey)
		return -ENOMEM;
	r = binarize_page(w->ink_grey, &ist, in->dpi, w->br.mask, &ink_bin, &w->thresh);
	page_stats_release(&ist);
	if (r < 0)
		return r;
	pixDestroy(&w->bin);
	w->bin = ink_bin;
	ops_add(&w->ops, "; grey for binarisation: ink axis, weights %.2f %.2f %.2f",
		axis[0] / 256.0, axis[1] / 256.0, axis[2] / 256.0);
	if (w->out != IMAGE_OUTPUT_BITONAL)
		pixDestroy(&w->ink_grey);
	return 0;
}

/* 2. Binarisation of a grey or colour scan, the background painted out on the way. */
static int binarize_grey(struct page_work *w)
{
	struct image_page_report *rep = w->rep;
	int r;

	r = binarize_page(w->grey, &w->st, w->in->dpi, w->br.mask, &w->bin, &w->thresh);
	if (r < 0)
		return r;
	r = binarize_on_ink_axis(w);
	if (r < 0)
		return r;
	rep->ink_level = ink_level(&w->st, w->bin, w->br.border_percent);
	ops_add(&w->ops, "; paper %u ink %u", rep->paper_level, rep->ink_level);
	return 0;
}

/* What the scanner background and the binarisation came to, in the report. */
static void report_background(struct page_work *w)
{
	w->rep->border_percent = w->br.border_percent;
	w->rep->holes = w->br.holes;
	if (w->p->clean_borders)
		ops_add(&w->ops, "; borders: %.1f%% scanner background painted out, %u punch holes",
			w->br.border_percent, w->br.holes);
	if (w->grey)
		ops_add(&w->ops,
			"; binarise: background (grey closing %u on 4x4 blocks) divided out, paper "
			"to %u, Otsu threshold %u",
			binarize_background_size(w->in->dpi), BINARIZE_PAPER, w->thresh);
}

/* 3. Skew: measured (with the profile's orient, also down the page), and corrected. */
static int deskew(struct page_work *w)
{
	const struct image_profile *p = w->p;
	struct image_page_report *rep = w->rep;

	find_skew(w->bin, p->orient, &w->angle, &w->conf, &w->quads, &w->lines_sure);
	if (w->conf < SKEW_MIN_CONF)
		w->angle = 0; /* no lines to measure: an angle would be noise */
	rep->skew_deg = w->angle != 0 ? -w->angle : 0;
	rep->skew_conf = w->conf;
	ops_add(&w->ops, "; skew: %.2f deg conf %.1f (pixFindSkewSweepAndSearch +-%.0f)",
		rep->skew_deg, w->conf, SKEW_RANGE);
	if (p->orient && w->quads && !rotate_orth(&w->bin, w->quads))
		return -ENOMEM;
	if (p->deskew && w->conf >= SKEW_MIN_CONF && fabs(w->angle) >= SKEW_MIN_DEG) {
		if (rotate(&w->bin, w->angle, L_ROTATE_SHEAR) < 0)
			return -ENOMEM;
		rep->deskewed = true;
		ops_add(&w->ops, ", corrected (shear rotation)");
	} else if (p->deskew) {
		ops_add(&w->ops, w->conf < SKEW_MIN_CONF ? ", not measurable" : ", not corrected");
	}
	return 0;
}

/* 3. Orientation: the page turned the way its text reads, when the text tells. */
static int turn_upright(struct page_work *w)
{
	struct image_page_report *rep = w->rep;
	float oconf = 0;
	int more;

	if (!w->p->orient)
		return 0;
	more = find_orientation(w->bin, w->in->dpi, w->lines_sure, &oconf);
	w->turn = w->quads;
	if (more > 0) {
		if (!rotate_orth(&w->bin, more))
			return -ENOMEM;
		w->turn = (w->quads + more) % 4;
	}
	/* The text was fed turned the other way round. */
	rep->orientation = ((4 - w->turn) % 4) * 90;
	rep->orient_conf = oconf;
	w->orient_unknown = more < 0;
	ops_add(&w->ops, "; orientation: %d (conf %.1f%s%s), turned %d cw", rep->orientation, oconf,
		w->lines_sure ? ", up or down" : "", more < 0 ? ", text orientation unknown" : "",
		w->turn * 90);
	return 0;
}

/* 4. Specks, then the blank measure on what is left. */
static int despeckle_and_measure(struct page_work *w)
{
	const struct image_profile *p = w->p;
	struct image_page_report *rep = w->rep;

	if (p->despeckle) {
		unsigned size = MAX(1u, w->in->dpi / 150);
		uint32_t removed = 0;
		PIX *tmp;
		int r;

		r = clean_despeckle(w->bin, size, &tmp, &removed);
		if (r < 0)
			return r;
		pixDestroy(&w->bin);
		w->bin = tmp;
		ops_add(&w->ops, "; despeckle: marks up to %ux%u px removed (%u px)", size, size,
			removed);
	}
	rep->blank_score = clean_blank_score(w->bin, w->in->dpi);
	if (rep->blank_score < 0)
		return -ENOMEM;
	rep->blank = rep->blank_score < p->blank_threshold;
	if (w->orient_unknown && !rep->blank)
		rep->flags |= IMAGE_FLAG_ORIENTATION;
	ops_add(&w->ops, "; blank: score %.4f threshold %.4f -> %s", rep->blank_score,
		p->blank_threshold, rep->blank ? "blank" : "content");
	return 0;
}

/* 5. Quality flags. */
static void quality_flags(struct page_work *w)
{
	const struct image_profile *p = w->p;
	struct image_page_report *rep = w->rep;

	if (fabs(rep->skew_deg) > p->skew_limit_deg && w->conf >= SKEW_MIN_CONF)
		rep->flags |= IMAGE_FLAG_SKEW;
	if (w->grey && rep->paper_level < p->dark_paper)
		rep->flags |= IMAGE_FLAG_DARK;
	/* Mostly darker than half the paper: a dark sheet, or no sheet at all. */
	if (rep->border_percent > 50)
		rep->flags |= IMAGE_FLAG_DARK;
	if (w->grey && !rep->blank && rep->ink_level > p->light_ink)
		rep->flags |= IMAGE_FLAG_LIGHT;
	if ((p->expected_width_mm > 0 && rep->width_mm < 0.95 * p->expected_width_mm) ||
	    (p->expected_height_mm > 0 && rep->length_mm < 0.95 * p->expected_height_mm))
		rep->flags |= IMAGE_FLAG_SHORT;
}

/*
 * How a grey or colour image follows the bitonal one to its geometry: @mask (or none) painted
 * as paper first, turned and deskewed as the bitonal one was, the skew undone with @rotation.
 */
static struct upright upright_of(const struct page_work *w, PIX *mask, l_int32 rotation)
{
	return (struct upright){ .mask = mask,
				 .paper = w->rep->paper_level,
				 .quads = w->p->orient ? w->quads : 0,
				 .turn = w->p->orient ? w->turn : 0,
				 .angle = w->rep->deskewed ? w->angle : 0,
				 .rotation = rotation };
}

/* An 8 bpp image's data as it is, for image_encode_jpeg_words(). */
static struct frame grey_words(PIX *pix, unsigned dpi)
{
	return (struct frame){
		.width = (uint32_t)pixGetWidth(pix),
		.height = (uint32_t)pixGetHeight(pix),
		.depth = 8,
		.channels = 1,
		.bytes_per_line = (uint32_t)pixGetWpl(pix) * 4,
		.dpi = dpi,
		.data = (uint8_t *)pixGetData(pix),
	};
}

/*
 * A grey image deskewed by Leptonica's two shears (pixHShearIP() about the middle row, then
 * pixVShearIP() about the middle column, white brought in), made a row at a time as the
 * JPEG encoder asks for it instead of moving the whole image twice: row y, column x of the
 * result is the source's row y - vshift(x), column x - hshift(that row), or white.
 */
struct sheared_grey {
	const l_uint32 *data;
	int32_t w, h, wpl;
	int32_t *hshift;	 /* by source row: pixHShearIP()'s shift, > 0 to the right */
	int32_t *edge, *shift;	 /* column bands [edge[b], edge[b + 1]) moved shift[b] rows down */
	int32_t bands, up, down; /* rows the bands reach up and down */
	uint8_t *ring;		 /* source rows y - down .. y + up, shifted, in scan order */
	uint8_t *scan;		 /* one source row in scan order */
	int32_t ring_rows, next; /* the next source row to put in the ring */
};

static void sheared_grey_release(struct sheared_grey *g)
{
	free(g->hshift);
	free(g->edge);
	free(g->shift);
	free(g->ring);
	free(g->scan);
}

/* Leptonica's shear bands: @n rows (or columns) about @loc, their shifts into @out. */
static void shear_shifts(float radang, int32_t n, int32_t loc, int32_t sign_out, int32_t *out)
{
	const float half_pi = (float)(3.14159265 / 2.0);
	int32_t sign, i, incr, init, s, k;
	float tanangle, invangle;

	for (i = 0; i < n; i++)
		out[i] = 0;
	if (radang < -half_pi || radang > half_pi)
		radang = radang - (float)(int32_t)(radang / half_pi) * half_pi;
	if (radang > half_pi - 0.04f)
		radang = half_pi - 0.04f;
	else if (radang < -half_pi + 0.04f)
		radang = -half_pi + 0.04f;
	if (radang == 0.0 || tan(radang) == 0.0)
		return;
	sign = radang < 0 ? -1 : 1;
	tanangle = (float)tan(radang);
	invangle = (float)fabs(1. / tanangle);
	init = (int32_t)(invangle / 2.);
	for (s = 1, i = loc + init; i < n; s++) {
		incr = (int32_t)(invangle * (s + 0.5) + 0.5) - (i - loc);
		if (incr == 0)
			continue;
		if (n - i < incr)
			incr = n - i;
		for (k = i; k < i + incr; k++)
			out[k] = sign_out * sign * s;
		i += incr;
	}
	for (s = -1, i = loc - init; i > 0; s--) {
		incr = (i - loc) - (int32_t)(invangle * (s - 0.5) + 0.5);
		if (incr == 0)
			continue;
		if (i < incr)
			incr = i;
		for (k = i - incr; k < i; k++)
			out[k] = sign_out * sign * s;
		i -= incr;
	}
}

static int sheared_grey_init(struct sheared_grey *g, PIX *pix, float radang)
{
	int32_t *col, x, b;

	*g = (struct sheared_grey){ .data = pixGetData(pix),
				    .w = pixGetWidth(pix),
				    .h = pixGetHeight(pix),
				    .wpl = pixGetWpl(pix) };
	g->hshift = malloc((size_t)g->h * sizeof(*g->hshift));
	col = malloc((size_t)g->w * sizeof(*col));
	g->edge = malloc(((size_t)g->w + 1) * sizeof(*g->edge));
	g->shift = malloc((size_t)g->w * sizeof(*g->shift));
	if (!g->hshift || !col || !g->edge || !g->shift)
		goto fail;
	/* pixHShearIP(): rows below the middle move against the angle's sign. */
	shear_shifts(radang, g->h, g->h / 2, -1, g->hshift);
	shear_shifts(radang, g->w, g->w / 2, 1, col);
	for (x = 0, b = -1; x < g->w; x++) {
		if (b < 0 || col[x] != g->shift[b]) {
			g->edge[++b] = x;
			g->shift[b] = col[x];
			g->up = MAX(g->up, -col[x]);
			g->down = MAX(g->down, col[x]);
		}
	}
	g->bands = b + 1;
	g->edge[g->bands] = g->w;
	free(col);
	col = NULL;
	g->ring_rows = g->up + g->down + 1;
	g->ring = malloc((size_t)g->ring_rows * (size_t)g->w);
	g->scan = malloc((size_t)g->wpl * 4);
	if (!g->ring || !g->scan)
		goto fail;
	return 0;
fail:
	free(col);
	sheared_grey_release(g);
	return -ENOMEM;
}

/* Ring slot of source row @y: w bytes. */
static uint8_t *ring_row(const struct sheared_grey *g, int32_t y)
{
	return g->ring + (size_t)(y % g->ring_rows) * (size_t)g->w;
}

/* Source row @y, moved by its horizontal shift, in scan order into its ring slot. */
static void sheared_grey_take(struct sheared_grey *g, int32_t y)
{
	uint8_t *dst = ring_row(g, y);
	const l_uint32 *line = g->data + (size_t)y * g->wpl;
	int32_t s = g->hshift[y], k, n;

	for (k = 0; k < g->wpl; k++) {
		l_uint32 v = line[k];
		uint8_t *p = g->scan + 4 * k;

		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
	/* Moved right by s (left when negative), white brought in. */
	if (s >= g->w || -s >= g->w) {
		memset(dst, 255, (size_t)g->w);
	} else if (s >= 0) {
		n = g->w - s;
		memset(dst, 255, (size_t)s);
		memcpy(dst + s, g->scan, (size_t)n);
	} else {
		n = g->w + s;
		memcpy(dst, g->scan - s, (size_t)n);
		memset(dst + n, 255, (size_t)-s);
	}
}

static const uint8_t *sheared_grey_row(void *ctx, uint32_t row_y, uint8_t *row)
{
	struct sheared_grey *g = ctx;
	int32_t y = (int32_t)row_y, b;

	/* Rows y - down .. y + up are needed: take what is new of them. */
	for (; g->next < g->h && g->next <= y + g->up; g->next++)
		sheared_grey_take(g, g->next);
	for (b = 0; b < g->bands; b++) {
		int32_t from = y - g->shift[b], x0 = g->edge[b], n = g->edge[b + 1] - x0;

		if (from < 0 || from >= g->h)
			memset(row + x0, 255, (size_t)n);
		else
			memcpy(row + x0, ring_row(g, from) + x0, (size_t)n);
	}
	return row;
}

int image_encode_grey_sheared(PIX *pix, float radang, unsigned dpi, int quality,
			      struct encoded_image *ret)
{
	struct frame f;
	struct sheared_grey g;
	int r;

	if (!pix || pixGetDepth(pix) != 8 || pixGetColormap(pix))
		return -EINVAL;
	f = grey_words(pix, dpi);
	r = sheared_grey_init(&g, pix, radang);
	if (r < 0)
		return r;
	r = image_encode_jpeg_rows(&f, quality, sheared_grey_row, &g, ret);
	sheared_grey_release(&g);
	return r;
}

/* The grey JPEG kept for OCR beside a bitonal page (of a colour scan, its ink-axis grey). */
static int encode_grey_for_ocr(struct page_work *w, struct encoded_image *ocr)
{
	/*
	 * The scanner background stays: painted in 4x4 blocks it leaves an edge that
	 * Tesseract's layout analysis reads as a column (on the blurred typescript of
	 * ../shared 23% CER against 15% without).
	 */
	struct upright u = upright_of(w, NULL, L_ROTATE_SHEAR);
	float rad = (float)(u.angle * DEG2RAD);
	struct frame f;
	int r;

	if (w->ink_grey) {
		pixDestroy(&w->grey);
		w->grey = w->ink_grey;
		w->ink_grey = NULL;
	}
	/* Two shears and nothing turned after them: sheared as the JPEG takes its rows. */
	if (u.turn == u.quads && fabsf(rad) >= ROTATE_MIN_RAD && fabsf(rad) <= SHEAR2_MAX_RAD &&
	    !pixGetColormap(w->grey)) {
		u.angle = 0;
		r = make_upright(&w->grey, &u);
		if (r == 0)
			r = image_encode_grey_sheared(w->grey, rad, w->in->dpi, w->p->jpeg_quality,
						      ocr);
	} else {
		r = make_upright(&w->grey, &u);
		f = grey_words(w->grey, w->in->dpi);
		if (r == 0)
			r = image_encode_jpeg_words(&f, w->p->jpeg_quality, ocr);
	}
	if (r < 0)
		return r;
	ops_add(&w->ops, "; kept for OCR: grey JPEG q%d %ux%u, %zu bytes", w->p->jpeg_quality,
		ocr->width, ocr->height, ocr->size);
	return 0;
}

/* The grey or colour page delivered: in the bitonal one's geometry, as JPEG. */
static int encode_tones(struct page_work *w, struct encoded_image *img)
{
	PIX **src = w->colour ? &w->colour : &w->grey;
	struct upright u = upright_of(w, w->br.mask, L_ROTATE_AREA_MAP);
	int r;

	r = make_upright(src, &u);
	if (r < 0)
		return r;
	if (w->colour) {
		r = image_encode_colour(w->colour, w->in->dpi, w->p->jpeg_quality, img);
	} else {
		struct frame f = grey_words(w->grey, w->in->dpi);

		r = image_encode_jpeg_words(&f, w->p->jpeg_quality, img);
	}
	if (r < 0)
		return r;
	ops_add(&w->ops, "; encode: JPEG q%d %s %ux%u%s", w->p->jpeg_quality,
		img->channels == 3 ? "rgb" : "grey", img->width, img->height,
		w->rep->deskewed ? " (area-map rotation)" : "");
	return 0;
}

/*
 * 6. Encoding: the bitonal image as CCITT G4 and the grey or colour one as JPEG, in one
 * geometry (same size, deskewed, cropped, turned). One is delivered in @img; the other, with
 * @want_ocr, is kept for OCR in @ocr, which reads both and keeps the more confident text.
 *
 * The G4 kept beside a grey or colour page is about 70 KB: Tesseract reads some degraded
 * pages better from its background-normalised binarisation than from their JPEG
 * (typescript-1962 of ../shared: 4.0% CER from the G4 of its colour scan against 8.3%
 * from its colour JPEG).
 *
 * The grey JPEG kept beside a bitonal page (of a colour scan, the ink-axis grey the G4
 * was made from) is the profile's quality: cheap (lossless PNG of
 * the dev set's pages took 20-50 times as long to write and came out 3.5-4 times larger),
 * about 1-1.5 MB, and what JPEG loses at quality 85 is far below what Tesseract's own
 * thresholding throws away (blurred-report reads at 15.1% from such a JPEG, 15.4% from
 * lossless grey); and when the page is switched to grey, these very bytes are delivered,
 * so the text read from them matches the delivered image.
 */
static int encode_page(struct page_work *w, bool want_ocr, struct encoded_image *img,
		       struct encoded_image *ocr)
{
	bool deliver_bitonal =
	    w->out == IMAGE_OUTPUT_BITONAL || w->out == IMAGE_OUTPUT_AUTO || w->in->depth == 1;
	int r;

	if (deliver_bitonal || want_ocr) {
		struct frame f = image_pix_as_frame(w->bin, w->in->dpi);

		r = image_encode_g4(&f, w->p->software ? w->p->software : "Folio",
				    deliver_bitonal ? img : ocr);
		if (r < 0)
			return r;
	}
	if (deliver_bitonal) {
		ops_add(&w->ops, "; encode: CCITT G4 TIFF %ux%u", img->width, img->height);
		if (want_ocr && w->grey) {
			r = encode_grey_for_ocr(w, ocr);
			if (r < 0)
				return r;
		}
	} else {
		r = encode_tones(w, img);
		if (r < 0)
			return r;
		if (ocr->size)
			ops_add(&w->ops, "; kept for OCR: CCITT G4 %ux%u, %zu bytes", ocr->width,
				ocr->height, ocr->size);
	}
	if (ocr->size && (ocr->width != img->width || ocr->height != img->height))
		return -FOLIO_EFORMAT; /* a programmer's error: word boxes must fit both images */
	return 0;
}

int image_process_ocr(const struct frame *in, const struct image_profile *p,
		      struct encoded_image *ret_img, struct encoded_image *ret_ocr,
		      struct image_page_report *ret_report)
{
	struct image_profile defaults;
	struct encoded_image img = { 0 }, ocr = { 0 };
	struct page_work w;
	int r;

	if (!p) {
		image_profile_init(&defaults);
		p = &defaults;
	}
	if (!ret_img || !ret_report)
		return -EINVAL;
	r = profile_check(p);
	if (r < 0)
		return r;
	r = image_frame_check(in);
	if (r < 0)
		return r;
	pthread_once(&quiet_once, quiet_init);

	r = page_work_init(&w, in, p);
	if (r < 0)
		return r;
	if (in->depth == 1) {
		r = bitonal_in(&w);
	} else {
		r = grey_in(&w);
		if (r == 0)
			r = binarize_grey(&w);
	}
	if (r < 0)
		goto out;
	report_background(&w);
	r = deskew(&w);
	if (r < 0)
		goto out;
	r = turn_upright(&w);
	if (r < 0)
		goto out;
	r = despeckle_and_measure(&w);
	if (r < 0)
		goto out;
	quality_flags(&w);
	r = encode_page(&w, ret_ocr != NULL, &img, &ocr);
	if (r < 0)
		goto out;
	w.rep->out_width = img.width;
	w.rep->out_height = img.height;
	w.rep->output = img.bit_depth == 1  ? IMAGE_OUTPUT_BITONAL
			: img.channels == 3 ? IMAGE_OUTPUT_COLOUR
					    : IMAGE_OUTPUT_GREY;

	*ret_img = img;
	*ret_report = *w.rep;
	if (ret_ocr)
		*ret_ocr = ocr;
	ocr = (struct encoded_image){ 0 };
	img = (struct encoded_image){ 0 };
	r = 0;
out:
	encoded_image_release(&ocr);
	encoded_image_release(&img);
	if (r < 0)
		log_debug("cannot process page %ux%u: %s", in->width, in->height,
			  folio_strerror(r));
	page_work_release(&w);
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int image_length_check(struct image_page_report *reports, size_t n, double tolerance)
{
	double *len, median;
	size_t i;
	int flagged = 0;

	if (!reports && n)
		return -EINVAL;
	if (tolerance <= 0)
		tolerance = 0.1;
	if (n < 3) {
		for (i = 0; i < n; i++)
			reports[i].flags &= ~IMAGE_FLAG_LENGTH;
		return 0;
	}
	len = malloc(n * sizeof(*len));
	if (!len)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		len[i] = reports[i].length_mm;
	qsort(len, n, sizeof(*len), cmp_double);
	median = n % 2 ? len[n / 2] : (len[n / 2 - 1] + len[n / 2]) / 2;
	free(len);
	for (i = 0; i < n; i++) {
		reports[i].flags &= ~IMAGE_FLAG_LENGTH;
		if (fabs(reports[i].length_mm - median) > tolerance * median) {
			reports[i].flags |= IMAGE_FLAG_LENGTH;
			flagged++;
		}
	}
	return flagged;
}
