/*
 * Writes what the image stage produces to files, and reads them back with libtiff and libjpeg.
 *
 *   image_write --out DIR [--output bitonal|grey|colour] [--multipage NAME] PAGE...
 *       processes each page image (PNG/PNM/TIFF, read with Leptonica) with the default
 *       profile and writes DIR/<page>.tif or .jpg, plus DIR/NAME.tif combining the G4 pages;
 *       prints "file<TAB>width<TAB>height<TAB>blank<TAB>flags" per page
 *       (used by tests/integration/image_roundtrip.sh, which checks with tiffinfo/identify).
 *
 *   image_write (no arguments: the test run by tests/run.sh)
 *       generates pages with pagegen, writes them in every output, reads every file back with
 *       libtiff / libjpeg and checks size, tags and pixels against the source.
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <leptonica/allheaders.h>
#include <tiffio.h>

#include "firmware/image/process.h"
#include "pagecheck.h"

static int write_file(const char *path, const struct encoded_image *img)
{
	FILE *fp = fopen(path, "we");

	if (!fp || fwrite(img->data, 1, img->size, fp) != img->size) {
		if (fp)
			fclose(fp);
		return -EIO;
	}
	return fclose(fp) ? -EIO : 0;
}

static int write_pages(const char *out, enum image_output output, const char *multipage,
		       char **pages, int n, FILE *list)
{
	struct encoded_image *g4 = calloc((size_t)n, sizeof(*g4));
	struct image_profile p;
	int i, r = 0, ng4 = 0;

	if (!g4)
		return -ENOMEM;
	image_profile_init(&p);
	p.output = output;
	p.software = "Folio image_write";
	for (i = 0; i < n && r == 0; i++) {
		const char *base = strrchr(pages[i], '/') ? strrchr(pages[i], '/') + 1 : pages[i];
		char name[4096], path[8192];
		struct image_page_report rep;
		struct encoded_image img;
		struct frame f;

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(base, "."), base);
		r = load_frame(pages[i], output == IMAGE_OUTPUT_COLOUR, &f);
		if (r < 0) {
			fprintf(stderr, "cannot read '%s'\n", pages[i]);
			break;
		}
		r = image_process(&f, &p, &img, &rep);
		free(f.data);
		if (r < 0) {
			fprintf(stderr, "cannot process '%s': %d\n", pages[i], r);
			break;
		}
		snprintf(path, sizeof(path), "%s/%s.%s", out, name, img.extension);
		r = write_file(path, &img);
		if (list)
			fprintf(list, "%s\t%u\t%u\t%d\t%u\t%s\n", path, img.width, img.height,
				rep.blank, rep.flags, rep.ops);
		if (img.bit_depth == 1)
			g4[ng4++] = img;
		else
			encoded_image_release(&img);
	}
	if (r == 0 && multipage && ng4 > 0) {
		struct encoded_image doc;
		char path[8192];

		r = image_tiff_multipage(g4, (size_t)ng4, NULL, &doc);
		if (r == 0) {
			snprintf(path, sizeof(path), "%s/%s.tif", out, multipage);
			r = write_file(path, &doc);
			encoded_image_release(&doc);
		}
	}
	for (i = 0; i < ng4; i++)
		encoded_image_release(&g4[i]);
	free(g4);
	return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Self-test: read back with the libraries themselves. */

static PIX *source_grey(const char *path)
{
	PIX *pix = pixRead(path), *g = pix ? pixConvertTo8(pix, 0) : NULL;

	pixDestroy(&pix);
	return g;
}

static void check_tiff(const char *path, const char *src, uint32_t want_dirs)
{
	TIFF *tif = TIFFOpen(path, "r");
	uint32_t dirs = 0;

	CHECK(tif, "libtiff cannot open '%s'", path);
	if (!tif)
		return;
	do {
		uint32_t w = 0, h = 0, y, x;
		uint16_t comp = 0, unit = 0, photo = 0;
		float xres = 0, yres = 0;
		char *sw = NULL;
		uint64_t black = 0, src_black = 0;
		uint8_t *row;
		PIX *g;

		TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
		TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
		TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp);
		TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo);
		TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
		TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres);
		TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres);
		TIFFGetField(tif, TIFFTAG_SOFTWARE, &sw);
		CHECK(comp == COMPRESSION_CCITTFAX4, "%s: compression %u", path, comp);
		CHECK(photo == PHOTOMETRIC_MINISWHITE, "%s: photometric %u", path, photo);
		CHECK(unit == RESUNIT_INCH && xres == 300 && yres == 300, "%s: resolution %g x %g",
		      path, xres, yres);
		CHECK(sw && !strcmp(sw, "Folio image_write"), "%s: software '%s'", path,
		      sw ? sw : "(none)");
		CHECK(w == 2480 && h == 3508, "%s: size %ux%u", path, w, h);
		row = malloc(TIFFScanlineSize(tif));
		for (y = 0; row && y < h; y++) {
			if (TIFFReadScanline(tif, row, y, 0) != 1) {
				CHECK(0, "%s: cannot decode line %u", path, y);
				break;
			}
			for (x = 0; x < w; x++)
				black += !!(row[x / 8] & (0x80 >> (x % 8)));
		}
		free(row);
		/* Ink as intended: as much black as the source has dark pixels (within 25%). */
		g = source_grey(src);
		for (y = 0; g && y < (uint32_t)pixGetHeight(g); y++)
			for (x = 0; x < (uint32_t)pixGetWidth(g); x++)
				src_black +=
				    GET_DATA_BYTE(pixGetData(g) + y * pixGetWpl(g), x) < 128;
		pixDestroy(&g);
		CHECK(src_black > 10000 && black > src_black * 3 / 4 && black < src_black * 5 / 4,
		      "%s: %llu black pixels for %llu dark source pixels", path,
		      (unsigned long long)black, (unsigned long long)src_black);
		dirs++;
	} while (TIFFReadDirectory(tif));
	TIFFClose(tif);
	CHECK(dirs == want_dirs, "%s: %u pages, expected %u", path, dirs, want_dirs);
}

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
};

static void jerr_exit(j_common_ptr cinfo)
{
	longjmp(((struct jerr *)cinfo->err)->jump, 1);
}

static void check_jpeg(const char *path, const char *src, int channels)
{
	struct jpeg_decompress_struct d;
	struct jerr err;
	FILE *fp = fopen(path, "rb");
	uint8_t *row = NULL;
	uint64_t diff = 0, n = 0;
	PIX *g = source_grey(src);

	CHECK(fp && g, "cannot open '%s' or its source", path);
	if (!fp || !g) {
		if (fp)
			fclose(fp);
		pixDestroy(&g);
		return;
	}
	d.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jerr_exit;
	if (setjmp(err.jump)) {
		CHECK(0, "libjpeg cannot decode '%s'", path);
		jpeg_destroy_decompress(&d);
		free(row);
		fclose(fp);
		pixDestroy(&g);
		return;
	}
	jpeg_create_decompress(&d);
	jpeg_stdio_src(&d, fp);
	jpeg_read_header(&d, TRUE);
	CHECK(d.density_unit == 1 && d.X_density == 300 && d.Y_density == 300,
	      "%s: density %u %u/%u", path, d.density_unit, d.X_density, d.Y_density);
	CHECK(d.num_components == channels, "%s: %d components", path, d.num_components);
	CHECK(d.image_width == 2480 && d.image_height == 3508, "%s: size %ux%u", path,
	      d.image_width, d.image_height);
	jpeg_start_decompress(&d);
	row = malloc((size_t)d.output_width * d.output_components);
	while (d.output_scanline < d.output_height) {
		uint32_t y = d.output_scanline, x;

		jpeg_read_scanlines(&d, &row, 1);
		/* The source page is upright and straight: the output matches it pixel by pixel. */
		for (x = 0; x < d.output_width && y < (uint32_t)pixGetHeight(g); x++) {
			int v = GET_DATA_BYTE(pixGetData(g) + y * pixGetWpl(g), x);
			int o = row[x * d.output_components];

			diff += (uint64_t)abs(o - v);
			n++;
		}
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	free(row);
	fclose(fp);
	pixDestroy(&g);
	CHECK(n > 0 && (double)diff / n < 3.0, "%s: mean difference %.2f grey levels", path,
	      n ? (double)diff / n : 0);
	printf("%s: mean difference from the source %.2f grey levels\n", path,
	       n ? (double)diff / n : 0);
}

static int self_test(void)
{
	const char *build = getenv("FOLIO_BUILD"), *tmp = getenv("FOLIO_TMP");
	char cmd[8192], src[4][4096], out[3][4096];
	char *pages[3];
	int i;

	if (!build || !tmp) {
		printf("FOLIO_BUILD and FOLIO_TMP must be set (run through tests/run.sh)\n");
		return 2;
	}
	snprintf(cmd, sizeof(cmd),
		 "%s/bin/pagegen --out %s/src --count 3 --kind text --seed 7 --skew-range -2:2",
		 build, tmp);
	if (system(cmd) != 0) {
		printf("pagegen failed\n");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		snprintf(src[i], sizeof(src[i]), "%s/src/page-%04d.png", tmp, i + 1);
		pages[i] = src[i];
	}
	snprintf(out[0], sizeof(out[0]), "%s/bitonal", tmp);
	snprintf(out[1], sizeof(out[1]), "%s/grey", tmp);
	snprintf(out[2], sizeof(out[2]), "%s/colour", tmp);
	for (i = 0; i < 3; i++)
		if (mkdir(out[i], 0755) < 0) {
			printf("cannot create '%s': %s\n", out[i], strerror(errno));
			return 1;
		}
	if (write_pages(out[0], IMAGE_OUTPUT_BITONAL, "document", pages, 3, NULL) < 0 ||
	    write_pages(out[1], IMAGE_OUTPUT_GREY, NULL, pages + 1, 1, NULL) < 0 ||
	    write_pages(out[2], IMAGE_OUTPUT_COLOUR, NULL, pages + 1, 1, NULL) < 0) {
		printf("cannot write the pages\n");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		char path[8192];

		snprintf(path, sizeof(path), "%s/page-%04d.tif", out[0], i + 1);
		check_tiff(path, src[i], 1);
	}
	/* Page 2 has skew 0 (the middle of -2..2): grey and colour outputs match the source. */
	snprintf(cmd, sizeof(cmd), "%s/page-0002.jpg", out[1]);
	check_jpeg(cmd, src[1], 1);
	snprintf(cmd, sizeof(cmd), "%s/page-0002.jpg", out[2]);
	check_jpeg(cmd, src[1], 3);
	snprintf(cmd, sizeof(cmd), "%s/document.tif", out[0]);
	{
		/* Each page of the document against its own source. */
		TIFF *tif = TIFFOpen(cmd, "r");
		uint16_t dirs = tif ? TIFFNumberOfDirectories(tif) : 0;

		CHECK(dirs == 3, "%s: %u pages", cmd, dirs);
		if (tif)
			TIFFClose(tif);
	}
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("figure: written G4/JPEG pages and a 3-page TIFF read back with libtiff/libjpeg: "
	       "tags and pixels as intended\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = { { "out", required_argument, NULL, 'o' },
						  { "output", required_argument, NULL, 'O' },
						  { "multipage", required_argument, NULL, 'm' },
						  {} };
	enum image_output output = IMAGE_OUTPUT_BITONAL;
	const char *out = NULL, *multipage = NULL;
	int c;

	TIFFSetWarningHandler(NULL);
	if (argc == 1)
		return self_test();
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'O':
			if (!strcmp(optarg, "grey"))
				output = IMAGE_OUTPUT_GREY;
			else if (!strcmp(optarg, "colour"))
				output = IMAGE_OUTPUT_COLOUR;
			else if (strcmp(optarg, "bitonal"))
				return 2;
			break;
		case 'm':
			multipage = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!out || optind >= argc) {
		fprintf(stderr, "usage: image_write --out DIR [--output bitonal|grey|colour] "
				"[--multipage NAME] PAGE...\n");
		return 2;
	}
	return write_pages(out, output, multipage, argv + optind, argc - optind, stdout) < 0;
}
