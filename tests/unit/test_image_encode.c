/*
 * Round trips through the page encoders: encode, read back with libtiff / libjpeg (not through
 * our own code), compare pixels and tags.
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
#include <jpeglib.h>
#include <tiffio.h>

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/image/encode.h"
#include "firmware/package/tiffcheck.h"

static struct frame frame_new(uint32_t w, uint32_t h, uint32_t depth, uint32_t channels,
			      uint32_t pad)
{
	struct frame f = {
		.width = w,
		.height = h,
		.depth = depth,
		.channels = channels,
		.dpi = 300,
	};

	f.bytes_per_line = (uint32_t)(((uint64_t)w * depth * channels + 7) / 8) + pad;
	f.data = calloc(h, f.bytes_per_line);
	assert_non_null(f.data);
	return f;
}

/* A bitonal page with text-like marks, an odd width and line padding. */
static struct frame bitonal_page(void)
{
	struct frame f = frame_new(1237, 1603, 1, 1, 3);
	uint32_t x, y;

	for (y = 0; y < f.height; y++)
		for (x = 0; x < f.width; x++) {
			/* Glyph-like blocks, a diagonal rule, a thick bar. */
			bool black = ((x / 40 + y / 60) % 3 == 0 && x % 40 < 25 && y % 60 < 35) ||
				     (x == y) || (y > 800 && y < 820 && x > 100 && x < 1100);

			if (black)
				f.data[(size_t)y * f.bytes_per_line + x / 8] |= 0x80 >> (x % 8);
		}
	/* Padding bytes hold junk a scanner may leave there: it must not leak into the image. */
	for (y = 0; y < f.height; y++)
		memset(f.data + (size_t)y * f.bytes_per_line + (f.width + 7) / 8, 0xa5, 3);
	return f;
}

static bool frame_bit(const struct frame *f, uint32_t x, uint32_t y)
{
	return f->data[(size_t)y * f->bytes_per_line + x / 8] & (0x80 >> (x % 8));
}

static TIFF *tiff_from(const struct encoded_image *img, const char *name)
{
	FILE *fp = fopen(name, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(img->data, 1, img->size, fp), img->size);
	assert_int_equal(fclose(fp), 0);
	TIFFSetWarningHandler(NULL);
	return TIFFOpen(name, "r");
}

static void test_g4_round_trip(void **state)
{
	struct frame f = bitonal_page();
	struct encoded_image img = { 0 };
	uint32_t w = 0, h = 0, x, y, rows_differ = 0;
	uint16_t comp = 0, photo = 0, bps = 0, unit = 0;
	float xres = 0, yres = 0;
	char *software = NULL, *datetime = NULL;
	uint8_t *row;
	TIFF *tif;

	(void)state;
	assert_int_equal(image_encode_g4(&f, "Folio test 1.0", &img), 0);
	assert_string_equal(img.format, "TIFF");
	assert_string_equal(img.mime, "image/tiff");
	assert_string_equal(img.extension, "tif");
	assert_int_equal(img.width, f.width);
	assert_int_equal(img.height, f.height);
	assert_int_equal(img.bit_depth, 1);
	assert_int_equal(img.channels, 1);
	assert_int_equal(img.dpi, 300);
	/* G4 must actually compress: a tenth of the raw size at most for this page. */
	assert_true(img.size < (size_t)f.height * ((f.width + 7) / 8) / 10);

	tif = tiff_from(&img, "g4.tif");
	assert_non_null(tif);
	assert_true(TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w));
	assert_true(TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h));
	assert_int_equal(w, f.width);
	assert_int_equal(h, f.height);
	assert_true(TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp));
	assert_int_equal(comp, COMPRESSION_CCITTFAX4);
	assert_true(TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo));
	assert_int_equal(photo, PHOTOMETRIC_MINISWHITE);
	assert_true(TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bps));
	assert_int_equal(bps, 1);
	assert_true(TIFFGetField(tif, TIFFTAG_RESOLUTIONUNIT, &unit));
	assert_int_equal(unit, RESUNIT_INCH);
	assert_true(TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres));
	assert_true(TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres));
	assert_true(xres > 299.99f && xres < 300.01f);
	assert_true(yres > 299.99f && yres < 300.01f);
	assert_true(TIFFGetField(tif, TIFFTAG_SOFTWARE, &software));
	assert_string_equal(software, "Folio test 1.0");
	assert_true(TIFFGetField(tif, TIFFTAG_DATETIME, &datetime));
	assert_int_equal(strlen(datetime), 19);
	assert_true(TIFFNumberOfStrips(tif) >= 1);

	row = malloc(TIFFScanlineSize(tif));
	assert_non_null(row);
	for (y = 0; y < h; y++) {
		bool same = true;

		assert_int_equal(TIFFReadScanline(tif, row, y, 0), 1);
		for (x = 0; x < w; x++)
			if (!!(row[x / 8] & (0x80 >> (x % 8))) != frame_bit(&f, x, y))
				same = false;
		rows_differ += !same;
	}
	assert_int_equal(rows_differ, 0);
	free(row);
	TIFFClose(tif);
	encoded_image_release(&img);
	assert_null(img.data);
	encoded_image_release(&img);
	free(f.data);
}

static void test_g4_from_grey_thresholds(void **state)
{
	struct frame f = frame_new(300, 200, 8, 1, 0);
	struct encoded_image img = { 0 };
	uint32_t x, y, wrong = 0;
	uint8_t *row;
	TIFF *tif;

	(void)state;
	for (y = 0; y < f.height; y++)
		for (x = 0; x < f.width; x++)
			f.data[y * f.bytes_per_line + x] = (uint8_t)((x < 150) ? 40 + y % 50 : 200);
	assert_int_equal(image_encode_g4(&f, NULL, &img), 0);
	tif = tiff_from(&img, "grey.tif");
	assert_non_null(tif);
	row = malloc(TIFFScanlineSize(tif));
	assert_non_null(row);
	for (y = 0; y < f.height; y++) {
		assert_int_equal(TIFFReadScanline(tif, row, y, 0), 1);
		for (x = 0; x < f.width; x++)
			wrong += !!(row[x / 8] & (0x80 >> (x % 8))) != (x < 150);
	}
	assert_int_equal(wrong, 0);
	free(row);
	TIFFClose(tif);
	encoded_image_release(&img);
	free(f.data);
}

struct jpeg_test_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
};

static void jpeg_test_exit(j_common_ptr cinfo)
{
	longjmp(((struct jpeg_test_err *)cinfo->err)->jump, 1);
}

static void jpeg_round_trip(uint32_t channels)
{
	struct frame f = frame_new(641, 479, 8, channels, 5);
	struct encoded_image img = { 0 };
	struct jpeg_decompress_struct d;
	struct jpeg_test_err err;
	uint64_t sum = 0, n = 0;
	uint32_t x, y, c;
	int worst = 0;
	uint8_t *row;

	for (y = 0; y < f.height; y++)
		for (x = 0; x < f.width; x++)
			for (c = 0; c < channels; c++)
				f.data[y * f.bytes_per_line + x * channels + c] =
				    (uint8_t)(c == 0   ? x * 255 / f.width
					      : c == 1 ? y * 255 / f.height
						       : (x + y) * 255 / (f.width + f.height));
	assert_int_equal(image_encode_jpeg(&f, 92, &img), 0);
	assert_string_equal(img.format, "JPEG");
	assert_string_equal(img.mime, "image/jpeg");
	assert_string_equal(img.extension, "jpg");
	assert_int_equal(img.channels, channels);
	assert_int_equal(img.bit_depth, 8);

	d.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jpeg_test_exit;
	if (setjmp(err.jump))
		fail_msg("libjpeg cannot read our JPEG");
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, img.data, img.size);
	assert_int_equal(jpeg_read_header(&d, TRUE), JPEG_HEADER_OK);
	assert_true(d.saw_JFIF_marker);
	assert_int_equal(d.density_unit, 1);
	assert_int_equal(d.X_density, 300);
	assert_int_equal(d.Y_density, 300);
	assert_int_equal(d.image_width, f.width);
	assert_int_equal(d.image_height, f.height);
	assert_int_equal(d.num_components, (int)channels);
	assert_false(d.progressive_mode);
	jpeg_start_decompress(&d);
	row = malloc((size_t)f.width * channels);
	assert_non_null(row);
	while (d.output_scanline < d.output_height) {
		y = d.output_scanline;
		jpeg_read_scanlines(&d, &row, 1);
		for (x = 0; x < f.width * channels; x++) {
			int diff = abs((int)row[x] - (int)f.data[y * f.bytes_per_line + x]);

			sum += (uint64_t)diff;
			n++;
			if (diff > worst)
				worst = diff;
		}
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	free(row);
	assert_true(n > 0);
	assert_true((double)sum / (double)n < 2.0);
	print_message("jpeg %u channel(s): mean error %.2f, worst %d\n", channels,
		      (double)sum / (double)n, worst);
	assert_true(worst < 24);
	encoded_image_release(&img);
	free(f.data);
}

static void test_jpeg_grey_round_trip(void **state)
{
	(void)state;
	jpeg_round_trip(1);
}

static void test_jpeg_rgb_round_trip(void **state)
{
	(void)state;
	jpeg_round_trip(3);
}

static void test_jpeg_quality_matters(void **state)
{
	struct frame f = frame_new(400, 400, 8, 1, 0);
	struct encoded_image lo = { 0 }, hi = { 0 };
	uint32_t i;

	(void)state;
	for (i = 0; i < 400 * 400; i++)
		f.data[i] = (uint8_t)((i * 2654435761u) >> 24);
	assert_int_equal(image_encode_jpeg(&f, 20, &lo), 0);
	assert_int_equal(image_encode_jpeg(&f, 95, &hi), 0);
	assert_true(lo.size * 2 < hi.size);
	encoded_image_release(&lo);
	encoded_image_release(&hi);
	free(f.data);
}

/*
 * A grey image held as Leptonica holds it (4 pixels a 32-bit word, the first in the high
 * byte, rows padded to whole words) encodes to the same bytes as the scan-order frame.
 */
static void test_jpeg_from_words(void **state)
{
	struct frame f = frame_new(397, 61, 8, 1, 0), w = f;
	struct encoded_image a = { 0 }, b = { 0 };
	uint32_t x, y, *words;

	(void)state;
	w.bytes_per_line = (f.width + 3) / 4 * 4;
	words = calloc(f.height, w.bytes_per_line);
	assert_non_null(words);
	for (y = 0; y < f.height; y++)
		for (x = 0; x < f.width; x++) {
			uint8_t v = (uint8_t)((x * 7 + y * 13) ^ (x * y));

			f.data[(size_t)y * f.bytes_per_line + x] = v;
			words[(size_t)y * (w.bytes_per_line / 4) + x / 4] |= (uint32_t)v
									     << (24 - 8 * (x % 4));
		}
	w.data = (uint8_t *)words;
	assert_int_equal(image_encode_jpeg(&f, 85, &a), 0);
	assert_int_equal(image_encode_jpeg_words(&w, 85, &b), 0);
	assert_int_equal(a.size, b.size);
	assert_memory_equal(a.data, b.data, a.size);
	/* Rows that are not whole words, or colour, are not Leptonica's grey. */
	w.bytes_per_line = f.width;
	assert_int_equal(image_encode_jpeg_words(&w, 85, &b), -EINVAL);
	encoded_image_release(&a);
	encoded_image_release(&b);
	free(words);
	free(f.data);
}

/* A colour frame of one colour, and a grey one. */
static struct frame flat_frame(uint32_t channels, const uint8_t *rgb)
{
	struct frame f = frame_new(64, 48, 8, channels, 0);

	for (uint32_t i = 0; i < f.width * f.height; i++)
		memcpy(f.data + (size_t)i * channels, rgb, channels);
	return f;
}

static int hash_of(const struct tiffcheck_page *pg, uint32_t index, void *user)
{
	memcpy((uint8_t(*)[32])user + index, pg->sha256, 32);
	return 0;
}

/*
 * A document of a G4 page, a colour JPEG and a grey JPEG as one TIFF: libtiff reads three
 * directories with their own compressions, the JPEG strips are the JPEG files byte for byte
 * and decode to their colour, and tiffcheck's hash of a JPEG page is the JPEG file's.
 */
static void test_multipage_g4_and_jpeg(void **state)
{
	static const uint8_t red[3] = { 200, 30, 30 }, grey[1] = { 128 };
	struct frame g4f = bitonal_page(), cf = flat_frame(3, red), gf = flat_frame(1, grey);
	struct encoded_image pages[3] = { 0 }, doc = { 0 };
	uint8_t sums[3][32], want[32];
	uint16_t comp = 0, photo = 0, index = 0, n = 0;
	uint32_t dirs = 0, *rgba;
	char why[200];
	uint8_t *raw;
	TIFF *tif;
	int fd;

	(void)state;
	assert_int_equal(image_encode_g4(&g4f, NULL, &pages[0]), 0);
	assert_int_equal(image_encode_jpeg(&cf, 90, &pages[1]), 0);
	assert_int_equal(image_encode_jpeg(&gf, 90, &pages[2]), 0);
	assert_int_equal(image_tiff_multipage(pages, 3, NULL, &doc), 0);

	tif = tiff_from(&doc, "doc.tif");
	assert_non_null(tif);
	assert_int_equal(TIFFNumberOfDirectories(tif), 3);
	assert_true(TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp));
	assert_int_equal(comp, COMPRESSION_CCITTFAX4);
	for (uint16_t d = 1; d < 3; d++) {
		assert_true(TIFFSetDirectory(tif, d));
		assert_true(TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp));
		assert_int_equal(comp, COMPRESSION_JPEG);
		assert_true(TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo));
		assert_int_equal(photo, d == 1 ? PHOTOMETRIC_YCBCR : PHOTOMETRIC_MINISBLACK);
		assert_true(TIFFGetField(tif, TIFFTAG_PAGENUMBER, &index, &n));
		assert_int_equal(index, d);
		assert_int_equal(n, 3);
		assert_int_equal(TIFFNumberOfStrips(tif), 1);
		assert_false(TIFFGetField(tif, TIFFTAG_JPEGTABLES, &n, &raw));
		raw = malloc(pages[d].size);
		assert_non_null(raw);
		assert_int_equal(TIFFReadRawStrip(tif, 0, raw, (tmsize_t)pages[d].size),
				 (tmsize_t)pages[d].size);
		assert_memory_equal(raw, pages[d].data, pages[d].size);
		free(raw);
		rgba = malloc(64 * 48 * sizeof(*rgba));
		assert_non_null(rgba);
		assert_int_equal(TIFFReadRGBAImage(tif, 64, 48, rgba, 0), 1);
		if (d == 1) {
			assert_in_range(TIFFGetR(rgba[100]), 190, 210);
			assert_in_range(TIFFGetG(rgba[100]), 20, 40);
		} else {
			assert_in_range(TIFFGetR(rgba[100]), 120, 136);
		}
		free(rgba);
	}
	TIFFClose(tif);

	fd = open("doc.tif", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(tiffcheck_pages(fd, doc.size, hash_of, sums, &dirs, why, sizeof(why)), 0);
	close(fd);
	assert_int_equal(dirs, 3);
	crypto_hash_sha256(want, pages[1].data, pages[1].size);
	assert_memory_equal(sums[1], want, 32);
	crypto_hash_sha256(want, pages[2].data, pages[2].size);
	assert_memory_equal(sums[2], want, 32);
	assert_memory_not_equal(sums[0], sums[1], 32);

	/* a JPEG page without its frame header is refused, nothing written */
	pages[1].size = 2;
	encoded_image_release(&doc);
	assert_int_equal(image_tiff_multipage(pages, 3, NULL, &doc), -EINVAL);
	assert_null(doc.data);
	for (int i = 0; i < 3; i++)
		encoded_image_release(&pages[i]);
	free(g4f.data);
	free(cf.data);
	free(gf.data);
}

static void test_rejects_bad_frames(void **state)
{
	struct frame f = frame_new(64, 64, 8, 1, 0);
	struct encoded_image img = { .size = 12345 };
	struct frame bad;

	(void)state;
	bad = f;
	bad.depth = 4;
	assert_int_equal(image_encode_g4(&bad, NULL, &img), -EINVAL);
	assert_int_equal(image_encode_jpeg(&bad, 80, &img), -EINVAL);
	bad = f;
	bad.bytes_per_line = 63;
	assert_int_equal(image_encode_g4(&bad, NULL, &img), -EINVAL);
	bad = f;
	bad.width = 0;
	assert_int_equal(image_encode_jpeg(&bad, 80, &img), -EINVAL);
	bad = f;
	bad.data = NULL;
	assert_int_equal(image_encode_jpeg(&bad, 80, &img), -EINVAL);
	bad = f;
	bad.channels = 3;
	bad.bytes_per_line = 192;
	assert_int_equal(image_encode_g4(&bad, NULL, &img), -EINVAL);
	assert_int_equal(image_encode_jpeg(&f, 0, &img), -EINVAL);
	assert_int_equal(image_encode_jpeg(&f, 101, &img), -EINVAL);
	bad = f;
	bad.depth = 1;
	bad.bytes_per_line = 8;
	assert_int_equal(image_encode_jpeg(&bad, 80, &img), -EINVAL);

	/* Rejected from the header fields alone, before any pixel is read. */
	bad = f;
	bad.width = 60000;
	bad.height = 60000;
	bad.bytes_per_line = 60000;
	assert_int_equal(image_encode_g4(&bad, NULL, &img), -FOLIO_ETOOBIG);
	assert_int_equal(image_encode_jpeg(&bad, 80, &img), -FOLIO_ETOOBIG);

	/* ret_* untouched on failure. */
	assert_null(img.data);
	assert_int_equal(img.size, 12345);
	free(f.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g4_round_trip),
		cmocka_unit_test(test_g4_from_grey_thresholds),
		cmocka_unit_test(test_jpeg_grey_round_trip),
		cmocka_unit_test(test_jpeg_rgb_round_trip),
		cmocka_unit_test(test_jpeg_quality_matters),
		cmocka_unit_test(test_jpeg_from_words),
		cmocka_unit_test(test_multipage_g4_and_jpeg),
		cmocka_unit_test(test_rejects_bad_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
