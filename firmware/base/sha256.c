/* SHA-256 of large buffers through libcrypto (sha256.h). */
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>

#include "sha256.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MD *md; /* fetched once: a fetch per call looks the provider up each time */

static void fetch(void)
{
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void sha256_digest(uint8_t out[SHA256_BYTES], const void *data, size_t len)
{
	pthread_once(&once, fetch);
	if (md && EVP_Digest(data, len, out, NULL, md, NULL) == 1)
		return;
	crypto_hash_sha256(out, data, len);
}
