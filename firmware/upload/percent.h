#ifndef FOLIO_UPLOAD_PERCENT_H
#define FOLIO_UPLOAD_PERCENT_H

/*
 * Percent-decoding (RFC 3986 section 2.1), for the two readers the uploader has: the paths of
 * targets in the configuration, where a '%' not followed by two hex digits is a mistake, and
 * the query strings AWS canonicalises, where such a '%' stays as it is. Hex digits may be
 * upper or lower case; '+' is not a space.
 */

#include <stddef.h>

enum percent_mode {
	PERCENT_STRICT,	       /* a malformed escape is refused: -EINVAL */
	PERCENT_KEEP_MALFORMED /* a malformed escape is copied as it is */
};

/*
 * percent_decode - decode the string @in into @out (@size bytes, NUL-terminated); @out may be
 * @in, as the result is never longer. The decoded length goes to @ret_len when not NULL: it
 * counts bytes after a "%00", which decodes to a NUL like any other byte, so a caller that
 * must not see one compares it with strlen(@out). -EINVAL (malformed escape, PERCENT_STRICT),
 * -ENAMETOOLONG when the result does not fit.
 */
int percent_decode(const char *in, char *out, size_t size, enum percent_mode mode, size_t *ret_len);

#endif
