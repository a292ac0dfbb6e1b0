#ifndef FOLIO_PACKAGE_TIFFCHECK_H
#define FOLIO_PACKAGE_TIFFCHECK_H

/*
 * The office's reading of a document's multi-page TIFF (D0001/document.tif, written with
 * [upload] document_file = multipage): its directories and, for each, the SHA-256 of its
 * image data, which the document's XML lists page by page.
 *
 * Not a TIFF decoder and no libtiff (folio-verify links none): it walks the chain of image
 * file directories of a classic TIFF (II or MM, 42; BigTIFF is refused), reads each one's
 * width, height, compression, page number and strips, and hashes the bytes of its strips in
 * strip order, reading the file in bounded pieces. Every count, offset and length is checked
 * against the file's size; tiled images are refused; the strips of all directories together
 * may not add up to more than the file, so a file cannot make it hash the same bytes twice.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIFFCHECK_MAX_PAGES 10000u  /* directories of one file (ST96_MAX_PAGES) */
#define TIFFCHECK_MAX_ENTRIES 1000u /* entries of one directory */
#define TIFFCHECK_MAX_STRIPS 65536u /* strips of one directory */

/* One directory (page) of the file. */
struct tiffcheck_page {
	uint32_t width, height;
	uint16_t compression; /* 4: CCITT G4, 7: JPEG, ... as the file says */
	bool has_page_number; /* the file has a PageNumber tag */
	uint16_t page_number; /* its first value (0-based), with has_page_number */
	uint64_t data_bytes;  /* bytes of its strips */
	uint8_t sha256[32];   /* SHA-256 of its strips, concatenated in strip order */
};

/*
 * tiffcheck_pages - reads the multi-page TIFF in @fd, @size bytes long
 * @page: called for each directory in file order with @index 0, 1, ...; a negative return
 *        stops the walk and is returned; may be NULL
 * @ret_pages: the number of directories, written only on success
 * @why: on failure, one line saying what is wrong (ASCII, from no byte of the file)
 *
 * Returns 0; -FOLIO_EFORMAT when the file is not a TIFF as described above (damaged,
 * truncated, tiled, more than TIFFCHECK_MAX_PAGES directories); -errno when it cannot be
 * read; -ENOMEM; or what @page returned.
 */
int tiffcheck_pages(int fd, uint64_t size,
		    int (*page)(const struct tiffcheck_page *pg, uint32_t index, void *user),
		    void *user, uint32_t *ret_pages, char *why, size_t why_size);

#endif
