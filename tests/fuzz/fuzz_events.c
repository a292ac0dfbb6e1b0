/*
 * libFuzzer target for the office verifier's EVENTS.txt parser (firmware/package/events.c).
 *
 * Input: the file as received. Checks that events_check() never crashes or reads out of
 * bounds, returns 0 or -FOLIO_ECORRUPT with a terminated reason, and that a chain it accepts
 * runs from a first event to an approval at or after it.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_events.c firmware/package/events.c -lsodium \
 *     -o fuzz_events
 *   ./fuzz_events tests/fuzz/events          # replay the seeds and fuzz onwards
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "firmware/package/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct events_summary s = { 0 };
	char why[200];
	char *copy = malloc(size ? size : 1); /* exactly @size bytes: overreads are caught */
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	memset(why, 'x', sizeof(why));
	r = events_check(copy, size, 1, &s, why, sizeof(why));
	if (r != 0 && r != -FOLIO_ECORRUPT)
		abort();
	if (r < 0 && strnlen(why, sizeof(why)) == sizeof(why))
		abort(); /* reason not terminated */
	if (r == 0 && (s.events == 0 || s.approved_seq < s.first_seq))
		abort();
	free(copy);
	return 0;
}
