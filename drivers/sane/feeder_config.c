/* folio.conf: the libsane-folio backend's defaults and device list. */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "compiler.h"
#include "feeder_config.h"
#include "feeder_dbg.h"

#define CONFIG_FILE "folio.conf"
#define CONFIG_DEFAULT_DIRS ".:/etc/sane.d"
#define CONFIG_LINE_MAX 4096

struct int_setting {
	const char *name;
	size_t offset; /* in struct feeder_config */
	int min, max;
};

static const struct int_setting int_settings[] = {
	{ "max-megapixels", offsetof(struct feeder_config, max_megapixels), 1,
	  FEEDER_MEGAPIXELS_MAX },
	{ "pages-per-minute", offsetof(struct feeder_config, defaults.pages_per_minute), 0,
	  FEEDER_PPM_MAX },
	{ "read-chunk", offsetof(struct feeder_config, defaults.read_chunk), 0, FEEDER_CHUNK_MAX },
	{ "jam-page", offsetof(struct feeder_config, defaults.jam_page), 0, FEEDER_PAGE_MAX },
	{ "double-feed-page", offsetof(struct feeder_config, defaults.double_feed_page), 0,
	  FEEDER_PAGE_MAX },
	{ "cover-open-page", offsetof(struct feeder_config, defaults.cover_open_page), 0,
	  FEEDER_PAGE_MAX },
	{ "no-paper-page", offsetof(struct feeder_config, defaults.no_paper_page), 0,
	  FEEDER_PAGE_MAX },
	{ "device-lost-page", offsetof(struct feeder_config, defaults.device_lost_page), 0,
	  FEEDER_PAGE_MAX },
	{ "device-lost-seconds", offsetof(struct feeder_config, defaults.device_lost_seconds), 0,
	  FEEDER_LOST_SECONDS_MAX },
};

void feeder_config_init(struct feeder_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_megapixels = 400;
	cfg->defaults.device_lost_seconds = 5;
}

void feeder_config_release(struct feeder_config *cfg)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		free(cfg->devices[i]);
	feeder_config_init(cfg);
}

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Cuts a comment (a '#' at the start or after white space) and trailing white space. */
static void strip_line(char *s)
{
	size_t n;

	for (char *p = s; *p; p++) {
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static int parse_int(const char *s, int min, int max, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static int parse_setting(struct feeder_config *cfg, char *key, char *value, const char *name,
			 unsigned lineno)
{
	if (strcmp(key, "device") == 0) {
		const char *slash;
		char *dev;

		if (!*value) {
			feeder_dbg(FEEDER_DBG_WARN, "%s:%u: 'device' needs a folder, line ignored",
				   name, lineno);
			return 0;
		}
		if (cfg->n_devices >= FEEDER_DEVICES_MAX) {
			feeder_dbg(FEEDER_DBG_WARN, "%s:%u: more than %d devices, line ignored",
				   name, lineno, FEEDER_DEVICES_MAX);
			return 0;
		}
		/* Relative folders are taken from the configuration file's folder. */
		slash = strrchr(name, '/');
		if (value[0] != '/' && slash) {
			if (asprintf(&dev, "%.*s/%s", (int)(slash - name), name, value) < 0)
				dev = NULL;
		} else {
			dev = strdup(value);
		}
		if (!dev)
			return -ENOMEM;
		cfg->devices[cfg->n_devices++] = dev;
		return 0;
	}

	for (size_t i = 0; i < ARRAY_SIZE(int_settings); i++) {
		const struct int_setting *s = &int_settings[i];
		int v;

		if (strcmp(key, s->name) != 0)
			continue;
		if (parse_int(value, s->min, s->max, &v) < 0) {
			feeder_dbg(FEEDER_DBG_WARN,
				   "%s:%u: '%s' needs a whole number from %d to %d, not '%s'; line "
				   "ignored",
				   name, lineno, key, s->min, s->max, value);
			return 0;
		}
		*(int *)((char *)cfg + s->offset) = v;
		return 0;
	}

	feeder_dbg(FEEDER_DBG_WARN, "%s:%u: unknown setting '%s', line ignored", name, lineno, key);
	return 0;
}

int feeder_config_parse(struct feeder_config *cfg, FILE *f, const char *name)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, f)) >= 0) {
		char *key, *value;
		int r;

		lineno++;
		if (len > CONFIG_LINE_MAX) {
			feeder_dbg(FEEDER_DBG_WARN, "%s:%u: line longer than %d bytes ignored",
				   name, lineno, CONFIG_LINE_MAX);
			continue;
		}
		if (memchr(line, '\0', (size_t)len)) {
			feeder_dbg(FEEDER_DBG_WARN, "%s:%u: NUL byte, line ignored", name, lineno);
			continue;
		}
		strip_line(line);
		key = skip_space(line);
		if (!*key)
			continue;
		value = key + strcspn(key, " \t");
		if (*value)
			*value++ = '\0';
		value = skip_space(value);
		r = parse_setting(cfg, key, value, name, lineno);
		if (r < 0)
			return r;
	}
	if (ferror(f)) {
		if (errno == ENOMEM)
			return -ENOMEM;
		feeder_dbg(FEEDER_DBG_WARN, "cannot read '%s': %s", name, strerror(errno));
	}
	return 0;
}

int feeder_config_load(struct feeder_config *cfg)
{
	const char *env = getenv("SANE_CONFIG_DIR");
	_cleanup_free_ char *dirs = NULL;
	char *saveptr = NULL;

	if (!env || !*env)
		dirs = strdup(CONFIG_DEFAULT_DIRS);
	else if (env[strlen(env) - 1] == ':') {
		if (asprintf(&dirs, "%s%s", env, CONFIG_DEFAULT_DIRS) < 0)
			dirs = NULL;
	} else
		dirs = strdup(env);
	if (!dirs)
		return -ENOMEM;

	for (char *dir = strtok_r(dirs, ":", &saveptr); dir; dir = strtok_r(NULL, ":", &saveptr)) {
		_cleanup_free_ char *path = NULL;
		_cleanup_fclose_ FILE *f = NULL;

		if (asprintf(&path, "%s/%s", dir, CONFIG_FILE) < 0)
			return -ENOMEM;
		f = fopen(path, "re");
		if (!f) {
			if (errno != ENOENT)
				feeder_dbg(FEEDER_DBG_WARN, "cannot read '%s': %s", path,
					   strerror(errno));
			continue;
		}
		feeder_dbg(FEEDER_DBG_PAGE, "reading '%s'", path);
		return feeder_config_parse(cfg, f, path);
	}
	feeder_dbg(FEEDER_DBG_ERR, "no %s found, using built-in defaults", CONFIG_FILE);
	return 0;
}
