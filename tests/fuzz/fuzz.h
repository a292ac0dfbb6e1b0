#ifndef FOLIO_TESTS_FUZZ_FUZZ_H
#define FOLIO_TESTS_FUZZ_FUZZ_H

/* What several fuzz targets share; all static inline, so a target takes what it uses. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The test's scratch folder under make check, else a RAM disk for speed. */
static inline const char *fuzz_scratch(void)
{
	const char *t = getenv("FOLIO_TMP");

	if (t && *t)
		return t;
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

/* The input in a heap block of exactly @size bytes, so that ASan sees a read past its end. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);

	if (copy)
		memcpy(copy, data, size);
	return copy;
}

#endif
