/* Cover sheets: the barcode payload (format, strict parser) and the printed A4 sheet. */
#include <cairo.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/index/barcode.h"
#include "firmware/index/coversheet.h"
#include "firmware/index/sheetpdf.h"
#include "firmware/domain/office.h"

#define N_FIELDS 7

static uint32_t crc32_ieee(const char *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint8_t)p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool code_ok(const char *s, size_t n)
{
	if (n == 0 || n >= sizeof(((struct coversheet *)0)->document_code))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || is_digit(s[i]) || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static bool application_ok(const char *s, size_t n)
{
	if (n == 0 || n >= APPNO_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '|')
			return false;
	return true;
}

/* YYYY-MM-DD with plausible ranges; the calendar and the clock are docfields' business. */
static bool date_form_ok(const char *s, size_t n)
{
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return false;
	return memcmp(s + 5, "01", 2) >= 0 && memcmp(s + 5, "12", 2) <= 0 &&
	       memcmp(s + 8, "01", 2) >= 0 && memcmp(s + 8, "31", 2) <= 0;
}

static bool office_ok(const char *s, size_t n)
{
	char code[3];

	if (n != 2)
		return false;
	memcpy(code, s, 2);
	code[2] = '\0';
	return office_code_valid(code);
}

int coversheet_payload(const struct coversheet *c, char *buf, size_t size)
{
	char body[COVERSHEET_PAYLOAD_MAX + 1];
	const char *type = ip_type_name(c->ip_type);
	size_t rl = strnlen(c->received, sizeof(c->received));
	int n, m;

	if (!office_ok(c->office, strnlen(c->office, sizeof(c->office))) ||
	    strcmp(type, "unknown") == 0 ||
	    !application_ok(c->application, strnlen(c->application, sizeof(c->application))) ||
	    !code_ok(c->document_code, strnlen(c->document_code, sizeof(c->document_code))) ||
	    rl == sizeof(c->received) || (rl && !date_form_ok(c->received, rl)))
		return -EINVAL;
	n = snprintf(body, sizeof(body), "%s|%s|%s|%s|%s|%s", COVERSHEET_MAGIC, c->office, type,
		     c->application, c->document_code, c->received);
	if (n < 0 || (size_t)n + 9 > COVERSHEET_PAYLOAD_MAX)
		return -EINVAL;
	m = snprintf(buf, size, "%s|%08X", body, crc32_ieee(body, (size_t)n));
	if (m < 0 || (size_t)m >= size)
		return -ENOBUFS;
	return m;
}

bool coversheet_is_ours(const char *data, size_t len)
{
	return data && len >= 5 && memcmp(data, "FOLIO", 5) == 0;
}

int coversheet_parse(const char *data, size_t len, struct coversheet *ret, char *why,
		     size_t why_size)
{
	const char *field[N_FIELDS];
	size_t flen[N_FIELDS], nf = 0, start = 0;
	struct coversheet c = { 0 };
	uint32_t crc = 0;

	if (!data)
		return folio_why(-EINVAL, why, why_size, "no payload");
	if (len > COVERSHEET_PAYLOAD_MAX)
		return folio_why(
		    -EINVAL, why, why_size, "payload too long (%s%zu bytes, at most %d)",
		    len > 9999 ? "over " : "", MIN(len, (size_t)9999), COVERSHEET_PAYLOAD_MAX);
	if (len < strlen(COVERSHEET_MAGIC) + 1 ||
	    memcmp(data, COVERSHEET_MAGIC "|", strlen(COVERSHEET_MAGIC) + 1) != 0)
		return folio_why(-EINVAL, why, why_size,
				 "not a %s payload (version or magic differs)", COVERSHEET_MAGIC);
	for (size_t i = 0; i <= len; i++) {
		if (i < len && (data[i] < 0x20 || data[i] > 0x7e))
			return folio_why(-EINVAL, why, why_size,
					 "payload byte %zu is not printable ASCII", i + 1);
		if (i < len && data[i] != '|')
			continue;
		if (nf == N_FIELDS)
			return folio_why(-EINVAL, why, why_size, "payload has more than %d fields",
					 N_FIELDS);
		field[nf] = data + start;
		flen[nf++] = i - start;
		start = i + 1;
	}
	if (nf != N_FIELDS)
		return folio_why(-EINVAL, why, why_size, "payload has %zu fields, not %d", nf,
				 N_FIELDS);

	if (flen[6] != 8)
		return folio_why(-EINVAL, why, why_size, "check field must be 8 hex digits");
	for (size_t i = 0; i < 8; i++) {
		char h = field[6][i];

		if (is_digit(h))
			crc = crc << 4 | (uint32_t)(h - '0');
		else if (h >= 'A' && h <= 'F')
			crc = crc << 4 | (uint32_t)(h - 'A' + 10);
		else
			return folio_why(-EINVAL, why, why_size,
					 "check field must be 8 upper-case hex digits");
	}
	if (crc != crc32_ieee(data, (size_t)(field[6] - data) - 1))
		return folio_why(-EINVAL, why, why_size,
				 "check field does not match: misread or altered");

	if (!office_ok(field[1], flen[1]))
		return folio_why(-EINVAL, why, why_size, "'%.*s' is not a WIPO ST.3 office code",
				 (int)MIN(flen[1], (size_t)8), field[1]);
	memcpy(c.office, field[1], 2);
	{
		char type[16];

		if (flen[2] >= sizeof(type))
			return folio_why(-EINVAL, why, why_size, "unknown IP type");
		memcpy(type, field[2], flen[2]);
		type[flen[2]] = '\0';
		if (ip_type_parse(type, &c.ip_type) < 0)
			return folio_why(-EINVAL, why, why_size, "'%s' is not an IP type", type);
	}
	if (!application_ok(field[3], flen[3]))
		return folio_why(-EINVAL, why, why_size,
				 "application number field is empty, too long or "
				 "has spaces at its ends");
	memcpy(c.application, field[3], flen[3]);
	if (!code_ok(field[4], flen[4]))
		return folio_why(-EINVAL, why, why_size,
				 "document code field must be 1..31 of A-Z 0-9 _ -");
	memcpy(c.document_code, field[4], flen[4]);
	if (flen[5] && !date_form_ok(field[5], flen[5]))
		return folio_why(-EINVAL, why, why_size,
				 "received date must be YYYY-MM-DD or empty");
	memcpy(c.received, field[5], flen[5]);
	*ret = c;
	return 0;
}

/* ---- the printed sheet ---- */

#define A4_W COVERSHEET_PAGE_W_PT
#define A4_H COVERSHEET_PAGE_H_PT
#define MARGIN COVERSHEET_MARGIN_PT
#define BAR_H COVERSHEET_BAR_PT
#define LEFT COVERSHEET_LEFT_PT

static void show_fitted(cairo_t *cr, const char *text, double x, double y, double size,
			double max_w, bool bold)
{
	cairo_text_extents_t ext;

	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, text, &ext);
	if (ext.x_advance > max_w)
		cairo_set_font_size(cr, size * max_w / ext.x_advance);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, text);
}

static void field_line(cairo_t *cr, double y, const char *label, const char *value, double size)
{
	show_fitted(cr, label, LEFT, y, 11, 100, false);
	show_fitted(cr, value, COVERSHEET_VALUE_PT, y, size, A4_W - MARGIN - COVERSHEET_VALUE_PT,
		    true);
}

/*
 * The Code 128 runs down the left edge, along the page's length: a long payload then gets
 * modules of about 0.4 mm, which 200 dpi bitonal scans still resolve.
 */
static void draw_code128(cairo_t *cr, const uint8_t *m, size_t n)
{
	double avail = A4_H - 2 * MARGIN, mw, y;

	mw = avail / (double)(n + 20); /* 10 modules of quiet zone at each end */
	y = MARGIN + 10 * mw;
	for (size_t i = 0; i < n;) {
		size_t run = 0;

		while (i + run < n && m[i + run] == m[i])
			run++;
		if (m[i])
			cairo_rectangle(cr, MARGIN, y + (double)i * mw, BAR_H, (double)run * mw);
		i += run;
	}
	cairo_fill(cr);
}

/* The QR Code's modules @m (@w a side) in the square of @side at @x, @y. */
static void draw_qr(cairo_t *cr, const uint8_t *m, size_t w, double x, double y, double side)
{
	double mw, x0;

	mw = side / (double)(w + 8); /* 4 modules of quiet zone on each side */
	x0 = x + 4 * mw;
	for (size_t row = 0; row < w; row++)
		for (size_t col = 0; col < w; col++)
			if (m[row * w + col])
				cairo_rectangle(cr, x0 + (double)col * mw,
						y + 4 * mw + (double)row * mw, mw, mw);
	cairo_fill(cr);
}

/* Both barcodes of @payload: the Code 128 down the left edge, the QR Code in its box. */
static int draw_barcodes(cairo_t *cr, const char *payload, size_t len)
{
	_cleanup_free_ uint8_t *bars = NULL, *qr = NULL;
	size_t n = 0, w = 0;
	int r;

	r = barcode_code128(payload, len, &bars, &n);
	if (r == 0)
		r = barcode_qr(payload, len, &qr, &w);
	if (r < 0)
		return r;
	draw_code128(cr, bars, n);
	draw_qr(cr, qr, w, COVERSHEET_QR_X_PT, COVERSHEET_QR_Y_PT, COVERSHEET_QR_PT);
	return 0;
}

int coversheet_write_pdf(const struct coversheet *c, const char *path)
{
	char payload[COVERSHEET_PAYLOAD_MAX + 1], title[64];
	struct sheetpdf pdf;
	cairo_t *cr;
	int len, r;

	len = coversheet_payload(c, payload, sizeof(payload));
	if (len < 0)
		return len;
	r = sheetpdf_begin(&pdf, path, A4_W, A4_H);
	if (r < 0)
		return r;
	cr = pdf.cr;

	show_fitted(cr, "FOLIO COVER SHEET", LEFT, 80, 30, A4_W - MARGIN - LEFT, true);
	show_fitted(cr, "Put this sheet in front of the document it names.", LEFT, 104, 10,
		    A4_W - MARGIN - LEFT, false);
	show_fitted(cr, "Do not fold it or write on the barcodes.", LEFT, 118, 10,
		    A4_W - MARGIN - LEFT, false);
	snprintf(title, sizeof(title), "%s", ip_type_name(c->ip_type));
	title[0] = (char)(title[0] - 'a' + 'A');
	field_line(cr, 160, "Office", c->office, 26);
	field_line(cr, 205, "IP right", title, 26);
	field_line(cr, 255, "Application", c->application, 30);
	field_line(cr, 305, "Document code", c->document_code, 30);
	field_line(cr, 350, "Received", c->received[0] ? c->received : "(date of capture)", 22);

	r = draw_barcodes(cr, payload, (size_t)len);
	if (r == 0)
		show_fitted(cr, payload, LEFT, 790, 8, A4_W - MARGIN - LEFT, false);
	return sheetpdf_end(&pdf, r);
}
