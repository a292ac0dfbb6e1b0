#ifndef FOLIO_CONFEDIT_H
#define FOLIO_CONFEDIT_H

/*
 * Writing settings into a configuration file the way a person would: the line of each key
 * is replaced in its section (or added at the section's end, or in a new section at the end
 * of the file), every other line and comment stays as it was. The result is checked with
 * config_load_string() before it replaces the file, in one rename.
 */

#include <stdbool.h>
#include <stddef.h>

struct confedit_change {
	const char *key;   /* "section.name" or "profile.NAME.name", as config_set() takes */
	const char *value; /* one line; no leading ';' or '#', no " ;" (inline comments) */
};

/*
 * confedit_save - apply @n changes to the file @path
 * @why: the reason on failure (the first problem the check found, ...)
 *
 * Returns 0, -EINVAL for a bad key or value, -FOLIO_ECONFIG when the file would not be
 * valid, -FOLIO_ETOOBIG for a file over 1 MiB, or -errno (the file is unchanged).
 */
int confedit_save(const char *path, const struct confedit_change *ch, size_t n, char *why,
		  size_t why_size);

/*
 * confedit_store_path_notice - what a new [store] path @new_path does, for the technician to
 * confirm: which store is then used (one that is there, or a new, empty one) instead of the one
 * in @old_path, which stays. Returns false (and @buf "") when @new_path names the same folder.
 */
bool confedit_store_path_notice(const char *old_path, const char *new_path, char *buf, size_t size);

#endif
