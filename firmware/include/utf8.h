#ifndef FOLIO_UTF8_H
#define FOLIO_UTF8_H

/* Telling well-formed UTF-8 from bytes that are not, for text from devices, files and people. */

#include <stddef.h>

/*
 * utf8_length - the length (1 to 4) of the well-formed UTF-8 sequence at @s, of which at most
 * @left (>= 1) bytes may be read; 0 when there is none: a stray continuation byte, a sequence
 * cut short, an overlong form, a surrogate or a code point beyond U+10FFFF. ASCII, control
 * characters included, is 1.
 */
size_t utf8_length(const unsigned char *s, size_t left);

#endif
