#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "fileio.h"
#include "firmware/console/accounts.h"

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

static int check_stat(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	if (st->st_mode & (S_IRWXG | S_IRWXO))
		return -EPERM;
	return 0;
}

int accounts_check_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	return check_stat(&st);
}

/* Opens the file after checking what was opened (no window between check and read). */
static int open_checked(const char *path, FILE **ret)
{
	struct stat st;
	FILE *f;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = check_stat(&st);
	if (r < 0) {
		close(fd);
		return r;
	}
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret = f;
	return 0;
}

/*
 * Reads the next line into @line; returns 1 with a line, 0 at the end, -FOLIO_EFORMAT for
 * a line too long.
 */
static int next_line(FILE *f, char *line, size_t size)
{
	size_t n;

	if (!fgets(line, (int)size, f))
		return 0;
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[--n] = '\0';
	else if (!feof(f))
		return -FOLIO_EFORMAT;
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
 * The one walk over the accounts file: 1 and @user's hash and attributes into @hash and
 * @attrs (each may be NULL) when @user has an account, 0 when not, -errno for a file that
 * cannot be read or is damaged.
 */
static int find_account(const char *path, const char *user, char hash[crypto_pwhash_STRBYTES],
			char attrs[ACCOUNT_ATTRS_MAX + 1])
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[ACCOUNTS_LINE_MAX + 2];
	unsigned accounts = 0;
	int r, found = 0;

	r = open_checked(path, &f);
	if (r < 0)
		return r;
	while ((r = next_line(f, line, sizeof(line))) > 0) {
		char *u, *h, *a;

		r = parse_line(line, &u, &h, &a);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		if (++accounts > ACCOUNTS_MAX) {
			r = -FOLIO_EFORMAT;
			break;
		}
		if (strcmp(u, user) == 0 && strlen(h) < crypto_pwhash_STRBYTES) {
			found = 1;
			if (hash)
				snprintf(hash, crypto_pwhash_STRBYTES, "%s", h);
			if (attrs)
				snprintf(attrs, ACCOUNT_ATTRS_MAX + 1, "%s", a);
		}
	}
	sodium_memzero(line, sizeof(line));
	return r < 0 ? r : found;
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

static int sync_folder(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, r = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int accounts_set(const char *path, const char *user, const char *password)
{
	if (strnlen(password, ACCOUNT_PASSWORD_MIN) < ACCOUNT_PASSWORD_MIN)
		return -EINVAL;
	return accounts_update(path, user, password, NULL);
}

int accounts_list(const char *path, int (*fn)(const char *user, const char *attrs, void *user_data),
		  void *user_data)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[ACCOUNTS_LINE_MAX + 2];
	int r;

	r = open_checked(path, &f);
	if (r < 0)
		return r;
	while ((r = next_line(f, line, sizeof(line))) > 0) {
		char *u, *h, *a;

		r = parse_line(line, &u, &h, &a);
		if (r < 0)
			break;
		if (r > 0) {
			r = fn(u, a, user_data);
			if (r != 0)
				break;
		}
	}
	sodium_memzero(line, sizeof(line));
	return r < 0 ? r : 0;
}

int accounts_update(const char *path, const char *user, const char *password, const char *attrs)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL, *tmp = NULL;
	char line[ACCOUNTS_LINE_MAX + 2], hash[crypto_pwhash_STRBYTES] = "";
	size_t plen = password ? strnlen(password, ACCOUNT_PASSWORD_MAX + 1) : 0, len = 0, cap;
	unsigned accounts = 0;
	bool replaced = false;
	int r, fd;

	if (!account_name_valid(user) || (attrs && !account_attrs_valid(attrs)) ||
	    (password && (plen < ACCOUNT_PIN_MIN || plen > ACCOUNT_PASSWORD_MAX)))
		return -EINVAL;
	if (sodium_init() < 0)
		return -ENOMEM;
	cap = (size_t)(ACCOUNTS_MAX + 16) * (ACCOUNTS_LINE_MAX + 2) + 64;
	text = calloc(1, cap);
	if (!text)
		return -ENOMEM;
	if (password && crypto_pwhash_str(hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					  crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -ENOMEM;

	r = open_checked(path, &f);
	if (r == -ENOENT) {
		r = 0;
		len += (size_t)snprintf(text, cap,
					"# Folio accounts: USER:ARGON2ID-HASH[:ATTRIBUTES] "
					"(folio console passwd USER, folio web user USER)\n");
	} else if (r < 0) {
		return r;
	}
	while (f && (r = next_line(f, line, sizeof(line))) > 0) {
		char copy[sizeof(line)], *u, *h, *a;
		const char *out = line;
		char mine[ACCOUNTS_LINE_MAX + 2];

		memcpy(copy, line, sizeof(copy));
		r = parse_line(copy, &u, &h, &a);
		if (r < 0)
			return r;
		if (r > 0) {
			accounts++;
			if (strcmp(u, user) == 0) {
				const char *keep = attrs ? attrs : a;

				snprintf(mine, sizeof(mine), "%s:%s%s%s", user, password ? hash : h,
					 keep[0] ? ":" : "", keep);
				out = mine;
				replaced = true;
			}
		}
		if (len + strlen(out) + 2 > cap || accounts > ACCOUNTS_MAX)
			return -FOLIO_EFORMAT;
		len += (size_t)snprintf(text + len, cap - len, "%s\n", out);
	}
	if (r < 0)
		return r;
	if (!replaced) {
		if (accounts >= ACCOUNTS_MAX)
			return -FOLIO_ETOOBIG;
		if (!password)
			return -ENOENT; /* a new account needs its password */
		len += (size_t)snprintf(text + len, cap - len, "%s:%s%s%s\n", user, hash,
					attrs && attrs[0] ? ":" : "", attrs ? attrs : "");
	}
	sodium_memzero(hash, sizeof(hash));

	if (asprintf(&tmp, "%s.new", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600) < 0)
		r = -errno;
	else
		r = fd_write_all(fd, text, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	(void)sync_folder(path);
	return replaced ? 0 : 1;
}
