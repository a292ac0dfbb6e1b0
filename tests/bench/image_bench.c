/*
 * Image stage throughput: pages (PNG/PNM/TIFF, read with Leptonica) are loaded as 8-bit grey
 * frames first, then each goes through image_process() with the default (full bitonal)
 * profile: borders, binarisation, deskew, orientation, despeckle, blank measure, G4.
 *
 *   image_bench [--repeat N | --load-only | --colour-detect] PAGE...
 *
 * Prints "pages N", "seconds S", "ms_per_page M" and "pages_per_second P". --load-only stops
 * after loading: the difference in peak RSS between a run on one page with and without it is
 * the memory processing that page needs (tests/bench/image.sh measures it so).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <leptonica/allheaders.h>

#include "firmware/image/process.h"
#include "bench.h"

/* Times image_colour_share() on each page loaded as an RGB frame. */
static int colour_detect(int n, char **paths)
{
	double total = 0, share = 0;
	int i, k;

	for (i = 0; i < n; i++) {
		PIX *pix = pixRead(paths[i]), *rgb = pix ? pixConvertTo32(pix) : NULL;
		struct frame f = { .depth = 8, .channels = 3, .dpi = 300 };
		uint32_t x, y;
		double t;

		if (!rgb) {
			fprintf(stderr, "image_bench: cannot read '%s'\n", paths[i]);
			return 1;
		}
		f.width = (uint32_t)pixGetWidth(rgb);
		f.height = (uint32_t)pixGetHeight(rgb);
		f.bytes_per_line = f.width * 3;
		f.data = malloc((size_t)f.bytes_per_line * f.height);
		if (!f.data)
			return 1;
		for (y = 0; y < f.height; y++)
			for (x = 0; x < f.width; x++) {
				l_int32 r, g, b;

				extractRGBValues(pixGetData(rgb)[(size_t)y * pixGetWpl(rgb) + x],
						 &r, &g, &b);
				f.data[(size_t)y * f.bytes_per_line + 3 * x] = (uint8_t)r;
				f.data[(size_t)y * f.bytes_per_line + 3 * x + 1] = (uint8_t)g;
				f.data[(size_t)y * f.bytes_per_line + 3 * x + 2] = (uint8_t)b;
			}
		t = now();
		for (k = 0; k < 20; k++)
			share += image_colour_share(&f);
		total += now() - t;
		free(f.data);
		pixDestroy(&pix);
		pixDestroy(&rgb);
	}
	printf("pages %d\n", n);
	printf("colour_ms_per_page %.2f\n", total * 1000 / (20.0 * n));
	printf("mean_colour_share %.4f\n", share / (20.0 * n));
	return 0;
}

int main(int argc, char **argv)
{
	struct frame *frames;
	int i, n, repeat = 1, first = 1, rep_i;
	double t, total = 0, ocr_bytes = 0;
	bool keep_grey = false;

	if (argc > 2 && !strcmp(argv[1], "--colour-detect"))
		return colour_detect(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "--ocr-grey")) {
		/* As capture does: the grey image kept for OCR of a bitonal page too. */
		keep_grey = true;
		argc--;
		argv++;
	}
	if (argc > 2 && !strcmp(argv[1], "--repeat")) {
		repeat = atoi(argv[2]);
		first = 3;
	} else if (argc > 1 && !strcmp(argv[1], "--load-only")) {
		repeat = 0;
		first = 2;
	}
	n = argc - first;
	if (n < 1 || repeat < 0 || repeat > 1000) {
		fprintf(stderr, "usage: image_bench [--ocr-grey] [--repeat N] PAGE...\n");
		return 2;
	}
	frames = calloc((size_t)n, sizeof(*frames));
	if (!frames)
		return 1;
	for (i = 0; i < n; i++) {
		PIX *pix, *g;
		uint32_t x, y;

		if (read_pgm(argv[first + i], 300, &frames[i]) == 0)
			continue;
		pix = pixRead(argv[first + i]);
		g = pix ? pixConvertTo8(pix, 0) : NULL;
		if (!g) {
			fprintf(stderr, "image_bench: cannot read '%s'\n", argv[first + i]);
			return 1;
		}
		frames[i] = (struct frame){ .width = (uint32_t)pixGetWidth(g),
					    .height = (uint32_t)pixGetHeight(g),
					    .depth = 8,
					    .channels = 1,
					    .dpi = 300 };
		frames[i].bytes_per_line = frames[i].width;
		frames[i].data = malloc((size_t)frames[i].width * frames[i].height);
		if (!frames[i].data)
			return 1;
		for (y = 0; y < frames[i].height; y++)
			for (x = 0; x < frames[i].width; x++)
				frames[i].data[(size_t)y * frames[i].width + x] =
				    (uint8_t)GET_DATA_BYTE(pixGetData(g) + y * pixGetWpl(g), x);
		pixDestroy(&pix);
		pixDestroy(&g);
	}

	for (rep_i = 0; rep_i < repeat; rep_i++)
		for (i = 0; i < n; i++) {
			struct encoded_image img, ocr = { 0 };
			struct image_page_report rep;

			t = now();
			if (image_process_ocr(&frames[i], NULL, &img, keep_grey ? &ocr : NULL,
					      &rep) < 0) {
				fprintf(stderr, "image_bench: cannot process '%s'\n",
					argv[first + i]);
				return 1;
			}
			total += now() - t;
			ocr_bytes += (double)ocr.size;
			encoded_image_release(&img);
			encoded_image_release(&ocr);
		}
	if (repeat > 0) {
		printf("pages %d\n", n * repeat);
		printf("seconds %.3f\n", total);
		printf("ms_per_page %.1f\n", total * 1000 / (n * repeat));
		printf("pages_per_second %.2f\n", (n * repeat) / total);
		printf("ocr_grey_kb_per_page %.0f\n", ocr_bytes / 1024 / (n * repeat));
	}
	for (i = 0; i < n; i++)
		free(frames[i].data);
	free(frames);
	return 0;
}
