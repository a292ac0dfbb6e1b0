#ifndef FOLIO_STORE_TERMS_H
#define FOLIO_STORE_TERMS_H

/*
 * Words of recognised text, as the text index keeps them and a search asks for them.
 *
 * A word is a run of letters and digits in UTF-8. It is normalised: Latin letters lose case
 * and accents ("Brevet", "BREVET" and "brevét" are "brevet"; "Œuvre" is "oeuvre", "ß" is
 * "ss"), combining accents are dropped; Arabic loses its short vowels and tatweel, its alef
 * forms (أ إ آ ٱ) become ا and alef maqsura ى becomes ي; Arabic-Indic digits become 0-9. Other
 * scripts are kept as they are. Punctuation, symbols, spaces and bytes that are not UTF-8
 * part words. Words of one character are not words here; a longer word is cut to
 * TERM_MAX bytes (at a character), the same way when it is indexed and when it is asked for.
 */

#include <stddef.h>

#define TERM_MAX 48 /* bytes of a normalised word */

/*
 * term_next - the next word of @text (@len bytes) from byte *@pos on
 * @out: the normalised word, NUL-terminated (room for TERM_MAX + 1 bytes)
 * @ret_start: where the word starts in @text (may be NULL)
 *
 * Returns the word's length in bytes and moves *@pos past it; 0 when no word is left.
 */
size_t term_next(const char *text, size_t len, size_t *pos, char *out, size_t *ret_start);

#endif
