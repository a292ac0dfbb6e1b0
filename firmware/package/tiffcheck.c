/* The office's reading of a multi-page TIFF: directories and the hash of each one's strips. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fileio.h"
#include "firmware/package/tiffcheck.h"

#define TAG_WIDTH 256
#define TAG_HEIGHT 257
#define TAG_COMPRESSION 259
#define TAG_STRIP_OFFSETS 273
#define TAG_STRIP_BYTES 279
#define TAG_PAGE_NUMBER 297
#define TAG_TILE_WIDTH 322
#define TYPE_SHORT 3
#define TYPE_LONG 4
#define HASH_CHUNK (64u * 1024)

struct tiff_reader {
	int fd;
	uint64_t size;
	bool big_endian;
	char *why;
	size_t why_size;
	uint64_t hashed; /* strip bytes of all directories so far */
	uint8_t *chunk;	 /* HASH_CHUNK bytes */
};

/* Says why @t is not a TIFF we accept and returns -FOLIO_EFORMAT. */
#define fail(t, ...) folio_why(-FOLIO_EFORMAT, (t)->why, (t)->why_size, __VA_ARGS__)

/* Exactly @n bytes at @off, which the caller has checked lie within the file. */
static int read_at(struct tiff_reader *t, uint64_t off, void *buf, size_t n)
{
	int r = fd_pread_all(t->fd, buf, n, off);

	return r == -ENODATA ? fail(t, "the file ends before its size") : r;
}

static uint16_t get16(const struct tiff_reader *t, const uint8_t *p)
{
	return t->big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const struct tiff_reader *t, const uint8_t *p)
{
	return t->big_endian
		   ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* A SHORT or LONG array entry (@e: its 12 bytes) into @ret (count values, heap). */
static int read_array(struct tiff_reader *t, const uint8_t *e, uint32_t **ret, uint32_t *ret_n,
		      uint32_t dir)
{
	uint16_t type = get16(t, e + 2);
	uint32_t n = get32(t, e + 4), width = type == TYPE_SHORT ? 2 : 4;
	uint64_t bytes = (uint64_t)n * width;
	uint8_t *raw = NULL;
	const uint8_t *src = e + 8;
	uint32_t *v;
	int r = 0;

	if ((type != TYPE_SHORT && type != TYPE_LONG) || n == 0 || n > TIFFCHECK_MAX_STRIPS)
		return fail(t, "directory %u has strips that are not 1 to %u SHORT or LONG values",
			    dir + 1, TIFFCHECK_MAX_STRIPS);
	if (bytes > 4) {
		uint32_t off = get32(t, e + 8);

		if (off > t->size || bytes > t->size - off)
			return fail(t, "directory %u points past the end of the file", dir + 1);
		raw = malloc(bytes);
		if (!raw)
			return -ENOMEM;
		r = read_at(t, off, raw, bytes);
		src = raw;
	}
	v = r == 0 ? calloc(n, sizeof(*v)) : NULL;
	if (r == 0 && !v)
		r = -ENOMEM;
	for (uint32_t i = 0; r == 0 && i < n; i++)
		v[i] = width == 2 ? get16(t, src + 2 * i) : get32(t, src + 4 * i);
	free(raw);
	if (r < 0)
		return r;
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Hashes the strips of directory @dir into pg. */
static int hash_strips(struct tiff_reader *t, const uint32_t *offs, const uint32_t *lens,
		       uint32_t n, uint32_t dir, struct tiffcheck_page *pg)
{
	crypto_hash_sha256_state st;
	int r;

	crypto_hash_sha256_init(&st);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = offs[i], left = lens[i];

		if (at > t->size || left > t->size - at)
			return fail(t, "strip %u of directory %u lies past the end of the file",
				    i + 1, dir + 1);
		if (left > t->size - t->hashed)
			return fail(t,
				    "the strips of the directories add up to more than the file");
		t->hashed += left;
		pg->data_bytes += left;
		while (left) {
			size_t k = left < HASH_CHUNK ? (size_t)left : HASH_CHUNK;

			r = read_at(t, at, t->chunk, k);
			if (r < 0)
				return r;
			crypto_hash_sha256_update(&st, t->chunk, k);
			at += k;
			left -= k;
		}
	}
	crypto_hash_sha256_final(&st, pg->sha256);
	return 0;
}

/* Directory @dir at @off: its page into pg, the next directory's offset into *ret_next. */
static int read_directory(struct tiff_reader *t, uint64_t off, uint32_t dir,
			  struct tiffcheck_page *pg, uint32_t *ret_next)
{
	uint8_t head[2], *ents = NULL;
	uint32_t *offs = NULL, *lens = NULL, n_offs = 0, n_lens = 0;
	uint16_t count;
	uint64_t bytes;
	int r;

	if (off < 8 || off > t->size || t->size - off < 2)
		return fail(t, "directory %u lies outside the file", dir + 1);
	r = read_at(t, off, head, 2);
	if (r < 0)
		return r;
	count = get16(t, head);
	bytes = (uint64_t)count * 12 + 4;
	if (count == 0 || count > TIFFCHECK_MAX_ENTRIES || bytes > t->size - off - 2)
		return fail(t, "directory %u has no entries, too many, or runs past the file",
			    dir + 1);
	ents = malloc(bytes);
	if (!ents)
		return -ENOMEM;
	r = read_at(t, off + 2, ents, bytes);
	*pg = (struct tiffcheck_page){ .compression = 1 };
	for (uint16_t i = 0; r == 0 && i < count; i++) {
		const uint8_t *e = ents + 12 * i;
		uint16_t tag = get16(t, e), type = get16(t, e + 2);
		uint32_t value = type == TYPE_SHORT ? get16(t, e + 8) : get32(t, e + 8);

		if (tag == TAG_WIDTH)
			pg->width = value;
		else if (tag == TAG_HEIGHT)
			pg->height = value;
		else if (tag == TAG_COMPRESSION)
			pg->compression = (uint16_t)value;
		else if (tag == TAG_PAGE_NUMBER && type == TYPE_SHORT && get32(t, e + 4) == 2) {
			pg->has_page_number = true;
			pg->page_number = get16(t, e + 8);
		} else if (tag == TAG_TILE_WIDTH)
			r = fail(t, "directory %u is tiled", dir + 1);
		else if (tag == TAG_STRIP_OFFSETS && !offs)
			r = read_array(t, e, &offs, &n_offs, dir);
		else if (tag == TAG_STRIP_BYTES && !lens)
			r = read_array(t, e, &lens, &n_lens, dir);
	}
	if (r == 0 && (!offs || !lens || n_offs != n_lens || !pg->width || !pg->height))
		r = fail(t,
			 "directory %u lacks its size or has unmatched strip offsets and lengths",
			 dir + 1);
	else if (r == 0)
		r = hash_strips(t, offs, lens, n_offs, dir, pg);
	if (r == 0)
		*ret_next = get32(t, ents + bytes - 4);
	free(ents);
	free(offs);
	free(lens);
	return r;
}

int tiffcheck_pages(int fd, uint64_t size,
		    int (*page)(const struct tiffcheck_page *pg, uint32_t index, void *user),
		    void *user, uint32_t *ret_pages, char *why, size_t why_size)
{
	struct tiff_reader t = { .fd = fd, .size = size, .why = why, .why_size = why_size };
	uint8_t head[8];
	uint32_t next, n = 0;
	int r;

	if (why_size)
		why[0] = '\0';
	if (size < 8)
		return fail(&t, "too short for a TIFF");
	r = read_at(&t, 0, head, sizeof(head));
	if (r < 0)
		return r;
	if (memcmp(head, "II", 2) == 0)
		t.big_endian = false;
	else if (memcmp(head, "MM", 2) == 0)
		t.big_endian = true;
	else
		return fail(&t, "not a TIFF: no byte order mark");
	if (get16(&t, head + 2) != 42)
		return fail(&t, "not a classic TIFF (BigTIFF or another format)");
	t.chunk = malloc(HASH_CHUNK);
	if (!t.chunk)
		return -ENOMEM;
	next = get32(&t, head + 4);
	if (next == 0)
		r = fail(&t, "the TIFF has no directory");
	while (r == 0 && next != 0) {
		struct tiffcheck_page pg;
		uint32_t at = next;

		if (n == TIFFCHECK_MAX_PAGES) {
			r = fail(&t, "the TIFF has more than %u directories", TIFFCHECK_MAX_PAGES);
			break;
		}
		r = read_directory(&t, at, n, &pg, &next);
		if (r == 0 && page)
			r = page(&pg, n, user);
		if (r == 0)
			n++;
	}
	free(t.chunk);
	if (r == 0)
		*ret_pages = n;
	return r;
}
