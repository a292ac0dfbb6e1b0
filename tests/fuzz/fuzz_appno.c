/*
 * libFuzzer target for the application-number validators (firmware/domain/appno.c).
 *
 * Input: up to three lines, "pattern\ncheck-digit scheme\nnumber"; with fewer lines the whole
 * input is also tried as an ST.13 number of every IP type. Checks that the validators never
 * crash, always terminate their reason, and agree with themselves (a number accepted by a
 * pattern is accepted again; a pattern that fails verification fails every check).
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_appno.c firmware/domain/appno.c -o fuzz_appno
 *   ./fuzz_appno tests/fuzz/appno          # replay the seeds and fuzz onwards
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "firmware/domain/appno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(const char *why, size_t size)
{
	if (strnlen(why, size) == size)
		abort(); /* not terminated */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[512], why[96], *pattern, *scheme, *number, *nl;
	int r, again;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	for (int t = IP_PATENT; t <= IP_DESIGN; t++) {
		memset(why, 'x', sizeof(why));
		r = appno_st13_check(buf, (enum ip_type)t, why, sizeof(why));
		if (r != 0 && r != -EINVAL)
			abort();
		if (r != 0)
			check_reason(why, sizeof(why));
	}

	pattern = buf;
	nl = strchr(pattern, '\n');
	if (!nl)
		return 0;
	*nl = '\0';
	scheme = nl + 1;
	nl = strchr(scheme, '\n');
	if (!nl)
		return 0;
	*nl = '\0';
	number = nl + 1;

	memset(why, 'x', sizeof(why));
	r = appno_pattern_check(pattern, scheme, number, why, sizeof(why));
	if (r != 0 && r != -EINVAL && r != -FOLIO_ECONFIG)
		abort();
	if (r != 0)
		check_reason(why, sizeof(why));
	again = appno_pattern_check(pattern, scheme, number, NULL, 0);
	if (again != r)
		abort();
	if ((appno_pattern_verify(pattern, scheme, why, sizeof(why)) == -FOLIO_ECONFIG) !=
	    (r == -FOLIO_ECONFIG))
		abort();
	return 0;
}
