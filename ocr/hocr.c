/* Whole hOCR documents around the engine's ocr_page elements (hocr.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "ocr/engine.h"
#include "ocr/hocr.h"

static bool name_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n == 0 || n > max || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool ocr_hocr_name_valid(const char *name)
{
	return name && name_ok(name, OCR_HOCR_MAX_NAME);
}

static bool lang_ok(const char *s)
{
	size_t n = strnlen(s, 4);

	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

/*
 * Finds the ocr_page element's title value in @page: @ret_start at its first character,
 * @ret_end at its closing quote. The value is Tesseract's "image "NAME"; bbox ...".
 */
static int page_title(const char *page, const char **ret_start, const char **ret_end)
{
	const char *div = strstr(page, "class='ocr_page'"), *t, *end, *gt;

	if (!div)
		return -FOLIO_EFORMAT;
	gt = strchr(div, '>');
	t = strstr(div, "title='");
	if (!gt || !t || t > gt)
		return -FOLIO_EFORMAT;
	t += strlen("title='");
	end = strchr(t, '\'');
	if (!end || end > gt)
		return -FOLIO_EFORMAT;
	*ret_start = t;
	*ret_end = end;
	return 0;
}

int ocr_hocr_document(const char *page, const char *image_name, const char *lang, char **ret,
		      size_t *ret_len)
{
	static const char head[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
	    "    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
	    "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"%s\" lang=\"%s\">\n"
	    " <head>\n"
	    "  <title></title>\n"
	    "  <meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
	    "  <meta name='ocr-system' content='tesseract %s' />\n"
	    "  <meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par ocr_line "
	    "ocrx_word ocrp_wconf'/>\n"
	    " </head>\n"
	    " <body>\n";
	static const char tail[] = " </body>\n</html>\n";
	const char *title, *title_end, *rest;
	char *doc = NULL;
	size_t size;
	FILE *f;
	int r;

	if (!lang)
		lang = "en";
	if (!page || !name_ok(image_name, OCR_HOCR_MAX_NAME) || !lang_ok(lang))
		return -EINVAL;
	r = page_title(page, &title, &title_end);
	if (r < 0)
		return r;
	/* The title without Tesseract's own image property (the name of an image in memory). */
	rest = title;
	if (strncmp(rest, "image \"", 7) == 0) {
		const char *q = memchr(rest + 7, '"', (size_t)(title_end - rest - 7));

		if (!q)
			return -FOLIO_EFORMAT;
		rest = q + 1;
		while (rest < title_end && (*rest == ';' || *rest == ' '))
			rest++;
	}

	f = open_memstream(&doc, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f, head, lang, lang, ocr_engine_version());
	fwrite(page, 1, (size_t)(title - page), f);
	fprintf(f, "image \"%s\"%s", image_name, rest < title_end ? "; " : "");
	fputs(rest, f);
	fputs(tail, f);
	if (fclose(f) != 0) {
		free(doc);
		return -ENOMEM;
	}
	*ret = doc;
	*ret_len = size;
	return 0;
}
