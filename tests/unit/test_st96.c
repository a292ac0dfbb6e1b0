/*
 * ST.96 export and schema validation: generated documents validate against the official WIPO
 * ST.96 V6_0 schemas (from FOLIO_SHARED), the shared negative examples are rejected, the
 * positive ones accepted, and fields that cannot be represented are refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/package/schema.h"
#include "firmware/package/st96.h"

#define ARABIC_NAME "طلب تسجيل علامة تجارية & <نموذج ١>"
#define ARABIC_ESCAPED "طلب تسجيل علامة تجارية &amp; &lt;نموذج ١&gt;"
#define FRENCH_NAME "Pouvoir & procuration <déposée à l'Office>"
#define FRENCH_ESCAPED "Pouvoir &amp; procuration &lt;déposée à l'Office&gt;"

static char v6_dir[4096];
static bool have_schemas;

/* Compiled schemas by basename, loaded on first use (compiling one takes seconds). */
static struct {
	const char *name;
	struct schema *s;
} schemas[] = {
	{ "ApplicationBody_V6_0.xsd", NULL },	{ "TrademarkApplication_V6_0.xsd", NULL },
	{ "DesignApplication_V6_0.xsd", NULL }, { "Common_V6_0.xsd", NULL },
	{ "BibliographicData_V6_0.xsd", NULL }, { "Patent_V6_0.xsd", NULL },
};

static struct schema *schema_named(const char *name)
{
	char path[4200];

	for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
		if (strcmp(schemas[i].name, name) != 0)
			continue;
		if (!schemas[i].s) {
			snprintf(path, sizeof(path), "%s/%s", v6_dir, name);
			assert_int_equal(schema_load(path, &schemas[i].s), 0);
		}
		return schemas[i].s;
	}
	fail_msg("no schema '%s' in the test's list", name);
	return NULL;
}

static void need_schemas(void)
{
	if (!have_schemas) {
		print_message("FOLIO_SHARED/st96/V6_0 not found: skipped\n");
		skip();
	}
}

static char *read_file(const char *path, size_t *ret_len)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	*ret_len = (size_t)st.st_size;
	return buf;
}

static const struct st96_page three_pages[] = {
	{ "P0001.tif", "TIFF", 2480, 3508, 300, 1, false, "P0001.txt" },
	{ "P0002.jpg", "JPEG", 2480, 3508, 300, 8, true, NULL },
	{ "P0003.jpg", "JPEG", 1240, 1754, 150, 8, false, "P0003.txt" },
};

static struct st96_document sample(enum ip_type t)
{
	static const char *const st13[] = { "102024000000123", "502024000012345",
					    "802024000000017" };

	return (struct st96_document){
		.ip_type = t,
		.office = "KE",
		.application_number = "KE/X/2024/000123",
		.st13 = st13[t],
		.document_id = "SIM01-B000017-D0001",
		.document_code = "APPFORM",
		.document_name = "Application form",
		.language = "en",
		.received_date = "2024-03-15",
		.loaded_datetime = "2024-03-16T01:30:00Z",
		.n_pages = 3,
		.pages = three_pages,
	};
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Writes @doc, validates it against its IP type's schema, returns the XML. */
static char *write_valid(const struct st96_document *doc)
{
	char why[1024] = "", *xml = NULL;
	size_t len = 0;
	int r;

	assert_int_equal(st96_write(doc, &xml, &len), 0);
	assert_non_null(xml);
	assert_int_equal(strlen(xml), len);
	r = schema_validate(schema_named(st96_schema_for(doc->ip_type)), xml, len, why,
			    sizeof(why));
	if (r != 0)
		fail_msg("%s document invalid (%d): %s\n%s", ip_type_name(doc->ip_type), r, why,
			 xml);
	return xml;
}

static void test_ip_type(void **state)
{
	enum ip_type t = IP_DESIGN;

	(void)state;
	assert_string_equal(ip_type_name(IP_PATENT), "patent");
	assert_string_equal(ip_type_name(IP_TRADEMARK), "trademark");
	assert_string_equal(ip_type_name(IP_DESIGN), "design");
	assert_string_equal(ip_type_name((enum ip_type)9), "unknown");
	assert_int_equal(ip_type_parse("trademark", &t), 0);
	assert_int_equal(t, IP_TRADEMARK);
	assert_int_equal(ip_type_parse("patent", &t), 0);
	assert_int_equal(t, IP_PATENT);
	assert_int_equal(ip_type_parse("Patent", &t), -EINVAL);
	assert_int_equal(ip_type_parse("", &t), -EINVAL);
	assert_int_equal(ip_type_parse(NULL, &t), -EINVAL);
	assert_int_equal(t, IP_PATENT);
	assert_string_equal(st96_schema_for(IP_PATENT), "ApplicationBody_V6_0.xsd");
	assert_string_equal(st96_schema_for(IP_TRADEMARK), "TrademarkApplication_V6_0.xsd");
	assert_string_equal(st96_schema_for(IP_DESIGN), "DesignApplication_V6_0.xsd");
	assert_null(st96_schema_for((enum ip_type)3));
}

/* Every IP type, 1 and 3 pages, every combination of numbers, three kinds of name. */
static void test_generated_documents_validate(void **state)
{
	static const char *const names[] = { ARABIC_NAME, FRENCH_NAME, NULL };
	static const char *const escaped[] = { ARABIC_ESCAPED, FRENCH_ESCAPED, "APPFORM" };

	(void)state;
	need_schemas();
	/* c runs over IP type (3) x pages 1 or 3 (2) x numbers given (4) x name (3). */
	for (int c = 0; c < 3 * 2 * 4 * 3; c++) {
		enum ip_type t = (enum ip_type)(c / 24);
		size_t pages = (c / 12) % 2 ? 3 : 1;
		int numbers = (c / 3) % 4;
		size_t n = (size_t)c % 3;
		struct st96_document d = sample(t);
		char *xml;

		d.n_pages = pages;
		if (!(numbers & 1))
			d.application_number = NULL;
		if (!(numbers & 2))
			d.st13 = NULL;
		d.document_name = names[n];
		d.language = n == 0 ? "ar" : n == 1 ? "fr" : "en";
		if (n == 2)
			d.received_date = NULL;
		xml = write_valid(&d);

		/* What an office would look for is there, intact. */
		assert_int_equal(count(xml, "P0001.tif"), 1);
		assert_int_equal(count(xml, "P0003.jpg"), pages == 3);
		if (t == IP_PATENT) {
			assert_int_equal(count(xml, "<pat:PageImage "), pages);
		} else {
			assert_non_null(strstr(xml, escaped[n]));
			assert_int_equal(count(xml, "P0001.txt"), 1);
			if (d.st13)
				assert_non_null(strstr(xml, d.st13));
		}
		if (t == IP_TRADEMARK && d.application_number)
			assert_non_null(strstr(xml, d.application_number));
		free(xml);
	}
}

static void test_trademark_fields(void **state)
{
	struct st96_document d = sample(IP_TRADEMARK);
	char *xml;

	(void)state;
	need_schemas();
	xml = write_valid(&d);
	assert_non_null(strstr(xml, "<tmk:TrademarkApplication "));
	assert_non_null(strstr(xml, "<com:ReceivingOfficeCode>KE</com:ReceivingOfficeCode>"));
	assert_non_null(strstr(xml, "<com:ST13ApplicationNumber>502024000012345<"));
	assert_non_null(strstr(xml, "<com:ApplicationNumberText>KE/X/2024/000123<"));
	assert_non_null(strstr(xml, "<com:DocumentReceivedDate>2024-03-15<"));
	assert_non_null(strstr(xml, "<com:DocumentLoadedDateTime>2024-03-16T01:30:00Z<"));
	assert_non_null(strstr(xml, "<tmk:TrademarkDocumentCode>APPFORM<"));
	assert_non_null(strstr(xml, "<com:PageTotalQuantity>3<"));
	assert_non_null(strstr(xml, "<com:DocumentMediaCategory>Paper<"));
	assert_non_null(strstr(xml, ">SIM01-B000017-D0001</com:DocumentIdentifier>"));
	assert_non_null(strstr(xml, "2480 x 3508 px, 300 dpi, 1-bit black and white"));
	assert_non_null(strstr(xml, "1240 x 1754 px, 150 dpi, 8-bit greyscale"));
	assert_int_equal(count(xml, "<com:DocumentFormatCategory>Text<"), 2);
	free(xml);
}

static void test_patent_fields(void **state)
{
	struct st96_document d = sample(IP_PATENT);
	char *xml;

	(void)state;
	need_schemas();
	xml = write_valid(&d);
	assert_non_null(strstr(xml, "com:receivingOffice=\"KE\""));
	assert_non_null(strstr(xml, "com:id=\"SIM01-B000017-D0001\""));
	assert_non_null(strstr(xml, "<com:HeightMeasure com:measureUnitCode=\"Px\">3508<"));
	assert_int_equal(count(xml, "<com:ColourModeCategory>Black and white<"), 1);
	assert_int_equal(count(xml, "<com:ColourModeCategory>Colour<"), 1);
	assert_int_equal(count(xml, "<com:ColourModeCategory>Greyscale<"), 1);
	assert_non_null(strstr(xml, "pat:firstPageNumber=\"3\" pat:lastPageNumber=\"3\""));
	free(xml);
}

/* Writes @part of @doc, validates it against the part's schema, returns the XML. */
static char *write_part_valid(const struct st96_document *doc, enum st96_part part)
{
	char why[1024] = "", *xml = NULL;
	size_t len = 0;
	int r;

	assert_int_equal(st96_write_part(doc, part, &xml, &len), 0);
	r = schema_validate(schema_named(st96_part_schema(doc->ip_type, part)), xml, len, why,
			    sizeof(why));
	if (r != 0)
		fail_msg("%s part %d invalid (%d): %s\n%s", ip_type_name(doc->ip_type), (int)part,
			 r, why, xml);
	return xml;
}

static const struct st96_page layout_pages[] = {
	{ "P0001.tif", "TIFF", 2480, 3508, 300, 1, false, "P0001.txt", "P0001.hocr", NULL,
	  "P0001.pdf" },
	{ "P0002.tif", "TIFF", 2480, 3508, 300, 1, false, "P0002.txt", NULL, "P0002.alto.xml",
	  NULL },
};

/* A patent's index is in bibliographic.xml, its files in files.xml; both validate. */
static void test_patent_parts(void **state)
{
	struct st96_document d = sample(IP_PATENT);
	char *xml = (char *)"untouched";

	(void)state;
	need_schemas();
	assert_string_equal(st96_part_file(IP_PATENT, ST96_PART_BIBLIOGRAPHIC),
			    "bibliographic.xml");
	assert_string_equal(st96_part_file(IP_PATENT, ST96_PART_FILES), "files.xml");
	assert_string_equal(st96_part_file(IP_DESIGN, ST96_PART_DOCUMENT), "document.xml");
	assert_null(st96_part_file(IP_TRADEMARK, ST96_PART_FILES));
	assert_null(st96_part_file(IP_PATENT, ST96_N_PARTS));
	assert_int_equal(st96_write_part(&d, ST96_PART_FILES + 0, &xml, NULL), 0);
	free(xml);
	{
		struct st96_document t = sample(IP_TRADEMARK);

		xml = (char *)"untouched";
		assert_int_equal(st96_write_part(&t, ST96_PART_BIBLIOGRAPHIC, &xml, NULL), -EINVAL);
		assert_string_equal(xml, "untouched");
	}

	d.language = "sw";
	d.pages = layout_pages;
	d.n_pages = 2;
	xml = write_part_valid(&d, ST96_PART_BIBLIOGRAPHIC);
	assert_non_null(strstr(xml, "<pat:BibliographicData "));
	assert_non_null(strstr(xml, "com:officeCode=\"KE\""));
	assert_non_null(strstr(xml, "<com:IPOfficeCode>KE</com:IPOfficeCode>"));
	assert_non_null(strstr(xml, "<com:ST13ApplicationNumber>102024000000123<"));
	assert_non_null(strstr(xml, "<com:FilingLanguageCode>sw<"));
	assert_non_null(strstr(xml, "<com:ReceivingOfficeDate>2024-03-15<"));
	free(xml);

	xml = write_part_valid(&d, ST96_PART_FILES);
	assert_non_null(strstr(xml, "<com:DocumentIncludedBag "));
	assert_non_null(strstr(xml, "<com:DocumentKindCategory>APPFORM<"));
	assert_non_null(strstr(xml, "application number KE/X/2024/000123"));
	assert_non_null(strstr(xml, "received 2024-03-15"));
	assert_non_null(strstr(xml, "<com:FileName>P0001.txt<"));
	assert_non_null(strstr(xml, "<com:FileName>P0001.hocr<"));
	assert_non_null(strstr(xml, "<com:FileName>P0002.alto.xml<"));
	assert_non_null(strstr(xml, "<com:FileName>P0001.pdf<"));
	assert_int_equal(count(xml, "com:languageCode=\"sw\""), 8);
	free(xml);

	/* Without any number the application number is empty: not yet assigned. */
	d.st13 = NULL;
	d.application_number = NULL;
	xml = write_part_valid(&d, ST96_PART_BIBLIOGRAPHIC);
	assert_non_null(strstr(xml, "<com:ApplicationNumberText></com:ApplicationNumberText>"));
	free(xml);
}

/* @b follows @a within the same com:DocumentIncluded. */
static bool in_same_entry(const char *xml, const char *a, const char *b)
{
	const char *p = strstr(xml, a), *end, *q;

	if (!p)
		return false;
	end = strstr(p, "</com:DocumentIncluded>");
	q = strstr(p, b);
	return end && q && q < end;
}

/* A sample document of IP type @t with @n @pages, written and valid (a patent's files part). */
static char *write_pages_valid(enum ip_type t, const struct st96_page *pages, size_t n)
{
	struct st96_document d = sample(t);

	d.pages = pages;
	d.n_pages = n;
	return t == IP_PATENT ? write_part_valid(&d, ST96_PART_FILES) : write_valid(&d);
}

/* Trademark and design name every page's hOCR, ALTO and PDF where there is one. */
static void test_layout_files_named(void **state)
{
	(void)state;
	need_schemas();
	for (int t = IP_TRADEMARK; t <= IP_DESIGN; t++) {
		struct st96_document d = sample((enum ip_type)t);
		char *xml;

		d.pages = layout_pages;
		d.n_pages = 2;
		xml = write_valid(&d);
		assert_true(in_same_entry(xml, "<com:FileName>P0001.hocr<",
					  "<com:DocumentFormatCategory>HTML<"));
		assert_true(in_same_entry(xml, "<com:FileName>P0002.alto.xml<",
					  "<com:DocumentFormatCategory>XML<"));
		assert_non_null(strstr(xml, "<com:FileName>P0001.pdf</com:FileName>"));
		assert_null(strstr(xml, "P0002.hocr"));
		free(xml);
	}
}

/* A page whose OCR failed for good says so in its image entry, for every IP type. */
static void test_ocr_failed_marked(void **state)
{
	static const struct st96_page pages[] = {
		{ "P0001.tif", "TIFF", 2480, 3508, 300, 1, false, "P0001.txt" },
		{ "P0002.tif", "TIFF", 2480, 3508, 300, 1, false, NULL, .ocr_failed = true },
	};

	(void)state;
	need_schemas();
	for (int t = IP_PATENT; t <= IP_DESIGN; t++) {
		char *xml = write_pages_valid((enum ip_type)t, pages, 2);

		assert_true(in_same_entry(xml, "<com:FileName>P0002.tif<",
					  "; OCR failed: no text could be recognised<"));
		assert_int_equal(count(xml, "OCR failed"), 1);
		assert_false(in_same_entry(xml, "<com:FileName>P0001.tif<", "OCR failed"));
		free(xml);
	}
}

static void expect_einval(const struct st96_document *d, const char *what)
{
	char *xml = (char *)"untouched";
	size_t len = 4711;
	int r = st96_write(d, &xml, &len);

	if (r != -EINVAL)
		fail_msg("%s: st96_write gave %d, not -EINVAL", what, r);
	assert_string_equal(xml, "untouched");
	assert_int_equal(len, 4711);
}

/*
 * Pages in one multi-page TIFF: every page names the file, its image entry carries its page
 * number in the file and its SHA-256 (valid ST.96 for every IP type); a hash that is not 64
 * lower-case hex digits is refused.
 */
static void test_multipage_hashes(void **state)
{
	static const char h1[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			  h2[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
	struct st96_page pages[] = {
		{ "document.tif", "TIFF", 2480, 3508, 300, 1, false, "P0001.txt", .sha256 = h1 },
		{ "document.tif", "TIFF", 2480, 3508, 300, 8, true, NULL, .sha256 = h2 },
	};

	(void)state;
	need_schemas();
	for (int t = IP_PATENT; t <= IP_DESIGN; t++) {
		char *xml = write_pages_valid((enum ip_type)t, pages, 2);

		assert_int_equal(count(xml, "<com:FileName>document.tif<"), 2);
		assert_true(in_same_entry(
		    xml, "<com:DocumentName>Page 1 of 2, image<",
		    "; page 1 of document.tif, image data SHA-256 "
		    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef<"));
		assert_true(in_same_entry(
		    xml, "<com:DocumentName>Page 2 of 2, image<",
		    "; page 2 of document.tif, image data SHA-256 "
		    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210<"));
		free(xml);
	}
	pages[1].sha256 = "FEDCBA9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
	{
		struct st96_document d = sample(IP_TRADEMARK);

		d.pages = pages;
		d.n_pages = 2;
		expect_einval(&d, "an upper-case hash");
		pages[1].sha256 = "fedcba";
		expect_einval(&d, "a short hash");
	}
}

static void test_rejects_unrepresentable(void **state)
{
	struct st96_page pg[1];
	struct st96_document d;

	(void)state;
#define BAD(field, value)                               \
	do {                                            \
		d = sample(IP_TRADEMARK);               \
		d.field = value;                        \
		expect_einval(&d, #field " = " #value); \
	} while (0)
	BAD(office, "ZZ");
	BAD(office, "ke");
	BAD(office, NULL);
	BAD(st13, "102024000000123"); /* a patent number on a trademark */
	BAD(st13, "50202400001234");
	BAD(application_number, "");
	BAD(application_number, "KE\n2024");
	BAD(document_id, NULL);
	BAD(document_id, "1-starts-with-digit");
	BAD(document_id, "has space");
	BAD(document_code, "APP FORM");
	BAD(document_name, "bad \xff utf-8");
	BAD(document_name, "overlong \xc0\xaf slash");
	BAD(document_name, "bell \a");
	BAD(document_name, "");
	BAD(language, "EN");
	BAD(language, "eng");
	BAD(language, NULL);
	BAD(received_date, "2024-02-30");
	BAD(received_date, "2023-02-29");
	BAD(received_date, "15/03/2024");
	BAD(loaded_datetime, "2024-03-16T01:30:00");
	BAD(loaded_datetime, "2024-03-16T24:00:00Z");
	BAD(loaded_datetime, NULL);
	BAD(n_pages, 0);
	BAD(n_pages, ST96_MAX_PAGES + 1);
	BAD(ip_type, (enum ip_type)5);
#undef BAD

#define BADPAGE(field, value)                                   \
	do {                                                    \
		pg[0] = three_pages[0];                         \
		pg[0].field = value;                            \
		d = sample(IP_PATENT);                          \
		d.pages = pg;                                   \
		d.n_pages = 1;                                  \
		expect_einval(&d, "page " #field " = " #value); \
	} while (0)
	BADPAGE(file_name, "../P0001.tif");
	BADPAGE(file_name, "dir/P0001.tif");
	BADPAGE(file_name, ".hidden");
	BADPAGE(file_name, NULL);
	BADPAGE(format, "PDF");
	BADPAGE(format, "tiff");
	BADPAGE(width, 0);
	BADPAGE(dpi, 0);
	BADPAGE(bit_depth, 4);
	BADPAGE(colour, true); /* colour at 1 bit */
	BADPAGE(text_file, "a b.txt");
	BADPAGE(hocr_file, "../P0001.hocr");
	BADPAGE(alto_file, ".alto.xml");
	BADPAGE(pdf_file, "P 1.pdf");
#undef BADPAGE

	d = sample(IP_DESIGN);
	d.pages = NULL;
	expect_einval(&d, "pages = NULL");
	assert_int_equal(st96_write(NULL, &(char *){ NULL }, NULL), -EINVAL);
}

/* A leap day, the 29th of February 2024, is a real date. */
static void test_leap_day(void **state)
{
	struct st96_document d = sample(IP_DESIGN);
	char *xml = NULL;

	(void)state;
	d.received_date = "2024-02-29";
	d.loaded_datetime = "2024-02-29T23:59:59Z";
	assert_int_equal(st96_write(&d, &xml, NULL), 0);
	free(xml);
}

/* Which schema a shared example names in its comment ("..._V6_0.xsd") or implies by its root. */
static const char *schema_of_example(const char *xml)
{
	static char name[64];
	const char *end = strstr(xml, "-->"), *p = strstr(xml, "_V6_0.xsd"), *root;

	if (p && end && p < end) {
		const char *b = p;

		while (b > xml &&
		       ((b[-1] >= 'A' && b[-1] <= 'Z') || (b[-1] >= 'a' && b[-1] <= 'z')))
			b--;
		snprintf(name, sizeof(name), "%.*s_V6_0.xsd", (int)(p - b), b);
		return name;
	}
	for (root = xml; (root = strchr(root, '<')); root++)
		if (root[1] != '?' && root[1] != '!')
			break;
	assert_non_null(root);
	if (strncmp(root, "<pat:ApplicationBody", 20) == 0)
		return "ApplicationBody_V6_0.xsd";
	if (strncmp(root, "<tmk:", 5) == 0)
		return "TrademarkApplication_V6_0.xsd";
	if (strncmp(root, "<dgn:", 5) == 0)
		return "DesignApplication_V6_0.xsd";
	if (strncmp(root, "<com:", 5) == 0)
		return "Common_V6_0.xsd";
	fail_msg("cannot tell the schema of an example starting '%.40s'", root);
	return NULL;
}

/* Validates every *.xml in FOLIO_SHARED/st96/<sub>; returns how many there were. */
static int validate_examples(const char *sub, bool expect_valid)
{
	char dir[4200], path[4500], why[1024];
	struct dirent **ents;
	int n, seen = 0;

	snprintf(dir, sizeof(dir), "%s/../../%s", v6_dir, sub);
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		fail_msg("cannot read '%s': %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t len, l = strlen(nm);
		char *xml;
		int r;

		if (l > 4 && strcmp(nm + l - 4, ".xml") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, nm);
			xml = read_file(path, &len);
			r = schema_validate(schema_named(schema_of_example(xml)), xml, len, why,
					    sizeof(why));
			if (expect_valid && r != 0)
				fail_msg("'%s' rejected (%d): %s", path, r, why);
			if (!expect_valid) {
				if (r != -FOLIO_ESCHEMA)
					fail_msg("'%s' gave %d, not -FOLIO_ESCHEMA", path, r);
				assert_true(strncmp(why, "line ", 5) == 0);
				assert_null(strchr(why, '\n'));
				print_message("rejected %s: %s\n", nm, why);
			}
			free(xml);
			seen++;
		}
		free(ents[i]);
	}
	free(ents);
	return seen;
}

static void test_negative_examples_rejected(void **state)
{
	(void)state;
	need_schemas();
	assert_true(validate_examples("st96/examples/negative", false) >= 6);
}

static void test_positive_examples_accepted(void **state)
{
	(void)state;
	need_schemas();
	assert_true(validate_examples("st96/examples", true) >= 5);
	assert_true(validate_examples("st96/wipo-examples", true) >= 2);
}

/* Runs schema_validate with stderr captured; fails if libxml2 printed anything. */
static int validate_silently(struct schema *s, const char *xml, char *why, size_t why_size)
{
	char tmpl[] = "st96-stderr-XXXXXX";
	int fd = mkstemp(tmpl), saved = dup(STDERR_FILENO), r;
	struct stat st;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	r = schema_validate(s, xml, strlen(xml), why, why_size);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(tmpl);
	if (st.st_size != 0)
		fail_msg("schema_validate printed %lld bytes", (long long)st.st_size);
	return r;
}

static void test_malformed_and_hostile(void **state)
{
	struct schema *s;
	char why[512];

	(void)state;
	need_schemas();
	s = schema_named("TrademarkApplication_V6_0.xsd");

	assert_int_equal(validate_silently(s, "<tmk:TrademarkApplication", why, sizeof(why)),
			 -FOLIO_EFORMAT);
	assert_true(strncmp(why, "line ", 5) == 0);
	assert_int_equal(validate_silently(s, "", why, sizeof(why)), -FOLIO_EFORMAT);
	assert_int_equal(validate_silently(s, "<a><b></a>", why, sizeof(why)), -FOLIO_EFORMAT);
	/* Well-formed, wrong root: a schema problem, reported with a line. */
	assert_int_equal(validate_silently(s, "<?xml version=\"1.0\"?>\n<a/>", why, sizeof(why)),
			 -FOLIO_ESCHEMA);
	assert_true(strncmp(why, "line 2: ", 8) == 0);
	/* External entities and DTDs are never fetched: no file is read, nothing validates. */
	assert_true(validate_silently(s,
				      "<?xml version=\"1.0\"?>\n"
				      "<!DOCTYPE a SYSTEM \"http://example.invalid/a.dtd\" [\n"
				      "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
				      "<a>&x;</a>",
				      why, sizeof(why)) < 0);
	/* A NULL why is fine. */
	assert_int_equal(validate_silently(s, "<a", NULL, 0), -FOLIO_EFORMAT);
	assert_int_equal(schema_validate(NULL, "<a/>", 4, NULL, 0), -EINVAL);
}

static void test_schema_load_errors(void **state)
{
	char path[4200];
	struct schema *s = (struct schema *)&s;

	(void)state;
	assert_int_equal(schema_load("/nonexistent/folio/x.xsd", &s), -ENOENT);
	assert_ptr_equal(s, (struct schema *)&s);
	assert_null(schema_free(NULL));
	need_schemas();
	/* An XML file that is no schema. */
	snprintf(path, sizeof(path), "%s/../../st96/examples/trademark-st13.xml", v6_dir);
	assert_int_equal(schema_load(path, &s), -FOLIO_ESCHEMA);
	assert_ptr_equal(s, (struct schema *)&s);
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++)
		schemas[i].s = schema_free(schemas[i].s);
	return 0;
}

int main(void)
{
	const char *shared = getenv("FOLIO_SHARED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_type),
		cmocka_unit_test(test_rejects_unrepresentable),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_schema_load_errors),
		cmocka_unit_test(test_generated_documents_validate),
		cmocka_unit_test(test_trademark_fields),
		cmocka_unit_test(test_patent_fields),
		cmocka_unit_test(test_patent_parts),
		cmocka_unit_test(test_layout_files_named),
		cmocka_unit_test(test_ocr_failed_marked),
		cmocka_unit_test(test_multipage_hashes),
		cmocka_unit_test(test_negative_examples_rejected),
		cmocka_unit_test(test_positive_examples_accepted),
		cmocka_unit_test(test_malformed_and_hostile),
	};
	int failed;

	if (shared) {
		snprintf(v6_dir, sizeof(v6_dir), "%s/st96/V6_0", shared);
		have_schemas = access(v6_dir, R_OK) == 0;
	}
	failed = cmocka_run_group_tests_name("st96", tests, NULL, teardown);
	if (failed == 0 && !have_schemas) {
		printf("FOLIO_SHARED/st96/V6_0 is missing: the schema tests were skipped\n");
		return 77;
	}
	return failed;
}
