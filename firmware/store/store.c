#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/store/store.h"

struct store {
	MDB_env *env;
	MDB_dbi meta, batches, documents, pages, images, events;
	int lock_fd;
	char *path;
};

/* The on-disk event: fixed part, then detail_len bytes of text. */
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

static int mdb_to_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -FOLIO_ENOTFOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
		return -FOLIO_ESTOREFULL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
		return -FOLIO_ECORRUPT;
	case MDB_READERS_FULL:
		return -EBUSY;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

static void txn_abortp(MDB_txn **t)
{
	if (*t)
		mdb_txn_abort(*t);
}
#define _cleanup_txn_ _cleanup_(txn_abortp)
DEFINE_POINTER_CLEANUP(MDB_cursor, mdb_cursor_close)

static int txn_begin(struct store *s, bool write, MDB_txn **ret)
{
	return mdb_to_errno(mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, ret));
}

static int txn_commit(MDB_txn **t)
{
	int rc = mdb_txn_commit(*t);

	*t = NULL;
	return mdb_to_errno(rc);
}

static MDB_val key_u32(uint32_t *buf, uint32_t a)
{
	buf[0] = htobe32(a);
	return (MDB_val){ .mv_size = sizeof(uint32_t), .mv_data = buf };
}

static MDB_val key_pair(uint32_t *buf, uint32_t a, uint32_t b)
{
	buf[0] = htobe32(a);
	buf[1] = htobe32(b);
	return (MDB_val){ .mv_size = 2 * sizeof(uint32_t), .mv_data = buf };
}

static int get_record(MDB_txn *t, MDB_dbi dbi, MDB_val *key, void *ret, size_t size)
{
	MDB_val v;
	int r = mdb_to_errno(mdb_get(t, dbi, key, &v));

	if (r < 0)
		return r;
	if (v.mv_size != size)
		return -FOLIO_ECORRUPT;
	memcpy(ret, v.mv_data, size);
	return 0;
}

static int put_record(MDB_txn *t, MDB_dbi dbi, MDB_val *key, const void *rec, size_t size)
{
	MDB_val v = { .mv_size = size, .mv_data = (void *)rec };

	return mdb_to_errno(mdb_put(t, dbi, key, &v, 0));
}

static void event_hash(const struct event_record *rec, const char *detail, uint8_t out[32])
{
	crypto_hash_sha256_state st;
	struct event_record copy = *rec;

	memset(copy.hash, 0, sizeof(copy.hash));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)&copy, sizeof(copy));
	crypto_hash_sha256_update(&st, (const uint8_t *)detail, rec->detail_len);
	crypto_hash_sha256_final(&st, out);
}

/* Appends an event inside the caller's write transaction. */
static int event_append(struct store *s, MDB_txn *t, const char *who, const char *what,
			uint32_t batch, uint32_t document, uint32_t page, const char *fmt, ...)
    _printf_(8, 9);

static int event_append(struct store *s, MDB_txn *t, const char *who, const char *what,
			uint32_t batch, uint32_t document, uint32_t page, const char *fmt, ...)
{
	struct {
		struct event_record rec;
		char detail[256];
	} ev;
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	MDB_val k, v;
	uint64_t seq = 1, keybuf;
	va_list ap;
	int n, rc;

	memset(&ev, 0, sizeof(ev));
	va_start(ap, fmt);
	n = vsnprintf(ev.detail, sizeof(ev.detail), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	ev.rec.detail_len = (uint32_t)MIN((size_t)n, sizeof(ev.detail) - 1);
	ev.rec.version = STORE_SCHEMA_VERSION;
	ev.rec.time = time(NULL);
	ev.rec.batch = batch;
	ev.rec.document = document;
	ev.rec.page = page;
	snprintf(ev.rec.who, sizeof(ev.rec.who), "%s", who ? who : "station");
	snprintf(ev.rec.what, sizeof(ev.rec.what), "%s", what);

	rc = mdb_cursor_open(t, s->events, &c);
	if (rc)
		return mdb_to_errno(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0) {
		/* LMDB data is not aligned: copy fields out, never cast. */
		if (k.mv_size != sizeof(uint64_t) || v.mv_size < sizeof(struct event_record))
			return -FOLIO_ECORRUPT;
		memcpy(&keybuf, k.mv_data, sizeof(keybuf));
		seq = be64toh(keybuf) + 1;
		memcpy(ev.rec.prev, (const uint8_t *)v.mv_data + offsetof(struct event_record, hash),
		       sizeof(ev.rec.prev));
	} else if (rc != MDB_NOTFOUND) {
		return mdb_to_errno(rc);
	}
	event_hash(&ev.rec, ev.detail, ev.rec.hash);

	keybuf = htobe64(seq);
	k = (MDB_val){ .mv_size = sizeof(keybuf), .mv_data = &keybuf };
	v = (MDB_val){ .mv_size = sizeof(ev.rec) + ev.rec.detail_len, .mv_data = &ev };
	return mdb_to_errno(mdb_put(t, s->events, &k, &v, MDB_APPEND));
}

int store_open(const char *dir, size_t map_size_mb, struct store **ret)
{
	_cleanup_free_ struct store *s = calloc(1, sizeof(*s));
	_cleanup_txn_ MDB_txn *t = NULL;
	MDB_val k, v;
	uint32_t version;
	int r;

	if (!s)
		return -ENOMEM;
	if (sodium_init() < 0)
		return -EIO;
	s->lock_fd = -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	s->path = strdup(dir);
	if (!s->path)
		return -ENOMEM;

	r = mdb_to_errno(mdb_env_create(&s->env));
	if (r < 0)
		goto fail;
	mdb_env_set_maxdbs(s->env, 16);
	mdb_env_set_mapsize(s->env, map_size_mb << 20);
	r = mdb_to_errno(mdb_env_open(s->env, dir, MDB_NOTLS, 0600));
	if (r < 0)
		goto fail;

	r = txn_begin(s, true, &t);
	if (r < 0)
		goto fail;
	r = mdb_to_errno(mdb_dbi_open(t, "meta", MDB_CREATE, &s->meta));
	if (r >= 0)
		r = mdb_to_errno(mdb_dbi_open(t, "batches", MDB_CREATE, &s->batches));
	if (r >= 0)
		r = mdb_to_errno(mdb_dbi_open(t, "documents", MDB_CREATE, &s->documents));
	if (r >= 0)
		r = mdb_to_errno(mdb_dbi_open(t, "pages", MDB_CREATE, &s->pages));
	if (r >= 0)
		r = mdb_to_errno(mdb_dbi_open(t, "images", MDB_CREATE, &s->images));
	if (r >= 0)
		r = mdb_to_errno(mdb_dbi_open(t, "events", MDB_CREATE, &s->events));
	if (r < 0)
		goto fail;

	k = (MDB_val){ .mv_size = 6, .mv_data = "schema" };
	r = mdb_get(t, s->meta, &k, &v);
	if (r == MDB_NOTFOUND) {
		version = STORE_SCHEMA_VERSION;
		v = (MDB_val){ .mv_size = sizeof(version), .mv_data = &version };
		r = mdb_to_errno(mdb_put(t, s->meta, &k, &v, 0));
		if (r < 0)
			goto fail;
	} else if (r == 0) {
		if (v.mv_size != sizeof(version)) {
			r = -FOLIO_ECORRUPT;
			goto fail;
		}
		memcpy(&version, v.mv_data, sizeof(version));
		/* Migrations from older layouts go here, inside this transaction. */
		if (version != STORE_SCHEMA_VERSION) {
			log_debug("store '%s' has layout %u, this build knows %u", dir, version,
				  STORE_SCHEMA_VERSION);
			r = -FOLIO_ECORRUPT;
			goto fail;
		}
	} else {
		r = mdb_to_errno(r);
		goto fail;
	}
	r = txn_commit(&t);
	if (r < 0)
		goto fail;

	*ret = TAKE_PTR(s);
	return 0;
fail:
	if (s->env)
		mdb_env_close(s->env);
	free(s->path);
	return r;
}

struct store *store_close(struct store *s)
{
	if (!s)
		return NULL;
	mdb_env_close(s->env);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->path);
	free(s);
	return NULL;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

int store_lock_daemon(struct store *s)
{
	_cleanup_free_ char *p = NULL;
	int fd;

	if (asprintf(&p, "%s/foliod.lock", s->path) < 0)
		return -ENOMEM;
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -FOLIO_ELOCKED : -errno;

		close(fd);
		return r;
	}
	s->lock_fd = fd;
	return 0;
}

static const char *const state_names[BATCH_STATE_COUNT] = {
	[BATCH_OPEN] = "open",		 [BATCH_CLOSED] = "closed",
	[BATCH_APPROVED] = "approved",	 [BATCH_PACKAGED] = "packaged",
	[BATCH_DELIVERED] = "delivered", [BATCH_CONFIRMED] = "confirmed",
	[BATCH_PURGED] = "purged",	 [BATCH_REJECTED] = "rejected",
};

const char *batch_state_name(uint32_t state)
{
	return state < BATCH_STATE_COUNT ? state_names[state] : "unknown";
}

bool store_batch_transition_allowed(uint32_t from, uint32_t to)
{
#define MOVE(a, b) (1u << (b)) /* in the row of a */
	static const uint32_t allowed[BATCH_STATE_COUNT] = {
		[BATCH_OPEN] = MOVE(open, BATCH_CLOSED),
		[BATCH_CLOSED] = MOVE(closed, BATCH_APPROVED) | MOVE(closed, BATCH_REJECTED),
		[BATCH_APPROVED] = MOVE(approved, BATCH_PACKAGED) | MOVE(approved, BATCH_REJECTED),
		[BATCH_PACKAGED] = MOVE(packaged, BATCH_DELIVERED),
		[BATCH_DELIVERED] = MOVE(delivered, BATCH_CONFIRMED),
		[BATCH_CONFIRMED] = MOVE(confirmed, BATCH_PURGED),
		[BATCH_PURGED] = 0,
		[BATCH_REJECTED] = MOVE(rejected, BATCH_OPEN) | MOVE(rejected, BATCH_CLOSED),
	};
#undef MOVE
	return from < BATCH_STATE_COUNT && to < BATCH_STATE_COUNT && (allowed[from] & (1u << to));
}

int store_batch_create(struct store *s, const char *who, const struct batch_info *tmpl,
		       uint32_t *ret_id)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b = *tmpl;
	uint32_t next = 1, kb;
	MDB_val k = { .mv_size = 10, .mv_data = "next_batch" }, v;
	int r;

	r = txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = mdb_get(t, s->meta, &k, &v);
	if (r == 0 && v.mv_size == sizeof(next))
		memcpy(&next, v.mv_data, sizeof(next));
	else if (r != MDB_NOTFOUND)
		return r ? mdb_to_errno(r) : -FOLIO_ECORRUPT;

	b.version = STORE_SCHEMA_VERSION;
	b.id = next;
	b.state = BATCH_OPEN;
	b.n_pages = 0;
	b.n_documents = 0;
	b.created = b.updated = time(NULL);
	MDB_val bk = key_u32(&kb, b.id);
	r = put_record(t, s->batches, &bk, &b, sizeof(b));
	if (r < 0)
		return r;
	next++;
	v = (MDB_val){ .mv_size = sizeof(next), .mv_data = &next };
	r = mdb_to_errno(mdb_put(t, s->meta, &k, &v, 0));
	if (r < 0)
		return r;
	r = event_append(s, t, who, "batch-create", b.id, 0, 0, "device '%s' profile '%s'",
			 b.device, b.profile);
	if (r < 0)
		return r;
	r = txn_commit(&t);
	if (r < 0)
		return r;
	*ret_id = b.id;
	return 0;
}

int store_batch_get(struct store *s, uint32_t id, struct batch_info *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint32_t kb;
	MDB_val k = key_u32(&kb, id);
	int r;

	r = txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return get_record(t, s->batches, &k, ret, sizeof(*ret));
}

/* Walks @dbi from @start while keys begin with the first @prefix_len bytes of @start. */
static int walk(struct store *s, MDB_dbi dbi, MDB_val *start, size_t prefix_len, size_t size,
		int (*fn)(const void *rec, void *user), void *user)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint8_t prefix[8];
	MDB_val k, v;
	int r, rc;

	if (prefix_len > sizeof(prefix))
		return -EINVAL;
	if (prefix_len)
		memcpy(prefix, start->mv_data, prefix_len);
	r = txn_begin(s, false, &t);
	if (r < 0)
		return r;
	rc = mdb_cursor_open(t, dbi, &c);
	if (rc)
		return mdb_to_errno(rc);
	k = *start;
	for (rc = mdb_cursor_get(c, &k, &v, start->mv_size ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		_Alignas(8) uint8_t rec[512];

		if (k.mv_size < prefix_len || memcmp(k.mv_data, prefix, prefix_len) != 0)
			break;
		if (v.mv_size != size || size > sizeof(rec))
			return -FOLIO_ECORRUPT;
		memcpy(rec, v.mv_data, size); /* LMDB data is not aligned for our structs */
		r = fn(rec, user);
		if (r != 0)
			return r;
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : mdb_to_errno(rc);
}

int store_batch_list(struct store *s, int (*fn)(const struct batch_info *b, void *user), void *user)
{
	MDB_val start = { 0, NULL };

	return walk(s, s->batches, &start, 0, sizeof(struct batch_info),
		    (int (*)(const void *, void *))fn, user);
}

int store_batch_set_state(struct store *s, uint32_t id, enum batch_state to, const char *who)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b;
	uint32_t kb;
	MDB_val k = key_u32(&kb, id);
	uint32_t from;
	int r;

	r = txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = get_record(t, s->batches, &k, &b, sizeof(b));
	if (r < 0)
		return r;
	from = b.state;
	if (!store_batch_transition_allowed(from, to))
		return -FOLIO_ESTATE;
	b.state = to;
	b.updated = time(NULL);
	r = put_record(t, s->batches, &k, &b, sizeof(b));
	if (r < 0)
		return r;
	r = event_append(s, t, who, "batch-state", id, 0, 0, "%s -> %s", batch_state_name(from),
			 batch_state_name(to));
	if (r < 0)
		return r;
	return txn_commit(&t);
}

int store_document_put(struct store *s, const char *who, const struct document_info *doc)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct document_info d = *doc, old;
	struct batch_info b;
	uint32_t kb[2];
	MDB_val bk = key_u32(kb, doc->batch);
	bool existed;
	int r;

	if (doc->number == 0)
		return -EINVAL;
	r = txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = get_record(t, s->batches, &bk, &b, sizeof(b));
	if (r < 0)
		return r;
	MDB_val dk = key_pair(kb, doc->batch, doc->number);
	r = get_record(t, s->documents, &dk, &old, sizeof(old));
	if (r < 0 && r != -FOLIO_ENOTFOUND)
		return r;
	existed = r == 0;
	d.version = STORE_SCHEMA_VERSION;
	r = put_record(t, s->documents, &dk, &d, sizeof(d));
	if (r < 0)
		return r;
	if (!existed) {
		b.n_documents++;
		b.updated = time(NULL);
		bk = key_u32(kb, doc->batch);
		r = put_record(t, s->batches, &bk, &b, sizeof(b));
		if (r < 0)
			return r;
	}
	r = event_append(s, t, who, existed ? "document-edit" : "document-create", d.batch,
			 d.number, 0, "office '%s' application '%s' code '%s'%s%s", d.office,
			 d.application, d.document_code, existed ? " was application " : "",
			 existed ? old.application : "");
	if (r < 0)
		return r;
	return txn_commit(&t);
}

int store_document_get(struct store *s, uint32_t batch, uint32_t number, struct document_info *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint32_t kb[2];
	MDB_val k = key_pair(kb, batch, number);
	int r;

	r = txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return get_record(t, s->documents, &k, ret, sizeof(*ret));
}

int store_page_add(struct store *s, const char *who, const struct page_info *meta,
		   const void *image, size_t len, uint32_t *ret_number)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct page_info p = *meta;
	struct batch_info b;
	uint32_t kb[2];
	MDB_val bk = key_u32(kb, meta->batch), pk, v;
	int r;

	if (len == 0 || len > STORE_MAX_IMAGE)
		return -FOLIO_ETOOBIG;
	r = txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = get_record(t, s->batches, &bk, &b, sizeof(b));
	if (r < 0)
		return r;
	if (b.state != BATCH_OPEN)
		return -FOLIO_ESTATE;

	p.version = STORE_SCHEMA_VERSION;
	p.number = b.n_pages + 1;
	p.size = (uint32_t)len;
	p.captured = time(NULL);
	crypto_hash_sha256(p.sha256, image, len);

	pk = key_pair(kb, p.batch, p.number);
	r = put_record(t, s->pages, &pk, &p, sizeof(p));
	if (r < 0)
		return r;
	v = (MDB_val){ .mv_size = len, .mv_data = (void *)image };
	r = mdb_to_errno(mdb_put(t, s->images, &pk, &v, 0));
	if (r < 0)
		return r;

	b.n_pages = p.number;
	b.updated = p.captured;
	bk = key_u32(kb, p.batch);
	r = put_record(t, s->batches, &bk, &b, sizeof(b));
	if (r < 0)
		return r;
	r = event_append(s, t, who, "page-capture", p.batch, p.document, p.number,
			 "%s %ux%u %u dpi %u bytes", p.format, p.width, p.height, p.dpi, p.size);
	if (r < 0)
		return r;
	r = txn_commit(&t);
	if (r < 0)
		return r;
	if (ret_number)
		*ret_number = p.number;
	return 0;
}

int store_page_get(struct store *s, uint32_t batch, uint32_t number, struct page_info *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint32_t kb[2];
	MDB_val k = key_pair(kb, batch, number);
	int r;

	r = txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return get_record(t, s->pages, &k, ret, sizeof(*ret));
}

int store_page_image(struct store *s, uint32_t batch, uint32_t number, void **ret_data,
		     size_t *ret_len)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	_cleanup_free_ void *copy = NULL;
	struct page_info p;
	uint32_t kb[2];
	MDB_val k = key_pair(kb, batch, number), v;
	uint8_t sum[32];
	int r;

	r = txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = get_record(t, s->pages, &k, &p, sizeof(p));
	if (r < 0)
		return r;
	r = mdb_to_errno(mdb_get(t, s->images, &k, &v));
	if (r < 0)
		return r == -FOLIO_ENOTFOUND ? -FOLIO_ECORRUPT : r;
	if (v.mv_size != p.size)
		return -FOLIO_ECORRUPT;
	copy = malloc(v.mv_size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	crypto_hash_sha256(sum, copy, v.mv_size);
	if (sodium_memcmp(sum, p.sha256, sizeof(sum)) != 0)
		return -FOLIO_ECORRUPT;
	*ret_len = v.mv_size;
	*ret_data = TAKE_PTR(copy);
	return 0;
}

int store_page_list(struct store *s, uint32_t batch,
		    int (*fn)(const struct page_info *p, void *user), void *user)
{
	uint32_t kb[2];
	MDB_val start = key_pair(kb, batch, 0);

	return walk(s, s->pages, &start, sizeof(uint32_t), sizeof(struct page_info),
		    (int (*)(const void *, void *))fn, user);
}

int store_event_list(struct store *s, uint64_t from,
		     int (*fn)(const struct event_info *e, void *user), void *user,
		     uint64_t *ret_broken)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint8_t prev[32] = { 0 };
	MDB_val k, v;
	int r, rc;

	r = txn_begin(s, false, &t);
	if (r < 0)
		return r;
	rc = mdb_cursor_open(t, s->events, &c);
	if (rc)
		return mdb_to_errno(rc);
	/* The chain is checked from the first event on; callbacks start at @from. */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct event_record rec;
		struct event_info e;
		uint64_t seq;
		uint8_t sum[32];

		if (k.mv_size != sizeof(seq) || v.mv_size < sizeof(rec))
			return -FOLIO_ECORRUPT;
		memcpy(&seq, k.mv_data, sizeof(seq));
		seq = be64toh(seq);
		memcpy(&rec, v.mv_data, sizeof(rec));
		if (rec.detail_len != v.mv_size - sizeof(rec) || rec.detail_len >= sizeof(e.detail))
			goto broken;
		memset(&e, 0, sizeof(e));
		memcpy(e.detail, (const char *)v.mv_data + sizeof(rec), rec.detail_len);
		event_hash(&rec, e.detail, sum);
		if (sodium_memcmp(sum, rec.hash, sizeof(sum)) != 0 ||
		    sodium_memcmp(prev, rec.prev, sizeof(prev)) != 0)
			goto broken;
		memcpy(prev, rec.hash, sizeof(prev));
		if (seq < from || !fn)
			continue;
		e.seq = seq;
		e.time = rec.time;
		e.batch = rec.batch;
		e.document = rec.document;
		e.page = rec.page;
		memcpy(e.who, rec.who, sizeof(e.who));
		e.who[sizeof(e.who) - 1] = '\0';
		memcpy(e.what, rec.what, sizeof(e.what));
		e.what[sizeof(e.what) - 1] = '\0';
		memcpy(e.hash, rec.hash, sizeof(e.hash));
		r = fn(&e, user);
		if (r != 0)
			return r;
		continue;
	broken:
		if (ret_broken)
			*ret_broken = seq;
		return -FOLIO_ECORRUPT;
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : mdb_to_errno(rc);
}
