#ifndef FOLIO_INDEX_DOCFIELDS_H
#define FOLIO_INDEX_DOCFIELDS_H

/*
 * The index fields of a document, checked the same way wherever they come from (a cover
 * sheet's barcode, `folio doc set`, `folio coversheet`):
 *
 *	office		a current WIPO ST.3 code (office_code_valid())
 *	ip type		patent, trademark or design
 *	application	the ST.13 15-digit form (appno_st13_check()), or, for the station's
 *			own office, the pattern and check digit configured in [index] for the IP type
 *	document code	1..31 of [A-Z0-9_-]; one of [index] <type>_codes when that list is set
 *	received date	YYYY-MM-DD, a real date from 1900 on and not after tomorrow (UTC)
 *
 * Reasons are one lower-case line naming the value in quotes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/config/config.h"
#include "firmware/domain/iptype.h"
#include "firmware/store/store.h"

/*
 * docfields_check_application - check an application number for @office and @t
 * @ret_st13: on success, whether @s is in the ST.13 form (may be NULL)
 *
 * Returns 0, or -EINVAL with the reason in @why (always terminated when @why_size > 0).
 */
int docfields_check_application(const struct folio_config *cfg, const char *office, enum ip_type t,
				const char *s, bool *ret_st13, char *why, size_t why_size);

/* docfields_check_code - check a document code for IP type @t; 0 or -EINVAL (reason in @why) */
int docfields_check_code(const struct folio_config *cfg, enum ip_type t, const char *code,
			 char *why, size_t why_size);

/*
 * docfields_parse_date - read @s as a day of the calendar, YYYY-MM-DD from 1900 on (no
 * 2026-02-30), into @ret_day: days since 1970-01-01 (may be NULL), so dates compare as
 * numbers. Returns 0, or -EINVAL with the reason in @why. Any day, future ones too: what a
 * search's range takes.
 */
int docfields_parse_date(const char *s, int32_t *ret_day, char *why, size_t why_size);

/*
 * docfields_check_date - check a YYYY-MM-DD received date: docfields_parse_date(), and not
 * after tomorrow (UTC); 0 or -EINVAL (reason in @why)
 */
int docfields_check_date(const char *s, char *why, size_t why_size);

/* docfields_check_office - check an ST.3 office code; 0 or -EINVAL (reason in @why) */
int docfields_check_office(const char *s, char *why, size_t why_size);

/* Changes to a document's index fields; NULL leaves a field as it is. */
struct docfields_edit {
	const char *office;
	const char *ip_type;	 /* "patent", "trademark", "design" */
	const char *application; /* "" clears the number */
	const char *document_code;
	const char *received; /* "" clears the date */
	const char *language; /* ISO 639-1: "en", "fr", "ar" (the models that read its text) */
};

/*
 * docfields_apply - apply @e to a copy of @doc, check the whole result, write it to @ret
 *
 * The application number is checked against the resulting office and IP type, so changing
 * the IP type of a numbered document re-checks its number. An ST.13 number fills both the
 * application and the st13 field; an office-form number clears st13. @ret may be @doc.
 * Returns 0, or -EINVAL with the reason in @why (@ret untouched).
 */
int docfields_apply(const struct folio_config *cfg, const struct document_info *doc,
		    const struct docfields_edit *e, struct document_info *ret, char *why,
		    size_t why_size);

/*
 * docfields_apply_field - docfields_apply() that also names the field at fault in @ret_field
 * on -EINVAL: "office", "ip_type", "application", "document_code" or "received" (the clerk
 * UI's form fields; @ret_field may be NULL)
 */
int docfields_apply_field(const struct folio_config *cfg, const struct document_info *doc,
			  const struct docfields_edit *e, struct document_info *ret, char *why,
			  size_t why_size, const char **ret_field);

#endif
