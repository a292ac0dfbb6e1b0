#ifndef FOLIO_IMAGE_TIFFMEM_H
#define FOLIO_IMAGE_TIFFMEM_H

/*
 * libtiff on memory buffers (TIFFClientOpenExt with our own stream callbacks), with libtiff's
 * warnings and errors routed to log_debug() instead of stderr. Internal to firmware/image.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tiffio.h>

/* A growable (writing) or fixed (reading) byte stream. */
struct tiffmem {
	uint8_t *data;
	size_t size;	 /* bytes of valid data */
	size_t capacity; /* allocated bytes (0 for a read-only stream) */
	size_t pos;
	bool readonly;
	bool nomem; /* a write failed for lack of memory */
};

/*
 * tiffmem_open_write - a new, empty TIFF in memory
 * @m: zeroed stream; on success it owns a buffer that tiffmem_take() hands out
 * Returns the TIFF handle, or NULL (out of memory). Close it with TIFFClose() before
 * tiffmem_take(); on any failure free m->data with tiffmem_release().
 */
TIFF *tiffmem_open_write(struct tiffmem *m);

/*
 * tiffmem_open_read - reads a TIFF from a buffer that stays valid until TIFFClose()
 * Returns the handle, or NULL when the data is not a TIFF libtiff accepts.
 */
TIFF *tiffmem_open_read(struct tiffmem *m, const uint8_t *data, size_t size);

/* Frees a write stream's buffer (takes a read stream too and does nothing). */
void tiffmem_release(struct tiffmem *m);

/* Installs the log_debug() handlers for libtiff's process-wide warnings and errors, once. */
void tiffmem_quiet(void);

#endif
