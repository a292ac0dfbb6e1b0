#ifndef FOLIO_PACKAGE_EVENTS_H
#define FOLIO_PACKAGE_EVENTS_H

/*
 * EVENTS.txt: a batch's chain of custody, delivered in its package and covered by the manifest.
 *
 * One line per event of the batch, oldest first, after one header line starting with '#':
 *
 *	SEQ TAB TIME TAB BATCH TAB DOCUMENT TAB PAGE TAB WHO TAB WHAT TAB DETAIL TAB STATION-HASH
 *	TAB LINK LF
 *
 * SEQ is the event's number in the station's log, TIME UTC (YYYY-MM-DDThh:mm:ssZ), WHO, WHAT
 * and DETAIL escaped (backslash, and every byte below 0x20 or 0x7f, as \xNN), STATION-HASH the
 * event's hash in the station's own chain (`folio log tail` shows it), LINK the chain of this
 * file: 64 hex digits of SHA-256 over the previous line's LINK (64 '0' for the first line), a
 * TAB, and this line up to and without its TAB LINK. An office recomputes it with sha256sum.
 *
 * events_check() is what the verifier runs on the file: every line well-formed and bounded, the
 * links unbroken, numbers rising, every event of the batch, the first a batch-create and one a
 * batch-state "... -> approved".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENTS_FILE "EVENTS.txt"
#define EVENTS_HEADER                                                                           \
	"# folio-events 1: seq, time, batch, document, page, who, what, detail, station hash, " \
	"link = SHA-256(previous link TAB line)\n"
#define EVENTS_LINE_MAX 2048   /* bytes of one line, LF included */
#define EVENTS_MAX (16u << 20) /* bytes of the file */
#define EVENTS_LINK_HEX 65

/*
 * events_is_approval - whether an event is a supervisor's approval: WHAT "batch-state", DETAIL
 * ending "-> approved" (@what_len, @detail_len bytes, no NUL needed). The station cuts
 * EVENTS.txt after the last one; the verifier needs one.
 */
bool events_is_approval(const char *what, size_t what_len, const char *detail, size_t detail_len);

struct custody_event {
	uint64_t seq;
	int64_t time;
	uint32_t batch, document, page;
	const char *who, *what, *detail; /* NUL-terminated, any bytes (escaped on output) */
	uint8_t station_hash[32];
};

/*
 * events_line - format @e as one line into @buf, chained to @link (EVENTS_LINK_HEX bytes: the
 * previous line's link, or 64 '0' before the first line), which is updated to this line's.
 * Returns the line's length, or -ENAMETOOLONG when it does not fit in @size (or in
 * EVENTS_LINE_MAX).
 */
int events_line(const struct custody_event *e, char link[EVENTS_LINK_HEX], char *buf, size_t size);

/*
 * events_parse_time - a UTC time written "YYYY-MM-DDThh:mm:ssZ", exactly: @n bytes at @s, every
 * digit there, and a real date and time (no February 30th, no 24:00:00).
 *
 * Returns the seconds since 1970, or -1 when @s is anything else.
 */
int64_t events_parse_time(const char *s, size_t n);

/* What events_check() found. */
struct events_summary {
	size_t events;
	uint64_t first_seq, approved_seq;
	int64_t first_time, approved_time;
};

/*
 * events_check - check EVENTS.txt content @text (@len bytes) of batch @batch
 * @why: on failure, one line saying what and where (line number)
 * Returns 0, or -FOLIO_ECORRUPT.
 */
int events_check(const char *text, size_t len, uint32_t batch, struct events_summary *ret,
		 char *why, size_t why_size);

#endif
