#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <sane/sane.h>
#include <sane/saneopts.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "scanner.h"
#include "utf8.h"

/* Statuses sane.h defines only for backends (SANE 1.0 frontends may still receive them). */
#define SANE_STATUS_WARMING_UP_VALUE 12 /* lamp not ready */
#define SANE_STATUS_HW_LOCKED_VALUE 13	/* mechanism locked for transport */

/* Bytes asked for per sane_read(); backends may return less. */
#define READ_CHUNK (256 * 1024)

struct scanner {
	SANE_Handle handle;
	char *name;
	int resolution;
	bool started;
	size_t last_frame; /* bytes of the last whole frame read, 0 before the first */
};

int scanner_error_from_status(int status)
{
	switch (status) {
	case SANE_STATUS_GOOD:
	case SANE_STATUS_EOF:
		return 0;
	case SANE_STATUS_UNSUPPORTED:
		return -EOPNOTSUPP;
	case SANE_STATUS_CANCELLED:
		return -FOLIO_ECANCELLED;
	case SANE_STATUS_DEVICE_BUSY:
	case SANE_STATUS_WARMING_UP_VALUE:
	case SANE_STATUS_HW_LOCKED_VALUE:
		return -FOLIO_EDEVBUSY;
	case SANE_STATUS_INVAL:
		return -FOLIO_EDEVINVAL;
	case SANE_STATUS_JAMMED:
		return -FOLIO_EJAM;
	case SANE_STATUS_NO_DOCS:
		return -FOLIO_ENODOCS;
	case SANE_STATUS_COVER_OPEN:
		return -FOLIO_ECOVEROPEN;
	case SANE_STATUS_IO_ERROR:
		return -FOLIO_EDEVIO;
	case SANE_STATUS_NO_MEM:
		return -ENOMEM;
	case SANE_STATUS_ACCESS_DENIED:
		return -EACCES;
	default:
		return -FOLIO_EDEVIO;
	}
}

static bool sane_started;
static bool list_network; /* scanner_list() asks for network devices too */

int scanner_init(const char *config_dir, const char *backend_dir, bool network)
{
	SANE_Int version;
	SANE_Status st;

	if (sane_started) /* the panel and the clerk UI both may need it */
		return 0;
	list_network = network;
	if (config_dir && *config_dir)
		setenv("SANE_CONFIG_DIR", config_dir, 1);
	if (backend_dir && *backend_dir) {
		/* libsane's dll backend searches LD_LIBRARY_PATH's folders for libsane-NAME.so.1. */
		const char *old = getenv("LD_LIBRARY_PATH");
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s%s%s", backend_dir, old && *old ? ":" : "", old ? old : "") <
		    0)
			return -ENOMEM;
		setenv("LD_LIBRARY_PATH", path, 1);
	}
	st = sane_init(&version, NULL);
	if (st != SANE_STATUS_GOOD)
		return scanner_error_from_status(st);
	sane_started = true;
	log_debug("libsane %d.%d.%d started", SANE_VERSION_MAJOR(version),
		  SANE_VERSION_MINOR(version), SANE_VERSION_BUILD(version));
	return 0;
}

void scanner_exit(void)
{
	if (!sane_started)
		return;
	sane_started = false;
	sane_exit();
}

/* Whether a backend's device name can be listed, named back, stored and shown as it is. */
static bool device_name_usable(const char *name)
{
	size_t n, len;

	if (!name)
		return false;
	len = strnlen(name, SCANNER_NAME_MAX);
	if (len == 0 || len >= SCANNER_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i += n) {
		const unsigned char *c = (const unsigned char *)name + i;

		n = utf8_length(c, len - i);
		if (n == 0 || (n == 1 && (*c < 0x20 || *c == 0x7f)))
			return false;
	}
	return true;
}

/*
 * @s (may be NULL) as one printable line in @buf: at most @size - 1 bytes, cut between UTF-8
 * sequences, with control characters and bytes that are not UTF-8 as '?'.
 */
static const char *device_label(char *buf, size_t size, const char *s)
{
	size_t o = 0, len = s ? strnlen(s, 4096) : 0, n;

	for (size_t i = 0; i < len; i += n) {
		const unsigned char *c = (const unsigned char *)s + i;

		n = utf8_length(c, len - i);
		if (n == 0 || (n == 1 && (*c < 0x20 || *c == 0x7f))) {
			if (o + 1 >= size)
				break;
			buf[o++] = '?';
			n = n ? n : 1;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(buf + o, c, n);
		o += n;
	}
	buf[o] = '\0';
	return buf;
}

int scanner_list(int (*fn)(const struct scanner_device *d, void *user), void *user)
{
	const SANE_Device **list;
	SANE_Status st;

	/* Network backends (net, airscan) answer nothing to a local-only request. */
	st = sane_get_devices(&list, list_network ? SANE_FALSE : SANE_TRUE);
	if (st != SANE_STATUS_GOOD)
		return scanner_error_from_status(st);
	for (size_t i = 0; list[i]; i++) {
		char vendor[SCANNER_LABEL_MAX], model[SCANNER_LABEL_MAX], type[SCANNER_LABEL_MAX];
		struct scanner_device d = {
			.name = list[i]->name,
			.vendor = device_label(vendor, sizeof(vendor), list[i]->vendor),
			.model = device_label(model, sizeof(model), list[i]->model),
			.type = device_label(type, sizeof(type), list[i]->type),
		};
		int r;

		if (!device_name_usable(d.name)) {
			char shown[SCANNER_LABEL_MAX];

			log_warn("scanner '%s' (%s %s) left out: its SANE name is not 1 to %d "
				 "printable characters",
				 device_label(shown, sizeof(shown), d.name), d.vendor, d.model,
				 SCANNER_NAME_MAX - 1);
			continue;
		}
		r = fn(&d, user);
		if (r)
			return r;
	}
	return 0;
}

#if defined(__SANITIZE_ADDRESS__)
static int pin_backend(struct dl_phdr_info *info, size_t size, void *user)
{
	(void)size;
	(void)user;
	if (info->dlpi_name && strstr(info->dlpi_name, "/libsane-"))
		(void)dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
	return 0;
}

/*
 * Sanitizer builds only: keep the SANE backends libsane has loaded in memory until exit, so
 * LeakSanitizer can name leaks inside backends we did not write (tests/lsan.supp) instead of
 * reporting them from an "<unknown module>" after sane_exit() unloaded it.
 */
static void pin_backends(void)
{
	dl_iterate_phdr(pin_backend, NULL);
}
#else
static void pin_backends(void)
{
}
#endif

int scanner_open(const char *name, struct scanner **ret)
{
	_cleanup_free_ struct scanner *s = calloc(1, sizeof(*s));
	SANE_Status st;

	if (!s)
		return -ENOMEM;
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	st = sane_open(name, &s->handle);
	if (st != SANE_STATUS_GOOD) {
		free(s->name);
		/* Backends answer INVAL (or IO_ERROR) for a name they do not know. */
		return st == SANE_STATUS_INVAL || st == SANE_STATUS_IO_ERROR
			   ? -FOLIO_EDEVGONE
			   : scanner_error_from_status(st);
	}
	pin_backends();
	*ret = TAKE_PTR(s);
	return 0;
}

struct scanner *scanner_close(struct scanner *s)
{
	if (!s)
		return NULL;
	if (s->started)
		sane_cancel(s->handle);
	sane_close(s->handle);
	free(s->name);
	free(s);
	return NULL;
}

const char *scanner_name(const struct scanner *s)
{
	return s->name;
}

int scanner_resolution(const struct scanner *s)
{
	return s->resolution;
}

/* The option called @name and its descriptor; -1 when the device has none. */
static int find_option(struct scanner *s, const char *name, const SANE_Option_Descriptor **ret)
{
	const SANE_Option_Descriptor *d = sane_get_option_descriptor(s->handle, 0);
	SANE_Int count = 0;

	if (!d || sane_control_option(s->handle, 0, SANE_ACTION_GET_VALUE, &count, NULL) !=
		      SANE_STATUS_GOOD)
		return -1;
	for (SANE_Int i = 1; i < count; i++) {
		d = sane_get_option_descriptor(s->handle, i);
		if (d && d->name && strcmp(d->name, name) == 0) {
			*ret = d;
			return i;
		}
	}
	return -1;
}

static bool option_usable(const SANE_Option_Descriptor *d)
{
	return SANE_OPTION_IS_ACTIVE(d->cap) && SANE_OPTION_IS_SETTABLE(d->cap);
}

/* Sets a string-list option to the first of @wanted the device offers; returns the index. */
static int set_string_option(struct scanner *s, const char *name, const char *const *wanted,
			     const char **ret_value)
{
	const SANE_Option_Descriptor *d;
	int opt = find_option(s, name, &d);
	SANE_Int info = 0;

	if (opt < 0 || !option_usable(d) || d->type != SANE_TYPE_STRING ||
	    d->constraint_type != SANE_CONSTRAINT_STRING_LIST)
		return -ENOENT;
	for (size_t w = 0; wanted[w]; w++) {
		for (size_t i = 0; d->constraint.string_list[i]; i++) {
			const char *offered = d->constraint.string_list[i];
			_cleanup_free_ char *buf = NULL;
			SANE_Status st;

			if (strcasecmp(offered, wanted[w]) != 0)
				continue;
			buf = calloc(1, (size_t)MAX(d->size, (SANE_Int)strlen(offered) + 1));
			if (!buf)
				return -ENOMEM;
			strcpy(buf, offered);
			st = sane_control_option(s->handle, opt, SANE_ACTION_SET_VALUE, buf, &info);
			if (st != SANE_STATUS_GOOD)
				return scanner_error_from_status(st);
			if (info & SANE_INFO_RELOAD_OPTIONS)
				(void)find_option(s, name, &d); /* fetch the new descriptors */
			if (ret_value)
				*ret_value = offered;
			return (int)w;
		}
	}
	return -ENOENT;
}

/* Sets a numeric option (INT or FIXED), clamping to its range; reads back what the device
 * chose. @value is in the option's unit (dpi, mm, bits). */
static int set_number_option(struct scanner *s, const char *name, double value, double *ret_actual)
{
	const SANE_Option_Descriptor *d;
	int opt = find_option(s, name, &d);
	SANE_Word w, best;
	SANE_Status st;
	SANE_Int info = 0;

	if (opt < 0 || !option_usable(d) || d->size != sizeof(SANE_Word))
		return -ENOENT;
	if (d->type == SANE_TYPE_INT)
		w = (SANE_Word)(value + 0.5);
	else if (d->type == SANE_TYPE_FIXED)
		w = SANE_FIX(value);
	else
		return -ENOENT;

	if (d->constraint_type == SANE_CONSTRAINT_RANGE) {
		const SANE_Range *rg = d->constraint.range;

		w = MAX(rg->min, MIN(rg->max, w));
	} else if (d->constraint_type == SANE_CONSTRAINT_WORD_LIST) {
		const SANE_Word *list = d->constraint.word_list;

		/* list[0] is the count; pick the closest value offered. */
		best = list[1];
		for (SANE_Int i = 1; i <= list[0]; i++)
			if (labs((long)list[i] - w) < labs((long)best - w))
				best = list[i];
		w = best;
	}
	st = sane_control_option(s->handle, opt, SANE_ACTION_SET_VALUE, &w, &info);
	if (st != SANE_STATUS_GOOD)
		return scanner_error_from_status(st);
	if (info & SANE_INFO_RELOAD_OPTIONS) {
		/* Descriptors may have changed; backends expect them fetched again before use. */
		opt = find_option(s, name, &d);
		if (opt < 0)
			return -ENOENT;
	}
	if (ret_actual) {
		/* SET_VALUE writes back a rounded value when it reports INEXACT; read it again
		 * anyway, some backends adjust without saying so. */
		st = sane_control_option(s->handle, opt, SANE_ACTION_GET_VALUE, &w, NULL);
		if (st != SANE_STATUS_GOOD)
			return scanner_error_from_status(st);
		*ret_actual = d->type == SANE_TYPE_FIXED ? SANE_UNFIX(w) : (double)w;
	}
	return 0;
}

/* Largest value of a numeric option's range (for scan areas), or -1. */
static double option_max(struct scanner *s, const char *name)
{
	const SANE_Option_Descriptor *d;
	int opt = find_option(s, name, &d);

	if (opt < 0 || d->constraint_type != SANE_CONSTRAINT_RANGE)
		return -1;
	return d->type == SANE_TYPE_FIXED ? SANE_UNFIX(d->constraint.range->max)
					  : (double)d->constraint.range->max;
}

/*
 * Option names backends give device-side features (fujitsu, canon_dr, epjitsu, kodakaio,
 * avision, epsonds and our folio feeder among them). A feature is set through the first
 * name the device offers.
 */
static const char *const deskew_names[] = { "swdeskew", "deskew", "hwdeskewcrop", NULL };
static const char *const blank_skip_names[] = { "blank-page-skip", "swskip", "skip-blank",
						"blank-skip", NULL };
static const char *const double_feed_names[] = { "double-feed-detect",
						 "df-detect",
						 "double-feed",
						 "df-action",
						 "ultrasonic-double-feed-detection",
						 NULL };

/* Switches a device feature on or off; quietly nothing when the device lacks it. */
/* Automatic paper size: Folio's feeder ("auto-size"). */
static const char *const auto_size_names[] = { "auto-size", NULL };

static bool has_feature(struct scanner *s, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		const SANE_Option_Descriptor *d;

		if (find_option(s, names[i], &d) >= 0 && option_usable(d))
			return true;
	}
	return false;
}

static void set_feature(struct scanner *s, const char *const *names, bool on)
{
	for (size_t i = 0; names[i]; i++) {
		const SANE_Option_Descriptor *d;
		int opt = find_option(s, names[i], &d);
		SANE_Word w;

		if (opt < 0 || !option_usable(d))
			continue;
		if (d->type == SANE_TYPE_BOOL) {
			w = on ? SANE_TRUE : SANE_FALSE;
			(void)sane_control_option(s->handle, opt, SANE_ACTION_SET_VALUE, &w, NULL);
		} else if (d->type == SANE_TYPE_STRING &&
			   d->constraint_type == SANE_CONSTRAINT_STRING_LIST) {
			/* Lists like "None", "Thickness", "Both": off is the first "none"-like value,
			 * on the last other one (usually the most thorough). */
			const char *pick = NULL;

			for (size_t k = 0; d->constraint.string_list[k]; k++) {
				const char *v = d->constraint.string_list[k];
				bool off = strcasecmp(v, "none") == 0 ||
					   strcasecmp(v, "off") == 0 ||
					   strcasecmp(v, "default") == 0;

				if (off == !on && (!pick || on))
					pick = v;
			}
			if (pick) {
				const char *list[] = { pick, NULL };

				(void)set_string_option(s, names[i], list, NULL);
			}
		} else if ((d->type == SANE_TYPE_INT || d->type == SANE_TYPE_FIXED) && !on) {
			(void)set_number_option(s, names[i], 0, NULL);
		} else {
			continue;
		}
		log_debug("device '%s': %s %s", s->name, names[i], on ? "on" : "off");
		return;
	}
}

int scanner_configure(struct scanner *s, const struct scanner_settings *set, char *why,
		      size_t why_size)
{
	static const char *const flatbed[] = { "Flatbed", "FB", "Normal", NULL };
	static const char *const adf[] = {
		"ADF Front", "ADF", "Automatic Document Feeder", "ADF Simplex", "Document Feeder",
		"Feeder",    NULL
	};
	static const char *const duplex[] = { "ADF Duplex", "Duplex",
					      "Automatic Document Feeder Duplex", NULL };
	static const char *const lineart[] = { SANE_VALUE_SCAN_MODE_LINEART, "Binary",
					       "Black & White", NULL };
	static const char *const gray[] = { SANE_VALUE_SCAN_MODE_GRAY, "Grayscale", "Grey", NULL };
	static const char *const color[] = { SANE_VALUE_SCAN_MODE_COLOR, "RGB", NULL };
	const char *const *sources = set->source == SCANNER_SOURCE_DUPLEX ? duplex
				     : set->source == SCANNER_SOURCE_ADF  ? adf
									  : flatbed;
	const char *chosen = NULL;
	double actual = 0, w, h;
	int r;

	r = set_string_option(s, SANE_NAME_SCAN_SOURCE, sources, &chosen);
	if (r == -ENOENT && set->source != SCANNER_SOURCE_FLATBED) {
		snprintf(why, why_size, "device '%s' has no %s", s->name,
			 set->source == SCANNER_SOURCE_DUPLEX ? "duplex document feeder"
							      : "document feeder");
		return -FOLIO_EDEVINVAL;
	}
	if (r < 0 && r != -ENOENT)
		goto refused;

	switch (set->mode) {
	case SCANNER_MODE_LINEART:
		r = set_string_option(s, SANE_NAME_SCAN_MODE, lineart, NULL);
		if (r == -ENOENT) {
			/* No Lineart mode: a 1-bit gray scan is the same thing. */
			r = set_string_option(s, SANE_NAME_SCAN_MODE, gray, NULL);
			if (r >= 0)
				r = set_number_option(s, SANE_NAME_BIT_DEPTH, 1, &actual);
			if (r >= 0 && actual != 1)
				r = -ENOENT;
		}
		break;
	case SCANNER_MODE_GRAY:
		r = set_string_option(s, SANE_NAME_SCAN_MODE, gray, NULL);
		if (r >= 0)
			(void)set_number_option(s, SANE_NAME_BIT_DEPTH, 8, NULL);
		break;
	case SCANNER_MODE_COLOR:
		r = set_string_option(s, SANE_NAME_SCAN_MODE, color, NULL);
		if (r >= 0)
			(void)set_number_option(s, SANE_NAME_BIT_DEPTH, 8, NULL);
		break;
	}
	if (r == -ENOENT) {
		snprintf(why, why_size, "device '%s' cannot scan in %s", s->name,
			 set->mode == SCANNER_MODE_LINEART ? "lineart (black and white)"
			 : set->mode == SCANNER_MODE_GRAY  ? "gray"
							   : "color");
		return -FOLIO_EDEVINVAL;
	}
	if (r < 0)
		goto refused;

	r = set_number_option(s, SANE_NAME_SCAN_RESOLUTION, set->resolution, &actual);
	if (r == -ENOENT) {
		snprintf(why, why_size, "device '%s' has no settable resolution", s->name);
		return -FOLIO_EDEVINVAL;
	}
	if (r < 0)
		goto refused;
	s->resolution = (int)(actual + 0.5);
	if (s->resolution != set->resolution)
		log_debug("device '%s' scans at %d dpi instead of %d", s->name, s->resolution,
			  set->resolution);

	/* Paper size before scan area: ADF devices clamp the area to the page. */
	w = set->page_width_mm;
	h = set->page_height_mm;
	if (set->auto_size && has_feature(s, auto_size_names))
		w = h = 0; /* the device measures each sheet */
	if (w > 0 && h > 0) {
		(void)set_number_option(s, SANE_NAME_PAGE_WIDTH, w, NULL);
		(void)set_number_option(s, SANE_NAME_PAGE_HEIGHT, h, NULL);
		(void)set_number_option(s, SANE_NAME_SCAN_TL_X, 0, NULL);
		(void)set_number_option(s, SANE_NAME_SCAN_TL_Y, 0, NULL);
		if (option_max(s, SANE_NAME_SCAN_BR_X) > 0)
			(void)set_number_option(s, SANE_NAME_SCAN_BR_X, w, NULL);
		if (option_max(s, SANE_NAME_SCAN_BR_Y) > 0)
			(void)set_number_option(s, SANE_NAME_SCAN_BR_Y, h, NULL);
	}
	set_feature(s, auto_size_names, set->auto_size);
	set_feature(s, deskew_names, set->device_deskew);
	set_feature(s, blank_skip_names, set->device_blank_skip);
	set_feature(s, double_feed_names, set->device_double_feed);
	return 0;

refused:
	snprintf(why, why_size, "device '%s' refused a setting: %s", s->name, folio_strerror(r));
	return r;
}

static void describe_option(struct scanner *s, const char *label, const char *name, FILE *out)
{
	const SANE_Option_Descriptor *d;
	int opt = find_option(s, name, &d);

	if (opt < 0)
		return;
	fprintf(out, "  %-11s", label);
	switch (d->constraint_type) {
	case SANE_CONSTRAINT_STRING_LIST:
		for (size_t i = 0; d->constraint.string_list[i]; i++)
			fprintf(out, "%s%s", i ? ", " : "", d->constraint.string_list[i]);
		break;
	case SANE_CONSTRAINT_WORD_LIST:
		for (SANE_Int i = 1; i <= d->constraint.word_list[0]; i++)
			fprintf(out, i > 1 ? ", %g" : "%g",
				d->type == SANE_TYPE_FIXED ? SANE_UNFIX(d->constraint.word_list[i])
							   : d->constraint.word_list[i]);
		break;
	case SANE_CONSTRAINT_RANGE: {
		const SANE_Range *rg = d->constraint.range;
		bool fx = d->type == SANE_TYPE_FIXED;

		fprintf(out, "%g to %g", fx ? SANE_UNFIX(rg->min) : rg->min,
			fx ? SANE_UNFIX(rg->max) : rg->max);
		break;
	}
	default:
		fprintf(out, "(any)");
	}
	if (d->unit == SANE_UNIT_DPI)
		fprintf(out, " dpi");
	else if (d->unit == SANE_UNIT_MM)
		fprintf(out, " mm");
	if (!SANE_OPTION_IS_ACTIVE(d->cap))
		fprintf(out, " (inactive)");
	fputc('\n', out);
}

int scanner_describe(struct scanner *s, FILE *out)
{
	describe_option(s, "sources", SANE_NAME_SCAN_SOURCE, out);
	describe_option(s, "modes", SANE_NAME_SCAN_MODE, out);
	describe_option(s, "depths", SANE_NAME_BIT_DEPTH, out);
	describe_option(s, "resolution", SANE_NAME_SCAN_RESOLUTION, out);
	describe_option(s, "width", SANE_NAME_SCAN_BR_X, out);
	describe_option(s, "height", SANE_NAME_SCAN_BR_Y, out);
	return 0;
}

/*
 * SANE 1.0 has no status for a double feed: backends report SANE_STATUS_JAMMED and raise a
 * read-only "double-feed" sensor option. Tells which of the two a jam was.
 */
static int jam_or_double_feed(struct scanner *s)
{
	const SANE_Option_Descriptor *d;
	int opt = find_option(s, "double-feed", &d);
	SANE_Word on = SANE_FALSE;

	if (opt >= 0 && d->type == SANE_TYPE_BOOL && SANE_OPTION_IS_ACTIVE(d->cap) &&
	    (d->cap & SANE_CAP_SOFT_DETECT) &&
	    sane_control_option(s->handle, opt, SANE_ACTION_GET_VALUE, &on, NULL) ==
		SANE_STATUS_GOOD &&
	    on == SANE_TRUE)
		return -FOLIO_EDOUBLEFEED;
	return -FOLIO_EJAM;
}

static int status_error(struct scanner *s, SANE_Status st)
{
	return st == SANE_STATUS_JAMMED ? jam_or_double_feed(s) : scanner_error_from_status(st);
}

int scanner_start(struct scanner *s)
{
	SANE_Status st;

	if (s->started) {
		sane_cancel(s->handle);
		s->started = false;
	}
	st = sane_start(s->handle);
	if (st != SANE_STATUS_GOOD) {
		int r = status_error(s, st);

		/* A failed start still needs a cancel before the next one on some backends. */
		sane_cancel(s->handle);
		return r;
	}
	s->started = true;
	return 0;
}

/* 16-bit samples (native byte order, as SANE sends them) to 8, in place. */
static void reduce_16_to_8(uint8_t *data, size_t lines, size_t bpl16)
{
	uint8_t *dst = data;

	for (size_t y = 0; y < lines; y++) {
		const uint16_t *src = (const uint16_t *)(data + y * bpl16);

		for (size_t x = 0; x < bpl16 / 2; x++)
			*dst++ = (uint8_t)(src[x] >> 8);
	}
}

/* Ends a frame that will not be read whole (the sheet is given up), returning @r. */
static int frame_stopped(struct scanner *s, int r)
{
	sane_cancel(s->handle);
	s->started = false;
	return r;
}

int scanner_read_frame(struct scanner *s, size_t max_bytes, struct frame *ret)
{
	_cleanup_free_ uint8_t *buf = NULL;
	SANE_Parameters p;
	SANE_Status st;
	size_t cap, len = 0, bpl;
	uint32_t channels;

	if (!s->started)
		return -EINVAL;
	st = sane_get_parameters(s->handle, &p);
	if (st != SANE_STATUS_GOOD)
		goto fail_status;
	if (p.format == SANE_FRAME_GRAY)
		channels = 1;
	else if (p.format == SANE_FRAME_RGB)
		channels = 3;
	else {
		log_debug("device '%s' sends separate colour frames, which are not supported",
			  s->name);
		return frame_stopped(s, -FOLIO_EFORMAT);
	}
	if (p.bytes_per_line <= 0 || p.pixels_per_line <= 0 ||
	    (p.depth != 1 && p.depth != 8 && p.depth != 16) || (p.depth == 1 && channels != 1)) {
		return frame_stopped(s, -FOLIO_EFORMAT);
	}
	bpl = (size_t)p.bytes_per_line;

	/*
	 * Height may be unknown (-1) for hand-held and some sheet-fed devices: grow as needed,
	 * from the last frame's size and an eighth (the sheets of a batch are mostly one size, and
	 * a buffer that never grows is never copied) or 1024 lines for the first.
	 */
	if (p.lines > 0)
		cap = bpl * (size_t)p.lines;
	else
		cap = MAX(bpl * 1024, s->last_frame + s->last_frame / 8);
	if (cap > max_bytes) {
		if (p.lines > 0) {
			return frame_stopped(s, -FOLIO_ETOOBIG);
		}
		cap = max_bytes;
	}
	buf = malloc(cap);
	if (!buf)
		return frame_stopped(s, -ENOMEM);

	for (;;) {
		uint8_t probe[4096];
		SANE_Int got = 0;
		uint8_t *dst = buf + len;
		size_t want = MIN(cap - len, (size_t)READ_CHUNK);

		/* A full buffer reads into @probe: most often that read only says the frame ended. */
		if (len == cap) {
			dst = probe;
			want = sizeof(probe);
		}
		st = sane_read(s->handle, dst, (SANE_Int)want, &got);
		if (st == SANE_STATUS_EOF)
			break;
		if (st != SANE_STATUS_GOOD)
			goto fail_status;
		if (got < 0 || (size_t)got > want) {
			st = SANE_STATUS_IO_ERROR;
			goto fail_status;
		}
		if (dst == probe && got > 0) {
			size_t need = len + (size_t)got, ncap = MIN(MAX(cap * 2, need), max_bytes);
			uint8_t *nbuf;

			if (ncap < need) {
				return frame_stopped(s, -FOLIO_ETOOBIG);
			}
			nbuf = realloc(buf, ncap);
			if (!nbuf)
				return frame_stopped(s, -ENOMEM);
			buf = nbuf;
			cap = ncap;
			memcpy(buf + len, probe, (size_t)got);
		}
		len += (size_t)got;
	}
	s->started = false;
	/* SANE wants a cancel after every frame of a batch too; it ends the sheet. */

	if (len < bpl) {
		log_debug("device '%s' sent an empty frame", s->name);
		return -FOLIO_EDEVIO;
	}
	s->last_frame = len;
	ret->height = (uint32_t)(len / bpl);
	ret->width = (uint32_t)p.pixels_per_line;
	ret->channels = channels;
	ret->dpi = (uint32_t)s->resolution;
	if (p.depth == 16) {
		reduce_16_to_8(buf, ret->height, bpl);
		ret->depth = 8;
		ret->bytes_per_line = (uint32_t)(bpl / 2);
	} else {
		ret->depth = (uint32_t)p.depth;
		ret->bytes_per_line = (uint32_t)bpl;
	}
	ret->data = TAKE_PTR(buf);
	return 0;

fail_status : {
	int r = status_error(s, st); /* read sensors before the cancel resets them */

	sane_cancel(s->handle);
	s->started = false;
	return r;
}
}

void scanner_cancel(struct scanner *s)
{
	sane_cancel(s->handle);
}
