#ifndef FOLIO_UPLOAD_TRANSPORT_H
#define FOLIO_UPLOAD_TRANSPORT_H

/*
 * Delivery of one package folder to the office's target, exactly once, over links that fail.
 *
 * Targets ([upload] target):
 *	file:///FOLDER              a local outbox or mounted share (CONFIG_UPLOAD_FILE)
 *	https://HOST[:PORT]/PATH    a WebDAV server: MKCOL, PUT, MOVE, PROPFIND (CONFIG_UPLOAD_WEBDAV)
 *	sftp://USER@HOST[:PORT]/PATH  SFTP with key authentication and a pinned host key
 *	                            ([upload] sftp_key, sftp_known_hosts; CONFIG_UPLOAD_SFTP)
 *	s3://BUCKET[/PREFIX]        an S3-compatible store at [upload] s3_endpoint (https),
 *	                            s3_region, AWS SigV4 (CONFIG_UPLOAD_S3)
 * Secrets (WebDAV user and password, S3 keys, the passphrase of a key) live in
 * [upload] credentials_file, "key = value" lines, mode 0600 (see upload_target_open()).
 * They are never logged nor put in an error message.
 *
 * How a package goes up (upload_package()):
 *  1. where the protocol can rename a folder (file://, WebDAV MOVE with "Overwrite: F", SFTP
 *     rename, none of which replaces an existing name), the package goes into a hidden
 *     temporary folder ".NAME.folio-part" beside its final name, and appears under NAME only
 *     when it is complete and checked (step 5): the office never sees half a package. A
 *     final folder NAME that exists already is only compared, file by file (the same
 *     content: done; anything else, a missing file too: refused, nothing sent). S3 has no
 *     rename: the package goes to its final keys, and the manifest, the last object
 *     written, is the sign that it is complete (list keys ending in "/MANIFEST.sha256");
 *  2. the files listed in the local MANIFEST.sha256 are checked against the server first:
 *     a file already there whose content reads back right is not sent again, so an
 *     interrupted delivery resumes (in the same temporary folder); a wrong file in our own
 *     temporary folder is removed and sent again;
 *  3. every other file goes up under a temporary name (".NAME.folio-part" beside it) and is
 *     renamed into place without overwriting (WebDAV MOVE with "Overwrite: F", SFTP rename);
 *     a temporary file that already arrived whole is renamed, not sent again, and a partial
 *     SFTP one is continued where it stopped. On S3 a small object appears whole with its
 *     PUT, a large one when its multipart upload completes;
 *  4. MANIFEST.sha256.sig, then MANIFEST.sha256 go last;
 *  5. every file is read back from the server (WebDAV and S3 GET, SFTP read, file:// read),
 *     streamed into its SHA-256, and compared with the manifest: size and content, not only
 *     the size. Then the temporary folder is renamed into place, and the manifest is read
 *     back under its final name before upload_package() returns 0. Only then may the batch
 *     be marked delivered.
 * A final name that holds something else (another size or content) is never overwritten:
 * -FOLIO_ECORRUPT, with the file named in @why.
 *
 * Each request is retried ([upload] retries) with exponential backoff and jitter after
 * transient failures (connection refused, reset or stalled, timeouts, HTTP 5xx, 408, 429).
 * [upload] concurrency files go up at once, each on its own connection; the bandwidth cap
 * ([upload] bandwidth_kbps) is shared between them. TLS peers are always verified against
 * [upload] ca_file (the system's CAs when empty), optionally pinned_pubkey, with an optional
 * client certificate (client_cert, client_key) for mutual TLS.
 *
 * Threads: a target is used by one caller at a time; upload_package() runs its own workers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "progress.h"
#include "firmware/config/config.h"

struct upload_target;

/* What a delivery did: for the event log and `folio upload status`. */
struct upload_receipt {
	uint64_t bytes_sent;	  /* bytes sent by this call (resumed parts not counted) */
	uint64_t bytes_total;	  /* bytes of the package's files */
	uint32_t files;		  /* files of the package, manifest and signature included */
	uint32_t files_skipped;	  /* files already on the server, not sent again */
	uint32_t retries;	  /* requests repeated after a transient failure */
	uint32_t files_read_back; /* files read back, all on success (see upload_package()) */
	uint64_t bytes_read_back; /* their bytes */
	double read_back_seconds; /* time spent reading back, summed over the connections */
	double seconds;		  /* wall time of the call */
	int64_t finished;	  /* unix seconds when the server's copy was confirmed */
	/* The package appeared by the rename of its complete temporary folder; false on S3,
	 * where the manifest, written last, marks it complete. */
	bool renamed;
	char manifest_sha256[65]; /* SHA-256 of MANIFEST.sha256 as confirmed on the server */
	char remote[512]; /* where the package is, e.g. https://host/path/NAME/ (no secrets) */
};

/*
 * upload_target_open - parse and check [upload] of @cfg and prepare a target
 * @ret: the target, freed with upload_target_close()
 * @why: on failure, one line saying what is wrong and what to do (no secret in it)
 *
 * Reads [upload] credentials_file when set: a regular file that group and others cannot
 * read (-EPERM otherwise) of "key = value" lines: user, password (WebDAV basic auth),
 * access_key_id, secret_access_key (S3), key_password (passphrase of sftp_key or
 * client_key). Checks that the files named in [upload] exist. No connection is made.
 * Returns 0, -EOPNOTSUPP for a scheme this build lacks, -EINVAL for a bad setting, -EPERM,
 * -ENOENT, or -errno.
 */
int upload_target_open(const struct folio_config *cfg, struct upload_target **ret, char *why,
		       size_t n);

/*
 * upload_target_set_progress - tell @p (copied; NULL: no one) of each file of a package that
 * upload_package() confirms on the server: files confirmed of the package's, and their bytes.
 * Called under the delivery's lock from its connections' threads.
 */
void upload_target_set_progress(struct upload_target *t, const struct progress *p);

/* upload_target_close - free a target; takes NULL, returns NULL */
struct upload_target *upload_target_close(struct upload_target *t);

/* upload_target_url - the target as configured (no secrets); valid until close */
const char *upload_target_url(const struct upload_target *t);

/*
 * upload_package - deliver the local package folder @dir as @name on the target, exactly once
 * @name: the package's folder name on the server ("<STATION>-B<batch>"): letters, digits,
 *        '-', '_' and '.', not starting with '.'
 * @ret: filled on success only
 * @why: on failure, one line naming the file, the host and the reason (no secrets)
 *
 * See the top of this file for the steps. Safe to call again after any failure or crash: it
 * resumes. Returns 0 when the whole package is on the server and confirmed; -FOLIO_EFORMAT
 * for a local package without a readable MANIFEST.sha256 or with a bad line in it;
 * -FOLIO_ECORRUPT when a local file does not match its manifest hash or the server holds a
 * different file under a final name; -EKEYREJECTED for a certificate, pinned key or host key
 * that does not verify; -EACCES when the server refuses our credentials; -ENOSPC when the
 * server is full; -ETIMEDOUT, -ECONNREFUSED, -EIO (HTTP 5xx) after the retries ran out;
 * -ENOMEM.
 */
int upload_package(struct upload_target *t, const char *dir, const char *name,
		   struct upload_receipt *ret, char *why, size_t n);

/*
 * upload_fetch - read the small file @rel (relative to the target's base, e.g.
 * "receipts/NAME.receipt") into @buf, at most @size bytes, over the target's transport,
 * retried as deliveries are
 * @why: on failure, one line naming the file and the host (no secrets)
 *
 * Returns 0 with the length in @ret_len; -ENOENT when there is no such file (not an error
 * for a caller that waits for it); -FOLIO_ETOOBIG beyond @size; -EINVAL for a bad path;
 * otherwise as upload_package().
 */
int upload_fetch(struct upload_target *t, const char *rel, char *buf, size_t size, size_t *ret_len,
		 char *why, size_t n);

/*
 * upload_receipt_format - the receipt as one line for the event log, e.g.
 * "manifest_sha256=ab12... remote=https://h/p/S-B000001/ files=14 skipped=0 bytes=123456
 *  sent=123456 seconds=1.2" (cut to @size: the manifest's hash first, so it is kept whole);
 * returns @buf
 */
const char *upload_receipt_format(const struct upload_receipt *r, char *buf, size_t size);

/*
 * The nightly window ([upload] window): "HH:MM-HH:MM" in station time (may wrap past
 * midnight, e.g. "22:00-06:00"), or "" / "always" for no window.
 */
struct upload_window {
	bool always;
	int start, end; /* minutes after midnight; start == end means the whole day */
};

/* upload_window_parse - parse @spec into @ret; -EINVAL (with a reason in @why) if malformed */
int upload_window_parse(const char *spec, struct upload_window *ret, char *why, size_t n);

/*
 * upload_window_next - whether @now is inside the window, when the window next opens and,
 * when open now, when it closes (each output may be NULL; both written in any case: the next
 * opening is @now when open, the close time 0 when there is no end)
 */
bool upload_window_next(const struct upload_window *w, time_t now, time_t *ret_open,
			time_t *ret_close);

/*
 * upload_window_open - whether @now is inside [upload] window of @cfg; the next opening goes
 * to @ret_next (may be NULL; @now when open now). A malformed window counts as always open
 * (config_load() refuses one anyway).
 */
bool upload_window_open(const struct folio_config *cfg, time_t now, time_t *ret_next);

/* upload_scheme_built_in - whether this build can deliver to @url's scheme */
bool upload_scheme_built_in(const char *url);

#endif
