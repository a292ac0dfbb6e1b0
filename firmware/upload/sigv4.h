#ifndef FOLIO_UPLOAD_SIGV4_H
#define FOLIO_UPLOAD_SIGV4_H

/*
 * The parts of an AWS Signature Version 4 request that libcurl 7.88 (CURLOPT_AWS_SIGV4) signs
 * as it finds them and does not canonicalise: the path and the query. Requests are built in
 * canonical form here, so that what goes on the wire is what gets signed:
 *
 *  - path: every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) and '/' as %XX with
 *    upper-case hex, each byte of UTF-8 on its own; S3 paths are encoded once and not
 *    normalised ("//" and "." stay);
 *  - query: every name and value encoded the same way ('/' too), "name=value" (a name alone
 *    gets "="), sorted by name, then value, joined by '&'.
 *
 * The payload hash is sent by the caller as x-amz-content-sha256 (libcurl signs the body
 * correctly only then).
 */

#include <stddef.h>

struct sigv4_param {
	const char *name;
	const char *value; /* NULL or "": empty value */
};

/* sigv4_encode - encode @len bytes of @s into @buf; keep '/' when @keep_slash. -ENAMETOOLONG */
int sigv4_encode(const char *s, size_t len, int keep_slash, char *buf, size_t size);

/* sigv4_canonical_path - "/" + @path encoded (keeping '/') into @buf; -ENAMETOOLONG */
int sigv4_canonical_path(const char *path, char *buf, size_t size);

/*
 * sigv4_canonical_query - the canonical query of @n parameters (raw, unencoded) into @buf,
 * "" when @n is 0. -ENAMETOOLONG, -ENOMEM, -EINVAL for more than 32 parameters.
 */
int sigv4_canonical_query(const struct sigv4_param *params, size_t n, char *buf, size_t size);

/*
 * sigv4_canonical_query_string - canonicalise a raw query string ("b=2&a=1&flag", without
 * '?'), its names and values percent-decoded first; as sigv4_canonical_query()
 */
int sigv4_canonical_query_string(const char *query, char *buf, size_t size);

#endif
