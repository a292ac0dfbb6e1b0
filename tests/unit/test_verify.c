/*
 * Packages and the office's verifier: a signed export verifies, and every way of tampering
 * with it is caught (a byte of an image, of the XML, of the manifest; a file removed, added,
 * renamed or replaced by a link; the wrong key; a truncated or missing signature; a manifest
 * re-hashed without the key) as are a station's own mistakes re-signed with the right key
 * (page counts, sizes, schema validity). Runs in the test's scratch folder.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/image/encode.h"
#include "firmware/package/export.h"
#include "firmware/package/st96.h"
#include "firmware/package/sign.h"
#include "firmware/package/verify.h"

static struct store *store;
static struct folio_config cfg;
static uint32_t batch;
static char schemas[PATH_MAX];
static int n_exports;

static int fake_text(void *user, uint32_t b, uint32_t page, struct export_page_text *ret)
{
	(void)user;
	(void)b;
	*ret = (struct export_page_text){ 0 };
	if (page == 4) { /* the trademark document's page */
		ret->text = strdup("ORDER FORM\nMark: FOLIO\n");
		ret->text_len = strlen(ret->text);
		ret->layout =
		    strdup("  <div class='ocr_page' id='page_1' title='image \"\"; bbox 0 "
			   "0 96 64; ppageno 0'><span class='ocrx_word' title='bbox 2 2 "
			   "40 20; x_wconf 90'>ORDER</span></div>\n");
		ret->layout_len = strlen(ret->layout);
		ret->layout_ext = "hocr";
	}
	return 0;
}

/* A small real page (G4 TIFF or JPEG, as capture stores them), marked by @content. */
static void add_page(uint32_t doc, const char *format, const char *content, uint32_t flags)
{
	struct page_info p = { .batch = batch,
			       .document = doc,
			       .width = 96,
			       .height = 64,
			       .dpi = 300,
			       .bit_depth = 1,
			       .channels = 1,
			       .flags = flags };
	bool jpeg = strcmp(format, "JPEG") == 0;
	uint8_t pixels[96 * 64] = { 0 };
	struct frame f = { .width = 96,
			   .height = 64,
			   .depth = jpeg ? 8 : 1,
			   .channels = 1,
			   .bytes_per_line = jpeg ? 96 : 12,
			   .dpi = 300,
			   .data = pixels };
	struct encoded_image img = { 0 };
	uint32_t n;

	if (jpeg)
		memset(pixels, 0xff, sizeof(pixels));
	for (size_t i = 0; i < 64 && content[i]; i++) /* a different page for each text */
		pixels[i * f.bytes_per_line + ((unsigned char)content[i] % 8)] = jpeg ? 0 : 0xff;
	assert_int_equal(jpeg ? image_encode_jpeg(&f, 85, &img) : image_encode_g4(&f, NULL, &img),
			 0);
	snprintf(p.format, sizeof(p.format), "%s", format);
	if (jpeg)
		p.bit_depth = 8;
	assert_int_equal(store_page_add(store, "tester", &p, img.data, img.size, &n), 0);
	encoded_image_release(&img);
}

static int setup(void **state)
{
	const char *shared = getenv("FOLIO_SHARED");
	struct batch_info b = { 0 };
	struct document_info d1 = { .batch = 1,
				    .number = 1,
				    .ip_type = IP_PATENT,
				    .office = "KE",
				    .document_code = "APPFORM",
				    .language = "en" };
	struct document_info d2 = { .batch = 1,
				    .number = 2,
				    .ip_type = IP_TRADEMARK,
				    .office = "KE",
				    .application = "502024000012345",
				    .st13 = "502024000012345",
				    .document_code = "TMAPP",
				    .language = "en",
				    .received = "2024-05-02" };
	struct sign_key k;

	(void)state;
	if (config_load_string("t.conf", "[station]\nid = TEST-01\noffice = KE\n", &cfg, NULL))
		return -1;
	if (shared) {
		snprintf(schemas, sizeof(schemas), "%s/st96/V6_0", shared);
		if (access(schemas, R_OK) < 0)
			schemas[0] = '\0';
	}
	if (!schemas[0])
		printf("note: no ST.96 schemas under FOLIO_SHARED: schema checks not run\n");
	if (sign_keygen("keys", &k) < 0 || sign_keygen("other", &k) < 0)
		return -1;
	sign_key_wipe(&k);
	snprintf(cfg.key_file, sizeof(cfg.key_file), "keys/" SIGN_SECRET_FILE);
	if (store_open("store", 64, &store) < 0)
		return -1;
	snprintf(b.device, sizeof(b.device), "test:0");
	if (store_batch_create(store, "tester", &b, &batch) < 0 || batch != 1)
		return -1;
	if (store_document_put(store, "tester", &d1) < 0 ||
	    store_document_put(store, "tester", &d2) < 0)
		return -1;
	add_page(1, "TIFF", "II*\x00 first page of the patent application", 0);
	add_page(1, "TIFF", "II*\x00 second page of the patent application", 0);
	add_page(2, "TIFF", "II*\x00 the cover sheet", PAGE_FLAG_SEPARATOR);
	add_page(2, "JPEG", "\xff\xd8\xff trademark order form", 0);
	/* approval waits for the text of every page */
	for (uint32_t i = 1; i <= 4; i++)
		if (store_ocr_put(store, batch, i, "text", NULL, 90) < 0)
			return -1;
	if (store_batch_set_state(store, batch, BATCH_CLOSED, "tester") < 0)
		return -1;
	return store_batch_set_state(store, batch, BATCH_APPROVED, "supervisor");
}

static int teardown(void **state)
{
	(void)state;
	store_close(store);
	return 0;
}

/* A fresh signed package; its path into @path. */
static void fresh(char *path, size_t size)
{
	struct export_options opt = { .page_text = fake_text };
	struct export_result res;
	char out[32];

	snprintf(out, sizeof(out), "out%d", ++n_exports);
	assert_int_equal(export_batch_with(store, &cfg, batch, out, &opt, &res), 0);
	assert_true(res.is_signed);
	snprintf(path, size, "%.200s", res.path);
}

static bool with_schemas; /* compiling the ST.96 schemas takes seconds: only where needed */

static int verify(const char *pkg, const char *key, struct verify_report *rep)
{
	struct verify_options o = { .key_path = key,
				    .schema_dir = with_schemas && schemas[0] ? schemas : NULL };

	memset(rep, 0, sizeof(*rep));
	return verify_package(pkg, &o, rep);
}

/* The package must fail, and one of its problems must say @text. */
static void expect_problem(const char *pkg, const char *key, const char *text)
{
	static struct verify_report rep;
	int r = verify(pkg, key, &rep);

	if (r != -FOLIO_ECORRUPT)
		fail_msg("%s: verify returned %d, not -FOLIO_ECORRUPT (expected '%s')", pkg, r,
			 text);
	for (size_t i = 0; i < rep.n_problems; i++)
		if (strstr(rep.problems[i], text))
			return;
	for (size_t i = 0; i < rep.n_problems; i++)
		printf("  problem: %s\n", rep.problems[i]);
	fail_msg("%s: no problem says '%s'", pkg, text);
}

static void at(char *buf, size_t size, const char *pkg, const char *rel)
{
	snprintf(buf, size, "%.200s/%.64s", pkg, rel);
}

static void flip_byte(const char *pkg, const char *rel, long offset)
{
	char p[PATH_MAX];
	FILE *f;
	int c;

	at(p, sizeof(p), pkg, rel);
	f = fopen(p, "r+");
	assert_non_null(f);
	fseek(f, offset, SEEK_SET);
	c = fgetc(f);
	fseek(f, offset, SEEK_SET);
	fputc(c == '0' ? '1' : c ^ 0x01, f);
	fclose(f);
}

static void put_file(const char *pkg, const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	at(p, sizeof(p), pkg, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void put_data(const char *pkg, const char *rel, const void *data, size_t len)
{
	char p[PATH_MAX];
	FILE *f;

	at(p, sizeof(p), pkg, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static char *slurp(const char *pkg, const char *rel, size_t *ret_len)
{
	char p[PATH_MAX], *buf;
	struct stat st;
	FILE *f;

	at(p, sizeof(p), pkg, rel);
	assert_int_equal(stat(p, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	buf[st.st_size] = '\0';
	fclose(f);
	*ret_len = (size_t)st.st_size;
	return buf;
}

static void hash_hex(const char *data, size_t len, char hex[65])
{
	uint8_t sum[32];

	crypto_hash_sha256(sum, (const uint8_t *)data, len);
	sodium_bin2hex(hex, 65, sum, 32);
}

/*
 * What a station would write if it made the package this way: both manifests rebuilt from
 * the files the manifest lists (less @drop), sizes off by @size_delta for @bad_size, and
 * signed with the right key.
 */
static void reseal(const char *pkg, const char *drop, const char *bad_size, long size_delta)
{
	char *manifest, *sizes_text, sizes[8192] = "", sums[8192] = "", hex[65];
	char sig[SIGN_LINE_MAX];
	size_t len, sl = 0, ml = 0;
	struct sign_key k;
	int n;

	manifest = slurp(pkg, "MANIFEST.sha256", &len);
	for (char *l = strtok(manifest, "\n"); l; l = strtok(NULL, "\n")) {
		const char *rel = l + 66;
		char *data;
		size_t dl;

		if ((drop && strcmp(rel, drop) == 0) || strcmp(rel, "MANIFEST.sizes") == 0)
			continue;
		data = slurp(pkg, rel, &dl);
		hash_hex(data, dl, hex);
		free(data);
		sl += (size_t)snprintf(
		    sizes + sl, sizeof(sizes) - sl, "%ld  %s\n",
		    (long)dl + (bad_size && strcmp(rel, bad_size) == 0 ? size_delta : 0), rel);
		ml += (size_t)snprintf(sums + ml, sizeof(sums) - ml, "%s  %s\n", hex, rel);
	}
	free(manifest);
	put_file(pkg, "MANIFEST.sizes", sizes);
	sizes_text = slurp(pkg, "MANIFEST.sizes", &len);
	hash_hex(sizes_text, len, hex);
	free(sizes_text);
	ml += (size_t)snprintf(sums + ml, sizeof(sums) - ml, "%s  MANIFEST.sizes\n", hex);
	put_file(pkg, "MANIFEST.sha256", sums);
	assert_int_equal(sign_load_secret("keys/" SIGN_SECRET_FILE, &k), 0);
	n = sign_detached(&k, sums, ml, sig, sizeof(sig));
	assert_true(n > 0);
	put_file(pkg, SIGN_FILE, sig);
	sign_key_wipe(&k);
}

static const char *const pub = "keys/" SIGN_PUBLIC_FILE;

static void test_good_package(void **state)
{
	static struct verify_report rep;
	char pkg[256], p[PATH_MAX];
	size_t len;
	char *xml, *batchtxt;

	(void)state;
	fresh(pkg, sizeof(pkg));
	with_schemas = true;
	if (verify(pkg, pub, &rep) != 0)
		fail_msg("fresh package fails: %s", rep.problems[0]);
	with_schemas = false;
	assert_true(rep.signature_ok);
	assert_int_equal(rep.documents, 2);
	assert_int_equal(rep.pages, 3);
	/* 3 images, 2 XML and a patent's bibliographic.xml and files.xml, 2 PDF, OCR text and
	 * layout (hOCR, ALTO), BATCH.txt, EVENTS.txt, MANIFEST.sizes */
	assert_int_equal(rep.files, 15);
	assert_true(rep.custody_ok);
	assert_int_equal(rep.schemas_checked, schemas[0] != 0);

	/* The cover sheet is not a page; OCR text is there and named in the XML. */
	at(p, sizeof(p), pkg, "D0002/P0002.jpg");
	assert_int_equal(access(p, F_OK), -1);
	at(p, sizeof(p), pkg, "D0002/P0001.hocr");
	assert_int_equal(access(p, F_OK), 0);
	at(p, sizeof(p), pkg, "D0002/P0001.alto.xml");
	assert_int_equal(access(p, F_OK), 0);
	xml = slurp(pkg, "D0002/document.xml", &len);
	assert_non_null(strstr(xml, "P0001.txt"));
	free(xml);
	batchtxt = slurp(pkg, "BATCH.txt", &len);
	assert_non_null(strstr(batchtxt, "signed by: "));
	assert_non_null(strstr(batchtxt, rep.key_id));
	free(batchtxt);
	printf("figure: a signed package of %u documents, %u pages and %u files verifies%s\n",
	       rep.documents, rep.pages, rep.files, schemas[0] ? ", schemas included" : "");
}

static void test_tampering_caught(void **state)
{
	char pkg[256], a[PATH_MAX], b[PATH_MAX];
	unsigned caught = 0;

	(void)state;
	fresh(pkg, sizeof(pkg));
	flip_byte(pkg, "D0001/P0001.tif", 10);
	expect_problem(pkg, pub, "'D0001/P0001.tif' does not match its SHA-256");
	caught++;

	fresh(pkg, sizeof(pkg));
	flip_byte(pkg, "D0001/document.xml", 200);
	expect_problem(pkg, pub, "'D0001/document.xml' does not match its SHA-256");
	caught++;

	fresh(pkg, sizeof(pkg));
	flip_byte(pkg, "MANIFEST.sha256", 5);
	expect_problem(pkg, pub, "bad signature");
	caught++;

	fresh(pkg, sizeof(pkg));
	flip_byte(pkg, "MANIFEST.sizes", 0);
	expect_problem(pkg, pub, "'MANIFEST.sizes' does not match its SHA-256");
	caught++;

	fresh(pkg, sizeof(pkg));
	at(a, sizeof(a), pkg, "D0002/P0001.txt");
	assert_int_equal(unlink(a), 0);
	expect_problem(pkg, pub, "'D0002/P0001.txt' is listed in the manifest but missing");
	caught++;

	fresh(pkg, sizeof(pkg));
	put_file(pkg, "D0001/P0003.tif", "an extra page slipped in");
	expect_problem(pkg, pub, "'D0001/P0003.tif' is in the package but not in the manifest");
	caught++;

	fresh(pkg, sizeof(pkg));
	put_file(pkg, "README", "hello");
	expect_problem(pkg, pub, "'README' is in the package but not in the manifest");
	caught++;

	/* A name with a terminal escape reaches the operator's terminal escaped, never raw. */
	fresh(pkg, sizeof(pkg));
	put_file(pkg,
		 "evil\x1b]2;owned\x07\x9b"
		 "2J",
		 "hello");
	expect_problem(pkg, pub, "unexpected name 'evil\\x1b]2;owned\\x07\\x9b2J'");
	caught++;

	fresh(pkg, sizeof(pkg));
	at(a, sizeof(a), pkg, "D0001/P0002.tif");
	at(b, sizeof(b), pkg, "D0001/P0009.tif");
	assert_int_equal(rename(a, b), 0);
	expect_problem(pkg, pub, "'D0001/P0002.tif' is listed in the manifest but missing");
	expect_problem(pkg, pub, "'D0001/P0009.tif' is in the package but not in the manifest");
	caught++;

	fresh(pkg, sizeof(pkg));
	at(a, sizeof(a), pkg, "D0002/P0001.jpg");
	unlink(a);
	assert_int_equal(symlink("/etc/hostname", a), 0);
	expect_problem(pkg, pub, "'D0002/P0001.jpg' is a symbolic link");
	caught++;

	fresh(pkg, sizeof(pkg));
	expect_problem(pkg, "other/" SIGN_PUBLIC_FILE, "signed by station key");
	caught++;

	/* The same package under another batch's name: a replay. */
	fresh(pkg, sizeof(pkg));
	snprintf(a, sizeof(a), "%s", pkg);
	snprintf(b, sizeof(b), "%.*s-B000002", (int)(strlen(pkg) - 8), pkg);
	assert_int_equal(rename(a, b), 0);
	expect_problem(b, pub, "a copied, renamed or replayed package");
	caught++;

	fresh(pkg, sizeof(pkg));
	at(a, sizeof(a), pkg, "EVENTS.txt");
	unlink(a);
	expect_problem(pkg, pub, "EVENTS.txt: missing: the package carries no chain of custody");
	caught++;

	fresh(pkg, sizeof(pkg));
	at(a, sizeof(a), pkg, SIGN_FILE);
	assert_int_equal(truncate(a, 100), 0);
	expect_problem(pkg, pub, "not a signature line");
	caught++;

	fresh(pkg, sizeof(pkg));
	at(a, sizeof(a), pkg, SIGN_FILE);
	assert_int_equal(unlink(a), 0);
	expect_problem(pkg, pub, "not signed");
	caught++;

	/* An image replaced and its manifest line updated, without the station's key. */
	fresh(pkg, sizeof(pkg));
	{
		char *m, hex[65], *line;
		size_t len;

		put_file(pkg, "D0001/P0001.tif", "forged page");
		hash_hex("forged page", 11, hex);
		m = slurp(pkg, "MANIFEST.sha256", &len);
		line = strstr(m, "  D0001/P0001.tif");
		assert_non_null(line);
		memcpy(line - 64, hex, 64);
		put_file(pkg, "MANIFEST.sha256", m);
		free(m);
	}
	expect_problem(pkg, pub, "bad signature");
	caught++;
	printf("figure: %u kinds of tampering, all caught\n", caught);
}

static void test_station_mistakes_caught(void **state)
{
	char pkg[256], a[PATH_MAX];

	(void)state;
	/* A page image lost but everything re-signed: the XML still counts it. */
	fresh(pkg, sizeof(pkg));
	at(a, sizeof(a), pkg, "D0001/P0002.tif");
	unlink(a);
	reseal(pkg, "D0001/P0002.tif", NULL, 0);
	expect_problem(pkg, pub, "lists 2 pages, the folder has 1");
	expect_problem(pkg, pub, "names 'P0002.tif', which is not in the package");

	/* A wrong size in MANIFEST.sizes. */
	fresh(pkg, sizeof(pkg));
	reseal(pkg, NULL, "BATCH.txt", 3);
	expect_problem(pkg, pub, "MANIFEST.sizes says");

	/* BATCH.txt counting other documents. */
	fresh(pkg, sizeof(pkg));
	{
		size_t len;
		char *b = slurp(pkg, "BATCH.txt", &len), *d = strstr(b, "\ndocuments: ");

		assert_non_null(d);
		d[12] = '3'; /* one digit: the test's batch has 3 documents at most */
		put_file(pkg, "BATCH.txt", b);
		free(b);
	}
	reseal(pkg, NULL, NULL, 0);
	expect_problem(pkg, pub, "BATCH.txt counts 3 documents");

	/* XML that is well-formed but not ST.96. */
	if (schemas[0]) {
		char *xml, *end, *bad;
		size_t len;

		fresh(pkg, sizeof(pkg));
		xml = slurp(pkg, "D0001/document.xml", &len);
		end = strstr(xml, "</pat:ApplicationBody>");
		assert_non_null(end);
		*end = '\0';
		bad = malloc(len + 64);
		snprintf(bad, len + 64, "%s<pat:Bogus/></pat:ApplicationBody>\n", xml);
		put_file(pkg, "D0001/document.xml", bad);
		free(bad);
		free(xml);
		reseal(pkg, NULL, NULL, 0);
		with_schemas = true;
		expect_problem(pkg, pub, "is not valid ST.96");
		with_schemas = false;
	}
}

static void test_unsigned_and_unusable(void **state)
{
	static struct verify_report rep;
	struct export_options opt = { .key_file = "", .page_text = fake_text };
	struct export_result res;

	(void)state;
	assert_int_equal(export_batch_with(store, &cfg, batch, "unsigned", &opt, &res), 0);
	assert_false(res.is_signed);
	expect_problem(res.path, pub, "not signed");

	/* No package, no key, a public key given as secret. */
	assert_int_equal(verify("no-such-folder", pub, &rep), -ENOENT);
	assert_int_equal(verify(res.path, "keys/" SIGN_SECRET_FILE, &rep), -FOLIO_EFORMAT);
	expect_problem(".", pub, "MANIFEST.sha256: missing");

	/* A secret key others can read stops the export, leaving nothing behind. */
	chmod("keys/" SIGN_SECRET_FILE, 0644);
	assert_int_equal(export_batch(store, &cfg, batch, "refused", &res), -EPERM);
	chmod("keys/" SIGN_SECRET_FILE, 0600);
	{
		DIR *d = opendir("refused");
		struct dirent *e;
		int n = 0;

		while (d && (e = readdir(d)))
			n += e->d_name[0] != '.';
		if (d)
			closedir(d);
		assert_int_equal(n, 0);
	}
}

/* The searchable PDFs: page counts against the page images, a PDF the writer makes. */
static void test_pdf_checked(void **state)
{
	static struct verify_report rep;
	char pkg[256];
	char *pdf, *xml, *at_name;
	size_t len;

	(void)state;
	fresh(pkg, sizeof(pkg));
	assert_int_equal(verify(pkg, pub, &rep), 0);
	assert_int_equal(rep.pdfs, 2);

	/* the trademark's one-page PDF as the patent's (two pages), re-signed */
	pdf = slurp(pkg, "D0002/document.pdf", &len);
	put_data(pkg, "D0001/document.pdf", pdf, len);
	reseal(pkg, NULL, NULL, 0);
	expect_problem(pkg, pub, "'D0001/document.pdf' has 1 page, the document has 2 page images");

	/* cut short, or not a PDF at all */
	fresh(pkg, sizeof(pkg));
	put_data(pkg, "D0001/document.pdf", pdf, len - 7);
	reseal(pkg, NULL, NULL, 0);
	expect_problem(pkg, pub,
		       "is not a PDF the station writes: the PDF does not end with %%EOF");
	fresh(pkg, sizeof(pkg));
	put_file(pkg, "D0002/document.pdf",
		 "<html>not a pdf, but long enough to be looked at....."
		 "..............................</html>\n");
	reseal(pkg, NULL, NULL, 0);
	expect_problem(pkg, pub, "'D0002/document.pdf' is not a PDF the station writes: not a PDF");
	free(pdf);

	/* a PDF the XML does not name */
	fresh(pkg, sizeof(pkg));
	xml = slurp(pkg, "D0002/document.xml", &len);
	while ((at_name = strstr(xml, ">document.pdf<")))
		memcpy(at_name + 1, "documenx", 8);
	put_file(pkg, "D0002/document.xml", xml);
	free(xml);
	reseal(pkg, NULL, NULL, 0);
	expect_problem(
	    pkg, pub, "'D0002/document.pdf' is in the package but no XML of the document names it");
}

/* BATCH.txt is read strictly: each bad field is refused in one line that names it. */
static void test_batch_strict(void **state)
{
	static const char good[] = "station: SIM-01\nstore: 0123456789abcdef\noffice: KE\n"
				   "batch: 3\ncreated: 2026-12-04T10:00:00Z\ndevice: folio:/x\n"
				   "profile: bitonal\ndocuments: 2\npages: 5\n"
				   "signed by: 0123456789abcdef\npages with text: 4\n"
				   "ocr-failed: D0002/P0005.tif\nscanner pages fed: 120\n"
				   "scanner jams: 0\nscanner double feeds: 1\nscanner hours: 1.5\n"
				   "a later field: anything\n";
	static const struct {
		const char *from, *to, *why;
	} bad[] = {
		{ "batch: 3\n", "batch: 3abc\n", "'batch' is '3abc', not a whole number" },
		{ "batch: 3\n", "batch: +3\n", "'batch' is '+3'" },
		{ "batch: 3\n", "batch: -3\n", "'batch' is '-3'" },
		{ "batch: 3\n", "batch:  3\n", "'batch' is ' 3'" },
		{ "batch: 3\n", "batch: 03\n", "'batch' is '03'" },
		{ "batch: 3\n", "batch: 0\n", "'batch' is '0'" },
		{ "batch: 3\n", "batch: 4294967296\n", "'batch' is '4294967296'" },
		{ "batch: 3\n", "batch: 3 \n", "'batch' is '3 '" },
		{ "batch: 3\n", "", "has no 'batch' line" },
		{ "batch: 3\n", "batch: 3\nbatch: 4\n", "gives 'batch' again" },
		{ "documents: 2\n", "documents: 2x\n", "'documents' is '2x'" },
		{ "pages: 5\n", "pages: 0x5\n", "'pages' is '0x5'" },
		{ "pages: 5\n", "pages: 999999999\n", "'pages' is '999999999'" },
		{ "station: SIM-01\n", "station: SIM 01\n", "'station' is 'SIM 01'" },
		{ "station: SIM-01\n", "station: \n", "'station' is ''" },
		{ "store: 0123456789abcdef\n", "store: 0123456789ABCDEF\n", "'store' is" },
		{ "store: 0123456789abcdef\n", "store: 0123\n", "'store' is '0123'" },
		{ "office: KE\n", "office: Kenya\n", "'office' is 'Kenya'" },
		{ "T10:00:00Z", "T24:00:00Z", "'created' is" },
		{ "2026-12-04", "2026-02-30", "'created' is" },
		{ "2026-12-04", " 2026-12-4", "'created' is" },
		{ "with text: 4\n", "with text: 6\n", "6 pages with text of 5 pages" },
		{ "P0005.tif", "../x", "'ocr-failed' is" },
		{ "hours: 1.5\n", "hours: 1.55\n", "'scanner hours' is" },
		{ "jams: 0\n", "jams: -0\n", "'scanner jams' is" },
		{ "device: folio:/x\n", "device: folio\x1b[2J\n", "control character" },
		{ "profile: bitonal\n", "profile\n", "line 7 is not 'key: value'" },
		{ "profile: bitonal\n", "Profile: bitonal\n", "is not 'key: value'" },
		{ "hours: 1.5\n", "hours: 1.5", "truncated" },
	};
	struct verify_batch b;
	char why[256], text[1024];

	(void)state;
	assert_int_equal(verify_parse_batch(good, strlen(good), &b, why, sizeof(why)), 0);
	assert_string_equal(b.station, "SIM-01");
	assert_string_equal(b.store, "0123456789abcdef");
	assert_int_equal(b.batch, 3);
	assert_int_equal(b.documents, 2);
	assert_int_equal(b.pages, 5);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *at = strstr(good, bad[i].from);
		int n;

		assert_non_null(at);
		n = snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, bad[i].to,
			     at + strlen(bad[i].from));
		/* the truncated case drops the last line's newline: cut what follows it */
		if (strstr(bad[i].why, "truncated"))
			n = (int)(strstr(text, "hours: 1.5") - text) + 10;
		memset(&b, 0, sizeof(b));
		if (verify_parse_batch(text, (size_t)n, &b, why, sizeof(why)) != -FOLIO_ECORRUPT)
			fail_msg("BATCH.txt with '%s' accepted", bad[i].to);
		if (!strstr(why, bad[i].why))
			fail_msg("BATCH.txt with '%s': '%s', not '%s'", bad[i].to, why, bad[i].why);
	}
	printf("figure: %zu malformed BATCH.txt fields refused, each named\n", ARRAY_SIZE(bad));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_package),
		cmocka_unit_test(test_tampering_caught),
		cmocka_unit_test(test_station_mistakes_caught),
		cmocka_unit_test(test_unsigned_and_unusable),
		cmocka_unit_test(test_batch_strict),
		cmocka_unit_test(test_pdf_checked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
