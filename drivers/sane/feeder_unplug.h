#ifndef FOLIO_FEEDER_UNPLUG_H
#define FOLIO_FEEDER_UNPLUG_H

/*
 * Simulated unplugging of a virtual feeder, shared between processes.
 *
 * A lost device must stay lost for other processes too (a frontend that restarts to find the
 * scanner again), so the state lives in a stamp file, not in memory:
 * $TMPDIR/folio-sane-<euid>-<hash of the folder's real path>.unplugged (/tmp when TMPDIR is
 * unset), holding the wall-clock time in milliseconds at which the device comes back and
 * the feeder position (the side that was being read). A foreign (not a regular file owned by
 * this user) or unreadable stamp counts as plugged in. Removing the stamp by hand replugs at
 * once.
 *
 * Like a real scanner's paper, the feeder keeps its place across the unplug: the first
 * sane_open() after the device is back takes the position from the stamp (the lost side is
 * fed again, as if the clerk put it back on top) and removes the stamp. A position not taken
 * within FEEDER_RESUME_SECONDS of the device's return is forgotten.
 */

#define FEEDER_RESUME_SECONDS 600

#include <stdbool.h>

#pragma GCC visibility push(hidden)

/*
 * feeder_unplug_mark - unplug the feeder of folder dir (a real path) for seconds, with the
 * feeder at side position
 *
 * seconds 0 writes nothing. Returns 0 or -errno (the stamp could not be written).
 */
int feeder_unplug_mark(const char *dir, unsigned seconds, unsigned position);

/*
 * feeder_unplug_take_resume - the feeder position left by an unplug that is over
 *
 * True, with the position in ret_position and the stamp removed, when dir's device came back
 * less than FEEDER_RESUME_SECONDS ago. False otherwise (a stale stamp is removed).
 */
bool feeder_unplug_take_resume(const char *dir, unsigned *ret_position);

/* Whether the feeder of folder dir (a real path) is unplugged now. */
bool feeder_unplug_active(const char *dir);

#pragma GCC visibility pop

#endif
