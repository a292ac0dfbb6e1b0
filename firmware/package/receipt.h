#ifndef FOLIO_PACKAGE_RECEIPT_H
#define FOLIO_PACKAGE_RECEIPT_H

/*
 * The office's receipt: what `folio-verify --receipt` writes after checking a package, and
 * what the station reads back over its upload target to close the batch.
 *
 * Where: beside the package on the same target, <parent of the package>/receipts/:
 *
 *	receipts/<package>.receipt		the receipt, text, at most RECEIPT_MAX bytes
 *	receipts/<package>.receipt.sshsig	its armored SSH signature by the office's key
 *						(namespace RECEIPT_SSH_NAMESPACE)
 *
 * The receipt, exactly these lines in this order, each "name value\n", nothing else:
 *
 *	folio-receipt 1
 *	package SIM-01-1a2b3c4d-B000001		the package's folder name
 *	station SIM-01				the three parts of that name
 *	store 1a2b3c4d
 *	batch 1
 *	manifest-sha256 <64 hex>		SHA-256 of MANIFEST.sha256 as the office read it
 *	verdict accepted|refused
 *	reason <text>				only when refused: one line, bytes outside
 *						printable ASCII and '\' escaped as \xHH
 *	time 2026-12-04T23:10:00Z		when the office decided (UTC)
 *
 * The office checks its own receipt with ssh-keygen alone:
 *	ssh-keygen -Y verify -f allowed_signers -I folio-office -n folio-receipt \
 *		-s NAME.receipt.sshsig < NAME.receipt
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/package/sign.h"

#define RECEIPT_DIR "receipts"
#define RECEIPT_SUFFIX ".receipt"
#define RECEIPT_SIG_SUFFIX ".receipt.sshsig"
#define RECEIPT_SSH_NAMESPACE "folio-receipt"
#define RECEIPT_MAX 1024       /* bytes of a receipt file */
#define RECEIPT_REASON_MAX 240 /* bytes of the escaped reason: it fits an event */
#define RECEIPT_STATION_MAX 31 /* [station] id */
#define RECEIPT_NAME_MAX 64    /* a package name */

/* What a receipt says. */
struct receipt {
	char package[RECEIPT_NAME_MAX + 1];
	char station[RECEIPT_STATION_MAX + 1];
	char store[9];
	uint32_t batch;
	char manifest_sha256[65];
	bool accepted;
	char reason[RECEIPT_REASON_MAX + 1]; /* escaped; "" when accepted */
	int64_t time;			     /* unix seconds */
};

/* The receipt's use of SSH signatures: RECEIPT_SSH_NAMESPACE (sign.h) */
extern const struct sign_ssh_use receipt_ssh_use;

/*
 * receipt_from_name - fill @ret's package, station, store and batch from package name @name
 * ("<station>-<8 hex>-B<6 or more digits>"); 0, or -FOLIO_EFORMAT when it is not one.
 */
int receipt_from_name(const char *name, struct receipt *ret);

/*
 * receipt_set_reason - the reason @text (any bytes, @len of them) escaped into @r->reason,
 * cut to fit; the verdict becomes refused
 */
void receipt_set_reason(struct receipt *r, const char *text, size_t len);

/* receipt_format - the receipt's text into @buf (RECEIPT_MAX bytes); its length or -EINVAL */
int receipt_format(const struct receipt *r, char *buf, size_t size);

/*
 * receipt_parse - read receipt text @text (@len bytes, untrusted) strictly into @ret
 * @why: what is wrong, one line
 *
 * Every line, its order, its value's form and the package name's agreement with station,
 * store and batch are checked; the signature is not (receipt_check()). Returns 0 or
 * -FOLIO_EFORMAT.
 */
int receipt_parse(const char *text, size_t len, struct receipt *ret, char *why, size_t why_size);

/*
 * receipt_check - check receipt @text (@len bytes) and its signature @sig (@sig_len bytes)
 * against the office's keys @keys (@n_keys of them), then parse it into @ret
 * @why: what is wrong, one line
 *
 * Returns 0 when a key of @keys signed exactly @text under RECEIPT_SSH_NAMESPACE and the
 * text is a receipt; -FOLIO_ECORRUPT for a signature that does not verify (altered, another
 * key, another namespace); -FOLIO_EFORMAT for a text or signature that is malformed.
 */
int receipt_check(const struct sign_key *keys, size_t n_keys, const char *text, size_t len,
		  const char *sig, size_t sig_len, struct receipt *ret, char *why, size_t why_size);

/*
 * receipt_write - sign receipt @r with the office's key @key and write it into folder
 * @folder (created with mode 0755 if missing) as <package>.receipt and
 * <package>.receipt.sshsig, each through a temporary file synced and renamed into place
 * (the signature first), the folder synced
 * @why: on failure, one line naming the file
 *
 * An accepted receipt already there is never replaced (-EEXIST): a package is accepted once,
 * and a replay refused later must not undo that. A refused one may be replaced (the office
 * verified it again). Returns 0 or -errno.
 */
int receipt_write(const char *folder, const struct receipt *r, const struct sign_key *key,
		  char *why, size_t why_size);

/*
 * receipt_load_keys - read the office's receipt keys from file @path: OpenSSH public key
 * lines ("ssh-ed25519 <base64> [comment]"), blank lines and '#' comments allowed
 * @keys: room for @max keys; @ret_n: how many were read
 * @why: on failure, "FILE:LINE: what is wrong"
 *
 * Returns 0; -FOLIO_EFORMAT for a line that is not an Ed25519 public key, for more than @max
 * keys or for a file without any; -errno when it cannot be read.
 */
int receipt_load_keys(const char *path, struct sign_key *keys, size_t max, size_t *ret_n, char *why,
		      size_t why_size);

#endif
