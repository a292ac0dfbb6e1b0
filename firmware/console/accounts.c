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

/* Splits "user:hash"; returns false for comments and blank lines. */
static int parse_line(char *line, char **ret_user, char **ret_hash)
{
	char *colon;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	colon = strchr(line, ':');
	if (!colon)
		return -FOLIO_EFORMAT;
	*colon = '\0';
	if (!account_name_valid(line) || strncmp(colon + 1, "$argon2id$", 10) != 0)
		return -FOLIO_EFORMAT;
	*ret_user = line;
	*ret_hash = colon + 1;
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

int accounts_verify(const char *path, const char *user, const char *password)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[ACCOUNTS_LINE_MAX + 2], found[crypto_pwhash_STRBYTES] = "";
	size_t plen = strnlen(password, ACCOUNT_PASSWORD_MAX + 1);
	unsigned accounts = 0;
	int r, ok;

	if (sodium_init() < 0)
		return -ENOMEM;
	r = open_checked(path, &f);
	if (r < 0)
		return r;
	while ((r = next_line(f, line, sizeof(line))) > 0) {
		char *u, *h;

		r = parse_line(line, &u, &h);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		if (++accounts > ACCOUNTS_MAX) {
			r = -FOLIO_EFORMAT;
			break;
		}
		if (strcmp(u, user) == 0 && strlen(h) < sizeof(found))
			snprintf(found, sizeof(found), "%s", h);
	}
	sodium_memzero(line, sizeof(line));
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
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL, *tmp = NULL;
	char line[ACCOUNTS_LINE_MAX + 2], hash[crypto_pwhash_STRBYTES];
	size_t plen = strnlen(password, ACCOUNT_PASSWORD_MAX + 1), len = 0, cap;
	unsigned accounts = 0;
	bool replaced = false;
	int r, fd;

	if (!account_name_valid(user) || plen < ACCOUNT_PASSWORD_MIN || plen > ACCOUNT_PASSWORD_MAX)
		return -EINVAL;
	if (sodium_init() < 0)
		return -ENOMEM;
	cap = (size_t)(ACCOUNTS_MAX + 16) * (ACCOUNTS_LINE_MAX + 2) + 64;
	text = calloc(1, cap);
	if (!text)
		return -ENOMEM;
	if (crypto_pwhash_str(hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -ENOMEM;

	r = open_checked(path, &f);
	if (r == -ENOENT) {
		r = 0;
		len += (size_t)snprintf(text, cap,
					"# Folio console accounts: USER:ARGON2ID-HASH "
					"(folio console passwd USER)\n");
	} else if (r < 0) {
		return r;
	}
	while (f && (r = next_line(f, line, sizeof(line))) > 0) {
		char copy[sizeof(line)], *u, *h;
		const char *out = line;
		char mine[ACCOUNTS_LINE_MAX + 2];

		memcpy(copy, line, sizeof(copy));
		r = parse_line(copy, &u, &h);
		if (r < 0)
			return r;
		if (r > 0) {
			accounts++;
			if (strcmp(u, user) == 0) {
				snprintf(mine, sizeof(mine), "%s:%s", user, hash);
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
		len += (size_t)snprintf(text + len, cap - len, "%s:%s\n", user, hash);
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
