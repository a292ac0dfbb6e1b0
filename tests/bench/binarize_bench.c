/*
 * Binarisation candidates on real pages: each page (any picture Leptonica reads) is turned into
 * grey one way or another, then into a bitonal image by each candidate method, and every result
 * is written as a CCITT G4 TIFF for recognition (tests/bench/binarize.sh OCRs and scores them).
 *
 *   binarize_bench OUTDIR DPI:PAGE...
 *
 * Writes OUTDIR/<page>.<grey>-<method>.tif and prints one line per result:
 *   "result <page> <grey>-<method> <milliseconds> <black percent>"
 * DPI is the page's true resolution (several test files carry none or a wrong one); it sizes
 * the windows of the adaptive methods and is written into the TIFF.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "compiler.h"
#include "firmware/image/binarize.h"
#include "firmware/image/pix.h"
#include "bench.h"

static TessBaseAPI *tess;

/* Tesseract's own thresholding (Otsu on the colour or grey picture), as it does before OCR. */
static PIX *by_tesseract(PIX *pix)
{
	if (!tess) {
		tess = TessBaseAPICreate();
		if (TessBaseAPIInit3(tess, NULL, "fra") != 0)
			return NULL;
	}
	TessBaseAPISetImage2(tess, pix);
	return TessBaseAPIGetThresholdedImage(tess);
}

static PIX *lept_sauvola(PIX *g, unsigned dpi, float k)
{
	PIX *out = NULL;
	l_int32 half = (l_int32)MAX(7u, dpi / 12);

	if (pixSauvolaBinarizeTiled(g, half, k, 1, 1, NULL, &out))
		return NULL;
	return out;
}

static PIX *bgnorm_sauvola(PIX *g, unsigned dpi)
{
	PIX *n = pixBackgroundNormSimple(g, NULL, NULL), *out;

	if (!n)
		return NULL;
	out = lept_sauvola(n, dpi, 0.34f);
	pixDestroy(&n);
	return out;
}

static PIX *bgnorm_fixed(PIX *g, int thresh)
{
	PIX *n = pixBackgroundNormSimple(g, NULL, NULL), *out;

	if (!n)
		return NULL;
	out = pixThresholdToBinary(n, thresh);
	pixDestroy(&n);
	return out;
}

/* The station's binarisation (firmware/image/binarize.h), without a border mask. */
static PIX *ours(PIX *g, unsigned dpi)
{
	struct page_stats st = { 0 };
	PIX *out = NULL;

	if (page_stats_measure(g, &st) == 0)
		binarize_page(g, &st, dpi, NULL, &out, NULL);
	page_stats_release(&st);
	return out;
}

/* Paper flattened by a grey closing on a 4x reduction, then one Otsu threshold for the page. */
static PIX *morphnorm_otsu(PIX *g, unsigned dpi)
{
	l_int32 size = (l_int32)MAX(5u, dpi / 25) | 1; /* about 4 mm at the 4x reduction */
	PIX *n = pixBackgroundNormMorph(g, NULL, 4, size, 200), *out = NULL;

	if (!n)
		return NULL;
	pixOtsuAdaptiveThreshold(n, pixGetWidth(n), pixGetHeight(n), 0, 0, 0.0f, NULL, &out);
	pixDestroy(&n);
	return out;
}

enum method {
	M_OURS,
	M_MORPH_OTSU,
	M_OTSU_BGNORM,
	M_MASKED_BGNORM,
	M_LEPT_SAUVOLA,
	M_BGNORM_SAUVOLA,
	M_BGNORM_FIXED,
	M_ADAPTIVE,
	M_SAUVOLA_CONTRAST,
	M_DOUBLE_NORM,
	M_COUNT
};

static const char *const method_names[M_COUNT] = {
	[M_OURS] = "folio",
	[M_MORPH_OTSU] = "morphnorm-otsu",
	[M_OTSU_BGNORM] = "otsu-bgnorm",
	[M_MASKED_BGNORM] = "masked-bgnorm",
	[M_LEPT_SAUVOLA] = "lept-sauvola",
	[M_BGNORM_SAUVOLA] = "bgnorm-sauvola",
	[M_BGNORM_FIXED] = "bgnorm-fixed",
	[M_ADAPTIVE] = "convert-to1-adaptive",
	[M_SAUVOLA_CONTRAST] = "sauvola-contrastnorm",
	[M_DOUBLE_NORM] = "thresh-doublenorm",
};

static PIX *run_method(enum method m, PIX *g, unsigned dpi)
{
	switch (m) {
	case M_OURS:
		return ours(g, dpi);
	case M_MORPH_OTSU:
		return morphnorm_otsu(g, dpi);
	case M_OTSU_BGNORM:
		return pixOtsuThreshOnBackgroundNorm(g, NULL, 10, 15, 100, 50, 255, 2, 2, 0.1f,
						     NULL);
	case M_MASKED_BGNORM:
		return pixMaskedThreshOnBackgroundNorm(g, NULL, 10, 15, 100, 50, 2, 2, 0.1f, NULL);
	case M_LEPT_SAUVOLA:
		return lept_sauvola(g, dpi, 0.34f);
	case M_BGNORM_SAUVOLA:
		return bgnorm_sauvola(g, dpi);
	case M_BGNORM_FIXED:
		return bgnorm_fixed(g, 160);
	case M_ADAPTIVE:
		return pixConvertTo1Adaptive(g);
	case M_SAUVOLA_CONTRAST:
		return pixSauvolaOnContrastNorm(g, 100, NULL, NULL);
	case M_DOUBLE_NORM:
		return pixThreshOnDoubleNorm(g, 100);
	default:
		return NULL;
	}
}

/*
 * The station's grey for binarising a colour scan (binarize_ink_axis()): luminance binarised
 * once, the ink and paper colours measured on it, the page weighed along their difference.
 * NULL when there is no ink to measure (luminance stands).
 */
static PIX *ink_axis_grey(PIX *rgb, unsigned dpi)
{
	static const unsigned luma[3] = { 77, 150, 29 };
	struct page_stats st = { 0 };
	PIX *grey = NULL, *bin = NULL, *out = NULL;
	struct frame f;
	unsigned wt[3];

	if (image_rgb_frame(rgb, dpi, &f) < 0)
		return NULL;
	grey = binarize_frame_grey(&f, luma, &st);
	if (grey && binarize_page(grey, &st, dpi, NULL, &bin, NULL) == 0 &&
	    binarize_ink_axis(&f, grey, bin, NULL, page_stats_paper(&st), wt))
		out = binarize_frame_grey(&f, wt, NULL);
	page_stats_release(&st);
	pixDestroy(&grey);
	pixDestroy(&bin);
	free(f.data);
	return out;
}

static void base_name(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');
	char *dot;

	snprintf(out, size, "%s", b ? b + 1 : path);
	dot = strrchr(out, '.');
	if (dot)
		*dot = '\0';
}

static int emit(const char *outdir, const char *page, const char *cand, PIX *bin, unsigned dpi,
		double secs)
{
	char path[4096];
	l_int32 black = 0;

	if (!bin) {
		fprintf(stderr, "binarize_bench: %s on '%s' failed\n", cand, page);
		return -1;
	}
	pixSetResolution(bin, (l_int32)dpi, (l_int32)dpi);
	snprintf(path, sizeof(path), "%s/%s.%s.tif", outdir, page, cand);
	if (pixWrite(path, bin, IFF_TIFF_G4)) {
		fprintf(stderr, "binarize_bench: cannot write '%s'\n", path);
		return -1;
	}
	pixCountPixels(bin, &black, NULL);
	printf("result %s %s %.1f %.2f\n", page, cand, secs * 1000,
	       100.0 * black / ((double)pixGetWidth(bin) * pixGetHeight(bin)));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const grey_names[] = { "lum", "min", "inkaxis" };
	int i, status = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: binarize_bench OUTDIR DPI:PAGE...\n");
		return 2;
	}
	setMsgSeverity(L_SEVERITY_ERROR);
	for (i = 2; i < argc; i++) {
		char page[256], cand[128];
		unsigned dpi = (unsigned)strtoul(argv[i], NULL, 10);
		const char *path = strchr(argv[i], ':');
		PIX *pix = path ? pixRead(path + 1) : NULL, *rgb, *bin;
		double t;
		int gi;
		enum method m;

		if (!pix || dpi < 50 || dpi > 1200) {
			fprintf(stderr, "binarize_bench: cannot read '%s'\n", argv[i]);
			return 1;
		}
		base_name(path + 1, page, sizeof(page));
		rgb = pixConvertTo32(pix);
		pixDestroy(&pix);
		if (!rgb)
			return 1;

		t = now();
		bin = by_tesseract(rgb);
		if (emit(argv[1], page, "rgb-tesseract", bin, dpi, now() - t) < 0)
			status = 1;
		pixDestroy(&bin);

		for (gi = 0; gi < 3; gi++) {
			PIX *g;
			double tg = now();

			g = gi == 0   ? pixConvertRGBToLuminance(rgb)
			    : gi == 1 ? pixConvertRGBToGrayMinMax(rgb, L_CHOOSE_MIN)
				      : ink_axis_grey(rgb, dpi);
			tg = now() - tg;
			if (!g && gi == 2)
				g = pixConvertRGBToLuminance(rgb);
			if (!g)
				return 1;
			for (m = 0; m < M_COUNT; m++) {
				t = now();
				bin = run_method(m, g, dpi);
				snprintf(cand, sizeof(cand), "%s-%s", grey_names[gi],
					 method_names[m]);
				if (emit(argv[1], page, cand, bin, dpi, now() - t + tg) < 0)
					status = 1;
				pixDestroy(&bin);
			}
			pixDestroy(&g);
		}
		pixDestroy(&rgb);
	}
	if (tess)
		TessBaseAPIDelete(tess);
	return status;
}
