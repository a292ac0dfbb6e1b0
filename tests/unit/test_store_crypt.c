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
#include "firmware/store/store.h"

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

	snprintf(f->dir, sizeof(f->dir), "/tmp/folio-seal-XXXXXX");
	if (!mkdtemp(f->dir))
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
	char cmd[128];

	store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
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
					       "GREY-OF-THE-CLAIMS", 18, NULL, NULL),
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

	fd = open(f->other, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "short", 5), 5);
	close(fd);
	assert_int_equal(open_with(f, f->other, STORE_ENCRYPT_YES), -FOLIO_EFORMAT);
	/* A missing key file only matters when sealing. */
	assert_int_equal(open_with(f, "/nonexistent/store.key", STORE_ENCRYPT_NO), 0);
	assert_int_equal(open_with(f, "/nonexistent/store.key", STORE_ENCRYPT_YES), -ENOENT);
}

static void test_tampered_sealed_image_is_refused(void **state)
{
	struct fixture *f = *state;
	struct batch_info b = { 0 };
	struct page_info p = { .document = 1 };
	struct store_check_report rep;
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi dbi;
	uint32_t key[2] = { htobe32(1), htobe32(1) }, id;
	MDB_val k = { sizeof(key), key }, v;
	void *data = NULL;
	size_t len;
	char *copy;

	assert_int_equal(store_key_generate(f->key), 0);
	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(store_batch_create(f->s, "t", &b, &id), 0);
	p.batch = id;
	assert_int_equal(store_page_add(f->s, "t", &p, f->image, sizeof(f->image), NULL), 0);
	store_close(f->s);
	f->s = NULL;

	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, f->store, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, "images", 0, &dbi), 0);
	assert_int_equal(mdb_get(t, dbi, &k, &v), 0);
	copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[100] ^= 0x20;
	v.mv_data = copy;
	assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(env);
	free(copy);

	assert_int_equal(open_with(f, f->key, STORE_ENCRYPT_YES), 0);
	assert_int_equal(store_page_image(f->s, id, 1, &data, &len), -FOLIO_ECORRUPT);
	assert_null(data);
	assert_int_equal(store_check(f->s, &rep, NULL, NULL), -FOLIO_ECORRUPT);
	assert_string_equal(rep.problem, "batch 1 page 1: image does not match its capture hash");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sealed_unreadable_without_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_key_file_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_sealed_image_is_refused, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("store sealing", tests, NULL, NULL);
}
