#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

static const char *const folio_messages[FOLIO_E_END - FOLIO_E_BASE] = {
	[FOLIO_ECONFIG - FOLIO_E_BASE] = "invalid configuration",
	[FOLIO_EUSAGE - FOLIO_E_BASE] = "invalid arguments",
	[FOLIO_EJAM - FOLIO_E_BASE] = "paper jam",
	[FOLIO_EDOUBLEFEED - FOLIO_E_BASE] = "double feed",
	[FOLIO_ECOVEROPEN - FOLIO_E_BASE] = "scanner cover open",
	[FOLIO_ENODOCS - FOLIO_E_BASE] = "document feeder empty",
	[FOLIO_EDEVBUSY - FOLIO_E_BASE] = "scanner busy",
	[FOLIO_EDEVGONE - FOLIO_E_BASE] = "scanner disconnected",
	[FOLIO_EDEVIO - FOLIO_E_BASE] = "scanner I/O error",
	[FOLIO_EDEVINVAL - FOLIO_E_BASE] = "scanner refused a setting",
	[FOLIO_ECANCELLED - FOLIO_E_BASE] = "cancelled",
	[FOLIO_ESTATE - FOLIO_E_BASE] = "not allowed in the current state",
	[FOLIO_ECORRUPT - FOLIO_E_BASE] = "stored data is damaged",
	[FOLIO_ESCHEMA - FOLIO_E_BASE] = "document does not validate against its schema",
	[FOLIO_ESTOREFULL - FOLIO_E_BASE] = "store is full",
	[FOLIO_ELOCKED - FOLIO_E_BASE] = "store is in use by another process",
	[FOLIO_EFORMAT - FOLIO_E_BASE] = "unsupported format",
	[FOLIO_ETOOBIG - FOLIO_E_BASE] = "input too large",
	[FOLIO_ENOTFOUND - FOLIO_E_BASE] = "not found",
	[FOLIO_EOCRPENDING - FOLIO_E_BASE] = "pages still wait for text recognition",
	[FOLIO_ECHANGED - FOLIO_E_BASE] = "changed since it was read",
};

const char *folio_strerror(int r)
{
	int e;

	if (r == INT_MIN) /* abs() would overflow: a code that came from outside, not ours */
		return "unknown error";
	e = abs(r);
	if (e >= FOLIO_E_BASE && e < FOLIO_E_END && folio_messages[e - FOLIO_E_BASE])
		return folio_messages[e - FOLIO_E_BASE];
	if (e > 0 && e < FOLIO_E_BASE)
		return strerrordesc_np(e) ? strerrordesc_np(e) : "unknown error";
	return "unknown error";
}
