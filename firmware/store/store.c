/* The store: opening and migrating, batches, documents, pages read back, events, purge. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include "firmware/store/store_int.h"

/* Records of layout 1 are the leading part of today's records. */
#define BATCH_INFO_V1_SIZE offsetof(struct batch_info, last_page)
#define PAGE_INFO_V1_SIZE offsetof(struct page_info, seal)

int store_mdb_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -FOLIO_ENOTFOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case ENOSPC:
	case EDQUOT:
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

int store_txn_begin(struct store *s, bool write, MDB_txn **ret)
{
	return store_mdb_errno(mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, ret));
}

int store_txn_commit(MDB_txn **t)
{
	int rc = mdb_txn_commit(*t);

	*t = NULL;
	return store_mdb_errno(rc);
}

MDB_val store_key_u32(uint32_t *buf, uint32_t a)
{
	buf[0] = htobe32(a);
	return (MDB_val){ .mv_size = sizeof(uint32_t), .mv_data = buf };
}

MDB_val store_key_pair(uint32_t *buf, uint32_t a, uint32_t b)
{
	buf[0] = htobe32(a);
	buf[1] = htobe32(b);
	return (MDB_val){ .mv_size = 2 * sizeof(uint32_t), .mv_data = buf };
}

int store_get_record(MDB_txn *t, MDB_dbi dbi, MDB_val *key, void *ret, size_t size)
{
	MDB_val v;
	int r = store_mdb_errno(mdb_get(t, dbi, key, &v));

	if (r < 0)
		return r;
	if (v.mv_size != size)
		return -FOLIO_ECORRUPT;
	memcpy(ret, v.mv_data, size); /* LMDB data is not aligned: copy, never cast */
	return 0;
}

int store_get_head(MDB_txn *t, MDB_dbi dbi, MDB_val *key, void *ret_head, size_t size,
		   MDB_val *ret_val)
{
	MDB_val v;
	int r = store_mdb_errno(mdb_get(t, dbi, key, &v));

	if (r < 0)
		return r;
	if (v.mv_size < size)
		return -FOLIO_ECORRUPT;
	memcpy(ret_head, v.mv_data, size); /* LMDB data is not aligned: copy, never cast */
	*ret_val = v;
	return 0;
}

int store_put_record(MDB_txn *t, MDB_dbi dbi, MDB_val *key, const void *rec, size_t size)
{
	MDB_val v = { .mv_size = size, .mv_data = (void *)rec };

	return store_mdb_errno(mdb_put(t, dbi, key, &v, 0));
}

int store_delete_batch_range(MDB_txn *t, MDB_dbi dbi, uint32_t batch, uint64_t *ret_n)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, 0), v;
	uint64_t n = 0;
	int rc;

	rc = mdb_cursor_open(t, dbi, &c);
	if (rc)
		return store_mdb_errno(rc);
	for (;;) {
		k = store_key_pair(kb, batch, 0);
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc || k.mv_size < 4 || memcmp(k.mv_data, kb, 4) != 0)
			break;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			return store_mdb_errno(rc);
		n++;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	if (ret_n)
		*ret_n = n;
	return 0;
}

void store_event_hash(const struct event_record *rec, const void *tail, uint8_t out[32])
{
	crypto_hash_sha256_state st;
	struct event_record copy = *rec;

	memset(copy.hash, 0, sizeof(copy.hash));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)&copy, sizeof(copy));
	crypto_hash_sha256_update(&st, (const uint8_t *)tail, rec->detail_len);
	crypto_hash_sha256_final(&st, out);
}

/* meta "rev" + be32 batch -> be64 sequence of the last event about the batch */
static MDB_val revision_key(uint8_t buf[8], uint32_t batch)
{
	uint32_t be = htobe32(batch);

	buf[0] = 'r';
	buf[1] = 'e';
	buf[2] = 'v';
	buf[3] = ':';
	memcpy(buf + 4, &be, sizeof(be));
	return (MDB_val){ .mv_size = 8, .mv_data = buf };
}

int store_event_append(struct store *s, MDB_txn *t, const char *who, const char *what,
		       uint32_t batch, uint32_t document, uint32_t page, const char *fmt, ...)
{
	struct {
		struct event_record rec;
		uint8_t tail[EVENT_TAIL_MAX];
	} ev;
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	char detail[EVENT_DETAIL_MAX + 1];
	MDB_val k, v;
	uint64_t seq = 1, keybuf;
	va_list ap;
	int n, rc;

	memset(&ev, 0, sizeof(ev));
	va_start(ap, fmt);
	n = vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	ev.rec.time = time(NULL);
	ev.rec.batch = batch;
	ev.rec.document = document;
	ev.rec.page = page;
	snprintf(ev.rec.what, sizeof(ev.rec.what), "%s", what);

	rc = mdb_cursor_open(t, s->events, &c);
	if (rc)
		return store_mdb_errno(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0) {
		if (k.mv_size != sizeof(uint64_t) || v.mv_size < sizeof(struct event_record))
			return -FOLIO_ECORRUPT;
		memcpy(&keybuf, k.mv_data, sizeof(keybuf));
		seq = be64toh(keybuf) + 1;
		memcpy(ev.rec.prev,
		       (const uint8_t *)v.mv_data + offsetof(struct event_record, hash),
		       sizeof(ev.rec.prev));
	} else if (rc != MDB_NOTFOUND) {
		return store_mdb_errno(rc);
	}
	if (s->encrypt && s->key) {
		rc = store_key_check_txn(s, t);
		if (rc < 0)
			return rc;
	}
	store_event_encode(s, seq, &ev.rec, who ? who : "station", detail,
			   MIN((size_t)n, sizeof(detail) - 1), ev.tail);
	if (ev.rec.version == EVENT_LAYOUT) {
		rc = store_index_clear_txn(s, t);
		if (rc < 0)
			return rc;
	}
	store_event_hash(&ev.rec, ev.tail, ev.rec.hash);

	keybuf = htobe64(seq);
	k = (MDB_val){ .mv_size = sizeof(keybuf), .mv_data = &keybuf };
	v = (MDB_val){ .mv_size = sizeof(ev.rec) + ev.rec.detail_len, .mv_data = &ev };
	rc = mdb_put(t, s->events, &k, &v, MDB_APPEND);
	if (rc == 0 && batch) {
		/* Every change to a batch appends an event about it: its sequence is the batch's
		 * revision. */
		uint8_t rk[8];

		k = revision_key(rk, batch);
		v = (MDB_val){ .mv_size = sizeof(keybuf), .mv_data = &keybuf };
		rc = mdb_put(t, s->meta, &k, &v, 0);
	}
	return store_mdb_errno(rc);
}

static int revision_txn(struct store *s, MDB_txn *t, uint32_t batch, uint64_t *ret)
{
	uint8_t rk[8];
	MDB_val k = revision_key(rk, batch), v;
	uint64_t be;
	int r = store_mdb_errno(mdb_get(t, s->meta, &k, &v));

	if (r == -FOLIO_ENOTFOUND) { /* a batch from before revisions were kept */
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return r;
	if (v.mv_size != sizeof(be))
		return -FOLIO_ECORRUPT;
	memcpy(&be, v.mv_data, sizeof(be));
	*ret = be64toh(be);
	return 0;
}

int store_batch_revision(struct store *s, uint32_t batch, uint64_t *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint32_t kb;
	MDB_val k = store_key_u32(&kb, batch), v;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = store_mdb_errno(mdb_get(t, s->batches, &k, &v));
	if (r < 0)
		return r;
	return revision_txn(s, t, batch, ret);
}

/* Collects the keys of @dbi (all of them) so they can be rewritten without a live cursor. */
static int collect_keys(MDB_txn *t, MDB_dbi dbi, size_t key_len, uint8_t **ret, size_t *ret_n)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	_cleanup_free_ uint8_t *keys = NULL;
	size_t n = 0, cap = 0;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(t, dbi, &c);
	if (rc)
		return store_mdb_errno(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != key_len)
			return -FOLIO_ECORRUPT;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			uint8_t *nk = realloc(keys, ncap * key_len);

			if (!nk)
				return -ENOMEM;
			keys = nk;
			cap = ncap;
		}
		memcpy(keys + n * key_len, k.mv_data, key_len);
		n++;
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	*ret = TAKE_PTR(keys);
	*ret_n = n;
	return 0;
}

/*
 * Layout 1 -> 2, inside the opening transaction: longer page and batch records, and the OCR
 * queue for pages that have no result yet (layout 1 had no OCR results).
 */
static int migrate_v1(struct store *s, MDB_txn *t)
{
	_cleanup_free_ uint8_t *keys = NULL;
	size_t n = 0;
	uint64_t pages = 0;
	int r;

	r = collect_keys(t, s->pages, 8, &keys, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		MDB_val k = { 8, keys + i * 8 }, v;
		struct page_info p;

		memset(&p, 0, sizeof(p));
		r = store_mdb_errno(mdb_get(t, s->pages, &k, &v));
		if (r < 0)
			return r;
		if (v.mv_size != PAGE_INFO_V1_SIZE)
			return -FOLIO_ECORRUPT;
		memcpy(&p, v.mv_data, PAGE_INFO_V1_SIZE);
		p.version = STORE_SCHEMA_VERSION;
		p.seal = STORE_SEAL_NONE;
		p.stored_size = p.size;
		r = store_put_record(t, s->pages, &k, &p, sizeof(p));
		if (r < 0)
			return r;
		pages++;
	}
	free(keys);
	keys = NULL;

	r = collect_keys(t, s->batches, 4, &keys, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		MDB_val k = { 4, keys + i * 4 }, v;
		struct batch_info b;
		struct {
			uint32_t last;
			uint64_t bytes;
		} acc = { 0 };

		memset(&b, 0, sizeof(b));
		r = store_mdb_errno(mdb_get(t, s->batches, &k, &v));
		if (r < 0)
			return r;
		if (v.mv_size != BATCH_INFO_V1_SIZE)
			return -FOLIO_ECORRUPT;
		memcpy(&b, v.mv_data, BATCH_INFO_V1_SIZE);
		b.version = STORE_SCHEMA_VERSION;
		b.last_page = b.n_pages;
		b.n_ocr = 0;
		if (b.state == BATCH_CONFIRMED || b.state == BATCH_PURGED)
			b.confirmed = b.updated;
		b.image_bytes = 0;

		/* Page sizes and the OCR queue: pages of batches that still have images. */
		{
			_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
			uint32_t kb[2];
			MDB_val pk = store_key_pair(kb, b.id, 0), pv;
			int rc;

			rc = mdb_cursor_open(t, s->pages, &c);
			if (rc)
				return store_mdb_errno(rc);
			for (rc = mdb_cursor_get(c, &pk, &pv, MDB_SET_RANGE); rc == 0;
			     rc = mdb_cursor_get(c, &pk, &pv, MDB_NEXT)) {
				struct page_info p;

				if (pk.mv_size != 8 || memcmp(pk.mv_data, kb, 4) != 0)
					break;
				if (pv.mv_size != sizeof(p))
					return -FOLIO_ECORRUPT;
				memcpy(&p, pv.mv_data, sizeof(p));
				acc.last = MAX(acc.last, p.number);
				acc.bytes += p.size;
			}
		}
		b.last_page = MAX(b.last_page, acc.last);
		b.image_bytes = acc.bytes;
		r = store_put_record(t, s->batches, &k, &b, sizeof(b));
		if (r < 0)
			return r;
		if (b.state == BATCH_PURGED)
			continue;
		for (uint32_t pn = 1; pn <= b.last_page; pn++) {
			uint32_t kb[2];
			MDB_val pk = store_key_pair(kb, b.id, pn), pv;

			if (mdb_get(t, s->pages, &pk, &pv) != 0)
				continue;
			r = store_queue_push_txn(s, t, QUEUE_OCR, b.id, pn, QUEUE_PRIORITY_DEFAULT);
			if (r < 0)
				return r;
		}
		if (b.state == BATCH_APPROVED) {
			r = store_queue_push_txn(s, t, QUEUE_PACKAGE, b.id, 0,
						 QUEUE_PRIORITY_DEFAULT);
			if (r < 0)
				return r;
		} else if (b.state == BATCH_PACKAGED) {
			r = store_queue_push_txn(s, t, QUEUE_UPLOAD, b.id, 0,
						 QUEUE_PRIORITY_DEFAULT);
			if (r < 0)
				return r;
		}
	}
	return store_event_append(s, t, "station", "store-migrate", 0, 0, 0,
				  "layout 1 -> %u: %zu batches, %" PRIu64 " pages",
				  STORE_SCHEMA_VERSION, n, pages);
}

static int open_databases(struct store *s, MDB_txn *t)
{
	static const struct {
		const char *name;
		size_t offset;
	} dbs[] = {
		{ "meta", offsetof(struct store, meta) },
		{ "batches", offsetof(struct store, batches) },
		{ "documents", offsetof(struct store, documents) },
		{ "pages", offsetof(struct store, pages) },
		{ "images", offsetof(struct store, images) },
		{ "ocr", offsetof(struct store, ocr) },
		{ "queue", offsetof(struct store, queue) },
		{ "queue_idx", offsetof(struct store, queue_idx) },
		{ "events", offsetof(struct store, events) },
		{ "order", offsetof(struct store, order) },
		{ "ocrimg", offsetof(struct store, ocrimg) },
		{ "words", offsetof(struct store, words) },
		{ "pagewords", offsetof(struct store, pagewords) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(dbs); i++) {
		unsigned flags = MDB_CREATE;
		MDB_dbi dbi;
		int r;

		if (strcmp(dbs[i].name, "words") == 0)
			flags |= MDB_DUPSORT | MDB_DUPFIXED;
		r = store_mdb_errno(mdb_dbi_open(t, dbs[i].name, flags, &dbi));

		if (r < 0)
			return r;
		memcpy((char *)s + dbs[i].offset, &dbi, sizeof(dbi));
	}
	return 0;
}

static uint64_t ocr_entries(struct store *s, MDB_txn *t)
{
	MDB_stat st;

	return mdb_stat(t, s->ocr, &st) == 0 ? st.ms_entries : 0;
}

int store_open(const char *dir, size_t map_size_mb, struct store **ret)
{
	_cleanup_free_ struct store *s = calloc(1, sizeof(*s));
	_cleanup_txn_ MDB_txn *t = NULL;
	MDB_val k, v;
	uint32_t version;
	int r, dead;

	if (!s)
		return -ENOMEM;
	if (sodium_init() < 0)
		return -EIO;
	s->lock_fd = -1;
	s->reserve = (uint64_t)STORE_DEFAULT_RESERVE_MB << 20;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	s->path = strdup(dir);
	if (!s->path)
		return -ENOMEM;

	r = store_mdb_errno(mdb_env_create(&s->env));
	if (r < 0)
		goto fail;
	mdb_env_set_maxdbs(s->env, 16);
	mdb_env_set_mapsize(s->env, map_size_mb << 20);
	r = store_mdb_errno(mdb_env_open(s->env, dir, MDB_NOTLS, 0600));
	if (r < 0)
		goto fail;
	/* Reader slots of processes that died (a killed scan) are freed here. */
	mdb_reader_check(s->env, &dead);

	r = store_txn_begin(s, true, &t);
	if (r < 0)
		goto fail;
	r = open_databases(s, t);
	if (r < 0)
		goto fail;

	k = (MDB_val){ .mv_size = 6, .mv_data = "schema" };
	r = mdb_get(t, s->meta, &k, &v);
	if (r == MDB_NOTFOUND) {
		version = STORE_SCHEMA_VERSION;
	} else if (r == 0) {
		if (v.mv_size != sizeof(version)) {
			r = -FOLIO_ECORRUPT;
			goto fail;
		}
		memcpy(&version, v.mv_data, sizeof(version));
		if (version == 1) {
			r = migrate_v1(s, t);
			if (r < 0)
				goto fail;
			log_debug("store '%s' migrated from layout 1 to %u", dir,
				  STORE_SCHEMA_VERSION);
			version = STORE_SCHEMA_VERSION;
			r = MDB_NOTFOUND; /* write the new version below */
		} else if (version != STORE_SCHEMA_VERSION) {
			log_debug("store '%s' has layout %u, this build knows %u", dir, version,
				  STORE_SCHEMA_VERSION);
			r = -FOLIO_ECORRUPT;
			goto fail;
		}
	} else {
		r = store_mdb_errno(r);
		goto fail;
	}
	if (r == MDB_NOTFOUND) {
		bool fresh = !ocr_entries(s, t);

		v = (MDB_val){ .mv_size = sizeof(version), .mv_data = &version };
		r = store_mdb_errno(mdb_put(t, s->meta, &k, &v, 0));
		/* A new store starts with its text index; an older one is reindexed. */
		if (r == 0 && fresh)
			r = store_text_index_init_txn(s, t);
		if (r < 0)
			goto fail;
	}
	r = store_txn_commit(&t);
	if (r < 0)
		goto fail;

	pthread_mutex_init(&s->wlock, NULL);
	pthread_cond_init(&s->wwork, NULL);
	pthread_cond_init(&s->wdone, NULL);
	*ret = TAKE_PTR(s);
	return 0;
fail:
	if (t) {
		mdb_txn_abort(t);
		t = NULL;
	}
	if (s->env)
		mdb_env_close(s->env);
	free(s->path);
	return r;
}

struct store *store_close(struct store *s)
{
	if (!s)
		return NULL;
	store_writer_stop(s);
	pthread_cond_destroy(&s->wdone);
	pthread_cond_destroy(&s->wwork);
	pthread_mutex_destroy(&s->wlock);
	mdb_env_close(s->env);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->key)
		sodium_free(s->key);
	free(s->path);
	free(s);
	return NULL;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

static int capture_lock_open(const struct store *s)
{
	_cleanup_free_ char *p = NULL;
	int fd;

	if (asprintf(&p, "%s/capture.lock", s->path) < 0)
		return -ENOMEM;
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

static struct flock batch_byte(short type, uint32_t id)
{
	return (struct flock){ .l_type = type, .l_whence = SEEK_SET, .l_start = id, .l_len = 1 };
}

int store_capture_hold(struct store *s, uint32_t id, int *ret_fd)
{
	struct flock l = batch_byte(F_WRLCK, id);
	int fd = capture_lock_open(s);

	if (fd < 0)
		return fd;
	if (fcntl(fd, F_OFD_SETLK, &l) < 0) {
		int r = errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;

		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

bool store_batch_capturing(struct store *s, uint32_t id)
{
	struct flock l = batch_byte(F_WRLCK, id);
	_cleanup_close_ int fd = capture_lock_open(s);

	if (fd < 0 || fcntl(fd, F_OFD_GETLK, &l) < 0)
		return false;
	return l.l_type != F_UNLCK;
}

int store_copy(struct store *s, int fd)
{
	/* Pages being written by this process go in first; other writers are not waited for. */
	(void)store_flush(s);
	return store_mdb_errno(mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT));
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
		[BATCH_CLOSED] = MOVE(closed, BATCH_APPROVED) | MOVE(closed, BATCH_REJECTED) |
				 MOVE(closed, BATCH_OPEN),
		[BATCH_APPROVED] = MOVE(approved, BATCH_PACKAGED) | MOVE(approved, BATCH_REJECTED),
		[BATCH_PACKAGED] = MOVE(packaged, BATCH_DELIVERED),
		[BATCH_DELIVERED] =
		    MOVE(delivered, BATCH_CONFIRMED) | MOVE(delivered, BATCH_REJECTED),
		[BATCH_CONFIRMED] = MOVE(confirmed, BATCH_PURGED),
		[BATCH_PURGED] = 0,
		[BATCH_REJECTED] = MOVE(rejected, BATCH_OPEN) | MOVE(rejected, BATCH_CLOSED) |
				   MOVE(rejected, BATCH_PURGED),
	};
#undef MOVE
	return from < BATCH_STATE_COUNT && to < BATCH_STATE_COUNT && (allowed[from] & (1u << to));
}

int store_batch_create(struct store *s, const char *who, const struct batch_info *tmpl,
		       uint32_t *ret_id)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b = *tmpl;
	struct store_space sp;
	uint32_t next = 1, kb;
	MDB_val k = { .mv_size = 10, .mv_data = "next_batch" }, v;
	int r;

	/* A new batch is new capture: refused below the reserve. */
	r = store_space_need(s, 0, &sp);
	if (r < 0)
		return r;
	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = mdb_get(t, s->meta, &k, &v);
	if (r == 0 && v.mv_size == sizeof(next))
		memcpy(&next, v.mv_data, sizeof(next));
	else if (r != MDB_NOTFOUND)
		return r ? store_mdb_errno(r) : -FOLIO_ECORRUPT;

	b.version = STORE_SCHEMA_VERSION;
	b.id = next;
	b.state = BATCH_OPEN;
	b.n_pages = 0;
	b.n_documents = 0;
	b.last_page = 0;
	b.n_ocr = 0;
	b.confirmed = 0;
	b.image_bytes = 0;
	b.created = b.updated = time(NULL);
	MDB_val bk = store_key_u32(&kb, b.id);
	r = store_put_record(t, s->batches, &bk, &b, sizeof(b));
	if (r < 0)
		return r;
	next++;
	v = (MDB_val){ .mv_size = sizeof(next), .mv_data = &next };
	r = store_mdb_errno(mdb_put(t, s->meta, &k, &v, 0));
	if (r < 0)
		return r;
	r = store_event_append(s, t, who, "batch-create", b.id, 0, 0, "device '%s' profile '%s'",
			       b.device, b.profile);
	if (r < 0)
		return r;
	r = store_txn_commit(&t);
	if (r < 0)
		return r;
	*ret_id = b.id;
	return 0;
}

int store_batch_get(struct store *s, uint32_t id, struct batch_info *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint32_t kb;
	MDB_val k = store_key_u32(&kb, id);
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return store_get_record(t, s->batches, &k, ret, sizeof(*ret));
}

/* Walks @dbi from @start while keys begin with the first @prefix_len bytes of @start. */
int store_walk_raw_txn(MDB_txn *t, MDB_dbi dbi, const MDB_val *start, size_t prefix_len,
		       int (*fn)(const MDB_val *k, const MDB_val *v, void *user), void *user)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint8_t prefix[8];
	MDB_val k, v;
	int r, rc;

	if (prefix_len > sizeof(prefix))
		return -EINVAL;
	if (prefix_len)
		memcpy(prefix, start->mv_data, prefix_len);
	rc = mdb_cursor_open(t, dbi, &c);
	if (rc)
		return store_mdb_errno(rc);
	k = *start;
	for (rc = mdb_cursor_get(c, &k, &v, start->mv_size ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < prefix_len || memcmp(k.mv_data, prefix, prefix_len) != 0)
			break;
		r = fn(&k, &v, user);
		if (r != 0)
			return r;
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : store_mdb_errno(rc);
}

struct record_walk {
	size_t size;
	int (*fn)(const void *rec, void *user);
	void *user;
};

static int record_one(const MDB_val *k, const MDB_val *v, void *user)
{
	const struct record_walk *w = user;
	_Alignas(8) uint8_t rec[512];

	(void)k;
	if (v->mv_size != w->size || w->size > sizeof(rec))
		return -FOLIO_ECORRUPT;
	memcpy(rec, v->mv_data, w->size); /* LMDB data is not aligned for our structs */
	return w->fn(rec, w->user);
}

/* store_walk_raw_txn() over records of @size bytes, each copied (aligned) for @fn. */
static int walk_txn(MDB_txn *t, MDB_dbi dbi, MDB_val *start, size_t prefix_len, size_t size,
		    int (*fn)(const void *rec, void *user), void *user)
{
	struct record_walk w = { size, fn, user };

	return store_walk_raw_txn(t, dbi, start, prefix_len, record_one, &w);
}

static int walk(struct store *s, MDB_dbi dbi, MDB_val *start, size_t prefix_len, size_t size,
		int (*fn)(const void *rec, void *user), void *user)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return walk_txn(t, dbi, start, prefix_len, size, fn, user);
}

int store_walk_pages_txn(MDB_txn *t, MDB_dbi dbi, uint32_t batch,
			 int (*fn)(const struct page_info *p, void *user), void *user)
{
	uint32_t kb[2];
	MDB_val start = store_key_pair(kb, batch, 0);

	return walk_txn(t, dbi, &start, sizeof(uint32_t), sizeof(struct page_info),
			(int (*)(const void *, void *))fn, user);
}

int store_batch_list(struct store *s, int (*fn)(const struct batch_info *b, void *user), void *user)
{
	MDB_val start = { 0, NULL };

	return walk(s, s->batches, &start, 0, sizeof(struct batch_info),
		    (int (*)(const void *, void *))fn, user);
}

/* Removes what a purge removes, inside @t; counts for the event. */
static int purge_txn(struct store *s, MDB_txn *t, const struct batch_info *b, uint64_t *ret_images,
		     uint64_t *ret_ocr, uint64_t *ret_queued)
{
	int r;

	r = store_delete_batch_range(t, s->images, b->id, ret_images);
	if (r < 0)
		return r;
	r = store_delete_batch_range(t, s->ocr, b->id, ret_ocr);
	if (r < 0)
		return r;
	r = store_text_index_drop_batch_txn(s, t, b->id);
	if (r < 0)
		return r;
	r = store_delete_batch_range(t, s->ocrimg, b->id, NULL);
	if (r < 0)
		return r;
	return store_queue_remove_batch_txn(s, t, b->id, ret_queued);
}

/* Queue items that follow a state change, inside @t. */
static int state_queues_txn(struct store *s, MDB_txn *t, uint32_t id, uint32_t to)
{
	int r = 0;

	switch (to) {
	case BATCH_APPROVED:
		/* What is delivered is decided: the grey images kept for the clerk go. */
		r = store_delete_batch_range(t, s->ocrimg, id, NULL);
		if (r == 0)
			r = store_queue_push_txn(s, t, QUEUE_PACKAGE, id, 0,
						 QUEUE_PRIORITY_DEFAULT);
		break;
	case BATCH_PACKAGED:
		r = store_queue_remove_txn(s, t, QUEUE_PACKAGE, id, 0);
		if (r == -FOLIO_ENOTFOUND || r == 0)
			r = store_queue_push_txn(s, t, QUEUE_UPLOAD, id, 0, QUEUE_PRIORITY_DEFAULT);
		break;
	case BATCH_DELIVERED:
	case BATCH_REJECTED:
		r = store_queue_remove_txn(s, t, QUEUE_PACKAGE, id, 0);
		if (r == 0 || r == -FOLIO_ENOTFOUND)
			r = store_queue_remove_txn(s, t, QUEUE_UPLOAD, id, 0);
		break;
	default:
		break;
	}
	return r == -FOLIO_ENOTFOUND ? 0 : r;
}

/* The one place a batch changes state: checks the move and does what goes with it. */
static int set_state_txn(struct store *s, MDB_txn *t, struct batch_info *b, uint32_t to,
			 const char *who)
{
	uint32_t kb, from = b->state;
	MDB_val k = store_key_u32(&kb, b->id);
	int r;

	if (!store_batch_transition_allowed(from, to))
		return -FOLIO_ESTATE;
	if (to == BATCH_APPROVED) {
		/* The supervisor approves what OCR found (low confidence, failures): after it. */
		struct store_ocr_progress p;

		r = store_batch_ocr_progress_txn(s, t, b->id, &p);
		if (r < 0)
			return r;
		if (!store_ocr_finished(&p))
			return -FOLIO_EOCRPENDING;
	}
	b->state = to;
	b->updated = time(NULL);
	if (to == BATCH_CONFIRMED)
		b->confirmed = b->updated;
	if (to == BATCH_PURGED) {
		uint64_t images = 0, ocr = 0, queued = 0;

		r = purge_txn(s, t, b, &images, &ocr, &queued);
		if (r < 0)
			return r;
		b->n_ocr = 0;
		r = store_event_append(s, t, who, "batch-purge", b->id, 0, 0,
				       "%s -> purged: %" PRIu64 " page images (%" PRIu64
				       " bytes), %" PRIu64 " OCR results, %" PRIu64
				       " queue items removed; page records and hashes kept",
				       batch_state_name(from), images, b->image_bytes, ocr, queued);
	} else {
		r = state_queues_txn(s, t, b->id, to);
		if (r < 0)
			return r;
		r = store_event_append(s, t, who, "batch-state", b->id, 0, 0, "%s -> %s",
				       batch_state_name(from), batch_state_name(to));
	}
	if (r < 0)
		return r;
	return store_put_record(t, s->batches, &k, b, sizeof(*b));
}

int store_batch_write_begin(struct store *s, uint32_t id, MDB_txn **ret,
			    struct batch_info *ret_batch)
{
	uint32_t kb;
	MDB_val k = store_key_u32(&kb, id);
	int r;

	r = store_txn_begin(s, true, ret);
	if (r < 0)
		return r;
	r = store_get_record(*ret, s->batches, &k, ret_batch, sizeof(*ret_batch));
	if (r < 0) {
		mdb_txn_abort(*ret);
		*ret = NULL;
	}
	return r;
}

int store_edit_begin(struct store *s, uint32_t batch, uint32_t number, MDB_txn **ret,
		     struct batch_info *ret_batch, struct page_info *ret_page)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint32_t kb[2];
	MDB_val k;
	int r;

	store_flush(s);
	r = store_batch_write_begin(s, batch, &t, ret_batch);
	if (r < 0)
		return r;
	if (!store_batch_editable(ret_batch->state))
		return -FOLIO_ESTATE;
	if (number) {
		k = store_key_pair(kb, batch, number);
		r = store_get_record(t, s->pages, &k, ret_page, sizeof(*ret_page));
		if (r < 0)
			return r;
	}
	*ret = t;
	t = NULL;
	return 0;
}

int store_batch_set_state(struct store *s, uint32_t id, enum batch_state to, const char *who)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b;
	int r;

	r = store_batch_write_begin(s, id, &t, &b);
	if (r < 0)
		return r;
	r = set_state_txn(s, t, &b, to, who);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

int store_batch_approve(struct store *s, uint32_t id, const char *who, uint64_t revision)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b;
	uint64_t now;
	int r;

	r = store_batch_write_begin(s, id, &t, &b);
	if (r < 0)
		return r;
	if (revision != STORE_ANY_REVISION) {
		r = revision_txn(s, t, id, &now);
		if (r < 0)
			return r;
		if (now != revision)
			return -FOLIO_ECHANGED;
	}
	r = set_state_txn(s, t, &b, BATCH_APPROVED, who);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

int store_batch_purge(struct store *s, uint32_t id, const char *who, unsigned retention_days,
		      bool force)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b;
	int r;

	r = store_batch_write_begin(s, id, &t, &b);
	if (r < 0)
		return r;
	if (b.state != BATCH_CONFIRMED && b.state != BATCH_REJECTED)
		return -FOLIO_ESTATE;
	if (b.state == BATCH_CONFIRMED && !force &&
	    time(NULL) < b.confirmed + (int64_t)retention_days * 86400)
		return -EAGAIN;
	r = set_state_txn(s, t, &b, BATCH_PURGED, who);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

struct expired {
	uint32_t *ids;
	size_t n, cap;
	int64_t before;
};

static int collect_expired(const struct batch_info *b, void *user)
{
	struct expired *e = user;

	if (b->state != BATCH_CONFIRMED || b->confirmed > e->before)
		return 0;
	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 16;
		uint32_t *n = realloc(e->ids, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->ids = n;
		e->cap = ncap;
	}
	e->ids[e->n++] = b->id;
	return 0;
}

int store_purge_expired(struct store *s, unsigned retention_days, const char *who,
			unsigned *ret_purged)
{
	struct expired e = { .before = time(NULL) - (int64_t)retention_days * 86400 };
	unsigned purged = 0;
	int r;

	r = store_batch_list(s, collect_expired, &e);
	for (size_t i = 0; r >= 0 && i < e.n; i++) {
		r = store_batch_purge(s, e.ids[i], who, retention_days, false);
		if (r == -FOLIO_ESTATE || r == -EAGAIN) /* changed meanwhile */
			r = 0;
		else if (r >= 0)
			purged++;
	}
	free(e.ids);
	if (r < 0)
		return r;
	if (ret_purged)
		*ret_purged = purged;
	return 0;
}

struct requeue_walk {
	struct store *s;
	MDB_txn *t;
	uint32_t document;
	int error;
};

static int requeue_page(const struct page_info *p, void *user)
{
	struct requeue_walk *w = user;

	if (p->document != w->document || (p->flags & PAGE_FLAG_SEPARATOR))
		return 0;
	w->error =
	    store_queue_push_txn(w->s, w->t, QUEUE_OCR, p->batch, p->number, QUEUE_PRIORITY_RESCAN);
	return w->error;
}

/* A document's language decides the models that read its pages: a new one reads them again. */
static int requeue_document_txn(struct store *s, MDB_txn *t, const struct batch_info *b,
				uint32_t document)
{
	struct requeue_walk w = { .s = s, .t = t, .document = document };

	if (!store_batch_editable(b->state))
		return 0;
	return store_walk_pages_txn(t, s->pages, b->id, requeue_page, &w);
}

int store_document_put(struct store *s, const char *who, const struct document_info *doc)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct document_info d = *doc, old;
	struct batch_info b;
	uint32_t kb[2];
	MDB_val bk;
	bool existed;
	int r;

	if (doc->number == 0)
		return -EINVAL;
	r = store_batch_write_begin(s, doc->batch, &t, &b);
	if (r < 0)
		return r;
	if (!store_batch_editable(b.state))
		return -FOLIO_ESTATE;
	r = store_document_read_txn(s, t, doc->batch, doc->number, &old);
	if (r < 0 && r != -FOLIO_ENOTFOUND)
		return r;
	existed = r == 0;
	d.version = STORE_SCHEMA_VERSION;
	r = store_document_write_txn(s, t, &d);
	if (r < 0)
		return r;
	if (!existed) {
		b.n_documents++;
		b.updated = time(NULL);
		bk = store_key_u32(kb, doc->batch);
		r = store_put_record(t, s->batches, &bk, &b, sizeof(b));
		if (r < 0)
			return r;
	}
	if (existed) {
		/* Old and new value of every field that changed. */
		static const char *const types[] = { "patent", "trademark", "design" };
		char detail[256] = "";
		size_t n = 0;

#define CHANGED(label, a, b)                                                                       \
	do {                                                                                       \
		if (strcmp(a, b) != 0 && n < sizeof(detail))                                       \
			n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%s%s '%s' -> '%s'", \
					      n ? ", " : "", label, a, b);                         \
	} while (0)
		CHANGED("office", old.office, d.office);
		if (old.ip_type != d.ip_type && old.ip_type >= 0 && old.ip_type < 3 &&
		    d.ip_type >= 0 && d.ip_type < 3)
			CHANGED("type", types[old.ip_type], types[d.ip_type]);
		CHANGED("application", old.application, d.application);
		CHANGED("st13", old.st13, d.st13);
		CHANGED("code", old.document_code, d.document_code);
		CHANGED("language", old.language, d.language);
		CHANGED("received", old.received, d.received);
#undef CHANGED
		if (strcmp(old.language, d.language) != 0) {
			r = requeue_document_txn(s, t, &b, d.number);
			if (r < 0)
				return r;
		}
		r = store_event_append(s, t, who, "document-edit", d.batch, d.number, 0, "%s",
				       n ? detail : "no change");
	} else {
		r = store_event_append(s, t, who, "document-create", d.batch, d.number, 0,
				       "office '%s' application '%s' code '%s'", d.office,
				       d.application, d.document_code);
	}
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

int store_document_get(struct store *s, uint32_t batch, uint32_t number, struct document_info *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return store_document_read_txn(s, t, batch, number, ret);
}

int store_page_get(struct store *s, uint32_t batch, uint32_t number, struct page_info *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, number);
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return store_get_record(t, s->pages, &k, ret, sizeof(*ret));
}

/* Reads, unseals and checks the image of @p inside @t into a new buffer. */
static int read_image_txn(struct store *s, MDB_txn *t, const struct page_info *p, void **ret_data,
			  size_t *ret_len)
{
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, p->batch, p->number), v;
	uint8_t *data;
	int r;

	r = store_mdb_errno(mdb_get(t, s->images, &k, &v));
	if (r < 0)
		return r == -FOLIO_ENOTFOUND ? -FOLIO_ECORRUPT : r;
	r = store_body_read(s, SEAL_KIND_IMAGE, p->batch, p->number, p->seal, v.mv_data, v.mv_size,
			    p->size, p->sha256, &data);
	if (r < 0)
		return r;
	*ret_len = p->size;
	*ret_data = data;
	return 0;
}

int store_page_image(struct store *s, uint32_t batch, uint32_t number, void **ret_data,
		     size_t *ret_len)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct page_info p;
	struct batch_info b;
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, number);
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = store_get_record(t, s->pages, &k, &p, sizeof(p));
	if (r < 0)
		return r;
	k = store_key_u32(kb, batch);
	r = store_get_record(t, s->batches, &k, &b, sizeof(b));
	if (r < 0)
		return r == -FOLIO_ENOTFOUND ? -FOLIO_ECORRUPT : r;
	if (b.state == BATCH_PURGED)
		return -FOLIO_ESTATE;
	return read_image_txn(s, t, &p, ret_data, ret_len);
}

static int event_list_txn(struct store *s, MDB_txn *t, uint64_t from,
			  int (*fn)(const struct event_info *e, void *user), void *user,
			  uint64_t *ret_broken, uint64_t *ret_count)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint8_t prev[32] = { 0 };
	uint64_t count = 0;
	MDB_val k, v;
	int r, rc;

	rc = mdb_cursor_open(t, s->events, &c);
	if (rc)
		return store_mdb_errno(rc);
	/* The chain is checked from the first event on; callbacks start at @from. */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *tail = (const uint8_t *)v.mv_data + sizeof(struct event_record);
		struct event_record rec;
		struct event_info e;
		uint64_t seq = 0;
		uint8_t sum[32];

		if (k.mv_size != sizeof(seq) || v.mv_size < sizeof(rec)) {
			if (k.mv_size == sizeof(seq))
				memcpy(&seq, k.mv_data, sizeof(seq));
			seq = be64toh(seq);
			goto broken;
		}
		memcpy(&seq, k.mv_data, sizeof(seq));
		seq = be64toh(seq);
		memcpy(&rec, v.mv_data, sizeof(rec));
		if (rec.detail_len != v.mv_size - sizeof(rec) ||
		    store_event_decode(s, seq, &rec, tail, NULL) < 0)
			goto broken;
		store_event_hash(&rec, tail, sum);
		if (sodium_memcmp(sum, rec.hash, sizeof(sum)) != 0 ||
		    sodium_memcmp(prev, rec.prev, sizeof(prev)) != 0 || seq != count + 1)
			goto broken;
		memcpy(prev, rec.hash, sizeof(prev));
		count++;
		if (seq < from || !fn)
			continue;
		memset(&e, 0, sizeof(e));
		r = store_event_decode(s, seq, &rec, tail, &e);
		if (r == -FOLIO_ECORRUPT)
			goto broken;
		if (r < 0)
			return r;
		e.seq = seq;
		e.time = rec.time;
		e.batch = rec.batch;
		e.document = rec.document;
		e.page = rec.page;
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
	if (ret_count)
		*ret_count = count;
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : store_mdb_errno(rc);
}

int store_event_chain_check_txn(struct store *s, MDB_txn *t, uint64_t *ret_broken)
{
	return event_list_txn(s, t, 0, NULL, NULL, ret_broken, NULL);
}

int store_event_list(struct store *s, uint64_t from,
		     int (*fn)(const struct event_info *e, void *user), void *user,
		     uint64_t *ret_broken)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	return event_list_txn(s, t, from, fn, user, ret_broken, NULL);
}

/* --- store_check */

struct check_state {
	struct store *s;
	MDB_txn *t;
	struct store_check_report *rep;
	const struct batch_info *b;
	uint32_t pages_seen;
	void (*page_fn)(const struct page_info *p, const char *sha256_hex, void *user);
	void *user;
	int err;
};

_printf_(2, 3) static int check_problem(struct check_state *cs, const char *fmt, ...)
{
	va_list ap;

	if (cs->rep->problem[0])
		return -FOLIO_ECORRUPT;
	va_start(ap, fmt);
	vsnprintf(cs->rep->problem, sizeof(cs->rep->problem), fmt, ap);
	va_end(ap);
	return -FOLIO_ECORRUPT;
}

static int check_page(const struct page_info *p, void *user)
{
	struct check_state *cs = user;
	_cleanup_free_ void *data = NULL;
	char hex[65];
	size_t len;
	int r;

	cs->pages_seen++;
	if (p->batch != cs->b->id || p->number == 0 || p->number > cs->b->last_page) {
		cs->rep->batch = cs->b->id;
		cs->rep->page = p->number;
		return check_problem(cs, "batch %u page %u: page record does not belong there",
				     cs->b->id, p->number);
	}
	if (cs->b->state != BATCH_PURGED) {
		r = read_image_txn(cs->s, cs->t, p, &data, &len);
		if (r < 0) {
			cs->rep->batch = p->batch;
			cs->rep->page = p->number;
			if (r == -ENOKEY) {
				snprintf(cs->rep->problem, sizeof(cs->rep->problem),
					 "batch %u page %u: image is sealed and no station key "
					 "was given",
					 p->batch, p->number);
				return r;
			}
			if (r != -FOLIO_ECORRUPT)
				return r;
			return check_problem(cs,
					     "batch %u page %u: image does not match its capture "
					     "hash",
					     p->batch, p->number);
		}
		cs->rep->pages++;
		cs->rep->image_bytes += len;
		if (cs->page_fn) {
			sodium_bin2hex(hex, sizeof(hex), p->sha256, sizeof(p->sha256));
			cs->page_fn(p, hex, cs->user);
		}
	}
	return 0;
}

static int check_batch(const struct batch_info *b, void *user)
{
	struct check_state *cs = user;
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, b->id, 0), v;
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	int r, rc;

	cs->rep->batches++;
	cs->b = b;
	cs->pages_seen = 0;
	r = store_walk_pages_txn(cs->t, cs->s->pages, b->id, check_page, cs);
	if (r < 0)
		return r;
	if (cs->pages_seen != b->n_pages) {
		cs->rep->batch = b->id;
		return check_problem(cs, "batch %u: %u page records, but the batch counts %u",
				     b->id, cs->pages_seen, b->n_pages);
	}
	if (b->state == BATCH_PURGED) {
		rc = mdb_cursor_open(cs->t, cs->s->images, &c);
		if (rc)
			return store_mdb_errno(rc);
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size >= 4 && memcmp(k.mv_data, kb, 4) == 0) {
			cs->rep->batch = b->id;
			return check_problem(cs, "batch %u: purged, but images remain", b->id);
		}
	}
	return 0;
}

static int check_ocr(struct check_state *cs)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(cs->t, cs->s->ocr, &c);
	if (rc)
		return store_mdb_errno(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct ocr_record rec;
		uint32_t kb[2], batch, page;
		size_t payload;

		if (k.mv_size != 8 || v.mv_size < sizeof(rec))
			return check_problem(cs, "an OCR result has a malformed key or record");
		memcpy(kb, k.mv_data, 8);
		batch = be32toh(kb[0]);
		page = be32toh(kb[1]);
		memcpy(&rec, v.mv_data, sizeof(rec));
		payload = (size_t)rec.text_len + rec.hocr_len;
		if (rec.seal == STORE_SEAL_XCHACHA20POLY1305)
			payload += STORE_SEAL_OVERHEAD;
		if (payload != v.mv_size - sizeof(rec))
			return check_problem(cs, "batch %u page %u: OCR result is truncated", batch,
					     page);
		if (rec.seal == STORE_SEAL_XCHACHA20POLY1305) {
			_cleanup_free_ uint8_t *plain = malloc(payload - STORE_SEAL_OVERHEAD + 1);
			int r;

			if (!plain)
				return -ENOMEM;
			if (!cs->s->key) {
				snprintf(cs->rep->problem, sizeof(cs->rep->problem),
					 "batch %u page %u: OCR text is sealed and no station key "
					 "was given",
					 batch, page);
				return -ENOKEY;
			}
			r = store_unseal(cs->s, SEAL_KIND_OCR, batch, page,
					 (const uint8_t *)v.mv_data + sizeof(rec), payload, plain);
			if (r < 0)
				return check_problem(cs,
						     "batch %u page %u: OCR text fails its "
						     "authentication",
						     batch, page);
		}
		cs->rep->ocr++;
	}
	return rc == MDB_NOTFOUND ? 0 : store_mdb_errno(rc);
}

static int check_queues(struct check_state *cs)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	MDB_stat qst, ist;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(cs->t, cs->s->queue_idx, &c);
	if (rc)
		return store_mdb_errno(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		MDB_val qk = v, qv;
		struct queue_record rec;
		uint8_t ik[QUEUE_IDX_LEN];
		uint32_t batch, page;

		if (k.mv_size != QUEUE_IDX_LEN || v.mv_size != QUEUE_KEY_LEN)
			return check_problem(cs, "queue index has a malformed entry");
		memcpy(ik, k.mv_data, sizeof(ik));
		memcpy(&batch, ik + 1, 4);
		memcpy(&page, ik + 5, 4);
		batch = be32toh(batch);
		page = be32toh(page);
		if (mdb_get(cs->t, cs->s->queue, &qk, &qv) != 0 ||
		    store_queue_record_read(&qv, &rec) < 0)
			return check_problem(cs,
					     "queue '%s': batch %u page %u is indexed but "
					     "not queued",
					     store_queue_name(ik[0]), batch, page);
		if (rec.batch != batch || rec.page != page)
			return check_problem(cs,
					     "queue '%s': index of batch %u page %u points "
					     "at another item",
					     store_queue_name(ik[0]), batch, page);
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	mdb_stat(cs->t, cs->s->queue, &qst);
	mdb_stat(cs->t, cs->s->queue_idx, &ist);
	if (qst.ms_entries != ist.ms_entries)
		return check_problem(cs, "queues hold %zu items but their index %zu",
				     qst.ms_entries, ist.ms_entries);
	cs->rep->queue_items = qst.ms_entries;
	return 0;
}

int store_check(struct store *s, struct store_check_report *report,
		void (*page_fn)(const struct page_info *p, const char *sha256_hex, void *user),
		void *user)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct check_state cs = { .s = s, .rep = report, .page_fn = page_fn, .user = user };
	MDB_val start = { 0, NULL };
	uint64_t broken = 0;
	int r;

	memset(report, 0, sizeof(*report));
	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	cs.t = t;
	r = event_list_txn(s, t, 0, NULL, NULL, &broken, &report->events);
	if (r == -FOLIO_ECORRUPT) {
		report->broken_event = broken;
		return check_problem(&cs,
				     "event %" PRIu64 " does not match its hash: the log was "
				     "altered after it was written",
				     broken);
	}
	if (r < 0)
		return r;
	r = walk_txn(t, s->batches, &start, 0, sizeof(struct batch_info),
		     (int (*)(const void *, void *))check_batch, &cs);
	if (r < 0)
		return r;
	r = check_ocr(&cs);
	if (r < 0)
		return r;
	return check_queues(&cs);
}

/* --- store_stats */

static int count_batch(const struct batch_info *b, void *user)
{
	struct store_stats *st = user;

	if (b->state < BATCH_STATE_COUNT)
		st->batches[b->state]++;
	if (b->state != BATCH_PURGED)
		st->image_bytes += b->image_bytes;
	return 0;
}

static int count_sealed(const struct page_info *p, void *user)
{
	struct store_stats *st = user;

	if (p->seal != STORE_SEAL_NONE)
		st->sealed_pages++;
	return 0;
}

int store_stats(struct store *s, struct store_stats *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct store_stats st = { .schema = STORE_SCHEMA_VERSION };
	MDB_val start = { 0, NULL };
	MDB_stat ms;
	int r;

	r = store_space(s, &st.space);
	if (r < 0)
		return r;
	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = walk_txn(t, s->batches, &start, 0, sizeof(struct batch_info),
		     (int (*)(const void *, void *))count_batch, &st);
	if (r < 0)
		return r;
	r = walk_txn(t, s->pages, &start, 0, sizeof(struct page_info),
		     (int (*)(const void *, void *))count_sealed, &st);
	if (r < 0)
		return r;
#define ENTRIES(dbi, field)               \
	do {                              \
		mdb_stat(t, (dbi), &ms);  \
		st.field = ms.ms_entries; \
	} while (0)
	ENTRIES(s->documents, documents);
	ENTRIES(s->pages, pages);
	ENTRIES(s->images, images);
	ENTRIES(s->ocr, ocr);
	ENTRIES(s->events, events);
#undef ENTRIES
	mdb_txn_abort(TAKE_PTR(t));
	for (uint32_t q = 0; q < QUEUE_COUNT; q++) {
		r = store_queue_count(s, q, &st.queue[q]);
		if (r < 0)
			return r;
	}
	st.encryption_built_in = store_encryption_built_in();
	st.encrypt = s->encrypt;
	st.key_loaded = s->key != NULL;
	*ret = st;
	return 0;
}

int store_event_add(struct store *s, const char *who, const char *what, uint32_t batch,
		    uint32_t document, uint32_t page, const char *fmt, ...)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	char detail[256];
	va_list ap;
	int r;

	if (!what || !*what)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = store_event_append(s, t, who, what, batch, document, page, "%s", detail);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

/* A preference lives in meta under "pref:" + its name, so it never meets the store's own keys. */
static int pref_key(const char *name, char *buf, size_t size, MDB_val *ret)
{
	size_t n = strnlen(name, STORE_PREF_MAX + 1);

	if (n == 0 || n > STORE_PREF_MAX)
		return -EINVAL;
	snprintf(buf, size, "pref:%s", name);
	*ret = (MDB_val){ .mv_size = n + 5, .mv_data = buf };
	return 0;
}

int store_pref_set(struct store *s, const char *who, const char *name, const char *value)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	char key[STORE_PREF_MAX + 8];
	size_t n = strnlen(value, STORE_PREF_MAX + 1);
	MDB_val k, v = { .mv_size = n, .mv_data = (void *)value };
	int r;

	r = pref_key(name, key, sizeof(key), &k);
	if (r < 0 || n > STORE_PREF_MAX)
		return -EINVAL;
	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = store_mdb_errno(mdb_put(t, s->meta, &k, &v, 0));
	if (r < 0)
		return r;
	r = store_event_append(s, t, who, "preference", 0, 0, 0, "%s = '%s'", name, value);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

int store_pref_get(struct store *s, const char *name, char *buf, size_t size)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	char key[STORE_PREF_MAX + 8];
	MDB_val k, v;
	int r;

	r = pref_key(name, key, sizeof(key), &k);
	if (r < 0 || size == 0)
		return -EINVAL;
	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = store_mdb_errno(mdb_get(t, s->meta, &k, &v));
	if (r < 0)
		return r;
	if (v.mv_size >= size)
		return -FOLIO_ETOOBIG;
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = '\0';
	return 0;
}

int store_page_set_flags(struct store *s, const char *who, uint32_t batch, uint32_t number,
			 uint32_t set, uint32_t clear)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct batch_info b;
	struct page_info p;
	uint32_t kb[2], before;
	MDB_val k = store_key_pair(kb, batch, number);
	int r;

	r = store_batch_write_begin(s, batch, &t, &b);
	if (r < 0)
		return r;
	r = store_get_record(t, s->pages, &k, &p, sizeof(p));
	if (r < 0)
		return r;
	/* Approval froze them (a separator changes the package); OCR's low-confidence note,
	 * which no package reads, may still come after. */
	if (!store_batch_editable(b.state) && ((set | clear) & ~(uint32_t)PAGE_FLAG_LOW_CONFIDENCE))
		return -FOLIO_ESTATE;
	before = p.flags;
	p.flags = (p.flags & ~clear) | set;
	if (p.flags == before)
		return 0; /* nothing to record */
	r = store_put_record(t, s->pages, &k, &p, sizeof(p));
	if (r < 0)
		return r;
	r = store_event_append(s, t, who, "page-flags", batch, p.document, number,
			       "flags 0x%x -> 0x%x", before, p.flags);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}
