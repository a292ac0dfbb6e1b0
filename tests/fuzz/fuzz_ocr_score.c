/* requires: CONFIG_OCR */
/*
 * libFuzzer target for the OCR error rates (ocr/score.c): UTF-8 decoding, NFC, blank folding
 * and the edit distances.
 *
 * Input: ground truth and recognised text separated by the first NUL byte (no NUL: the input
 * against itself). Checks that ocr_score() never crashes, that a text scores perfectly against
 * itself, and that the distances are symmetric.
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_ocr_score.c ocr/score.c firmware/base/errors.c \
 *     $(pkg-config --cflags --libs icu-uc) -o fuzz_ocr_score
 *   ./fuzz_ocr_score tests/fuzz/ocr_score     # replay the seeds and fuzz onwards
 *
 * replay-sources: ocr/score.c firmware/base/errors.c -licuuc -licudata
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocr_score ab, ba, aa;
	const uint8_t *nul;
	char *a, *b;
	size_t la;
	int ra, rb;

	if (size > 4096) /* quadratic: keep runs fast */
		return 0;
	nul = memchr(data, 0, size);
	la = nul ? (size_t)(nul - data) : size;
	a = strndup((const char *)data, la);
	if (!a)
		abort();
	b = nul ? strndup((const char *)nul + 1, size - la - 1) : strdup(a);
	if (!b)
		abort();

	ra = ocr_score(a, b, &ab);
	rb = ocr_score(b, a, &ba);
	if (ra == 0 && rb == 0) {
		if (ab.char_errors != ba.char_errors || ab.word_errors != ba.word_errors)
			abort();
		if (ab.cer < 0 || ab.wer < 0 ||
		    (ab.chars == 0 && ab.char_errors > 0 && ab.cer != 1.0))
			abort();
	}
	if (ocr_score(a, a, &aa) == 0 && (aa.char_errors != 0 || aa.word_errors != 0))
		abort();
	free(a);
	free(b);
	return 0;
}
