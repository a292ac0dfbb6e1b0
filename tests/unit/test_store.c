/*
 * The LMDB store: batches, pages with their hashes, group commit, the batch state machine and
 * its queues, space reserve, purge, rescan and delete, store_check and the event chain.
 */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "fileio.h"
#include "firmware/store/store.h"
#include "store_tmp.h"

struct fixture {
	char dir[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (store_tmp_open(f->dir, sizeof(f->dir), "store", 64, &f->s) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	return store_tmp_teardown(f, f->s, f->dir);
}

static uint32_t new_batch(struct store *s)
{
	struct batch_info b = { 0 };
	uint32_t id = 0;

	snprintf(b.device, sizeof(b.device), "test:0");
	assert_int_equal(store_batch_create(s, "tester", &b, &id), 0);
	return id;
}

struct numbers {
	uint32_t n[64];
	size_t count;
};

static int note_number(const struct page_info *p, void *user)
{
	struct numbers *ns = user;

	if (ns->count < 64)
		ns->n[ns->count++] = p->number;
	return 0;
}

/* OCR has read every page of @batch: what approval waits for. */
static void read_all(struct store *s, uint32_t batch)
{
	struct numbers ns = { .count = 0 };

	assert_int_equal(store_page_list(s, batch, note_number, &ns), 0);
	for (size_t i = 0; i < ns.count; i++)
		assert_int_equal(store_ocr_put(s, batch, ns.n[i], "text", NULL, 90), 0);
}

static void add_page(struct store *s, uint32_t batch, const char *content, uint32_t want)
{
	struct page_info p = {
		.batch = batch, .document = 1, .width = 10, .height = 20, .dpi = 300
	};
	uint32_t n = 0;

	snprintf(p.format, sizeof(p.format), "TIFF");
	assert_int_equal(store_page_add(s, "tester", &p, content, strlen(content), &n), 0);
	assert_int_equal(n, want);
}

static void test_pages_in_order_with_hashes(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s), b = new_batch(f->s);
	struct batch_info bi;
	struct page_info p;
	void *data;
	size_t len;

	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	add_page(f->s, a, "first", 1);
	add_page(f->s, b, "other batch", 1);
	add_page(f->s, a, "second", 2);

	assert_int_equal(store_batch_get(f->s, a, &bi), 0);
	assert_int_equal(bi.n_pages, 2);
	assert_int_equal(bi.state, BATCH_OPEN);
	assert_int_equal(store_page_get(f->s, a, 2, &p), 0);
	assert_int_equal(p.size, 6);
	assert_string_equal(p.format, "TIFF");
	assert_int_equal(store_page_image(f->s, a, 2, &data, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(data, "second", 6);
	free(data);
	assert_int_equal(store_page_get(f->s, a, 3, &p), -FOLIO_ENOTFOUND);
	assert_int_equal(store_batch_get(f->s, 7, &bi), -FOLIO_ENOTFOUND);
}

static int count_page(const struct page_info *p, void *user)
{
	uint32_t *n = user;

	assert_int_equal(p->number, *n + 1);
	(*n)++;
	return 0;
}

static void test_page_list_stays_in_batch(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s), b = new_batch(f->s), n = 0;

	for (uint32_t i = 1; i <= 300; i++)
		add_page(f->s, i % 3 ? a : b, "x", i % 3 ? (i - i / 3) : i / 3);
	assert_int_equal(store_page_list(f->s, a, count_page, &n), 0);
	assert_int_equal(n, 200);
	n = 0;
	assert_int_equal(store_page_list(f->s, b, count_page, &n), 0);
	assert_int_equal(n, 100);
}

static void test_state_machine(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);

	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), -FOLIO_ESTATE);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	/* A closed batch takes no more pages. */
	struct page_info p = { .batch = a };
	assert_int_equal(store_page_add(f->s, "t", &p, "x", 1, NULL), -FOLIO_ESTATE);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_DELIVERED, "t"), -FOLIO_ESTATE);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_REJECTED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_OPEN, "t"), 0); /* rescan */
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	read_all(f->s, a);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_PACKAGED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_DELIVERED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CONFIRMED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_PURGED, "t"), 0);
	for (uint32_t to = 0; to < BATCH_STATE_COUNT; to++)
		assert_false(store_batch_transition_allowed(BATCH_PURGED, to));
	/* The office's receipt closes a delivered batch either way; nothing else does. */
	for (uint32_t to = 0; to < BATCH_STATE_COUNT; to++)
		assert_int_equal(store_batch_transition_allowed(BATCH_DELIVERED, to),
				 to == BATCH_CONFIRMED || to == BATCH_REJECTED);
	assert_int_equal(store_batch_set_state(f->s, 99, BATCH_CLOSED, "t"), -FOLIO_ENOTFOUND);
}

struct event_log {
	char what[16][STORE_NAME_LEN];
	size_t n;
};

static int collect_event(const struct event_info *e, void *user)
{
	struct event_log *log = user;

	if (log->n < 16)
		snprintf(log->what[log->n++], STORE_NAME_LEN, "%s", e->what);
	return 0;
}

static void test_event_chain_detects_tampering(void **state)
{
	struct fixture *f = *state;
	struct event_log log = { 0 };
	uint32_t a = new_batch(f->s);
	uint64_t broken = 0;
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_val k, v;
	uint64_t key = htobe64(2);

	add_page(f->s, a, "page", 1);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "clerk"), 0);
	assert_int_equal(store_event_list(f->s, 0, collect_event, &log, &broken), 0);
	assert_int_equal(log.n, 3);
	assert_string_equal(log.what[0], "batch-create");
	assert_string_equal(log.what[1], "page-capture");
	assert_string_equal(log.what[2], "batch-state");

	/* Change one byte of event 2 behind the store's back, as a curious hand would. */
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, "events", 0, &dbi), 0);
	k = (MDB_val){ sizeof(key), &key };
	assert_int_equal(mdb_get(t, dbi, &k, &v), 0);
	char *copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[v.mv_size - 1] ^= 1; /* last byte of the detail text */
	v.mv_data = copy;
	assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(env);
	free(copy);

	assert_int_equal(store_open(f->dir, 64, &f->s), 0);
	assert_int_equal(store_event_list(f->s, 0, NULL, NULL, &broken), -FOLIO_ECORRUPT);
	assert_int_equal(broken, 2);
}

/*
 * Closes the store, writes @image as page @page of batch @batch straight into LMDB's "images"
 * table, as a damaged disk or a hand edit would, and opens the store again.
 */
static void overwrite_image(struct fixture *f, uint32_t batch, uint32_t page, const char *image)
{
	uint32_t key[2] = { htobe32(batch), htobe32(page) };
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_val k = { sizeof(key), key }, v = { strlen(image), (void *)image };

	store_close(f->s);
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, "images", 0, &dbi), 0);
	assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(f->dir, 64, &f->s), 0);
}

static void test_damaged_image_is_refused(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);
	void *data = NULL;
	size_t len;

	add_page(f->s, a, "page1", 1);
	overwrite_image(f, a, 1, "PAGE!");
	assert_int_equal(store_page_image(f->s, a, 1, &data, &len), -FOLIO_ECORRUPT);
	assert_null(data);
}

static void test_daemon_lock(void **state)
{
	struct fixture *f = *state;
	struct store *other;

	assert_int_equal(store_lock_daemon(f->s), 0);
	assert_int_equal(store_open(f->dir, 64, &other), 0);
	assert_int_equal(store_lock_daemon(other), -FOLIO_ELOCKED);
	store_close(other);
}

static void test_map_full_is_clear(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);
	struct page_info p = { .batch = a };
	size_t size = 4u << 20;
	char *big = calloc(1, size);
	int r = 0;

	/* 64 MiB map: 4 MiB pages run it out within 16 pages, with a clear error. */
	for (int i = 0; i < 32 && r == 0; i++) {
		big[0] = (char)i;
		r = store_page_add(f->s, "t", &p, big, size, NULL);
	}
	assert_int_equal(r, -FOLIO_ESTOREFULL);
	free(big);
	/* What was committed before is intact. */
	void *data;
	size_t len;
	assert_int_equal(store_page_image(f->s, a, 1, &data, &len), 0);
	assert_int_equal(len, size);
	free(data);
}

struct submit_log {
	pthread_mutex_t lock;
	uint32_t numbers[64];
	int errors[64];
	size_t n;
};

struct submit_ctx {
	struct submit_log *log;
	size_t slot;
};

static void on_committed(void *user, uint32_t number, int error)
{
	struct submit_ctx *c = user;

	pthread_mutex_lock(&c->log->lock);
	c->log->numbers[c->slot] = number;
	c->log->errors[c->slot] = error;
	c->log->n++;
	pthread_mutex_unlock(&c->log->lock);
}

static void test_submit_group_commit(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s), closed = new_batch(f->s);
	struct submit_log log = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct submit_ctx ctx[50];
	struct batch_info bi;
	struct page_info p = { .document = 1 };
	char img[32];

	assert_int_equal(store_batch_set_state(f->s, closed, BATCH_CLOSED, "t"), 0);
	for (size_t i = 0; i < 50; i++) {
		ctx[i] = (struct submit_ctx){ &log, i };
		/* Every tenth page goes to the closed batch: refused alone, the rest commit. */
		p.batch = i % 10 == 9 ? closed : a;
		snprintf(img, sizeof(img), "page %zu", i);
		assert_int_equal(
		    store_page_submit(f->s, "t", &p, img, strlen(img), on_committed, &ctx[i]), 0);
	}
	assert_int_equal(store_flush(f->s), 0);
	assert_int_equal(log.n, 50);
	for (size_t i = 0, want = 1; i < 50; i++) {
		if (i % 10 == 9) {
			assert_int_equal(log.errors[i], -FOLIO_ESTATE);
			assert_int_equal(log.numbers[i], 0);
			continue;
		}
		assert_int_equal(log.errors[i], 0);
		assert_int_equal(log.numbers[i], want++); /* submission order */
	}
	assert_int_equal(store_batch_get(f->s, a, &bi), 0);
	assert_int_equal(bi.n_pages, 45);
	assert_int_equal(bi.last_page, 45);
	/* Each page is there with its own image, and its OCR work is queued. */
	void *data;
	size_t len;
	uint64_t queued;
	assert_int_equal(store_page_image(f->s, a, 45, &data, &len), 0);
	assert_memory_equal(data, "page 48", 7);
	free(data);
	assert_int_equal(store_queue_count(f->s, QUEUE_OCR, &queued), 0);
	assert_int_equal(queued, 45);
}

struct adder {
	struct store *s;
	uint32_t batch;
	uint32_t numbers[25];
};

static void *add_pages(void *arg)
{
	struct adder *ad = arg;
	struct page_info p = { .batch = ad->batch, .document = 1 };

	for (int i = 0; i < 25; i++)
		if (store_page_add(ad->s, "t", &p, "x", 1, &ad->numbers[i]) < 0)
			ad->numbers[i] = 0;
	return NULL;
}

static void test_concurrent_adds_get_unique_numbers(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);
	struct adder ad[4];
	pthread_t th[4];
	bool seen[101] = { false };

	for (int i = 0; i < 4; i++) {
		ad[i] = (struct adder){ .s = f->s, .batch = a };
		assert_int_equal(pthread_create(&th[i], NULL, add_pages, &ad[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 25; j++) {
			uint32_t n = ad[i].numbers[j];

			assert_true(n >= 1 && n <= 100);
			assert_false(seen[n]);
			seen[n] = true;
		}
}

static void test_reserve_stops_capture_only(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s), id;
	struct store_settings set = { .reserve_mb = 1u << 30 }; /* 1 PiB: no disk has that */
	struct store_space sp;
	struct batch_info b = { 0 };
	struct page_info p = { .batch = a, .document = 1 };
	struct ocr_result o = { 0 };
	char msg[256];

	add_page(f->s, a, "before", 1);
	assert_int_equal(store_configure(f->s, &set), 0);
	assert_int_equal(store_space(f->s, &sp), 0);
	assert_true(sp.full);
	assert_true(sp.disk_limited);
	store_space_message(&sp, msg, sizeof(msg));
	assert_non_null(strstr(msg, "% full"));
	assert_non_null(strstr(msg, "upload or purge before scanning"));
	/* New capture is refused... */
	assert_int_equal(store_page_add(f->s, "t", &p, "after", 5, NULL), -FOLIO_ESTOREFULL);
	assert_int_equal(store_batch_create(f->s, "t", &b, &id), -FOLIO_ESTOREFULL);
	/* ...while OCR, state changes and queues keep working. */
	assert_int_equal(store_ocr_put(f->s, a, 1, "text", NULL, 91.0), 0);
	assert_int_equal(store_ocr_get(f->s, a, 1, &o), 0);
	store_ocr_release(&o);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	read_all(f->s, a);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), 0);

	set.reserve_mb = 0;
	assert_int_equal(store_configure(f->s, &set), 0);
	assert_int_equal(store_batch_create(f->s, "t", &b, &id), 0);
}

static void test_purge_keeps_records_and_chain(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s), r = new_batch(f->s);
	struct store_check_report rep;
	struct batch_info bi;
	struct page_info p;
	struct store_space before, after;
	uint64_t n;
	void *data = NULL;
	size_t len;
	unsigned purged = 9;
	char *big = calloc(1, 1u << 20);

	for (uint32_t i = 1; i <= 4; i++) {
		struct page_info m = { .batch = a, .document = 1 };

		big[0] = (char)i;
		assert_int_equal(store_page_add(f->s, "t", &m, big, 1u << 20, NULL), 0);
	}
	free(big);
	add_page(f->s, r, "rejected page", 1);
	assert_int_equal(store_batch_purge(f->s, a, "t", 30, true), -FOLIO_ESTATE); /* open */
	read_all(f->s, a);
	for (uint32_t to = BATCH_CLOSED; to <= BATCH_CONFIRMED; to++)
		assert_int_equal(store_batch_set_state(f->s, a, to, "t"), 0);
	assert_int_equal(store_batch_get(f->s, a, &bi), 0);
	assert_true(bi.confirmed > 0);
	assert_int_equal(bi.image_bytes, 4u << 20);
	/* Within the retention period only with force. */
	assert_int_equal(store_batch_purge(f->s, a, "t", 30, false), -EAGAIN);
	assert_int_equal(store_purge_expired(f->s, 30, "t", &purged), 0);
	assert_int_equal(purged, 0);
	assert_int_equal(store_space(f->s, &before), 0);
	assert_int_equal(store_purge_expired(f->s, 0, "foliod", &purged), 0);
	assert_int_equal(purged, 1);
	assert_int_equal(store_space(f->s, &after), 0);
	assert_true(after.map_used + (3u << 20) < before.map_used); /* room for new pages */

	assert_int_equal(store_batch_get(f->s, a, &bi), 0);
	assert_int_equal(bi.state, BATCH_PURGED);
	assert_int_equal(store_page_get(f->s, a, 2, &p), 0); /* the record and hash stay */
	assert_int_equal(store_page_image(f->s, a, 2, &data, &len), -FOLIO_ESTATE);
	assert_null(data);
	assert_int_equal(store_queue_count(f->s, QUEUE_OCR, &n), 0);
	assert_int_equal(n, 1); /* only the rejected batch's page */

	/* A rejected batch can be discarded at once. */
	assert_int_equal(store_batch_set_state(f->s, r, BATCH_CLOSED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, r, BATCH_REJECTED, "t"), 0);
	assert_int_equal(store_batch_purge(f->s, r, "t", 30, false), 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_OCR, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), 0);
	assert_string_equal(rep.problem, "");
}

struct last_event {
	char what[STORE_NAME_LEN];
	char who[STORE_NAME_LEN];
	char detail[256];
	uint32_t page;
};

static int keep_last(const struct event_info *e, void *user)
{
	struct last_event *l = user;

	snprintf(l->what, sizeof(l->what), "%s", e->what);
	snprintf(l->who, sizeof(l->who), "%s", e->who);
	snprintf(l->detail, sizeof(l->detail), "%s", e->detail);
	l->page = e->page;
	return 0;
}

static void test_rescan_and_delete_are_logged(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);
	struct page_info m = { .batch = a, .document = 1 }, p;
	struct last_event ev = { 0 };
	struct batch_info bi;
	struct store_check_report rep;
	void *data;
	size_t len;
	uint32_t n;

	add_page(f->s, a, "one", 1);
	add_page(f->s, a, "two, crooked", 2);
	assert_int_equal(store_page_replace(f->s, "clerk", &m, 2, "two, straight", 13), 0);
	assert_int_equal(store_event_list(f->s, 0, keep_last, &ev, NULL), 0);
	assert_string_equal(ev.what, "page-rescan");
	assert_int_equal(ev.page, 2);
	assert_non_null(strstr(ev.detail, " -> "));
	assert_int_equal(store_page_image(f->s, a, 2, &data, &len), 0);
	assert_int_equal(len, 13);
	free(data);

	assert_int_equal(store_page_delete(f->s, "clerk", a, 1), 0);
	assert_int_equal(store_event_list(f->s, 0, keep_last, &ev, NULL), 0);
	assert_string_equal(ev.what, "page-delete");
	assert_int_equal(store_page_get(f->s, a, 1, &p), -FOLIO_ENOTFOUND);
	assert_int_equal(store_page_add(f->s, "t", &m, "three", 5, &n), 0);
	assert_int_equal(n, 3); /* numbers are not reused */
	assert_int_equal(store_batch_get(f->s, a, &bi), 0);
	assert_int_equal(bi.n_pages, 2);
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), 0);
	assert_int_equal(rep.pages, 2);

	/* Until a supervisor approves, the clerk may still rescan and delete; after, not. */
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	assert_int_equal(store_page_replace(f->s, "clerk", &m, 2, "two again", 9), 0);
	assert_int_equal(store_page_add(f->s, "t", &m, "four", 4, &n), -FOLIO_ESTATE);
	read_all(f->s, a);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), 0);
	assert_int_equal(store_page_replace(f->s, "clerk", &m, 2, "x", 1), -FOLIO_ESTATE);
	assert_int_equal(store_page_delete(f->s, "clerk", a, 2), -FOLIO_ESTATE);
}

struct order_log {
	uint32_t number[8], document[8];
	size_t n;
};

static int log_order(const struct page_info *p, void *user)
{
	struct order_log *o = user;

	if (o->n < 8) {
		o->number[o->n] = p->number;
		o->document[o->n++] = p->document;
	}
	return 0;
}

static void put_document(struct store *s, uint32_t batch, uint32_t number, const char *code)
{
	struct document_info d = { .batch = batch, .number = number };

	snprintf(d.office, sizeof(d.office), "KE");
	snprintf(d.application, sizeof(d.application), "APP-%u", number);
	snprintf(d.document_code, sizeof(d.document_code), "%s", code);
	assert_int_equal(store_document_put(s, "t", &d), 0);
}

static void test_arrange_reorders_splits_and_merges(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s), n;
	struct page_info m = { .batch = a, .document = 1, .width = 1, .height = 1, .dpi = 300 };
	struct order_log o = { 0 };
	struct document_info d;
	struct batch_info bi;
	struct last_event ev = { 0 };

	add_page(f->s, a, "one", 1);
	add_page(f->s, a, "two", 2);
	add_page(f->s, a, "three", 3);
	put_document(f->s, a, 1, "CLAIMS");

	/* Reorder and split: 3 1 | 2. */
	const struct store_page_place split[] = { { 3, 1 }, { 1, 1 }, { 2, 2 } };
	assert_int_equal(store_batch_arrange(f->s, "clerk", a, split, 3), 0);
	assert_int_equal(store_page_list(f->s, a, log_order, &o), 0);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.number[0], 3);
	assert_int_equal(o.number[1], 1);
	assert_int_equal(o.number[2], 2);
	assert_int_equal(o.document[2], 2);
	assert_int_equal(store_batch_get(f->s, a, &bi), 0);
	assert_int_equal(bi.n_documents, 2);
	/* The split-off document keeps the dossier's fields but not the document code. */
	assert_int_equal(store_document_get(f->s, a, 2, &d), 0);
	assert_string_equal(d.application, "APP-1");
	assert_string_equal(d.document_code, "");
	assert_int_equal(store_event_list(f->s, 0, keep_last, &ev, NULL), 0);
	assert_string_equal(ev.what, "batch-arrange");
	assert_string_equal(ev.who, "clerk");

	/* A page captured afterwards follows the arranged ones. */
	assert_int_equal(store_page_add(f->s, "t", &m, "four", 4, &n), 0);
	o.n = 0;
	assert_int_equal(store_page_list(f->s, a, log_order, &o), 0);
	assert_int_equal(o.n, 4);
	assert_int_equal(o.number[3], 4);

	/* Merge back into one document: document 2's record goes. */
	const struct store_page_place merge[] = { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 } };
	assert_int_equal(store_batch_arrange(f->s, "clerk", a, merge, 4), 0);
	assert_int_equal(store_document_get(f->s, a, 2, &d), -FOLIO_ENOTFOUND);
	assert_int_equal(store_document_get(f->s, a, 1, &d), 0);
	assert_string_equal(d.document_code, "CLAIMS");

	/* What does not fit the batch is refused and changes nothing. */
	const struct store_page_place missing[] = { { 1, 1 }, { 2, 1 }, { 3, 1 } };
	const struct store_page_place twice[] = { { 1, 1 }, { 1, 1 }, { 3, 1 }, { 4, 1 } };
	const struct store_page_place gap[] = { { 1, 1 }, { 2, 3 }, { 3, 3 }, { 4, 3 } };
	const struct store_page_place stranger[] = { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 9, 1 } };
	assert_int_equal(store_batch_arrange(f->s, "clerk", a, missing, 3), -EINVAL);
	assert_int_equal(store_batch_arrange(f->s, "clerk", a, twice, 4), -EINVAL);
	assert_int_equal(store_batch_arrange(f->s, "clerk", a, gap, 4), -EINVAL);
	assert_int_equal(store_batch_arrange(f->s, "clerk", a, stranger, 4), -EINVAL);
	o.n = 0;
	assert_int_equal(store_page_list(f->s, a, log_order, &o), 0);
	assert_int_equal(o.number[0], 1);
	assert_int_equal(o.number[3], 4);

	/* Approved: the order is final. */
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	read_all(f->s, a);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), 0);
	assert_int_equal(store_batch_arrange(f->s, "clerk", a, merge, 4), -FOLIO_ESTATE);
}

static void test_check_names_the_first_break(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);
	struct store_check_report rep;

	add_page(f->s, a, "page 1", 1);
	add_page(f->s, a, "page 2", 2);
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), 0);
	assert_int_equal(rep.pages, 2);
	assert_int_equal(rep.events, 3);

	overwrite_image(f, a, 2, "PAGE?!");
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), -FOLIO_ECORRUPT);
	assert_string_equal(rep.problem, "batch 1 page 2: image does not match its capture hash");
	assert_int_equal(rep.batch, 1);
	assert_int_equal(rep.page, 2);
}

/* Approval is binding: after it nothing that changes what the office receives may change,
 * whoever asks (web, console, CLI all end here). */
static void test_approved_batch_is_frozen(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);
	struct document_info d = { .batch = a, .number = 1 };
	struct page_info m = { .batch = a, .document = 1 }, p;
	struct store_page_place places[] = { { 2, 1 }, { 1, 1 } };
	static const uint32_t frozen[] = { BATCH_APPROVED, BATCH_PACKAGED, BATCH_DELIVERED };

	add_page(f->s, a, "one", 1);
	add_page(f->s, a, "two", 2);
	read_all(f->s, a);
	snprintf(d.office, sizeof(d.office), "KE");
	assert_int_equal(store_document_put(f->s, "clerk", &d), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	/* Closed: still the clerk's. */
	assert_int_equal(store_page_set_flags(f->s, "clerk", a, 1, PAGE_FLAG_CHECK, 0), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), 0);
	for (size_t i = 0; i < sizeof(frozen) / sizeof(frozen[0]); i++) {
		if (i)
			assert_int_equal(store_batch_set_state(f->s, a, frozen[i], "t"), 0);
		assert_int_equal(store_page_set_flags(f->s, "clerk", a, 2, PAGE_FLAG_SEPARATOR, 0),
				 -FOLIO_ESTATE);
		assert_int_equal(store_page_set_flags(f->s, "clerk", a, 1, 0, PAGE_FLAG_CHECK),
				 -FOLIO_ESTATE);
		assert_int_equal(store_page_set_flags(f->s, "clerk", a, 1,
						      PAGE_FLAG_LOW_CONFIDENCE | PAGE_FLAG_BLANK,
						      0),
				 -FOLIO_ESTATE);
		snprintf(d.application, sizeof(d.application), "changed-%zu", i);
		assert_int_equal(store_document_put(f->s, "clerk", &d), -FOLIO_ESTATE);
		d.number = 2; /* no new documents either */
		assert_int_equal(store_document_put(f->s, "clerk", &d), -FOLIO_ESTATE);
		d.number = 1;
		assert_int_equal(store_page_replace(f->s, "clerk", &m, 1, "uno", 3), -FOLIO_ESTATE);
		assert_int_equal(store_batch_arrange(f->s, "clerk", a, places, 2), -FOLIO_ESTATE);
		assert_int_equal(store_page_delete(f->s, "clerk", a, 2), -FOLIO_ESTATE);
	}
	/* OCR's low-confidence note alone may still come: no package reads it. */
	assert_int_equal(store_page_set_flags(f->s, "ocr", a, 2, PAGE_FLAG_LOW_CONFIDENCE, 0), 0);
	assert_int_equal(store_page_get(f->s, a, 2, &p), 0);
	assert_int_equal(p.flags & PAGE_FLAG_SEPARATOR, 0);
	assert_int_equal(p.flags & PAGE_FLAG_LOW_CONFIDENCE, PAGE_FLAG_LOW_CONFIDENCE);
	assert_int_equal(store_page_get(f->s, a, 1, &p), 0);
	assert_int_equal(p.flags, PAGE_FLAG_CHECK);
	assert_int_equal(store_document_get(f->s, a, 1, &d), 0);
	assert_string_equal(d.application, "");
	assert_int_equal(store_document_get(f->s, a, 2, &d), -FOLIO_ENOTFOUND);
}

/* Adds a bitonal page with @grey kept for OCR, through the writer as capture does. */
static void submitted(void *user, uint32_t number, int error)
{
	*(int *)user = error ? error : (int)number;
}

static uint32_t add_with_grey(struct store *s, uint32_t batch, const char *bitonal,
			      const char *grey)
{
	struct page_info p = {
		.batch = batch, .document = 1, .width = 10, .height = 20, .dpi = 300, .bit_depth = 1
	};
	int got = 0;

	snprintf(p.format, sizeof(p.format), "TIFF");
	assert_int_equal(store_page_submit_ocr(s, "tester", &p, bitonal, strlen(bitonal), grey,
					       grey ? strlen(grey) : 0, NULL, submitted, &got),
			 0);
	store_flush(s);
	assert_true(got > 0);
	return (uint32_t)got;
}

/* The grey image kept for OCR: read, dropped, switched to, gone with approval and rescans. */
static void test_grey_image_kept_for_ocr(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s), n1, n2, n3, n4;
	struct page_info m = { .batch = a, .document = 1, .bit_depth = 1 }, p, before;
	struct last_event ev = { 0 };
	struct batch_info b;
	struct ocr_result o;
	void *data;
	size_t len;

	n1 = add_with_grey(f->s, a, "g4-one", "grey-one");
	n2 = add_with_grey(f->s, a, "g4-two", "grey-two");
	n3 = add_with_grey(f->s, a, "g4-three", NULL);
	n4 = add_with_grey(f->s, a, "g4-four", "grey-four");
	assert_int_equal(store_page_ocr_image(f->s, a, n1, &data, &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "grey-one", 8);
	free(data);
	/* None kept (an older store, a lineart scan): OCR reads the delivered image. */
	assert_int_equal(store_page_ocr_image(f->s, a, n3, &data, &len), -FOLIO_ENOTFOUND);
	assert_int_equal(store_page_use_grey(f->s, "clerk", a, n3), -ENODATA);

	/* Text read, no flag: dropped. */
	assert_int_equal(store_page_ocr_image_drop(f->s, a, n2), 0);
	assert_int_equal(store_page_ocr_image(f->s, a, n2, &data, &len), -FOLIO_ENOTFOUND);
	assert_int_equal(store_page_ocr_image_drop(f->s, a, n2), 0);

	/* Switched to grey: the grey bytes are the page, its hash theirs, its text kept. */
	assert_int_equal(store_ocr_put(f->s, a, n1, "text", NULL, 80), 0);
	assert_int_equal(store_page_set_flags(f->s, "ocr", a, n1, PAGE_FLAG_CHECK_IMAGE, 0), 0);
	assert_int_equal(store_page_get(f->s, a, n1, &before), 0);
	assert_int_equal(store_page_use_grey(f->s, "clerk", a, n1), 0);
	assert_int_equal(store_page_get(f->s, a, n1, &p), 0);
	assert_string_equal(p.format, "JPEG");
	assert_int_equal(p.bit_depth, 8);
	assert_int_equal(p.channels, 1);
	assert_int_equal(p.size, 8);
	assert_int_equal(p.width, before.width);
	assert_int_equal(p.flags & PAGE_FLAG_CHECK_IMAGE, 0);
	assert_memory_not_equal(p.sha256, before.sha256, sizeof(p.sha256));
	assert_int_equal(store_page_image(f->s, a, n1, &data, &len), 0);
	assert_memory_equal(data, "grey-one", 8);
	free(data);
	assert_int_equal(store_ocr_get(f->s, a, n1, &o), 0);
	assert_string_equal(o.text, "text");
	store_ocr_release(&o);
	assert_int_equal(store_page_ocr_image(f->s, a, n1, &data, &len), -FOLIO_ENOTFOUND);
	assert_int_equal(store_page_use_grey(f->s, "clerk", a, n1), -EALREADY);
	assert_int_equal(store_batch_get(f->s, a, &b), 0);
	assert_int_equal(b.image_bytes, 8 + 6 + 8 + 7);

	/* A rescan's grey image would be the old sheet's: gone. */
	snprintf(m.format, sizeof(m.format), "TIFF");
	assert_int_equal(store_page_replace(f->s, "clerk", &m, n4, "g4-new", 6), 0);
	assert_int_equal(store_page_ocr_image(f->s, a, n4, &data, &len), -FOLIO_ENOTFOUND);
	/* A rescan with its own grey image keeps that one, for OCR to read the new sheet. */
	assert_int_equal(store_page_replace_ocr(f->s, "clerk", &m, n4, "g4-newer", 8, "grey-newer",
						10, "auto output bitonal: colour 0.000%"),
			 0);
	assert_int_equal(store_event_list(f->s, 0, keep_last, &ev, NULL), 0);
	assert_string_equal(ev.what, "page-rescan");
	assert_non_null(strstr(ev.detail, " bytes; auto output bitonal: colour 0.000%"));
	assert_int_equal(store_page_ocr_image(f->s, a, n4, &data, &len), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(data, "grey-newer", 10);
	free(data);

	/* Approval decides what is delivered: every grey image left goes. */
	n2 = add_with_grey(f->s, a, "g4-five", "grey-five");
	read_all(f->s, a);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	assert_int_equal(store_page_ocr_image(f->s, a, n2, &data, &len), 0);
	free(data);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), 0);
	assert_int_equal(store_page_ocr_image(f->s, a, n2, &data, &len), -FOLIO_ENOTFOUND);
	assert_int_equal(store_page_use_grey(f->s, "clerk", a, n2), -FOLIO_ESTATE);
	assert_int_equal(store_page_use_grey(f->s, "clerk", a, 99), -FOLIO_ESTATE);
}

/* The supervisor approves what they reviewed: a change after the review refuses approval. */
static void test_approval_needs_the_reviewed_revision(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s), other = new_batch(f->s);
	uint64_t seen, now, other_rev;
	struct batch_info bi;

	add_page(f->s, a, "one", 1);
	add_page(f->s, a, "two", 2);
	read_all(f->s, a);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	assert_int_equal(store_batch_revision(f->s, a, &seen), 0);
	assert_true(seen > 0);
	assert_int_equal(store_batch_revision(f->s, other, &other_rev), 0);
	/* The clerk flags page 2 as a separator after the supervisor looked. */
	assert_int_equal(store_page_set_flags(f->s, "clerk", a, 2, PAGE_FLAG_SEPARATOR, 0), 0);
	assert_int_equal(store_batch_revision(f->s, a, &now), 0);
	assert_true(now > seen);
	assert_int_equal(store_batch_approve(f->s, a, "boss", seen), -FOLIO_ECHANGED);
	assert_int_equal(store_batch_get(f->s, a, &bi), 0);
	assert_int_equal(bi.state, BATCH_CLOSED);
	/* Changes to another batch do not touch this one's revision. */
	add_page(f->s, other, "three", 1);
	assert_int_equal(store_batch_revision(f->s, a, &seen), 0);
	assert_int_equal(seen, now);
	assert_int_equal(store_batch_approve(f->s, a, "boss", seen), 0);
	assert_int_equal(store_batch_get(f->s, a, &bi), 0);
	assert_int_equal(bi.state, BATCH_APPROVED);
	assert_int_equal(store_batch_approve(f->s, 99, "boss", 1), -FOLIO_ENOTFOUND);
	assert_int_equal(store_batch_revision(f->s, 99, &now), -FOLIO_ENOTFOUND);
	/* Approving twice is a state error, whatever the revision. */
	assert_int_equal(store_batch_revision(f->s, a, &seen), 0);
	assert_int_equal(store_batch_approve(f->s, a, "boss", seen), -FOLIO_ESTATE);
}

static void test_states_drive_queues(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);
	uint64_t pkg, up;

	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CLOSED, "t"), 0);
	read_all(f->s, a);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_PACKAGE, &pkg), 0);
	assert_int_equal(pkg, 1);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_PACKAGED, "t"), 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_PACKAGE, &pkg), 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_UPLOAD, &up), 0);
	assert_int_equal(pkg, 0);
	assert_int_equal(up, 1);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_DELIVERED, "t"), 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_UPLOAD, &up), 0);
	assert_int_equal(up, 0);
	/* A confirmed batch cannot go back, and purge is the only way on. */
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CONFIRMED, "office"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_OPEN, "t"), -FOLIO_ESTATE);
}

static void test_encryption_switch_needs_the_build(void **state)
{
	struct fixture *f = *state;
	struct store_settings set = { .encrypt = STORE_ENCRYPT_YES };

	if (store_encryption_built_in())
		skip();
	assert_int_equal(store_configure(f->s, &set), -EOPNOTSUPP);
}

/* One list of flag names for the CLI, BATCH.txt and the API: every flag has one, both ways. */
static void test_flag_names(void **state)
{
	(void)state;
	for (uint32_t bit = PAGE_FLAG_BLANK; bit <= PAGE_FLAG_AUTO_COLOUR; bit <<= 1) {
		const char *name = page_flag_name(bit);
		char api[32];

		assert_non_null(name);
		assert_int_equal(page_flag_parse(name), bit);
		snprintf(api, sizeof(api), "%s", name);
		for (char *c = api; *c; c++)
			if (*c == '-')
				*c = '_';
		assert_int_equal(page_flag_parse(api), bit);
	}
	assert_string_equal(page_flag_name(PAGE_FLAG_OCR_FAILED), "ocr-failed");
	assert_string_equal(page_flag_name(PAGE_FLAG_AUTO_COLOUR), "auto-colour");
	assert_null(page_flag_name(PAGE_FLAG_AUTO_COLOUR << 1));
	assert_null(page_flag_name(PAGE_FLAG_BLANK | PAGE_FLAG_SKEW));
	assert_int_equal(page_flag_parse("ocr"), 0);
	assert_int_equal(page_flag_parse("ocr-failed "), 0);
	assert_int_equal(page_flag_parse(""), 0);
}

/* Each test on a store of its own in a fresh folder, removed after it. */
#define STORE_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flag_names),
		STORE_TEST(test_pages_in_order_with_hashes),
		STORE_TEST(test_page_list_stays_in_batch),
		STORE_TEST(test_state_machine),
		STORE_TEST(test_event_chain_detects_tampering),
		STORE_TEST(test_damaged_image_is_refused),
		STORE_TEST(test_daemon_lock),
		STORE_TEST(test_map_full_is_clear),
		STORE_TEST(test_submit_group_commit),
		STORE_TEST(test_concurrent_adds_get_unique_numbers),
		STORE_TEST(test_reserve_stops_capture_only),
		STORE_TEST(test_purge_keeps_records_and_chain),
		STORE_TEST(test_rescan_and_delete_are_logged),
		STORE_TEST(test_arrange_reorders_splits_and_merges),
		STORE_TEST(test_check_names_the_first_break),
		STORE_TEST(test_states_drive_queues),
		STORE_TEST(test_approved_batch_is_frozen),
		STORE_TEST(test_grey_image_kept_for_ocr),
		STORE_TEST(test_approval_needs_the_reviewed_revision),
		STORE_TEST(test_encryption_switch_needs_the_build),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
