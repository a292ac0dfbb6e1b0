/*
 * Search benchmark: the store's text index over PAGES pages of generated text (a vocabulary
 * of 20,000 words, English-like and French with accents, drawn with a strong skew toward the first words, 300
 * words a page): the time to index them all (folio store reindex), milliseconds per query
 * for a common word, a rare word, two words (AND) and a prefix (snippets included), and the
 * index's size against the text's. The pages go to DIR/pages.txt, one a line, for the peer
 * (SQLite FTS5, measured by search.sh in the same run).
 *
 * Usage: search_bench DIR [PAGES]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "errors.h"
#include "firmware/store/store.h"

#define VOCABULARY 20000
#define WORDS_PER_PAGE 300
#define PAGES_PER_BATCH 100
#define QUERIES 200

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char vocab[VOCABULARY][32];

/* Word @i: syllables, one word in five French with an accent. */
static void make_vocabulary(void)
{
	static const char *const syl[] = { "ba",   "ce", "di",	"fo", "gu", "ha",  "je",
					   "ki",   "lo", "mu",	"na", "pe", "qui", "ro",
					   "su",   "ta", "ve",	"wo", "xi", "ze",  "tion",
					   "ment", "er", "ing", "st" };
	static const char *const accent[] = { "é", "è", "ê", "à", "ç", "ô", "û", "ï" };

	for (int i = 0; i < VOCABULARY; i++) {
		int n = 2 + i % 3, v = i;
		size_t o = 0;

		for (int k = 0; k < n; k++) {
			o +=
			    (size_t)snprintf(vocab[i] + o, sizeof(vocab[i]) - o, "%s", syl[v % 25]);
			v /= 25;
		}
		if (i % 5 == 0)
			snprintf(vocab[i] + o, sizeof(vocab[i]) - o, "%s", accent[i % 8]);
	}
}

/* A word index skewed toward the first words (the product of three uniform draws). */
static int draw_word(void)
{
	uint64_t a = next_random() % VOCABULARY, b = next_random() % VOCABULARY,
		 c = next_random() % VOCABULARY;

	return (int)(a * b / VOCABULARY * c / VOCABULARY);
}

static char *make_page(size_t *ret_len)
{
	size_t cap = WORDS_PER_PAGE * 34 + 1, o = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	for (int w = 0; w < WORDS_PER_PAGE; w++)
		o += (size_t)snprintf(t + o, cap - o, "%s%s", vocab[draw_word()],
				      w % 12 == 11 ? ".\n" : " ");
	*ret_len = o;
	return t;
}

static int count_hit(const struct store_text_hit *h, void *user)
{
	(void)h;
	(*(size_t *)user)++;
	return 0;
}

/* Milliseconds per query of @make(i) over QUERIES queries; hits per query to @ret_hits. */
static double time_queries(struct store *s, const char *what, void (*make)(int i, char *q),
			   double *ret_hits)
{
	size_t hits = 0;
	double t0 = now();
	char q[96];

	for (int i = 0; i < QUERIES; i++) {
		make(i, q);
		if (store_text_search(s, q, 200, count_hit, &hits) < 0) {
			fprintf(stderr, "search_bench: query '%s' failed\n", q);
			exit(1);
		}
	}
	*ret_hits = (double)hits / QUERIES;
	(void)what;
	return (now() - t0) * 1000.0 / QUERIES;
}

static void q_common(int i, char *q)
{
	snprintf(q, 96, "%s", vocab[i % 20]);
}

static void q_rare(int i, char *q)
{
	snprintf(q, 96, "%s", vocab[VOCABULARY / 2 + i * 37 % (VOCABULARY / 2)]);
}

static void q_and(int i, char *q)
{
	snprintf(q, 96, "%s %s", vocab[i % 50], vocab[100 + i * 7 % 400]);
}

static void q_prefix(int i, char *q)
{
	snprintf(q, 96, "%.4s*", vocab[200 + i * 13 % 2000]);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : NULL;
	unsigned pages = argc > 2 ? (unsigned)atoi(argv[2]) : 10000;
	char path[4096];
	struct store *s;
	struct store_reindex_report rep;
	struct store_text_index_info ti;
	struct batch_info tmpl = { 0 };
	uint64_t text_bytes = 0;
	double t0, put_s, index_s, hits;
	FILE *out;
	uint32_t batch = 0, number;
	int r;

	if (!dir || !pages) {
		fprintf(stderr, "usage: search_bench DIR [PAGES]\n");
		return 2;
	}
	make_vocabulary();
	snprintf(path, sizeof(path), "%s/store", dir);
	r = store_open(path, 4096, &s);
	if (r < 0) {
		fprintf(stderr, "search_bench: cannot open store '%s': %s\n", path,
			folio_strerror(r));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/pages.txt", dir);
	out = fopen(path, "w");
	if (!out)
		return 1;
	t0 = now();
	for (unsigned i = 0; i < pages; i++) {
		struct page_info p = { .document = 1 };
		size_t len;
		char *text = make_page(&len);

		if (!text)
			return 1;
		if (i % PAGES_PER_BATCH == 0 && store_batch_create(s, "bench", &tmpl, &batch) < 0)
			return 1;
		p.batch = batch;
		if (store_page_add(s, "bench", &p, "img", 3, &number) < 0 ||
		    store_ocr_put(s, batch, number, text, NULL, 90) < 0) {
			fprintf(stderr, "search_bench: cannot store page %u\n", i);
			return 1;
		}
		for (size_t k = 0; k < len; k++)
			if (text[k] == '\n')
				text[k] = ' ';
		fprintf(out, "%u\t%u\t%s\n", batch, number, text);
		text_bytes += len;
		free(text);
	}
	put_s = now() - t0;
	fclose(out);
	t0 = now();
	if (store_text_reindex(s, NULL, &rep) < 0)
		return 1;
	index_s = now() - t0;
	store_text_index_info(s, &ti);
	printf("search: %u pages, %.1f MiB of text, %llu words\n", pages,
	       (double)text_bytes / 1048576.0, (unsigned long long)rep.words);
	printf("figure: storing text with its index: %.1f pages/s (a durable commit each)\n",
	       pages / put_s);
	printf("figure: rebuilding the index (folio store reindex): %.2f s, %.0f pages/s\n",
	       index_s, pages / index_s);
	printf("figure: index %.1f MiB for %.1f MiB of text (%.2fx), %llu (word, page) pairs\n",
	       (double)ti.bytes / 1048576.0, (double)text_bytes / 1048576.0,
	       (double)ti.bytes / (double)text_bytes, (unsigned long long)ti.postings);
	printf("figure: query, common word: %.2f ms", time_queries(s, "common", q_common, &hits));
	printf(" (%.0f pages, at most 200 shown)\n", hits);
	printf("figure: query, rare word: %.2f ms", time_queries(s, "rare", q_rare, &hits));
	printf(" (%.1f pages)\n", hits);
	printf("figure: query, two words (AND): %.2f ms", time_queries(s, "and", q_and, &hits));
	printf(" (%.1f pages)\n", hits);
	printf("figure: query, prefix (4 letters*): %.2f ms",
	       time_queries(s, "prefix", q_prefix, &hits));
	printf(" (%.1f pages)\n", hits);
	/* The peer's queries: the same words, one set a line (common, rare, and, prefix). */
	snprintf(path, sizeof(path), "%s/queries.txt", dir);
	out = fopen(path, "w");
	if (!out)
		return 1;
	for (int i = 0; i < QUERIES; i++) {
		char a[96], b[96], c[96], d[96];

		q_common(i, a), q_rare(i, b), q_and(i, c), q_prefix(i, d);
		fprintf(out, "%s\t%s\t%s\t%s\n", a, b, c, d);
	}
	fclose(out);
	store_close(s);
	return 0;
}
