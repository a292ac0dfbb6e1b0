/*
 * Layout 1 stores (Folio's first release) open in this build: migrated in one transaction,
 * every page and event intact, OCR queued for their pages. The layout-1 records are written
 * here by hand, byte for byte as the first release wrote them.
 */
#include <errno.h>
#include <lmdb.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "fileio.h"
#include "firmware/store/store.h"

struct batch_v1 {
	uint32_t version, id, state, n_pages, n_documents;
	int64_t created, updated;
	char station[32], device[128], profile[32];
};

struct page_v1 {
	uint32_t version, batch, number, document, width, height, dpi, bit_depth, channels, flags,
	    size;
	int64_t captured;
	char format[8];
	uint8_t sha256[32];
};

struct event_v1 {
	uint32_t version, detail_len;
	int64_t time;
	uint32_t batch, document, page;
	char who[32], what[32];
	uint8_t prev[32], hash[32];
};

struct v1_writer {
	MDB_txn *t;
	MDB_dbi meta, batches, pages, images, events;
	uint64_t seq;
	uint8_t prev[32];
};

static void put(MDB_txn *t, MDB_dbi dbi, const void *k, size_t kl, const void *v, size_t vl)
{
	MDB_val key = { kl, (void *)k }, val = { vl, (void *)v };

	assert_int_equal(mdb_put(t, dbi, &key, &val, 0), 0);
}

static void event_v1(struct v1_writer *w, const char *what, uint32_t batch, uint32_t page,
		     const char *detail)
{
	struct {
		struct event_v1 rec;
		char detail[256];
	} ev;
	crypto_hash_sha256_state st;
	uint64_t key = htobe64(++w->seq);

	memset(&ev, 0, sizeof(ev));
	ev.rec.version = 1;
	ev.rec.detail_len = (uint32_t)strlen(detail);
	ev.rec.time = 1700000000 + (int64_t)w->seq;
	ev.rec.batch = batch;
	ev.rec.page = page;
	snprintf(ev.rec.who, sizeof(ev.rec.who), "clerk");
	snprintf(ev.rec.what, sizeof(ev.rec.what), "%s", what);
	memcpy(ev.rec.prev, w->prev, 32);
	memcpy(ev.detail, detail, ev.rec.detail_len);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)&ev.rec, sizeof(ev.rec));
	crypto_hash_sha256_update(&st, (const uint8_t *)detail, ev.rec.detail_len);
	crypto_hash_sha256_final(&st, ev.rec.hash);
	memcpy(w->prev, ev.rec.hash, 32);
	put(w->t, w->events, &key, sizeof(key), &ev, sizeof(ev.rec) + ev.rec.detail_len);
}

/* Batch 1: closed, 3 pages; batch 2: confirmed, 1 page. */
static void write_v1_store(const char *dir)
{
	struct v1_writer w = { 0 };
	MDB_env *env;
	uint32_t version = 1, next = 3;

	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &w.t), 0);
	assert_int_equal(mdb_dbi_open(w.t, "meta", MDB_CREATE, &w.meta), 0);
	assert_int_equal(mdb_dbi_open(w.t, "batches", MDB_CREATE, &w.batches), 0);
	assert_int_equal(mdb_dbi_open(w.t, "documents", MDB_CREATE, &(MDB_dbi){ 0 }), 0);
	assert_int_equal(mdb_dbi_open(w.t, "pages", MDB_CREATE, &w.pages), 0);
	assert_int_equal(mdb_dbi_open(w.t, "images", MDB_CREATE, &w.images), 0);
	assert_int_equal(mdb_dbi_open(w.t, "events", MDB_CREATE, &w.events), 0);
	put(w.t, w.meta, "schema", 6, &version, sizeof(version));
	put(w.t, w.meta, "next_batch", 10, &next, sizeof(next));

	for (uint32_t id = 1; id <= 2; id++) {
		struct batch_v1 b = { .version = 1, .id = id, .n_pages = id == 1 ? 3 : 1 };
		uint32_t bk = htobe32(id);

		b.state = id == 1 ? BATCH_CLOSED : BATCH_CONFIRMED;
		b.created = b.updated = 1700000000;
		snprintf(b.device, sizeof(b.device), "test:0");
		put(w.t, w.batches, &bk, 4, &b, sizeof(b));
		event_v1(&w, "batch-create", id, 0, "device 'test:0' profile 'bitonal'");
		for (uint32_t n = 1; n <= b.n_pages; n++) {
			struct page_v1 p = {
				.version = 1, .batch = id, .number = n, .document = 1
			};
			uint32_t pk[2] = { htobe32(id), htobe32(n) };
			char img[32];

			snprintf(img, sizeof(img), "v1 image %u/%u", id, n);
			p.size = (uint32_t)strlen(img);
			snprintf(p.format, sizeof(p.format), "TIFF");
			crypto_hash_sha256(p.sha256, (const uint8_t *)img, p.size);
			put(w.t, w.pages, pk, 8, &p, sizeof(p));
			put(w.t, w.images, pk, 8, img, p.size);
			event_v1(&w, "page-capture", id, n, "TIFF 10x10 300 dpi");
		}
	}
	assert_int_equal(mdb_txn_commit(w.t), 0);
	mdb_env_close(env);
}

static int count_events(const struct event_info *e, void *user)
{
	(void)e;
	(*(int *)user)++;
	return 0;
}

static void test_v1_store_is_migrated(void **state)
{
	char dir[64] = "/tmp/folio-migrate-XXXXXX";
	struct store_check_report rep;
	struct batch_info b;
	struct page_info p;
	struct queue_item it;
	struct store *s;
	void *data;
	size_t len;
	uint64_t n;
	int events = 0, again = 0;
	uint32_t id;

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sizeof(struct batch_v1), 232);
	assert_int_equal(sizeof(struct page_v1), 96);
	write_v1_store(dir);

	assert_int_equal(store_open(dir, 64, &s), 0);
	assert_int_equal(store_batch_get(s, 1, &b), 0);
	assert_int_equal(b.version, STORE_SCHEMA_VERSION);
	assert_int_equal(b.state, BATCH_CLOSED);
	assert_int_equal(b.n_pages, 3);
	assert_int_equal(b.last_page, 3);
	assert_int_equal(b.image_bytes, 3 * strlen("v1 image 1/1"));
	assert_string_equal(b.device, "test:0");
	assert_int_equal(store_batch_get(s, 2, &b), 0);
	assert_int_equal(b.confirmed, 1700000000); /* retention counts from then */
	assert_int_equal(store_page_get(s, 1, 2, &p), 0);
	assert_int_equal(p.seal, STORE_SEAL_NONE);
	assert_int_equal(p.stored_size, p.size);
	assert_int_equal(store_page_image(s, 1, 2, &data, &len), 0);
	assert_memory_equal(data, "v1 image 1/2", len);
	free(data);

	/* Pages of both batches wait for OCR, oldest first. */
	assert_int_equal(store_queue_count(s, QUEUE_OCR, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_queue_claim(s, QUEUE_OCR, 60, &it), 1);
	assert_int_equal(it.batch, 1);
	assert_int_equal(it.page, 1);

	/* The old chain continues into the migration event, and everything checks. */
	assert_int_equal(store_event_list(s, 0, count_events, &events, NULL), 0);
	assert_int_equal(events, 2 + 4 + 1);
	assert_int_equal(store_check(s, &rep, NULL, NULL), 0);
	assert_int_equal(rep.pages, 4);

	/* New batches continue the numbering; reopening does not migrate twice. */
	memset(&b, 0, sizeof(b));
	assert_int_equal(store_batch_create(s, "t", &b, &id), 0);
	assert_int_equal(id, 3);
	store_close(s);
	assert_int_equal(store_open(dir, 64, &s), 0);
	assert_int_equal(store_event_list(s, 0, count_events, &again, NULL), 0);
	assert_int_equal(again, events + 1);
	store_close(s);
	assert_int_equal(remove_tree(dir), 0);
}

static void test_unknown_layout_is_refused(void **state)
{
	char dir[64] = "/tmp/folio-migrate-XXXXXX";
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi meta;
	uint32_t version = 99;
	struct store *s = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, "meta", MDB_CREATE, &meta), 0);
	put(t, meta, "schema", 6, &version, sizeof(version));
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(dir, 64, &s), -FOLIO_ECORRUPT);
	assert_null(s);
	assert_int_equal(remove_tree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_store_is_migrated),
		cmocka_unit_test(test_unknown_layout_is_refused),
	};

	return cmocka_run_group_tests_name("store migration", tests, NULL, NULL);
}
