/* Debug messages of the libsane-folio backend, SANE_DEBUG_FOLIO style. */

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feeder_dbg.h"

static atomic_int dbg_level;

void feeder_dbg_init(void)
{
	const char *s = getenv("SANE_DEBUG_FOLIO");
	char *end;
	long v;

	if (!s || !*s) {
		atomic_store(&dbg_level, 0);
		return;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0)
		v = 0;
	atomic_store(&dbg_level, (int)MIN(v, 255L));
}

int feeder_dbg_level(void)
{
	return atomic_load(&dbg_level);
}

void feeder_dbg(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, k;

	if (level > feeder_dbg_level())
		return;

	n = snprintf(buf, sizeof(buf), "[folio] ");
	va_start(ap, fmt);
	k = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	n = (int)MIN((size_t)n + (size_t)k, sizeof(buf) - 2);
	buf[n++] = '\n';
	/* Best effort: a debug line that cannot be written is dropped. */
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}
