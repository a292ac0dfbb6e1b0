#ifndef FOLIO_CMD_EVFILTER_H
#define FOLIO_CMD_EVFILTER_H

/*
 * Which events of the event log 'log show' prints, and how one event reads as a line: pure
 * functions over struct event_info, no store access.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/store/store.h"

struct event_filter {
	uint32_t batch;		   /* 0: any batch */
	char what[STORE_NAME_LEN]; /* "" any; "ocr-worker-crash" exact; "ocr-*" a prefix */
};

/*
 * evfilter_set_type - filter on the event kind @s: a kind ("batch-state") or a prefix ending
 * in '*' ("upload-*"); 1 to STORE_NAME_LEN - 1 of a-z 0-9 '-', starting with a letter.
 * Returns 0, or -EINVAL (the filter unchanged).
 */
int evfilter_set_type(struct event_filter *f, const char *s);

/* evfilter_match - whether @e passes @f */
bool evfilter_match(const struct event_filter *f, const struct event_info *e);

/*
 * evfilter_format - @e as one line, without newline: "SEQ DATE TIME WHO WHAT [batch B]
 * [document D] [page P]: DETAIL", the date in full (YYYY-MM-DD) or short (MM-DD) in local
 * time; control bytes and bytes that are not printable UTF-8 (a newline, a terminal's escape
 * sequence in a typed reason) as \xHH. Never cut: @size of EVFILTER_LINE_MAX holds any
 * event. Returns @buf.
 */
#define EVFILTER_LINE_MAX 2048
const char *evfilter_format(const struct event_info *e, bool full_date, char *buf, size_t size);

#endif
