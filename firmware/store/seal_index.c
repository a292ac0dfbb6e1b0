/*
 * Sealing of the index: document records (office, application and ST.13 numbers, codes,
 * dates) and events (who did what, with old and new values in the detail), and the one-time
 * sealing of what a store kept in clear before it sealed.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/store/store.h"
#include "firmware/store/store_int.h"

/* A sealed document: this header, then the whole struct document_info sealed. */
struct sealed_document_header {
	uint32_t version;
	uint32_t seal; /* enum store_seal */
};

#define SEALED_DOCUMENT_SIZE \
	(sizeof(struct sealed_document_header) + sizeof(struct document_info) + STORE_SEAL_OVERHEAD)

static bool sealing(const struct store *s)
{
	return s->encrypt && s->key;
}

/*
 * meta "index_sealed": present while every document and event is sealed, so that opening a
 * sealed store does not walk its whole log. Any clear write removes it.
 */
static const char index_sealed_name[] = "index_sealed";

static MDB_val index_sealed_key(void)
{
	return (MDB_val){ sizeof(index_sealed_name) - 1, (void *)index_sealed_name };
}

int store_index_clear_txn(struct store *s, MDB_txn *t)
{
	MDB_val k = index_sealed_key();
	int rc = mdb_del(t, s->meta, &k, NULL);

	return rc == MDB_NOTFOUND ? 0 : store_mdb_errno(rc);
}

static void event_seal_key(uint64_t seq, uint32_t *ret_hi, uint32_t *ret_lo)
{
	*ret_hi = (uint32_t)(seq >> 32);
	*ret_lo = (uint32_t)seq;
}

void store_event_encode(const struct store *s, uint64_t seq, struct event_record *rec,
			const char *who, const char *detail, size_t detail_len, uint8_t *tail)
{
	uint8_t plain[STORE_NAME_LEN + EVENT_DETAIL_MAX];
	uint32_t hi, lo;

	detail_len = MIN(detail_len, (size_t)EVENT_DETAIL_MAX);
	memset(rec->who, 0, sizeof(rec->who));
	if (!sealing(s)) {
		rec->version = EVENT_LAYOUT;
		snprintf(rec->who, sizeof(rec->who), "%s", who);
		memcpy(tail, detail, detail_len);
		rec->detail_len = (uint32_t)detail_len;
		return;
	}
	rec->version = EVENT_LAYOUT_SEALED;
	memset(plain, 0, STORE_NAME_LEN);
	snprintf((char *)plain, STORE_NAME_LEN, "%s", who);
	memcpy(plain + STORE_NAME_LEN, detail, detail_len);
	event_seal_key(seq, &hi, &lo);
	store_seal(s, SEAL_KIND_EVENT, hi, lo, plain, STORE_NAME_LEN + detail_len, tail);
	rec->detail_len = (uint32_t)(STORE_NAME_LEN + detail_len + STORE_SEAL_OVERHEAD);
	sodium_memzero(plain, sizeof(plain));
}

int store_event_decode(const struct store *s, uint64_t seq, const struct event_record *rec,
		       const void *tail, struct event_info *ret)
{
	uint8_t plain[STORE_NAME_LEN + EVENT_DETAIL_MAX];
	size_t n;
	uint32_t hi, lo;
	int r;

	if (rec->version == EVENT_LAYOUT) {
		if (rec->detail_len > EVENT_DETAIL_MAX)
			return -FOLIO_ECORRUPT;
		if (ret) {
			memcpy(ret->who, rec->who, sizeof(ret->who));
			ret->who[sizeof(ret->who) - 1] = '\0';
			memcpy(ret->detail, tail, rec->detail_len);
			ret->detail[rec->detail_len] = '\0';
		}
		return 0;
	}
	if (rec->version != EVENT_LAYOUT_SEALED || rec->detail_len > EVENT_TAIL_MAX ||
	    rec->detail_len < STORE_NAME_LEN + STORE_SEAL_OVERHEAD)
		return -FOLIO_ECORRUPT;
	if (!ret)
		return 0;
	if (!s->key)
		return -ENOKEY;
	event_seal_key(seq, &hi, &lo);
	r = store_unseal(s, SEAL_KIND_EVENT, hi, lo, tail, rec->detail_len, plain);
	if (r < 0)
		return r;
	n = rec->detail_len - STORE_SEAL_OVERHEAD - STORE_NAME_LEN;
	memcpy(ret->who, plain, sizeof(ret->who));
	ret->who[sizeof(ret->who) - 1] = '\0';
	memcpy(ret->detail, plain + STORE_NAME_LEN, n);
	ret->detail[n] = '\0';
	sodium_memzero(plain, sizeof(plain));
	return 0;
}

int store_document_read_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t number,
			    struct document_info *ret)
{
	struct document_info d;
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, number), v;
	int r;

	r = store_mdb_errno(mdb_get(t, s->documents, &k, &v));
	if (r < 0)
		return r;
	if (v.mv_size == sizeof(d)) {
		memcpy(ret, v.mv_data, sizeof(d)); /* LMDB data is not aligned: copy */
		return 0;
	}
	if (v.mv_size != SEALED_DOCUMENT_SIZE)
		return -FOLIO_ECORRUPT;
	if (!s->key)
		return -ENOKEY;
	r = store_unseal(s, SEAL_KIND_DOCUMENT, batch, number,
			 (const uint8_t *)v.mv_data + sizeof(struct sealed_document_header),
			 v.mv_size - sizeof(struct sealed_document_header), (uint8_t *)&d);
	if (r < 0)
		return r;
	*ret = d;
	sodium_memzero(&d, sizeof(d));
	return 0;
}

int store_document_write_txn(struct store *s, MDB_txn *t, const struct document_info *d)
{
	uint8_t buf[SEALED_DOCUMENT_SIZE];
	struct sealed_document_header h = { STORE_SCHEMA_VERSION, STORE_SEAL_XCHACHA20POLY1305 };
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, d->batch, d->number);
	int r;

	if (!sealing(s)) {
		r = store_index_clear_txn(s, t);
		return r < 0 ? r : store_put_record(t, s->documents, &k, d, sizeof(*d));
	}
	r = store_key_check_txn(s, t);
	if (r < 0)
		return r;
	memcpy(buf, &h, sizeof(h));
	store_seal(s, SEAL_KIND_DOCUMENT, d->batch, d->number, d, sizeof(*d), buf + sizeof(h));
	return store_put_record(t, s->documents, &k, buf, sizeof(buf));
}

/* Seals every document kept in clear; the count goes to @ret_n. */
static int seal_documents(struct store *s, MDB_txn *t, uint64_t *ret_n)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint64_t n = 0;
	MDB_val k, v;
	int r, rc;

	rc = mdb_cursor_open(t, s->documents, &c);
	if (rc)
		return store_mdb_errno(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct document_info d;
		uint32_t kb[2];

		if (k.mv_size != sizeof(kb))
			return -FOLIO_ECORRUPT;
		if (v.mv_size != sizeof(d))
			continue; /* sealed already */
		memcpy(&d, v.mv_data, sizeof(d));
		memcpy(kb, k.mv_data, sizeof(kb));
		if (d.batch != be32toh(kb[0]) || d.number != be32toh(kb[1]))
			return -FOLIO_ECORRUPT;
		r = store_document_write_txn(s, t, &d);
		if (r < 0)
			return r;
		n++;
		/* Back to the record just written, wherever the write moved it. */
		k = (MDB_val){ sizeof(kb), kb };
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc)
			return store_mdb_errno(rc);
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	*ret_n = n;
	return 0;
}

/* The sequence of the first event kept in clear into @ret (0: none), and the last one's. */
static int first_clear_event(struct store *s, MDB_txn *t, uint64_t *ret, uint64_t *ret_last)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint64_t first = 0, last = 0;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(t, s->events, &c);
	if (rc)
		return store_mdb_errno(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint32_t version;
		uint64_t be;

		if (k.mv_size != sizeof(be) || v.mv_size < sizeof(struct event_record))
			return -FOLIO_ECORRUPT;
		memcpy(&be, k.mv_data, sizeof(be));
		memcpy(&version, v.mv_data, sizeof(version));
		last = be64toh(be);
		if (!first && version == EVENT_LAYOUT)
			first = last;
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	*ret = first;
	*ret_last = last;
	return 0;
}

/*
 * Rewrites events @from..@last sealed (those sealed already keep their sealed bytes), each
 * chained to the one before it again. The old head's hash goes to @ret_old_head.
 */
static int seal_events(struct store *s, MDB_txn *t, uint64_t from, uint64_t last,
		       uint8_t ret_old_head[32])
{
	struct {
		struct event_record rec;
		uint8_t tail[EVENT_TAIL_MAX];
	} ev;
	uint8_t prev[32] = { 0 };
	int r;

	for (uint64_t seq = from > 1 ? from - 1 : 1; seq <= last; seq++) {
		uint64_t be = htobe64(seq);
		MDB_val k = { sizeof(be), &be }, v;
		struct event_record rec;
		struct event_info e;

		r = store_mdb_errno(mdb_get(t, s->events, &k, &v));
		if (r < 0)
			return r == -FOLIO_ENOTFOUND ? -FOLIO_ECORRUPT : r;
		if (v.mv_size < sizeof(rec) || v.mv_size > sizeof(ev))
			return -FOLIO_ECORRUPT;
		memcpy(&rec, v.mv_data, sizeof(rec));
		if (seq < from) { /* the last event before: the chain goes on from its hash */
			memcpy(prev, rec.hash, sizeof(prev));
			continue;
		}
		if (seq == last)
			memcpy(ret_old_head, rec.hash, 32);
		memset(&ev, 0, sizeof(ev));
		memcpy(&ev, v.mv_data, v.mv_size);
		if (rec.version == EVENT_LAYOUT) {
			memset(&e, 0, sizeof(e));
			r = store_event_decode(s, seq, &rec, ev.tail, &e);
			if (r < 0)
				return r;
			store_event_encode(s, seq, &ev.rec, e.who, e.detail, strlen(e.detail),
					   ev.tail);
			sodium_memzero(&e, sizeof(e));
		}
		memcpy(ev.rec.prev, prev, sizeof(prev));
		store_event_hash(&ev.rec, ev.tail, ev.rec.hash);
		memcpy(prev, ev.rec.hash, sizeof(prev));
		v = (MDB_val){ sizeof(ev.rec) + ev.rec.detail_len, &ev };
		r = store_mdb_errno(mdb_put(t, s->events, &k, &v, 0));
		if (r < 0)
			return r;
	}
	return 0;
}

int store_seal_index(struct store *s)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint64_t docs = 0, from = 0, last = 0, broken = 0;
	uint8_t old_head[32] = { 0 };
	char old_hex[65] = "unchanged";
	int r;

	MDB_val k = index_sealed_key(), v = { 1, (void *)"1" };

	if (!sealing(s))
		return 0;
	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	if (mdb_get(t, s->meta, &k, &v) == 0)
		return 0; /* sealed through and through */
	mdb_txn_abort(t);
	t = NULL;
	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = seal_documents(s, t, &docs);
	if (r < 0)
		return r;
	r = first_clear_event(s, t, &from, &last);
	if (r < 0)
		return r;
	v = (MDB_val){ 1, (void *)"1" };
	r = store_mdb_errno(mdb_put(t, s->meta, &k, &v, 0));
	if (r < 0)
		return r;
	if (!docs && !from)
		return store_txn_commit(&t); /* nothing in clear: only the mark */
	if (from) {
		/* A broken chain is not sealed over: `folio store check` names the break. */
		r = store_event_chain_check_txn(s, t, &broken);
		if (r < 0)
			return r;
		r = seal_events(s, t, from, last, old_head);
		if (r < 0)
			return r;
		sodium_bin2hex(old_hex, sizeof(old_hex), old_head, sizeof(old_head));
	}
	r = store_event_append(s, t, "station", "store-seal", 0, 0, 0,
			       "sealed %" PRIu64 " documents and %" PRIu64
			       " events kept in clear; the log's head was %s",
			       docs, from ? last - from + 1 : 0, old_hex);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}
