#ifndef FOLIO_OCR_SCORE_H
#define FOLIO_OCR_SCORE_H

/*
 * Recognition accuracy: character and word error rates of a recognised text against its ground
 * truth, by the ISRI definition (the UNLV/ISRI OCR evaluation tools).
 *
 * Both texts are first normalised the same way:
 *  - Unicode NFC;
 *  - blanks (space, tab, CR, VT, FF, no-break space and the other Unicode space separators)
 *    at the start and end of every line are dropped, and runs of blanks inside a line become
 *    one space;
 *  - lines left empty are dropped;
 *  - the remaining lines are joined with one newline each (no newline after the last one).
 *    A newline is a character like any other.
 * Comparison is case-sensitive, over Unicode code points; right-to-left text is compared in
 * its logical (stored) order.
 *
 * CER = Levenshtein distance (insertions, deletions, substitutions of code points) turning the
 * recognised text into the truth, divided by the number of code points in the truth.
 * WER = the same over words (maximal runs of non-blanks, lines do not matter), divided by the
 * number of words in the truth.
 */

#include <stddef.h>

/* Each text may hold at most this many code points (the distance takes quadratic time). */
#define OCR_SCORE_MAX_CHARS 200000u
/* Each text may be at most this many bytes long. */
#define OCR_SCORE_MAX_BYTES (4u * 1024 * 1024)

struct ocr_score {
	size_t chars;	    /* code points in the normalised truth */
	size_t char_errors; /* edit distance in code points */
	double cer;	    /* char_errors / chars; 0 when both are empty, 1 when only truth is */
	size_t words;	    /* words in the truth */
	size_t word_errors; /* edit distance in words */
	double wer;	    /* word_errors / words, same conventions as cer */
};

/*
 * ocr_score - compare a recognised text with its ground truth
 * @truth: ground truth, UTF-8, NUL-terminated
 * @recognised: recognised text, UTF-8, NUL-terminated
 * @ret: receives the figures on success
 *
 * Returns 0, -EINVAL for a NULL argument, -EILSEQ when a text is not valid UTF-8,
 * -FOLIO_ETOOBIG when a text exceeds OCR_SCORE_MAX_BYTES or OCR_SCORE_MAX_CHARS, -ENOMEM.
 * Thread-safe; takes time proportional to the product of the two lengths.
 */
int ocr_score(const char *truth, const char *recognised, struct ocr_score *ret);

/*
 * ocr_score_format - the one-line summary that `folio ocr-score` prints
 * @s: figures from ocr_score()
 * @buf, @size: destination, always NUL-terminated when size > 0
 *
 * Writes e.g. "CER 2.31% (12/519 characters)  WER 5.10% (5/98 words)" without a newline.
 * Returns the length snprintf() would have written.
 */
int ocr_score_format(const struct ocr_score *s, char *buf, size_t size);

/*
 * ocr_normalise - the normalised form ocr_score() compares, for display and tests
 * @text: UTF-8, NUL-terminated
 * @ret: receives a malloc'ed UTF-8 string the caller frees
 *
 * Returns 0 or the errors of ocr_score().
 */
int ocr_normalise(const char *text, char **ret);

#endif
