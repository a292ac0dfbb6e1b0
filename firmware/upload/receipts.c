/* The office's receipts read back over the upload target (receipts.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "errors.h"
#include "kconfig.h"
#include "log.h"
#include "firmware/package/export.h"
#include "firmware/package/receipt.h"
#include "firmware/upload/driver.h"
#include "firmware/upload/receipts.h"
#include "firmware/upload/transport.h"

#define MAX_KEYS 16
#define MAX_BATCHES 256 /* delivered batches looked at per run; the rest wait */
#define WHO "office"

/* A delivered batch and what the event log says about it. */
struct item {
	uint32_t id;
	char manifest[65]; /* SHA-256 of the manifest delivered ("": not recorded) */
	char invalid[65];  /* the last receipt found invalid, so it is reported once */
};

struct delivered {
	struct item items[MAX_BATCHES];
	size_t n;
	bool noted; /* the event log was read into items (note_events()) */
};

static int collect(const struct batch_info *b, void *user)
{
	struct delivered *d = user;

	if (b->state != BATCH_DELIVERED)
		return 0;
	if (d->n == MAX_BATCHES)
		return 1;
	d->items[d->n++].id = b->id;
	return 0;
}

static int by_id(const void *key, const void *elem)
{
	uint32_t a = *(const uint32_t *)key, b = ((const struct item *)elem)->id;

	return a < b ? -1 : a > b;
}

/* The 64 hex digits after @tag in @detail into @ret, when there. */
static void hash_after(const char *detail, const char *tag, char ret[65])
{
	const char *p = strstr(detail, tag);
	size_t n;

	if (!p)
		return;
	p += strlen(tag);
	n = strspn(p, "0123456789abcdef");
	if (n == 64) {
		memcpy(ret, p, 64);
		ret[64] = '\0';
	}
}

/* The delivered manifest's hash and the last invalid receipt of each delivered batch. */
static int note_event(const struct event_info *e, void *user)
{
	struct delivered *d = user;
	struct item *it;

	if (!e->batch)
		return 0;
	it = bsearch(&e->batch, d->items, d->n, sizeof(d->items[0]), by_id);
	if (!it)
		return 0;
	if (strcmp(e->what, "upload-receipt") == 0) {
		it->manifest[0] = '\0';
		hash_after(e->detail, "manifest_sha256=", it->manifest);
	} else if (strcmp(e->what, "office-receipt-invalid") == 0) {
		hash_after(e->detail, "receipt_sha256=", it->invalid);
	}
	return 0;
}

/*
 * The event log read once into @d, when the first receipt is found: a cycle in which the
 * office wrote none reads no events.
 */
static int note_events(struct store *store, struct delivered *d)
{
	int r;

	if (d->noted)
		return 0;
	r = store_event_list(store, 1, note_event, d, NULL);
	if (r < 0)
		return r;
	d->noted = true;
	return 0;
}

/* Reads @rel into @buf; 0, -ENOENT when missing, or -errno with a log line. */
static int fetch(struct upload_target *t, const char *rel, char *buf, size_t size, size_t *ret_len)
{
	char why[512];
	int r = upload_fetch(t, rel, buf, size, ret_len, why, sizeof(why));

	if (r == -FOLIO_ETOOBIG)
		log_warn("the office's '%s' on '%s' is larger than %zu bytes: ignored", rel,
			 upload_target_url(t), size);
	else if (r < 0 && r != -ENOENT)
		log_warn("cannot read the office's '%s' on '%s': %s; tried again next cycle", rel,
			 upload_target_url(t), why);
	return r;
}

/* A receipt that does not check: said once per distinct receipt, the batch left delivered. */
static void invalid(struct store *store, struct item *it, const char *name, const char *hash,
		    const char *why, struct receipts_summary *sum)
{
	sum->invalid++;
	if (strcmp(it->invalid, hash) == 0) {
		log_debug("batch %u: the receipt for '%s' is still not valid: %s", it->id, name,
			  why);
		return;
	}
	log_warn("batch %u: the office's receipt for '%s' is not valid and is ignored: %s; the "
		 "batch stays delivered",
		 it->id, name, why);
	(void)store_event_add(store, WHO, "office-receipt-invalid", it->id, 0, 0,
			      "receipt_sha256=%s %s", hash, why);
	memcpy(it->invalid, hash, sizeof(it->invalid));
}

/* What the receipt decides for a delivered batch. */
static int act(struct store *store, struct item *it, const struct receipt *rc)
{
	int r;

	r = store_event_add(store, WHO, "office-receipt", it->id, 0, 0,
			    "%s package=%s manifest_sha256=%s office_time=%" PRId64,
			    rc->accepted ? "accepted" : "refused", rc->package, rc->manifest_sha256,
			    rc->time);
	if (r < 0)
		return r;
	if (rc->accepted) {
		r = store_batch_set_state(store, it->id, BATCH_CONFIRMED, WHO);
		if (r == 0)
			log_info("batch %u: the office accepted '%s': confirmed", it->id,
				 rc->package);
		return r;
	}
	r = store_event_add(store, WHO, "office-refused", it->id, 0, 0, "%s", rc->reason);
	if (r < 0)
		return r;
	r = store_batch_set_state(store, it->id, BATCH_REJECTED, WHO);
	if (r == 0)
		log_warn("batch %u: the office refused '%s': %s; it is back with the supervisor",
			 it->id, rc->package, rc->reason);
	return r;
}

/* Whether receipt @rc is about what the station delivered as @name; why not in @why. */
static bool names_delivery(const struct item *it, const char *name, const struct receipt *rc,
			   char *why, size_t size)
{
	if (strcmp(rc->package, name) != 0)
		snprintf(why, size, "it is the receipt of package '%s', not of '%s'", rc->package,
			 name);
	else if (!it->manifest[0])
		snprintf(why, size,
			 "the station has no record of the manifest it delivered for this batch");
	else if (strcmp(rc->manifest_sha256, it->manifest) != 0)
		snprintf(why, size,
			 "it names manifest %.16s..., the station delivered %.16s...: not the "
			 "package sent",
			 rc->manifest_sha256, it->manifest);
	else
		return true;
	return false;
}

/* One delivered batch: its receipt, if the office wrote one. */
static int read_one(struct store *store, const struct folio_config *cfg, struct upload_target *t,
		    const struct sign_key *keys, size_t n_keys, struct delivered *d,
		    struct item *it, struct receipts_summary *sum)
{
	char name[80], rel[160], text[RECEIPT_MAX], sig[SIGN_SSH_MAX], hash[65], why[320];
	size_t len = 0, sig_len = 0;
	struct receipt rc;
	int r;

	r = export_package_name(store, cfg->station_id, it->id, name, sizeof(name));
	if (r < 0)
		return r;
	snprintf(rel, sizeof(rel), RECEIPT_DIR "/%s" RECEIPT_SUFFIX, name);
	r = fetch(t, rel, text, sizeof(text), &len);
	if (r == -ENOENT) {
		sum->waiting++;
		log_debug("batch %u: no receipt for '%s' yet", it->id, name);
		return 0;
	}
	if (r < 0)
		return 0; /* said; tried again next cycle */
	r = note_events(store, d);
	if (r < 0)
		return r;
	snprintf(rel, sizeof(rel), RECEIPT_DIR "/%s" RECEIPT_SIG_SUFFIX, name);
	r = fetch(t, rel, sig, sizeof(sig), &sig_len);
	if (r < 0 && r != -ENOENT)
		return 0;
	{
		/* what identifies this receipt in the event log: its text and signature */
		char both[RECEIPT_MAX + SIGN_SSH_MAX];

		memcpy(both, text, len);
		memcpy(both + len, sig, r == 0 ? sig_len : 0);
		upload_sha256_hex(both, len + (r == 0 ? sig_len : 0), hash);
	}
	if (r == -ENOENT) {
		invalid(store, it, name, hash,
			"its signature " RECEIPT_DIR "/<package>" RECEIPT_SIG_SUFFIX " is missing",
			sum);
		return 0;
	}
	r = receipt_check(keys, n_keys, text, len, sig, sig_len, &rc, why, sizeof(why));
	if (r < 0) {
		invalid(store, it, name, hash, why, sum);
		return 0;
	}
	if (!names_delivery(it, name, &rc, why, sizeof(why))) {
		invalid(store, it, name, hash, why, sum);
		return 0;
	}
	r = act(store, it, &rc);
	if (r < 0)
		return log_errno(r, "batch %u: cannot record the office's receipt: %s", it->id,
				 folio_strerror(r));
	if (rc.accepted)
		sum->confirmed++;
	else
		sum->refused++;
	return 0;
}

int receipts_read(struct store *store, const struct folio_config *cfg, struct receipts_summary *ret)
{
	_cleanup_free_ struct delivered *d = calloc(1, sizeof(*d));
	struct sign_key keys[MAX_KEYS];
	struct upload_target *t = NULL;
	size_t n_keys = 0;
	char why[512];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!IS_ENABLED(CONFIG_UPLOAD_RECEIPTS) || !cfg->upload_receipt_keys[0])
		return 0;
	if (!d)
		return -ENOMEM;
	r = store_batch_list(store, collect, d);
	if (r < 0)
		return r;
	if (d->n == 0)
		return 0;
	r = receipt_load_keys(cfg->upload_receipt_keys, keys, MAX_KEYS, &n_keys, why, sizeof(why));
	if (r < 0) {
		log_err("cannot read the office's receipts: [upload] receipt_keys %s", why);
		return -FOLIO_ECONFIG;
	}
	r = upload_target_open(cfg, &t, why, sizeof(why));
	if (r < 0) {
		log_err("cannot read the office's receipts: %s", why[0] ? why : folio_strerror(r));
		return -FOLIO_ECONFIG;
	}
	for (size_t i = 0; i < d->n && r == 0; i++)
		r = read_one(store, cfg, t, keys, n_keys, d, &d->items[i], ret);
	upload_target_close(t);
	return r;
}

struct refusal {
	uint32_t id;
	char *buf;
	size_t size;
	bool found;
};

static int note_refusal(const struct event_info *e, void *user)
{
	struct refusal *f = user;

	if (e->batch == f->id && strcmp(e->what, "office-refused") == 0) {
		snprintf(f->buf, f->size, "%s", e->detail);
		f->found = true;
	}
	return 0;
}

int receipts_refusal(struct store *store, uint32_t id, char *buf, size_t size)
{
	struct refusal f = { id, buf, size, false };
	int r = store_event_list(store, 1, note_refusal, &f, NULL);

	if (r < 0)
		return r;
	return f.found ? 0 : -FOLIO_ENOTFOUND;
}
