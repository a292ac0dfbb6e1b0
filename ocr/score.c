/*
 * Character and word error rates by the ISRI definition (see score.h). ICU does the NFC step;
 * the rest works on arrays of code points.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "cleanup.h"
#include "errors.h"
#include "ocr/score.h"

struct cps {
	uint32_t *v;
	size_t n;
};

static bool is_blank(uint32_t c)
{
	switch (c) {
	case ' ':
	case '\t':
	case '\r':
	case '\v':
	case '\f':
	case 0x00a0:
	case 0x1680:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return true;
	default:
		return c >= 0x2000 && c <= 0x200a;
	}
}

/* UTF-8 to NFC code points, then blanks and lines folded; ret->v is malloc'ed. */
static int normalise_cps(const char *text, struct cps *ret)
{
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *nfc;
	size_t bytes;
	int32_t n16 = 0, nfc16;

	bytes = strlen(text);
	if (bytes > OCR_SCORE_MAX_BYTES)
		return -FOLIO_ETOOBIG;

	/* Every UTF-16 unit comes from at least one byte, so bytes + 1 units suffice. */
	_cleanup_free_ UChar *u16 = malloc((bytes + 1) * sizeof(*u16));
	if (!u16)
		return -ENOMEM;
	u_strFromUTF8(u16, (int32_t)bytes + 1, &n16, text, (int32_t)bytes, &err);
	if (U_FAILURE(err))
		return err == U_INVALID_CHAR_FOUND || err == U_ILLEGAL_CHAR_FOUND ? -EILSEQ : -EIO;

	nfc = unorm2_getNFCInstance(&err);
	if (U_FAILURE(err))
		return -EIO;
	/* Ask for the length first: NFC may lengthen as well as shorten. */
	nfc16 = unorm2_normalize(nfc, u16, n16, NULL, 0, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return -EIO;
	err = U_ZERO_ERROR;
	_cleanup_free_ UChar *norm = malloc(((size_t)nfc16 + 1) * sizeof(*norm));
	if (!norm)
		return -ENOMEM;
	nfc16 = unorm2_normalize(nfc, u16, n16, norm, nfc16 + 1, &err);
	if (U_FAILURE(err))
		return -EIO;

	_cleanup_free_ uint32_t *out = malloc(((size_t)nfc16 + 1) * sizeof(*out));
	if (!out)
		return -ENOMEM;

	size_t n = 0, line_start = 0;
	bool pending_blank = false;
	for (int32_t i = 0; i < nfc16;) {
		UChar32 c;

		U16_NEXT(norm, i, nfc16, c);
		if (c == '\n') {
			pending_blank = false;
			if (n > line_start) { /* a line with content ends */
				out[n++] = '\n';
				line_start = n;
			}
		} else if (is_blank((uint32_t)c)) {
			pending_blank = n > line_start;
		} else {
			if (pending_blank)
				out[n++] = ' ';
			pending_blank = false;
			out[n++] = (uint32_t)c;
		}
	}
	if (n > 0 && out[n - 1] == '\n')
		n--;
	if (n > OCR_SCORE_MAX_CHARS)
		return -FOLIO_ETOOBIG;

	ret->v = TAKE_PTR(out);
	ret->n = n;
	return 0;
}

/* Levenshtein distance between two arrays of symbols, in O(min) memory. */
static int edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t *ret)
{
	if (na < nb) { /* keep the row over the shorter one */
		const uint32_t *t = a;
		size_t nt = na;

		a = b, na = nb;
		b = t, nb = nt;
	}
	_cleanup_free_ size_t *row = malloc((nb + 1) * sizeof(*row));
	if (!row)
		return -ENOMEM;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	*ret = row[nb];
	return 0;
}

struct word {
	const uint32_t *start;
	size_t len;
	uint32_t *id; /* where this word's symbol goes */
};

static int word_cmp(const void *x, const void *y)
{
	const struct word *a = x, *b = y;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->start, b->start, a->len * sizeof(*a->start));
}

static size_t count_words(const struct cps *t)
{
	size_t words = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i] != ' ' && t->v[i] != '\n' &&
		    (i == 0 || t->v[i - 1] == ' ' || t->v[i - 1] == '\n'))
			words++;
	return words;
}

static size_t collect_words(const struct cps *t, struct word *w, uint32_t *ids)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n;) {
		if (t->v[i] == ' ' || t->v[i] == '\n') {
			i++;
			continue;
		}
		size_t s = i;
		while (i < t->n && t->v[i] != ' ' && t->v[i] != '\n')
			i++;
		w[k] = (struct word){ .start = t->v + s, .len = i - s, .id = ids + k };
		k++;
	}
	return k;
}

/* Word edit distance: words become integer symbols (equal words, equal symbols). */
static int word_distance(const struct cps *a, const struct cps *b, size_t *ret_na, size_t *ret)
{
	size_t na = count_words(a), nb = count_words(b);

	_cleanup_free_ struct word *w = calloc(na + nb + 1, sizeof(*w));
	_cleanup_free_ uint32_t *ids = calloc(na + nb + 1, sizeof(*ids));
	if (!w || !ids)
		return -ENOMEM;
	collect_words(a, w, ids);
	collect_words(b, w + na, ids + na);

	qsort(w, na + nb, sizeof(*w), word_cmp);
	uint32_t id = 0;
	for (size_t i = 0; i < na + nb; i++) {
		if (i > 0 && word_cmp(&w[i - 1], &w[i]) != 0)
			id++;
		*w[i].id = id;
	}
	*ret_na = na;
	return edit_distance(ids, na, ids + na, nb, ret);
}

static double rate(size_t errors, size_t total)
{
	if (total == 0)
		return errors ? 1.0 : 0.0;
	return (double)errors / (double)total;
}

int ocr_score(const char *truth, const char *recognised, struct ocr_score *ret)
{
	struct cps t = { 0 }, r = { 0 };
	struct ocr_score s = { 0 };
	int e;

	if (!truth || !recognised || !ret)
		return -EINVAL;
	e = normalise_cps(truth, &t);
	if (e < 0)
		goto out;
	e = normalise_cps(recognised, &r);
	if (e < 0)
		goto out;

	s.chars = t.n;
	e = edit_distance(t.v, t.n, r.v, r.n, &s.char_errors);
	if (e < 0)
		goto out;
	e = word_distance(&t, &r, &s.words, &s.word_errors);
	if (e < 0)
		goto out;
	s.cer = rate(s.char_errors, s.chars);
	s.wer = rate(s.word_errors, s.words);
	*ret = s;
out:
	free(t.v);
	free(r.v);
	return e;
}

int ocr_score_format(const struct ocr_score *s, char *buf, size_t size)
{
	return snprintf(buf, size, "CER %.2f%% (%zu/%zu characters)  WER %.2f%% (%zu/%zu words)",
			100.0 * s->cer, s->char_errors, s->chars, 100.0 * s->wer, s->word_errors,
			s->words);
}

static size_t put_utf8(char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | (c >> 6));
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | (c >> 12));
		p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | (c >> 18));
	p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

int ocr_normalise(const char *text, char **ret)
{
	struct cps t = { 0 };
	size_t len = 0;
	char *s;
	int e;

	if (!text || !ret)
		return -EINVAL;
	e = normalise_cps(text, &t);
	if (e < 0)
		return e;
	s = malloc(t.n * 4 + 1);
	if (!s) {
		free(t.v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t.n; i++)
		len += put_utf8(s + len, t.v[i]);
	s[len] = '\0';
	free(t.v);
	*ret = s;
	return 0;
}
