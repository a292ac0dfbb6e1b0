/*
 * Sealing at rest: the station key, its check value in the store, XChaCha20-Poly1305 records.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "secret.h"
#include "sha256.h"
#include "firmware/store/store.h"
#include "firmware/store/store_int.h"

#define KEY_CHECK_BYTES 16
static const char key_check_name[] = "key_check";
static const char key_check_context[] = "folio store key check 1";

static void key_check_value(const unsigned char *key, uint8_t out[KEY_CHECK_BYTES])
{
	crypto_generichash(out, KEY_CHECK_BYTES, (const unsigned char *)key_check_context,
			   sizeof(key_check_context) - 1, key, STORE_KEY_BYTES);
}

/* Reads the key file into a new guarded buffer (sodium_free it). */
static int load_key(const char *path, unsigned char **ret)
{
	char *key;
	size_t n;
	int r;

	r = secret_load(path, STORE_KEY_BYTES, 0, &key, &n, NULL);
	if (r == -FOLIO_ETOOBIG)
		return -FOLIO_EFORMAT;
	if (r < 0)
		return r;
	if (n != STORE_KEY_BYTES) {
		sodium_free(key);
		return -FOLIO_EFORMAT;
	}
	sodium_mprotect_readonly(key);
	*ret = (unsigned char *)key;
	return 0;
}

/* Compares @key with the check value the store recorded, if any. */
static int verify_key(struct store *s, const unsigned char *key)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint8_t want[KEY_CHECK_BYTES];
	MDB_val k = { sizeof(key_check_name) - 1, (void *)key_check_name }, v;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = mdb_get(t, s->meta, &k, &v);
	if (r == MDB_NOTFOUND)
		return 0;
	if (r)
		return store_mdb_errno(r);
	if (v.mv_size != KEY_CHECK_BYTES)
		return -FOLIO_ECORRUPT;
	key_check_value(key, want);
	return sodium_memcmp(want, v.mv_data, KEY_CHECK_BYTES) == 0 ? 0 : -EKEYREJECTED;
}

int store_key_check_txn(struct store *s, MDB_txn *t)
{
	uint8_t want[KEY_CHECK_BYTES];
	MDB_val k = { sizeof(key_check_name) - 1, (void *)key_check_name }, v;
	int r;

	if (!s->key)
		return -ENOKEY;
	key_check_value(s->key, want);
	r = mdb_get(t, s->meta, &k, &v);
	if (r == 0)
		return v.mv_size == KEY_CHECK_BYTES &&
			       sodium_memcmp(want, v.mv_data, KEY_CHECK_BYTES) == 0
			   ? 0
			   : -EKEYREJECTED;
	if (r != MDB_NOTFOUND)
		return store_mdb_errno(r);
	v = (MDB_val){ KEY_CHECK_BYTES, want };
	return store_mdb_errno(mdb_put(t, s->meta, &k, &v, 0));
}

int store_configure(struct store *s, const struct store_settings *set)
{
	unsigned char *key = NULL, *old_key;
	bool old_encrypt;
	int r;

	if (set->encrypt == STORE_ENCRYPT_YES && !store_encryption_built_in())
		return -EOPNOTSUPP;
	if (set->key_file && set->key_file[0]) {
		r = load_key(set->key_file, &key);
		/* Without sealing, a key is only needed to read what was sealed before. */
		if (r == -ENOENT && set->encrypt != STORE_ENCRYPT_YES)
			key = NULL;
		else if (r < 0)
			return r;
		r = key ? verify_key(s, key) : 0;
		if (r < 0) {
			sodium_free(key);
			return r;
		}
	}
	if (set->encrypt == STORE_ENCRYPT_YES && !key)
		return -ENOKEY;

	/* The writer may be sealing with the old key: let it finish first. */
	store_flush(s);
	old_key = s->key;
	old_encrypt = s->encrypt;
	s->key = key;
	s->encrypt = set->encrypt == STORE_ENCRYPT_YES;
	/* What was kept in clear before the store sealed is sealed now, in one transaction. */
	r = store_seal_index(s);
	if (r < 0) {
		s->key = old_key;
		s->encrypt = old_encrypt;
		sodium_free(key);
		return r;
	}
	if (old_key)
		sodium_free(old_key);
	s->reserve = set->reserve_mb << 20;
	/* Words an index kept in clear would tell what sealed text says. */
	return store_text_index_unseal_check(s);
}

/* Associated data: the record's (batch, page) key and what it is. */
static void seal_ad(enum seal_kind kind, uint32_t batch, uint32_t page, uint8_t ad[9])
{
	uint32_t b = htobe32(batch), p = htobe32(page);

	memcpy(ad, &b, 4);
	memcpy(ad + 4, &p, 4);
	ad[8] = (uint8_t)kind;
}

void store_seal(const struct store *s, enum seal_kind kind, uint32_t batch, uint32_t page,
		const void *in, size_t len, uint8_t *out)
{
	uint8_t ad[9], nonce[STORE_NONCE_BYTES];
	unsigned long long clen;

	seal_ad(kind, batch, page, ad);
	randombytes_buf(nonce, sizeof(nonce));
	memcpy(out, nonce, sizeof(nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + STORE_NONCE_BYTES, &clen, in, len, ad,
						   sizeof(ad), NULL, nonce, s->key);
}

int store_unseal(const struct store *s, enum seal_kind kind, uint32_t batch, uint32_t page,
		 const void *in, size_t len, uint8_t *out)
{
	uint8_t ad[9], nonce[STORE_NONCE_BYTES];
	unsigned long long mlen;

	if (!s->key)
		return -ENOKEY;
	if (len < STORE_SEAL_OVERHEAD)
		return -FOLIO_ECORRUPT;
	seal_ad(kind, batch, page, ad);
	memcpy(nonce, in, sizeof(nonce)); /* LMDB data is not aligned: copy */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		out, &mlen, NULL, (const uint8_t *)in + STORE_NONCE_BYTES, len - STORE_NONCE_BYTES,
		ad, sizeof(ad), nonce, s->key) != 0)
		return -FOLIO_ECORRUPT;
	return 0;
}

int store_body_read(const struct store *s, enum seal_kind kind, uint32_t batch, uint32_t page,
		    uint32_t seal, const void *body, size_t stored, uint32_t size,
		    const uint8_t sha256[32], uint8_t **ret)
{
	_cleanup_free_ uint8_t *copy = NULL;
	uint8_t sum[32];
	int r;

	if (seal == STORE_SEAL_XCHACHA20POLY1305 && !s->key)
		return -ENOKEY;
	if ((seal != STORE_SEAL_NONE && seal != STORE_SEAL_XCHACHA20POLY1305) ||
	    stored != (size_t)size + (seal ? STORE_SEAL_OVERHEAD : 0))
		return -FOLIO_ECORRUPT;
	copy = malloc(MAX((size_t)size, (size_t)1));
	if (!copy)
		return -ENOMEM;
	if (seal) {
		r = store_unseal(s, kind, batch, page, body, stored, copy);
		if (r < 0)
			return r;
	} else {
		memcpy(copy, body, size);
	}
	sha256_digest(sum, copy, size);
	if (sodium_memcmp(sum, sha256, sizeof(sum)) != 0)
		return -FOLIO_ECORRUPT;
	*ret = TAKE_PTR(copy);
	return 0;
}

int store_key_generate(const char *path)
{
	_cleanup_free_ char *dir = NULL;
	unsigned char key[STORE_KEY_BYTES];
	int fd, dfd, r = 0;

	if (sodium_init() < 0)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	randombytes_buf(key, sizeof(key));
	if (fchmod(fd, 0600) < 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	sodium_memzero(key, sizeof(key));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlink(path);
		return r;
	}
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
