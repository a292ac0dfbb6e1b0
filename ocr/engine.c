/* One Tesseract engine through the C API (see engine.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "ocr/engine.h"

struct ocr_engine {
	TessBaseAPI *api;
	char languages[OCR_MAX_LANGUAGES_LEN + 1];
};

static void pix_destroy(PIX *p)
{
	pixDestroy(&p);
}
DEFINE_POINTER_CLEANUP(PIX, pix_destroy)

bool ocr_languages_valid(const char *languages)
{
	size_t len, name = 0;

	if (!languages)
		return false;
	len = strnlen(languages, OCR_MAX_LANGUAGES_LEN + 1);
	if (len == 0 || len > OCR_MAX_LANGUAGES_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = languages[i];

		if (c == '+') {
			if (name == 0)
				return false;
			name = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '_') {
			name++;
		} else {
			return false;
		}
	}
	return name > 0;
}

bool ocr_psm_valid(int psm)
{
	return psm == OCR_PSM_AUTO_OSD || (psm >= OCR_PSM_AUTO && psm <= OCR_PSM_MAX);
}

static void lept_message(const char *msg)
{
	size_t n = strlen(msg);

	log_debug("leptonica (in tesseract): %.*s", (int)(n && msg[n - 1] == '\n' ? n - 1 : n),
		  msg);
}

/* Tesseract's layout analysis calls Leptonica, whose complaints ("Error in
 * boxClipToRectangle: box outside rectangle") are harmless there and went straight to the
 * journal. They are debugging output: the page's result says whether the read went well. */
static void quiet_leptonica(void)
{
	leptSetStderrHandler(lept_message);
}

int ocr_engine_new(const char *languages, struct ocr_engine **ret)
{
	static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
	struct ocr_engine *e;

	if (!ocr_languages_valid(languages) || !ret)
		return -EINVAL;
	pthread_once(&quiet_once, quiet_leptonica);
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	strcpy(e->languages, languages);
	e->api = TessBaseAPICreate();
	if (!e->api) {
		free(e);
		return -ENOMEM;
	}
	/* Tesseract's chatter ("Empty page!!", "Detected N diacritics") is not for people at the
	 * station: keep it out of the worker's stderr, which is the journal. */
	TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
	if (TessBaseAPIInit3(e->api, NULL, languages) != 0) {
		log_debug("tesseract cannot load the models of '%s'", languages);
		ocr_engine_free(e);
		return -FOLIO_ECONFIG;
	}
	/* Layout analysis tunes the pitch of every row that might be fixed-pitch (typewriter) by
	 * dynamic programming over the row's character cells: about 4% of a page's instructions.
	 * The LSTM recogniser reads whole lines and places its own spaces, so the result does
	 * not depend on it: text is byte-identical with and without on pagegen's pages and on
	 * the ground-truth pages of tests/integration/ocr_groundtruth.c, the typewritten one
	 * included. Set after Init, so that no model's config file can override it. */
	TessBaseAPISetVariable(e->api, "textord_disable_pitch_test", "1");
	*ret = e;
	return 0;
}

struct ocr_engine *ocr_engine_free(struct ocr_engine *e)
{
	if (!e)
		return NULL;
	if (e->api) {
		TessBaseAPIEnd(e->api);
		TessBaseAPIDelete(e->api);
	}
	free(e);
	return NULL;
}

const char *ocr_engine_languages(const struct ocr_engine *e)
{
	return e->languages;
}

const char *ocr_engine_version(void)
{
	return TessVersion();
}

void ocr_page_result_release(struct ocr_page_result *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->hocr);
	*r = (struct ocr_page_result){ 0 };
}

static int check_size(uint64_t w, uint64_t h)
{
	if (w == 0 || h == 0)
		return -EINVAL;
	if (w > OCR_MAX_DIMENSION || h > OCR_MAX_DIMENSION || w * h > OCR_MAX_PIXELS)
		return -FOLIO_ETOOBIG;
	return 0;
}

/* A copy of Tesseract's string in our own heap, bounded; Tesseract's copy is deleted. */
static int take_text(char *t, size_t max, char **ret)
{
	char *copy;

	if (!t)
		return -EIO;
	if (strnlen(t, max + 1) > max) {
		TessDeleteText(t);
		return -FOLIO_ETOOBIG;
	}
	copy = strdup(t);
	TessDeleteText(t);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	return 0;
}

/* Calls @fn with every word of the page just read, at Tesseract's page iterator. */
static void each_word(TessBaseAPI *api, void (*fn)(TessPageIterator *pi, void *user), void *user)
{
	TessResultIterator *ri = TessBaseAPIGetIterator(api);
	TessPageIterator *pi;

	if (!ri)
		return; /* no words */
	pi = TessResultIteratorGetPageIterator(ri);
	do
		fn(pi, user);
	while (TessPageIteratorNext(pi, RIL_WORD));
	TessResultIteratorDelete(ri);
}

struct mask_words {
	PIX *mask;
	int margin;
};

static void mask_word(TessPageIterator *pi, void *user)
{
	struct mask_words *m = user;
	int l, t, r, b;

	if (TessPageIteratorBoundingBox(pi, RIL_WORD, &l, &t, &r, &b))
		pixRasterop(m->mask, l - m->margin, t - m->margin, r - l + 2 * m->margin,
			    b - t + 2 * m->margin, PIX_SET, NULL, 0, 0);
}

/* A 1-bpp mask of the size of @page with the boxes of the words just read set. */
static PIX *word_mask(TessBaseAPI *api, const PIX *page, unsigned dpi)
{
	struct mask_words m = { .margin = (int)(dpi / OCR_INK_WORD_MARGIN) };

	m.mask = pixCreate(pixGetWidth(page), pixGetHeight(page), 1);
	if (m.mask)
		each_word(api, mask_word, &m);
	return m.mask;
}

/*
 * The ink marks of the page just read (Tesseract's thresholded image), and those that lie
 * outside every word read (engine.h). Leaves both 0 when Tesseract gives no thresholded
 * image of the page's size. Returns 0 or -ENOMEM.
 */
static int ink_read(TessBaseAPI *api, const PIX *page, unsigned dpi, struct ocr_page_result *r)
{
	int min_h = (int)(dpi / OCR_INK_MARK_MIN_HEIGHT),
	    max_h = (int)(dpi / OCR_INK_MARK_MAX_HEIGHT),
	    max_w = (int)(dpi / OCR_INK_MARK_MAX_WIDTH);
	_cleanup_(pix_destroyp) PIX *ink = TessBaseAPIGetThresholdedImage(api);
	_cleanup_(pix_destroyp) PIX *mask = NULL;
	BOXA *marks;
	int n;

	if (!ink || pixGetDepth(ink) != 1 || pixGetWidth(ink) != pixGetWidth(page) ||
	    pixGetHeight(ink) != pixGetHeight(page))
		return 0;
	mask = word_mask(api, page, dpi);
	marks = mask ? pixConnCompBB(ink, 8) : NULL;
	if (!marks)
		return -ENOMEM;
	n = boxaGetCount(marks);
	for (int i = 0; i < n; i++) {
		l_int32 x, y, w, h;
		l_uint32 v = 0;

		if (boxaGetBoxGeometry(marks, i, &x, &y, &w, &h) != 0 || h < min_h || h > max_h ||
		    w > max_w)
			continue;
		r->ink_marks++;
		pixGetPixel(mask, x + w / 2, y + h / 2, &v);
		if (!v)
			r->ink_unread++;
	}
	boxaDestroy(&marks);
	return 0;
}

static void count_upright(TessPageIterator *pi, void *user)
{
	uint32_t *n = user;
	int l, t, r, b;

	if (TessPageIteratorBoundingBox(pi, RIL_TEXTLINE, &l, &t, &r, &b) && r - l >= b - t)
		(*n)++;
}

/*
 * The words of the page just read that stand on level lines, wider than they are high
 * (struct ocr_page_result). Tesseract reads a page lying a quarter turn in columns of lines
 * standing on end, and its layout reports them upright all the same.
 */
static uint32_t words_upright(TessBaseAPI *api)
{
	uint32_t n = 0;

	each_word(api, count_upright, &n);
	return n;
}

/* Runs Tesseract over @pix (1, 8 or 32 bpp) at @dpi. */
static int recognise_pix(struct ocr_engine *e, PIX *pix, unsigned dpi, int psm,
			 struct ocr_page_result *ret)
{
	struct ocr_page_result r = { 0 };
	double sum = 0;
	int *confs;
	int err;

	TessBaseAPISetPageSegMode(e->api, (TessPageSegMode)psm);
	TessBaseAPISetImage2(e->api, pix);
	TessBaseAPISetSourceResolution(e->api, (int)dpi);
	if (TessBaseAPIRecognize(e->api, NULL) != 0) {
		err = -EIO;
		goto out;
	}
	err = take_text(TessBaseAPIGetUTF8Text(e->api), OCR_MAX_TEXT_BYTES, &r.text);
	if (err < 0)
		goto out;
	err = take_text(TessBaseAPIGetHOCRText(e->api, 0), OCR_MAX_HOCR_BYTES, &r.hocr);
	if (err < 0)
		goto out;
	confs = TessBaseAPIAllWordConfidences(e->api);
	if (!confs) {
		err = -EIO;
		goto out;
	}
	for (const int *c = confs; *c >= 0; c++) {
		sum += *c;
		r.words++;
	}
	TessDeleteIntArray(confs);
	r.mean_confidence = r.words ? sum / r.words : 0.0;
	r.words_upright = r.words ? words_upright(e->api) : 0;
	err = ink_read(e->api, pix, dpi, &r);
	if (err < 0)
		goto out;
	snprintf(r.languages, sizeof(r.languages), "%s", e->languages);
	*ret = r;
	r = (struct ocr_page_result){ 0 };
out:
	ocr_page_result_release(&r);
	TessBaseAPIClear(e->api);
	return err;
}

/* A Leptonica image of a frame: 1 bpp (1 black, as SANE), 8 bpp grey, or 32 bpp RGB. */
static int frame_to_pix(const struct frame *f, PIX **ret)
{
	uint64_t min_bpl;
	l_int32 d;
	int err;

	err = check_size(f->width, f->height);
	if (err < 0)
		return err;
	if (!f->data || f->dpi < OCR_MIN_DPI || f->dpi > OCR_MAX_DPI)
		return -EINVAL;
	if (f->depth == 1 && f->channels == 1)
		d = 1;
	else if (f->depth == 8 && f->channels == 1)
		d = 8;
	else if (f->depth == 8 && f->channels == 3)
		d = 32;
	else
		return -FOLIO_EFORMAT;
	min_bpl = ((uint64_t)f->width * f->depth * f->channels + 7) / 8;
	if (f->bytes_per_line < min_bpl)
		return -EINVAL;

	PIX *pix = pixCreate((l_int32)f->width, (l_int32)f->height, d);
	if (!pix)
		return -ENOMEM;
	pixSetResolution(pix, (l_int32)f->dpi, (l_int32)f->dpi);
	l_uint32 *data = pixGetData(pix);
	l_int32 wpl = pixGetWpl(pix);
	for (uint32_t y = 0; y < f->height; y++) {
		const uint8_t *src = f->data + (size_t)y * f->bytes_per_line;
		l_uint32 *line = data + (size_t)y * wpl;

		if (d == 32) {
			for (uint32_t x = 0; x < f->width; x++) {
				const uint8_t *s = src + 3 * (size_t)x;

				composeRGBPixel(s[0], s[1], s[2], line + x);
			}
		} else {
			/* Leptonica's byte order within a line is big-endian by the macro. */
			for (uint32_t k = 0; k < (uint32_t)min_bpl; k++)
				SET_DATA_BYTE(line, k, src[k]);
		}
	}
	if (d == 1)
		pixSetPadBits(pix, 0);
	*ret = pix;
	return 0;
}

int ocr_engine_recognise(struct ocr_engine *e, const struct frame *f, int psm,
			 struct ocr_page_result *ret)
{
	_cleanup_(pix_destroyp) PIX *pix = NULL;
	int err;

	if (!e || !f || !ret || !ocr_psm_valid(psm))
		return -EINVAL;
	err = frame_to_pix(f, &pix);
	if (err < 0)
		return err;
	return recognise_pix(e, pix, f->dpi, psm, ret);
}

/* Decodes an encoded page within the bounds; @dpi 0 takes the file's. */
static int decode_image(const void *image, size_t len, unsigned dpi, PIX **ret, unsigned *ret_dpi)
{
	_cleanup_(pix_destroyp) PIX *pix = NULL;
	l_int32 format, w, h, bps, spp, cmap;
	int err;

	if (len > OCR_MAX_IMAGE_BYTES)
		return -FOLIO_ETOOBIG;
	if (len < 8 || pixReadHeaderMem(image, len, &format, &w, &h, &bps, &spp, &cmap) != 0)
		return -FOLIO_EFORMAT;
	if (w <= 0 || h <= 0 || bps <= 0 || spp <= 0 || spp > 4 || bps > 16)
		return -FOLIO_EFORMAT;
	err = check_size((uint64_t)w, (uint64_t)h);
	if (err < 0)
		return err;

	pix = pixReadMem(image, len);
	if (!pix)
		return -FOLIO_EFORMAT;
	/* The header and the decoded image must agree (a multi-page file gives its first page). */
	if (pixGetWidth(pix) != w || pixGetHeight(pix) != h)
		return -FOLIO_EFORMAT;
	if (dpi == 0)
		dpi = (unsigned)MAX(pixGetXRes(pix), 0);
	if (dpi < OCR_MIN_DPI || dpi > OCR_MAX_DPI)
		return -EINVAL;
	*ret = TAKE_PTR(pix);
	*ret_dpi = dpi;
	return 0;
}

int ocr_engine_recognise_image(struct ocr_engine *e, const void *image, size_t len, unsigned dpi,
			       int psm, struct ocr_page_result *ret)
{
	return ocr_engine_recognise_turned(e, image, len, dpi, psm, 0, ret);
}

int ocr_engine_recognise_turned(struct ocr_engine *e, const void *image, size_t len, unsigned dpi,
				int psm, unsigned turn, struct ocr_page_result *ret)
{
	_cleanup_(pix_destroyp) PIX *pix = NULL;
	int err;

	if (!e || !image || !ret || !ocr_psm_valid(psm) || turn % 90 || turn >= 360)
		return -EINVAL;
	err = decode_image(image, len, dpi, &pix, &dpi);
	if (err < 0)
		return err;
	if (turn) {
		PIX *turned = pixRotateOrth(pix, (int)(turn / 90));

		if (!turned)
			return -ENOMEM;
		pixDestroy(&pix);
		pix = turned;
	}
	return recognise_pix(e, pix, dpi, psm, ret);
}

int ocr_engine_osd_image(struct ocr_engine *e, const void *image, size_t len, unsigned dpi,
			 struct ocr_osd *ret)
{
	_cleanup_(pix_destroyp) PIX *pix = NULL;
	const char *name = NULL;
	float orient_conf = 0, script_conf = 0;
	int orient = 0, err;
	BOOL ok;

	if (!e || !image || !ret)
		return -EINVAL;
	err = decode_image(image, len, dpi, &pix, &dpi);
	if (err < 0)
		return err;
	TessBaseAPISetPageSegMode(e->api, PSM_OSD_ONLY);
	TessBaseAPISetImage2(e->api, pix);
	TessBaseAPISetSourceResolution(e->api, (int)dpi);
	ok = TessBaseAPIDetectOrientationScript(e->api, &orient, &orient_conf, &name, &script_conf);
	err = ok && name ? 0 : -ENODATA; /* too little text to tell */
	if (err == 0) {
		/* @orient is how far the text lies turned, counter-clockwise: undo it clockwise. */
		*ret = (struct ocr_osd){
			.turn = (unsigned)((360 - orient % 360) % 360),
			.orientation_conf = orient_conf,
		};
		snprintf(ret->script, sizeof(ret->script), "%s", name);
	}
	/*
	 * @name points into the engine's own script table (baseapi.cpp hands out the unicharset's
	 * string), so it is not ours to free: freeing it left a dangling entry that the next
	 * detection read after free, and corrupted the worker's heap.
	 */
	TessBaseAPIClear(e->api);
	return err;
}
