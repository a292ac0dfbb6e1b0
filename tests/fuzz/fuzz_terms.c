/*
 * libFuzzer target for the words of recognised text (firmware/store/terms.c), which OCR's
 * output and a clerk's search reach.
 *
 * Input: any bytes, read as text. Checks that term_next() never crashes or reads past the
 * text, that every word is NUL-terminated, 2 to TERM_MAX bytes, found where it says and
 * after the previous one, and that a word read again is itself (normalising is idempotent:
 * what the index keeps is what a search for it asks).
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_terms.c firmware/store/terms.c -o fuzz_terms
 *   ./fuzz_terms tests/fuzz/terms            # replay the seeds and fuzz onwards
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/store/terms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1), word[TERM_MAX + 1], again[TERM_MAX + 1];
	size_t pos = 0, last = 0, start, n;

	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size); /* not terminated: term_next() must keep to @len */
	while ((n = term_next(text, size, &pos, word, &start)) > 0) {
		size_t p2 = 0;

		if (n < 2 || n > TERM_MAX || strlen(word) != n)
			abort();
		if (start < last || start >= pos || pos > size)
			abort();
		if (term_next(word, n, &p2, again, NULL) != n || memcmp(word, again, n) != 0)
			abort();
		if (term_next(word, n, &p2, again, NULL) != 0)
			abort();
		last = pos;
	}
	if (pos != size)
		abort();
	free(text);
	return 0;
}
