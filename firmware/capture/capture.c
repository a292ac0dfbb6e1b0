#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "drivers/scanner/scanner.h"
#include "firmware/capture/capture.h"
#include "firmware/capture/stage.h"
#include "firmware/core/profile.h"
#include "firmware/image/encode.h"
#include "firmware/image/pnm.h"
#include "firmware/image/preview.h"
#include "firmware/image/process.h"
#include "firmware/index/patchcode.h"
#include "firmware/index/separate.h"

#define QUEUE_LEN CONFIG_CAPTURE_MAX_FRAMES
#define MAX_FRAME_BYTES ((size_t)CONFIG_CAPTURE_MAX_FRAME_MB << 20)
#define MAX_RECONNECTS 3 /* on the same sheet */

/* Frames between the scanner thread and the image stage. */
struct frame_queue {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct frame frames[QUEUE_LEN];
	size_t head, count;
	bool done; /* the reader has stopped */
	int fault; /* why it stopped (0: feeder empty or page limit) */
	bool stop; /* the image stage asks the reader to stop */
};

/* Pages handed to the store and what became of them (the writer thread reports). */
struct commits {
	pthread_mutex_t lock;
	const struct capture_request *req;
	struct frame_queue *q;
	uint32_t batch;
	double t0;
	uint32_t pages;		/* committed */
	uint32_t first_page;	/* number of the first committed page */
	uint32_t last_page;	/* highest number committed */
	uint32_t base_pages;	/* pages the batch had before this run */
	uint32_t run_pages;	/* committed to batches closed at patch sheets in this run */
	uint32_t handled;	/* pages through commit_page(), committed or not */
	uint32_t resolved;	/* frames done with: committed, failed or dropped */
	bool between;		/* a patch sheet closed the batch; the next is not open yet */
	pthread_cond_t changed; /* handled or resolved grew */
	int error;		/* the first failure */
};

struct reader {
	struct scanner *scanner;
	struct frame_queue *q;
	struct commits *cm;
	const struct capture_request *req;
	const struct scanner_settings *settings;
	unsigned reconnect_seconds;
	uint32_t max_pages;
	uint32_t sheets_read;
	uint32_t reconnects;
	uint32_t lost_at;    /* sheet (of this run, from 1) the device was last lost on */
	uint32_t lost_times; /* how often in a row */
};

static volatile sig_atomic_t cancel_requested;

void capture_cancel(void)
{
	cancel_requested = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *capture_fault_advice(int fault)
{
	switch (-fault) {
	case FOLIO_EJAM:
		return "paper jam: open the feeder, remove the sheet, put it back on top and resume";
	case FOLIO_EDOUBLEFEED:
		return "double feed: take the sheets out, separate them, put them back on top and "
		       "resume";
	case FOLIO_ECOVEROPEN:
		return "scanner cover open: close it and resume";
	case FOLIO_EDEVBUSY:
		return "scanner busy: another program is using it; wait or close it, then resume";
	case FOLIO_EDEVGONE:
		return "scanner disconnected: check its cable and power, then resume";
	case FOLIO_EDEVIO:
		return "scanner I/O error: check the cable, power-cycle the scanner, then resume";
	case FOLIO_ECANCELLED:
		return "capture stopped: resume to continue the batch";
	case FOLIO_ENODOCS:
		return "document feeder empty: load the paper and scan";
	case FOLIO_ESTOREFULL:
		return "the store is full: upload or purge batches, put the sheets not stored back "
		       "on top and resume";
	default:
		return "capture stopped: fix the problem above, then resume";
	}
}

static void notice(const struct reader *rd, const char *fmt, ...) _printf_(2, 3);

static void notice(const struct reader *rd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!rd->req->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rd->req->notice(msg, rd->req->user);
}

static bool device_lost(int r)
{
	return r == -FOLIO_EDEVGONE || r == -FOLIO_EDEVIO;
}

struct find_device {
	const char *name;
	bool found;
};

static int match_device(const struct scanner_device *d, void *user)
{
	struct find_device *fd = user;

	if (strcmp(d->name, fd->name) == 0)
		fd->found = true;
	return fd->found;
}

/*
 * The scanner went away (USB unplugged, powered off): wait for it to come back, open and
 * configure it again. Returns 0 when it is back, the original error when the wait is over.
 */
static int reconnect(struct reader *rd, int error)
{
	const char *name = rd->req->device;
	double deadline = now() + rd->reconnect_seconds;
	char why[256];

	rd->scanner = scanner_close(rd->scanner);
	notice(rd, "scanner '%s' disconnected: waiting up to %u s for it to come back", name,
	       rd->reconnect_seconds);
	while (now() < deadline && !cancel_requested) {
		struct find_device fd = { .name = name };
		struct timespec pause = { .tv_nsec = 250 * 1000 * 1000 };

		/* SANE has no hot-plug notification: poll. Listing devices makes backends look
		 * at the bus again; some devices open by name without being listed. */
		(void)scanner_list(match_device, &fd);
		if (scanner_open(name, &rd->scanner) == 0) {
			if (scanner_configure(rd->scanner, rd->settings, why, sizeof(why)) == 0) {
				rd->reconnects++;
				notice(rd, "scanner '%s' is back: capture continues", name);
				return 0;
			}
			rd->scanner = scanner_close(rd->scanner);
		}
		nanosleep(&pause, NULL);
	}
	return error;
}

/*
 * The number the sheet the scanner lost would have had (0: none, a rescan past its pages).
 * Numbers are never reused (deleted pages keep theirs): the one after the last one given.
 * Called with cm->lock held, or once the capture's threads have stopped.
 */
static uint32_t next_number(const struct commits *cm)
{
	const struct capture_request *req = cm->req;

	if (req->n_replace)
		return cm->pages < req->n_replace ? req->replace[cm->pages] : 0;
	if (cm->between) /* the sheet starts the batch after a patch sheet */
		return 1;
	return cm->last_page ? cm->last_page + 1 : cm->base_pages + 1;
}

/*
 * Tells the clerk which page the lost sheet is, once every sheet read before it is stored,
 * dropped or failed: only then is its batch, and its place there, known (a patch sheet among
 * them may have started a new batch).
 */
static void lost_notice(const struct reader *rd)
{
	struct commits *cm = rd->cm;
	uint32_t number;

	pthread_mutex_lock(&cm->lock);
	while (cm->resolved < rd->sheets_read && !cm->error)
		pthread_cond_wait(&cm->changed, &cm->lock);
	number = next_number(cm);
	pthread_mutex_unlock(&cm->lock);
	if (number)
		notice(rd, "page %u was not captured: put it back on top of the feeder", number);
	else
		notice(rd, "a sheet was not captured: put it back on top of the feeder");
}

/* Reader thread: feeds sheets while there is room in the queue. */
static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct frame_queue *q = rd->q;
	int r = 0;

	for (;;) {
		struct frame f = { 0 };

		pthread_mutex_lock(&q->lock);
		/* Full queue: wait here, between sheets, so the scanner pauses. */
		while (q->count == QUEUE_LEN && !q->stop)
			pthread_cond_wait(&q->changed, &q->lock);
		bool stop = q->stop || cancel_requested;
		pthread_mutex_unlock(&q->lock);
		if (stop) {
			r = cancel_requested ? -FOLIO_ECANCELLED : 0;
			break;
		}
		if (rd->max_pages && rd->sheets_read >= rd->max_pages)
			break;

		r = scanner_start(rd->scanner);
		if (r == -FOLIO_ENODOCS) {
			r = 0;
			break;
		}
		if (r == 0)
			r = scanner_read_frame(rd->scanner, MAX_FRAME_BYTES, &f);
		/* Wait for a lost scanner, but not for ever on the same sheet: a device that
		 * drops out on it again and again needs a technician. */
		if (device_lost(r) && rd->reconnect_seconds &&
		    !(rd->lost_at == rd->sheets_read + 1 && rd->lost_times >= MAX_RECONNECTS)) {
			if (rd->lost_at != rd->sheets_read + 1)
				rd->lost_times = 0;
			rd->lost_at = rd->sheets_read + 1;
			rd->lost_times++;
			lost_notice(rd);
			r = reconnect(rd, r);
			if (r == 0)
				continue;
		}
		if (r < 0)
			break;
		rd->sheets_read++;

		pthread_mutex_lock(&q->lock);
		q->frames[(q->head + q->count) % QUEUE_LEN] = f;
		q->count++;
		pthread_cond_broadcast(&q->changed);
		pthread_mutex_unlock(&q->lock);
	}

	pthread_mutex_lock(&q->lock);
	q->done = true;
	q->fault = r;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* Takes the next frame; false when the reader has stopped and the queue is empty. */
static bool queue_pop(struct frame_queue *q, struct frame *ret)
{
	bool got = false;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->done)
		pthread_cond_wait(&q->changed, &q->lock);
	if (q->count > 0) {
		*ret = q->frames[q->head];
		q->head = (q->head + 1) % QUEUE_LEN;
		q->count--;
		got = true;
		pthread_cond_broadcast(&q->changed);
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

static void queue_stop(struct frame_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
}

void capture_auto_note(const struct image_page_report *r, char *buf, size_t size)
{
	snprintf(buf, size, "auto output %s: colour %.3f%% of the page, grey tones %.1f%%",
		 r->output == IMAGE_OUTPUT_COLOUR ? "colour"
		 : r->output == IMAGE_OUTPUT_GREY ? "grey"
						  : "bitonal",
		 100 * r->colour_share, 100 * r->tone_share);
}

static uint32_t page_flags_from(const struct image_page_report *r)
{
	uint32_t flags = r->blank ? PAGE_FLAG_BLANK : 0;

	if (r->flags & IMAGE_FLAG_SKEW)
		flags |= PAGE_FLAG_SKEW;
	if (r->flags & IMAGE_FLAG_DARK)
		flags |= PAGE_FLAG_DARK;
	if (r->flags & IMAGE_FLAG_LIGHT)
		flags |= PAGE_FLAG_LIGHT;
	if (r->flags & IMAGE_FLAG_SHORT)
		flags |= PAGE_FLAG_SMALL;
	if (r->flags & IMAGE_FLAG_LENGTH)
		flags |= PAGE_FLAG_LENGTH;
	if (r->flags & IMAGE_FLAG_ORIENTATION)
		flags |= PAGE_FLAG_ORIENTATION;
	if (r->flags & IMAGE_FLAG_AUTO)
		flags |= r->output == IMAGE_OUTPUT_COLOUR ? PAGE_FLAG_AUTO_COLOUR
			 : r->output == IMAGE_OUTPUT_GREY ? PAGE_FLAG_AUTO_GREY
							  : PAGE_FLAG_AUTO_BITONAL;
	return flags;
}

/* The image stage for one frame: clean, flag and encode it as the profile says. Flags found
 * are added to *ret_flags, which holds what indexing found. */
/* @ret_ocr: the page's other image for OCR: its grey image when it is delivered bitonal, its
 * bitonal image when it is delivered in grey or colour (none for a separator).
 * @ret_note: automatic colour detection's decision and measure for the page's capture event
 * ("" when the profile's output is fixed), STORE_NOTE_LEN bytes. */
static int process_page(const struct frame *f, const struct scan_profile *p,
			struct encoded_image *ret, struct encoded_image *ret_ocr,
			uint32_t *ret_flags, char *ret_note)
{
	struct image_profile ip;
	struct image_page_report report;
	int r;

	if (p->output == PAGE_OUTPUT_RAW)
		return image_encode_pnm(f, ret);
	core_image_profile(p, f, &ip);
	/* A cover sheet is kept as it was fed: its barcode strip is no text to turn upright. */
	if (*ret_flags & PAGE_FLAG_SEPARATOR)
		ip.orient = false;
	r = image_process_ocr(f, &ip, ret, *ret_flags & PAGE_FLAG_SEPARATOR ? NULL : ret_ocr,
			      &report);
	if (r < 0)
		return r;
	if (ret_ocr->size > STORE_MAX_OCR_IMAGE) {
		/* Never a page lost for its OCR copy: the text is read from the page itself. */
		log_debug("page %ux%u: its image for OCR (%zu bytes) is too large to keep",
			  f->width, f->height, ret_ocr->size);
		encoded_image_release(ret_ocr);
	}
	*ret_flags |= page_flags_from(&report);
	if (report.flags & IMAGE_FLAG_AUTO)
		capture_auto_note(&report, ret_note, STORE_NOTE_LEN);
	log_debug("page %ux%u: skew %.2f deg%s, blank score %.3f%%, %s", f->width, f->height,
		  report.skew_deg, report.deskewed ? " corrected" : "", report.blank_score,
		  report.ops);
	return 0;
}

/* Every name scanner_list() gives fits the batch record. */
_Static_assert(SCANNER_NAME_MAX <= STORE_DEVICE_LEN, "listed scanner names must fit a batch");

/* A name the batch record, BATCH.txt and the event log can keep whole, on one line. */
static bool device_name_ok(const char *device)
{
	size_t n = strnlen(device, STORE_DEVICE_LEN);

	if (n == 0 || n >= STORE_DEVICE_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (iscntrl((unsigned char)device[i]))
			return false;
	return true;
}

int capture_new_batch(struct store *store, const struct folio_config *cfg, const char *device,
		      const char *profile, const char *who, uint32_t *ret_batch)
{
	struct batch_info b = { 0 };
	struct document_info d = { 0 };
	uint32_t id;
	int r;

	if (!device_name_ok(device))
		return -EINVAL;
	snprintf(b.station, sizeof(b.station), "%s", cfg->station_id);
	snprintf(b.device, sizeof(b.device), "%s", device);
	snprintf(b.profile, sizeof(b.profile), "%s", profile);
	r = store_batch_create(store, who, &b, &id);
	if (r < 0)
		return r;

	/* Until indexing splits it, the batch is one document with the station's defaults. */
	d.batch = id;
	d.number = 1;
	d.ip_type = cfg->ip_type;
	snprintf(d.office, sizeof(d.office), "%s", cfg->office);
	snprintf(d.document_code, sizeof(d.document_code), "%s", cfg->document_code);
	snprintf(d.language, sizeof(d.language), "%s", cfg->language);
	r = store_document_put(store, who, &d);
	if (r < 0)
		return r;
	*ret_batch = id;
	return 0;
}

int capture_batch_scanner(struct store *store, const struct folio_config *cfg, uint32_t batch,
			  const char *device, const char *profile, struct capture_scanner *ret,
			  char *why, size_t why_size)
{
	struct capture_scanner sc = { 0 };
	struct batch_info b;
	int r;

	r = store_batch_get(store, batch, &b);
	if (r < 0) {
		if (r == -FOLIO_ENOTFOUND)
			snprintf(why, why_size, "batch %u does not exist", batch);
		else
			snprintf(why, why_size, "cannot read batch %u: %s", batch,
				 folio_strerror(r));
		return r;
	}
	snprintf(sc.batch_device, sizeof(sc.batch_device), "%s", b.device);
	snprintf(sc.batch_profile, sizeof(sc.batch_profile), "%s", b.profile);
	if (device && *device) {
		if (strlen(device) >= sizeof(sc.device)) {
			snprintf(why, why_size, "scanner name is longer than %zu bytes",
				 sizeof(sc.device) - 1);
			return -EINVAL;
		}
		sc.device_changed = strcmp(device, b.device) != 0;
	} else {
		device = b.device;
	}
	if (profile && *profile)
		sc.profile_changed = strcmp(profile, b.profile) != 0;
	else
		profile = b.profile;
	if (!*device) {
		snprintf(why, why_size,
			 "batch %u does not record its scanner: name one with --device", batch);
		return -EINVAL;
	}
	if (!config_find_profile(cfg, profile)) {
		if (profile != b.profile) /* the one the user named */
			snprintf(why, why_size, "no profile '%s' in '%s'", profile, cfg->path);
		else
			snprintf(why, why_size,
				 "profile '%s' of batch %u is not in '%s': name one with --profile",
				 profile, batch, cfg->path);
		return -EINVAL;
	}
	snprintf(sc.device, sizeof(sc.device), "%s", device);
	snprintf(sc.profile, sizeof(sc.profile), "%s", profile);
	*ret = sc;
	return 0;
}

/*
 * The user's explicit choice of another scanner or profile for @batch, on record, and said
 * through the request's notice before any sheet is fed.
 */
static int record_choice(struct store *store, const struct capture_request *req, uint32_t batch)
{
	const struct capture_scanner *sc = req->choice;
	char msg[2 * STORE_DEVICE_LEN + 128];
	int r;

	if (sc->device_changed) {
		r = store_event_add(store, req->who, "capture-device-change", batch, 0, 0,
				    "scanner '%s' instead of the batch's '%s'", sc->device,
				    sc->batch_device);
		if (r < 0)
			return r;
		snprintf(
		    msg, sizeof(msg),
		    "batch %u was scanned on '%s': continuing on '%s' as asked (recorded in the "
		    "event log)",
		    batch, sc->batch_device, sc->device);
		if (req->notice)
			req->notice(msg, req->user);
	}
	if (sc->profile_changed) {
		r = store_event_add(store, req->who, "capture-profile-change", batch, 0, 0,
				    "profile '%s' instead of the batch's '%s'", sc->profile,
				    sc->batch_profile);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The batch to capture into; a new one held (store_capture_hold()) in @ret_hold at once. */
static int start_batch(struct store *store, const struct folio_config *cfg,
		       const struct capture_request *req, uint32_t *ret_batch, int *ret_hold)
{
	struct batch_info b;
	int r;

	if (!req->resume_batch) {
		r = capture_new_batch(store, cfg, req->device, req->profile->name, req->who,
				      ret_batch);
		return r < 0 ? r : store_capture_hold(store, *ret_batch, ret_hold);
	}
	r = store_batch_get(store, req->resume_batch, &b);
	if (r < 0)
		return r;
	if (req->n_replace ? !store_batch_editable(b.state) : b.state != BATCH_OPEN)
		return -FOLIO_ESTATE;
	*ret_batch = b.id;
	return 0;
}

static void commit_failed(struct commits *cm, int error)
{
	pthread_mutex_lock(&cm->lock);
	if (!cm->error)
		cm->error = error;
	pthread_mutex_unlock(&cm->lock);
}

static bool commits_failed(struct commits *cm)
{
	bool failed;

	pthread_mutex_lock(&cm->lock);
	failed = cm->error != 0;
	pthread_mutex_unlock(&cm->lock);
	return failed;
}

/* From the store's writer thread, once a page is durable (or failed). */
static void committed(void *user, uint32_t number, int error)
{
	struct commits *cm = user;
	struct capture_progress p = { 0 };

	if (error) {
		commit_failed(cm, error);
		queue_stop(cm->q); /* no more sheets: the store cannot take them */
		return;
	}
	pthread_mutex_lock(&cm->lock);
	p.batch = cm->batch;
	cm->pages++;
	cm->resolved++;
	pthread_cond_broadcast(&cm->changed);
	if (!cm->first_page)
		cm->first_page = number;
	if (number > cm->last_page)
		cm->last_page = number;
	p.pages = cm->pages;
	p.last_page = number;
	pthread_mutex_unlock(&cm->lock);
	if (cm->req->progress) {
		p.seconds = now() - cm->t0;
		p.pages_per_minute = p.seconds > 0 ? 60.0 * p.pages / p.seconds : 0;
		cm->req->progress(&p, cm->req->user);
	}
}

/* Rescan: the next page of req->replace takes this image and its grey image for OCR, at once
 * (no group commit). */
static int replace_page(struct store *store, const struct capture_request *req, struct commits *cm,
			const struct page_info *meta, const struct encoded_image *img,
			const struct encoded_image *ocr, const char *note)
{
	uint32_t number;
	int r;

	pthread_mutex_lock(&cm->lock);
	number = cm->pages < req->n_replace ? req->replace[cm->pages] : 0;
	pthread_mutex_unlock(&cm->lock);
	if (!number)
		return 0; /* more sheets than pages to replace: the reader stops at the count */
	r = store_page_replace_ocr(store, req->who, meta, number, img->data, img->size, ocr->data,
				   ocr->size, note);
	if (r < 0)
		return log_errno(r, "cannot replace page %u of batch %u: %s", number, cm->batch,
				 folio_strerror(r));
	committed(cm, number, 0);
	return 0;
}

/* The image stage's work on one page, on one of its threads. */
static int clean_page(struct stage_page *pg, void *user)
{
	const struct scan_profile *p = user;

	return process_page(&pg->frame, p, &pg->img, &pg->ocr, &pg->meta.flags, pg->note);
}

/* The thread that takes cleaned pages from the image stage, in feed order, to the store. */
struct committer {
	struct store *store;
	const struct capture_request *req;
	struct commits *cm;
	struct stage *st;
	double image_seconds; /* the image stage's threads' time on the pages */
	double store_seconds; /* time handing them to the store */
	pthread_t thread;
};

/* A cleaned page, in feed order: into the store, or dropped after a failure. */
static void commit_page(struct committer *c, struct stage_page *pg)
{
	const struct capture_request *req = c->req;
	struct store *store = c->store;
	struct commits *cm = c->cm;
	struct page_info *meta = &pg->meta;
	double t0 = now();
	int r;

	c->image_seconds += pg->seconds;
	if (commits_failed(cm))
		goto out;
	if (pg->r < 0) {
		commit_failed(cm, log_errno(pg->r, "cannot process a page of batch %u: %s",
					    cm->batch, folio_strerror(pg->r)));
		queue_stop(cm->q);
		goto out;
	}
	meta->width = pg->img.width;
	meta->height = pg->img.height;
	meta->dpi = pg->img.dpi;
	meta->bit_depth = pg->img.bit_depth;
	meta->channels = pg->img.channels;
	snprintf(meta->format, sizeof(meta->format), "%s", pg->img.format);
	if (req->n_replace)
		r = replace_page(store, req, cm, meta, &pg->img, &pg->ocr, pg->note);
	else
		/* Group commit: the store's writer thread commits what has gathered while the
		 * next pages are cleaned; a page counts as captured when committed() says so. */
		r = store_page_submit_ocr(store, req->who, meta, pg->img.data, pg->img.size,
					  pg->ocr.data, pg->ocr.size, pg->note, committed, cm);
	if (r < 0) {
		commit_failed(cm, r);
		queue_stop(cm->q);
	}
	c->store_seconds += now() - t0;
out:
	encoded_image_release(&pg->img);
	encoded_image_release(&pg->ocr);
	pthread_mutex_lock(&cm->lock);
	cm->handled++;
	pthread_cond_broadcast(&cm->changed);
	pthread_mutex_unlock(&cm->lock);
}

static void *committer_main(void *arg)
{
	struct committer *c = arg;
	struct stage_page pg;

	while (stage_take(c->st, &pg))
		commit_page(c, &pg);
	return NULL;
}

int capture_page_turn(struct store *s, const char *who, uint32_t batch, uint32_t number,
		      int degrees, uint32_t clear_flags, const char *why,
		      struct page_info *ret_page)
{
	struct encoded_image img = { 0 };
	struct page_info p;
	void *data = NULL;
	size_t len = 0;
	int r;

	r = store_page_get(s, batch, number, &p);
	if (r == 0)
		r = store_page_image(s, batch, number, &data, &len);
	if (r == 0)
		r = image_rotate_encoded(data, len, degrees, CONFIG_IMAGE_JPEG_QUALITY, &img);
	free(data);
	if (r == 0) {
		p.width = img.width;
		p.height = img.height;
		p.flags &= ~clear_flags;
		r = store_page_replace(s, who, &p, number, img.data, img.size);
	}
	encoded_image_release(&img);
	if (r < 0)
		return r;
	(void)store_event_add(s, who, "page-rotate", batch, p.document, number,
			      "turned %d degrees clockwise%s%s", degrees, why ? ": " : "",
			      why ? why : "");
	if (ret_page)
		*ret_page = p;
	return 0;
}

struct last_document {
	uint32_t document;
	uint32_t pages;	      /* other than separators, as index_split counts them */
	uint32_t batch_pages; /* the same in the whole batch */
};

static int count_last_document(const struct page_info *p, void *user)
{
	struct last_document *l = user;

	if (!(p->flags & PAGE_FLAG_SEPARATOR))
		l->batch_pages++;
	if (p->document > l->document) {
		l->document = p->document;
		l->pages = 0;
	}
	if (p->document == l->document && !(p->flags & PAGE_FLAG_SEPARATOR))
		l->pages++;
	return 0;
}

/* Where separation stands in @batch: its last document and how many pages it has other than
 * separators (a batch resumed after its cover sheet continues that sheet's document). */
static int split_init(struct store *store, uint32_t batch, struct index_split *ret)
{
	struct last_document l = { 0 };
	struct batch_info b;
	int r;

	r = store_batch_get(store, batch, &b);
	if (r < 0)
		return r;
	r = store_page_list(store, batch, count_last_document, &l);
	if (r < 0)
		return r;
	if (b.n_documents > l.document) { /* a document made by hand, or by a cover sheet */
		l.document = b.n_documents;
		l.pages = 0;
	}
	index_split_init(ret, l.document ? l.document : 1, l.pages);
	ret->batch_pages = l.batch_pages;
	return 0;
}

/*
 * Separation and indexing: a cover sheet starts a new document with the fields of its
 * barcodes and is kept as a separator page; an unreadable or invalid one is flagged for the
 * clerk, never guessed. Only for profiles that use cover sheets. A patch sheet does what the
 * profile maps its type to; one the profile drops sets @ret->drop: the caller stores no page,
 * and an event here says where it was. One that starts a new batch sets @ret->new_batch (and
 * its type in *@ret_patch): the caller does that first, and says where the sheet went.
 */
static int index_page(struct store *store, const struct folio_config *cfg,
		      const struct capture_request *req, struct index_split *split,
		      const struct frame *f, struct page_info *meta, struct index_step *ret,
		      int *ret_patch)
{
	struct index_sheet sheet = { 0 };
	struct index_step step;
	int r;

	if (req->profile->cover_sheets) {
		r = index_examine(f, cfg, &sheet);
		if (r < 0) { /* cannot look: a plain page, said once */
			log_debug("batch %u: a page could not be examined for barcodes: %s",
				  meta->batch, folio_strerror(r));
			memset(&sheet, 0, sizeof(sheet));
		}
	}
	if (!sheet.separator && index_split_wants_patches(split)) {
		r = index_examine_patch(f, cfg, &sheet);
		if (r < 0)
			log_debug("batch %u: a page could not be searched for a patch code: %s",
				  meta->batch, folio_strerror(r));
	}
	index_split_page(split, &sheet, &step);
	if (step.put_document) {
		sheet.doc.batch = meta->batch;
		sheet.doc.number = step.document;
		if (!sheet.doc.language[0])
			snprintf(sheet.doc.language, sizeof(sheet.doc.language), "%s",
				 cfg->language);
		r = store_document_put(store, req->who, &sheet.doc);
		if (r < 0)
			return r;
	}
	if (sheet.why[0] && req->notice) {
		char msg[sizeof(sheet.why) + 32];

		/* Which document the clerk is to look at. */
		snprintf(msg, sizeof(msg), "document %u: %s", step.document, sheet.why);
		req->notice(msg, req->user);
	}
	meta->document = step.document;
	meta->flags |= step.flags;
	*ret = step;
	*ret_patch = sheet.patch;
	if (step.drop && !step.new_batch) /* never a page lost without a word: the log says */
		return store_event_add(
		    store, req->who, "patch-sheet-dropped", meta->batch, step.document, 0,
		    "a Patch %s sheet before document %u's pages was not kept "
		    "(profile '%s' patch_sheets = drop)",
		    patchcode_name(sheet.patch), step.document, req->profile->name);
	return 0;
}

/*
 * The batch held, the scanner opened and configured, the batch started (or resumed, with
 * the choice of another scanner on record): 0 with the scanner in @ret_scanner, or the
 * error, said.
 */
static int capture_open(struct store *store, const struct folio_config *cfg,
			const struct capture_request *req, struct scanner_settings *set, int *hold,
			struct scanner **ret_scanner, uint32_t *ret_batch)
{
	struct scanner *scanner = NULL;
	char why[256];
	int r;

	/* A batch another capture holds is refused before its scanner is touched. */
	if (req->resume_batch) {
		r = store_capture_hold(store, req->resume_batch, hold);
		if (r == -EBUSY)
			return log_errno(
			    r,
			    "batch %u is being scanned by another capture: let it end, "
			    "or stop it, then resume",
			    req->resume_batch);
		if (r < 0)
			return log_errno(r,
					 "cannot hold batch %u in store '%s' for the capture: %s",
					 req->resume_batch, store_path(store), folio_strerror(r));
	}
	r = scanner_open(req->device, &scanner);
	if (r < 0)
		return log_errno(r, "cannot open scanner '%s': %s", req->device, folio_strerror(r));
	core_scanner_settings(req->profile, set);
	r = scanner_configure(scanner, set, why, sizeof(why));
	if (r < 0) {
		scanner_close(scanner);
		return log_errno(r, "%s", why);
	}
	r = start_batch(store, cfg, req, ret_batch, hold);
	if (r < 0) {
		scanner_close(scanner);
		if (r == -FOLIO_ESTATE)
			return log_errno(r,
					 "batch %u is not open: only an interrupted batch can be "
					 "resumed",
					 req->resume_batch);
		if (r == -FOLIO_ESTOREFULL)
			return r; /* the caller says how full, and what to do */
		return log_errno(r, "cannot start a batch in store '%s': %s", store_path(store),
				 folio_strerror(r));
	}
	if (req->resume_batch && req->choice) {
		r = record_choice(store, req, *ret_batch);
		if (r < 0) {
			scanner_close(scanner);
			return log_errno(r, "cannot record the change of scanner in the store: %s",
					 folio_strerror(r));
		}
	}
	log_debug("capturing batch %u from '%s' at %d dpi", *ret_batch, req->device,
		  scanner_resolution(scanner));
	*ret_scanner = scanner;
	return 0;
}

/* A patch sheet that ends a batch, from the sheet to the next batch's first page. */
struct batch_turn {
	bool pending;  /* the batch is closed; the next is opened for the next page to store */
	uint32_t from; /* the batch the sheet closed */
	int patch;     /* enum patch_type */
	bool kept;     /* the sheet is the next batch's first page */
	uint32_t put;  /* pages handed to the image stage so far */
};

/*
 * Ends batch ret->batch at a patch sheet mapped to new-batch, once every page before the
 * sheet is committed (the image stage and the store are let run dry: a sheet's time), with
 * an event that says where the sheet was. 0, or the error, said.
 */
static int close_at_patch(struct store *store, const struct capture_request *req,
			  struct commits *cm, struct batch_turn *t, struct capture_result *ret)
{
	uint32_t pages;
	int r;

	pthread_mutex_lock(&cm->lock);
	while (cm->handled < t->put)
		pthread_cond_wait(&cm->changed, &cm->lock);
	pthread_mutex_unlock(&cm->lock);
	store_flush(store);
	pthread_mutex_lock(&cm->lock);
	r = cm->error; /* said where it happened */
	pages = cm->base_pages + cm->pages;
	cm->between = r == 0;
	pthread_mutex_unlock(&cm->lock);
	if (r)
		return r;
	r = store_batch_set_state(store, ret->batch, BATCH_CLOSED, req->who);
	if (r == 0)
		r = store_event_add(store, req->who, "batch-split", ret->batch, 0, 0,
				    "closed at a Patch %s sheet after %u page%s",
				    patchcode_name(t->patch), pages, pages == 1 ? "" : "s");
	if (r < 0)
		return log_errno(r, "cannot close batch %u at a Patch %s sheet: %s", ret->batch,
				 patchcode_name(t->patch), folio_strerror(r));
	t->pending = true;
	t->from = ret->batch;
	ret->closed = true;
	ret->batches++;
	return 0;
}

/*
 * Opens (and holds, in place of the batch before) the batch that follows a patch sheet, with
 * the run's scanner and profile, and moves the run's counts to it; the clerk hears of both.
 * 0, or the error, said.
 */
static int open_after_patch(struct store *store, const struct folio_config *cfg,
			    const struct capture_request *req, struct commits *cm,
			    struct batch_turn *t, int *hold, struct capture_result *ret)
{
	struct capture_request next = *req;
	uint32_t batch, pages;
	int fd = -1, r;
	char msg[160];

	next.resume_batch = 0;
	next.choice = NULL;
	r = start_batch(store, cfg, &next, &batch, &fd);
	if (r == -FOLIO_ESTOREFULL)
		return r; /* the caller says how full, and what to do */
	if (r == 0)
		r = store_event_add(store, req->who, "batch-split", batch, 0, 0,
				    "opened at the Patch %s sheet that closed batch %u (%s)",
				    patchcode_name(t->patch), t->from,
				    t->kept ? "the sheet is page 1" : "the sheet was not kept");
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return log_errno(r, "cannot open a batch after batch %u: %s", t->from,
				 folio_strerror(r));
	}
	close(*hold);
	*hold = fd;
	pthread_mutex_lock(&cm->lock);
	pages = cm->base_pages + cm->pages;
	cm->batch = batch;
	cm->run_pages += cm->pages;
	cm->pages = cm->first_page = cm->last_page = cm->base_pages = 0;
	cm->between = false;
	pthread_mutex_unlock(&cm->lock);
	snprintf(msg, sizeof(msg),
		 "batch %u closed with %u page%s at a Patch %s sheet: the next sheets are batch %u",
		 t->from, pages, pages == 1 ? "" : "s", patchcode_name(t->patch), batch);
	if (req->notice)
		req->notice(msg, req->user);
	ret->batch = batch;
	ret->closed = false;
	t->pending = false;
	return 0;
}

/* One sheet through separation: 0 to stage @pg, 1 to drop it, or the error, said. */
static int index_sheet(struct store *store, const struct folio_config *cfg,
		       const struct capture_request *req, struct index_split *split,
		       struct commits *cm, struct batch_turn *t, int *hold, struct stage_page *pg,
		       struct capture_result *ret)
{
	struct index_step step = { 0 };
	int r, patch = PATCH_NONE;

	/* The page after a dropped new-batch sheet, whatever it is, goes into the next batch. */
	if (t->pending) {
		r = open_after_patch(store, cfg, req, cm, t, hold, ret);
		if (r < 0)
			return r;
	}
	pg->meta.batch = ret->batch;
	if (req->n_replace)
		return 0;
	r = index_page(store, cfg, req, split, &pg->frame, &pg->meta, &step, &patch);
	if (r < 0)
		return log_errno(r, "cannot process a page of batch %u: %s", ret->batch,
				 folio_strerror(r));
	if (step.new_batch) {
		t->patch = patch;
		t->kept = !step.drop;
		r = close_at_patch(store, req, cm, t, ret);
		if (r == 0 && t->kept)
			r = open_after_patch(store, cfg, req, cm, t, hold, ret);
		if (r < 0)
			return r;
		pg->meta.batch = ret->batch;
	}
	return step.drop ? 1 : 0;
}

/*
 * The indexing thread's loop: each frame the reader hands over is indexed here, in feed
 * order, and handed to the image stage, whose threads clean it and whose committer stores
 * it, in feed order again. Until the reader stops.
 */
static void feed_pages(struct store *store, const struct folio_config *cfg,
		       const struct capture_request *req, struct frame_queue *q, struct stage *st,
		       struct index_split *split, struct commits *cm, struct batch_turn *t,
		       int *hold, struct capture_result *ret)
{
	struct frame f;

	while (queue_pop(q, &f)) {
		struct stage_page pg = { .frame = f };
		double t1 = now();
		int r;

		if (commits_failed(cm)) { /* drain what the reader still had */
			free(f.data);
			continue;
		}
		r = index_sheet(store, cfg, req, split, cm, t, hold, &pg, ret);
		ret->encode_seconds += now() - t1;
		if (r != 0) {
			free(f.data);
			if (r < 0) {
				commit_failed(cm, r);
				queue_stop(q);
			} else { /* dropped: the reader may be waiting to count it */
				pthread_mutex_lock(&cm->lock);
				cm->resolved++;
				pthread_cond_broadcast(&cm->changed);
				pthread_mutex_unlock(&cm->lock);
			}
			continue;
		}
		t->put++;
		stage_put(st, &pg); /* the committer makes room */
	}
}

/*
 * How the capture ended, into @ret: the store's failure, the scanner's fault (and the number
 * the lost sheet would have had), or the end of the feed, which closes the batch.
 */
static int capture_outcome(struct store *store, const struct folio_config *cfg,
			   const struct capture_request *req, const struct frame_queue *q,
			   struct commits *cm, struct batch_turn *t, int *hold, int store_err,
			   struct capture_result *ret)
{
	int r;

	ret->fault = store_err ? store_err : q->fault;
	/* A fault right after a patch sheet closed the batch: the next one, empty, is the one
	 * to resume. */
	if (ret->fault && t->pending && !store_err &&
	    open_after_patch(store, cfg, req, cm, t, hold, ret) < 0)
		return ret->fault;
	if (ret->fault) {
		/* The first sheet not stored: the one the scanner faulted on, or the first the
		 * store refused (the sheets after it, already through the feeder, went with it). */
		ret->lost_page = next_number(cm);
		if (t->pending) /* the store failed: it holds no batch to resume into */
			ret->lost_page = 0;
		return ret->fault;
	}
	if (t->pending) /* the last sheet was a dropped new-batch sheet: nothing follows */
		return 0;
	/* The next sheet goes on the glass by hand: the batch waits for it. */
	if (req->n_replace || req->keep_open || req->profile->source == SCAN_SOURCE_FLATBED)
		return 0;
	r = store_batch_set_state(store, ret->batch, BATCH_CLOSED, req->who);
	if (r < 0)
		return log_errno(r, "cannot close batch %u: %s", ret->batch, folio_strerror(r));
	ret->closed = true;
	return 0;
}

/*
 * Every page passes a few images of 1 to 35 MB through malloc(): the frame, its grey, the
 * bitonal image, the encoded files. By default glibc maps the larger ones fresh and unmaps
 * them on free, and returns freed heap to the kernel soon: each page then faults in and
 * zeroes its memory again (on the coversheet bench a fifth of folio scan's system time and
 * about 5% of its CPU). For a capture, blocks up to 16 MiB (a grey A4 page at 300 dpi is
 * 8.7 MB; colour and 600 dpi frames stay mapped) come from the heap, and up to 64 MiB of
 * freed heap stays for the next page; capture_run() hands it back with malloc_trim() at
 * the end. Peak memory stays what the pages in flight need (README: Capture).
 */
static void page_memory_keep(void)
{
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

static void page_memory_release(void)
{
	mallopt(M_TRIM_THRESHOLD, 128 << 10);
	malloc_trim(0);
}

int capture_run(struct store *store, const struct folio_config *cfg,
		const struct capture_request *req, struct capture_result *ret)
{
	_cleanup_free_ struct frame_queue *q = calloc(1, sizeof(*q));
	_cleanup_close_ int hold = -1; /* the batch, held for this capture */
	struct scanner *scanner = NULL;
	struct scanner_settings set;
	struct reader rd = { 0 };
	struct index_split split;
	struct stage *st = NULL;
	struct committer com;
	struct commits cm;
	struct batch_turn turn = { 0 };
	struct batch_info b;
	pthread_t thread;
	double t0 = now();
	int r, store_err = 0;

	memset(ret, 0, sizeof(*ret));
	if (!q)
		return -ENOMEM;
	cancel_requested = 0;
	r = capture_open(store, cfg, req, &set, &hold, &scanner, &ret->batch);
	if (r < 0)
		return r;
	r = split_init(store, ret->batch, &split);
	if (r < 0) {
		scanner_close(scanner);
		return log_errno(r, "cannot read batch %u: %s", ret->batch, folio_strerror(r));
	}
	index_split_profile(&split, req->profile);
	split.one_batch = req->keep_open; /* sheets inserted into a batch stay in it */
	ret->first_batch = ret->batch;
	cm = (struct commits){ .req = req, .q = q, .batch = ret->batch, .t0 = t0 };
	pthread_mutex_init(&cm.lock, NULL);
	pthread_cond_init(&cm.changed, NULL);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->changed, NULL);
	rd.scanner = scanner;
	rd.q = q;
	rd.req = req;
	rd.settings = &set;
	rd.cm = &cm;
	rd.reconnect_seconds = (unsigned)cfg->reconnect_seconds;
	rd.max_pages = req->n_replace ? req->n_replace : req->max_pages;
	/* A flatbed always has a sheet on its glass: one press scans it once. */
	if (req->profile->source == SCAN_SOURCE_FLATBED)
		rd.max_pages = 1;
	if (store_batch_get(store, ret->batch, &b) == 0)
		cm.base_pages = b.n_pages;

	page_memory_keep();
	r = stage_new((unsigned)cfg->image_threads, clean_page, (void *)req->profile, &st);
	if (r == 0) {
		com = (struct committer){ .store = store, .req = req, .cm = &cm, .st = st };
		r = -pthread_create(&com.thread, NULL, committer_main, &com);
		if (r != 0)
			st = stage_free(st);
	}
	if (r == 0) {
		r = -pthread_create(&thread, NULL, reader_main, &rd);
		if (r != 0) {
			stage_close(st);
			pthread_join(com.thread, NULL);
			st = stage_free(st);
		}
	}
	if (r != 0) {
		pthread_cond_destroy(&q->changed);
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&cm.changed);
		pthread_mutex_destroy(&cm.lock);
		scanner_close(scanner);
		page_memory_release();
		return log_errno(r, "cannot start the capture's threads: %s", folio_strerror(r));
	}

	feed_pages(store, cfg, req, q, st, &split, &cm, &turn, &hold, ret);
	stage_close(st);
	pthread_join(com.thread, NULL);
	st = stage_free(st);
	ret->encode_seconds += com.image_seconds;
	ret->store_seconds += com.store_seconds;
	store_flush(store);
	pthread_mutex_lock(&cm.lock);
	store_err = cm.error;
	pthread_mutex_unlock(&cm.lock);
	pthread_join(thread, NULL);
	scanner_close(rd.scanner); /* the reader may have reopened it */
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
	r = capture_outcome(store, cfg, req, q, &cm, &turn, &hold, store_err, ret);
	ret->pages = cm.pages;
	ret->first_page = cm.first_page;
	ret->run_pages = cm.run_pages + cm.pages;
	pthread_cond_destroy(&cm.changed);
	pthread_mutex_destroy(&cm.lock);
	page_memory_release();
	ret->seconds = now() - t0;
	log_debug("batch %u: %u pages in %.2f s: image stage %.2f s, commits %.2f s", ret->batch,
		  ret->run_pages, ret->seconds, ret->encode_seconds, ret->store_seconds);
	return r;
}

struct device_search {
	const char *name;
	bool listed;
};

static int find_device(const struct scanner_device *d, void *user)
{
	struct device_search *ds = user;

	if (strcmp(d->name, ds->name) != 0)
		return 0;
	ds->listed = true;
	return 1;
}

/* Whether one of the space-separated patterns of @patterns matches @device. */
static bool device_pattern_match(const char *patterns, const char *device)
{
	char copy[sizeof(((struct folio_config *)0)->devices)], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", patterns);
	for (char *p = strtok_r(copy, " \t,", &save); p; p = strtok_r(NULL, " \t,", &save))
		if (fnmatch(p, device, 0) == 0)
			return true;
	return false;
}

int capture_device_allowed(const struct folio_config *cfg, const char *device, char *why,
			   size_t why_size)
{
	struct device_search ds = { .name = device };

	if (!device_name_ok(device)) {
		snprintf(why, why_size,
			 "a scanner name must be 1 to %d printable characters: name the scanner "
			 "as 'folio devices' lists it",
			 STORE_DEVICE_LEN - 1);
		return -EINVAL;
	}
	if (cfg->device[0] && strcmp(device, cfg->device) == 0)
		return 0;
	if (!device_pattern_match(cfg->devices, device)) {
		snprintf(why, why_size,
			 "scanner '%s' is not allowed here: [capture] devices does not name it",
			 device);
		return -EPERM;
	}
	if (scanner_list(find_device, &ds) < 0 || !ds.listed) {
		snprintf(why, why_size,
			 "scanner '%s' is not one SANE finds on this station: pick one of the list",
			 device);
		return -EPERM;
	}
	return 0;
}
