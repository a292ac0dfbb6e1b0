/*
 * libFuzzer target for the office verifier's reader of a document's multi-page TIFF
 * (tiffcheck_pages() in firmware/package/tiffcheck.c).
 *
 * Input: the TIFF as received. It is put in a memory file and read through its descriptor, as
 * the verifier reads the package's file. Checks that the reader never crashes, reads out of
 * bounds or leaks, returns 0 or -FOLIO_EFORMAT with a terminated one-line reason, calls back
 * once per directory in order, and that what it reports is within its bounds: a directory
 * count of at most TIFFCHECK_MAX_PAGES, and strips that add up to no more than the file.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_tiffcheck.c firmware/package/tiffcheck.c \
 *     firmware/base/errors.c firmware/base/fileio.c -lsodium -o fuzz_tiffcheck
 *   ./fuzz_tiffcheck tests/fuzz/tiffcheck          # replay the seeds and fuzz onwards
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/package/tiffcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	uint32_t pages;
	uint64_t bytes;
};

static int on_page(const struct tiffcheck_page *pg, uint32_t index, void *user)
{
	struct seen *s = user;

	if (index != s->pages || pg->width == 0 || pg->height == 0)
		abort();
	s->pages++;
	s->bytes += pg->data_bytes;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct seen s = { 0 };
	uint32_t pages = 0;
	char why[200];
	int r;

	if (fd < 0) {
		fd = memfd_create("fuzz_tiffcheck", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	memset(why, 'x', sizeof(why));
	r = tiffcheck_pages(fd, size, on_page, &s, &pages, why, sizeof(why));
	if (r != 0 && r != -FOLIO_EFORMAT)
		abort();
	if (r < 0 && (strnlen(why, sizeof(why)) == sizeof(why) || strchr(why, '\n')))
		abort(); /* reason not one terminated line */
	if (r == 0 &&
	    (pages != s.pages || pages == 0 || pages > TIFFCHECK_MAX_PAGES || s.bytes > size))
		abort();
	return 0;
}
