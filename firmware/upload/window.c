#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "firmware/upload/transport.h"

static int parse_hhmm(const char *s, int *ret)
{
	if (!(s[0] >= '0' && s[0] <= '2') || !(s[1] >= '0' && s[1] <= '9') || s[2] != ':' ||
	    !(s[3] >= '0' && s[3] <= '5') || !(s[4] >= '0' && s[4] <= '9'))
		return -EINVAL;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');

	if (h > 24 || (h == 24 && m != 0))
		return -EINVAL;
	*ret = h * 60 + m;
	return 0;
}

int upload_window_parse(const char *spec, struct upload_window *ret, char *why, size_t n)
{
	struct upload_window w = { 0 };

	if (!spec[0] || strcmp(spec, "always") == 0) {
		w.always = true;
		*ret = w;
		return 0;
	}
	if (strlen(spec) != 11 || spec[5] != '-' || parse_hhmm(spec, &w.start) < 0 ||
	    parse_hhmm(spec + 6, &w.end) < 0) {
		snprintf(why, n,
			 "'%s' is not a window: write HH:MM-HH:MM (e.g. 22:00-06:00) "
			 "or always",
			 spec);
		return -EINVAL;
	}
	w.start %= 1440;
	w.end %= 1440;
	*ret = w;
	return 0;
}

/* The local time @minutes after midnight of the day @day_offset days from @now's day. */
static time_t at_minute(time_t now, int day_offset, int minutes)
{
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_mday += day_offset;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

bool upload_window_next(const struct upload_window *w, time_t now, time_t *ret_open,
			time_t *ret_close)
{
	time_t open_at, close_at = 0;
	bool open;

	if (w->always || w->start == w->end) {
		if (ret_open)
			*ret_open = now;
		if (ret_close)
			*ret_close = 0;
		return true;
	}
	/* Look at the windows starting yesterday, today and tomorrow. */
	open = false;
	open_at = 0;
	for (int d = -1; d <= 1; d++) {
		time_t s = at_minute(now, d, w->start);
		time_t e = at_minute(now, w->end > w->start ? d : d + 1, w->end);

		if (now >= s && now < e) {
			open = true;
			open_at = now;
			close_at = e;
			break;
		}
		if (s > now && (!open_at || s < open_at))
			open_at = s;
	}
	if (ret_open)
		*ret_open = open_at;
	if (ret_close)
		*ret_close = close_at;
	return open;
}

bool upload_window_open(const struct folio_config *cfg, time_t now, time_t *ret_next)
{
	struct upload_window w;
	char why[128];

	if (upload_window_parse(cfg->upload_window, &w, why, sizeof(why)) < 0)
		w.always = true;
	return upload_window_next(&w, now, ret_next, NULL);
}
