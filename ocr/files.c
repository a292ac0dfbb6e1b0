/* Running a pool over image files (see ocr_recognise_files() in pool.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "ocr/pool.h"

/* Reads a whole file of at most OCR_MAX_IMAGE_BYTES. */
static int read_image(const char *path, void **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -FOLIO_EFORMAT;
	if (st.st_size <= 0)
		return -FOLIO_EFORMAT;
	if ((uint64_t)st.st_size > OCR_MAX_IMAGE_BYTES)
		return -FOLIO_ETOOBIG;

	_cleanup_free_ char *buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shrank while we read it */
		got += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = got;
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
