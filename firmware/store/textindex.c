/*
 * The text index: an inverted index of the words of every page's recognised text, inside the
 * store's own LMDB environment (store.h: words, pagewords and meta "text_index"), changed in
 * the same write transaction as the text it describes.
 */
#include <endian.h>
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/store/store.h"
#include "firmware/store/store_int.h"
#include "firmware/store/terms.h"
#include "progress.h"

#define TEXT_INDEX_VERSION 1
#define KEYED_TERM 16		   /* bytes of a keyed word */
#define QUERY_TERMS_MAX 16	   /* words of one search */
#define POSTINGS_MAX (4u << 20)	   /* pages one search collects, over all its words */
#define REINDEX_PAGES_PER_TXN 256u /* pages a rebuild indexes per write transaction */

enum text_mode { MODE_CLEAR, MODE_KEYED };

struct text_index_record {
	uint32_t version;
	uint32_t mode;	/* enum text_mode */
	uint32_t state; /* enum store_text_index_state */
	uint32_t reserved;
	uint64_t pages; /* pages with an entry in pagewords */
};

static const MDB_val meta_key = { .mv_size = 10, .mv_data = (void *)"text_index" };

static int record_read(struct store *s, MDB_txn *t, struct text_index_record *ret)
{
	MDB_val k = meta_key;
	int r = store_get_record(t, s->meta, &k, ret, sizeof(*ret));

	if (r == 0 && ret->version != TEXT_INDEX_VERSION)
		return -FOLIO_ENOTFOUND; /* another layout: rebuilt by reindex */
	return r;
}

static int record_write(struct store *s, MDB_txn *t, const struct text_index_record *rec)
{
	MDB_val k = meta_key;

	return store_put_record(t, s->meta, &k, rec, sizeof(*rec));
}

/*
 * The mode a new index is written in: keyed when the store seals, or once sealed anything
 * and the key is loaded, so that words of sealed text are never kept in clear.
 */
static enum text_mode wanted_mode(struct store *s, MDB_txn *t)
{
	MDB_val k = { .mv_size = 9, .mv_data = (void *)"key_check" }, v;

	if (!s->key)
		return MODE_CLEAR;
	return s->encrypt || mdb_get(t, s->meta, &k, &v) == 0 ? MODE_KEYED : MODE_CLEAR;
}

/* Whether words can be added in @mode now: keyed ones need the key, clear ones no sealing. */
static bool mode_usable(const struct store *s, enum text_mode mode)
{
	return mode == MODE_KEYED ? s->key != NULL : !(s->encrypt && s->key);
}

/* The index key of @term: the word itself, or its BLAKE2b keyed with a key of its own. */
static size_t term_key(const struct store *s, enum text_mode mode, const char *term, size_t len,
		       uint8_t out[TERM_MAX])
{
	uint8_t k[crypto_generichash_KEYBYTES];
	static const char context[] = "folio text index 1";

	if (mode == MODE_CLEAR) {
		memcpy(out, term, len);
		return len;
	}
	crypto_generichash(k, sizeof(k), (const uint8_t *)context, sizeof(context) - 1, s->key,
			   STORE_KEY_BYTES);
	crypto_generichash(out, KEYED_TERM, (const uint8_t *)term, len, k, sizeof(k));
	sodium_memzero(k, sizeof(k));
	return KEYED_TERM;
}

/* The next word key of a pagewords value at *@pos; 0 at its end. */
static size_t next_stored(enum text_mode mode, const MDB_val *v, size_t *pos, const uint8_t **ret)
{
	const uint8_t *p = (const uint8_t *)v->mv_data + *pos;
	size_t left = v->mv_size - *pos, n;

	if (!left)
		return 0;
	if (mode == MODE_KEYED) {
		if (left < KEYED_TERM)
			return 0;
		n = KEYED_TERM;
		*pos += n;
	} else {
		const uint8_t *end = memchr(p, '\0', left);

		if (!end)
			return 0;
		n = (size_t)(end - p);
		*pos += n + 1;
	}
	*ret = p;
	return n;
}

/* Removes what the index holds of (@batch, @page); *@ret_had says whether it held any. */
static int drop_page_txn(struct store *s, MDB_txn *t, enum text_mode mode, uint32_t batch,
			 uint32_t page, bool *ret_had)
{
	_cleanup_free_ uint8_t *copy = NULL;
	uint32_t kb[2], posting[2] = { htobe32(batch), htobe32(page) };
	MDB_val k = store_key_pair(kb, batch, page), v;
	const uint8_t *term;
	size_t pos = 0, n;
	int r;

	*ret_had = false;
	r = store_mdb_errno(mdb_get(t, s->pagewords, &k, &v));
	if (r == -FOLIO_ENOTFOUND)
		return 0;
	if (r < 0)
		return r;
	/* A value is valid until the next change: the word list is copied first. */
	copy = malloc(v.mv_size + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	v.mv_data = copy;
	while ((n = next_stored(mode, &v, &pos, &term)) > 0) {
		MDB_val wk = { .mv_size = MIN(n, (size_t)TERM_MAX), .mv_data = (void *)term };
		MDB_val wv = { .mv_size = sizeof(posting), .mv_data = posting };

		r = store_mdb_errno(mdb_del(t, s->words, &wk, &wv));
		if (r < 0 && r != -FOLIO_ENOTFOUND)
			return r;
	}
	*ret_had = true;
	return store_mdb_errno(mdb_del(t, s->pagewords, &k, NULL));
}

static int cmp_terms(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Indexes @text (@len bytes) as the words of (@batch, @page); counts words in *@ret_words. */
static int add_page_txn(struct store *s, MDB_txn *t, enum text_mode mode, uint32_t batch,
			uint32_t page, const char *text, size_t len, uint64_t *ret_words)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **terms = NULL;
	_cleanup_free_ uint8_t *value = NULL;
	uint32_t kb[2], posting[2] = { htobe32(batch), htobe32(page) };
	size_t n = 0, cap, pos = 0, used = 0, vlen = 0;
	char word[TERM_MAX + 1];
	MDB_val k, v;
	int r;

	/* A word takes at least 3 bytes of text (2 letters and what parts it). */
	cap = len / 3 + 1;
	buf = malloc(len + cap + 1);
	terms = calloc(cap, sizeof(*terms));
	if (!buf || !terms)
		return -ENOMEM;
	for (size_t wl; n < cap && (wl = term_next(text, len, &pos, word, NULL)) > 0; n++) {
		terms[n] = buf + used;
		memcpy(buf + used, word, wl + 1);
		used += wl + 1;
	}
	if (ret_words)
		*ret_words += n;
	qsort(terms, n, sizeof(*terms), cmp_terms);
	value = malloc(n * MAX((size_t)KEYED_TERM, (size_t)TERM_MAX + 1) + 1);
	if (!value)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t key[TERM_MAX];
		size_t klen;

		if (i && strcmp(terms[i], terms[i - 1]) == 0)
			continue;
		klen = term_key(s, mode, terms[i], strlen(terms[i]), key);
		k = (MDB_val){ .mv_size = klen, .mv_data = key };
		v = (MDB_val){ .mv_size = sizeof(posting), .mv_data = posting };
		r = mdb_put(t, s->words, &k, &v, MDB_NODUPDATA);
		if (r && r != MDB_KEYEXIST)
			return store_mdb_errno(r);
		memcpy(value + vlen, key, klen);
		vlen += klen;
		if (mode == MODE_CLEAR)
			value[vlen++] = '\0';
	}
	k = store_key_pair(kb, batch, page);
	v = (MDB_val){ .mv_size = vlen, .mv_data = value };
	return store_mdb_errno(mdb_put(t, s->pagewords, &k, &v, 0));
}

int store_text_index_init_txn(struct store *s, MDB_txn *t)
{
	struct text_index_record rec = { .version = TEXT_INDEX_VERSION, .mode = MODE_CLEAR };

	return record_write(s, t, &rec);
}

int store_text_index_page_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page,
			      const char *text, size_t len)
{
	struct text_index_record rec;
	bool had;
	int r;

	r = record_read(s, t, &rec);
	if (r == -FOLIO_ENOTFOUND)
		return 0; /* never built: search says to run reindex */
	if (r < 0)
		return r;
	if (rec.state == STORE_TEXT_INDEX_STALE)
		return 0;
	if (!mode_usable(s, rec.mode)) {
		if (rec.pages) {
			/* Keyed words without the key, or clear ones in a sealing store. */
			rec.state = STORE_TEXT_INDEX_STALE;
			return record_write(s, t, &rec);
		}
		rec.mode = wanted_mode(s, t);
	}
	r = drop_page_txn(s, t, rec.mode, batch, page, &had);
	if (r < 0)
		return r;
	r = add_page_txn(s, t, rec.mode, batch, page, text, len, NULL);
	if (r < 0)
		return r;
	if (!had)
		rec.pages++;
	return record_write(s, t, &rec);
}

int store_text_index_drop_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page)
{
	struct text_index_record rec;
	bool had;
	int r;

	r = record_read(s, t, &rec);
	if (r == -FOLIO_ENOTFOUND)
		return 0;
	if (r < 0)
		return r;
	r = drop_page_txn(s, t, rec.mode, batch, page, &had);
	if (r < 0 || !had)
		return r;
	if (rec.pages)
		rec.pages--;
	return record_write(s, t, &rec);
}

int store_text_index_drop_batch_txn(struct store *s, MDB_txn *t, uint32_t batch)
{
	for (;;) {
		_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
		uint32_t kb[2], found[2];
		MDB_val k = store_key_pair(kb, batch, 0), v;
		int rc, r;

		rc = mdb_cursor_open(t, s->pagewords, &c);
		if (rc)
			return store_mdb_errno(rc);
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc)
			return store_mdb_errno(rc);
		if (k.mv_size != 8 || memcmp(k.mv_data, kb, 4) != 0)
			return 0;
		memcpy(found, k.mv_data, 8);
		mdb_cursor_close(c);
		c = NULL;
		r = store_text_index_drop_txn(s, t, batch, be32toh(found[1]));
		if (r < 0)
			return r;
	}
}

/* Drops every word and marks the index @state in @mode (a rebuild's start). */
static int clear_txn(struct store *s, MDB_txn *t, enum text_mode mode, uint32_t state)
{
	struct text_index_record rec = { .version = TEXT_INDEX_VERSION,
					 .mode = mode,
					 .state = state };
	int r;

	r = store_mdb_errno(mdb_drop(t, s->words, 0));
	if (r == 0)
		r = store_mdb_errno(mdb_drop(t, s->pagewords, 0));
	if (r == 0)
		r = record_write(s, t, &rec);
	return r;
}

int store_text_index_unseal_check(struct store *s)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct text_index_record rec;
	int r;

	if (!s->key || !s->encrypt)
		return 0;
	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = record_read(s, t, &rec);
	if (r == -FOLIO_ENOTFOUND)
		return 0;
	if (r < 0 || rec.mode == MODE_KEYED || rec.pages == 0)
		return r;
	/* Words of a store kept in clear, now sealed: they go, and reindex keys them. */
	r = clear_txn(s, t, MODE_KEYED, STORE_TEXT_INDEX_STALE);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

/* The text of (@batch, @page) inside @t, unsealed, in a new buffer (caller frees). */
static int text_read_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page, char **ret,
			 size_t *ret_len)
{
	struct ocr_result res = { 0 };
	int r;

	r = store_ocr_get_txn(s, t, batch, page, &res);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(res.text);
	*ret_len = strlen(*ret);
	store_ocr_release(&res);
	return 0;
}

int store_text_index_info(struct store *s, struct store_text_index_info *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct store_text_index_info info = { .state = STORE_TEXT_INDEX_MISSING };
	struct text_index_record rec;
	MDB_stat st;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = record_read(s, t, &rec);
	if (r < 0 && r != -FOLIO_ENOTFOUND)
		return r;
	if (r == 0) {
		info.state = rec.state;
		info.keyed = rec.mode == MODE_KEYED;
		info.pages = rec.pages;
	}
	if (mdb_stat(t, s->ocr, &st) == 0)
		info.ocr = st.ms_entries;
	if (mdb_stat(t, s->words, &st) == 0) {
		info.postings = st.ms_entries;
		info.bytes += (uint64_t)st.ms_psize *
			      (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
	}
	if (mdb_stat(t, s->pagewords, &st) == 0)
		info.bytes += (uint64_t)st.ms_psize *
			      (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
	*ret = info;
	return 0;
}

/* --- Search */

struct query_term {
	char word[TERM_MAX + 1];
	size_t len;
	bool prefix;
};

struct postings {
	uint64_t *v; /* batch << 32 | page, ascending */
	size_t n, cap;
};

static int postings_add(struct postings *p, const MDB_val *v)
{
	uint32_t pair[2];

	if (v->mv_size != sizeof(pair))
		return -FOLIO_ECORRUPT;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		uint64_t *nv;

		if (cap > POSTINGS_MAX)
			return -FOLIO_ETOOBIG;
		nv = realloc(p->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		p->v = nv;
		p->cap = cap;
	}
	memcpy(pair, v->mv_data, sizeof(pair));
	p->v[p->n++] = (uint64_t)be32toh(pair[0]) << 32 | be32toh(pair[1]);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The pages of @q's word (every word it begins, for a prefix) into @ret, ascending. */
static int postings_of(struct store *s, MDB_txn *t, enum text_mode mode, const struct query_term *q,
		       struct postings *ret)
{
	_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
	uint8_t key[TERM_MAX];
	size_t klen = term_key(s, mode, q->word, q->len, key);
	MDB_val k = { .mv_size = klen, .mv_data = key }, v;
	int rc, r;

	rc = mdb_cursor_open(t, s->words, &c);
	if (rc)
		return store_mdb_errno(rc);
	rc = mdb_cursor_get(c, &k, &v, q->prefix ? MDB_SET_RANGE : MDB_SET_KEY);
	while (rc == 0) {
		if (q->prefix && (k.mv_size < klen || memcmp(k.mv_data, key, klen) != 0))
			break;
		r = postings_add(ret, &v);
		if (r < 0)
			return r;
		rc = mdb_cursor_get(c, &k, &v, q->prefix ? MDB_NEXT : MDB_NEXT_DUP);
	}
	if (rc && rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	if (q->prefix && ret->n > 1) {
		size_t w = 1;

		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_u64);
		for (size_t i = 1; i < ret->n; i++)
			if (ret->v[i] != ret->v[w - 1])
				ret->v[w++] = ret->v[i];
		ret->n = w;
	}
	return 0;
}

/* Keeps in @a what @b holds too (both ascending). */
static void intersect(struct postings *a, const struct postings *b)
{
	size_t w = 0, j = 0;

	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && b->v[j] < a->v[i])
			j++;
		if (j < b->n && b->v[j] == a->v[i])
			a->v[w++] = a->v[i];
	}
	a->n = w;
}

/* Splits @words into normalised words; a word written with a final '*' is a prefix. */
static int parse_query(const char *words, struct query_term *q, size_t *ret_n, bool *ret_prefix)
{
	size_t n = 0, len = strlen(words);

	*ret_prefix = false;
	for (size_t i = 0; i < len;) {
		size_t end = i, pos = 0, wl;
		char word[TERM_MAX + 1];
		bool star;

		while (end < len && words[end] != ' ' && words[end] != '\t')
			end++;
		star = end > i && words[end - 1] == '*';
		while ((wl = term_next(words + i, end - i, &pos, word, NULL)) > 0) {
			bool last = true;
			size_t p2 = pos;
			char next[TERM_MAX + 1];

			if (n == QUERY_TERMS_MAX)
				return -FOLIO_ETOOBIG;
			last = term_next(words + i, end - i, &p2, next, NULL) == 0;
			memcpy(q[n].word, word, wl + 1);
			q[n].len = wl;
			q[n].prefix = star && last;
			*ret_prefix |= q[n].prefix;
			n++;
		}
		i = end + 1;
	}
	*ret_n = n;
	return n ? 0 : -EINVAL;
}

/* Does @word (normalised) answer one of the @n words of @q? */
static bool term_matches(const char *word, size_t len, const struct query_term *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (q[i].prefix ? len >= q[i].len && memcmp(word, q[i].word, q[i].len) == 0
				: len == q[i].len && memcmp(word, q[i].word, len) == 0)
			return true;
	return false;
}

/* Moves @i back to the start of a UTF-8 character of @s. */
static size_t char_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/* The text around the first word of @q found in @text, on one line, into @out. */
static void snippet(const char *text, size_t len, const struct query_term *q, size_t n, char *out,
		    size_t size)
{
	size_t pos = 0, start = 0, at = 0, end, o = 0;
	char word[TERM_MAX + 1];
	size_t wl;

	while ((wl = term_next(text, len, &pos, word, &start)) > 0)
		if (term_matches(word, wl, q, n)) {
			at = start;
			break;
		}
	start = at > 48 ? char_start(text, at - 48) : 0;
	while (start > 0 && start < at && text[start - 1] != ' ' && text[start - 1] != '\n')
		start++;
	start = char_start(text, start);
	end = MIN(len, start + size - 8);
	if (end < len)
		end = char_start(text, end);
	if (start > 0)
		o += (size_t)snprintf(out, size, "...");
	for (size_t i = start; i < end && o + 4 < size; i++) {
		unsigned char ch = (unsigned char)text[i];
		char c = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;

		if (c == ' ' && o && out[o - 1] == ' ')
			continue;
		out[o++] = c;
	}
	if (end < len && o + 4 <= size)
		o += (size_t)snprintf(out + o, size - o, "...");
	out[MIN(o, size - 1)] = '\0';
}

int store_text_search(struct store *s, const char *words, size_t max,
		      int (*fn)(const struct store_text_hit *h, void *user), void *user)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct query_term q[QUERY_TERMS_MAX];
	struct postings all[QUERY_TERMS_MAX] = { 0 };
	struct text_index_record rec;
	size_t n, best = 0, found = 0;
	bool prefix;
	int r;

	r = parse_query(words, q, &n, &prefix);
	if (r < 0)
		return r;
	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = record_read(s, t, &rec);
	if (r == -FOLIO_ENOTFOUND || (r == 0 && rec.state == STORE_TEXT_INDEX_STALE))
		return -ENODATA;
	if (r < 0)
		return r;
	if (rec.state == STORE_TEXT_INDEX_REBUILDING)
		return -EINPROGRESS;
	if (rec.mode == MODE_KEYED && !s->key)
		return -ENOKEY;
	if (rec.mode == MODE_KEYED && prefix)
		return -EOPNOTSUPP;
	for (size_t i = 0; i < n && r == 0; i++) {
		r = postings_of(s, t, rec.mode, &q[i], &all[i]);
		if (r == 0 && all[i].n < all[best].n)
			best = i;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		if (i != best)
			intersect(&all[best], &all[i]);
	/* Newest first: the clerk looks for what came in lately. */
	for (size_t i = all[best].n; r == 0 && i > 0 && found < max; i--) {
		struct store_text_hit h = { .batch = (uint32_t)(all[best].v[i - 1] >> 32),
					    .page = (uint32_t)all[best].v[i - 1] };
		_cleanup_free_ char *text = NULL;
		struct page_info p;
		uint32_t kb[2];
		MDB_val k = store_key_pair(kb, h.batch, h.page);
		size_t len;

		if (store_get_record(t, s->pages, &k, &p, sizeof(p)) == 0)
			h.document = p.document;
		r = text_read_txn(s, t, h.batch, h.page, &text, &len);
		if (r == -FOLIO_ENOTFOUND) {
			r = 0; /* an index out of step with the texts: skipped */
			continue;
		}
		if (r < 0)
			break;
		snippet(text, len, q, n, h.snippet, sizeof(h.snippet));
		sodium_memzero(text, len);
		found++;
		r = fn(&h, user);
		if (r > 0)
			r = 0, max = found;
	}
	for (size_t i = 0; i < n; i++)
		free(all[i].v);
	return r < 0 ? r : (int)found;
}

/* --- Rebuild */

int store_text_reindex(struct store *s, const struct progress *p, struct store_reindex_report *ret)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	struct store_reindex_report rep = { 0 };
	struct text_index_record rec;
	enum text_mode mode;
	uint32_t next[2] = { 0, 0 };
	MDB_stat st;
	uint64_t total = 0;
	int r;

	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	mode = wanted_mode(s, t);
	r = clear_txn(s, t, mode, STORE_TEXT_INDEX_REBUILDING);
	if (r == 0 && mdb_stat(t, s->ocr, &st) == 0)
		total = st.ms_entries;
	if (r == 0)
		r = store_txn_commit(&t);
	if (r < 0)
		return r;
	progress_tell(p, 0, total, 0);
	for (bool more = true; more;) {
		_cleanup_(mdb_cursor_closep) MDB_cursor *c = NULL;
		uint32_t kb[2];
		MDB_val k, v;
		unsigned done = 0;
		int rc;

		r = store_txn_begin(s, true, &t);
		if (r < 0)
			return r;
		r = record_read(s, t, &rec);
		if (r < 0)
			return r;
		rc = mdb_cursor_open(t, s->ocr, &c);
		if (rc)
			return store_mdb_errno(rc);
		k = store_key_pair(kb, next[0], next[1]);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		     rc == 0 && done < REINDEX_PAGES_PER_TXN;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), done++) {
			_cleanup_free_ char *text = NULL;
			uint32_t at[2];
			size_t len;
			bool had;

			if (k.mv_size != 8)
				return -FOLIO_ECORRUPT;
			memcpy(at, k.mv_data, 8);
			next[0] = be32toh(at[0]);
			next[1] = be32toh(at[1]);
			r = text_read_txn(s, t, next[0], next[1], &text, &len);
			if (r == 0)
				r = drop_page_txn(s, t, mode, next[0], next[1], &had);
			if (r == 0)
				r = add_page_txn(s, t, mode, next[0], next[1], text, len,
						 &rep.words);
			if (r < 0)
				return r;
			if (text)
				sodium_memzero(text, len);
			rec.pages += !had;
			rep.pages++;
			rep.bytes += len;
			/* Puts may have moved the cursor's page: find the key again. */
			k = store_key_pair(kb, next[0], next[1]);
			rc = mdb_cursor_get(c, &k, &v, MDB_SET);
			if (rc)
				return store_mdb_errno(rc);
		}
		if (rc && rc != MDB_NOTFOUND)
			return store_mdb_errno(rc);
		more = rc == 0;
		if (more) {
			memcpy(kb, k.mv_data, 8);
			next[0] = be32toh(kb[0]);
			next[1] = be32toh(kb[1]);
		}
		if (!more)
			rec.state = STORE_TEXT_INDEX_CURRENT;
		/* A write transaction's commit frees its cursors: this one goes first. */
		mdb_cursor_close(c);
		c = NULL;
		r = record_write(s, t, &rec);
		if (r == 0)
			r = store_txn_commit(&t);
		if (r < 0)
			return r;
		progress_tell(p, rep.pages, MAX(total, rep.pages), rep.bytes);
	}
	if (ret)
		*ret = rep;
	return 0;
}
