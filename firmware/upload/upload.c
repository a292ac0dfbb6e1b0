#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "fileio.h"
#include "kconfig.h"
#include "log.h"
#include "firmware/package/export.h"
#include "firmware/upload/transport.h"
#include "firmware/upload/upload.h"

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
 * through the target's transport, record the receipt and mark it delivered. Each step is
 * repeatable: a package already staged is reused, files already at the office are not sent
 * again, and a batch stays where it was when a step fails.
 */
static int deliver(struct store *store, const struct folio_config *cfg, struct upload_target *t,
		   const char *staging, uint32_t id, struct upload_summary *sum)
{
	struct export_result res = { 0 };
	struct upload_receipt rec;
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

	if (b.state == BATCH_APPROVED || access(dir, F_OK) < 0) {
		r = export_batch(store, cfg, id, staging, &res);
		if (r == -EEXIST)
			r = 0; /* staged before a crash: the rename made it whole */
		if (r == -FOLIO_EOCRPENDING) {
			log_info("batch %u waits for the text of its pages before it is packaged",
				 id);
			return r;
		}
		if (r < 0)
			return log_errno(r, "batch %u cannot be packaged: %s; it will be retried",
					 id, folio_strerror(r));
		if (b.state == BATCH_APPROVED) {
			r = store_batch_set_state(store, id, BATCH_PACKAGED, "uploader");
			if (r < 0)
				return r;
		}
	}

	r = upload_package(t, dir, name, &rec, why, sizeof(why));
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
	if (remove_tree(dir) < 0)
		log_debug("cannot remove the staged copy '%s'", dir);
	sum->delivered++;
	sum->bytes += rec.bytes_sent;
	sum->last_batch = id;
	snprintf(sum->last_path, sizeof(sum->last_path), "%s", rec.remote);
	return 0;
}

int upload_pending(struct store *store, const struct folio_config *cfg, struct upload_summary *ret)
{
	struct upload_target *t = NULL;
	struct pending *p = calloc(1, sizeof(*p));
	char staging[PATH_MAX], why[256];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!p)
		return -ENOMEM;
	r = store_batch_list(store, collect, p);
	if (r < 0 || p->n == 0)
		goto out;

	/* Packages wait for delivery beside the store, on the same disk and under its guard. */
	if ((size_t)snprintf(staging, sizeof(staging), "%s/outgoing", cfg->store_path) >=
	    sizeof(staging)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	if (mkdir(staging, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto out;
	}
	r = upload_target_open(cfg, &t, why, sizeof(why));
	if (r < 0) {
		log_err("cannot use upload target: %s", why[0] ? why : folio_strerror(r));
		goto out;
	}
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
	free(p);
	return r;
}
