/* The page count of a document's PDF as the station writes it, read in bounded steps. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "compiler.h"
#include "errors.h"
#include "fileio.h"
#include "firmware/package/pdfcheck.h"

#define TAIL 1024
#define HEAD_MAX 4096 /* "N 0 obj\n<< ... >>\nstream\n" of a stream object */

struct pdf_in {
	int fd;
	uint64_t size;
	char *why;
	size_t why_size;
};

/* A stream object's text: its dictionary and its (inflated) data. */
struct stream {
	char head[HEAD_MAX + 1];
	size_t head_len; /* "<< ... >>" */
	unsigned char *data;
	size_t len;
};

/* Says why @in is not a PDF we accept and returns -FOLIO_EFORMAT. */
#define bad(in, ...) folio_why(-FOLIO_EFORMAT, (in)->why, (in)->why_size, __VA_ARGS__)

static int read_at(struct pdf_in *in, uint64_t at, void *buf, size_t n)
{
	int r;

	if (at > in->size || n > in->size - at)
		return bad(in, "the PDF is truncated: it refers beyond its end");
	r = fd_pread_all(in->fd, buf, n, at);
	return r == -ENODATA ? bad(in, "the PDF is shorter than its size") : r;
}

static bool delim(char c)
{
	return strchr(" \t\r\n\f/<>[]()%", c) || c == '\0';
}

/* A whole non-negative number at *p (before @end), at most @max, followed by a delimiter. */
static bool number(const char **p, const char *end, uint64_t max, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9' ||
	    (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9'))
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	if (s < end && !delim(*s))
		return false;
	*p = s;
	*ret = v;
	return true;
}

static void blanks(const char **p, const char *end)
{
	while (*p < end && strchr(" \t\r\n", **p))
		(*p)++;
}

/* "N 0 R" at *p. */
static bool reference(const char **p, const char *end, uint64_t *ret)
{
	const char *s = *p;
	uint64_t gen;

	if (!number(&s, end, PDFCHECK_MAX_OBJECTS, ret) || s >= end || *s != ' ')
		return false;
	s++;
	if (!number(&s, end, 0, &gen) || end - s < 2 || s[0] != ' ' || s[1] != 'R' ||
	    (end - s > 2 && !delim(s[2])))
		return false;
	*p = s + 2;
	return true;
}

/* Past the string at @s, "(literal)" (nested parentheses, escapes) or "<hex>"; @end at most. */
static const char *skip_string(const char *s, const char *end)
{
	if (*s == '<') {
		while (s < end && *s != '>')
			s++;
		return s < end ? s + 1 : end;
	}
	for (int paren = 0; s < end; s++) {
		if (*s == '\\')
			s++;
		else if (*s == '(')
			paren++;
		else if (*s == ')' && --paren == 0)
			return s + 1;
	}
	return end;
}

/*
 * The value of /@key in dictionary @d (@n bytes from its "<<"), at its top level: skips
 * nested dictionaries, arrays, strings. Returns where the value starts, or NULL.
 */
static const char *dict_get(const char *d, size_t n, const char *key)
{
	const char *end = d + n;
	size_t kl = strlen(key);
	int depth = 0;

	if (n < 4 || d[0] != '<' || d[1] != '<')
		return NULL;
	for (const char *s = d; s < end;) {
		if (s + 1 < end && s[0] == '<' && s[1] == '<') {
			depth++;
			s += 2;
		} else if (s + 1 < end && s[0] == '>' && s[1] == '>') {
			if (--depth == 0)
				return NULL;
			s += 2;
		} else if (*s == '(' || *s == '<') {
			s = skip_string(s, end);
		} else if (*s == '/' && depth == 1 && (size_t)(end - s - 1) >= kl &&
			   memcmp(s + 1, key, kl) == 0 && (s + 1 + kl == end || delim(s[1 + kl]))) {
			s += 1 + kl;
			blanks(&s, end);
			return s;
		} else {
			s++;
		}
	}
	return NULL;
}

static bool dict_number(const char *d, size_t n, const char *key, uint64_t max, uint64_t *ret)
{
	const char *v = dict_get(d, n, key);

	return v && number(&v, d + n, max, ret);
}

static bool dict_name(const char *d, size_t n, const char *key, const char *name)
{
	const char *v = dict_get(d, n, key);
	size_t nl = strlen(name);

	return v && (size_t)(d + n - v) > nl && v[0] == '/' && memcmp(v + 1, name, nl) == 0 &&
	       delim(v[1 + nl]);
}

/* The length of the dictionary "<< ... >>" at @d (nested ones included), 0 when unclosed. */
static size_t dict_len(const char *d, size_t n)
{
	const char *end = d + n;
	int depth = 0;

	if (n < 4 || d[0] != '<' || d[1] != '<')
		return 0;
	for (const char *s = d; s < end;) {
		if (s + 1 < end && s[0] == '<' && s[1] == '<') {
			depth++;
			s += 2;
		} else if (s + 1 < end && s[0] == '>' && s[1] == '>') {
			s += 2;
			if (--depth == 0)
				return (size_t)(s - d);
		} else if (*s == '(' || *s == '<') {
			s = skip_string(s, end);
		} else {
			s++;
		}
	}
	return 0;
}

/* Inflates @z (@zlen bytes) into a new buffer of at most @max bytes. */
static int inflate_all(struct pdf_in *in, const unsigned char *z, size_t zlen, size_t max,
		       unsigned char **ret, size_t *ret_len)
{
	z_stream s = { 0 };
	unsigned char *out = malloc(max ? max : 1);
	int rc;

	if (!out)
		return -ENOMEM;
	if (inflateInit(&s) != Z_OK) {
		free(out);
		return -ENOMEM;
	}
	s.next_in = (unsigned char *)z;
	s.avail_in = (uInt)zlen;
	s.next_out = out;
	s.avail_out = (uInt)max;
	rc = inflate(&s, Z_FINISH);
	inflateEnd(&s);
	if (rc != Z_STREAM_END) {
		free(out);
		return bad(in, "a compressed stream of the PDF %s",
			   rc == Z_BUF_ERROR && s.avail_out == 0 ? "inflates beyond its bound"
								 : "is damaged");
	}
	*ret = out;
	*ret_len = max - s.avail_out;
	return 0;
}

/*
 * The stream object @id at @at: "ID 0 obj\n<< ... /Filter /FlateDecode /Length L >>\nstream\n",
 * L bytes, "\nendstream"; its data inflated into @st (at most @max bytes).
 */
static int read_stream(struct pdf_in *in, uint64_t at, uint64_t id, size_t max, struct stream *st)
{
	char want[32];
	size_t n = (size_t)(in->size - at < HEAD_MAX ? in->size - at : HEAD_MAX), wl, dl;
	unsigned char *z;
	char tail[11] = "";
	uint64_t len;
	int r;

	if (at >= in->size)
		return bad(in, "object %llu is placed beyond the PDF's end",
			   (unsigned long long)id);
	r = read_at(in, at, st->head, n);
	if (r < 0)
		return r;
	st->head[n] = '\0';
	wl = (size_t)snprintf(want, sizeof(want), "%llu 0 obj\n", (unsigned long long)id);
	if (n < wl || memcmp(st->head, want, wl) != 0)
		return bad(in, "object %llu is not where the cross-reference puts it",
			   (unsigned long long)id);
	dl = dict_len(st->head + wl, n - wl);
	if (!dl || n - wl - dl < 8 || memcmp(st->head + wl + dl, "\nstream\n", 8) != 0)
		return bad(in, "object %llu is not a stream as the station writes it",
			   (unsigned long long)id);
	memmove(st->head, st->head + wl, dl);
	st->head[dl] = '\0';
	st->head_len = dl;
	if (!dict_name(st->head, dl, "Filter", "FlateDecode") ||
	    !dict_number(st->head, dl, "Length", PDFCHECK_MAX_STREAM, &len) || len == 0)
		return bad(in, "object %llu has no Flate data of a bounded length",
			   (unsigned long long)id);
	at += wl + dl + 8;
	z = malloc((size_t)len);
	if (!z)
		return -ENOMEM;
	r = read_at(in, at, z, (size_t)len);
	if (r == 0)
		r = read_at(in, at + len, tail, 10);
	if (r == 0 && memcmp(tail, "\nendstream", 10) != 0)
		r = bad(in, "object %llu's data does not end where its /Length says",
			(unsigned long long)id);
	if (r == 0)
		r = inflate_all(in, z, (size_t)len, max, &st->data, &st->len);
	free(z);
	return r;
}

struct xref {
	unsigned char *e; /* /W [1 4 2]: type, offset or stream, generation or index */
	uint64_t size;
};

static uint64_t be(const unsigned char *b, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

/* Object @id in the object stream: its index there, or -1. */
static int64_t in_objstm(const struct xref *x, uint64_t id, uint64_t *ret_stm)
{
	const unsigned char *e;

	if (id == 0 || id >= x->size)
		return -1;
	e = x->e + 7 * id;
	if (e[0] != 2)
		return -1;
	*ret_stm = be(e + 1, 4);
	return (int64_t)be(e + 5, 2);
}

/* The object stream's object at index @k: its text in @ret, @ret_len. */
static bool objstm_object(const struct stream *os, uint64_t first, uint64_t count, uint64_t k,
			  const char **ret, size_t *ret_len)
{
	const char *p = (const char *)os->data, *end = p + first;
	uint64_t id, off = 0, next = os->len - first;

	if (k >= count)
		return false;
	for (uint64_t i = 0; i <= k + 1 && i < count; i++) {
		uint64_t o;

		blanks(&p, end);
		if (!number(&p, end, PDFCHECK_MAX_OBJECTS, &id))
			return false;
		blanks(&p, end);
		if (!number(&p, end, os->len - first, &o))
			return false;
		if (i == k)
			off = o;
		else if (i == k + 1)
			next = o;
	}
	if (next < off)
		return false;
	*ret = (const char *)os->data + first + off;
	*ret_len = (size_t)(next - off);
	return true;
}

/* Dictionary object @id, which the writer keeps in the object stream @os (number @stm_id). */
static int dict_of(struct pdf_in *in, const struct xref *x, const struct stream *os,
		   uint64_t stm_id, uint64_t first, uint64_t count, uint64_t id, const char **ret,
		   size_t *ret_len)
{
	uint64_t stm;
	int64_t k = in_objstm(x, id, &stm);
	const char *o;
	size_t n;

	if (k < 0 || stm != stm_id || !objstm_object(os, first, count, (uint64_t)k, &o, &n) ||
	    !(n = dict_len(o, n)))
		return bad(in, "object %llu is not a dictionary in the object stream",
			   (unsigned long long)id);
	*ret = o;
	*ret_len = n;
	return 0;
}

static int count_pages(struct pdf_in *in, const struct xref *x, uint64_t root, uint32_t *ret)
{
	struct stream os = { 0 };
	const char *cat = NULL, *pages = NULL, *kids, *end;
	size_t cat_len = 0, pages_len = 0;
	uint64_t stm_id, pages_id, first, count, total, n = 0;
	int r;

	if (in_objstm(x, root, &stm_id) < 0 || stm_id >= x->size || x->e[7 * stm_id] != 1)
		return bad(in, "the catalog is not in an object stream");
	r = read_stream(in, be(x->e + 7 * stm_id + 1, 4), stm_id, PDFCHECK_MAX_STREAM, &os);
	if (r < 0)
		goto out;
	if (!dict_name(os.head, os.head_len, "Type", "ObjStm") ||
	    !dict_number(os.head, os.head_len, "N", PDFCHECK_MAX_OBJECTS, &count) ||
	    !dict_number(os.head, os.head_len, "First", os.len, &first) || count == 0) {
		r = bad(in, "object %llu is not an object stream as the station writes it",
			(unsigned long long)stm_id);
		goto out;
	}
	r = dict_of(in, x, &os, stm_id, first, count, root, &cat, &cat_len);
	if (r < 0)
		goto out;
	kids = dict_get(cat, cat_len, "Pages");
	if (!dict_name(cat, cat_len, "Type", "Catalog") || !kids ||
	    !reference(&kids, cat + cat_len, &pages_id)) {
		r = bad(in, "the catalog names no page tree");
		goto out;
	}
	r = dict_of(in, x, &os, stm_id, first, count, pages_id, &pages, &pages_len);
	if (r < 0)
		goto out;
	kids = dict_get(pages, pages_len, "Kids");
	end = pages + pages_len;
	if (!dict_name(pages, pages_len, "Type", "Pages") ||
	    !dict_number(pages, pages_len, "Count", PDFCHECK_MAX_PAGES, &total) || !kids ||
	    *kids != '[') {
		r = bad(in, "the page tree has no /Count and /Kids as the station writes them");
		goto out;
	}
	for (kids++;;) {
		const char *page = NULL;
		size_t page_len = 0;
		uint64_t id;

		blanks(&kids, end);
		if (kids < end && *kids == ']')
			break;
		if (!reference(&kids, end, &id) || ++n > total) {
			r = bad(in,
				"the page tree lists more pages than its /Count of %llu, or "
				"something else",
				(unsigned long long)total);
			goto out;
		}
		r = dict_of(in, x, &os, stm_id, first, count, id, &page, &page_len);
		if (r < 0)
			goto out;
		if (!dict_name(page, page_len, "Type", "Page")) {
			r = bad(in, "object %llu of the page tree is not a page",
				(unsigned long long)id);
			goto out;
		}
	}
	if (n != total) {
		r = bad(in, "the page tree's /Count says %llu pages, its /Kids list %llu",
			(unsigned long long)total, (unsigned long long)n);
		goto out;
	}
	*ret = (uint32_t)n;
out:
	free(os.data);
	return r;
}

int pdfcheck_pages(int fd, uint64_t size, uint32_t *ret_pages, char *why, size_t why_size)
{
	struct pdf_in in = { .fd = fd, .size = size, .why = why, .why_size = why_size };
	struct stream xs = { 0 };
	struct xref x = { 0 };
	char head[9] = "", tail[TAIL + 1] = "", *sx;
	const char *p;
	size_t tn = size < TAIL ? (size_t)size : TAIL;
	uint64_t at, w, root;
	int r;

	if (size < 64)
		return bad(&in, "not a PDF: %llu bytes", (unsigned long long)size);
	r = read_at(&in, 0, head, 8);
	if (r < 0)
		return r;
	if (memcmp(head, "%PDF-1.", 7) != 0 || head[7] < '0' || head[7] > '7')
		return bad(&in, "not a PDF: it does not start with %%PDF-1.x");
	r = read_at(&in, size - tn, tail, tn);
	if (r < 0)
		return r;
	tail[tn] = '\0';
	if (tn < 7 || memcmp(tail + tn - 7, "\n%%EOF\n", 7) != 0)
		return bad(&in, "the PDF does not end with %%%%EOF: truncated");
	tail[tn - 7] = '\0';
	sx = memmem(tail, tn, "startxref\n", 10);
	while (sx && memmem(sx + 1, (size_t)(tail + tn - sx - 1), "startxref\n", 10))
		sx = memmem(sx + 1, (size_t)(tail + tn - sx - 1), "startxref\n", 10);
	p = sx ? sx + 10 : NULL;
	if (!p || !number(&p, tail + tn - 7, size - 1, &at) || *p != '\0')
		return bad(&in, "the PDF's startxref is missing or malformed");
	/* the cross-reference stream: its number is the last, /Size - 1 */
	{
		char num[24] = "";
		size_t nn = 0;

		r = read_at(&in, at, num, size - at < 23 ? (size_t)(size - at) : 23);
		if (r < 0)
			return r;
		p = num;
		num[size - at < 23 ? size - at : 23] = '\0';
		if (!number(&p, num + strlen(num), PDFCHECK_MAX_OBJECTS, &w))
			return bad(&in, "no object where startxref points");
		nn = (size_t)w;
		r = read_stream(&in, at, nn, (size_t)(nn + 1) * 7, &xs);
		if (r < 0)
			return r;
	}
	if (!dict_name(xs.head, xs.head_len, "Type", "XRef") ||
	    !dict_number(xs.head, xs.head_len, "Size", PDFCHECK_MAX_OBJECTS, &x.size) ||
	    x.size != w + 1 || xs.len != 7 * x.size || !(p = dict_get(xs.head, xs.head_len, "W")) ||
	    strncmp(p, "[1 4 2]", 7) != 0 || !(p = dict_get(xs.head, xs.head_len, "Root")) ||
	    !reference(&p, xs.head + xs.head_len, &root)) {
		r = bad(&in, "the cross-reference stream is not as the station writes it");
		goto out;
	}
	x.e = xs.data;
	for (uint64_t i = 1; i < x.size; i++) {
		const unsigned char *e = x.e + 7 * i;

		if ((e[0] == 1 && be(e + 1, 4) >= size) || (e[0] == 2 && be(e + 1, 4) >= x.size) ||
		    e[0] == 0 || e[0] > 2) {
			r = bad(&in, "cross-reference entry %llu is damaged",
				(unsigned long long)i);
			goto out;
		}
	}
	r = count_pages(&in, &x, root, ret_pages);
out:
	free(xs.data);
	return r;
}
