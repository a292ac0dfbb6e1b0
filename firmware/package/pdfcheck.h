#ifndef FOLIO_PACKAGE_PDFCHECK_H
#define FOLIO_PACKAGE_PDFCHECK_H

/*
 * The office's check of a document's searchable PDF (document.pdf, pdf.h): that it is a PDF
 * as the station's own writer makes it, and how many pages it has. Not a general PDF reader:
 * what the writer never writes is refused with a reason, never guessed at.
 *
 * What it follows, reading only what it needs (never the whole file): the header; the tail's
 * startxref and %%EOF; the cross-reference stream there (/Type /XRef, /W [1 4 2], Flate); the
 * catalog (/Root) and the page tree in the one object stream (/Type /ObjStm, Flate); the page
 * tree's /Count against its /Kids, every kid a /Type /Page object. Every length, count and
 * offset is bounded and checked against the file's size; inflated sizes are bounded.
 */

#include <stddef.h>
#include <stdint.h>

#define PDFCHECK_MAX_OBJECTS 1000000u /* /Size of the cross-reference stream */
#define PDFCHECK_MAX_PAGES 100000u
#define PDFCHECK_MAX_STREAM (64u << 20) /* an object or xref stream, compressed or not */

/*
 * pdfcheck_pages - the number of pages of the PDF in @fd, @size bytes long
 * @ret_pages: written only on success
 * @why: on failure, one line saying what is wrong (ASCII, from no byte of the file)
 *
 * Returns 0; -FOLIO_EFORMAT when the file is not a PDF the station's writer makes (damaged,
 * truncated or another writer's); -errno when it cannot be read; -ENOMEM.
 */
int pdfcheck_pages(int fd, uint64_t size, uint32_t *ret_pages, char *why, size_t why_size);

#endif
