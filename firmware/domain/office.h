#ifndef FOLIO_DOMAIN_OFFICE_H
#define FOLIO_DOMAIN_OFFICE_H

/*
 * WIPO ST.3 office codes: the two-letter codes of states, other entities and intergovernmental
 * organisations (AP, BX, EA, EM, EP, GC, IB, OA, QZ, WO, XN, XU, XV, XX, ...) that name the
 * office receiving an IP application.
 */

#include <stdbool.h>

/*
 * office_code_valid - is @code a current WIPO ST.3 code?
 * @code: a NUL-terminated string, or NULL
 *
 * True when @code is exactly two upper-case ASCII letters and on the current ST.3 list (the
 * WIPOST3CodeType enumeration of the ST.96 V6_0 schemas). Former codes (e.g. "SU", "YU") and
 * lower-case spellings are rejected. NULL gives false. Thread-safe, no allocation.
 */
bool office_code_valid(const char *code);

#endif
