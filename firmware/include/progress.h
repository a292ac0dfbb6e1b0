#ifndef FOLIO_PROGRESS_H
#define FOLIO_PROGRESS_H

/*
 * How far a long job has come (an export, an upload, a verification, a store check), told to
 * whoever shows it: `folio` draws a line on a terminal (firmware/base/progress_line.c). The job
 * only counts; a NULL progress or a NULL fn is not told.
 */

#include <stddef.h>
#include <stdint.h>

struct progress {
	/*
	 * @done of @total steps (files, pages; @total 0 when not known) and @bytes so far.
	 * Called from the job's own thread, or under its lock when it has several.
	 */
	void (*fn)(void *user, uint64_t done, uint64_t total, uint64_t bytes);
	void *user;
};

static inline void progress_tell(const struct progress *p, uint64_t done, uint64_t total,
				 uint64_t bytes)
{
	if (p && p->fn)
		p->fn(p->user, done, total, bytes);
}

#endif
