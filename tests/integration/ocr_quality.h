#ifndef FOLIO_TESTS_INTEGRATION_OCR_QUALITY_H
#define FOLIO_TESTS_INTEGRATION_OCR_QUALITY_H

/*
 * What the recognition quality tests share (ocr_groundtruth, ocr_synthetic): the build's
 * programs, and one page read through a pool of one worker, as the station reads it. Included
 * after <cmocka.h>; all static inline, so a test takes what it uses.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "ocr/pool.h"

/* Puts into @path the program @name of the build under test (in FOLIO_BUILD, else ./build). */
static inline void build_program(char *path, size_t size, const char *name)
{
	const char *build = getenv("FOLIO_BUILD");

	snprintf(path, size, "%s/bin/%s", build ? build : "build", name);
}

/* ocr_recognise_files()'s callback: keeps a copy of the page's text in *(char **)@userdata. */
static inline int keep_text(size_t index, const struct ocr_pool_page *page, void *userdata)
{
	char **text = userdata;

	(void)index;
	if (page->error < 0) {
		printf("page failed: %s (%s)\n", page->reason, folio_strerror(page->error));
		return page->error;
	}
	*text = strdup(page->result.text);
	return *text ? 0 : -ENOMEM;
}

/*
 * The text of the image file @image read at @dpi with the models @languages by one worker
 * program @worker; the caller frees it. Fails the test when the page is not read.
 */
static inline char *pool_read_text(const char *worker, const char *image, const char *languages,
				   unsigned dpi)
{
	const struct ocr_pool_options o = { .workers = 1,
					    .languages = languages,
					    .worker_path = worker };
	const char *paths[1] = { image };
	struct ocr_pool *p = NULL;
	char *text = NULL;

	assert_int_equal(ocr_pool_new(&o, &p), 0);
	assert_int_equal(ocr_recognise_files(p, paths, 1, dpi, keep_text, &text), 0);
	ocr_pool_free(p);
	assert_non_null(text);
	return text;
}

#endif
