#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "firmware/core/batch.h"
#include "firmware/index/docfields.h"

size_t core_document_problems(const struct folio_config *cfg, const struct document_info *doc,
			      char out[][CORE_WHY_LEN], size_t max)
{
	struct docfields_edit none = { 0 };
	struct document_info checked;
	char why[CORE_WHY_LEN];
	size_t n = 0;

	if (docfields_apply(cfg, doc, &none, &checked, why, sizeof(why)) < 0 && n < max)
		snprintf(out[n++], CORE_WHY_LEN, "%s", why);
	if (!doc->application[0] && n < max)
		snprintf(out[n++], CORE_WHY_LEN, "no application number");
	if (!doc->document_code[0] && n < max)
		snprintf(out[n++], CORE_WHY_LEN, "no document code");
	return n;
}

/* The batch before a change, or the store's refusal in @why. */
static int read_batch(struct store *s, uint32_t id, struct batch_info *ret, char *why,
		      size_t why_size)
{
	int r = store_batch_get(s, id, ret);

	if (r == -FOLIO_ENOTFOUND)
		return folio_why(r, why, why_size, "no batch %u in the store", id);
	if (r < 0)
		return folio_why(r, why, why_size, "cannot read batch %u: %s", id,
				 folio_strerror(r));
	return 0;
}

/* The store's refusal of moving @b to @to, in words. */
static int refused(struct store *s, const struct batch_info *b, enum batch_state to, int r,
		   char *why, size_t why_size)
{
	struct store_ocr_progress p = { 0 };

	switch (r) {
	case -FOLIO_EOCRPENDING:
		(void)store_batch_ocr_progress(s, b->id, &p);
		return folio_why(r, why, why_size,
				 "batch %u: text of %u of %u pages is still being read: approve "
				 "it when OCR is finished",
				 b->id, p.waiting, p.pages);
	case -FOLIO_ECHANGED:
		return folio_why(r, why, why_size,
				 "batch %u changed after it was reviewed: look at it again before "
				 "approving",
				 b->id);
	case -FOLIO_ESTATE:
		return folio_why(r, why, why_size, "batch %u is %s and cannot become %s", b->id,
				 batch_state_name(b->state), batch_state_name(to));
	default:
		return folio_why(r, why, why_size, "cannot change batch %u: %s", b->id,
				 folio_strerror(r));
	}
}

int core_batch_approve(struct store *s, const struct folio_config *cfg, uint32_t id,
		       const char *who, uint64_t revision, char *why, size_t why_size)
{
	struct batch_info b;
	int r;

	r = read_batch(s, id, &b, why, why_size);
	if (r < 0)
		return r;
	/* A state that cannot become approved says so before its documents are looked at. */
	if (!store_batch_transition_allowed(b.state, BATCH_APPROVED))
		return refused(s, &b, BATCH_APPROVED, -FOLIO_ESTATE, why, why_size);
	for (uint32_t d = 1; d <= b.n_documents; d++) {
		struct document_info doc;
		char problems[1][CORE_WHY_LEN];

		r = store_document_get(s, id, d, &doc);
		if (r < 0)
			return folio_why(r, why, why_size,
					 "cannot read document %u of batch %u: %s", d, id,
					 folio_strerror(r));
		if (core_document_problems(cfg, &doc, problems, 1))
			return folio_why(-EINVAL, why, why_size,
					 "batch %u, document %u: %s: index it before approving", id,
					 d, problems[0]);
	}
	r = store_batch_approve(s, id, who, revision);
	if (r < 0)
		return refused(s, &b, BATCH_APPROVED, r, why, why_size);
	return 0;
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

int core_batch_reject(struct store *s, uint32_t id, const char *who, const char *reason, char *why,
		      size_t why_size)
{
	struct batch_info b;
	int r;

	if (blank(reason))
		return folio_why(-EINVAL, why, why_size, "say why batch %u is rejected", id);
	r = read_batch(s, id, &b, why, why_size);
	if (r < 0)
		return r;
	r = store_batch_set_state(s, id, BATCH_REJECTED, who);
	if (r < 0)
		return refused(s, &b, BATCH_REJECTED, r, why, why_size);
	/* The move is done: a reason that cannot be recorded does not undo it. */
	(void)store_event_add(s, who, "batch-reject-reason", id, 0, 0, "%s", reason);
	return 0;
}

int core_batch_reopen(struct store *s, uint32_t id, const char *who, char *why, size_t why_size)
{
	struct batch_info b;
	int r;

	r = read_batch(s, id, &b, why, why_size);
	if (r < 0)
		return r;
	if (b.state != BATCH_REJECTED)
		return folio_why(-FOLIO_ESTATE, why, why_size,
				 "batch %u is %s: only a rejected batch reopens", id,
				 batch_state_name(b.state));
	r = store_batch_set_state(s, id, BATCH_OPEN, who);
	if (r < 0)
		return refused(s, &b, BATCH_OPEN, r, why, why_size);
	return 0;
}

int core_batch_close(struct store *s, uint32_t id, const char *who, char *why, size_t why_size)
{
	struct batch_info b;
	int r;

	r = read_batch(s, id, &b, why, why_size);
	if (r < 0)
		return r;
	r = store_batch_set_state(s, id, BATCH_CLOSED, who);
	if (r < 0)
		return refused(s, &b, BATCH_CLOSED, r, why, why_size);
	return 0;
}

int core_batch_editable(struct store *s, uint32_t id, struct batch_info *ret, char *why,
			size_t why_size)
{
	struct batch_info b;
	int r;

	r = read_batch(s, id, &b, why, why_size);
	if (r < 0)
		return r;
	if (!store_batch_editable(b.state))
		return folio_why(-FOLIO_ESTATE, why, why_size,
				 "batch %u is %s: what goes into its package can no longer change "
				 "(reject it first to correct it)",
				 id, batch_state_name(b.state));
	if (ret)
		*ret = b;
	return 0;
}
