#ifndef FOLIO_UPLOAD_DRIVER_H
#define FOLIO_UPLOAD_DRIVER_H

/*
 * Inside the uploader: a driver per scheme (file.c, webdav.c, sftp.c, s3.c) as a small ops
 * table; transport.c walks the package, runs the workers, retries and confirms, and calls the
 * driver for each remote operation. Not for use outside firmware/upload/.
 *
 * Remote paths ("rel") are relative to the target's base: "<package>/D0001/P0001.tif",
 * checked by transport.c (no "..", no leading '/', no control characters).
 *
 * Driver operations return 0 or -errno and, on failure, say why in conn->why (one line, the
 * host named, no secrets). Transient failures, which transport.c retries, are -ETIMEDOUT,
 * -ECONNREFUSED, -ECONNRESET, -EHOSTUNREACH, -EAGAIN and -EIO (HTTP 5xx); anything else is
 * final for this run.
 */

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kconfig.h"
#include "progress.h"
#include "firmware/upload/creds.h"
#include "firmware/upload/transport.h"

#define UPLOAD_REL_MAX 1024
#define UPLOAD_URL_MAX 4096
#define UPLOAD_WHY_MAX 512
#define UPLOAD_TEMP_SUFFIX ".folio-part"
#define UPLOAD_SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct upload_conn;

/* One file of the package. */
struct upload_file {
	char *rel;   /* remote path, "<package>/<path in manifest>" (shorter than UPLOAD_REL_MAX) */
	char *local; /* the local file */
	uint64_t size;
	char sha256[65]; /* hex, from the manifest (computed for the manifest itself) */
};

struct upload_stat {
	bool exists;
	bool is_dir;
	uint64_t size;
	char sha256[65]; /* "" when the protocol does not say */
};

struct upload_body;

struct upload_driver {
	const char *scheme; /* "file", "https", "sftp", "s3" */
	/* Checks the target's settings at open; explains in @why. */
	int (*check)(struct upload_target *t, char *why, size_t n);
	/* Creates folder @rel_dir and its parents if missing (0 when they exist). */
	int (*mkdirs)(struct upload_conn *c, const char *rel_dir);
	/* What is at @rel: nothing (exists false), a folder, or a file of some size. */
	int (*stat)(struct upload_conn *c, const char *rel, struct upload_stat *ret);
	/*
	 * Delivers @f under its final name without ever overwriting it, through a temporary
	 * name where the protocol has rename (resuming a temporary file that is there).
	 * -EEXIST when the final name is taken (the caller compares it). Adds the bytes sent
	 * to c->bytes_sent.
	 */
	int (*put)(struct upload_conn *c, const struct upload_file *f);
	/* Reads the small file @rel into @buf (at most @size bytes: -FOLIO_ETOOBIG beyond). */
	int (*fetch)(struct upload_conn *c, const char *rel, char *buf, size_t size,
		     size_t *ret_len);
	/* Removes file @rel (a leftover temporary file); 0 when it is not there. */
	int (*remove)(struct upload_conn *c, const char *rel);
	/*
	 * Reads file @rel back from the server, streamed into a SHA-256 (never held whole):
	 * its hex digest to @ret_sha256 and the bytes read to @ret_len. Reading stops after
	 * @size + 1 bytes (a longer file differs anyway). -ENOENT when it is not there.
	 */
	int (*digest)(struct upload_conn *c, const char *rel, uint64_t size, char ret_sha256[65],
		      uint64_t *ret_len);
	/*
	 * Renames folder @from to @to, never replacing @to: -EEXIST when @to exists, -ENOENT
	 * when @from does not. NULL where the protocol has no rename (S3).
	 */
	int (*rename_dir)(struct upload_conn *c, const char *from, const char *to);

	/* The libcurl drivers: sets the connection up to read file @rel (a GET, an SFTP read),
	 * for upload_curl_fetch() and upload_curl_read_back(). */
	int (*open_read)(struct upload_conn *c, const char *rel);
	/* The libcurl drivers over HTTP: an answer's status other than success as -errno with
	 * a reason; NULL for upload_http_status(). */
	int (*http_error)(struct upload_conn *c, const char *what, long status,
			  const struct upload_body *body);
};

/*
 * The drivers. One left out of the build (CONFIG_UPLOAD_*, not compiled) is declared weak, so
 * its address is NULL and nothing needs it at link time: upload_scheme_built_in() refuses its
 * scheme before any target uses it.
 */
#define UPLOAD_DRIVER_DECLARE(name, option) \
	extern const struct upload_driver upload_driver_##name UPLOAD_DRIVER_WEAK_IF_OFF(option)
#define UPLOAD_DRIVER_WEAK_IF_OFF(option) UPLOAD_DRIVER_WEAK_PICK(IS_ENABLED(option))
#define UPLOAD_DRIVER_WEAK_PICK(on) UPLOAD_DRIVER_WEAK_PASTE(on)
#define UPLOAD_DRIVER_WEAK_PASTE(on) UPLOAD_DRIVER_WEAK_##on
#define UPLOAD_DRIVER_WEAK_1
#define UPLOAD_DRIVER_WEAK_0 __attribute__((weak))
UPLOAD_DRIVER_DECLARE(file, CONFIG_UPLOAD_FILE);
UPLOAD_DRIVER_DECLARE(webdav, CONFIG_UPLOAD_WEBDAV);
UPLOAD_DRIVER_DECLARE(sftp, CONFIG_UPLOAD_SFTP);
UPLOAD_DRIVER_DECLARE(s3, CONFIG_UPLOAD_S3);

struct upload_target {
	const struct upload_driver *drv;
	char url[PATH_MAX];	       /* as configured, for messages */
	char host[256];		       /* host for messages ("" for file://) */
	int port;		       /* 0: the scheme's default */
	char user[128];		       /* sftp:// user */
	char base[PATH_MAX];	       /* path on the server (decoded), no trailing '/' */
	char base_url[UPLOAD_URL_MAX]; /* https://host:port/base (escaped), sftp://host:port */
	struct upload_creds creds;

	int retries;
	long connect_timeout, stall_timeout; /* seconds */
	char proxy[256];   /* [upload] proxy; "": none, whatever the environment */
	bool window_bound; /* opened inside the window: stop when it closes */
	struct upload_window window;
	time_t window_checked; /* last look at the clock (seconds) */
	bool window_closed;
	int concurrency;
	uint64_t max_send_bps;	  /* bytes per second for all connections, 0: no cap */
	struct progress progress; /* told of each file confirmed (upload_target_set_progress) */

	char ca_file[PATH_MAX];
	char pinned_pubkey[512];
	char client_cert[PATH_MAX];
	char client_key[PATH_MAX];

	char s3_endpoint[512];
	char s3_region[64];
	char s3_bucket[64];
	uint64_t s3_part_size; /* files larger than this go up in parts of this size */

	char sftp_known_hosts[PATH_MAX];
	char sftp_key[PATH_MAX];

	/* Folders known to exist, so MKCOL is sent once per folder and run. */
	pthread_mutex_t lock;
	char (*made)[UPLOAD_REL_MAX];
	size_t n_made, cap_made;
};

/* A connection: one worker's handle on the target. */
struct upload_conn {
	struct upload_target *t;
	void *curl; /* CURL *, for the curl-based drivers */
	uint64_t bytes_sent;
	uint64_t max_send_bps; /* this connection's share of the cap */
	void *headers;	       /* struct curl_slist * of the request being set up */
	char errbuf[256];      /* CURL_ERROR_SIZE */
	char why[UPLOAD_WHY_MAX];
};

/* upload_conn_why - set conn->why (printf style); returns @r */
int upload_conn_why(struct upload_conn *c, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* upload_made_dir / upload_note_dir - the folder cache of a target (thread-safe) */
bool upload_made_dir(struct upload_target *t, const char *rel_dir);
void upload_note_dir(struct upload_target *t, const char *rel_dir);

/* upload_temp_name - ".NAME.folio-part" beside @rel into @buf */
int upload_temp_name(const char *rel, char *buf, size_t size);

/*
 * upload_stopping - whether a delivery must stop now: the process was asked to end (SIGTERM
 * or SIGINT pending: foliod blocks them while it works) or the upload window it started in
 * has closed. The reason goes to @ret_why. Cheap enough for libcurl's progress callback.
 */
bool upload_stopping(struct upload_target *t, const char **ret_why);

/* Bytes a second below which a transfer counts as stalled after [upload] stall_timeout */
#define UPLOAD_SPEED_FLOOR 1024L
/* Every request ends within this, plus the time its body takes at the speed floor */
#define UPLOAD_REQUEST_SECONDS 120L

/* upload_transient - whether a driver error is worth retrying */
bool upload_transient(int r);

/* upload_backoff - sleep before retry @attempt (1, 2, ...): 250 ms doubling to 30 s, jittered */
void upload_backoff(unsigned attempt);

/*
 * HTTP and SFTP over libcurl (http.c)
 */

/* A bounded response body. */
struct upload_body {
	char *data;
	size_t len, max;
	bool overflow;
};

/*
 * A file (or a range of it) as a request body. With @hash set, the bytes sent are hashed on
 * the way (a resumed upload hashes the part it skips from the local file), so the caller can
 * check what went out against the manifest before making it final (upload_source_hash()).
 */
struct upload_source {
	int fd;
	uint64_t offset, len; /* the range sent */
	uint64_t pos;	      /* bytes handed to curl so far */
	uint64_t *counter;    /* bytes sent, added to as curl reads */
	bool hash;	      /* hash what goes out */
	bool hash_failed;     /* the range could not be hashed in order */
	bool hash_ready;      /* @md is set up (upload_curl_source()) */
	uint64_t hashed;      /* bytes hashed so far */
	crypto_hash_sha256_state md;
};

/* upload_source_hash - hex SHA-256 of what @src sent; -EIO unless all of it was hashed */
int upload_source_hash(struct upload_source *src, char ret[65]);

/*
 * upload_source_check - whether what @src sent of local file @f is what the manifest says:
 * 0, or the copy at @rel is removed from the server and -FOLIO_ECORRUPT is returned with
 * upload_local_changed()'s reason.
 */
int upload_source_check(struct upload_conn *c, struct upload_source *src,
			const struct upload_file *f, const char *rel);

/*
 * upload_curl_digest - run the request set up on the connection (a GET, an SFTP read) with
 * its response body streamed into a SHA-256, never held: at most @size + 1 bytes are read
 * (a longer body differs anyway; *ret_len then says @size + 1), in the time @size takes at
 * the speed floor. The hex digest goes to @ret_sha256. Errors as upload_curl_perform(), and
 * for HTTP any status but 200 as upload_http_status() (404: -ENOENT); -ENOMEM.
 */
int upload_curl_digest(struct upload_conn *c, const char *what, uint64_t size, char ret_sha256[65],
		       uint64_t *ret_len);

/*
 * upload_curl_fetch, upload_curl_read_back - the fetch and digest operations of a libcurl
 * driver, on the request its open_read sets up: the body into @buf (at most @size bytes,
 * -FOLIO_ETOOBIG beyond), or streamed into a SHA-256 as upload_curl_digest().
 */
int upload_curl_fetch(struct upload_conn *c, const char *rel, char *buf, size_t size,
		      size_t *ret_len);
int upload_curl_read_back(struct upload_conn *c, const char *rel, uint64_t size,
			  char ret_sha256[65], uint64_t *ret_len);

/*
 * upload_local_check - whether local file @f is still what the manifest says (a temporary
 * copy on the server is kept only if it is): 0, or -FOLIO_ECORRUPT with the reason.
 * upload_local_changed - that reason, for a driver that hashed the file as it sent it.
 */
int upload_local_check(struct upload_conn *c, const struct upload_file *f);
int upload_local_changed(struct upload_conn *c, const struct upload_file *f);

/*
 * upload_curl_reset - a fresh request for @url on the connection's handle: TLS settings of
 * the target (verification always on), timeouts, the cap, no signals, an error buffer.
 * Creates the handle on first use. Returns 0 or -ENOMEM.
 */
int upload_curl_reset(struct upload_conn *c, const char *url);

/*
 * What transport.c asks of libcurl, with the stand-ins of a build without a network driver
 * (CONFIG_UPLOAD_CURL off: http.c is not built and libcurl not linked).
 *
 * upload_curl_global_init - libcurl's global set-up, once per process: 0 or -ENOMEM
 * upload_url_split - a https:// or sftp:// target URL's parts, by libcurl's URL parser (as
 *	written: no dot segment removed); -EINVAL, said in @why, for one it cannot read, a
 *	password, a query or fragment, an empty user, no host or a port out of 1-65535
 * upload_curl_free - free the connection's handle
 */
struct upload_url {
	bool has_user;
	char user[128];	     /* percent-encoded as written */
	char host[256];	     /* an IPv6 address in its brackets */
	int port;	     /* 0: none given */
	char path[PATH_MAX]; /* percent-encoded, "/" for none */
};

#if IS_ENABLED(CONFIG_UPLOAD_CURL)
int upload_curl_global_init(void);
int upload_url_split(const char *url, struct upload_url *ret, char *why, size_t n);
void upload_curl_free(struct upload_conn *c);
#else
static inline int upload_curl_global_init(void)
{
	return 0;
}
static inline int upload_url_split(const char *url, struct upload_url *ret, char *why, size_t n)
{
	(void)url, (void)ret;
	snprintf(why, n, "this build has no network upload");
	return -EOPNOTSUPP;
}
static inline void upload_curl_free(struct upload_conn *c)
{
	(void)c;
}
#endif

/* upload_curl_header - add a request header ("Name: value"); -ENOMEM */
int upload_curl_header(struct upload_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* upload_curl_body - collect the response body into @b (bounded by b->max) */
void upload_curl_body(struct upload_conn *c, struct upload_body *b);

/* upload_curl_source - send @src as the request body (PUT or POST, size set) */
void upload_curl_source(struct upload_conn *c, struct upload_source *src, bool post);

/*
 * upload_curl_perform - run the request set up on the connection
 * @what: what it does, for messages ("PUT 'S-B000001/BATCH.txt'")
 * @ret_status: the HTTP status (0 for SFTP)
 *
 * Maps libcurl's failures to -errno with a one-line reason in c->why naming the host:
 * certificate or host-key problems -EKEYREJECTED, refused -ECONNREFUSED, stalls and timeouts
 * -ETIMEDOUT, resets -ECONNRESET, a missing remote file -ENOENT, a refused login -EACCES.
 * HTTP statuses are left to the caller (upload_http_status()).
 */
int upload_curl_perform(struct upload_conn *c, const char *what, long *ret_status);

/*
 * upload_http_status - map an HTTP status that is not a success to -errno with a reason in
 * c->why: 401/403 -EACCES, 404/409 -ENOENT, 412 -EEXIST, 507/413 -ENOSPC, 408/429/5xx -EIO,
 * others -EPROTO. @body (may be NULL) helps name the cause (e.g. a missing client certificate).
 */
int upload_http_status(struct upload_conn *c, const char *what, long status,
		       const struct upload_body *body);

/*
 * upload_http_stat - run the request set up on the connection to learn what is at a path (a
 * HEAD, a PROPFIND), its answer collected as set up: 1 when the server answered @ok, for the
 * caller to read the answer; 0 when nothing is there (404), which @ret then says. Errors as
 * upload_curl_perform(), any other status as upload_http_status() with @body (may be NULL).
 */
int upload_http_stat(struct upload_conn *c, const char *what, long ok,
		     const struct upload_body *body, struct upload_stat *ret);

/*
 * upload_http_delete - run the DELETE of @rel set up on the connection: 0 when it is gone
 * (200, 204) or was not there (404); errors as upload_curl_perform() and upload_http_status().
 */
int upload_http_delete(struct upload_conn *c, const char *rel);

/*
 * The parsers of the servers' answers, declared here for tests/fuzz/fuzz_upload_answers.c:
 *
 * upload_dav_parse_propfind - getcontentlength and resourcetype from the 200 propstats of a
 * WebDAV multistatus answer (Depth 0); 0, or -EPROTO for anything else.
 *
 * upload_s3_xml_find - the text of the first element called @name in an S3 XML answer into
 * @buf; 0, -ENOENT when there is none, -EPROTO for a malformed answer or a text that does not
 * fit @buf.
 */
int upload_dav_parse_propfind(const char *xml, size_t len, struct upload_stat *ret);
int upload_s3_xml_find(const char *xml, size_t len, const char *name, char *buf, size_t size);

/* upload_url_escape_path - percent-encode @path (keeping '/') into @buf per RFC 3986 */
int upload_url_escape_path(const char *path, char *buf, size_t size);

/* upload_sha256_fd - SHA-256 (hex) of @len bytes of @fd from @offset */
int upload_sha256_fd(int fd, uint64_t offset, uint64_t len, char ret[65]);

/* upload_sha256_hex - SHA-256 (hex) of a buffer */
void upload_sha256_hex(const void *data, size_t len, char ret[65]);

#endif
