#ifndef FOLIO_STORE_H
#define FOLIO_STORE_H

/*
 * The station's store: one LMDB environment in one folder.
 *
 * Layout version 2 (named databases; integers in keys are big-endian so keys sort
 * numerically; values are native-endian records with a leading layout version, since a store
 * lives on the station that wrote it):
 *
 *	meta       "schema" -> u32 layout version; "next_batch" -> u32; "queue_seq" -> u64;
 *	           "pref:NAME" -> text (store_pref_set());
 *	           "key_check" -> 16 bytes: BLAKE2b of the station key, once anything was sealed
 *	batches    u32 batch                -> struct batch_info
 *	documents  u32 batch, u32 document  -> struct document_info, or when sealed: u32 version,
 *	                                       u32 seal, then the whole record sealed
 *	pages      u32 batch, u32 page      -> struct page_info (pages of a batch in feed order)
 *	images     u32 batch, u32 page      -> the encoded image (TIFF or JPEG bytes), or when
 *	                                       sealed: 24-byte nonce | ciphertext | 16-byte tag
 *	ocr        u32 batch, u32 page      -> ocr record | text | hOCR (text and hOCR sealed)
 *	queue      u8 queue, u8 255-priority, u64 sequence -> queue record: a queue sorts
 *	                                       highest priority first, then oldest first
 *	queue_idx  u8 queue, u32 batch, u32 page -> the queue key of that item (one per item)
 *	events     u64 sequence             -> event record + detail text, hash-chained; when
 *	                                       sealed, who and detail sealed together
 *	order      u32 batch                -> u32 page numbers (big-endian) in reading order, once
 *	                                       the clerk rearranged the batch; pages it does not
 *	                                       name follow in feed order (added in layout 2 without
 *	                                       a new version: a store without it reads as before)
 *	ocrimg     u32 batch, u32 page      -> the page's other image for OCR: record (seal,
 *	                                       size, SHA-256) | grey JPEG for a page delivered
 *	                                       bitonal, G4 TIFF for one delivered in grey or colour
 *	                                       (sealed as images are); kept until the page's text
 *	                                       is read, or
 *	                                       for a page flagged check-image until approval (added
 *	                                       in layout 2 without a new version: a store without it
 *	                                       reads as before, and OCR reads the delivered image)
 *	words      word -> u32 batch, u32 page (big-endian; sorted duplicates): the text index,
 *	           an inverted index of every page's recognised text (store_text_search());
 *	           the word normalised (store/terms.h), or when the store seals, its 16-byte
 *	           BLAKE2b keyed with a key derived from the station key
 *	pagewords  u32 batch, u32 page      -> the words keys of that page (NUL-terminated
 *	           words, or 16-byte keyed ones), to take the page out again
 *	meta "text_index" -> the index's version, mode (clear or keyed), state and page count
 *	           (words, pagewords and this added in layout 2 without a new version: a store
 *	           without them has no index until `folio store reindex`)
 *
 * Layout 1 (Folio's first store) had no ocr, queue or queue_idx, and shorter batch and page
 * records; store_open() migrates it in one transaction (pages of unpurged batches are queued
 * for OCR) and records a "store-migrate" event.
 *
 * Sealing (CONFIG_STORE_ENCRYPTION and store_configure() with a key): page images, OCR
 * text, document records (office, application and ST.13 numbers, codes, dates) and the who
 * and detail of events are sealed with XChaCha20-Poly1305 under the station key, a fresh
 * random nonce per record, the record's key (batch, page; batch, document; sequence) and kind
 * as associated data. Page hashes are of the plain image, so `folio store check` proves what
 * was captured is what is kept. The event chain hashes each record as stored (sealed bytes
 * included), so it is checked without the key. In clear stay what runs the cycle and names
 * no one: batch records (state, counts, times, station, device, profile), page records (size,
 * format, flags, the image's hash), queues, meta (preference names carry account names,
 * which the accounts file holds in clear anyway) and each event's time, kind and batch,
 * document and page numbers. A store kept in clear before is sealed when store_configure()
 * first seals (store_seal_index()); LMDB's free pages may still hold old clear bytes until
 * they are reused.
 *
 * Every state change is one write transaction with durable commits (fsync), so a power cut
 * leaves the old or the new state, never a half. Pages go through one writer thread that
 * commits everything queued at that moment in one transaction (group commit), so a capture
 * thread that submits pages is not held up by fsync; a page counts as captured when its
 * commit returned (store_page_add() returned, or the callback of store_page_submit() ran).
 * Readers never block the writer (LMDB MVCC).
 *
 * Every change also appends an event: who, what, when, which batch/document/page and the old
 * and new values in its detail text, with the SHA-256 of the previous event chained in, so
 * later tampering with the log shows.
 *
 * Space: below the reserve (store_configure(); 32 MiB until then) of free disk space, or of
 * free map space (the smaller of the reserve and 5% of the map), new batches and pages are
 * refused with -FOLIO_ESTOREFULL; OCR results, queues and state changes still work.
 *
 * Threads: one struct store may be used from several threads. An LMDB environment must not
 * be used across fork(): a child process opens its own store.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kconfig.h"

#define STORE_SCHEMA_VERSION 2
#define STORE_NAME_LEN 32
#define STORE_DEVICE_LEN 128
#define STORE_APPNO_LEN 64
#define STORE_MAX_IMAGE (256u << 20)
#define STORE_MAX_OCR_TEXT (16u << 20)
#define STORE_MAX_OCR_HOCR (64u << 20)
#define STORE_MAX_OCR_IMAGE (64u << 20) /* grey JPEG or G4 kept for OCR */
#define STORE_KEY_BYTES 32
#define STORE_DEFAULT_RESERVE_MB 32

struct store;

enum batch_state {
	BATCH_OPEN,	 /* capture may add pages */
	BATCH_CLOSED,	 /* capture finished; indexing and checks */
	BATCH_APPROVED,	 /* a supervisor approved it for upload */
	BATCH_PACKAGED,	 /* its package is built */
	BATCH_DELIVERED, /* the package arrived at the office */
	BATCH_CONFIRMED, /* the office confirmed it */
	BATCH_PURGED,	 /* images removed after retention */
	BATCH_REJECTED,	 /* rejected at approval or by the office: rescan or delete */
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
	/* Layout 2: */
	uint32_t last_page;   /* highest page number handed out (pages may have been deleted) */
	uint32_t n_ocr;	      /* pages with an OCR result */
	int64_t confirmed;    /* when the office confirmed it (unix seconds), 0 before */
	uint64_t image_bytes; /* encoded image bytes of its pages (before sealing) */
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
	PAGE_FLAG_CHECK = 1u << 9,	 /* a clerk asks for a second look */
	PAGE_FLAG_OCR_FAILED = 1u << 10, /* its text could not be read, for good */
	/* its bitonal image reads much worse than its grey one: deliver grey? (ocrq.h) */
	PAGE_FLAG_CHECK_IMAGE = 1u << 11,
	/*
	 * Upright not known: the image stage could not tell the text's orientation. OCR checks
	 * it (a good, level reading as it lies, else Tesseract's orientation detection), turns
	 * the page if it lies turned and clears the flag; it stays when neither can tell (a
	 * drawing, too little text).
	 */
	PAGE_FLAG_ORIENTATION = 1u << 12,
	/*
	 * What a profile with `output = auto` delivered for the page (automatic colour
	 * detection): bitonal G4, grey JPEG (grey tones that black and white would lose) or
	 * colour JPEG (a stamp, a signature, a highlight). Informational; the measure is in the
	 * page's capture event. An auto page whose bitonal image then reads much worse than its
	 * grey one goes out in grey: auto-bitonal becomes auto-grey (ocrq.h).
	 */
	PAGE_FLAG_AUTO_BITONAL = 1u << 13,
	PAGE_FLAG_AUTO_GREY = 1u << 14,
	PAGE_FLAG_AUTO_COLOUR = 1u << 15,
};

#define PAGE_FLAGS_AUTO \
	((uint32_t)(PAGE_FLAG_AUTO_BITONAL | PAGE_FLAG_AUTO_GREY | PAGE_FLAG_AUTO_COLOUR))

/*
 * Flags only the station sets and clears: OCR's verdict that a page's text cannot be read, and
 * what automatic colour detection delivered. People (the clerk UI) may set and clear every
 * other flag.
 */
#define PAGE_FLAGS_STATION_ONLY ((uint32_t)PAGE_FLAG_OCR_FAILED | PAGE_FLAGS_AUTO)

/*
 * page_flag_name - the name of the single flag @flag, as `folio batch show` and BATCH.txt
 * write it ("low-confidence"), or NULL for none or several. The clerk UI's API writes '_' for
 * '-' ("low_confidence").
 */
const char *page_flag_name(uint32_t flag);

/* page_flag_parse - the flag named @name, with '-' or '_' ("low_confidence"); 0 for none */
uint32_t page_flag_parse(const char *name);

/* Bytes of a page's capture note (store_page_submit_ocr()), with its NUL. */
#define STORE_NOTE_LEN 96

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
	/* Layout 2: */
	uint32_t seal;	      /* enum store_seal: how the image is kept */
	uint32_t stored_size; /* bytes in the images database (size + 40 when sealed) */
};

enum store_seal {
	STORE_SEAL_NONE,
	STORE_SEAL_XCHACHA20POLY1305,
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
 * store_copy - write a consistent, compacted copy of the store's data file to @fd (LMDB's
 * mdb_env_copyfd2() with MDB_CP_COMPACT): one read snapshot, so the station may keep working
 * meanwhile, without free pages (nothing of what was deleted or sealed over comes along).
 * @fd may be a pipe; the copy opens as a store on its own as "data.mdb" in an empty folder.
 * Returns 0 or -errno (-EPIPE when the reader of a pipe went away).
 */
int store_copy(struct store *s, int fd);

/*
 * store_lock_daemon - take the daemon lock of the store
 *
 * Only one foliod may serve a store. Returns 0, or -FOLIO_ELOCKED when another process holds
 * it. The lock is released by store_close() or process exit.
 */
int store_lock_daemon(struct store *s);

/*
 * store_capture_hold - hold batch @id for a capture: a lock on byte @id of
 * <store>/capture.lock, taken for an open file description (F_OFD_SETLK), so that a second
 * open in the same process meets it as any other process does, and the kernel drops it when
 * the holder closes @ret_fd or dies: a crash leaves no stale hold. Returns 0 with the holding
 * descriptor in @ret_fd (close() releases), or -EBUSY when another capture holds the batch.
 *
 * store_batch_capturing - whether a capture holds batch @id now (false when that cannot be
 * told: the lock file cannot be opened)
 */
int store_capture_hold(struct store *s, uint32_t id, int *ret_fd);
bool store_batch_capturing(struct store *s, uint32_t id);

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
 * Legal moves: open->closed, closed->approved|rejected|open (more sheets: rescan, insert),
 * rejected->open (rescan) or ->closed
 * or ->purged (discarded), approved->packaged|rejected, packaged->delivered,
 * delivered->confirmed|rejected (the office's receipt accepts or refuses it),
 * confirmed->purged. Anything else is -FOLIO_ESTATE. A batch is
 * approved only once the OCR of every page is finished (read, or failed for good):
 * -FOLIO_EOCRPENDING before (store_batch_ocr_progress() counts what waits). This is the one
 * place the state machine is enforced; the same transaction keeps the work queues in step
 * (approved: packaging queued; packaged: upload queued; delivered, rejected: dequeued),
 * records the confirmation time, and for ->purged removes the batch's images, OCR results
 * and queue items (see store_batch_purge(), which also checks the retention period).
 */
int store_batch_set_state(struct store *s, uint32_t id, enum batch_state to, const char *who);

/*
 * store_batch_revision - the revision of batch @id into @ret: the sequence number of the last
 * event about it (every change to a batch appends one), 0 for a batch not changed since
 * revisions were kept. -FOLIO_ENOTFOUND when there is no such batch.
 */
int store_batch_revision(struct store *s, uint32_t id, uint64_t *ret);

#define STORE_ANY_REVISION UINT64_MAX

/*
 * store_batch_approve - approve batch @id as its supervisor saw it at @revision
 *
 * In one write transaction: -FOLIO_ECHANGED when the batch's revision is no longer
 * @revision (someone changed it after the review), otherwise as store_batch_set_state() to
 * BATCH_APPROVED. @revision STORE_ANY_REVISION skips the comparison (a technician's command
 * line that shows nothing to review). After approval the batch is no longer
 * store_batch_editable(): nothing that goes into its package changes.
 */
int store_batch_approve(struct store *s, uint32_t id, const char *who, uint64_t revision);

/* batch_state_name - "open", "closed", ... */
const char *batch_state_name(uint32_t state);

/* store_batch_transition_allowed - whether @from -> @to is a legal move */
bool store_batch_transition_allowed(uint32_t from, uint32_t to);

/*
 * store_document_put - create or replace document @doc->number of batch @doc->batch
 *
 * A new language (the one OCR reads the document in) queues its pages for OCR again while
 * the batch is editable, in the same transaction.
 * -FOLIO_ESTATE unless store_batch_editable(): what a supervisor approved stays as approved.
 */
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
 * One durable transaction: the page, its image (sealed when encryption is on), the batch's
 * page count, the page's OCR queue item and the event. The batch must be open
 * (-FOLIO_ESTATE otherwise). -FOLIO_ESTOREFULL below the reserve of disk or map space
 * (store_space() says how full). Goes through the writer thread like store_page_submit(),
 * so concurrent callers share commits.
 */
int store_page_add(struct store *s, const char *who, const struct page_info *meta,
		   const void *image, size_t len, uint32_t *ret_number);

/*
 * store_page_submit - commit one captured page without waiting for the disk
 * @who, @meta, @image, @len: as store_page_add(); the image is copied, the caller keeps it
 * @committed: called once from the store's writer thread when the page's transaction has
 *             been committed durably (@error 0, @number the page's number) or has failed
 *             (@error as store_page_add() returns, @number 0). It must return quickly and must
 *             not call store_page_add(), store_page_submit() or store_flush(). May be NULL.
 *
 * Pages submitted before a commit starts share its transaction (group commit), each with its
 * own event and OCR queue item; pages of one batch get numbers in submission order. Blocks
 * while more than 64 pages or 128 MiB wait for the disk. Returns 0 when the page was queued
 * (the outcome goes to @committed), -FOLIO_ETOOBIG for an empty or oversized image, -ENOMEM.
 */
int store_page_submit(struct store *s, const char *who, const struct page_info *meta,
		      const void *image, size_t len,
		      void (*committed)(void *user, uint32_t number, int error), void *user);

/*
 * store_page_submit_ocr - as store_page_submit(), with the image OCR is to read
 * @ocr_image, @ocr_len: the page's other image for OCR in the geometry of @image (its cleaned
 *                       grey image when @image is bitonal, its bitonal image when @image is
 *                       grey or colour; at most STORE_MAX_OCR_IMAGE bytes), kept in the same
 *                       transaction (the ocrimg database); NULL: none, OCR reads @image
 * @note: how the image stage chose the page's output ("auto output colour: colour 0.120% of
 *        the page, grey tones 3.4%"), added to the page's capture event (its provenance in
 *        the event log) up to STORE_NOTE_LEN - 1 bytes; NULL or "" for none
 *
 * Also -FOLIO_ETOOBIG for an oversized @ocr_image.
 */
int store_page_submit_ocr(struct store *s, const char *who, const struct page_info *meta,
			  const void *image, size_t len, const void *ocr_image, size_t ocr_len,
			  const char *note,
			  void (*committed)(void *user, uint32_t number, int error), void *user);

/*
 * store_page_ocr_image - copy the page's other image for OCR (store_page_submit_ocr())
 * into a new heap buffer (caller frees)
 *
 * -FOLIO_ENOTFOUND when none is kept (a bitonal scan, a store older than
 * this, a page whose text was read): read store_page_image(). -FOLIO_ECORRUPT when it fails
 * its hash or authentication, -ENOKEY when sealed and no key is loaded.
 */
int store_page_ocr_image(struct store *s, uint32_t batch, uint32_t page, void **ret_data,
			 size_t *ret_len);

/*
 * store_page_has_ocr_image - whether the page keeps an image for OCR: 1, 0, or < 0 when the
 * store cannot tell. Looks only: the image is neither read nor unsealed (that, and its
 * checks, are store_page_ocr_image()'s).
 */
int store_page_has_ocr_image(struct store *s, uint32_t batch, uint32_t page);

/* store_page_ocr_image_drop - forget the image kept for OCR of a page; 0 also when none */
int store_page_ocr_image_drop(struct store *s, uint32_t batch, uint32_t page);

/*
 * store_page_use_grey - deliver page @number in grey: its kept grey JPEG takes the place of
 * its bitonal image (same size, so its text and word boxes stay), PAGE_FLAG_CHECK_IMAGE is
 * cleared (and PAGE_FLAG_AUTO_BITONAL becomes PAGE_FLAG_AUTO_GREY) and a "page-grey" event
 * records both hashes. One transaction.
 *
 * -FOLIO_ESTATE unless store_batch_editable(), -FOLIO_ENOTFOUND for no such page, -EALREADY
 * when it is not bitonal, -ENODATA when no grey image is kept for it (scanned in lineart, or
 * dropped once its text was read without a flag).
 */
int store_page_use_grey(struct store *s, const char *who, uint32_t batch, uint32_t number);

/*
 * store_flush - wait until every page submitted so far has been committed or has failed
 *
 * Returns 0 (the outcome of each page went to its callback). Must not be called from a
 * @committed callback.
 */
int store_flush(struct store *s);

/*
 * store_batch_editable - whether the pages of a batch in @state may still change: open,
 * closed or rejected (before a supervisor approved it)
 */
bool store_batch_editable(uint32_t state);

/*
 * store_page_replace - rescan: replace the image of page @number of an editable batch
 *
 * The page keeps its number and document; its OCR result and the image kept for OCR
 * are dropped and OCR queued again. The event records the old and new hashes. -FOLIO_ESTATE unless store_batch_editable(),
 * -FOLIO_ENOTFOUND for no such page, -FOLIO_ESTOREFULL below the reserve.
 */
int store_page_replace(struct store *s, const char *who, const struct page_info *meta,
		       uint32_t number, const void *image, size_t len);

/*
 * store_page_replace_ocr - as store_page_replace(), with the image OCR is to read, as
 * store_page_submit_ocr() takes it: the new sheet's other image takes the place of the old
 * one's (NULL: none is kept, OCR reads @image), @note goes into the rescan event. Also
 * -FOLIO_ETOOBIG for an oversized @ocr_image.
 */
int store_page_replace_ocr(struct store *s, const char *who, const struct page_info *meta,
			   uint32_t number, const void *image, size_t len, const void *ocr_image,
			   size_t ocr_len, const char *note);

/*
 * store_page_delete - remove page @number of an editable batch (image, OCR result, queue items)
 *
 * Numbers are not reused. The event records the deleted page's hash. -FOLIO_ESTATE unless
 * store_batch_editable(), -FOLIO_ENOTFOUND for no such page.
 */
int store_page_delete(struct store *s, const char *who, uint32_t batch, uint32_t number);

/* store_page_get - read page @number of @batch into @ret; -FOLIO_ENOTFOUND if none */
int store_page_get(struct store *s, uint32_t batch, uint32_t number, struct page_info *ret);

/*
 * store_page_image - copy the image of a page into a new heap buffer (caller frees)
 *
 * The copy is checked against the SHA-256 recorded at capture: -FOLIO_ECORRUPT if it differs
 * (or if a sealed image fails authentication under the right key). A sealed image needs the
 * station key (store_configure()): -ENOKEY without it. -FOLIO_ENOTFOUND for no such page,
 * -FOLIO_ESTATE when the batch was purged.
 */
int store_page_image(struct store *s, uint32_t batch, uint32_t number, void **ret_data,
		     size_t *ret_len);

/*
 * store_page_list - call @fn for every page of @batch in reading order (feed order until the
 * batch is rearranged); early stop as store_batch_list()
 */
int store_page_list(struct store *s, uint32_t batch,
		    int (*fn)(const struct page_info *p, void *user), void *user);

/* Where a page goes in store_batch_arrange(). */
struct store_page_place {
	uint32_t number;   /* the page */
	uint32_t document; /* its document after the change */
};

#define STORE_MAX_ARRANGE 100000u

/*
 * store_batch_arrange - reorder, split and merge: the new reading order of an editable batch
 * @places: every page of the batch exactly once, in the new order; documents numbered from 1
 *          in order, each page in the document of the one before it or the next one
 *
 * Document records follow their pages: new document k keeps the index fields of the document
 * its first page was in; when two new documents start from one old document (a split), the
 * second starts as a copy without a document code; old documents left without pages (a
 * merge) are removed. One transaction with one event. -EINVAL when @places does not fit the
 * batch, -FOLIO_ESTATE unless store_batch_editable().
 */
int store_batch_arrange(struct store *s, const char *who, uint32_t batch,
			const struct store_page_place *places, size_t n);

/*
 * store_event_add - append an event of its own (a login, a command, an OCR failure)
 * @what: short kebab-case name, e.g. "console-login"
 * @batch, @document, @page: what it concerns, 0 for none
 *
 * One durable transaction. The detail text is cut at 255 bytes.
 */
int store_event_add(struct store *s, const char *who, const char *what, uint32_t batch,
		    uint32_t document, uint32_t page, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/*
 * store_pref_set - keep a small setting of the station's users (the clerk UI's language of a
 * user), with an event; store_pref_get - read one into @buf (-FOLIO_ENOTFOUND when unset)
 * @name, @value: 1..STORE_PREF_MAX bytes (a value may be empty)
 *
 * The store, not a file under /etc, because foliod may write nothing else.
 */
#define STORE_PREF_MAX 64
int store_pref_set(struct store *s, const char *who, const char *name, const char *value);
int store_pref_get(struct store *s, const char *name, char *buf, size_t size);

/*
 * store_page_set_flags - set and clear flags (enum page_flag) of a page, with an event
 *
 * Only while store_batch_editable(): a separator flag changes what the package holds, so
 * approval freezes the flags with everything else (-FOLIO_ESTATE after it, checked inside the
 * write transaction), except PAGE_FLAG_LOW_CONFIDENCE alone: OCR's note, which no package
 * reads, may come after approval. Returns 0 (also when nothing changes), -FOLIO_ENOTFOUND
 * for no such page.
 */
int store_page_set_flags(struct store *s, const char *who, uint32_t batch, uint32_t number,
			 uint32_t set, uint32_t clear);

/*
 * store_event_list - call @fn for every event from sequence @from on
 *
 * Returns -FOLIO_ECORRUPT, with the failing sequence number in @ret_broken (if not NULL), when
 * an event's hash does not match its content and its predecessor.
 */
int store_event_list(struct store *s, uint64_t from,
		     int (*fn)(const struct event_info *e, void *user), void *user,
		     uint64_t *ret_broken);

/*
 * Settings and sealing
 */

enum store_encrypt {
	STORE_ENCRYPT_NO,
	STORE_ENCRYPT_YES,
};

struct store_settings {
	uint64_t reserve_mb; /* free disk space kept back; capture stops below it */
	const char
	    *key_file; /* the station key (STORE_KEY_BYTES bytes, mode 0600); NULL or "": none */
	int encrypt;   /* enum store_encrypt: seal new images and OCR text */
};

/*
 * store_configure - apply the station's [store] settings to an open store
 *
 * Loads the key file when one is named: it must be a regular file of STORE_KEY_BYTES bytes
 * of this user or root that group and others cannot read, read with secret_load() (-EPERM
 * otherwise, -ELOOP for a symbolic link, -FOLIO_EFORMAT for a wrong size). A
 * key that differs from the one the store's pages were sealed with is -EKEYREJECTED. With
 * encrypt on and no key: -ENOKEY (or the key file's open error, e.g. -ENOENT); with encrypt
 * off a missing key file is fine. When this build has no encryption: -EOPNOTSUPP. The first
 * sealed write records the key's check value. With encrypt on, documents and events kept in
 * clear are sealed in one transaction (-FOLIO_ECORRUPT, and nothing sealed, when the event
 * chain is broken). Nothing changes on failure.
 */
int store_configure(struct store *s, const struct store_settings *set);

/* store_encryption_built_in - whether this build can seal (CONFIG_STORE_ENCRYPTION) */
bool store_encryption_built_in(void);

/*
 * store_key_generate - create a new random station key in file @path with mode 0600
 *
 * Refuses to overwrite: -EEXIST when @path exists. The file and its folder are synced.
 */
int store_key_generate(const char *path);

/*
 * Space
 */

struct store_space {
	uint64_t map_size;     /* bytes the map may grow to */
	uint64_t map_used;     /* bytes of live data pages */
	uint64_t map_free;     /* bytes still usable in the map, free pages included */
	uint64_t file_size;    /* bytes of data.mdb on disk */
	uint64_t disk_size;    /* of the file system holding the store */
	uint64_t disk_free;    /* free to us there, plus free pages inside data.mdb */
	uint64_t reserve;      /* bytes kept back on disk */
	uint64_t map_reserve;  /* bytes kept back in the map: min(reserve, 5% of the map) */
	unsigned percent_full; /* of the tighter of map and disk, the reserve not counted */
	bool full;	       /* within 256 KiB of a reserve: new batches are refused */
	bool disk_limited;     /* the disk, not the map, is the tighter limit */
};

/* store_space - how full the store's map and disk are; never fails for a open store */
int store_space(struct store *s, struct store_space *ret);

/*
 * store_space_message - one line for the clerk, e.g.
 * "store is 95% full: upload or purge before scanning"; returns @buf
 */
const char *store_space_message(const struct store_space *sp, char *buf, size_t size);

/*
 * Queues: OCR, packaging and upload work, each item (batch, page) at most once per queue;
 * page 0 stands for the whole batch. Claimed items are leased to the process that claimed
 * them: an item is claimed again when its lease ran out, or at once when that process is gone
 * (no such pid, or the machine booted since): a daemon stopped in the middle of OCR loses
 * nothing.
 */

enum store_queue { QUEUE_OCR, QUEUE_PACKAGE, QUEUE_UPLOAD, QUEUE_COUNT };

#define QUEUE_PRIORITY_DEFAULT 100
#define QUEUE_PRIORITY_RESCAN 150

struct queue_item {
	uint32_t queue; /* enum store_queue */
	uint32_t batch, page;
	uint32_t priority;     /* 0..255, higher first */
	uint32_t attempts;     /* times it was claimed */
	int64_t enqueued;      /* unix seconds */
	int64_t claimed_until; /* lease end, 0 when not claimed */
	uint64_t seq;	       /* order of arrival */
};

struct queue_stats {
	uint64_t items;	  /* waiting or claimed */
	uint64_t claimed; /* under a lease now */
	int64_t oldest;	  /* enqueue time of the oldest item, 0 when empty */
	uint32_t top_priority;
};

/* store_queue_name - "ocr", "package", "upload" */
const char *store_queue_name(uint32_t queue);

/*
 * store_queue_push - queue work on (@batch, @page) in @queue with @priority (0..255)
 *
 * An item already queued keeps its age and takes the new priority. -EINVAL for a bad queue or
 * priority, -FOLIO_ENOTFOUND when the batch does not exist.
 */
int store_queue_push(struct store *s, enum store_queue queue, uint32_t batch, uint32_t page,
		     unsigned priority);

/*
 * store_queue_claim - take the next item of @queue for @lease_seconds
 *
 * Highest priority first, oldest first within a priority; items under a live lease are
 * skipped. Returns 1 and fills @ret when an item was claimed, 0 when nothing is claimable.
 */
int store_queue_claim(struct store *s, enum store_queue queue, unsigned lease_seconds,
		      struct queue_item *ret);

/* store_queue_done - remove (@batch, @page) from @queue; -FOLIO_ENOTFOUND if not queued */
int store_queue_done(struct store *s, enum store_queue queue, uint32_t batch, uint32_t page);

/* store_queue_release - end the lease of a claimed item so it is claimed again at once */
int store_queue_release(struct store *s, enum store_queue queue, uint32_t batch, uint32_t page);

/* store_queue_count - items in @queue (waiting or claimed) into @ret */
int store_queue_count(struct store *s, enum store_queue queue, uint64_t *ret);

/* store_queue_stats - counts, oldest item and top priority of @queue */
int store_queue_stats(struct store *s, enum store_queue queue, struct queue_stats *ret);

/*
 * store_queue_list - call @fn for every item of @queue in claim order (one read snapshot)
 *
 * Stops early and returns what @fn returned when that is non-zero.
 */
int store_queue_list(struct store *s, enum store_queue queue,
		     int (*fn)(const struct queue_item *it, void *user), void *user);

/*
 * OCR results
 */

struct ocr_result {
	char *text;	   /* UTF-8, NUL-terminated */
	char *hocr;	   /* hOCR or ALTO, NUL-terminated ("" when none) */
	double confidence; /* mean word confidence, 0..100 */
	int64_t time;	   /* when it was stored */
};

/*
 * store_ocr_put - store the OCR result of a page and take the page off the OCR queue
 * @text, @hocr: NUL-terminated, at most STORE_MAX_OCR_TEXT / STORE_MAX_OCR_HOCR bytes; @hocr
 *               may be NULL
 *
 * One transaction; sealed when encryption is on. Replaces an earlier result. Works below the
 * space reserve. -FOLIO_ENOTFOUND for no such page, -FOLIO_ESTATE for a purged batch,
 * -FOLIO_ETOOBIG for oversized text.
 */
int store_ocr_put(struct store *s, uint32_t batch, uint32_t page, const char *text,
		  const char *hocr, double confidence);

/*
 * store_ocr_get - read the OCR result of a page into @ret (free with store_ocr_release())
 *
 * -FOLIO_ENOTFOUND when the page has none, -ENOKEY when it is sealed and no key is loaded,
 * -FOLIO_ECORRUPT when it fails authentication.
 */
int store_ocr_get(struct store *s, uint32_t batch, uint32_t page, struct ocr_result *ret);

/* store_ocr_release - free what store_ocr_get() allocated; takes a zeroed result */
void store_ocr_release(struct ocr_result *r);

/* Where the text recognition of a batch stands. Separator sheets are not counted. */
struct store_ocr_progress {
	uint32_t pages;	  /* pages whose text is to be read */
	uint32_t text;	  /* ... read */
	uint32_t failed;  /* ... that failed for good (PAGE_FLAG_OCR_FAILED) */
	uint32_t waiting; /* ... queued, being read, or without a result yet */
};

/*
 * store_batch_ocr_progress - count the pages of batch @id by OCR state into @ret
 *
 * OCR of a batch is finished when nothing waits (store_ocr_finished()). -FOLIO_ENOTFOUND when
 * there is no such batch.
 */
int store_batch_ocr_progress(struct store *s, uint32_t id, struct store_ocr_progress *ret);

/*
 * store_ocr_finished - whether every page of @p has its text or failed for good; always, in a
 * build without OCR (CONFIG_OCR), where no page waits for text that nothing would read
 */
static inline bool store_ocr_finished(const struct store_ocr_progress *p)
{
	return !IS_ENABLED(CONFIG_OCR) || p->waiting == 0;
}

/*
 * Text index
 *
 * Every page's recognised text is indexed word by word (store/terms.h: case and Latin
 * accents folded, Arabic normalised) in the same write transaction that stores, replaces
 * (rescan) or removes (page delete, purge) the text, so the index never disagrees with the
 * texts after a crash. A store made before the index has none until store_text_reindex().
 * When the store seals, the index keeps keyed hashes of the words, never the words: it tells
 * which pages share a word, not the word; such an index matches whole words only.
 */

enum store_text_index_state {
	STORE_TEXT_INDEX_CURRENT,    /* up to date with every text */
	STORE_TEXT_INDEX_REBUILDING, /* store_text_reindex() runs (or stopped half way) */
	STORE_TEXT_INDEX_STALE,	     /* out of step (sealing changed): to rebuild */
	STORE_TEXT_INDEX_MISSING,    /* never built (a store made before the index) */
};

struct store_text_index_info {
	int state;	   /* enum store_text_index_state */
	bool keyed;	   /* words kept as keyed hashes (a sealed store) */
	uint64_t pages;	   /* pages indexed */
	uint64_t ocr;	   /* pages with text: as many as pages when current */
	uint64_t postings; /* (word, page) pairs */
	uint64_t bytes;	   /* of the index's database pages */
};

/* store_text_index_info - how the text index stands */
int store_text_index_info(struct store *s, struct store_text_index_info *ret);

#define STORE_SNIPPET_LEN 160

struct store_text_hit {
	uint32_t batch, page, document;
	char snippet[STORE_SNIPPET_LEN]; /* the text around the first word found, one line */
};

/*
 * store_text_search - the pages whose text holds every word of @words (a word ending in '*':
 * any word it begins), newest batch first, at most @max; @fn is called for each until it
 * returns non-zero
 *
 * Returns the number of pages given to @fn, -EINVAL when @words holds no word (words have
 * two letters or digits at least), -FOLIO_ETOOBIG for more than 16 words or a prefix that
 * matches too much, -ENODATA when the index is missing or stale, -EINPROGRESS while it is
 * rebuilt, -EOPNOTSUPP for a prefix in a keyed index, -ENOKEY for a keyed index without the
 * key, or the store's error.
 */
int store_text_search(struct store *s, const char *words, size_t max,
		      int (*fn)(const struct store_text_hit *h, void *user), void *user);

struct store_reindex_report {
	uint64_t pages; /* texts indexed */
	uint64_t words; /* words read in them */
	uint64_t bytes; /* of text */
};

struct progress;

/*
 * store_text_reindex - rebuild the text index from every stored text, telling @p (may be
 * NULL) pages done of all
 *
 * Drops the index, marks it rebuilding (a search then says so) and indexes the texts a few
 * hundred pages per write transaction, so capture and OCR go on meanwhile; texts stored
 * meanwhile are indexed as usual. Keyed when the store seals. -ENOKEY when a text is sealed
 * and no key is loaded; stopped half way, the index stays "rebuilding" until a new run.
 */
int store_text_reindex(struct store *s, const struct progress *p, struct store_reindex_report *ret);

/*
 * Purge
 */

/*
 * store_batch_purge - remove the images, OCR results and queue items of batch @id
 * @retention_days: a confirmed batch is purged only this long after its confirmation...
 * @force: ...unless @force
 *
 * Page records (with their hashes), documents and events stay: the chain of custody outlives
 * the images. Confirmed and rejected batches can be purged; others give -FOLIO_ESTATE. A
 * confirmed batch still within its retention period gives -EAGAIN. The batch becomes purged.
 * Frees space inside the store for new pages (the file does not shrink).
 */
int store_batch_purge(struct store *s, uint32_t id, const char *who, unsigned retention_days,
		      bool force);

/*
 * store_purge_expired - purge every confirmed batch older than @retention_days since its
 * confirmation; the number purged goes to @ret_purged (may be NULL). For foliod's cycle.
 */
int store_purge_expired(struct store *s, unsigned retention_days, const char *who,
			unsigned *ret_purged);

/*
 * Checks and statistics
 */

struct store_check_report {
	uint64_t events; /* events whose hash and chain link were checked */
	uint64_t batches;
	uint64_t pages;	      /* page images checked against their capture hash */
	uint64_t image_bytes; /* bytes of those images */
	uint64_t ocr;	      /* OCR results checked */
	uint64_t queue_items;
	uint64_t broken_event; /* sequence of the first bad event, 0 if none */
	uint32_t batch, page;  /* the first bad page, 0 if none */
	char problem[256];     /* the first break in words, "" when intact */
};

/*
 * store_check - walk the event chain, every page image against its capture hash, every OCR
 * result, batch page counts and the queue indexes, in one read snapshot
 * @report: filled in whether the store is intact or not
 * @page_fn: called for every page image found intact, with its hex SHA-256 (may be NULL)
 *
 * Returns 0 when everything is intact, -FOLIO_ECORRUPT at the first break (described in
 * @report->problem, e.g. "batch 3 page 17: image does not match its capture hash"), -ENOKEY
 * when sealed images need the station key, or -errno.
 */
int store_check(struct store *s, struct store_check_report *report,
		void (*page_fn)(const struct page_info *p, const char *sha256_hex, void *user),
		void *user);

struct store_stats {
	uint32_t schema;
	uint64_t batches[BATCH_STATE_COUNT]; /* per state */
	uint64_t documents, pages, images, image_bytes, ocr, events;
	uint64_t sealed_pages;
	uint64_t queue[QUEUE_COUNT];
	bool encryption_built_in, encrypt, key_loaded;
	struct store_space space;
};

/* store_stats - counts and sizes of the store, read in one snapshot */
int store_stats(struct store *s, struct store_stats *ret);

#endif
