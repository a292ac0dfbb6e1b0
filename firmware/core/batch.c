#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "firmware/core/batch.h"

/* A field that fails its check (docfields_apply_field()'s @field and @detail), rendered. */
static void field_invalid(struct msg *m, const char *field, const char *detail)
{
	msg_init(m, MSG_DOC_FIELD_INVALID);
	msg_str(m, "field", field ? field : "");
	msg_str(m, "detail", detail);
	msg_render(m);
}

size_t core_document_problems(const struct folio_config *cfg, const struct document_info *doc,
			      struct msg *out, size_t max)
{
	struct docfields_edit none = { 0 };
	struct document_info checked;
	char why[MSG_PARAM_TEXT];
	const char *field = NULL;
	size_t n = 0;

	if (docfields_apply_field(cfg, doc, &none, &checked, why, sizeof(why), &field) < 0 &&
	    n < max)
		field_invalid(&out[n++], field, why);
	if (!doc->application[0] && n < max)
		msg_init(&out[n++], MSG_DOC_NO_APPLICATION);
	if (!doc->document_code[0] && n < max)
		msg_init(&out[n++], MSG_DOC_NO_DOCUMENT_CODE);
	return n;
}

/* @why as @code about batch @id (more parameters may follow before msg_set()). */
static struct msg *about(struct msg *why, enum msg_code code, uint32_t id)
{
	msg_init(why, code);
	msg_num(why, "batch", id);
	return why;
}

int core_batch_get(struct store *s, uint32_t id, struct batch_info *ret, struct msg *why)
{
	int r = store_batch_get(s, id, ret);

	if (r == -FOLIO_ENOTFOUND)
		return msg_set(r, about(why, MSG_BATCH_NOT_FOUND, id));
	if (r < 0) {
		msg_str(about(why, MSG_BATCH_UNREADABLE, id), "error", folio_strerror(r));
		return msg_set(r, why);
	}
	return 0;
}

/* The store's refusal of moving @b to @to, in words. */
static int refused(struct store *s, const struct batch_info *b, enum batch_state to, int r,
		   struct msg *why)
{
	struct store_ocr_progress p = { 0 };

	switch (r) {
	case -FOLIO_EOCRPENDING:
		(void)store_batch_ocr_progress(s, b->id, &p);
		about(why, MSG_BATCH_OCR_PENDING, b->id);
		msg_num(why, "waiting", p.waiting);
		msg_num(why, "pages", p.pages);
		break;
	case -FOLIO_ECHANGED:
		about(why, MSG_BATCH_CHANGED, b->id);
		break;
	case -FOLIO_ESTATE:
		about(why, MSG_BATCH_STATE, b->id);
		msg_str(why, "state", batch_state_name(b->state));
		msg_str(why, "to", batch_state_name(to));
		break;
	default:
		msg_str(about(why, MSG_BATCH_CHANGE_FAILED, b->id), "error", folio_strerror(r));
	}
	return msg_set(r, why);
}

/* A move done: the batch as it was before it into @ret_before (may be NULL); returns 0. */
static int moved(const struct batch_info *b, struct batch_info *ret_before)
{
	if (ret_before)
		*ret_before = *b;
	return 0;
}

int core_batch_approve(struct store *s, const struct folio_config *cfg, uint32_t id,
		       const char *who, uint64_t revision, struct batch_info *ret_before,
		       struct msg *why)
{
	struct batch_info b;
	int r;

	r = core_batch_get(s, id, &b, why);
	if (r < 0)
		return r;
	/* A state that cannot become approved says so before its documents are looked at. */
	if (!store_batch_transition_allowed(b.state, BATCH_APPROVED))
		return refused(s, &b, BATCH_APPROVED, -FOLIO_ESTATE, why);
	for (uint32_t d = 1; d <= b.n_documents; d++) {
		struct document_info doc;
		struct msg problem;

		r = store_document_get(s, id, d, &doc);
		if (r < 0) {
			about(why, MSG_DOC_UNREADABLE, id);
			msg_num(why, "doc", d);
			msg_str(why, "error", folio_strerror(r));
			return msg_set(r, why);
		}
		if (core_document_problems(cfg, &doc, &problem, 1)) {
			about(why, MSG_BATCH_DOC_PROBLEM, id);
			msg_num(why, "doc", d);
			msg_sub(why, "problem", problem.code);
			msg_copy_params(why, &problem);
			return msg_set(-EINVAL, why);
		}
	}
	r = store_batch_approve(s, id, who, revision);
	if (r < 0)
		return refused(s, &b, BATCH_APPROVED, r, why);
	return moved(&b, ret_before);
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/*
 * The one path of a plain state change: reads batch @id, lets @check (may be NULL) refuse
 * it, moves it to @to as @who and puts the batch as it was into @ret_before (may be NULL).
 */
static int move(struct store *s, uint32_t id, enum batch_state to, const char *who,
		int (*check)(struct store *s, const struct batch_info *b, struct msg *why),
		struct batch_info *ret_before, struct msg *why)
{
	struct batch_info b;
	int r;

	r = core_batch_get(s, id, &b, why);
	if (r < 0)
		return r;
	if (check) {
		r = check(s, &b, why);
		if (r < 0)
			return r;
	}
	r = store_batch_set_state(s, id, to, who);
	if (r < 0)
		return refused(s, &b, to, r, why);
	return moved(&b, ret_before);
}

int core_batch_reject(struct store *s, uint32_t id, const char *who, const char *reason,
		      struct batch_info *ret_before, struct msg *why)
{
	int r;

	if (blank(reason))
		return msg_set(-EINVAL, about(why, MSG_BATCH_NO_REASON, id));
	r = move(s, id, BATCH_REJECTED, who, NULL, ret_before, why);
	if (r < 0)
		return r;
	/* The move is done: a reason that cannot be recorded does not undo it. */
	(void)store_event_add(s, who, "batch-reject-reason", id, 0, 0, "%s", reason);
	return 0;
}

/* Only a rejected batch opens again. */
static int rejected(struct store *s, const struct batch_info *b, struct msg *why)
{
	(void)s;
	if (b->state == BATCH_REJECTED)
		return 0;
	msg_str(about(why, MSG_BATCH_NOT_REJECTED, b->id), "state", batch_state_name(b->state));
	return msg_set(-FOLIO_ESTATE, why);
}

int core_batch_reopen(struct store *s, uint32_t id, const char *who, struct batch_info *ret_before,
		      struct msg *why)
{
	return move(s, id, BATCH_OPEN, who, rejected, ret_before, why);
}

int core_batch_scanning(struct store *s, uint32_t id, struct msg *why)
{
	if (!store_batch_capturing(s, id))
		return 0;
	return msg_set(-EBUSY, about(why, MSG_BATCH_SCANNING, id));
}

/* A batch closes once its scan is over. */
static int not_scanning(struct store *s, const struct batch_info *b, struct msg *why)
{
	return core_batch_scanning(s, b->id, why);
}

int core_batch_close(struct store *s, uint32_t id, const char *who, struct batch_info *ret_before,
		     struct msg *why)
{
	return move(s, id, BATCH_CLOSED, who, not_scanning, ret_before, why);
}

int core_batch_editable(struct store *s, uint32_t id, struct batch_info *ret, struct msg *why)
{
	struct batch_info b;
	int r;

	r = core_batch_get(s, id, &b, why);
	if (r < 0)
		return r;
	if (!store_batch_editable(b.state)) {
		msg_str(about(why, MSG_BATCH_FROZEN, id), "state", batch_state_name(b.state));
		msg_render(why);
		return -FOLIO_ESTATE; /* not through msg_set(): the analyzer sees the refusal */
	}
	if (ret)
		*ret = b;
	return 0;
}

int core_document_edit(struct store *s, const struct folio_config *cfg, uint32_t id, uint32_t doc,
		       const struct docfields_edit *e, const char *who,
		       struct document_info *ret_old, struct document_info *ret_new,
		       struct msg *why)
{
	struct document_info old, d;
	char detail[MSG_PARAM_TEXT];
	const char *field = NULL;
	struct batch_info b;
	int r;

	r = core_batch_editable(s, id, &b, why);
	if (r < 0)
		return r;
	if (doc < 1 || doc > b.n_documents) {
		msg_num(about(why, MSG_DOC_NOT_FOUND, id), "doc", doc);
		return msg_set(-FOLIO_ENOTFOUND, why);
	}
	r = store_document_get(s, id, doc, &old);
	if (r < 0) {
		msg_num(about(why, MSG_DOC_UNREADABLE, id), "doc", doc);
		msg_str(why, "error", folio_strerror(r));
		return msg_set(r, why);
	}
	if (docfields_apply_field(cfg, &old, e, &d, detail, sizeof(detail), &field) < 0) {
		field_invalid(why, field, detail);
		return -EINVAL;
	}
	if (memcmp(&old, &d, sizeof(d)) != 0) {
		r = store_document_put(s, who, &d);
		if (r < 0) /* approved meanwhile, or the store's error */
			return core_change_refused(s, id, 0, r, why);
	}
	if (ret_old)
		*ret_old = old;
	if (ret_new)
		*ret_new = d;
	return 0;
}

int core_change_refused(struct store *s, uint32_t id, uint32_t page, int r, struct msg *why)
{
	struct batch_info b;

	if (r == -FOLIO_ENOTFOUND || r == -FOLIO_ESTATE) {
		if (core_batch_get(s, id, &b, why) < 0)
			return r; /* batch-not-found, or what stops reading it */
		if (r == -FOLIO_ENOTFOUND && page) {
			msg_num(about(why, MSG_PAGE_NOT_FOUND, id), "page", page);
			return msg_set(r, why);
		}
		if (r == -FOLIO_ESTATE && core_batch_editable(s, id, NULL, why) < 0)
			return r;
	}
	msg_str(about(why, MSG_BATCH_CHANGE_FAILED, id), "error", folio_strerror(r));
	return msg_set(r, why);
}

int core_page_use_grey(struct store *s, uint32_t id, uint32_t page, const char *who,
		       struct msg *why)
{
	int r = core_batch_editable(s, id, NULL, why);

	if (r < 0)
		return r;
	r = store_page_use_grey(s, who, id, page);
	if (r == -EALREADY)
		msg_num(about(why, MSG_PAGE_IS_GREY, id), "page", page);
	else if (r == -ENODATA)
		msg_num(about(why, MSG_PAGE_NO_GREY, id), "page", page);
	else if (r < 0)
		return core_change_refused(s, id, page, r, why);
	return r < 0 ? msg_set(r, why) : 0;
}
