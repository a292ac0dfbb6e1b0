/* The office's registry of accepted packages, in LMDB (registry.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/package/events.h"
#include "firmware/package/registry.h"

#define OLD_DIR "old-layout"
#define KEY_MAX (32 + 1 + 11)
#define VALUE_MAX 512

struct registry {
	MDB_env *env;
	MDB_dbi meta, accepted;
	int dir_fd; /* flock()ed around each write */
	char dir[256];
};

/* An LMDB result as -errno or a Folio code. */
static int lmdb_error(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
		return -FOLIO_ESTOREFULL;
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_CORRUPTED:
	case MDB_NOTFOUND:
		return -FOLIO_EFORMAT;
	case EAGAIN:
		return -FOLIO_ELOCKED;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

/* Takes the folder's lock, waiting at most REGISTRY_LOCK_WAIT_MS for another process. */
static int lock(struct registry *r, int how, char *why, size_t size)
{
	for (int waited = 0;; waited += 100) {
		if (flock(r->dir_fd, how | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return folio_why(-errno, why, size, "cannot lock the registry '%s': %s",
					 r->dir, strerror(errno));
		if (waited >= REGISTRY_LOCK_WAIT_MS)
			return folio_why(-FOLIO_ELOCKED, why, size,
					 "the registry '%s' is locked by another process (another "
					 "folio-verify, or a backup): try again when it is done",
					 r->dir);
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
}

static void key_of(const char *station, uint32_t batch, char key[KEY_MAX], MDB_val *ret)
{
	int n = snprintf(key, KEY_MAX, "%s/B%010" PRIu32, station, batch);

	*ret = (MDB_val){ .mv_size = (size_t)n, .mv_data = key };
}

static bool hex_of(const char *s, size_t n)
{
	return strspn(s, "0123456789abcdef") == n && s[n] == '\0';
}

/* "STATION/BNNNNNNNNNN" and "TIME STORE KEYID MANIFEST NAME" to @ret; false when malformed. */
static bool parse_record(const MDB_val *k, const MDB_val *v, struct registry_record *ret)
{
	char key[KEY_MAX + 1], value[VALUE_MAX + 1], when[24], *slash, *end;
	struct registry_record rec = { 0 };
	unsigned long long batch;
	int64_t t;

	if (k->mv_size < 13 || k->mv_size > KEY_MAX || v->mv_size > VALUE_MAX)
		return false;
	memcpy(key, k->mv_data, k->mv_size);
	key[k->mv_size] = '\0';
	memcpy(value, v->mv_data, v->mv_size);
	value[v->mv_size] = '\0';
	slash = strrchr(key, '/');
	if (!slash || slash == key || (size_t)(slash - key) >= sizeof(rec.station) ||
	    slash[1] != 'B' || strlen(slash + 2) != 10 || strspn(slash + 2, "0123456789") != 10)
		return false;
	batch = strtoull(slash + 2, &end, 10);
	if (batch == 0 || batch > UINT32_MAX)
		return false;
	memcpy(rec.station, key, (size_t)(slash - key));
	rec.batch = (uint32_t)batch;
	if (sscanf(value, "%20s %16s %16s %64s %127s", when, rec.store, rec.key_id,
		   rec.manifest_sha256, rec.name) != 5)
		return false;
	if (strcmp(rec.store, "-") == 0)
		rec.store[0] = '\0';
	t = events_parse_time(when, strlen(when));
	if (t < 0 || !hex_of(rec.key_id, 16) || !hex_of(rec.manifest_sha256, 64) ||
	    (rec.store[0] && !hex_of(rec.store, strlen(rec.store))))
		return false;
	rec.accepted = t;
	*ret = rec;
	return true;
}

static int put_record(struct registry *r, MDB_txn *t, const struct registry_record *rec)
{
	char key[KEY_MAX], value[VALUE_MAX], when[24];
	time_t at = (time_t)rec->accepted;
	struct tm tm;
	MDB_val k, v;
	int n;

	key_of(rec->station, rec->batch, key, &k);
	gmtime_r(&at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(value, sizeof(value), "%s %s %s %s %s", when, rec->store[0] ? rec->store : "-",
		     rec->key_id, rec->manifest_sha256, rec->name);
	if (n < 0 || (size_t)n >= sizeof(value))
		return -ENAMETOOLONG;
	v = (MDB_val){ .mv_size = (size_t)n, .mv_data = value };
	return lmdb_error(mdb_put(t, r->accepted, &k, &v, MDB_NOOVERWRITE));
}

/*
 * One file of the first layout: its name "STATION[-STORE8]-BNNNNNN" and its line "accepted
 * TIME key KEYID manifest HEX".
 */
static bool parse_old(int dir_fd, const char *name, struct registry_record *ret)
{
	struct registry_record rec = { 0 };
	char line[256] = "", when[24];
	const char *b = strrchr(name, '-');
	size_t sn;
	ssize_t got;
	int fd;

	if (!b || b[1] != 'B' || strlen(b + 2) < 6 ||
	    strspn(b + 2, "0123456789") != strlen(b + 2) || strlen(name) >= sizeof(rec.name))
		return false;
	rec.batch = (uint32_t)strtoul(b + 2, NULL, 10);
	sn = (size_t)(b - name);
	if (sn > 9 && name[sn - 9] == '-' && strspn(name + sn - 8, "0123456789abcdef") >= 8) {
		memcpy(rec.store, name + sn - 8, 8);
		sn -= 9;
	}
	if (sn == 0 || sn >= sizeof(rec.station) || rec.batch == 0)
		return false;
	memcpy(rec.station, name, sn);
	snprintf(rec.name, sizeof(rec.name), "%s", name);
	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (got <= 0)
		return false;
	line[got] = '\0';
	if (sscanf(line, "accepted %20s key %16s manifest %64s", when, rec.key_id,
		   rec.manifest_sha256) != 3 ||
	    !hex_of(rec.key_id, 16) || !hex_of(rec.manifest_sha256, 64))
		return false;
	rec.accepted = events_parse_time(when, strlen(when));
	if (rec.accepted < 0)
		return false;
	*ret = rec;
	return true;
}

/* The registry folder's entries from the start, or NULL with errno set. */
static DIR *list_folder(struct registry *r)
{
	int fd = dup(r->dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		errno = e;
		return NULL;
	}
	rewinddir(d); /* the descriptor is a dup(): its offset is shared with the last reader */
	return d;
}

/*
 * What folder @dir_fd holds: 1 an LMDB environment, 0 nothing, 2 the first layout (every entry
 * a record of it), or -FOLIO_EFORMAT naming the first stranger in @why.
 */
static int layout_of(struct registry *r, char *why, size_t size)
{
	DIR *d = list_folder(r);
	struct dirent *e;
	int kind = 0;

	if (!d)
		return folio_why(-errno, why, size, "cannot read the registry '%s': %s", r->dir,
				 strerror(errno));
	while ((e = readdir(d))) {
		struct registry_record rec;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, OLD_DIR) == 0)
			continue;
		if (strcmp(e->d_name, "data.mdb") == 0 || strcmp(e->d_name, "lock.mdb") == 0) {
			kind = 1;
			continue;
		}
		if (parse_old(r->dir_fd, e->d_name, &rec)) {
			kind = kind ?: 2;
			continue;
		}
		kind = folio_why(
		    -FOLIO_EFORMAT, why, size,
		    "'%s' is not a Folio registry: it holds '%.60s', which is not a record: "
		    "give --registry a folder of its own",
		    r->dir, e->d_name);
		break;
	}
	closedir(d);
	return kind;
}

/* Imports the first layout's files in one transaction, then moves them into old-layout/. */
static int migrate(struct registry *r, char *why, size_t size)
{
	DIR *d = list_folder(r);
	struct dirent *e;
	MDB_txn *t = NULL;
	int rc, n = 0;

	if (!d)
		return folio_why(-errno, why, size, "cannot read the registry '%s': %s", r->dir,
				 strerror(errno));
	rc = lmdb_error(mdb_txn_begin(r->env, NULL, 0, &t));
	while (rc == 0 && (e = readdir(d))) {
		struct registry_record rec;

		if (parse_old(r->dir_fd, e->d_name, &rec)) {
			rc = put_record(r, t, &rec);
			n++;
		}
	}
	if (rc == 0)
		rc = lmdb_error(mdb_txn_commit(t));
	else
		mdb_txn_abort(t);
	if (rc < 0) {
		closedir(d);
		return folio_why(
		    rc, why, size, "cannot migrate the registry '%s' to LMDB: %s", r->dir,
		    rc == -EEXIST ? "a station and batch recorded twice" : folio_strerror(rc));
	}
	if (mkdirat(r->dir_fd, OLD_DIR, 0700) < 0 && errno != EEXIST)
		rc = -errno;
	rewinddir(d);
	while (rc == 0 && (e = readdir(d))) {
		struct registry_record rec;
		int old = openat(r->dir_fd, OLD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (old < 0) {
			rc = -errno;
			break;
		}
		if (parse_old(r->dir_fd, e->d_name, &rec) &&
		    renameat(r->dir_fd, e->d_name, old, e->d_name) < 0)
			rc = -errno;
		close(old);
	}
	closedir(d);
	if (rc < 0)
		return folio_why(rc, why, size,
				 "registry '%s': %d records migrated, the old files not moved: %s",
				 r->dir, n, folio_strerror(rc));
	return n;
}

static int open_env(struct registry *r, char *why, size_t size)
{
	const char *kb = getenv("FOLIO_REGISTRY_MAP_KB");
	size_t map = REGISTRY_MAP_SIZE;
	MDB_txn *t = NULL;
	MDB_val k = { .mv_size = 6, .mv_data = "format" }, v;
	int rc;

	if (kb && *kb && strtoul(kb, NULL, 10) >= 32)
		map = (size_t)strtoul(kb, NULL, 10) << 10;
	rc = lmdb_error(mdb_env_create(&r->env));
	if (rc == 0)
		rc = lmdb_error(mdb_env_set_maxdbs(r->env, 2));
	if (rc == 0)
		rc = lmdb_error(mdb_env_set_mapsize(r->env, map));
	if (rc == 0)
		rc = lmdb_error(mdb_env_open(r->env, r->dir, MDB_NOTLS, 0600));
	if (rc < 0)
		return folio_why(rc, why, size, "cannot open the registry '%s': %s", r->dir,
				 rc == -FOLIO_EFORMAT ? "not a Folio registry (not LMDB)"
				 : rc == -FOLIO_ELOCKED
				     ? "locked by another process: try again when it is done"
				     : folio_strerror(rc));
	rc = lmdb_error(mdb_txn_begin(r->env, NULL, 0, &t));
	if (rc == 0)
		rc = lmdb_error(mdb_dbi_open(t, "meta", MDB_CREATE, &r->meta));
	if (rc == 0) {
		rc = mdb_get(t, r->meta, &k, &v);
		if (rc == MDB_NOTFOUND) {
			MDB_stat st;

			/* a new environment: nothing else in it */
			rc = mdb_stat(t, r->meta, &st);
			if (rc == 0 && st.ms_entries == 0) {
				MDB_dbi main;

				rc = mdb_dbi_open(t, NULL, 0, &main);
				if (rc == 0)
					rc = mdb_stat(t, main, &st);
				if (rc == 0 && st.ms_entries > 1) /* "meta" itself */
					rc = MDB_INCOMPATIBLE;
			}
			v = (MDB_val){ .mv_size = strlen(REGISTRY_FORMAT),
				       .mv_data = REGISTRY_FORMAT };
			if (rc == 0)
				rc = mdb_put(t, r->meta, &k, &v, 0);
		} else if (rc == 0 && (v.mv_size != strlen(REGISTRY_FORMAT) ||
				       memcmp(v.mv_data, REGISTRY_FORMAT, v.mv_size) != 0)) {
			rc = MDB_INCOMPATIBLE;
		}
		rc = lmdb_error(rc);
	} else if (rc == -FOLIO_ESTOREFULL || rc == -FOLIO_EFORMAT) {
		rc = -FOLIO_EFORMAT; /* no room for "meta": another program's environment */
	}
	if (rc == 0)
		rc = lmdb_error(mdb_dbi_open(t, "accepted", MDB_CREATE, &r->accepted));
	if (rc == 0)
		rc = lmdb_error(mdb_txn_commit(t));
	else if (t)
		mdb_txn_abort(t);
	if (rc < 0)
		return folio_why(rc, why, size, "cannot open the registry '%s': %s", r->dir,
				 rc == -FOLIO_EFORMAT
				     ? "an LMDB environment, but not a Folio registry"
				     : folio_strerror(rc));
	return 0;
}

int registry_open(const char *dir, bool create, struct registry **ret, char *why, size_t why_size)
{
	struct registry *r = calloc(1, sizeof(*r));
	struct stat st;
	int rc, kind;

	if (!r)
		return folio_why(-ENOMEM, why, why_size, "out of memory");
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	r->dir_fd = -1;
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = folio_why(-errno, why, why_size, "cannot create the registry '%s': %s", dir,
			       strerror(errno));
		goto fail;
	}
	if (stat(dir, &st) < 0) {
		rc = folio_why(-errno, why, why_size, "no registry at '%s': %s", dir,
			       strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = folio_why(
		    -ENOTDIR, why, why_size,
		    "'%s' is not a Folio registry: not a folder (give --registry a folder)", dir);
		goto fail;
	}
	r->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->dir_fd < 0) {
		rc = folio_why(-errno, why, why_size, "cannot open the registry '%s': %s", dir,
			       strerror(errno));
		goto fail;
	}
	rc = lock(r, LOCK_EX, why, why_size);
	if (rc < 0)
		goto fail;
	kind = layout_of(r, why, why_size);
	if (kind < 0) {
		rc = kind;
		goto fail;
	}
	if (kind == 0 && !create) {
		rc = folio_why(-ENOENT, why, why_size, "no registry at '%s': it is empty", dir);
		goto fail;
	}
	rc = open_env(r, why, why_size);
	if (rc == 0 && kind == 2)
		rc = migrate(r, why, why_size);
	if (rc < 0)
		goto fail;
	flock(r->dir_fd, LOCK_UN);
	*ret = r;
	return 0;
fail:
	registry_close(r);
	return rc;
}

struct registry *registry_close(struct registry *r)
{
	if (!r)
		return NULL;
	if (r->env)
		mdb_env_close(r->env);
	if (r->dir_fd >= 0)
		close(r->dir_fd);
	free(r);
	return NULL;
}

int registry_accept(struct registry *r, const struct registry_record *rec,
		    struct registry_record *ret_prev, char *why, size_t why_size)
{
	char key[KEY_MAX];
	MDB_txn *t = NULL;
	MDB_val k, v;
	int rc;

	rc = lock(r, LOCK_EX, why, why_size);
	if (rc < 0)
		return rc;
	rc = lmdb_error(mdb_txn_begin(r->env, NULL, 0, &t));
	if (rc < 0)
		goto out;
	key_of(rec->station, rec->batch, key, &k);
	rc = mdb_get(t, r->accepted, &k, &v);
	if (rc == 0) {
		struct registry_record prev;
		char when[24];
		time_t at;
		struct tm tm;
		size_t sl;
		bool ok = parse_record(&k, &v, &prev);

		mdb_txn_abort(t);
		if (!ok) {
			rc = folio_why(
			    -FOLIO_ECORRUPT, why, why_size,
			    "the registry '%s' holds a damaged record for station %s batch %" PRIu32,
			    r->dir, rec->station, rec->batch);
			goto out;
		}
		*ret_prev = prev;
		at = (time_t)prev.accepted;
		gmtime_r(&at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		sl = strlen(prev.store) < strlen(rec->store) ? strlen(prev.store)
							     : strlen(rec->store);
		if (strcmp(prev.manifest_sha256, rec->manifest_sha256) == 0)
			folio_why(0, why, why_size,
				  "station %s batch %" PRIu32
				  " was accepted on %.20s as '%s', this same "
				  "package (manifest %.16s...): a replay, refused",
				  rec->station, rec->batch, when, prev.name, prev.manifest_sha256);
		else
			folio_why(
			    0, why, why_size,
			    "station %s batch %" PRIu32 " was accepted on %.20s as '%s' (store %s, "
			    "manifest %.16s...): this is another package (store %s, manifest %.16s...), a "
			    "collision%s, refused",
			    rec->station, rec->batch, when, prev.name,
			    prev.store[0] ? prev.store : "unknown", prev.manifest_sha256,
			    rec->store[0] ? rec->store : "unknown", rec->manifest_sha256,
			    sl && strncmp(prev.store, rec->store, sl) != 0
				? ": the station's store was re-created"
				: "");
		rc = -EEXIST;
		goto out;
	}
	if (rc != MDB_NOTFOUND) {
		mdb_txn_abort(t);
		rc = lmdb_error(rc);
		goto report;
	}
	rc = put_record(r, t, rec);
	if (rc == 0)
		rc = lmdb_error(mdb_txn_commit(t));
	else
		mdb_txn_abort(t);
report:
	if (rc == -FOLIO_ESTOREFULL) {
		MDB_stat st = { 0 };

		if (mdb_txn_begin(r->env, NULL, MDB_RDONLY, &t) == 0) {
			mdb_stat(t, r->accepted, &st);
			mdb_txn_abort(t);
		}
		folio_why(
		    0, why, why_size,
		    "the registry '%s' is full (%zu packages): nothing was recorded; keep it for "
		    "look-ups and start a new registry folder",
		    r->dir, st.ms_entries);
	} else if (rc < 0) {
		folio_why(0, why, why_size,
			  "cannot record station %s batch %" PRIu32 " in the registry '%s': %s",
			  rec->station, rec->batch, r->dir, folio_strerror(rc));
	}
out:
	flock(r->dir_fd, LOCK_UN);
	return rc;
}

int registry_list(struct registry *r, int (*fn)(const struct registry_record *rec, void *user),
		  void *user, char *why, size_t why_size)
{
	MDB_txn *t = NULL;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc, op = MDB_FIRST;

	rc = lmdb_error(mdb_txn_begin(r->env, NULL, MDB_RDONLY, &t));
	if (rc == 0)
		rc = lmdb_error(mdb_cursor_open(t, r->accepted, &c));
	while (rc == 0) {
		struct registry_record rec;

		rc = mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op);
		op = MDB_NEXT;
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		rc = lmdb_error(rc);
		if (rc < 0)
			break;
		if (!parse_record(&k, &v, &rec)) {
			rc = folio_why(-FOLIO_ECORRUPT, why, why_size,
				       "the registry '%s' holds a damaged record ('%.*s')", r->dir,
				       (int)(k.mv_size < 44 ? k.mv_size : 44),
				       (const char *)k.mv_data);
			break;
		}
		rc = fn(&rec, user);
		if (rc != 0)
			break;
	}
	if (rc < 0 && rc != -FOLIO_ECORRUPT)
		folio_why(0, why, why_size, "cannot list the registry '%s': %s", r->dir,
			  folio_strerror(rc));
	if (c)
		mdb_cursor_close(c);
	if (t)
		mdb_txn_abort(t);
	return rc;
}
