/*
 * S3-compatible object stores, path-style (https://ENDPOINT/BUCKET/KEY), signed by libcurl's
 * CURLOPT_AWS_SIGV4 over requests we build in canonical form (sigv4.h) with the payload hash
 * in x-amz-content-sha256. No rename in S3: a small object appears whole with its PUT; a large
 * one goes up in parts and appears when CompleteMultipartUpload succeeds (the atomic step).
 * Every object carries its SHA-256 as x-amz-meta-sha256, which HEAD gives back; that is only
 * what we said, so every object is also read back (GET) into its SHA-256.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/upload/driver.h"
#include "firmware/upload/sigv4.h"

#define S3_ANSWER_MAX (64u << 10)
#define S3_MAX_PARTS 10000

struct s3_headers {
	char sha256[65]; /* x-amz-meta-sha256 */
	char etag[130];
};

static int s3_key(struct upload_conn *c, const char *rel, char *buf, size_t size)
{
	const char *base = c->t->base;
	int k = snprintf(buf, size, "%s%s%s", base, base[0] ? "/" : "", rel);

	if (k < 0 || (size_t)k >= size)
		return upload_conn_why(c, -ENAMETOOLONG, "object key '%s' is too long", rel);
	return 0;
}

/* https://ENDPOINT/BUCKET/KEY?QUERY, all in canonical form. */
static int s3_url(struct upload_conn *c, const char *rel, const struct sigv4_param *q, size_t nq,
		  char *buf, size_t size)
{
	char key[UPLOAD_REL_MAX + PATH_MAX], path[UPLOAD_URL_MAX], query[UPLOAD_URL_MAX];
	int r, k;

	r = s3_key(c, rel, key, sizeof(key));
	if (r < 0)
		return r;
	k = snprintf(path, sizeof(path), "%s/%s", c->t->s3_bucket, key);
	if (k < 0 || (size_t)k >= sizeof(path))
		return upload_conn_why(c, -ENAMETOOLONG, "object key '%s' is too long", rel);
	r = sigv4_canonical_path(path, query, sizeof(query));
	if (r < 0)
		return upload_conn_why(c, r, "object key '%s' is too long", rel);
	memcpy(path, query, strlen(query) + 1);
	r = sigv4_canonical_query(q, nq, query, sizeof(query));
	if (r < 0)
		return upload_conn_why(c, r, "query for '%s' is too long", rel);
	k = snprintf(buf, size, "%s%s%s%s", c->t->s3_endpoint, path, nq ? "?" : "", query);
	if (k < 0 || (size_t)k >= size)
		return upload_conn_why(c, -ENAMETOOLONG, "object key '%s' is too long", rel);
	return 0;
}

static size_t header_cb(char *data, size_t size, size_t nmemb, void *user)
{
	struct s3_headers *h = user;
	size_t n = size * nmemb, vlen;
	const char *v;
	char *dst;
	size_t cap;

	if (n > 14 + 64 && strncasecmp(data, "x-amz-meta-sha256:", 18) == 0) {
		v = data + 18;
		dst = h->sha256;
		cap = sizeof(h->sha256);
	} else if (n > 5 && strncasecmp(data, "etag:", 5) == 0) {
		v = data + 5;
		dst = h->etag;
		cap = sizeof(h->etag);
	} else {
		return n;
	}
	while (v < data + n && (*v == ' ' || *v == '\t'))
		v++;
	vlen = (size_t)(data + n - v);
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	if (vlen < cap) {
		memcpy(dst, v, vlen);
		dst[vlen] = '\0';
	}
	return n;
}

static int s3_start(struct upload_conn *c, const char *method, const char *url,
		    const char *payload_sha256, struct s3_headers *h)
{
	struct upload_target *t = c->t;
	char sigv4[128];
	int r = upload_curl_reset(c, url);

	if (r < 0)
		return r;
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", t->s3_region);
	curl_easy_setopt(c->curl, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(c->curl, CURLOPT_USERNAME, t->creds.access_key_id);
	curl_easy_setopt(c->curl, CURLOPT_PASSWORD, t->creds.secret_access_key);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	if (h) {
		memset(h, 0, sizeof(*h));
		curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, h);
	}
	/*
	 * No "Expect:" line to turn 100-continue off: libcurl 7.88 would sign the header it
	 * removes, and the signature would not match. S3 answers 100-continue.
	 */
	return upload_curl_header(c, "x-amz-content-sha256: %s", payload_sha256);
}

static int s3_stat(struct upload_conn *c, const char *rel, struct upload_stat *ret)
{
	char url[UPLOAD_URL_MAX], what[UPLOAD_REL_MAX + 16];
	struct s3_headers h = { 0 };
	curl_off_t size = -1;
	int r;

	r = s3_url(c, rel, NULL, 0, url, sizeof(url));
	if (r == 0)
		r = s3_start(c, "HEAD", url, UPLOAD_SHA256_EMPTY, &h);
	if (r < 0)
		return r;
	upload_curl_body(c, NULL);
	snprintf(what, sizeof(what), "HEAD '%s'", rel);
	r = upload_http_stat(c, what, 200, NULL, ret);
	if (r <= 0)
		return r;
	curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
	if (size < 0)
		return upload_conn_why(c, -EPROTO, "%s: '%s' did not say its size", what,
				       c->t->host);
	*ret = (struct upload_stat){ .exists = true, .size = (uint64_t)size };
	if (strlen(h.sha256) == 64)
		memcpy(ret->sha256, h.sha256, 65);
	return 0;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int upload_s3_xml_find(const char *xml, size_t len, const char *name, char *buf, size_t size)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)len, "s3.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *stack[16];
	size_t depth = 0;
	int r = -ENOENT;

	if (!doc)
		return -EPROTO;
	stack[depth++] = xmlDocGetRootElement(doc);
	while (depth && r == -ENOENT) {
		xmlNode *n = stack[--depth];

		for (; n; n = n->next) {
			if (n->type != XML_ELEMENT_NODE)
				continue;
			if (xmlStrcmp(n->name, BAD_CAST name) == 0) {
				xmlChar *s = xmlNodeGetContent(n);

				/* Into error lines and URLs: no control characters. */
				if (s && strlen((const char *)s) < size &&
				    printable((const char *)s)) {
					strcpy(buf, (const char *)s);
					r = 0;
				} else {
					r = -EPROTO;
				}
				xmlFree(s);
				break;
			}
			if (n->children && depth < ARRAY_SIZE(stack))
				stack[depth++] = n->children;
		}
	}
	xmlFreeDoc(doc);
	return r;
}

static int s3_error(struct upload_conn *c, const char *what, long status,
		    const struct upload_body *body)
{
	char code[64] = "";
	int r = upload_http_status(c, what, status, body);

	if (body && body->len &&
	    upload_s3_xml_find(body->data, body->len, "Code", code, sizeof(code)) == 0) {
		size_t k = strlen(c->why);

		snprintf(c->why + k, sizeof(c->why) - k, " (%s)", code);
		if (strcmp(code, "SignatureDoesNotMatch") == 0 ||
		    strcmp(code, "InvalidAccessKeyId") == 0)
			r = -EACCES;
		if (strcmp(code, "XAmzContentSHA256Mismatch") == 0 ||
		    strcmp(code, "BadDigest") == 0)
			r = -FOLIO_ECORRUPT;
	}
	return r;
}

static int s3_put_range(struct upload_conn *c, const char *rel, int fd, uint64_t offset,
			uint64_t len, const char *sha256, const struct sigv4_param *q, size_t nq,
			bool meta, char *ret_etag, size_t etag_size)
{
	_cleanup_free_ char *data = malloc(S3_ANSWER_MAX + 1);
	struct upload_body body = { .data = data, .max = S3_ANSWER_MAX };
	struct upload_source src = {
		.fd = fd, .offset = offset, .len = len, .counter = &c->bytes_sent, .hash = true
	};
	char url[UPLOAD_URL_MAX], what[UPLOAD_REL_MAX + 32], sum[65];
	struct s3_headers h = { 0 };
	long status;
	int r;

	if (!data)
		return -ENOMEM;
	r = s3_url(c, rel, q, nq, url, sizeof(url));
	if (r == 0)
		r = s3_start(c, "PUT", url, sha256, &h);
	if (r == 0 && meta)
		r = upload_curl_header(c, "x-amz-meta-sha256: %s", sha256);
	if (r == 0)
		r = upload_curl_header(c, "Content-Type: application/octet-stream");
	if (r < 0)
		return r;
	upload_curl_source(c, &src, false);
	upload_curl_body(c, &body);
	snprintf(what, sizeof(what), "PUT '%s'%s", rel, nq ? " part" : "");
	r = upload_curl_perform(c, what, &status);
	if (r < 0)
		return r;
	if (status != 200)
		return s3_error(c, what, status, &body);
	if (upload_source_hash(&src, sum) < 0 || strcmp(sum, sha256) != 0)
		return upload_conn_why(c, -FOLIO_ECORRUPT, "'%s' changed while it was sent", rel);
	if (ret_etag) {
		if (!h.etag[0] || strlen(h.etag) >= etag_size)
			return upload_conn_why(c, -EPROTO, "%s: '%s' gave no ETag", what,
					       c->t->host);
		strcpy(ret_etag, h.etag);
	}
	return 0;
}

/* A POST with an XML (or empty) body; the answer in @body. */
static int s3_post(struct upload_conn *c, const char *rel, const struct sigv4_param *q, size_t nq,
		   const char *xml, const char *meta_sha256, struct upload_body *body)
{
	char url[UPLOAD_URL_MAX], sum[65], what[UPLOAD_REL_MAX + 32];
	long status;
	int r;

	upload_sha256_hex(xml, strlen(xml), sum);
	r = s3_url(c, rel, q, nq, url, sizeof(url));
	if (r == 0)
		r = s3_start(c, "POST", url, sum, NULL);
	if (r == 0 && meta_sha256)
		r = upload_curl_header(c, "x-amz-meta-sha256: %s", meta_sha256);
	if (r == 0 && meta_sha256)
		r = upload_curl_header(c, "Content-Type: application/octet-stream");
	if (r == 0 && !meta_sha256)
		r = upload_curl_header(c, "Content-Type: application/xml");
	if (r < 0)
		return r;
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, xml);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(xml));
	upload_curl_body(c, body);
	snprintf(what, sizeof(what), "POST '%s' (%s)", rel, nq ? q[0].name : "");
	r = upload_curl_perform(c, what, &status);
	if (r < 0)
		return r;
	/* S3 may answer 200 with an <Error> body to CompleteMultipartUpload. */
	if (status != 200 || strstr(body->data, "<Error>"))
		return s3_error(c, what, status == 200 ? 500 : status, body);
	return 0;
}

static void s3_abort(struct upload_conn *c, const char *rel, const char *upload_id)
{
	const struct sigv4_param q[] = { { "uploadId", upload_id } };
	char url[UPLOAD_URL_MAX];
	long status;

	if (s3_url(c, rel, q, 1, url, sizeof(url)) < 0 ||
	    s3_start(c, "DELETE", url, UPLOAD_SHA256_EMPTY, NULL) < 0)
		return;
	upload_curl_body(c, NULL);
	upload_curl_perform(c, "abort multipart upload", &status);
}

static int s3_multipart(struct upload_conn *c, const struct upload_file *f, int fd)
{
	uint64_t part = c->t->s3_part_size, parts = (f->size + part - 1) / part;
	_cleanup_free_ char *data = malloc(S3_ANSWER_MAX + 1);
	_cleanup_free_ char *xml = NULL;
	struct upload_body body = { .data = data, .max = S3_ANSWER_MAX };
	char upload_id[256], sum[65];
	size_t cap, len;
	int r;

	if (!data)
		return -ENOMEM;
	if (parts > S3_MAX_PARTS)
		return upload_conn_why(c, -FOLIO_ETOOBIG, "'%s' needs more than %d parts", f->local,
				       S3_MAX_PARTS);
	/* The whole file must be what the manifest says; parts are checked one by one. */
	r = upload_sha256_fd(fd, 0, f->size, sum);
	if (r < 0 || strcmp(sum, f->sha256) != 0)
		return upload_local_changed(c, f);
	{
		const struct sigv4_param q[] = { { "uploads", "" } };

		r = s3_post(c, f->rel, q, 1, "", f->sha256, &body);
		if (r < 0)
			return r;
	}
	r = upload_s3_xml_find(body.data, body.len, "UploadId", upload_id, sizeof(upload_id));
	if (r < 0)
		return upload_conn_why(c, -EPROTO, "'%s' gave no UploadId for '%s'", c->t->host,
				       f->rel);
	cap = 128 + parts * 200;
	xml = malloc(cap);
	if (!xml)
		return -ENOMEM;
	len = (size_t)snprintf(xml, cap, "<CompleteMultipartUpload>");
	for (uint64_t i = 0; i < parts; i++) {
		uint64_t off = i * part, n = MIN(part, f->size - off);
		char number[16], etag[130];
		const struct sigv4_param q[] = { { "partNumber", number },
						 { "uploadId", upload_id } };
		unsigned attempt = 0;

		snprintf(number, sizeof(number), "%llu", (unsigned long long)i + 1);
		r = upload_sha256_fd(fd, off, n, sum);
		if (r < 0)
			break;
		do
			r = s3_put_range(c, f->rel, fd, off, n, sum, q, 2, false, etag,
					 sizeof(etag));
		while (r < 0 && upload_transient(r) && (int)attempt < c->t->retries &&
		       (upload_backoff(++attempt), true));
		if (r < 0)
			break;
		len += (size_t)snprintf(xml + len, cap - len,
					"<Part><PartNumber>%s</PartNumber><ETag>%s</ETag></Part>",
					number, etag);
	}
	if (r == 0) {
		const struct sigv4_param q[] = { { "uploadId", upload_id } };

		snprintf(xml + len, cap - len, "</CompleteMultipartUpload>");
		r = s3_post(c, f->rel, q, 1, xml, NULL, &body);
	}
	if (r < 0) {
		char why[UPLOAD_WHY_MAX];

		memcpy(why, c->why, sizeof(why));
		s3_abort(c, f->rel, upload_id);
		memcpy(c->why, why, sizeof(why));
	}
	return r;
}

static int s3_put(struct upload_conn *c, const struct upload_file *f)
{
	_cleanup_close_ int fd = open(f->local, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return upload_conn_why(c, -errno, "cannot read '%s': %s", f->local,
				       folio_strerror(-errno));
	if (f->size > c->t->s3_part_size)
		return s3_multipart(c, f, fd);
	return s3_put_range(c, f->rel, fd, 0, f->size, f->sha256, NULL, 0, true, NULL, 0);
}

static int s3_mkdirs(struct upload_conn *c, const char *rel_dir)
{
	(void)c;
	(void)rel_dir;
	return 0; /* S3 has no folders */
}

/* A GET of object @rel. */
static int s3_get(struct upload_conn *c, const char *rel)
{
	char url[UPLOAD_URL_MAX];
	int r = s3_url(c, rel, NULL, 0, url, sizeof(url));

	return r < 0 ? r : s3_start(c, "GET", url, UPLOAD_SHA256_EMPTY, NULL);
}

static int s3_remove(struct upload_conn *c, const char *rel)
{
	char url[UPLOAD_URL_MAX];
	int r;

	r = s3_url(c, rel, NULL, 0, url, sizeof(url));
	if (r == 0)
		r = s3_start(c, "DELETE", url, UPLOAD_SHA256_EMPTY, NULL);
	return r < 0 ? r : upload_http_delete(c, rel);
}

static int s3_check(struct upload_target *t, char *why, size_t n)
{
	const char *host = t->s3_endpoint + 8, *end;
	size_t len;

	if (strncmp(t->s3_endpoint, "https://", 8) != 0 || !*host) {
		snprintf(why, n,
			 "an s3:// target needs [upload] s3_endpoint = https://HOST[:PORT]");
		return -EINVAL;
	}
	if (!t->creds.access_key_id[0] || !t->creds.secret_access_key[0]) {
		snprintf(why, n,
			 "an s3:// target needs access_key_id and secret_access_key in "
			 "[upload] credentials_file");
		return -EINVAL;
	}
	if (!t->s3_region[0]) {
		snprintf(why, n, "an s3:// target needs [upload] s3_region");
		return -EINVAL;
	}
	/* The endpoint's host, for messages. */
	len = strlen(t->s3_endpoint);
	while (len > 8 && t->s3_endpoint[len - 1] == '/')
		t->s3_endpoint[--len] = '\0';
	end = strchr(host, ':');
	len = end ? (size_t)(end - host) : strlen(host);
	snprintf(t->host, sizeof(t->host), "%.*s", (int)MIN(len, sizeof(t->host) - 1), host);
	return 0;
}

const struct upload_driver upload_driver_s3 = {
	.scheme = "s3",
	.check = s3_check,
	.mkdirs = s3_mkdirs,
	.stat = s3_stat,
	.put = s3_put,
	.fetch = upload_curl_fetch,
	.remove = s3_remove,
	.digest = upload_curl_read_back,
	.open_read = s3_get,
	.http_error = s3_error,
	/* No rename: the manifest, the last object written, marks a package complete. */
};
