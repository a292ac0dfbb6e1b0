/* The LMDB store: batches, pages with their hashes, the batch state machine, the event chain. */
#include <errno.h>
#include <lmdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/store/store.h"

struct fixture {
	char dir[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/folio-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (store_open(f->dir, 64, &f->s) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static uint32_t new_batch(struct store *s)
{
	struct batch_info b = { 0 };
	uint32_t id = 0;

	snprintf(b.device, sizeof(b.device), "test:0");
	assert_int_equal(store_batch_create(s, "tester", &b, &id), 0);
	return id;
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
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_APPROVED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_PACKAGED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_DELIVERED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_CONFIRMED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, a, BATCH_PURGED, "t"), 0);
	for (uint32_t to = 0; to < BATCH_STATE_COUNT; to++)
		assert_false(store_batch_transition_allowed(BATCH_PURGED, to));
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

static void test_damaged_image_is_refused(void **state)
{
	struct fixture *f = *state;
	uint32_t a = new_batch(f->s);
	uint32_t key[2] = { htobe32(a), htobe32(1) };
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_val k = { sizeof(key), key }, v = { 5, "PAGE!" };
	void *data = NULL;
	size_t len;

	add_page(f->s, a, "page1", 1);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pages_in_order_with_hashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_list_stays_in_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_chain_detects_tampering, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_damaged_image_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full_is_clear, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
