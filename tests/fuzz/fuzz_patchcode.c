/*
 * libFuzzer target for the patch code reader (firmware/index/patchcode.c), the code that reads
 * bar widths from the pixels a scanner sends.
 *
 * The input's first 8 bytes give the frame: width and height (16 bits each, little-endian,
 * at most 1024), depth and channels (low bit: 1 or 8 bits; 1 or 3 channels), dpi (16 bits, 0
 * for none); the rest are its pixels, repeated to fill it. Checks that the reader never
 * crashes or reads beyond the frame (an exact-size heap copy, so ASan sees it), refuses only
 * malformed frames, leaves its output untouched when it refuses, and answers a type it knows
 * at a row inside the frame.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_patchcode.c firmware/index/patchcode.c \
 *     $(pkg-config --cflags --libs cairo) -lm -o fuzz_patchcode
 *   ./fuzz_patchcode tests/fuzz/patchcode      # replay the seeds and fuzz onwards
 * `make check` replays the corpus (tests/fuzz/replay.c, build/tests/fuzz/fuzz_patchcode).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/index/patchcode.h"

#define MAX_SIDE 1024u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct patchcode p, canary;
	struct frame f = { 0 };
	size_t n;
	int r;

	if (size < 8)
		return 0;
	f.width = (uint32_t)(data[0] | data[1] << 8) % (MAX_SIDE + 1);
	f.height = (uint32_t)(data[2] | data[3] << 8) % (MAX_SIDE + 1);
	f.depth = data[4] & 1 ? 1 : 8;
	f.channels = data[5] & 1 ? 3 : 1;
	f.dpi = (uint32_t)(data[6] | data[7] << 8);
	f.bytes_per_line = (uint32_t)(((uint64_t)f.width * f.depth * f.channels + 7) / 8);
	data += 8;
	size -= 8;
	n = (size_t)f.bytes_per_line * f.height;
	f.data = malloc(n ? n : 1);
	if (!f.data)
		return 0;
	for (size_t i = 0; i < n; i++)
		f.data[i] = size ? data[i % size] : 0xff;
	memset(&p, 0xa5, sizeof(p));
	canary = p;
	r = patchcode_find(&f, &p);
	if (r == 0) {
		if (p.type >= PATCH_TYPES || (p.type != PATCH_NONE && p.y >= f.height))
			abort();
	} else if (r != -EINVAL || memcmp(&p, &canary, sizeof(p)) != 0) {
		abort();
	} else if (f.width && f.height && !(f.depth == 1 && f.channels == 3)) {
		abort(); /* a well-formed frame refused */
	}
	free(f.data);
	return 0;
}
