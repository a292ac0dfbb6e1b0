#ifndef FOLIO_FEEDER_PLACE_H
#define FOLIO_FEEDER_PLACE_H

/*
 * Where the paper is: the virtual feeder's place in a folder, kept across SANE sessions.
 *
 * Paper stays in a real feeder when the frontend closes the device, so the feeder of a folder
 * goes on at the next sheet when it is opened again (`folio scan --resume` after a jam, another
 * program, another day). The place is a file in the page folder itself, FEEDER_PLACE_FILE
 * (hidden: it is not a page), holding one line "fed NAME", the file name of the last side that
 * left the feeder. The next sheet is the first file whose name sorts after it, so a folder from
 * which the fed sheets were taken away (the clerk emptying the output tray) still goes on at the
 * right sheet, and sheets added behind the stack are fed after it. The file is replaced
 * atomically (a temporary file renamed over it). A folder that cannot be written keeps its
 * place for the session only; a place file that is not a regular file owned by this user, or
 * that does not hold one such line, counts as none (the feeder starts at the first sheet).
 * The reload-feeder button, or removing the file, puts every sheet back in the feeder.
 */

#include <stdbool.h>
#include <stddef.h>

#pragma GCC visibility push(hidden)

#define FEEDER_PLACE_FILE ".folio-feeder"

/*
 * feeder_place_load - the side to feed next in folder dir (a real path), whose page files are
 * files[0..n) in feed order
 *
 * Returns the number of files whose name sorts at or before the recorded one: 0 without a
 * usable place file.
 */
size_t feeder_place_load(const char *dir, char *const *files, size_t n);

/*
 * feeder_place_save - record that the side of file name left the feeder of folder dir
 *
 * Returns 0 or -errno (the place is then kept for the session only).
 */
int feeder_place_save(const char *dir, const char *name);

/* feeder_place_forget - every sheet back in the feeder of dir. Returns 0 or -errno. */
int feeder_place_forget(const char *dir);

#pragma GCC visibility pop

#endif
