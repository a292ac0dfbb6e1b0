/* Renders a page image file into the raster a SANE frontend reads. */

#include <errno.h>
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "feeder_dbg.h"
#include "feeder_page.h"

#define DEFAULT_DPI 300 /* for files that do not say */
#define FILE_DPI_MIN 10
#define FILE_DPI_MAX 20000

static inline void pix_destroyp(PIX **p)
{
	pixDestroy(p);
}

#define _cleanup_pix_ _cleanup_(pix_destroyp)

/*
 * Leptonica prints its own errors on stderr; inside a frontend's process that is noise, so it is
 * silenced around decoding unless SANE_DEBUG_FOLIO asks for page details. The level is global to
 * Leptonica: another thread's Leptonica messages may be muted meanwhile (never its results).
 */
static int leptonica_quiet(void)
{
	if (feeder_dbg_level() >= FEEDER_DBG_PAGE)
		return -1;
	return setMsgSeverity(L_SEVERITY_NONE);
}

static void leptonica_restore(int old)
{
	if (old >= 0)
		setMsgSeverity(old);
}

static uint8_t white_byte(enum feeder_mode mode)
{
	return mode == FEEDER_MODE_LINEART ? 0x00 : 0xff;
}

int feeder_page_layout(const struct feeder_request *req, size_t *ret_bytes_per_line,
		       size_t *ret_size)
{
	uint64_t bpl;

	if (req->width <= 0 || req->height <= 0)
		return -EINVAL;
	if ((uint64_t)req->width * (uint64_t)req->height > req->max_pixels)
		return -FOLIO_ETOOBIG;

	switch (req->mode) {
	case FEEDER_MODE_LINEART:
		bpl = ((uint64_t)req->width + 7) / 8;
		break;
	case FEEDER_MODE_GRAY:
		bpl = (uint64_t)req->width;
		break;
	case FEEDER_MODE_COLOR:
	default:
		bpl = (uint64_t)req->width * 3;
		break;
	}
	if (bpl * (uint64_t)req->height > SIZE_MAX / 2)
		return -FOLIO_ETOOBIG;
	*ret_bytes_per_line = (size_t)bpl;
	*ret_size = (size_t)(bpl * (uint64_t)req->height);
	return 0;
}

/* The file's resolution, sanitised: a missing or absurd value counts as DEFAULT_DPI. */
static void file_resolution(PIX *pix, const char *path, double *ret_x, double *ret_y)
{
	int xres = pixGetXRes(pix), yres = pixGetYRes(pix);
	bool x_ok = xres >= FILE_DPI_MIN && xres <= FILE_DPI_MAX;
	bool y_ok = yres >= FILE_DPI_MIN && yres <= FILE_DPI_MAX;

	if (!x_ok && !y_ok)
		xres = yres = DEFAULT_DPI;
	else if (!x_ok)
		xres = yres;
	else if (!y_ok)
		yres = xres;
	if (!x_ok || !y_ok)
		feeder_dbg(FEEDER_DBG_PAGE,
			   "'%s' has no usable resolution (%dx%d), taking %dx%d dpi", path,
			   pixGetXRes(pix), pixGetYRes(pix), xres, yres);
	*ret_x = xres;
	*ret_y = yres;
}

/* One number of a PNM header after blanks and # comments; -1 when there is none. */
static long pnm_number(FILE *f)
{
	long v = -1;
	int c;

	for (;;) {
		c = getc(f);
		if (c == '#')
			while (c != '\n' && c != EOF)
				c = getc(f);
		else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
	}
	while (c >= '0' && c <= '9') {
		if (v >= 1000000)
			return -1; /* more digits than any page has */
		v = (v < 0 ? 0 : 10 * v) + (c - '0');
		c = getc(f);
	}
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ? v : -1;
}

/*
 * Binary grey (P5) and colour (P6) PNM files of 8-bit samples, the files benchmarks and tests
 * feed most, read a row at a time: Leptonica's reader takes them a byte at a time, which is
 * most of the time the feeder spends on a page. 1 with the picture in *ret, 0 for another
 * kind of file or one over @max_pixels (Leptonica's header says), or -FOLIO_EFORMAT (the file
 * ends within the picture), -ENOMEM.
 */
static int read_pnm(const char *path, uint64_t max_pixels, PIX **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rbe");
	_cleanup_free_ uint8_t *row = NULL;
	_cleanup_pix_ PIX *pix = NULL;
	long w, h, maxval;
	int kind, spp;

	if (!f || getc(f) != 'P')
		return 0;
	kind = getc(f);
	if (kind != '5' && kind != '6')
		return 0;
	spp = kind == '5' ? 1 : 3;
	w = pnm_number(f);
	h = pnm_number(f);
	maxval = pnm_number(f);
	if (w <= 0 || h <= 0 || maxval != 255)
		return 0; /* malformed, or 16-bit: Leptonica says what is wrong or reads it */
	if ((uint64_t)w * (uint64_t)h > max_pixels)
		return 0; /* the caller says how large, from the header */
	pix = pixCreate((l_int32)w, (l_int32)h, spp == 1 ? 8 : 32);
	row = malloc((size_t)w * (size_t)spp);
	if (!pix || !row)
		return -ENOMEM;
	for (long y = 0; y < h; y++) {
		l_uint32 *line = pixGetData(pix) + (size_t)y * (size_t)pixGetWpl(pix);

		if (fread(spp == 1 ? (void *)line : (void *)row, (size_t)spp, (size_t)w, f) !=
		    (size_t)w)
			return -FOLIO_EFORMAT;
		if (spp == 3)
			for (long x = 0; x < w; x++)
				line[x] = (l_uint32)row[3 * x] << L_RED_SHIFT |
					  (l_uint32)row[3 * x + 1] << L_GREEN_SHIFT |
					  (l_uint32)row[3 * x + 2] << L_BLUE_SHIFT;
	}
	if (spp == 1) /* bytes in file order into Leptonica's words (a no-op on big-endian) */
		pixEndianByteSwap(pix);
	*ret = TAKE_PTR(pix);
	return 1;
}

/* A copy (or clone) of pix at 8 bits grey or 32 bits RGB, without colormap or alpha. */
static PIX *to_depth(PIX *pix, int depth)
{
	_cleanup_pix_ PIX *flat = NULL;

	if (pixGetDepth(pix) == 32 && pixGetSpp(pix) == 4)
		flat = pixAlphaBlendUniform(pix, 0xffffff00);
	else
		flat = pixClone(pix);
	if (!flat)
		return NULL;

	if (depth == 32) {
		if (pixGetDepth(flat) == 32)
			return pixClone(flat);
		return pixConvertTo32(flat);
	}
	if (pixGetDepth(flat) == 8 && !pixGetColormap(flat))
		return pixClone(flat);
	return pixConvertTo8(flat, 0);
}

/*
 * Decodes path and returns the part of it under the scan area, at the requested resolution and
 * at 8 (grey, lineart) or 32 (colour) bits, with its offset in the frame (may be negative). The
 * picture is cut before it is scaled, so the work is bounded by the area, not by the file's
 * resolution. *ret is NULL when the picture does not reach the area.
 */
static int load_page(const char *path, struct feeder_request *req, PIX **ret, int *ret_ox,
		     int *ret_oy)
{
	_cleanup_pix_ PIX *pix = NULL, *part = NULL, *conv = NULL, *scaled = NULL;
	l_int32 format, w, h, bps, spp, iscmap;
	double xres, yres, sx, sy;
	int x0, y0, x1, y1, r;

	if (access(path, R_OK) < 0) {
		r = -errno;
		feeder_dbg(FEEDER_DBG_ERR, "cannot read '%s': %s", path, strerror(errno));
		return r;
	}

	r = read_pnm(path, req->max_pixels, &pix);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		feeder_dbg(FEEDER_DBG_ERR, "cannot decode '%s': the file ends within the picture",
			   path);
		return r;
	}
	if (r == 1) {
		w = pixGetWidth(pix);
		h = pixGetHeight(pix);
		r = 0;
	} else {
		r = pixReadHeader(path, &format, &w, &h, &bps, &spp, &iscmap);
		if (r == 0 && w > 0 && h > 0 && (uint64_t)w * (uint64_t)h <= req->max_pixels)
			pix = pixRead(path);
	}
	if (r != 0) {
		feeder_dbg(FEEDER_DBG_ERR,
			   "cannot decode '%s': not a picture format Leptonica reads", path);
		return -FOLIO_EFORMAT;
	}
	if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > req->max_pixels) {
		feeder_dbg(FEEDER_DBG_ERR,
			   "'%s' is %dx%d pixels, larger than the limit of %llu pixels "
			   "(max-megapixels in folio.conf)",
			   path, w, h, (unsigned long long)req->max_pixels);
		return -FOLIO_ETOOBIG;
	}
	if (!pix) {
		feeder_dbg(FEEDER_DBG_ERR, "cannot decode '%s': damaged or unsupported picture",
			   path);
		return -FOLIO_EFORMAT;
	}
	/* The header is only a promise: bound what was actually decoded. */
	w = pixGetWidth(pix);
	h = pixGetHeight(pix);
	if ((uint64_t)w * (uint64_t)h > req->max_pixels) {
		feeder_dbg(FEEDER_DBG_ERR, "'%s' decodes to %dx%d pixels, over the limit", path, w,
			   h);
		return -FOLIO_ETOOBIG;
	}

	file_resolution(pix, path, &xres, &yres);
	sx = req->dpi / xres;
	sy = req->dpi / yres;
	if (req->auto_size) {
		/* The sheet as it is: its own size and aspect, within the feeder's limits. */
		req->x = req->y = 0;
		req->width = (int)MIN((double)req->max_width, MAX(1.0, round(w * sx)));
		req->height = (int)MIN((double)req->max_height, MAX(1.0, round(h * sy)));
		if ((uint64_t)req->width * (uint64_t)req->height > req->max_pixels) {
			feeder_dbg(FEEDER_DBG_ERR,
				   "'%s' makes a %dx%d frame at %d dpi, over the limit", path,
				   req->width, req->height, req->dpi);
			return -FOLIO_ETOOBIG;
		}
	}

	/* The picture's pixels under the area, with one pixel of margin for interpolation. */
	x0 = MAX(0, (int)floor(req->x / sx) - 1);
	y0 = MAX(0, (int)floor(req->y / sy) - 1);
	x1 = MIN(w, (int)ceil((req->x + req->width) / sx) + 1);
	y1 = MIN(h, (int)ceil((req->y + req->height) / sy) + 1);
	/* Nothing of the picture under the area, or less than half an output pixel of it. */
	if (x0 >= x1 || y0 >= y1 || (x1 - x0) * sx < 0.5 || (y1 - y0) * sy < 0.5) {
		*ret = NULL;
		*ret_ox = *ret_oy = 0;
		return 0;
	}
	if (x0 == 0 && y0 == 0 && x1 == w && y1 == h) {
		part = pixClone(pix);
	} else {
		BOX *box = boxCreate(x0, y0, x1 - x0, y1 - y0);

		part = box ? pixClipRectangle(pix, box, NULL) : NULL;
		boxDestroy(&box);
	}
	pixDestroy(&pix);
	if (!part)
		return -ENOMEM;

	conv = to_depth(part, req->mode == FEEDER_MODE_COLOR ? 32 : 8);
	if (!conv)
		return -ENOMEM;
	pixDestroy(&part);
	if (sx == 1.0 && sy == 1.0)
		scaled = pixClone(conv);
	else
		scaled = pixScale(conv, (l_float32)sx, (l_float32)sy);
	if (!scaled)
		return -ENOMEM;

	*ret_ox = (int)lround(x0 * sx) - req->x;
	*ret_oy = (int)lround(y0 * sy) - req->y;
	*ret = TAKE_PTR(scaled);
	return 0;
}

/* Writes the frame: pix (8 or 32 bits, may be NULL) at offset ox, oy on white paper. */
static void put_raster(PIX *pix, int ox, int oy, const struct feeder_request *req, uint8_t *data,
		       size_t bpl)
{
	const uint8_t white = white_byte(req->mode);
	int pw = 0, ph = 0, wpl = 0, c0 = 0, c1 = 0;
	const l_uint32 *base = NULL;

	if (pix) {
		pw = pixGetWidth(pix);
		ph = pixGetHeight(pix);
		wpl = pixGetWpl(pix);
		/* Grey rows become plain bytes in memory order (a no-op on big-endian hosts). */
		if (pixGetDepth(pix) == 8)
			pixEndianByteSwap(pix);
		base = pixGetData(pix);
		c0 = MAX(0, ox);
		c1 = MIN(req->width, ox + pw);
	}

	for (int y = 0; y < req->height; y++) {
		uint8_t *out = data + (size_t)y * bpl;
		int py = y - oy;
		const l_uint32 *line;
		const uint8_t *grey;

		memset(out, white, bpl);
		if (!base || py < 0 || py >= ph || c0 >= c1)
			continue;
		line = base + (size_t)py * (size_t)wpl;
		grey = (const uint8_t *)line;

		switch (req->mode) {
		case FEEDER_MODE_GRAY:
			memcpy(out + c0, grey + (c0 - ox), (size_t)(c1 - c0));
			break;
		case FEEDER_MODE_LINEART:
			for (int x = c0; x < c1; x++)
				if (grey[x - ox] < req->threshold)
					out[x >> 3] |= (uint8_t)(0x80 >> (x & 7));
			break;
		case FEEDER_MODE_COLOR:
		default:
			for (int x = c0; x < c1; x++) {
				l_uint32 px = line[x - ox];

				out[3 * x] = (uint8_t)(px >> L_RED_SHIFT);
				out[3 * x + 1] = (uint8_t)(px >> L_GREEN_SHIFT);
				out[3 * x + 2] = (uint8_t)(px >> L_BLUE_SHIFT);
			}
			break;
		}
	}
}

int feeder_page_render(const char *path, struct feeder_request *req, uint8_t **ret_data,
		       size_t *ret_size)
{
	_cleanup_free_ uint8_t *data = NULL;
	_cleanup_pix_ PIX *pix = NULL;
	size_t bpl, size;
	int ox = 0, oy = 0, r;

	/* A fixed area is checked before any decoding; an automatic one once the sheet is known. */
	r = feeder_page_layout(req, &bpl, &size);
	if (r < 0)
		return r;
	if (path) {
		int quiet = leptonica_quiet();

		r = load_page(path, req, &pix, &ox, &oy);
		leptonica_restore(quiet);
		if (r < 0)
			return r;
		r = feeder_page_layout(req, &bpl, &size);
		if (r < 0)
			return r;
	}
	data = malloc(size);
	if (!data)
		return -ENOMEM;
	put_raster(pix, ox, oy, req, data, bpl);

	*ret_data = TAKE_PTR(data);
	*ret_size = size;
	return 0;
}
