/*
 * WebDAV over HTTPS: MKCOL folders, PUT under a temporary name, MOVE with "Overwrite: F" (the
 * atomic step: nginx's WebDAV ignores "If-None-Match: *" on PUT; also for the package's
 * temporary folder), PROPFIND for sizes, GET to read a file back into its SHA-256.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "firmware/upload/driver.h"

#define DAV_ANSWER_MAX (64u << 10) /* PROPFIND and error answers */

static const char propfind_body[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
				    "<D:propfind xmlns:D=\"DAV:\"><D:prop>"
				    "<D:getcontentlength/><D:resourcetype/>"
				    "</D:prop></D:propfind>\n";

static int dav_url(struct upload_conn *c, const char *rel, bool dir, char *buf, size_t size)
{
	char esc[UPLOAD_URL_MAX];
	int r, k;

	r = upload_url_escape_path(rel, esc, sizeof(esc));
	if (r < 0)
		return upload_conn_why(c, r, "remote path '%s' is too long", rel);
	k = snprintf(buf, size, "%s/%s%s", c->t->base_url, esc, dir ? "/" : "");
	if (k < 0 || (size_t)k >= size)
		return upload_conn_why(c, -ENAMETOOLONG, "remote path '%s' is too long", rel);
	return 0;
}

/* A request with the target's settings and credentials on @url. */
static int dav_start(struct upload_conn *c, const char *method, const char *url)
{
	struct upload_target *t = c->t;
	int r = upload_curl_reset(c, url);

	if (r < 0)
		return r;
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	if (t->creds.user[0]) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c->curl, CURLOPT_USERNAME, t->creds.user);
		curl_easy_setopt(c->curl, CURLOPT_PASSWORD, t->creds.password);
	}
	return upload_curl_header(c, "Expect:");
}

static int dav_mkdirs(struct upload_conn *c, const char *rel_dir)
{
	char path[UPLOAD_REL_MAX], url[UPLOAD_URL_MAX], what[UPLOAD_REL_MAX + 16];
	_cleanup_free_ char *data = malloc(DAV_ANSWER_MAX + 1);
	struct upload_body body = { .data = data, .max = DAV_ANSWER_MAX };
	size_t len = strlen(rel_dir);
	long status;
	int r;

	if (!data)
		return -ENOMEM;
	if (len >= sizeof(path))
		return upload_conn_why(c, -ENAMETOOLONG, "remote path '%s' is too long", rel_dir);
	/* Each folder from the top down: "A", "A/B", ... */
	for (size_t i = 0; i <= len; i++) {
		if (rel_dir[i] != '/' && rel_dir[i] != '\0')
			continue;
		memcpy(path, rel_dir, i);
		path[i] = '\0';
		if (!path[0] || upload_made_dir(c->t, path))
			continue;
		r = dav_url(c, path, true, url, sizeof(url));
		if (r < 0)
			return r;
		r = dav_start(c, "MKCOL", url);
		if (r < 0)
			return r;
		upload_curl_body(c, &body);
		snprintf(what, sizeof(what), "MKCOL '%s'", path);
		r = upload_curl_perform(c, what, &status);
		if (r < 0)
			return r;
		/* 201 made; 405 it exists already. */
		if (status != 201 && status != 405)
			return upload_http_status(c, what, status, &body);
		upload_note_dir(c->t, path);
	}
	return 0;
}

static bool status_ok(xmlNode *propstat)
{
	for (xmlNode *n = propstat->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST "status") != 0)
			continue;
		xmlChar *s = xmlNodeGetContent(n);
		bool ok = s && strstr((const char *)s, " 200") != NULL;

		xmlFree(s);
		return ok;
	}
	return false;
}

static bool in_dav(xmlNode *n)
{
	return n->ns && n->ns->href && xmlStrcmp(n->ns->href, BAD_CAST "DAV:") == 0;
}

int upload_dav_parse_propfind(const char *xml, size_t len, struct upload_stat *ret)
{
	struct upload_stat st = { .exists = true };
	bool have_len = false;
	xmlDoc *doc;
	xmlNode *root;

	doc = xmlReadMemory(xml, (int)len, "propfind.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EPROTO;
	root = xmlDocGetRootElement(doc);
	if (!root || !in_dav(root) || xmlStrcmp(root->name, BAD_CAST "multistatus") != 0) {
		xmlFreeDoc(doc);
		return -EPROTO;
	}
	for (xmlNode *resp = root->children; resp; resp = resp->next) {
		if (resp->type != XML_ELEMENT_NODE || !in_dav(resp) ||
		    xmlStrcmp(resp->name, BAD_CAST "response") != 0)
			continue;
		for (xmlNode *ps = resp->children; ps; ps = ps->next) {
			if (ps->type != XML_ELEMENT_NODE || !in_dav(ps) ||
			    xmlStrcmp(ps->name, BAD_CAST "propstat") != 0 || !status_ok(ps))
				continue;
			for (xmlNode *prop = ps->children; prop; prop = prop->next) {
				if (prop->type != XML_ELEMENT_NODE ||
				    xmlStrcmp(prop->name, BAD_CAST "prop") != 0)
					continue;
				for (xmlNode *p = prop->children; p; p = p->next) {
					if (p->type != XML_ELEMENT_NODE || !in_dav(p))
						continue;
					if (xmlStrcmp(p->name, BAD_CAST "getcontentlength") == 0) {
						xmlChar *s = xmlNodeGetContent(p);
						/* Digits only: strtoull() takes "-1" and blanks. */
						bool digits = s && *s >= '0' && *s <= '9';
						char *end;
						unsigned long long v;

						errno = 0;
						v = digits ? strtoull((const char *)s, &end, 10)
							   : 0;
						if (digits && *end == '\0' && !errno) {
							st.size = v;
							have_len = true;
						}
						xmlFree(s);
					} else if (xmlStrcmp(p->name, BAD_CAST "resourcetype") ==
						   0) {
						for (xmlNode *k = p->children; k; k = k->next)
							if (k->type == XML_ELEMENT_NODE &&
							    xmlStrcmp(k->name,
								      BAD_CAST "collection") == 0)
								st.is_dir = true;
					}
				}
			}
		}
		break; /* Depth 0: the first response is the resource itself */
	}
	xmlFreeDoc(doc);
	if (!have_len && !st.is_dir)
		return -EPROTO;
	*ret = st;
	return 0;
}

static int dav_stat(struct upload_conn *c, const char *rel, struct upload_stat *ret)
{
	_cleanup_free_ char *data = malloc(DAV_ANSWER_MAX + 1);
	struct upload_body body = { .data = data, .max = DAV_ANSWER_MAX };
	char url[UPLOAD_URL_MAX], what[UPLOAD_REL_MAX + 16];
	int r;

	if (!data)
		return -ENOMEM;
	r = dav_url(c, rel, false, url, sizeof(url));
	if (r < 0)
		return r;
	r = dav_start(c, "PROPFIND", url);
	if (r < 0)
		return r;
	r = upload_curl_header(c, "Depth: 0");
	if (r == 0)
		r = upload_curl_header(c, "Content-Type: application/xml; charset=utf-8");
	if (r < 0)
		return r;
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, propfind_body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(propfind_body));
	upload_curl_body(c, &body);
	snprintf(what, sizeof(what), "PROPFIND '%s'", rel);
	r = upload_http_stat(c, what, 207, &body, ret);
	if (r == -FOLIO_ETOOBIG)
		return upload_conn_why(c, -EPROTO, "%s: answer from '%s' exceeds %u KiB", what,
				       c->t->host, DAV_ANSWER_MAX >> 10);
	if (r <= 0)
		return r;
	r = upload_dav_parse_propfind(body.data, body.len, ret);
	if (r < 0)
		return upload_conn_why(c, r, "%s: '%s' sent a multistatus answer without a size",
				       what, c->t->host);
	return 0;
}

static int dav_put_file(struct upload_conn *c, const struct upload_file *f, const char *rel)
{
	_cleanup_close_ int fd = open(f->local, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *data = malloc(DAV_ANSWER_MAX + 1);
	struct upload_body body = { .data = data, .max = DAV_ANSWER_MAX };
	struct upload_source src = {
		.fd = fd, .len = f->size, .counter = &c->bytes_sent, .hash = true
	};
	char url[UPLOAD_URL_MAX], what[UPLOAD_REL_MAX + 16];
	long status;
	int r;

	if (fd < 0)
		return upload_conn_why(c, -errno, "cannot read '%s': %s", f->local,
				       folio_strerror(-errno));
	if (!data)
		return -ENOMEM;
	r = dav_url(c, rel, false, url, sizeof(url));
	if (r < 0)
		return r;
	r = dav_start(c, "PUT", url);
	if (r < 0)
		return r;
	r = upload_curl_header(c, "Content-Type: application/octet-stream");
	if (r < 0)
		return r;
	upload_curl_source(c, &src, false);
	upload_curl_body(c, &body);
	snprintf(what, sizeof(what), "PUT '%s'", rel);
	r = upload_curl_perform(c, what, &status);
	if (r < 0)
		return r;
	if (status != 201 && status != 204 && status != 200)
		return upload_http_status(c, what, status, &body);
	return upload_source_check(c, &src, f, rel);
}

static int dav_move(struct upload_conn *c, const char *from, const char *to, bool dir)
{
	_cleanup_free_ char *data = malloc(DAV_ANSWER_MAX + 1);
	struct upload_body body = { .data = data, .max = DAV_ANSWER_MAX };
	char url[UPLOAD_URL_MAX], dest[UPLOAD_URL_MAX], what[UPLOAD_REL_MAX + 16];
	long status;
	int r;

	if (!data)
		return -ENOMEM;
	/* A folder is named with a '/' at the end, on both sides (nginx insists). */
	r = dav_url(c, from, dir, url, sizeof(url));
	if (r == 0)
		r = dav_url(c, to, dir, dest, sizeof(dest));
	if (r < 0)
		return r;
	r = dav_start(c, "MOVE", url);
	if (r == 0)
		r = upload_curl_header(c, "Destination: %s", dest);
	if (r == 0)
		r = upload_curl_header(c, "Overwrite: F");
	if (r < 0)
		return r;
	upload_curl_body(c, &body);
	snprintf(what, sizeof(what), "MOVE '%s'", to);
	r = upload_curl_perform(c, what, &status);
	if (r < 0)
		return r;
	if (status == 201 || status == 204)
		return 0;
	return upload_http_status(c, what, status, &body);
}

static int dav_put(struct upload_conn *c, const struct upload_file *f)
{
	char temp[UPLOAD_REL_MAX], dir[UPLOAD_REL_MAX];
	struct upload_stat st = { 0 };
	char *slash;
	int r;

	r = upload_temp_name(f->rel, temp, sizeof(temp));
	if (r < 0)
		return upload_conn_why(c, r, "remote path '%s' is too long", f->rel);
	snprintf(dir, sizeof(dir), "%s", f->rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		r = dav_mkdirs(c, dir);
		if (r < 0)
			return r;
	}
	/* A temporary copy that arrived whole (nginx stores a PUT only once it is complete). */
	r = dav_stat(c, temp, &st);
	if (r < 0)
		return r;
	if (!st.exists || st.is_dir || st.size != f->size) {
		r = dav_put_file(c, f, temp);
		if (r < 0)
			return r;
	} else {
		/* It is what we sent before: the local file must still be what the manifest says. */
		r = upload_local_check(c, f);
		if (r < 0)
			return r;
		log_debug("'%s' already arrived whole under its temporary name", f->rel);
	}
	return dav_move(c, temp, f->rel, false);
}

/* A GET of file @rel: the body as stored, no content coding a server might apply. */
static int dav_get(struct upload_conn *c, const char *rel)
{
	char url[UPLOAD_URL_MAX];
	int r;

	r = dav_url(c, rel, false, url, sizeof(url));
	if (r < 0)
		return r;
	r = dav_start(c, "GET", url);
	if (r < 0)
		return r;
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	return upload_curl_header(c, "Accept-Encoding: identity");
}

static int dav_rename_dir(struct upload_conn *c, const char *from, const char *to)
{
	return dav_move(c, from, to, true);
}

static int dav_remove(struct upload_conn *c, const char *rel)
{
	char url[UPLOAD_URL_MAX];
	int r;

	r = dav_url(c, rel, false, url, sizeof(url));
	if (r == 0)
		r = dav_start(c, "DELETE", url);
	return r < 0 ? r : upload_http_delete(c, rel);
}

static int dav_check(struct upload_target *t, char *why, size_t n)
{
	if (t->creds.user[0] && !t->creds.password[0]) {
		snprintf(why, n, "credentials file '%s' names a user but no password",
			 "[upload] credentials_file");
		return -EINVAL;
	}
	return 0;
}

const struct upload_driver upload_driver_webdav = {
	.scheme = "https",
	.check = dav_check,
	.mkdirs = dav_mkdirs,
	.stat = dav_stat,
	.put = dav_put,
	.fetch = upload_curl_fetch,
	.remove = dav_remove,
	.digest = upload_curl_read_back,
	.rename_dir = dav_rename_dir,
	.open_read = dav_get,
};
