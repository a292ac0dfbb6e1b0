/*
 * Pages into the store: one writer thread commits every page waiting for it in one durable
 * transaction (group commit), each page in its own nested transaction so one refused page
 * does not take the others with it.
 */
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "sha256.h"
#include "firmware/store/store.h"
#include "firmware/store/store_int.h"

#define WRITER_MAX_JOBS 64		     /* pages waiting before submit blocks */
#define WRITER_MAX_BYTES ((size_t)128 << 20) /* image bytes waiting before submit blocks */
#define WRITER_GROUP_MAX 64		     /* pages per transaction at most */
#define PAGE_OVERHEAD (4 * 4096)	     /* records, event, queue item, copied branch pages */

struct sync_wait {
	bool done;
	uint32_t number;
	int error;
};

struct page_job {
	struct page_job *next;
	char who[STORE_NAME_LEN];
	struct page_info meta;
	size_t len;
	void (*committed)(void *user, uint32_t number, int error);
	void *user;
	struct sync_wait *sync; /* store_page_add() waits on this */
	uint32_t number;
	int error;
	uint8_t sha256[32];
	size_t ocr_len;		   /* bytes of the image kept for OCR after the page's, 0: none */
	char note[STORE_NOTE_LEN]; /* for the page's capture event, "" for none */
	uint8_t image[];	   /* len + ocr_len bytes */
};

/* Writes page @meta (a new one, or @replace's image) inside @t. */
static int page_put_txn(struct store *s, MDB_txn *t, const char *who, const struct page_info *meta,
			uint32_t replace, const void *image, size_t len, const void *ocr_image,
			size_t ocr_len, const char *note, uint32_t *ret_number, uint8_t *ret_sha256)
{
	struct page_info p = *meta, old;
	struct batch_info b;
	uint32_t kb[2];
	MDB_val bk = store_key_u32(kb, meta->batch), pk, v;
	char hex[65], oldhex[65];
	int r;

	r = store_get_record(t, s->batches, &bk, &b, sizeof(b));
	if (r < 0)
		return r;
	if (replace ? !store_batch_editable(b.state) : b.state != BATCH_OPEN)
		return -FOLIO_ESTATE;
	if (replace) {
		pk = store_key_pair(kb, meta->batch, replace);
		r = store_get_record(t, s->pages, &pk, &old, sizeof(old));
		if (r < 0)
			return r;
		p.number = replace;
		p.document = old.document;
	} else {
		if (b.last_page == UINT32_MAX)
			return -FOLIO_ETOOBIG;
		p.number = b.last_page + 1;
	}
	p.version = STORE_SCHEMA_VERSION;
	p.size = (uint32_t)len;
	p.captured = time(NULL);
	p.seal = s->encrypt && s->key ? STORE_SEAL_XCHACHA20POLY1305 : STORE_SEAL_NONE;
	p.stored_size = (uint32_t)len + (p.seal ? STORE_SEAL_OVERHEAD : 0);
	sha256_digest(p.sha256, image, len);

	pk = store_key_pair(kb, p.batch, p.number);
	r = store_put_record(t, s->pages, &pk, &p, sizeof(p));
	if (r < 0)
		return r;
	if (p.seal) {
		r = store_key_check_txn(s, t);
		if (r < 0)
			return r;
		v = (MDB_val){ .mv_size = p.stored_size, .mv_data = NULL };
		r = store_mdb_errno(mdb_put(t, s->images, &pk, &v, MDB_RESERVE));
		if (r < 0)
			return r;
		store_seal(s, SEAL_KIND_IMAGE, p.batch, p.number, image, len, v.mv_data);
	} else {
		v = (MDB_val){ .mv_size = len, .mv_data = (void *)image };
		r = store_mdb_errno(mdb_put(t, s->images, &pk, &v, 0));
		if (r < 0)
			return r;
	}

	/* A rescanned page's kept grey image is the old sheet's: it goes. */
	r = ocr_len ? store_ocrimg_put_txn(s, t, p.batch, p.number, ocr_image, ocr_len)
		    : store_ocrimg_del_txn(s, t, p.batch, p.number);
	if (r < 0)
		return r;
	if (replace) {
		b.image_bytes = b.image_bytes - MIN(b.image_bytes, (uint64_t)old.size) + len;
		r = store_mdb_errno(mdb_del(t, s->ocr, &pk, NULL));
		if (r == 0 && b.n_ocr)
			b.n_ocr--;
		else if (r < 0 && r != -FOLIO_ENOTFOUND)
			return r;
		r = store_text_index_drop_txn(s, t, p.batch, p.number);
		if (r < 0)
			return r;
	} else {
		b.n_pages++;
		b.last_page = p.number;
		b.image_bytes += len;
	}
	b.updated = p.captured;
	bk = store_key_u32(kb, p.batch);
	r = store_put_record(t, s->batches, &bk, &b, sizeof(b));
	if (r < 0)
		return r;
	r = store_queue_push_txn(s, t, QUEUE_OCR, p.batch, p.number,
				 replace ? QUEUE_PRIORITY_RESCAN : QUEUE_PRIORITY_DEFAULT);
	if (r < 0)
		return r;
	sodium_bin2hex(hex, sizeof(hex), p.sha256, sizeof(p.sha256));
	if (replace) {
		sodium_bin2hex(oldhex, sizeof(oldhex), old.sha256, sizeof(old.sha256));
		r = store_event_append(s, t, who, "page-rescan", p.batch, p.document, p.number,
				       "sha256 %s -> %s, %u -> %u bytes%s%s", oldhex, hex, old.size,
				       p.size, note[0] ? "; " : "", note);
	} else {
		r = store_event_append(s, t, who, "page-capture", p.batch, p.document, p.number,
				       "%s %ux%u %u dpi %u bytes sha256 %s%s%s", p.format, p.width,
				       p.height, p.dpi, p.size, hex, note[0] ? "; " : "", note);
	}
	if (r < 0)
		return r;
	*ret_number = p.number;
	if (ret_sha256)
		memcpy(ret_sha256, p.sha256, sizeof(p.sha256));
	return 0;
}

static bool space_allows(const struct store_space *sp, uint64_t need)
{
	return sp->map_free >= need + sp->map_reserve && sp->disk_free >= need + sp->reserve;
}

static void commit_group(struct store *s, struct page_job *jobs)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct store_space sp;
	uint64_t need = 0;
	bool have_space;
	int r;

	have_space = store_space(s, &sp) >= 0;
	r = store_txn_begin(s, true, &t);
	for (struct page_job *j = jobs; j; j = j->next) {
		MDB_txn *child = NULL;

		if (r < 0) {
			j->error = r;
			continue;
		}
		need += j->len + j->ocr_len + 2 * STORE_SEAL_OVERHEAD + PAGE_OVERHEAD;
		if (have_space && !space_allows(&sp, need)) {
			j->error = -FOLIO_ESTOREFULL;
			continue;
		}
		j->error = store_mdb_errno(mdb_txn_begin(s->env, t, 0, &child));
		if (j->error < 0)
			continue;
		j->error = page_put_txn(s, child, j->who, &j->meta, 0, j->image, j->len,
					j->ocr_len ? j->image + j->len : NULL, j->ocr_len, j->note,
					&j->number, j->sha256);
		if (j->error < 0)
			mdb_txn_abort(child);
		else
			j->error = store_mdb_errno(mdb_txn_commit(child));
	}
	if (r >= 0)
		r = store_txn_commit(&t);
	for (struct page_job *j = jobs; j; j = j->next) {
		if (r < 0 && j->error == 0)
			j->error = r;
		if (j->error < 0) {
			j->number = 0;
			continue;
		}
		/* The page is captured now: the record that tests and people can rely on. */
		char hex[65];

		sodium_bin2hex(hex, sizeof(hex), j->sha256, sizeof(j->sha256));
		log_debug("store: batch %u page %u committed, sha256 %s", j->meta.batch, j->number,
			  hex);
	}
}

static void *writer_main(void *arg)
{
	struct store *s = arg;

	pthread_mutex_lock(&s->wlock);
	for (;;) {
		struct page_job *jobs, *last;
		size_t n = 1, bytes;

		while (!s->head && !s->writer_stop)
			pthread_cond_wait(&s->wwork, &s->wlock);
		if (!s->head)
			break;
		jobs = last = s->head;
		bytes = last->len + last->ocr_len;
		while (last->next && n < WRITER_GROUP_MAX) {
			last = last->next;
			bytes += last->len + last->ocr_len;
			n++;
		}
		s->head = last->next;
		if (!s->head)
			s->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&s->wlock);

		commit_group(s, jobs);
		for (struct page_job *j = jobs; j; j = j->next)
			if (j->committed)
				j->committed(j->user, j->number, j->error);

		pthread_mutex_lock(&s->wlock);
		while (jobs) {
			struct page_job *j = jobs;

			jobs = j->next;
			if (j->sync) {
				j->sync->number = j->number;
				j->sync->error = j->error;
				j->sync->done = true;
			}
			free(j);
		}
		s->pending_jobs -= n;
		s->pending_bytes -= bytes;
		s->finished += n;
		pthread_cond_broadcast(&s->wdone);
	}
	pthread_mutex_unlock(&s->wlock);
	return NULL;
}

/* Starts the writer with every signal blocked: signals belong to the program's threads. */
static int writer_start(struct store *s)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&s->writer, NULL, writer_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		s->writer_running = true;
	return r;
}

void store_writer_stop(struct store *s)
{
	pthread_mutex_lock(&s->wlock);
	s->writer_stop = true;
	pthread_cond_broadcast(&s->wwork);
	pthread_mutex_unlock(&s->wlock);
	if (s->writer_running)
		pthread_join(s->writer, NULL);
	s->writer_running = false;
}

static int submit(struct store *s, const char *who, const struct page_info *meta, const void *image,
		  size_t len, const void *ocr_image, size_t ocr_len, const char *note,
		  void (*committed)(void *user, uint32_t number, int error), void *user,
		  struct sync_wait *sync)
{
	struct page_job *j;
	int r = 0;

	if (len == 0 || len > STORE_MAX_IMAGE)
		return -FOLIO_ETOOBIG;
	if (!ocr_image)
		ocr_len = 0;
	if (ocr_len > STORE_MAX_OCR_IMAGE)
		return -FOLIO_ETOOBIG;
	j = malloc(sizeof(*j) + len + ocr_len);
	if (!j)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	snprintf(j->who, sizeof(j->who), "%s", who ? who : "station");
	j->meta = *meta;
	j->len = len;
	j->committed = committed;
	j->user = user;
	j->sync = sync;
	memcpy(j->image, image, len);
	j->ocr_len = ocr_len;
	snprintf(j->note, sizeof(j->note), "%s", note ? note : "");
	if (ocr_len)
		memcpy(j->image + len, ocr_image, ocr_len);

	pthread_mutex_lock(&s->wlock);
	while (s->pending_jobs > 0 && (s->pending_jobs >= WRITER_MAX_JOBS ||
				       s->pending_bytes + len + ocr_len > WRITER_MAX_BYTES))
		pthread_cond_wait(&s->wdone, &s->wlock);
	if (s->writer_stop)
		r = -ESHUTDOWN;
	else if (!s->writer_running)
		r = writer_start(s);
	if (r < 0) {
		pthread_mutex_unlock(&s->wlock);
		free(j);
		return r;
	}
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	s->pending_jobs++;
	s->pending_bytes += len + ocr_len;
	s->submitted++;
	pthread_cond_signal(&s->wwork);
	pthread_mutex_unlock(&s->wlock);
	return 0;
}

int store_page_submit(struct store *s, const char *who, const struct page_info *meta,
		      const void *image, size_t len,
		      void (*committed)(void *user, uint32_t number, int error), void *user)
{
	return submit(s, who, meta, image, len, NULL, 0, NULL, committed, user, NULL);
}

int store_page_submit_ocr(struct store *s, const char *who, const struct page_info *meta,
			  const void *image, size_t len, const void *ocr_image, size_t ocr_len,
			  const char *note,
			  void (*committed)(void *user, uint32_t number, int error), void *user)
{
	return submit(s, who, meta, image, len, ocr_image, ocr_len, note, committed, user, NULL);
}

int store_flush(struct store *s)
{
	uint64_t target;

	pthread_mutex_lock(&s->wlock);
	target = s->submitted;
	while (s->finished < target)
		pthread_cond_wait(&s->wdone, &s->wlock);
	pthread_mutex_unlock(&s->wlock);
	return 0;
}

int store_page_add(struct store *s, const char *who, const struct page_info *meta,
		   const void *image, size_t len, uint32_t *ret_number)
{
	struct sync_wait w = { 0 };
	int r;

	r = submit(s, who, meta, image, len, NULL, 0, NULL, NULL, NULL, &w);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->wlock);
	while (!w.done)
		pthread_cond_wait(&s->wdone, &s->wlock);
	pthread_mutex_unlock(&s->wlock);
	if (w.error < 0)
		return w.error;
	if (ret_number)
		*ret_number = w.number;
	return 0;
}

int store_page_replace_ocr(struct store *s, const char *who, const struct page_info *meta,
			   uint32_t number, const void *image, size_t len, const void *ocr_image,
			   size_t ocr_len, const char *note)
{
	char buf[STORE_NOTE_LEN];

	_cleanup_txn_ MDB_txn *t = NULL;
	struct store_space sp;
	uint32_t n;
	int r;

	if (!ocr_image)
		ocr_len = 0;
	if (len == 0 || len > STORE_MAX_IMAGE || ocr_len > STORE_MAX_OCR_IMAGE)
		return -FOLIO_ETOOBIG;
	if (number == 0)
		return -FOLIO_ENOTFOUND;
	store_flush(s);
	r = store_space_need(s, len + ocr_len + 2 * STORE_SEAL_OVERHEAD + PAGE_OVERHEAD, &sp);
	if (r < 0)
		return r;
	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	snprintf(buf, sizeof(buf), "%s", note ? note : "");
	r = page_put_txn(s, t, who, meta, number, image, len, ocr_image, ocr_len, buf, &n, NULL);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

int store_page_replace(struct store *s, const char *who, const struct page_info *meta,
		       uint32_t number, const void *image, size_t len)
{
	return store_page_replace_ocr(s, who, meta, number, image, len, NULL, 0, NULL);
}

int store_page_delete(struct store *s, const char *who, uint32_t batch, uint32_t number)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct page_info p;
	struct batch_info b;
	uint32_t kb[2];
	MDB_val k = store_key_u32(kb, batch);
	char hex[65];
	int r;

	r = store_edit_begin(s, batch, number, &t, &b, &p);
	if (r < 0)
		return r;
	k = store_key_pair(kb, batch, number);
	r = store_mdb_errno(mdb_del(t, s->pages, &k, NULL));
	if (r < 0)
		return r;
	r = store_mdb_errno(mdb_del(t, s->images, &k, NULL));
	if (r < 0 && r != -FOLIO_ENOTFOUND)
		return r;
	r = store_ocrimg_del_txn(s, t, batch, number);
	if (r < 0)
		return r;
	r = store_mdb_errno(mdb_del(t, s->ocr, &k, NULL));
	if (r == 0 && b.n_ocr)
		b.n_ocr--;
	else if (r < 0 && r != -FOLIO_ENOTFOUND)
		return r;
	r = store_text_index_drop_txn(s, t, batch, number);
	if (r < 0)
		return r;
	r = store_queue_remove_txn(s, t, QUEUE_OCR, batch, number);
	if (r < 0 && r != -FOLIO_ENOTFOUND)
		return r;
	b.n_pages--;
	b.image_bytes -= MIN(b.image_bytes, (uint64_t)p.size);
	b.updated = time(NULL);
	k = store_key_u32(kb, batch);
	r = store_put_record(t, s->batches, &k, &b, sizeof(b));
	if (r < 0)
		return r;
	sodium_bin2hex(hex, sizeof(hex), p.sha256, sizeof(p.sha256));
	r = store_event_append(s, t, who, "page-delete", batch, p.document, number,
			       "%s %u bytes sha256 %s deleted", p.format, p.size, hex);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}
