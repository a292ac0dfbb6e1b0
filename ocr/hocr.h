#ifndef FOLIO_OCR_HOCR_H
#define FOLIO_OCR_HOCR_H

/*
 * Page layouts as offices' document systems read them.
 *
 * The engine keeps a page's layout as Tesseract's ocr_page element (engine.h: an hOCR
 * fragment, words with bbox and x_wconf). What is delivered is one whole document per page:
 *
 * - hOCR 1.2 as Tesseract's own hOCR renderer writes it: an XHTML 1.0 document with the
 *   ocr-system and ocr-capabilities metadata, and the ocr_page's image property naming the
 *   delivered image file, so that hOCR tools (OCRmyPDF's hocrtransform, hocr-tools) read it.
 * - ALTO 4.4 (the Library of Congress's schema, what digital libraries and search engines of
 *   scanned documents ingest): Description with the delivered image's file name and the OCR
 *   software, one Page (pixels), a TextBlock per paragraph, TextLine, String with WC (word
 *   confidence, 0..1) and CONTENT, SP between words. Tesseract's own ALTO renderer writes
 *   ALTO 3.
 */

#include <stdbool.h>
#include <stddef.h>

#define OCR_HOCR_MAX_NAME 64 /* longest image file name */

/*
 * ocr_hocr_document - the whole hOCR document of one page
 * @page: the page's ocr_page element (ocr_page_result.hocr), NUL-terminated
 * @image_name: the delivered image's file name, [A-Za-z0-9._-], at most OCR_HOCR_MAX_NAME
 * @lang: the document's language (ISO 639-1, "en"), for the document's xml:lang; NULL: "en"
 * @ret, @ret_len: the document (malloc'ed, NUL-terminated) and its length
 *
 * Returns 0, -EINVAL for a bad name or language, -FOLIO_EFORMAT when @page is not an
 * ocr_page element, -ENOMEM.
 */
int ocr_hocr_document(const char *page, const char *image_name, const char *lang, char **ret,
		      size_t *ret_len);

/* ocr_hocr_name_valid - whether @name may name a delivered image ([A-Za-z0-9._-]) */
bool ocr_hocr_name_valid(const char *name);

/*
 * ocr_alto_document - the ALTO 4.4 document of one page
 * @page, @image_name: as for ocr_hocr_document()
 * @ret, @ret_len: the document (malloc'ed, NUL-terminated) and its length
 *
 * Returns 0, -EINVAL for a bad name, -FOLIO_EFORMAT when @page is not a well-formed ocr_page
 * element with a bbox, -FOLIO_ETOOBIG, -ENOMEM.
 */
int ocr_alto_document(const char *page, const char *image_name, char **ret, size_t *ret_len);

/* A word of a page: its box in pixels of the page and its UTF-8 text. */
struct ocr_word {
	long x0, y0, x1, y1;
	const char *text; /* valid during the callback */
};

/*
 * ocr_hocr_words - call @fn for every word of @page (an ocr_page element) in reading order
 *
 * Stops at and returns @fn's first non-zero value. -FOLIO_EFORMAT when @page is not a
 * well-formed ocr_page element, -FOLIO_ETOOBIG, -EINVAL.
 */
int ocr_hocr_words(const char *page, int (*fn)(const struct ocr_word *w, void *user), void *user);

#endif
