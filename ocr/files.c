/* Running a pool over image files (see ocr_recognise_files() in pool.h). */
#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "errors.h"
#include "fileio.h"
#include "ocr/pool.h"

/* Reads a whole image file of at most OCR_MAX_IMAGE_BYTES; an empty one is no image. */
static int read_image(const char *path, void **ret, size_t *ret_len)
{
	char *buf;
	size_t len;
	int r;

	r = file_read_all(path, OCR_MAX_IMAGE_BYTES, &buf, &len);
	if (r < 0)
		return r;
	if (len == 0) {
		free(buf);
		return -FOLIO_EFORMAT;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int ocr_recognise_files(struct ocr_pool *p, const char *const *paths, size_t n, unsigned dpi,
			int (*done)(size_t index, const struct ocr_pool_page *page, void *userdata),
			void *userdata)
{
	size_t next = 0, window;
	int err;

	if (!p || (!paths && n > 0) || !done || ocr_pool_outstanding(p) != 0)
		return -EINVAL;
	window = 2 * (size_t)ocr_pool_workers(p);
	while (next < n || ocr_pool_outstanding(p) > 0) {
		struct ocr_pool_page page;

		while (next < n && ocr_pool_outstanding(p) < window) {
			_cleanup_free_ void *image = NULL;
			size_t len = 0;

			err = read_image(paths[next], &image, &len);
			if (err < 0)
				return err;
			err = ocr_pool_submit(p, next, image, len, dpi);
			if (err < 0)
				return err;
			next++;
		}
		err = ocr_pool_wait(p, -1, &page);
		if (err < 0)
			return err;
		if (err == 0)
			continue;
		err = done((size_t)page.tag, &page, userdata);
		ocr_page_result_release(&page.result);
		if (err < 0)
			return err;
	}
	return 0;
}
