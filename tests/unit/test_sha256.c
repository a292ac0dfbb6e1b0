/*
 * SHA-256 of large buffers (firmware/base/sha256.c): the digests that FIPS 180-4's examples
 * give, and libsodium's digest of every length around SHA-256's 64-byte blocks and of a page
 * image's size, so that a page stored before the change checks the same after it.
 */
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sha256.h"

static void assert_digest_hex(const uint8_t *d, const char *want)
{
	char hex[SHA256_BYTES * 2 + 1];

	sodium_bin2hex(hex, sizeof(hex), d, SHA256_BYTES);
	assert_string_equal(hex, want);
}

static void test_known(void **state)
{
	uint8_t d[SHA256_BYTES];

	(void)state;
	sha256_digest(d, "", 0);
	assert_digest_hex(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_digest(d, "abc", 3);
	assert_digest_hex(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_digest(d, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	assert_digest_hex(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_as_libsodium(void **state)
{
	size_t big = 3u << 20; /* a grey page's JPEG is 1-2 MB */
	uint8_t *buf = malloc(big), d[SHA256_BYTES], want[SHA256_BYTES];

	(void)state;
	assert_non_null(buf);
	randombytes_buf_deterministic(buf, big,
				      (const unsigned char *)"folio sha256 test bytes 32 long");
	for (size_t len = 0; len <= 300; len++) {
		sha256_digest(d, buf + len % 7, len); /* unaligned starts too */
		crypto_hash_sha256(want, buf + len % 7, len);
		assert_memory_equal(d, want, SHA256_BYTES);
	}
	for (size_t len = big - 65; len <= big; len += 13) {
		sha256_digest(d, buf, len);
		crypto_hash_sha256(want, buf, len);
		assert_memory_equal(d, want, SHA256_BYTES);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_as_libsodium),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
