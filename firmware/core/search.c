/*
 * Dossier search (search.h): the filters checked once, documents by index fields, pages by
 * the words of their text through the store's text index.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "firmware/core/search.h"
#include "firmware/index/docfields.h"

int search_query_set(struct search_query *q, const char *name, const char *value, struct msg *why)
{
	static const struct {
		const char *name;
		size_t offset, size;
	} fields[] = {
		{ "application", offsetof(struct search_query, application),
		  sizeof(q->application) },
		{ "document_code", offsetof(struct search_query, document_code),
		  sizeof(q->document_code) },
		{ "from", offsetof(struct search_query, from), sizeof(q->from) },
		{ "to", offsetof(struct search_query, to), sizeof(q->to) },
		{ "text", offsetof(struct search_query, text), sizeof(q->text) },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char *dst = (char *)q + fields[i].offset;

		if (strcmp(name, fields[i].name) != 0)
			continue;
		if (strlen(value) >= fields[i].size) {
			msg_init(why, MSG_SEARCH_FIELD_INVALID);
			msg_str(why, "field", fields[i].name);
			msg_num(why, "max", fields[i].size - 1);
			return msg_set(-EINVAL, why);
		}
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				msg_init(why, MSG_SEARCH_FIELD_INVALID);
				msg_str(why, "field", fields[i].name);
				msg_num(why, "max", fields[i].size - 1);
				return msg_set(-EINVAL, why);
			}
		snprintf(dst, fields[i].size, "%s", value);
		return 0;
	}
	return -ENOENT;
}

static int check_day(const char *field, const char *value, int32_t *ret, struct msg *why,
		     const char **ret_field)
{
	char reason[128];

	if (docfields_parse_date(value, ret, reason, sizeof(reason)) == 0)
		return 0;
	msg_init(why, MSG_SEARCH_DATE);
	msg_str(why, "field", field);
	msg_str(why, "value", value);
	if (ret_field)
		*ret_field = field;
	return msg_set(-EINVAL, why);
}

int search_query_check(struct search_query *q, struct msg *why, const char **ret_field)
{
	int r;

	q->from_day = INT32_MIN;
	q->to_day = INT32_MAX;
	if (q->from[0]) {
		r = check_day("from", q->from, &q->from_day, why, ret_field);
		if (r < 0)
			return r;
	}
	if (q->to[0]) {
		r = check_day("to", q->to, &q->to_day, why, ret_field);
		if (r < 0)
			return r;
	}
	if (q->from_day > q->to_day) {
		msg_init(why, MSG_SEARCH_DATE_ORDER);
		msg_str(why, "first", q->from);
		msg_str(why, "last", q->to);
		if (ret_field)
			*ret_field = "to";
		return msg_set(-EINVAL, why);
	}
	return 0;
}

/* Does @doc pass @q's index-field filters? */
static bool document_matches(const struct search_query *q, const struct document_info *doc)
{
	int32_t day = 0;

	if (q->application[0] && !strcasestr(doc->application, q->application) &&
	    !strcasestr(doc->st13, q->application))
		return false;
	if (q->document_code[0] && strcasecmp(doc->document_code, q->document_code) != 0)
		return false;
	if (q->from[0] || q->to[0]) {
		/* A document without a (valid) received date is outside every range. */
		if (docfields_parse_date(doc->received, &day, NULL, 0) < 0)
			return false;
		if (day < q->from_day || day > q->to_day)
			return false;
	}
	return true;
}

struct walk {
	struct store *s;
	const struct search_query *q;
	int (*fn)(const struct search_hit *h, void *user);
	void *user;
	size_t found;
	bool stop;
};

static int search_batch(const struct batch_info *b, void *user)
{
	struct walk *w = user;

	for (uint32_t d = 1; d <= b->n_documents && w->found < SEARCH_MAX; d++) {
		struct document_info doc;
		struct search_hit h = { .batch = b, .doc = &doc, .snippet = "" };

		if (store_document_get(w->s, b->id, d, &doc) < 0)
			continue;
		if (!document_matches(w->q, &doc))
			continue;
		w->found++;
		if (w->fn(&h, w->user)) {
			w->stop = true;
			return 1;
		}
	}
	return w->found >= SEARCH_MAX ? 1 : 0;
}

static int text_hit(const struct store_text_hit *th, void *user)
{
	struct walk *w = user;
	struct batch_info b;
	struct document_info doc = { 0 };
	struct search_hit h = {
		.batch = &b, .doc = &doc, .page = th->page, .snippet = th->snippet
	};

	if (store_batch_get(w->s, th->batch, &b) < 0)
		return 0;
	if (store_document_get(w->s, th->batch, th->document, &doc) < 0) {
		doc.batch = th->batch;
		doc.number = th->document;
	}
	if (!document_matches(w->q, &doc))
		return 0;
	w->found++;
	if (w->fn(&h, w->user)) {
		w->stop = true;
		return 1;
	}
	return w->found >= SEARCH_MAX ? 1 : 0;
}

int search_run(struct store *s, const struct search_query *q,
	       int (*fn)(const struct search_hit *h, void *user), void *user, struct msg *why)
{
	struct walk w = { .s = s, .q = q, .fn = fn, .user = user };
	bool filtered = q->application[0] || q->document_code[0] || q->from[0] || q->to[0];
	int r;

	if (!q->text[0]) {
		r = store_batch_list(s, search_batch, &w);
		if (r < 0) {
			msg_init(why, MSG_SEARCH_FAILED);
			msg_str(why, "error", folio_strerror(r));
			return msg_set(r, why);
		}
		return (int)w.found;
	}
	/* With filters, more pages are asked for than shown: some fail the filters. */
	r = store_text_search(s, q->text, filtered ? 50 * SEARCH_MAX : SEARCH_MAX, text_hit, &w);
	switch (r) {
	case -EINVAL:
		msg_init(why, MSG_SEARCH_NO_WORDS);
		msg_str(why, "value", q->text);
		return msg_set(r, why);
	case -FOLIO_ETOOBIG:
		msg_init(why, MSG_SEARCH_TOO_BROAD);
		return msg_set(-EINVAL, why);
	case -ENODATA:
		msg_init(why, MSG_SEARCH_NO_INDEX);
		return msg_set(r, why);
	case -EINPROGRESS:
		msg_init(why, MSG_SEARCH_REBUILDING);
		return msg_set(r, why);
	case -EOPNOTSUPP:
		msg_init(why, MSG_SEARCH_PREFIX_SEALED);
		return msg_set(r, why);
	default:
		if (r < 0) {
			msg_init(why, MSG_SEARCH_FAILED);
			msg_str(why, "error", folio_strerror(r));
			return msg_set(r, why);
		}
	}
	return (int)w.found;
}
