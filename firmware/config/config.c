#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <strings.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "kconfig.h"
#include "log.h"
#include "firmware/config/config.h"
#include "firmware/domain/appno.h"
#include "firmware/domain/office.h"

/* Longest line accepted, including the newline. */
#define CONFIG_LINE_MAX 1024

enum key_type {
	KEY_STRING, /* text up to the field's size */
	KEY_PATH,   /* text; relative paths are taken from the config file's folder */
	KEY_URL,    /* a URL; a relative file:// path is taken from the config file's folder */
	KEY_INT,    /* decimal integer within [min, max] */
	KEY_ENUM,   /* one of choices[], stored as its index */
	KEY_BOOL,   /* yes/no, true/false, on/off, 1/0; stored as bool */
	KEY_LEVEL,  /* a log level name */
};

/* Where a key's value is stored: in struct folio_config, or in a struct scan_profile. */
enum key_scope {
	SCOPE_GLOBAL,
	SCOPE_PROFILE,
};

struct config_key {
	const char *section; /* "station" ..., or "profile" for every [profile NAME] */
	const char *name;
	enum key_type type;
	const char *def; /* default, as the file would write it; NULL: required */
	long min, max;	 /* bounds for KEY_INT */
	enum key_scope scope;
	size_t offset, size;
	const char *const *choices;
	/* Extra check; returns false and explains in why. */
	bool (*valid)(const char *value, char *why, size_t why_size);
	const char *help;
};

static const char *const source_names[] = { "flatbed", "adf", "duplex", NULL };
static const char *const mode_names[] = { "lineart", "gray", "color", NULL };
static const char *const page_size_names[] = { "a4", "letter", "legal", "a3", "auto", NULL };
static const char *const ip_type_names[] = { "patent", "trademark", "design", NULL };
static const char *const document_file_names[] = { "pages", "multipage", NULL };
static const char *const patch_action_names[] = { "ignore", "new-document", "new-batch", NULL };
static const char *const patch_sheet_names[] = { "keep", "drop", NULL };
static const char *const output_names[] = { "auto", "bitonal", "grey", "colour", "raw", NULL };

static bool valid_station_id(const char *v, char *why, size_t n)
{
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-') {
			snprintf(why, n, "use letters, digits and '-' only");
			return false;
		}
	if (!*v) {
		snprintf(why, n, "must not be empty");
		return false;
	}
	return true;
}

static bool valid_office(const char *v, char *why, size_t n)
{
	if (office_code_valid(v))
		return true;
	snprintf(why, n, "not a WIPO ST.3 office code (two capital letters, e.g. KE, EP, WO)");
	return false;
}

static bool valid_language(const char *v, char *why, size_t n)
{
	if (strlen(v) == 2 && islower((unsigned char)v[0]) && islower((unsigned char)v[1]))
		return true;
	snprintf(why, n, "use a two-letter ISO 639-1 code such as 'en', 'fr' or 'ar'");
	return false;
}

static bool valid_check_digit(const char *v, char *why, size_t n)
{
	static const char *const schemes[] = { "none", "luhn", "mod11", "mod97" };

	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (strcmp(v, schemes[i]) == 0)
			return true;
	snprintf(why, n, "'%s' is not one of: none luhn mod11 mod97", v);
	return false;
}

/* Document codes: words of [A-Z0-9_-], 1..31 characters, separated by spaces or commas. */
static bool valid_codes(const char *v, char *why, size_t n)
{
	size_t len = 0;

	for (const char *p = v;; p++) {
		if (*p == '\0' || *p == ' ' || *p == ',') {
			if (len >= CONFIG_NAME_LEN) {
				snprintf(why, n, "a document code is longer than %d characters",
					 CONFIG_NAME_LEN - 1);
				return false;
			}
			len = 0;
			if (*p == '\0')
				return true;
			continue;
		}
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' &&
		    *p != '-') {
			snprintf(why, n, "document codes use capital letters, digits, '_' and '-'");
			return false;
		}
		len++;
	}
}

static bool valid_ocr_languages(const char *v, char *why, size_t n)
{
	static const struct {
		const char *code;
		bool built;
	} langs[] = {
		{ "eng", IS_ENABLED(CONFIG_OCR_LANG_ENG) },
		{ "fra", IS_ENABLED(CONFIG_OCR_LANG_FRA) },
		{ "ara", IS_ENABLED(CONFIG_OCR_LANG_ARA) },
	};
	const char *p = v;

	if (!*v) {
		snprintf(why, n, "name at least one language, e.g. eng");
		return false;
	}
	while (*p) {
		size_t len = strcspn(p, "+");
		bool ok = false;

		/* A build without OCR reads no text: the same file serves a station that does. */
		for (size_t i = 0; i < ARRAY_SIZE(langs); i++)
			if (len == 3 && strncmp(p, langs[i].code, 3) == 0 &&
			    (langs[i].built || !IS_ENABLED(CONFIG_OCR)))
				ok = true;
		if (!ok) {
			snprintf(why, n, "'%.*s' is not a language this build has (eng, fra, ara)",
				 (int)MIN(len, 16), p);
			return false;
		}
		p += len;
		if (*p == '+' && !*++p) {
			snprintf(why, n, "ends with '+'");
			return false;
		}
	}
	return true;
}

/* The userinfo of the authority starting at @a: its length (0 when none) */
static size_t userinfo_len(const char *a)
{
	size_t end = strcspn(a, "/?#");
	const char *at = NULL;

	for (const char *p = a; p < a + end; p++)
		if (*p == '@')
			at = p;
	return at ? (size_t)(at - a) + 1 : 0;
}

static bool url_has_password(const char *authority)
{
	size_t n = userinfo_len(authority);

	return n && memchr(authority, ':', n);
}

const char *config_url_redact(const char *url, char *buf, size_t size)
{
	const char *sep = strstr(url, "://");
	size_t skip;

	if (!sep) {
		snprintf(buf, size, "%s", url);
		return buf;
	}
	skip = userinfo_len(sep + 3);
	snprintf(buf, size, "%.*s%s", (int)(sep + 3 - url), url, sep + 3 + skip);
	return buf;
}

const char *config_shown_target(const struct folio_config *cfg)
{
	static _Thread_local char buf[sizeof(cfg->upload_target)];

	return config_url_redact(cfg->upload_target, buf, sizeof(buf));
}

static bool valid_upload_target(const char *v, char *why, size_t n)
{
	static const struct {
		const char *prefix;
		bool built;
	} schemes[] = {
		{ "file://", IS_ENABLED(CONFIG_UPLOAD_FILE) },
		{ "https://", IS_ENABLED(CONFIG_UPLOAD_WEBDAV) },
		{ "sftp://", IS_ENABLED(CONFIG_UPLOAD_SFTP) },
		{ "s3://", IS_ENABLED(CONFIG_UPLOAD_S3) },
	};
	char built[64] = "";
	size_t len;

	for (const char *p = v; *p; p++)
		if (iscntrl((unsigned char)*p) || *p == ' ') {
			snprintf(why, n, "contains spaces or control characters (write %%20)");
			return false;
		}
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
		len = strlen(schemes[i].prefix);
		if (schemes[i].built)
			snprintf(built + strlen(built), sizeof(built) - strlen(built), "%s%sURL",
				 built[0] ? ", " : "", schemes[i].prefix);
		if (strncmp(v, schemes[i].prefix, len) != 0)
			continue;
		if (!schemes[i].built) {
			snprintf(why, n, "this build cannot deliver to %s targets",
				 schemes[i].prefix);
			return false;
		}
		if (!v[len]) {
			snprintf(why, n, "%s needs a place after it", schemes[i].prefix);
			return false;
		}
		/* user:password@ in the URL would put a secret in the config and the logs; the
		 * userinfo runs to the authority's last '@' ("office@host:Pw@host" too). */
		if (i > 0 && url_has_password(v + len)) {
			snprintf(why, n,
				 "no password in the URL: put it in [upload] credentials_file");
			return false;
		}
		return true;
	}
	snprintf(why, n, "use one of: %s", built);
	return false;
}

/* HH:MM-HH:MM, "always" or empty. */
static bool valid_upload_window(const char *v, char *why, size_t n)
{
	int h1, m1, h2, m2;
	char end;

	if (!*v || strcmp(v, "always") == 0)
		return true;
	if (strlen(v) == 11 && sscanf(v, "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &end) == 4 &&
	    v[2] == ':' && v[5] == '-' && v[8] == ':' && h1 >= 0 && h1 <= 24 && h2 >= 0 &&
	    h2 <= 24 && m1 >= 0 && m1 < 60 && m2 >= 0 && m2 < 60 && (h1 < 24 || m1 == 0) &&
	    (h2 < 24 || m2 == 0))
		return true;
	snprintf(why, n, "write HH:MM-HH:MM in station time (e.g. 22:00-06:00), or always");
	return false;
}

/* An https:// address without path, or empty. */
static bool valid_s3_endpoint(const char *v, char *why, size_t n)
{
	const char *host = v + 8;

	if (!*v)
		return true;
	if (strncmp(v, "https://", 8) == 0 && *host && !strchr(host, '/') && !strchr(host, '@') &&
	    !strpbrk(host, " \t?#"))
		return true;
	snprintf(why, n, "write https://HOST[:PORT] (TLS only, no path)");
	return false;
}

static bool valid_device(const char *v, char *why, size_t n)
{
	for (const char *p = v; *p; p++)
		if (iscntrl((unsigned char)*p)) {
			snprintf(why, n, "contains control characters");
			return false;
		}
	return true;
}

static bool valid_proxy(const char *v, char *why, size_t n)
{
	if (!*v)
		return true;
	for (const char *p = v; *p; p++)
		if (iscntrl((unsigned char)*p) || *p == ' ' || *p == '@') {
			snprintf(why, n, "a proxy is SCHEME://HOST:PORT, without credentials");
			return false;
		}
	if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8) && strncmp(v, "socks5h://", 10)) {
		snprintf(why, n, "a proxy is http://, https:// or socks5h://HOST:PORT");
		return false;
	}
	return true;
}

static bool valid_hostnames(const char *v, char *why, size_t n)
{
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".- ", *p)) {
			snprintf(why, n,
				 "host names are letters, digits, '.' and '-', separated "
				 "by spaces");
			return false;
		}
	return true;
}

static bool valid_tty(const char *v, char *why, size_t n)
{
	if (!*v || (v[0] == '/' && !strpbrk(v, " \t")))
		return true;
	snprintf(why, n, "use the absolute path of a serial device, e.g. /dev/ttyS0 (empty: none)");
	return false;
}

/* HOST:PORT with an IPv4 address or [IPv6] address as HOST; empty: no UI. */
static bool valid_listen(const char *v, char *why, size_t n)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *colon = strrchr(v, ':');
	char host[64];
	long port;
	char *end;

	if (!*v)
		return true;
	if (colon && colon > v && (size_t)(colon - v) < sizeof(host)) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - v), v);
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (!errno && !*end && colon[1] && port >= 1 && port <= 65535) {
			size_t hl = strlen(host);

			if (inet_pton(AF_INET, host, &a4) == 1)
				return true;
			if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
				host[hl - 1] = '\0';
				if (inet_pton(AF_INET6, host + 1, &a6) == 1)
					return true;
			}
		}
	}
	snprintf(why, n, "use ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 (empty: no UI)");
	return false;
}

static bool valid_baud(const char *v, char *why, size_t n)
{
	static const char *const rates[] = { "9600",   "19200",	 "38400",  "57600",
					     "115200", "230400", "460800", "921600" };

	for (size_t i = 0; i < ARRAY_SIZE(rates); i++)
		if (strcmp(v, rates[i]) == 0)
			return true;
	snprintf(why, n, "'%s' is not one of: 9600 19200 38400 57600 115200 230400 460800 921600",
		 v);
	return false;
}

#define G(field)                                            \
	SCOPE_GLOBAL, offsetof(struct folio_config, field), \
	    sizeof(((struct folio_config *)0)->field)
#define P(field)                                             \
	SCOPE_PROFILE, offsetof(struct scan_profile, field), \
	    sizeof(((struct scan_profile *)0)->field)

static const struct config_key config_keys[] = {
	{ "station", "id", KEY_STRING, NULL, 0, 0, G(station_id), NULL, valid_station_id,
	  "this station's name, unique within the office" },
	{ "station", "office", KEY_STRING, NULL, 0, 0, G(office), NULL, valid_office,
	  "ST.3 code of the receiving office" },
	{ "station", "key_file", KEY_PATH, "", 0, 0, G(key_file), NULL, NULL,
	  "secret key that signs packages (folio keygen); empty: packages are not signed" },
	{ "station", "log_level", KEY_LEVEL, "info", 0, 0, G(log_level), NULL, NULL,
	  "err, warning, info or debug" },

	{ "store", "path", KEY_PATH, "/var/lib/folio/store", 0, 0, G(store_path), NULL, NULL,
	  "folder of the LMDB store" },
	{ "store", "map_size_mb", KEY_INT, "4096", 16, 1048576, G(map_size_mb), NULL, NULL,
	  "largest size the store may grow to, in MiB" },
	{ "store", "reserve_mb", KEY_INT, "256", 0, 1048576, G(reserve_mb), NULL, NULL,
	  "free space kept back; capture stops below it" },
	{ "store", "key_file", KEY_PATH, "/etc/folio/store.key", 0, 0, G(store_key_file), NULL,
	  NULL,
	  "station key sealing images, OCR text, index and events (folio store keygen; mode "
	  "0600); a systemd credential store.key of the unit comes first" },
	{ "store", "encrypt", KEY_BOOL, IS_ENABLED(CONFIG_STORE_ENCRYPTION) ? "yes" : "no", 0, 0,
	  G(store_encrypt), NULL, NULL, "seal new page images and OCR text with the station key" },
	{ "store", "retention_days", KEY_INT, "90", 0, 36500, G(retention_days), NULL, NULL,
	  "days a confirmed batch keeps its images before the automatic purge" },

	{ "capture", "device", KEY_STRING, "", 0, 0, G(device), NULL, valid_device,
	  "SANE device name, e.g. fujitsu:fi-7160 or folio:/path/to/pages" },
	{ "capture", "devices", KEY_STRING, "*", 0, 0, G(devices), NULL, valid_device,
	  "other SANE devices a capture may use, as patterns (e.g. fujitsu:* canon_dr:*); each "
	  "must also be one SANE lists (empty: only [capture] device)" },
	{ "capture", "profile", KEY_STRING, "default", 0, 0, G(profile), NULL, NULL,
	  "profile used when a scan names none" },
	{ "capture", "sane_config_dir", KEY_PATH, "/etc/folio/sane.d", 0, 0, G(sane_config_dir),
	  NULL, NULL, "SANE configuration folder (its dll.conf lists the backends used)" },
	{ "capture", "sane_backend_dir", KEY_PATH, "", 0, 0, G(sane_backend_dir), NULL, NULL,
	  "extra folder searched for SANE backends (libsane-NAME.so.1)" },
	{ "capture", "network_scanners", KEY_BOOL, "yes", 0, 0, G(network_scanners), NULL, NULL,
	  "list network scanners too: saned hosts of net.conf, eSCL scanners of airscan.conf "
	  "(no: local ones only; a network scanner still opens by name)" },
	{ "capture", "reconnect_seconds", KEY_INT, "60", 0, 3600, G(reconnect_seconds), NULL, NULL,
	  "how long a batch waits for a disconnected scanner to come back (0: stop at once)" },
	{ "capture", "image_threads", KEY_INT, "0", 0, 16, G(image_threads), NULL, NULL,
	  "threads that clean pages at once, each holding one raw page (0: one per core)" },

	{ "profile", "source", KEY_ENUM, "adf", 0, 0, P(source), source_names, NULL,
	  "flatbed, adf or duplex" },
	{ "profile", "mode", KEY_ENUM, "lineart", 0, 0, P(mode), mode_names, NULL,
	  "lineart (G4 TIFF), gray or color (JPEG)" },
	{ "profile", "resolution", KEY_INT, "300", 50, 1200, P(resolution), NULL, NULL,
	  "dots per inch" },
	{ "profile", "page_size", KEY_ENUM, "auto", 0, 0, P(page_size), page_size_names, NULL,
	  "auto (each sheet whole at its own size), a4, letter, legal or a3" },
	{ "profile", "output", KEY_ENUM, "auto", 0, 0, P(output), output_names, NULL,
	  "bitonal (G4 TIFF), grey or colour (JPEG), raw (unprocessed PNM), auto: per page, "
	  "colour or grey JPEG when the page needs it, else bitonal" },
	{ "profile", "jpeg_quality", KEY_INT, STRINGIFY(CONFIG_IMAGE_JPEG_QUALITY), 10, 100,
	  P(jpeg_quality), NULL, NULL, "JPEG quality for gray and color pages" },
	{ "profile", "deskew", KEY_BOOL, "yes", 0, 0, P(deskew), NULL, NULL,
	  "measure and correct skew" },
	{ "profile", "orient", KEY_BOOL, "yes", 0, 0, P(orient), NULL, NULL,
	  "detect and correct pages fed sideways or upside down" },
	{ "profile", "clean_borders", KEY_BOOL, "yes", 0, 0, P(clean_borders), NULL, NULL,
	  "remove dark scanner borders and punch holes" },
	{ "profile", "despeckle", KEY_BOOL, "yes", 0, 0, P(despeckle), NULL, NULL,
	  "remove specks" },
	{ "profile", "skew_limit_tenths", KEY_INT, "30", 0, 450, P(skew_limit_tenths), NULL, NULL,
	  "flag pages fed more crooked than this, in tenths of a degree" },
	{ "profile", "cover_sheets", KEY_BOOL, "no", 0, 0, P(cover_sheets), NULL, NULL,
	  "look for cover sheets (folio coversheet) that start and index documents" },
	{ "profile", "patch_2", KEY_ENUM, "new-document", 0, 0, P(patch[2]), patch_action_names,
	  NULL, "what a Patch 2 sheet does: new-document, new-batch or ignore" },
	{ "profile", "patch_3", KEY_ENUM, "new-document", 0, 0, P(patch[3]), patch_action_names,
	  NULL, "what a Patch 3 sheet does: new-document, new-batch or ignore" },
	{ "profile", "patch_t", KEY_ENUM, "new-document", 0, 0, P(patch[5]), patch_action_names,
	  NULL, "what a Patch T (transfer) sheet does: new-document, new-batch or ignore" },
	{ "profile", "patch_1", KEY_ENUM, "ignore", 0, 0, P(patch[1]), patch_action_names, NULL,
	  "what a Patch 1 sheet does: ignore (a plain page), new-document or new-batch" },
	{ "profile", "patch_4", KEY_ENUM, "ignore", 0, 0, P(patch[4]), patch_action_names, NULL,
	  "what a Patch 4 (toggle) sheet does: ignore, new-document or new-batch" },
	{ "profile", "patch_6", KEY_ENUM, "ignore", 0, 0, P(patch[6]), patch_action_names, NULL,
	  "what a Patch 6 sheet does: ignore, new-document or new-batch" },
	{ "profile", "patch_sheets", KEY_ENUM, "keep", 0, 0, P(patch_sheets), patch_sheet_names,
	  NULL,
	  "keep a patch sheet that acts as a separator page (not exported), or drop it (its "
	  "image is not stored; an event records it)" },
	{ "profile", "device_deskew", KEY_BOOL, "no", 0, 0, P(device_deskew), NULL, NULL,
	  "let the scanner deskew, when it can" },
	{ "profile", "device_blank_skip", KEY_BOOL, "no", 0, 0, P(device_blank_skip), NULL, NULL,
	  "let the scanner drop blank pages, when it can (Folio then never sees them)" },
	{ "profile", "device_double_feed", KEY_BOOL, "yes", 0, 0, P(device_double_feed), NULL, NULL,
	  "use the scanner's double-feed detection, when it has one" },

	{ "document", "ip_type", KEY_ENUM, "patent", 0, 0, G(ip_type), ip_type_names, NULL,
	  "patent, trademark or design: the default for new documents" },
	{ "document", "document_code", KEY_STRING, "SCAN", 0, 0, G(document_code), NULL, NULL,
	  "the office's document code for new documents" },
	{ "document", "language", KEY_STRING, "en", 0, 0, G(language), NULL, valid_language,
	  "language of new documents" },

	{ "index", "patent_pattern", KEY_STRING, "", 0, 0, G(index_rules[0].pattern), NULL, NULL,
	  "the office's own form of patent application numbers, e.g. KE/P/YYYY/NNNNNN" },
	{ "index", "patent_check_digit", KEY_STRING, "none", 0, 0, G(index_rules[0].check_digit),
	  NULL, valid_check_digit, "check digit of that pattern: none, luhn, mod11 or mod97" },
	{ "index", "patent_codes", KEY_STRING, "", 0, 0, G(index_rules[0].codes), NULL, valid_codes,
	  "document codes allowed for patents, space-separated (empty: any)" },
	{ "index", "trademark_pattern", KEY_STRING, "", 0, 0, G(index_rules[1].pattern), NULL, NULL,
	  "the office's own form of trademark application numbers, e.g. KE/P/YYYY/NNNNNN" },
	{ "index", "trademark_check_digit", KEY_STRING, "none", 0, 0, G(index_rules[1].check_digit),
	  NULL, valid_check_digit, "check digit of that pattern: none, luhn, mod11 or mod97" },
	{ "index", "trademark_codes", KEY_STRING, "", 0, 0, G(index_rules[1].codes), NULL,
	  valid_codes, "document codes allowed for trademarks, space-separated (empty: any)" },
	{ "index", "design_pattern", KEY_STRING, "", 0, 0, G(index_rules[2].pattern), NULL, NULL,
	  "the office's own form of design application numbers, e.g. KE/P/YYYY/NNNNNN" },
	{ "index", "design_check_digit", KEY_STRING, "none", 0, 0, G(index_rules[2].check_digit),
	  NULL, valid_check_digit, "check digit of that pattern: none, luhn, mod11 or mod97" },
	{ "index", "design_codes", KEY_STRING, "", 0, 0, G(index_rules[2].codes), NULL, valid_codes,
	  "document codes allowed for designs, space-separated (empty: any)" },

	{ "ocr", "languages", KEY_STRING, "eng+fra+ara", 0, 0, G(ocr_languages), NULL,
	  valid_ocr_languages, "Tesseract languages, e.g. eng, ara+eng (each built in)" },
	{ "ocr", "workers", KEY_INT, "0", 0, 64, G(ocr_workers), NULL, NULL,
	  "OCR worker processes; 0: one per core" },
	{ "ocr", "psm", KEY_INT, "3", 1, 13, G(ocr_psm), NULL, NULL,
	  "Tesseract page segmentation mode (3: automatic)" },
	{ "ocr", "page_timeout", KEY_INT, "120", 5, 3600, G(ocr_page_timeout), NULL, NULL,
	  "seconds one page may take before its worker is replaced" },
	{ "ocr", "min_confidence", KEY_INT, "60", 0, 100, G(ocr_min_confidence), NULL, NULL,
	  "pages whose mean word confidence is below this are flagged for the clerk" },

	/* Without the outbox driver (CONFIG_UPLOAD_FILE) there is no default: one must be named. */
	{ "upload", "target", KEY_URL,
	  IS_ENABLED(CONFIG_UPLOAD_FILE) ? "file:///var/spool/folio/outbox" : NULL, 0, 0,
	  G(upload_target), NULL, valid_upload_target,
	  "where approved packages go: file:///FOLDER, https://HOST/PATH (WebDAV), "
	  "sftp://USER@HOST/PATH or s3://BUCKET/PREFIX" },
	{ "upload", "document_file", KEY_ENUM, "pages", 0, 0, G(document_file), document_file_names,
	  NULL,
	  "pages (one image file per page) or multipage (each document's pages as one "
	  "multi-page TIFF, D0001/document.tif)" },
	{ "upload", "window", KEY_STRING, "always", 0, 0, G(upload_window), NULL,
	  valid_upload_window,
	  "when foliod uploads, HH:MM-HH:MM station time, or always ('folio upload --now' "
	  "ignores it)" },
	{ "upload", "bandwidth_kbps", KEY_INT, "0", 0, 10000000, G(upload_bandwidth_kbps), NULL,
	  NULL, "cap on the upload rate in kbit/s, all connections together (0: none)" },
	{ "upload", "retries", KEY_INT, "5", 0, 100, G(upload_retries), NULL, NULL,
	  "repeats of a request after a transient failure, with exponential backoff" },
	{ "upload", "connect_timeout", KEY_INT, "30", 1, 600, G(upload_connect_timeout), NULL, NULL,
	  "seconds to wait for a connection" },
	{ "upload", "stall_timeout", KEY_INT, "60", 1, 3600, G(upload_stall_timeout), NULL, NULL,
	  "seconds without progress after which a transfer counts as stalled" },
	{ "upload", "proxy", KEY_STRING, "", 0, 0, G(upload_proxy), NULL, valid_proxy,
	  "proxy for uploads, e.g. http://proxy.office.example:3128 (empty: none; the "
	  "https_proxy and ALL_PROXY variables are ignored)" },
	{ "upload", "concurrency", KEY_INT, "2", 1, 16, G(upload_concurrency), NULL, NULL,
	  "files sent at once, each on its own connection" },
	{ "upload", "ca_file", KEY_PATH, "", 0, 0, G(upload_ca_file), NULL, NULL,
	  "CA certificates the server's certificate must chain to (empty: the system's)" },
	{ "upload", "pinned_pubkey", KEY_STRING, "", 0, 0, G(upload_pinned_pubkey), NULL, NULL,
	  "the server's public key: sha256//BASE64 hashes (';'-separated) or a key file" },
	{ "upload", "client_cert", KEY_PATH, "", 0, 0, G(upload_client_cert), NULL, NULL,
	  "client certificate (PEM) for servers that require mutual TLS" },
	{ "upload", "client_key", KEY_PATH, "", 0, 0, G(upload_client_key), NULL, NULL,
	  "private key of client_cert (mode 0600; passphrase: key_password in credentials_file)" },
	{ "upload", "credentials_file", KEY_PATH, "", 0, 0, G(upload_credentials_file), NULL, NULL,
	  "file of upload secrets, mode 0600: user, password, access_key_id, "
	  "secret_access_key, key_password" },
	{ "upload", "s3_endpoint", KEY_STRING, "", 0, 0, G(upload_s3_endpoint), NULL,
	  valid_s3_endpoint,
	  "https://HOST[:PORT] of the S3-compatible service, for s3:// targets" },
	{ "upload", "s3_region", KEY_STRING, "us-east-1", 0, 0, G(upload_s3_region), NULL,
	  valid_station_id, "region of the S3 service (signs requests)" },
	{ "upload", "sftp_known_hosts", KEY_PATH, "", 0, 0, G(upload_sftp_known_hosts), NULL, NULL,
	  "known_hosts file holding the SFTP server's host key (required for sftp://)" },
	{ "upload", "sftp_key", KEY_PATH, "", 0, 0, G(upload_sftp_key), NULL, NULL,
	  "private key for sftp:// (mode 0600; passphrase: key_password in credentials_file)" },
	{ "upload", "receipt_keys", KEY_PATH, "", 0, 0, G(upload_receipt_keys), NULL, NULL,
	  "the office's receipt keys, OpenSSH Ed25519 public key lines: foliod reads each "
	  "delivered batch's receipt and confirms or returns it (empty: no receipts read)" },

	{ "board", "facts", KEY_PATH, CONFIG_BOARD_FACTS, 0, 0, G(board_facts), NULL, NULL,
	  "the board's hardware facts: buttons, LEDs, watchdog (empty: none)" },

	{ "console", "tty", KEY_PATH, "", 0, 0, G(console_tty), NULL, valid_tty,
	  "serial line foliod serves the technician console on, e.g. /dev/ttyS0 (empty: none)" },
	{ "console", "baud", KEY_INT, "115200", 9600, 921600, G(console_baud), NULL, valid_baud,
	  "speed of that line (8N1)" },
	{ "console", "accounts_file", KEY_PATH, "/var/lib/folio/accounts/console", 0, 0,
	  G(console_accounts_file), NULL, NULL,
	  "technician accounts (folio console passwd USER; mode 0600)" },
	{ "console", "idle_logout_seconds", KEY_INT, "600", 0, 86400,
	  G(console_idle_logout_seconds), NULL, NULL,
	  "log a technician out after this long without input (0: never)" },
	{ "console", "max_failures", KEY_INT, "5", 1, 100, G(console_max_failures), NULL, NULL,
	  "failed logins in a row before the console locks" },
	{ "console", "lockout_seconds", KEY_INT, "300", 0, 86400, G(console_lockout_seconds), NULL,
	  NULL, "how long the console stays locked after too many failed logins" },
	{ "console", "failure_delay_ms", KEY_INT, "1000", 0, 60000, G(console_failure_delay_ms),
	  NULL, NULL, "wait after a failed login; doubles with each further failure" },

	{ "web", "listen", KEY_STRING, "127.0.0.1:8080", 0, 0, G(web_listen), NULL, valid_listen,
	  "where foliod serves the clerk UI, ADDRESS:PORT (empty: no UI); an address other "
	  "than loopback needs tls_cert and tls_key" },
	{ "web", "hostnames", KEY_STRING, "", 0, 0, G(web_hostnames), NULL, valid_hostnames,
	  "names the clerk UI answers to (Host header), space-separated, besides loopback and "
	  "the listen address, e.g. folio-1.office.example; others get 421" },
	{ "web", "users_file", KEY_PATH, "/var/lib/folio/accounts/web", 0, 0, G(web_users_file),
	  NULL, NULL, "clerk and supervisor accounts (folio web user NAME; mode 0600)" },
	{ "web", "tls_cert", KEY_PATH, "", 0, 0, G(web_tls_cert), NULL, NULL,
	  "certificate (PEM) for HTTPS; required when listen is not a loopback address" },
	{ "web", "tls_key", KEY_PATH, "", 0, 0, G(web_tls_key), NULL, NULL,
	  "private key of tls_cert (PEM, mode 0600)" },
	{ "web", "idle_minutes", KEY_INT, "15", 1, 1440, G(web_idle_minutes), NULL, NULL,
	  "sign a clerk out after this long without a request" },
	{ "web", "max_failures", KEY_INT, "5", 1, 100, G(web_max_failures), NULL, NULL,
	  "failed sign-ins in a row for one name before it is locked" },
	{ "web", "lockout_seconds", KEY_INT, "300", 0, 86400, G(web_lockout_seconds), NULL, NULL,
	  "how long a name stays locked after too many failed sign-ins" },
};

#undef G
#undef P

struct parse_state {
	struct folio_config *cfg;
	struct config_problems *problems;
	const char *name;   /* the file, for messages */
	char dir[PATH_MAX]; /* its folder, for relative paths */
	unsigned line;
	int failed;
	/* Line where each key was first set, per scope instance (0: not set). */
	unsigned seen_global[ARRAY_SIZE(config_keys)];
	unsigned seen_profile[CONFIG_MAX_PROFILES][ARRAY_SIZE(config_keys)];
	unsigned profile_line[CONFIG_MAX_PROFILES];
	/* The reader's input. */
	FILE *file;
	const char *text;
};

static void problem(struct parse_state *st, unsigned line, const char *fmt, ...) _printf_(3, 4);

static void problem(struct parse_state *st, unsigned line, const char *fmt, ...)
{
	struct config_problems *p = st->problems;
	char *out;
	int n;
	va_list ap;

	st->failed = 1;
	if (!p)
		return;
	if (p->n >= CONFIG_MAX_PROBLEMS) {
		p->dropped++;
		return;
	}
	out = p->text[p->n++];
	if (line)
		n = snprintf(out, CONFIG_PROBLEM_LEN, "%s:%u: ", st->name, line);
	else
		n = snprintf(out, CONFIG_PROBLEM_LEN, "%s: ", st->name);
	if (n < 0 || n >= CONFIG_PROBLEM_LEN)
		return;
	va_start(ap, fmt);
	vsnprintf(out + n, CONFIG_PROBLEM_LEN - (size_t)n, fmt, ap);
	va_end(ap);
}

static void *key_field(struct parse_state *st, const struct config_key *k, size_t profile)
{
	if (k->scope == SCOPE_PROFILE)
		return (char *)&st->cfg->profiles[profile] + k->offset;
	return (char *)st->cfg + k->offset;
}

static int parse_long(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Stores @value into the key's field. Returns false with a reason when it is invalid. */
static bool set_value(struct parse_state *st, const struct config_key *k, size_t profile,
		      const char *value, char *why, size_t why_size)
{
	void *field = key_field(st, k, profile);
	long v;
	int r;

	switch (k->type) {
	case KEY_STRING:
	case KEY_PATH:
	case KEY_URL:
		if (k->valid && !k->valid(value, why, why_size))
			return false;
		if (k->type == KEY_PATH && value[0] && value[0] != '/' && st->dir[0]) {
			r = snprintf(field, k->size, "%s/%s", st->dir, value);
		} else if (k->type == KEY_URL && strncmp(value, "file://", 7) == 0 &&
			   value[7] != '/' && st->dir[0]) {
			r = snprintf(field, k->size, "file://%s/%s", st->dir, value + 7);
		} else {
			r = snprintf(field, k->size, "%s", value);
		}
		if (r < 0 || (size_t)r >= k->size) {
			snprintf(why, why_size, "too long (at most %zu characters)", k->size - 1);
			return false;
		}
		return true;
	case KEY_INT:
		if (parse_long(value, &v) < 0) {
			snprintf(why, why_size, "'%s' is not a whole number", value);
			return false;
		}
		if (v < k->min || v > k->max) {
			snprintf(why, why_size, "%ld is out of range (%ld to %ld)", v, k->min,
				 k->max);
			return false;
		}
		if (k->valid && !k->valid(value, why, why_size))
			return false;
		*(int *)field = (int)v;
		return true;
	case KEY_ENUM:
		for (int i = 0; k->choices[i]; i++)
			if (strcmp(value, k->choices[i]) == 0) {
				*(int *)field = i;
				return true;
			}
		r = snprintf(why, why_size, "'%s' is not one of:", value);
		for (int i = 0; k->choices[i] && r > 0 && (size_t)r < why_size; i++)
			r += snprintf(why + r, why_size - (size_t)r, " %s", k->choices[i]);
		return false;
	case KEY_BOOL: {
		static const char *const yes[] = { "yes", "true", "on", "1" };
		static const char *const no[] = { "no", "false", "off", "0" };

		for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
			if (strcasecmp(value, yes[i]) == 0) {
				*(bool *)field = true;
				return true;
			}
			if (strcasecmp(value, no[i]) == 0) {
				*(bool *)field = false;
				return true;
			}
		}
		snprintf(why, why_size, "'%s' is not yes or no", value);
		return false;
	}
	case KEY_LEVEL:
		r = log_parse_level(value);
		if (r < 0) {
			snprintf(why, why_size,
				 "'%s' is not a log level (err, warning, info, debug)", value);
			return false;
		}
		*(int *)field = r;
		return true;
	}
	return false;
}

static const struct config_key *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static bool section_known(const char *section)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0)
			return true;
	return false;
}

static void apply_defaults(struct parse_state *st, enum key_scope scope, size_t profile)
{
	char why[CONFIG_PROBLEM_LEN];

	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (k->scope != scope || !k->def)
			continue;
		/* Defaults are part of the program: a bad one is a programming error. */
		if (!set_value(st, k, profile, k->def, why, sizeof(why)))
			problem(st, 0, "built-in default of [%s] %s is invalid: %s", k->section,
				k->name, why);
	}
}

/* Finds or creates the profile called @name; returns its index or -1 when full. */
static int profile_index(struct parse_state *st, const char *name)
{
	struct folio_config *cfg = st->cfg;

	for (size_t i = 0; i < cfg->n_profiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return (int)i;
	if (cfg->n_profiles >= CONFIG_MAX_PROFILES)
		return -1;
	apply_defaults(st, SCOPE_PROFILE, cfg->n_profiles);
	snprintf(cfg->profiles[cfg->n_profiles].name, CONFIG_NAME_LEN, "%s", name);
	st->profile_line[cfg->n_profiles] = st->line;
	return (int)cfg->n_profiles++;
}

static bool valid_profile_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_NAME_LEN)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static int handle_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	const struct config_key *k;
	char why[CONFIG_PROBLEM_LEN];
	unsigned *seen;
	size_t profile = 0;

	if (strncmp(section, "profile ", 8) == 0) {
		const char *pname = section + 8;
		int i;

		if (!valid_profile_name(pname)) {
			problem(st, st->line,
				"bad profile name '%s': use letters, digits, '-' and '_'", pname);
			return 1;
		}
		i = profile_index(st, pname);
		if (i < 0) {
			problem(st, st->line, "too many profiles (at most %d)",
				CONFIG_MAX_PROFILES);
			return 1;
		}
		profile = (size_t)i;
		section = "profile";
	} else if (strcmp(section, "profile") == 0) {
		problem(st, st->line, "a profile section needs a name: [profile NAME]");
		return 1;
	}

	if (!section_known(section)) {
		problem(st, st->line, "unknown section [%s]", section);
		return 1;
	}
	k = find_key(section, name);
	if (!k) {
		problem(st, st->line, "unknown key '%s' in [%s]", name, section);
		return 1;
	}
	seen = k->scope == SCOPE_PROFILE ? &st->seen_profile[profile][k - config_keys]
					 : &st->seen_global[k - config_keys];
	if (*seen) {
		problem(st, st->line, "'%s' is set twice in [%s] (first on line %u)", name, section,
			*seen);
		return 1;
	}
	*seen = st->line;
	if (!set_value(st, k, profile, value, why, sizeof(why)))
		problem(st, st->line, "bad value for '%s': %s", name, why);
	return 1;
}

/*
 * Line reader for ini_parse_stream(): counts lines so problems carry line numbers, and
 * refuses lines that are too long or contain NUL bytes instead of letting them be cut.
 */
static char *read_line(char *buf, int size, void *user)
{
	struct parse_state *st = user;
	char line[CONFIG_LINE_MAX + 2];
	size_t n = 0;
	bool overlong = false, nul = false;
	int c;

	for (;;) {
		if (st->file) {
			c = getc(st->file);
			if (c == EOF)
				break;
		} else {
			if (!*st->text)
				break;
			c = (unsigned char)*st->text++;
		}
		if (c == '\0')
			nul = true;
		if (n < sizeof(line) - 1)
			line[n++] = (char)c;
		else
			overlong = true;
		if (c == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	st->line++;
	line[n] = '\0';

	if (overlong || n > CONFIG_LINE_MAX || n >= (size_t)size) {
		problem(st, st->line, "line too long (at most %d characters)",
			MIN(CONFIG_LINE_MAX, size) - 2);
		snprintf(buf, (size_t)size, "\n");
	} else if (nul) {
		problem(st, st->line, "line contains a NUL byte");
		snprintf(buf, (size_t)size, "\n");
	} else {
		memcpy(buf, line, n + 1);
	}
	return buf;
}

static int check_required(struct parse_state *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (k->def || k->scope != SCOPE_GLOBAL || st->seen_global[i])
			continue;
		problem(st, 0, "[%s] %s is required (%s)", k->section, k->name, k->help);
	}
	return 0;
}

static int check_profiles(struct parse_state *st)
{
	struct folio_config *cfg = st->cfg;

	/* A config without any profile gets the built-in one; without a [capture] profile
	 * key, the first profile of the file is the default. */
	if (cfg->n_profiles == 0)
		(void)profile_index(st, "default");
	else if (!st->seen_global[find_key("capture", "profile") - config_keys] &&
		 !config_find_profile(cfg, cfg->profile))
		snprintf(cfg->profile, sizeof(cfg->profile), "%s", cfg->profiles[0].name);
	if (!config_find_profile(cfg, cfg->profile))
		problem(st, st->seen_global[find_key("capture", "profile") - config_keys],
			"[capture] profile '%s' is not defined: add a [profile %s] section",
			cfg->profile, cfg->profile);
	return 0;
}

/* Sealing needs a build with CONFIG_STORE_ENCRYPTION. */
static int check_store(struct parse_state *st)
{
	const struct config_key *k = find_key("store", "encrypt");

	if (st->cfg->store_encrypt && !IS_ENABLED(CONFIG_STORE_ENCRYPTION) && k)
		problem(st, st->seen_global[k - config_keys],
			"bad value for 'encrypt': this build has no store encryption "
			"(CONFIG_STORE_ENCRYPTION): set encrypt = no");
	return 0;
}

/* What each kind of upload target needs besides its URL. */
static int check_upload(struct parse_state *st)
{
	const struct folio_config *cfg = st->cfg;
	const struct config_key *k = find_key("upload", "target");
	unsigned line = k ? st->seen_global[k - config_keys] : 0;

	if (strncmp(cfg->upload_target, "s3://", 5) == 0 && !cfg->upload_s3_endpoint[0])
		problem(st, line,
			"an s3:// target needs [upload] s3_endpoint (https://HOST[:PORT])");
	if (strncmp(cfg->upload_target, "s3://", 5) == 0 && !cfg->upload_credentials_file[0])
		problem(st, line,
			"an s3:// target needs [upload] credentials_file with "
			"access_key_id and secret_access_key");
	if (strncmp(cfg->upload_target, "sftp://", 7) == 0 && !cfg->upload_sftp_key[0])
		problem(st, line, "an sftp:// target needs [upload] sftp_key (a private key)");
	if (strncmp(cfg->upload_target, "sftp://", 7) == 0 && !cfg->upload_sftp_known_hosts[0])
		problem(st, line,
			"an sftp:// target needs [upload] sftp_known_hosts (the "
			"server's pinned host key)");
	return 0;
}

/* Reading the office's receipts needs a build with CONFIG_UPLOAD_RECEIPTS. */
static int check_receipts(struct parse_state *st)
{
	const struct config_key *k;

	if (IS_ENABLED(CONFIG_UPLOAD_RECEIPTS) || !st->cfg->upload_receipt_keys[0])
		return 0;
	k = find_key("upload", "receipt_keys");
	if (k)
		problem(st, st->seen_global[k - config_keys],
			"bad value for 'receipt_keys': this build reads no receipts "
			"(CONFIG_UPLOAD_RECEIPTS): leave it empty");
	return 0;
}

/* The UI beyond loopback only over HTTPS. */
static int check_web(struct parse_state *st)
{
	const struct folio_config *cfg = st->cfg;
	const struct config_key *k = find_key("web", "listen");
	unsigned line = k ? st->seen_global[k - config_keys] : 0;

	if (!cfg->web_listen[0] || strncmp(cfg->web_listen, "127.", 4) == 0 ||
	    strncmp(cfg->web_listen, "[::1]:", 6) == 0)
		return 0;
	if (!cfg->web_tls_cert[0] || !cfg->web_tls_key[0])
		problem(st, line,
			"[web] listen '%s' is not a loopback address: set tls_cert and tls_key "
			"so the UI is served over HTTPS",
			cfg->web_listen);
	return 0;
}

/* An office pattern and its check-digit scheme must fit together. */
static int check_index(struct parse_state *st)
{
	static const char *const types[] = { "patent", "trademark", "design" };
	char why[CONFIG_PROBLEM_LEN - 64], name[32];

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		const struct index_rules *ir = &st->cfg->index_rules[i];
		const struct config_key *k;

		snprintf(name, sizeof(name), "%s_pattern", types[i]);
		k = find_key("index", name);
		if (!ir->pattern[0] || !k)
			continue;
		if (appno_pattern_verify(ir->pattern, ir->check_digit, why, sizeof(why)) < 0)
			problem(st, st->seen_global[k - config_keys], "bad value for '%s': %s",
				name, why);
	}
	return 0;
}

static int parse(struct parse_state *st)
{
	int r;

	memset(st->cfg, 0, sizeof(*st->cfg));
	apply_defaults(st, SCOPE_GLOBAL, 0);

	r = ini_parse_stream(read_line, st, handle_key, st);
	if (r > 0)
		problem(st, (unsigned)r, "syntax error: expected '[section]' or 'key = value'");
	else if (r < 0)
		problem(st, 0, "cannot parse: out of memory");

	check_required(st);
	check_profiles(st);
	check_index(st);
	check_store(st);
	check_upload(st);
	check_receipts(st);
	check_web(st);
	return st->failed ? -FOLIO_ECONFIG : 0;
}

static void init_state(struct parse_state *st, const char *name, struct folio_config *cfg,
		       struct config_problems *problems)
{
	const char *slash = strrchr(name, '/');

	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->problems = problems;
	st->name = name;
	if (problems)
		memset(problems, 0, sizeof(*problems));
	if (slash && (size_t)(slash - name) < sizeof(st->dir))
		snprintf(st->dir, sizeof(st->dir), "%.*s", (int)(slash - name), name);
	else if (!slash)
		snprintf(st->dir, sizeof(st->dir), ".");
}

int config_load_string(const char *name, const char *text, struct folio_config *ret,
		       struct config_problems *problems)
{
	_cleanup_free_ struct parse_state *st = malloc(sizeof(*st));

	if (!st)
		return -ENOMEM;
	init_state(st, name, ret, problems);
	st->text = text;
	snprintf(ret->path, sizeof(ret->path), "%s", name);
	return parse(st);
}

int config_load(const char *path, struct folio_config *ret, struct config_problems *problems)
{
	_cleanup_free_ struct parse_state *st = malloc(sizeof(*st));
	_cleanup_fclose_ FILE *f = NULL;
	int r;

	if (!st)
		return -ENOMEM;
	init_state(st, path, ret, problems);
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		problem(st, 0, "cannot read: %s", folio_strerror(r));
		return r;
	}
	st->file = f;
	/* Relative paths in the file are relative to its folder, wherever we run from. */
	{
		char abs[PATH_MAX];

		if (realpath(st->dir, abs))
			snprintf(st->dir, sizeof(st->dir), "%s", abs);
	}
	r = parse(st);
	snprintf(ret->path, sizeof(ret->path), "%s", path);
	return r;
}

int config_set(struct folio_config *cfg, const char *key, const char *value, char *why,
	       size_t why_size)
{
	_cleanup_free_ struct parse_state *st = NULL;
	_cleanup_free_ struct folio_config *copy = NULL;
	char section[CONFIG_NAME_LEN + 8], profile[CONFIG_NAME_LEN];
	const struct config_key *k;
	const char *dot = strchr(key, '.'), *name;
	size_t p = 0;

	profile[0] = '\0';
	if (!dot || (size_t)(dot - key) >= sizeof(section)) {
		snprintf(why, why_size,
			 "'%s' is not a key: write SECTION.NAME, e.g. station.log_level", key);
		return -ENOENT;
	}
	snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
	name = dot + 1;
	if (strcmp(section, "profile") == 0) {
		const char *dot2 = strchr(name, '.');
		const struct scan_profile *sp;

		if (!dot2 || (size_t)(dot2 - name) >= sizeof(profile)) {
			snprintf(why, why_size, "profile keys are written profile.NAME.KEY");
			return -ENOENT;
		}
		snprintf(profile, sizeof(profile), "%.*s", (int)(dot2 - name), name);
		name = dot2 + 1;
		sp = config_find_profile(cfg, profile);
		if (!sp) {
			snprintf(why, why_size, "no profile '%s'", profile);
			return -ENOENT;
		}
		p = (size_t)(sp - cfg->profiles);
	}
	k = find_key(section, name);
	if (!k || (k->scope == SCOPE_PROFILE) != (profile[0] != '\0')) {
		snprintf(why, why_size, "unknown key '%s' in [%s]", name, section);
		return -ENOENT;
	}
	st = calloc(1, sizeof(*st));
	copy = malloc(sizeof(*copy));
	if (!st || !copy)
		return -ENOMEM;
	*copy = *cfg;
	init_state(st, cfg->path, copy, NULL);
	{
		char abs[PATH_MAX];

		if (realpath(st->dir, abs))
			snprintf(st->dir, sizeof(st->dir), "%s", abs);
	}
	if (!set_value(st, k, p, value, why, why_size))
		return -EINVAL;
	*cfg = *copy;
	return 0;
}

const char *config_default_path(void)
{
	const char *env = getenv("FOLIO_CONFIG");

	return env && *env ? env : CONFIG_DEFAULT_PATH;
}

int config_store_key_path(const struct folio_config *cfg, char *buf, size_t size)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (dir && dir[0] == '/') {
		n = snprintf(buf, size, "%s/%s", dir, CONFIG_STORE_KEY_CREDENTIAL);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		if (access(buf, F_OK) == 0)
			return 1;
	}
	n = snprintf(buf, size, "%s", cfg->store_key_file);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

const struct scan_profile *config_find_profile(const struct folio_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_profiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return &cfg->profiles[i];
	return NULL;
}

static void dump_value(const struct config_key *k, const void *field, FILE *out)
{
	switch (k->type) {
	case KEY_STRING:
	case KEY_PATH:
	case KEY_URL:
		fprintf(out, "%s = %s\n", k->name, (const char *)field);
		break;
	case KEY_INT:
		fprintf(out, "%s = %d\n", k->name, *(const int *)field);
		break;
	case KEY_ENUM:
		fprintf(out, "%s = %s\n", k->name, k->choices[*(const int *)field]);
		break;
	case KEY_BOOL:
		fprintf(out, "%s = %s\n", k->name, *(const bool *)field ? "yes" : "no");
		break;
	case KEY_LEVEL: {
		static const char *const names[] = { "emerg",	"alert",  "crit", "err",
						     "warning", "notice", "info", "debug" };
		fprintf(out, "%s = %s\n", k->name, names[*(const int *)field & 7]);
		break;
	}
	}
}

void config_dump(const struct folio_config *cfg, FILE *out)
{
	const char *section = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (k->scope != SCOPE_GLOBAL)
			continue;
		if (!section || strcmp(section, k->section) != 0) {
			fprintf(out, "%s[%s]\n", section ? "\n" : "", k->section);
			section = k->section;
		}
		dump_value(k, (const char *)cfg + k->offset, out);
	}
	for (size_t p = 0; p < cfg->n_profiles; p++) {
		fprintf(out, "\n[profile %s]\n", cfg->profiles[p].name);
		for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
			if (config_keys[i].scope == SCOPE_PROFILE)
				dump_value(&config_keys[i],
					   (const char *)&cfg->profiles[p] + config_keys[i].offset,
					   out);
	}
}

const char *scan_source_name(int source)
{
	return source >= 0 && source < 3 ? source_names[source] : "?";
}

const char *scan_mode_name(int mode)
{
	return mode >= 0 && mode < 3 ? mode_names[mode] : "?";
}

void page_size_mm(int page_size, double *ret_width, double *ret_height)
{
	static const double sizes[][2] = {
		[PAGE_SIZE_A4] = { 210.0, 297.0 },
		[PAGE_SIZE_LETTER] = { 215.9, 279.4 },
		[PAGE_SIZE_LEGAL] = { 215.9, 355.6 },
		[PAGE_SIZE_A3] = { 297.0, 420.0 },
	};

	if (page_size == PAGE_SIZE_AUTO) {
		*ret_width = *ret_height = 0;
		return;
	}
	if (page_size < 0 || page_size >= (int)ARRAY_SIZE(sizes))
		page_size = PAGE_SIZE_A4;
	*ret_width = sizes[page_size][0];
	*ret_height = sizes[page_size][1];
}
