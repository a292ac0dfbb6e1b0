#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 2048

static const char *log_ident = "folio";
static enum log_target log_target = LOG_TARGET_TERMINAL;
static int log_level = LOG_INFO;
static bool line_open; /* log_line_open(): a progress line without its newline on stderr */

void log_open(const char *ident, enum log_target target)
{
	if (ident)
		log_ident = ident;
	if (target == LOG_TARGET_AUTO)
		target = getenv("JOURNAL_STREAM") ? LOG_TARGET_JOURNAL : LOG_TARGET_TERMINAL;
	log_target = target;
	if (target == LOG_TARGET_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(int level)
{
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int log_parse_level(const char *s)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "err", LOG_ERR },	 { "error", LOG_ERR },	   { "warning", LOG_WARNING },
		{ "warn", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].level;
	if (s[0] >= '3' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	return -EINVAL;
}

void log_line_open(void)
{
	__atomic_store_n(&line_open, true, __ATOMIC_RELAXED);
}

void log_line_close(void)
{
	if (__atomic_exchange_n(&line_open, false, __ATOMIC_RELAXED)) {
		ssize_t _unused_ w = write(STDERR_FILENO, "\n", 1);
	}
}

int log_internal(int level, int error, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	int saved_errno = errno;
	int n = 0;
	va_list ap;

	/* Below a progress line, not at its end. */
	if (log_target == LOG_TARGET_TERMINAL &&
	    __atomic_exchange_n(&line_open, false, __ATOMIC_RELAXED))
		line[n++] = '\n';
	if (log_target == LOG_TARGET_JOURNAL)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "<%d>", level);
	else if (log_target == LOG_TARGET_TERMINAL)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s: ", log_ident);

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';

	if (log_target == LOG_TARGET_SYSLOG) {
		line[n - 1] = '\0';
		syslog(level, "%s", line);
	} else {
		/* One write per message so lines from threads and processes never interleave. */
		ssize_t _unused_ w = write(STDERR_FILENO, line, (size_t)n);
	}

	errno = saved_errno;
	return error < 0 ? error : -error;
}
