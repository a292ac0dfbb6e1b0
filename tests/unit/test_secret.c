/* The one reader of secret files (secret.h): what it reads and each file it refuses. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "secret.h"

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* secret_load() on @path with @max and @flags, which must refuse it with @want. */
static void assert_refused(const char *path, size_t max, unsigned flags, int want)
{
	char *buf = (char *)"untouched";
	size_t len = 12345;

	assert_int_equal(secret_load(path, max, flags, &buf, &len, NULL), want);
	assert_string_equal(buf, "untouched");
	assert_int_equal(len, 12345);
}

static void test_reads_a_private_file(void **state)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	write_file("key", "s3cret\n", 7, 0600);
	assert_int_equal(secret_load("key", 64, SECRET_NOT_EMPTY, &buf, &len, &st), 0);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "s3cret\n");
	assert_true(S_ISREG(st.st_mode));
	assert_null(secret_free(buf));
	assert_null(secret_free(NULL));
	/* Read-only for its owner is private too; exactly @max bytes fit. */
	write_file("key", "0123456789", 10, 0400);
	assert_int_equal(secret_load("key", 10, 0, &buf, &len, NULL), 0);
	assert_int_equal(len, 10);
	secret_free(buf);
	unlink("key");
}

static void test_refuses_a_symbolic_link(void **state)
{
	(void)state;
	write_file("real.key", "s3cret\n", 7, 0600);
	assert_int_equal(symlink("real.key", "link.key"), 0);
	assert_refused("link.key", 64, 0, -ELOOP);
	unlink("link.key");
	unlink("real.key");
}

static void test_refuses_what_is_no_regular_file(void **state)
{
	(void)state;
	/* A FIFO is refused at once: nobody writes to it, and the reader must not wait. */
	assert_int_equal(mkfifo("fifo.key", 0600), 0);
	assert_refused("fifo.key", 64, 0, -FOLIO_EFORMAT);
	unlink("fifo.key");
	assert_int_equal(mkdir("dir.key", 0700), 0);
	assert_refused("dir.key", 64, 0, -FOLIO_EFORMAT);
	rmdir("dir.key");
	assert_refused("missing.key", 64, 0, -ENOENT);
}

static void test_refuses_access_by_others(void **state)
{
	static const mode_t modes[] = { 0640, 0620, 0610, 0604, 0602, 0601, 0644, 0666 };
	struct stat st;
	char *buf;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_file("open.key", "s3cret\n", 7, modes[i]);
		assert_refused("open.key", 64, 0, -EPERM);
		assert_int_equal(secret_load("open.key", 64, 0, &buf, &len, &st), -EPERM);
		assert_int_equal(st.st_mode & 07777, modes[i]);
	}
	unlink("open.key");
}

static void test_refuses_another_users_file(void **state)
{
	struct stat st;
	char *buf;
	size_t len;

	(void)state;
	write_file("theirs.key", "s3cret\n", 7, 0600);
	if (chown("theirs.key", 4242, 4242) < 0) {
		unlink("theirs.key");
		skip(); /* only root can give a file away */
	}
	assert_refused("theirs.key", 64, 0, -EPERM);
	assert_int_equal(secret_load("theirs.key", 64, 0, &buf, &len, &st), -EPERM);
	assert_int_equal(st.st_uid, 4242);
	unlink("theirs.key");
}

static void test_refuses_oversize_and_empty(void **state)
{
	char *buf = NULL;
	size_t len = 99;

	(void)state;
	write_file("big.key", "0123456789a", 11, 0600);
	assert_refused("big.key", 10, 0, -FOLIO_ETOOBIG);
	unlink("big.key");
	write_file("empty.key", "", 0, 0600);
	assert_refused("empty.key", 10, SECRET_NOT_EMPTY, -ENODATA);
	/* Without the flag an empty file is read as it is. */
	assert_int_equal(secret_load("empty.key", 10, 0, &buf, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	secret_free(buf);
	unlink("empty.key");
}

/* A reader that gets its bytes in pieces (each packet is one read) still gets them all. */
static void test_reads_across_short_reads(void **state)
{
	int sv[2];
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(write(sv[1], "abc", 3), 3);
	assert_int_equal(write(sv[1], "def", 3), 3);
	assert_int_equal(write(sv[1], "g", 1), 1);
	close(sv[1]);
	assert_int_equal(secret_read(sv[0], 16, &buf, &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "abcdefg");
	secret_free(buf);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_a_private_file),
		cmocka_unit_test(test_refuses_a_symbolic_link),
		cmocka_unit_test(test_refuses_what_is_no_regular_file),
		cmocka_unit_test(test_refuses_access_by_others),
		cmocka_unit_test(test_refuses_another_users_file),
		cmocka_unit_test(test_refuses_oversize_and_empty),
		cmocka_unit_test(test_reads_across_short_reads),
	};

	return cmocka_run_group_tests_name("secret", tests, NULL, NULL);
}
