/*
 * Reading order and documents of a batch: the clerk's reorder, split and merge.
 *
 * Page numbers are identities (feed order); the reading order lives in the "order" database
 * as u32 batch -> u32 page numbers, written only when a batch was rearranged. Pages missing
 * from it (captured after the last arrangement) follow in feed order, so capture never has to
 * touch it.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/store/store.h"
#include "firmware/store/store_int.h"

struct page_set {
	struct page_info *p;
	size_t n, cap;
};

static void page_set_release(struct page_set *set)
{
	free(set->p);
	set->p = NULL;
}

static int collect(const struct page_info *p, void *user)
{
	struct page_set *set = user;

	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 64;
		struct page_info *grown = reallocarray(set->p, cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		set->p = grown;
		set->cap = cap;
	}
	set->p[set->n++] = *p;
	return 0;
}

/* Position of page @number in @set (sorted by number), or -1. */
static ssize_t find_page(const struct page_set *set, uint32_t number)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->p[mid].number == number)
			return (ssize_t)mid;
		if (set->p[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * The batch's pages in reading order into @set, inside @t: the recorded order first (pages
 * deleted since are skipped), then the pages it does not name, in feed order.
 */
static int pages_in_order_txn(struct store *s, MDB_txn *t, uint32_t batch, struct page_set *set)
{
	_cleanup_free_ bool *placed = NULL;
	_cleanup_(page_set_release) struct page_set feed = { 0 };
	uint32_t kb[2];
	MDB_val k = store_key_u32(kb, batch), v;
	size_t n = 0;
	int r;

	r = store_walk_pages_txn(t, s->pages, batch, collect, &feed);
	if (r < 0)
		return r;
	r = store_mdb_errno(mdb_get(t, s->order, &k, &v));
	if (r == -FOLIO_ENOTFOUND) {
		*set = feed;
		feed = (struct page_set){ 0 };
		return 0;
	}
	if (r < 0)
		return r;
	if (v.mv_size % sizeof(uint32_t))
		return -FOLIO_ECORRUPT;
	placed = calloc(feed.n + 1, sizeof(*placed));
	set->p = malloc((feed.n + 1) * sizeof(*set->p));
	if (!placed || !set->p)
		return -ENOMEM;
	for (size_t i = 0; i < v.mv_size / sizeof(uint32_t); i++) {
		uint32_t number;
		ssize_t at;

		memcpy(&number, (const uint8_t *)v.mv_data + i * sizeof(number), sizeof(number));
		at = find_page(&feed, be32toh(number));
		if (at < 0 || placed[at])
			continue;
		placed[at] = true;
		set->p[n++] = feed.p[at];
	}
	for (size_t i = 0; i < feed.n; i++)
		if (!placed[i])
			set->p[n++] = feed.p[i];
	set->n = set->cap = n;
	return 0;
}

int store_page_list(struct store *s, uint32_t batch,
		    int (*fn)(const struct page_info *p, void *user), void *user)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	_cleanup_(page_set_release) struct page_set set = { 0 };
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = pages_in_order_txn(s, t, batch, &set);
	if (r < 0)
		return r;
	for (size_t i = 0; i < set.n; i++) {
		r = fn(&set.p[i], user);
		if (r != 0)
			return r;
	}
	return 0;
}

bool store_batch_editable(uint32_t state)
{
	return state == BATCH_OPEN || state == BATCH_CLOSED || state == BATCH_REJECTED;
}

/* Checks that @places names every page of @cur once and numbers documents 1..k in order. */
static int check_places(const struct page_set *cur, const struct store_page_place *places, size_t n,
			uint32_t *ret_documents)
{
	_cleanup_free_ bool *seen = calloc(cur->n + 1, sizeof(*seen));
	uint32_t doc = 0;

	if (!seen)
		return -ENOMEM;
	if (n != cur->n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		ssize_t at = find_page(cur, places[i].number);

		if (at < 0 || seen[at])
			return -EINVAL;
		seen[at] = true;
		/* The first page opens document 1; each later page stays or opens the next. */
		if (places[i].document != doc && places[i].document != doc + 1)
			return -EINVAL;
		if (i == 0 && places[i].document != 1)
			return -EINVAL;
		doc = places[i].document;
	}
	*ret_documents = doc;
	return 0;
}

/*
 * The document records after the change, inside @t: new document k takes the record of the
 * old document its first page belonged to, unless an earlier new document took it already;
 * then it starts as a copy of it without a document code (a split). Old documents no new one
 * took are removed (a merge).
 */
static int renumber_documents_txn(struct store *s, MDB_txn *t, uint32_t batch,
				  const struct page_set *cur, const struct store_page_place *places,
				  size_t n, uint32_t old_docs)
{
	_cleanup_free_ struct document_info *old = NULL;
	_cleanup_free_ bool *have = NULL, *taken = NULL;
	int r;

	for (size_t i = 0; i < cur->n; i++) /* pages may name documents without a record */
		old_docs = MAX(old_docs, MIN(cur->p[i].document, STORE_MAX_ARRANGE));
	old = calloc(old_docs + 1, sizeof(*old));
	have = calloc(old_docs + 1, sizeof(*have));
	taken = calloc(old_docs + 1, sizeof(*taken));
	if (!old || !have || !taken)
		return -ENOMEM;
	for (uint32_t d = 1; d <= old_docs; d++) {
		r = store_document_read_txn(s, t, batch, d, &old[d]);
		if (r < 0 && r != -FOLIO_ENOTFOUND)
			return r;
		have[d] = r == 0;
	}
	r = store_delete_batch_range(t, s->documents, batch, NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		uint32_t was, doc = places[i].document;
		struct document_info d;

		if (i > 0 && doc == places[i - 1].document)
			continue;
		was = cur->p[find_page(cur, places[i].number)].document;
		if (was == 0 || was > old_docs || !have[was])
			continue; /* a page of no recorded document: none for it either */
		d = old[was];
		if (taken[was])
			d.document_code[0] = '\0';
		taken[was] = true;
		d.number = doc;
		r = store_document_write_txn(s, t, &d);
		if (r < 0)
			return r;
	}
	return 0;
}

int store_batch_arrange(struct store *s, const char *who, uint32_t batch,
			const struct store_page_place *places, size_t n)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	_cleanup_free_ uint32_t *order = NULL;
	_cleanup_(page_set_release) struct page_set cur = { 0 };
	struct batch_info b;
	uint32_t kb[2], n_docs = 0, moved = 0, rehomed = 0;
	MDB_val k = store_key_u32(kb, batch), v;
	int r;

	if (n == 0 || n > STORE_MAX_ARRANGE)
		return -EINVAL;
	r = store_edit_begin(s, batch, 0, &t, &b, NULL);
	if (r < 0)
		return r;
	r = store_walk_pages_txn(t, s->pages, batch, collect, &cur);
	if (r < 0)
		return r;
	r = check_places(&cur, places, n, &n_docs);
	if (r < 0)
		return r;

	/* Count what changes, for the event, before the records change. */
	{
		_cleanup_(page_set_release) struct page_set before = { 0 };

		r = pages_in_order_txn(s, t, batch, &before);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n && i < before.n; i++)
			if (before.p[i].number != places[i].number)
				moved++;
	}
	r = renumber_documents_txn(s, t, batch, &cur, places, n, b.n_documents);
	if (r < 0)
		return r;
	order = malloc(n * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct page_info p = cur.p[find_page(&cur, places[i].number)];

		order[i] = htobe32(places[i].number);
		if (p.document == places[i].document)
			continue;
		p.document = places[i].document;
		rehomed++;
		k = store_key_pair(kb, batch, p.number);
		r = store_put_record(t, s->pages, &k, &p, sizeof(p));
		if (r < 0)
			return r;
	}
	k = store_key_u32(kb, batch);
	v = (MDB_val){ .mv_size = n * sizeof(*order), .mv_data = order };
	r = store_mdb_errno(mdb_put(t, s->order, &k, &v, 0));
	if (r < 0)
		return r;
	b.n_documents = n_docs;
	b.updated = time(NULL);
	r = store_put_record(t, s->batches, &k, &b, sizeof(b));
	if (r < 0)
		return r;
	r = store_event_append(s, t, who, "batch-arrange", batch, 0, 0,
			       "%zu pages in %u documents: %u moved, %u changed document", n,
			       n_docs, moved, rehomed);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}
