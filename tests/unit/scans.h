#ifndef FOLIO_TESTS_UNIT_SCANS_H
#define FOLIO_TESTS_UNIT_SCANS_H

/*
 * The degraded scans of ../shared (testdata/ocr-degraded), for the image tests that compare
 * our arithmetic with Leptonica's on real ink and paper. Included after <cmocka.h> and
 * Leptonica; static, so a test takes what it uses.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* All seven scans, in SOURCES.md's order. */
static const char *const degraded_scans[] = { "blue-typescript-1",	  "blue-typescript-2",
					      "blurred-report",		  "catalogue-1962-faint",
					      "catalogue-1962-landscape", "journal-1914",
					      "typescript-1962" };

/*
 * Calls @fn with each scan of @names (8 bpp grey, then the caller's to keep or free; NULL
 * names all seven) found under $FOLIO_SHARED; skips the test, saying why, when none is there.
 */
static void each_degraded_scan(const char *const *names, size_t n,
			       void (*fn)(PIX *grey, const char *name))
{
	const char *shared = getenv("FOLIO_SHARED");
	size_t i;
	int seen = 0;

	if (!names) {
		names = degraded_scans;
		n = sizeof(degraded_scans) / sizeof(degraded_scans[0]);
	}
	for (i = 0; shared && i < n; i++) {
		char path[4096];
		PIX *pix, *grey;

		snprintf(path, sizeof(path), "%s/testdata/ocr-degraded/%s.jpg", shared, names[i]);
		pix = pixRead(path);
		if (!pix)
			continue;
		grey = pixConvertTo8(pix, 0);
		pixDestroy(&pix);
		assert_non_null(grey);
		fn(grey, names[i]);
		pixDestroy(&grey);
		seen++;
	}
	if (!seen) {
		print_message("no scans at '%s/testdata/ocr-degraded' (../shared): skipped\n",
			      shared ? shared : "(FOLIO_SHARED not set)");
		skip();
	}
}

#endif
