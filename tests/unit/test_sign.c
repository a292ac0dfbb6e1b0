/* The station key: key files, modes, detached signatures and every way they can be wrong. */
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
#include "firmware/package/sign.h"
#include "textfile.h"

static void test_keygen_files(void **state)
{
	struct sign_key k, sec, pub;
	struct stat st;
	char text[256];

	(void)state;
	assert_int_equal(sign_keygen("keys", &k), 0);
	assert_int_equal(stat("keys/" SIGN_SECRET_FILE, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat("keys/" SIGN_PUBLIC_FILE, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	read_text("keys/" SIGN_PUBLIC_FILE, text, sizeof(text));
	assert_int_equal(strncmp(text, "folio-ed25519-public ", 21), 0);
	assert_int_equal(strlen(text), 21 + 64 + 1);

	assert_int_equal(sign_load_secret("keys/" SIGN_SECRET_FILE, &sec), 0);
	assert_int_equal(sign_load_public("keys/" SIGN_PUBLIC_FILE, &pub), 0);
	assert_memory_equal(sec.pk, k.pk, 32);
	assert_memory_equal(pub.pk, k.pk, 32);
	assert_string_equal(pub.id, k.id);
	assert_int_equal(strlen(k.id), SIGN_KEY_ID_LEN);
	assert_false(pub.has_secret);

	/* A key is never replaced. */
	assert_int_equal(sign_keygen("keys", &k), -EEXIST);
	assert_int_equal(sign_load_secret("keys/" SIGN_SECRET_FILE, &sec), 0);
	assert_memory_equal(sec.pk, pub.pk, 32);
	sign_key_wipe(&k);
	sign_key_wipe(&sec);
}

static void test_sign_and_check(void **state)
{
	static const char data[] = "abc  D0001/P0001.tif\n";
	struct sign_key a, b, pub;
	char sig[SIGN_LINE_MAX], why[256], bad[SIGN_LINE_MAX];
	int n;

	(void)state;
	assert_int_equal(sign_keygen("ka", &a), 0);
	assert_int_equal(sign_keygen("kb", &b), 0);
	assert_int_equal(sign_load_public("ka/" SIGN_PUBLIC_FILE, &pub), 0);
	n = sign_detached(&a, data, strlen(data), sig, sizeof(sig));
	assert_true(n > 0);
	assert_int_equal(sign_check(&pub, data, strlen(data), sig, (size_t)n, why, sizeof(why)), 0);

	/* Altered data. */
	assert_int_equal(sign_check(&pub, "abd  D0001/P0001.tif\n", strlen(data), sig, (size_t)n,
				    why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	assert_non_null(strstr(why, "altered"));
	/* Another station's key. */
	assert_int_equal(sign_check(&b, data, strlen(data), sig, (size_t)n, why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	assert_non_null(strstr(why, a.id));
	assert_non_null(strstr(why, b.id));
	/* Truncated, extended, a flipped signature digit. */
	assert_int_equal(
	    sign_check(&pub, data, strlen(data), sig, (size_t)n - 10, why, sizeof(why)),
	    -FOLIO_EFORMAT);
	assert_non_null(strstr(why, "truncated"));
	memcpy(bad, sig, (size_t)n);
	bad[n] = 'x';
	assert_int_equal(sign_check(&pub, data, strlen(data), bad, (size_t)n + 1, why, sizeof(why)),
			 -FOLIO_EFORMAT);
	memcpy(bad, sig, (size_t)n);
	bad[n - 5] = bad[n - 5] == '0' ? '1' : '0';
	assert_int_equal(sign_check(&pub, data, strlen(data), bad, (size_t)n, why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	/* A public key cannot sign. */
	assert_int_equal(sign_detached(&pub, data, strlen(data), sig, sizeof(sig)), -EINVAL);
	sign_key_wipe(&a);
	sign_key_wipe(&b);
}

/* OpenSSH's forms: the key files keygen writes and SSH signatures, every field checked. */
static void test_ssh_signature(void **state)
{
	static const char data[] = "abc  D0001/P0001.tif\n";
	struct sign_key a, b, pub;
	char sig[SIGN_SSH_MAX], bad[SIGN_SSH_MAX], why[256], text[256], want[256];
	int n;

	(void)state;
	assert_int_equal(sign_keygen("ssha", &a), 0);
	assert_int_equal(sign_keygen("sshb", &b), 0);
	assert_int_equal(sign_load_public("ssha/" SIGN_PUBLIC_FILE, &pub), 0);
	read_text("ssha/" SIGN_SSH_PUBLIC_FILE, text, sizeof(text));
	/* "ssh-ed25519 " + base64 of 51 bytes (68 characters) + " folio-station-ID\n" */
	assert_int_equal(strncmp(text, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", 37), 0);
	snprintf(want, sizeof(want), " folio-station-%s\n", a.id);
	assert_non_null(strstr(text, want));
	assert_int_equal(strlen(text), 12 + 68 + strlen(want));
	read_text("ssha/" SIGN_ALLOWED_SIGNERS_FILE, text, sizeof(text));
	snprintf(want, sizeof(want), "folio-station-%s namespaces=\"folio-package\" ssh-ed25519 ",
		 a.id);
	assert_int_equal(strncmp(text, want, strlen(want)), 0);

	n = sign_sshsig(&a, data, strlen(data), sig, sizeof(sig));
	assert_true(n > 0);
	assert_int_equal(strncmp(sig, "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH", 38), 0);
	assert_int_equal(
	    sign_sshsig_check(&pub, data, strlen(data), sig, (size_t)n, why, sizeof(why)), 0);
	/* Altered data, another key, truncated, a flipped character, garbage. */
	assert_int_equal(sign_sshsig_check(&pub, "abd  D0001/P0001.tif\n", strlen(data), sig,
					   (size_t)n, why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	assert_non_null(strstr(why, "altered"));
	assert_int_equal(
	    sign_sshsig_check(&b, data, strlen(data), sig, (size_t)n, why, sizeof(why)),
	    -FOLIO_ECORRUPT);
	assert_non_null(strstr(why, "another key"));
	assert_int_equal(
	    sign_sshsig_check(&pub, data, strlen(data), sig, (size_t)n - 40, why, sizeof(why)),
	    -FOLIO_EFORMAT);
	for (int i = 31; i < n - 30; i += 7) {
		memcpy(bad, sig, (size_t)n);
		if (bad[i] == '\n')
			continue;
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_true(sign_sshsig_check(&pub, data, strlen(data), bad, (size_t)n, why,
					      sizeof(why)) < 0);
	}
	memset(bad, 'A', sizeof(bad));
	assert_int_equal(
	    sign_sshsig_check(&pub, data, strlen(data), bad, sizeof(bad), why, sizeof(why)),
	    -FOLIO_EFORMAT);
	assert_int_equal(sign_sshsig(&pub, data, strlen(data), sig, sizeof(sig)), -EINVAL);
	sign_key_wipe(&a);
	sign_key_wipe(&b);
}

static void test_bad_key_files(void **state)
{
	struct sign_key k;
	char text[256];

	(void)state;
	assert_int_equal(sign_keygen("kc", &k), 0);
	/* A secret key others can read is refused. */
	chmod("kc/" SIGN_SECRET_FILE, 0644);
	assert_int_equal(sign_load_secret("kc/" SIGN_SECRET_FILE, &k), -EPERM);
	chmod("kc/" SIGN_SECRET_FILE, 0600);
	assert_int_equal(sign_load_secret("kc/" SIGN_SECRET_FILE, &k), 0);
	/* Never through a symbolic link, and a FIFO in its place is refused, not waited on. */
	assert_int_equal(symlink(SIGN_SECRET_FILE, "kc/link.key"), 0);
	assert_int_equal(sign_load_secret("kc/link.key", &k), -ELOOP);
	assert_int_equal(mkfifo("kc/fifo.key", 0600), 0);
	assert_int_equal(sign_load_secret("kc/fifo.key", &k), -FOLIO_EFORMAT);
	unlink("kc/link.key");
	unlink("kc/fifo.key");
	/* Another user's key, even private to them, is refused (as root: owned by nobody). */
	if (geteuid() == 0) {
		assert_int_equal(chown("kc/" SIGN_SECRET_FILE, 65534, 65534), 0);
		assert_int_equal(sign_load_secret("kc/" SIGN_SECRET_FILE, &k), -EPERM);
		assert_int_equal(chown("kc/" SIGN_SECRET_FILE, 0, 0), 0);
		assert_int_equal(sign_load_secret("kc/" SIGN_SECRET_FILE, &k), 0);
	}

	/* A secret key whose public half was changed. */
	read_text("kc/" SIGN_SECRET_FILE, text, sizeof(text));
	text[strlen(text) - 3] = text[strlen(text) - 3] == 'a' ? 'b' : 'a';
	write_text("bad.key", text, 0600);
	assert_int_equal(sign_load_secret("bad.key", &k), -FOLIO_EFORMAT);
	/* Public file given as a secret key, and the other way round. */
	assert_int_equal(sign_load_secret("kc/" SIGN_PUBLIC_FILE, &k), -EPERM);
	chmod("kc/" SIGN_PUBLIC_FILE, 0600);
	assert_int_equal(sign_load_secret("kc/" SIGN_PUBLIC_FILE, &k), -FOLIO_EFORMAT);
	assert_int_equal(sign_load_public("kc/" SIGN_SECRET_FILE, &k), -FOLIO_EFORMAT);
	/* Truncated, upper-case, without newline, too long, missing. */
	write_text("p1", "folio-ed25519-public 0011\n", 0644);
	assert_int_equal(sign_load_public("p1", &k), -FOLIO_EFORMAT);
	read_text("kc/" SIGN_PUBLIC_FILE, text, sizeof(text));
	text[30] = 'A';
	write_text("p2", text, 0644);
	assert_int_equal(sign_load_public("p2", &k), -FOLIO_EFORMAT);
	read_text("kc/" SIGN_PUBLIC_FILE, text, sizeof(text));
	text[strlen(text) - 1] = '\0';
	write_text("p3", text, 0644);
	assert_int_equal(sign_load_public("p3", &k), -FOLIO_EFORMAT);
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	write_text("p4", text, 0644);
	assert_int_equal(sign_load_public("p4", &k), -FOLIO_EFORMAT);
	assert_int_equal(sign_load_public("nothing.pub", &k), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_files),
		cmocka_unit_test(test_sign_and_check),
		cmocka_unit_test(test_bad_key_files),
		cmocka_unit_test(test_ssh_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
