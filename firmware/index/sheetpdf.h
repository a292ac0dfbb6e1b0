#ifndef FOLIO_INDEX_SHEETPDF_H
#define FOLIO_INDEX_SHEETPDF_H

/*
 * The printed sheets' PDF file (cover sheets, patch sheets): one page drawn with cairo,
 * written under a temporary name and renamed, so that the file asked for is either the old
 * one or the whole new sheet.
 *
 *	struct sheetpdf pdf;
 *
 *	r = sheetpdf_begin(&pdf, path, width_pt, height_pt);
 *	if (r < 0)
 *		return r;
 *	... draw on pdf.cr (white page, black ink) ...
 *	return sheetpdf_end(&pdf, r);       r: 0, or the drawing's own -errno to give up
 */

#include <cairo.h>
#include <limits.h>
#include <stdio.h>

struct sheetpdf {
	cairo_t *cr; /* draw here */
	cairo_surface_t *surface;
	FILE *file; /* the temporary file */
	int error;  /* -errno of the first write that failed */
	const char *path;
	char tmp[PATH_MAX];
};

/*
 * sheetpdf_begin - a page of @width_pt x @height_pt points to draw on, for @path
 * Returns 0 (@ret ready), -ENAMETOOLONG, -errno from creating the temporary file next to
 * @path (-ENOENT: no such folder, -EACCES, ...).
 */
int sheetpdf_begin(struct sheetpdf *ret, const char *path, double width_pt, double height_pt);

/*
 * sheetpdf_end - finish the page and put the file at its path, or, when @r < 0 or anything
 * failed, remove the temporary file. Releases @s in every case.
 * Returns 0, @r when < 0, -ENOMEM, -errno from writing (-ENOSPC, ...) or renaming, -EIO for
 * another cairo failure.
 */
int sheetpdf_end(struct sheetpdf *s, int r);

#endif
