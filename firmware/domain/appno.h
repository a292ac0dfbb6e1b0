#ifndef FOLIO_DOMAIN_APPNO_H
#define FOLIO_DOMAIN_APPNO_H

/*
 * Application numbers: the WIPO ST.13 form and an office's own written form.
 *
 * ST.13 (15 digits): a 2-digit code for the type of IP right, a 4-digit year, a 9-digit serial
 * number, e.g. 502024000012345 for a 2024 trademark application.
 *
 * An office's own form is described by a pattern and an optional check-digit scheme, both from
 * the runtime configuration. Pattern language, one character per character of the number:
 *
 *	Y	a digit of the year; the Ys form one run of 2 or 4 (a 4-digit year is 1800..2099)
 *	N	a digit of the serial number
 *	#	a check digit (for mod11 also 'X', meaning 10)
 *	\c	the character c itself (to write a literal Y, N, # or backslash)
 *	other	a printable ASCII character standing for itself, case-sensitive
 *
 * e.g. "KE/P/YYYY/NNNNNN", or "NNNNNNNN.#" with mod11; "\N\Y-YY-NNNN" matches "NY-24-0042".
 *
 * Check-digit schemes, computed over the Y and N digits in the order they appear:
 *
 *	none	no check digit; the pattern has no '#' (NULL or "" mean the same)
 *	luhn	one '#': the Luhn (mod 10) digit, as on payment cards
 *	mod11	one '#': weights 2, 3, 4, ... from the rightmost digit, check = (11 - sum % 11) % 11,
 *		10 written 'X' (the ISBN-10 rule)
 *	mod97	two '#': ISO 7064 MOD 97-10, digits followed by the two check digits = 1 (mod 97)
 *
 * Numbers and patterns are at most APPNO_MAX bytes.
 */

#include <stddef.h>

#include "firmware/domain/iptype.h"

#define APPNO_MAX 64

/*
 * appno_st13_check - check a number in the ST.13 15-digit form
 * @s: the number, NUL-terminated
 * @expected: the IP type the number must belong to
 * @why: buffer for a one-line reason on failure, or NULL
 * @why_size: size of @why
 *
 * Type codes accepted: 10 (patents for inventions), 11 (plant patents), 15 (supplementary
 * protection certificates) and 20 (utility models) for IP_PATENT; 50 (trademarks) for
 * IP_TRADEMARK; 80 (industrial designs) for IP_DESIGN. The year is 0000 (offices without a year
 * designation) or 1800..2099; the serial number is not all zeros.
 *
 * Returns 0 if valid, -EINVAL otherwise (reason in @why, which is always NUL-terminated when
 * @why_size > 0). Thread-safe, no allocation.
 */
int appno_st13_check(const char *s, enum ip_type expected, char *why, size_t why_size);

/*
 * appno_pattern_verify - check a pattern and check-digit scheme from the configuration
 * @pattern: pattern as described above
 * @checkdigit: scheme name ("none", "luhn", "mod11", "mod97"), or NULL for "none"
 * @why, @why_size: as for appno_st13_check()
 *
 * Returns 0, or -FOLIO_ECONFIG when the pattern or the scheme is invalid or they do not fit
 * together (wrong number of '#' for the scheme).
 */
int appno_pattern_verify(const char *pattern, const char *checkdigit, char *why, size_t why_size);

/*
 * appno_pattern_check - check a number against an office's pattern
 * @pattern, @checkdigit: as for appno_pattern_verify()
 * @s: the number as written by the office, NUL-terminated
 * @why, @why_size: as for appno_st13_check()
 *
 * Returns 0 if @s matches the pattern and its check digits are right, -EINVAL if not,
 * -FOLIO_ECONFIG if the pattern or scheme itself is invalid (see appno_pattern_verify()).
 * Thread-safe, no allocation.
 */
int appno_pattern_check(const char *pattern, const char *checkdigit, const char *s, char *why,
			size_t why_size);

#endif
