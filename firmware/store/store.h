#ifndef FOLIO_STORE_H
#define FOLIO_STORE_H

/*
 * The station's store: one LMDB environment in one folder.
 *
 * Layout (named databases; integers in keys are big-endian so keys sort numerically):
 *
 *	meta       "schema" -> u32 layout version; "next_batch" -> u32
 *	batches    u32 batch                -> struct batch_info
 *	documents  u32 batch, u32 document  -> struct document_info
 *	pages      u32 batch, u32 page      -> struct page_info (pages of a batch in order)
 *	images     u32 batch, u32 page      -> the encoded page image (TIFF or JPEG bytes)
 *	events     u64 sequence             -> struct event_record + detail text, hash-chained
 *
 * Records are the structs below, stored as they are with a leading layout version; the store
 * lives on the station that wrote it, so native byte order is fine for values.
 *
 * Every state change is one write transaction with durable commits (fsync), so a power cut
 * leaves the old or the new state, never a half. A page counts as captured when
 * store_page_add() returned. Readers never block the writer (LMDB MVCC).
 *
 * Every change also appends an event: who, what, when, which batch/document/page, with the
 * SHA-256 of the previous event chained in, so later tampering with the log shows.
 *
 * Threads: one struct store may be used from several threads; LMDB serialises writers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 1
#define STORE_NAME_LEN 32
#define STORE_DEVICE_LEN 128
#define STORE_APPNO_LEN 64
#define STORE_MAX_IMAGE (256u << 20)

struct store;

enum batch_state {
	BATCH_OPEN,	 /* capture may add pages */
	BATCH_CLOSED,	 /* capture finished; indexing and checks */
	BATCH_APPROVED,	 /* a supervisor approved it for upload */
	BATCH_PACKAGED,	 /* its package is built */
	BATCH_DELIVERED, /* the package arrived at the office */
	BATCH_CONFIRMED, /* the office confirmed it */
	BATCH_PURGED,	 /* images removed after retention */
	BATCH_REJECTED,	 /* rejected at approval: rescan or delete */
	BATCH_STATE_COUNT
};

struct batch_info {
	uint32_t version;
	uint32_t id;
	uint32_t state; /* enum batch_state */
	uint32_t n_pages;
	uint32_t n_documents;
	int64_t created; /* unix seconds */
	int64_t updated;
	char station[STORE_NAME_LEN];
	char device[STORE_DEVICE_LEN];
	char profile[STORE_NAME_LEN];
};

struct document_info {
	uint32_t version;
	uint32_t batch;
	uint32_t number; /* 1-based within the batch */
	int32_t ip_type; /* enum ip_type */
	char office[4];
	char application[STORE_APPNO_LEN];
	char st13[16];
	char document_code[STORE_NAME_LEN];
	char language[8];
	char received[12]; /* YYYY-MM-DD or empty */
};

/* Page flags: what the image stage and indexing found, for the clerk. */
enum page_flag {
	PAGE_FLAG_BLANK = 1u << 0,
	PAGE_FLAG_SKEW = 1u << 1,
	PAGE_FLAG_DARK = 1u << 2,
	PAGE_FLAG_LIGHT = 1u << 3,
	PAGE_FLAG_LENGTH = 1u << 4,
	PAGE_FLAG_SMALL = 1u << 5,
	PAGE_FLAG_SEPARATOR = 1u << 6,
	PAGE_FLAG_BARCODE_UNREADABLE = 1u << 7,
	PAGE_FLAG_LOW_CONFIDENCE = 1u << 8,
};

struct page_info {
	uint32_t version;
	uint32_t batch;
	uint32_t number;   /* 1-based within the batch, in feed order */
	uint32_t document; /* 1-based document number */
	uint32_t width, height, dpi, bit_depth, channels;
	uint32_t flags; /* enum page_flag */
	uint32_t size;	/* bytes of the encoded image */
	int64_t captured;
	char format[8];	    /* "TIFF", "JPEG" */
	uint8_t sha256[32]; /* of the encoded image */
};

struct event_info {
	uint64_t seq;
	int64_t time;
	uint32_t batch, document, page;
	char who[STORE_NAME_LEN];
	char what[STORE_NAME_LEN];
	char detail[256];
	uint8_t hash[32];
};

/*
 * store_open - open (creating if needed) the store in folder @dir
 * @map_size_mb: upper bound of the store's size
 * @ret: the store, closed with store_close()
 *
 * A new folder is created with mode 0700. Returns 0, -FOLIO_ECORRUPT for a store whose layout
 * version this build does not know, or -errno.
 */
int store_open(const char *dir, size_t map_size_mb, struct store **ret);

/* store_close - close the store; takes NULL, returns NULL */
struct store *store_close(struct store *s);

/* store_path - the folder the store lives in; valid until store_close() */
const char *store_path(const struct store *s);

/*
 * store_lock_daemon - take the daemon lock of the store
 *
 * Only one foliod may serve a store. Returns 0, or -FOLIO_ELOCKED when another process holds
 * it. The lock is released by store_close() or process exit.
 */
int store_lock_daemon(struct store *s);

/* store_batch_create - open a new batch; its id goes to @ret_id (ids start at 1) */
int store_batch_create(struct store *s, const char *who, const struct batch_info *tmpl,
		       uint32_t *ret_id);

/* store_batch_get - read batch @id; -FOLIO_ENOTFOUND if there is none */
int store_batch_get(struct store *s, uint32_t id, struct batch_info *ret);

/*
 * store_batch_list - call @fn for every batch in id order
 *
 * Stops early and returns what @fn returned when that is non-zero. @fn must not call back
 * into the store's write functions.
 */
int store_batch_list(struct store *s, int (*fn)(const struct batch_info *b, void *user),
		     void *user);

/*
 * store_batch_set_state - move batch @id to state @to
 *
 * Legal moves: open->closed, closed->approved|rejected, rejected->open (rescan) or ->closed,
 * approved->packaged|rejected, packaged->delivered, delivered->confirmed,
 * confirmed->purged. Anything else is -FOLIO_ESTATE.
 */
int store_batch_set_state(struct store *s, uint32_t id, enum batch_state to, const char *who);

/* batch_state_name - "open", "closed", ... */
const char *batch_state_name(uint32_t state);

/* store_batch_transition_allowed - whether @from -> @to is a legal move */
bool store_batch_transition_allowed(uint32_t from, uint32_t to);

/* store_document_put - create or replace document @doc->number of batch @doc->batch */
int store_document_put(struct store *s, const char *who, const struct document_info *doc);

/* store_document_get - read a document; -FOLIO_ENOTFOUND if there is none */
int store_document_get(struct store *s, uint32_t batch, uint32_t number, struct document_info *ret);

/*
 * store_page_add - commit one captured page
 * @meta: the page's description; batch, document and image fields are used, number, size,
 *        sha256 and captured are filled in by the store
 * @image: the encoded image, @len bytes (at most STORE_MAX_IMAGE)
 * @ret_number: the page's number within the batch
 *
 * One durable transaction: the page, its image, the batch's page count and the event. The
 * batch must be open (-FOLIO_ESTATE otherwise). -FOLIO_ESTOREFULL when the map is full.
 */
int store_page_add(struct store *s, const char *who, const struct page_info *meta,
		   const void *image, size_t len, uint32_t *ret_number);

/* store_page_get - read page @number of @batch into @ret; -FOLIO_ENOTFOUND if none */
int store_page_get(struct store *s, uint32_t batch, uint32_t number, struct page_info *ret);

/*
 * store_page_image - copy the image of a page into a new heap buffer (caller frees)
 *
 * The copy is checked against the SHA-256 recorded at capture: -FOLIO_ECORRUPT if it differs.
 */
int store_page_image(struct store *s, uint32_t batch, uint32_t number, void **ret_data,
		     size_t *ret_len);

/* store_page_list - call @fn for every page of @batch in order; early stop as batch_list */
int store_page_list(struct store *s, uint32_t batch,
		    int (*fn)(const struct page_info *p, void *user), void *user);

/*
 * store_event_list - call @fn for every event from sequence @from on
 *
 * Returns -FOLIO_ECORRUPT, with the failing sequence number in @ret_broken (if not NULL), when
 * an event's hash does not match its content and its predecessor.
 */
int store_event_list(struct store *s, uint64_t from,
		     int (*fn)(const struct event_info *e, void *user), void *user,
		     uint64_t *ret_broken);

#endif
