#ifndef FOLIO_ERRORS_H
#define FOLIO_ERRORS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Error codes.
 *
 * Functions that can fail return an int: >= 0 on success, a negative errno value or a negative
 * Folio code from the range below on failure. folio_strerror() names either kind.
 *
 * Folio codes describe conditions errno has no word for (a paper jam, an illegal batch
 * transition). They start at FOLIO_E_BASE, far above any errno value, and are returned
 * negated like errno values: `return -FOLIO_EJAM;`.
 */

#define FOLIO_E_BASE 10000

enum folio_error {
	FOLIO_ECONFIG = FOLIO_E_BASE, /* the configuration is invalid */
	FOLIO_EUSAGE,		      /* wrong command-line arguments */
	FOLIO_EJAM,		      /* the scanner reports a paper jam */
	FOLIO_EDOUBLEFEED,	      /* the scanner fed two sheets at once */
	FOLIO_ECOVEROPEN,	      /* the scanner cover is open */
	FOLIO_ENODOCS,		      /* the feeder is empty */
	FOLIO_EDEVBUSY,		      /* the scanner is in use */
	FOLIO_EDEVGONE,		      /* the scanner disappeared */
	FOLIO_EDEVIO,		      /* the scanner reports an I/O error */
	FOLIO_EDEVINVAL,	      /* the scanner refused a setting */
	FOLIO_ECANCELLED,	      /* the operation was cancelled */
	FOLIO_ESTATE,		      /* illegal state change */
	FOLIO_ECORRUPT,		      /* stored data fails its checks */
	FOLIO_ESCHEMA,		      /* a document fails schema validation */
	FOLIO_ESTOREFULL,	      /* the store is at its reserve */
	FOLIO_ELOCKED,		      /* another instance holds the store */
	FOLIO_EFORMAT,		      /* a file or image has an unsupported format */
	FOLIO_ETOOBIG,		      /* an input exceeds its bound */
	FOLIO_ENOTFOUND,	      /* no such batch, document or page */
	FOLIO_EOCRPENDING,	      /* pages of a batch still wait for OCR */
	FOLIO_ECHANGED,		      /* changed since the caller looked at it */
	FOLIO_E_END
};

/*
 * folio_strerror - describe an error code
 * @r: a negative (or positive) errno value or Folio code
 *
 * Returns a static, lower-case string without a full stop. Never NULL; unknown codes give
 * "unknown error". Thread-safe.
 */
const char *folio_strerror(int r);

/*
 * folio_why - write a one-line reason (printf style) into @why, @size bytes (nothing when
 * @why is NULL or @size 0), and return @r: `return folio_why(-FOLIO_EFORMAT, why, n, ...);`
 * Inline, so the compiler and the analyzers see that it returns @r.
 */
static inline int folio_why(int r, char *why, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static inline int folio_why(int r, char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return r;
}

#endif
