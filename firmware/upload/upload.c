#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "fileio.h"
#include "kconfig.h"
#include "log.h"
#include "firmware/package/export.h"
#include "firmware/upload/transport.h"
#include "firmware/upload/upload.h"

DEFINE_POINTER_CLEANUP(DIR, closedir)

struct pending {
	uint32_t ids[256];
	size_t n;
};

static int collect(const struct batch_info *b, void *user)
{
	struct pending *p = user;

	if (b->state != BATCH_APPROVED && b->state != BATCH_PACKAGED)
		return 0;
	if (p->n == sizeof(p->ids) / sizeof(p->ids[0]))
		return 1; /* the rest waits for the next run */
	p->ids[p->n++] = b->id;
	return 0;
}

int upload_target_folder(const char *target, char *buf, size_t size)
{
	int n;

	if (strncmp(target, "file://", 7) != 0 || target[7] != '/')
		return -EINVAL;
	if (!IS_ENABLED(CONFIG_UPLOAD_FILE))
		return -EOPNOTSUPP;
	n = snprintf(buf, size, "%s", target + 7);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * One batch: package it into the staging folder (approved -> packaged), deliver the package
 * through the target's transport, record the receipt and mark it delivered. The staged copy
 * is removed whatever the outcome: a package waits in clear on disk only while it is being
 * sent. Each step is repeatable: the package is built again the same bytes (export.h), files
 * already at the office are not sent again, and a batch stays where it was when a step fails.
 */
static int deliver(struct store *store, const struct folio_config *cfg, struct upload_target *t,
		   const char *staging, uint32_t id, struct upload_summary *sum)
{
	struct export_result res = { 0 };
	struct upload_receipt rec = { 0 };
	struct batch_info b;
	char name[80], dir[PATH_MAX], why[256], line[512];
	int r;

	r = store_batch_get(store, id, &b);
	if (r < 0)
		return r;
	r = export_package_name(store, cfg->station_id, id, name, sizeof(name));
	if (r < 0)
		return r;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", staging, name) >= sizeof(dir))
		return -ENAMETOOLONG;

	r = export_batch(store, cfg, id, staging, &res);
	if (r == -FOLIO_EOCRPENDING) {
		log_info("batch %u waits for the text of its pages before it is packaged", id);
		return r;
	}
	if (r < 0)
		return log_errno(r, "batch %u cannot be packaged: %s; it will be retried", id,
				 folio_strerror(r));
	why[0] = '\0';
	r = b.state == BATCH_APPROVED ? store_batch_set_state(store, id, BATCH_PACKAGED, "uploader")
				      : 0;
	if (r == 0)
		r = upload_package(t, dir, name, &rec, why, sizeof(why));
	if (remove_tree(dir) < 0)
		log_warn("cannot remove the staged package '%s': it is removed before the next "
			 "delivery",
			 dir);
	if (r < 0) {
		log_err("batch %u: delivery to '%s' failed: %s; it will be retried", id,
			upload_target_url(t), why[0] ? why : folio_strerror(r));
		return r;
	}
	log_info("batch %u delivered to '%s': every file read back (%u files, %llu bytes) and "
		 "matched the manifest's SHA-256; %s",
		 id, rec.remote, rec.files_read_back, (unsigned long long)rec.bytes_read_back,
		 rec.renamed ? "renamed into place whole" : "the manifest written last");
	upload_receipt_format(&rec, line, sizeof(line));
	r = store_event_add(store, "uploader", "upload-receipt", id, 0, 0, "%s", line);
	if (r < 0)
		return r;
	r = store_batch_set_state(store, id, BATCH_DELIVERED, "uploader");
	if (r < 0)
		return r;
	sum->delivered++;
	sum->bytes += rec.bytes_sent;
	sum->last_batch = id;
	snprintf(sum->last_path, sizeof(sum->last_path), "%s", rec.remote);
	return 0;
}

/*
 * Removes everything in the staging folder @path (open as @dfd): what a run that stopped (a
 * crash, a power cut, a stop in the middle) left there. A package is built again when it is
 * sent, so nothing waits there in clear. The count goes to @ret_n.
 */
static int staging_sweep(int dfd, const char *path, unsigned *ret_n)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	unsigned n = 0;
	int fd, r = 0;

	fd = dup(dfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		char child[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    sizeof(child))
			return -ENAMETOOLONG;
		r = remove_tree(child);
		if (r < 0)
			return r;
		n++;
	}
	*ret_n = n;
	return 0;
}

/*
 * Opens the staging folder <store>/outgoing into @path (created 0700) and locks it for this
 * process (-EBUSY while another one delivers), after sweeping it (staging_sweep()). The lock
 * goes with the descriptor in @ret_fd.
 */
static int staging_open(const struct folio_config *cfg, char *path, size_t size, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	unsigned n = 0;
	int r;

	if ((size_t)snprintf(path, size, "%s/outgoing", cfg->store_path) >= size)
		return -ENAMETOOLONG;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	r = staging_sweep(fd, path, &n);
	if (r < 0)
		return r;
	if (n)
		log_info("removed %u staged package%s left by a delivery that stopped", n,
			 n == 1 ? "" : "s");
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int upload_discard_staged(const struct folio_config *cfg)
{
	char staging[PATH_MAX];
	int fd = -1, r;

	r = staging_open(cfg, staging, sizeof(staging), &fd);
	if (fd >= 0)
		close(fd);
	return r == -EBUSY ? 0 : r;
}

int upload_pending(struct store *store, const struct folio_config *cfg,
		   const struct progress *progress, struct upload_summary *ret)
{
	struct upload_target *t = NULL;
	struct pending *p = calloc(1, sizeof(*p));
	char staging[PATH_MAX], why[256];
	int staging_fd = -1, r;

	memset(ret, 0, sizeof(*ret));
	if (!p)
		return -ENOMEM;
	/* Packages are staged beside the store, under its guard, only while they are sent. */
	r = staging_open(cfg, staging, sizeof(staging), &staging_fd);
	if (r == -EBUSY) {
		log_info("another process is delivering from '%s': this run sends nothing",
			 staging);
		r = 0;
		goto out;
	}
	if (r < 0) {
		log_err("cannot stage packages in '%s': %s; it must be a folder that this process "
			"can write in [store] path",
			staging, folio_strerror(r));
		r = -FOLIO_ECONFIG;
		goto out;
	}
	r = store_batch_list(store, collect, p);
	if (r < 0 || p->n == 0)
		goto out;
	r = upload_target_open(cfg, &t, why, sizeof(why));
	if (r < 0) {
		log_err("cannot use upload target: %s", why[0] ? why : folio_strerror(r));
		r = -FOLIO_ECONFIG;
		goto out;
	}
	upload_target_set_progress(t, progress);
	for (size_t i = 0; i < p->n; i++) {
		int e = deliver(store, cfg, t, staging, p->ids[i], ret);

		if (e < 0) {
			ret->failed++;
			log_debug("batch %u not delivered: %s", p->ids[i], folio_strerror(e));
		}
	}
	r = 0;
out:
	upload_target_close(t);
	if (staging_fd >= 0)
		close(staging_fd);
	free(p);
	return r;
}

struct last_delivery {
	struct event_info last;
	bool found;
};

static bool delivery_event(const struct event_info *e)
{
	size_t len = strlen(e->detail);

	return strcmp(e->what, "upload-receipt") == 0 ||
	       (strcmp(e->what, "batch-state") == 0 && len >= 9 &&
		strcmp(e->detail + len - 9, "delivered") == 0);
}

static int see_delivery(const struct event_info *e, void *user)
{
	struct last_delivery *d = user;

	if (!delivery_event(e))
		return 0;
	/* A receipt right after its state change says more: keep the receipt. */
	if (!(d->found && d->last.batch == e->batch && e->time - d->last.time < 5 &&
	      strcmp(d->last.what, "upload-receipt") == 0))
		d->last = *e;
	d->found = true;
	return 0;
}

int upload_last_delivery(struct store *store, struct event_info *ret)
{
	struct last_delivery *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	r = store_event_list(store, 0, see_delivery, d, NULL);
	if (r < 0 && r != -FOLIO_ECORRUPT) {
		free(d);
		return r;
	}
	r = d->found;
	if (r)
		*ret = d->last;
	free(d);
	return r;
}
