#include <errno.h>
#include <pthread.h>
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
#include "firmware/image/encode.h"

#define QUEUE_LEN CONFIG_CAPTURE_MAX_FRAMES
#define MAX_FRAME_BYTES ((size_t)CONFIG_CAPTURE_MAX_FRAME_MB << 20)

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

struct reader {
	struct scanner *scanner;
	struct frame_queue *q;
	uint32_t max_pages;
	uint32_t sheets_read;
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
	default:
		return "capture stopped: fix the problem above, then resume";
	}
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
		if (r < 0)
			break;
		r = scanner_read_frame(rd->scanner, MAX_FRAME_BYTES, &f);
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

static void scanner_settings_from_profile(const struct scan_profile *p,
					  struct scanner_settings *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->source = p->source == SCAN_SOURCE_DUPLEX ? SCANNER_SOURCE_DUPLEX
		      : p->source == SCAN_SOURCE_ADF  ? SCANNER_SOURCE_ADF
						      : SCANNER_SOURCE_FLATBED;
	ret->mode = p->mode == SCAN_MODE_COLOR	? SCANNER_MODE_COLOR
		    : p->mode == SCAN_MODE_GRAY ? SCANNER_MODE_GRAY
						: SCANNER_MODE_LINEART;
	ret->resolution = p->resolution;
	page_size_mm(p->page_size, &ret->page_width_mm, &ret->page_height_mm);
}

/* The image stage for one frame: encode it as the profile says. */
static int encode_page(const struct frame *f, const struct scan_profile *p,
		       struct encoded_image *ret)
{
	if (p->mode == SCAN_MODE_LINEART || f->depth == 1)
		return image_encode_g4(f, "Folio " CONFIG_BOARD_NAME, ret);
	return image_encode_jpeg(f, p->jpeg_quality, ret);
}

static int start_batch(struct store *store, const struct folio_config *cfg,
		       const struct capture_request *req, uint32_t *ret_batch)
{
	struct batch_info b = { 0 };
	struct document_info d = { 0 };
	uint32_t id;
	int r;

	if (req->resume_batch) {
		r = store_batch_get(store, req->resume_batch, &b);
		if (r < 0)
			return r;
		if (b.state != BATCH_OPEN)
			return -FOLIO_ESTATE;
		*ret_batch = b.id;
		return 0;
	}

	snprintf(b.station, sizeof(b.station), "%s", cfg->station_id);
	snprintf(b.device, sizeof(b.device), "%s", req->device);
	snprintf(b.profile, sizeof(b.profile), "%s", req->profile->name);
	r = store_batch_create(store, req->who, &b, &id);
	if (r < 0)
		return r;

	/* Until indexing splits it, the batch is one document with the station's defaults. */
	d.batch = id;
	d.number = 1;
	d.ip_type = cfg->ip_type;
	snprintf(d.office, sizeof(d.office), "%s", cfg->office);
	snprintf(d.document_code, sizeof(d.document_code), "%s", cfg->document_code);
	snprintf(d.language, sizeof(d.language), "%s", cfg->language);
	r = store_document_put(store, req->who, &d);
	if (r < 0)
		return r;
	*ret_batch = id;
	return 0;
}

int capture_run(struct store *store, const struct folio_config *cfg,
		const struct capture_request *req, struct capture_result *ret)
{
	_cleanup_free_ struct frame_queue *q = calloc(1, sizeof(*q));
	struct scanner *scanner = NULL;
	struct scanner_settings set;
	struct reader rd = { 0 };
	pthread_t thread;
	struct frame f;
	char why[256];
	double t0 = now();
	int r, store_err = 0;

	memset(ret, 0, sizeof(*ret));
	if (!q)
		return -ENOMEM;
	cancel_requested = 0;

	r = scanner_open(req->device, &scanner);
	if (r < 0)
		return log_errno(r, "cannot open scanner '%s': %s", req->device, folio_strerror(r));
	scanner_settings_from_profile(req->profile, &set);
	r = scanner_configure(scanner, &set, why, sizeof(why));
	if (r < 0) {
		scanner_close(scanner);
		return log_errno(r, "%s", why);
	}

	r = start_batch(store, cfg, req, &ret->batch);
	if (r < 0) {
		scanner_close(scanner);
		if (r == -FOLIO_ESTATE)
			return log_errno(r,
					 "batch %u is not open: only an interrupted batch can be "
					 "resumed",
					 req->resume_batch);
		return log_errno(r, "cannot start a batch in store '%s': %s", store_path(store),
				 folio_strerror(r));
	}
	log_debug("capturing batch %u from '%s' at %d dpi", ret->batch, req->device,
		  scanner_resolution(scanner));

	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->changed, NULL);
	rd.scanner = scanner;
	rd.q = q;
	rd.max_pages = req->max_pages;
	r = -pthread_create(&thread, NULL, reader_main, &rd);
	if (r < 0) {
		scanner_close(scanner);
		return log_errno(r, "cannot start the capture thread: %s", folio_strerror(r));
	}

	while (queue_pop(q, &f)) {
		struct encoded_image img = { 0 };
		struct page_info meta = { 0 };
		uint32_t number = 0;
		double t1 = now(), t2;

		if (store_err) { /* drain what the reader still had */
			free(f.data);
			continue;
		}
		r = encode_page(&f, req->profile, &img);
		free(f.data);
		t2 = now();
		ret->encode_seconds += t2 - t1;
		if (r < 0) {
			store_err = log_errno(r, "cannot encode a page of batch %u: %s", ret->batch,
					      folio_strerror(r));
			queue_stop(q);
			continue;
		}
		meta.batch = ret->batch;
		meta.document = 1;
		meta.width = img.width;
		meta.height = img.height;
		meta.dpi = img.dpi;
		meta.bit_depth = img.bit_depth;
		meta.channels = img.channels;
		snprintf(meta.format, sizeof(meta.format), "%s", img.format);
		r = store_page_add(store, req->who, &meta, img.data, img.size, &number);
		encoded_image_release(&img);
		ret->store_seconds += now() - t2;
		if (r < 0) {
			store_err = r;
			queue_stop(q);
			continue;
		}
		if (!ret->first_page)
			ret->first_page = number;
		ret->pages++;
		if (req->progress) {
			struct capture_progress p = {
				.batch = ret->batch,
				.pages = ret->pages,
				.last_page = number,
				.seconds = now() - t0,
			};
			p.pages_per_minute = p.seconds > 0 ? 60.0 * p.pages / p.seconds : 0;
			req->progress(&p, req->user);
		}
	}
	pthread_join(thread, NULL);
	scanner_close(scanner);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
	ret->seconds = now() - t0;

	if (store_err) {
		ret->fault = store_err;
		return store_err;
	}
	ret->fault = q->fault;
	if (q->fault) {
		struct batch_info b;

		if (store_batch_get(store, ret->batch, &b) == 0)
			ret->lost_page = b.n_pages + 1;
		return q->fault;
	}
	r = store_batch_set_state(store, ret->batch, BATCH_CLOSED, req->who);
	if (r < 0)
		return log_errno(r, "cannot close batch %u: %s", ret->batch, folio_strerror(r));
	ret->closed = true;
	return 0;
}
