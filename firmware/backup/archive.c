/* The sealed archive of folio backup (archive.h). */
#include <endian.h>
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "fileio.h"
#include "firmware/backup/archive.h"

#define KEY_BYTES crypto_secretstream_xchacha20poly1305_KEYBYTES
#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define AD_BYTES 48 /* magic to salt: bound into the first message */
#define RECORD_MAX (1 + ARCHIVE_CHUNK)
#define SEALED_MAX (RECORD_MAX + SS_ABYTES)

/* What a file may ask of the key derivation: at most 1 GiB and 16 passes. */
#define OPS_MAX 16
#define MEM_MAX (1ull << 30)

enum record { REC_MEMBER = 'M', REC_DATA = 'D', REC_END = 'E', REC_FINAL = 'Z' };

struct archive_writer {
	int fd;
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_hash_sha256_state sha;
	uint8_t ad[AD_BYTES]; /* until the first message is out */
	bool first, in_member;
	uint64_t size;	 /* bytes of the member being written */
	uint32_t count;	 /* members */
	uint8_t *record; /* RECORD_MAX bytes: the data record being filled */
	size_t filled;	 /* bytes in record after its type */
	uint8_t sealed[4 + SEALED_MAX];
};

struct archive_reader {
	int fd;
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t ad[AD_BYTES];
	bool first, in_member, ended;
	uint64_t size;
	uint32_t count;
	char name[ARCHIVE_NAME_MAX + 1];
	uint8_t *record; /* RECORD_MAX bytes of the last data record */
	size_t len, pos; /* its data bytes, and how many were handed out */
	uint8_t sealed[SEALED_MAX];
};

static bool kdf_in_bounds(const struct archive_kdf *k)
{
	return k->opslimit >= crypto_pwhash_OPSLIMIT_MIN && k->opslimit <= OPS_MAX &&
	       k->memlimit >= crypto_pwhash_MEMLIMIT_MIN && k->memlimit <= MEM_MAX;
}

int archive_kdf_default(struct archive_kdf *ret)
{
	const char *test = getenv("FOLIO_BACKUP_TEST_KDF");

	if (test && strcmp(test, "1") == 0) {
		ret->opslimit = crypto_pwhash_OPSLIMIT_MIN;
		ret->memlimit = crypto_pwhash_MEMLIMIT_MIN;
		return 1;
	}
	ret->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
	ret->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
	return 0;
}

bool archive_name_valid(const char *name)
{
	size_t n = strnlen(name, ARCHIVE_NAME_MAX + 1), part = 0;

	if (n == 0 || n > ARCHIVE_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];

		if (c == '/' || c == '\0') {
			/* no empty part, no "." or ".." */
			if (part == 0 || (part == 1 && name[i - 1] == '.') ||
			    (part == 2 && name[i - 1] == '.' && name[i - 2] == '.'))
				return false;
			part = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
		part++;
	}
	return true;
}

static void header_encode(uint8_t h[AD_BYTES], const struct archive_kdf *kdf,
			  const uint8_t salt[crypto_pwhash_SALTBYTES])
{
	static const uint8_t magic[8] = ARCHIVE_MAGIC; /* without its NUL */
	uint32_t v32;
	uint64_t v64;

	memcpy(h, magic, sizeof(magic));
	v32 = htobe32(ARCHIVE_VERSION);
	memcpy(h + 8, &v32, 4);
	v32 = htobe32(crypto_pwhash_ALG_ARGON2ID13);
	memcpy(h + 12, &v32, 4);
	v64 = htobe64(kdf->opslimit);
	memcpy(h + 16, &v64, 8);
	v64 = htobe64(kdf->memlimit);
	memcpy(h + 24, &v64, 8);
	memcpy(h + 32, salt, crypto_pwhash_SALTBYTES);
}

static int derive(uint8_t *key, const char *pass, size_t pass_len, const uint8_t *salt,
		  const struct archive_kdf *kdf)
{
	if (crypto_pwhash(key, KEY_BYTES, pass, pass_len, salt, kdf->opslimit,
			  (size_t)kdf->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -ENOMEM; /* libsodium's one failure here: the memory */
	return 0;
}

/*
 * Writer
 */

static int emit(struct archive_writer *w, const void *data, size_t len)
{
	crypto_hash_sha256_update(&w->sha, data, len);
	return fd_write_all(w->fd, data, len);
}

static int seal_record(struct archive_writer *w, const uint8_t *rec, size_t len, uint8_t tag)
{
	unsigned long long n = 0;
	uint32_t be;

	crypto_secretstream_xchacha20poly1305_push(&w->st, w->sealed + 4, &n, rec, len,
						   w->first ? w->ad : NULL, w->first ? AD_BYTES : 0,
						   tag);
	w->first = false;
	be = htobe32((uint32_t)n);
	memcpy(w->sealed, &be, 4);
	return emit(w, w->sealed, 4 + (size_t)n);
}

int archive_writer_new(int fd, const char *pass, size_t pass_len, const struct archive_kdf *kdf,
		       struct archive_writer **ret)
{
	uint8_t salt[crypto_pwhash_SALTBYTES], ss[SS_HEADER];
	struct archive_writer *w;
	uint8_t *key;
	int r;

	if (!kdf_in_bounds(kdf))
		return -EINVAL;
	if (sodium_init() < 0)
		return -ENOMEM;
	w = sodium_malloc(sizeof(*w));
	key = sodium_malloc(KEY_BYTES);
	if (!w || !key) {
		sodium_free(w);
		sodium_free(key);
		return -ENOMEM;
	}
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->first = true;
	w->record = sodium_malloc(RECORD_MAX);
	randombytes_buf(salt, sizeof(salt));
	r = w->record ? derive(key, pass, pass_len, salt, kdf) : -ENOMEM;
	if (r == 0) {
		crypto_secretstream_xchacha20poly1305_init_push(&w->st, ss, key);
		header_encode(w->ad, kdf, salt);
		crypto_hash_sha256_init(&w->sha);
		r = emit(w, w->ad, AD_BYTES);
	}
	if (r == 0)
		r = emit(w, ss, SS_HEADER);
	sodium_free(key);
	if (r < 0) {
		archive_writer_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int archive_member_begin(struct archive_writer *w, const char *name, mode_t mode)
{
	uint8_t rec[2 + ARCHIVE_NAME_MAX + 4];
	size_t n = strnlen(name, ARCHIVE_NAME_MAX); /* archive_name_valid() checks it ends */
	uint32_t be = htobe32((uint32_t)(mode & 07777));

	if (w->in_member || !archive_name_valid(name))
		return -EINVAL;
	rec[0] = REC_MEMBER;
	rec[1] = (uint8_t)n;
	memcpy(rec + 2, name, n);
	memcpy(rec + 2 + n, &be, 4);
	w->in_member = true;
	w->size = 0;
	w->filled = 0;
	w->count++;
	return seal_record(w, rec, 2 + n + 4, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

static int flush_data(struct archive_writer *w)
{
	int r;

	if (w->filled == 0)
		return 0;
	w->record[0] = REC_DATA;
	r = seal_record(w, w->record, 1 + w->filled,
			crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	w->filled = 0;
	return r;
}

int archive_member_write(struct archive_writer *w, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!w->in_member)
		return -EINVAL;
	while (len > 0) {
		size_t k = ARCHIVE_CHUNK - w->filled;
		int r;

		if (k > len)
			k = len;
		memcpy(w->record + 1 + w->filled, p, k);
		w->filled += k;
		w->size += k;
		p += k;
		len -= k;
		if (w->filled == ARCHIVE_CHUNK) {
			r = flush_data(w);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int archive_member_end(struct archive_writer *w)
{
	uint8_t rec[9] = { REC_END };
	uint64_t be = htobe64(w->size);
	int r;

	if (!w->in_member)
		return -EINVAL;
	r = flush_data(w);
	if (r < 0)
		return r;
	memcpy(rec + 1, &be, 8);
	w->in_member = false;
	return seal_record(w, rec, sizeof(rec), crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

int archive_writer_finish(struct archive_writer *w, uint8_t ret_sha256[32])
{
	uint8_t rec[5] = { REC_FINAL };
	uint32_t be = htobe32(w->count);
	int r;

	if (w->in_member)
		return -EINVAL;
	memcpy(rec + 1, &be, 4);
	r = seal_record(w, rec, sizeof(rec), crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	if (r == 0 && ret_sha256)
		crypto_hash_sha256_final(&w->sha, ret_sha256);
	return r;
}

struct archive_writer *archive_writer_free(struct archive_writer *w)
{
	if (!w)
		return NULL;
	sodium_free(w->record);
	sodium_free(w); /* the stream state (its key) wiped with it */
	return NULL;
}

/*
 * Reader
 */

/* Reads up to @len bytes; the count (short only at the end of the file) or -errno. */
static ssize_t read_upto(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t k = read(fd, (char *)buf + got, len - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* The next message opened into r->record: its length in @ret_len and tag in @ret_tag. */
static int open_record(struct archive_reader *r, size_t *ret_len, uint8_t *ret_tag)
{
	unsigned long long n = 0;
	uint8_t lenbuf[4];
	uint32_t len;
	ssize_t k;

	if (r->ended)
		return -FOLIO_ECORRUPT;
	k = read_upto(r->fd, lenbuf, 4);
	if (k < 0)
		return (int)k;
	if (k < 4)
		return -FOLIO_ECORRUPT; /* cut short: the FINAL message never came */
	memcpy(&len, lenbuf, 4);
	len = be32toh(len);
	if (len <= SS_ABYTES || len > SEALED_MAX)
		return r->first ? -EKEYREJECTED : -FOLIO_ECORRUPT;
	k = read_upto(r->fd, r->sealed, len);
	if (k < 0)
		return (int)k;
	if ((size_t)k < len)
		return -FOLIO_ECORRUPT;
	if (crypto_secretstream_xchacha20poly1305_pull(&r->st, r->record, &n, ret_tag, r->sealed,
						       len, r->first ? r->ad : NULL,
						       r->first ? AD_BYTES : 0) != 0)
		return r->first ? -EKEYREJECTED : -FOLIO_ECORRUPT;
	r->first = false;
	*ret_len = (size_t)n;
	return 0;
}

int archive_reader_new(int fd, const char *pass, size_t pass_len, struct archive_reader **ret)
{
	uint8_t head[ARCHIVE_HEADER_BYTES];
	struct archive_kdf kdf;
	struct archive_reader *r;
	uint32_t v32;
	uint64_t v64;
	uint8_t *key;
	ssize_t k;
	int rc;

	if (sodium_init() < 0)
		return -ENOMEM;
	k = read_upto(fd, head, sizeof(head));
	if (k < 0)
		return (int)k;
	if ((size_t)k < 8 || memcmp(head, ARCHIVE_MAGIC, 8) != 0)
		return -FOLIO_EFORMAT;
	if ((size_t)k < sizeof(head))
		return -FOLIO_ECORRUPT;
	memcpy(&v32, head + 8, 4);
	if (be32toh(v32) != ARCHIVE_VERSION)
		return -FOLIO_EFORMAT;
	memcpy(&v32, head + 12, 4);
	if (be32toh(v32) != crypto_pwhash_ALG_ARGON2ID13)
		return -FOLIO_EFORMAT;
	memcpy(&v64, head + 16, 8);
	kdf.opslimit = be64toh(v64);
	memcpy(&v64, head + 24, 8);
	kdf.memlimit = be64toh(v64);
	if (!kdf_in_bounds(&kdf))
		return -FOLIO_EFORMAT;

	r = sodium_malloc(sizeof(*r));
	key = sodium_malloc(KEY_BYTES);
	if (!r || !key) {
		sodium_free(r);
		sodium_free(key);
		return -ENOMEM;
	}
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->first = true;
	memcpy(r->ad, head, AD_BYTES);
	r->record = sodium_malloc(RECORD_MAX + SS_ABYTES);
	rc = r->record ? derive(key, pass, pass_len, head + 32, &kdf) : -ENOMEM;
	if (rc == 0 &&
	    crypto_secretstream_xchacha20poly1305_init_pull(&r->st, head + AD_BYTES, key) != 0)
		rc = -EKEYREJECTED;
	sodium_free(key);
	if (rc < 0) {
		archive_reader_free(r);
		return rc;
	}
	*ret = r;
	return 0;
}

/* The next record of the stream, which must be a message (not FINAL) unless it is 'Z'. */
static int next_record(struct archive_reader *r, size_t *ret_len)
{
	uint8_t tag = 0;
	int rc = open_record(r, ret_len, &tag);

	if (rc < 0)
		return rc;
	if (*ret_len == 0)
		return -FOLIO_ECORRUPT;
	if ((r->record[0] == REC_FINAL) != (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL))
		return -FOLIO_ECORRUPT;
	if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
	    tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		return -FOLIO_ECORRUPT;
	return 0;
}

/* Inside a member: the next data record into r->record, or its end (size checked): 0. */
static int member_advance(struct archive_reader *r)
{
	uint64_t size;
	size_t len;
	int rc = next_record(r, &len);

	if (rc < 0)
		return rc;
	if (r->record[0] == REC_DATA && len > 1) {
		r->len = len - 1;
		r->pos = 0;
		r->size += r->len;
		return 1;
	}
	if (r->record[0] != REC_END || len != 9)
		return -FOLIO_ECORRUPT;
	memcpy(&size, r->record + 1, 8);
	if (be64toh(size) != r->size)
		return -FOLIO_ECORRUPT;
	r->in_member = false;
	r->len = r->pos = 0;
	return 0;
}

ssize_t archive_reader_read(struct archive_reader *r, void *buf, size_t size)
{
	size_t k;

	if (!r->in_member)
		return 0;
	while (r->pos == r->len) {
		int rc = member_advance(r);

		if (rc <= 0)
			return rc;
	}
	k = r->len - r->pos;
	if (k > size)
		k = size;
	memcpy(buf, r->record + 1 + r->pos, k);
	r->pos += k;
	return (ssize_t)k;
}

/* After the FINAL record: the count matches and the file ends there. */
static int check_final(struct archive_reader *r, size_t len)
{
	uint8_t extra;
	uint32_t count;
	ssize_t k;

	if (len != 5)
		return -FOLIO_ECORRUPT;
	memcpy(&count, r->record + 1, 4);
	if (be32toh(count) != r->count)
		return -FOLIO_ECORRUPT;
	k = read_upto(r->fd, &extra, 1);
	if (k < 0)
		return (int)k;
	if (k != 0)
		return -FOLIO_ECORRUPT; /* bytes after the end: appended to, or another file */
	r->ended = true;
	return 0;
}

int archive_reader_next(struct archive_reader *r, const char **ret_name, mode_t *ret_mode)
{
	uint32_t mode;
	size_t len, n;
	int rc;

	if (r->ended)
		return 0;
	while (r->in_member) {
		r->pos = r->len; /* skip what was not read */
		rc = member_advance(r);
		if (rc < 0)
			return rc;
	}
	rc = next_record(r, &len);
	if (rc < 0)
		return rc;
	if (r->record[0] == REC_FINAL)
		return check_final(r, len);
	if (r->record[0] != REC_MEMBER || len < 2)
		return -FOLIO_ECORRUPT;
	n = r->record[1];
	if (n == 0 || n > ARCHIVE_NAME_MAX || len != 2 + n + 4)
		return -FOLIO_ECORRUPT;
	memcpy(r->name, r->record + 2, n);
	r->name[n] = '\0';
	if (!archive_name_valid(r->name))
		return -FOLIO_ECORRUPT;
	memcpy(&mode, r->record + 2 + n, 4);
	r->in_member = true;
	r->size = 0;
	r->len = r->pos = 0;
	r->count++;
	*ret_name = r->name;
	*ret_mode = (mode_t)(be32toh(mode) & 07777);
	return 1;
}

struct archive_reader *archive_reader_free(struct archive_reader *r)
{
	if (!r)
		return NULL;
	sodium_free(r->record);
	sodium_free(r);
	return NULL;
}
