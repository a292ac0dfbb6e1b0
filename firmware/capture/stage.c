#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "firmware/capture/stage.h"

#define STAGE_MAX_THREADS 16

enum slot_state { SLOT_WAITING, SLOT_WORKING, SLOT_DONE };

struct slot {
	struct stage_page pg;
	enum slot_state state;
};

struct stage {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a page waits, or stop */
	pthread_cond_t done; /* a page is cleaned, or no more will come */
	pthread_cond_t room; /* a page was taken */
	stage_fn fn;
	void *user;
	struct slot *slots; /* a ring in feed order: head is the oldest */
	unsigned cap, head, count;
	bool closed; /* stage_close(): no more pages will come */
	bool stop;
	unsigned n_threads;
	pthread_t threads[STAGE_MAX_THREADS];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct slot *slot_at(struct stage *st, unsigned i)
{
	return &st->slots[(st->head + i) % st->cap];
}

/* The oldest page no thread has taken yet, or NULL. */
static struct slot *next_waiting(struct stage *st)
{
	for (unsigned i = 0; i < st->count; i++)
		if (slot_at(st, i)->state == SLOT_WAITING)
			return slot_at(st, i);
	return NULL;
}

static void *worker_main(void *arg)
{
	struct stage *st = arg;

	pthread_mutex_lock(&st->lock);
	for (;;) {
		struct slot *s = next_waiting(st);
		double t0;
		int r;

		if (st->stop)
			break; /* what still waits is dropped by stage_free() */
		if (!s) {
			pthread_cond_wait(&st->work, &st->lock);
			continue;
		}
		s->state = SLOT_WORKING;
		pthread_mutex_unlock(&st->lock);

		/* The slot is this thread's alone until it is marked done. */
		t0 = now();
		r = st->fn(&s->pg, st->user);
		s->pg.seconds = now() - t0;
		free(s->pg.frame.data);
		s->pg.frame.data = NULL;

		pthread_mutex_lock(&st->lock);
		s->pg.r = r;
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&st->done);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

int stage_new(unsigned threads, stage_fn fn, void *user, struct stage **ret)
{
	struct stage *st;
	int r;

	if (threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cores > 0 ? (unsigned)cores : 1;
	}
	threads = MIN(threads, STAGE_MAX_THREADS);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->cap = threads + 1; /* one more, so a thread that is done finds the next page */
	st->slots = calloc(st->cap, sizeof(*st->slots));
	if (!st->slots) {
		free(st);
		return -ENOMEM;
	}
	st->fn = fn;
	st->user = user;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->work, NULL);
	pthread_cond_init(&st->done, NULL);
	pthread_cond_init(&st->room, NULL);
	for (; st->n_threads < threads; st->n_threads++) {
		r = -pthread_create(&st->threads[st->n_threads], NULL, worker_main, st);
		if (r < 0) {
			if (st->n_threads > 0)
				break; /* fewer threads, same pages */
			stage_free(st);
			return r;
		}
	}
	*ret = st;
	return 0;
}

unsigned stage_threads(const struct stage *st)
{
	return st->n_threads;
}

void stage_put(struct stage *st, const struct stage_page *pg)
{
	struct slot *s;

	pthread_mutex_lock(&st->lock);
	while (st->count == st->cap) /* stage_take() makes room */
		pthread_cond_wait(&st->room, &st->lock);
	s = slot_at(st, st->count);
	s->pg = *pg;
	s->state = SLOT_WAITING;
	st->count++;
	pthread_cond_signal(&st->work);
	pthread_mutex_unlock(&st->lock);
}

void stage_close(struct stage *st)
{
	pthread_mutex_lock(&st->lock);
	st->closed = true;
	pthread_cond_broadcast(&st->done);
	pthread_mutex_unlock(&st->lock);
}

bool stage_take(struct stage *st, struct stage_page *ret)
{
	bool got = false;

	pthread_mutex_lock(&st->lock);
	while ((st->count == 0 && !st->closed) ||
	       (st->count > 0 && st->slots[st->head].state != SLOT_DONE))
		pthread_cond_wait(&st->done, &st->lock);
	if (st->count > 0) {
		*ret = st->slots[st->head].pg;
		st->head = (st->head + 1) % st->cap;
		st->count--;
		got = true;
		pthread_cond_signal(&st->room);
	}
	pthread_mutex_unlock(&st->lock);
	return got;
}

struct stage *stage_free(struct stage *st)
{
	if (!st)
		return NULL;
	pthread_mutex_lock(&st->lock);
	st->stop = true;
	pthread_cond_broadcast(&st->work);
	pthread_mutex_unlock(&st->lock);
	for (unsigned i = 0; i < st->n_threads; i++)
		pthread_join(st->threads[i], NULL);
	for (unsigned i = 0; i < st->count; i++) {
		struct stage_page *pg = &slot_at(st, i)->pg;

		free(pg->frame.data);
		encoded_image_release(&pg->img);
		encoded_image_release(&pg->ocr);
	}
	pthread_cond_destroy(&st->room);
	pthread_cond_destroy(&st->done);
	pthread_cond_destroy(&st->work);
	pthread_mutex_destroy(&st->lock);
	free(st->slots);
	free(st);
	return NULL;
}
