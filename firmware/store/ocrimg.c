/*
 * The page's other image for OCR: the cleaned grey page kept beside a bitonal page, the G4
 * kept beside a grey or colour one, until its text is read (and, for a page flagged
 * check-image, until approval), sealed like the page's own image.
 */
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "sha256.h"
#include "firmware/store/store.h"
#include "firmware/store/store_int.h"

/* A value of the ocrimg database: this, then size bytes (size + overhead when sealed). */
struct ocrimg_record {
	uint32_t version;
	uint32_t seal; /* enum store_seal */
	uint32_t size; /* bytes of the image */
	uint32_t reserved;
	uint8_t sha256[32]; /* of the image */
};

int store_ocrimg_put_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page,
			 const void *image, size_t len)
{
	struct ocrimg_record rec = { .version = 1 };
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, page), v;
	size_t stored;
	int r;

	if (len == 0 || len > STORE_MAX_OCR_IMAGE)
		return -FOLIO_ETOOBIG;
	rec.seal = s->encrypt && s->key ? STORE_SEAL_XCHACHA20POLY1305 : STORE_SEAL_NONE;
	rec.size = (uint32_t)len;
	sha256_digest(rec.sha256, image, len);
	stored = len + (rec.seal ? STORE_SEAL_OVERHEAD : 0);
	if (rec.seal) {
		r = store_key_check_txn(s, t);
		if (r < 0)
			return r;
	}
	v = (MDB_val){ .mv_size = sizeof(rec) + stored, .mv_data = NULL };
	r = store_mdb_errno(mdb_put(t, s->ocrimg, &k, &v, MDB_RESERVE));
	if (r < 0)
		return r;
	memcpy(v.mv_data, &rec, sizeof(rec));
	if (rec.seal)
		store_seal(s, SEAL_KIND_OCR_IMAGE, batch, page, image, len,
			   (uint8_t *)v.mv_data + sizeof(rec));
	else
		memcpy((uint8_t *)v.mv_data + sizeof(rec), image, len);
	return 0;
}

int store_ocrimg_del_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page)
{
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, page);
	int r = store_mdb_errno(mdb_del(t, s->ocrimg, &k, NULL));

	return r == -FOLIO_ENOTFOUND ? 0 : r;
}

/* Reads, unseals and checks the kept image of (@batch, @page) inside @t. */
static int ocrimg_read_txn(struct store *s, MDB_txn *t, uint32_t batch, uint32_t page,
			   uint8_t **ret_data, size_t *ret_len, uint8_t ret_sha256[32])
{
	struct ocrimg_record rec;
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, page), v;
	int r;

	r = store_get_head(t, s->ocrimg, &k, &rec, sizeof(rec), &v);
	if (r < 0)
		return r;
	if (rec.version != 1 || rec.size == 0 || rec.size > STORE_MAX_OCR_IMAGE)
		return -FOLIO_ECORRUPT;
	r = store_body_read(s, SEAL_KIND_OCR_IMAGE, batch, page, rec.seal,
			    (const uint8_t *)v.mv_data + sizeof(rec), v.mv_size - sizeof(rec),
			    rec.size, rec.sha256, ret_data);
	if (r < 0)
		return r;
	if (ret_sha256)
		memcpy(ret_sha256, rec.sha256, sizeof(rec.sha256));
	*ret_len = rec.size;
	return 0;
}

int store_page_ocr_image(struct store *s, uint32_t batch, uint32_t page, void **ret_data,
			 size_t *ret_len)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint8_t *data;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = ocrimg_read_txn(s, t, batch, page, &data, ret_len, NULL);
	if (r < 0)
		return r;
	*ret_data = data;
	return 0;
}

int store_page_has_ocr_image(struct store *s, uint32_t batch, uint32_t page)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, batch, page), v;
	int r;

	r = store_txn_begin(s, false, &t);
	if (r < 0)
		return r;
	r = store_mdb_errno(mdb_get(t, s->ocrimg, &k, &v));
	if (r == -FOLIO_ENOTFOUND)
		return 0;
	return r < 0 ? r : 1;
}

int store_page_ocr_image_drop(struct store *s, uint32_t batch, uint32_t page)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	int r;

	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = store_ocrimg_del_txn(s, t, batch, page);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}

/* Puts @image in place of the page's own image, sealed as a new page's would be. */
static int image_swap_txn(struct store *s, MDB_txn *t, struct page_info *p, const void *image,
			  size_t len, const uint8_t sha256[32])
{
	uint32_t kb[2];
	MDB_val k = store_key_pair(kb, p->batch, p->number), v;
	int r;

	p->seal = s->encrypt && s->key ? STORE_SEAL_XCHACHA20POLY1305 : STORE_SEAL_NONE;
	p->size = (uint32_t)len;
	p->stored_size = (uint32_t)len + (p->seal ? STORE_SEAL_OVERHEAD : 0);
	memcpy(p->sha256, sha256, sizeof(p->sha256));
	if (p->seal) {
		r = store_key_check_txn(s, t);
		if (r < 0)
			return r;
	}
	v = (MDB_val){ .mv_size = p->stored_size, .mv_data = NULL };
	r = store_mdb_errno(mdb_put(t, s->images, &k, &v, MDB_RESERVE));
	if (r < 0)
		return r;
	if (p->seal)
		store_seal(s, SEAL_KIND_IMAGE, p->batch, p->number, image, len, v.mv_data);
	else
		memcpy(v.mv_data, image, len);
	return store_put_record(t, s->pages, &k, p, sizeof(*p));
}

int store_page_use_grey(struct store *s, const char *who, uint32_t batch, uint32_t number)
{
	_cleanup_txn_ MDB_txn *t = NULL;
	_cleanup_free_ uint8_t *grey = NULL;
	struct batch_info b;
	struct page_info p;
	uint32_t kb[2], old_size;
	MDB_val k;
	uint8_t sum[32];
	char hex[65], oldhex[65];
	size_t len;
	int r;

	r = store_edit_begin(s, batch, number, &t, &b, &p);
	if (r < 0)
		return r;
	if (p.bit_depth != 1)
		return -EALREADY; /* delivered in grey or colour already */
	r = ocrimg_read_txn(s, t, batch, number, &grey, &len, sum);
	if (r < 0)
		return r == -FOLIO_ENOTFOUND ? -ENODATA : r;
	sodium_bin2hex(oldhex, sizeof(oldhex), p.sha256, sizeof(p.sha256));
	old_size = p.size;
	snprintf(p.format, sizeof(p.format), "JPEG");
	p.bit_depth = 8;
	p.channels = 1;
	p.flags &= ~(uint32_t)PAGE_FLAG_CHECK_IMAGE;
	if (p.flags & PAGE_FLAG_AUTO_BITONAL) /* a page of an auto profile: now delivered grey */
		p.flags = (p.flags & ~(uint32_t)PAGE_FLAG_AUTO_BITONAL) | PAGE_FLAG_AUTO_GREY;
	r = image_swap_txn(s, t, &p, grey, len, sum);
	if (r < 0)
		return r;
	r = store_ocrimg_del_txn(s, t, batch, number);
	if (r < 0)
		return r;
	b.image_bytes = b.image_bytes - MIN(b.image_bytes, (uint64_t)old_size) + len;
	b.updated = time(NULL);
	k = store_key_u32(kb, batch);
	r = store_put_record(t, s->batches, &k, &b, sizeof(b));
	if (r < 0)
		return r;
	/* The text stays: it was read from these very bytes, in the same geometry. */
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	r = store_event_append(s, t, who, "page-grey", batch, p.document, number,
			       "bitonal TIFF %u bytes sha256 %s -> grey JPEG %zu bytes sha256 %s",
			       old_size, oldhex, len, hex);
	if (r < 0)
		return r;
	return store_txn_commit(&t);
}
