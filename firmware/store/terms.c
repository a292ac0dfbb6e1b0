/*
 * Words of recognised text: a UTF-8 reader and the folding of letters (terms.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "firmware/store/terms.h"

/* What a code point is to a word. */
enum cp_kind {
	CP_BREAK, /* parts words */
	CP_DROP,  /* inside a word, leaves nothing (an accent, a short vowel) */
	CP_KEEP,  /* a letter or digit: folded[] or the code point itself */
};

/*
 * U+00C0..U+017F without accents, lower case; '.' for a code point that parts words (× ÷);
 * digraphs are handled apart.
 */
static const char latin[] =
    /* C0 */ "aaaaaa?ceeeeiiii"
	     /* D0 */ "dnooooo.ouuuuyt?"
	     /* E0 */ "aaaaaa?ceeeeiiii"
	     /* F0 */ "dnooooo.ouuuuyty"
	     /* 100 */ "aaaaaaccccccccdd"
	     /* 110 */ "ddeeeeeeeeeegggg"
	     /* 120 */ "gggghhhhiiiiiiii"
	     /* 130 */ "ii??jjkkklllllll"
	     /* 140 */ "lllnnnnnnnnnoooo"
	     /* 150 */ "oo??rrrrrrssssss"
	     /* 160 */ "ssttttttuuuuuuuu"
	     /* 170 */ "uuuuwwyyyzzzzzzs";

/* The digraphs of U+00C0..U+017F. */
static const char *digraph(uint32_t cp)
{
	switch (cp) {
	case 0xc6:
	case 0xe6:
		return "ae";
	case 0xdf:
		return "ss";
	case 0xde:
	case 0xfe:
		return "th";
	case 0x132:
	case 0x133:
		return "ij";
	case 0x152:
	case 0x153:
		return "oe";
	default:
		return NULL;
	}
}

/* Reads one code point at @s (@len > 0 bytes); its byte count to *@ret_n; -1 when not UTF-8. */
static int32_t utf8_read(const unsigned char *s, size_t len, size_t *ret_n)
{
	uint32_t cp, min;
	size_t n;

	*ret_n = 1;
	if (s[0] < 0x80)
		return s[0];
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return -1;
	if (n > len)
		return -1;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*ret_n = n;
	return (int32_t)cp;
}

static size_t utf8_write(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static enum cp_kind arabic(uint32_t *cp)
{
	uint32_t c = *cp;

	if ((c >= 0x64b && c <= 0x65f) || c == 0x670 || c == 0x640)
		return CP_DROP; /* short vowels, shadda, sukun, dagger alef, tatweel */
	if (c == 0x60c || c == 0x61b || c == 0x61f || (c >= 0x66a && c <= 0x66d) || c == 0x6d4 ||
	    (c >= 0x600 && c <= 0x60f))
		return CP_BREAK; /* comma, semicolon, question mark, percent, full stop, signs */
	if (c >= 0x660 && c <= 0x669)
		*cp = '0' + (c - 0x660);
	else if (c >= 0x6f0 && c <= 0x6f9)
		*cp = '0' + (c - 0x6f0);
	else if (c == 0x622 || c == 0x623 || c == 0x625 || c == 0x671)
		*cp = 0x627;
	else if (c == 0x649)
		*cp = 0x64a;
	return CP_KEEP;
}

/*
 * What @cp is; for a kept one, its folded form in @out (NUL-terminated, at most 4 bytes):
 * ASCII lower case, Latin without accents, Arabic normalised, anything else as it is.
 */
static enum cp_kind classify(uint32_t cp, char out[5])
{
	const char *d;
	size_t n;

	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		else if (!((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')))
			return CP_BREAK;
		out[0] = (char)cp;
		out[1] = '\0';
		return CP_KEEP;
	}
	if (cp < 0xc0 || (cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || cp == 0xfeff || (cp >= 0xff00 && cp <= 0xff0f))
		return CP_BREAK; /* Latin-1 signs, punctuation, symbols, arrows, shapes */
	if (cp <= 0x17f) {
		d = digraph(cp);
		if (!d) {
			char c = latin[cp - 0xc0];

			if (c == '.')
				return CP_BREAK;
			out[0] = c;
			out[1] = '\0';
			return CP_KEEP;
		}
		memcpy(out, d, 3);
		return CP_KEEP;
	}
	if (cp >= 0x300 && cp <= 0x36f)
		return CP_DROP; /* combining accents */
	if (cp >= 0x600 && cp <= 0x6ff) {
		enum cp_kind k = arabic(&cp);

		if (k != CP_KEEP)
			return k;
	}
	n = utf8_write(cp, out);
	out[n] = '\0';
	return CP_KEEP;
}

size_t term_next(const char *text, size_t len, size_t *pos, char *out, size_t *ret_start)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = *pos;

	while (i < len) {
		size_t n, olen = 0, start, chars = 0;
		bool full = false;
		char f[5];

		/* Up to the word's first letter. */
		for (; i < len; i += n) {
			int32_t cp = utf8_read(s + i, len - i, &n);

			if (cp >= 0 && classify((uint32_t)cp, f) == CP_KEEP)
				break;
		}
		start = i;
		/* The word, folded, up to what parts words. */
		for (; i < len; i += n) {
			int32_t cp = utf8_read(s + i, len - i, &n);
			enum cp_kind k = cp < 0 ? CP_BREAK : classify((uint32_t)cp, f);
			size_t fl;

			if (k == CP_BREAK)
				break;
			if (k == CP_DROP)
				continue;
			fl = strlen(f);
			if (!full && olen + fl <= TERM_MAX) {
				memcpy(out + olen, f, fl);
				olen += fl;
				chars++;
			} else {
				full = true;
			}
		}
		out[olen] = '\0';
		if (chars >= 2) {
			*pos = i;
			if (ret_start)
				*ret_start = start;
			return olen;
		}
	}
	*pos = len;
	out[0] = '\0';
	return 0;
}
