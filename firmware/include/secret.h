#ifndef FOLIO_SECRET_H
#define FOLIO_SECRET_H

/*
 * One way to read a secret file (a key, a credentials file): opened without following a
 * symbolic link and without blocking (a FIFO in its place is no regular file, not a hang),
 * checked to be a regular file that nobody else may read, read whole and bounded into guarded
 * memory (sodium_malloc: locked, never swapped, wiped when freed). The steps are apart so that
 * a caller can word each refusal its own way, or look at a file's content before its mode.
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

#endif
