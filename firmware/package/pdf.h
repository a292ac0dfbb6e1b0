#ifndef FOLIO_PDF_H
#define FOLIO_PDF_H

/*
 * Searchable PDF of a document, PDF/A-2b: what an office's public search and its readers open.
 *
 * Each page is the delivered page image at full resolution, embedded as it is stored, never
 * re-encoded: a CCITT G4 TIFF's strips become CCITTFaxDecode images stacked on the page (one
 * per strip: G4 strips are coded independently), a JPEG becomes a DCTDecode image; a strip
 * whose bytes repeat is one image object used again. Over it lies the OCR text, invisible
 * (render mode 3), word by word over the word's box (one font size and baseline per line, each
 * word stretched to its width), in Tesseract's one-glyph GlyphLessFont (its pdf.ttf,
 * embedded) with a ToUnicode map, so that text extraction and search find the words where
 * they are on the page. The page has the scan's real size (pixels / dpi). Dictionaries are in
 * one compressed object stream, with a cross-reference stream (PDF 1.7).
 *
 * PDF/A-2b: XMP metadata (pdfaid part 2, conformance B, the document's identifier, title and
 * language, dates agreeing with the Info dictionary), an sRGB OutputIntent (Debian's
 * /usr/share/color/icc/sRGB.icc), every font embedded, nothing encrypted or external.
 */

#include <stddef.h>
#include <stdint.h>

#define PDF_SRGB_PROFILE "/usr/share/color/icc/sRGB.icc"
#define PDF_GLYPHLESS_FONT "/usr/share/tesseract-ocr/5/tessdata/pdf.ttf"

struct pdf_page {
	const void *image; /* the stored page image */
	size_t len;
	const char *format; /* "TIFF" (CCITT G4, bitonal) or "JPEG" */
	uint32_t width, height, dpi;
	uint32_t channels; /* JPEG: 1 grey, 3 colour */
	const char *hocr;  /* the page's ocr_page element, or NULL: no text */
};

struct pdf_info {
	const char *identifier; /* the document's id, "SIM-01-B000001-D0001" */
	const char *title;
	const char *language; /* ISO 639-1 */
	int64_t created;      /* unix seconds */
};

/*
 * pdf_document - write the PDF of @n pages into a new buffer
 * @ret, @ret_len: the file (malloc'ed)
 *
 * Returns 0, -EINVAL, -FOLIO_EFORMAT for an image that cannot be embedded as it is (a TIFF
 * that is not CCITT G4, a JPEG without a readable header), -ENOENT when the sRGB profile or
 * the font is not installed, -ENOMEM.
 */
int pdf_document(const struct pdf_page *pages, size_t n, const struct pdf_info *info, char **ret,
		 size_t *ret_len);

#endif
