#ifndef FOLIO_UPLOAD_H
#define FOLIO_UPLOAD_H

/*
 * Delivery of approved batches to the office's target ([upload] target): a file:// outbox
 * folder, WebDAV over HTTPS, SFTP or an S3-compatible store (firmware/upload/transport.h).
 *
 * Each approved batch is packaged into <store>/outgoing (approved -> packaged) only when it
 * is sent, the package is sent with the transport's exactly-once protocol (a temporary folder
 * renamed into place whole, or on S3 the manifest last; every file read back from the server
 * and its SHA-256 compared with the manifest), the receipt goes into the event log and the
 * batch becomes delivered. The staged copy is removed after every attempt, delivered or not,
 * and whatever a stopped run left in <store>/outgoing is removed before the next
 * (upload_discard_staged()): the package is in clear on disk only while it is sent. A package
 * built again is the same bytes (firmware/package/export.h), so every step can be repeated
 * after a crash or a failed attempt without sending twice what already arrived. One process
 * delivers at a time (a lock on <store>/outgoing).
 */

#include <stdint.h>

#include "progress.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"

struct upload_summary {
	uint32_t delivered; /* batches delivered by this run */
	uint32_t failed;    /* batches that failed (left approved or packaged for the next run) */
	uint64_t bytes;
	uint32_t last_batch; /* the last batch delivered */
	char last_path[PATH_MAX];
};

/*
 * upload_pending - deliver every approved (or packaged, not yet delivered) batch
 *
 * Failures are logged once per batch and counted; the batch stays where it was for the next
 * run. @progress (or NULL) hears of each file confirmed on the server, batch by batch. Returns 0; -FOLIO_ECONFIG when the target or the staging folder is unusable (logged
 * once, with what to do); -errno from the store.
 */
int upload_pending(struct store *store, const struct folio_config *cfg,
		   const struct progress *progress, struct upload_summary *ret);

/*
 * upload_discard_staged - remove what a stopped delivery left in <store>/outgoing, for
 * foliod outside the upload window. Returns 0 (also while another process delivers, which
 * sweeps it itself), or -errno.
 */
int upload_discard_staged(const struct folio_config *cfg);

/*
 * upload_last_delivery - the event of the last delivery in the event log: the batch's
 * upload receipt (or, before receipts were kept, its change to delivered). What 'status' and
 * 'upload status' both print. Returns 1 with @ret filled, 0 when no batch was ever delivered,
 * or -errno from the store (a broken chain counts what comes before the break).
 */
int upload_last_delivery(struct store *store, struct event_info *ret);

/* upload_target_folder - the folder of a file:// target in @buf; -EINVAL for other schemes */
int upload_target_folder(const char *target, char *buf, size_t size);

#endif
