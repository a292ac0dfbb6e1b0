#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errors.h"
#include "kconfig.h"
#include "log.h"
#include "firmware/package/export.h"
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

static int mkdir_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int deliver(struct store *store, const struct folio_config *cfg, const char *folder,
		   uint32_t id, struct upload_summary *sum)
{
	struct export_result res = { 0 };
	struct batch_info b;
	int r;

	r = store_batch_get(store, id, &b);
	if (r < 0)
		return r;
	if (b.state == BATCH_APPROVED) {
		r = export_batch(store, cfg, id, folder, &res);
		if (r == -EEXIST) {
			/* Delivered before a crash kept the store from recording it. */
			export_package_name(cfg->station_id, id, res.path, sizeof(res.path));
			log_info("batch %u: package already in '%s', recording it", id, folder);
			r = 0;
		}
		if (r < 0)
			return r;
		r = store_batch_set_state(store, id, BATCH_PACKAGED, "uploader");
		if (r < 0)
			return r;
	}
	r = store_batch_set_state(store, id, BATCH_DELIVERED, "uploader");
	if (r < 0)
		return r;
	sum->delivered++;
	sum->bytes += res.bytes;
	sum->last_batch = id;
	if (res.path[0])
		snprintf(sum->last_path, sizeof(sum->last_path), "%s", res.path);
	return 0;
}

int upload_pending(struct store *store, const struct folio_config *cfg, struct upload_summary *ret)
{
	struct pending *p = calloc(1, sizeof(*p));
	char folder[PATH_MAX];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!p)
		return -ENOMEM;
	r = upload_target_folder(cfg->upload_target, folder, sizeof(folder));
	if (r < 0) {
		free(p);
		return r;
	}
	r = mkdir_parents(folder);
	if (r < 0)
		goto out;
	r = store_batch_list(store, collect, p);
	if (r < 0)
		goto out;
	r = 0;
	for (size_t i = 0; i < p->n; i++) {
		int e = deliver(store, cfg, folder, p->ids[i], ret);

		if (e < 0) {
			ret->failed++;
			log_err("batch %u could not be delivered to '%s': %s; it will be retried",
				p->ids[i], cfg->upload_target, folio_strerror(e));
		}
	}
out:
	free(p);
	return r;
}
