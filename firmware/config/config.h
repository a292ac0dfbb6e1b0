#ifndef FOLIO_CONFIG_H
#define FOLIO_CONFIG_H

/*
 * The station's runtime configuration: an INI file (libinih) read through one table of keys
 * (section, name, type, default, bounds, validator).
 *
 *	[station]  id, office, log_level, key_file
 *	[store]    path, map_size_mb, reserve_mb, key_file, encrypt, retention_days
 *	[capture]  device, devices, profile, sane_config_dir, sane_backend_dir, network_scanners,
 *		   reconnect_seconds, image_threads
 *	[profile NAME]  source, mode, output, resolution, page_size, jpeg_quality, deskew, orient,
 *	           clean_borders, despeckle, skew_limit_tenths, device_deskew,
 *	           device_blank_skip, device_double_feed   (up to 8 profiles)
 *	[document] ip_type, document_code, language
 *	[index]    patent_pattern, patent_check_digit, patent_codes, and the same for trademark_
 *	           and design_: how the office's numbers and document codes are checked
 *	[ocr]      languages, workers, psm, page_timeout, min_confidence
 *	[upload]   target, window, bandwidth_kbps, retries, connect_timeout, stall_timeout,
 *	           concurrency, ca_file, pinned_pubkey, client_cert, client_key,
 *	           credentials_file, s3_endpoint, s3_region, sftp_known_hosts, sftp_key,
 *	           receipt_keys, document_file
 *	[board]    facts: the board's hardware facts file (buttons, LEDs, watchdog; see
 *	           drivers/boardio/boardio.h); empty: none
 *	[console]  tty, baud, accounts_file, idle_logout_seconds, max_failures, lockout_seconds,
 *	           failure_delay_ms
 *	[web]      listen, users_file, tls_cert, tls_key, idle_minutes, max_failures,
 *	           lockout_seconds: the clerk UI (firmware/web)
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
	PAGE_SIZE_AUTO, /* the sheet whole at its own size, where the scanner can measure it */
};

enum page_output {
	PAGE_OUTPUT_AUTO,    /* as scanned: lineart -> bitonal, gray -> grey, color -> colour */
	PAGE_OUTPUT_BITONAL, /* CCITT G4 TIFF; grey scans are binarised adaptively */
	PAGE_OUTPUT_GREY,    /* JPEG */
	PAGE_OUTPUT_COLOUR,  /* JPEG */
	PAGE_OUTPUT_RAW,     /* the frame as scanned, as PNM, no processing (benchmarks) */
};

/* What a patch code sheet does (firmware/index/patchcode.h), per type, in a profile. */
enum patch_action {
	PATCH_ACTION_IGNORE,	   /* a plain page */
	PATCH_ACTION_NEW_DOCUMENT, /* the next pages are a new document */
	PATCH_ACTION_NEW_BATCH,	   /* the batch is closed: the next pages are a new one */
};

/* Whether a patch sheet that acts is stored (as a separator page) or left out (an event). */
enum patch_sheet { PATCH_SHEET_KEEP, PATCH_SHEET_DROP };

#define CONFIG_PATCH_TYPES 7 /* indexed by enum patch_type: none, 1, 2, 3, 4, T, 6 */

/* A scanner profile: how to scan and what the station makes of it. */
struct scan_profile {
	char name[CONFIG_NAME_LEN];
	int source;	/* enum scan_source */
	int mode;	/* enum scan_mode: what the scanner sends */
	int output;	/* enum page_output: what is stored */
	int resolution; /* dpi */
	int page_size;	/* enum page_size */
	int jpeg_quality;
	bool deskew, orient, clean_borders, despeckle;
	int skew_limit_tenths; /* flag skew beyond this, in 0.1 degree */
	bool device_deskew, device_blank_skip, device_double_feed;
	bool cover_sheets;	       /* read barcodes: cover sheets start and index documents */
	int patch[CONFIG_PATCH_TYPES]; /* enum patch_action per enum patch_type */
	int patch_sheets;	       /* enum patch_sheet */
};

/* [upload] document_file: one image file per page, or one multi-page TIFF per document. */
enum document_file { DOCUMENT_FILE_PAGES, DOCUMENT_FILE_MULTIPAGE };

struct folio_config {
	char path[PATH_MAX]; /* the file this came from */

	/* [station] */
	char station_id[CONFIG_NAME_LEN];
	char office[3];
	int log_level;
	char key_file[PATH_MAX]; /* package-signing key (folio keygen); empty: none */

	/* [store] */
	char store_path[PATH_MAX];
	int map_size_mb;
	int reserve_mb;
	char store_key_file[PATH_MAX]; /* station key sealing images and OCR text */
	bool store_encrypt;	       /* seal new images and OCR text (CONFIG_STORE_ENCRYPTION) */
	int retention_days;	       /* confirmed batches are purged after this */

	/* [capture] */
	char device[256];
	char devices[512]; /* patterns of other SANE devices capture may use */
	char profile[CONFIG_NAME_LEN];
	char sane_config_dir[PATH_MAX];
	char sane_backend_dir[PATH_MAX];
	bool network_scanners; /* list saned (net) and eSCL (airscan) scanners too */
	int reconnect_seconds;
	int image_threads; /* 0: one per core */

	/* [document] */
	int ip_type; /* enum ip_type (firmware/package/st96.h) */
	char document_code[CONFIG_NAME_LEN];
	char language[8];

	/*
	 * [index], per IP type (enum ip_type): the office's own application-number pattern and
	 * check-digit scheme (firmware/domain/appno.h; empty pattern: ST.13 numbers only) and its
	 * document codes (space- or comma-separated; empty: any well-formed code).
	 */
	struct index_rules {
		char pattern[65];
		char check_digit[8];
		char codes[CONFIG_CODES_LEN];
	} index_rules[3];

	/* [ocr] */
	char ocr_languages[64];
	int ocr_workers;
	int ocr_psm;
	int ocr_page_timeout;
	int ocr_min_confidence;

	/* [upload] */
	int document_file; /* enum document_file: how a document's page images go out */
	char upload_target[PATH_MAX];
	char upload_window[16];		/* "HH:MM-HH:MM" station time, "" or "always": none */
	int upload_bandwidth_kbps;	/* cap for all connections, kbit/s; 0: none */
	int upload_retries;		/* repeats of a request after a transient failure */
	int upload_connect_timeout;	/* seconds */
	int upload_stall_timeout;	/* seconds without a byte moving */
	char upload_proxy[256];		/* proxy for uploads; empty: none (environment ignored) */
	int upload_concurrency;		/* files sent at once */
	char upload_ca_file[PATH_MAX];	/* CA bundle; empty: the system's */
	char upload_pinned_pubkey[512]; /* "sha256//BASE64[;...]" or a PEM/DER file; empty */
	char upload_client_cert[PATH_MAX];	/* mutual TLS: PEM certificate; empty: none */
	char upload_client_key[PATH_MAX];	/* its private key (mode 0600) */
	char upload_credentials_file[PATH_MAX]; /* secrets (firmware/upload/creds.h), mode 0600 */
	char upload_s3_endpoint[256];		/* https://HOST[:PORT] of the S3 service */
	char upload_s3_region[64];
	char upload_sftp_known_hosts[PATH_MAX]; /* the server's pinned host key */
	char upload_sftp_key[PATH_MAX];		/* private key for sftp:// (mode 0600) */
	char upload_receipt_keys[PATH_MAX]; /* office's receipt keys (ssh-ed25519 lines); "" none */

	/* [board] */
	char board_facts[PATH_MAX];

	/* [console] (firmware/console) */
	char console_tty[PATH_MAX];	      /* serial line foliod serves; empty: none */
	int console_baud;		      /* 115200 (8N1) */
	char console_accounts_file[PATH_MAX]; /* technician accounts (mode 0600) */
	int console_idle_logout_seconds;      /* 0: never */
	int console_max_failures;	      /* failed logins before the lockout */
	int console_lockout_seconds;
	int console_failure_delay_ms; /* first delay after a failure; doubles */

	/* [web] (firmware/web) */
	char web_listen[80];	 /* ADDRESS:PORT; empty: no UI */
	char web_hostnames[256]; /* names the UI answers to besides loopback and listen */
	char web_users_file[PATH_MAX];
	char web_tls_cert[PATH_MAX];
	char web_tls_key[PATH_MAX];
	int web_idle_minutes;
	int web_max_failures;
	int web_lockout_seconds;

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

/*
 * config_set - set one key to @value as if the file said so (same checks, same messages)
 * @key: "section.name", e.g. "station.log_level" (profiles: "profile.NAME.key", NAME existing)
 * @why: receives the reason on failure
 *
 * Relative paths are taken from the folder of @cfg->path. Checks between keys (profile
 * names, index patterns) are made by config_load() of the saved file. Returns 0, -ENOENT for
 * an unknown key or profile, -EINVAL for a bad value; @cfg is unchanged on failure.
 */
int config_set(struct folio_config *cfg, const char *key, const char *value, char *why,
	       size_t why_size);

/* config_default_path - $FOLIO_CONFIG when set and not empty, else CONFIG_DEFAULT_PATH */
const char *config_default_path(void);

/*
 * config_url_redact - @url without its userinfo ("sftp://folio@h/in" -> "sftp://h/in"), for
 * what clerks see and logs keep; into @buf, which it returns
 */
const char *config_url_redact(const char *url, char *buf, size_t size);

#define CONFIG_STORE_KEY_CREDENTIAL "store.key"

/*
 * config_store_key_path - the file that holds the station key, into @buf: the credential
 * "store.key" in $CREDENTIALS_DIRECTORY when systemd passed one (foliod.service's
 * LoadCredentialEncrypted=, decrypted with the TPM2 or the host key into memory only the
 * service reads), else [store] key_file. Returns 1 for the credential, 0 for key_file, or
 * -ENAMETOOLONG.
 */
int config_store_key_path(const struct folio_config *cfg, char *buf, size_t size);

/* config_shown_target - [upload] target without userinfo; valid until the next call in the thread */
const char *config_shown_target(const struct folio_config *cfg);

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
