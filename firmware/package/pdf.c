/* Searchable PDF/A-2b of a document (pdf.h). */
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tiffio.h>
#include <zlib.h>

#include "cleanup.h"
#include "errors.h"
#include "firmware/image/tiffmem.h"
#include "firmware/package/pdf.h"
#include "ocr/hocr.h"

#define MAX_OBJECTS 65536u
#define MAX_SHARED 4096u     /* images remembered for sharing */
#define MAX_ASSET (1u << 20) /* the sRGB profile, the font */
#define GLYPH_WIDTH 500	     /* the font's one glyph, in 1/1000 of the size */

struct pdf {
	FILE *f;
	long offsets[MAX_OBJECTS];
	unsigned n;	       /* objects begun or reserved */
	uint8_t high[256 / 8]; /* the high bytes of the code units the text layer used */
	FILE *o;	       /* the object stream's objects: the dictionaries */
	unsigned stm_n;	       /* objects in it */
	unsigned stm_id;       /* its number */
	char *obuf;
	size_t olen;
	uint32_t stm[MAX_OBJECTS]; /* an object's place in it + 1, or 0: in the file */
	unsigned n_shared;
	struct {
		uint8_t hash[32]; /* of the dictionary and the bytes */
		unsigned id;
	} shared[MAX_SHARED];
	bool failed;
};

/* A new object number, for an object written later with obj_begin_at(). */
static unsigned obj_reserve(struct pdf *p)
{
	if (p->n + 1 >= MAX_OBJECTS) {
		p->failed = true;
		return p->n;
	}
	return ++p->n;
}

static unsigned obj_begin_at(struct pdf *p, unsigned id)
{
	p->offsets[id] = ftell(p->f);
	fprintf(p->f, "%u 0 obj\n", id);
	return id;
}

static unsigned obj_begin(struct pdf *p)
{
	return obj_begin_at(p, obj_reserve(p));
}

/* Begins dictionary object @id in the object stream, where it is compressed with the others:
 * write it, ending with a newline, to the FILE returned. */
static FILE *dict_begin(struct pdf *p, unsigned id)
{
	p->stm[id] = ++p->stm_n;
	p->offsets[id] = ftell(p->o);
	return p->o;
}

static void obj_end(struct pdf *p)
{
	fputs("endobj\n", p->f);
}

/* A stream object numbered @id: @dict (without its Length) and @len bytes. */
static unsigned put_stream_at(struct pdf *p, unsigned id, const char *dict, const void *data,
			      size_t len)
{
	obj_begin_at(p, id);
	fprintf(p->f, "<< %s /Length %zu >>\nstream\n", dict, len);
	fwrite(data, 1, len, p->f);
	fputs("\nendstream\n", p->f);
	obj_end(p);
	return id;
}

static unsigned put_stream(struct pdf *p, const char *dict, const void *data, size_t len)
{
	return put_stream_at(p, obj_reserve(p), dict, data, len);
}

/* A stream object numbered @id of @data compressed with Flate (@dict without Filter and
 * Length). */
static unsigned put_flate_at(struct pdf *p, unsigned id, const char *dict, const void *data,
			     size_t len)
{
	uLongf zlen = compressBound((uLong)len);
	uint8_t *z = malloc(zlen);
	char d[256];

	if (!z || compress2(z, &zlen, data, (uLong)len, 9) != Z_OK) {
		free(z);
		p->failed = true;
		return 0;
	}
	snprintf(d, sizeof(d), "%s%s/Filter /FlateDecode", dict, dict[0] ? " " : "");
	put_stream_at(p, id, d, z, zlen);
	free(z);
	return id;
}

static unsigned put_flate(struct pdf *p, const char *dict, const void *data, size_t len)
{
	return put_flate_at(p, obj_reserve(p), dict, data, len);
}

/* An image XObject: the object written before for the same dictionary and bytes (a white band
 * of a page, a page scanned twice), or a new one. */
static unsigned put_image(struct pdf *p, const char *dict, const void *data, size_t len)
{
	crypto_generichash_state st;
	uint8_t h[32];
	unsigned id;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)dict, strlen(dict) + 1);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, h, sizeof(h));
	for (unsigned i = 0; i < p->n_shared; i++)
		if (memcmp(p->shared[i].hash, h, sizeof(h)) == 0)
			return p->shared[i].id;
	id = put_stream(p, dict, data, len);
	if (p->n_shared < MAX_SHARED) {
		memcpy(p->shared[p->n_shared].hash, h, sizeof(h));
		p->shared[p->n_shared++].id = id;
	}
	return id;
}

/* @s as a PDF literal string's content (ASCII here: identifiers, dates, titles). */
static void put_literal(FILE *f, const char *s)
{
	fputc('(', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '(' || c == ')' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\%03o", c);
	}
	fputc(')', f);
}

static void put_xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
}

/* A file Debian installs (the sRGB profile, the font), at most MAX_ASSET bytes. */
static int read_asset(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf;
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(MAX_ASSET);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, MAX_ASSET, f);
	if (ferror(f) || !feof(f) || n == 0) {
		fclose(f);
		free(buf);
		return -FOLIO_EFORMAT;
	}
	fclose(f);
	*ret = buf;
	*ret_len = n;
	return 0;
}

/* --- the text layer
 *
 * In pixels of the page (the page's content scales them to points once): words gathered into
 * lines (a word that overlaps the line's height continues it), one font size and baseline per
 * line, then per word its horizontal scaling, its string, and a move to the next word. Whole
 * numbers and raw two-byte strings compress far better than points and hex. */

#define LINE_WORDS 512
#define LINE_BYTES 8192

struct line_word {
	long x0, x1;
	size_t units; /* UTF-16 code units */
	size_t off;   /* of its code units in the line's bytes */
	bool rtl;     /* written right to left (Arabic, Hebrew) */
};

struct text_run {
	struct pdf *p;
	FILE *f;
	long page_h;		   /* pixels */
	long y0, y1;		   /* the line's box, from the top */
	long line_x, line_y, size; /* where the previous line started, the font size in force */
	bool placed;		   /* the text matrix was set outright: the next line sets it too */
	size_t n, bytes;
	struct line_word w[LINE_WORDS];
	uint8_t text[LINE_BYTES];
};

/* Next code point of UTF-8 @s (advancing it); U+FFFD for a bad sequence. */
static uint32_t next_utf8(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t c = p[0];
	int n = c < 0x80	     ? 0
		: (c & 0xe0) == 0xc0 ? 1
		: (c & 0xf0) == 0xe0 ? 2
		: (c & 0xf8) == 0xf0 ? 3
				     : -1;

	if (n < 0) {
		*s = p + 1;
		return 0xfffd;
	}
	c = n == 0 ? c : c & (0x3fu >> n);
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s = p + i;
			return 0xfffd;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*s = p + n + 1;
	return c;
}

/* @t's line, one baseline and font size for its words. */
static void put_line(struct text_run *t)
{
	long size = t->y1 - t->y0, y = t->page_h - t->y1, x;
	bool rtl = false;

	if (t->n == 0)
		return;
	if (size != t->size)
		fprintf(t->f, "/F1 %ld Tf\n", size);
	t->size = size;
	for (size_t i = 0; i < t->n && !rtl; i++)
		rtl = t->w[i].rtl;
	if (t->placed && !rtl)
		fprintf(t->f, "1 0 0 1 %ld %ld Tm\n", t->w[0].x0, y);
	else if (!rtl)
		fprintf(t->f, "%ld %ld Td\n", t->w[0].x0 - t->line_x, y - t->line_y);
	t->placed = rtl;
	t->line_y = y;
	t->line_x = x = t->w[0].x0;
	for (size_t i = 0; i < t->n; i++) {
		const struct line_word *w = &t->w[i];
		/* One glyph per code unit, stretched so that the word spans its box. */
		long tz = lround(100.0 * (double)(w->x1 - w->x0) /
				 ((double)w->units * (double)size * GLYPH_WIDTH / 1000.0));

		/* In a line with right-to-left words, each word is placed outright; those words
		 * run leftwards from their right edge, so that text extraction reads their
		 * characters in order. */
		if (rtl)
			fprintf(t->f, "%d 0 0 1 %ld %ld Tm ", w->rtl ? -1 : 1,
				w->rtl ? w->x1 : w->x0, y);
		else if (w->x0 != x)
			fprintf(t->f, "%ld 0 Td ", w->x0 - x);
		x = w->x0;
		fprintf(t->f, "%ld Tz(", tz > 0 ? tz : 1);
		for (size_t k = 0; k < 2 * w->units; k++) {
			uint8_t c = t->text[w->off + k];

			if (c == '(' || c == ')' || c == '\\')
				fprintf(t->f, "\\%c", c);
			else if (c == '\r')
				fputs("\\r", t->f);
			else
				fputc(c, t->f);
		}
		fputs(")Tj\n", t->f);
	}
	t->line_x = x;
	t->n = 0;
	t->bytes = 0;
}

static void put_unit(struct text_run *t, uint32_t u)
{
	t->text[t->bytes++] = (uint8_t)(u >> 8);
	t->text[t->bytes++] = (uint8_t)u;
	t->p->high[u >> 11] |= (uint8_t)(1u << (u >> 8 & 7));
}

/* Whether code point @c is of a script written right to left: 1, left to right: 0, neither
 * (digits, punctuation): -1. */
static int rtl_of(uint32_t c)
{
	if ((c >= 0x590 && c <= 0x8ff) || (c >= 0xfb1d && c <= 0xfdff) ||
	    (c >= 0xfe70 && c <= 0xfeff))
		return 1;
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xc0 && c < 0x590))
		return 0;
	return -1;
}

static int put_word(const struct ocr_word *w, void *user)
{
	struct text_run *t = user;
	const unsigned char *s = (const unsigned char *)w->text;
	long ht = w->y1 - w->y0, overlap;
	int dir = -1;
	struct line_word *lw;

	if (!*s || ht < 1 || w->x1 <= w->x0)
		return 0;
	overlap = (w->y1 < t->y1 ? w->y1 : t->y1) - (w->y0 > t->y0 ? w->y0 : t->y0);
	if (t->n && (2 * overlap < ht || 2 * overlap < t->y1 - t->y0 || t->n == LINE_WORDS ||
		     t->bytes + 2 * strlen(w->text) + 4 > LINE_BYTES))
		put_line(t);
	if (t->bytes + 8 > LINE_BYTES)
		return 0; /* a word longer than a line: no one searches for it */
	lw = &t->w[t->n];
	*lw = (struct line_word){ .x0 = w->x0, .x1 = w->x1, .off = t->bytes };
	while (*s && t->bytes + 4 <= LINE_BYTES) {
		uint32_t c = next_utf8(&s);

		if (dir < 0)
			dir = rtl_of(c);
		if (c > 0xffff) { /* a surrogate pair: two CIDs */
			c -= 0x10000;
			put_unit(t, 0xd800 + (c >> 10));
			put_unit(t, 0xdc00 + (c & 0x3ff));
			lw->units += 2;
		} else {
			put_unit(t, c);
			lw->units++;
		}
	}
	lw->rtl = dir == 1;
	if (t->n == 0) {
		t->y0 = w->y0;
		t->y1 = w->y1;
	} else {
		t->y0 = w->y0 < t->y0 ? w->y0 : t->y0;
		t->y1 = w->y1 > t->y1 ? w->y1 : t->y1;
	}
	t->n++;
	return 0;
}

/* --- images */

/* The G4 strips of a stored TIFF as image XObjects; their ids and heights into @ret. */
static int put_tiff(struct pdf *p, const struct pdf_page *pg, unsigned *ret, uint32_t *ret_rows,
		    size_t max, size_t *ret_n)
{
	struct tiffmem m = { 0 };
	TIFF *tif = tiffmem_open_read(&m, pg->image, pg->len);
	uint16_t comp = 0, photo = 0, fill = 1;
	uint32_t w = 0, h = 0, rps = 0;
	size_t strips;
	int r = 0;

	if (!tif)
		return -FOLIO_EFORMAT;
	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) ||
	    !TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp) || comp != COMPRESSION_CCITTFAX4 ||
	    !TIFFGetFieldDefaulted(tif, TIFFTAG_PHOTOMETRIC, &photo) ||
	    !TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps) ||
	    !TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &fill) || fill != FILLORDER_MSB2LSB ||
	    w != pg->width || h != pg->height || rps == 0) {
		r = -FOLIO_EFORMAT;
		goto out;
	}
	strips = TIFFNumberOfStrips(tif);
	if (strips == 0 || strips > max) {
		r = -FOLIO_EFORMAT;
		goto out;
	}
	for (size_t i = 0; i < strips; i++) {
		uint32_t rows = i + 1 < strips ? rps : h - (uint32_t)i * rps;
		tmsize_t size = TIFFRawStripSize(tif, (uint32_t)i);
		_cleanup_free_ uint8_t *buf = NULL;
		char dict[256];

		if (size <= 0 || !(buf = malloc((size_t)size)) ||
		    TIFFReadRawStrip(tif, (uint32_t)i, buf, size) != size) {
			r = buf || size <= 0 ? -FOLIO_EFORMAT : -ENOMEM;
			goto out;
		}
		/* G4 codes white and black runs; MINISWHITE stores black as 1. */
		snprintf(dict, sizeof(dict),
			 "/Subtype /Image /Width %u /Height %u /ColorSpace /DeviceGray "
			 "/BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 "
			 "/Columns %u /Rows %u >>%s",
			 w, rows, w, rows, photo == PHOTOMETRIC_MINISBLACK ? " /Decode [1 0]" : "");
		ret[i] = put_image(p, dict, buf, (size_t)size);
		ret_rows[i] = rows;
	}
	*ret_n = strips;
out:
	TIFFClose(tif);
	return r;
}

static int put_page(struct pdf *p, const struct pdf_page *pg, unsigned pages_id, unsigned font_id,
		    unsigned *ret)
{
	unsigned images[64];
	uint32_t rows[64];
	size_t n = 0;
	double scale = 72.0 / pg->dpi, w = pg->width * scale, h = pg->height * scale;
	char *content = NULL;
	size_t clen = 0;
	unsigned cid;
	FILE *c, *o;
	int r;

	if (!pg->dpi || !pg->width || !pg->height)
		return -EINVAL;
	if (strcmp(pg->format, "TIFF") == 0) {
		r = put_tiff(p, pg, images, rows, sizeof(images) / sizeof(images[0]), &n);
		if (r < 0)
			return r;
	} else if (strcmp(pg->format, "JPEG") == 0 && pg->len > 4 &&
		   ((const uint8_t *)pg->image)[0] == 0xff &&
		   ((const uint8_t *)pg->image)[1] == 0xd8 &&
		   (pg->channels == 1 || pg->channels == 3)) {
		char dict[256];

		snprintf(dict, sizeof(dict),
			 "/Subtype /Image /Width %u /Height %u /ColorSpace %s "
			 "/BitsPerComponent 8 /Filter /DCTDecode",
			 pg->width, pg->height, pg->channels == 3 ? "/DeviceRGB" : "/DeviceGray");
		images[0] = put_image(p, dict, pg->image, pg->len);
		rows[0] = pg->height;
		n = 1;
	} else {
		return -FOLIO_EFORMAT;
	}

	c = open_memstream(&content, &clen);
	if (!c)
		return -ENOMEM;
	/* In pixels of the page: the strips from the top down, then the text over them. */
	fprintf(c, "q %.6f 0 0 %.6f 0 0 cm\n", scale, scale);
	for (size_t i = 0, below = pg->height; i < n; i++) {
		below -= rows[i];
		fprintf(c, "q %u 0 0 %u 0 %zu cm /Im%zu Do Q\n", pg->width, rows[i], below, i);
	}
	if (pg->hocr && pg->hocr[0]) {
		struct text_run *t = calloc(1, sizeof(*t));

		if (!t) {
			fclose(c);
			free(content);
			return -ENOMEM;
		}
		t->p = p;
		t->f = c;
		t->page_h = pg->height;
		fputs("BT 3 Tr\n", c);
		r = ocr_hocr_words(pg->hocr, put_word, t);
		put_line(t);
		free(t);
		fputs("ET\n", c);
		if (r < 0) {
			fclose(c);
			free(content);
			return r;
		}
	}
	fputs("Q\n", c);
	if (fclose(c) != 0) {
		free(content);
		return -ENOMEM;
	}
	cid = put_flate(p, "", content, clen);
	free(content);

	*ret = obj_reserve(p);
	o = dict_begin(p, *ret);
	fprintf(o,
		"<< /Type /Page /Parent %u 0 R /MediaBox [0 0 %.4f %.4f] /Contents %u 0 R "
		"/Resources << /Font << /F1 %u 0 R >> /XObject <<",
		pages_id, w, h, cid, font_id);
	for (size_t i = 0; i < n; i++)
		fprintf(o, " /Im%zu %u 0 R", i, images[i]);
	fputs(" >> >> >>\n", o);
	return 0;
}

/* --- the font: Tesseract's GlyphLessFont, every code unit drawn with its one glyph */

/* The font's ToUnicode map, numbered @id: CID = UTF-16 code unit, mapped back to itself, 256
 * codes per range, for the ranges the text layer used. */
static void put_tounicode(struct pdf *p, unsigned id)
{
	char *cmap = NULL;
	size_t cmap_len = 0, used = 0;
	FILE *c = open_memstream(&cmap, &cmap_len);

	if (!c) {
		p->failed = true;
		return;
	}
	fputs("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
	      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
	      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
	      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
	      c);
	for (unsigned k = 0; k < 256; k++)
		used += p->high[k / 8] >> (k % 8) & 1;
	for (unsigned k = 0, left = 0; k < 256; k++) {
		if (!(p->high[k / 8] >> (k % 8) & 1))
			continue;
		if (left == 0) {
			left = used > 100 ? 100 : (unsigned)used; /* at most 100 per block */
			used -= left;
			fprintf(c, "%u beginbfrange\n", left);
		}
		fprintf(c, "<%02X00> <%02XFF> <%02X00>\n", k, k, k);
		if (--left == 0)
			fputs("endbfrange\n", c);
	}
	fputs("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n", c);
	if (fclose(c) != 0) {
		free(cmap);
		p->failed = true;
		return;
	}
	put_flate_at(p, id, "", cmap, cmap_len);
	free(cmap);
}

/* The font; @ret_tounicode: the number of its ToUnicode map, for put_tounicode(). */
static int put_font(struct pdf *p, unsigned *ret, unsigned *ret_tounicode)
{
	_cleanup_free_ uint8_t *ttf = NULL, *map = NULL, *zmap = NULL;
	size_t ttf_len = 0, map_len = 65536 * 2;
	uLongf zlen = compressBound(65536 * 2);
	unsigned ffile, fdesc, cidmap, cidfont, tounicode;
	char dict[128];
	int r;

	r = read_asset(PDF_GLYPHLESS_FONT, &ttf, &ttf_len);
	if (r < 0)
		return r;
	map = malloc(map_len);
	zmap = malloc(zlen);
	if (!map || !zmap)
		return -ENOMEM;
	for (size_t i = 0; i < 65536; i++) {
		map[2 * i] = 0;
		map[2 * i + 1] = 1;
	}
	if (compress2(zmap, &zlen, map, map_len, 9) != Z_OK)
		return -ENOMEM;

	snprintf(dict, sizeof(dict), "/Length1 %zu", ttf_len);
	ffile = put_flate(p, dict, ttf, ttf_len);
	fdesc = obj_reserve(p);
	fprintf(dict_begin(p, fdesc),
		"<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox "
		"[0 0 %d 1000] /ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV "
		"80 /FontFile2 %u 0 R >>\n",
		GLYPH_WIDTH, ffile);
	cidmap = put_stream(p, "/Filter /FlateDecode", zmap, zlen);

	tounicode = obj_reserve(p); /* written once the pages have said which codes they use */
	cidfont = obj_reserve(p);
	fprintf(dict_begin(p, cidfont),
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
		"/FontDescriptor %u 0 R /DW %d /CIDToGIDMap %u 0 R >>\n",
		fdesc, GLYPH_WIDTH, cidmap);
	*ret = obj_reserve(p);
	fprintf(dict_begin(p, *ret),
		"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding "
		"/Identity-H /DescendantFonts [%u 0 R] /ToUnicode %u 0 R >>\n",
		cidfont, tounicode);
	*ret_tounicode = tounicode;
	return 0;
}

/* --- PDF/A: metadata and output intent */

static unsigned put_xmp(struct pdf *p, const struct pdf_info *info, const char *iso)
{
	char *x = NULL;
	size_t len = 0;
	unsigned id;
	FILE *f = open_memstream(&x, &len);

	if (!f) {
		p->failed = true;
		return 0;
	}
	fputs(
	    "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
	    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
	    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
	    "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" "
	    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" "
	    "xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n"
	    "<pdfaid:part>2</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n"
	    "<dc:format>application/pdf</dc:format>\n<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">",
	    f);
	put_xml_text(f, info->title);
	fputs("</rdf:li></rdf:Alt></dc:title>\n<dc:identifier>", f);
	put_xml_text(f, info->identifier);
	fputs("</dc:identifier>\n<dc:language><rdf:Bag><rdf:li>", f);
	put_xml_text(f, info->language);
	fprintf(f,
		"</rdf:li></rdf:Bag></dc:language>\n<xmp:CreateDate>%s</xmp:CreateDate>\n"
		"<xmp:ModifyDate>%s</xmp:ModifyDate>\n<xmp:CreatorTool>Folio</xmp:CreatorTool>\n"
		"<pdf:Producer>Folio</pdf:Producer>\n</rdf:Description>\n</rdf:RDF>\n"
		"</x:xmpmeta>\n<?xpacket end=\"w\"?>",
		iso, iso);
	if (fclose(f) != 0) {
		free(x);
		p->failed = true;
		return 0;
	}
	id = put_stream(p, "/Type /Metadata /Subtype /XML", x, len);
	free(x);
	return id;
}

/* The object stream: every dictionary object, compressed together. */
static void put_object_stream(struct pdf *p)
{
	_cleanup_free_ unsigned *ids = calloc(p->stm_n ? p->stm_n : 1, sizeof(*ids));
	char *head = NULL, *all = NULL, dict[64];
	size_t head_len = 0;
	FILE *h;

	if (fclose(p->o) != 0)
		p->failed = true;
	p->o = NULL;
	h = open_memstream(&head, &head_len);
	if (!ids || !h || p->failed) {
		if (h)
			fclose(h);
		free(head);
		p->failed = true;
		return;
	}
	for (unsigned i = 1; i <= p->n; i++)
		if (p->stm[i])
			ids[p->stm[i] - 1] = i;
	for (unsigned k = 0; k < p->stm_n; k++)
		fprintf(h, "%u %ld\n", ids[k], p->offsets[ids[k]]);
	if (fclose(h) != 0 || !(all = malloc(head_len + p->olen + 1))) {
		free(head);
		p->failed = true;
		return;
	}
	memcpy(all, head, head_len);
	memcpy(all + head_len, p->obuf, p->olen);
	snprintf(dict, sizeof(dict), "/Type /ObjStm /N %u /First %zu", p->stm_n, head_len);
	p->stm_id = put_flate(p, dict, all, head_len + p->olen);
	free(head);
	free(all);
}

static void put_be(uint8_t *b, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* The cross-reference stream, which is also the trailer, and the end of the file. */
static void put_xref_stream(struct pdf *p, unsigned root, unsigned info, const uint8_t fid[16])
{
	unsigned id = obj_reserve(p);
	size_t size = (size_t)id + 1;
	_cleanup_free_ uint8_t *x = calloc(size, 7); /* W [1 4 2] */
	long at = ftell(p->f);
	char dict[256], hex[33];

	if (!x) {
		p->failed = true;
		return;
	}
	p->offsets[id] = at;
	put_be(x, 0, 1);
	put_be(x + 5, 65535, 2);
	for (unsigned i = 1; i < size; i++) {
		uint8_t *e = x + 7 * (size_t)i;

		if (p->stm[i]) {
			put_be(e, 2, 1);
			put_be(e + 1, p->stm_id, 4);
			put_be(e + 5, p->stm[i] - 1, 2);
		} else {
			put_be(e, 1, 1);
			put_be(e + 1, (uint64_t)p->offsets[i], 4);
		}
	}
	for (size_t i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", fid[i]);
	snprintf(dict, sizeof(dict),
		 "/Type /XRef /Size %zu /W [1 4 2] /Root %u 0 R /Info %u 0 R /ID [<%s> <%s>]", size,
		 root, info, hex, hex);
	put_flate_at(p, id, dict, x, 7 * size);
	fprintf(p->f, "startxref\n%ld\n%%%%EOF\n", at);
}

int pdf_document(const struct pdf_page *pages, size_t n, const struct pdf_info *info, char **ret,
		 size_t *ret_len)
{
	_cleanup_free_ uint8_t *icc = NULL;
	_cleanup_free_ unsigned *page_ids = NULL;
	struct pdf *p = NULL;
	char *out = NULL, iso[32], pdfdate[32];
	size_t out_len = 0, icc_len = 0;
	unsigned pages_id, font, tounicode = 0, xmp, icc_id, intent, catalog, infod;
	uint8_t fid[16];
	struct tm tm;
	FILE *o;
	time_t t;
	int r;

	if (!pages || !n || !info || !info->identifier || !info->title || !info->language)
		return -EINVAL;
	r = read_asset(PDF_SRGB_PROFILE, &icc, &icc_len);
	if (r < 0)
		return r;
	page_ids = calloc(n, sizeof(*page_ids));
	p = calloc(1, sizeof(*p));
	if (!page_ids || !p) {
		free(p);
		return -ENOMEM;
	}
	p->f = open_memstream(&out, &out_len);
	p->o = open_memstream(&p->obuf, &p->olen);
	if (!p->f || !p->o) {
		if (p->f)
			fclose(p->f);
		if (p->o)
			fclose(p->o);
		free(out);
		free(p->obuf);
		free(p);
		return -ENOMEM;
	}
	t = (time_t)info->created;
	gmtime_r(&t, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(pdfdate, sizeof(pdfdate), "D:%Y%m%d%H%M%SZ", &tm);

	fputs("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", p->f);
	/* Object 1 is the page tree: pages point at it, and it lists them, so it is written
	 * after them. */
	pages_id = 1;
	p->n = 1;

	r = put_font(p, &font, &tounicode);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = put_page(p, &pages[i], pages_id, font, &page_ids[i]);
	if (r < 0)
		goto out;
	put_tounicode(p, tounicode);

	xmp = put_xmp(p, info, iso);
	icc_id = put_flate(p, "/N 3", icc, icc_len);
	intent = obj_begin(p);
	fprintf(p->f,
		"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier "
		"(sRGB IEC61966-2.1) /Info (sRGB IEC61966-2.1) /DestOutputProfile %u 0 R >>\n",
		icc_id);
	obj_end(p);
	o = dict_begin(p, pages_id);
	fprintf(o, "<< /Type /Pages /Count %zu /Kids [", n);
	for (size_t i = 0; i < n; i++)
		fprintf(o, " %u 0 R", page_ids[i]);
	fputs(" ] >>\n", o);
	catalog = obj_reserve(p);
	o = dict_begin(p, catalog);
	fprintf(o,
		"<< /Type /Catalog /Pages %u 0 R /Metadata %u 0 R /OutputIntents [%u 0 R] /Lang ",
		pages_id, xmp, intent);
	put_literal(o, info->language);
	fputs(" >>\n", o);
	infod = obj_reserve(p);
	o = dict_begin(p, infod);
	fputs("<< /Title ", o);
	put_literal(o, info->title);
	fprintf(o, " /Creator (Folio) /Producer (Folio) /CreationDate (%s) /ModDate (%s) >>\n",
		pdfdate, pdfdate);

	put_object_stream(p);
	crypto_generichash(fid, sizeof(fid), (const uint8_t *)info->identifier,
			   strlen(info->identifier), NULL, 0);
	put_xref_stream(p, catalog, infod, fid);
	r = p->failed ? -ENOMEM : 0;
out:
	if (fclose(p->f) != 0 && r == 0)
		r = -ENOMEM;
	if (p->o)
		fclose(p->o);
	free(p->obuf);
	free(p);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	*ret_len = out_len;
	return 0;
}
