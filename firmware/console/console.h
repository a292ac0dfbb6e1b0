#ifndef FOLIO_CONSOLE_H
#define FOLIO_CONSOLE_H

/*
 * The technician console: a login, then the command table of `folio` (firmware/cmd) on a
 * serial line (foliod) or on the current terminal (`folio console`).
 *
 * It is event-driven so foliod's main loop can carry it: console_poll_fds() says what to
 * wait for, console_timeout_ms() how long at most, console_handle() does the work. Nothing
 * in it blocks for long: commands run in a child process (the `folio` program, so they run
 * exactly as from the shell), their output comes back through a pipe, and Ctrl-C sends
 * SIGINT to the child's process group. Quick commands that act on the session itself
 * (CMD_SESSION: logout, config set/save/show) run inside the console.
 *
 * Login: accounts from [console] accounts_file (firmware/accounts/accounts.h). After each
 * failed login the console waits [console] failure_delay_ms, doubling with every further
 * failure; [console] max_failures in a row lock it for lockout_seconds. A session without
 * input for idle_logout_seconds ends. Logins, failures, lockouts, logouts and every command
 * line go to the store's event log.
 *
 * A serial line that hangs up (cable pulled: HUP, EIO) is closed and opened again every few
 * seconds until it is back; a command still running is interrupted.
 */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "kconfig.h"

struct console;
struct folio_config;
struct store;

#define CONSOLE_POLL_FDS 3 /* most pollfds console_poll_fds() fills */

struct console_options {
	struct folio_config *cfg; /* station and [console] settings, kept by pointer; 'config
				     set' changes the keys that apply at once in it */
	const char *config_path;  /* the file commands read and 'config save' writes */
	const char *store_dir;	  /* passed to commands as --store, or NULL */
	struct store *store;	  /* for the event log; NULL: no events */
	const char *folio_path;	  /* the folio program; NULL: "folio" beside this program */
	/* Either a serial line, opened (and reopened) by the console ... */
	const char *tty;
	unsigned baud;
	/* ... or, when tty is NULL, a terminal already open (switched to raw mode and back). */
	int in_fd, out_fd;
	time_t started;	      /* when the daemon started (for 'status'), or 0 */
	unsigned retry_ms;    /* between attempts to open the serial line; 0: 3000 */
	unsigned progress_ms; /* "still running" note after this long without output; 0: 10000 */
};

#if IS_ENABLED(CONFIG_CONSOLE)
/*
 * console_new - a console as described by @o (copied; the strings must outlive it)
 *
 * Opens the serial line at once when it can; when it cannot (unplugged USB adapter, ...)
 * it tries again later. Returns 0, -ENOENT when the folio program is not found, -EINVAL for
 * an unsupported baud rate, -ENOMEM.
 */
int console_new(const struct console_options *o, struct console **ret);

/*
 * console_free - end the session (a running command is killed), restore the terminal and
 * close what the console opened; takes NULL, returns NULL
 */
struct console *console_free(struct console *c);

/*
 * console_poll_fds - fill up to @n (CONSOLE_POLL_FDS is enough) pollfds with what the
 * console waits for; returns how many were filled. @c may be NULL (0).
 */
size_t console_poll_fds(struct console *c, struct pollfd *fds, size_t n);

/* console_timeout_ms - the longest poll() may wait for the console's sake; -1: forever */
int console_timeout_ms(struct console *c);

/*
 * console_handle - act on what poll() reported in @fds (as filled by console_poll_fds())
 * and on timers; returns 0, or 1 when the console is finished (only for a terminal given
 * by fd: the technician logged out or the input ended). @c may be NULL.
 */
int console_handle(struct console *c, const struct pollfd *fds, size_t n);
#else /* built without the console (CONFIG_CONSOLE): foliod serves none */
static inline int console_new(const struct console_options *o, struct console **ret)
{
	(void)o;
	*ret = NULL;
	return -EOPNOTSUPP;
}
static inline struct console *console_free(struct console *c)
{
	(void)c;
	return NULL;
}
static inline size_t console_poll_fds(struct console *c, struct pollfd *fds, size_t n)
{
	(void)c, (void)fds, (void)n;
	return 0;
}
static inline int console_timeout_ms(struct console *c)
{
	(void)c;
	return -1;
}
static inline int console_handle(struct console *c, const struct pollfd *fds, size_t n)
{
	(void)c, (void)fds, (void)n;
	return 0;
}
#endif

/* console_run - serve the console until it is finished (folio console); returns 0 or -errno */
int console_run(struct console *c);

/*
 * For the command handlers of CMD_SESSION verbs (env->session, struct cmd_session):
 */

/*
 * console_config_set - check KEY = VALUE against the configuration table and keep it for
 * 'config save'; applies it at once when it can. Says what happened on @out; explains a
 * refusal with log_err(). Returns 0, -EINVAL or -ENOENT.
 */
int console_config_set(struct console *c, const char *key, const char *value, FILE *out);

/* console_config_save - write the kept changes to the configuration file; 0 or -errno */
int console_config_save(struct console *c, FILE *out);

/* console_config_pending - list the changes kept for 'config save' on @out */
void console_config_pending(struct console *c, FILE *out);

/* console_logout - end the session when the running command returns */
void console_logout(struct console *c);

#endif
