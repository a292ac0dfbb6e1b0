#ifndef FOLIO_PACKAGE_ST96_H
#define FOLIO_PACKAGE_ST96_H

/*
 * WIPO ST.96 V6_0 XML for one scanned document.
 *
 * The root element depends on the IP type (see firmware/package/ST96.md for the mapping of every
 * field): patents pat:ApplicationBody, trademarks tmk:TrademarkApplication, designs
 * dgn:DesignApplication. The output validates against the official schema named by
 * st96_schema_for().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/domain/iptype.h"

#define ST96_MAX_PAGES 10000 /* pages of one document */
#define ST96_MAX_TEXT 1024   /* bytes of a name, number or code */

/* One captured page. Strings are borrowed for the duration of st96_write(). */
struct st96_page {
	const char *file_name;	 /* e.g. "P0001.tif" (relative to the document folder) */
	const char *format;	 /* "TIFF" or "JPEG" */
	uint32_t width, height;	 /* pixels */
	uint32_t dpi, bit_depth; /* bit_depth 1 (bitonal) or 8 (grey/colour per channel) */
	bool colour;
	const char *text_file; /* OCR text file name, or NULL */
	const char *hocr_file; /* its hOCR layout file name, or NULL */
	const char *alto_file; /* its ALTO layout file name, or NULL */
	const char *pdf_file;  /* a searchable PDF of the page, or NULL */
	bool ocr_failed;       /* its text could not be recognised, for good (no text files) */
	/* with every page in one multi-page TIFF (file_name the same for all): the SHA-256 of
	 * this page's image data there (its directory's strips, tiffcheck.h), 64 lower-case hex
	 * digits; NULL: the page has a file of its own */
	const char *sha256;
};

/* One scanned document. Strings are UTF-8, borrowed for the duration of st96_write(). */
struct st96_document {
	enum ip_type ip_type;
	const char *office;		/* ST.3 code of the receiving office, e.g. "KE" */
	const char *application_number; /* as the office writes it, or NULL */
	const char *st13;		/* ST.13 15-digit form, or NULL */
	const char *document_id;	/* station-unique, e.g. "SIM01-B000017-D0001" */
	const char *document_code;	/* office's document code, e.g. "APPFORM", or NULL */
	const char *document_name;	/* human-readable name, or NULL */
	const char *language;		/* ISO 639-1, e.g. "en" */
	const char *received_date;	/* YYYY-MM-DD, or NULL */
	const char *loaded_datetime;	/* YYYY-MM-DDThh:mm:ssZ, when the station captured it */
	size_t n_pages;
	const struct st96_page *pages;
};

/*
 * st96_write - the ST.96 V6_0 XML of one scanned document
 * @doc: the document
 * @ret_xml: on success, a NUL-terminated heap buffer with the UTF-8 XML; the caller frees it
 * @ret_len: on success, its length in bytes (without the NUL); may be NULL
 *
 * Every field is checked before anything is written:
 *  - office: a current ST.3 code (office_code_valid());
 *  - application_number: printable UTF-8 of at most ST96_MAX_TEXT bytes;
 *  - st13: passes appno_st13_check() for the document's IP type;
 *  - document_id: 1..64 characters of [A-Za-z0-9._-], starting with a letter;
 *  - document_code: 1..64 printable ASCII characters without spaces;
 *  - document_name: printable UTF-8 (Arabic and other scripts pass through as they are);
 *  - language: two lower-case letters (the schema knows the list);
 *  - dates: real calendar dates in the forms above;
 *  - n_pages: 1..ST96_MAX_PAGES; per page: file names of [A-Za-z0-9._-] not starting with
 *    '.' or '-', format "TIFF" or "JPEG", sizes and dpi 1..1000000, bit_depth 1 or 8, colour
 *    only with bit_depth 8, sha256 64 lower-case hex digits when given.
 *
 * Returns 0; -EINVAL when a field cannot be represented (the field is named in a debug log
 * message; *ret_xml and *ret_len untouched); -ENOMEM.
 */
int st96_write(const struct st96_document *doc, char **ret_xml, size_t *ret_len);

/*
 * st96_schema_for - basename of the ST.96 V6_0 schema a document of IP type @t validates
 * against: "ApplicationBody_V6_0.xsd", "TrademarkApplication_V6_0.xsd" or
 * "DesignApplication_V6_0.xsd"; NULL for a value outside the enum. Static string.
 */
const char *st96_schema_for(enum ip_type t);

/*
 * The XML files of one document. Every IP type has ST96_PART_DOCUMENT (document.xml, by
 * st96_write()). A patent has two more, because no patent component of V6_0 carries both
 * page images and the index: ST96_PART_BIBLIOGRAPHIC (bibliographic.xml, pat:BibliographicData:
 * office, application number, language, received date) and ST96_PART_FILES (files.xml,
 * com:DocumentIncludedBag: the document with its code, and every file of every page).
 */
enum st96_part { ST96_PART_DOCUMENT, ST96_PART_BIBLIOGRAPHIC, ST96_PART_FILES, ST96_N_PARTS };

/* File name of @part for IP type @t ("document.xml", ...), or NULL when @t has no such part. */
const char *st96_part_file(enum ip_type t, enum st96_part part);

/* Basename of the V6_0 schema @part of IP type @t validates against, or NULL (as above). */
const char *st96_part_schema(enum ip_type t, enum st96_part part);

/*
 * st96_write_part - as st96_write(), for @part of the document (st96_part_file())
 * Returns -EINVAL also when the document's IP type has no such part.
 */
int st96_write_part(const struct st96_document *doc, enum st96_part part, char **ret_xml,
		    size_t *ret_len);

#endif
