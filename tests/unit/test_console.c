/* Console accounts (Argon2id file, permissions) and config file edits for 'config save'. */
#include <errno.h>
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
#include "firmware/config/config.h"
#include "firmware/accounts/accounts.h"
#include "firmware/config/confedit.h"

static char dir[] = "/tmp/folio-console-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(dir) < 0 ? -1 : 0;
}

static char *path(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static char *slurp(const char *file)
{
	static char buf[65536];
	FILE *f = fopen(file, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_accounts(void **state)
{
	char file[256], link[256], fifo[256];
	struct stat st;

	(void)state;
	snprintf(file, sizeof(file), "%s", path("accounts"));
	assert_int_equal(accounts_verify(file, "tech", "password-1"), -ENOENT);
	assert_int_equal(accounts_set(file, "tech", "password-1"), 1);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(strstr(slurp(file), "tech:$argon2id$"));
	assert_null(strstr(slurp(file), "password-1"));
	assert_int_equal(accounts_verify(file, "tech", "password-1"), 0);
	assert_int_equal(accounts_verify(file, "tech", "password-2"), -EACCES);
	assert_int_equal(accounts_verify(file, "nobody", "password-1"), -EACCES);
	assert_int_equal(accounts_verify(file, "tech", ""), -EACCES);
	/* A second account, then a new password for the first: the other one stays. */
	assert_int_equal(accounts_set(file, "other.one", "password-3"), 1);
	assert_int_equal(accounts_set(file, "tech", "password-2"), 0);
	assert_int_equal(accounts_verify(file, "tech", "password-1"), -EACCES);
	assert_int_equal(accounts_verify(file, "tech", "password-2"), 0);
	assert_int_equal(accounts_verify(file, "other.one", "password-3"), 0);
	/* Bad names and password lengths change nothing. */
	assert_int_equal(accounts_set(file, "Tech", "password-1"), -EINVAL);
	assert_int_equal(accounts_set(file, "a:b", "password-1"), -EINVAL);
	assert_int_equal(accounts_set(file, "tech", "short"), -EINVAL);
	assert_int_equal(accounts_verify(file, "tech", "password-2"), 0);
	/* Group or others may not read it: refused before reading. */
	assert_int_equal(chmod(file, 0640), 0);
	assert_int_equal(accounts_verify(file, "tech", "password-2"), -EPERM);
	assert_int_equal(accounts_set(file, "tech", "password-4"), -EPERM);
	assert_int_equal(accounts_check_file(file), -EPERM);
	assert_int_equal(chmod(file, 0604), 0);
	assert_int_equal(accounts_verify(file, "tech", "password-2"), -EPERM);
	assert_int_equal(chmod(file, 0600), 0);
	assert_int_equal(accounts_check_file(file), 0);
	/* Read through the one secret reader: no symbolic link, no FIFO, nobody else's file. */
	snprintf(link, sizeof(link), "%s", path("link"));
	snprintf(fifo, sizeof(fifo), "%s", path("fifo"));
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(accounts_verify(link, "tech", "password-2"), -ELOOP);
	assert_int_equal(accounts_set(link, "tech", "password-4"), -ELOOP);
	assert_int_equal(accounts_check_file(link), -ELOOP);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(accounts_verify(fifo, "tech", "password-2"), -EINVAL);
	assert_int_equal(accounts_check_file(fifo), -EINVAL);
	unlink(link);
	unlink(fifo);
	if (chown(file, 4242, 4242) == 0) { /* as root only */
		assert_int_equal(accounts_verify(file, "tech", "password-2"), -EPERM);
		assert_int_equal(accounts_check_file(file), -EPERM);
		assert_int_equal(chown(file, geteuid(), getegid()), 0);
	}
	assert_int_equal(accounts_verify(file, "tech", "password-2"), 0);
}

static void test_accounts_damaged(void **state)
{
	const char *file = path("damaged");
	FILE *f = fopen(file, "w");

	(void)state;
	assert_non_null(f);
	fputs("# comment\ntech:not-a-hash\n", f);
	fclose(f);
	chmod(file, 0600);
	assert_int_equal(accounts_verify(file, "tech", "password-1"), -FOLIO_EFORMAT);
	f = fopen(file, "w");
	for (int i = 0; i < 300; i++)
		fputc('x', f);
	fclose(f);
	assert_int_equal(accounts_verify(file, "tech", "password-1"), -FOLIO_EFORMAT);
	assert_false(account_name_valid(""));
	assert_false(account_name_valid("-x"));
	assert_false(account_name_valid("abcdefghijklmnopqrstuvwxyz0123456"));
	assert_true(account_name_valid("abcdefghijklmnopqrstuvwxyz012345"));
}

static const char conf_text[] = "# Station\n"
				"[station]\n"
				"id = S-1   \n"
				"office = KE\n"
				"\n"
				"# the store\n"
				"[store]\n"
				"path = store\n";

static void test_confedit(void **state)
{
	const char *file = path("folio.conf");
	struct confedit_change ch[] = {
		{ "station.id", "S-2" },
		{ "station.log_level", "debug" },
		{ "console.idle_logout_seconds", "60" },
	};
	struct folio_config *cfg = calloc(1, sizeof(*cfg));
	char why[256];
	FILE *f = fopen(file, "w");

	(void)state;
	fputs(conf_text, f);
	fclose(f);
	assert_int_equal(confedit_save(file, ch, 3, why, sizeof(why)), 0);
	assert_string_equal(slurp(file), "# Station\n"
					 "[station]\n"
					 "id = S-2\n"
					 "office = KE\n"
					 "log_level = debug\n"
					 "\n"
					 "# the store\n"
					 "[store]\n"
					 "path = store\n"
					 "\n"
					 "[console]\n"
					 "idle_logout_seconds = 60\n");
	assert_int_equal(config_load(file, cfg, NULL), 0);
	assert_int_equal(cfg->console_idle_logout_seconds, 60);

	/* A value the file check refuses changes nothing. */
	ch[0] = (struct confedit_change){ "station.office", "XX1" };
	assert_int_equal(confedit_save(file, ch, 1, why, sizeof(why)), -FOLIO_ECONFIG);
	assert_non_null(strstr(why, "office"));
	assert_non_null(strstr(slurp(file), "office = KE"));
	ch[0] = (struct confedit_change){ "station.id", "a ; b" };
	assert_int_equal(confedit_save(file, ch, 1, why, sizeof(why)), -EINVAL);
	free(cfg);
}

static void test_config_set(void **state)
{
	struct folio_config *cfg = calloc(1, sizeof(*cfg));
	char why[256];

	(void)state;
	assert_int_equal(
	    config_load_string("t.conf", "[station]\nid = S\noffice = KE\n", cfg, NULL), 0);
	assert_int_equal(cfg->console_baud, 115200);
	assert_int_equal(config_set(cfg, "console.baud", "9600", why, sizeof(why)), 0);
	assert_int_equal(cfg->console_baud, 9600);
	assert_int_equal(config_set(cfg, "console.baud", "12345", why, sizeof(why)), -EINVAL);
	assert_int_equal(cfg->console_baud, 9600);
	assert_int_equal(config_set(cfg, "console.tty", "ttyS0", why, sizeof(why)), -EINVAL);
	assert_int_equal(config_set(cfg, "console.tty", "/dev/ttyS0", why, sizeof(why)), 0);
	assert_string_equal(cfg->console_tty, "/dev/ttyS0");
	assert_int_equal(config_set(cfg, "console.nokey", "1", why, sizeof(why)), -ENOENT);
	assert_int_equal(config_set(cfg, "nodot", "1", why, sizeof(why)), -ENOENT);
	assert_int_equal(config_set(cfg, "profile.default.resolution", "600", why, sizeof(why)), 0);
	assert_int_equal(config_find_profile(cfg, "default")->resolution, 600);
	assert_int_equal(config_set(cfg, "profile.nosuch.resolution", "600", why, sizeof(why)),
			 -ENOENT);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_accounts_damaged),
		cmocka_unit_test(test_confedit),
		cmocka_unit_test(test_config_set),
	};

	return cmocka_run_group_tests_name("console", tests, setup, teardown);
}
