#ifndef FOLIO_FILEIO_H
#define FOLIO_FILEIO_H

/*
 * Writing files so that a crash leaves all or nothing, and removing folders: the few file
 * operations several modules need, in one place.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* fd_write_all - write all @len bytes, retrying short writes and EINTR; 0 or -errno */
int fd_write_all(int fd, const void *data, size_t len);

/*
 * fd_pread_all - read exactly @len bytes at offset @at, retrying short reads and EINTR
 * Returns 0, -ENODATA when the file ends first, or -errno.
 */
int fd_pread_all(int fd, void *buf, size_t len, uint64_t at);

/*
 * file_create_synced - create @name in @dir_fd (AT_FDCWD for paths) with exactly @mode,
 * write @data and fsync it
 *
 * Refuses to replace an existing file (-EEXIST) or to follow a symlink. On any failure the
 * file is removed again. Returns 0 or -errno. The caller syncs the folder when the name
 * itself must survive a crash.
 */
int file_create_synced(int dir_fd, const char *name, mode_t mode, const void *data, size_t len);

/*
 * file_replace_synced - replace the file @path with @data as one step: written and synced
 * under "@path.new" with exactly @mode (a stale one from a crash is removed first), renamed
 * over @path, then the folder synced
 *
 * A crash leaves the old file or the new one, never a mix. Returns 0 or -errno (then @path is
 * as it was).
 */
int file_replace_synced(const char *path, mode_t mode, const void *data, size_t len);

/*
 * file_open_regular - open @path for reading (O_CLOEXEC, O_NOCTTY, and @flags: O_NOFOLLOW,
 * O_NONBLOCK), its status in @ret_st (also when it is not a regular file)
 * Returns the descriptor (the caller closes it), -FOLIO_EFORMAT when @path is not a regular
 * file, or -errno.
 */
int file_open_regular(const char *path, int flags, struct stat *ret_st);

/*
 * file_read_all - the whole regular file @path, of at most @max bytes, into a new buffer
 * (free()) with a NUL after its *@ret_len bytes
 *
 * Returns 0, -FOLIO_EFORMAT when @path is not a regular file, -FOLIO_ETOOBIG when it is
 * larger than @max, -EIO when it shrinks while it is read, or -errno.
 */
int file_read_all(const char *path, size_t max, char **ret, size_t *ret_len);

/* remove_tree - remove @path and everything below it, not following symlinks; 0 or -errno */
int remove_tree(const char *path);

#endif
