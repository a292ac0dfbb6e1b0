#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "firmware/cmd/evfilter.h"
#include "firmware/package/verify.h"

int evfilter_set_type(struct event_filter *f, const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(f->what) || s[0] < 'a' || s[0] > 'z')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '*' && i == len - 1)
			break;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return -EINVAL;
	}
	memcpy(f->what, s, len + 1);
	return 0;
}

bool evfilter_match(const struct event_filter *f, const struct event_info *e)
{
	size_t len = strlen(f->what);

	if (f->batch && e->batch != f->batch)
		return false;
	if (!len)
		return true;
	if (f->what[len - 1] == '*')
		return strncmp(e->what, f->what, len - 1) == 0;
	return strcmp(e->what, f->what) == 0;
}

const char *evfilter_format(const struct event_info *e, bool full_date, char *buf, size_t size)
{
	char when[32] = "-", where[80] = "", raw[512];
	time_t t = (time_t)e->time;
	struct tm tm;
	size_t n = 0;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), full_date ? "%Y-%m-%d %H:%M:%S" : "%m-%d %H:%M:%S",
			 &tm);
	if (e->batch)
		n += (size_t)snprintf(where + n, sizeof(where) - n, "batch %" PRIu32, e->batch);
	if (e->document)
		n += (size_t)snprintf(where + n, sizeof(where) - n, "%sdocument %" PRIu32,
				      n ? " " : "", e->document);
	if (e->page)
		n += (size_t)snprintf(where + n, sizeof(where) - n, "%spage %" PRIu32, n ? " " : "",
				      e->page);
	if (n && n < sizeof(where) - 2)
		memcpy(where + n, ": ", 3);
	snprintf(raw, sizeof(raw), "%5" PRIu64 " %s %.*s %.*s %s%.*s", e->seq, when,
		 (int)strnlen(e->who, sizeof(e->who)), e->who,
		 (int)strnlen(e->what, sizeof(e->what)), e->what, where,
		 (int)strnlen(e->detail, sizeof(e->detail)), e->detail);
	/* A reason typed at the clerk UI may hold a newline or a terminal's escape sequence. */
	verify_escape(raw, buf, size);
	return buf;
}
