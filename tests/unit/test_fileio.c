/* Replacing a file in one step, and reading one whole (fileio.h): what a reader finds. */
#include <errno.h>
#include <fcntl.h>
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

static void assert_content(const char *path, const char *want)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), (ssize_t)strlen(want));
	assert_string_equal(buf, want);
	close(fd);
}

static void test_replaces_with_exact_mode(void **state)
{
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	assert_int_equal(file_replace_synced("accounts", 0644, "one\n", 4), 0);
	assert_content("accounts", "one\n");
	assert_int_equal(stat("accounts", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644); /* whatever the umask says */
	assert_int_equal(file_replace_synced("accounts", 0600, "two\n", 4), 0);
	assert_content("accounts", "two\n");
	assert_int_equal(stat("accounts", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(access("accounts.new", F_OK), -1);
	umask(old);
	unlink("accounts");
}

/* What a crash left under the temporary name is no obstacle, and is never written through. */
static void test_stale_temporary(void **state)
{
	int fd;

	(void)state;
	fd = open("elsewhere", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink("elsewhere", "conf.new"), 0);
	assert_int_equal(file_replace_synced("conf", 0600, "new\n", 4), 0);
	assert_content("conf", "new\n");
	assert_content("elsewhere", "");
	unlink("conf");
	unlink("elsewhere");
}

static void test_failure_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(file_replace_synced("no-such-folder/conf", 0600, "x", 1), -ENOENT);
	assert_int_equal(access("no-such-folder", F_OK), -1);
}

/* A whole file comes back NUL-terminated; a folder, a file over the bound, none: refused. */
static void test_read_all(void **state)
{
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(file_replace_synced("manifest", 0600, "abc\n", 4), 0);
	assert_int_equal(file_read_all("manifest", 4, &buf, &len), 0);
	assert_int_equal(len, 4);
	assert_string_equal(buf, "abc\n");
	free(buf);
	buf = NULL;
	assert_int_equal(file_read_all("manifest", 3, &buf, &len), -FOLIO_ETOOBIG);
	assert_null(buf);
	assert_int_equal(mkdir("folder", 0700), 0);
	assert_int_equal(file_read_all("folder", 4, &buf, &len), -FOLIO_EFORMAT);
	assert_int_equal(file_read_all("no-such-file", 4, &buf, &len), -ENOENT);
	assert_null(buf);
	rmdir("folder");
	unlink("manifest");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaces_with_exact_mode),
		cmocka_unit_test(test_stale_temporary),
		cmocka_unit_test(test_failure_changes_nothing),
		cmocka_unit_test(test_read_all),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
