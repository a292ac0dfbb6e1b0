/* How full the store is: the LMDB map and the disk under it. */
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/store/store.h"
#include "firmware/store/store_int.h"

#define FREE_DBI 0			   /* LMDB's own database of free pages */
#define MIN_HEADROOM ((uint64_t)256 << 10) /* less than this above a reserve: full */

/* Pages on LMDB's free list: reusable without growing the file. */
static int free_pages(struct store *s, uint64_t *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint64_t n = 0;
	MDB_val k, v;
	int r, rc;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	rc = mdb_cursor_open(t, FREE_DBI, &c);
	if (rc)
		return store_mdb_errno(rc);
	/* Each value is an ID list whose first element is its length. */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		size_t count;

		if (v.mv_size < sizeof(count))
			continue;
		memcpy(&count, v.mv_data, sizeof(count));
		n += count;
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	*ret = n;
	return 0;
}

int store_space(struct store *s, struct store_space *ret)
{
	struct store_space sp = { 0 };
	_cleanup_free_ char *data = NULL;
	uint64_t free_bytes = 0, freep = 0, map_headroom, disk_headroom;
	struct statvfs vfs;
	struct stat st;
	MDB_envinfo info;
	MDB_stat ms;
	int r;

	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &ms);
	r = free_pages(s, &freep);
	if (r < 0)
		return r;
	free_bytes = freep * ms.ms_psize;
	sp.map_size = info.me_mapsize;
	sp.map_used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	sp.map_used -= MIN(sp.map_used, free_bytes);
	sp.map_free = sp.map_size > sp.map_used ? sp.map_size - sp.map_used : 0;

	if (asprintf(&data, "%s/data.mdb", s->path) < 0)
		return -ENOMEM;
	if (stat(data, &st) == 0)
		sp.file_size = (uint64_t)st.st_size;
	if (statvfs(s->path, &vfs) < 0)
		return -errno;
	sp.disk_size = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	sp.disk_free = (uint64_t)vfs.f_bavail * vfs.f_frsize + free_bytes;

	sp.reserve = s->reserve;
	sp.map_reserve = MIN(s->reserve, sp.map_size / 20);

	map_headroom = sp.map_free > sp.map_reserve ? sp.map_free - sp.map_reserve : 0;
	disk_headroom = sp.disk_free > sp.reserve ? sp.disk_free - sp.reserve : 0;
	sp.disk_limited = disk_headroom < map_headroom;
	/* Full means: of what may be used, the reserve kept back. */
	if (sp.disk_limited) {
		uint64_t usable = sp.disk_size > sp.reserve ? sp.disk_size - sp.reserve : 0;
		uint64_t used = usable > disk_headroom ? usable - disk_headroom : 0;

		sp.percent_full = usable ? (unsigned)MIN(used * 100 / usable, 100) : 100;
	} else {
		uint64_t usable = sp.map_size - sp.map_reserve;

		sp.percent_full = usable ? (unsigned)MIN(sp.map_used * 100 / usable, 100) : 100;
	}
	sp.full = (sp.disk_limited ? disk_headroom : map_headroom) < MIN_HEADROOM;
	*ret = sp;
	return 0;
}

int store_space_need(struct store *s, uint64_t need, struct store_space *ret)
{
	int r = store_space(s, ret);

	if (r < 0)
		return r;
	if (ret->full || ret->map_free < need + ret->map_reserve ||
	    ret->disk_free < need + ret->reserve)
		return -FOLIO_ESTOREFULL;
	return 0;
}

const char *store_space_message(const struct store_space *sp, char *buf, size_t size)
{
	if (sp->disk_limited)
		snprintf(buf, size,
			 "store is %u%% full (its disk has %" PRIu64 " MiB free, %" PRIu64
			 " MiB kept in reserve): upload or purge before scanning",
			 sp->percent_full, sp->disk_free >> 20, sp->reserve >> 20);
	else
		snprintf(buf, size, "store is %u%% full: upload or purge before scanning",
			 sp->percent_full);
	return buf;
}
