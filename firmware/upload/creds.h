#ifndef FOLIO_UPLOAD_CREDS_H
#define FOLIO_UPLOAD_CREDS_H

/*
 * Upload credentials: a separate file named by [upload] credentials_file, readable by the
 * daemon's user only, of "key = value" lines ('#' starts a comment):
 *
 *	user = folio              WebDAV basic authentication
 *	password = ...
 *	access_key_id = ...       S3
 *	secret_access_key = ...
 *	key_password = ...        passphrase of [upload] sftp_key or client_key
 *
 * Values never reach a log or an error message: problems name the file and the line only.
 */

#include <stddef.h>

#define UPLOAD_CRED_LEN 256

struct upload_creds {
	char user[UPLOAD_CRED_LEN];
	char password[UPLOAD_CRED_LEN];
	char access_key_id[UPLOAD_CRED_LEN];
	char secret_access_key[UPLOAD_CRED_LEN];
	char key_password[UPLOAD_CRED_LEN];
};

/*
 * upload_creds_load - read credentials file @path into @ret
 * @why: on failure, one line naming the file (and line) and what to do
 *
 * The file must be a regular file that group and others cannot access (-EPERM), at most 64
 * KiB, with known keys, each once (-EINVAL). Returns 0 or -errno; @ret untouched on failure.
 */
int upload_creds_load(const char *path, struct upload_creds *ret, char *why, size_t n);

/* upload_creds_wipe - overwrite the secrets in @c with zeros */
void upload_creds_wipe(struct upload_creds *c);

/*
 * upload_key_file_check - a private key file (sftp_key, client_key) must be a regular file,
 * no symbolic link, of this user (or root), that group and others cannot read (checked as secret.h
 * opens it; libcurl then reads it by its name): 0, -EINVAL, -EPERM or -errno, with a reason
 * in @why
 */
int upload_key_file_check(const char *what, const char *path, char *why, size_t n);

#endif
