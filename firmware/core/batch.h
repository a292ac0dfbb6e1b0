#ifndef FOLIO_CORE_BATCH_H
#define FOLIO_CORE_BATCH_H

/*
 * The station's decisions on a batch: approve, reject, reopen, close and edit, with their
 * checks. `folio`, the serial console and the clerk UI call these and render the answer; they
 * decide nothing themselves, so the same request gets the same answer (and the same refusal
 * text) whichever front end it came through.
 *
 * Every function returns 0, or a negative error with its refusal in @why: a code with
 * parameters (core/message.h) and one English line for people in @why->text (lower-case, no
 * full stop, what to do included), the same for every front end. The store's
 * own rules (legal moves, OCR finished, the reviewed revision) are asked in the same write
 * transaction as the change (store_batch_approve(), store_batch_set_state()); these add the
 * rules that need the configuration or the caller's words. A move done writes the batch as
 * it was before it into @ret_before (may be NULL), for "batch N: closed -> approved".
 */

#include <stddef.h>
#include <stdint.h>

#include "firmware/config/config.h"
#include "firmware/core/message.h"
#include "firmware/index/docfields.h"
#include "firmware/store/store.h"

/*
 * core_document_problems - the problems of @doc that block approval, one message each, into
 * @out (at most @max): index fields that fail their checks (docfields_apply(); code
 * doc-field-invalid, parameters field and detail), no application number
 * (doc-no-application), no document code (doc-no-document-code). Returns how many were
 * written.
 */
size_t core_document_problems(const struct folio_config *cfg, const struct document_info *doc,
			      struct msg *out, size_t max);

/*
 * core_batch_get - batch @id into @ret, or the refusal in @why: -FOLIO_ENOTFOUND
 * (batch-not-found: "no batch N in the store") or the store's error (batch-unreadable)
 */
int core_batch_get(struct store *s, uint32_t id, struct batch_info *ret, struct msg *why);

/*
 * core_batch_approve - approve batch @id for upload as @who
 * @revision: the revision the caller reviewed, or STORE_ANY_REVISION (nothing was shown)
 *
 * Refuses with -EINVAL while a document has a problem (core_document_problems()),
 * -FOLIO_EOCRPENDING while text is still being read, -FOLIO_ECHANGED when the batch is no
 * longer at @revision, -FOLIO_ESTATE when the batch cannot become approved, or the store's
 * error (-FOLIO_ENOTFOUND for no such batch). After approval nothing that goes into its
 * package changes (core_batch_editable()).
 */
int core_batch_approve(struct store *s, const struct folio_config *cfg, uint32_t id,
		       const char *who, uint64_t revision, struct batch_info *ret_before,
		       struct msg *why);

/*
 * core_batch_reject - reject batch @id as @who, for @reason (recorded in the event log)
 *
 * Refuses with -EINVAL when @reason is NULL, empty or only blanks, -FOLIO_ESTATE when the
 * batch cannot become rejected, or the store's error.
 */
int core_batch_reject(struct store *s, uint32_t id, const char *who, const char *reason,
		      struct batch_info *ret_before, struct msg *why);

/*
 * core_batch_reopen - open rejected batch @id again (to rescan or insert sheets)
 *
 * Refuses with -FOLIO_ESTATE when the batch is not rejected, or the store's error.
 */
int core_batch_reopen(struct store *s, uint32_t id, const char *who, struct batch_info *ret_before,
		      struct msg *why);

/*
 * core_batch_close - close batch @id (capture finished; indexing and checks)
 *
 * Refuses with -EBUSY while a capture holds it (core_batch_scanning()), -FOLIO_ESTATE when the
 * batch cannot become closed, or the store's error.
 */
int core_batch_close(struct store *s, uint32_t id, const char *who, struct batch_info *ret_before,
		     struct msg *why);

/*
 * core_batch_editable - whether batch @id's pages and documents may still change: read it
 * into @ret (may be NULL) and refuse with -FOLIO_ESTATE once it is approved (what the office
 * receives cannot change after approval, whoever asks), or the store's error.
 */
int core_batch_editable(struct store *s, uint32_t id, struct batch_info *ret, struct msg *why);

/*
 * core_batch_scanning - refuse with -EBUSY (batch-scanning) while a capture, in this process
 * or another (the clerk UI's, 'folio scan', the panel's), holds batch @id: closing it or
 * moving its pages then would refuse the sheets still coming, or number them wrongly.
 * Returns 0 when no capture holds it.
 */
int core_batch_scanning(struct store *s, uint32_t id, struct msg *why);

/*
 * core_change_refused - the words for the store's refusal @r of a change to batch @id (to its
 * page @page, or 0), for the changes the core adds no rule to (a page turned, flagged,
 * deleted; the pages rearranged): batch-not-found, or page-not-found, for -FOLIO_ENOTFOUND,
 * batch-frozen for -FOLIO_ESTATE once the batch is approved (as core_batch_editable()), else
 * batch-change-failed with the error. Returns @r.
 */
int core_change_refused(struct store *s, uint32_t id, uint32_t page, int r, struct msg *why);

/*
 * core_page_use_grey - deliver page @page of batch @id in grey as @who (store_page_use_grey())
 *
 * Refuses like core_batch_editable(), with -FOLIO_ENOTFOUND when the batch has no page @page
 * (page-not-found), -EALREADY when it is already grey or colour (page-is-grey), -ENODATA
 * when no grey image is kept for it (page-no-grey), or the store's error.
 */
int core_page_use_grey(struct store *s, uint32_t id, uint32_t page, const char *who,
		       struct msg *why);

/*
 * core_document_edit - change the index fields of document @doc of batch @id as @who: @e
 * applied and the whole result checked (docfields_apply()), written only when it differs
 * @ret_old, @ret_new: the document before and after (either may be NULL)
 *
 * Refuses like core_batch_editable(), with -FOLIO_ENOTFOUND when the batch has no document
 * @doc (code doc-not-found), -EINVAL when a field fails its check (code doc-field-invalid,
 * parameters field, as docfields_apply_field() names it, and detail), or the store's error.
 */
int core_document_edit(struct store *s, const struct folio_config *cfg, uint32_t id, uint32_t doc,
		       const struct docfields_edit *e, const char *who,
		       struct document_info *ret_old, struct document_info *ret_new,
		       struct msg *why);

#endif
