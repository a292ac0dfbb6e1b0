/* The words of recognised text (store/terms.h) and the store's text index. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <lmdb.h>

#include "errors.h"
#include "fileio.h"
#include "firmware/store/store.h"
#include "store_tmp.h"
#include "firmware/store/terms.h"
#include "progress.h"

/* As test_store_crypt does: the sealing code every build has, whatever the board's choice. */
bool store_encryption_built_in(void)
{
	return true;
}

/* The words of @text, normalised, space-separated, into @out. */
static const char *words(const char *text, char *out, size_t size)
{
	char w[TERM_MAX + 1];
	size_t pos = 0, o = 0, n;

	out[0] = '\0';
	while ((n = term_next(text, strlen(text), &pos, w, NULL)) > 0)
		o += (size_t)snprintf(out + o, size - o, "%s%s", o ? " " : "", w);
	return out;
}

static void test_terms_latin(void **state)
{
	char out[512];

	(void)state;
	assert_string_equal(words("Le BREVET d'invention, déposé à Genève.", out, sizeof(out)),
			    "le brevet invention depose geneve");
	assert_string_equal(words("Œuvre Straße ÆGIS naïve Ångström Łódź", out, sizeof(out)),
			    "oeuvre strasse aegis naive angstrom lodz");
	/* Combining accents (e + U+0301) fold as the precomposed letter does. */
	assert_string_equal(words("de\xcc\x81po\xcc\x82t", out, sizeof(out)), "depot");
	/* Numbers and codes split at punctuation; one-letter words are not words. */
	assert_string_equal(words("PCT/EP2023/012345 a 7 x-ray", out, sizeof(out)),
			    "pct ep2023 012345 ray");
	assert_string_equal(words("  \t\n.,;", out, sizeof(out)), "");
}

static void test_terms_arabic(void **state)
{
	char out[512];

	(void)state;
	/* Short vowels and tatweel go, alef forms fold, Arabic-Indic digits become 0-9. */
	assert_string_equal(words("بَراءة الاختـــراع، أحمد إلى ٢٠٢٦", out, sizeof(out)),
			    "براءة الاختراع احمد الي 2026");
}

static void test_terms_not_utf8(void **state)
{
	static const char bad[] = "ab\xff\xfe"
				  "cd\xc3"
				  "ef\xe2\x82"
				  "gh\xed\xa0\x80ij\xc0\xafkl";
	char out[512], w[TERM_MAX + 1];
	char longword[200];
	size_t pos = 0;

	(void)state;
	/* Bytes that are not UTF-8 (bad, cut, surrogate, overlong) part words. */
	assert_string_equal(words(bad, out, sizeof(out)), "ab cd ef gh ij kl");
	/* A long word is cut at TERM_MAX bytes, at a character. */
	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	assert_int_equal(term_next(longword, strlen(longword), &pos, w, NULL), TERM_MAX);
	assert_int_equal(pos, strlen(longword));
	for (size_t i = 0; i < 40; i++)
		memcpy(longword + 2 * i, "\xd8\xa8", 2); /* ب */
	longword[80] = '\0';
	pos = 0;
	assert_int_equal(term_next(longword, 80, &pos, w, NULL), TERM_MAX);
	assert_string_equal(w + TERM_MAX - 2, "\xd8\xa8");
}

struct fixture {
	char dir[64];
	struct store *s;
	uint32_t batch;
	uint32_t pages[3];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct batch_info b = { 0 };

	if (store_tmp_open(f->dir, sizeof(f->dir), "text", 256, &f->s) < 0)
		return -1;
	if (store_batch_create(f->s, "t", &b, &f->batch) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		struct page_info p = { .batch = f->batch, .document = 1 + (i == 2) };

		if (store_page_add(f->s, "t", &p, "img", 3, &f->pages[i]) < 0)
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	return store_tmp_teardown(f, f->s, f->dir);
}

struct found {
	size_t n;
	struct store_text_hit hit[8];
};

static int collect(const struct store_text_hit *h, void *user)
{
	struct found *fd = user;

	if (fd->n < 8)
		fd->hit[fd->n++] = *h;
	return 0;
}

static int search(struct fixture *f, const char *q, struct found *fd)
{
	memset(fd, 0, sizeof(*fd));
	return store_text_search(f->s, q, 100, collect, fd);
}

static void put_texts(struct fixture *f)
{
	assert_int_equal(store_ocr_put(f->s, f->batch, f->pages[0],
				       "Claim 1. A stapler with a spring.", NULL, 90),
			 0);
	assert_int_equal(store_ocr_put(f->s, f->batch, f->pages[1],
				       "Le dépôt de la demande de brevet, Genève.", NULL, 90),
			 0);
	assert_int_equal(store_ocr_put(f->s, f->batch, f->pages[2],
				       "A stapling machine; the spring is steel.", NULL, 90),
			 0);
}

static void test_index_follows_texts(void **state)
{
	struct fixture *f = *state;
	struct store_text_index_info ti;
	struct found fd;

	put_texts(f);
	assert_int_equal(store_text_index_info(f->s, &ti), 0);
	assert_int_equal(ti.state, STORE_TEXT_INDEX_CURRENT);
	assert_int_equal(ti.pages, 3);
	assert_int_equal(ti.ocr, 3);

	/* Every word must be there (AND), in any case. */
	assert_int_equal(search(f, "SPRING stapler", &fd), 1);
	assert_int_equal(fd.hit[0].page, f->pages[0]);
	assert_int_equal(fd.hit[0].document, 1);
	assert_non_null(strstr(fd.hit[0].snippet, "stapler"));
	assert_int_equal(search(f, "spring", &fd), 2);
	assert_int_equal(search(f, "spring brevet", &fd), 0);
	/* Accents are not needed, and not in the way. */
	assert_int_equal(search(f, "depot geneve", &fd), 1);
	assert_int_equal(fd.hit[0].page, f->pages[1]);
	assert_int_equal(search(f, "Dépôt", &fd), 1);
	/* A prefix. */
	assert_int_equal(search(f, "stapl*", &fd), 2);
	assert_int_equal(search(f, "a . ;", &fd), -EINVAL);
	assert_int_equal(search(f, "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16", &fd),
			 0);
	assert_int_equal(
	    search(f, "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17", &fd),
	    -FOLIO_ETOOBIG);

	/* New text replaces the old words. */
	assert_int_equal(store_ocr_put(f->s, f->batch, f->pages[0], "Claim 2. A hinge.", NULL, 90),
			 0);
	assert_int_equal(search(f, "stapler", &fd), 0);
	assert_int_equal(search(f, "hinge", &fd), 1);

	/* A deleted page is found no more. */
	assert_int_equal(store_page_delete(f->s, "t", f->batch, f->pages[2]), 0);
	assert_int_equal(search(f, "spring", &fd), 0);
	assert_int_equal(search(f, "stapl*", &fd), 0);
	assert_int_equal(store_text_index_info(f->s, &ti), 0);
	assert_int_equal(ti.pages, 2);
	assert_int_equal(ti.ocr, 2);

	/* A rescanned page loses its text and its words until OCR reads it again. */
	{
		struct page_info p = { .batch = f->batch, .document = 1 };

		assert_int_equal(store_page_replace(f->s, "t", &p, f->pages[0], "new", 3), 0);
		assert_int_equal(search(f, "hinge", &fd), 0);
	}

	/* A purged batch leaves nothing to find. */
	assert_int_equal(store_batch_set_state(f->s, f->batch, BATCH_CLOSED, "t"), 0);
	assert_int_equal(store_batch_set_state(f->s, f->batch, BATCH_REJECTED, "t"), 0);
	assert_int_equal(store_batch_purge(f->s, f->batch, "t", 0, true), 0);
	assert_int_equal(search(f, "brevet", &fd), 0);
	assert_int_equal(store_text_index_info(f->s, &ti), 0);
	assert_int_equal(ti.pages, 0);
	assert_int_equal(ti.postings, 0);
}

static void test_reindex(void **state)
{
	struct fixture *f = *state;
	struct store_reindex_report rep;
	struct store_text_index_info ti;
	struct found fd;

	put_texts(f);
	assert_int_equal(store_text_reindex(f->s, NULL, &rep), 0);
	assert_int_equal(rep.pages, 3);
	assert_int_equal(rep.words, 4 + 8 + 6);
	assert_int_equal(store_text_index_info(f->s, &ti), 0);
	assert_int_equal(ti.state, STORE_TEXT_INDEX_CURRENT);
	assert_int_equal(ti.pages, 3);
	assert_int_equal(search(f, "spring", &fd), 2);
	/* Newest first: the higher page of the same batch comes first. */
	assert_int_equal(fd.hit[0].page, f->pages[2]);
	assert_int_equal(fd.hit[0].document, 2);
}

struct during {
	struct fixture *f;
	int seen; /* what a search answered while the index was rebuilt */
};

static void search_during(void *user, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct during *d = user;
	struct found fd;

	(void)done, (void)total, (void)bytes;
	if (!d->seen)
		d->seen = search(d->f, "spring", &fd);
}

/* A store from before the index (its meta record removed by hand) has none until reindex. */
static void test_missing_index(void **state)
{
	struct fixture *f = *state;
	struct store_text_index_info ti;
	struct during d = { .f = f };
	struct progress p = { .fn = search_during, .user = &d };
	struct found fd;
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi meta;
	MDB_val k = { .mv_size = 10, .mv_data = "text_index" };

	put_texts(f);
	store_close(f->s);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 256u << 20), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, "meta", 0, &meta), 0);
	assert_int_equal(mdb_del(t, meta, &k, NULL), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(f->dir, 256, &f->s), 0);

	assert_int_equal(store_text_index_info(f->s, &ti), 0);
	assert_int_equal(ti.state, STORE_TEXT_INDEX_MISSING);
	assert_int_equal(search(f, "spring", &fd), -ENODATA);
	/* New text does not make it look whole. */
	assert_int_equal(store_ocr_put(f->s, f->batch, f->pages[0], "A spring.", NULL, 90), 0);
	assert_int_equal(search(f, "spring", &fd), -ENODATA);
	/* While it is rebuilt, a search says so. */
	assert_int_equal(store_text_reindex(f->s, &p, NULL), 0);
	assert_int_equal(d.seen, -EINPROGRESS);
	assert_int_equal(search(f, "spring", &fd), 2);
}

static void test_sealed_index_keeps_no_words(void **state)
{
	struct fixture *f = *state;
	char key[96], path[128], cmd[256];
	struct store_settings set = { .key_file = key, .encrypt = STORE_ENCRYPT_YES };
	struct store_text_index_info ti;
	struct found fd;
	FILE *fp;
	char buf[4096];
	size_t n;
	bool leaked = false;

	put_texts(f); /* in clear, before sealing */
	snprintf(key, sizeof(key), "%s.key", f->dir);
	assert_int_equal(store_key_generate(key), 0);
	assert_int_equal(store_configure(f->s, &set), 0);
	/* Clear words of a store that now seals go at once; reindex keys them. */
	assert_int_equal(store_text_index_info(f->s, &ti), 0);
	assert_int_equal(ti.state, STORE_TEXT_INDEX_STALE);
	assert_int_equal(search(f, "spring", &fd), -ENODATA);
	assert_int_equal(store_text_reindex(f->s, NULL, NULL), 0);
	assert_int_equal(store_text_index_info(f->s, &ti), 0);
	assert_true(ti.keyed);
	assert_int_equal(search(f, "spring", &fd), 2);
	assert_int_equal(search(f, "stapl*", &fd), -EOPNOTSUPP);
	/* New sealed text is found by its words... */
	assert_int_equal(store_ocr_put(f->s, f->batch, f->pages[0], "Xylograph quokka.", NULL, 90),
			 0);
	assert_int_equal(search(f, "QUOKKA", &fd), 1);
	assert_non_null(strstr(fd.hit[0].snippet, "quokka"));
	/* ...and nothing of it is in clear in the store's file. */
	store_close(f->s);
	f->s = NULL;
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (memmem(buf, n, "quokka", 6) || memmem(buf, n, "Xylograph", 9))
			leaked = true;
	fclose(fp);
	assert_false(leaked);
	snprintf(cmd, sizeof(cmd), "rm -f '%s'", key);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(store_open(f->dir, 256, &f->s), 0);
	/* Without the key, a keyed index cannot be asked. */
	assert_int_equal(search(f, "quokka", &fd), -ENOKEY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terms_latin),
		cmocka_unit_test(test_terms_arabic),
		cmocka_unit_test(test_terms_not_utf8),
		cmocka_unit_test_setup_teardown(test_index_follows_texts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reindex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_index_keeps_no_words, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
