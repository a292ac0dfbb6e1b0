/*
 * OCR worker processes (see pool.h).
 *
 * Each worker is a child process on one AF_UNIX stream socket. The parent end is non-blocking
 * and everything happens in ocr_pool_wait()'s poll loop: sending a page, reading its result,
 * noticing a worker's death (end of file on its socket) or a page past its deadline (SIGKILL).
 * A dead worker's slot is refilled by a new process at the next turn of the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "ocr/pool.h"
#include "ocr/wire.h"

#define WORKER_FD 3
#define MAX_START_FAILURES 3u
#define REASON_LEN 160

enum worker_state {
	W_DEAD,
	W_STARTING, /* forked, waiting for its READY */
	W_IDLE,
	W_BUSY, /* sending a page or waiting for its result */
};

/* A first-in, first-out list of jobs or of done pages, linked through their first member. */
struct fifo_link {
	struct fifo_link *next;
};

struct fifo {
	struct fifo_link *head, *tail;
};

struct job {
	struct fifo_link link; /* first */
	uint64_t tag;
	unsigned attempts;
	uint64_t started_ms; /* when its last attempt went to a worker */
	int first_error;
	char first_reason[REASON_LEN];
	struct ocr_wire_request req; /* req.id is set anew for every attempt */
	uint8_t *payload;
};

struct done_page {
	struct fifo_link link; /* first */
	struct ocr_pool_page page;
};

struct worker {
	enum worker_state state;
	pid_t pid;
	int fd;
	unsigned generation; /* changes with every process in this slot */
	struct job *job;
	uint64_t deadline_ms; /* page deadline (busy) or start deadline (starting) */
	size_t tx_off;	      /* bytes of request header and payload sent */
	struct ocr_wire_reply hdr;
	size_t rx_off; /* bytes of header and body received */
	uint8_t *body;
	int ready_error; /* the error a worker reported instead of READY */
};

struct ocr_pool {
	struct worker w[OCR_POOL_MAX_WORKERS];
	unsigned n;
	int psm;
	unsigned timeout_s;
	int nice;
	char *path;
	char **argv;
	char **envp;
	struct fifo queue; /* jobs waiting for a worker */
	struct fifo done;  /* pages for ocr_pool_wait() */
	size_t outstanding;
	uint64_t next_id;
	unsigned start_failures;
	char start_reason[REASON_LEN];
	void (*worker_lost)(const struct ocr_pool_loss *loss, void *user);
	void *user;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void free_strv(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->payload);
	free(j);
}

/* A job for page @tag: request @req and a copy of its payload (req->len bytes); NULL: no memory. */
static struct job *job_new(uint64_t tag, const struct ocr_wire_request *req, const void *payload)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->payload = malloc(req->len);
	if (!j->payload) {
		free(j);
		return NULL;
	}
	memcpy(j->payload, payload, req->len);
	j->tag = tag;
	j->req = *req;
	return j;
}

/* The caller's environment with OMP_THREAD_LIMIT=1 in place of any value it had. */
static char **worker_environment(void)
{
	extern char **environ;
	size_t n = 0, k = 0;
	char **env;

	for (char **e = environ; e && *e; e++)
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "OMP_THREAD_LIMIT=", 17) == 0)
			continue;
		env[k] = strdup(environ[i]);
		if (!env[k++])
			goto fail;
	}
	env[k] = strdup("OMP_THREAD_LIMIT=1");
	if (!env[k])
		goto fail;
	return env;
fail:
	free_strv(env);
	return NULL;
}

/* folio-ocr-worker in the folder of the running program. */
static int default_worker_path(char **ret)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash, *path;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if (asprintf(&path, "%s/%s", exe, OCR_POOL_WORKER_NAME) < 0)
		return -ENOMEM;
	*ret = path;
	return 0;
}

/* In the child between fork and exec: async-signal-safe calls only. */
static _Noreturn void exec_worker(const struct ocr_pool *p, int sock, int devnull)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(sock, WORKER_FD) < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	close_range(WORKER_FD + 1, ~0u, 0);
	errno = 0;
	if (nice(p->nice) < 0 && errno != 0)
		_exit(127);
	execve(p->path, p->argv, p->envp);
	_exit(127);
}

static int spawn(struct ocr_pool *p, struct worker *w)
{
	_cleanup_close_ int devnull = -1, child = -1;
	int sv[2], err;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* Keep the child's descriptors clear of 0..3, which it is about to overwrite. */
	child = fcntl(sv[1], F_DUPFD_CLOEXEC, WORKER_FD + 1);
	close(sv[1]);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (child < 0 || devnull < 0 || fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	if (devnull <= WORKER_FD) {
		int moved = fcntl(devnull, F_DUPFD_CLOEXEC, WORKER_FD + 1);

		close(devnull);
		devnull = moved;
		if (devnull < 0)
			goto fail;
	}

	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		exec_worker(p, child, devnull);

	*w = (struct worker){
		.state = W_STARTING,
		.pid = pid,
		.fd = sv[0],
		.generation = w->generation + 1,
		.deadline_ms = now_ms() + OCR_POOL_START_TIMEOUT_S * 1000,
	};
	log_debug("started ocr worker %d", (int)pid);
	return 0;
fail:
	err = -errno;
	close(sv[0]);
	return err;
}

/* Kills and reaps a worker's process; describes how it ended in @why. The job stays. */
static void reap(struct worker *w, char *why, size_t size)
{
	int status;
	pid_t r;

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	kill(w->pid, SIGKILL);
	do
		r = waitpid(w->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (why && r == w->pid) {
		if (WIFSIGNALED(status))
			snprintf(why, size, "worker killed by signal %d (%s)", WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
		else if (WIFEXITED(status))
			snprintf(why, size, "worker exited with status %d", WEXITSTATUS(status));
	} else if (why) {
		snprintf(why, size, "worker ended");
	}
	free(w->body);
	w->body = NULL;
	w->state = W_DEAD;
	w->pid = -1;
}

static void fifo_push_back(struct fifo *q, struct fifo_link *l)
{
	l->next = NULL;
	if (q->tail)
		q->tail->next = l;
	else
		q->head = l;
	q->tail = l;
}

static void fifo_push_front(struct fifo *q, struct fifo_link *l)
{
	l->next = q->head;
	q->head = l;
	if (!q->tail)
		q->tail = l;
}

static struct fifo_link *fifo_pop(struct fifo *q)
{
	struct fifo_link *l = q->head;

	if (l) {
		q->head = l->next;
		if (!q->head)
			q->tail = NULL;
		l->next = NULL;
	}
	return l;
}

/* Ends a job: its page goes to the done list with @result (moved) or @err and @reason. */
static void finish(struct ocr_pool *p, struct job *j, int err, const char *reason,
		   struct ocr_page_result *result)
{
	struct done_page *d = calloc(1, sizeof(*d));

	if (!d) {
		/* Nowhere to put it: the page is lost, which the count must still reflect. */
		if (result)
			ocr_page_result_release(result);
		p->outstanding--;
		job_free(j);
		return;
	}
	d->page.tag = j->tag;
	d->page.error = err;
	d->page.attempts = j->attempts;
	if (j->started_ms)
		d->page.seconds = (double)(now_ms() - j->started_ms) / 1000.0;
	if (err < 0)
		snprintf(d->page.reason, sizeof(d->page.reason), "%s", reason);
	else if (result) {
		d->page.result = *result;
		*result = (struct ocr_page_result){ 0 };
	}
	fifo_push_back(&p->done, &d->link);
	job_free(j);
}

static struct job *queue_pop(struct ocr_pool *p)
{
	return (struct job *)fifo_pop(&p->queue);
}

/* A job whose worker crashed or hung: tried again once, then failed with both reasons. */
static void job_lost(struct ocr_pool *p, struct job *j, int err, const char *why)
{
	char reason[2 * REASON_LEN + 32];

	if (j->attempts < OCR_POOL_ATTEMPTS) {
		j->first_error = err;
		snprintf(j->first_reason, sizeof(j->first_reason), "%s", why);
		fifo_push_front(&p->queue, &j->link);
		return;
	}
	if (j->attempts == 1)
		snprintf(reason, sizeof(reason), "%s", why);
	else if (strcmp(j->first_reason, why) == 0)
		snprintf(reason, sizeof(reason), "%s on both attempts", why);
	else
		snprintf(reason, sizeof(reason), "attempt 1: %s; attempt 2: %s", j->first_reason,
			 why);
	finish(p, j, err, reason, NULL);
}

/* A worker died, hung or misbehaved: reap it and deal with its page. */
static void worker_lost(struct ocr_pool *p, struct worker *w, int err, const char *why)
{
	char how[REASON_LEN] = "";
	struct job *j = w->job;
	bool starting = w->state == W_STARTING;

	struct ocr_pool_loss loss = {
		.has_page = j != NULL,
		.tag = j ? j->tag : 0,
		.worker = (unsigned)(w - p->w) + 1,
		.pid = (int)w->pid,
		.error = err,
		.attempt = j ? j->attempts : 0,
		.retried = j && j->attempts < OCR_POOL_ATTEMPTS,
		.why = how,
	};

	w->job = NULL;
	reap(w, how, sizeof(how));
	if (why)
		snprintf(how, sizeof(how), "%s", why);
	log_debug("ocr worker lost: %s", how);
	if (starting) {
		p->start_failures++;
		snprintf(p->start_reason, sizeof(p->start_reason), "%s", how);
	}
	if (p->worker_lost)
		p->worker_lost(&loss, p->user);
	if (j)
		job_lost(p, j, err, how);
}

static bool any_worker_alive(const struct ocr_pool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->w[i].state != W_DEAD)
			return true;
	return false;
}

/* Refills empty slots; when workers cannot be started any more, fails the queued pages. */
static void maintain(struct ocr_pool *p)
{
	char reason[REASON_LEN + 64];
	struct job *j;

	for (unsigned i = 0; i < p->n && p->start_failures < MAX_START_FAILURES; i++) {
		int err;

		if (p->w[i].state != W_DEAD)
			continue;
		err = spawn(p, &p->w[i]);
		if (err < 0) {
			p->start_failures++;
			snprintf(p->start_reason, sizeof(p->start_reason), "cannot start '%s': %s",
				 p->path, folio_strerror(err));
		}
	}
	if (p->start_failures < MAX_START_FAILURES || any_worker_alive(p))
		return;
	snprintf(reason, sizeof(reason), "cannot start an ocr worker: %s", p->start_reason);
	while ((j = queue_pop(p)))
		finish(p, j, -ECHILD, reason, NULL);
}

static size_t request_size(const struct job *j)
{
	return sizeof(j->req) + j->req.len;
}

/*
 * One send() (@out) or recv() of up to @len bytes on a worker's socket, without blocking and
 * again when a signal interrupts it: the bytes moved (0 received: the worker closed it), or
 * -EAGAIN when the socket is not ready, or another -errno.
 */
static ssize_t move_some(int fd, uint8_t *buf, size_t len, bool out)
{
	ssize_t n;

	do
		n = out ? send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT)
			: recv(fd, buf, len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

/* Sends what the socket takes: 0 (done or would block) or a negative error. */
static int try_send(struct worker *w)
{
	struct job *j = w->job;

	while (w->tx_off < request_size(j)) {
		uint8_t *buf;
		size_t left;
		ssize_t n;

		if (w->tx_off < sizeof(j->req)) {
			buf = (uint8_t *)&j->req + w->tx_off;
			left = sizeof(j->req) - w->tx_off;
		} else {
			buf = j->payload + (w->tx_off - sizeof(j->req));
			left = request_size(j) - w->tx_off;
		}
		n = move_some(w->fd, buf, left, true);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		w->tx_off += (size_t)n;
	}
	return 0;
}

static void dispatch(struct ocr_pool *p)
{
	for (unsigned i = 0; i < p->n && p->queue.head; i++) {
		struct worker *w = &p->w[i];
		struct job *j;

		if (w->state != W_IDLE)
			continue;
		j = queue_pop(p);
		j->attempts++;
		j->started_ms = now_ms();
		j->req.id = ++p->next_id;
		w->job = j;
		w->state = W_BUSY;
		w->tx_off = 0;
		w->rx_off = 0;
		w->deadline_ms = now_ms() + (uint64_t)p->timeout_s * 1000;
		if (try_send(w) < 0)
			worker_lost(p, w, -ECHILD, NULL);
	}
}

/* A complete reply of a starting or busy worker. 0, or a negative error (worker is lost). */
static int reply_complete(struct ocr_pool *p, struct worker *w)
{
	struct ocr_page_result r = { 0 };
	const char *body = (const char *)w->body;
	struct job *j;

	if (w->state == W_STARTING) {
		if (w->hdr.kind != OCR_WIRE_READY)
			return -EPROTO;
		if (w->hdr.error < 0) {
			w->ready_error = w->hdr.error;
			return w->hdr.error;
		}
		w->state = W_IDLE;
		p->start_failures = 0;
		return 0;
	}
	if (w->state != W_BUSY || w->hdr.kind != OCR_WIRE_RESULT || w->hdr.id != w->job->req.id ||
	    w->tx_off < request_size(w->job))
		return -EPROTO;

	j = w->job;
	w->job = NULL;
	w->state = W_IDLE;
	w->rx_off = 0;
	if (w->hdr.error < 0) {
		finish(p, j, w->hdr.error, folio_strerror(w->hdr.error), NULL);
	} else {
		r.text = malloc(w->hdr.text_len + 1);
		r.hocr = malloc(w->hdr.hocr_len + 1);
		if (!r.text || !r.hocr) {
			ocr_page_result_release(&r);
			finish(p, j, -ENOMEM, "out of memory for the page's text", NULL);
		} else {
			memcpy(r.text, body, w->hdr.text_len);
			r.text[w->hdr.text_len] = '\0';
			memcpy(r.hocr, body + w->hdr.text_len, w->hdr.hocr_len);
			r.hocr[w->hdr.hocr_len] = '\0';
			ocr_wire_reply_fields(&w->hdr, &r);
			finish(p, j, 0, NULL, &r);
		}
	}
	free(w->body);
	w->body = NULL;
	return 0;
}

/* Reads what is there: 0 (would block or a message handled), or a negative error. */
static int try_recv(struct ocr_pool *p, struct worker *w)
{
	for (;;) {
		size_t hlen = sizeof(w->hdr), want;
		uint8_t *buf;
		ssize_t n;
		int err;

		if (w->rx_off < hlen) {
			buf = (uint8_t *)&w->hdr + w->rx_off;
			want = hlen - w->rx_off;
		} else {
			buf = w->body + (w->rx_off - hlen);
			want = hlen + w->hdr.text_len + w->hdr.hocr_len - w->rx_off;
		}
		if (want > 0) {
			n = move_some(w->fd, buf, want, false);
			if (n == -EAGAIN)
				return 0;
			if (n < 0)
				return (int)n;
			if (n == 0)
				return -EPIPE;
			w->rx_off += (size_t)n;
			if (w->rx_off < hlen)
				continue;
			if (w->rx_off == hlen) {
				err = ocr_wire_check_reply(&w->hdr);
				if (err < 0)
					return -EPROTO;
				free(w->body);
				w->body = malloc(w->hdr.text_len + w->hdr.hocr_len + 1);
				if (!w->body)
					return -ENOMEM;
			}
			if (w->rx_off < hlen + w->hdr.text_len + w->hdr.hocr_len)
				continue;
		}
		w->rx_off = 0;
		err = reply_complete(p, w);
		if (err < 0)
			return err;
		if (w->state == W_IDLE)
			return 0;
	}
}

/* Why a worker that failed to receive or reply is lost, for the page's reason. */
static const char *lost_reason(int err, char *buf, size_t size)
{
	if (err == -EPROTO)
		return "worker sent a malformed reply";
	if (err == -ENOMEM)
		return "out of memory for the worker's reply";
	if (err == -EPIPE || err == -ECONNRESET)
		return NULL; /* it died: reap() tells how */
	snprintf(buf, size, "worker connection failed: %s", folio_strerror(err));
	return buf;
}

/* Workers past their deadline are killed; returns the nearest deadline still to come. */
static uint64_t check_deadlines(struct ocr_pool *p, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	char why[REASON_LEN];

	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];

		if (w->state != W_BUSY && w->state != W_STARTING)
			continue;
		if (now < w->deadline_ms) {
			next = MIN(next, w->deadline_ms);
			continue;
		}
		if (w->state == W_BUSY)
			snprintf(why, sizeof(why), "page not done within %u s", p->timeout_s);
		else
			snprintf(why, sizeof(why), "worker did not load its models within %u s",
				 OCR_POOL_START_TIMEOUT_S);
		worker_lost(p, w, w->state == W_BUSY ? -ETIMEDOUT : -ECHILD, why);
	}
	return next;
}

/* One poll over the workers' sockets, at most until @until_ms. 0 or -errno from poll. */
static int pump(struct ocr_pool *p, uint64_t until_ms)
{
	struct pollfd pfd[OCR_POOL_MAX_WORKERS];
	unsigned slot[OCR_POOL_MAX_WORKERS], gen[OCR_POOL_MAX_WORKERS];
	uint64_t now = now_ms(), next;
	nfds_t nfds = 0;
	int timeout, r;
	char buf[REASON_LEN];

	next = MIN(check_deadlines(p, now), until_ms);
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];

		if (w->state == W_DEAD)
			continue;
		pfd[nfds] = (struct pollfd){ .fd = w->fd, .events = POLLIN };
		if (w->state == W_BUSY && w->tx_off < request_size(w->job))
			pfd[nfds].events |= POLLOUT;
		slot[nfds] = i;
		gen[nfds] = w->generation;
		nfds++;
	}
	if (next == UINT64_MAX)
		timeout = -1;
	else if (next <= now)
		timeout = 0;
	else
		timeout = (int)MIN(next - now, (uint64_t)INT_MAX);
	r = poll(pfd, nfds, timeout);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;

	for (nfds_t k = 0; k < nfds; k++) {
		struct worker *w = &p->w[slot[k]];
		int err = 0;

		if (!pfd[k].revents || w->generation != gen[k] || w->state == W_DEAD)
			continue;
		if ((pfd[k].revents & POLLOUT) && w->state == W_BUSY)
			err = try_send(w);
		if (err == 0 && (pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
			err = try_recv(p, w);
		if (err < 0 && w->ready_error < 0) {
			snprintf(buf, sizeof(buf),
				 "worker cannot load the models of its languages: %s",
				 folio_strerror(w->ready_error));
			worker_lost(p, w, -ECHILD, buf);
		} else if (err < 0) {
			worker_lost(p, w, -ECHILD, lost_reason(err, buf, sizeof(buf)));
		}
	}
	/* A worker that has just replied gets its next page now, not after the caller has
	 * dealt with the finished one: the worker does not wait on the caller. */
	dispatch(p);
	return 0;
}

static int page_out(struct ocr_pool *p, struct ocr_pool_page *ret)
{
	struct done_page *d = (struct done_page *)fifo_pop(&p->done);

	p->outstanding--;
	*ret = d->page;
	free(d);
	return 1;
}

int ocr_pool_wait(struct ocr_pool *p, int timeout_ms, struct ocr_pool_page *ret)
{
	uint64_t until = timeout_ms < 0 ? UINT64_MAX : now_ms() + (uint64_t)timeout_ms;

	if (!p || !ret)
		return -EINVAL;
	for (;;) {
		int err;

		if (p->done.head)
			return page_out(p, ret);
		if (p->outstanding == 0)
			return 0;
		maintain(p);
		dispatch(p);
		if (p->done.head)
			return page_out(p, ret);
		if (now_ms() >= until && timeout_ms >= 0) {
			/* One last look without waiting, so that wait(0) makes progress. */
			err = pump(p, 0);
			if (err < 0)
				return err;
			if (p->done.head)
				return page_out(p, ret);
			return 0;
		}
		err = pump(p, until);
		if (err < 0)
			return err;
	}
}

static int submit_job(struct ocr_pool *p, struct job *j)
{
	if (p->start_failures >= MAX_START_FAILURES && !any_worker_alive(p)) {
		job_free(j);
		return -ECHILD;
	}
	j->req.magic = OCR_WIRE_MAGIC;
	j->req.psm = p->psm;
	fifo_push_back(&p->queue, &j->link);
	p->outstanding++;
	maintain(p);
	dispatch(p);
	return 0;
}

int ocr_pool_submit(struct ocr_pool *p, uint64_t tag, const void *image, size_t len, unsigned dpi)
{
	return ocr_pool_submit_in(p, tag, image, len, dpi, NULL, 0);
}

int ocr_pool_submit_in(struct ocr_pool *p, uint64_t tag, const void *image, size_t len,
		       unsigned dpi, const char *languages, unsigned options)
{
	struct ocr_wire_request req = { .kind = OCR_WIRE_IMAGE, .dpi = dpi, .len = len };
	struct job *j;

	if (!p || !image || len == 0)
		return -EINVAL;
	if (languages && strcmp(languages, OCR_WIRE_LANGUAGES_AUTO) != 0 &&
	    !ocr_languages_valid(languages))
		return -EINVAL;
	if (dpi != 0 && (dpi < OCR_MIN_DPI || dpi > OCR_MAX_DPI))
		return -EINVAL;
	if (len > OCR_MAX_IMAGE_BYTES)
		return -FOLIO_ETOOBIG;
	if ((options & ~(unsigned)(OCR_POOL_CHECK_ORIENTATION | OCR_POOL_UPRIGHT)) ||
	    (options & OCR_POOL_CHECK_ORIENTATION && options & OCR_POOL_UPRIGHT))
		return -EINVAL;
	if (p->outstanding >= OCR_POOL_MAX_QUEUED)
		return -EAGAIN;
	if (options & OCR_POOL_CHECK_ORIENTATION)
		req.options |= OCR_WIRE_CHECK_ORIENTATION;
	if (options & OCR_POOL_UPRIGHT)
		req.options |= OCR_WIRE_UPRIGHT;
	if (languages)
		snprintf(req.languages, sizeof(req.languages), "%s", languages);
	j = job_new(tag, &req, image);
	if (!j)
		return -ENOMEM;
	return submit_job(p, j);
}

int ocr_pool_submit_frame(struct ocr_pool *p, uint64_t tag, const struct frame *f)
{
	struct ocr_wire_request req;
	struct job *j;
	int err;

	if (!p || !f || !f->data)
		return -EINVAL;
	if (p->outstanding >= OCR_POOL_MAX_QUEUED)
		return -EAGAIN;
	req = (struct ocr_wire_request){
		.magic = OCR_WIRE_MAGIC,
		.kind = OCR_WIRE_FRAME,
		.dpi = f->dpi,
		.psm = p->psm,
		.width = f->width,
		.height = f->height,
		.depth = f->depth,
		.channels = f->channels,
		.bytes_per_line = f->bytes_per_line,
		.len = (uint64_t)f->bytes_per_line * f->height,
	};
	err = ocr_wire_check_request(&req);
	if (err == -EPROTO)
		return f->depth != 1 && f->depth != 8 ? -FOLIO_EFORMAT : -EINVAL;
	if (err < 0)
		return err;
	j = job_new(tag, &req, f->data);
	if (!j)
		return -ENOMEM;
	return submit_job(p, j);
}

static unsigned cpus_available(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* Waits until every worker is ready; the first failure ends the wait. */
static int wait_ready(struct ocr_pool *p)
{
	uint64_t until = now_ms() + OCR_POOL_START_TIMEOUT_S * 1000 + 1000;

	for (;;) {
		bool starting = false;
		int err;

		for (unsigned i = 0; i < p->n; i++) {
			if (p->w[i].state == W_DEAD)
				return p->w[i].ready_error < 0 ? p->w[i].ready_error : -ECHILD;
			if (p->w[i].state == W_STARTING)
				starting = true;
		}
		if (!starting)
			return 0;
		if (now_ms() >= until)
			return -ETIMEDOUT;
		err = pump(p, until);
		if (err < 0)
			return err;
	}
}

int ocr_pool_new(const struct ocr_pool_options *o, struct ocr_pool **ret)
{
	const char *languages;
	struct ocr_pool *p;
	int err;

	if (!o || !ret)
		return -EINVAL;
	languages = o->languages ? o->languages : "eng";
	if (!ocr_languages_valid(languages) || o->workers > OCR_POOL_MAX_WORKERS ||
	    o->page_timeout_s > OCR_POOL_MAX_TIMEOUT_S || o->nice < 0 || o->nice > 19 ||
	    (o->psm != 0 && !ocr_psm_valid(o->psm)))
		return -EINVAL;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->n = o->workers ? o->workers : MIN(cpus_available(), OCR_POOL_MAX_WORKERS);
	p->psm = o->psm ? o->psm : OCR_PSM_AUTO;
	p->timeout_s = o->page_timeout_s ? o->page_timeout_s : OCR_POOL_DEFAULT_TIMEOUT_S;
	p->nice = o->nice ? o->nice : OCR_POOL_DEFAULT_NICE;
	for (unsigned i = 0; i < OCR_POOL_MAX_WORKERS; i++)
		p->w[i] = (struct worker){ .state = W_DEAD, .pid = -1, .fd = -1 };

	if (o->worker_path) {
		p->path = strdup(o->worker_path);
		err = p->path ? 0 : -ENOMEM;
	} else {
		err = default_worker_path(&p->path);
	}
	if (err < 0)
		goto fail;
	if (access(p->path, X_OK) < 0) {
		err = -errno;
		log_debug("ocr worker '%s' cannot be run: %s", p->path, folio_strerror(err));
		goto fail;
	}
	p->argv = calloc(4, sizeof(*p->argv));
	if (!p->argv) {
		err = -ENOMEM;
		goto fail;
	}
	p->argv[0] = strdup(p->path);
	p->argv[1] = strdup("--languages");
	p->argv[2] = strdup(languages);
	p->envp = worker_environment();
	if (!p->argv[0] || !p->argv[1] || !p->argv[2] || !p->envp) {
		err = -ENOMEM;
		goto fail;
	}

	for (unsigned i = 0; i < p->n; i++) {
		err = spawn(p, &p->w[i]);
		if (err < 0)
			goto fail;
	}
	err = wait_ready(p);
	if (err < 0)
		goto fail;
	/* Told from now on: a pool that does not start says why in its result. */
	p->worker_lost = o->worker_lost;
	p->user = o->user;
	*ret = p;
	return 0;
fail:
	ocr_pool_free(p);
	return err;
}

struct ocr_pool *ocr_pool_free(struct ocr_pool *p)
{
	struct job *j;

	if (!p)
		return NULL;
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];

		if (w->state != W_DEAD)
			reap(w, NULL, 0);
		job_free(w->job);
	}
	while ((j = queue_pop(p)))
		job_free(j);
	while (p->done.head) {
		struct done_page *d = (struct done_page *)fifo_pop(&p->done);

		ocr_page_result_release(&d->page.result);
		free(d);
	}
	free(p->path);
	free_strv(p->argv);
	free_strv(p->envp);
	free(p);
	return NULL;
}

unsigned ocr_pool_workers(const struct ocr_pool *p)
{
	return p->n;
}

size_t ocr_pool_outstanding(const struct ocr_pool *p)
{
	return p->outstanding;
}

int ocr_pool_worker_pid(const struct ocr_pool *p, uint64_t tag, pid_t *ret)
{
	for (unsigned i = 0; i < p->n; i++) {
		const struct worker *w = &p->w[i];

		if (w->state == W_BUSY && w->job->tag == tag && w->tx_off == request_size(w->job)) {
			*ret = w->pid;
			return 0;
		}
	}
	return -ENOENT;
}
