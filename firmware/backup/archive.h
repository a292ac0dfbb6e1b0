#ifndef FOLIO_ARCHIVE_H
#define FOLIO_ARCHIVE_H

/*
 * The sealed archive of `folio backup`: named members (files) in one stream, encrypted and
 * authenticated under a key derived from a passphrase. Nothing of it is readable, and no
 * change to it goes unseen, without the passphrase.
 *
 * Layout, version 1 (integers big-endian):
 *
 *	offset  size
 *	0       8     magic "FOLIOBAK"
 *	8       4     version (1)
 *	12      4     key derivation: libsodium crypto_pwhash algorithm (2: Argon2id 1.3)
 *	16      8     opslimit of the key derivation
 *	24      8     memlimit of the key derivation, bytes
 *	32      16    salt
 *	48      24    header of the crypto_secretstream_xchacha20poly1305 stream
 *	72      ...   chunks: u32 length L, then L bytes of one sealed message of the stream
 *
 * The key is crypto_pwhash(passphrase, salt, opslimit, memlimit, Argon2id). Every message
 * opens to one record, its first byte saying which:
 *
 *	'M' u8 n, n bytes of name, u32 mode    a member starts (mode: its permission bits)
 *	'D' 1..ARCHIVE_CHUNK bytes             the member's next bytes
 *	'E' u64 size                           the member ends, having had size bytes
 *	'Z' u32 count                          the archive ends after count members; this
 *	                                       message alone is tagged FINAL, and the file
 *	                                       ends right after it
 *
 * The first message carries the first 48 bytes of the file (magic to salt) as associated
 * data, so that changed limits or a changed version do not open. The stream's own chaining
 * refuses reordered, repeated or dropped messages; the FINAL tag and the end of the file after
 * it refuse a cut. Names are 1..ARCHIVE_NAME_MAX of [a-z0-9._-] in '/'-separated parts, none
 * of them "." or ".."; the caller decides which names it knows and how big each may be.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARCHIVE_MAGIC "FOLIOBAK"
#define ARCHIVE_VERSION 1
#define ARCHIVE_HEADER_BYTES 72
#define ARCHIVE_CHUNK (64u << 10) /* member bytes in one message */
#define ARCHIVE_NAME_MAX 64

/* Key derivation limits; what a file may ask for is bounded, so a file cannot ask 100 GiB. */
struct archive_kdf {
	uint64_t opslimit;
	uint64_t memlimit; /* bytes */
};

/*
 * archive_kdf_default - the limits new archives use: libsodium's MODERATE (3 passes over
 * 256 MiB: about a second on a 2-core x86 machine); the environment variable
 * FOLIO_BACKUP_TEST_KDF=1 lowers them to the least Argon2id takes, for tests only (such an
 * archive falls to guessing quickly). Returns 1 when the test limits were taken, 0 otherwise.
 */
int archive_kdf_default(struct archive_kdf *ret);

struct archive_writer;

/*
 * archive_writer_new - start an archive on @fd (written from its current offset on): the
 * header, and the key derived from @pass (@pass_len bytes) with @kdf
 * Returns 0, -EINVAL for limits out of bounds, -ENOMEM, or -errno of write(2).
 */
int archive_writer_new(int fd, const char *pass, size_t pass_len, const struct archive_kdf *kdf,
		       struct archive_writer **ret);

/* archive_member_begin - start member @name with permission bits @mode; -EINVAL for a bad name */
int archive_member_begin(struct archive_writer *w, const char *name, mode_t mode);

/* archive_member_write - the member's next @len bytes; 0 or -errno */
int archive_member_write(struct archive_writer *w, const void *data, size_t len);

/* archive_member_end - end the member being written; 0 or -errno */
int archive_member_end(struct archive_writer *w);

/*
 * archive_writer_finish - the FINAL message; the SHA-256 of every byte written goes to
 * @ret_sha256 (may be NULL). The caller syncs and closes the file. 0 or -errno.
 */
int archive_writer_finish(struct archive_writer *w, uint8_t ret_sha256[32]);

/* archive_writer_free - free the writer, its key wiped; takes NULL, returns NULL */
struct archive_writer *archive_writer_free(struct archive_writer *w);

struct archive_reader;

/*
 * archive_reader_new - open the archive on @fd with @pass
 * Returns 0; -FOLIO_EFORMAT when the file is not an archive of this version or asks for
 * limits out of bounds; -FOLIO_ECORRUPT when its header is cut short; -ENOMEM or -errno of
 * read(2). Whether @pass is right shows at the first archive_reader_next().
 */
int archive_reader_new(int fd, const char *pass, size_t pass_len, struct archive_reader **ret);

/*
 * archive_reader_next - go to the next member: its name (valid until the next call) in
 * @ret_name and its mode in @ret_mode. What was left unread of the member before is read
 * and checked. Returns 1 for a member, 0 at the end of the archive (the FINAL message
 * checked, and nothing after it), -EKEYREJECTED when the first message does not open (a
 * wrong passphrase, or a changed header), -FOLIO_ECORRUPT for a damaged, changed or cut
 * archive, or -errno.
 */
int archive_reader_next(struct archive_reader *r, const char **ret_name, mode_t *ret_mode);

/*
 * archive_reader_read - up to @size bytes of the current member into @buf
 * Returns the count, 0 at the member's end (its size checked), -FOLIO_ECORRUPT, or -errno.
 */
ssize_t archive_reader_read(struct archive_reader *r, void *buf, size_t size);

/* archive_reader_free - free the reader, its key and buffers wiped; takes NULL, returns NULL */
struct archive_reader *archive_reader_free(struct archive_reader *r);

/* archive_name_valid - whether @name may name a member */
bool archive_name_valid(const char *name);

#endif
