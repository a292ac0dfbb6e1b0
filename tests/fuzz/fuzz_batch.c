/*
 * libFuzzer target for the office verifier's BATCH.txt parser (verify_parse_batch() in
 * firmware/package/verify.c).
 *
 * Input: the file as received. Checks that the parser never crashes or reads past the input,
 * returns 0 or -FOLIO_ECORRUPT with a terminated one-line reason, and that what it accepts
 * holds to its forms: a station of 1..32 name characters, a store of 0 or 16 hex digits, a
 * batch from 1, counts within bounds.
 *
 * Build by hand (from the source root, after make):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include -include build/include/generated/autoconf.h \
 *     $(pkg-config --cflags libxml-2.0) tests/fuzz/fuzz_batch.c firmware/package/verify.c \
 *     firmware/package/sign.c build/libfolio.a $(pkg-config --libs libxml-2.0 libsodium zlib) \
 *     -o fuzz_batch
 *   ./fuzz_batch tests/fuzz/batch          # replay the seeds and fuzz onwards
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "firmware/package/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_batch b;
	char why[256];
	char *copy = malloc(size ? size : 1); /* exactly @size bytes: overreads are caught */
	size_t n;
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	memset(why, 'x', sizeof(why));
	memset(&b, 0x55, sizeof(b));
	r = verify_parse_batch(copy, size, &b, why, sizeof(why));
	free(copy);
	if (r != 0 && r != -FOLIO_ECORRUPT)
		abort();
	if (r < 0) {
		if (strnlen(why, sizeof(why)) == sizeof(why) || strchr(why, '\n'))
			abort(); /* reason not one terminated line */
		return 0;
	}
	n = strnlen(b.station, sizeof(b.station));
	if (n == 0 || n == sizeof(b.station) ||
	    strspn(b.station,
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		abort();
	n = strnlen(b.store, sizeof(b.store));
	if ((n != 0 && n != 16) || strspn(b.store, "0123456789abcdef") != n)
		abort();
	if (b.batch == 0 || b.documents > VERIFY_MAX_FILES || b.pages > VERIFY_MAX_FILES)
		abort();
	return 0;
}
