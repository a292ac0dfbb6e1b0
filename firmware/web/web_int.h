#ifndef FOLIO_WEB_INT_H
#define FOLIO_WEB_INT_H

/*
 * Inside the clerk UI's server: what server.c, session.c, api.c and live.c share.
 */

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "firmware/capture/capture.h"
#include "firmware/core/message.h"
#include "firmware/web/json.h"
#include "firmware/web/request.h"
#include "firmware/web/web.h"

#define WEB_SESSIONS 64
#define WEB_SESSIONS_PER_USER 8 /* a 9th sign-in ends that user's longest-idle session */
#define WEB_TOKEN_HEX 64	/* 32 random bytes */
#define WEB_LOCKS 64		/* accounts with failed sign-ins remembered (ACCOUNTS_MAX) */
#define WEB_ADDRS 128		/* client addresses with failed sign-ins remembered */
/* Per client address: failed sign-ins (any name) within WEB_ADDR_WINDOW seconds; more wait
 * until the window ends. */
#define WEB_ADDR_FAILURES 10
#define WEB_ADDR_WINDOW 60

enum web_role { ROLE_CLERK, ROLE_SUPERVISOR };

struct web_session {
	char token[WEB_TOKEN_HEX + 1]; /* the cookie; "" for a free slot */
	char csrf[WEB_TOKEN_HEX + 1];
	char user[64];
	enum web_role role;
	char lang[4];
	time_t last_seen; /* monotonic seconds */
};

/*
 * Failed sign-ins of one account or one client address. Attempts are counted when they
 * start (pending), under the lock, before the password is checked: parallel guesses see
 * each other. A record that holds failures, pending attempts or a lockout is never reused.
 */
struct web_lock {
	char key[64]; /* the account name, or the client address in text; "" free */
	unsigned failures;
	unsigned pending; /* attempts being checked now */
	time_t since;	  /* first failure of the address window (monotonic seconds) */
	time_t until;	  /* locked until (monotonic seconds) */
};

/* Events for the stream: a ring of the latest, each numbered. */
#define LIVE_RING 64
#define LIVE_EVENT_MAX 2048

struct live_event {
	uint64_t seq;
	char name[16];
	char data[LIVE_EVENT_MAX];
};

enum live_state { LIVE_IDLE, LIVE_CAPTURING, LIVE_PAUSED, LIVE_FAULT };
enum live_job { JOB_NEW, JOB_RESUME, JOB_RESCAN, JOB_INSERT };

struct live {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool stopping;		   /* the server is going: streams end */
	uint64_t sessions_changed; /* a session ended: streams look whether theirs did */

	/* The event ring. */
	struct live_event ring[LIVE_RING];
	uint64_t next_seq;

	/* The capture the UI runs. */
	enum live_state state;
	bool thread_running, joinable;
	pthread_t thread;
	enum live_job job;
	bool stop_requested; /* Stop (close the batch) rather than Pause */
	char who[64];
	char device[256];
	char profile[64];
	struct capture_scanner choice; /* resume, rescan, insert: the batch's scanner or another */
	bool cover_sheets;
	uint32_t batch;
	uint32_t replace[1000];
	uint32_t n_replace;
	uint32_t insert_after, insert_count;
	uint32_t base_pages; /* pages the batch had when the run started */
	struct capture_progress progress;
	struct capture_result result;
	int fault;
	char message[512]; /* the scanner's state in words */
};

/* guard.c: connection limits and request deadlines against slow clients */
#define WEB_HEADER_SECONDS 10  /* to send a request's headers */
#define WEB_BODY_SECONDS 30    /* then to send its body */
#define WEB_MAX_PER_ADDRESS 12 /* connections of one client address (IPv6: /64) */
#define WEB_KIOSK_RESERVED 8   /* the last connections: only the station's own screen */

struct web_conn {
	struct MHD_Connection *c; /* NULL: free */
	int fd;
	uint8_t key[16]; /* the client's address (address_key()) */
	time_t deadline; /* monotonic seconds; 0: none (answering) */
};

struct web_guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stopping;
	struct web_conn conns[WEB_MAX_CONNECTIONS];
	uint64_t refused;
};

enum web_guard_phase { GUARD_BODY, GUARD_ANSWERING, GUARD_NEXT };

struct web {
	struct MHD_Daemon *daemon;
	const struct folio_config *cfg;
	struct store *store;
	char url[128];
	char listen_host[64]; /* the address of [web] listen, without brackets */
	bool listen_any;      /* listening on every address */
	char *tls_cert, *tls_key;

	pthread_mutex_t lock; /* sessions and locks */
	struct web_session sessions[WEB_SESSIONS];
	struct web_lock locks[WEB_LOCKS];
	struct web_lock addrs[WEB_ADDRS];
	uint64_t unknown_names;	    /* failed sign-ins with names of no account, since last said */
	time_t unknown_said;	    /* when the journal last had their summary */
	pthread_mutex_t login_lock; /* one Argon2id at a time: memory is bounded */

	struct live live;
	struct web_guard guard;

	void (*on_work)(void *data); /* web_on_work() */
	void *on_work_data;
};

/* Tells foliod's background there is work (web_on_work()). */
void web_work(struct web *w);

/* A request being read: its body, and what it routed to. */
struct web_request {
	struct web_route route;
	char *body;
	size_t len;
	bool too_big;
	bool misdirected; /* a Host this station does not answer to: 421 */
	bool routed;
	int route_error;
};

/* What a handler learns about the caller (a copy: the session may go meanwhile). */
struct web_caller {
	bool signed_in;
	struct web_session s;
};

/* server.c: answers; every one goes out through web_queue(), which adds the security headers */
enum MHD_Result web_queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r);
enum MHD_Result web_reply_json(struct MHD_Connection *c, unsigned status, struct json_writer *w);
/*
 * web_reply_msg - the error answer for @m: {"error": English text, "field", "code", "params",
 * "message": English text} (field only when one input field is at fault; it is also a
 * parameter, for the screens)
 * web_reply_error - the same for @code with number parameters given as name, unsigned
 * pairs, ended by WEB_END: web_reply_error(c, 404, NULL, MSG_PAGE_NOT_FOUND, "page", n, WEB_END)
 * web_msg_json - @m as {"code", "params", "message"} (a problem in a list), @field (may be
 * NULL) added to the parameters
 */
enum MHD_Result web_reply_msg(struct MHD_Connection *c, unsigned status, const char *field,
			      const struct msg *m);
/* The end of web_reply_error()'s pairs: a pointer, as a variadic argument must be */
#define WEB_END ((const char *)NULL)
enum MHD_Result web_reply_error(struct MHD_Connection *c, unsigned status, const char *field,
				enum msg_code code, ...) __attribute__((sentinel));
void web_msg_json(struct json_writer *w, const struct msg *m, const char *field);
enum MHD_Result web_reply_empty(struct MHD_Connection *c, unsigned status);
/* The client's address in text ("?" when unknown), IPv6 cut to its /64 */
#define WEB_ADDR_TEXT 48
void web_client_address(struct MHD_Connection *c, char *buf, size_t size);
/* The status for a Folio error: 404 not found, 409 state, 503 store full ... */
unsigned web_status_of(int error);

/* guard.c */
int web_guard_start(struct web *w);
void web_guard_stop(struct web *w);
enum MHD_Result web_guard_accept(void *cls, const struct sockaddr *sa, socklen_t len);
void web_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		      enum MHD_ConnectionNotificationCode code);
/* The request on @c got its headers (GUARD_BODY), is answered, or is done (GUARD_NEXT). */
void web_guard_phase(struct web *w, struct MHD_Connection *c, enum web_guard_phase phase);

/* session.c */
int web_session_new(struct web *w, const char *user, enum web_role role, const char *lang,
		    struct web_session *ret);
bool web_session_find(struct web *w, const char *token, bool touch, struct web_session *ret);
void web_session_end(struct web *w, const char *token);
void web_session_set_lang(struct web *w, const char *token, const char *lang);
/*
 * Checks a sign-in from client address @addr (text); 0 with the session, -EACCES (with
 * @ret_known telling whether @user names an account), -EBUSY while the account or the
 * address is locked out (@ret_wait seconds), -EIO when the accounts cannot be read.
 */
int web_login(struct web *w, const char *user, const char *password, const char *addr,
	      struct web_session *ret, unsigned *ret_wait, bool *ret_known);
int web_user_set_lang(struct web *w, const char *user, const char *lang);

/* api.c: the handler of every API route, and the station status object's members */
void web_status_json(struct web *w, struct json_writer *jw);
enum MHD_Result web_api(struct web *w, struct MHD_Connection *c, struct web_request *req,
			const struct web_caller *who, const struct json *body);

/* live.c: captures from the UI and the event stream */
int live_init(struct web *w);
void live_shutdown(struct web *w);
/* Appends an event for the streams; @data is a JSON object text. */
void live_publish(struct web *w, const char *name, const char *data);
/* Starts a capture job; 0, -EBUSY when one runs, or what capture setup returned, with the
 * refusal in @why. */
int live_start(struct web *w, const char *who, enum live_job job, const struct web_capture_body *b,
	       uint32_t *ret_batch, struct msg *why);
/* Pause (stop after the sheet, batch open) or Stop (and close it); -ESRCH when none runs. */
int live_halt(struct web *w, bool close_batch);
void live_status_json(struct web *w, struct json_writer *jw);
bool live_running(struct web *w);
/* The event-stream response. */
struct MHD_Response *live_stream(struct web *w, const char *token);
/* A session ended (sign-out): streams end when it was theirs. */
void live_sessions_changed(struct web *w);

#endif
