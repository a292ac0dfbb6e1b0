#ifndef FOLIO_WORDS_H
#define FOLIO_WORDS_H

/*
 * Splitting a console line into words, the way a shell would without its expansions:
 * spaces and tabs separate words, '...' keeps everything literally, "..." keeps spaces and
 * takes \" and \\ as escapes, and outside quotes a backslash takes the next character
 * literally. Nothing else is special: no variables, globs or redirections.
 */

#include <stddef.h>

#define WORDS_MAX 32 /* words of one command line */

/*
 * words_split - split @line into words
 * @buf: @size bytes (at least strlen(@line) + 1) that receive the words
 * @argv: @max pointers; the words, then NULL
 *
 * Returns the number of words, -E2BIG for more than @max - 1 words (or a @buf too small),
 * -EINVAL for an unterminated quote or a backslash at the end.
 */
int words_split(const char *line, char *buf, size_t size, char **argv, size_t max);

/* words_error - what a words_split() error means, for the technician */
const char *words_error(int r);

#endif
