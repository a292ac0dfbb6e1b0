/*
 * Store benchmark: durable page commits per second for 300 KB page images through the
 * store's writer (group commit), against a plain spool folder (each page its own file: write,
 * fsync, rename, fsync of the folder) measured in the same run on the same disk; median commit
 * latency of both; and the time to list 10,000 queued pages.
 *
 * Usage: store_bench DIR [PAGES]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/store/store.h"

#define PAGE_BYTES (300 * 1024)
#define QUEUED 10000
#define PACED 60	/* pages in the latency run */
#define PACED_RATE 10.0 /* pages per second: a 300 ppm duplex scanner */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n ? v[n / 2] : 0;
}

struct timing {
	double *submitted, *latency;
	int errors;
	pthread_mutex_t lock;
};

struct slot {
	struct timing *t;
	size_t i;
};

static void committed(void *user, uint32_t number, int error)
{
	struct slot *s = user;

	(void)number;
	pthread_mutex_lock(&s->t->lock);
	s->t->latency[s->i] = now() - s->t->submitted[s->i];
	if (error)
		s->t->errors++;
	pthread_mutex_unlock(&s->t->lock);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

/* Waits until @t0 + @i / @rate (no wait when @rate is 0): pages arriving at scanner pace. */
static void pace(double t0, size_t i, double rate)
{
	double due = t0 + (double)i / rate, left;

	if (rate <= 0)
		return;
	left = due - now();
	if (left > 0) {
		struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };

		nanosleep(&ts, NULL);
	}
}

static int bench_store(const char *dir, uint8_t *img, size_t pages, double rate, double *ret_rate,
		       double *ret_median)
{
	struct timing t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct slot *slots = calloc(pages, sizeof(*slots));
	struct batch_info b = { 0 };
	struct page_info p = { .document = 1 };
	struct store *s;
	double t0;
	int r;

	t.submitted = calloc(pages, sizeof(double));
	t.latency = calloc(pages, sizeof(double));
	if (!slots || !t.submitted || !t.latency)
		return -ENOMEM;
	r = store_open(dir, 4096, &s);
	if (r < 0)
		return r;
	r = store_batch_create(s, "bench", &b, &p.batch);
	if (r < 0)
		return r;
	snprintf(p.format, sizeof(p.format), "JPEG");
	t0 = now();
	for (size_t i = 0; i < pages; i++) {
		img[0] = (uint8_t)i; /* every page differs */
		img[1] = (uint8_t)(i >> 8);
		slots[i] = (struct slot){ &t, i };
		pace(t0, i, rate);
		pthread_mutex_lock(&t.lock);
		t.submitted[i] = now();
		pthread_mutex_unlock(&t.lock);
		r = store_page_submit(s, "bench", &p, img, PAGE_BYTES, committed, &slots[i]);
		if (r < 0)
			return r;
	}
	store_flush(s);
	*ret_rate = (double)pages / (now() - t0);
	*ret_median = median(t.latency, pages);
	store_close(s);
	free(slots);
	free(t.submitted);
	free(t.latency);
	return t.errors ? -EIO : 0;
}

static int bench_spool(const char *dir, uint8_t *img, size_t pages, double rate, double *ret_rate,
		       double *ret_median)
{
	double *lat = calloc(pages, sizeof(double)), t0;
	int dfd;

	if (!lat)
		return -ENOMEM;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	t0 = now();
	for (size_t i = 0; i < pages; i++) {
		char tmp[4200], final[4200];
		double t1;
		int fd;

		pace(t0, i, rate);
		t1 = now();
		img[0] = (uint8_t)i;
		img[1] = (uint8_t)(i >> 8);
		snprintf(tmp, sizeof(tmp), "%s/.P%06zu.tmp", dir, i);
		snprintf(final, sizeof(final), "%s/P%06zu.jpg", dir, i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, img, PAGE_BYTES) != PAGE_BYTES || fsync(fd) < 0 ||
		    close(fd) < 0 || rename(tmp, final) < 0 || fsync(dfd) < 0)
			return -errno;
		lat[i] = now() - t1;
	}
	*ret_rate = (double)pages / (now() - t0);
	*ret_median = median(lat, pages);
	close(dfd);
	free(lat);
	return 0;
}

static int count_item(const struct queue_item *it, void *user)
{
	(void)it;
	(*(size_t *)user)++;
	return 0;
}

static int bench_queue(const char *dir, double *ret_ms, size_t *ret_n)
{
	struct batch_info b = { 0 };
	struct page_info p = { .document = 1 };
	struct store *s;
	double best = 1e9;
	size_t n = 0;
	int r;

	r = store_open(dir, 1024, &s);
	if (r < 0)
		return r;
	r = store_batch_create(s, "bench", &b, &p.batch);
	if (r < 0)
		return r;
	for (size_t i = 0; i < QUEUED; i++) {
		r = store_page_submit(s, "bench", &p, "tiny page", 9, NULL, NULL);
		if (r < 0)
			return r;
	}
	store_flush(s);
	for (int round = 0; round < 5; round++) {
		double t0 = now();

		n = 0;
		r = store_queue_list(s, QUEUE_OCR, count_item, &n);
		if (r < 0)
			return r;
		if (now() - t0 < best)
			best = now() - t0;
	}
	store_close(s);
	*ret_ms = best * 1000;
	*ret_n = n;
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	size_t pages = argc > 2 ? strtoul(argv[2], NULL, 10) : 300;
	uint8_t *img = malloc(PAGE_BYTES);
	double store_rate = 0, store_med = 0, spool_rate = 0, spool_med = 0, list_ms = 0;
	double dummy;
	size_t listed;
	int r;

	if (argc < 2 || !img || pages == 0) {
		fprintf(stderr, "usage: store_bench DIR [PAGES]\n");
		return 2;
	}
	fill(img, PAGE_BYTES, 42);

	/* Flat out: throughput. Then at a fast scanner's pace: commit latency. */
	snprintf(path, sizeof(path), "%s/spool", argv[1]);
	r = bench_spool(path, img, pages, 0, &spool_rate, &dummy);
	if (r >= 0) {
		snprintf(path, sizeof(path), "%s/spool-paced", argv[1]);
		r = bench_spool(path, img, PACED, PACED_RATE, &dummy, &spool_med);
	}
	if (r < 0) {
		fprintf(stderr, "spool folder: %s\n", folio_strerror(r));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/store", argv[1]);
	r = bench_store(path, img, pages, 0, &store_rate, &dummy);
	if (r >= 0) {
		snprintf(path, sizeof(path), "%s/store-paced", argv[1]);
		r = bench_store(path, img, PACED, PACED_RATE, &dummy, &store_med);
	}
	if (r < 0) {
		fprintf(stderr, "store: %s\n", folio_strerror(r));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/queue", argv[1]);
	r = bench_queue(path, &list_ms, &listed);
	if (r < 0) {
		fprintf(stderr, "queue: %s\n", folio_strerror(r));
		return 1;
	}

	printf("%zu pages of 300 KB, durable commits, flat out:\n", pages);
	printf("  store (writer thread, group commit)   %7.1f pages/s\n", store_rate);
	printf("  spool folder (write, fsync, rename,   %7.1f pages/s\n", spool_rate);
	printf("    fsync folder; a page at a time)\n");
	printf("  ratio store / spool                   %7.2fx\n", store_rate / spool_rate);
	printf("median commit latency, %d pages at %.0f pages/s:\n", PACED, PACED_RATE);
	printf("  store %.1f ms, spool folder %.1f ms\n", store_med * 1000, spool_med * 1000);
	printf("list %zu queued pages (OCR queue): %.2f ms (target under 50 ms)\n", listed,
	       list_ms);
	printf("figure: store %.0f pages/s vs spool folder %.0f pages/s (%.2fx); median commit "
	       "%.1f ms vs %.1f ms; %zu queued pages listed in %.2f ms\n",
	       store_rate, spool_rate, store_rate / spool_rate, store_med * 1000, spool_med * 1000,
	       listed, list_ms);
	free(img);
	return 0;
}
