#ifndef FOLIO_IMAGE_PROCESS_H
#define FOLIO_IMAGE_PROCESS_H

/*
 * The image stage: one raw page in, one cleaned, encoded page and a report out.
 *
 *   frame ─► scanner borders and punch holes painted out ─► binarisation (background divided out, one Otsu threshold)
 *         ─► skew and orientation measured ─► rotated upright ─► despeckle ─► blank measure
 *         ─► quality flags ─► G4 TIFF (bitonal) or JPEG (grey, colour)
 *
 * Every step and its parameters are written into the report's ops record, with the library
 * versions, so the office can tell how an image was derived from the scan. Blank pages are
 * flagged with their score, never dropped: what to do with them is the caller's decision.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "firmware/image/encode.h"

enum image_output {
	IMAGE_OUTPUT_BITONAL, /* 1 bit, CCITT G4 TIFF */
	IMAGE_OUTPUT_GREY,    /* 8 bit grey JPEG */
	IMAGE_OUTPUT_COLOUR,  /* RGB JPEG (grey input stays grey) */
	/*
	 * Per page, as production scanners' automatic colour detection: colour JPEG when the
	 * page has colour (a stamp, a signature, a highlight), else grey JPEG when it has grey
	 * tones that black and white would lose (a photograph, shading), else bitonal G4.
	 */
	IMAGE_OUTPUT_AUTO,
};

/*
 * Automatic output: a page with more than this share of coloured pixels is delivered in colour
 * (about 6 mm² of an A4 page: the ink of a small stamp; on the degraded dev set a stamp scores
 * 0.02-0.04%, yellowed paper and violet typing under 0.003%).
 */
#define IMAGE_AUTO_COLOUR_SHARE 0.0001
/* A colour is a pixel whose channels differ by more than this (paper's yellowing stays below). */
#define IMAGE_AUTO_MIN_CHROMA 48
/* Automatic output: more than this share of mid-grey pixels (neither paper nor ink) is grey. */
#define IMAGE_AUTO_TONE_SHARE 0.08

/* Quality flags for the clerk (struct image_page_report.flags). */
#define IMAGE_FLAG_SKEW (1u << 0)   /* fed more crooked than skew_limit_deg */
#define IMAGE_FLAG_DARK (1u << 1)   /* paper too dark (exposure, coloured paper), or mostly black */
#define IMAGE_FLAG_LIGHT (1u << 2)  /* print too faint to read well */
#define IMAGE_FLAG_SHORT (1u << 3)  /* sheet smaller than expected */
#define IMAGE_FLAG_LENGTH (1u << 4) /* length far from the batch median (image_length_check) */
/* A page with content whose text orientation Leptonica could not tell (or not Latin text) */
#define IMAGE_FLAG_ORIENTATION (1u << 5)
/* Not a problem: IMAGE_OUTPUT_AUTO chose the output (colour_share and tone_share are its measure) */
#define IMAGE_FLAG_AUTO (1u << 6)

struct image_profile {
	enum image_output output;
	bool deskew;		/* measure and correct skew (it is always measured) */
	bool orient;		/* detect and correct 90/180/270 orientation */
	bool clean_borders;	/* paint out dark scanner borders and punch holes */
	bool despeckle;		/* remove specks up to 1/150 inch */
	int jpeg_quality;	/* 1..100 */
	double skew_limit_deg;	/* IMAGE_FLAG_SKEW above this */
	double blank_threshold; /* blank when the score is below this (percent coverage) */
	unsigned dark_paper;	/* IMAGE_FLAG_DARK when the paper is darker than this (0..255) */
	unsigned light_ink;	/* IMAGE_FLAG_LIGHT when the ink (median) is lighter (0..255) */
	double expected_width_mm, expected_height_mm; /* IMAGE_FLAG_SHORT below 95%; 0 = none */
	const char *software;			      /* TIFF Software tag; NULL for "Folio" */
};

struct image_page_report {
	double skew_deg;       /* measured skew, clockwise positive; 0 when not measurable */
	double skew_conf;      /* Leptonica's confidence; below 3 the angle is not trusted */
	bool deskewed;	       /* the skew was corrected */
	int orientation;       /* 0, 90, 180, 270: clockwise turn the page was fed with */
	double orient_conf;    /* strength of the orientation decision (0 when unknown) */
	double blank_score;    /* percent of the page covered by marks after cleanup */
	bool blank;	       /* blank_score < profile blank_threshold */
	unsigned paper_level;  /* grey level of the paper (255 for bitonal input) */
	unsigned ink_level;    /* median grey level of the ink (255 when none, 0 bitonal) */
	double border_percent; /* share of the scan that was scanner background */
	unsigned holes;	       /* punch holes painted out */
	double length_mm;      /* scanned length (input height) */
	double width_mm;       /* scanned width (input width) */
	uint32_t out_width, out_height; /* encoded image size */
	enum image_output output;	/* what was delivered (never AUTO) */
	double colour_share;		/* IMAGE_OUTPUT_AUTO: share of coloured pixels */
	double tone_share;		/* IMAGE_OUTPUT_AUTO: share of mid-grey pixels */
	unsigned flags;			/* IMAGE_FLAG_* */
	char ops[1024]; /* what was done, with which parameters and library versions */
};

/*
 * image_colour_share - share of coloured pixels of a frame (channels more than
 * IMAGE_AUTO_MIN_CHROMA apart), measured on every 4th pixel of every 4th row; 0 for grey and
 * bitonal frames. The colour half of IMAGE_OUTPUT_AUTO's decision.
 */
double image_colour_share(const struct frame *f);

/* image_profile_init - the station default: bitonal, every correction on, flags at sane limits */
void image_profile_init(struct image_profile *p);

/*
 * image_process - processes one page
 * @in: the raw page (depth 1 or 8, 1 or 3 channels); not modified
 * @p: the profile, or NULL for image_profile_init()'s defaults
 * @ret_img: the encoded page; the caller owns it (encoded_image_release())
 * @ret_report: what was found and done
 *
 * Both outputs are written only on success. Thread-safe; a page needs about 2 bytes of
 * working memory per pixel for grey input.
 *
 * Returns 0, -EINVAL for a frame or profile that does not fit, -FOLIO_ETOOBIG above
 * CONFIG_IMAGE_MAX_PIXELS_M megapixels, -ENOMEM, or -FOLIO_EFORMAT when a library fails.
 */
int image_process(const struct frame *in, const struct image_profile *p,
		  struct encoded_image *ret_img, struct image_page_report *ret_report);

/*
 * image_process_ocr - as image_process(), and the image OCR should read
 * @ret_ocr: the page's other image for OCR, in the delivered image's geometry (same size,
 *           deskewed, cropped, turned): when the page is delivered bitonal from a grey or
 *           colour scan, the cleaned grey page as grey JPEG of the profile's quality; when it
 *           is delivered in grey or colour, its bitonal image (the binarisation a bitonal
 *           page would get) as CCITT G4 TIFF, about 70 KB; zeroed for a bitonal scan. May be
 *           NULL: none is made. The caller owns it (encoded_image_release()).
 *
 * Bitonal images lose faint and blurred strokes that Tesseract's own thresholding keeps, and
 * on other degraded pages Tesseract reads the background-normalised bitonal image better than
 * the JPEG: OCR reads both and keeps the more confident text, and word boxes fit either.
 */
int image_process_ocr(const struct frame *in, const struct image_profile *p,
		      struct encoded_image *ret_img, struct encoded_image *ret_ocr,
		      struct image_page_report *ret_report);

/*
 * image_length_check - flags pages whose length is far from the batch median
 * @reports: the batch's page reports (length_mm filled by image_process())
 * @n: pages; fewer than 3 flag nothing (no meaningful median)
 * @tolerance: allowed relative difference, e.g. 0.1 for 10%; <= 0 for 0.1
 *
 * Sets IMAGE_FLAG_LENGTH on each page whose length differs from the median by more than
 * the tolerance (a double feed makes a page longer, a folded sheet shorter) and clears it on
 * the others. Returns the number of pages flagged, or -EINVAL.
 */
int image_length_check(struct image_page_report *reports, size_t n, double tolerance);

/*
 * image_library_versions - "leptonica-1.82.0 libtiff-4.5.0 libjpeg-turbo-2.1.5"
 * A static string, valid for the life of the process.
 */
const char *image_library_versions(void);

#endif
