/* A board's fixed hardware facts: board/<name>/board.conf. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "compiler.h"
#include "drivers/boardio/boardio.h"

enum fact_type {
	FACT_STRING,
	FACT_PATH,
	FACT_LINE,
	FACT_BOOL,
	FACT_UINT,
};

struct fact {
	const char *section, *name;
	enum fact_type type;
	size_t offset, size;
	unsigned max; /* FACT_UINT */
};

#define F(field) offsetof(struct boardio_facts, field), sizeof(((struct boardio_facts *)0)->field)

static const struct fact facts[] = {
	{ "board", "name", FACT_STRING, F(name), 0 },
	{ "board", "console", FACT_STRING, F(console), 0 },
	{ "io", "backend", FACT_STRING, F(backend), 0 },
	{ "io", "chip", FACT_STRING, F(chip), 0 },
	{ "io", "sim_dir", FACT_PATH, F(sim_dir), 0 },
	{ "io", "button_start", FACT_LINE, F(button_line[BOARDIO_START]), 0 },
	{ "io", "button_stop", FACT_LINE, F(button_line[BOARDIO_STOP]), 0 },
	{ "io", "button_resume", FACT_LINE, F(button_line[BOARDIO_RESUME]), 0 },
	{ "io", "buttons_active_low", FACT_BOOL, F(buttons_active_low), 0 },
	{ "io", "debounce_ms", FACT_UINT, F(debounce_ms), 1000 },
	{ "io", "led_ready", FACT_LINE, F(led_line[BOARDIO_LED_READY]), 0 },
	{ "io", "led_busy", FACT_LINE, F(led_line[BOARDIO_LED_BUSY]), 0 },
	{ "io", "led_attention", FACT_LINE, F(led_line[BOARDIO_LED_ATTENTION]), 0 },
	{ "io", "led_error", FACT_LINE, F(led_line[BOARDIO_LED_ERROR]), 0 },
	{ "io", "leds_active_low", FACT_BOOL, F(leds_active_low), 0 },
	{ "watchdog", "device", FACT_PATH, F(watchdog_device), 0 },
	{ "watchdog", "timeout_s", FACT_UINT, F(watchdog_timeout_s), 600 },
};

#undef F

struct facts_parse {
	struct boardio_facts *f;
	char dir[PATH_MAX];
	char why[160];
	int line_seen[ARRAY_SIZE(facts)];
	int line; /* being read; 0 once the file is read */
	bool failed;
	FILE *file;
};

static int parse_uint(const char *s, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* Records the first problem as "LINE: what" (or "what" when no line applies). */
static int fail(struct facts_parse *st, const char *what, const char *name, const char *value)
{
	if (st->failed)
		return 0;
	st->failed = true;
	if (st->line)
		snprintf(st->why, sizeof(st->why), "line %d: %s '%s'%s%s", st->line, what, name,
			 value ? ": " : "", value ? value : "");
	else
		snprintf(st->why, sizeof(st->why), "%s '%s'%s%s", what, name, value ? ": " : "",
			 value ? value : "");
	return 0;
}

static int set_fact(struct facts_parse *st, const struct fact *k, const char *v)
{
	char *field = (char *)st->f + k->offset;
	unsigned u;
	int n;

	switch (k->type) {
	case FACT_STRING:
		n = snprintf(field, k->size, "%s", v);
		return n >= 0 && (size_t)n < k->size ? 0 : -ENAMETOOLONG;
	case FACT_PATH:
		if (v[0] && v[0] != '/' && strcmp(v, "sim") != 0)
			n = snprintf(field, k->size, "%s/%s", st->dir, v);
		else
			n = snprintf(field, k->size, "%s", v);
		return n >= 0 && (size_t)n < k->size ? 0 : -ENAMETOOLONG;
	case FACT_LINE:
		if (strcmp(v, "-1") == 0 || !*v) {
			*(int *)field = -1;
			return 0;
		}
		if (parse_uint(v, BOARDIO_MAX_LINE, &u) < 0)
			return -EINVAL;
		*(int *)field = (int)u;
		return 0;
	case FACT_BOOL:
		if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
			*(bool *)field = true;
		else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
			*(bool *)field = false;
		else
			return -EINVAL;
		return 0;
	case FACT_UINT:
		if (parse_uint(v, k->max, &u) < 0)
			return -EINVAL;
		*(unsigned *)field = u;
		return 0;
	}
	return -EINVAL;
}

static int on_fact(void *user, const char *section, const char *name, const char *value)
{
	struct facts_parse *st = user;

	for (size_t i = 0; i < ARRAY_SIZE(facts); i++) {
		if (strcmp(facts[i].section, section) || strcmp(facts[i].name, name))
			continue;
		if (st->line_seen[i])
			return fail(st, "set twice:", name, NULL);
		st->line_seen[i] = st->line;
		if (set_fact(st, &facts[i], value) < 0)
			return fail(st, "bad value for", name, value);
		return 1;
	}
	return fail(st, "unknown key", name, NULL);
}

/* Line reader for ini_parse_stream(): counts lines for the messages. */
static char *read_line(char *buf, int size, void *user)
{
	struct facts_parse *st = user;

	if (!fgets(buf, size, st->file))
		return NULL;
	st->line++;
	return buf;
}

static bool unique_lines(const int *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (lines[i] >= 0 && lines[i] == lines[j])
				return false;
	return true;
}

static int check(struct facts_parse *st)
{
	struct boardio_facts *f = st->f;
	int lines[BOARDIO_BUTTONS + BOARDIO_LEDS];

	if (strcmp(f->backend, "gpio") && strcmp(f->backend, "sim") && strcmp(f->backend, "none"))
		return fail(st, "backend must be gpio, sim or none, not", f->backend, NULL);
	if (!strcmp(f->backend, "gpio") && !f->chip[0])
		return fail(st, "the gpio backend needs", "chip", NULL);
	if ((!strcmp(f->backend, "sim") || !strcmp(f->watchdog_device, "sim")) && !f->sim_dir[0])
		return fail(st, "the sim backend needs", "sim_dir", NULL);
	memcpy(lines, f->button_line, sizeof(f->button_line));
	memcpy(lines + BOARDIO_BUTTONS, f->led_line, sizeof(f->led_line));
	if (!unique_lines(lines, ARRAY_SIZE(lines)))
		return fail(st, "a GPIO line is used twice in", "[io]", NULL);
	if (f->watchdog_device[0] && f->watchdog_timeout_s == 0)
		return fail(st, "a watchdog needs", "timeout_s", NULL);
	return 0;
}

int boardio_facts_load(const char *path, struct boardio_facts *ret, char *why, size_t why_size)
{
	_cleanup_free_ struct facts_parse *st = calloc(1, sizeof(*st));
	_cleanup_free_ struct boardio_facts *f = calloc(1, sizeof(*f));
	_cleanup_fclose_ FILE *file = NULL;
	const char *slash = strrchr(path, '/');
	char abs[PATH_MAX];
	int r;

	if (!st || !f)
		return -ENOMEM;
	file = fopen(path, "re");
	if (!file)
		return -errno;

	snprintf(f->backend, sizeof(f->backend), "none");
	snprintf(f->name, sizeof(f->name), "unnamed");
	for (size_t i = 0; i < BOARDIO_BUTTONS; i++)
		f->button_line[i] = -1;
	for (size_t i = 0; i < BOARDIO_LEDS; i++)
		f->led_line[i] = -1;
	f->buttons_active_low = true;
	f->debounce_ms = 30;
	f->watchdog_timeout_s = 15;

	if (slash)
		snprintf(st->dir, sizeof(st->dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(st->dir, sizeof(st->dir), ".");
	if (realpath(st->dir, abs))
		snprintf(st->dir, sizeof(st->dir), "%s", abs);
	st->f = f;
	st->file = file;
	r = ini_parse_stream(read_line, st, on_fact, st);
	if (r > 0 && !st->failed)
		fail(st, "syntax error: expected", "[section] or key = value", NULL);
	st->line = 0;
	if (r == 0 && !st->failed)
		check(st);
	if (st->failed || r != 0) {
		if (why && why_size)
			snprintf(why, why_size, "%s", r < 0 ? "out of memory" : st->why);
		return -EINVAL;
	}
	*ret = *f;
	return 0;
}
