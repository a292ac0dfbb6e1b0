/*
 * libFuzzer target for the office verifier's reader of a document's searchable PDF
 * (pdfcheck_pages() in firmware/package/pdfcheck.c).
 *
 * Input: the PDF as received. It is put in a memory file and read through its descriptor, as
 * the verifier reads the package's file. Checks that the reader never crashes, reads out of
 * bounds or leaks, returns 0 or -FOLIO_EFORMAT with a terminated one-line reason, and that a
 * page count it gives is within its bound.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_pdfcheck.c firmware/package/pdfcheck.c \
 *     firmware/base/errors.c firmware/base/fileio.c -lz -o fuzz_pdfcheck
 *   ./fuzz_pdfcheck tests/fuzz/pdfcheck          # replay the seeds and fuzz onwards
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/package/pdfcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	uint32_t pages = 0;
	char why[200];
	int r;

	if (fd < 0) {
		fd = memfd_create("fuzz_pdfcheck", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	memset(why, 'x', sizeof(why));
	r = pdfcheck_pages(fd, size, &pages, why, sizeof(why));
	if (r != 0 && r != -FOLIO_EFORMAT)
		abort();
	if (r < 0 && (strnlen(why, sizeof(why)) == sizeof(why) || strchr(why, '\n')))
		abort(); /* reason not one terminated line */
	if (r == 0 && pages > PDFCHECK_MAX_PAGES)
		abort();
	return 0;
}
