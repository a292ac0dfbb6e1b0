#ifndef FOLIO_LOG_H
#define FOLIO_LOG_H

/*
 * Logging.
 *
 * Levels are syslog's (LOG_ERR .. LOG_DEBUG). Two floors apply: CONFIG_LOG_LEVEL removes more
 * detailed calls at compile time, log_set_level() filters at run time (default LOG_INFO).
 *
 * Where it goes (log_open()):
 *  - LOG_TARGET_TERMINAL: "folio: message" on stderr, for people at a terminal;
 *  - LOG_TARGET_JOURNAL: "<N>message" on stderr, which journald turns into priorities;
 *  - LOG_TARGET_SYSLOG: syslog(3).
 * LOG_TARGET_AUTO picks the journal when stderr is connected to it (JOURNAL_STREAM), the
 * terminal otherwise.
 *
 * Library code logs at debug at most; the caller that decides what to do logs once.
 * log_errno(r, ...) logs at LOG_ERR and returns r (made negative), so error paths read
 * `return log_errno(r, "cannot open '%s': %s", path, folio_strerror(r));`.
 * All functions are thread-safe; a message is written with one write(2).
 */

#include <stdbool.h>
#include <syslog.h>

#include "compiler.h"

#ifndef CONFIG_LOG_LEVEL
#define CONFIG_LOG_LEVEL LOG_DEBUG
#endif

enum log_target {
	LOG_TARGET_AUTO,
	LOG_TARGET_TERMINAL,
	LOG_TARGET_JOURNAL,
	LOG_TARGET_SYSLOG,
};

/* Sets the program name shown in terminal messages and where messages go. */
void log_open(const char *ident, enum log_target target);

/* Run-time level; messages above it (more detailed) are dropped. */
void log_set_level(int level);
int log_get_level(void);

/*
 * log_parse_level - "err", "warning", "info", "debug" (or a digit 3..7) to a level
 * Returns the level, or -EINVAL for anything else.
 */
int log_parse_level(const char *s);

/*
 * log_line_open - a line without its newline now stands on the terminal (a progress line
 * redrawn with "\r"): the next message (LOG_TARGET_TERMINAL) starts below it, on a line of its
 * own, instead of at its end. The progress line is drawn again at its next step.
 */
void log_line_open(void);

/* log_line_close - ends with a newline the line log_line_open() told of, if a message has not */
void log_line_close(void);

/* Writes one message; returns -abs(error) (0 when error is 0). Use the macros below. */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...)                                 \
	({                                                                \
		int _level = (level), _e = (error);                       \
		(_level <= CONFIG_LOG_LEVEL && _level <= log_get_level()) \
		    ? log_internal(_level, _e, __VA_ARGS__)               \
		    : (_e < 0 ? _e : -_e);                                \
	})

#define log_err(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_warn(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_errno(r, ...) log_full_errno(LOG_ERR, (r), __VA_ARGS__)
#define log_warn_errno(r, ...) log_full_errno(LOG_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...) log_full_errno(LOG_DEBUG, (r), __VA_ARGS__)

#endif
