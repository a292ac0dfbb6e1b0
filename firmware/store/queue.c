/* Work queues (OCR, packaging, upload) and OCR results. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/store/store.h"
#include "firmware/store/store_int.h"

static const char queue_seq_name[] = "queue_seq";

const char *store_queue_name(uint32_t queue)
{
	static const char *const names[QUEUE_COUNT] = {
		[QUEUE_OCR] = "ocr",
		[QUEUE_PACKAGE] = "package",
		[QUEUE_UPLOAD] = "upload",
	};

	return queue < QUEUE_COUNT ? names[queue] : "unknown";
}

static MDB_val queue_key(uint8_t *buf, uint32_t q, unsigned priority, uint64_t seq)
{
	uint64_t be = htobe64(seq);

	buf[0] = (uint8_t)q;
	buf[1] = (uint8_t)(255 - priority);
	memcpy(buf + 2, &be, sizeof(be));
	return (MDB_val){ .mv_size = QUEUE_KEY_LEN, .mv_data = buf };
}

static MDB_val idx_key(uint8_t *buf, uint32_t q, uint32_t batch, uint32_t page)
{
	uint32_t b = htobe32(batch), p = htobe32(page);

	buf[0] = (uint8_t)q;
	memcpy(buf + 1, &b, 4);
	memcpy(buf + 5, &p, 4);
	return (MDB_val){ .mv_size = QUEUE_IDX_LEN, .mv_data = buf };
}

/*
 * The queue's key of the entry index key @ik names, copied into @buf (LMDB's copy is not
 * valid past a write) and returned in @ret: 0, -FOLIO_ENOTFOUND when the page is not in the
 * queue, -FOLIO_ECORRUPT or another store error.
 */
static int queue_key_get(struct store *s, MDB_txn *t, MDB_val *ik, uint8_t buf[QUEUE_KEY_LEN],
			 MDB_val *ret)
{
	MDB_val v;
	int r;

	r = store_mdb_errno(mdb_get(t, s->queue_idx, ik, &v));
	if (r < 0)
		return r;
	if (v.mv_size != QUEUE_KEY_LEN)
		return -FOLIO_ECORRUPT;
	memcpy(buf, v.mv_data, QUEUE_KEY_LEN);
	*ret = (MDB_val){ QUEUE_KEY_LEN, buf };
	return 0;
}

int store_queue_record_read(const MDB_val *v, struct queue_record *ret)
{
	if (v->mv_size != sizeof(*ret) && v->mv_size != QUEUE_RECORD_V1_SIZE)
		return -FOLIO_ECORRUPT;
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, v->mv_data, v->mv_size); /* LMDB data is not aligned: copy, never cast */
	return 0;
}

/* This machine's boot id (16 bytes from its 36-character text form); zeros when unknown. */
static void boot_id(uint8_t ret[16])
{
	char text[64] = "";
	ssize_t n = 0;
	size_t j = 0;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	memset(ret, 0, 16);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	for (ssize_t i = 0; i < n && j < 32; i++) {
		char c = text[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			continue;
		ret[j / 2] = (uint8_t)(ret[j / 2] << 4 | d);
		j++;
	}
	if (j != 32)
		memset(ret, 0, 16);
}

/* Makes the calling process the owner of @rec's lease. */
static void lease_own(struct queue_record *rec)
{
	rec->owner_pid = (uint32_t)getpid();
	boot_id(rec->boot_id);
}

/*
 * Whether @rec is under a live lease at @now: claimed, not expired, and its owner still
 * runs. An owner of another boot is gone; on this boot, a pid that no longer exists is.
 */
static bool lease_live(const struct queue_record *rec, int64_t now, const uint8_t boot[16])
{
	static const uint8_t unknown[16];

	if (rec->claimed_until <= now)
		return false;
	if (!rec->owner_pid)
		return true; /* an older record: only its time says */
	if (memcmp(boot, unknown, 16) != 0 && memcmp(rec->boot_id, unknown, 16) != 0 &&
	    memcmp(boot, rec->boot_id, 16) != 0)
		return false;
	return kill((pid_t)rec->owner_pid, 0) == 0 || errno == EPERM;
}

/* Fills @it from a queue key and record; a lease whose owner is gone reads as unclaimed. */
static void item_from(const MDB_val *k, const MDB_val *v, const uint8_t boot[16],
		      struct queue_item *it)
{
	struct queue_record rec = { 0 };
	uint8_t key[QUEUE_KEY_LEN];
	uint64_t seq;

	memcpy(key, k->mv_data, sizeof(key));
	(void)store_queue_record_read(v, &rec); /* valid_entry() checked its size */
	memcpy(&seq, key + 2, sizeof(seq));
	memset(it, 0, sizeof(*it));
	it->queue = key[0];
	it->priority = 255u - key[1];
	it->seq = be64toh(seq);
	it->batch = rec.batch;
	it->page = rec.page;
	it->attempts = rec.attempts;
	it->enqueued = rec.enqueued;
	it->claimed_until = lease_live(&rec, time(NULL), boot) ? rec.claimed_until : 0;
}

static bool valid_entry(const MDB_val *k, const MDB_val *v)
{
	return k->mv_size == QUEUE_KEY_LEN &&
	       (v->mv_size == sizeof(struct queue_record) || v->mv_size == QUEUE_RECORD_V1_SIZE);
}

/* Reads the queue value under @qk in @t. */
static int queue_record_get(MDB_txn *t, MDB_dbi dbi, MDB_val *qk, struct queue_record *ret)
{
	MDB_val v;
	int r = store_mdb_errno(mdb_get(t, dbi, qk, &v));

	return r < 0 ? r : store_queue_record_read(&v, ret);
}

static int next_seq(struct store *s, MDB_txn *t, uint64_t *ret)
{
	MDB_val k = { sizeof(queue_seq_name) - 1, (void *)queue_seq_name }, v;
	uint64_t seq = 1;
	int rc;

	rc = mdb_get(t, s->meta, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(seq))
		memcpy(&seq, v.mv_data, sizeof(seq));
	else if (rc != MDB_NOTFOUND)
		return rc ? store_mdb_errno(rc) : -FOLIO_ECORRUPT;
	*ret = seq++;
	v = (MDB_val){ sizeof(seq), &seq };
	return store_mdb_errno(mdb_put(t, s->meta, &k, &v, 0));
}

int store_queue_push_txn(struct store *s, MDB_txn *t, enum store_queue q, uint32_t batch,
			 uint32_t page, unsigned priority)
{
	struct queue_record rec = { .version = STORE_SCHEMA_VERSION, .batch = batch, .page = page };
	uint8_t ib[QUEUE_IDX_LEN], qb[QUEUE_KEY_LEN], old[QUEUE_KEY_LEN];
	MDB_val ik = idx_key(ib, q, batch, page), qk, v;
	uint64_t seq = 0;
	int r;

	if ((unsigned)q >= QUEUE_COUNT || priority > 255)
		return -EINVAL;
	r = queue_key_get(s, t, &ik, old, &qk);
	if (r == 0) {
		/* Already queued: keep its age (and lease), take the new priority. */
		if (old[1] == 255 - priority)
			return 0;
		r = queue_record_get(t, s->queue, &qk, &rec);
		if (r < 0)
			return r == -FOLIO_ENOTFOUND ? -FOLIO_ECORRUPT : r;
		r = store_mdb_errno(mdb_del(t, s->queue, &qk, NULL));
		if (r < 0)
			return r;
		memcpy(&seq, old + 2, sizeof(seq));
		seq = be64toh(seq);
	} else if (r == -FOLIO_ENOTFOUND) {
		r = next_seq(s, t, &seq);
		if (r < 0)
			return r;
		rec.enqueued = time(NULL);
	} else {
		return r;
	}
	qk = queue_key(qb, q, priority, seq);
	r = store_put_record(t, s->queue, &qk, &rec, sizeof(rec));
	if (r < 0)
		return r;
	ik = idx_key(ib, q, batch, page);
	v = (MDB_val){ QUEUE_KEY_LEN, qb };
	return store_mdb_errno(mdb_put(t, s->queue_idx, &ik, &v, 0));
}

int store_queue_remove_txn(struct store *s, MDB_txn *t, enum store_queue q, uint32_t batch,
			   uint32_t page)
{
	uint8_t ib[QUEUE_IDX_LEN], qb[QUEUE_KEY_LEN];
	MDB_val ik = idx_key(ib, q, batch, page), qk;
	int r;

	r = queue_key_get(s, t, &ik, qb, &qk);
	if (r < 0)
		return r;
	r = store_mdb_errno(mdb_del(t, s->queue, &qk, NULL));
	if (r < 0 && r != -FOLIO_ENOTFOUND)
		return r;
	return store_mdb_errno(mdb_del(t, s->queue_idx, &ik, NULL));
}

int store_queue_remove_batch_txn(struct store *s, MDB_txn *t, uint32_t batch, uint64_t *ret_n)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint64_t n = 0;
	int rc, r;

	rc = mdb_cursor_open(t, s->queue_idx, &c);
	if (rc)
		return store_mdb_errno(rc);
	for (uint32_t q = 0; q < QUEUE_COUNT; q++) {
		for (;;) {
			uint8_t ib[QUEUE_IDX_LEN], prefix[5], qb[QUEUE_KEY_LEN];
			MDB_val k = idx_key(ib, q, batch, 0), v, qk;

			memcpy(prefix, ib, sizeof(prefix));
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
			if (rc == MDB_NOTFOUND)
				break;
			if (rc)
				return store_mdb_errno(rc);
			if (k.mv_size != QUEUE_IDX_LEN || memcmp(k.mv_data, prefix, 5) != 0)
				break;
			if (v.mv_size != QUEUE_KEY_LEN)
				return -FOLIO_ECORRUPT;
			memcpy(qb, v.mv_data, sizeof(qb));
			qk = (MDB_val){ QUEUE_KEY_LEN, qb };
			r = store_mdb_errno(mdb_del(t, s->queue, &qk, NULL));
			if (r < 0 && r != -FOLIO_ENOTFOUND)
				return r;
			rc = mdb_cursor_del(c, 0);
			if (rc)
				return store_mdb_errno(rc);
			n++;
		}
	}
	if (ret_n)
		*ret_n = n;
	return 0;
}

int store_queue_push(struct store *s, enum store_queue queue, uint32_t batch, uint32_t page,
		     unsigned priority)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b;
	int r;

	if ((unsigned)queue >= QUEUE_COUNT || priority > 255)
		return -EINVAL;
	r = store_batch_write_begin(s, batch, &t, &b);
	if (r < 0)
		return r;
	r = store_queue_push_txn(s, t, queue, batch, page, priority);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

/* Begins a transaction on @queue: -EINVAL for a queue that does not exist. */
static int queue_txn_begin(struct store *s, enum store_queue queue, bool write, MDB_txn **ret)
{
	if ((unsigned)queue >= QUEUE_COUNT)
		return -EINVAL;
	return store_txn_begin(s, write, ret);
}

struct entry_walk {
	int (*fn)(const MDB_val *k, const MDB_val *v, void *user);
	void *user;
};

static int entry_one(const MDB_val *k, const MDB_val *v, void *user)
{
	const struct entry_walk *w = user;

	if (!valid_entry(k, v))
		return -FOLIO_ECORRUPT;
	return w->fn(k, v, w->user);
}

/*
 * Walks @queue in claim order inside @t: calls @fn with each entry's key and record (sizes
 * checked) and stops at its first non-zero answer, which it returns; 0 after the last entry.
 */
static int queue_walk_txn(struct store *s, MDB_txn *t, enum store_queue queue,
			  int (*fn)(const MDB_val *k, const MDB_val *v, void *user), void *user)
{
	uint8_t prefix = (uint8_t)queue;
	MDB_val start = { 1, &prefix };
	struct entry_walk w = { fn, user };

	return store_walk_raw_txn(t, s->queue, &start, 1, entry_one, &w);
}

/* Walks @queue in claim order inside one read transaction. */
static int queue_walk(struct store *s, enum store_queue queue,
		      int (*fn)(const MDB_val *k, const MDB_val *v, void *user), void *user)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	int r;

	r = queue_txn_begin(s, queue, false, &t);
	if (r < 0)
		return r;
	return queue_walk_txn(s, t, queue, fn, user);
}

struct claim_walk {
	int64_t now;
	uint8_t boot[16];
	uint8_t key[QUEUE_KEY_LEN];
	struct queue_record rec;
};

/* Stops at the first entry under no live lease, with its key and record. */
static int claim_one(const MDB_val *k, const MDB_val *v, void *user)
{
	struct claim_walk *w = user;

	(void)store_queue_record_read(v, &w->rec); /* valid_entry() checked its size */
	if (lease_live(&w->rec, w->now, w->boot))
		return 0;
	memcpy(w->key, k->mv_data, sizeof(w->key));
	return 1;
}

int store_queue_claim(struct store *s, enum store_queue queue, unsigned lease_seconds,
		      struct queue_item *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct claim_walk w = { .now = time(NULL) };
	struct queue_item it;
	MDB_val k, v;
	int r;

	boot_id(w.boot);
	r = queue_txn_begin(s, queue, true, &t);
	if (r < 0)
		return r;
	r = queue_walk_txn(s, t, queue, claim_one, &w);
	if (r <= 0)
		return r;
	w.rec.claimed_until = w.now + (int64_t)MAX(lease_seconds, 1u);
	w.rec.attempts++;
	w.rec.version = STORE_SCHEMA_VERSION;
	lease_own(&w.rec);
	k = (MDB_val){ QUEUE_KEY_LEN, w.key };
	r = store_put_record(t, s->queue, &k, &w.rec, sizeof(w.rec));
	if (r < 0)
		return r;
	v = (MDB_val){ sizeof(w.rec), &w.rec };
	item_from(&k, &v, w.boot, &it);
	r = store_txn_commit(&t);
	if (r < 0)
		return r;
	*ret = it;
	return 1;
}

int store_queue_done(struct store *s, enum store_queue queue, uint32_t batch, uint32_t page)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	int r;

	r = queue_txn_begin(s, queue, true, &t);
	if (r < 0)
		return r;
	r = store_queue_remove_txn(s, t, queue, batch, page);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

int store_queue_release(struct store *s, enum store_queue queue, uint32_t batch, uint32_t page)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint8_t ib[QUEUE_IDX_LEN], qb[QUEUE_KEY_LEN];
	MDB_val ik = idx_key(ib, queue, batch, page), qk;
	struct queue_record rec;
	int r;

	r = queue_txn_begin(s, queue, true, &t);
	if (r < 0)
		return r;
	r = queue_key_get(s, t, &ik, qb, &qk);
	if (r < 0)
		return r;
	r = queue_record_get(t, s->queue, &qk, &rec);
	if (r < 0)
		return r == -FOLIO_ENOTFOUND ? -FOLIO_ECORRUPT : r;
	rec.claimed_until = 0;
	rec.owner_pid = 0;
	r = store_put_record(t, s->queue, &qk, &rec, sizeof(rec));
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

static int count_one(const MDB_val *k, const MDB_val *v, void *user)
{
	(void)k;
	(void)v;
	(*(uint64_t *)user)++;
	return 0;
}

int store_queue_count(struct store *s, enum store_queue queue, uint64_t *ret)
{
	uint64_t n = 0;
	int r = queue_walk(s, queue, count_one, &n);

	if (r < 0)
		return r;
	*ret = n;
	return 0;
}

struct stats_walk {
	struct queue_stats st;
	int64_t now;
	uint8_t boot[16];
};

static int stats_one(const MDB_val *k, const MDB_val *v, void *user)
{
	struct stats_walk *w = user;
	struct queue_item it;

	item_from(k, v, w->boot, &it);
	w->st.items++;
	if (it.claimed_until > w->now)
		w->st.claimed++;
	if (!w->st.oldest || it.enqueued < w->st.oldest)
		w->st.oldest = it.enqueued;
	w->st.top_priority = MAX(w->st.top_priority, it.priority);
	return 0;
}

int store_queue_stats(struct store *s, enum store_queue queue, struct queue_stats *ret)
{
	struct stats_walk w = { .now = time(NULL) };
	int r;

	boot_id(w.boot);
	r = queue_walk(s, queue, stats_one, &w);

	if (r < 0)
		return r;
	*ret = w.st;
	return 0;
}

struct list_walk {
	int (*fn)(const struct queue_item *it, void *user);
	void *user;
	uint8_t boot[16];
};

static int list_one(const MDB_val *k, const MDB_val *v, void *user)
{
	struct list_walk *w = user;
	struct queue_item it;

	item_from(k, v, w->boot, &it);
	return w->fn(&it, w->user);
}

int store_queue_list(struct store *s, enum store_queue queue,
		     int (*fn)(const struct queue_item *it, void *user), void *user)
{
	struct list_walk w = { fn, user, { 0 } };

	boot_id(w.boot);
	return queue_walk(s, queue, list_one, &w);
}

/* --- OCR results */

int store_ocr_put(struct store *s, uint32_t batch, uint32_t page, const char *text,
		  const char *hocr, double confidence)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	_cleanup_free_ uint8_t *plain = NULL;
	struct ocr_record rec = { .version = STORE_SCHEMA_VERSION };
	struct batch_info b;
	struct page_info p;
	size_t tlen, hlen, payload;
	uint32_t kb[2];
	MDB_val k = store_key_u32(kb, batch), v;
	bool existed;
	int r;

	if (!text)
		return -EINVAL;
	tlen = strnlen(text, (size_t)STORE_MAX_OCR_TEXT + 1);
	hlen = hocr ? strnlen(hocr, (size_t)STORE_MAX_OCR_HOCR + 1) : 0;
	if (tlen > STORE_MAX_OCR_TEXT || hlen > STORE_MAX_OCR_HOCR)
		return -FOLIO_ETOOBIG;
	r = store_batch_write_begin(s, batch, &t, &b);
	if (r < 0)
		return r;
	if (b.state == BATCH_PURGED)
		return -FOLIO_ESTATE;
	k = store_key_pair(kb, batch, page);
	r = store_get_record(t, s->pages, &k, &p, sizeof(p));
	if (r < 0)
		return r;

	rec.seal = s->encrypt && s->key ? STORE_SEAL_XCHACHA20POLY1305 : STORE_SEAL_NONE;
	rec.text_len = (uint32_t)tlen;
	rec.hocr_len = (uint32_t)hlen;
	rec.time = time(NULL);
	rec.confidence = confidence;
	payload = tlen + hlen + (rec.seal ? STORE_SEAL_OVERHEAD : 0);

	existed = mdb_get(t, s->ocr, &k, &v) == 0;
	v = (MDB_val){ .mv_size = sizeof(rec) + payload, .mv_data = NULL };
	r = store_mdb_errno(mdb_put(t, s->ocr, &k, &v, MDB_RESERVE));
	if (r < 0)
		return r;
	memcpy(v.mv_data, &rec, sizeof(rec));
	if (rec.seal) {
		r = store_key_check_txn(s, t);
		if (r < 0)
			return r;
		plain = malloc(tlen + hlen + 1);
		if (!plain)
			return -ENOMEM;
		memcpy(plain, text, tlen);
		if (hlen)
			memcpy(plain + tlen, hocr, hlen);
		store_seal(s, SEAL_KIND_OCR, batch, page, plain, tlen + hlen,
			   (uint8_t *)v.mv_data + sizeof(rec));
	} else {
		memcpy((uint8_t *)v.mv_data + sizeof(rec), text, tlen);
		if (hlen)
			memcpy((uint8_t *)v.mv_data + sizeof(rec) + tlen, hocr, hlen);
	}

	r = store_text_index_page_txn(s, t, batch, page, text, tlen);
	if (r < 0)
		return r;
	r = store_queue_remove_txn(s, t, QUEUE_OCR, batch, page);
	if (r < 0 && r != -FOLIO_ENOTFOUND)
		return r;
	if (!existed) {
		b.n_ocr++;
		k = store_key_u32(kb, batch);
		r = store_put_record(t, s->batches, &k, &b, sizeof(b));
		if (r < 0)
			return r;
	}
	return store_txn_commit(&t);
}

int store_ocr_get(struct store *s, uint32_t batch, uint32_t page, struct ocr_result *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return store_ocr_get_txn(s, t, batch, page, ret);
}

int store_ocr_get_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page,
		      struct ocr_result *ret)
{
	_cleanup_free_ uint8_t *plain = NULL;
	_cleanup_free_ char *text = NULL, *hocr = NULL;
	struct ocr_record rec;
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, page), v;
	size_t payload;
	const uint8_t *src;
	int r;

	r = store_get_head(t, s->ocr, &k, &rec, sizeof(rec), &v);
	if (r < 0)
		return r;
	if (rec.text_len > STORE_MAX_OCR_TEXT || rec.hocr_len > STORE_MAX_OCR_HOCR)
		return -FOLIO_ECORRUPT;
	payload = (size_t)rec.text_len + rec.hocr_len;
	src = (const uint8_t *)v.mv_data + sizeof(rec);
	if (rec.seal == STORE_SEAL_XCHACHA20POLY1305) {
		if (v.mv_size - sizeof(rec) != payload + STORE_SEAL_OVERHEAD)
			return -FOLIO_ECORRUPT;
		if (!s->key)
			return -ENOKEY;
		plain = malloc(payload + 1);
		if (!plain)
			return -ENOMEM;
		r = store_unseal(s, SEAL_KIND_OCR, batch, page, src, payload + STORE_SEAL_OVERHEAD,
				 plain);
		if (r < 0)
			return r;
		src = plain;
	} else if (rec.seal != STORE_SEAL_NONE || v.mv_size - sizeof(rec) != payload) {
		return -FOLIO_ECORRUPT;
	}
	text = malloc((size_t)rec.text_len + 1);
	hocr = malloc((size_t)rec.hocr_len + 1);
	if (!text || !hocr)
		return -ENOMEM;
	memcpy(text, src, rec.text_len);
	text[rec.text_len] = '\0';
	memcpy(hocr, src + rec.text_len, rec.hocr_len);
	hocr[rec.hocr_len] = '\0';
	if (plain)
		sodium_memzero(plain, payload);
	ret->text = TAKE_PTR(text);
	ret->hocr = TAKE_PTR(hocr);
	ret->confidence = rec.confidence;
	ret->time = rec.time;
	return 0;
}

void store_ocr_release(struct ocr_result *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->hocr);
	r->text = r->hocr = NULL;
}

/* --- OCR progress of a batch */

struct progress_walk {
	struct store *s;
	MDB_txn *t;
	struct store_ocr_progress p;
};

static int progress_page(const struct page_info *p, void *user)
{
	struct progress_walk *w = user;
	uint8_t ib[QUEUE_IDX_LEN];
	uint32_t kb[2];
	MDB_val ik = idx_key(ib, QUEUE_OCR, p->batch, p->number), k, v;

	if (p->flags & PAGE_FLAG_SEPARATOR)
		return 0;
	w->p.pages++;
	k = store_key_pair(kb, p->batch, p->number);
	/* A page queued again waits, whatever it had before. */
	if (mdb_get(w->t, w->s->queue_idx, &ik, &v) != 0) {
		if (p->flags & PAGE_FLAG_OCR_FAILED) {
			w->p.failed++;
			return 0;
		}
		if (mdb_get(w->t, w->s->ocr, &k, &v) == 0) {
			w->p.text++;
			return 0;
		}
	}
	w->p.waiting++;
	return 0;
}

int store_batch_ocr_progress_txn(struct store *s, MDB_txn *t, uint32_t id,
				 struct store_ocr_progress *ret)
{
	struct progress_walk w = { .s = s, .t = t };
	int r = store_walk_pages_txn(t, s->pages, id, progress_page, &w);

	if (r < 0)
		return r;
	*ret = w.p;
	return 0;
}

int store_batch_ocr_progress(struct store *s, uint32_t id, struct store_ocr_progress *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b;
	uint32_t kb[2];
	MDB_val k = store_key_u32(kb, id);
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = store_get_record(t, s->batches, &k, &b, sizeof(b));
	if (r < 0)
		return r;
	return store_batch_ocr_progress_txn(s, t, id, ret);
}
