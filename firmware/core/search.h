#ifndef FOLIO_CORE_SEARCH_H
#define FOLIO_CORE_SEARCH_H

/*
 * Dossier search, the same for `folio search` and the clerk UI (GET /api/search): documents
 * by their index fields, and pages by the words of their recognised text.
 *
 * The filters: part of an application or ST.13 number (case-insensitive), a document code
 * (exact), a range of received dates (YYYY-MM-DD, either end may be left open, read as days
 * of the calendar and compared as days, not as text), and words of the text. Without words
 * a result is a document; with words it is a page whose text holds every word (a word ending
 * in '*' matches every word it begins), of a document that passes the other filters.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/core/message.h"
#include "firmware/store/store.h"

#define SEARCH_TEXT_LEN 256 /* the words asked for, terminator included */
#define SEARCH_MAX 200	    /* results of one search */

struct search_query {
	char application[STORE_APPNO_LEN];
	char document_code[STORE_NAME_LEN];
	char from[16], to[16]; /* YYYY-MM-DD or "" */
	char text[SEARCH_TEXT_LEN];
	/* Filled by search_query_check(): */
	int32_t from_day, to_day; /* days since 1970-01-01 */
};

struct search_hit {
	const struct batch_info *batch;
	const struct document_info *doc;
	uint32_t page;	     /* with words: the page; 0 for a document */
	const char *snippet; /* with words: the text around the first word found; "" otherwise */
};

/*
 * search_query_set - copy @value into @q's field @name ("application", "document_code",
 * "from", "to", "text"); -EINVAL, with search-field-invalid in @why, when it is too long or
 * holds control characters, -ENOENT for an unknown name
 */
int search_query_set(struct search_query *q, const char *name, const char *value, struct msg *why);

/*
 * search_query_check - check @q before a search: dates are days of the calendar
 * (search-date, parameters field and value: "2026-02-30" is refused), the range does not run
 * backwards (search-date-order). Returns 0, or -EINVAL with the refusal in @why and the field
 * to blame in @ret_field (may be NULL).
 */
int search_query_check(struct search_query *q, struct msg *why, const char **ret_field);

/*
 * search_run - run checked query @q over store @s, calling @fn for each result (at most
 * SEARCH_MAX; newest batch first with words, in batch order without), until @fn returns
 * non-zero. The pointers of a hit are valid during the call. Returns the number of results,
 * or a negative error with the refusal in @why: -ENODATA (search-no-index: the text index is
 * missing or out of date), -EINPROGRESS (search-rebuilding), -EINVAL (search-no-words, or
 * search-too-broad: more than 16 words, or a prefix that matches too much),
 * -EOPNOTSUPP (search-prefix-sealed), or the store's error (search-failed).
 */
int search_run(struct store *s, const struct search_query *q,
	       int (*fn)(const struct search_hit *h, void *user), void *user, struct msg *why);

#endif
