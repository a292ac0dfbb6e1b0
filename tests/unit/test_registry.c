/*
 * The office's registry of accepted packages (firmware/package/registry.c): a station and
 * batch is accepted once; the same package again is a replay, another one a collision (and a
 * re-created store is named); the records survive closing; a full registry refuses and keeps
 * what it had; a folder that is not a registry, another program's LMDB environment and a
 * locked registry are refused in one line; the first, file-per-package layout is migrated.
 * Runs in the test's scratch folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/package/registry.h"

static struct registry_record record(const char *station, uint32_t batch, const char *store,
				     char manifest_digit)
{
	struct registry_record r = { .batch = batch, .accepted = 1764842400 };

	snprintf(r.station, sizeof(r.station), "%s", station);
	snprintf(r.store, sizeof(r.store), "%s", store);
	snprintf(r.key_id, sizeof(r.key_id), "0123456789abcdef");
	memset(r.manifest_sha256, manifest_digit, 64);
	snprintf(r.name, sizeof(r.name), "%s-%.8s-B%06u", station, store, batch);
	return r;
}

struct seen {
	char lines[8][200];
	size_t n;
};

static int collect(const struct registry_record *rec, void *user)
{
	struct seen *s = user;

	if (s->n < 8)
		snprintf(s->lines[s->n++], 200, "%s %u %s %c", rec->station, rec->batch, rec->store,
			 rec->manifest_sha256[0]);
	return 0;
}

static void test_accept_replay_collision(void **state)
{
	struct registry *r = NULL;
	struct registry_record a = record("KE-01", 7, "0123456789abcdef", 'a'), prev;
	struct registry_record b = record("KE-01", 12, "0123456789abcdef", 'b');
	struct seen seen = { 0 };
	char why[512];

	(void)state;
	assert_int_equal(registry_open("reg", false, &r, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "no registry at 'reg'"));
	assert_int_equal(registry_open("reg", true, &r, why, sizeof(why)), 0);
	assert_int_equal(registry_accept(r, &b, &prev, why, sizeof(why)), 0);
	assert_int_equal(registry_accept(r, &a, &prev, why, sizeof(why)), 0);
	r = registry_close(r);

	/* the same package again, after a restart: a replay */
	assert_int_equal(registry_open("reg", false, &r, why, sizeof(why)), 0);
	assert_int_equal(registry_accept(r, &a, &prev, why, sizeof(why)), -EEXIST);
	assert_non_null(strstr(why, "station KE-01 batch 7 was accepted on 2025-12-04T10:00:00Z"));
	assert_non_null(strstr(why, "a replay, refused"));
	assert_string_equal(prev.manifest_sha256, a.manifest_sha256);

	/* another package of the same batch from the same store, then from a re-created one */
	a.manifest_sha256[0] = 'c';
	assert_int_equal(registry_accept(r, &a, &prev, why, sizeof(why)), -EEXIST);
	assert_non_null(strstr(why, "a collision, refused"));
	assert_null(strstr(why, "re-created"));
	snprintf(a.store, sizeof(a.store), "fedcba9876543210");
	assert_int_equal(registry_accept(r, &a, &prev, why, sizeof(why)), -EEXIST);
	assert_non_null(strstr(why, "a collision: the station's store was re-created, refused"));

	/* listed in station and batch order, nothing changed by the refusals */
	assert_int_equal(registry_list(r, collect, &seen, why, sizeof(why)), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.lines[0], "KE-01 7 0123456789abcdef a");
	assert_string_equal(seen.lines[1], "KE-01 12 0123456789abcdef b");
	registry_close(r);
}

static void test_full(void **state)
{
	struct registry *r = NULL;
	struct registry_record prev;
	struct seen seen = { 0 };
	char why[512];
	uint32_t n = 0;
	int rc;

	(void)state;
	setenv("FOLIO_REGISTRY_MAP_KB", "64", 1);
	assert_int_equal(registry_open("small", true, &r, why, sizeof(why)), 0);
	for (;;) {
		struct registry_record rec = record("KE-01", n + 1, "0123456789abcdef", 'a');

		rc = registry_accept(r, &rec, &prev, why, sizeof(why));
		if (rc < 0)
			break;
		n++;
		assert_true(n < 100000);
	}
	unsetenv("FOLIO_REGISTRY_MAP_KB");
	assert_int_equal(rc, -FOLIO_ESTOREFULL);
	assert_non_null(strstr(why, "the registry 'small' is full"));
	assert_true(n > 10);
	registry_close(r);
	/* what it holds is intact, and still refuses replays */
	setenv("FOLIO_REGISTRY_MAP_KB", "64", 1);
	assert_int_equal(registry_open("small", false, &r, why, sizeof(why)), 0);
	{
		struct registry_record rec = record("KE-01", 1, "0123456789abcdef", 'a');

		assert_int_equal(registry_accept(r, &rec, &prev, why, sizeof(why)), -EEXIST);
	}
	assert_int_equal(registry_list(r, collect, &seen, why, sizeof(why)), 0);
	assert_string_equal(seen.lines[0], "KE-01 1 0123456789abcdef a");
	unsetenv("FOLIO_REGISTRY_MAP_KB");
	registry_close(r);
	printf("figure: a 64 KiB registry holds %u packages, then refuses as full\n", n);
}

static void test_not_a_registry(void **state)
{
	struct registry *r = NULL;
	MDB_env *env;
	char why[512];
	int fd;

	(void)state;
	/* a file, a folder of other files, another program's LMDB environment */
	fd = open("afile", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	close(fd);
	assert_int_equal(registry_open("afile", true, &r, why, sizeof(why)), -ENOTDIR);
	assert_non_null(strstr(why, "'afile' is not a Folio registry: not a folder"));
	mkdir("docs", 0700);
	fd = open("docs/notes.txt", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	close(fd);
	assert_int_equal(registry_open("docs", true, &r, why, sizeof(why)), -FOLIO_EFORMAT);
	assert_non_null(strstr(why, "it holds 'notes.txt', which is not a record"));
	mkdir("other", 0700);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, "other", 0, 0600), 0);
	{
		MDB_txn *t;
		MDB_dbi dbi;
		MDB_val k = { .mv_size = 3, .mv_data = "key" }, v = k;

		assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
		assert_int_equal(mdb_dbi_open(t, NULL, 0, &dbi), 0);
		assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
		assert_int_equal(mdb_txn_commit(t), 0);
	}
	mdb_env_close(env);
	assert_int_equal(registry_open("other", true, &r, why, sizeof(why)), -FOLIO_EFORMAT);
	assert_non_null(strstr(why, "an LMDB environment, but not a Folio registry"));
}

static void test_locked(void **state)
{
	struct registry *r = NULL;
	struct registry_record a = record("KE-01", 1, "0123456789abcdef", 'a'), prev;
	char why[512];
	int fd;

	(void)state;
	assert_int_equal(registry_open("busy", true, &r, why, sizeof(why)), 0);
	/* another process's lock: flock() locks belong to the open file, so a second open of
	 * the folder stands for it */
	fd = open("busy", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(registry_accept(r, &a, &prev, why, sizeof(why)), -FOLIO_ELOCKED);
	assert_non_null(strstr(why, "the registry 'busy' is locked by another process"));
	close(fd);
	assert_int_equal(registry_accept(r, &a, &prev, why, sizeof(why)), 0);
	registry_close(r);
}

static void test_old_layout_migrated(void **state)
{
	static const char line[] =
	    "accepted 2026-11-30T08:00:00Z key 0123456789abcdef manifest "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
	struct registry *r = NULL;
	struct registry_record a = record("KE-01", 3, "0123456789abcdef", 'a'), prev;
	struct seen seen = { 0 };
	char why[512];
	int fd;

	(void)state;
	mkdir("old", 0700);
	fd = open("old/KE-01-01234567-B000003", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	fd = open("old/KE-02-B000004", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	assert_int_equal(registry_open("old", false, &r, why, sizeof(why)), 0);
	assert_int_equal(registry_list(r, collect, &seen, why, sizeof(why)), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.lines[0], "KE-01 3 01234567 a");
	assert_string_equal(seen.lines[1], "KE-02 4  a");
	assert_int_equal(registry_accept(r, &a, &prev, why, sizeof(why)), -EEXIST);
	assert_non_null(strstr(why, "accepted on 2026-11-30T08:00:00Z"));
	assert_non_null(strstr(why, "a replay"));
	registry_close(r);
	assert_int_equal(access("old/old-layout/KE-02-B000004", F_OK), 0);
	assert_int_equal(access("old/KE-02-B000004", F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_replay_collision), cmocka_unit_test(test_full),
		cmocka_unit_test(test_not_a_registry),		cmocka_unit_test(test_locked),
		cmocka_unit_test(test_old_layout_migrated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
