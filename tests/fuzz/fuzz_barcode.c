/*
 * libFuzzer target for the cover-sheet payload parser (firmware/index/coversheet.c), the code
 * that reads what zbar decoded from a captured page.
 *
 * Checks that the parser never crashes or reads beyond its input, always terminates its
 * reason, leaves its output untouched on failure, and is canonical: a payload it accepts is
 * exactly what coversheet_payload() writes for the fields it returned.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_barcode.c firmware/index/coversheet.c \
 *     firmware/index/barcode.c firmware/domain/office.c firmware/domain/appno.c \
 *     firmware/domain/iptype.c firmware/package/st96.c firmware/base/log.c firmware/base/errors.c \
 *     $(pkg-config --cflags --libs cairo libqrencode libxml-2.0) -o fuzz_barcode
 *   ./fuzz_barcode tests/fuzz/barcode          # replay the seeds and fuzz onwards
 * `make check` replays the corpus (tests/fuzz/replay.c, build/tests/fuzz/fuzz_barcode).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/index/coversheet.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coversheet c, canary;
	char why[96], again[COVERSHEET_PAYLOAD_MAX + 1];
	char *copy;
	int r, n;

	copy = fuzz_copy(data, size);
	if (!copy)
		return 0;
	memset(&c, 0xa5, sizeof(c));
	canary = c;
	memset(why, 'x', sizeof(why));
	r = coversheet_parse(copy, size, &c, why, sizeof(why));
	if (r != 0) {
		if (strnlen(why, sizeof(why)) == sizeof(why) || memcmp(&c, &canary, sizeof(c)))
			abort();
	} else {
		n = coversheet_payload(&c, again, sizeof(again));
		if (n < 0 || (size_t)n != size || memcmp(again, copy, size) != 0)
			abort();
	}
	(void)coversheet_is_ours(copy, size);
	free(copy);
	return 0;
}
