#ifndef FOLIO_SECRET_H
#define FOLIO_SECRET_H

/*
 * One way to read a secret file (a key, a credentials file): opened without following a
 * symbolic link and without blocking (a FIFO in its place is no regular file, not a hang),
 * checked to be a regular file that nobody else may read, read whole and bounded into guarded
 * memory (sodium_malloc: locked, never swapped, wiped when freed). The steps are apart so that
 * a caller can word each refusal its own way, or look at a file's content before its mode;
 * secret_load() takes them all in one call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/*
 * secret_open - open secret file @path for reading, its status in @ret_st
 * Returns the descriptor, -errno from open(2) (-ELOOP for a symbolic link), or
 * -FOLIO_EFORMAT when it is not a regular file.
 */
int secret_open(const char *path, struct stat *ret_st);

/* secret_private - whether group and others have no access to the file of @st */
bool secret_private(const struct stat *st);

/*
 * secret_read - the whole file @fd (at most @max bytes) into a guarded buffer, NUL-terminated
 * @ret, @ret_len: the bytes (free with sodium_free()) and their count
 * Returns 0, -FOLIO_ETOOBIG beyond @max, -ENOMEM, or -errno.
 */
int secret_read(int fd, size_t max, char **ret, size_t *ret_len);

/* secret_owned - whether the file of @st belongs to this user (effective uid) or to root */
bool secret_owned(const struct stat *st);

enum secret_flags {
	SECRET_NOT_EMPTY = 1 << 0, /* an empty file is refused (-ENODATA) */
};

/*
 * secret_load - the whole secret file @path, checked: secret_open(), secret_owned(),
 * secret_private(), then secret_read() of at most @max bytes
 * @flags: enum secret_flags
 * @ret, @ret_len: the bytes, NUL-terminated, and their count (free with secret_free())
 * @ret_st: when not NULL, the status of the file as opened, also on a refusal (valid when
 *          the result is not an error of open(2)), so that a caller can word it
 * Returns 0, or -errno of open(2) (-ENOENT; -ELOOP for a symbolic link), -FOLIO_EFORMAT when
 * it is not a regular file (a FIFO, a folder, a device), -EPERM when it belongs to another
 * user or group or others have any access to it (@ret_st tells which), -FOLIO_ETOOBIG beyond
 * @max, -ENODATA for an empty file with SECRET_NOT_EMPTY, -ENOMEM, or -errno of read(2).
 * Nothing is returned in @ret on a refusal.
 */
int secret_load(const char *path, size_t max, unsigned flags, char **ret, size_t *ret_len,
		struct stat *ret_st);

/*
 * secret_free - free a buffer of secret_read() or secret_load(), its bytes zeroed first
 * (sodium_free() wipes the whole allocation). Takes NULL; returns NULL.
 */
char *secret_free(char *buf);

#endif
