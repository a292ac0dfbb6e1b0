/*
 * The image pipeline on small synthetic frames: outputs, flags, borders, errors, the batch
 * length check and multi-page TIFFs. Accuracy on realistic pages is in
 * tests/integration/image_accuracy.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <leptonica/allheaders.h>
#include <tiffio.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/image/process.h"

#define W 1240 /* A4 at 150 dpi */
#define H 1754

/* A4 at 150 dpi: paper with a little grain and, with @text, 52 lines of glyph-like marks. */
static struct frame grey_page(uint8_t paper, uint8_t ink, bool text)
{
	struct frame f = {
		.width = W, .height = H, .depth = 8, .channels = 1, .bytes_per_line = W, .dpi = 150
	};
	uint32_t x, y, line, seed = 12345;

	f.data = malloc((size_t)W * H);
	assert_non_null(f.data);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			f.data[(size_t)y * W + x] = (uint8_t)(paper - ((x * 7 + y * 13) % 5));
	for (line = 0; text && line < 52; line++) {
		uint32_t base = 160 + line * 24, glyphs = 0;

		/* Glyphs of varied width, some with ascenders or descenders, words apart. */
		for (x = 150; x < 1080;) {
			uint32_t gw, top, bot, yy, xx;

			seed = seed * 1103515245u + 12345u;
			gw = 3 + (seed >> 16) % 6;
			top = ((seed >> 8) & 3) == 0 ? 0 : 3;
			bot = ((seed >> 10) & 7) == 0 ? 12 : 9;
			for (yy = base + top; yy < base + bot; yy++)
				for (xx = x; xx < x + gw; xx++)
					f.data[(size_t)yy * W + xx] = ink;
			x += gw + 1 + (seed >> 24) % 3;
			if (++glyphs % (4 + (seed >> 20) % 5) == 0)
				x += 12;
		}
	}
	return f;
}

static TIFF *open_mem_tiff(const struct encoded_image *img, const char *name)
{
	FILE *fp = fopen(name, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(img->data, 1, img->size, fp), img->size);
	assert_int_equal(fclose(fp), 0);
	return TIFFOpen(name, "r");
}

/* Black pixels in columns [x0, x1) of a G4 page. */
static uint64_t count_black(TIFF *tif, uint32_t x0, uint32_t x1)
{
	uint32_t w = 0, h = 0, x, y;
	uint64_t n = 0;
	uint8_t *row;

	TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
	row = malloc(TIFFScanlineSize(tif));
	assert_non_null(row);
	for (y = 0; y < h; y++) {
		assert_int_equal(TIFFReadScanline(tif, row, y, 0), 1);
		for (x = x0; x < x1 && x < w; x++)
			n += !!(row[x / 8] & (0x80 >> (x % 8)));
	}
	free(row);
	return n;
}

/* Black pixels in columns [x0, x1) of @img, a G4 page, read back from the file @name. */
static uint64_t black_in(const struct encoded_image *img, const char *name, uint32_t x0,
			 uint32_t x1)
{
	TIFF *tif = open_mem_tiff(img, name);
	uint64_t n;

	assert_non_null(tif);
	n = count_black(tif, x0, x1);
	TIFFClose(tif);
	return n;
}

/* Black pixels in the whole of @img. */
static uint64_t black_of(const struct encoded_image *img, const char *name)
{
	return black_in(img, name, 0, img->width);
}

static void test_blank_page(void **state)
{
	struct frame f = grey_page(235, 0, false);
	struct encoded_image img;
	struct image_page_report rep;

	(void)state;
	assert_int_equal(image_process(&f, NULL, &img, &rep), 0);
	assert_true(rep.blank);
	assert_true(rep.blank_score < 0.001);
	assert_int_equal(rep.flags, 0);
	/* Kept, not dropped: a real page comes out. */
	assert_string_equal(img.format, "TIFF");
	assert_int_equal(black_in(&img, "blank.tif", 0, W), 0);
	assert_non_null(strstr(rep.ops, "blank: score"));
	encoded_image_release(&img);
	free(f.data);
}

/*
 * Faint ink on yellowed paper (violet typescript, a carbon copy: ink only 35 to 50 grey levels
 * below the paper, which darkens from top to bottom) keeps its marks: every line's glyphs come out
 * black, and the paper stays white.
 */
static void test_faint_ink_kept(void **state)
{
	struct frame f = grey_page(200, 150, true), clean = grey_page(200, 150, false);
	struct encoded_image img;
	struct image_page_report rep;
	uint64_t ink = 0, marks;
	uint32_t x, y;

	(void)state;
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			size_t i = (size_t)y * W + x;

			ink += f.data[i] == 150;
			/* The sheet yellows down the page: paper 200 at the top, 185 at the foot. */
			f.data[i] = (uint8_t)(f.data[i] - (f.data[i] == 150 ? 0 : 15 * y / H));
		}
	free(clean.data);
	assert_int_equal(image_process(&f, NULL, &img, &rep), 0);
	assert_false(rep.blank);
	marks = black_in(&img, "faint.tif", 0, W);
	/* Deskew and despeckle move a few pixels; the strokes stay. */
	assert_in_range(marks, ink * 85 / 100, ink * 115 / 100);
	encoded_image_release(&img);
	free(f.data);
}

/* Pages no scanner should send still come out: a black sheet, a sliver, a few pixels. */
static void test_odd_pages(void **state)
{
	static const uint32_t sizes[][2] = {
		{ 1, 1 }, { 3, 2 }, { 7, 5000 }, { 5000, 9 }, { 64, 64 }
	};
	struct encoded_image img;
	struct image_page_report rep;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes) + 1; i++) {
		bool black = i == ARRAY_SIZE(sizes);
		uint32_t w = black ? 600 : sizes[i][0], h = black ? 800 : sizes[i][1];
		struct frame f = { .width = w,
				   .height = h,
				   .depth = 8,
				   .channels = 1,
				   .bytes_per_line = w,
				   .dpi = 300,
				   .data = malloc((size_t)w * h) };

		assert_non_null(f.data);
		memset(f.data, black ? 0 : 0xe0, (size_t)w * h);
		assert_int_equal(image_process(&f, NULL, &img, &rep), 0);
		assert_int_equal(img.width * img.height, w * h);
		if (black)
			assert_true(rep.flags & IMAGE_FLAG_DARK);
		encoded_image_release(&img);
		free(f.data);
	}
}

/* The frame turned a quarter clockwise: the landscape frame of a page fed sideways. */
static struct frame turn_quarter(const struct frame *f)
{
	struct frame t = *f;
	uint32_t x, y;

	t.width = f->height;
	t.height = f->width;
	t.bytes_per_line = t.width;
	t.data = malloc((size_t)t.width * t.height);
	assert_non_null(t.data);
	for (y = 0; y < f->height; y++)
		for (x = 0; x < f->width; x++)
			t.data[(size_t)x * t.width + (f->height - 1 - y)] =
			    f->data[(size_t)y * f->bytes_per_line + x];
	return t;
}

/*
 * A page fed sideways comes out upright on a portrait frame: the quarter turn swaps width and
 * height, and every mark is still there. A drawing (no text to read the way up from) may stay
 * as fed, but is never cut either.
 */
static void test_sideways_pages(void **state)
{
	struct frame up = grey_page(235, 20, true), side = turn_quarter(&up), drawing, dside;
	struct encoded_image a, b;
	struct image_page_report ra, rb;
	uint64_t na, nb;
	uint32_t x, y;

	(void)state;
	assert_int_equal(image_process(&up, NULL, &a, &ra), 0);
	assert_int_equal(image_process(&side, NULL, &b, &rb), 0);
	assert_int_equal(b.width, W);
	assert_int_equal(b.height, H);
	assert_true(rb.orientation == 90 || rb.orientation == 270);
	na = black_of(&a, "up.tif");
	nb = black_of(&b, "side.tif");
	assert_in_range(nb, na * 97 / 100, na * 103 / 100);
	encoded_image_release(&a);
	encoded_image_release(&b);

	/* A drawing: a frame, a circle and a diagonal reaching the sheet's edges. */
	drawing = grey_page(235, 20, false);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			long dx = (long)x - W / 2, dy = (long)y - H / 2, r2 = dx * dx + dy * dy;
			bool mark = (x >= 100 && x < 106) || (x >= W - 106 && x < W - 100) ||
				    (y >= 100 && y < 106) || (y >= H - 106 && y < H - 100) ||
				    (r2 > 300 * 300 && r2 < 306 * 306) ||
				    labs((long)x * H / W - (long)y) < 4;

			if (mark)
				drawing.data[(size_t)y * W + x] = 20;
		}
	dside = turn_quarter(&drawing);
	assert_int_equal(image_process(&drawing, NULL, &a, &ra), 0);
	assert_int_equal(image_process(&dside, NULL, &b, &rb), 0);
	assert_true((b.width == H && b.height == W) || (b.width == W && b.height == H));
	na = black_of(&a, "drawing.tif");
	nb = black_of(&b, "drawing-side.tif");
	assert_in_range(nb, na * 97 / 100, na * 103 / 100);
	encoded_image_release(&a);
	encoded_image_release(&b);
	free(up.data);
	free(side.data);
	free(drawing.data);
	free(dside.data);
}

/*
 * The page's two images, its G4 @g4 and its grey or colour JPEG @jpeg, carry the same marks in
 * the same places at the same size: word boxes read from one fit the other.
 */
static void assert_same_marks(const struct encoded_image *g4, const struct encoded_image *jpeg)
{
	PIX *bin, *grey, *grey_bin, *both;
	l_int32 n_bin = 0, n_both = 0;

	assert_string_equal(g4->format, "TIFF");
	assert_int_equal(g4->bit_depth, 1);
	assert_string_equal(jpeg->format, "JPEG");
	assert_int_equal(g4->width, jpeg->width);
	assert_int_equal(g4->height, jpeg->height);
	assert_int_equal(g4->dpi, jpeg->dpi);
	bin = pixReadMemTiff(g4->data, g4->size, 0);
	grey = pixReadMem(jpeg->data, jpeg->size);
	assert_non_null(bin);
	assert_non_null(grey);
	grey_bin = pixThresholdToBinary(grey, 128);
	both = pixAnd(NULL, bin, grey_bin);
	pixCountPixels(bin, &n_bin, NULL);
	pixCountPixels(both, &n_both, NULL);
	assert_true(n_bin > 10000);
	assert_true(n_both > n_bin * 8 / 10); /* the same marks in the same places */
	pixDestroy(&both);
	pixDestroy(&grey_bin);
	pixDestroy(&grey);
	pixDestroy(&bin);
}

/*
 * A bitonal page from a grey scan keeps a grey image for OCR in the delivered geometry: fed
 * sideways and crooked, both come out upright at the same size, ink on ink. A page delivered in
 * grey keeps its bitonal image for OCR the same way; a bitonal scan keeps none.
 */
static void test_grey_image_for_ocr(void **state)
{
	struct frame up = grey_page(235, 30, true), side;
	struct encoded_image img, ocr;
	struct image_page_report rep;
	struct image_profile p;
	uint32_t x, y;

	(void)state;
	/* A little crooked too: shift each row by a share of its height. */
	for (y = 0; y < H; y++)
		for (x = W - 1; x >= 8; x--)
			up.data[(size_t)y * W + x] = up.data[(size_t)y * W + x - y / 220];
	side = turn_quarter(&up);
	assert_int_equal(image_process_ocr(&side, NULL, &img, &ocr, &rep), 0);
	assert_int_equal(img.bit_depth, 1);
	assert_true(rep.orientation == 90 || rep.orientation == 270);
	assert_int_equal(ocr.bit_depth, 8);
	assert_int_equal(ocr.channels, 1);
	assert_same_marks(&img, &ocr);
	encoded_image_release(&img);
	encoded_image_release(&ocr);

	/* Delivered in grey: the bitonal image is kept for OCR, with the same marks. */
	image_profile_init(&p);
	p.output = IMAGE_OUTPUT_GREY;
	assert_int_equal(image_process_ocr(&side, &p, &img, &ocr, &rep), 0);
	assert_same_marks(&ocr, &img);
	encoded_image_release(&img);
	encoded_image_release(&ocr);
	free(up.data);
	free(side.data);
}

static void test_text_page_and_border(void **state)
{
	struct frame f = grey_page(235, 30, true);
	struct encoded_image img;
	struct image_page_report rep;
	uint32_t x, y;
	uint64_t border_black, text_black, ink = 0;

	(void)state;
	for (y = 0; y < H; y++)
		for (x = 150; x < 1090; x++)
			ink += f.data[(size_t)y * W + x] == 30;
	/* A dark scanner border down the left edge, 40 px (7 mm) wide. */
	for (y = 0; y < H; y++)
		for (x = 0; x < 40; x++)
			f.data[(size_t)y * W + x] = 25;
	assert_int_equal(image_process(&f, NULL, &img, &rep), 0);
	assert_false(rep.blank);
	assert_true(rep.blank_score > 1);
	assert_true(rep.border_percent > 2 && rep.border_percent < 6);
	assert_true(rep.paper_level >= 228 && rep.paper_level <= 236);
	assert_true(rep.ink_level < 80);
	assert_int_equal(rep.orientation, 0);
	assert_true(rep.skew_deg > -0.1 && rep.skew_deg < 0.1);
	assert_int_equal(rep.flags, 0);
	assert_int_equal(rep.out_width, W);
	assert_int_equal(rep.out_height, H);
	border_black = black_in(&img, "text.tif", 0, 60);
	text_black = black_in(&img, "text.tif", 150, 1090);
	assert_int_equal(border_black, 0);
	/* The glyphs come out black, no more and no less (within 10%). */
	assert_true(text_black > ink * 9 / 10 && text_black < ink * 11 / 10);
	assert_non_null(strstr(rep.ops, "borders"));
	assert_non_null(strstr(rep.ops, "leptonica-"));
	encoded_image_release(&img);
	free(f.data);
}

/*
 * Content that touches the sheet's edge is not scanner background: a photograph bled off the
 * left edge and a drawing's lines running off the top keep their marks, where a dark, uniform
 * band outside the paper (test_text_page_and_border) goes.
 */
static void test_edge_content_kept(void **state)
{
	struct frame f = grey_page(235, 30, true);
	struct encoded_image img;
	struct image_page_report rep;
	uint32_t x, y, seed = 7;
	uint64_t photo, lines;

	(void)state;
	/* The photograph: 300 x 400 px of dark, busy texture from the left edge. */
	for (y = 600; y < 1000; y++)
		for (x = 0; x < 300; x++) {
			seed = seed * 1103515245u + 12345u;
			f.data[(size_t)y * W + x] =
			    (uint8_t)(20 + (seed >> 16) % 60 + 40 * (((x / 24) + (y / 24)) % 2));
		}
	/* The drawing: three 4 px lines from the top edge down 120 px, right of the text. */
	for (y = 0; y < 120; y++)
		for (x = 0; x < 4; x++) {
			f.data[(size_t)y * W + 1120 + x] = 30;
			f.data[(size_t)y * W + 1150 + x] = 30;
			f.data[(size_t)y * W + 1180 + x] = 30;
		}
	assert_int_equal(image_process(&f, NULL, &img, &rep), 0);
	assert_true(rep.border_percent < 0.5);
	photo = black_in(&img, "edge.tif", 0, 140);
	lines = black_in(&img, "edge.tif", 1110, 1200);
	/* Left of the text only the photograph has marks: at least half of 140 x 400 is black. */
	assert_true(photo > 140 * 400 / 2);
	/* The lines: 3 x 4 x 120 px, give or take a pixel of deskew. */
	assert_in_range(lines, 3 * 4 * 120 * 8 / 10, 3 * 4 * 120 * 12 / 10);
	encoded_image_release(&img);
	free(f.data);
}

/* A grey page as an RGB frame, with a red stamp of @stamp x @stamp pixels when @stamp > 0. */
static struct frame rgb_page(const struct frame *g, uint32_t stamp)
{
	struct frame f = *g;
	uint32_t x, y;

	f.channels = 3;
	f.bytes_per_line = g->width * 3;
	f.data = malloc((size_t)f.bytes_per_line * f.height);
	assert_non_null(f.data);
	for (y = 0; y < f.height; y++)
		for (x = 0; x < f.width; x++) {
			uint8_t v = g->data[(size_t)y * g->bytes_per_line + x], *o;
			bool red = x >= 900 && x < 900 + stamp && y >= 1400 && y < 1400 + stamp;

			o = f.data + (size_t)y * f.bytes_per_line + 3 * x;
			o[0] = red ? 200 : v;
			o[1] = red ? 40 : v;
			o[2] = red ? 50 : v;
		}
	return f;
}

/*
 * output = auto: a black and white text page is delivered bitonal, the same page with a red
 * stamp in colour, a page with a photograph in grey; the decision and its measures are in the
 * report and its ops record.
 */
static void test_auto_output(void **state)
{
	struct frame text = grey_page(235, 30, true), rgb = rgb_page(&text, 0),
		     stamped = rgb_page(&text, 120), photo = grey_page(235, 30, true);
	struct image_profile p;
	struct encoded_image img;
	struct image_page_report rep;
	uint32_t x, y;

	(void)state;
	image_profile_init(&p);
	p.output = IMAGE_OUTPUT_AUTO;
	assert_int_equal(image_process(&text, &p, &img, &rep), 0);
	assert_string_equal(img.format, "TIFF");
	assert_int_equal(rep.output, IMAGE_OUTPUT_BITONAL);
	assert_non_null(strstr(rep.ops, "auto output"));
	assert_true(rep.flags & IMAGE_FLAG_AUTO); /* the decision is reported as auto's */
	encoded_image_release(&img);

	assert_int_equal(image_process(&rgb, &p, &img, &rep), 0);
	assert_int_equal(rep.output, IMAGE_OUTPUT_BITONAL);
	assert_true(rep.colour_share < IMAGE_AUTO_COLOUR_SHARE);
	encoded_image_release(&img);

	assert_int_equal(image_process(&stamped, &p, &img, &rep), 0);
	assert_string_equal(img.format, "JPEG");
	assert_int_equal(img.channels, 3);
	assert_int_equal(rep.output, IMAGE_OUTPUT_COLOUR);
	assert_true(rep.colour_share > IMAGE_AUTO_COLOUR_SHARE);
	assert_non_null(strstr(rep.ops, "-> colour"));
	assert_true(rep.flags & IMAGE_FLAG_AUTO);
	encoded_image_release(&img);
	/* A profile that says bitonal gets bitonal, colour or not, and no auto decision. */
	p.output = IMAGE_OUTPUT_BITONAL;
	assert_int_equal(image_process(&stamped, &p, &img, &rep), 0);
	assert_string_equal(img.format, "TIFF");
	assert_false(rep.flags & IMAGE_FLAG_AUTO);
	encoded_image_release(&img);
	p.output = IMAGE_OUTPUT_AUTO;

	/* A photograph: a smooth grey ramp over the lower half of the page. */
	for (y = H / 2; y < H - 100; y++)
		for (x = 100; x < W - 100; x++)
			photo.data[(size_t)y * W + x] = (uint8_t)(60 + 120 * (x - 100) / (W - 200));
	assert_int_equal(image_process(&photo, &p, &img, &rep), 0);
	assert_string_equal(img.format, "JPEG");
	assert_int_equal(img.channels, 1);
	assert_int_equal(rep.output, IMAGE_OUTPUT_GREY);
	assert_true(rep.tone_share > IMAGE_AUTO_TONE_SHARE);
	encoded_image_release(&img);
	free(text.data);
	free(rgb.data);
	free(stamped.data);
	free(photo.data);
}

static void test_quality_flags(void **state)
{
	struct image_profile p;
	struct frame f;
	struct encoded_image img;
	struct image_page_report rep;

	(void)state;
	image_profile_init(&p);
	/* Faint print on white paper. */
	f = grey_page(240, 165, true);
	assert_int_equal(image_process(&f, &p, &img, &rep), 0);
	assert_true(rep.flags & IMAGE_FLAG_LIGHT);
	assert_false(rep.flags & IMAGE_FLAG_DARK);
	encoded_image_release(&img);
	free(f.data);
	/* Grey paper: exposure too dark. */
	f = grey_page(110, 10, true);
	assert_int_equal(image_process(&f, &p, &img, &rep), 0);
	assert_true(rep.flags & IMAGE_FLAG_DARK);
	assert_false(rep.flags & IMAGE_FLAG_LIGHT);
	encoded_image_release(&img);
	/* Smaller than the A4 sheet the profile expects: 210 x 297 mm at 150 dpi is 1240 x 1754. */
	p.expected_width_mm = 210;
	p.expected_height_mm = 320;
	f.data[0] = 200;
	assert_int_equal(image_process(&f, &p, &img, &rep), 0);
	assert_true(rep.flags & IMAGE_FLAG_SHORT);
	encoded_image_release(&img);
	p.expected_height_mm = 297;
	assert_int_equal(image_process(&f, &p, &img, &rep), 0);
	assert_false(rep.flags & IMAGE_FLAG_SHORT);
	encoded_image_release(&img);
	free(f.data);
}

static void test_grey_and_colour_output(void **state)
{
	struct frame f = grey_page(235, 30, true), rgb;
	struct image_profile p;
	struct encoded_image img;
	struct image_page_report rep;
	size_t i;

	(void)state;
	image_profile_init(&p);
	p.output = IMAGE_OUTPUT_GREY;
	p.jpeg_quality = 70;
	assert_int_equal(image_process(&f, &p, &img, &rep), 0);
	assert_string_equal(img.mime, "image/jpeg");
	assert_int_equal(img.channels, 1);
	assert_int_equal(img.bit_depth, 8);
	assert_int_equal(img.width, W);
	assert_true(img.data[0] == 0xff && img.data[1] == 0xd8);
	encoded_image_release(&img);

	rgb = (struct frame){ .width = W,
			      .height = H,
			      .depth = 8,
			      .channels = 3,
			      .bytes_per_line = W * 3,
			      .dpi = 150 };
	rgb.data = malloc((size_t)W * H * 3);
	assert_non_null(rgb.data);
	for (i = 0; i < (size_t)W * H; i++) {
		rgb.data[3 * i] = f.data[i];
		rgb.data[3 * i + 1] = f.data[i];
		rgb.data[3 * i + 2] = (uint8_t)(f.data[i] / 2);
	}
	p.output = IMAGE_OUTPUT_COLOUR;
	assert_int_equal(image_process(&rgb, &p, &img, &rep), 0);
	assert_int_equal(img.channels, 3);
	assert_false(rep.blank);
	encoded_image_release(&img);
	/* Bitonal output from colour input works too. */
	p.output = IMAGE_OUTPUT_BITONAL;
	assert_int_equal(image_process(&rgb, &p, &img, &rep), 0);
	assert_int_equal(img.bit_depth, 1);
	encoded_image_release(&img);
	free(rgb.data);
	free(f.data);
}

static void test_bitonal_input(void **state)
{
	struct frame f = { .width = 1001,
			   .height = 1400,
			   .depth = 1,
			   .channels = 1,
			   .bytes_per_line = 130,
			   .dpi = 150 };
	struct encoded_image img, ocr = { .size = 7 };
	struct image_page_report rep;

	(void)state;
	f.data = calloc(f.height, f.bytes_per_line);
	assert_non_null(f.data);
	assert_int_equal(image_process(&f, NULL, &img, &rep), 0);
	assert_true(rep.blank);
	assert_int_equal(img.width, 1001);
	encoded_image_release(&img);
	/* All black: flagged dark, not blank. */
	memset(f.data, 0xff, (size_t)f.height * f.bytes_per_line);
	assert_int_equal(image_process(&f, NULL, &img, &rep), 0);
	assert_true(rep.flags & IMAGE_FLAG_DARK);
	encoded_image_release(&img);
	/* A bitonal scan has no other image for OCR: it reads the delivered one. */
	assert_int_equal(image_process_ocr(&f, NULL, &img, &ocr, &rep), 0);
	assert_int_equal(img.bit_depth, 1);
	assert_null(ocr.data);
	assert_int_equal(ocr.size, 0);
	encoded_image_release(&img);
	free(f.data);
}

static void test_rejects(void **state)
{
	struct frame f = grey_page(235, 0, false), bad;
	struct encoded_image img = { .size = 7 };
	struct image_page_report rep = { .flags = 99 };
	struct image_profile p;

	(void)state;
	assert_int_equal(image_process(&f, NULL, NULL, &rep), -EINVAL);
	image_profile_init(&p);
	p.output = IMAGE_OUTPUT_GREY;
	p.jpeg_quality = 0;
	assert_int_equal(image_process(&f, &p, &img, &rep), -EINVAL);
	bad = f;
	bad.bytes_per_line = W - 1;
	assert_int_equal(image_process(&bad, NULL, &img, &rep), -EINVAL);
	bad = f;
	bad.width = 100000;
	bad.height = 100000;
	bad.bytes_per_line = 100000;
	assert_int_equal(image_process(&bad, NULL, &img, &rep), -FOLIO_ETOOBIG);
	assert_int_equal(img.size, 7);
	assert_int_equal(rep.flags, 99);
	free(f.data);
}

static void test_length_check(void **state)
{
	struct image_page_report reps[6] = { 0 };
	const double len[6] = { 297, 296.5, 297.4, 540, 150, 297 };
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		reps[i].length_mm = len[i];
	reps[0].flags = IMAGE_FLAG_LENGTH | IMAGE_FLAG_SKEW;
	assert_int_equal(image_length_check(reps, 6, 0.1), 2);
	assert_int_equal(reps[0].flags, IMAGE_FLAG_SKEW);
	assert_false(reps[1].flags & IMAGE_FLAG_LENGTH);
	assert_true(reps[3].flags & IMAGE_FLAG_LENGTH); /* double feed */
	assert_true(reps[4].flags & IMAGE_FLAG_LENGTH); /* folded */
	assert_false(reps[5].flags & IMAGE_FLAG_LENGTH);
	assert_int_equal(image_length_check(reps, 2, 0.1), 0);
	assert_int_equal(image_length_check(NULL, 3, 0.1), -EINVAL);
}

static void test_multipage(void **state)
{
	struct encoded_image pages[3], doc, jpeg;
	struct image_page_report rep;
	struct frame f;
	uint16_t pg = 0, total = 0, comp = 0;
	char *sw = NULL;
	int i, dirs = 0;
	TIFF *tif;

	(void)state;
	for (i = 0; i < 3; i++) {
		f = grey_page(235, 30, i != 1);
		f.height -= (uint32_t)i * 100;
		assert_int_equal(image_process(&f, NULL, &pages[i], &rep), 0);
		free(f.data);
	}
	assert_int_equal(image_tiff_multipage(pages, 3, "Folio unit", &doc), 0);
	assert_string_equal(doc.mime, "image/tiff");
	tif = open_mem_tiff(&doc, "doc.tif");
	assert_non_null(tif);
	do {
		uint32_t h = 0;
		TIFF *single;
		char name[32];

		assert_true(TIFFGetField(tif, TIFFTAG_PAGENUMBER, &pg, &total));
		assert_int_equal(pg, dirs);
		assert_int_equal(total, 3);
		assert_true(TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp));
		assert_int_equal(comp, COMPRESSION_CCITTFAX4);
		assert_true(TIFFGetField(tif, TIFFTAG_SOFTWARE, &sw));
		assert_string_equal(sw, "Folio unit");
		assert_true(TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h));
		assert_int_equal(h, H - dirs * 100);
		snprintf(name, sizeof(name), "single%d.tif", dirs);
		single = open_mem_tiff(&pages[dirs], name);
		assert_non_null(single);
		assert_int_equal(count_black(tif, 0, W), count_black(single, 0, W));
		TIFFClose(single);
		dirs++;
	} while (TIFFReadDirectory(tif));
	TIFFClose(tif);
	assert_int_equal(dirs, 3);
	encoded_image_release(&doc);

	/* A JPEG page goes in as JPEG-in-TIFF (test_image_encode has the details). */
	f = grey_page(235, 30, true);
	assert_int_equal(image_encode_jpeg(&f, 50, &jpeg), 0);
	free(f.data);
	assert_int_equal(image_tiff_multipage(&jpeg, 1, NULL, &doc), 0);
	encoded_image_release(&doc);
	/* A page that is no image, and no pages, are refused. */
	pages[1].data[0] ^= 0xff;
	assert_int_equal(image_tiff_multipage(pages, 3, NULL, &doc), -EINVAL);
	assert_int_equal(image_tiff_multipage(pages, 0, NULL, &doc), -EINVAL);
	encoded_image_release(&jpeg);
	for (i = 0; i < 3; i++)
		encoded_image_release(&pages[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blank_page),
		cmocka_unit_test(test_faint_ink_kept),
		cmocka_unit_test(test_odd_pages),
		cmocka_unit_test(test_sideways_pages),
		cmocka_unit_test(test_grey_image_for_ocr),
		cmocka_unit_test(test_text_page_and_border),
		cmocka_unit_test(test_edge_content_kept),
		cmocka_unit_test(test_auto_output),
		cmocka_unit_test(test_quality_flags),
		cmocka_unit_test(test_grey_and_colour_output),
		cmocka_unit_test(test_bitonal_input),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_length_check),
		cmocka_unit_test(test_multipage),
	};

	TIFFSetWarningHandler(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
