#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"
#include "errors.h"
#include "fileio.h"
#include "secret.h"
#include "firmware/accounts/accounts.h"

bool account_name_valid(const char *name)
{
	size_t n = strnlen(name, ACCOUNT_NAME_MAX + 1);

	if (n == 0 || n > ACCOUNT_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* An accounts file longer than this has more than ACCOUNTS_MAX accounts and some comments. */
#define ACCOUNTS_FILE_MAX ((size_t)(ACCOUNTS_MAX + 16) * (ACCOUNTS_LINE_MAX + 2) + 64)

/* The accounts file in guarded memory (secret.h) and the place of the next line in it. */
struct accounts_text {
	char *buf;
	size_t len, pos;
};

/* secret.h's refusals as this module's header words them. */
static int file_error(int r)
{
	return r == -FOLIO_EFORMAT ? -EINVAL : r;
}

int accounts_check_file(const char *path)
{
	struct stat st;
	int fd = secret_open(path, &st);

	if (fd < 0)
		return file_error(fd);
	close(fd);
	return secret_owned(&st) && secret_private(&st) ? 0 : -EPERM;
}

/* Reads the whole file through the one secret reader (checked as it is opened). */
static int text_load(const char *path, struct accounts_text *ret)
{
	struct accounts_text t = { 0 };
	int r;

	r = secret_load(path, ACCOUNTS_FILE_MAX, 0, &t.buf, &t.len, NULL);
	if (r == -FOLIO_ETOOBIG)
		return -FOLIO_EFORMAT;
	if (r < 0)
		return file_error(r);
	*ret = t;
	return 0;
}

static void text_release(struct accounts_text *t)
{
	t->buf = secret_free(t->buf);
	t->len = t->pos = 0;
}

/*
 * Copies the next line into @line; returns 1 with a line, 0 at the end, -FOLIO_EFORMAT for
 * a line too long or a NUL byte.
 */
static int next_line(struct accounts_text *t, char *line, size_t size)
{
	const char *p = t->buf + t->pos, *eol;
	size_t n;

	if (t->pos >= t->len)
		return 0;
	eol = memchr(p, '\n', t->len - t->pos);
	n = eol ? (size_t)(eol - p) : t->len - t->pos;
	if (n >= size - 1 || memchr(p, '\0', n))
		return -FOLIO_EFORMAT;
	memcpy(line, p, n);
	line[n] = '\0';
	t->pos += n + (eol ? 1 : 0);
	return 1;
}

bool account_attrs_valid(const char *attrs)
{
	size_t n = strnlen(attrs, ACCOUNT_ATTRS_MAX + 1);

	if (n > ACCOUNT_ATTRS_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((attrs[i] >= 'a' && attrs[i] <= 'z') ||
		      (attrs[i] >= '0' && attrs[i] <= '9') || strchr(",=._-", attrs[i])))
			return false;
	return true;
}

_Static_assert(ACCOUNT_NAME_MAX + 1 + crypto_pwhash_STRBYTES - 1 + 1 + ACCOUNT_ATTRS_MAX <=
		   ACCOUNTS_LINE_MAX,
	       "a rewritten account line fits ACCOUNTS_LINE_MAX");

/* Splits "user:hash[:attrs]"; returns 0 for comments and blank lines, 1 for an account. */
static int parse_line(char *line, char **ret_user, char **ret_hash, char **ret_attrs)
{
	char *colon, *attrs;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	colon = strchr(line, ':');
	if (!colon)
		return -FOLIO_EFORMAT;
	*colon = '\0';
	if (!account_name_valid(line) || strncmp(colon + 1, "$argon2id$", 10) != 0)
		return -FOLIO_EFORMAT;
	attrs = strchr(colon + 1, ':'); /* an Argon2id hash string has no colon */
	if (attrs) {
		*attrs++ = '\0';
		if (!account_attrs_valid(attrs))
			return -FOLIO_EFORMAT;
	}
	/*
	 * No longer than crypto_pwhash_str() makes one: accounts_update() keeps the hash of a
	 * line it rewrites, and the new line must fit ACCOUNTS_LINE_MAX to be read back.
	 */
	if (strlen(colon + 1) >= crypto_pwhash_STRBYTES)
		return -FOLIO_EFORMAT;
	*ret_user = line;
	*ret_hash = colon + 1;
	*ret_attrs = attrs ? attrs : colon + 1 + strlen(colon + 1); /* "" */
	return 1;
}

/* A hash of nothing in particular, so unknown users cost as much time as known ones. */
static const char *dummy_hash(void)
{
	static char hash[crypto_pwhash_STRBYTES];

	if (!hash[0]) {
		char pw[16];

		randombytes_buf(pw, sizeof(pw));
		if (crypto_pwhash_str(hash, pw, sizeof(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			hash[0] = '\0';
	}
	return hash;
}

/*
 * The one walk over the accounts file: calls @fn with each account's user, hash and attributes
 * (pointers into a line that is wiped after the call) and stops at the first non-zero answer,
 * which it returns; 0 after the last line, -errno for a file that cannot be read or is damaged.
 */
static int each_account(const char *path,
			int (*fn)(char *user, char *hash, char *attrs, void *data), void *data)
{
	struct accounts_text t;
	char line[ACCOUNTS_LINE_MAX + 2];
	int r;

	r = text_load(path, &t);
	if (r < 0)
		return r;
	while ((r = next_line(&t, line, sizeof(line))) > 0) {
		char *u, *h, *a;

		r = parse_line(line, &u, &h, &a);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		r = fn(u, h, a, data);
		if (r != 0)
			break;
	}
	sodium_memzero(line, sizeof(line));
	text_release(&t);
	return r;
}

struct find_state {
	const char *user;
	char *hash, *attrs;
	unsigned accounts;
	int found;
};

static int find_one(char *user, char *hash, char *attrs, void *data)
{
	struct find_state *f = data;

	if (++f->accounts > ACCOUNTS_MAX)
		return -FOLIO_EFORMAT;
	if (strcmp(user, f->user) == 0 && strlen(hash) < crypto_pwhash_STRBYTES) {
		f->found = 1;
		if (f->hash)
			snprintf(f->hash, crypto_pwhash_STRBYTES, "%s", hash);
		if (f->attrs)
			snprintf(f->attrs, ACCOUNT_ATTRS_MAX + 1, "%s", attrs);
	}
	return 0;
}

/*
 * 1 and @user's hash and attributes into @hash and @attrs (each may be NULL) when @user has
 * an account, 0 when not, -errno for a file that cannot be read or is damaged.
 */
static int find_account(const char *path, const char *user, char hash[crypto_pwhash_STRBYTES],
			char attrs[ACCOUNT_ATTRS_MAX + 1])
{
	struct find_state f = { .user = user, .hash = hash, .attrs = attrs };
	int r;

	r = each_account(path, find_one, &f);
	return r < 0 ? r : f.found;
}

int accounts_exists(const char *path, const char *user)
{
	if (!account_name_valid(user))
		return 0;
	return find_account(path, user, NULL, NULL);
}

int accounts_verify(const char *path, const char *user, const char *password)
{
	return accounts_login(path, user, password, NULL, 0);
}

int accounts_login(const char *path, const char *user, const char *password, char *ret_attrs,
		   size_t attrs_size)
{
	char found[crypto_pwhash_STRBYTES] = "";
	char attrs[ACCOUNT_ATTRS_MAX + 1] = "";
	size_t plen = strnlen(password, ACCOUNT_PASSWORD_MAX + 1);
	int r, ok;

	if (sodium_init() < 0)
		return -ENOMEM;
	r = find_account(path, user, found, attrs);
	if (r < 0)
		return r;
	if (!found[0] || plen > ACCOUNT_PASSWORD_MAX) {
		const char *d = dummy_hash();

		/* The outcome does not matter, the time spent does: no account name leaks. */
		if (d[0]) {
			int ignored =
			    crypto_pwhash_str_verify(d, password, MIN(plen, ACCOUNT_PASSWORD_MAX));
			(void)ignored;
		}
		return -EACCES;
	}
	ok = crypto_pwhash_str_verify(found, password, plen) == 0;
	sodium_memzero(found, sizeof(found));
	if (ok && ret_attrs && attrs_size)
		snprintf(ret_attrs, attrs_size, "%s", attrs);
	return ok ? 0 : -EACCES;
}

int accounts_set(const char *path, const char *user, const char *password)
{
	if (strnlen(password, ACCOUNT_PASSWORD_MIN) < ACCOUNT_PASSWORD_MIN)
		return -EINVAL;
	return accounts_update(path, user, password, NULL);
}

struct list_state {
	int (*fn)(const char *user, const char *attrs, void *user_data);
	void *user_data;
};

static int list_one(char *user, char *hash, char *attrs, void *data)
{
	struct list_state *l = data;

	(void)hash;
	return l->fn(user, attrs, l->user_data);
}

int accounts_list(const char *path, int (*fn)(const char *user, const char *attrs, void *user_data),
		  void *user_data)
{
	struct list_state l = { fn, user_data };
	int r;

	r = each_account(path, list_one, &l);
	return r < 0 ? r : 0;
}

/*
 * The accounts file with @user's line replaced by USER:@hash:ATTRS (@hash NULL keeps the old
 * hash, @attrs NULL the old attributes) or added, into @text of @cap bytes (@ret_len used).
 * Returns 1 when added, 0 when replaced, or the errors of accounts_update().
 */
static int rebuild(const char *path, const char *user, const char *hash, const char *attrs,
		   char *text, size_t cap, size_t *ret_len)
{
	struct accounts_text t = { 0 };
	char line[ACCOUNTS_LINE_MAX + 2], copy[sizeof(line)], mine[ACCOUNTS_LINE_MAX + 2];
	unsigned accounts = 0;
	bool replaced = false;
	size_t len = 0;
	int r;

	r = text_load(path, &t);
	if (r == -ENOENT) {
		len += (size_t)snprintf(text, cap,
					"# Folio accounts: USER:ARGON2ID-HASH[:ATTRIBUTES] "
					"(folio console passwd USER, folio web user USER)\n");
	} else if (r < 0) {
		return r;
	}
	while ((r = next_line(&t, line, sizeof(line))) > 0) {
		const char *out = line;
		char *u, *h, *a;

		memcpy(copy, line, sizeof(copy));
		r = parse_line(copy, &u, &h, &a);
		if (r < 0)
			break;
		if (r > 0) {
			accounts++;
			if (strcmp(u, user) == 0) {
				const char *keep = attrs ? attrs : a;

				snprintf(mine, sizeof(mine), "%s:%s%s%s", user, hash ? hash : h,
					 keep[0] ? ":" : "", keep);
				out = mine;
				replaced = true;
			}
		}
		if (len + strlen(out) + 2 > cap || accounts > ACCOUNTS_MAX) {
			r = -FOLIO_EFORMAT;
			break;
		}
		len += (size_t)snprintf(text + len, cap - len, "%s\n", out);
	}
	if (r == 0 && !replaced && accounts >= ACCOUNTS_MAX)
		r = -FOLIO_ETOOBIG;
	else if (r == 0 && !replaced && !hash)
		r = -ENOENT; /* a new account needs its password */
	else if (r == 0 && !replaced)
		len += (size_t)snprintf(text + len, cap - len, "%s:%s%s%s\n", user, hash,
					attrs && attrs[0] ? ":" : "", attrs ? attrs : "");
	sodium_memzero(line, sizeof(line));
	sodium_memzero(copy, sizeof(copy));
	sodium_memzero(mine, sizeof(mine));
	text_release(&t);
	if (r < 0)
		return r;
	*ret_len = len;
	return replaced ? 0 : 1;
}

int accounts_update(const char *path, const char *user, const char *password, const char *attrs)
{
	char *text = NULL, hash[crypto_pwhash_STRBYTES] = "";
	size_t plen = password ? strnlen(password, ACCOUNT_PASSWORD_MAX + 1) : 0, len = 0;
	const size_t cap = ACCOUNTS_FILE_MAX;
	int r, added;

	if (!account_name_valid(user) || (attrs && !account_attrs_valid(attrs)) ||
	    (password && (plen < ACCOUNT_PIN_MIN || plen > ACCOUNT_PASSWORD_MAX)))
		return -EINVAL;
	if (sodium_init() < 0)
		return -ENOMEM;
	if (password && crypto_pwhash_str(hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					  crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -ENOMEM;
	text = sodium_malloc(cap);
	if (!text) {
		sodium_memzero(hash, sizeof(hash));
		return -ENOMEM;
	}
	added = rebuild(path, user, password ? hash : NULL, attrs, text, cap, &len);
	sodium_memzero(hash, sizeof(hash));
	if (added < 0) {
		secret_free(text);
		return added;
	}

	r = file_replace_synced(path, 0600, text, len);
	secret_free(text);
	return r < 0 ? r : added;
}
