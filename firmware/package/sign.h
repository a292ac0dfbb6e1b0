#ifndef FOLIO_PACKAGE_SIGN_H
#define FOLIO_PACKAGE_SIGN_H

/*
 * The station key: an Ed25519 key pair (libsodium) that signs every package's manifest.
 *
 * Files, one line of text each:
 *
 *	station.key	"folio-ed25519-secret <128 hex digits>"  mode 0600, kept by the station
 *	station.pub	"folio-ed25519-public <64 hex digits>"   enrolled by the office
 *	MANIFEST.sha256.sig (in a package)
 *			"folio-ed25519 <key id> <128 hex digits>": the detached signature of
 *			MANIFEST.sha256 exactly as it is on disk
 *
 * The same key also signs in OpenSSH's format, so that an office checks a package with
 * `ssh-keygen -Y verify` alone (OpenSSH PROTOCOL.sshsig; namespace SIGN_SSH_NAMESPACE):
 *
 *	station.ssh.pub	"ssh-ed25519 <base64> folio-station-<key id>", written by sign_keygen()
 *	allowed_signers	"folio-station-<key id> namespaces="folio-package" ssh-ed25519 <base64>"
 *	MANIFEST.sha256.sshsig (in a package)
 *			the armored SSH signature ("-----BEGIN SSH SIGNATURE-----") of
 *			MANIFEST.sha256, SHA-512 hashed
 *
 * The key id is the first 8 bytes of the SHA-256 of the public key, in 16 lower-case hex
 * digits; it tells which key signed a package without trusting it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGN_SECRET_FILE "station.key"
#define SIGN_PUBLIC_FILE "station.pub"
#define SIGN_FILE "MANIFEST.sha256.sig"
#define SIGN_KEY_ID_LEN 16
#define SIGN_LINE_MAX 200 /* longest line of the three files, newline included */
#define SIGN_SSH_PUBLIC_FILE "station.ssh.pub"
#define SIGN_ALLOWED_SIGNERS_FILE "allowed_signers"
#define SIGN_SSH_FILE "MANIFEST.sha256.sshsig"
#define SIGN_SSH_NAMESPACE "folio-package"
#define SIGN_SSH_PRINCIPAL_PREFIX "folio-station-"
#define SIGN_SSH_MAX 1024 /* an armored Ed25519 SSH signature is about 300 bytes */

struct sign_key {
	uint8_t pk[32];
	uint8_t sk[64]; /* zero when only the public key is loaded */
	bool has_secret;
	char id[SIGN_KEY_ID_LEN + 1];
};

/*
 * sign_keygen - create a key pair in folder @dir (created with mode 0700 if missing)
 * @ret: on success, the new key (wipe it with sign_key_wipe())
 *
 * Writes SIGN_SECRET_FILE (mode 0600), SIGN_PUBLIC_FILE, SIGN_SSH_PUBLIC_FILE and
 * SIGN_ALLOWED_SIGNERS_FILE (0644), each synced. Never replaces a key: -EEXIST when the secret
 * or public key file is already there. Returns 0 or -errno (nothing left behind).
 */
int sign_keygen(const char *dir, struct sign_key *ret);

/*
 * sign_load_secret - read a secret key file
 *
 * Read with secret_load(): returns 0; -EPERM when the file can be read by group or others
 * (chmod 600 it) or belongs to another user than this one or root; -ELOOP for a symbolic
 * link; -FOLIO_EFORMAT when it is no regular file, not a Folio secret key or its halves do
 * not belong together; -errno.
 */
int sign_load_secret(const char *path, struct sign_key *ret);

/* sign_load_public - read a public key file; 0, -FOLIO_EFORMAT or -errno */
int sign_load_public(const char *path, struct sign_key *ret);

/*
 * sign_detached - the signature line of @data (@len bytes) by @k (which must hold its secret)
 * into @buf (at least SIGN_LINE_MAX bytes); returns its length, or -EINVAL.
 */
int sign_detached(const struct sign_key *k, const void *data, size_t len, char *buf, size_t size);

/*
 * sign_check - check the signature file content @sig (@sig_len bytes) over @data with @k
 * @why: a one-line reason on failure
 *
 * Returns 0 when it is a valid signature by @k; -FOLIO_EFORMAT when @sig is not a signature
 * line (truncated, extra bytes); -FOLIO_ECORRUPT when it is made by another key (the reason
 * names both key ids) or does not match the data.
 */
int sign_check(const struct sign_key *k, const void *data, size_t len, const char *sig,
	       size_t sig_len, char *why, size_t why_size);

/*
 * sign_ssh_public - @k's public key as OpenSSH writes it ("ssh-ed25519 <base64> <principal>\n")
 * into @buf; with @allowed, as an allowed_signers line for SIGN_SSH_NAMESPACE instead.
 * The principal is SIGN_SSH_PRINCIPAL_PREFIX and the key id. Returns its length or -EINVAL.
 */
int sign_ssh_public(const struct sign_key *k, bool allowed, char *buf, size_t size);

/*
 * sign_sshsig - the armored SSH signature (PROTOCOL.sshsig, namespace SIGN_SSH_NAMESPACE,
 * SHA-512) of @data by @k into @buf (SIGN_SSH_MAX bytes); returns its length, or -EINVAL.
 * (sign_sshsig_for() signs under another namespace.)
 */
int sign_sshsig(const struct sign_key *k, const void *data, size_t len, char *buf, size_t size);

/*
 * sign_sshsig_check - check the armored SSH signature @sig (@sig_len bytes) over @data with @k
 * Every field is checked: magic, version, key (must be @k's), namespace SIGN_SSH_NAMESPACE,
 * hash sha512 or sha256, signature. Returns 0; -FOLIO_EFORMAT when @sig is not an SSH
 * signature; -FOLIO_ECORRUPT when another key, namespace or data; @why says which.
 */
int sign_sshsig_check(const struct sign_key *k, const void *data, size_t len, const char *sig,
		      size_t sig_len, char *why, size_t why_size);

/*
 * SSH signatures for other uses than packages (the office's receipts, firmware/package/
 * receipt.h): the same format under another namespace, so a signature made for one use never
 * passes for another.
 */
struct sign_ssh_use {
	const char *ns;	     /* the namespace signed, e.g. SIGN_SSH_NAMESPACE */
	const char *file;    /* the signature file, for messages */
	const char *subject; /* what it signs, for messages: "the manifest" */
};

/* The package's use: SIGN_SSH_NAMESPACE, SIGN_SSH_FILE (what sign_sshsig() signs for) */
extern const struct sign_ssh_use sign_ssh_package;

/* sign_sshsig_for, sign_sshsig_check_for - sign_sshsig() and sign_sshsig_check() for @u */
int sign_sshsig_for(const struct sign_ssh_use *u, const struct sign_key *k, const void *data,
		    size_t len, char *buf, size_t size);
int sign_sshsig_check_for(const struct sign_ssh_use *u, const struct sign_key *k, const void *data,
			  size_t len, const char *sig, size_t sig_len, char *why, size_t why_size);

/*
 * sign_ssh_parse_public - an OpenSSH public key line, "ssh-ed25519 <base64> [comment]" (@len
 * bytes, a final newline allowed) into @ret (no secret). Returns 0 or -FOLIO_EFORMAT for
 * anything else (another key type, options before the type, a bad blob).
 */
int sign_ssh_parse_public(const char *line, size_t len, struct sign_key *ret);

/*
 * sign_load_ssh_secret - read an OpenSSH private key file (`ssh-keygen -t ed25519 -N ''`):
 * unencrypted, one Ed25519 key. Returns 0; -EPERM when group or others can read it (chmod
 * 600 it) or it belongs to another user than this one or root; -EKEYREJECTED when a passphrase protects it; -FOLIO_EFORMAT when it is not an
 * OpenSSH Ed25519 private key or its halves do not belong together; -errno.
 */
int sign_load_ssh_secret(const char *path, struct sign_key *ret);

/* sign_key_wipe - zero a key in memory */
void sign_key_wipe(struct sign_key *k);

#endif
