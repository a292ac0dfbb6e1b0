/*
 * The verifier's reader of a document's PDF (firmware/package/pdfcheck.c): it counts the pages
 * of PDFs laid out as the station's writer lays them out (a Flate object stream holding the
 * dictionaries, a Flate cross-reference stream), and refuses a page tree whose /Count and
 * /Kids disagree, a kid that is no page, a damaged stream, a cross-reference pointing
 * elsewhere and a truncated file, each with its reason. The PDFs are made here, byte by byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/package/pdfcheck.h"

#define MAX_OBJ 16

struct out {
	char buf[65536];
	size_t n;
};

static void put(struct out *o, const void *d, size_t n)
{
	assert_true(o->n + n <= sizeof(o->buf));
	memcpy(o->buf + o->n, d, n);
	o->n += n;
}

static void putf(struct out *o, const char *fmt, ...) _printf_(2, 3);
static void putf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->n, sizeof(o->buf) - o->n, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(o->buf) - o->n);
	o->n += (size_t)n;
}

/* A Flate stream object @id holding @data, @dict before its Filter and Length. */
static void flate(struct out *o, unsigned id, const char *dict, const void *data, size_t len)
{
	uLongf zlen = compressBound((uLong)len);
	unsigned char z[16384];

	assert_true(zlen <= sizeof(z));
	assert_int_equal(compress2(z, &zlen, data, (uLong)len, 9), Z_OK);
	putf(o, "%u 0 obj\n<< %s /Filter /FlateDecode /Length %lu >>\nstream\n", id, dict,
	     (unsigned long)zlen);
	put(o, z, zlen);
	putf(o, "\nendstream\nendobj\n");
}

/*
 * A PDF whose dictionaries 1..@n are @dicts (object 1 the page tree, @n the catalog), in an
 * object stream @n+1, with the cross-reference stream @n+2 after it.
 */
static void make_pdf(struct out *o, const char *const *dicts, unsigned n)
{
	char head[512], body[8192];
	unsigned char x[7 * (MAX_OBJ + 3)] = { 0 };
	size_t hl = 0, bl = 0;
	long stm_at, xref_at;
	char dict[128];

	o->n = 0;
	putf(o, "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n");
	for (unsigned i = 0; i < n; i++) {
		hl += (size_t)snprintf(head + hl, sizeof(head) - hl, "%u %zu\n", i + 1, bl);
		bl += (size_t)snprintf(body + bl, sizeof(body) - bl, "%s\n", dicts[i]);
	}
	memmove(body + hl, body, bl);
	memcpy(body, head, hl);
	stm_at = (long)o->n;
	snprintf(dict, sizeof(dict), "/Type /ObjStm /N %u /First %zu", n, hl);
	flate(o, n + 1, dict, body, hl + bl);
	xref_at = (long)o->n;
	x[6] = 0xff;
	x[5] = 0xff;
	for (unsigned i = 1; i <= n; i++) {
		unsigned char *e = x + 7 * i;

		e[0] = 2;
		e[4] = (unsigned char)(n + 1);
		e[6] = (unsigned char)(i - 1);
	}
	x[7 * (n + 1)] = 1;
	x[7 * (n + 1) + 3] = (unsigned char)(stm_at >> 8);
	x[7 * (n + 1) + 4] = (unsigned char)stm_at;
	x[7 * (n + 2)] = 1;
	x[7 * (n + 2) + 3] = (unsigned char)(xref_at >> 8);
	x[7 * (n + 2) + 4] = (unsigned char)xref_at;
	snprintf(dict, sizeof(dict), "/Type /XRef /Size %u /W [1 4 2] /Root %u 0 R /ID [<00> <00>]",
		 n + 3, n);
	flate(o, n + 2, dict, x, 7 * (size_t)(n + 3));
	putf(o, "startxref\n%ld\n%%%%EOF\n", xref_at);
}

static int count(const struct out *o, uint32_t *pages, char *why, size_t size)
{
	int fd = memfd_create("pdf", MFD_CLOEXEC), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, o->buf, o->n), (ssize_t)o->n);
	r = pdfcheck_pages(fd, o->n, pages, why, size);
	close(fd);
	return r;
}

static void expect_refused(const struct out *o, const char *reason)
{
	uint32_t pages = 0;
	char why[200] = "";

	assert_int_equal(count(o, &pages, why, sizeof(why)), -FOLIO_EFORMAT);
	if (!strstr(why, reason))
		fail_msg("refused with '%s', not '%s'", why, reason);
}

static const char *const good[] = {
	"<< /Type /Pages /Count 2 /Kids [ 2 0 R 3 0 R ] >>",
	"<< /Type /Page /Parent 1 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 9 0 R >> >> >>",
	"<< /Type /Page /Parent 1 0 R /MediaBox [0 0 595 842] >>",
	"<< /Type /Catalog /Pages 1 0 R /Lang (en \\) >> /Pages 7 0 R) >>",
};

static void test_counts_pages(void **state)
{
	struct out o;
	uint32_t pages = 0;
	char why[200];

	(void)state;
	make_pdf(&o, good, 4);
	assert_int_equal(count(&o, &pages, why, sizeof(why)), 0);
	assert_int_equal(pages, 2);
}

static void test_refuses(void **state)
{
	static const struct {
		unsigned object; /* which of good[] is replaced */
		const char *dict, *why;
	} bad[] = {
		{ 0, "<< /Type /Pages /Count 3 /Kids [ 2 0 R 3 0 R ] >>",
		  "/Count says 3 pages, its /Kids list 2" },
		{ 0, "<< /Type /Pages /Count 1 /Kids [ 2 0 R 3 0 R ] >>",
		  "lists more pages than its /Count of 1" },
		{ 0, "<< /Type /Pages /Count 2 /Kids [ 2 0 R 4 0 R ] >>",
		  "object 4 of the page tree is not a page" },
		{ 0, "<< /Type /Pages /Count 2 /Kids [ 2 0 R 9 0 R ] >>",
		  "object 9 is not a dictionary in the object stream" },
		{ 0, "<< /Type /Pages /Count 02 /Kids [ 2 0 R 3 0 R ] >>", "no /Count and /Kids" },
		{ 3, "<< /Type /Catalog /Lang (en) >>", "the catalog names no page tree" },
	};
	struct out o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *d[4];

		memcpy(d, good, sizeof(d));
		d[bad[i].object] = bad[i].dict;
		make_pdf(&o, d, 4);
		expect_refused(&o, bad[i].why);
	}

	/* damage outside the dictionaries */
	make_pdf(&o, good, 4);
	o.n -= 7;
	expect_refused(&o, "does not end with %%EOF");
	make_pdf(&o, good, 4);
	memcpy(o.buf, "%PDX", 4);
	expect_refused(&o, "not a PDF");
	make_pdf(&o, good, 4);
	{
		char *s = memmem(o.buf, o.n, "stream\n", 7);

		assert_non_null(s);
		s[10] ^= 0x55; /* inside the object stream's compressed bytes */
	}
	expect_refused(&o, "is damaged");
	make_pdf(&o, good, 4);
	{
		char *s = memmem(o.buf, o.n, "startxref\n", 10);

		assert_non_null(s);
		s[10] = s[10] == '9' ? '8' : (char)(s[10] + 1); /* points elsewhere */
	}
	expect_refused(&o, "where"); /* no object there, or not the one the number says */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_pages),
		cmocka_unit_test(test_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
