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

#define DEG2RAD (3.14159265358979323846 / 180.0)
/* Skew search: +-7 degrees, coarse sweep on a 4x reduction, binary search on a 2x one. */
#define SKEW_RANGE 7.0f
#define SKEW_MIN_CONF 3.0
/*
 * Lines running down the page turn it a quarter only when they are measured clearly: a blurred
 * or sparse page measures weakly both ways, and a wrong quarter turn loses its text to OCR.
 */
#define SKEW_TURN_MIN_CONF 6.0
/* Below this angle a rotation changes nothing visible. */
#define SKEW_MIN_DEG 0.03
#define ORIENT_MIN_CONF 8.0f
#define ORIENT_MIN_RATIO 2.5f

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

static PIX *frame_to_grey(const struct frame *f)
{
	return binarize_frame_grey(f, luma_weights);
}

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

static PIX *rotate_orth(PIX **pix, int quads)
{
	PIX *r;

	if (quads % 4 == 0)
		return *pix;
	r = pixRotateOrth(*pix, quads);
	if (r)
		pixDestroy(pix);
	*pix = r;
	return r;
}

/* Measures skew, and with @orient which of the portrait/landscape axes the text lines run. */
static void find_skew(PIX *bin, bool orient, float *ret_angle, float *ret_conf, int *ret_quads)
{
	float angle = 0, conf = 0, a90 = 0, c90 = 0;
	PIX *red, *rot;

	*ret_angle = 0;
	*ret_conf = 0;
	*ret_quads = 0;
	if (pixFindSkewSweepAndSearch(bin, &angle, &conf, 4, 2, SKEW_RANGE, 1.0f, 0.01f))
		return;
	if (orient) {
		/* Lines may run down the page: compare with the page turned a quarter. */
		red = pixReduceRankBinaryCascade(bin, 1, 0, 0, 0);
		rot = red ? pixRotateOrth(red, 1) : NULL;
		if (rot &&
		    !pixFindSkewSweepAndSearch(rot, &a90, &c90, 2, 1, SKEW_RANGE, 1.0f, 0.02f) &&
		    c90 > conf * 1.5 && c90 >= SKEW_TURN_MIN_CONF) {
			angle = a90;
			conf = c90;
			*ret_quads = 1;
		}
		pixDestroy(&rot);
		pixDestroy(&red);
	}
	*ret_angle = angle;
	*ret_conf = conf;
}

/* Clockwise quarter turns that bring the text upright, or -1 when unknown. */
static int find_orientation(PIX *bin, unsigned dpi, float *ret_conf)
{
	float up = 0, left = 0;
	l_int32 orient = L_TEXT_ORIENT_UNKNOWN;
	PIX *red = bin;

	*ret_conf = 0;
	if (dpi >= 250) {
		red = pixReduceRankBinaryCascade(bin, 1, 0, 0, 0);
		if (!red)
			return -1;
	}
	if (pixOrientDetect(red, &up, &left, 0, 0) == 0 &&
	    makeOrientDecision(up, left, ORIENT_MIN_CONF, ORIENT_MIN_RATIO, &orient, 0) == 0) {
		*ret_conf = MAX(fabsf(up), fabsf(left));
	}
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

int image_encode_colour(PIX *pix, unsigned dpi, int quality, struct encoded_image *ret)
{
	uint32_t w = (uint32_t)pixGetWidth(pix), h = (uint32_t)pixGetHeight(pix), x, y;
	uint8_t *rgb = malloc((size_t)w * h * 3);
	struct frame f = { .width = w,
			   .height = h,
			   .depth = 8,
			   .channels = 3,
			   .bytes_per_line = w * 3,
			   .dpi = dpi,
			   .data = rgb };
	int r;

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
	r = image_encode_jpeg(&f, quality, ret);
	free(rgb);
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
	PIX *tmp;
	int r;

	if (u->mask) {
		r = paint_mask(*src, u->mask, BINARIZE_BLOCK, fill);
		if (r < 0)
			return r;
	}
	if (u->quads && !rotate_orth(src, u->quads))
		return -ENOMEM;
	if (u->angle != 0) {
		tmp = pixRotate(*src, (float)(u->angle * DEG2RAD), u->rotation, L_BRING_IN_WHITE, 0,
				0);
		if (!tmp)
			return -ENOMEM;
		pixDestroy(src);
		*src = tmp;
	}
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

int image_process_ocr(const struct frame *in, const struct image_profile *p,
		      struct encoded_image *ret_img, struct encoded_image *ret_ocr,
		      struct image_page_report *ret_report)
{
	struct image_profile defaults;
	struct image_page_report *rep = NULL;
	struct page_stats st = { 0 };
	struct border_result br = { 0 };
	struct encoded_image img = { 0 }, ocr = { 0 };
	struct ops ops;
	PIX *grey = NULL, *colour = NULL, *bin = NULL, *tmp, *ink_grey = NULL;
	unsigned axis[3];
	uint32_t removed = 0;
	float angle = 0, conf = 0, oconf = 0;
	int r, quads = 0, turn = 0;
	bool orient_unknown = false, deliver_bitonal;
	unsigned thresh = 0;
	enum image_output out;
	double px_per_mm;

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

	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	ops = (struct ops){ rep->ops, 0, sizeof(rep->ops) };
	out = p->output;
	px_per_mm = in->dpi / 25.4;
	rep->length_mm = in->height / px_per_mm;
	rep->width_mm = in->width / px_per_mm;
	ops_add(&ops, "folio image: %s; in %ux%u %s %udpi; out %s", image_library_versions(),
		in->width, in->height,
		in->depth == 1	    ? "bitonal"
		: in->channels == 3 ? "rgb8"
				    : "grey8",
		in->dpi, output_names[p->output]);

	/* 1. Pixels in, statistics, scanner background. */
	r = -ENOMEM;
	if (in->depth == 1) {
		l_int32 black = 0;

		bin = frame_to_bin(in);
		if (!bin)
			goto out;
		pixCountPixels(bin, &black, NULL);
		if (black > 0.4 * in->width * in->height)
			rep->flags |= IMAGE_FLAG_DARK;
		rep->paper_level = 255;
		rep->ink_level = 0;
		if (p->clean_borders) {
			PIX *red = pixScaleToGray4(bin);

			r = red ? clean_find_borders(red, 255, px_per_mm / 4, &br) : -ENOMEM;
			pixDestroy(&red);
			if (r < 0)
				goto out;
			if (br.mask) {
				r = paint_mask(bin, br.mask, 4, 0);
				if (r < 0)
					goto out;
			}
		}
	} else {
		grey = frame_to_grey(in);
		if (!grey)
			goto out;
		r = page_stats_measure(grey, &st);
		if (r < 0)
			goto out;
		rep->paper_level = page_stats_paper(&st);
		if (p->clean_borders) {
			r = clean_find_borders(st.reduced, rep->paper_level,
					       px_per_mm / BINARIZE_BLOCK, &br);
			if (r < 0)
				goto out;
		}
		rep->border_percent = br.border_percent;
		if (out == IMAGE_OUTPUT_AUTO) {
			out = choose_output(in, &st, rep);
			rep->flags |= IMAGE_FLAG_AUTO;
			ops_add(&ops,
				"; auto output: colour %.2f%% of the page, grey tones %.1f%% -> %s",
				100 * rep->colour_share, 100 * rep->tone_share, output_names[out]);
		}
		r = -ENOMEM;
		if (out == IMAGE_OUTPUT_COLOUR && in->channels == 3) {
			colour = frame_to_rgb(in);
			if (!colour)
				goto out;
		}
		/* 2. Binarisation, the background painted out on the way. */
		r = binarize_page(grey, &st, in->dpi, br.mask, &bin, &thresh);
		if (r < 0)
			goto out;
		/*
		 * A colour scan is binarised again from the grey of its ink axis; that grey is
		 * also what OCR reads of a bitonal page. The delivered grey stays luminance.
		 */
		if (in->channels == 3 &&
		    binarize_ink_axis(in, grey, bin, br.mask, rep->paper_level, axis)) {
			struct page_stats ist = { 0 };
			PIX *ink_bin = NULL;

			r = -ENOMEM;
			ink_grey = binarize_frame_grey(in, axis);
			if (!ink_grey)
				goto out;
			r = page_stats_measure(ink_grey, &ist);
			if (r == 0)
				r = binarize_page(ink_grey, &ist, in->dpi, br.mask, &ink_bin,
						  &thresh);
			page_stats_release(&ist);
			if (r < 0)
				goto out;
			pixDestroy(&bin);
			bin = ink_bin;
			ops_add(&ops, "; grey for binarisation: ink axis, weights %.2f %.2f %.2f",
				axis[0] / 256.0, axis[1] / 256.0, axis[2] / 256.0);
			if (out != IMAGE_OUTPUT_BITONAL)
				pixDestroy(&ink_grey);
		}
		rep->ink_level = ink_level(&st, bin, br.border_percent);
		ops_add(&ops, "; paper %u ink %u", rep->paper_level, rep->ink_level);
	}
	rep->border_percent = br.border_percent;
	rep->holes = br.holes;
	if (p->clean_borders)
		ops_add(&ops, "; borders: %.1f%% scanner background painted out, %u punch holes",
			br.border_percent, br.holes);
	if (grey)
		ops_add(&ops,
			"; binarise: background (grey closing %u on 4x4 blocks) divided out, paper "
			"to %u, Otsu threshold %u",
			binarize_background_size(in->dpi), BINARIZE_PAPER, thresh);

	/* 3. Skew and orientation. */
	find_skew(bin, p->orient, &angle, &conf, &quads);
	if (conf < SKEW_MIN_CONF)
		angle = 0; /* no lines to measure: an angle would be noise */
	rep->skew_deg = angle != 0 ? -angle : 0;
	rep->skew_conf = conf;
	ops_add(&ops, "; skew: %.2f deg conf %.1f (pixFindSkewSweepAndSearch +-%.0f)",
		rep->skew_deg, conf, SKEW_RANGE);
	r = -ENOMEM;
	if (p->orient && quads && !rotate_orth(&bin, quads))
		goto out;
	if (p->deskew && conf >= SKEW_MIN_CONF && fabs(angle) >= SKEW_MIN_DEG) {
		tmp = pixRotate(bin, (float)(angle * DEG2RAD), L_ROTATE_SHEAR, L_BRING_IN_WHITE, 0,
				0);
		if (!tmp)
			goto out;
		pixDestroy(&bin);
		bin = tmp;
		rep->deskewed = true;
		ops_add(&ops, ", corrected (shear rotation)");
	} else if (p->deskew) {
		ops_add(&ops, conf < SKEW_MIN_CONF ? ", not measurable" : ", not corrected");
	}
	if (p->orient) {
		int more = find_orientation(bin, in->dpi, &oconf);

		turn = quads;
		if (more > 0) {
			if (!rotate_orth(&bin, more))
				goto out;
			turn = (quads + more) % 4;
		}
		/* The text was fed turned the other way round. */
		rep->orientation = ((4 - turn) % 4) * 90;
		rep->orient_conf = oconf;
		orient_unknown = more < 0;
		ops_add(&ops, "; orientation: %d (conf %.1f%s), turned %d cw", rep->orientation,
			oconf, more < 0 ? ", text orientation unknown" : "", turn * 90);
	}
	if (fabs(rep->skew_deg) > p->skew_limit_deg && conf >= SKEW_MIN_CONF)
		rep->flags |= IMAGE_FLAG_SKEW;

	/* 4. Specks, then the blank measure on what is left. */
	if (p->despeckle) {
		unsigned size = MAX(1u, in->dpi / 150);

		r = clean_despeckle(bin, size, &tmp, &removed);
		if (r < 0)
			goto out;
		pixDestroy(&bin);
		bin = tmp;
		ops_add(&ops, "; despeckle: marks up to %ux%u px removed (%u px)", size, size,
			removed);
	}
	rep->blank_score = clean_blank_score(bin, in->dpi);
	if (rep->blank_score < 0) {
		r = -ENOMEM;
		goto out;
	}
	rep->blank = rep->blank_score < p->blank_threshold;
	if (orient_unknown && !rep->blank)
		rep->flags |= IMAGE_FLAG_ORIENTATION;
	ops_add(&ops, "; blank: score %.4f threshold %.4f -> %s", rep->blank_score,
		p->blank_threshold, rep->blank ? "blank" : "content");

	/* 5. Quality flags. */
	if (grey && rep->paper_level < p->dark_paper)
		rep->flags |= IMAGE_FLAG_DARK;
	/* Mostly darker than half the paper: a dark sheet, or no sheet at all. */
	if (rep->border_percent > 50)
		rep->flags |= IMAGE_FLAG_DARK;
	if (grey && !rep->blank && rep->ink_level > p->light_ink)
		rep->flags |= IMAGE_FLAG_LIGHT;
	if ((p->expected_width_mm > 0 && rep->width_mm < 0.95 * p->expected_width_mm) ||
	    (p->expected_height_mm > 0 && rep->length_mm < 0.95 * p->expected_height_mm))
		rep->flags |= IMAGE_FLAG_SHORT;

	/*
	 * 6. Encoding: the bitonal image as CCITT G4 and the grey or colour one as JPEG, in one
	 * geometry (same size, deskewed, cropped, turned). One is delivered; the other, when
	 * asked, is kept for OCR, which reads both and keeps the more confident text.
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
	deliver_bitonal = out == IMAGE_OUTPUT_BITONAL || out == IMAGE_OUTPUT_AUTO || in->depth == 1;
	if (deliver_bitonal || ret_ocr) {
		struct frame f = image_pix_as_frame(bin, in->dpi);
		struct encoded_image *g4 = deliver_bitonal ? &img : &ocr;

		r = image_encode_g4(&f, p->software ? p->software : "Folio", g4);
		if (r < 0)
			goto out;
	}
	if (deliver_bitonal) {
		ops_add(&ops, "; encode: CCITT G4 TIFF %ux%u", img.width, img.height);
		if (ret_ocr && grey) {
			/*
			 * The scanner background stays: painted in 4x4 blocks it leaves an
			 * edge that Tesseract's layout analysis reads as a column (on the
			 * blurred typescript of ../shared 23% CER against 15% without).
			 */
			struct upright u = { .mask = NULL,
					     .paper = rep->paper_level,
					     .quads = p->orient ? quads : 0,
					     .turn = p->orient ? turn : 0,
					     .angle = rep->deskewed ? angle : 0,
					     .rotation = L_ROTATE_SHEAR };
			struct frame f;

			if (ink_grey) {
				pixDestroy(&grey);
				grey = ink_grey;
				ink_grey = NULL;
			}
			r = make_upright(&grey, &u);
			if (r < 0)
				goto out;
			f = image_pix_as_frame(grey, in->dpi);
			r = image_encode_jpeg(&f, p->jpeg_quality, &ocr);
			if (r < 0)
				goto out;
			ops_add(&ops, "; kept for OCR: grey JPEG q%d %ux%u, %zu bytes",
				p->jpeg_quality, ocr.width, ocr.height, ocr.size);
		}
	} else {
		PIX **src = colour ? &colour : &grey;
		struct upright u = { .mask = br.mask,
				     .paper = rep->paper_level,
				     .quads = p->orient ? quads : 0,
				     .turn = p->orient ? turn : 0,
				     .angle = rep->deskewed ? angle : 0,
				     .rotation = L_ROTATE_AREA_MAP };

		r = make_upright(src, &u);
		if (r < 0)
			goto out;
		if (colour) {
			r = image_encode_colour(colour, in->dpi, p->jpeg_quality, &img);
		} else {
			struct frame f = image_pix_as_frame(grey, in->dpi);

			r = image_encode_jpeg(&f, p->jpeg_quality, &img);
		}
		if (r < 0)
			goto out;
		ops_add(&ops, "; encode: JPEG q%d %s %ux%u%s", p->jpeg_quality,
			img.channels == 3 ? "rgb" : "grey", img.width, img.height,
			rep->deskewed ? " (area-map rotation)" : "");
		if (ocr.size)
			ops_add(&ops, "; kept for OCR: CCITT G4 %ux%u, %zu bytes", ocr.width,
				ocr.height, ocr.size);
	}
	if (ocr.size && (ocr.width != img.width || ocr.height != img.height)) {
		r = -FOLIO_EFORMAT; /* a programmer's error: word boxes must fit both images */
		goto out;
	}
	rep->out_width = img.width;
	rep->out_height = img.height;
	rep->output = img.bit_depth == 1  ? IMAGE_OUTPUT_BITONAL
		      : img.channels == 3 ? IMAGE_OUTPUT_COLOUR
					  : IMAGE_OUTPUT_GREY;

	*ret_img = img;
	*ret_report = *rep;
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
	free(rep);
	page_stats_release(&st);
	pixDestroy(&br.mask);
	pixDestroy(&grey);
	pixDestroy(&ink_grey);
	pixDestroy(&colour);
	pixDestroy(&bin);
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
