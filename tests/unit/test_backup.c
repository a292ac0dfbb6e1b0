/* The sealed archive of folio backup (firmware/backup/archive.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/backup/archive.h"

static const char pass[] = "correct horse battery staple";
static const struct archive_kdf weak = { 1, 8192 }; /* the least Argon2id takes: quick tests */

static int new_file(void)
{
	int fd = memfd_create("archive", MFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* An archive of three members into a new file: "a/one" (@big bytes), "two" (empty), "k". */
static int make_archive(size_t big, uint8_t **ret_data)
{
	struct archive_writer *w = NULL;
	uint8_t *data = malloc(big);
	int fd = new_file();

	for (size_t i = 0; i < big; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	assert_int_equal(archive_writer_new(fd, pass, strlen(pass), &weak, &w), 0);
	assert_int_equal(archive_member_begin(w, "a/one", 0644), 0);
	/* in uneven pieces, so that messages and writes do not line up */
	for (size_t at = 0; at < big; at += 1000)
		assert_int_equal(
		    archive_member_write(w, data + at, big - at < 1000 ? big - at : 1000), 0);
	assert_int_equal(archive_member_end(w), 0);
	assert_int_equal(archive_member_begin(w, "two", 0600), 0);
	assert_int_equal(archive_member_end(w), 0);
	assert_int_equal(archive_member_begin(w, "k", 0600), 0);
	assert_int_equal(archive_member_write(w, "key", 3), 0);
	assert_int_equal(archive_member_end(w), 0);
	assert_int_equal(archive_writer_finish(w, NULL), 0);
	archive_writer_free(w);
	*ret_data = data;
	return fd;
}

/* Reads the whole archive on @fd with @p: 0 when it all opens and checks, else the error. */
static int read_all(int fd, const char *p)
{
	struct archive_reader *r = NULL;
	static uint8_t buf[100000];
	const char *name;
	mode_t mode;
	int rc;

	lseek(fd, 0, SEEK_SET);
	rc = archive_reader_new(fd, p, strlen(p), &r);
	if (rc < 0)
		return rc;
	while ((rc = archive_reader_next(r, &name, &mode)) == 1) {
		ssize_t k;

		while ((k = archive_reader_read(r, buf, sizeof(buf))) > 0)
			;
		if (k < 0) {
			rc = (int)k;
			break;
		}
	}
	archive_reader_free(r);
	return rc;
}

static void test_round_trip(void **state)
{
	struct archive_reader *r = NULL;
	size_t big = 3 * ARCHIVE_CHUNK + 123, got = 0;
	uint8_t *data, *back = malloc(big + 10);
	const char *name;
	mode_t mode;
	ssize_t k;
	int fd;

	(void)state;
	fd = make_archive(big, &data);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(archive_reader_new(fd, pass, strlen(pass), &r), 0);
	assert_int_equal(archive_reader_next(r, &name, &mode), 1);
	assert_string_equal(name, "a/one");
	assert_int_equal(mode, 0644);
	while ((k = archive_reader_read(r, back + got, 777)) > 0)
		got += (size_t)k;
	assert_int_equal(k, 0);
	assert_int_equal(got, big);
	assert_memory_equal(back, data, big);
	assert_int_equal(archive_reader_next(r, &name, &mode), 1);
	assert_string_equal(name, "two");
	assert_int_equal(mode, 0600);
	assert_int_equal(archive_reader_read(r, back, 10), 0);
	/* a member left unread is skipped, and still checked */
	assert_int_equal(archive_reader_next(r, &name, &mode), 1);
	assert_string_equal(name, "k");
	assert_int_equal(archive_reader_next(r, &name, &mode), 0);
	assert_int_equal(archive_reader_next(r, &name, &mode), 0);
	archive_reader_free(r);
	free(back);
	free(data);
	close(fd);
}

static void test_wrong_passphrase(void **state)
{
	uint8_t *data;
	int fd;

	(void)state;
	fd = make_archive(10, &data);
	assert_int_equal(read_all(fd, "correct horse battery stable"), -EKEYREJECTED);
	assert_int_equal(read_all(fd, ""), -EKEYREJECTED);
	assert_int_equal(read_all(fd, pass), 0);
	free(data);
	close(fd);
}

static off_t file_size(int fd)
{
	return lseek(fd, 0, SEEK_END);
}

/* Every cut of the file, from nothing to one byte short, is refused. */
static void test_every_cut_refused(void **state)
{
	uint8_t *data, *whole;
	off_t size;
	int fd, cut;

	(void)state;
	fd = make_archive(ARCHIVE_CHUNK + 5, &data);
	size = file_size(fd);
	whole = malloc((size_t)size);
	assert_int_equal(pread(fd, whole, (size_t)size, 0), size);
	cut = new_file();
	for (off_t n = 0; n < size; n++) {
		int rc;

		assert_int_equal(ftruncate(cut, 0), 0);
		assert_int_equal(pwrite(cut, whole, (size_t)n, 0), n);
		rc = read_all(cut, pass);
		if (rc != -FOLIO_ECORRUPT && rc != -FOLIO_EFORMAT)
			fail_msg("a cut at %lld of %lld bytes gave %d", (long long)n,
				 (long long)size, rc);
		/* a big member is skipped over: check every 97th cut in it only */
		if (n > 200 && n < size - 200)
			n += 96;
	}
	free(whole);
	free(data);
	close(cut);
	close(fd);
}

/* Every byte changed, and a byte appended, is refused. */
static void test_every_change_refused(void **state)
{
	uint8_t *data, *whole;
	off_t size;
	int fd, bad;

	(void)state;
	fd = make_archive(300, &data);
	size = file_size(fd);
	whole = malloc((size_t)size + 1);
	assert_int_equal(pread(fd, whole, (size_t)size, 0), size);
	bad = new_file();
	for (off_t i = 0; i < size; i++) {
		int rc;

		whole[i] ^= 0x01; /* 0x01: a changed limit asks at most 16 MiB */
		assert_int_equal(ftruncate(bad, 0), 0);
		assert_int_equal(pwrite(bad, whole, (size_t)size, 0), size);
		rc = read_all(bad, pass);
		whole[i] ^= 0x01;
		if (rc != -FOLIO_ECORRUPT && rc != -FOLIO_EFORMAT && rc != -EKEYREJECTED)
			fail_msg("byte %lld of %lld changed gave %d", (long long)i, (long long)size,
				 rc);
	}
	whole[size] = 0;
	assert_int_equal(pwrite(bad, whole, (size_t)size + 1, 0), size + 1);
	assert_int_equal(read_all(bad, pass), -FOLIO_ECORRUPT);
	free(whole);
	free(data);
	close(bad);
	close(fd);
}

/* A header that asks for more work than a backup may is refused before any is done. */
static void test_limits_bounded(void **state)
{
	struct archive_writer *w = NULL;
	struct archive_kdf huge = { 3, 1ull << 40 }, many = { 1000, 8192 };
	uint8_t *data, v[8] = { 0, 0, 1, 0, 0, 0, 0, 0 }; /* 1 TiB, big-endian */
	int fd;

	(void)state;
	fd = new_file();
	assert_int_equal(archive_writer_new(fd, pass, strlen(pass), &huge, &w), -EINVAL);
	assert_int_equal(archive_writer_new(fd, pass, strlen(pass), &many, &w), -EINVAL);
	close(fd);
	fd = make_archive(10, &data);
	assert_int_equal(pwrite(fd, v, 8, 24), 8);
	assert_int_equal(read_all(fd, pass), -FOLIO_EFORMAT);
	assert_int_equal(pwrite(fd, "FOLIOBAX", 8, 0), 8);
	assert_int_equal(read_all(fd, pass), -FOLIO_EFORMAT);
	free(data);
	close(fd);
}

static void test_names(void **state)
{
	static const char *const good[] = { "config/folio.conf", "a",	    "store/data.mdb",
					    "a.b/c_d-e",	 "..a/b..", ".x" };
	static const char *const bad[] = {
		"",	  "/a",
		"a/",	  "a//b",
		".",	  "..",
		"a/../b", "a/./b",
		"A",	  "a b",
		"a\\b",	  "é",
		"a\nb",	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	};
	struct archive_writer *w = NULL;
	int fd = new_file();

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!archive_name_valid(good[i]))
			fail_msg("'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (archive_name_valid(bad[i]))
			fail_msg("'%s' taken", bad[i]);
	assert_int_equal(archive_writer_new(fd, pass, strlen(pass), &weak, &w), 0);
	assert_int_equal(archive_member_begin(w, "../etc/passwd", 0600), -EINVAL);
	archive_writer_free(w);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_passphrase),
		cmocka_unit_test(test_every_cut_refused),
		cmocka_unit_test(test_every_change_refused),
		cmocka_unit_test(test_limits_bounded),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
