/*
 * Sealing at rest: images and OCR text unreadable in data.mdb without the key, readable with
 * it; a wrong, missing or too open key is a clear error, never garbage.
 *
 * The simulated board builds without CONFIG_STORE_ENCRYPTION, so this test stands in for
 * firmware/store/seal_build.c (alone in its file for that reason): the sealing code under test
 * is the one every build has.
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "fileio.h"
#include "firmware/store/store.h"
#include "store_tmp.h"

bool store_encryption_built_in(void)
{
	return true;
}

struct fixture {
	char dir[64];
	char store[96], key[96], other[96];
	struct store *s;
	uint8_t image[8192];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (store_tmp_open(f->dir, sizeof(f->dir), "seal", 0, NULL) < 0)
		return -1;
	snprintf(f->store, sizeof(f->store), "%s/store", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/store.key", f->dir);
	snprintf(f->other, sizeof(f->other), "%s/other.key", f->dir);
	/* A recognisable "image": a TIFF header and a repeated marker phrase. */
	memcpy(f->image, "II*\0", 4);
	for (size_t i = 4; i + 16 <= sizeof(f->image); i += 16)
		memcpy(f->image + i, "PATENT-CLAIM-001", 16);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	return store_tmp_teardown(f, f->s, f->dir);
}

static int open_with(struct fixture *f, const char *key, int encrypt)
{
	struct store_settings set = { .key_file = key, .encrypt = encrypt };

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->store, 64, &f->s), 0);
	return store_configure(f->s, &set);
}

/* Whether @needle occurs anywhere in the store's data file. */
static bool data_file_contains(struct fixture *f, const char *needle)
{
	char path[128];
	FILE *in;
	char *buf;
	long size;
	bool found;

	snprintf(path, sizeof(path), "%s/data.mdb", f->store);
	in = fopen(path, "rb");
	assert_non_null(in);
	fseek(in, 0, SEEK_END);
	size = ftell(in);
	rewind(in);
	buf = malloc((size_t)size);
	assert_int_equal(fread(buf, 1, (size_t)size, in), (size_t)size);
	fclose(in);
	found = memmem(buf, (size_t)size, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static void test_sealed_unreadable_without_key(void **state)
{
	struct fixture *f = *state;
	struct batch_info b = { 0 };
	struct page_info p = { .document = 1 }, got;
	struct store_check_report rep;
	struct ocr_result o = { 0 };
	struct stat st;
	void *data = NULL;
	size_t len;
	uint32_t id, n;

	assert_int_equal(store_key_generate(f->key), 0);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, STORE_KEY_BYTES);
	assert_int_equal(store_key_generate(f->key), -EEXIST); /* never replaced */

	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(store_batch_create(f->s, "t", &b, &id), 0);
	p.batch = id;
	assert_int_equal(store_page_add(f->s, "t", &p, f->image, sizeof(f->image), &n), 0);
	assert_int_equal(store_ocr_put(f->s, id, n, "CONFIDENTIAL-INVENTION-TEXT", NULL, 80), 0);
	/* The grey image kept for OCR of a bitonal page is sealed as its image is. */
	assert_int_equal(store_page_submit_ocr(f->s, "t", &p, f->image, sizeof(f->image),
					       "GREY-OF-THE-CLAIMS", 18, NULL, NULL, NULL),
			 0);
	store_flush(f->s);
	assert_int_equal(store_page_get(f->s, id, n, &got), 0);
	assert_int_equal(got.seal, STORE_SEAL_XCHACHA20POLY1305);
	store_close(f->s);
	f->s = NULL;

	/* Nothing of the image or the text is in the file. */
	assert_false(data_file_contains(f, "PATENT-CLAIM-001"));
	assert_false(data_file_contains(f, "CONFIDENTIAL-INVENTION"));
	assert_false(data_file_contains(f, "GREY-OF-THE-CLAIMS"));

	/* With the key: the very bytes, checked against the capture hash. */
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(store_page_image(f->s, id, n, &data, &len), 0);
	assert_int_equal(len, sizeof(f->image));
	assert_memory_equal(data, f->image, len);
	free(data);
	data = NULL;
	assert_int_equal(store_ocr_get(f->s, id, n, &o), 0);
	assert_string_equal(o.text, "CONFIDENTIAL-INVENTION-TEXT");
	store_ocr_release(&o);
	assert_int_equal(store_page_ocr_image(f->s, id, n + 1, &data, &len), 0);
	assert_int_equal(len, 18);
	assert_memory_equal(data, "GREY-OF-THE-CLAIMS", 18);
	free(data);
	data = NULL;
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), 0);
	assert_int_equal(rep.pages, 2);

	/* Without a key: a clear refusal, never ciphertext passed off as an image. */
	assert_int_equal(open_with(f, NULL, STORE_ENCRYPT_NO), 0);
	assert_int_equal(store_page_image(f->s, id, n, &data, &len), -ENOKEY);
	assert_null(data);
	assert_int_equal(store_ocr_get(f->s, id, n, &o), -ENOKEY);
	assert_int_equal(store_page_ocr_image(f->s, id, n + 1, &data, &len), -ENOKEY);
	assert_null(data);
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), -ENOKEY);
	assert_string_equal(rep.problem,
			    "batch 1 page 1: image is sealed and no station key was given");
	/* Sealing needs a key. */
	assert_int_equal(open_with(f, NULL, STORE_ENCRYPT_YES), -ENOKEY);

	/* Another station's key is refused when the store is opened, not at the first page. */
	assert_int_equal(store_key_generate(f->other), 0);
	assert_int_equal(open_with(f, f->other, STORE_ENCRYPT_YES), -EKEYREJECTED);
	assert_int_equal(open_with(f, f->other, STORE_ENCRYPT_NO), -EKEYREJECTED);
}

static void test_key_file_rules(void **state)
{
	struct fixture *f = *state;
	int fd;

	assert_int_equal(store_key_generate(f->key), 0);
	assert_int_equal(chmod(f->key, 0640), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), -EPERM);
	assert_int_equal(chmod(f->key, 0604), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), -EPERM);
	assert_int_equal(chmod(f->key, 0600), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	/* Another user's key, even private to them, is refused (as root: owned by nobody). */
	if (geteuid() == 0) {
		assert_int_equal(chown(f->key, 65534, 65534), 0);
		assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), -EPERM);
		assert_int_equal(chown(f->key, 0, 0), 0);
	}

	fd = open(f->other, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "short", 5), 5);
	close(fd);
	assert_int_equal(open_with(f, f->other, STORE_ENCRYPT_YES), -FOLIO_EFORMAT);
	/* A missing key file only matters when sealing. */
	assert_int_equal(open_with(f, "/nonexistent/store.key", STORE_ENCRYPT_NO), 0);
	assert_int_equal(open_with(f, "/nonexistent/store.key", STORE_ENCRYPT_YES), -ENOENT);
}

/* Flips the bits @mask of byte @at of the stored value of @k in database @name. */
static void tamper(struct fixture *f, const char *name, MDB_val k, size_t at, uint8_t mask)
{
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_val v;
	char *copy;

	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, f->store, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, name, 0, &dbi), 0);
	assert_int_equal(mdb_get(t, dbi, &k, &v), 0);
	assert_true(at < v.mv_size);
	copy = malloc(v.mv_size);
	assert_non_null(copy);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[at] ^= (char)mask;
	v.mv_data = copy;
	assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(env);
	free(copy);
}

static void test_tampered_sealed_image_is_refused(void **state)
{
	struct fixture *f = *state;
	struct batch_info b = { 0 };
	struct page_info p = { .document = 1 };
	struct store_check_report rep;
	uint32_t key[2] = { htobe32(1), htobe32(1) }, id;
	void *data = NULL;
	size_t len;

	assert_int_equal(store_key_generate(f->key), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(store_batch_create(f->s, "t", &b, &id), 0);
	p.batch = id;
	assert_int_equal(store_page_add(f->s, "t", &p, f->image, sizeof(f->image), NULL), 0);
	store_close(f->s);
	f->s = NULL;

	tamper(f, "images", (MDB_val){ sizeof(key), key }, 100, 0x20);

	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(store_page_image(f->s, id, 1, &data, &len), -FOLIO_ECORRUPT);
	assert_null(data);
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), -FOLIO_ECORRUPT);
	assert_string_equal(rep.problem, "batch 1 page 1: image does not match its capture hash");
}

/* What a capture leaves in the index: a document with its numbers, events naming people. */
static uint32_t index_a_batch(struct fixture *f)
{
	struct batch_info b = { 0 };
	struct page_info p = { .document = 1 };
	struct document_info d = { .number = 1, .ip_type = 0 };
	uint32_t id, n;

	assert_int_equal(store_batch_create(f->s, "clerk-amina", &b, &id), 0);
	p.batch = id;
	assert_int_equal(store_page_add(f->s, "clerk-amina", &p, f->image, sizeof(f->image), &n),
			 0);
	d.batch = id;
	snprintf(d.office, sizeof(d.office), "KE");
	snprintf(d.application, sizeof(d.application), "KE/P/2026/004711");
	snprintf(d.st13, sizeof(d.st13), "KE102026004711");
	snprintf(d.document_code, sizeof(d.document_code), "CLAIMS");
	assert_int_equal(store_document_put(f->s, "clerk-amina", &d), 0);
	snprintf(d.application, sizeof(d.application), "KE/P/2026/004712");
	assert_int_equal(store_document_put(f->s, "supervisor-baraka", &d), 0);
	assert_int_equal(store_event_add(f->s, "supervisor-baraka", "note", id, 0, 0,
					 "applicant Wanjiru Kamau called"),
			 0);
	assert_int_equal(store_ocr_put(f->s, id, n, "CONFIDENTIAL-INVENTION-TEXT", NULL, 80), 0);
	return id;
}

static const char *const personal[] = {
	"KE/P/2026/00471", "KE102026004711",	     "clerk-amina",	 "supervisor-baraka",
	"Wanjiru Kamau",   "CONFIDENTIAL-INVENTION", "PATENT-CLAIM-001",
};

struct seen {
	bool amina, baraka, applicant, sealed_event;
};

static int see_event(const struct event_info *e, void *user)
{
	struct seen *seen = user;

	seen->amina |= strcmp(e->who, "clerk-amina") == 0;
	seen->baraka |= strcmp(e->who, "supervisor-baraka") == 0 &&
			strstr(e->detail, "'KE/P/2026/004711' -> 'KE/P/2026/004712'") != NULL;
	seen->applicant |= strstr(e->detail, "Wanjiru Kamau") != NULL;
	seen->sealed_event |= strcmp(e->what, "store-seal") == 0;
	return 0;
}

static int count_events(const struct event_info *e, void *user)
{
	(void)e;
	++*(unsigned *)user;
	return 0;
}

static void test_index_and_events_sealed(void **state)
{
	struct fixture *f = *state;
	struct document_info d;
	struct store_check_report rep;
	struct seen seen = { 0 };
	uint64_t broken = 0;
	unsigned n = 0;
	uint32_t id;

	assert_int_equal(store_key_generate(f->key), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	id = index_a_batch(f);
	store_close(f->s);
	f->s = NULL;

	/* Not one index value, name or word in the raw file. */
	for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
		if (data_file_contains(f, personal[i]))
			fail_msg("'%s' is readable in data.mdb", personal[i]);

	/* With the key: everything as written, the chain intact, no store-seal needed. */
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(store_document_get(f->s, id, 1, &d), 0);
	assert_string_equal(d.application, "KE/P/2026/004712");
	assert_string_equal(d.st13, "KE102026004711");
	assert_int_equal(store_event_list(f->s, 1, see_event, &seen, &broken), 0);
	assert_true(seen.amina && seen.baraka && seen.applicant);
	assert_false(seen.sealed_event);
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), 0);

	/* Without the key: the chain still checks, the content is refused. */
	assert_int_equal(open_with(f, NULL, STORE_ENCRYPT_NO), 0);
	assert_int_equal(store_event_list(f->s, 1, NULL, NULL, &broken), 0);
	assert_int_equal(store_event_list(f->s, 1, count_events, &n, &broken), -ENOKEY);
	assert_int_equal(store_document_get(f->s, id, 1, &d), -ENOKEY);
}

/* Flips one byte of the stored value of event @seq. */
static void tamper_event(struct fixture *f, uint64_t seq, size_t at)
{
	uint64_t key = htobe64(seq);

	tamper(f, "events", (MDB_val){ sizeof(key), &key }, at, 0x01);
}

/* Whether any value of database @name holds @needle. */
static bool database_contains(struct fixture *f, const char *name, const char *needle)
{
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_cursor *c;
	MDB_val k, v;
	bool found = false;

	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, f->store, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(mdb_dbi_open(t, name, 0, &dbi), 0);
	assert_int_equal(mdb_cursor_open(t, dbi, &c), 0);
	while (!found && mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
		found = memmem(v.mv_data, v.mv_size, needle, strlen(needle)) != NULL;
	mdb_cursor_close(c);
	mdb_txn_abort(t);
	mdb_env_close(env);
	return found;
}

static void test_clear_store_sealed_on_open(void **state)
{
	struct fixture *f = *state;
	struct document_info d;
	struct seen seen = { 0 };
	uint64_t broken = 0;
	unsigned before = 0, after = 0;
	uint32_t id;

	/* A store kept in clear (sealing off), then opened with sealing on. */
	assert_int_equal(open_with(f, NULL, STORE_ENCRYPT_NO), 0);
	id = index_a_batch(f);
	assert_int_equal(store_event_list(f->s, 1, count_events, &before, &broken), 0);
	store_close(f->s);
	f->s = NULL;
	assert_true(database_contains(f, "documents", "KE/P/2026/004712"));
	assert_true(database_contains(f, "events", "supervisor-baraka"));

	assert_int_equal(store_key_generate(f->key), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	store_close(f->s);
	f->s = NULL;
	for (size_t i = 0; i < 5; i++) {
		if (database_contains(f, "documents", personal[i]) ||
		    database_contains(f, "events", personal[i]))
			fail_msg("'%s' still in clear after sealing", personal[i]);
	}

	/* Same content, one event more (store-seal), the chain intact. Opened again, nothing
	 * more is sealed. */
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(store_event_list(f->s, 1, count_events, &after, &broken), 0);
	assert_int_equal(after, before + 1);
	assert_int_equal(store_event_list(f->s, 1, see_event, &seen, &broken), 0);
	assert_true(seen.amina && seen.baraka && seen.applicant && seen.sealed_event);
	assert_int_equal(store_document_get(f->s, id, 1, &d), 0);
	assert_string_equal(d.application, "KE/P/2026/004712");
	store_close(f->s);
	f->s = NULL;

	/* Sealing off for a while: what is written then is sealed at the next sealing open. */
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_NO), 0);
	assert_int_equal(store_event_add(f->s, "clerk-zawadi", "note", id, 0, 0, "in clear"), 0);
	store_close(f->s);
	f->s = NULL;
	assert_true(database_contains(f, "events", "clerk-zawadi"));
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	store_close(f->s);
	f->s = NULL;
	assert_false(database_contains(f, "events", "clerk-zawadi"));

	/* The chain covers the sealed bytes: a flipped bit shows without the key. */
	tamper_event(f, 3, 200);
	assert_int_equal(open_with(f, NULL, STORE_ENCRYPT_NO), 0);
	assert_int_equal(store_event_list(f->s, 1, NULL, NULL, &broken), -FOLIO_ECORRUPT);
	assert_int_equal(broken, 3);
}

/* A clear store whose event chain is broken is not sealed over: the break stays visible. */
static void test_broken_chain_not_sealed(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(open_with(f, NULL, STORE_ENCRYPT_NO), 0);
	(void)index_a_batch(f);
	store_close(f->s);
	f->s = NULL;
	tamper_event(f, 2, sizeof(uint32_t) * 2 + 8 + 12 + 1); /* a byte of who */
	assert_int_equal(store_key_generate(f->key), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), -FOLIO_ECORRUPT);
	assert_true(database_contains(f, "documents", "KE/P/2026/004712"));
}

/* Each test in a fresh folder for its store and keys, removed after it. */
#define STORE_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_TEST(test_sealed_unreadable_without_key),
		STORE_TEST(test_key_file_rules),
		STORE_TEST(test_tampered_sealed_image_is_refused),
		STORE_TEST(test_index_and_events_sealed),
		STORE_TEST(test_clear_store_sealed_on_open),
		STORE_TEST(test_broken_chain_not_sealed),
	};

	return cmocka_run_group_tests_name("store sealing", tests, NULL, NULL);
}
