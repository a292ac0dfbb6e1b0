/*
 * Connections of the clerk UI against slow clients (slowloris): a connection has
 * WEB_HEADER_SECONDS to send a request's headers and WEB_BODY_SECONDS more for its body,
 * however slowly it drips them (libmicrohttpd's own timeout restarts with every byte); one
 * client address holds at most WEB_MAX_PER_ADDRESS connections; and the last
 * WEB_KIOSK_RESERVED connections are kept for the station's own screen on loopback
 * (127.0.0.1 or ::1).
 *
 * A connection past its deadline is shut down (shutdown(2) on its socket, never close: the
 * socket stays libmicrohttpd's), which ends its thread at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "firmware/web/web_int.h"

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* An address as a key: IPv4, or IPv6 cut to its /64 (one client may hold a whole /64). */
static bool address_key(const struct sockaddr *sa, uint8_t key[16], bool *ret_kiosk)
{
	memset(key, 0, 16);
	*ret_kiosk = false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		memcpy(key, &s4->sin_addr, 4);
		*ret_kiosk = ntohl(s4->sin_addr.s_addr) == INADDR_LOOPBACK;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

		*ret_kiosk = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(key, s6->sin6_addr.s6_addr + 12, 4);
			*ret_kiosk = key[0] == 127 && key[1] == 0 && key[2] == 0 && key[3] == 1;
		} else {
			memcpy(key, s6->sin6_addr.s6_addr, *ret_kiosk ? 16 : 8);
		}
		return true;
	}
	return false;
}

/* The accept policy: per-address cap, and the kiosk's reserve. */
enum MHD_Result web_guard_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct web *w = cls;
	struct web_guard *g = &w->guard;
	uint8_t key[16];
	unsigned total = 0, same = 0;
	bool kiosk, ok;

	(void)len;
	if (!address_key(sa, key, &kiosk))
		return MHD_NO;
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < WEB_MAX_CONNECTIONS; i++) {
		if (!g->conns[i].c)
			continue;
		total++;
		if (memcmp(g->conns[i].key, key, 16) == 0)
			same++;
	}
	ok = same < WEB_MAX_PER_ADDRESS &&
	     (kiosk || total < WEB_MAX_CONNECTIONS - WEB_KIOSK_RESERVED);
	if (!ok)
		g->refused++;
	pthread_mutex_unlock(&g->lock);
	return ok ? MHD_YES : MHD_NO;
}

static struct web_conn *find(struct web_guard *g, struct MHD_Connection *c)
{
	for (size_t i = 0; i < WEB_MAX_CONNECTIONS; i++)
		if (g->conns[i].c == c)
			return &g->conns[i];
	return NULL;
}

void web_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		      enum MHD_ConnectionNotificationCode code)
{
	struct web *w = cls;
	struct web_guard *g = &w->guard;
	struct web_conn *wc;

	(void)socket_context;
	pthread_mutex_lock(&g->lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ad =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		bool kiosk;

		wc = find(g, NULL);
		if (wc && fd && ad) {
			memset(wc, 0, sizeof(*wc));
			wc->c = c;
			wc->fd = fd->connect_fd;
			address_key(ad->client_addr, wc->key, &kiosk);
			wc->deadline = mono_now() + WEB_HEADER_SECONDS;
		}
	} else if ((wc = find(g, c))) {
		memset(wc, 0, sizeof(*wc)); /* before libmicrohttpd closes the socket */
	}
	pthread_mutex_unlock(&g->lock);
}

void web_guard_phase(struct web *w, struct MHD_Connection *c, enum web_guard_phase phase)
{
	struct web_guard *g = &w->guard;
	struct web_conn *wc;

	pthread_mutex_lock(&g->lock);
	wc = find(g, c);
	if (wc) {
		switch (phase) {
		case GUARD_BODY:
			wc->deadline = mono_now() + WEB_BODY_SECONDS;
			break;
		case GUARD_ANSWERING: /* the answer may take long (the event stream) */
			wc->deadline = 0;
			break;
		case GUARD_NEXT: /* keep-alive: the next request's headers */
			wc->deadline = mono_now() + WEB_HEADER_SECONDS;
			break;
		}
	}
	pthread_mutex_unlock(&g->lock);
}

static void *watch(void *data)
{
	struct web *w = data;
	struct web_guard *g = &w->guard;
	struct timespec until;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		time_t now = mono_now();
		unsigned cut = 0;

		for (size_t i = 0; i < WEB_MAX_CONNECTIONS; i++) {
			struct web_conn *wc = &g->conns[i];

			if (wc->c && wc->deadline && now >= wc->deadline) {
				shutdown(wc->fd, SHUT_RDWR);
				wc->deadline = 0;
				cut++;
			}
		}
		if (cut)
			log_debug("web: %u connection%s too slow with a request: closed", cut,
				  cut == 1 ? "" : "s");
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int web_guard_start(struct web *w)
{
	struct web_guard *g = &w->guard;
	int r;

	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	r = -pthread_create(&g->thread, NULL, watch, w);
	if (r < 0) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		return r;
	}
	g->running = true;
	return 0;
}

void web_guard_stop(struct web *w)
{
	struct web_guard *g = &w->guard;

	if (!g->running)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	g->running = false;
}
