/* libsane-folio: the SANE entry points, the handles and the feeder. */

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "feeder_config.h"
#include "feeder_dbg.h"
#include "feeder_options.h"
#include "feeder_page.h"
#include "feeder_place.h"
#include "feeder_unplug.h"
#include "folio.h"

#define BACKEND_BUILD 1
#define DEVICE_PREFIX "folio:"
#define PAGES_MAX 100000	 /* files listed per folder */
#define PACE_SLICE_NS 20000000LL /* a paced wait checks for sane_cancel() this often */

enum fault {
	FAULT_JAM,
	FAULT_DOUBLE_FEED,
	FAULT_COVER_OPEN,
	FAULT_NO_PAPER,
	FAULT_DEVICE_LOST,
	FAULT_NONE,
};

static const struct {
	enum feeder_opt option;
	const char *what;
} faults[FAULT_NONE] = {
	[FAULT_JAM] = { FEEDER_OPT_JAM_PAGE, "paper jam" },
	[FAULT_DOUBLE_FEED] = { FEEDER_OPT_DOUBLE_FEED_PAGE, "double feed" },
	[FAULT_COVER_OPEN] = { FEEDER_OPT_COVER_OPEN_PAGE, "cover open" },
	[FAULT_NO_PAPER] = { FEEDER_OPT_NO_PAPER_PAGE, "out of paper" },
	[FAULT_DEVICE_LOST] = { FEEDER_OPT_DEVICE_LOST_PAGE, "device lost" },
};

enum scan_state {
	SCAN_IDLE,    /* no frame: sane_read() is not allowed */
	SCAN_READING, /* a frame is being read */
	SCAN_DONE,    /* the frame was read to its end: sane_read() says EOF */
	SCAN_FAILED,  /* a fault stopped the frame: sane_read() repeats its status */
};

struct folio_handle {
	struct folio_handle *next;
	char *dir;    /* real path of the page folder */
	char **files; /* page file names in feed order */
	size_t n_files;
	struct feeder_options opts;

	unsigned position;	/* ADF: index of the next side to feed */
	unsigned flatbed_scans; /* Flatbed: scans started this session */
	unsigned fired;		/* faults fired this session, bit per enum fault */
	bool gone;		/* the device was lost: every call fails */
	bool place_kept;	/* the place file could be written (or was not tried yet) */
	struct timespec last_feed;
	bool fed_before;

	enum scan_state state;
	SANE_Status failure; /* SCAN_FAILED: what sane_read() keeps returning */
	SANE_Parameters params;
	uint8_t *frame;
	size_t frame_size, frame_pos;
	bool advances;	       /* reading the frame to its end moves the feeder on */
	unsigned page;	       /* number of the page being read, from 1 */
	enum fault read_fault; /* armed for this frame, or FAULT_NONE */
	size_t fault_at;       /* frame offset where it fires */

	atomic_int cancel; /* set by sane_folio_cancel(), taken by the next call */
};

static pthread_mutex_t backend_lock = PTHREAD_MUTEX_INITIALIZER;
static struct feeder_config config;
static struct folio_handle *handles;
static SANE_Device *device_array;
static const SANE_Device **device_list;

/* ---------------------------------------------------------------------------------------- */
/* Page folders */

static bool is_page_name(const char *name)
{
	static const char *const exts[] = { ".png", ".tif", ".tiff", ".jpg", ".jpeg",
					    ".pnm", ".pbm", ".pgm",  ".ppm" };
	const char *dot = strrchr(name, '.');

	if (name[0] == '.' || !dot)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return true;
	return false;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Lists the page files of dir in feed order. Returns 0, -errno or -ENOMEM. */
static int list_pages(const char *dir, char ***ret_files, size_t *ret_n)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	char **files = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (!is_page_name(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n >= PAGES_MAX) {
			feeder_dbg(FEEDER_DBG_ERR, "'%s' has more than %d pages, the rest ignored",
				   dir, PAGES_MAX);
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nf = reallocarray(files, ncap, sizeof(*files));

			if (!nf)
				goto oom;
			files = nf;
			cap = ncap;
		}
		files[n] = strdup(de->d_name);
		if (!files[n])
			goto oom;
		n++;
	}
	if (n > 0)
		qsort(files, n, sizeof(*files), compare_names);
	*ret_files = files;
	*ret_n = n;
	return 0;
oom:
	free_names(files, n);
	return -ENOMEM;
}

/* Real path of an existing folder not currently unplugged, or NULL (with the reason logged). */
static char *usable_folder(const char *name)
{
	_cleanup_free_ char *real = realpath(name, NULL);
	struct stat st;

	if (!real || stat(real, &st) < 0) {
		feeder_dbg(FEEDER_DBG_ERR, "no page folder '%s': %s", name, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		feeder_dbg(FEEDER_DBG_ERR, "'%s' is not a folder", name);
		return NULL;
	}
	if (feeder_unplug_active(real)) {
		feeder_dbg(FEEDER_DBG_ERR, "'%s' is unplugged (device lost)", name);
		return NULL;
	}
	return TAKE_PTR(real);
}

/* ---------------------------------------------------------------------------------------- */
/* The feeder */

static enum feeder_source handle_source(const struct folio_handle *h)
{
	return (enum feeder_source)feeder_options_get(&h->opts, FEEDER_OPT_SOURCE);
}

/* Sides in the feeder for the source: a duplex sheet has two, an odd last page a blank back. */
static size_t feeder_sides(const struct folio_handle *h, enum feeder_source source)
{
	if (source == FEEDER_SOURCE_ADF_DUPLEX)
		return (h->n_files + 1) / 2 * 2;
	return h->n_files;
}

/* The file of a side, or NULL for a blank one. */
static const char *side_file(const struct folio_handle *h, enum feeder_source source, size_t side)
{
	if (source == FEEDER_SOURCE_FLATBED)
		return h->n_files ? h->files[0] : NULL;
	return side < h->n_files ? h->files[side] : NULL;
}

/* The side at the feeder's position left it: remember the place for the next session. */
static void side_left(struct folio_handle *h, enum feeder_source source)
{
	const char *file = side_file(h, source, h->position);
	int r;

	h->position++;
	if (!file) /* the blank back of an odd last page: the place stays at its front */
		return;
	r = feeder_place_save(h->dir, file);
	if (r < 0 && h->place_kept)
		feeder_dbg(FEEDER_DBG_ERR,
			   "cannot record the feeder's place in '%s': %s; it is kept for this "
			   "session only",
			   h->dir, strerror(-r));
	h->place_kept = r >= 0;
}

static void update_sensors(struct folio_handle *h)
{
	enum feeder_source source = handle_source(h);
	/* The flatbed always has its sheet on the glass (a blank one in an empty folder). */
	bool loaded = source == FEEDER_SOURCE_FLATBED || h->position < feeder_sides(h, source);

	feeder_options_set_sensor(&h->opts, FEEDER_OPT_PAGE_LOADED, loaded);
}

static bool fault_due(const struct folio_handle *h, enum fault f, unsigned page)
{
	SANE_Word at = feeder_options_get(&h->opts, faults[f].option);

	return at > 0 && (unsigned)at == page && !(h->fired & (1u << f));
}

static void drop_frame(struct folio_handle *h)
{
	free(h->frame);
	h->frame = NULL;
	h->frame_size = h->frame_pos = 0;
	h->read_fault = FAULT_NONE;
}

/* Acts on a pending sane_folio_cancel(): drops the frame. Returns whether there was one. */
static bool take_cancel(struct folio_handle *h)
{
	if (!atomic_exchange(&h->cancel, 0))
		return false;
	if (h->state == SCAN_READING)
		feeder_dbg(FEEDER_DBG_PAGE, "page %u cancelled after %zu of %zu bytes", h->page,
			   h->frame_pos, h->frame_size);
	drop_frame(h);
	h->state = SCAN_IDLE;
	return true;
}

static int64_t timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Waits until the next sheet is due at pages-per-minute. Returns 0, or -ECANCELED. */
static int pace_feed(struct folio_handle *h)
{
	SANE_Word ppm = feeder_options_get(&h->opts, FEEDER_OPT_PAGES_PER_MINUTE);
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ppm > 0 && h->fed_before) {
		int64_t due = timespec_ns(&h->last_feed) + 60000000000LL / ppm;

		while (timespec_ns(&now) < due) {
			int64_t wait = MIN(due - timespec_ns(&now), PACE_SLICE_NS);
			struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)wait };

			if (atomic_load(&h->cancel))
				return -ECANCELED;
			nanosleep(&ts, NULL);
			clock_gettime(CLOCK_MONOTONIC, &now);
		}
	}
	h->last_feed = now;
	h->fed_before = true;
	return 0;
}

static void fill_parameters(const struct feeder_request *req, SANE_Parameters *p)
{
	memset(p, 0, sizeof(*p));
	p->format = req->mode == FEEDER_MODE_COLOR ? SANE_FRAME_RGB : SANE_FRAME_GRAY;
	p->last_frame = SANE_TRUE;
	p->depth = req->mode == FEEDER_MODE_LINEART ? 1 : 8;
	p->pixels_per_line = req->width;
	p->lines = req->height;
	switch (req->mode) {
	case FEEDER_MODE_LINEART:
		p->bytes_per_line = (req->width + 7) / 8;
		break;
	case FEEDER_MODE_GRAY:
		p->bytes_per_line = req->width;
		break;
	case FEEDER_MODE_COLOR:
	default:
		p->bytes_per_line = req->width * 3;
		break;
	}
}

static void make_request(const struct folio_handle *h, struct feeder_request *req)
{
	feeder_options_request(&h->opts, req);
	req->max_pixels = (uint64_t)config.max_megapixels * 1000000;
}

static SANE_Status fire_read_fault(struct folio_handle *h)
{
	enum fault f = h->read_fault;
	SANE_Status status = SANE_STATUS_JAMMED;

	h->fired |= 1u << f;
	feeder_dbg(FEEDER_DBG_PAGE, "page %u: %s after %zu of %zu bytes", h->page, faults[f].what,
		   h->frame_pos, h->frame_size);
	if (f == FAULT_DOUBLE_FEED)
		feeder_options_set_sensor(&h->opts, FEEDER_OPT_DOUBLE_FEED, true);
	if (f == FAULT_DEVICE_LOST) {
		SANE_Word secs = feeder_options_get(&h->opts, FEEDER_OPT_DEVICE_LOST_SECONDS);
		int r = feeder_unplug_mark(h->dir, (unsigned)secs, h->position);

		if (r < 0)
			feeder_dbg(FEEDER_DBG_ERR, "cannot record that '%s' is unplugged: %s",
				   h->dir, strerror(-r));
		h->gone = true;
		status = SANE_STATUS_IO_ERROR;
	}
	drop_frame(h);
	h->state = SCAN_FAILED;
	h->failure = status;
	return status;
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points */

static void free_device_list(void)
{
	free(device_array);
	free(device_list);
	device_array = NULL;
	device_list = NULL;
}

SANE_Status sane_folio_init(SANE_Int *version_code, SANE_Auth_Callback authorize)
{
	int r;

	(void)authorize;
	feeder_dbg_init();
	pthread_mutex_lock(&backend_lock);
	free_device_list(); /* its names point into the configuration */
	feeder_config_release(&config);
	r = feeder_config_load(&config);
	pthread_mutex_unlock(&backend_lock);
	if (r < 0)
		return SANE_STATUS_NO_MEM;
	if (version_code)
		*version_code =
		    SANE_VERSION_CODE(SANE_CURRENT_MAJOR, SANE_CURRENT_MINOR, BACKEND_BUILD);
	feeder_dbg(FEEDER_DBG_PAGE, "libsane-folio %d.%d.%d initialised, %zu configured devices",
		   SANE_CURRENT_MAJOR, SANE_CURRENT_MINOR, BACKEND_BUILD, config.n_devices);
	return SANE_STATUS_GOOD;
}

static void free_handle(struct folio_handle *h)
{
	drop_frame(h);
	free_names(h->files, h->n_files);
	free(h->dir);
	free(h);
}

void sane_folio_exit(void)
{
	pthread_mutex_lock(&backend_lock);
	while (handles) {
		struct folio_handle *h = handles;

		handles = h->next;
		free_handle(h);
	}
	free_device_list();
	feeder_config_release(&config);
	pthread_mutex_unlock(&backend_lock);
}

SANE_Status sane_folio_get_devices(const SANE_Device ***ret_list, SANE_Bool local_only)
{
	size_t n = 0;

	(void)local_only;
	if (!ret_list)
		return SANE_STATUS_INVAL;

	pthread_mutex_lock(&backend_lock);
	free_device_list();
	device_array = calloc(config.n_devices + 1, sizeof(*device_array));
	device_list = calloc(
	    config.n_devices + 1,
	    sizeof(*device_list)); /* NOLINT(bugprone-sizeof-expression): an array of pointers */
	if (!device_array || !device_list) {
		free_device_list();
		pthread_mutex_unlock(&backend_lock);
		return SANE_STATUS_NO_MEM;
	}
	for (size_t i = 0; i < config.n_devices; i++) {
		_cleanup_free_ char *real = usable_folder(config.devices[i]);

		if (!real)
			continue;
		device_array[n] = (SANE_Device){
			.name = config.devices[i],
			.vendor = "Folio",
			.model = "virtual document feeder",
			.type = "sheetfed scanner",
		};
		device_list[n] = &device_array[n];
		n++;
	}
	*ret_list = device_list;
	pthread_mutex_unlock(&backend_lock);
	return SANE_STATUS_GOOD;
}

SANE_Status sane_folio_open(SANE_String_Const devicename, SANE_Handle *ret_handle)
{
	_cleanup_free_ char *dir = NULL;
	struct folio_handle *h;
	int r;

	if (!devicename || !ret_handle)
		return SANE_STATUS_INVAL;
	if (strncmp(devicename, DEVICE_PREFIX, strlen(DEVICE_PREFIX)) == 0)
		devicename += strlen(DEVICE_PREFIX);

	if (*devicename) {
		dir = usable_folder(devicename);
	} else {
		pthread_mutex_lock(&backend_lock);
		for (size_t i = 0; i < config.n_devices && !dir; i++)
			dir = usable_folder(config.devices[i]);
		pthread_mutex_unlock(&backend_lock);
	}
	if (!dir)
		return SANE_STATUS_INVAL;

	h = calloc(1, sizeof(*h));
	if (!h)
		return SANE_STATUS_NO_MEM;
	r = list_pages(dir, &h->files, &h->n_files);
	if (r < 0) {
		feeder_dbg(FEEDER_DBG_ERR, "cannot list '%s': %s", dir, strerror(-r));
		free(h);
		return r == -ENOMEM ? SANE_STATUS_NO_MEM : SANE_STATUS_IO_ERROR;
	}
	h->dir = TAKE_PTR(dir);
	h->read_fault = FAULT_NONE;
	h->place_kept = true;
	atomic_init(&h->cancel, 0);
	/* Back from an unplug: the paper is where it was, and that fault has happened. */
	if (feeder_unplug_take_resume(h->dir, &h->position)) {
		h->fired |= 1u << FAULT_DEVICE_LOST;
		feeder_dbg(FEEDER_DBG_PAGE, "'%s' is back: feeding on from side %u", h->dir,
			   h->position + 1);
	} else {
		/* The paper stayed where the last session left it. */
		h->position = (unsigned)feeder_place_load(h->dir, h->files, h->n_files);
	}

	pthread_mutex_lock(&backend_lock);
	feeder_options_init(&h->opts, &config.defaults);
	h->next = handles;
	handles = h;
	pthread_mutex_unlock(&backend_lock);
	update_sensors(h);

	feeder_dbg(FEEDER_DBG_PAGE, "opened '%s': %zu pages", h->dir, h->n_files);
	*ret_handle = h;
	return SANE_STATUS_GOOD;
}

void sane_folio_close(SANE_Handle handle)
{
	struct folio_handle *h = handle, **p;

	if (!h)
		return;
	pthread_mutex_lock(&backend_lock);
	for (p = &handles; *p; p = &(*p)->next) {
		if (*p == h) {
			*p = h->next;
			free_handle(h);
			break;
		}
	}
	pthread_mutex_unlock(&backend_lock);
}

const SANE_Option_Descriptor *sane_folio_get_option_descriptor(SANE_Handle handle, SANE_Int n)
{
	struct folio_handle *h = handle;

	if (!h || n < 0 || n >= FEEDER_OPT_COUNT)
		return NULL;
	return &h->opts.desc[n];
}

static int reload_feeder(struct folio_handle *h)
{
	char **files = NULL;
	size_t n = 0;
	int r;

	r = list_pages(h->dir, &files, &n);
	if (r < 0)
		return r;
	free_names(h->files, h->n_files);
	h->files = files;
	h->n_files = n;
	h->position = 0;
	r = feeder_place_forget(h->dir);
	if (r < 0)
		feeder_dbg(FEEDER_DBG_ERR, "cannot remove the feeder's place in '%s': %s", h->dir,
			   strerror(-r));
	feeder_dbg(FEEDER_DBG_PAGE, "feeder of '%s' reloaded: %zu pages", h->dir, n);
	return 0;
}

SANE_Status sane_folio_control_option(SANE_Handle handle, SANE_Int n, SANE_Action action,
				      void *value, SANE_Int *info)
{
	struct folio_handle *h = handle;
	int r;

	if (info)
		*info = 0;
	if (!h)
		return SANE_STATUS_INVAL;
	if (action == SANE_ACTION_GET_VALUE)
		update_sensors(h);
	if (n == FEEDER_OPT_RELOAD && action == SANE_ACTION_SET_VALUE && h->state == SCAN_READING &&
	    !atomic_load(&h->cancel))
		return SANE_STATUS_DEVICE_BUSY;

	r = feeder_options_control(&h->opts, n, action, value, info);
	if (r < 0)
		return SANE_STATUS_INVAL;
	if (action == SANE_ACTION_GET_VALUE)
		return SANE_STATUS_GOOD;

	for (int f = 0; f < FAULT_NONE; f++)
		if ((int)faults[f].option == n)
			h->fired &= ~(1u << f);
	if (n == FEEDER_OPT_RELOAD) {
		r = reload_feeder(h);
		if (r < 0) {
			feeder_dbg(FEEDER_DBG_ERR, "cannot list '%s': %s", h->dir, strerror(-r));
			return r == -ENOMEM ? SANE_STATUS_NO_MEM : SANE_STATUS_IO_ERROR;
		}
	}
	return SANE_STATUS_GOOD;
}

SANE_Status sane_folio_get_parameters(SANE_Handle handle, SANE_Parameters *params)
{
	struct folio_handle *h = handle;
	struct feeder_request req;

	if (!h || !params)
		return SANE_STATUS_INVAL;
	/* The frame's own until the next sane_start() or sane_cancel(), also once it is read
	 * whole: saned reads ahead to the end of the frame before its client asks. */
	if ((h->state == SCAN_READING || h->state == SCAN_DONE) && !atomic_load(&h->cancel)) {
		*params = h->params;
		return SANE_STATUS_GOOD;
	}
	make_request(h, &req);
	fill_parameters(&req, params);
	return SANE_STATUS_GOOD;
}

SANE_Status sane_folio_start(SANE_Handle handle)
{
	struct folio_handle *h = handle;
	_cleanup_free_ char *path = NULL;
	struct feeder_request req;
	enum feeder_source source;
	const char *file;
	size_t bpl, size;
	unsigned page;
	int r;

	if (!h)
		return SANE_STATUS_INVAL;
	take_cancel(h);
	if (h->state == SCAN_READING)
		feeder_dbg(FEEDER_DBG_PAGE, "page %u abandoned by a new sane_start()", h->page);
	drop_frame(h);
	h->state = SCAN_IDLE;
	feeder_options_set_sensor(&h->opts, FEEDER_OPT_DOUBLE_FEED, false);
	feeder_options_set_sensor(&h->opts, FEEDER_OPT_COVER_OPEN, false);

	if (h->gone)
		return SANE_STATUS_IO_ERROR;
	if (feeder_unplug_active(h->dir)) {
		feeder_dbg(FEEDER_DBG_ERR, "'%s' is unplugged (device lost)", h->dir);
		h->gone = true;
		return SANE_STATUS_IO_ERROR;
	}

	source = handle_source(h);
	if (source != FEEDER_SOURCE_FLATBED && h->position >= feeder_sides(h, source)) {
		feeder_dbg(FEEDER_DBG_PAGE, "feeder empty after %u pages", h->position);
		return SANE_STATUS_NO_DOCS;
	}
	page = source == FEEDER_SOURCE_FLATBED ? h->flatbed_scans + 1 : h->position + 1;

	if (fault_due(h, FAULT_COVER_OPEN, page)) {
		h->fired |= 1u << FAULT_COVER_OPEN;
		feeder_options_set_sensor(&h->opts, FEEDER_OPT_COVER_OPEN, true);
		feeder_dbg(FEEDER_DBG_PAGE, "page %u: cover open", page);
		return SANE_STATUS_COVER_OPEN;
	}
	if (fault_due(h, FAULT_NO_PAPER, page)) {
		h->fired |= 1u << FAULT_NO_PAPER;
		feeder_dbg(FEEDER_DBG_PAGE, "page %u: out of paper", page);
		return SANE_STATUS_NO_DOCS;
	}

	make_request(h, &req);
	r = feeder_page_layout(&req, &bpl, &size);
	if (r < 0) {
		feeder_dbg(FEEDER_DBG_ERR, "%s",
			   r == -EINVAL ? "the scan area is empty"
					: "the scan area makes a frame larger than max-megapixels");
		return SANE_STATUS_INVAL;
	}

	/* A new sheet: every page in simplex, the front of a duplex sheet. */
	if (source != FEEDER_SOURCE_ADF_DUPLEX || page % 2 == 1) {
		if (pace_feed(h) < 0) {
			take_cancel(h);
			return SANE_STATUS_CANCELLED;
		}
	}

	file = side_file(h, source, page - 1);
	if (file && asprintf(&path, "%s/%s", h->dir, file) < 0)
		return SANE_STATUS_NO_MEM;
	r = feeder_page_render(path, &req, &h->frame, &h->frame_size);
	if (r < 0) {
		if (r == -ENOMEM)
			return SANE_STATUS_NO_MEM;
		/* The sheet went through but its picture is unusable: it leaves the feeder. */
		if (source == FEEDER_SOURCE_FLATBED)
			h->flatbed_scans++;
		else
			side_left(h, source);
		return SANE_STATUS_IO_ERROR;
	}

	fill_parameters(&req, &h->params);
	h->frame_pos = 0;
	h->page = page;
	h->advances = source != FEEDER_SOURCE_FLATBED;
	if (source == FEEDER_SOURCE_FLATBED)
		h->flatbed_scans++;
	h->read_fault = FAULT_NONE;
	for (enum fault f = FAULT_JAM; f <= FAULT_DEVICE_LOST; f++) {
		if (f == FAULT_COVER_OPEN || f == FAULT_NO_PAPER || !fault_due(h, f, page))
			continue;
		h->read_fault = f;
		h->fault_at = (size_t)(req.height / 2) * bpl;
		break;
	}
	h->state = SCAN_READING;
	feeder_dbg(FEEDER_DBG_PAGE, "page %u: %s, %dx%d at %d dpi, %zu bytes", page,
		   file ? file : "(blank)", req.width, req.height, req.dpi, h->frame_size);
	return SANE_STATUS_GOOD;
}

SANE_Status sane_folio_read(SANE_Handle handle, SANE_Byte *data, SANE_Int max_length,
			    SANE_Int *length)
{
	struct folio_handle *h = handle;
	SANE_Word chunk;
	size_t n;

	if (length)
		*length = 0;
	if (!h || !data || !length || max_length <= 0)
		return SANE_STATUS_INVAL;
	if (take_cancel(h))
		return SANE_STATUS_CANCELLED;

	switch (h->state) {
	case SCAN_IDLE:
		return SANE_STATUS_INVAL;
	case SCAN_DONE:
		return SANE_STATUS_EOF;
	case SCAN_FAILED:
		return h->failure;
	case SCAN_READING:
		break;
	}

	if (h->read_fault != FAULT_NONE && h->frame_pos >= h->fault_at)
		return fire_read_fault(h);
	if (h->frame_pos == h->frame_size) {
		drop_frame(h);
		h->state = SCAN_DONE;
		return SANE_STATUS_EOF;
	}

	n = MIN((size_t)max_length, h->frame_size - h->frame_pos);
	chunk = feeder_options_get(&h->opts, FEEDER_OPT_READ_CHUNK);
	if (chunk > 0)
		n = MIN(n, (size_t)chunk);
	if (h->read_fault != FAULT_NONE)
		n = MIN(n, h->fault_at - h->frame_pos);
	memcpy(data, h->frame + h->frame_pos, n);
	h->frame_pos += n;
	if (h->frame_pos == h->frame_size && h->advances) {
		/* Read whole: the side has left the feeder. */
		side_left(h, handle_source(h));
		feeder_dbg(FEEDER_DBG_PAGE, "page %u read", h->page);
	}
	feeder_dbg(FEEDER_DBG_READ, "read %zu bytes, %zu of %zu", n, h->frame_pos, h->frame_size);
	*length = (SANE_Int)n;
	return SANE_STATUS_GOOD;
}

void sane_folio_cancel(SANE_Handle handle)
{
	struct folio_handle *h = handle;

	/* Async-signal-safe: only raises a flag that the next call on the handle acts on. */
	if (h)
		atomic_store(&h->cancel, 1);
}

SANE_Status sane_folio_set_io_mode(SANE_Handle handle, SANE_Bool non_blocking)
{
	if (!handle)
		return SANE_STATUS_INVAL;
	return non_blocking ? SANE_STATUS_UNSUPPORTED : SANE_STATUS_GOOD;
}

SANE_Status sane_folio_get_select_fd(SANE_Handle handle, SANE_Int *fd)
{
	(void)handle;
	(void)fd;
	return SANE_STATUS_UNSUPPORTED;
}
