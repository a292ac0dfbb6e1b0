/*
 * libFuzzer target for the station's parsers of what the office sends back: the receipt
 * (receipt_parse() in firmware/package/receipt.c), the package name inside it
 * (receipt_from_name()) and the office's public key lines of [upload] receipt_keys
 * (sign_ssh_parse_public() in firmware/package/sign.c).
 *
 * Input: the bytes of a receipt file as fetched. Checks that the parsers never crash or read
 * out of bounds, return only their documented codes with a terminated reason, and that a
 * receipt accepted is canonical: formatted again it gives the same bytes, so two different
 * texts never mean the same receipt.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_receipt.c firmware/package/receipt.c \
 *     firmware/package/sign.c firmware/base/fileio.c firmware/base/errors.c -lsodium \
 *     -o fuzz_receipt
 *   ./fuzz_receipt tests/fuzz/receipt          # replay the seeds and fuzz onwards
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "firmware/package/receipt.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[200], again[RECEIPT_MAX], name[RECEIPT_NAME_MAX + 2];
	struct receipt rc, named;
	struct sign_key k;
	char *copy;
	int r, n;

	copy = fuzz_copy(data, size);
	if (!copy)
		return 0;
	memset(why, 'x', sizeof(why));
	r = receipt_parse(copy, size, &rc, why, sizeof(why));
	if (r != 0 && r != -FOLIO_EFORMAT)
		abort();
	if (r < 0 && strnlen(why, sizeof(why)) == sizeof(why))
		abort();
	if (r == 0) {
		n = receipt_format(&rc, again, sizeof(again));
		if (n < 0 || (size_t)n != size || memcmp(again, copy, size) != 0)
			abort(); /* not canonical */
		if (receipt_from_name(rc.package, &named) < 0 || named.batch != rc.batch)
			abort();
	}

	/* The first line as a package name and as a key line. */
	n = 0;
	while ((size_t)n < size && (size_t)n < sizeof(name) - 1 && copy[n] != '\n' && copy[n])
		n++;
	memcpy(name, copy, (size_t)n);
	name[n] = '\0';
	r = receipt_from_name(name, &named);
	if (r != 0 && r != -FOLIO_EFORMAT)
		abort();
	if (r == 0 && (named.batch == 0 || strlen(named.store) != 8))
		abort();
	r = sign_ssh_parse_public(copy, size, &k);
	if (r != 0 && r != -FOLIO_EFORMAT && r != -EIO)
		abort();
	free(copy);
	return 0;
}
