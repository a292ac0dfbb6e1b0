#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"
#include "errors.h"
#include "secret.h"
#include "firmware/upload/creds.h"

#define CREDS_FILE_MAX (64u << 10)

struct cred_key {
	const char *name;
	size_t offset;
};

static const struct cred_key cred_keys[] = {
	{ "user", offsetof(struct upload_creds, user) },
	{ "password", offsetof(struct upload_creds, password) },
	{ "access_key_id", offsetof(struct upload_creds, access_key_id) },
	{ "secret_access_key", offsetof(struct upload_creds, secret_access_key) },
	{ "key_password", offsetof(struct upload_creds, key_password) },
};

void upload_creds_wipe(struct upload_creds *c)
{
	sodium_memzero(c, sizeof(*c));
}

/* A refusal of secret.h (@r; @st as secret_open() filled it) in one line about @what in @why. */
static int refusal(const char *what, const char *path, int r, const struct stat *st, char *why,
		   size_t n)
{
	switch (r) {
	case -ELOOP:
		snprintf(why, n, "%s '%s' is a symbolic link: name the file itself", what, path);
		return -EINVAL;
	case -FOLIO_EFORMAT:
		snprintf(why, n, "%s '%s' is not a regular file", what, path);
		return -EINVAL;
	case -EPERM:
		if (!secret_private(st))
			snprintf(why, n, "%s '%s' may be read by others (mode %04o): chmod 600 it",
				 what, path, (unsigned)(st->st_mode & 07777));
		else
			snprintf(why, n,
				 "%s '%s' belongs to uid %u, not to this user (uid %u): chown it",
				 what, path, (unsigned)st->st_uid, (unsigned)geteuid());
		return -EPERM;
	case -FOLIO_ETOOBIG:
		snprintf(why, n, "%s '%s' is too large (at most %u KiB)", what, path,
			 CREDS_FILE_MAX >> 10);
		return r;
	default:
		snprintf(why, n, "%s '%s' cannot be read: %s", what, path, folio_strerror(r));
		return r;
	}
}

int upload_key_file_check(const char *what, const char *path, char *why, size_t n)
{
	struct stat st;
	int fd = secret_open(path, &st);

	if (fd < 0)
		return refusal(what, path, fd, &st, why, n);
	close(fd);
	if (!secret_owned(&st) || !secret_private(&st))
		return refusal(what, path, -EPERM, &st, why, n);
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse(const char *path, char *text, struct upload_creds *c, char *why, size_t n)
{
	unsigned seen = 0, line = 0;

	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *eq, *key, *value;
		const struct cred_key *k = NULL;

		line++;
		l = trim(l);
		if (!*l || *l == '#')
			continue;
		eq = strchr(l, '=');
		if (!eq) {
			snprintf(why, n, "%s:%u: expected 'key = value'", path, line);
			return -EINVAL;
		}
		*eq = '\0';
		key = trim(l);
		value = trim(eq + 1);
		for (size_t i = 0; i < ARRAY_SIZE(cred_keys); i++)
			if (strcmp(cred_keys[i].name, key) == 0)
				k = &cred_keys[i];
		if (!k) {
			/* Never the key's text: "password hunter2 = x" is a secret too. */
			snprintf(why, n,
				 "%s:%u: unknown key (user, password, access_key_id, "
				 "secret_access_key, key_password)",
				 path, line);
			return -EINVAL;
		}
		if (seen & (1u << (k - cred_keys))) {
			snprintf(why, n, "%s:%u: '%s' is set twice", path, line, k->name);
			return -EINVAL;
		}
		seen |= 1u << (k - cred_keys);
		if (strlen(value) >= UPLOAD_CRED_LEN) {
			snprintf(why, n, "%s:%u: the value of '%s' is too long", path, line,
				 k->name);
			return -EINVAL;
		}
		for (const char *p = value; *p; p++)
			if (iscntrl((unsigned char)*p)) {
				snprintf(why, n, "%s:%u: the value of '%s' has control characters",
					 path, line, k->name);
				return -EINVAL;
			}
		strcpy((char *)c + k->offset, value);
	}
	return 0;
}

int upload_creds_load(const char *path, struct upload_creds *ret, char *why, size_t n)
{
	struct upload_creds c = { 0 };
	struct stat st = { 0 };
	char *text = NULL;
	size_t len = 0;
	int r;

	r = secret_load(path, CREDS_FILE_MAX, 0, &text, &len, &st);
	if (r < 0)
		return refusal("credentials file", path, r, &st, why, n);
	if (memchr(text, '\0', len)) {
		snprintf(why, n, "credentials file '%s' contains a NUL byte", path);
		secret_free(text);
		return -EINVAL;
	}
	r = parse(path, text, &c, why, n);
	secret_free(text);
	if (r < 0) {
		upload_creds_wipe(&c);
		return r;
	}
	*ret = c;
	upload_creds_wipe(&c);
	return 0;
}
