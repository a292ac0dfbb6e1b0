/*
 * The clerk UI's HTTP server: libmicrohttpd, sessions, CSRF, limits and the UI's files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "fileio.h"
#include "log.h"
#include "secret.h"
#include "firmware/web/assets.h"
#include "firmware/web/web_int.h"

#define COOKIE_NAME "folio_session"
#define TLS_FILE_MAX (64u << 10)

static const char csp[] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
			  "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
			  "base-uri 'none'; form-action 'self'";

/*
 * TLS: 1.3, and 1.2 only with forward secrecy (ECDHE) and AEAD ciphers; no CBC, no RSA key
 * exchange, no SHA-1 MACs.
 */
static const char tls_priorities[] =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA";

static bool over_tls(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);

	return ci && ci->tls_session;
}

static void secure_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
}

enum MHD_Result web_queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	secure_headers(r);
	if (over_tls(c)) /* browsers keep to HTTPS for this station from then on */
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result web_reply_json(struct MHD_Connection *c, unsigned status, struct json_writer *w)
{
	struct MHD_Response *r;
	size_t len = 0;
	char *text = jw_take(w, &len);

	if (!text)
		return web_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, MSG_REQ_NO_MEMORY,
				       WEB_END);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return web_queue(c, status, r);
}

/* "code", "params" and "message" of @m, into the object being written */
static void msg_members(struct json_writer *w, const struct msg *m, const char *field)
{
	jw_kstr(w, "code", msg_code_name(m->code));
	jw_key(w, "params");
	jw_object(w);
	for (size_t i = 0; i < m->n_params; i++) {
		const struct msg_param *p = &m->params[i];

		if (p->kind == MSG_KIND_NUM)
			jw_kint(w, p->name, (int64_t)p->num);
		else
			jw_kstr(w, p->name, p->text);
	}
	for (size_t i = 0; field && i < m->n_params; i++)
		if (!strcmp(m->params[i].name, "field"))
			field = NULL;
	if (field)
		jw_kstr(w, "field", field);
	jw_end(w);
	jw_kstr(w, "message", m->text);
}

void web_msg_json(struct json_writer *w, const struct msg *m, const char *field)
{
	jw_object(w);
	msg_members(w, m, field);
	jw_end(w);
}

enum MHD_Result web_reply_msg(struct MHD_Connection *c, unsigned status, const char *field,
			      const struct msg *m)
{
	struct json_writer w;

	jw_init(&w);
	jw_object(&w);
	jw_kstr(&w, "error", m->text);
	if (field)
		jw_kstr(&w, "field", field);
	msg_members(&w, m, field);
	jw_end(&w);
	return web_reply_json(c, status, &w);
}

enum MHD_Result web_reply_error(struct MHD_Connection *c, unsigned status, const char *field,
				enum msg_code code, ...)
{
	struct msg m;
	const char *name;
	va_list ap;

	msg_init(&m, code);
	va_start(ap, code);
	while ((name = va_arg(ap, const char *)))
		msg_num(&m, name, va_arg(ap, unsigned));
	va_end(ap);
	if (field && code == MSG_REQ_BAD_FIELD)
		msg_str(&m, "field", field);
	msg_render(&m);
	return web_reply_msg(c, status, field, &m);
}

enum MHD_Result web_reply_empty(struct MHD_Connection *c, unsigned status)
{
	return web_queue(c, status,
			 MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
}

unsigned web_status_of(int error)
{
	switch (error) {
	case -FOLIO_ENOTFOUND:
	case -ENOENT:
		return MHD_HTTP_NOT_FOUND;
	case -FOLIO_ESTATE:
	case -FOLIO_EOCRPENDING:
	case -EBUSY:
	case -EEXIST:
		return MHD_HTTP_CONFLICT;
	case -FOLIO_ESTOREFULL:
	case -FOLIO_EDEVGONE:
	case -FOLIO_EDEVBUSY:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	case -EINVAL:
	case -FOLIO_EFORMAT:
		return MHD_HTTP_BAD_REQUEST;
	case -FOLIO_ETOOBIG:
		return MHD_HTTP_CONTENT_TOO_LARGE;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

void web_client_address(struct MHD_Connection *c, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, size, "?");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			  (socklen_t)size);
	} else if (sa->sa_family == AF_INET6) {
		/* One client may hold a whole /64: count by it. */
		struct in6_addr a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (!IN6_IS_ADDR_V4MAPPED(&a) && !IN6_IS_ADDR_LOOPBACK(&a))
			memset(a.s6_addr + 8, 0, 8);
		inet_ntop(AF_INET6, &a, buf, (socklen_t)size);
	}
}

static const char *mime_of(const char *name)
{
	static const struct {
		const char *ext, *mime;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".json", "application/json; charset=utf-8" },
		{ ".woff2", "font/woff2" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < ARRAY_SIZE(types); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].mime;
	return "application/octet-stream";
}

static enum MHD_Result serve_asset(struct MHD_Connection *c, const char *name)
{
	for (const struct web_asset *a = web_assets; a->name; a++) {
		struct MHD_Response *r;

		if (strcmp(a->name, name) != 0)
			continue;
		r = MHD_create_response_from_buffer((size_t)(a->end - a->data), (void *)a->data,
						    MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, "Content-Type", mime_of(name));
		MHD_add_response_header(r, "Cache-Control", "no-cache");
		return web_queue(c, MHD_HTTP_OK, r);
	}
	struct msg m;

	msg_init(&m, MSG_REQ_NO_FILE);
	msg_str(&m, "name", name);
	msg_render(&m);
	return web_reply_msg(c, MHD_HTTP_NOT_FOUND, NULL, &m);
}

/* A change must come from our own pages: the Origin header, when sent, names this host. */
static bool same_origin(struct MHD_Connection *c, bool tls)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *scheme = tls ? "https://" : "http://";
	size_t sl = strlen(scheme);

	if (!origin)
		return true; /* same-origin requests of some browsers; SameSite and CSRF hold */
	return host && strncmp(origin, scheme, sl) == 0 && strcmp(origin + sl, host) == 0;
}

/*
 * DNS rebinding: a browser sends the name it resolved, so a page of attacker.example whose
 * name points at 127.0.0.1 arrives with "Host: attacker.example". Only loopback, the listen
 * address (any IP literal when listening on all addresses) and [web] hostnames are answered.
 */
static bool host_allowed(const struct web *w, const char *hostport)
{
	char host[256], copy[sizeof(w->cfg->web_hostnames)], *save = NULL;
	const char *end;
	struct in_addr a4;
	struct in6_addr a6;
	size_t n;

	if (!hostport)
		return true; /* HTTP/1.0 without Host: no browser, no rebinding */
	if (hostport[0] == '[') {
		end = strchr(hostport, ']');
		if (!end || (end[1] && end[1] != ':'))
			return false;
		hostport++;
	} else {
		end = strchr(hostport, ':');
		if (!end)
			end = hostport + strlen(hostport);
	}
	n = (size_t)(end - hostport);
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, hostport, n);
	host[n] = '\0';
	if (n && host[n - 1] == '.')
		host[--n] = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127 || w->listen_any ||
		       strcmp(host, w->listen_host) == 0;
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		struct in6_addr l;

		if (IN6_IS_ADDR_LOOPBACK(&a6) || w->listen_any)
			return true;
		return inet_pton(AF_INET6, w->listen_host, &l) == 1 &&
		       memcmp(&l, &a6, sizeof(l)) == 0;
	}
	snprintf(copy, sizeof(copy), "%s", w->cfg->web_hostnames);
	for (char *h = strtok_r(copy, " ", &save); h; h = strtok_r(NULL, " ", &save))
		if (strcasecmp(h, host) == 0)
			return true;
	return false;
}

static bool json_content(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

	return ct && strncasecmp(ct, "application/json", 16) == 0 &&
	       (ct[16] == '\0' || ct[16] == ';');
}

static enum MHD_Result route_error(struct MHD_Connection *c, int error, const char *allow)
{
	if (error == -EOPNOTSUPP) {
		struct json_writer w;
		struct MHD_Response *r;
		size_t len;
		char *text;

		jw_init(&w);
		jw_object(&w);
		jw_kstr(&w, "error", "that method is not allowed here");
		jw_end(&w);
		text = jw_take(&w, &len);
		if (!text)
			return MHD_NO;
		r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		if (!r) {
			free(text);
			return MHD_NO;
		}
		MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
		MHD_add_response_header(r, "Allow", allow);
		return web_queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
	}
	if (error == -EINVAL)
		return web_reply_error(c, MHD_HTTP_BAD_REQUEST, NULL, MSG_REQ_BAD_NUMBER, WEB_END);
	return web_reply_error(c, MHD_HTTP_NOT_FOUND, NULL, MSG_REQ_NOT_FOUND, WEB_END);
}

static enum MHD_Result dispatch(struct web *w, struct MHD_Connection *c, struct web_request *req)
{
	const struct web_route *rt = &req->route;
	struct web_caller who = { 0 };
	struct json body = { 0 };
	const char *token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE_NAME);
	char why[128];
	enum MHD_Result ret;
	int r;

	if (rt->id == ROUTE_ASSET)
		return serve_asset(c, rt->asset);
	who.signed_in = web_session_find(w, token, !(rt->flags & ROUTE_PASSIVE), &who.s);
	if (!(rt->flags & ROUTE_OPEN) && !who.signed_in)
		return web_reply_error(c, MHD_HTTP_UNAUTHORIZED, NULL, MSG_AUTH_NEEDED, WEB_END);
	if (rt->flags & ROUTE_CHANGES) {
		const char *csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");

		if (!same_origin(c, w->tls_cert != NULL))
			return web_reply_error(c, MHD_HTTP_FORBIDDEN, NULL, MSG_REQ_OTHER_SITE,
					       WEB_END);
		if (rt->id != ROUTE_LOGIN && (!csrf || strlen(csrf) != WEB_TOKEN_HEX ||
					      sodium_memcmp(csrf, who.s.csrf, WEB_TOKEN_HEX) != 0))
			return web_reply_error(c, MHD_HTTP_FORBIDDEN, NULL, MSG_REQ_STALE_PAGE,
					       WEB_END);
		if (req->len && !json_content(c))
			return web_reply_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
					       MSG_REQ_NOT_JSON_TYPE, WEB_END);
	}
	if ((rt->flags & ROUTE_SUPERVISOR) && who.s.role != ROLE_SUPERVISOR)
		return web_reply_error(c, MHD_HTTP_FORBIDDEN, NULL, MSG_AUTH_SUPERVISOR, WEB_END);
	if (rt->flags & ROUTE_CHANGES) {
		r = json_parse(req->len ? req->body : "{}", req->len ? req->len : 2, &body, why,
			       sizeof(why));
		if (r < 0) {
			struct msg m;

			msg_init(&m, MSG_REQ_NOT_JSON);
			msg_str(&m, "detail", why);
			msg_render(&m);
			return web_reply_msg(c, MHD_HTTP_BAD_REQUEST, NULL, &m);
		}
		if (body.tok[0].type != JSON_OBJECT) {
			json_release(&body);
			return web_reply_error(c, MHD_HTTP_BAD_REQUEST, NULL, MSG_REQ_NOT_OBJECT,
					       WEB_END);
		}
	}
	ret = web_api(w, c, req, &who, &body);
	json_release(&body);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct web *w = cls;
	struct web_request *req = *con_cls;

	(void)version;
	if (!req) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		*con_cls = req;
		if (!host_allowed(w, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"))) {
			req->misdirected = true;
			return MHD_YES; /* answered once the body (if any) was read and dropped */
		}
		web_guard_phase(w, c, GUARD_BODY); /* the headers are in */
		req->route_error = web_route(method, url, &req->route);
		if (cl && strtoull(cl, NULL, 10) > WEB_MAX_BODY) {
			req->too_big = true;
			return web_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
					       MSG_REQ_TOO_LARGE, "kib", WEB_MAX_BODY >> 10,
					       WEB_END);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->misdirected)
			return MHD_YES;
		if (req->too_big || req->len + n > WEB_MAX_BODY) {
			req->too_big = true;
			return MHD_YES; /* read and drop the rest, then say so */
		}
		char *grown = realloc(req->body, req->len + n + 1);
		if (!grown)
			return MHD_NO;
		req->body = grown;
		memcpy(req->body + req->len, upload_data, n);
		req->len += n;
		req->body[req->len] = '\0';
		return MHD_YES;
	}
	web_guard_phase(w, c, GUARD_ANSWERING);
	if (req->misdirected)
		return web_reply_error(c, MHD_HTTP_MISDIRECTED_REQUEST, NULL, MSG_REQ_WRONG_HOST,
				       WEB_END);
	if (req->too_big)
		return web_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, NULL, MSG_REQ_TOO_LARGE,
				       "kib", WEB_MAX_BODY >> 10, WEB_END);
	if (req->route_error)
		return route_error(c, req->route_error, req->route.allow);
	return dispatch(w, c, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct web_request *req = *con_cls;

	(void)toe;
	web_guard_phase(cls, c, GUARD_NEXT);
	if (req) {
		if (req->body)
			sodium_memzero(req->body, req->len); /* may hold a password */
		free(req->body);
		free(req);
	}
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("web: %s", msg);
}

/* Reads the (public) certificate PEM file of at most TLS_FILE_MAX bytes. */
static int read_cert(const char *path, char **ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > TLS_FILE_MAX)
		return -EINVAL;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	r = fd_pread_all(fd, buf, (size_t)st.st_size, 0);
	if (r < 0)
		return r == -ENODATA ? -EIO : r;
	buf[st.st_size] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Reads the private key through the one secret reader, into guarded memory (secret_free). */
static int read_key(const char *path, char **ret)
{
	size_t len;
	int r;

	r = secret_load(path, TLS_FILE_MAX, SECRET_NOT_EMPTY, ret, &len, NULL);
	if (r == -FOLIO_EFORMAT || r == -FOLIO_ETOOBIG || r == -ENODATA)
		return -EINVAL;
	return r;
}

/* Forgets the certificate and wipes the key, on every way out of web_start() and web_stop(). */
static void drop_tls(struct web *w)
{
	free(w->tls_cert);
	w->tls_cert = NULL;
	w->tls_key = secret_free(w->tls_key);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, char *host,
			size_t host_size, unsigned *port)
{
	const char *colon = strrchr(listen, ':');
	char h[64];

	if (!colon || (size_t)(colon - listen) >= sizeof(h))
		return -EINVAL;
	snprintf(h, sizeof(h), "%.*s", (int)(colon - listen), listen);
	*port = (unsigned)strtoul(colon + 1, NULL, 10);
	memset(ss, 0, sizeof(*ss));
	snprintf(host, host_size, "%s", h);
	if (h[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		h[strlen(h) - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)*port);
		return inet_pton(AF_INET6, h + 1, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)*port);
	return inet_pton(AF_INET, h, &s4->sin_addr) == 1 ? 0 : -EINVAL;
}

int web_start(const struct folio_config *cfg, struct store *store, struct web **ret)
{
	_cleanup_free_ struct web *w = NULL;
	struct sockaddr_storage ss;
	unsigned flags =
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	char host[64];
	unsigned port;
	int r;

	if (!cfg->web_listen[0])
		return -ENOENT;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cfg = cfg;
	w->store = store;
	r = parse_listen(cfg->web_listen, &ss, host, sizeof(host), &port);
	if (r < 0)
		return r;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->web_tls_cert[0] || cfg->web_tls_key[0]) {
		r = read_cert(cfg->web_tls_cert, &w->tls_cert);
		if (r == 0)
			r = read_key(cfg->web_tls_key, &w->tls_key);
		if (r < 0) {
			log_err("web: cannot use [web] tls_cert '%s' and tls_key '%s': %s",
				cfg->web_tls_cert, cfg->web_tls_key,
				r == -EPERM ? "the key may be read by others or belongs to another "
					      "user: chmod 600 and chown it"
				: r == -ELOOP  ? "the key is a symbolic link: name the file itself"
				: r == -EINVAL ? "not a PEM file of at most 64 KiB"
					       : folio_strerror(r));
			drop_tls(w);
			return -EINVAL;
		}
		flags |= MHD_USE_TLS;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->login_lock, NULL);
	r = live_init(w);
	if (r < 0) {
		drop_tls(w);
		return r;
	}
	snprintf(w->url, sizeof(w->url), "%s://%s:%u/", w->tls_cert ? "https" : "http", host, port);
	snprintf(w->listen_host, sizeof(w->listen_host), "%.*s",
		 host[0] == '[' ? (int)strlen(host) - 2 : (int)strlen(host),
		 host[0] == '[' ? host + 1 : host);
	w->listen_any = strcmp(w->listen_host, "0.0.0.0") == 0 || strcmp(w->listen_host, "::") == 0;

	errno = 0;
	r = web_guard_start(w);
	if (r < 0) {
		live_shutdown(w);
		drop_tls(w);
		return r;
	}
	/* Per-address limits and request deadlines: guard.c; the idle timeout here. */
	w->daemon = MHD_start_daemon(
	    flags, (uint16_t)port, web_guard_accept, w, on_request, w, MHD_OPTION_SOCK_ADDR, &ss,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_NOTIFY_CONNECTION,
	    web_guard_notify, w, MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(64u << 10), MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, w,
	    w->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, w->tls_cert,
	    MHD_OPTION_HTTPS_MEM_KEY, w->tls_key, MHD_OPTION_HTTPS_PRIORITIES, tls_priorities,
	    MHD_OPTION_END);
	if (!w->daemon) {
		r = errno ? -errno : -EADDRINUSE;
		web_guard_stop(w);
		live_shutdown(w);
		drop_tls(w);
		return r;
	}
	*ret = TAKE_PTR(w);
	return 0;
}

struct web *web_stop(struct web *w)
{
	if (!w)
		return NULL;
	live_shutdown(w); /* ends the event streams first, so their threads can go */
	MHD_stop_daemon(w->daemon);
	web_guard_stop(w);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->login_lock);
	drop_tls(w);
	free(w);
	return NULL;
}

const char *web_url(const struct web *w)
{
	return w->url;
}

void web_on_work(struct web *w, void (*fn)(void *data), void *data)
{
	w->on_work = fn;
	w->on_work_data = data;
}

void web_work(struct web *w)
{
	if (w->on_work)
		w->on_work(w->on_work_data);
}

bool web_capturing(struct web *w)
{
	return w && live_running(w);
}
