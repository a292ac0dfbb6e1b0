#ifndef FOLIO_PROGRESS_LINE_H
#define FOLIO_PROGRESS_LINE_H

/*
 * A progress line on standard error for folio's long commands (export, upload, verify, store
 * check, backup) and folio-verify, as 'folio scan' draws one: only when standard error is a terminal (the console's
 * commands run on one too), so that scripts see what they saw before. The line rewrites itself
 * ("\r"), at most every 100 ms, and progress_line_end() draws the last step and ends it. A
 * message logged meanwhile starts below it (log_line_open()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "progress.h"

struct progress_line {
	struct progress p; /* hand &p to the job */
	const char *what;  /* "export" */
	const char *unit;  /* "file", "page" */
	bool tty, behind;  /* behind: the last step is not drawn yet */
	int64_t last_ms;
	uint64_t done, total, bytes; /* the last step told */
};

/* progress_line_init - a progress line "WHAT: UNIT 12 of 40, 3.1 MB" on a terminal */
void progress_line_init(struct progress_line *v, const char *what, const char *unit);

/* progress_line_end - draws the last step if it was not, and ends the line (a newline) */
void progress_line_end(struct progress_line *v);

/* progress_line_format - the line's text for @done of @total (0: unknown) and @bytes */
void progress_line_format(const char *what, const char *unit, uint64_t done, uint64_t total,
			  uint64_t bytes, char *buf, size_t size);

#endif
