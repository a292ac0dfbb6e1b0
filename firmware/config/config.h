#ifndef FOLIO_CONFIG_H
#define FOLIO_CONFIG_H

/*
 * The station's runtime configuration: an INI file (libinih) read through one table of keys
 * (section, name, type, default, bounds, validator).
 *
 *	[station]  id, office, log_level, key_file
 *	[store]    path, map_size_mb, reserve_mb, key_file, encrypt, retention_days
 *	[capture]  device, profile, sane_config_dir, sane_backend_dir, reconnect_seconds
 *	[profile NAME]  source, mode, output, resolution, page_size, jpeg_quality, deskew, orient,
 *	           clean_borders, despeckle, skew_limit_tenths, device_deskew,
 *	           device_blank_skip, device_double_feed   (up to 8 profiles)
 *	[document] ip_type, document_code, language
 *	[index]    patent_pattern, patent_check_digit, patent_codes, and the same for trademark_
 *	           and design_: how the office's numbers and document codes are checked
 *	[upload]   target
 *
 * Relative paths are taken relative to the folder of the configuration file, so a config can
 * sit beside what it names. Secrets never live here: they are files named by path.
 *
 * An unknown section or key, a bad value, a key set twice or a missing required key is a
 * problem reported as "FILE:LINE: what is wrong" (or "FILE: ..." when no line applies).
 * config_load() collects every problem, so `folio config check` can show them all at once.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH "/etc/folio/folio.conf"
#define CONFIG_MAX_PROFILES 8
#define CONFIG_MAX_PROBLEMS 32
#define CONFIG_PROBLEM_LEN 256
#define CONFIG_NAME_LEN 32
#define CONFIG_CODES_LEN 512

enum scan_source {
	SCAN_SOURCE_FLATBED,
	SCAN_SOURCE_ADF,
	SCAN_SOURCE_DUPLEX,
};

enum scan_mode {
	SCAN_MODE_LINEART,
	SCAN_MODE_GRAY,
	SCAN_MODE_COLOR,
};

enum page_size {
	PAGE_SIZE_A4,
	PAGE_SIZE_LETTER,
	PAGE_SIZE_LEGAL,
	PAGE_SIZE_A3,
};

enum page_output {
	PAGE_OUTPUT_AUTO,    /* as scanned: lineart -> bitonal, gray -> grey, color -> colour */
	PAGE_OUTPUT_BITONAL, /* CCITT G4 TIFF; grey scans are binarised adaptively */
	PAGE_OUTPUT_GREY,    /* JPEG */
	PAGE_OUTPUT_COLOUR,  /* JPEG */
	PAGE_OUTPUT_RAW,     /* the frame as scanned, as PNM, no processing (benchmarks) */
};

/* A scanner profile: how to scan and what the station makes of it. */
struct scan_profile {
	char name[CONFIG_NAME_LEN];
	int source;     /* enum scan_source */
	int mode;       /* enum scan_mode: what the scanner sends */
	int output;     /* enum page_output: what is stored */
	int resolution; /* dpi */
	int page_size;  /* enum page_size */
	int jpeg_quality;
	bool deskew, orient, clean_borders, despeckle;
	int skew_limit_tenths; /* flag skew beyond this, in 0.1 degree */
	bool device_deskew, device_blank_skip, device_double_feed;
};

struct folio_config {
	char path[PATH_MAX]; /* the file this came from */

	/* [station] */
	char station_id[CONFIG_NAME_LEN];
	char office[3];
	int log_level;
	char key_file[PATH_MAX]; /* station signing key (folio keygen), empty: unsigned */

	/* [store] */
	char store_path[PATH_MAX];
	int map_size_mb;
	int reserve_mb;
	char store_key_file[PATH_MAX]; /* station key sealing images and OCR text */
	bool store_encrypt;	       /* seal new images and OCR text (CONFIG_STORE_ENCRYPTION) */
	int retention_days;	       /* confirmed batches are purged after this */

	/* [capture] */
	char device[256];
	char profile[CONFIG_NAME_LEN];
	char sane_config_dir[PATH_MAX];
	char sane_backend_dir[PATH_MAX];
	int reconnect_seconds;

	/* [document] */
	int ip_type; /* enum ip_type (firmware/package/st96.h) */
	char document_code[CONFIG_NAME_LEN];
	char language[8];

	/*
	 * [index], per IP type (enum ip_type): the office's own application-number pattern and
	 * check-digit scheme (firmware/index/appno.h; empty pattern: ST.13 numbers only) and its
	 * document codes (space- or comma-separated; empty: any well-formed code).
	 */
	struct index_rules {
		char pattern[65];
		char check_digit[8];
		char codes[CONFIG_CODES_LEN];
	} index_rules[3];

	/* [upload] */
	char upload_target[PATH_MAX];

	size_t n_profiles;
	struct scan_profile profiles[CONFIG_MAX_PROFILES];
};

struct config_problems {
	size_t n;	/* problems recorded (at most CONFIG_MAX_PROBLEMS) */
	size_t dropped; /* problems beyond that */
	char text[CONFIG_MAX_PROBLEMS][CONFIG_PROBLEM_LEN];
};

/*
 * config_load - read and check a configuration file
 * @path: the file
 * @ret: filled with defaults and the file's values
 * @problems: receives every problem found (may be NULL)
 *
 * Returns 0 when the file is valid, -FOLIO_ECONFIG when it has problems (then @ret holds what
 * could be read, and @problems says what is wrong), or -errno when it cannot be read (a
 * problem naming the file is recorded too).
 */
int config_load(const char *path, struct folio_config *ret, struct config_problems *problems);

/* config_load_string - as config_load(), from text; @name stands for the file in messages */
int config_load_string(const char *name, const char *text, struct folio_config *ret,
		       struct config_problems *problems);

/* config_find_profile - the profile called @name, or NULL */
const struct scan_profile *config_find_profile(const struct folio_config *cfg, const char *name);

/* config_dump - write the effective configuration as INI text (secrets would be masked) */
void config_dump(const struct folio_config *cfg, FILE *out);

/* Names of enum values as written in the file ("adf", "gray", "a4" ...). */
const char *scan_source_name(int source);
const char *scan_mode_name(int mode);

/* page_size_mm - paper width and height in millimetres */
void page_size_mm(int page_size, double *ret_width, double *ret_height);

#endif
