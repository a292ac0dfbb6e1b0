/* libcurl for the WebDAV, SFTP and S3 drivers: one handle per connection, TLS always verified. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/upload/driver.h"
#include "firmware/upload/sigv4.h"

int upload_curl_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

/* A part of @u into @buf: 0, -ENOENT when @u has none ("" in @buf), or -ENAMETOOLONG. */
static int url_part(CURLU *u, CURLUPart what, char *buf, size_t size)
{
	char *v = NULL;
	int r = 0;

	buf[0] = '\0';
	if (curl_url_get(u, what, &v, 0) != CURLUE_OK || !v)
		return -ENOENT;
	if (strlen(v) >= size)
		r = -ENAMETOOLONG;
	else
		memcpy(buf, v, strlen(v) + 1);
	curl_free(v);
	return r;
}

/* Whether @u has the part at all, however long. */
static bool url_has(CURLU *u, CURLUPart what)
{
	char *v = NULL;
	bool has = curl_url_get(u, what, &v, 0) == CURLUE_OK && v;

	curl_free(v);
	return has;
}

/* What libcurl's parser refused, in words. */
static const char *url_problem(CURLUcode e)
{
	switch (e) {
	case CURLUE_BAD_PORT_NUMBER:
		return "bad port in the target URL";
	case CURLUE_NO_HOST:
		return "the target URL names no host";
	case CURLUE_BAD_IPV6:
		return "bad IPv6 address in the target URL";
	case CURLUE_BAD_HOSTNAME:
		return "bad host name in the target URL";
	case CURLUE_BAD_LOGIN:
	case CURLUE_BAD_USER:
		return "bad user name in the target URL";
	default:
		return NULL;
	}
}

int upload_url_split(const char *url, struct upload_url *ret, char *why, size_t n)
{
	const char *sep = strstr(url, "://");
	CURLU *u = curl_url();
	char port[8];
	CURLUcode e;
	int r;

	if (!u)
		return -ENOMEM;
	memset(ret, 0, sizeof(*ret));
	/* libcurl reads "https:///in" as the host "in", as browsers do: a target names its
	 * host. */
	if (!sep || sep[3] == '/' || !sep[3]) {
		snprintf(why, n, "the target URL names no host");
		r = -EINVAL;
		goto out;
	}
	/* As written: no dot segments removed, an sftp:// URL whatever libcurl was built with. */
	e = curl_url_set(u, CURLUPART_URL, url, CURLU_PATH_AS_IS | CURLU_NON_SUPPORT_SCHEME);
	if (e != CURLUE_OK) {
		if (url_problem(e))
			snprintf(why, n, "%s", url_problem(e));
		else
			snprintf(why, n, "target '%s' is not a URL: %s", url, curl_url_strerror(e));
		r = -EINVAL;
		goto out;
	}
	if (url_has(u, CURLUPART_PASSWORD)) {
		snprintf(why, n,
			 "no password in the target URL: put it in [upload] credentials_file");
		r = -EINVAL;
		goto out;
	}
	if (url_has(u, CURLUPART_QUERY) || url_has(u, CURLUPART_FRAGMENT)) {
		snprintf(why, n, "target '%s' must not have a query or fragment", url);
		r = -EINVAL;
		goto out;
	}
	r = url_part(u, CURLUPART_USER, ret->user, sizeof(ret->user));
	ret->has_user = r != -ENOENT;
	if (r == -ENAMETOOLONG || (ret->has_user && !ret->user[0])) {
		snprintf(why, n, "bad user name in the target URL");
		r = -EINVAL;
		goto out;
	}
	r = url_part(u, CURLUPART_HOST, ret->host, sizeof(ret->host));
	if (r < 0 || !ret->host[0]) {
		snprintf(why, n,
			 r == -ENAMETOOLONG ? "bad host name in the target URL"
					    : "the target URL names no host");
		r = -EINVAL;
		goto out;
	}
	/* An IPv6 zone (fe80::1%25eth0) is a link on this machine, not an office's server. */
	if (url_has(u, CURLUPART_ZONEID)) {
		snprintf(why, n, "bad host name in the target URL");
		r = -EINVAL;
		goto out;
	}
	if (url_part(u, CURLUPART_PORT, port, sizeof(port)) == 0) {
		ret->port = atoi(port);
		if (ret->port < 1 || ret->port > 65535) {
			snprintf(why, n, "bad port in the target URL");
			r = -EINVAL;
			goto out;
		}
	}
	r = url_part(u, CURLUPART_PATH, ret->path, sizeof(ret->path));
	if (r == -ENAMETOOLONG) {
		snprintf(why, n, "the path of target '%s' is too long", url);
		r = -EINVAL;
		goto out;
	}
	r = 0;
out:
	curl_url_cleanup(u);
	return r;
}

/* The speed floor of a connection: below its share of the bandwidth cap. */
static long speed_floor(const struct upload_conn *c)
{
	if (c->max_send_bps && (uint64_t)UPLOAD_SPEED_FLOOR * 4 > c->max_send_bps)
		return (long)MAX(1u, c->max_send_bps / 4);
	return UPLOAD_SPEED_FLOOR;
}

static int progress(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	struct upload_conn *c = data;
	const char *why;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return upload_stopping(c->t, &why) ? 1 : 0;
}

int upload_curl_reset(struct upload_conn *c, const char *url)
{
	struct upload_target *t = c->t;
	CURL *h = c->curl;

	curl_slist_free_all(c->headers);
	c->headers = NULL;
	if (!h) {
		h = curl_easy_init();
		if (!h)
			return -ENOMEM;
		c->curl = h;
	} else {
		curl_easy_reset(h);
	}
	c->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,sftp");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "folio/" FOLIO_VERSION);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t->connect_timeout);
	/*
	 * A transfer slower than the floor for stall_timeout seconds stalled (a server that
	 * drips a byte now and then is no better than a silent one); every request ends within
	 * UPLOAD_REQUEST_SECONDS (a body adds its time at the floor, upload_curl_source()); and
	 * the progress callback stops it when the process is asked to end or the window closes.
	 */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, speed_floor(c));
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, t->stall_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, UPLOAD_REQUEST_SECONDS + t->connect_timeout);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	if (c->max_send_bps)
		curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)c->max_send_bps);
	/* Only the configured proxy: "" overrides https_proxy, ALL_PROXY, sftp_proxy ... */
	curl_easy_setopt(h, CURLOPT_PROXY, t->proxy);
	/* TLS: always verified. */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (t->ca_file[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file);
	if (t->pinned_pubkey[0])
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, t->pinned_pubkey);
	if (t->client_cert[0]) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, t->client_cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY,
				 t->client_key[0] ? t->client_key : t->client_cert);
	}
	if (t->creds.key_password[0])
		curl_easy_setopt(h, CURLOPT_KEYPASSWD, t->creds.key_password);
	return 0;
}

void upload_curl_free(struct upload_conn *c)
{
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

int upload_curl_header(struct upload_conn *c, const char *fmt, ...)
{
	struct curl_slist *l;
	char line[1024];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(line))
		return -ENAMETOOLONG;
	l = curl_slist_append(c->headers, line);
	if (!l)
		return -ENOMEM;
	c->headers = l;
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, l);
	return 0;
}

static size_t body_write(char *data, size_t size, size_t nmemb, void *user)
{
	struct upload_body *b = user;
	size_t n = size * nmemb;

	if (n > b->max - b->len) {
		b->overflow = true;
		return 0;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static size_t discard_write(char *data, size_t size, size_t nmemb, void *user)
{
	(void)data;
	(void)user;
	return size * nmemb;
}

void upload_curl_body(struct upload_conn *c, struct upload_body *b)
{
	if (!b) {
		curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, discard_write);
		return;
	}
	b->len = 0;
	b->overflow = false;
	if (b->data)
		b->data[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, b);
}

static void source_hash_reset(struct upload_source *s)
{
	crypto_hash_sha256_init(&s->md);
	s->hash_ready = true;
	s->hashed = 0;
	s->hash_failed = false;
}

/* Hashes the local bytes [hashed, upto) that were not sent (resume). */
static int source_hash_skip(struct upload_source *s, uint64_t upto)
{
	unsigned char buf[64 << 10];

	while (s->hashed < upto) {
		ssize_t k = pread(s->fd, buf, (size_t)MIN((uint64_t)sizeof(buf), upto - s->hashed),
				  (off_t)(s->offset + s->hashed));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EIO;
		crypto_hash_sha256_update(&s->md, buf, (unsigned long long)k);
		s->hashed += (uint64_t)k;
	}
	return 0;
}

int upload_source_hash(struct upload_source *src, char ret[65])
{
	unsigned char sum[crypto_hash_sha256_BYTES];

	if (!src->hash || !src->hash_ready || src->hash_failed || src->hashed != src->len)
		return -EIO;
	crypto_hash_sha256_final(&src->md, sum);
	sodium_bin2hex(ret, 65, sum, sizeof(sum));
	src->hash_failed = true; /* finalised */
	return 0;
}

int upload_source_check(struct upload_conn *c, struct upload_source *src,
			const struct upload_file *f, const char *rel)
{
	char sum[65];

	if (upload_source_hash(src, sum) < 0 || strcmp(sum, f->sha256) != 0) {
		c->t->drv->remove(c, rel);
		return upload_local_changed(c, f);
	}
	return 0;
}

static size_t source_read(char *buf, size_t size, size_t nmemb, void *user)
{
	struct upload_source *s = user;
	size_t want = size * nmemb;
	ssize_t k;

	if (s->pos >= s->len)
		return 0;
	want = (size_t)MIN((uint64_t)want, s->len - s->pos);
	do
		k = pread(s->fd, buf, want, (off_t)(s->offset + s->pos));
	while (k < 0 && errno == EINTR);
	if (k <= 0)
		return CURL_READFUNC_ABORT; /* the file shrank or cannot be read */
	if (s->hash && !s->hash_failed) {
		if (s->pos == s->hashed) {
			crypto_hash_sha256_update(&s->md, (unsigned char *)buf,
						  (unsigned long long)k);
			s->hashed += (uint64_t)k;
		} else if (s->pos > s->hashed) {
			s->hash_failed = true;
		}
	}
	s->pos += (uint64_t)k;
	if (s->counter)
		*s->counter += (uint64_t)k;
	return (size_t)k;
}

static int source_seek(void *user, curl_off_t offset, int origin)
{
	struct upload_source *s = user;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > s->len)
		return CURL_SEEKFUNC_FAIL;
	if (s->hash && s->hash_ready) {
		if ((uint64_t)offset < s->hashed)
			source_hash_reset(s); /* sent again from there: hash again */
		if (source_hash_skip(s, (uint64_t)offset) < 0)
			s->hash_failed = true;
	}
	s->pos = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* Every request ends within UPLOAD_REQUEST_SECONDS plus the time @len bytes take at the floor. */
static void request_timeout(struct upload_conn *c, uint64_t len)
{
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT,
			 (long)(UPLOAD_REQUEST_SECONDS + c->t->connect_timeout +
				(long)MIN(len / (uint64_t)speed_floor(c), (uint64_t)LONG_MAX / 2)));
}

void upload_curl_source(struct upload_conn *c, struct upload_source *src, bool post)
{
	CURL *h = c->curl;

	src->pos = 0;
	if (src->hash)
		source_hash_reset(src);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, source_read);
	curl_easy_setopt(h, CURLOPT_READDATA, src);
	curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, source_seek);
	curl_easy_setopt(h, CURLOPT_SEEKDATA, src);
	request_timeout(c, src->len);
	if (post) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)src->len);
	} else {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)src->len);
	}
}

/* A read-back: the body hashed as it arrives, up to one byte more than expected. */
struct sink {
	uint64_t max, len;
	crypto_hash_sha256_state md;
};

static size_t sink_write(char *data, size_t size, size_t nmemb, void *user)
{
	struct sink *s = user;
	size_t n = size * nmemb;

	if (n > s->max - MIN(s->len, s->max)) {
		s->len = s->max + 1; /* longer than the file it should be */
		return 0;
	}
	crypto_hash_sha256_update(&s->md, (unsigned char *)data, n);
	s->len += n;
	return n;
}

int upload_curl_digest(struct upload_conn *c, const char *what, uint64_t size, char ret_sha256[65],
		       uint64_t *ret_len)
{
	struct sink s = { .max = size };
	unsigned char sum[crypto_hash_sha256_BYTES];
	long status = 0;
	int r;

	crypto_hash_sha256_init(&s.md);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
	request_timeout(c, size);
	r = upload_curl_perform(c, what, &status);
	if (r == -FOLIO_ETOOBIG && s.len > s.max) {
		/* ended on purpose: longer than it should be */
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
		r = 0;
	}
	if (r == 0 && c->t->drv != &upload_driver_sftp && status != 200)
		r = status == 404
			? upload_conn_why(c, -ENOENT, "%s: not found on '%s'", what, c->t->host)
			: upload_http_status(c, what, status, NULL);
	if (r == 0) {
		crypto_hash_sha256_final(&s.md, sum);
		sodium_bin2hex(ret_sha256, 65, sum, sizeof(sum));
		*ret_len = s.len;
	}
	return r;
}

int upload_curl_fetch(struct upload_conn *c, const char *rel, char *buf, size_t size,
		      size_t *ret_len)
{
	const struct upload_driver *drv = c->t->drv;
	_cleanup_free_ char *data = malloc(size + 1);
	struct upload_body body = { .data = data, .max = size };
	char what[UPLOAD_REL_MAX + 16];
	long status = 0;
	int r;

	if (!data)
		return -ENOMEM;
	r = drv->open_read(c, rel);
	if (r < 0)
		return r;
	upload_curl_body(c, &body);
	snprintf(what, sizeof(what), "%s '%s'", drv == &upload_driver_sftp ? "read" : "GET", rel);
	r = upload_curl_perform(c, what, &status);
	if (r < 0)
		return r;
	if (drv != &upload_driver_sftp && status != 200)
		return drv->http_error ? drv->http_error(c, what, status, &body)
				       : upload_http_status(c, what, status, &body);
	memcpy(buf, body.data, body.len);
	*ret_len = body.len;
	return 0;
}

int upload_curl_read_back(struct upload_conn *c, const char *rel, uint64_t size,
			  char ret_sha256[65], uint64_t *ret_len)
{
	char what[UPLOAD_REL_MAX + 16];
	int r = c->t->drv->open_read(c, rel);

	if (r < 0)
		return r;
	snprintf(what, sizeof(what), "read back '%s'", rel);
	return upload_curl_digest(c, what, size, ret_sha256, ret_len);
}

static const char *reason(struct upload_conn *c, CURLcode e)
{
	return c->errbuf[0] ? c->errbuf : curl_easy_strerror(e);
}

int upload_curl_perform(struct upload_conn *c, const char *what, long *ret_status)
{
	struct upload_target *t = c->t;
	bool sftp = t->drv == &upload_driver_sftp;
	long status = 0;
	CURLcode e;

	c->errbuf[0] = '\0';
	e = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	switch (e) {
	case CURLE_OK:
		*ret_status = status;
		return 0;
	case CURLE_COULDNT_RESOLVE_HOST:
		return upload_conn_why(c, -EHOSTUNREACH, "%s: cannot resolve '%s': %s", what,
				       t->host, reason(c, e));
	case CURLE_COULDNT_CONNECT:
		return upload_conn_why(c, -ECONNREFUSED, "%s: cannot connect to '%s': %s", what,
				       t->host, reason(c, e));
	case CURLE_OPERATION_TIMEDOUT:
		return upload_conn_why(c, -ETIMEDOUT, "%s: '%s' stalled or timed out: %s", what,
				       t->host, reason(c, e));
	case CURLE_PEER_FAILED_VERIFICATION:
		if (sftp)
			return upload_conn_why(c, -EKEYREJECTED,
					       "host key of '%s' does not match [upload] "
					       "sftp_known_hosts: %s",
					       t->host, reason(c, e));
		return upload_conn_why(c, -EKEYREJECTED,
				       "certificate of '%s' cannot be verified: %s: check "
				       "[upload] ca_file",
				       t->host, reason(c, e));
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return upload_conn_why(c, -EKEYREJECTED,
				       "public key of '%s' is not the one pinned in [upload] "
				       "pinned_pubkey: %s",
				       t->host, reason(c, e));
	case CURLE_SSL_CACERT_BADFILE:
		return upload_conn_why(
		    c, -EKEYREJECTED, "CA file '%s' ([upload] ca_file) cannot be used for '%s': %s",
		    t->ca_file, t->host, reason(c, e));
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
		return upload_conn_why(c, -EKEYREJECTED,
				       "client certificate '%s' cannot be used for '%s': %s",
				       t->client_cert, t->host, reason(c, e));
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
		return upload_conn_why(c, -EACCES, "%s: '%s' refused the login%s%s%s: %s", what,
				       t->host, t->user[0] ? " of '" : "", t->user,
				       t->user[0] ? "'" : "", reason(c, e));
	case CURLE_REMOTE_FILE_NOT_FOUND:
		return upload_conn_why(c, -ENOENT, "%s: not found on '%s'", what, t->host);
	case CURLE_REMOTE_DISK_FULL:
		return upload_conn_why(c, -ENOSPC, "%s: '%s' is out of space", what, t->host);
	case CURLE_WRITE_ERROR:
		return upload_conn_why(c, -FOLIO_ETOOBIG, "%s: answer from '%s' is too large", what,
				       t->host);
	case CURLE_ABORTED_BY_CALLBACK: {
		const char *why;

		if (upload_stopping(t, &why))
			return upload_conn_why(c, -FOLIO_ECANCELLED, "%s: stopped: %s", what, why);
		return upload_conn_why(c, -EIO, "%s: local file cannot be read", what);
	}
	case CURLE_READ_ERROR:
		return upload_conn_why(c, -EIO, "%s: local file cannot be read", what);
	case CURLE_QUOTE_ERROR:
		return upload_conn_why(c, -EPROTO, "%s: refused by '%s': %s", what, t->host,
				       reason(c, e));
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSH:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return upload_conn_why(c, -ECONNRESET, "%s: connection to '%s' broke: %s", what,
				       t->host, reason(c, e));
	default:
		return upload_conn_why(c, -EIO, "%s: failed with '%s': %s", what, t->host,
				       reason(c, e));
	}
}

int upload_http_stat(struct upload_conn *c, const char *what, long ok,
		     const struct upload_body *body, struct upload_stat *ret)
{
	long status = 0;
	int r = upload_curl_perform(c, what, &status);

	if (r < 0)
		return r;
	if (status == 404) {
		*ret = (struct upload_stat){ .exists = false };
		return 0;
	}
	if (status != ok)
		return upload_http_status(c, what, status, body);
	return 1;
}

int upload_http_delete(struct upload_conn *c, const char *rel)
{
	char what[UPLOAD_REL_MAX + 16];
	long status = 0;
	int r;

	upload_curl_body(c, NULL);
	snprintf(what, sizeof(what), "DELETE '%s'", rel);
	r = upload_curl_perform(c, what, &status);
	if (r < 0)
		return r;
	if (status == 200 || status == 204 || status == 404)
		return 0;
	return upload_http_status(c, what, status, NULL);
}

int upload_http_status(struct upload_conn *c, const char *what, long status,
		       const struct upload_body *body)
{
	const char *host = c->t->host;

	if (status == 400 && body && body->data && strstr(body->data, "SSL certificate"))
		return upload_conn_why(c, -EKEYREJECTED,
				       "%s: '%s' requires a client certificate it accepts: set "
				       "[upload] client_cert and client_key",
				       what, host);
	switch (status) {
	case 401:
	case 403:
		return upload_conn_why(c, -EACCES,
				       "%s: '%s' refused access (HTTP %ld): check the credentials "
				       "in [upload] credentials_file",
				       what, host, status);
	case 404:
	case 409:
		return upload_conn_why(c, -ENOENT, "%s: '%s' answered HTTP %ld (no such folder)",
				       what, host, status);
	case 412:
		return upload_conn_why(c, -EEXIST, "%s: already exists on '%s'", what, host);
	case 413:
	case 507:
		return upload_conn_why(c, -ENOSPC, "%s: '%s' is out of space (HTTP %ld)", what,
				       host, status);
	case 408:
	case 429:
		return upload_conn_why(c, -EIO, "%s: '%s' answered HTTP %ld", what, host, status);
	default:
		if (status >= 500)
			return upload_conn_why(c, -EIO, "%s: '%s' answered HTTP %ld", what, host,
					       status);
		return upload_conn_why(c, -EPROTO, "%s: '%s' answered HTTP %ld unexpectedly", what,
				       host, status);
	}
}
