#ifndef FOLIO_SANE_FOLIO_H
#define FOLIO_SANE_FOLIO_H

/*
 * libsane-folio: a SANE 1.0 backend that is a virtual document feeder.
 *
 * A device is a folder of page images, named "folio:<folder>" through libsane's dll backend
 * (this library itself sees "<folder>", and also accepts the "folio:" prefix). Its pages are
 * the folder's files that end in .png, .tif, .tiff, .jpg, .jpeg, .pnm, .pbm, .pgm or .ppm (any
 * case), in byte order of their names, listed at sane_open() (and by the reload-feeder button).
 * feeder_options.h lists the options, feeder_config.h the configuration file folio.conf.
 *
 * The feeder: the next sane_start() feeds the next side. A side leaves the feeder when its
 * frame has been read whole. After a jam, a double feed, a cover-open or no-paper fault, or a
 * cancel before the frame's last byte, the next sane_start() feeds the same side again (the
 * clerk put the sheet back on top), so a frontend resumes without losing or repeating a page.
 * A page whose file cannot be read or decoded does leave the feeder (it went through, its
 * sane_start() returned SANE_STATUS_IO_ERROR). The end of the feeder is SANE_STATUS_NO_DOCS
 * from sane_start(). The feeder keeps its place across sessions, as paper stays in a real
 * feeder: sane_open() goes on at the sheet after the last one fed (feeder_place.h), and the
 * reload-feeder button puts every sheet back. The flatbed is a real one: its sheet (the first
 * page, blank if none) is always on the glass (page-loaded is true), and each sane_start()
 * scans it once; it is the frontend that decides when to stop.
 *
 * Statuses besides the usual: faults (see feeder_options.h) give SANE_STATUS_JAMMED (jam and
 * double feed, from sane_read() after half a page), SANE_STATUS_COVER_OPEN and
 * SANE_STATUS_NO_DOCS (from sane_start()), SANE_STATUS_IO_ERROR (device lost, from sane_read()
 * after half a page, then from every call on the handle). A page file that cannot be read or
 * decoded, or is larger than max-megapixels, gives SANE_STATUS_IO_ERROR from sane_start(); a
 * scan area whose frame would be larger than that gives SANE_STATUS_INVAL. SANE_DEBUG_FOLIO
 * says why (feeder_dbg.h).
 *
 * Threads: different handles may be used from different threads; one handle from one thread at
 * a time, except sane_folio_cancel(), which is async-signal-safe and may be called from any
 * thread or a signal handler.
 *
 * The entry points are the SANE 1.0 functions (see sane/sane.h and the SANE standard), named
 * sane_folio_* so that libsane's dll backend finds them.
 */

#include <sane/sane.h>

/* Reads folio.conf and SANE_DEBUG_FOLIO; returns the backend version (1.0) in *version_code. */
SANE_Status sane_folio_init(SANE_Int *version_code, SANE_Auth_Callback authorize);

/* Closes every handle and frees everything the backend holds. */
void sane_folio_exit(void);

/*
 * Lists the folders of folio.conf's device lines that exist and are not unplugged. The array
 * stays valid until the next call or sane_folio_exit().
 */
SANE_Status sane_folio_get_devices(const SANE_Device ***device_list, SANE_Bool local_only);

/*
 * Opens a page folder ("" is the first listed device). SANE_STATUS_INVAL for a missing folder or
 * an unplugged device, SANE_STATUS_IO_ERROR when the folder cannot be listed.
 */
SANE_Status sane_folio_open(SANE_String_Const devicename, SANE_Handle *handle);

/* Ends any scan and frees the handle. */
void sane_folio_close(SANE_Handle handle);

/* Descriptor of option n, valid until the handle is closed; NULL when n is out of range. */
const SANE_Option_Descriptor *sane_folio_get_option_descriptor(SANE_Handle handle, SANE_Int n);

/* Gets, sets or auto-sets option n (SANE_STATUS_INVAL when not possible). */
SANE_Status sane_folio_control_option(SANE_Handle handle, SANE_Int n, SANE_Action action,
				      void *value, SANE_Int *info);

/* The frame being read (exact), or an exact prediction from the options when none is. */
SANE_Status sane_folio_get_parameters(SANE_Handle handle, SANE_Parameters *params);

/* Feeds the next side and renders it whole; see above for the statuses. */
SANE_Status sane_folio_start(SANE_Handle handle);

/* Copies up to max_length bytes of the frame (at most read-chunk); SANE_STATUS_EOF at its end. */
SANE_Status sane_folio_read(SANE_Handle handle, SANE_Byte *data, SANE_Int max_length,
			    SANE_Int *length);

/* Stops the current scan; the next sane_read() returns SANE_STATUS_CANCELLED. */
void sane_folio_cancel(SANE_Handle handle);

/* Blocking I/O only: non_blocking gives SANE_STATUS_UNSUPPORTED. */
SANE_Status sane_folio_set_io_mode(SANE_Handle handle, SANE_Bool non_blocking);

/* No select file descriptor: SANE_STATUS_UNSUPPORTED. */
SANE_Status sane_folio_get_select_fd(SANE_Handle handle, SANE_Int *fd);

#endif
