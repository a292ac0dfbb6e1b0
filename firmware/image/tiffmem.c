/*
 * libtiff on memory buffers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "firmware/image/tiffmem.h"

static void tiff_vlog(const char *kind, const char *module, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_debug("libtiff %s in '%s': %s", kind, module ? module : "?", msg);
}

static void tiff_global_warning(const char *module, const char *fmt, va_list ap)
{
	tiff_vlog("warning", module, fmt, ap);
}

static void tiff_global_error(const char *module, const char *fmt, va_list ap)
{
	tiff_vlog("error", module, fmt, ap);
}

static int tiff_handle_warning(TIFF *tif, void *user, const char *module, const char *fmt,
			       va_list ap)
{
	(void)tif;
	(void)user;
	tiff_vlog("warning", module, fmt, ap);
	return 1;
}

static int tiff_handle_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)tif;
	(void)user;
	tiff_vlog("error", module, fmt, ap);
	return 1;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void tiff_install_handlers(void)
{
	TIFFSetWarningHandler(tiff_global_warning);
	TIFFSetErrorHandler(tiff_global_error);
}

void tiffmem_quiet(void)
{
	pthread_once(&quiet_once, tiff_install_handlers);
}

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n)
{
	struct tiffmem *m = h;
	size_t avail, want;

	if (n < 0)
		return -1;
	avail = m->pos < m->size ? m->size - m->pos : 0;
	want = (size_t)n < avail ? (size_t)n : avail;
	memcpy(buf, m->data + m->pos, want);
	m->pos += want;
	return (tmsize_t)want;
}

static int mem_reserve(struct tiffmem *m, size_t need)
{
	size_t cap;
	uint8_t *p;

	if (need <= m->capacity)
		return 0;
	cap = m->capacity ? m->capacity : 64 * 1024;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(m->data, cap);
	if (!p)
		return -ENOMEM;
	m->data = p;
	m->capacity = cap;
	return 0;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n)
{
	struct tiffmem *m = h;

	if (m->readonly || n < 0)
		return -1;
	if ((size_t)n > SIZE_MAX - m->pos || mem_reserve(m, m->pos + (size_t)n) < 0) {
		m->nomem = true;
		return -1;
	}
	/* A seek past the end leaves a gap: zero it. */
	if (m->pos > m->size)
		memset(m->data + m->size, 0, m->pos - m->size);
	memcpy(m->data + m->pos, buf, (size_t)n);
	m->pos += (size_t)n;
	if (m->pos > m->size)
		m->size = m->pos;
	return n;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
	struct tiffmem *m = h;
	uint64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = m->pos;
		break;
	case SEEK_END:
		base = m->size;
		break;
	default:
		return (toff_t)-1;
	}
	/* toff_t is unsigned: libtiff passes negative offsets as wrapped values. */
	base += off;
	if (base > (uint64_t)SIZE_MAX / 2)
		return (toff_t)-1;
	m->pos = (size_t)base;
	return base;
}

static int mem_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t mem_size(thandle_t h)
{
	struct tiffmem *m = h;

	return m->size;
}

static int mem_map(thandle_t h, void **base, toff_t *size)
{
	struct tiffmem *m = h;

	if (!m->readonly)
		return 0;
	*base = m->data;
	*size = m->size;
	return 1;
}

static void mem_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h;
	(void)base;
	(void)size;
}

static TIFF *mem_open(struct tiffmem *m, const char *mode)
{
	TIFFOpenOptions *opts;
	TIFF *tif;

	tiffmem_quiet();
	opts = TIFFOpenOptionsAlloc();
	if (!opts)
		return NULL;
	TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_handle_error, NULL);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_handle_warning, NULL);
	tif = TIFFClientOpenExt("memory", mode, m, mem_read, mem_write, mem_seek, mem_close,
				mem_size, mem_map, mem_unmap, opts);
	TIFFOpenOptionsFree(opts);
	return tif;
}

TIFF *tiffmem_open_write(struct tiffmem *m)
{
	*m = (struct tiffmem){ 0 };
	if (mem_reserve(m, 64 * 1024) < 0)
		return NULL;
	return mem_open(m, "w");
}

TIFF *tiffmem_open_read(struct tiffmem *m, const uint8_t *data, size_t size)
{
	*m = (struct tiffmem){ .data = (uint8_t *)data, .size = size, .readonly = true };
	/* Read-only opens are "mapped" through mem_map: strips are read in place. */
	return mem_open(m, "r");
}

void tiffmem_release(struct tiffmem *m)
{
	if (!m || m->readonly)
		return;
	free(m->data);
	*m = (struct tiffmem){ 0 };
}
