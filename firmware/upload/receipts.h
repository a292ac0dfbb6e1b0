#ifndef FOLIO_UPLOAD_RECEIPTS_H
#define FOLIO_UPLOAD_RECEIPTS_H

/*
 * The office's receipts read back: what closes a delivered batch (firmware/package/receipt.h
 * for the receipt itself).
 *
 * For every delivered batch, receipts_read() fetches receipts/<package>.receipt and its
 * .sshsig over the target the package went to ([upload] target, the driver's fetch), each
 * bounded in size. A missing receipt is no error: the office has not decided yet. The
 * receipt must be signed by one of the office's keys ([upload] receipt_keys, namespace
 * folio-receipt), be well formed, and name this batch's package and the SHA-256 of the
 * manifest the station delivered (the upload-receipt event). Then:
 *
 *	accepted	the batch moves delivered -> confirmed (as `folio batch confirm`); purge
 *			follows [store] retention_days
 *	refused		the batch moves delivered -> rejected: back to the supervisor, with the
 *			office's reason in an office-refused event (receipts_refusal())
 *	not valid	one log line, an office-receipt-invalid event once per distinct receipt;
 *			the batch stays delivered
 *
 * Events: office-receipt (accepted or refused, with package, manifest hash and the office's
 * time), office-refused (the reason), office-receipt-invalid (why), and the state change.
 */

#include <stddef.h>
#include <stdint.h>

#include "firmware/config/config.h"
#include "firmware/store/store.h"

struct receipts_summary {
	uint32_t confirmed; /* batches the office accepted */
	uint32_t refused;   /* batches it refused, back to the supervisor */
	uint32_t invalid;   /* receipts that did not check (batch stays delivered) */
	uint32_t waiting;   /* delivered batches without a receipt yet */
};

/*
 * receipts_read - read the receipts of every delivered batch and act on them (see above)
 *
 * Does nothing when [upload] receipt_keys is empty or the build lacks CONFIG_UPLOAD_RECEIPTS.
 * Problems with one receipt are logged and counted, never fatal. Returns 0; -FOLIO_ECONFIG
 * when the keys file is unusable or the target cannot be opened (logged once, with what to
 * do); -errno from the store.
 */
int receipts_read(struct store *store, const struct folio_config *cfg,
		  struct receipts_summary *ret);

/*
 * receipts_refusal - the office's reason for refusing batch @id (the last office-refused
 * event about it) into @buf, escaped as the receipt has it. Returns 0, -FOLIO_ENOTFOUND when
 * the office never refused it, or an error of store_event_list().
 */
int receipts_refusal(struct store *store, uint32_t id, char *buf, size_t size);

#endif
