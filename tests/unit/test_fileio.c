/* Replacing a file in one step (fileio.h): what a reader finds afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaces_with_exact_mode),
		cmocka_unit_test(test_stale_temporary),
		cmocka_unit_test(test_failure_changes_nothing),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
