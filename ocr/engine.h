#ifndef FOLIO_OCR_ENGINE_H
#define FOLIO_OCR_ENGINE_H

/*
 * One Tesseract engine, in-process: the model is loaded once by ocr_engine_new() and kept for
 * every page. This is what runs inside an OCR worker process (see pool.h); the firmware itself
 * never calls it, so a page that crashes Tesseract takes down a worker, not the station.
 *
 * Not thread-safe: one engine serves one thread at a time. Tesseract's OpenMP threads follow
 * OMP_THREAD_LIMIT as it was when the process started; workers get OMP_THREAD_LIMIT=1.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "kconfig.h"

/* Bounds on a page: encoded size, pixels per side, pixels in all, resolution. */
#define OCR_MAX_IMAGE_BYTES (256u * 1024 * 1024)
#define OCR_MAX_DIMENSION 32768u
#define OCR_MAX_PIXELS (160u * 1000 * 1000)
#define OCR_MIN_DPI 50u
#define OCR_MAX_DPI 2400u
/* Bounds on a page's results (longer results fail the page with -FOLIO_ETOOBIG). */
#define OCR_MAX_TEXT_BYTES (16u * 1024 * 1024)
#define OCR_MAX_HOCR_BYTES (96u * 1024 * 1024)
/* Longest language list, e.g. "ara+eng+fra". */
#define OCR_MAX_LANGUAGES_LEN 64u

/* Page segmentation modes (Tesseract's numbering, as `tesseract --psm N`). */
#define OCR_PSM_AUTO_OSD 1     /* automatic layout with orientation and script detection */
#define OCR_PSM_AUTO 3	       /* automatic layout: the `tesseract` command's default */
#define OCR_PSM_SINGLE_BLOCK 6 /* one uniform block of text */
#define OCR_PSM_SPARSE 11      /* as much text as possible, in no particular order */
#define OCR_PSM_MAX 13

struct ocr_engine;

/* What recognition gives for one page. All strings are malloc'ed, owned by the struct. */
struct ocr_page_result {
	char *text;		/* UTF-8 text in logical (reading) order, lines ending in '\n' */
	char *hocr;		/* hOCR (UTF-8 XHTML fragment: the ocr_page div) with word boxes
				 * (bbox, in pixels of the page) and confidences (x_wconf) */
	double mean_confidence; /* mean word confidence, 0..100; 0 when there are no words */
	uint32_t words;		/* words recognised */
	char languages[OCR_MAX_LANGUAGES_LEN + 1]; /* the models that read it, "ara+eng" */
	/* Asked to check the orientation first (ocr_pool_submit_in()): */
	bool orientation_checked; /* known: read well and level as it lies, or OSD was sure */
	unsigned turn; /* 90/180/270: lying turned, read turned clockwise by this much; else 0 */
	/*
	 * How much of the page's ink was read as words: ink marks are the text-sized pieces of
	 * ink of the image Tesseract read (8-connected components of its thresholded image,
	 * OCR_INK_MARK_* below: letters, digits and broken or joined strokes of them; not
	 * specks, rules or pictures); unread, those whose centre lies in no word's box. Many
	 * marks unread: Tesseract's layout analysis left lines of text out of the page's text,
	 * which its word confidences cannot show. Both 0 when unknown.
	 */
	uint32_t ink_marks;
	uint32_t ink_unread;
	/*
	 * Words on level lines (wider than high). A page lying a quarter turn is read in columns
	 * of lines standing on end, which do not count.
	 */
	uint32_t words_upright;
};

/*
 * What counts as an ink mark (struct ocr_page_result), in fractions of an inch: at least
 * 1/40 (0.6 mm) and at most 1/3 (8.5 mm) high, at most 1/2 (12.7 mm) wide: the characters
 * of 5 to 30 point type, and joined runs of them. A word's box counts 1/50 inch (0.5 mm)
 * wider on every side, for the strokes Tesseract's box leaves out.
 */
#define OCR_INK_MARK_MIN_HEIGHT 40u /* dpi / 40 */
#define OCR_INK_MARK_MAX_HEIGHT 3u  /* dpi / 3 */
#define OCR_INK_MARK_MAX_WIDTH 2u   /* dpi / 2 */
#define OCR_INK_WORD_MARGIN 50u	    /* dpi / 50 */

/*
 * ocr_languages_valid - whether @languages is a well-formed language list
 *
 * True for one or more Tesseract language names ([A-Za-z0-9_], e.g. "eng", "chi_sim") joined
 * by '+', at most OCR_MAX_LANGUAGES_LEN bytes. Says nothing about whether the models exist.
 */
bool ocr_languages_valid(const char *languages);

/*
 * ocr_psm_valid - whether @psm is a page segmentation mode that gives text
 *
 * True for 1 and 3..13 (0 only detects orientation, 2 only finds the layout).
 */
bool ocr_psm_valid(int psm);

/*
 * ocr_engine_new - load Tesseract with the models of @languages
 * @languages: "eng", "fra", "ara", "ara+eng" ... (Tesseract's installed models, tessdata)
 * @ret: receives the engine, to be freed with ocr_engine_free()
 *
 * Takes from a fraction of a second to a few seconds. Returns 0, -EINVAL for a malformed
 * language list, -FOLIO_ECONFIG when Tesseract cannot load a model (not installed), -ENOMEM.
 */
int ocr_engine_new(const char *languages, struct ocr_engine **ret);

/* ocr_engine_free - unload the engine; takes NULL; returns NULL. */
struct ocr_engine *ocr_engine_free(struct ocr_engine *e);

/* The language list the engine was created with; valid as long as the engine. */
const char *ocr_engine_languages(const struct ocr_engine *e);

/*
 * ocr_engine_version - the Tesseract library's version ("5.3.0"); a static string. hOCR and
 * ALTO name it; a build without OCR (CONFIG_OCR) writes neither, and names none.
 */
#if IS_ENABLED(CONFIG_OCR)
const char *ocr_engine_version(void);
#else
static inline const char *ocr_engine_version(void)
{
	return "none";
}
#endif

/*
 * ocr_engine_recognise - recognise one raw page
 * @f: the page (frame.h conventions: 1-bit with 1 black, 8-bit grey, 8-bit RGB); f->dpi is its
 *     resolution and is passed to Tesseract as is
 * @psm: page segmentation mode (OCR_PSM_AUTO for whole pages)
 * @ret: receives the result on success; release it with ocr_page_result_release()
 *
 * Returns 0, -EINVAL for a bad psm or frame description, -FOLIO_ETOOBIG beyond the bounds above,
 * -FOLIO_EFORMAT for an unsupported depth or channel count, -EIO when Tesseract fails, -ENOMEM.
 * A page with no text is a success with empty text and no words.
 */
int ocr_engine_recognise(struct ocr_engine *e, const struct frame *f, int psm,
			 struct ocr_page_result *ret);

/*
 * ocr_engine_recognise_image - recognise one encoded page (TIFF, JPEG, PNG, PNM as stored)
 * @image, @len: the file's bytes, at most OCR_MAX_IMAGE_BYTES
 * @dpi: the page's resolution; 0 takes the resolution recorded in the file
 * @psm, @ret: as for ocr_engine_recognise()
 *
 * The size in the file's header is checked against the bounds before anything is decoded.
 * Returns 0, -EINVAL (bad psm, no resolution given or recorded, dpi out of range), -FOLIO_EFORMAT
 * (not an image Leptonica can decode), -FOLIO_ETOOBIG, -EIO, -ENOMEM.
 */
int ocr_engine_recognise_image(struct ocr_engine *e, const void *image, size_t len, unsigned dpi,
			       int psm, struct ocr_page_result *ret);

/*
 * ocr_engine_recognise_turned - as ocr_engine_recognise_image(), the page turned clockwise by
 * @turn degrees (0, 90, 180, 270) first: word boxes are in pixels of the turned page
 */
int ocr_engine_recognise_turned(struct ocr_engine *e, const void *image, size_t len, unsigned dpi,
				int psm, unsigned turn, struct ocr_page_result *ret);

/* What Tesseract's orientation and script detection tells of a page. */
struct ocr_osd {
	char script[32];	/* "Latin", "Arabic", "Cyrillic"... as OSD names it */
	unsigned turn;		/* clockwise degrees (0, 90, 180, 270) that bring it upright */
	float orientation_conf; /* OSD's confidence in @turn */
};

/*
 * Below this confidence OSD's orientation is a guess, not a finding: a page is turned only
 * above it. The figure OCRmyPDF uses by default for the same decision (rotate_pages_threshold).
 */
#define OCR_OSD_MIN_ORIENTATION_CONF 14.0f

/*
 * A page read as it lies that has at least this many words, at this mean confidence, nine in
 * ten on upright lines, stands upright (ocr/worker.c: no orientation detection needed).
 */
#define OCR_UPRIGHT_MIN_WORDS 20u
#define OCR_UPRIGHT_MIN_CONFIDENCE 65.0

/*
 * ocr_engine_osd_image - the script and orientation of an encoded page
 * @e: an engine created with the "osd" model
 * @image, @len, @dpi: as for ocr_engine_recognise_image()
 * @ret: receives what OSD found
 *
 * Returns 0, -ENODATA when the page has too little text to tell, or the errors of
 * ocr_engine_recognise_image().
 */
int ocr_engine_osd_image(struct ocr_engine *e, const void *image, size_t len, unsigned dpi,
			 struct ocr_osd *ret);

/* ocr_page_result_release - free the strings of @r and zero it; takes a zeroed or NULL @r. */
void ocr_page_result_release(struct ocr_page_result *r);

#endif
