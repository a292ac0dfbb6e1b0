#ifndef FOLIO_ACCOUNTS_H
#define FOLIO_ACCOUNTS_H

/*
 * Accounts of the technician console and the clerk UI: a text file of "USER:HASH" or
 * "USER:HASH:ATTRIBUTES" lines, HASH being libsodium's crypto_pwhash_str() (Argon2id,
 * interactive limits), ATTRIBUTES a comma-separated list of [a-z0-9=._-] words that the user
 * of the file gives meaning to (the clerk UI: "role=supervisor,lang=fr"), '#' starting a
 * comment.
 * It holds secrets, so it is read through secret.h's one reader: a regular file, no symbolic
 * link (-ELOOP), of this user or root, that neither group nor others may access; every
 * function refuses it otherwise (-EPERM, -EINVAL for no regular file) before reading a byte
 * of it, and no copy of it outlives the call unwiped.
 *
 * Bounds: ACCOUNTS_MAX accounts, names of 1..ACCOUNT_NAME_MAX of [a-z0-9._-] starting with
 * a letter or digit, passwords of ACCOUNT_PASSWORD_MIN..ACCOUNT_PASSWORD_MAX bytes, lines
 * of ACCOUNTS_LINE_MAX bytes. A file beyond them is -FOLIO_EFORMAT.
 */

#include <stdbool.h>
#include <stddef.h>

#define ACCOUNTS_MAX 64
#define ACCOUNT_NAME_MAX 32
#define ACCOUNT_PASSWORD_MIN 8
#define ACCOUNT_PASSWORD_MAX 128
#define ACCOUNT_PIN_MIN 6 /* the least accounts_update() takes; accounts_set() wants more */
#define ACCOUNT_ATTRS_MAX 64
#define ACCOUNTS_LINE_MAX 256

/* account_name_valid - whether @name may name an account */
bool account_name_valid(const char *name);

/* account_attrs_valid - whether @attrs may be an account's attributes */
bool account_attrs_valid(const char *attrs);

/*
 * accounts_check_file - whether @path is fit to hold accounts
 *
 * Returns 0, -ENOENT when it does not exist, -EPERM when group or others have any access
 * to it or it belongs to another user, -EINVAL when it is no regular file, -ELOOP for a
 * symbolic link, or -errno.
 */
int accounts_check_file(const char *path);

/*
 * accounts_verify - check @password for @user
 *
 * Takes about as long for an unknown user as for a known one. Returns 0 when they match,
 * -EACCES when they do not (or the user is unknown), the errors of accounts_check_file(),
 * or -FOLIO_EFORMAT for a damaged file.
 */
int accounts_verify(const char *path, const char *user, const char *password);

/*
 * accounts_exists - whether @user is a valid name with an account in @path: 1 yes, 0 no,
 * the errors of accounts_check_file(), -FOLIO_EFORMAT for a damaged file. Reads no hash.
 */
int accounts_exists(const char *path, const char *user);

/* accounts_login - accounts_verify(), and on success the account's attributes into @ret_attrs */
int accounts_login(const char *path, const char *user, const char *password, char *ret_attrs,
		   size_t attrs_size);

/*
 * accounts_set - create @user with @password, or change the password of @user
 *
 * Rewrites the file in one step (a temporary file renamed over it, mode 0600) keeping the
 * other accounts and the comments; creates it when missing. Returns 1 when the account was
 * created, 0 when changed, -EINVAL for a bad name or a password of the wrong length, the
 * errors of accounts_check_file() (but a missing file is created), -FOLIO_ETOOBIG when the
 * file already holds ACCOUNTS_MAX accounts, or -errno.
 */
int accounts_set(const char *path, const char *user, const char *password);

/*
 * accounts_update - accounts_set() that also sets the attributes
 * @password: ACCOUNT_PIN_MIN..ACCOUNT_PASSWORD_MAX bytes, or NULL to keep the account's
 *            password (then the account must exist: -ENOENT)
 * @attrs: NULL keeps the account's attributes; -EINVAL when !account_attrs_valid()
 */
int accounts_update(const char *path, const char *user, const char *password, const char *attrs);

/* accounts_list - call @fn for every account with its attributes ("" when none), in file order */
int accounts_list(const char *path, int (*fn)(const char *user, const char *attrs, void *user_data),
		  void *user_data);

#endif
