#ifndef FOLIO_WEB_H
#define FOLIO_WEB_H

/*
 * The clerk UI: foliod's HTTP server for the station's screen (firmware/web/API.md).
 *
 * libmicrohttpd runs it in threads of its own (one per connection, at most
 * WEB_MAX_CONNECTIONS), so a long request (the event stream, a page preview) never holds up
 * foliod's main loop. Captures started from the UI run in one more thread, through
 * capture_run(), the same engine as `folio scan` and the panel's Start button.
 */

#include "firmware/config/config.h"
#include "firmware/store/store.h"

#define WEB_MAX_CONNECTIONS 64

struct web;

#ifdef CONFIG_WEB
/*
 * web_start - serve the UI on [web] listen
 * @cfg, @store: the station's; both must outlive the server
 * @ret: the server, stopped with web_stop()
 *
 * Returns 0, -ENOENT when [web] listen is empty (no UI), -EADDRINUSE, -EACCES, -EINVAL (a
 * TLS certificate or key that cannot be used; it says why), or -errno.
 */
int web_start(const struct folio_config *cfg, struct store *store, struct web **ret);

/* web_stop - stop serving, stop a capture the UI started, and free; takes NULL, returns NULL */
struct web *web_stop(struct web *w);

/* web_url - where the UI is served, e.g. "http://127.0.0.1:8080/" */
const char *web_url(const struct web *w);

/* web_capturing - whether a capture started from the UI is running (the panel defers to it) */
bool web_capturing(struct web *w);

/*
 * web_on_work - call @fn(@data) when the UI made work for the background: a capture ended
 * with new pages (OCR), a batch was approved (delivery). From the UI's threads.
 */
void web_on_work(struct web *w, void (*fn)(void *data), void *data);
#else /* a build without the UI: foliod runs without it */
#include <errno.h>
static inline int web_start(const struct folio_config *cfg, struct store *store, struct web **ret)
{
	(void)cfg, (void)store, (void)ret;
	return -ENOENT;
}
static inline struct web *web_stop(struct web *w)
{
	(void)w;
	return NULL;
}
static inline const char *web_url(const struct web *w)
{
	(void)w;
	return "";
}
static inline bool web_capturing(struct web *w)
{
	(void)w;
	return false;
}
static inline void web_on_work(struct web *w, void (*fn)(void *data), void *data)
{
	(void)w, (void)fn, (void)data;
}
#endif

#endif
