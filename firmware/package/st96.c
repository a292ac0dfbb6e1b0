/*
 * ST.96 V6_0 XML for one scanned document, written with libxml2's xmlTextWriter.
 * The mapping of every field is in ST96.md next to this file; keep the two in step.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "cleanup.h"
#include "compiler.h"
#include "log.h"
#include "firmware/domain/appno.h"
#include "firmware/domain/office.h"
#include "firmware/package/st96.h"

#define NS_COM "http://www.wipo.int/standards/XMLSchema/ST96/Common"
#define NS_PAT "http://www.wipo.int/standards/XMLSchema/ST96/Patent"
#define NS_TMK "http://www.wipo.int/standards/XMLSchema/ST96/Trademark"
#define NS_DGN "http://www.wipo.int/standards/XMLSchema/ST96/Design"
#define ST96_VERSION "V6_0"
#define IPO_VERSION "FOLIO_1_1" /* com:ipoVersion: version of Folio's mapping (ST96.md) */

#define ID_MAX 64
#define CODE_MAX 64
#define FILE_NAME_MAX 255
#define PIXELS_MAX 1000000u
#define DPI_MAX 1000000u

DEFINE_POINTER_CLEANUP(xmlTextWriter, xmlFreeTextWriter)
DEFINE_POINTER_CLEANUP(xmlBuffer, xmlBufferFree)

static const char *const schema_names[] = {
	[IP_PATENT] = "ApplicationBody_V6_0.xsd",
	[IP_TRADEMARK] = "TrademarkApplication_V6_0.xsd",
	[IP_DESIGN] = "DesignApplication_V6_0.xsd",
};

const char *st96_schema_for(enum ip_type t)
{
	if ((unsigned)t >= ARRAY_SIZE(schema_names))
		return NULL;
	return schema_names[t];
}

/* ---------------------------------------------------------------------------------------- */
/* Checking the fields */

/*
 * Well-formed UTF-8 of 1..max bytes whose characters are all allowed in XML 1.0 and none is a
 * control character (so a value stays on one line and passes through intact).
 */
static bool text_ok(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	if (!s)
		return false;
	len = strnlen(s, max + 1);
	if (len == 0 || len > max)
		return false;
	while (*p) {
		uint32_t c;
		int n;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			c = *p & 0x1f;
			n = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			c = *p & 0x0f;
			n = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			c = *p & 0x07;
			n = 3;
		} else {
			return false;
		}
		p++;
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (*p & 0x3f);
		}
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000))
			return false; /* overlong */
		if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
			return false;
		if (c >= 0x80 && c <= 0x9f)
			return false; /* C1 controls */
	}
	return true;
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* [A-Za-z0-9._-]{1,max} whose first character passes first(). */
static bool name_ok(const char *s, size_t max, bool (*first)(char))
{
	size_t i;

	if (!s || !first(s[0]))
		return false;
	for (i = 0; s[i]; i++) {
		if (i == max)
			return false;
		if (!is_alpha(s[i]) && !is_digit(s[i]) && !strchr("._-", s[i]))
			return false;
	}
	return true;
}

static bool file_first_ok(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

static bool code_ok(const char *s)
{
	size_t i;

	if (!s || !*s)
		return false;
	for (i = 0; s[i]; i++)
		if (i == CODE_MAX || s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

/* Parses n digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* YYYY-MM-DD, a real calendar day of the years 1800..2099. */
static bool date_ok(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, last;

	if (!s || strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1800 || y > 2099 || m < 1 || m > 12 || d < 1)
		return false;
	last = mdays[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		last = 29;
	return d <= last;
}

/* YYYY-MM-DDThh:mm:ssZ */
static bool datetime_ok(const char *s)
{
	char date[11];

	if (!s || strnlen(s, 21) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != 'Z')
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	return date_ok(date) && digits(s + 11, 2) >= 0 && digits(s + 11, 2) <= 23 &&
	       digits(s + 14, 2) >= 0 && digits(s + 14, 2) <= 59 && digits(s + 17, 2) >= 0 &&
	       digits(s + 17, 2) <= 59;
}

static int bad_field(const char *field, const char *value)
{
	log_debug("st96: cannot represent %s '%.80s'", field, value ? value : "(null)");
	return -EINVAL;
}

static int page_check(const struct st96_page *pg, size_t i)
{
	if (!name_ok(pg->file_name, FILE_NAME_MAX, file_first_ok)) {
		log_debug("st96: page %zu: bad file name", i + 1);
		return bad_field("page file name", pg->file_name);
	}
	if (!pg->format || (strcmp(pg->format, "TIFF") != 0 && strcmp(pg->format, "JPEG") != 0))
		return bad_field("page format (TIFF or JPEG)", pg->format);
	if (pg->width == 0 || pg->width > PIXELS_MAX || pg->height == 0 ||
	    pg->height > PIXELS_MAX || pg->dpi == 0 || pg->dpi > DPI_MAX) {
		log_debug("st96: page %zu '%s' has a size of %ux%u px at %u dpi", i + 1,
			  pg->file_name, pg->width, pg->height, pg->dpi);
		return -EINVAL;
	}
	if (pg->bit_depth != 1 && pg->bit_depth != 8) {
		log_debug("st96: page %zu '%s' has bit depth %u, not 1 or 8", i + 1, pg->file_name,
			  pg->bit_depth);
		return -EINVAL;
	}
	if (pg->colour && pg->bit_depth != 8) {
		log_debug("st96: page %zu '%s' is colour with bit depth %u", i + 1, pg->file_name,
			  pg->bit_depth);
		return -EINVAL;
	}
	if (pg->sha256 &&
	    (strlen(pg->sha256) != 64 || strspn(pg->sha256, "0123456789abcdef") != 64))
		return bad_field("page image SHA-256", pg->sha256);
	if (pg->text_file && !name_ok(pg->text_file, FILE_NAME_MAX, file_first_ok))
		return bad_field("OCR text file name", pg->text_file);
	if (pg->hocr_file && !name_ok(pg->hocr_file, FILE_NAME_MAX, file_first_ok))
		return bad_field("hOCR file name", pg->hocr_file);
	if (pg->alto_file && !name_ok(pg->alto_file, FILE_NAME_MAX, file_first_ok))
		return bad_field("ALTO file name", pg->alto_file);
	if (pg->pdf_file && !name_ok(pg->pdf_file, FILE_NAME_MAX, file_first_ok))
		return bad_field("PDF file name", pg->pdf_file);
	return 0;
}

static int document_check(const struct st96_document *doc)
{
	char why[160];
	int r;

	if ((unsigned)doc->ip_type >= ARRAY_SIZE(schema_names)) {
		log_debug("st96: unknown IP type %d", (int)doc->ip_type);
		return -EINVAL;
	}
	if (!office_code_valid(doc->office))
		return bad_field("office code", doc->office);
	if (doc->application_number && !text_ok(doc->application_number, ST96_MAX_TEXT))
		return bad_field("application number", doc->application_number);
	if (doc->st13) {
		r = appno_st13_check(doc->st13, doc->ip_type, why, sizeof(why));
		if (r < 0) {
			log_debug("st96: %s", why);
			return bad_field("ST.13 application number", doc->st13);
		}
	}
	if (!name_ok(doc->document_id, ID_MAX, is_alpha))
		return bad_field("document id", doc->document_id);
	if (doc->document_code && !code_ok(doc->document_code))
		return bad_field("document code", doc->document_code);
	if (doc->document_name && !text_ok(doc->document_name, ST96_MAX_TEXT))
		return bad_field("document name", doc->document_name);
	if (!doc->language || strlen(doc->language) != 2 || doc->language[0] < 'a' ||
	    doc->language[0] > 'z' || doc->language[1] < 'a' || doc->language[1] > 'z')
		return bad_field("language", doc->language);
	if (doc->received_date && !date_ok(doc->received_date))
		return bad_field("received date", doc->received_date);
	if (!datetime_ok(doc->loaded_datetime))
		return bad_field("loaded date and time", doc->loaded_datetime);
	if (doc->n_pages == 0 || doc->n_pages > ST96_MAX_PAGES || !doc->pages) {
		log_debug("st96: cannot represent a document of %zu pages", doc->n_pages);
		return -EINVAL;
	}
	for (size_t i = 0; i < doc->n_pages; i++) {
		r = page_check(&doc->pages[i], i);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Writing: thin wrappers that remember the first failure, so the mapping reads top-down. */

struct xw {
	xmlTextWriter *w;
	bool failed;
};

static void x_check(struct xw *x, int r)
{
	if (r < 0)
		x->failed = true;
}

static void x_start(struct xw *x, const char *name)
{
	if (!x->failed)
		x_check(x, xmlTextWriterStartElement(x->w, BAD_CAST name));
}

static void x_end(struct xw *x)
{
	if (!x->failed)
		x_check(x, xmlTextWriterEndElement(x->w));
}

static void x_attr(struct xw *x, const char *name, const char *value)
{
	if (!x->failed)
		x_check(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value));
}

static void x_elem(struct xw *x, const char *name, const char *text)
{
	if (!x->failed)
		x_check(x, xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text));
}

static void _printf_(3, 4) x_elemf(struct xw *x, const char *name, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	x_elem(x, name, buf);
}

/* An element with one attribute and text content. */
static void x_elem_attr(struct xw *x, const char *name, const char *attr, const char *value,
			const char *text)
{
	x_start(x, name);
	x_attr(x, attr, value);
	if (!x->failed)
		x_check(x, xmlTextWriterWriteString(x->w, BAD_CAST text));
	x_end(x);
}

static void x_root(struct xw *x, const char *name, const char *ns_attr, const char *ns)
{
	x_start(x, name);
	if (ns_attr)
		x_attr(x, ns_attr, ns);
	x_attr(x, "xmlns:com", NS_COM);
}

/* ---------------------------------------------------------------------------------------- */
/* The mapping */

static const char *display_name(const struct st96_document *doc)
{
	if (doc->document_name)
		return doc->document_name;
	if (doc->document_code)
		return doc->document_code;
	return "Scanned document";
}

static const char *colour_mode(const struct st96_page *pg)
{
	if (pg->bit_depth == 1)
		return "Black and white";
	return pg->colour ? "Colour" : "Greyscale";
}

/* The colour mode in words for a comment line. */
static const char *mode_words(const struct st96_page *pg)
{
	if (pg->bit_depth == 1)
		return "black and white";
	return pg->colour ? "colour per channel" : "greyscale";
}

static void page_id(char *buf, size_t size, const struct st96_document *doc, char kind, size_t i)
{
	snprintf(buf, size, "%s-%c%04zu", doc->document_id, kind, i + 1);
}

/* A file of a page (its image, its text ...) as its com:DocumentIncluded describes it. */
struct page_file {
	char kind; /* the letter in its com:id */
	const char *file, *what, *format, *category, *media;
	const char *comment; /* or NULL */
};

/* One com:DocumentIncluded for file @f of page @i. */
static void write_page_file(struct xw *x, const struct st96_document *doc, size_t i,
			    const struct page_file *f)
{
	char id[ID_MAX + 16], name[96];

	page_id(id, sizeof(id), doc, f->kind, i);
	snprintf(name, sizeof(name), "Page %zu of %zu, %s", i + 1, doc->n_pages, f->what);
	x_start(x, "com:DocumentIncluded");
	x_attr(x, "com:id", id);
	x_attr(x, "com:languageCode", doc->language);
	x_elem(x, "com:DocumentName", name);
	x_elem(x, "com:FileName", f->file);
	x_elem(x, "com:DocumentFormatCategory", f->format);
	x_elem(x, "com:DocumentKindCategory", f->category);
	x_elem(x, "com:DocumentMediaCategory", f->media);
	if (f->comment)
		x_elem_attr(x, "com:CommentText", "com:languageCode", "en", f->comment);
	x_end(x);
}

/* com:DocumentIncluded entries for every page image and its text, hOCR, ALTO and PDF files. */
static void write_files_included(struct xw *x, const struct st96_document *doc)
{
	char comment[320], in_file[192];

	for (size_t i = 0; i < doc->n_pages; i++) {
		const struct st96_page *pg = &doc->pages[i];
		const struct page_file files[] = {
			{ 'P', pg->file_name, "image", pg->format, "Page image", "Paper", comment },
			{ 'T', pg->text_file, "OCR text", "Text", "OCR text", "File" },
			{ 'H', pg->hocr_file, "OCR layout, hOCR", "HTML", "OCR layout hOCR",
			  "File" },
			{ 'A', pg->alto_file, "OCR layout, ALTO", "XML", "OCR layout ALTO",
			  "File" },
			{ 'F', pg->pdf_file, "searchable PDF", "PDF", "Searchable PDF", "File" },
		};

		in_file[0] = '\0';
		if (pg->sha256)
			snprintf(in_file, sizeof(in_file),
				 "; page %zu of %.64s, image data SHA-256 %s", i + 1, pg->file_name,
				 pg->sha256);
		snprintf(comment, sizeof(comment), "%u x %u px, %u dpi, %u-bit %s%s%s", pg->width,
			 pg->height, pg->dpi, pg->bit_depth, mode_words(pg),
			 pg->ocr_failed ? "; OCR failed: no text could be recognised" : "",
			 in_file);
		for (size_t k = 0; k < ARRAY_SIZE(files); k++)
			if (files[k].file)
				write_page_file(x, doc, i, &files[k]);
	}
}

/*
 * The document itself as a com:DocumentIncluded: name, code, medium, what has no element of
 * its own in one comment line, and the office.
 */
static void write_document_included(struct xw *x, const struct st96_document *doc)
{
	char comment[ST96_MAX_TEXT + 256];
	bool both = doc->st13 && doc->application_number;

	snprintf(comment, sizeof(comment), "Document %s, %zu page%s%s%s, loaded %s%s%s",
		 doc->document_id, doc->n_pages, doc->n_pages == 1 ? "" : "s",
		 doc->received_date ? ", received " : "",
		 doc->received_date ? doc->received_date : "", doc->loaded_datetime,
		 both ? ", application number " : "", both ? doc->application_number : "");

	x_start(x, "com:DocumentIncluded");
	x_attr(x, "com:id", doc->document_id);
	x_attr(x, "com:languageCode", doc->language);
	x_elem(x, "com:DocumentName", display_name(doc));
	if (doc->document_code)
		x_elem(x, "com:DocumentKindCategory", doc->document_code);
	x_elem(x, "com:DocumentMediaCategory", "Paper");
	x_elem_attr(x, "com:CommentText", "com:languageCode", "en", comment);
	x_start(x, "com:IPOfficeCodeBag");
	x_elem(x, "com:IPOfficeCode", doc->office);
	x_end(x);
	x_end(x);
}

static void write_application_number(struct xw *x, const struct st96_document *doc, bool st13,
				     const char *text)
{
	x_start(x, "com:ApplicationNumber");
	x_elem(x, "com:IPOfficeCode", doc->office);
	if (st13)
		x_elem(x, "com:ST13ApplicationNumber", doc->st13);
	else
		x_elem(x, "com:ApplicationNumberText", text);
	x_end(x);
}

/* pat:ApplicationBody with one pat:PageImage per page. */
static void write_patent(struct xw *x, const struct st96_document *doc)
{
	char id[ID_MAX + 16], num[24];

	x_root(x, "pat:ApplicationBody", "xmlns:pat", NS_PAT);
	x_attr(x, "com:id", doc->document_id);
	x_attr(x, "com:languageCode", doc->language);
	x_attr(x, "com:receivingOffice", doc->office);
	x_attr(x, "com:st96Version", ST96_VERSION);
	x_attr(x, "com:ipoVersion", IPO_VERSION);
	for (size_t i = 0; i < doc->n_pages; i++) {
		const struct st96_page *pg = &doc->pages[i];

		page_id(id, sizeof(id), doc, 'P', i);
		snprintf(num, sizeof(num), "%zu", i + 1);
		x_start(x, "pat:PageImage");
		x_attr(x, "com:id", id);
		x_attr(x, "pat:firstPageNumber", num);
		x_attr(x, "pat:lastPageNumber", num);
		x_elem(x, "com:ImageFormatCategory", pg->format);
		x_elem(x, "com:FileName", pg->file_name);
		x_start(x, "com:HeightMeasure");
		x_attr(x, "com:measureUnitCode", "Px");
		if (!x->failed)
			x_check(x, xmlTextWriterWriteFormatString(x->w, "%u", pg->height));
		x_end(x);
		x_start(x, "com:WidthMeasure");
		x_attr(x, "com:measureUnitCode", "Px");
		if (!x->failed)
			x_check(x, xmlTextWriterWriteFormatString(x->w, "%u", pg->width));
		x_end(x);
		x_elem(x, "com:ColourModeCategory", colour_mode(pg));
		x_end(x);
	}
	x_end(x);
}

/*
 * pat:BibliographicData (bibliographic.xml of a patent): the office, the application number
 * (ST.13 when known, else the office's form, else empty: not yet assigned), the language and
 * the received date. The schema requires a title and a party; capture knows neither, so they
 * are empty placeholders.
 */
static void write_bibliographic(struct xw *x, const struct st96_document *doc)
{
	x_root(x, "pat:BibliographicData", "xmlns:pat", NS_PAT);
	x_attr(x, "com:id", doc->document_id);
	x_attr(x, "com:officeCode", doc->office);
	x_attr(x, "com:st96Version", ST96_VERSION);
	x_attr(x, "com:ipoVersion", IPO_VERSION);
	x_start(x, "pat:ApplicationIdentification");
	x_elem(x, "com:IPOfficeCode", doc->office);
	write_application_number(x, doc, doc->st13 != NULL,
				 doc->application_number ? doc->application_number : "");
	x_elem(x, "com:FilingLanguageCode", doc->language);
	x_end(x);
	x_start(x, "pat:InventionTitleBag");
	x_elem_attr(x, "pat:InventionTitle", "com:languageCode", doc->language, "");
	x_end(x);
	x_start(x, "pat:PartyBag");
	x_start(x, "com:CorrespondenceAddress");
	x_elem(x, "com:PartyIdentifier", "");
	x_end(x);
	x_end(x);
	if (doc->received_date)
		x_elem(x, "com:ReceivingOfficeDate", doc->received_date);
	x_end(x);
}

/* com:DocumentIncludedBag (files.xml of a patent): the document, then every page's files. */
static void write_patent_files(struct xw *x, const struct st96_document *doc)
{
	x_root(x, "com:DocumentIncludedBag", NULL, NULL);
	write_document_included(x, doc);
	write_files_included(x, doc);
	x_end(x);
}

/* tmk:TrademarkApplication: the files in com:DocumentIncludedBag, the document itself in
 * tmk:TrademarkDocumentBag. */
static void write_trademark(struct xw *x, const struct st96_document *doc)
{
	x_root(x, "tmk:TrademarkApplication", "xmlns:tmk", NS_TMK);
	x_attr(x, "com:st96Version", ST96_VERSION);
	x_attr(x, "com:ipoVersion", IPO_VERSION);

	x_start(x, "com:DocumentIncludedBag");
	write_files_included(x, doc);
	x_end(x);

	x_start(x, "tmk:TrademarkBag");
	x_start(x, "tmk:Trademark");
	x_elem(x, "com:ReceivingOfficeCode", doc->office);
	/* The schema needs at least one number: an empty text means "not yet assigned". */
	if (doc->application_number || !doc->st13)
		write_application_number(x, doc, false,
					 doc->application_number ? doc->application_number : "");
	if (doc->st13)
		write_application_number(x, doc, true, NULL);

	x_start(x, "tmk:TrademarkDocumentBag");
	x_start(x, "tmk:TrademarkDocument");
	x_attr(x, "com:id", doc->document_id);
	x_attr(x, "com:languageCode", doc->language);
	x_elem(x, "com:DocumentName", display_name(doc));
	x_elem(x, "com:DocumentMediaCategory", "Paper");
	if (doc->received_date)
		x_elem(x, "com:DocumentReceivedDate", doc->received_date);
	x_elem(x, "com:DocumentLoadedDateTime", doc->loaded_datetime);
	if (doc->document_code)
		x_elem(x, "tmk:TrademarkDocumentCode", doc->document_code);
	x_elemf(x, "com:PageTotalQuantity", "%zu", doc->n_pages);
	x_elem_attr(x, "com:DocumentIdentifier", "com:officeCode", doc->office, doc->document_id);
	x_end(x); /* TrademarkDocument */
	x_end(x); /* TrademarkDocumentBag */
	x_end(x); /* Trademark */
	x_end(x); /* TrademarkBag */
	x_end(x);
}

/* dgn:DesignApplication: the document and its files in com:DocumentIncludedBag. */
static void write_design(struct xw *x, const struct st96_document *doc)
{
	x_root(x, "dgn:DesignApplication", "xmlns:dgn", NS_DGN);
	x_attr(x, "com:st96Version", ST96_VERSION);
	x_attr(x, "com:ipoVersion", IPO_VERSION);
	x_elem(x, "com:RegistrationOfficeCode", doc->office);
	x_elem(x, "com:ReceivingOfficeCode", doc->office);
	if (doc->st13 || doc->application_number)
		write_application_number(x, doc, doc->st13 != NULL, doc->application_number);

	/*
	 * The schema requires a design (with a classification and an applicant) and the
	 * application's applicants. Capture knows neither: write the smallest valid
	 * placeholders, empty values that claim nothing.
	 */
	x_start(x, "dgn:DesignBag");
	x_start(x, "dgn:Design");
	x_start(x, "com:DesignClassificationBag");
	x_start(x, "com:NationalDesignClassificationBag");
	x_elem(x, "com:IPOfficeCode", doc->office);
	x_elem(x, "com:NationalDesignClassification", "");
	x_end(x);
	x_end(x);
	x_start(x, "dgn:ApplicantBag");
	x_start(x, "com:PartyIdentifierBag");
	x_elem(x, "com:PartyIdentifier", "");
	x_end(x);
	x_end(x);
	x_end(x); /* Design */
	x_end(x); /* DesignBag */
	x_start(x, "dgn:ApplicantBag");
	x_start(x, "com:PartyIdentifierBag");
	x_elem(x, "com:PartyIdentifier", "");
	x_end(x);
	x_end(x);

	x_start(x, "com:DocumentIncludedBag");
	write_document_included(x, doc);
	write_files_included(x, doc);
	x_end(x);
	x_end(x);
}

const char *st96_part_file(enum ip_type t, enum st96_part part)
{
	static const char *const files[] = {
		[ST96_PART_DOCUMENT] = "document.xml",
		[ST96_PART_BIBLIOGRAPHIC] = "bibliographic.xml",
		[ST96_PART_FILES] = "files.xml",
	};

	if ((unsigned)t >= ARRAY_SIZE(schema_names) || (unsigned)part >= ARRAY_SIZE(files))
		return NULL;
	if (part != ST96_PART_DOCUMENT && t != IP_PATENT)
		return NULL;
	return files[part];
}

const char *st96_part_schema(enum ip_type t, enum st96_part part)
{
	if (!st96_part_file(t, part))
		return NULL;
	switch (part) {
	case ST96_PART_BIBLIOGRAPHIC:
		return "BibliographicData_V6_0.xsd";
	case ST96_PART_FILES:
		return "Patent_V6_0.xsd";
	default:
		return st96_schema_for(t);
	}
}

int st96_write(const struct st96_document *doc, char **ret_xml, size_t *ret_len)
{
	return st96_write_part(doc, ST96_PART_DOCUMENT, ret_xml, ret_len);
}

int st96_write_part(const struct st96_document *doc, enum st96_part part, char **ret_xml,
		    size_t *ret_len)
{
	_cleanup_(xmlBufferFreep) xmlBuffer *buf = NULL;
	_cleanup_(xmlFreeTextWriterp) xmlTextWriter *w = NULL;
	struct xw x = {};
	char *out;
	size_t len;
	int r;

	if (!doc || !ret_xml)
		return -EINVAL;
	r = document_check(doc);
	if (r < 0)
		return r;
	if (!st96_part_file(doc->ip_type, part)) {
		log_debug("st96: a %s has no part %d", ip_type_name(doc->ip_type), (int)part);
		return -EINVAL;
	}

	buf = xmlBufferCreate();
	if (!buf)
		return -ENOMEM;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w)
		return -ENOMEM;
	x.w = w;
	x_check(&x, xmlTextWriterSetIndent(w, 1));
	x_check(&x, xmlTextWriterSetIndentString(w, BAD_CAST "  "));
	if (!x.failed)
		x_check(&x, xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));

	switch (doc->ip_type) {
	case IP_PATENT:
		if (part == ST96_PART_BIBLIOGRAPHIC)
			write_bibliographic(&x, doc);
		else if (part == ST96_PART_FILES)
			write_patent_files(&x, doc);
		else
			write_patent(&x, doc);
		break;
	case IP_TRADEMARK:
		write_trademark(&x, doc);
		break;
	case IP_DESIGN:
		write_design(&x, doc);
		break;
	}
	if (!x.failed)
		x_check(&x, xmlTextWriterEndDocument(w));
	if (!x.failed)
		x_check(&x, xmlTextWriterFlush(w));
	if (x.failed)
		return -ENOMEM; /* the input was checked: only allocation can fail here */

	len = (size_t)xmlBufferLength(buf);
	out = malloc(len + 1);
	if (!out)
		return -ENOMEM;
	memcpy(out, xmlBufferContent(buf), len);
	out[len] = '\0';

	*ret_xml = out;
	if (ret_len)
		*ret_len = len;
	return 0;
}
