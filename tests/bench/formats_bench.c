/*
 * Delivery formats benchmark: the time to write a page's hOCR document, its ALTO 4.4 document
 * and its share of the document's searchable PDF/A, from what export has (the stored image and
 * the OCR's ocr_page element), and the PDF's size against the images' size.
 *
 * Reads an exported document folder (P*.tif with P*.hocr): the page element is taken back out
 * of each delivered hOCR document. Prints one line per figure; never passes or fails on
 * timing.
 *
 * Usage: formats_bench DOCUMENT_DIR [ROUNDS]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <time.h>

#include "firmware/package/pdf.h"
#include "ocr/hocr.h"

#define MAX_PAGES 64
#define MAX_FILE (64u << 20)

struct page {
	char name[32];
	void *image;
	size_t len;
	char *hocr; /* the ocr_page element */
	uint32_t width, height, dpi;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(MAX_FILE + 1);
	n = buf ? fread(buf, 1, MAX_FILE, f) : 0;
	fclose(f);
	if (!buf || n == 0 || n == MAX_FILE) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*ret_len = n;
	return buf;
}

/* The ocr_page element of a delivered hOCR document, in place. */
static char *page_element(char *doc)
{
	char *start = strstr(doc, "<div class='ocr_page'"), *end = strstr(doc, "</body>");

	if (!start || !end || end < start)
		return NULL;
	while (end > start && strncmp(end, "</div>", 6) != 0)
		end--;
	if (end == start)
		return NULL;
	end[6] = '\0';
	return start;
}

static int load_page(const char *dir, unsigned no, struct page *p)
{
	char path[4096];
	size_t len;
	char *doc, *el;
	TIFF *tif;
	float xres = 0;

	snprintf(p->name, sizeof(p->name), "P%04u.tif", no);
	snprintf(path, sizeof(path), "%s/%s", dir, p->name);
	p->image = read_file(path, &p->len);
	if (!p->image)
		return -ENOENT;
	tif = TIFFOpen(path, "r");
	if (!tif || !TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &p->width) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &p->height) ||
	    !TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) || xres < 1) {
		if (tif)
			TIFFClose(tif);
		return -EINVAL;
	}
	TIFFClose(tif);
	p->dpi = (uint32_t)(xres + 0.5f);
	snprintf(path, sizeof(path), "%s/P%04u.hocr", dir, no);
	doc = read_file(path, &len);
	if (!doc)
		return 0; /* a page without text */
	el = page_element(doc);
	if (el)
		p->hocr = strdup(el);
	free(doc);
	return p->hocr ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static struct page pages[MAX_PAGES];
	struct pdf_page pp[MAX_PAGES];
	struct pdf_info info = { .identifier = "BENCH-01-B000001-D0001",
				 .title = "formats bench",
				 .language = "en",
				 .created = 1764806400 };
	double t_hocr = 0, t_alto = 0, t_pdf = 0, t0;
	size_t n = 0, with_text = 0, images = 0, pdf_len = 0;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;

	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: formats_bench DOCUMENT_DIR [ROUNDS]\n");
		return 2;
	}
	while (n < MAX_PAGES && load_page(argv[1], (unsigned)n + 1, &pages[n]) == 0) {
		pp[n] = (struct pdf_page){ .image = pages[n].image,
					   .len = pages[n].len,
					   .format = "TIFF",
					   .width = pages[n].width,
					   .height = pages[n].height,
					   .dpi = pages[n].dpi,
					   .hocr = pages[n].hocr };
		images += pages[n].len;
		with_text += pages[n].hocr != NULL;
		n++;
	}
	if (n == 0 || with_text == 0) {
		fprintf(stderr, "formats bench: no G4 pages with hOCR in '%s'\n", argv[1]);
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		char *out;
		size_t len;

		for (size_t i = 0; i < n; i++) {
			if (!pages[i].hocr)
				continue;
			t0 = now();
			if (ocr_hocr_document(pages[i].hocr, pages[i].name, "en", &out, &len) < 0) {
				fprintf(stderr, "formats bench: hOCR of %s failed\n",
					pages[i].name);
				return 1;
			}
			t_hocr += now() - t0;
			free(out);
			t0 = now();
			if (ocr_alto_document(pages[i].hocr, pages[i].name, &out, &len) < 0) {
				fprintf(stderr, "formats bench: ALTO of %s failed\n",
					pages[i].name);
				return 1;
			}
			t_alto += now() - t0;
			free(out);
		}
		t0 = now();
		if (pdf_document(pp, n, &info, &out, &pdf_len) < 0) {
			fprintf(stderr, "formats bench: the PDF failed\n");
			return 1;
		}
		t_pdf += now() - t0;
		free(out);
	}
	printf("pages %zu with_text %zu rounds %d\n", n, with_text, rounds);
	printf("ms_per_page hocr %.2f alto %.2f pdf %.2f\n",
	       1e3 * t_hocr / (double)(with_text * rounds),
	       1e3 * t_alto / (double)(with_text * rounds), 1e3 * t_pdf / (double)(n * rounds));
	printf("bytes pdf %zu images %zu\n", pdf_len, images);
	for (size_t i = 0; i < n; i++) {
		free(pages[i].image);
		free(pages[i].hocr);
	}
	return 0;
}
