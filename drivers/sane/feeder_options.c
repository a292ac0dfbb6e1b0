/* The SANE options of a libsane-folio device. */

#include <errno.h>
#include <math.h>
#include <sane/saneopts.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compiler.h"
#include "feeder_dbg.h"
#include "feeder_options.h"

#define MM_PER_INCH 25.4

#define GLASS_WIDTH SANE_FIX(215.9)
#define GLASS_HEIGHT SANE_FIX(297.0)
#define DEFAULT_PAGE_WIDTH SANE_FIX(210.0) /* A4 */
#define DEFAULT_PAGE_HEIGHT SANE_FIX(297.0)
#define DEFAULT_RESOLUTION 300
#define DEFAULT_THRESHOLD 128

#define CAP_RW (SANE_CAP_SOFT_SELECT | SANE_CAP_SOFT_DETECT)
#define CAP_RO SANE_CAP_SOFT_DETECT

static SANE_String_Const const source_list[] = { "Flatbed", "ADF Front", "ADF Duplex", NULL };
static SANE_String_Const const mode_list[] = { SANE_VALUE_SCAN_MODE_LINEART,
					       SANE_VALUE_SCAN_MODE_GRAY,
					       SANE_VALUE_SCAN_MODE_COLOR, NULL };
static const SANE_Word depth_list[] = { 2, 1, 8 };

static const SANE_Range resolution_range = { 50, 1200, 1 };
static const SANE_Range threshold_range = { 0, 255, 1 };
static const SANE_Range page_width_range = { SANE_FIX(10.0), SANE_FIX(431.8), 0 };
static const SANE_Range page_height_range = { SANE_FIX(10.0), SANE_FIX(1000.0), 0 };
static const SANE_Range ppm_range = { 0, FEEDER_PPM_MAX, 1 };
static const SANE_Range chunk_range = { 0, FEEDER_CHUNK_MAX, 1 };
static const SANE_Range page_range = { 0, FEEDER_PAGE_MAX, 1 };
static const SANE_Range lost_seconds_range = { 0, FEEDER_LOST_SECONDS_MAX, 1 };

/*
 * The options a frontend may leave to the device (SANE_CAP_AUTOMATIC): SANE_ACTION_SET_AUTO
 * gives them back the value they start with.
 */
struct automatic_option {
	int n;
	const char *name, *title, *desc;
	SANE_Value_Type type;
	SANE_Unit unit;
	const SANE_Range *range;
	SANE_Word value;
};

static const struct automatic_option automatic_options[] = {
	{ FEEDER_OPT_RESOLUTION, SANE_NAME_SCAN_RESOLUTION, SANE_TITLE_SCAN_RESOLUTION,
	  "Output resolution. Each page file is rescaled from its own resolution; files "
	  "that do not state one count as 300 dpi.",
	  SANE_TYPE_INT, SANE_UNIT_DPI, &resolution_range, DEFAULT_RESOLUTION },
	{ FEEDER_OPT_THRESHOLD, SANE_NAME_THRESHOLD, SANE_TITLE_THRESHOLD,
	  "Lineart only: grey levels below this become black, the rest white.", SANE_TYPE_INT,
	  SANE_UNIT_NONE, &threshold_range, DEFAULT_THRESHOLD },
	{ FEEDER_OPT_PAGE_WIDTH, SANE_NAME_PAGE_WIDTH, SANE_TITLE_PAGE_WIDTH,
	  "Width of the paper in the feeder. Setting it resets tl-x and br-x to the whole "
	  "width: set the paper size before the scan area. ADF sources only.",
	  SANE_TYPE_FIXED, SANE_UNIT_MM, &page_width_range, DEFAULT_PAGE_WIDTH },
	{ FEEDER_OPT_PAGE_HEIGHT, SANE_NAME_PAGE_HEIGHT, SANE_TITLE_PAGE_HEIGHT,
	  "Length of the paper in the feeder. Setting it resets tl-y and br-y to the whole "
	  "length: set the paper size before the scan area. ADF sources only.",
	  SANE_TYPE_FIXED, SANE_UNIT_MM, &page_height_range, DEFAULT_PAGE_HEIGHT },
};

/* The entry of option @n in automatic_options[], or NULL. */
static const struct automatic_option *automatic_option(int n)
{
	for (size_t i = 0; i < ARRAY_SIZE(automatic_options); i++)
		if (automatic_options[i].n == n)
			return &automatic_options[i];
	return NULL;
}

static size_t string_list_size(SANE_String_Const const *list)
{
	size_t max = 0;

	for (; *list; list++)
		max = MAX(max, strlen(*list) + 1);
	return max;
}

static void set_group(struct feeder_options *o, int n, const char *title)
{
	SANE_Option_Descriptor *d = &o->desc[n];

	d->name = "";
	d->title = title;
	d->desc = "";
	d->type = SANE_TYPE_GROUP;
	d->cap = 0;
	d->size = 0;
	d->constraint_type = SANE_CONSTRAINT_NONE;
}

static void set_word(struct feeder_options *o, int n, SANE_Value_Type type, SANE_Unit unit,
		     SANE_Int cap, const SANE_Range *range, SANE_Word value)
{
	SANE_Option_Descriptor *d = &o->desc[n];

	d->type = type;
	d->unit = unit;
	d->size = sizeof(SANE_Word);
	d->cap = cap;
	if (range) {
		d->constraint_type = SANE_CONSTRAINT_RANGE;
		d->constraint.range = range;
	} else {
		d->constraint_type = SANE_CONSTRAINT_NONE;
	}
	o->value[n] = value;
}

static void set_strings(struct feeder_options *o, int n, SANE_String_Const const *list, int value)
{
	SANE_Option_Descriptor *d = &o->desc[n];

	d->type = SANE_TYPE_STRING;
	d->unit = SANE_UNIT_NONE;
	d->size = (SANE_Int)string_list_size(list);
	d->cap = CAP_RW;
	d->constraint_type = SANE_CONSTRAINT_STRING_LIST;
	d->constraint.string_list = list;
	o->value[n] = value;
}

static void describe(struct feeder_options *o, int n, const char *name, const char *title,
		     const char *desc)
{
	o->desc[n].name = name;
	o->desc[n].title = title;
	o->desc[n].desc = desc;
}

static void set_active(struct feeder_options *o, int n, bool active)
{
	if (active)
		o->desc[n].cap &= ~SANE_CAP_INACTIVE;
	else
		o->desc[n].cap |= SANE_CAP_INACTIVE;
}

static void set_automatic(struct feeder_options *o, int n)
{
	const struct automatic_option *a = automatic_option(n);

	describe(o, n, a->name, a->title, a->desc);
	set_word(o, n, a->type, a->unit, CAP_RW | SANE_CAP_AUTOMATIC, a->range, a->value);
}

static SANE_Word clamp_word(SANE_Word v, SANE_Word min, SANE_Word max)
{
	return v < min ? min : v > max ? max : v;
}

/* Follows source and paper size: activity of the paper options, area ranges, area clamped. */
static void update_geometry(struct feeder_options *o)
{
	bool flatbed = o->value[FEEDER_OPT_SOURCE] == FEEDER_SOURCE_FLATBED;

	set_active(o, FEEDER_OPT_PAGE_WIDTH, !flatbed);
	set_active(o, FEEDER_OPT_PAGE_HEIGHT, !flatbed);
	o->x_range.max = flatbed ? GLASS_WIDTH : o->value[FEEDER_OPT_PAGE_WIDTH];
	o->y_range.max = flatbed ? GLASS_HEIGHT : o->value[FEEDER_OPT_PAGE_HEIGHT];
	for (int n = FEEDER_OPT_TL_X; n <= FEEDER_OPT_BR_Y; n++) {
		const SANE_Range *r =
		    n == FEEDER_OPT_TL_X || n == FEEDER_OPT_BR_X ? &o->x_range : &o->y_range;

		o->value[n] = clamp_word(o->value[n], r->min, r->max);
	}
}

static void update_mode(struct feeder_options *o)
{
	bool lineart = o->value[FEEDER_OPT_MODE] == FEEDER_MODE_LINEART;

	set_active(o, FEEDER_OPT_THRESHOLD, lineart);
	o->value[FEEDER_OPT_DEPTH] = lineart ? 1 : 8;
}

/* Scan mode: source, mode, depth, resolution and threshold. */
static void init_mode_options(struct feeder_options *o)
{
	set_group(o, FEEDER_OPT_GROUP_MODE, SANE_TITLE_SCAN_MODE);

	describe(o, FEEDER_OPT_SOURCE, SANE_NAME_SCAN_SOURCE, SANE_TITLE_SCAN_SOURCE,
		 "Flatbed scans the folder's first page every time; ADF Front feeds the pages in "
		 "name order; ADF Duplex serves consecutive files as the front and back of a sheet "
		 "(an odd last page gets a blank back). An empty feeder gives "
		 "SANE_STATUS_NO_DOCS.");
	set_strings(o, FEEDER_OPT_SOURCE, source_list, FEEDER_SOURCE_ADF_FRONT);

	describe(o, FEEDER_OPT_MODE, SANE_NAME_SCAN_MODE, SANE_TITLE_SCAN_MODE,
		 SANE_DESC_SCAN_MODE);
	set_strings(o, FEEDER_OPT_MODE, mode_list, FEEDER_MODE_GRAY);

	describe(o, FEEDER_OPT_DEPTH, SANE_NAME_BIT_DEPTH, SANE_TITLE_BIT_DEPTH,
		 "Bits per sample, set by the mode: 1 for Lineart, 8 for Gray and Color.");
	set_word(o, FEEDER_OPT_DEPTH, SANE_TYPE_INT, SANE_UNIT_BIT, CAP_RO, NULL, 8);
	o->desc[FEEDER_OPT_DEPTH].constraint_type = SANE_CONSTRAINT_WORD_LIST;
	o->desc[FEEDER_OPT_DEPTH].constraint.word_list = depth_list;

	set_automatic(o, FEEDER_OPT_RESOLUTION);
	set_automatic(o, FEEDER_OPT_THRESHOLD);
}

/* Geometry: the paper size, the scan area and automatic paper size. */
static void init_geometry_options(struct feeder_options *o)
{
	/* The scan area: first the whole default paper, then clamped to the source's. */
	const struct {
		int n;
		const char *name, *title, *desc;
		const SANE_Range *range;
		SANE_Word value;
	} area[] = {
		{ FEEDER_OPT_TL_X, SANE_NAME_SCAN_TL_X, SANE_TITLE_SCAN_TL_X, SANE_DESC_SCAN_TL_X,
		  &o->x_range, 0 },
		{ FEEDER_OPT_TL_Y, SANE_NAME_SCAN_TL_Y, SANE_TITLE_SCAN_TL_Y, SANE_DESC_SCAN_TL_Y,
		  &o->y_range, 0 },
		{ FEEDER_OPT_BR_X, SANE_NAME_SCAN_BR_X, SANE_TITLE_SCAN_BR_X, SANE_DESC_SCAN_BR_X,
		  &o->x_range, DEFAULT_PAGE_WIDTH },
		{ FEEDER_OPT_BR_Y, SANE_NAME_SCAN_BR_Y, SANE_TITLE_SCAN_BR_Y, SANE_DESC_SCAN_BR_Y,
		  &o->y_range, DEFAULT_PAGE_HEIGHT },
	};

	set_group(o, FEEDER_OPT_GROUP_GEOMETRY, SANE_TITLE_GEOMETRY);

	set_automatic(o, FEEDER_OPT_PAGE_WIDTH);
	set_automatic(o, FEEDER_OPT_PAGE_HEIGHT);

	for (size_t i = 0; i < ARRAY_SIZE(area); i++) {
		describe(o, area[i].n, area[i].name, area[i].title, area[i].desc);
		set_word(o, area[i].n, SANE_TYPE_FIXED, SANE_UNIT_MM, CAP_RW, area[i].range,
			 area[i].value);
	}
	describe(o, FEEDER_OPT_AUTO_SIZE, "auto-size", "Automatic paper size",
		 "Each sheet comes whole at its own size and aspect (letter, legal, A3, "
		 "landscape), as the feeder measures it, up to the largest paper it takes; "
		 "the paper size and the scan area are then ignored. sane_get_parameters() "
		 "gives the paper size until sane_start(), the sheet's size after it.");
	set_word(o, FEEDER_OPT_AUTO_SIZE, SANE_TYPE_BOOL, SANE_UNIT_NONE, CAP_RW, NULL, SANE_FALSE);
}

/* The feeder's pace, transfer size and reload button. */
static void init_feeder_options(struct feeder_options *o, const struct feeder_defaults *d)
{
	set_group(o, FEEDER_OPT_GROUP_FEEDER, "Feeder");

	describe(o, FEEDER_OPT_PAGES_PER_MINUTE, "pages-per-minute", "Pages per minute",
		 "Feed pace: sane_start() waits so that sheets follow each other at this rate "
		 "(a duplex sheet is one feed). 0 feeds as fast as possible.");
	set_word(o, FEEDER_OPT_PAGES_PER_MINUTE, SANE_TYPE_INT, SANE_UNIT_NONE, CAP_RW, &ppm_range,
		 d->pages_per_minute);

	describe(o, FEEDER_OPT_READ_CHUNK, "read-chunk", "Read chunk",
		 "Most bytes one sane_read() call returns, like a scanner's transfer size. 0 "
		 "returns as much as the frontend asks for.");
	set_word(o, FEEDER_OPT_READ_CHUNK, SANE_TYPE_INT, SANE_UNIT_NONE,
		 CAP_RW | SANE_CAP_ADVANCED, &chunk_range, d->read_chunk);

	describe(o, FEEDER_OPT_RELOAD, "reload-feeder", "Reload feeder",
		 "Lists the folder again and puts all its pages back into the feeder.");
	o->desc[FEEDER_OPT_RELOAD].type = SANE_TYPE_BUTTON;
	o->desc[FEEDER_OPT_RELOAD].unit = SANE_UNIT_NONE;
	o->desc[FEEDER_OPT_RELOAD].cap = CAP_RW | SANE_CAP_ADVANCED;
	o->desc[FEEDER_OPT_RELOAD].constraint_type = SANE_CONSTRAINT_NONE;
}

/* Fault injection: the page where each fault fires, 0 for never. */
static void init_fault_options(struct feeder_options *o, const struct feeder_defaults *d)
{
	const struct {
		int n;
		const char *name, *title, *desc;
		SANE_Word page;
	} faults[] = {
		{ FEEDER_OPT_JAM_PAGE, "jam-page", "Jam at page",
		  "Page (from 1, in feed order; each duplex side is a page) where the paper jams: "
		  "sane_read() returns SANE_STATUS_JAMMED after half of the page was delivered. The "
		  "next sane_start() feeds that page again. Fires once per sane_open(); setting "
		  "the option arms it again. 0: never.",
		  d->jam_page },
		{ FEEDER_OPT_DOUBLE_FEED_PAGE, "double-feed-page", "Double feed at page",
		  "Page where two sheets are fed at once: sane_read() returns SANE_STATUS_JAMMED "
		  "(SANE 1.0 has no double-feed status; real backends report multifeeds as jams) "
		  "after half of the page, and the double-feed sensor reads true until the next "
		  "sane_start(), which feeds the page again. Fires once per sane_open(). 0: never.",
		  d->double_feed_page },
		{ FEEDER_OPT_COVER_OPEN_PAGE, "cover-open-page", "Cover open at page",
		  "Page before which the cover opens: sane_start() returns SANE_STATUS_COVER_OPEN "
		  "without feeding; the next sane_start() feeds the page. Fires once per "
		  "sane_open(). 0: never.",
		  d->cover_open_page },
		{ FEEDER_OPT_NO_PAPER_PAGE, "no-paper-page", "Out of paper at page",
		  "Page before which the feeder looks empty: sane_start() returns "
		  "SANE_STATUS_NO_DOCS (a batch ends early); the next sane_start() feeds the page. "
		  "Fires once per sane_open(). 0: never.",
		  d->no_paper_page },
		{ FEEDER_OPT_DEVICE_LOST_PAGE, "device-lost-page", "Device lost at page",
		  "Page during which the scanner is unplugged: sane_read() returns "
		  "SANE_STATUS_IO_ERROR after half of the page, every later call on the handle "
		  "fails, and for device-lost-seconds the device is missing from "
		  "sane_get_devices() and sane_open() fails with SANE_STATUS_INVAL, in every "
		  "process. 0: never.",
		  d->device_lost_page },
	};

	set_group(o, FEEDER_OPT_GROUP_FAULTS, "Fault injection");
	o->desc[FEEDER_OPT_GROUP_FAULTS].cap = SANE_CAP_ADVANCED;

	for (size_t i = 0; i < ARRAY_SIZE(faults); i++) {
		describe(o, faults[i].n, faults[i].name, faults[i].title, faults[i].desc);
		set_word(o, faults[i].n, SANE_TYPE_INT, SANE_UNIT_NONE, CAP_RW | SANE_CAP_ADVANCED,
			 &page_range, faults[i].page);
	}

	describe(o, FEEDER_OPT_DEVICE_LOST_SECONDS, "device-lost-seconds", "Device lost for",
		 "Seconds a lost device stays away before it can be found and opened again.");
	set_word(o, FEEDER_OPT_DEVICE_LOST_SECONDS, SANE_TYPE_INT, SANE_UNIT_NONE,
		 CAP_RW | SANE_CAP_ADVANCED, &lost_seconds_range, d->device_lost_seconds);
}

/* Sensors: the feeder's read-only states. */
static void init_sensor_options(struct feeder_options *o)
{
	set_group(o, FEEDER_OPT_GROUP_SENSORS, "Sensors");
	o->desc[FEEDER_OPT_GROUP_SENSORS].cap = SANE_CAP_ADVANCED;

	describe(o, FEEDER_OPT_PAGE_LOADED, SANE_NAME_PAGE_LOADED, SANE_TITLE_PAGE_LOADED,
		 "Whether pages are left in the feeder (Flatbed: whether the folder has a page).");
	set_word(o, FEEDER_OPT_PAGE_LOADED, SANE_TYPE_BOOL, SANE_UNIT_NONE,
		 CAP_RO | SANE_CAP_ADVANCED, NULL, SANE_FALSE);

	describe(o, FEEDER_OPT_DOUBLE_FEED, "double-feed", "Double feed",
		 "True after a double feed, until the next sane_start().");
	set_word(o, FEEDER_OPT_DOUBLE_FEED, SANE_TYPE_BOOL, SANE_UNIT_NONE,
		 CAP_RO | SANE_CAP_ADVANCED, NULL, SANE_FALSE);

	describe(o, FEEDER_OPT_COVER_OPEN, SANE_NAME_COVER_OPEN, SANE_TITLE_COVER_OPEN,
		 "True after sane_start() found the cover open, until the next sane_start().");
	set_word(o, FEEDER_OPT_COVER_OPEN, SANE_TYPE_BOOL, SANE_UNIT_NONE,
		 CAP_RO | SANE_CAP_ADVANCED, NULL, SANE_FALSE);
}

void feeder_options_init(struct feeder_options *o, const struct feeder_defaults *d)
{
	memset(o, 0, sizeof(*o));
	o->defaults = *d;
	o->x_range = (SANE_Range){ 0, DEFAULT_PAGE_WIDTH, 0 };
	o->y_range = (SANE_Range){ 0, DEFAULT_PAGE_HEIGHT, 0 };

	describe(o, FEEDER_OPT_NUM_OPTS, SANE_NAME_NUM_OPTIONS, SANE_TITLE_NUM_OPTIONS,
		 SANE_DESC_NUM_OPTIONS);
	set_word(o, FEEDER_OPT_NUM_OPTS, SANE_TYPE_INT, SANE_UNIT_NONE, CAP_RO, NULL,
		 FEEDER_OPT_COUNT);

	init_mode_options(o);
	init_geometry_options(o);
	init_feeder_options(o, d);
	init_fault_options(o, d);
	init_sensor_options(o);

	update_geometry(o);
	update_mode(o);
}

/* Clamps and quantises v into a range or onto the nearest word of a list. */
static SANE_Word constrain_word(const SANE_Option_Descriptor *d, SANE_Word v)
{
	if (d->constraint_type == SANE_CONSTRAINT_RANGE) {
		const SANE_Range *r = d->constraint.range;

		v = clamp_word(v, r->min, r->max);
		if (r->quant > 0) {
			long long steps = ((long long)v - r->min + r->quant / 2) / r->quant;

			v = (SANE_Word)MIN((long long)r->min + steps * r->quant, (long long)r->max);
		}
	} else if (d->constraint_type == SANE_CONSTRAINT_WORD_LIST) {
		const SANE_Word *list = d->constraint.word_list;
		SANE_Word best = list[1];

		for (SANE_Word i = 1; i <= list[0]; i++)
			if (llabs((long long)list[i] - v) < llabs((long long)best - v))
				best = list[i];
		v = best;
	}
	return v;
}

static int match_string(SANE_String_Const const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (strcasecmp(list[i], s) == 0)
			return i;
	return -EINVAL;
}

static SANE_Word default_value(const struct feeder_options *o, int n)
{
	const struct automatic_option *a = automatic_option(n);

	return a ? a->value : o->value[n];
}

/* Stores a checked value and applies what follows from it. */
static void apply(struct feeder_options *o, int n, SANE_Word v, SANE_Int *info)
{
	o->value[n] = v;

	switch (n) {
	case FEEDER_OPT_SOURCE:
		update_geometry(o);
		*info |= SANE_INFO_RELOAD_OPTIONS | SANE_INFO_RELOAD_PARAMS;
		break;
	case FEEDER_OPT_MODE:
		update_mode(o);
		*info |= SANE_INFO_RELOAD_OPTIONS | SANE_INFO_RELOAD_PARAMS;
		break;
	case FEEDER_OPT_PAGE_WIDTH:
	case FEEDER_OPT_PAGE_HEIGHT: {
		/* The scan area becomes the paper's whole width (or length). */
		bool width = n == FEEDER_OPT_PAGE_WIDTH;

		o->value[width ? FEEDER_OPT_TL_X : FEEDER_OPT_TL_Y] = 0;
		o->value[width ? FEEDER_OPT_BR_X : FEEDER_OPT_BR_Y] = v;
		update_geometry(o);
		*info |= SANE_INFO_RELOAD_OPTIONS | SANE_INFO_RELOAD_PARAMS;
		break;
	}
	case FEEDER_OPT_RESOLUTION:
	case FEEDER_OPT_TL_X:
	case FEEDER_OPT_TL_Y:
	case FEEDER_OPT_BR_X:
	case FEEDER_OPT_BR_Y:
	case FEEDER_OPT_AUTO_SIZE:
		*info |= SANE_INFO_RELOAD_PARAMS;
		break;
	case FEEDER_OPT_RELOAD:
		*info |= SANE_INFO_RELOAD_OPTIONS;
		break;
	default:
		break;
	}
}

static int get_value(const struct feeder_options *o, int n, void *value)
{
	const SANE_Option_Descriptor *d = &o->desc[n];

	switch (d->type) {
	case SANE_TYPE_STRING:
		strcpy(value, d->constraint.string_list[o->value[n]]);
		return 0;
	case SANE_TYPE_BOOL:
	case SANE_TYPE_INT:
	case SANE_TYPE_FIXED:
		*(SANE_Word *)value = o->value[n];
		return 0;
	default:
		return -EINVAL;
	}
}

static int set_value(struct feeder_options *o, int n, void *value, SANE_Int *info)
{
	const SANE_Option_Descriptor *d = &o->desc[n];
	SANE_Word v = 0;
	int i;

	switch (d->type) {
	case SANE_TYPE_BOOL:
		v = *(SANE_Word *)value;
		if (v != SANE_TRUE && v != SANE_FALSE)
			return -EINVAL;
		break;
	case SANE_TYPE_INT:
	case SANE_TYPE_FIXED:
		v = constrain_word(d, *(SANE_Word *)value);
		if (v != *(SANE_Word *)value) {
			*(SANE_Word *)value = v;
			*info |= SANE_INFO_INEXACT;
		}
		break;
	case SANE_TYPE_STRING:
		if (strnlen(value, (size_t)d->size) >= (size_t)d->size)
			return -EINVAL;
		i = match_string(d->constraint.string_list, value);
		if (i < 0)
			return i;
		if (strcmp(value, d->constraint.string_list[i]) != 0) {
			strcpy(value, d->constraint.string_list[i]);
			*info |= SANE_INFO_INEXACT;
		}
		v = i;
		break;
	case SANE_TYPE_BUTTON:
		break;
	default:
		return -EINVAL;
	}
	apply(o, n, v, info);
	return 0;
}

int feeder_options_control(struct feeder_options *o, int n, SANE_Action action, void *value,
			   SANE_Int *ret_info)
{
	SANE_Int info = 0;
	const SANE_Option_Descriptor *d;
	int r;

	if (ret_info)
		*ret_info = 0;
	if (n < 0 || n >= FEEDER_OPT_COUNT)
		return -EINVAL;
	d = &o->desc[n];
	if (d->type == SANE_TYPE_GROUP || !SANE_OPTION_IS_ACTIVE(d->cap))
		return -EINVAL;

	switch (action) {
	case SANE_ACTION_GET_VALUE:
		if (!value || !(d->cap & SANE_CAP_SOFT_DETECT))
			return -EINVAL;
		return get_value(o, n, value);
	case SANE_ACTION_SET_VALUE:
		if (!SANE_OPTION_IS_SETTABLE(d->cap) || (!value && d->type != SANE_TYPE_BUTTON))
			return -EINVAL;
		r = set_value(o, n, value, &info);
		break;
	case SANE_ACTION_SET_AUTO:
		if (!SANE_OPTION_IS_SETTABLE(d->cap) || !(d->cap & SANE_CAP_AUTOMATIC))
			return -EINVAL;
		apply(o, n, default_value(o, n), &info);
		r = 0;
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	feeder_dbg(FEEDER_DBG_OPTION, "option '%s' set%s", d->name,
		   info & SANE_INFO_INEXACT ? " (rounded)" : "");
	if (ret_info)
		*ret_info = info;
	return 0;
}

SANE_Word feeder_options_get(const struct feeder_options *o, enum feeder_opt n)
{
	return o->value[n];
}

void feeder_options_set_sensor(struct feeder_options *o, enum feeder_opt n, bool on)
{
	o->value[n] = on ? SANE_TRUE : SANE_FALSE;
}

/*
 * Rounds to the nearest pixel. SANE_Fixed truncates (12.7 mm is stored as 12.69999), so a
 * thousandth of a pixel is added first: 12.7 mm at 75 dpi is 37.5 pixels and becomes 38.
 */
static int mm_to_pixels(SANE_Word mm, int dpi)
{
	return (int)lround(SANE_UNFIX(mm) * dpi / MM_PER_INCH + 1e-3);
}

void feeder_options_request(const struct feeder_options *o, struct feeder_request *req)
{
	int dpi = o->value[FEEDER_OPT_RESOLUTION];
	int x0 = mm_to_pixels(o->value[FEEDER_OPT_TL_X], dpi);
	int y0 = mm_to_pixels(o->value[FEEDER_OPT_TL_Y], dpi);
	int x1 = mm_to_pixels(o->value[FEEDER_OPT_BR_X], dpi);
	int y1 = mm_to_pixels(o->value[FEEDER_OPT_BR_Y], dpi);

	req->mode = (enum feeder_mode)o->value[FEEDER_OPT_MODE];
	req->dpi = dpi;
	req->threshold = o->value[FEEDER_OPT_THRESHOLD];
	req->x = x0;
	req->y = y0;
	req->width = MAX(0, x1 - x0);
	req->height = MAX(0, y1 - y0);
	req->auto_size = o->value[FEEDER_OPT_AUTO_SIZE] == SANE_TRUE;
	if (o->value[FEEDER_OPT_SOURCE] == FEEDER_SOURCE_FLATBED) {
		req->max_width = mm_to_pixels(GLASS_WIDTH, dpi);
		req->max_height = mm_to_pixels(GLASS_HEIGHT, dpi);
	} else {
		req->max_width = mm_to_pixels(page_width_range.max, dpi);
		req->max_height = mm_to_pixels(page_height_range.max, dpi);
	}
}
