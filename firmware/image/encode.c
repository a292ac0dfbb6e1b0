/*
 * Page encoders: CCITT G4 TIFF (libtiff) and baseline JPEG (libjpeg-turbo), in memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jerror.h>
#include <jpeglib.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "firmware/image/encode.h"
#include "firmware/image/tiffmem.h"

#define MAX_DPI 10000
/* Raw bytes per G4 strip: a few strips per A4 page keep readers happy and compress well. */
#define G4_STRIP_BYTES (256 * 1024)
/* The largest JPEG dimension the format allows. */
#define JPEG_MAX_DIM 65500

int image_frame_check(const struct frame *f)
{
	uint64_t row_bits, pixels;

	if (!f || !f->data || f->width == 0 || f->height == 0)
		return -EINVAL;
	if (f->depth != 1 && f->depth != 8)
		return -EINVAL;
	if (f->channels != 1 && f->channels != 3)
		return -EINVAL;
	if (f->depth == 1 && f->channels != 1)
		return -EINVAL;
	if (f->dpi == 0 || f->dpi > MAX_DPI)
		return -EINVAL;
	pixels = (uint64_t)f->width * f->height;
	if (pixels > (uint64_t)CONFIG_IMAGE_MAX_PIXELS_M * 1000000u)
		return -FOLIO_ETOOBIG;
	row_bits = (uint64_t)f->width * f->depth * f->channels;
	if (f->bytes_per_line < (row_bits + 7) / 8)
		return -EINVAL;
	return 0;
}

void encoded_image_release(struct encoded_image *img)
{
	if (!img)
		return;
	free(img->data);
	*img = (struct encoded_image){ 0 };
}

/* 8-bit grey row to packed 1-bit, 1 = black, threshold at half scale. */
static void threshold_row(const uint8_t *src, uint8_t *dst, uint32_t width)
{
	uint32_t x;

	memset(dst, 0, (width + 7) / 8);
	for (x = 0; x < width; x++)
		if (src[x] < 128)
			dst[x >> 3] |= (uint8_t)(0x80 >> (x & 7));
}

static void tiff_datetime(char buf[20])
{
	struct tm tm;
	time_t now = time(NULL);

	if (!localtime_r(&now, &tm) || strftime(buf, 20, "%Y:%m:%d %H:%M:%S", &tm) != 19)
		snprintf(buf, 20, "1970:01:01 00:00:00");
}

int image_encode_g4(const struct frame *f, const char *software, struct encoded_image *ret)
{
	_cleanup_free_ uint8_t *row = NULL;
	struct tiffmem mem = { 0 };
	size_t packed = 0;
	uint32_t rows_per_strip, y;
	char datetime[20];
	TIFF *tif;
	int r;

	r = image_frame_check(f);
	if (r < 0)
		return r;
	if (f->channels != 1 || !ret)
		return -EINVAL;

	if (f->depth == 8) {
		packed = ((size_t)f->width + 7) / 8;
		row = malloc(packed);
		if (!row)
			return -ENOMEM;
	}

	tif = tiffmem_open_write(&mem);
	if (!tif) {
		r = mem.data ? -FOLIO_EFORMAT : -ENOMEM;
		goto out_release;
	}

	rows_per_strip = G4_STRIP_BYTES / (((uint32_t)f->width + 7) / 8);
	if (rows_per_strip == 0)
		rows_per_strip = 1;
	if (rows_per_strip > f->height)
		rows_per_strip = f->height;

	tiff_datetime(datetime);
	if (!TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, f->width) ||
	    !TIFFSetField(tif, TIFFTAG_IMAGELENGTH, f->height) ||
	    !TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1) ||
	    !TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1) ||
	    !TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4) ||
	    !TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE) ||
	    !TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB) ||
	    !TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
	    !TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT) ||
	    !TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip) ||
	    !TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH) ||
	    !TIFFSetField(tif, TIFFTAG_XRESOLUTION, (double)f->dpi) ||
	    !TIFFSetField(tif, TIFFTAG_YRESOLUTION, (double)f->dpi) ||
	    !TIFFSetField(tif, TIFFTAG_DATETIME, datetime) ||
	    (software && !TIFFSetField(tif, TIFFTAG_SOFTWARE, software))) {
		r = -FOLIO_EFORMAT;
		goto out_close;
	}

	for (y = 0; y < f->height; y++) {
		uint8_t *src = f->data + (size_t)y * f->bytes_per_line;

		if (row) {
			threshold_row(src, row, f->width);
			src = row;
		}
		/* libtiff does not modify the row for G4 (no in-place byte swapping at depth 1). */
		if (TIFFWriteScanline(tif, src, y, 0) < 0) {
			r = mem.nomem ? -ENOMEM : -FOLIO_EFORMAT;
			goto out_close;
		}
	}
	if (!TIFFWriteDirectory(tif)) {
		r = mem.nomem ? -ENOMEM : -FOLIO_EFORMAT;
		goto out_close;
	}
	TIFFClose(tif);
	if (mem.nomem) {
		r = -ENOMEM;
		goto out_release;
	}

	*ret = (struct encoded_image){
		.data = mem.data,
		.size = mem.size,
		.format = "TIFF",
		.mime = "image/tiff",
		.extension = "tif",
		.width = f->width,
		.height = f->height,
		.dpi = f->dpi,
		.bit_depth = 1,
		.channels = 1,
	};
	return 0;

out_close:
	TIFFClose(tif);
out_release:
	log_debug("cannot encode G4 page %ux%u: %s", f->width, f->height, folio_strerror(r));
	tiffmem_release(&mem);
	return r;
}

/* libjpeg error manager that longjmps back instead of exit(). */
struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	bool nomem;
};

static void jpeg_fail_exit(j_common_ptr cinfo)
{
	struct jpeg_fail *fail = (struct jpeg_fail *)cinfo->err;
	char msg[JMSG_LENGTH_MAX];

	if (cinfo->err->msg_code == JERR_OUT_OF_MEMORY)
		fail->nomem = true;
	cinfo->err->format_message(cinfo, msg);
	log_debug("libjpeg error: %s", msg);
	longjmp(fail->jump, 1);
}

static void jpeg_quiet_message(j_common_ptr cinfo)
{
	char msg[JMSG_LENGTH_MAX];

	cinfo->err->format_message(cinfo, msg);
	log_debug("libjpeg: %s", msg);
}

/* Row @y of @f in scan order: as it is, or from its words into @row. */
/* Row @y of frame @ctx as it is. */
static const uint8_t *frame_row(void *ctx, uint32_t y, uint8_t *row)
{
	const struct frame *f = ctx;

	(void)row;
	return f->data + (size_t)y * f->bytes_per_line;
}

/* Row @y of frame @ctx, whose rows are Leptonica's words, in scan order in @row. */
static const uint8_t *words_row(void *ctx, uint32_t y, uint8_t *row)
{
	const struct frame *f = ctx;
	const uint32_t *line;
	uint32_t k;

	line = (const uint32_t *)(const void *)(f->data + (size_t)y * f->bytes_per_line);
	for (k = 0; k < f->bytes_per_line / 4; k++) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		uint32_t v = __builtin_bswap32(line[k]);
#else
		uint32_t v = line[k];
#endif
		memcpy(row + 4 * k, &v, 4);
	}
	return row;
}

static int encode_jpeg(const struct frame *f, int quality, image_row_fn row_fn, void *ctx,
		       struct encoded_image *ret)
{
	struct jpeg_compress_struct cinfo;
	struct jpeg_fail fail = { 0 };
	unsigned char *volatile out = NULL;
	uint8_t *volatile row = NULL;
	unsigned long out_size = 0;
	JSAMPROW rowp;
	int r;

	r = image_frame_check(f);
	if (r < 0)
		return r;
	if (f->depth != 8 || quality < 1 || quality > 100 || !ret)
		return -EINVAL;
	if (f->width > JPEG_MAX_DIM || f->height > JPEG_MAX_DIM)
		return -FOLIO_ETOOBIG;
	row = malloc(MAX((size_t)f->bytes_per_line, (size_t)f->width * f->channels));
	if (!row)
		return -ENOMEM;

	cinfo.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_fail_exit;
	fail.mgr.output_message = jpeg_quiet_message;
	if (setjmp(fail.jump)) {
		jpeg_destroy_compress(&cinfo);
		free(out);
		free(row);
		return fail.nomem ? -ENOMEM : -FOLIO_EFORMAT;
	}
	jpeg_create_compress(&cinfo);
	/* libjpeg-turbo allocates the output with malloc(): the caller free()s it. */
	jpeg_mem_dest(&cinfo, (unsigned char **)&out, &out_size);

	cinfo.image_width = f->width;
	cinfo.image_height = f->height;
	cinfo.input_components = (int)f->channels;
	cinfo.in_color_space = f->channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, quality, TRUE);
	cinfo.write_JFIF_header = TRUE;
	cinfo.density_unit = 1; /* dots per inch */
	cinfo.X_density = (UINT16)f->dpi;
	cinfo.Y_density = (UINT16)f->dpi;
	cinfo.dct_method = JDCT_ISLOW;

	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < cinfo.image_height) {
		rowp = (JSAMPROW)row_fn(ctx, cinfo.next_scanline, row);
		jpeg_write_scanlines(&cinfo, &rowp, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	free(row);

	*ret = (struct encoded_image){
		.data = out,
		.size = out_size,
		.format = "JPEG",
		.mime = "image/jpeg",
		.extension = "jpg",
		.width = f->width,
		.height = f->height,
		.dpi = f->dpi,
		.bit_depth = 8,
		.channels = f->channels,
	};
	return 0;
}

int image_encode_jpeg(const struct frame *f, int quality, struct encoded_image *ret)
{
	return encode_jpeg(f, quality, frame_row, (void *)f, ret);
}

int image_encode_jpeg_words(const struct frame *f, int quality, struct encoded_image *ret)
{
	if (!f || f->channels != 1 || f->bytes_per_line % 4 || (uintptr_t)f->data % 4)
		return -EINVAL;
	return encode_jpeg(f, quality, words_row, (void *)f, ret);
}

int image_encode_jpeg_rows(const struct frame *f, int quality, image_row_fn row, void *ctx,
			   struct encoded_image *ret)
{
	if (!f || !row)
		return -EINVAL;
	return encode_jpeg(f, quality, row, ctx, ret);
}

/* Copies one single-page bitonal CCITT TIFF as the next directory of @out, strips untouched. */
static int copy_page(TIFF *out, const struct encoded_image *page, uint16_t index, uint16_t n,
		     const char *software)
{
	struct tiffmem mem;
	uint32_t w = 0, h = 0, rps = 0, s, strips;
	uint16_t comp = 0, bps = 0, spp = 1, photo = 0, unit = RESUNIT_INCH,
		 fill = FILLORDER_MSB2LSB;
	float xres = 0, yres = 0;
	char *sw = NULL, *dt = NULL;
	uint64_t *counts = NULL;
	uint8_t *buf = NULL;
	size_t cap = 0;
	TIFF *in;
	int r = -FOLIO_EFORMAT;

	if (!page->data || page->size == 0)
		return -EINVAL;
	in = tiffmem_open_read(&mem, page->data, page->size);
	if (!in)
		return -EINVAL;
	if (!TIFFGetField(in, TIFFTAG_IMAGEWIDTH, &w) ||
	    !TIFFGetField(in, TIFFTAG_IMAGELENGTH, &h) ||
	    !TIFFGetField(in, TIFFTAG_COMPRESSION, &comp) ||
	    !TIFFGetField(in, TIFFTAG_PHOTOMETRIC, &photo) ||
	    !TIFFGetFieldDefaulted(in, TIFFTAG_BITSPERSAMPLE, &bps) ||
	    !TIFFGetFieldDefaulted(in, TIFFTAG_SAMPLESPERPIXEL, &spp) ||
	    !TIFFGetFieldDefaulted(in, TIFFTAG_ROWSPERSTRIP, &rps) ||
	    !TIFFGetFieldDefaulted(in, TIFFTAG_FILLORDER, &fill) ||
	    !TIFFGetField(in, TIFFTAG_STRIPBYTECOUNTS, &counts) || TIFFIsTiled(in) ||
	    (comp != COMPRESSION_CCITTFAX4 && comp != COMPRESSION_CCITTFAX3) || bps != 1 ||
	    spp != 1) {
		r = -EINVAL;
		goto out;
	}
	TIFFGetField(in, TIFFTAG_XRESOLUTION, &xres);
	TIFFGetField(in, TIFFTAG_YRESOLUTION, &yres);
	TIFFGetFieldDefaulted(in, TIFFTAG_RESOLUTIONUNIT, &unit);
	TIFFGetField(in, TIFFTAG_SOFTWARE, &sw);
	TIFFGetField(in, TIFFTAG_DATETIME, &dt);
	if (software)
		sw = (char *)software;

	if (!TIFFSetField(out, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) ||
	    !TIFFSetField(out, TIFFTAG_IMAGEWIDTH, w) ||
	    !TIFFSetField(out, TIFFTAG_IMAGELENGTH, h) ||
	    !TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, 1) ||
	    !TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, 1) ||
	    !TIFFSetField(out, TIFFTAG_COMPRESSION, comp) ||
	    !TIFFSetField(out, TIFFTAG_PHOTOMETRIC, photo) ||
	    !TIFFSetField(out, TIFFTAG_FILLORDER, fill) ||
	    !TIFFSetField(out, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
	    !TIFFSetField(out, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT) ||
	    !TIFFSetField(out, TIFFTAG_ROWSPERSTRIP, rps) ||
	    !TIFFSetField(out, TIFFTAG_PAGENUMBER, index, n) ||
	    (xres > 0 && (!TIFFSetField(out, TIFFTAG_RESOLUTIONUNIT, unit) ||
			  !TIFFSetField(out, TIFFTAG_XRESOLUTION, xres) ||
			  !TIFFSetField(out, TIFFTAG_YRESOLUTION, yres))) ||
	    (sw && !TIFFSetField(out, TIFFTAG_SOFTWARE, sw)) ||
	    (dt && !TIFFSetField(out, TIFFTAG_DATETIME, dt)))
		goto out;

	strips = TIFFNumberOfStrips(in);
	for (s = 0; s < strips; s++) {
		tmsize_t got;

		if (counts[s] > page->size) {
			r = -EINVAL;
			goto out;
		}
		if (counts[s] > cap) {
			uint8_t *p = realloc(buf, counts[s]);

			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			buf = p;
			cap = counts[s];
		}
		got = TIFFReadRawStrip(in, s, buf, (tmsize_t)counts[s]);
		if (got < 0 || TIFFWriteRawStrip(out, s, buf, got) != got)
			goto out;
	}
	if (!TIFFWriteDirectory(out))
		goto out;
	r = 0;
out:
	free(buf);
	TIFFClose(in);
	return r;
}

/*
 * The frame header of a baseline or progressive JPEG: components and the first component's
 * sampling factors against the largest of the others. Returns 0, or -EINVAL.
 */
static int jpeg_sampling(const uint8_t *d, size_t n, unsigned *ret_comps, uint16_t *ret_h,
			 uint16_t *ret_v)
{
	size_t at = 2;

	if (n < 4 || d[0] != 0xff || d[1] != 0xd8)
		return -EINVAL;
	while (at + 4 <= n) {
		unsigned marker = d[at + 1], len = (unsigned)d[at + 2] << 8 | d[at + 3];

		if (d[at] != 0xff || len < 2 || at + 2 + len > n)
			return -EINVAL;
		if (marker >= 0xc0 && marker <= 0xc2) {
			const uint8_t *f = d + at + 4;
			unsigned comps, hmax = 1, vmax = 1;

			if (len < 8 || (comps = f[5]) == 0 || len < 8 + 3 * comps)
				return -EINVAL;
			for (unsigned c = 1; c < comps; c++) {
				hmax = f[7 + 3 * c] >> 4 > hmax ? f[7 + 3 * c] >> 4 : hmax;
				vmax = (f[7 + 3 * c] & 15) > vmax ? f[7 + 3 * c] & 15 : vmax;
			}
			*ret_comps = comps;
			*ret_h = (uint16_t)((f[7] >> 4) / hmax);
			*ret_v = (uint16_t)((f[7] & 15) / vmax);
			return *ret_h >= 1 && *ret_v >= 1 ? 0 : -EINVAL;
		}
		if (marker == 0xda || marker == 0xd9)
			break;
		at += 2 + len;
	}
	return -EINVAL;
}

/*
 * Puts one JPEG page as the next directory of @out: JPEG-in-TIFF (compression 7), its whole
 * JPEG stream as the one strip, byte for byte, with no JPEGTables (the stream has its own).
 */
static int copy_jpeg_page(TIFF *out, const struct encoded_image *page, uint16_t index, uint16_t n,
			  const char *software)
{
	unsigned comps = 0;
	uint16_t hs = 1, vs = 1;

	if (jpeg_sampling(page->data, page->size, &comps, &hs, &vs) < 0 ||
	    comps != page->channels || (comps != 1 && comps != 3) || page->width == 0 ||
	    page->height == 0 || page->size > INT32_MAX)
		return -EINVAL;
	if (!TIFFSetField(out, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) ||
	    !TIFFSetField(out, TIFFTAG_IMAGEWIDTH, page->width) ||
	    !TIFFSetField(out, TIFFTAG_IMAGELENGTH, page->height) ||
	    !TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, 8) ||
	    !TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, comps) ||
	    !TIFFSetField(out, TIFFTAG_COMPRESSION, COMPRESSION_JPEG) ||
	    !TIFFSetField(out, TIFFTAG_PHOTOMETRIC,
			  comps == 3 ? PHOTOMETRIC_YCBCR : PHOTOMETRIC_MINISBLACK) ||
	    (comps == 3 && !TIFFSetField(out, TIFFTAG_YCBCRSUBSAMPLING, hs, vs)) ||
	    !TIFFSetField(out, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
	    !TIFFSetField(out, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT) ||
	    !TIFFSetField(out, TIFFTAG_ROWSPERSTRIP, page->height) ||
	    !TIFFSetField(out, TIFFTAG_PAGENUMBER, index, n) ||
	    (page->dpi > 0 && (!TIFFSetField(out, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH) ||
			       !TIFFSetField(out, TIFFTAG_XRESOLUTION, (float)page->dpi) ||
			       !TIFFSetField(out, TIFFTAG_YRESOLUTION, (float)page->dpi))) ||
	    (software && !TIFFSetField(out, TIFFTAG_SOFTWARE, software)))
		return -FOLIO_EFORMAT;
	/* libtiff reserves an empty JPEGTables field for a codec it never runs here */
	TIFFUnsetField(out, TIFFTAG_JPEGTABLES);
	if (TIFFWriteRawStrip(out, 0, page->data, (tmsize_t)page->size) != (tmsize_t)page->size ||
	    !TIFFWriteDirectory(out))
		return -FOLIO_EFORMAT;
	return 0;
}

int image_tiff_multipage(const struct encoded_image *pages, size_t n, const char *software,
			 struct encoded_image *ret)
{
	struct tiffmem mem;
	size_t i;
	TIFF *tif;
	int r = 0;

	if (!pages || n == 0 || n > IMAGE_TIFF_MAX_PAGES || !ret)
		return -EINVAL;
	tif = tiffmem_open_write(&mem);
	if (!tif) {
		tiffmem_release(&mem);
		return -ENOMEM;
	}
	for (i = 0; i < n && r == 0; i++)
		r = pages[i].format && strcmp(pages[i].format, "JPEG") == 0
			? copy_jpeg_page(tif, &pages[i], (uint16_t)i, (uint16_t)n, software)
			: copy_page(tif, &pages[i], (uint16_t)i, (uint16_t)n, software);
	TIFFClose(tif);
	if (r == 0 && mem.nomem)
		r = -ENOMEM;
	if (r < 0) {
		log_debug("cannot combine %zu pages into one TIFF: %s", n, folio_strerror(r));
		tiffmem_release(&mem);
		return r;
	}
	*ret = (struct encoded_image){
		.data = mem.data,
		.size = mem.size,
		.format = "TIFF",
		.mime = "image/tiff",
		.extension = "tif",
		.width = pages[0].width,
		.height = pages[0].height,
		.dpi = pages[0].dpi,
		.bit_depth = pages[0].bit_depth ? pages[0].bit_depth : 1,
		.channels = pages[0].channels ? pages[0].channels : 1,
	};
	return 0;
}
