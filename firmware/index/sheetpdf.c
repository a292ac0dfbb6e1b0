/* The printed sheets' PDF file: one page, written under a temporary name and renamed. */
#include <cairo-pdf.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "firmware/index/sheetpdf.h"

static int status_errno(cairo_status_t st)
{
	switch (st) {
	case CAIRO_STATUS_SUCCESS:
		return 0;
	case CAIRO_STATUS_NO_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* cairo's writer: the file's own error kept, for a message that says what went wrong. */
static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int length)
{
	struct sheetpdf *s = closure;

	if (fwrite(data, 1, length, s->file) == length)
		return CAIRO_STATUS_SUCCESS;
	if (!s->error)
		s->error = errno ? -errno : -EIO;
	return CAIRO_STATUS_WRITE_ERROR;
}

int sheetpdf_begin(struct sheetpdf *ret, const char *path, double width_pt, double height_pt)
{
	*ret = (struct sheetpdf){ .path = path };
	if (snprintf(ret->tmp, sizeof(ret->tmp), "%s.partial", path) >= (int)sizeof(ret->tmp))
		return -ENAMETOOLONG;
	ret->file = fopen(ret->tmp, "wbe");
	if (!ret->file)
		return -errno;
	ret->surface = cairo_pdf_surface_create_for_stream(write_out, ret, width_pt, height_pt);
	ret->cr = cairo_create(ret->surface);
	cairo_set_source_rgb(ret->cr, 1, 1, 1);
	cairo_paint(ret->cr);
	cairo_set_source_rgb(ret->cr, 0, 0, 0);
	return 0;
}

int sheetpdf_end(struct sheetpdf *s, int r)
{
	if (r == 0) {
		cairo_show_page(s->cr);
		r = status_errno(cairo_status(s->cr));
	}
	cairo_destroy(s->cr);
	cairo_surface_finish(s->surface);
	if (r == 0)
		r = s->error ? s->error : status_errno(cairo_surface_status(s->surface));
	cairo_surface_destroy(s->surface);
	if (fclose(s->file) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(s->tmp, s->path) < 0)
		r = -errno;
	if (r < 0)
		unlink(s->tmp);
	s->cr = NULL;
	s->surface = NULL;
	s->file = NULL;
	return r;
}
