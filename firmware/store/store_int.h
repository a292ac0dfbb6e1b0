#ifndef FOLIO_STORE_INT_H
#define FOLIO_STORE_INT_H

/*
 * Inside the store: what store.c, writer.c, queue.c, seal.c and space.c share. Not for the
 * rest of Folio; see store.h for the layout and the rules.
 */

#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>

#include "cleanup.h"
#include "compiler.h"
#include "firmware/store/store.h"

#define STORE_NONCE_BYTES 24 /* crypto_aead_xchacha20poly1305_ietf_NPUBBYTES */
#define STORE_TAG_BYTES 16   /* crypto_aead_xchacha20poly1305_ietf_ABYTES */
#define STORE_SEAL_OVERHEAD (STORE_NONCE_BYTES + STORE_TAG_BYTES)

/* What a sealed record is, bound into its associated data with its (batch, page) key. */
enum seal_kind {
	SEAL_KIND_IMAGE = 'I',
	SEAL_KIND_OCR = 'O',
	SEAL_KIND_DOCUMENT = 'D', /* (batch, document) */
	SEAL_KIND_EVENT = 'E',	  /* (high, low 32 bits of the sequence) */
	SEAL_KIND_OCR_IMAGE = 'G',
};

/* The layouts of event records: who and detail in clear, or sealed together. */
#define EVENT_LAYOUT 1
#define EVENT_LAYOUT_SEALED 2

/*
 * The on-disk event: fixed part, then detail_len bytes: the detail text (EVENT_LAYOUT), or
 * who (STORE_NAME_LEN bytes) and the detail text sealed together (EVENT_LAYOUT_SEALED, who
 * zeroed in the fixed part). The hash covers the record as stored, sealed bytes included, so
 * the chain is checked without the key.
 */
struct event_record {
	uint32_t version;
	uint32_t detail_len;
	int64_t time;
	uint32_t batch, document, page;
	char who[STORE_NAME_LEN];
	char what[STORE_NAME_LEN];
	uint8_t prev[32]; /* hash of the previous event, zero for the first */
	uint8_t hash[32]; /* SHA-256 over this record with hash zeroed, and its detail */
};

#define EVENT_DETAIL_MAX 255
#define EVENT_TAIL_MAX (STORE_NAME_LEN + EVENT_DETAIL_MAX + STORE_SEAL_OVERHEAD)

/* SHA-256 over @rec (hash zeroed) and the @rec->detail_len bytes of @tail. */
void store_event_hash(const struct event_record *rec, const void *tail, uint8_t out[32]);

/*
 * Fills @rec->version, who and detail_len and writes the stored tail to @tail (room for
 * EVENT_TAIL_MAX bytes): sealed when the store seals (s->encrypt with a key), @who and
 * @detail in clear otherwise. @seq is the event's sequence, bound into the seal.
 */
void store_event_encode(const struct store *s, uint64_t seq, struct event_record *rec,
			const char *who, const char *detail, size_t detail_len, uint8_t *tail);

/*
 * Checks the stored tail's size for @rec's layout and, when @ret is not NULL, opens it into
 * @ret->who and @ret->detail. -FOLIO_ECORRUPT for a bad size or a seal that does not open,
 * -ENOKEY for a sealed event without the key.
 */
int store_event_decode(const struct store *s, uint64_t seq, const struct event_record *rec,
		       const void *tail, struct event_info *ret);

/* A document or event was written in clear: the next sealing open looks for it. */
int store_index_clear_txn(struct store *s, MDB_txn *t);

/* Checks the event chain inside @t: -FOLIO_ECORRUPT with the first bad sequence in @ret_broken. */
int store_event_chain_check_txn(struct store *s, MDB_txn *t, uint64_t *ret_broken);

/* Documents, sealed when the store seals: read (-FOLIO_ENOTFOUND, -ENOKEY) and write. */
int store_document_read_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t number,
			    struct document_info *ret);
int store_document_write_txn(struct store *s, MDB_txn *t, const struct document_info *d);

/*
 * Seals, in one write transaction, the documents and events a store kept in clear before it
 * sealed (s->encrypt with a key): the event chain is checked first, then rewritten from the
 * first clear event on, and a "store-seal" event records the old and new head of the log.
 * Does nothing when nothing is in clear.
 */
int store_seal_index(struct store *s);

struct page_job;

struct store {
	MDB_env *env;
	MDB_dbi meta, batches, documents, pages, images, ocr, queue, queue_idx, events, order,
	    ocrimg, words, pagewords;
	int lock_fd;
	char *path;

	/* Settings (store_configure()). */
	uint64_t reserve;
	bool encrypt;
	unsigned char *key; /* sodium_malloc'd STORE_KEY_BYTES, NULL when none */

	/* The writer thread and the pages waiting for it. */
	pthread_mutex_t wlock;
	pthread_cond_t wwork, wdone;
	struct page_job *head, *tail;
	size_t pending_jobs, pending_bytes;
	uint64_t submitted, finished;
	bool writer_running, writer_stop;
	pthread_t writer;
};

/* A value of the ocr database: this, then text_len + hocr_len bytes (sealed or not). */
struct ocr_record {
	uint32_t version;
	uint32_t seal; /* enum store_seal */
	uint32_t text_len, hocr_len;
	int64_t time;
	double confidence;
};

/*
 * A value of the queue database. A lease belongs to the process that claimed the item: it
 * ends when claimed_until passes, or earlier when that process is gone (another pid, or the
 * machine booted since). Records written before the owner was kept end at claimed_until and
 * are read with an unknown owner.
 */
struct queue_record {
	uint32_t version;
	uint32_t batch, page;
	uint32_t attempts;
	int64_t enqueued;
	int64_t claimed_until;
	uint32_t owner_pid; /* 0: unknown */
	uint32_t reserved;
	uint8_t boot_id[16]; /* /proc/sys/kernel/random/boot_id of the owner's boot */
};

#define QUEUE_RECORD_V1_SIZE 32 /* without the owner */

/* Reads a queue value of either size into @ret; -FOLIO_ECORRUPT for any other size. */
int store_queue_record_read(const MDB_val *v, struct queue_record *ret);

#define QUEUE_KEY_LEN 10 /* u8 queue, u8 255-priority, u64 sequence */
#define QUEUE_IDX_LEN 9	 /* u8 queue, u32 batch, u32 page */

int store_mdb_errno(int rc);

static inline void store_txn_abortp(MDB_txn **t)
{
	if (*t)
		mdb_txn_abort(*t);
}
#define _cleanup_txn_ _cleanup_(store_txn_abortp)
DEFINE_POINTER_CLEANUP(MDB_cursor, mdb_cursor_close)

int store_txn_begin(struct store *s, bool write, MDB_txn **ret);
/* Begins a write transaction and reads batch @id into @ret_batch: how most changes start. */
int store_batch_write_begin(struct store *s, uint32_t id, MDB_txn **ret,
			    struct batch_info *ret_batch);
int store_txn_commit(MDB_txn **t);
/*
 * Begins a change to an editable batch (pages written so far committed first): -FOLIO_ESTATE
 * unless store_batch_editable(); with @number, reads that page too (-FOLIO_ENOTFOUND).
 */
int store_edit_begin(struct store *s, uint32_t batch, uint32_t number, MDB_txn **ret,
		     struct batch_info *ret_batch, struct page_info *ret_page);

MDB_val store_key_u32(uint32_t *buf, uint32_t a);
MDB_val store_key_pair(uint32_t *buf, uint32_t a, uint32_t b);
int store_get_record(MDB_txn *t, MDB_dbi dbi, MDB_val *key, void *ret, size_t size);
/*
 * Reads a record of a fixed head and a tail: the value at @key, at least @size bytes, its
 * head into @ret_head and the whole value (valid until the next change in @t) into @ret_val.
 * -FOLIO_ENOTFOUND, -FOLIO_ECORRUPT for a shorter value, or another store error.
 */
int store_get_head(MDB_txn *t, MDB_dbi dbi, MDB_val *key, void *ret_head, size_t size,
		   MDB_val *ret_val);
int store_put_record(MDB_txn *t, MDB_dbi dbi, MDB_val *key, const void *rec, size_t size);

/* Appends an event inside the caller's write transaction. */
int store_event_append(struct store *s, MDB_txn *t, const char *who, const char *what,
		       uint32_t batch, uint32_t document, uint32_t page, const char *fmt, ...)
    _printf_(8, 9);

/* Queue changes inside the caller's write transaction. */
int store_queue_push_txn(struct store *s, MDB_txn *t, enum store_queue q, uint32_t batch,
			 uint32_t page, unsigned priority);
int store_queue_remove_txn(struct store *s, MDB_txn *t, enum store_queue q, uint32_t batch,
			   uint32_t page);
/* Removes every item of @batch from every queue; the count goes to @ret_n (may be NULL). */
int store_queue_remove_batch_txn(struct store *s, MDB_txn *t, uint32_t batch, uint64_t *ret_n);

/* store_batch_ocr_progress() inside the caller's transaction. */
int store_batch_ocr_progress_txn(struct store *s, MDB_txn *t, uint32_t id,
				 struct store_ocr_progress *ret);

/* Deletes every value of @dbi whose key starts with be32(@batch); the count to @ret_n. */
int store_delete_batch_range(MDB_txn *t, MDB_dbi dbi, uint32_t batch, uint64_t *ret_n);

/* Sealing: @out has room for @len + STORE_SEAL_OVERHEAD bytes; needs s->key. */
void store_seal(const struct store *s, enum seal_kind kind, uint32_t batch, uint32_t page,
		const void *in, size_t len, uint8_t *out);
/* Opens a sealed value of @len bytes into @out (@len - STORE_SEAL_OVERHEAD bytes). */
int store_unseal(const struct store *s, enum seal_kind kind, uint32_t batch, uint32_t page,
		 const void *in, size_t len, uint8_t *out);
/*
 * Reads a stored image body into a new heap buffer (caller frees): @stored bytes at @body,
 * sealed as @seal (enum store_seal) under (@kind, @batch, @page) or clear, holding @size bytes
 * whose SHA-256 is @sha256. -ENOKEY when sealed and no key is loaded, -FOLIO_ECORRUPT for
 * a wrong size, an unknown seal, a failed authentication or hash, or -ENOMEM.
 */
int store_body_read(const struct store *s, enum seal_kind kind, uint32_t batch, uint32_t page,
		    uint32_t seal, const void *body, size_t stored, uint32_t size,
		    const uint8_t sha256[32], uint8_t **ret);
/* Inside a write transaction that seals: records or verifies the key's check value. */
int store_key_check_txn(struct store *s, MDB_txn *t);

/*
 * Space for @need more bytes: fills @ret and returns -FOLIO_ESTOREFULL when writing them
 * would go below a reserve. Uses its own read transaction.
 */
int store_space_need(struct store *s, uint64_t need, struct store_space *ret);

/* The image OCR reads (ocrimg.c), inside the caller's write transaction; del of none is 0. */
int store_ocrimg_put_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page,
			 const void *image, size_t len);
int store_ocrimg_del_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page);

/* store_ocr_get_txn - store_ocr_get() inside @t (the text index reads texts in its own) */
int store_ocr_get_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page,
		      struct ocr_result *ret);

/*
 * The text index (textindex.c), inside the caller's write transaction: a new store's empty
 * index; a page's words (its text, @len bytes) replacing what the index held of it; a page's
 * or a batch's words removed. Nothing happens while the index is missing or stale.
 */
int store_text_index_init_txn(struct store *s, MDB_txn *t);
int store_text_index_page_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page,
			      const char *text, size_t len);
int store_text_index_drop_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page);
int store_text_index_drop_batch_txn(struct store *s, MDB_txn *t, uint32_t batch);
/* Once the key is loaded: words an index kept in clear go (it is then stale, for reindex). */
int store_text_index_unseal_check(struct store *s);

/* Writer: stops the thread after everything queued was committed (store_close()). */
void store_writer_stop(struct store *s);

/*
 * Walks @dbi inside @t from @start (from the first key when @start is empty) while keys begin
 * with the first @prefix_len (at most 8) bytes of @start: calls @fn with each key and value
 * (valid until the next change in @t) and stops at its first non-zero answer, which it
 * returns; 0 after the last, or a store error.
 */
int store_walk_raw_txn(MDB_txn *t, MDB_dbi dbi, const MDB_val *start, size_t prefix_len,
		       int (*fn)(const MDB_val *k, const MDB_val *v, void *user), void *user);

/* Walks every page record of @batch; @fn gets a copy. */
int store_walk_pages_txn(MDB_txn *t, MDB_dbi dbi, uint32_t batch,
			 int (*fn)(const struct page_info *p, void *user), void *user);

#endif
