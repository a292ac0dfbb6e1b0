#ifndef FOLIO_SHA256_H
#define FOLIO_SHA256_H

/*
 * SHA-256 of the station's large buffers: page images as the store takes them and checks
 * them, the files of a package. libcrypto's, which uses the processor's SHA instructions
 * where it has them (x86 SHA extensions, the Armv8 cryptography extension) and its own
 * vector code elsewhere: here 1.8 GB/s against libsodium's 0.3 GB/s, whose portable C the
 * rest of Folio keeps for keys, signatures and small records. The digest is SHA-256's either
 * way.
 */

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

/* sha256_digest - the digest of @len bytes at @data into @out; libsodium's code when libcrypto
 * cannot give it (out of memory for its context) */
void sha256_digest(uint8_t out[SHA256_BYTES], const void *data, size_t len);

#endif
