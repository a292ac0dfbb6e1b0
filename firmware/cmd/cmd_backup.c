/*
 * folio backup and folio restore: the store (a compacted snapshot), the configuration file,
 * the accounts files and the station key in one archive sealed with a passphrase
 * (firmware/backup/archive.h), and back on a fresh station.
 *
 * Members, in this order (restore needs the configuration before the store, to know where
 * the store goes):
 *
 *	config/folio.conf   the configuration file as it is on disk
 *	accounts/console    [console] accounts_file, when there is one
 *	accounts/web        [web] users_file, when there is one
 *	key/store.key       the station key that seals the store, when there is one
 *	store/data.mdb      the store: mdb_env_copyfd2() with compaction, streamed
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "fileio.h"
#include "log.h"
#include "secret.h"
#include "firmware/backup/archive.h"
#include "firmware/cmd/cmd.h"
#include "firmware/base/progress_line.h"
#include "firmware/config/confedit.h"

#define PASS_MIN 10
#define PASS_MAX 1024
#define CONFIG_MAX (1u << 20)
#define ACCOUNTS_FILE_MAX (64u << 10)
#define STORE_COPY_MAX (1ull << 40)
#define COPY_BLOCK (256u << 10)

enum member {
	M_CONFIG,
	M_ACCOUNTS_CONSOLE,
	M_ACCOUNTS_WEB,
	M_KEY,
	M_STORE,
	M_COUNT,
};

static const struct {
	const char *name;
	uint64_t max; /* bytes it may have */
	const char *what;
} members[M_COUNT] = {
	[M_CONFIG] = { "config/folio.conf", CONFIG_MAX, "configuration" },
	[M_ACCOUNTS_CONSOLE] = { "accounts/console", ACCOUNTS_FILE_MAX, "console accounts" },
	[M_ACCOUNTS_WEB] = { "accounts/web", ACCOUNTS_FILE_MAX, "clerk UI accounts" },
	[M_KEY] = { "key/store.key", STORE_KEY_BYTES, "station key" },
	[M_STORE] = { "store/data.mdb", STORE_COPY_MAX, "store" },
};

/* "12.3 MiB", "40.0 KiB": @bytes for people, into @buf */
static const char *human(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= (1u << 20))
		snprintf(buf, size, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
	else
		snprintf(buf, size, "%.1f KiB", (double)bytes / 1024.0);
	return buf;
}

/* A small member's bytes, in guarded memory (sodium_free), or NULL when absent. */
struct blob {
	char *data;
	size_t len;
};

static void blobs_free(struct blob *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i].data = secret_free(b[i].data);
}

/*
 * The passphrase: from @file (mode 0600, one line) or asked on the terminal, twice when
 * @new. Returns its length, or the error it told.
 */
static int get_passphrase(const char *file, bool new, char *buf, size_t size)
{
	char again[PASS_MAX + 2];
	size_t len;
	int r;

	if (file) {
		char *s = NULL;

		r = secret_load(file, PASS_MAX + 2, SECRET_NOT_EMPTY, &s, &len, NULL);
		if (r == -EPERM)
			return log_errno(r,
					 "passphrase file '%s' is readable by group or others or "
					 "belongs to another user: run 'chmod 600 %s' as its owner",
					 file, file);
		if (r < 0)
			return log_errno(r, "cannot read passphrase file '%s': %s", file,
					 r == -FOLIO_ETOOBIG ? "longer than a passphrase"
							     : folio_strerror(r));
		if (len && s[len - 1] == '\n')
			len--;
		if (len && s[len - 1] == '\r')
			len--;
		r = len < size ? 0 : -E2BIG;
		if (r == 0) {
			memcpy(buf, s, len);
			buf[len] = '\0';
		}
		secret_free(s);
	} else {
		if (!isatty(STDIN_FILENO))
			return log_errno(-EINVAL, "no terminal to ask the passphrase on: pass "
						  "--passphrase-file FILE (mode 0600)");
		r = cmd_ask_secret(new ? "passphrase for the backup: " : "passphrase: ", buf, size);
		if (r == 0 && new) {
			r = cmd_ask_secret("again: ", again, sizeof(again));
			if (r == 0 && strcmp(buf, again) != 0)
				r = -EBADMSG;
			sodium_memzero(again, sizeof(again));
			if (r == -EBADMSG) {
				sodium_memzero(buf, size);
				return log_errno(-FOLIO_EUSAGE,
						 "the passphrases differ: nothing written");
			}
		}
		len = strlen(buf);
	}
	if (r == 0 && len == 0)
		r = -ENODATA;
	if (r == 0 && new && (len < PASS_MIN || len > PASS_MAX))
		r = -E2BIG;
	if (r < 0) {
		sodium_memzero(buf, size);
		if (r == -ENODATA)
			return log_errno(-EINVAL, "no passphrase given");
		return log_errno(-EINVAL, "a passphrase needs %d to %d characters", PASS_MIN,
				 PASS_MAX);
	}
	return (int)len;
}

/*
 * folio backup
 */

/* Reads the plain file @path (at most @max bytes) into @ret; -ENOENT when missing. */
static int read_plain(const char *path, size_t max, struct blob *ret)
{
	struct stat st;
	_cleanup_close_ int fd = file_open_regular(path, 0, &st);

	if (fd < 0)
		return fd;
	return secret_read(fd, max, &ret->data, &ret->len);
}

/* Reads a secret file of the station (accounts, key); absent is fine. */
static int read_secret_member(const char *path, size_t max, const char *what, struct blob *ret)
{
	int r;

	if (!path[0])
		return 0;
	r = secret_load(path, max, 0, &ret->data, &ret->len, NULL);
	if (r == -ENOENT)
		return 0;
	if (r == -EPERM)
		return log_errno(r,
				 "%s '%s' is readable by group or others or belongs to another "
				 "user: run 'chmod 600 %s' as its owner",
				 what, path, path);
	if (r < 0)
		return log_errno(r, "cannot read %s '%s': %s", what, path, folio_strerror(r));
	return 0;
}

static int gather(struct cmd_env *env, struct blob b[M_COUNT])
{
	const struct folio_config *cfg = env->cfg;
	char key[PATH_MAX];
	int r;

	r = read_plain(env->config_path, CONFIG_MAX, &b[M_CONFIG]);
	if (r < 0)
		return log_errno(r, "cannot read configuration '%s': %s", env->config_path,
				 folio_strerror(r));
	r = read_secret_member(cfg->console_accounts_file, ACCOUNTS_FILE_MAX,
			       "console accounts file", &b[M_ACCOUNTS_CONSOLE]);
	if (r == 0)
		r = read_secret_member(cfg->web_users_file, ACCOUNTS_FILE_MAX,
				       "clerk UI accounts file", &b[M_ACCOUNTS_WEB]);
	if (r < 0)
		return r;
	/* The key foliod uses: its systemd credential when the console runs under it. */
	r = config_store_key_path(cfg, key, sizeof(key));
	if (r >= 0)
		r = read_secret_member(key, STORE_KEY_BYTES + 1, "station key", &b[M_KEY]);
	if (r < 0)
		return r;
	if (b[M_KEY].data && b[M_KEY].len != STORE_KEY_BYTES)
		return log_errno(-FOLIO_EFORMAT, "station key '%s' is not a %d-byte key file", key,
				 STORE_KEY_BYTES);
	return 0;
}

struct copy_job {
	struct store *store;
	int fd;
	int result;
};

static void *copy_thread(void *arg)
{
	struct copy_job *job = arg;

	job->result = store_copy(job->store, job->fd);
	close(job->fd);
	return NULL;
}

/* The store's snapshot, through a pipe from LMDB's copy into the archive. */
static int write_store(struct cmd_env *env, struct archive_writer *w, struct progress_line *v,
		       unsigned part, uint64_t *bytes)
{
	struct copy_job job = { .store = env->store };
	int pfd[2], r = 0, joined;
	_cleanup_free_ char *buf = malloc(COPY_BLOCK);
	pthread_t th;

	if (!buf)
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	job.fd = pfd[1];
	r = -pthread_create(&th, NULL, copy_thread, &job);
	if (r < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	for (;;) {
		ssize_t k = read(pfd[0], buf, COPY_BLOCK);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : 0;
			break;
		}
		r = archive_member_write(w, buf, (size_t)k);
		if (r < 0)
			break;
		*bytes += (uint64_t)k;
		progress_tell(&v->p, part, 0, *bytes);
	}
	close(pfd[0]); /* a copy still writing gets EPIPE (SIGPIPE is ignored) and ends */
	joined = pthread_join(th, NULL);
	if (r == 0 && joined)
		r = -joined;
	if (r == 0 && job.result < 0)
		r = job.result;
	return r;
}

static int write_archive(struct cmd_env *env, int fd, const char *pass, size_t pass_len,
			 struct blob b[M_COUNT], uint64_t *ret_store, uint8_t sha[32])
{
	struct archive_writer *w = NULL;
	struct archive_kdf kdf;
	struct progress_line v;
	unsigned part = 0;
	uint64_t bytes = 0;
	int r;

	if (archive_kdf_default(&kdf) == 1)
		log_warn("FOLIO_BACKUP_TEST_KDF=1: the passphrase's key is derived with the "
			 "least work, for tests only");
	r = archive_writer_new(fd, pass, pass_len, &kdf, &w);
	if (r < 0)
		return r;
	progress_line_init(&v, "backup", "part");
	for (int m = 0; m < M_STORE && r == 0; m++) {
		if (!b[m].data)
			continue;
		r = archive_member_begin(w, members[m].name, m == M_CONFIG ? 0644 : 0600);
		if (r == 0)
			r = archive_member_write(w, b[m].data, b[m].len);
		if (r == 0)
			r = archive_member_end(w);
		bytes += b[m].len;
		progress_tell(&v.p, ++part, 0, bytes); /* "backup: 3 parts, 12.3 MB" */
	}
	if (r == 0)
		r = archive_member_begin(w, members[M_STORE].name, 0600);
	if (r == 0) {
		uint64_t before = bytes;

		r = write_store(env, w, &v, ++part, &bytes);
		*ret_store = bytes - before;
	}
	if (r == 0)
		r = archive_member_end(w);
	if (r == 0)
		r = archive_writer_finish(w, sha);
	progress_line_end(&v);
	archive_writer_free(w);
	return r;
}

/* Syncs @fd and puts @tmp in @out's place (only where nothing is, unless @force). */
static int commit_file(int fd, const char *tmp, const char *out, bool force)
{
	char dir[PATH_MAX];
	int dfd;

	if (fsync(fd) < 0)
		return -errno;
	if (force ? rename(tmp, out) < 0
		  : renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE) < 0)
		return -errno;
	snprintf(dir, sizeof(dir), "%s", out);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

static const char *hex(const uint8_t *b, size_t n, char *buf)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digits[b[i] >> 4];
		buf[2 * i + 1] = digits[b[i] & 15];
	}
	buf[2 * n] = '\0';
	return buf;
}

static void tell_backup(struct cmd_env *env, const char *out, struct blob b[M_COUNT],
			uint64_t store_bytes, const char *sha_hex)
{
	struct stat st;
	uint64_t size = stat(out, &st) == 0 ? (uint64_t)st.st_size : 0;
	char h1[32], h2[32], abs[PATH_MAX];
	int r;

	fprintf(env->out, "backup '%s': %s; store %s (compacted), configuration%s%s%s; sha256 %s\n",
		out, human(size, h1, sizeof(h1)), human(store_bytes, h2, sizeof(h2)),
		b[M_ACCOUNTS_CONSOLE].data ? ", console accounts" : "",
		b[M_ACCOUNTS_WEB].data ? ", clerk UI accounts" : "",
		b[M_KEY].data ? ", station key" : "", sha_hex);
	if (!b[M_KEY].data && store_encryption_built_in())
		log_warn("no station key was found: pages the store sealed cannot be read from "
			 "this backup without the key kept in the office's key safe");
	/* The event names the file wherever the command was run from. */
	r = store_event_add(env->store, env->who, "store-backup", 0, 0, 0,
			    "sha256 %s, %" PRIu64 " bytes, to '%s'", sha_hex, size,
			    realpath(out, abs) ? abs : out);
	if (r < 0)
		log_warn("cannot record the backup in the event log: %s", folio_strerror(r));
}

int cmd_backup(struct cmd_env *env, int argc, char **argv)
{
	const char *out = NULL, *pass_file = NULL;
	bool force = false;
	const struct opt opts[] = {
		OPT_STRING('o', "out", &out, "FILE", "the backup file to write"),
		OPT_STRING(0, "passphrase-file", &pass_file, "FILE",
			   "read the passphrase from FILE (mode 0600) instead of the terminal"),
		OPT_FLAG(0, "force", &force, "replace FILE when it exists"),
		OPT_END(),
	};
	struct blob b[M_COUNT] = { 0 };
	char pass[PASS_MAX + 2], tmp[PATH_MAX], sha_hex[65];
	uint8_t sha[32] = { 0 };
	uint64_t store_bytes = 0;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int fd = -1, r, len;

	r = cmd_options_no_arguments(env, opts, argc, argv);
	if (r <= 0)
		return r;
	if (!out || !out[0])
		return cmd_usage_error(cmd_current(), "--out FILE is needed");
	if (!force && access(out, F_OK) == 0)
		return log_errno(-EEXIST,
				 "'%s' exists: choose another --out, or pass --force to "
				 "replace it",
				 out);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) >= (int)sizeof(tmp))
		return log_errno(-ENAMETOOLONG, "'%s': %s", out, folio_strerror(-ENAMETOOLONG));
	r = cmd_load(env);
	if (r < 0)
		return r;
	len = get_passphrase(pass_file, true, pass, sizeof(pass));
	if (len < 0)
		return len;
	r = gather(env, b);
	if (r < 0)
		goto out;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = log_errno(-errno, "cannot write '%s': %s", out, folio_strerror(-errno));
		goto out;
	}
	sigaction(SIGPIPE, &ign, &old);
	r = write_archive(env, fd, pass, (size_t)len, b, &store_bytes, sha);
	sigaction(SIGPIPE, &old, NULL);
	if (r == 0)
		r = commit_file(fd, tmp, out, force);
	if (r < 0) {
		unlink(tmp);
		if (r == -EEXIST)
			log_err("'%s' appeared meanwhile: nothing replaced", out);
		else
			log_err("cannot write backup '%s': %s", out,
				r == -FOLIO_ESTOREFULL ? "no space left" : folio_strerror(r));
		goto out;
	}
	tell_backup(env, out, b, store_bytes, hex(sha, 32, sha_hex));
out:
	if (fd >= 0)
		close(fd);
	sodium_memzero(pass, sizeof(pass));
	blobs_free(b, M_COUNT);
	return r;
}

/*
 * folio restore
 */

static int make_parents(const char *path);

struct restore {
	struct cmd_env *env;
	const char *file;
	bool force;
	struct blob b[M_COUNT];
	bool seen[M_COUNT];
	struct folio_config *cfg; /* the backup's configuration, as it will be at --config */
	char store[PATH_MAX];	  /* where the store goes */
	char staging[PATH_MAX];	  /* beside it: the store as it comes out of the backup */
	char stamp[32];		  /* for what is moved aside: "20261205T071500Z" */
	uint64_t store_bytes;
	unsigned parts; /* members read so far, for the progress line */
};

static int member_of(const char *name)
{
	for (int m = 0; m < M_COUNT; m++)
		if (strcmp(members[m].name, name) == 0)
			return m;
	return -1;
}

static int damaged(struct restore *rs, int r)
{
	if (r == -EKEYREJECTED)
		return log_errno(r, "wrong passphrase, or the file is not a Folio backup: nothing "
				    "restored");
	if (r == -FOLIO_ECORRUPT)
		return log_errno(
		    r, "backup '%s' is damaged, changed or cut short: nothing restored", rs->file);
	return log_errno(r, "cannot read backup '%s': %s: nothing restored", rs->file,
			 folio_strerror(r));
}

/* A small member into guarded memory, at most its bound. */
static int read_small(struct restore *rs, struct archive_reader *ar, int m)
{
	size_t max = (size_t)members[m].max;
	struct blob *b = &rs->b[m];
	ssize_t k;

	b->data = sodium_malloc(max + 2);
	if (!b->data)
		return log_errno(-ENOMEM, "out of memory");
	b->len = 0;
	while ((k = archive_reader_read(ar, b->data + b->len, max + 1 - b->len)) > 0) {
		b->len += (size_t)k;
		if (b->len > max)
			return log_errno(-FOLIO_ETOOBIG,
					 "backup '%s': its %s is larger than %zu bytes: nothing "
					 "restored",
					 rs->file, members[m].what, max);
	}
	if (k < 0)
		return damaged(rs, (int)k);
	b->data[b->len] = '\0';
	if (m == M_KEY && b->len != STORE_KEY_BYTES)
		return damaged(rs, -FOLIO_ECORRUPT);
	return 0;
}

/* Reads the backup's configuration as it will be at --config, and where the store goes. */
static int restore_config(struct restore *rs)
{
	struct config_problems *problems = calloc(1, sizeof(*problems));
	const char *cpath = rs->env->config_path;
	int r;

	rs->cfg = calloc(1, sizeof(*rs->cfg));
	if (!rs->cfg || !problems) {
		free(problems);
		return log_errno(-ENOMEM, "out of memory");
	}
	if (strlen(rs->b[M_CONFIG].data) != rs->b[M_CONFIG].len) {
		free(problems);
		return log_errno(-FOLIO_EFORMAT, "backup '%s': its configuration is not text",
				 rs->file);
	}
	r = config_load_string(cpath, rs->b[M_CONFIG].data, rs->cfg, problems);
	if (r < 0) {
		log_err("backup '%s': its configuration has problems here: %s", rs->file,
			problems->n ? problems->text[0] : folio_strerror(r));
		free(problems);
		return -FOLIO_ECONFIG;
	}
	free(problems);
	snprintf(rs->store, sizeof(rs->store), "%s",
		 rs->env->store_dir ? rs->env->store_dir : rs->cfg->store_path);
	return 0;
}

/* Whether foliod serves the store in @dir now (its lock taken). */
static bool daemon_running(const char *dir)
{
	char p[PATH_MAX + 16];
	int fd;
	bool held;

	snprintf(p, sizeof(p), "%s/foliod.lock", dir);
	fd = open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* Before the store's bytes come: is there room for it, and may it go there? */
static int store_place_check(struct restore *rs)
{
	char p[PATH_MAX + 16], parent[PATH_MAX];

	snprintf(p, sizeof(p), "%s/data.mdb", rs->store);
	if (access(p, F_OK) == 0) {
		if (!rs->force)
			return log_errno(
			    -EEXIST,
			    "a store is already in '%s': restore with another --config "
			    "whose store path is free (or --store DIR), or pass --force "
			    "to move it aside to '%s.before-restore-%s'; nothing restored",
			    rs->store, rs->store, rs->stamp);
		if (daemon_running(rs->store))
			return log_errno(-FOLIO_ELOCKED,
					 "foliod serves the store in '%s': stop it first; nothing "
					 "restored",
					 rs->store);
	}
	snprintf(parent, sizeof(parent), "%s", rs->store);
	if (snprintf(rs->staging, sizeof(rs->staging), "%s/.%s.restore-XXXXXX", dirname(parent),
		     basename(rs->store)) >= (int)sizeof(rs->staging))
		return log_errno(-ENAMETOOLONG, "store path '%s' is too long", rs->store);
	if (make_parents(rs->staging) < 0 || !mkdtemp(rs->staging)) {
		int r = -errno;

		rs->staging[0] = '\0';
		return log_errno(r, "cannot restore the store beside '%s': %s", rs->store,
				 folio_strerror(r));
	}
	return 0;
}

static int read_store(struct restore *rs, struct archive_reader *ar, struct progress_line *v)
{
	_cleanup_free_ char *buf = malloc(COPY_BLOCK);
	_cleanup_close_ int fd = -1;
	char p[PATH_MAX + 16];
	ssize_t k;
	int r;

	if (!buf)
		return log_errno(-ENOMEM, "out of memory");
	r = store_place_check(rs);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s/data.mdb", rs->staging);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_errno(-errno, "cannot write '%s': %s", p, folio_strerror(-errno));
	while ((k = archive_reader_read(ar, buf, COPY_BLOCK)) > 0) {
		rs->store_bytes += (uint64_t)k;
		if (rs->store_bytes > members[M_STORE].max)
			return damaged(rs, -FOLIO_ECORRUPT);
		r = fd_write_all(fd, buf, (size_t)k);
		if (r < 0)
			return log_errno(r, "cannot write '%s': %s: nothing restored", p,
					 folio_strerror(r));
		progress_tell(&v->p, rs->parts, 0, rs->store_bytes);
	}
	if (k < 0)
		return damaged(rs, (int)k);
	if (fsync(fd) < 0)
		return log_errno(-errno, "cannot write '%s': %s: nothing restored", p,
				 folio_strerror(-errno));
	return 0;
}

/* Every member, checked to the FINAL message, before anything is put in place. */
static int read_backup(struct restore *rs, struct archive_reader *ar)
{
	struct progress_line v;
	const char *name;
	mode_t mode;
	int r, m;

	progress_line_init(&v, "restore", "part");
	for (;;) {
		r = archive_reader_next(ar, &name, &mode);
		if (r <= 0) {
			if (r < 0)
				r = damaged(rs, r); /* the archive's errors are told here */
			break;
		}
		m = member_of(name);
		if (m < 0) {
			r = log_errno(
			    -FOLIO_EFORMAT,
			    "backup '%s' holds '%s', which this version of Folio does not "
			    "know: nothing restored",
			    rs->file, name);
			break;
		}
		if (rs->seen[m] || (m == M_STORE && !rs->seen[M_CONFIG])) {
			r = damaged(rs, -FOLIO_ECORRUPT);
			break;
		}
		rs->seen[m] = true;
		progress_tell(&v.p, ++rs->parts, 0, rs->store_bytes);
		r = m == M_STORE ? read_store(rs, ar, &v) : read_small(rs, ar, m);
		if (r == 0 && m == M_CONFIG)
			r = restore_config(rs);
		if (r < 0)
			break;
	}
	progress_line_end(&v);
	if (r < 0)
		return r;
	if (!rs->seen[M_CONFIG] || !rs->seen[M_STORE])
		return damaged(rs, -FOLIO_ECORRUPT);
	return 0;
}

/* Creates the folders above @path that are missing, mode 0700. */
static int make_parents(const char *path)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

/* Moves @path to "@path.before-restore-STAMP" (or -2, -3, ...), never over anything. */
static int move_aside(struct restore *rs, const char *path, const char *what)
{
	char aside[PATH_MAX + 64];

	for (int i = 1; i < 100; i++) {
		snprintf(aside, sizeof(aside),
			 i == 1 ? "%s.before-restore-%s" : "%s.before-restore-%s-%d", path,
			 rs->stamp, i);
		if (renameat2(AT_FDCWD, path, AT_FDCWD, aside, RENAME_NOREPLACE) == 0) {
			log_info("the %s that was in '%s' is now '%s'", what, path, aside);
			return 0;
		}
		if (errno != EEXIST)
			return log_errno(-errno, "cannot move '%s' aside: %s", path,
					 folio_strerror(-errno));
	}
	return log_errno(-EEXIST, "cannot move '%s' aside: too many earlier ones", path);
}

/*
 * Run as root (sudo folio restore), what is restored belongs to the owner of the folder it
 * goes into, as the station's folders are set up: the store and the accounts to the daemon's
 * user, the key and the configuration in /etc/folio to root.
 */
static void own_like_folder(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	if (geteuid() != 0)
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &st) == 0 && lchown(path, st.st_uid, st.st_gid) < 0)
		log_warn("cannot give '%s' to uid %u: %s", path, (unsigned)st.st_uid,
			 folio_strerror(-errno));
}

/* Puts @b at @path with @mode; the same file there stays, another one is moved aside. */
static int place_file(struct restore *rs, const char *path, const struct blob *b, mode_t mode,
		      const char *what)
{
	struct blob old = { 0 };
	bool same;
	int r;

	r = read_plain(path, b->len, &old);
	same = r == 0 && old.len == b->len && sodium_memcmp(old.data, b->data, b->len) == 0;
	secret_free(old.data);
	if (same)
		return 0;
	if (access(path, F_OK) == 0) {
		r = move_aside(rs, path, what);
		if (r < 0)
			return r;
	}
	r = make_parents(path);
	if (r == 0)
		r = file_create_synced(AT_FDCWD, path, mode, b->data, b->len);
	if (r < 0)
		return log_errno(r, "cannot write the %s to '%s': %s", what, path,
				 folio_strerror(r));
	own_like_folder(path);
	return 0;
}

static int place_store(struct restore *rs)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	struct stat st;

	snprintf(to, sizeof(to), "%s/data.mdb", rs->store);
	if (access(to, F_OK) == 0) {
		int r = move_aside(rs, rs->store, "store");

		if (r < 0)
			return r;
	}
	if (stat(rs->store, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* A folder made for it (by tmpfiles, or with only telemetry): the file goes in. */
		snprintf(from, sizeof(from), "%s/data.mdb", rs->staging);
		if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0)
			return log_errno(-errno, "cannot put the store in '%s': %s", rs->store,
					 folio_strerror(-errno));
		rmdir(rs->staging);
	} else if (rename(rs->staging, rs->store) < 0) {
		return log_errno(-errno, "cannot put the store in '%s': %s", rs->store,
				 folio_strerror(-errno));
	} else {
		own_like_folder(rs->store);
	}
	rs->staging[0] = '\0';
	own_like_folder(to);
	return 0;
}

static int place_all(struct restore *rs)
{
	const struct folio_config *cfg = rs->cfg;
	const char *cpath = rs->env->config_path;
	struct confedit_change ch = { "store.path", rs->store };
	char why[256], abs[PATH_MAX];
	int r = 0;

	if (rs->b[M_KEY].data && !cfg->store_key_file[0])
		return log_errno(-FOLIO_ECONFIG,
				 "backup '%s' holds the station key, but its configuration's "
				 "[store] key_file is empty: nothing restored",
				 rs->file);
	if (rs->b[M_KEY].data)
		r = place_file(rs, cfg->store_key_file, &rs->b[M_KEY], 0600, "station key");
	if (r == 0 && rs->b[M_ACCOUNTS_CONSOLE].data)
		r = place_file(rs, cfg->console_accounts_file, &rs->b[M_ACCOUNTS_CONSOLE], 0600,
			       "console accounts file");
	if (r == 0 && rs->b[M_ACCOUNTS_WEB].data)
		r = place_file(rs, cfg->web_users_file, &rs->b[M_ACCOUNTS_WEB], 0600,
			       "clerk UI accounts file");
	if (r == 0)
		r = place_store(rs);
	if (r == 0)
		r = place_file(rs, cpath, &rs->b[M_CONFIG], 0644, "configuration");
	if (r == 0 && strcmp(rs->store, cfg->store_path) != 0) {
		/* The file's relative paths are from its folder: name the store from the root. */
		if (realpath(rs->store, abs))
			ch.value = abs;
		r = confedit_save(cpath, &ch, 1, why, sizeof(why));
		if (r < 0)
			return log_errno(r, "cannot set [store] path = %s in '%s': %s", rs->store,
					 cpath, why);
	}
	return r;
}

/* The restored store opens with its key, and its log says where it came from. */
static int restore_record(struct restore *rs)
{
	struct cmd_env *env = rs->env;
	char abs[PATH_MAX], lock[PATH_MAX + 16];
	int r;

	snprintf(rs->cfg->store_path, sizeof(rs->cfg->store_path), "%s", rs->store);
	env->cfg = TAKE_PTR(rs->cfg);
	r = store_open(rs->store, (size_t)env->cfg->map_size_mb, &env->store);
	if (r < 0)
		return log_errno(r, "cannot open the restored store '%s': %s", rs->store,
				 folio_strerror(r));
	r = cmd_store_configure(env);
	if (r < 0)
		return r;
	r = store_event_add(env->store, env->who, "store-restore", 0, 0, 0, "from '%s'",
			    realpath(rs->file, abs) ? abs : rs->file);
	if (r < 0)
		log_warn("cannot record the restore in the event log: %s", folio_strerror(r));
	/* LMDB's lock file, made by this open, goes to the store's owner with the rest. */
	env->store = store_close(env->store);
	snprintf(lock, sizeof(lock), "%s/lock.mdb", rs->store);
	own_like_folder(lock);
	return 0;
}

int cmd_restore(struct cmd_env *env, int argc, char **argv)
{
	const char *pass_file = NULL;
	struct restore rs = { .env = env };
	const struct opt opts[] = {
		OPT_STRING(0, "passphrase-file", &pass_file, "FILE",
			   "read the passphrase from FILE (mode 0600) instead of the terminal"),
		OPT_FLAG(0, "force", &rs.force, "move a store already there aside"),
		OPT_END(),
	};
	struct archive_reader *ar = NULL;
	_cleanup_close_ int fd = -1;
	char pass[PASS_MAX + 2], h[32];
	time_t now = time(NULL);
	struct tm tm;
	int r, len;

	argc = cmd_options(env, opts, argc, argv);
	if (argc <= 0)
		return argc;
	if (argc != 2)
		return cmd_usage_error(cmd_current(),
				       argc < 2 ? "which backup file?" : "too many arguments");
	rs.file = argv[1];
	gmtime_r(&now, &tm);
	strftime(rs.stamp, sizeof(rs.stamp), "%Y%m%dT%H%M%SZ", &tm);
	fd = open(rs.file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return log_errno(-errno, "cannot open backup '%s': %s", rs.file,
				 folio_strerror(-errno));
	len = get_passphrase(pass_file, false, pass, sizeof(pass));
	if (len < 0)
		return len;
	r = archive_reader_new(fd, pass, (size_t)len, &ar);
	sodium_memzero(pass, sizeof(pass));
	if (r == -FOLIO_EFORMAT)
		r = log_errno(r,
			      "'%s' is not a Folio backup, or one of a newer version: nothing "
			      "restored",
			      rs.file);
	else if (r < 0)
		r = damaged(&rs, r);
	if (r == 0)
		r = read_backup(&rs, ar);
	archive_reader_free(ar);
	if (r == 0)
		r = place_all(&rs);
	if (rs.staging[0])
		remove_tree(rs.staging);
	if (r == 0)
		r = restore_record(&rs);
	if (r == 0)
		fprintf(env->out,
			"restored '%s': store '%s' (%s), configuration '%s'%s%s%s; check it with "
			"'folio --config %s store check'\n",
			rs.file, rs.store, human(rs.store_bytes, h, sizeof(h)), env->config_path,
			rs.b[M_ACCOUNTS_CONSOLE].data ? ", console accounts" : "",
			rs.b[M_ACCOUNTS_WEB].data ? ", clerk UI accounts" : "",
			rs.b[M_KEY].data ? ", station key" : "", env->config_path);
	blobs_free(rs.b, M_COUNT);
	free(rs.cfg);
	return r;
}
