/* The office's receipt: its text, names, signature, keys, and every way they can be wrong. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/package/receipt.h"
#include "textfile.h"

#define HASH "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"

static struct receipt sample(void)
{
	struct receipt r = { 0 };

	assert_int_equal(receipt_from_name("KE-ST-7-0a1b2c3d-B000042", &r), 0);
	memcpy(r.manifest_sha256, HASH, 65);
	r.accepted = true;
	r.time = 1796425200; /* 2026-12-04T23:00:00Z */
	return r;
}

static void key_from_seed(uint8_t fill, struct sign_key *k)
{
	uint8_t seed[32];

	memset(seed, fill, sizeof(seed));
	memset(k, 0, sizeof(*k));
	assert_true(sodium_init() >= 0);
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	k->has_secret = true;
}

static void test_names(void **state)
{
	struct receipt r;

	(void)state;
	assert_int_equal(receipt_from_name("SIM-01-7499e802-B000001", &r), 0);
	assert_string_equal(r.station, "SIM-01");
	assert_string_equal(r.store, "7499e802");
	assert_int_equal(r.batch, 1);
	assert_int_equal(receipt_from_name("A-B-00000000-B1234567", &r), 0);
	assert_string_equal(r.station, "A-B");
	assert_int_equal(r.batch, 1234567);
	static const char *const bad[] = {
		"SIM-01-7499e802-B00001",   /* five digits */
		"SIM-01-7499e802-B0000001", /* not %06u */
		"SIM-01-7499e802-B000000",  /* batch 0 */
		"SIM-01-7499E802-B000001",  /* upper-case hex */
		"SIM-01-7499e80-B000001",   /* seven hex digits */
		"-7499e802-B000001",	    /* no station */
		"SIM_01-7499e802-B000001",  /* '_' in the station */
		"SIM-01-7499e802-B4294967296", "SIM-01-7499e802-B00000a", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(receipt_from_name(bad[i], &r), -FOLIO_EFORMAT);
}

static void test_round_trip(void **state)
{
	struct receipt r = sample(), back;
	char text[RECEIPT_MAX], why[256];
	int n;

	(void)state;
	n = receipt_format(&r, text, sizeof(text));
	assert_true(n > 0);
	assert_non_null(strstr(text, "\nverdict accepted\ntime 2026-12-04T23:00:00Z\n"));
	assert_null(strstr(text, "reason"));
	assert_int_equal(receipt_parse(text, (size_t)n, &back, why, sizeof(why)), 0);
	assert_true(back.accepted);
	assert_int_equal(back.batch, 42);
	assert_int_equal(back.time, r.time);
	assert_string_equal(back.package, "KE-ST-7-0a1b2c3d-B000042");

	/* a refusal: control characters, '\' and UTF-8 escaped, one line */
	receipt_set_reason(&r, "bad\n\x1b[31m \\ \xc3\xa9", 14);
	assert_false(r.accepted);
	assert_string_equal(r.reason, "bad\\x0a\\x1b[31m \\x5c \\xc3\\xa9");
	n = receipt_format(&r, text, sizeof(text));
	assert_int_equal(receipt_parse(text, (size_t)n, &back, why, sizeof(why)), 0);
	assert_false(back.accepted);
	assert_string_equal(back.reason, r.reason);

	/* a long reason is cut, never split inside an escape */
	{
		char longer[600];

		memset(longer, '\x01', sizeof(longer));
		receipt_set_reason(&r, longer, sizeof(longer));
		assert_true(strlen(r.reason) <= RECEIPT_REASON_MAX);
		assert_int_equal(strlen(r.reason) % 4, 0);
		n = receipt_format(&r, text, sizeof(text));
		assert_int_equal(receipt_parse(text, (size_t)n, &back, why, sizeof(why)), 0);
	}
}

/* @from replaced by @to in the good receipt must be refused. */
static void refuse_edit(const char *from, const char *to)
{
	struct receipt r = sample(), back;
	char text[RECEIPT_MAX], edited[RECEIPT_MAX + 64], why[256];
	char *at;
	int n = receipt_format(&r, text, sizeof(text));

	at = strstr(text, from);
	assert_non_null(at);
	snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	why[0] = '\0';
	assert_int_equal(receipt_parse(edited, strlen(edited), &back, why, sizeof(why)),
			 -FOLIO_EFORMAT);
	assert_true(why[0] != '\0');
	(void)n;
}

static void test_strict(void **state)
{
	(void)state;
	refuse_edit("folio-receipt 1", "folio-receipt 2");
	refuse_edit("batch 42\n", "batch 43\n");	     /* not the package's batch */
	refuse_edit("station KE-ST-7", "station KE-ST-8");   /* nor its station */
	refuse_edit("store 0a1b2c3d", "store 0a1b2c3e");     /* nor its store */
	refuse_edit("batch 42\n", "batch 042\n");	     /* leading zero */
	refuse_edit("verdict accepted", "verdict Accepted"); /* case */
	refuse_edit("verdict accepted\n",
		    "verdict accepted\nreason x\n");		/* reason when accepted */
	refuse_edit("verdict accepted\n", "verdict refused\n"); /* refused without reason */
	refuse_edit("2026-12-04T23", "2026-02-30T23");		/* no such day */
	refuse_edit("T23:00:00Z", "T23:00:00");			/* not UTC */
	refuse_edit("4881\n", "4881\r\n");			/* CRLF */
	refuse_edit("4881\n", "4881 \n");			/* trailing blank */
	refuse_edit("a4881", "A4881");				/* upper-case hex */
	refuse_edit("00:00Z\n", "00:00Z\nextra 1\n");		/* more after the end */
	refuse_edit("00:00Z\n", "00:00Z");			/* no final newline */
	refuse_edit("package ", "package  ");			/* two blanks */
	refuse_edit("station", "stat\x01on");
	refuse_edit("verdict accepted\n", "verdict refused\nreason a\\x1\n"); /* half an escape */
	refuse_edit("verdict accepted\n", "verdict refused\nreason \xc3\xa9\n"); /* raw UTF-8 */
	{
		struct receipt back;
		char why[128];

		assert_int_equal(receipt_parse("folio-receipt 1\n\0", 17, &back, why, sizeof(why)),
				 -FOLIO_EFORMAT);
		assert_int_equal(receipt_parse("", 0, &back, why, sizeof(why)), -FOLIO_EFORMAT);
	}
}

static void test_write_and_check(void **state)
{
	struct receipt r = sample(), back;
	struct sign_key office, other, keys[2];
	char text[RECEIPT_MAX + 1], sig[SIGN_SSH_MAX + 1], why[256], pkgsig[SIGN_SSH_MAX];
	size_t tn, sn;
	struct stat st;
	int n;

	(void)state;
	key_from_seed(1, &office);
	key_from_seed(2, &other);
	keys[0] = other;
	keys[1] = office;
	assert_int_equal(receipt_write("rc", &r, &office, why, sizeof(why)), 0);
	assert_int_equal(stat("rc/KE-ST-7-0a1b2c3d-B000042.receipt", &st), 0);
	assert_int_equal(stat("rc/.KE-ST-7-0a1b2c3d-B000042.receipt.tmp", &st), -1);
	tn = read_text("rc/KE-ST-7-0a1b2c3d-B000042.receipt", text, sizeof(text));
	sn = read_text("rc/KE-ST-7-0a1b2c3d-B000042.receipt.sshsig", sig, sizeof(sig));
	assert_int_equal(receipt_check(keys, 2, text, tn, sig, sn, &back, why, sizeof(why)), 0);
	assert_string_equal(back.manifest_sha256, HASH);

	/* only the other key: not an office key; altered: does not match */
	assert_int_equal(receipt_check(keys, 1, text, tn, sig, sn, &back, why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	assert_non_null(strstr(why, "not an office receipt key"));
	text[tn - 3] = '1';
	assert_int_equal(receipt_check(keys, 2, text, tn, sig, sn, &back, why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	text[tn - 3] = '0';
	/* a package signature (namespace folio-package) by the office key never passes */
	n = sign_sshsig(&office, text, tn, pkgsig, sizeof(pkgsig));
	assert_true(n > 0);
	assert_int_equal(
	    receipt_check(keys, 2, text, tn, pkgsig, (size_t)n, &back, why, sizeof(why)),
	    -FOLIO_ECORRUPT);
	assert_non_null(strstr(why, "namespace folio-receipt"));
	/* a signature cut short: malformed */
	assert_int_equal(receipt_check(keys, 2, text, tn, sig, sn - 40, &back, why, sizeof(why)),
			 -FOLIO_EFORMAT);

	/* accepted is never replaced; refused may be */
	receipt_set_reason(&r, "late", 4);
	assert_int_equal(receipt_write("rc", &r, &office, why, sizeof(why)), -EEXIST);
	assert_int_equal(receipt_from_name("KE-ST-7-0a1b2c3d-B000043", &r), 0);
	assert_int_equal(receipt_write("rc", &r, &office, why, sizeof(why)), 0);
	r.accepted = true;
	r.reason[0] = '\0';
	assert_int_equal(receipt_write("rc", &r, &office, why, sizeof(why)), 0);
	tn = read_text("rc/KE-ST-7-0a1b2c3d-B000043.receipt", text, sizeof(text));
	assert_non_null(strstr(text, "verdict accepted"));
}

static void test_keys_file(void **state)
{
	struct sign_key office, keys[2];
	char line[200], text[600], why[256];
	size_t n = 0;

	(void)state;
	key_from_seed(1, &office);
	assert_int_equal(sign_ssh_public(&office, false, line, sizeof(line)) > 0, 1);
	snprintf(text, sizeof(text), "# the office\n\n%s%s", line, line);
	write_text("keys", text, 0644);
	assert_int_equal(receipt_load_keys("keys", keys, 2, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(keys[0].pk, office.pk, 32);
	assert_int_equal(receipt_load_keys("keys", keys, 1, &n, why, sizeof(why)), -FOLIO_EFORMAT);
	assert_non_null(strstr(why, "keys:4: more than 1 keys"));
	write_text("keys", "# nothing\n", 0644);
	assert_int_equal(receipt_load_keys("keys", keys, 2, &n, why, sizeof(why)), -FOLIO_EFORMAT);
	assert_non_null(strstr(why, "holds no key"));
	write_text("keys", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ x\n", 0644);
	assert_int_equal(receipt_load_keys("keys", keys, 2, &n, why, sizeof(why)), -FOLIO_EFORMAT);
	assert_non_null(strstr(why, "keys:1: not an OpenSSH Ed25519 public key"));
	/* the key type says ed25519, the blob says otherwise */
	write_text("keys", "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ x\n", 0644);
	assert_int_equal(receipt_load_keys("keys", keys, 2, &n, why, sizeof(why)), -FOLIO_EFORMAT);
	assert_int_equal(receipt_load_keys("nowhere", keys, 2, &n, why, sizeof(why)), -ENOENT);
}

/* ssh-keygen's own private key files, when ssh-keygen is there. */
static void test_openssh_secret(void **state)
{
	struct sign_key sec, pub;
	char line[200];
	size_t n;

	(void)state;
	if (system("command -v ssh-keygen >/dev/null") != 0)
		skip();
	assert_int_equal(system("ssh-keygen -q -t ed25519 -N '' -C office -f k1"), 0);
	assert_int_equal(sign_load_ssh_secret("k1", &sec), 0);
	assert_true(sec.has_secret);
	n = read_text("k1.pub", line, sizeof(line));
	assert_int_equal(sign_ssh_parse_public(line, n, &pub), 0);
	assert_memory_equal(sec.pk, pub.pk, 32);
	assert_string_equal(sec.id, pub.id);
	chmod("k1", 0640);
	assert_int_equal(sign_load_ssh_secret("k1", &sec), -EPERM);
	assert_int_equal(sign_load_ssh_secret("k1.pub", &sec), -FOLIO_EFORMAT);
	assert_int_equal(system("ssh-keygen -q -t ed25519 -N secret -C office -f k2"), 0);
	assert_int_equal(sign_load_ssh_secret("k2", &sec), -EKEYREJECTED);
	assert_int_equal(system("ssh-keygen -q -t ecdsa -N '' -f k3"), 0);
	assert_int_equal(sign_load_ssh_secret("k3", &sec), -FOLIO_EFORMAT);
	sign_key_wipe(&sec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),	  cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_strict),	  cmocka_unit_test(test_write_and_check),
		cmocka_unit_test(test_keys_file), cmocka_unit_test(test_openssh_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
