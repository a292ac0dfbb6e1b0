#ifndef FOLIO_INDEX_COVERSHEET_H
#define FOLIO_INDEX_COVERSHEET_H

/*
 * Cover sheets: the printed page a clerk puts in front of each document of a stack. It names
 * the document in large type and carries the same payload twice, as a Code 128 and as a
 * QR Code symbol, so either one read is enough.
 *
 * Payload (printable ASCII, at most COVERSHEET_PAYLOAD_MAX bytes, seven fields):
 *
 *	FOLIO1|<office>|<ip type>|<application>|<document code>|<received>|<crc>
 *	FOLIO1|KE|patent|KE/P/2024/000123|APPFORM|2024-05-02|5A0C13F2
 *
 *	FOLIO1		magic and version of this format
 *	office		two capital letters, a current ST.3 code
 *	ip type		patent, trademark or design
 *	application	1..63 printable ASCII characters, no '|', no leading or trailing space
 *	document code	1..31 of [A-Z0-9_-]
 *	received	YYYY-MM-DD, or empty (the capture date is used)
 *	crc		CRC-32 (IEEE 802.3) of every byte before the last '|', 8 upper-case hex
 *
 * The parser is strict: anything else (other characters, extra or missing fields, a lower-case
 * hex digit, a wrong CRC) is refused. The checks that depend on the station's configuration
 * (office patterns, document code lists, future dates) are docfields'.
 */

#include <stdbool.h>
#include <stddef.h>

#include "firmware/domain/appno.h"
#include "firmware/domain/iptype.h"

#define COVERSHEET_MAGIC "FOLIO1"
#define COVERSHEET_PAYLOAD_MAX 160

/*
 * The printed sheet's layout, in points from its top left corner (A4 portrait), shared by the
 * printer and by the search for sheets on scanned pages (coverfind.h): the Code 128 runs down
 * the left margin, bars COVERSHEET_BAR_PT long, from about MARGIN to the page's length less
 * MARGIN; the fields stand in large type right of it, from COVERSHEET_LEFT_PT, down to
 * COVERSHEET_TEXT_END_PT; the QR Code (quiet zone included) is a square of COVERSHEET_QR_PT
 * from (COVERSHEET_QR_X_PT, COVERSHEET_QR_Y_PT), centred between COVERSHEET_LEFT_PT and the
 * right margin.
 */
#define COVERSHEET_PAGE_W_PT 595.276
#define COVERSHEET_PAGE_H_PT 841.890
#define COVERSHEET_MARGIN_PT 42.5
#define COVERSHEET_BAR_PT 64.0
#define COVERSHEET_LEFT_PT (COVERSHEET_MARGIN_PT + COVERSHEET_BAR_PT + 30)
#define COVERSHEET_VALUE_PT (COVERSHEET_LEFT_PT + 100) /* where field values start */
#define COVERSHEET_TEXT_END_PT 360.0
#define COVERSHEET_QR_Y_PT 400.0
#define COVERSHEET_QR_PT 260.0
#define COVERSHEET_QR_X_PT                                                                       \
	(COVERSHEET_LEFT_PT +                                                                    \
	 (COVERSHEET_PAGE_W_PT - COVERSHEET_MARGIN_PT - COVERSHEET_LEFT_PT - COVERSHEET_QR_PT) / \
	     2)

struct coversheet {
	char office[3];
	enum ip_type ip_type;
	char application[APPNO_MAX];
	char document_code[32];
	char received[11]; /* YYYY-MM-DD or empty */
};

/*
 * coversheet_payload - the payload of @c into @buf (@size bytes, NUL-terminated)
 *
 * Returns the payload's length, or -EINVAL when a field cannot be written in the format
 * (see above), -ENOBUFS when @buf is too small.
 */
int coversheet_payload(const struct coversheet *c, char *buf, size_t size);

/*
 * coversheet_parse - parse a payload read from a barcode
 * @data: the bytes (need not be NUL-terminated), @len: their count
 * @ret: on success, the fields
 * @why: buffer for a one-line reason on failure (always terminated when @why_size > 0)
 *
 * Returns 0; -EINVAL for anything that is not a well-formed payload of this format (reason in
 * @why, *ret untouched). Reads at most COVERSHEET_PAYLOAD_MAX + 1 bytes of @data. Thread-safe,
 * no allocation.
 */
int coversheet_parse(const char *data, size_t len, struct coversheet *ret, char *why,
		     size_t why_size);

/* coversheet_is_ours - whether @data (@len bytes) claims to be a Folio payload ("FOLIO...") */
bool coversheet_is_ours(const char *data, size_t len);

/*
 * coversheet_write_pdf - print the A4 cover sheet of @c as a PDF file at @path
 *
 * The fields in large type, the payload as Code 128 and QR Code, and the payload in small
 * type. Fields are checked as by coversheet_payload(). The file is written under a temporary
 * name and renamed, so @path is either the old file or the whole new sheet.
 * Returns 0, -EINVAL, -ENOMEM or -errno from writing.
 */
int coversheet_write_pdf(const struct coversheet *c, const char *path);

#endif
