#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "fileio.h"
#include "firmware/config/config.h"
#include "firmware/config/confedit.h"

#define CONFEDIT_MAX_FILE (1u << 20)
#define CONFEDIT_MAX_LINES 20000

struct text {
	char **line;
	size_t n, cap;
};

static void text_release(struct text *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->line[i]);
	free(t->line);
	t->line = NULL;
	t->n = t->cap = 0;
}

static int text_insert(struct text *t, size_t at, const char *s)
{
	char *copy;

	if (t->n >= CONFEDIT_MAX_LINES)
		return -FOLIO_ETOOBIG;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **l = realloc(t->line, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		t->line = l;
		t->cap = cap;
	}
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	memmove(t->line + at + 1, t->line + at, (t->n - at) * sizeof(*t->line));
	t->line[at] = copy;
	t->n++;
	return 0;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Whether @line is the header "[@section]" (blanks around the name allowed). */
static bool is_header(const char *line, const char *section)
{
	const char *p = skip_blanks(line), *end;
	size_t n;

	if (*p != '[')
		return false;
	p = skip_blanks(p + 1);
	end = strchr(p, ']');
	if (!end)
		return false;
	n = (size_t)(end - p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n == strlen(section) && strncmp(p, section, n) == 0;
}

static bool is_any_header(const char *line)
{
	return *skip_blanks(line) == '[';
}

/* Whether @line sets key @name. */
static bool is_key(const char *line, const char *name)
{
	const char *p = skip_blanks(line);
	size_t n = strlen(name);

	if (strncmp(p, name, n) != 0)
		return false;
	p = skip_blanks(p + n);
	return *p == '=' || *p == ':';
}

static bool is_setting(const char *line)
{
	const char *p = skip_blanks(line);

	return *p && *p != ';' && *p != '#' && *p != '[';
}

static int apply(struct text *t, const char *section, const char *name, const char *value)
{
	_cleanup_free_ char *set = NULL;
	size_t start = 0, end, last;
	bool found = false;

	if (asprintf(&set, "%s = %s", name, value) < 0) {
		set = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++)
		if (is_header(t->line[i], section)) {
			start = i + 1;
			found = true;
			break;
		}
	if (!found) {
		_cleanup_free_ char *hdr = NULL;
		int r;

		if (asprintf(&hdr, "[%s]", section) < 0) {
			hdr = NULL;
			return -ENOMEM;
		}
		if (t->n && t->line[t->n - 1][0] && (r = text_insert(t, t->n, "")) < 0)
			return r;
		r = text_insert(t, t->n, hdr);
		return r < 0 ? r : text_insert(t, t->n, set);
	}
	for (end = start; end < t->n && !is_any_header(t->line[end]); end++)
		if (is_key(t->line[end], name)) {
			char *copy = strdup(set);

			if (!copy)
				return -ENOMEM;
			free(t->line[end]);
			t->line[end] = copy;
			return 0;
		}
	/* After the section's last setting, so comments of the next section stay with it. */
	last = start;
	for (size_t i = start; i < end; i++)
		if (is_setting(t->line[i]))
			last = i + 1;
	return text_insert(t, last, set);
}

static int split_key(const char *key, char *section, size_t ssize, const char **ret_name)
{
	const char *dot = strchr(key, '.'), *name;

	if (!dot)
		return -EINVAL;
	name = dot + 1;
	if (strncmp(key, "profile.", 8) == 0) {
		const char *dot2 = strchr(name, '.');

		if (!dot2)
			return -EINVAL;
		if ((size_t)snprintf(section, ssize, "profile %.*s", (int)(dot2 - name), name) >=
		    ssize)
			return -EINVAL;
		name = dot2 + 1;
	} else if ((size_t)snprintf(section, ssize, "%.*s", (int)(dot - key), key) >= ssize) {
		return -EINVAL;
	}
	if (!*name || strpbrk(name, " \t=:[]"))
		return -EINVAL;
	*ret_name = name;
	return 0;
}

static bool value_fits(const char *v)
{
	const char *p;

	if (v[0] == ';' || v[0] == '#')
		return false;
	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return !strstr(v, " ;") && !strstr(v, "\t;");
}

static int read_text(const char *path, struct text *t, mode_t *ret_mode)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[4096];
	size_t total = 0;
	struct stat st;
	int r;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0)
		return -errno;
	if (st.st_size > CONFEDIT_MAX_FILE)
		return -FOLIO_ETOOBIG;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		total += n;
		if (total > CONFEDIT_MAX_FILE || (n == sizeof(line) - 1 && line[n - 1] != '\n'))
			return -FOLIO_ETOOBIG;
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		r = text_insert(t, t->n, line);
		if (r < 0)
			return r;
	}
	*ret_mode = st.st_mode & 07777;
	return 0;
}

static char *join(const struct text *t)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < t->n; i++)
		len += strlen(t->line[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (size_t i = 0; i < t->n; i++) {
		size_t n = strlen(t->line[i]);

		memcpy(p, t->line[i], n);
		p[n] = '\n';
		p += n + 1;
	}
	*p = '\0';
	return s;
}

int confedit_save(const char *path, const struct confedit_change *ch, size_t n, char *why,
		  size_t why_size)
{
	_cleanup_free_ struct folio_config *cfg = NULL;
	_cleanup_free_ struct config_problems *problems = NULL;
	_cleanup_free_ char *joined = NULL;
	struct text t = { 0 };
	mode_t mode = 0644;
	int r;

	why[0] = '\0';
	r = read_text(path, &t, &mode);
	if (r < 0) {
		snprintf(why, why_size, "cannot read '%s': %s", path, folio_strerror(r));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char section[CONFIG_NAME_LEN + 16];
		const char *name;

		if (split_key(ch[i].key, section, sizeof(section), &name) < 0 ||
		    !value_fits(ch[i].value)) {
			snprintf(why, why_size, "cannot write '%s = %s' into an INI file",
				 ch[i].key, ch[i].value);
			r = -EINVAL;
			goto out;
		}
		r = apply(&t, section, name, ch[i].value);
		if (r < 0)
			goto out;
	}
	joined = join(&t);
	cfg = malloc(sizeof(*cfg));
	problems = malloc(sizeof(*problems));
	if (!joined || !cfg || !problems) {
		r = -ENOMEM;
		goto out;
	}
	r = config_load_string(path, joined, cfg, problems);
	if (r < 0) {
		snprintf(why, why_size, "%s", problems->n ? problems->text[0] : "invalid");
		r = -FOLIO_ECONFIG;
		goto out;
	}
	r = file_replace_synced(path, mode, joined, strlen(joined));
	if (r < 0)
		snprintf(why, why_size, "cannot write '%s': %s", path, folio_strerror(r));
out:
	text_release(&t);
	return r;
}

/* Whether @a and @b name the same folder ("/x/store" and "/x/store/", or one a link). */
static bool same_folder(const char *a, const char *b)
{
	struct stat sa, sb;
	size_t la = strlen(a), lb = strlen(b);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	if (la == lb && strncmp(a, b, la) == 0)
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

bool confedit_store_path_notice(const char *old_path, const char *new_path, char *buf, size_t size)
{
	char data[PATH_MAX];
	bool there;

	buf[0] = '\0';
	if (same_folder(old_path, new_path))
		return false;
	there = (size_t)snprintf(data, sizeof(data), "%s/data.mdb", new_path) < sizeof(data) &&
		access(data, F_OK) == 0;
	if (there)
		snprintf(buf, size,
			 "store.path moves the station to another store: once saved and foliod "
			 "restarted, foliod and every command use the store already in '%s', not "
			 "the one in '%s' (which stays as it is)",
			 new_path, old_path);
	else
		snprintf(buf, size,
			 "store.path moves the station to another store: there is none in '%s', so "
			 "once saved and foliod restarted a new, EMPTY store is opened there; the "
			 "batches, event log and queues in '%s' stay there, unused",
			 new_path, old_path);
	return true;
}
