#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "firmware/base/progress_line.h"

#define REDRAW_MS 100

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void progress_line_format(const char *what, const char *unit, uint64_t done, uint64_t total,
			  uint64_t bytes, char *buf, size_t size)
{
	int n;

	if (total)
		n = snprintf(buf, size, "%s: %s %" PRIu64 " of %" PRIu64, what, unit, done, total);
	else
		n = snprintf(buf, size, "%s: %" PRIu64 " %s%s", what, done, unit,
			     done == 1 ? "" : "s");
	if (bytes && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", %.1f MB", (double)bytes / 1e6);
}

static void draw_now(struct progress_line *v)
{
	char line[128];

	progress_line_format(v->what, v->unit, v->done, v->total, v->bytes, line, sizeof(line));
	fprintf(stderr, "\r  %s   ", line);
	fflush(stderr);
	log_line_open();
	v->behind = false;
}

static void draw(void *user, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct progress_line *v = user;
	int64_t now = now_ms();

	if (!v->tty)
		return;
	v->done = done;
	v->total = total;
	v->bytes = bytes;
	v->behind = true;
	if (now - v->last_ms < REDRAW_MS && (!total || done < total))
		return;
	v->last_ms = now;
	draw_now(v);
}

void progress_line_init(struct progress_line *v, const char *what, const char *unit)
{
	*v = (struct progress_line){
		.p = { .fn = draw, .user = v },
		.what = what,
		.unit = unit,
		.tty = isatty(STDERR_FILENO) == 1,
	};
}

void progress_line_end(struct progress_line *v)
{
	if (v->behind)
		draw_now(v);
	log_line_close();
}
