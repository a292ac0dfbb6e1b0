#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/config/config.h"
#include "firmware/accounts/accounts.h"
#include "firmware/config/confedit.h"
#include "firmware/console/console.h"
#include "firmware/store/store.h"
#include "firmware/console/lineedit.h"
#include "firmware/console/tty.h"
#include "firmware/console/words.h"

#define OUT_MAX (64u << 10) /* output waiting for the terminal */
#define CHILD_CHUNK 4096    /* read from a command when this much room is left */
#define COLUMNS 80
#define MAX_DELAY_MS 30000 /* longest wait after failed logins */
#define WAIT_POLL_MS 100   /* how often a running command is checked on */
#define KILL_AFTER_MS 3000 /* SIGKILL this long after SIGINT when a command ignores it */
#define EOF_GRACE_MS 2000  /* output read after the command exited */
#define MAX_PENDING 32	   /* 'config set' changes kept for 'config save' */
#define MAX_ENV 256

enum state {
	S_DETACHED, /* no terminal (serial line unplugged) */
	S_USER,	    /* login: */
	S_PASSWORD, /* password: */
	S_WAIT,	    /* after a failed login */
	S_SHELL,    /* a technician is logged in */
	S_CONFIRM,  /* "type yes" before a board action */
	S_RUNNING,  /* a command runs */
	S_FINISHED, /* own terminal only: done */
};

struct pending {
	char key[96];
	char value[LINEEDIT_MAX + 1];
};

struct console {
	struct cmd_session session; /* first: what the commands run inside see of it */
	struct console_options o;
	char folio[PATH_MAX];
	char tty[PATH_MAX];
	bool own; /* a terminal given by fd */
	int in_fd, out_fd;
	bool raw;
	struct termios saved;
	int64_t retry_at;
	bool warned; /* about a serial line that cannot be opened */

	enum state state;
	struct lineedit le;
	struct lineedit_ops ops;
	char user[ACCOUNT_NAME_MAX + 1];
	char login[ACCOUNT_NAME_MAX + 1];
	unsigned failures;
	int64_t wait_until, locked_until, last_input;
	bool logout_requested;

	/* The command running. */
	pid_t child;
	int child_fd;
	int64_t last_output, reaped_at, int_at, kill_at;
	int child_status;
	bool interrupted;
	char confirm[LINEEDIT_MAX + 1];

	/* Output waiting for the terminal. */
	char out[OUT_MAX];
	size_t out_len;
	unsigned col;

	struct pending pending[MAX_PENDING];
	size_t n_pending;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool attached(const struct console *c)
{
	return c->in_fd >= 0;
}

/* Queues bytes as they are (the line editor's echo: already CR LF). */
static void put_raw(struct console *c, const char *s, size_t n)
{
	if (!attached(c))
		return;
	if (n > OUT_MAX - c->out_len)
		n = OUT_MAX - c->out_len; /* a terminal that reads nothing loses output */
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			c->col = 0;
		else if (s[i] == '\b')
			c->col = c->col ? c->col - 1 : 0;
		else if (((unsigned char)s[i] & 0xc0) != 0x80 && (unsigned char)s[i] >= 0x20)
			c->col++;
	}
}

/*
 * Queues text for people: LF becomes CR LF, CR stays (progress lines), lines wrap at 80
 * columns, tabs become spaces, other control characters become '?'.
 */
static void put_text(struct console *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n') {
			put_raw(c, "\r\n", 2);
			continue;
		}
		if (ch == '\r') { /* progress lines rewrite themselves */
			put_raw(c, "\r", 1);
			continue;
		}
		if (ch == '\t') {
			do
				put_text(c, " ", 1);
			while (c->col % 8);
			continue;
		}
		if (ch < 0x20 || ch == 0x7f)
			ch = '?';
		if (c->col >= COLUMNS && (ch & 0xc0) != 0x80)
			put_raw(c, "\r\n", 2);
		put_raw(c, (const char *)&ch, 1);
	}
}

static void say(struct console *c, const char *fmt, ...) _printf_(2, 3);

/* One line for the technician (a newline is added). */
static void say(struct console *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = MIN(n, (int)sizeof(line) - 2);
	if (c->col)
		put_raw(c, "\r\n", 2);
	line[n++] = '\n';
	put_text(c, line, (size_t)n);
}

/* Ends the line the cursor is on, or adds an empty line. */
static void newline(struct console *c)
{
	put_raw(c, "\r\n", 2);
}

static void echo(const char *s, size_t n, void *user)
{
	put_raw(user, s, n);
}

static void event(struct console *c, const char *who, const char *what, const char *fmt, ...)
    _printf_(4, 5);

static void event(struct console *c, const char *who, const char *what, const char *fmt, ...)
{
	char detail[256];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	r = c->o.store ? store_event_add(c->o.store, who, what, 0, 0, 0, "%s", detail) : 0;
	if (r < 0)
		log_warn("console: cannot record '%s' in the event log: %s", what,
			 folio_strerror(r));
}

static const char *where(const struct console *c)
{
	return c->own ? "local terminal" : c->tty;
}

/*
 * Completion of verbs and sub-verbs from the command table.
 */

static bool seen_before(const char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static size_t complete(const char *line, const char **ret, size_t max, void *user)
{
	const struct command *t;
	const char *p = line, *w1 = NULL, *w2 = NULL;
	size_t n, found = 0, l1 = 0, l2 = 0;

	(void)user;
	t = cmd_table(&n);
	/* Up to two words: the verb and the word being typed. */
	while (*p == ' ')
		p++;
	w1 = p;
	while (*p && *p != ' ')
		p++;
	l1 = (size_t)(p - w1);
	if (*p) {
		while (*p == ' ')
			p++;
		w2 = p;
		while (*p && *p != ' ')
			p++;
		l2 = (size_t)(p - w2);
		if (*p)
			return 0; /* arguments: not completed */
	}
	for (size_t i = 0; i < n && found < max; i++) {
		const char *cand;

		if (t[i].needs & CMD_NOT_IN_CONSOLE)
			continue;
		if (!w2) {
			cand = t[i].verb;
			if (strncmp(cand, w1, l1) != 0)
				continue;
		} else {
			if (!t[i].sub || strlen(t[i].verb) != l1 || strncmp(t[i].verb, w1, l1) != 0)
				continue;
			cand = t[i].sub;
			if (strncmp(cand, w2, l2) != 0)
				continue;
		}
		if (!seen_before(ret, found, cand))
			ret[found++] = cand;
	}
	if (!w2 && strncmp("help", w1, l1) == 0 && found < max)
		ret[found++] = "help";
	return found;
}

/*
 * The terminal
 */

static int find_folio(const struct console_options *o, char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (o->folio_path) {
		if ((size_t)snprintf(buf, size, "%s", o->folio_path) >= size)
			return -ENAMETOOLONG;
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -errno;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (!slash)
			return -ENOENT;
		*slash = '\0';
		if ((size_t)snprintf(buf, size, "%s/folio", self) >= size)
			return -ENAMETOOLONG;
	}
	return access(buf, X_OK) < 0 ? -errno : 0;
}

static void prompt_login(struct console *c)
{
	c->state = S_USER;
	c->login[0] = '\0';
	lineedit_start(&c->le, "login: ", 0);
}

static void prompt_shell(struct console *c)
{
	char p[LINEEDIT_PROMPT];

	c->state = S_SHELL;
	snprintf(p, sizeof(p), "%s> ", c->o.cfg->station_id[0] ? c->o.cfg->station_id : "folio");
	lineedit_start(&c->le, p, 0);
}

static void banner(struct console *c)
{
	const struct folio_config *cfg = c->o.cfg;

	newline(c);
	say(c, "Folio station %s (office %s), technician console. Log in to continue.",
	    cfg->station_id, cfg->office);
	prompt_login(c);
}

static void attach(struct console *c, int in_fd, int out_fd)
{
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->out_len = 0;
	c->col = 0;
	c->last_input = now_ms();
	lineedit_init(&c->le, &c->ops);
	banner(c);
}

static void open_tty(struct console *c)
{
	int fd, r;

	r = tty_open(c->tty, c->o.baud ? c->o.baud : 115200, &fd);
	if (r < 0) {
		if (!c->warned)
			log_warn("console: cannot open serial line '%s': %s; trying again every "
				 "%u s",
				 c->tty, folio_strerror(r), (c->o.retry_ms ?: 3000) / 1000);
		c->warned = true;
		c->retry_at = now_ms() + (c->o.retry_ms ?: 3000);
		return;
	}
	if (c->warned)
		log_info("console: serial line '%s' is back", c->tty);
	c->warned = false;
	attach(c, fd, fd);
}

static void stop_child(struct console *c, int sig)
{
	/* Its process group; the child itself when it has not made the group yet. */
	if (c->child > 0 && kill(-c->child, sig) < 0 && errno == ESRCH)
		kill(c->child, sig);
}

/* A session ends: its unsaved 'config set' changes go with it, never to the next user. */
static void forget_session(struct console *c)
{
	c->user[0] = '\0';
	explicit_bzero(c->pending, sizeof(c->pending));
	c->n_pending = 0;
}

/* The terminal is gone: end the session, let a running command be interrupted. */
static void hangup(struct console *c, const char *why)
{
	if (c->user[0])
		event(c, c->user, "console-logout", "%s on %s", why, where(c));
	forget_session(c);
	if (c->child > 0 && !c->interrupted) {
		stop_child(c, SIGINT);
		c->interrupted = true;
		c->kill_at = now_ms() + KILL_AFTER_MS;
	}
	c->out_len = 0;
	if (c->own) {
		c->in_fd = -1;
		c->state = c->child > 0 ? S_RUNNING : S_FINISHED;
		return;
	}
	log_info("console: serial line '%s' hung up (%s); waiting for it", c->tty, why);
	close(c->in_fd);
	c->in_fd = c->out_fd = -1;
	c->state = c->child > 0 ? S_RUNNING : S_DETACHED;
	c->retry_at = now_ms() + (c->o.retry_ms ?: 3000);
}

static void flush_out(struct console *c)
{
	while (attached(c) && c->out_len) {
		ssize_t w = write(c->out_fd, c->out, c->out_len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				hangup(c, "line error");
			return;
		}
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
}

/*
 * Session
 */

static void end_session(struct console *c, const char *why)
{
	event(c, c->user, "console-logout", "%s on %s", why, where(c));
	if (c->n_pending)
		say(c, "%s: logged out; %zu unsaved 'config set' change%s dropped", why,
		    c->n_pending, c->n_pending == 1 ? "" : "s");
	else
		say(c, "%s: logged out", why);
	forget_session(c);
	c->logout_requested = false;
	if (c->own) {
		c->state = S_FINISHED;
		return;
	}
	banner(c);
}

static void after_command(struct console *c)
{
	if (c->logout_requested) {
		end_session(c, "logout");
		return;
	}
	prompt_shell(c);
}

/*
 * What was typed ahead of a prompt: the kernel's queue is emptied (the rest of the bytes read
 * with it are dropped by input() in S_WAIT). After a failed login a technician who types on
 * would put a password at the login prompt, where it is echoed.
 */
static void drop_type_ahead(struct console *c)
{
	if (attached(c))
		(void)tcflush(c->in_fd, TCIFLUSH);
}

/* The delay after a failed login: nothing is read or echoed, then a fresh login prompt. */
static void wait_after_failure(struct console *c, int64_t delay)
{
	drop_type_ahead(c);
	c->state = S_WAIT;
	c->wait_until = now_ms() + delay;
}

static void login_failed(struct console *c)
{
	const struct folio_config *cfg = c->o.cfg;
	unsigned max = (unsigned)MAX(cfg->console_max_failures, 1);
	int64_t delay;

	c->failures++;
	event(c, "console", "console-login-failed", "login as '%s' on %s failed (%u in a row)",
	      c->login, where(c), c->failures);
	delay = (int64_t)cfg->console_failure_delay_ms << MIN(c->failures - 1, 10u);
	delay = MIN(delay, (int64_t)MAX_DELAY_MS);
	if (c->failures >= max) {
		c->locked_until = now_ms() + (int64_t)cfg->console_lockout_seconds * 1000;
		event(c, "console", "console-lockout", "%u failed logins on %s: locked for %d s",
		      c->failures, where(c), cfg->console_lockout_seconds);
		log_warn("console: %u failed logins on %s: locked for %d s", c->failures, where(c),
			 cfg->console_lockout_seconds);
		say(c, "login incorrect: %u failed logins, console locked for %d second%s",
		    c->failures, cfg->console_lockout_seconds,
		    cfg->console_lockout_seconds == 1 ? "" : "s");
		c->failures = 0;
		wait_after_failure(c, delay);
		return;
	}
	say(c, "login incorrect");
	wait_after_failure(c, delay);
}

static void check_password(struct console *c, const char *password)
{
	const char *file = c->o.cfg->console_accounts_file;
	int r = accounts_verify(file, c->login, password);

	switch (r) {
	case 0:
		c->failures = 0;
		snprintf(c->user, sizeof(c->user), "%s", c->login);
		event(c, c->user, "console-login", "on %s", where(c));
		say(c, "Welcome, %s. 'help' lists the commands, 'logout' ends the session.",
		    c->user);
		prompt_shell(c);
		return;
	case -EACCES:
		login_failed(c);
		return;
	case -ENOENT:
		say(c,
		    "no technician accounts yet ('%s' does not exist): create one with "
		    "'folio console passwd USER'",
		    file);
		break;
	case -EPERM:
		say(c,
		    "accounts file '%s' is readable by group or others: no login until "
		    "'chmod 600 %s'",
		    file, file);
		break;
	case -FOLIO_EFORMAT:
		say(c,
		    "accounts file '%s' is damaged: set the passwords again with "
		    "'folio console passwd USER'",
		    file);
		break;
	default:
		say(c, "cannot check the password: '%s': %s", file, folio_strerror(r));
		break;
	}
	log_err("console: login refused on %s: accounts file '%s': %s", where(c), file,
		folio_strerror(r));
	event(c, "console", "console-login-refused", "accounts file: %s", folio_strerror(r));
	prompt_login(c);
}

static void login_line(struct console *c, const char *line)
{
	int64_t now = now_ms();

	if (c->state == S_USER) {
		if (!line[0]) {
			prompt_login(c);
			return;
		}
		if (c->locked_until > now) {
			long long left = (c->locked_until - now + 999) / 1000;

			say(c,
			    "console locked after too many failed logins: try again in %lld "
			    "second%s",
			    left, left == 1 ? "" : "s");
			prompt_login(c);
			return;
		}
		snprintf(c->login, sizeof(c->login), "%s", line);
		c->state = S_PASSWORD;
		lineedit_start(&c->le, "password: ", LINEEDIT_SECRET);
		return;
	}
	check_password(c, line);
}

/*
 * Commands
 */

static void strip_log_prefix(struct console *c, const char *s, size_t n)
{
	/* Journal priority prefixes ("<3>") mean nothing on a terminal. */
	while (n) {
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) + 1 : n;

		if (len >= 3 && s[0] == '<' && s[1] >= '0' && s[1] <= '7' && s[2] == '>')
			put_text(c, s + 3, len - 3);
		else
			put_text(c, s, len);
		s += len;
		n -= len;
	}
}

/* Runs a CMD_SESSION command inside the console; its log messages are shown too. */
static void run_inline(struct console *c, int argc, char **argv)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct cmd_env env = {
		.config_path = c->o.config_path,
		.store_dir = c->o.store_dir,
		.who = c->user,
		.cfg = c->o.cfg,
		.store = c->o.store,
		.session = &c->session,
	};
	int efd, saved = -1;

	env.out = open_memstream(&buf, &len);
	if (!env.out) {
		say(c, "out of memory");
		return;
	}
	efd = memfd_create("console-log", MFD_CLOEXEC);
	fflush(stderr);
	if (efd >= 0)
		saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved >= 0)
		dup2(efd, STDERR_FILENO);
	(void)cmd_dispatch(&env, argc, argv);
	if (argc >= 2 && strcmp(argv[0], "config") == 0 && strcmp(argv[1], "show") == 0)
		console_config_pending(c, env.out);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	fclose(env.out);
	env.out = NULL;
	put_text(c, buf, len);
	if (efd >= 0) {
		char log[4096];
		ssize_t n = pread(efd, log, sizeof(log), 0);

		if (n > 0)
			strip_log_prefix(c, log, (size_t)n);
		close(efd);
	}
}

/* A pseudo-terminal for a command's output: @p[0] the side we read, @p[1] its side. */
static int open_output(int p[2])
{
	struct termios t;
	int m, s;

	if (openpty(&m, &s, NULL, NULL, NULL) < 0)
		return -1;
	if (tcgetattr(s, &t) == 0) {
		cfmakeraw(&t);
		(void)tcsetattr(s, TCSANOW, &t);
	}
	if (fcntl(m, F_SETFD, FD_CLOEXEC) < 0 || fcntl(s, F_SETFD, FD_CLOEXEC) < 0) {
		close(m);
		close(s);
		return -1;
	}
	p[0] = m;
	p[1] = s;
	return 0;
}

static bool env_skipped(const char *e)
{
	static const char *const names[] = { "FOLIO_USER=",    "FOLIO_CONFIG=", "JOURNAL_STREAM=",
					     "COLUMNS=",       "LINES=",	"NOTIFY_SOCKET=",
					     "WATCHDOG_USEC=", "WATCHDOG_PID=", "LISTEN_FDS=" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strncmp(e, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

/*
 * Starts `folio ARGS` with its output to a pseudo-terminal, so that it is line-buffered as
 * on a terminal and what a command prints comes in the order it printed it; 0 or -errno.
 */
static int spawn(struct console *c, int argc, char **argv, bool confirmed)
{
	extern char **environ;
	char *args[WORDS_MAX + 8], *envp[MAX_ENV + 8];
	char user_env[64], started_env[64];
	size_t na = 0, ne = 0;
	int p[2], devnull;
	pid_t pid;

	args[na++] = c->folio;
	args[na++] = (char *)"--config";
	args[na++] = (char *)c->o.config_path;
	if (c->o.store_dir) {
		args[na++] = (char *)"--store";
		args[na++] = (char *)c->o.store_dir;
	}
	for (int i = 0; i < argc && na < ARRAY_SIZE(args) - 2; i++)
		args[na++] = argv[i];
	if (confirmed)
		args[na++] = (char *)"--yes";
	args[na] = NULL;

	for (char **e = environ; *e && ne < MAX_ENV; e++)
		if (!env_skipped(*e))
			envp[ne++] = *e;
	snprintf(user_env, sizeof(user_env), "FOLIO_USER=%s", c->user);
	envp[ne++] = user_env;
	envp[ne++] = (char *)"COLUMNS=80";
	if (c->o.started) {
		snprintf(started_env, sizeof(started_env), "FOLIO_DAEMON_STARTED=%lld",
			 (long long)c->o.started);
		envp[ne++] = started_env;
	}
	envp[ne] = NULL;

	if (open_output(p) < 0)
		return -errno;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		close(devnull);
		return r;
	}
	if (pid == 0) {
		/* The child: only async-signal-safe calls until execve(). */
		sigset_t none;
		static const char msg[] = "folio: cannot run the folio program\n";

		setsid(); /* its own process group, without a controlling terminal */
		dup2(devnull, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execve(c->folio, args, envp);
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(127);
	}
	close(p[1]);
	close(devnull);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	c->child = pid;
	c->child_fd = p[0];
	c->last_output = now_ms();
	c->reaped_at = 0;
	c->int_at = 0;
	c->kill_at = 0;
	c->interrupted = false;
	c->state = S_RUNNING;
	return 0;
}

static void run_words(struct console *c, int argc, char **argv, bool confirmed)
{
	const struct command *cmd = cmd_find(argc, argv);
	int r;

	if (cmd && (cmd->needs & CMD_SESSION)) {
		char *args[WORDS_MAX + 2];
		int n = 0;

		for (; n < argc && n < WORDS_MAX; n++)
			args[n] = argv[n];
		if (confirmed)
			args[n++] = (char *)"--yes";
		args[n] = NULL;
		run_inline(c, n, args);
		after_command(c);
		return;
	}
	r = spawn(c, argc, argv, confirmed);
	if (r < 0) {
		say(c, "cannot start the command: %s", folio_strerror(r));
		prompt_shell(c);
	}
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/*
 * 'config set store.path DIR' to another folder moves the station to another store (a new,
 * empty one when none is there): say so and ask first. True when it asked.
 */
static bool moves_store(struct console *c, const struct command *cmd, int argc, char **argv)
{
	char notice[3 * PATH_MAX], line[LINEEDIT_MAX + 1];
	size_t n = 0;

	if (!cmd || cmd->run != cmd_config_set || argc != 4 || strcmp(argv[2], "store.path") != 0)
		return false; /* with --yes, --help or wrong usage: as it is */
	if (!confedit_store_path_notice(c->o.cfg->store_path, argv[3], notice, sizeof(notice)))
		return false;
	/* The words again, quoted: the confirmed line is split once more. */
	for (int i = 0; i < argc && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s'%s'", i ? " " : "", argv[i]);
	if (n >= sizeof(line) || strchr(argv[3], '\'')) {
		say(c, "a store.path with a quote cannot be confirmed here: edit '%s'",
		    c->o.config_path);
		prompt_shell(c);
		return true;
	}
	snprintf(c->confirm, sizeof(c->confirm), "%s", line);
	c->state = S_CONFIRM;
	say(c, "%s.", notice);
	lineedit_start(&c->le, "type 'yes' to go on: ", 0);
	return true;
}

static void shell_line(struct console *c, const char *line)
{
	char buf[LINEEDIT_MAX + 1], *argv[WORDS_MAX];
	const struct command *cmd;
	int argc;

	argc = words_split(line, buf, sizeof(buf), argv, ARRAY_SIZE(argv));
	if (argc == 0) {
		prompt_shell(c);
		return;
	}
	lineedit_history_add(&c->le, line);
	event(c, c->user, "console-command", "%s", line);
	if (argc < 0) {
		say(c, "%s", words_error(argc));
		prompt_shell(c);
		return;
	}
	if (argc == 1 && strcmp(argv[0], "exit") == 0) {
		end_session(c, "logout");
		return;
	}
	cmd = cmd_find(argc, argv);
	if (cmd && (cmd->needs & CMD_NOT_IN_CONSOLE)) {
		say(c, "'%s%s%s' needs a shell of its own: run 'folio %s%s%s' there", cmd->verb,
		    cmd->sub ? " " : "", cmd->sub ? cmd->sub : "", cmd->verb, cmd->sub ? " " : "",
		    cmd->sub ? cmd->sub : "");
		prompt_shell(c);
		return;
	}
	if (moves_store(c, cmd, argc, argv))
		return;
	if (cmd && (cmd->needs & CMD_CONFIRM) && !wants_help(argc, argv)) {
		snprintf(c->confirm, sizeof(c->confirm), "%s", line);
		c->state = S_CONFIRM;
		say(c, "'%s' acts on the whole station.", cmd->verb);
		lineedit_start(&c->le, "type 'yes' to go on: ", 0);
		return;
	}
	run_words(c, argc, argv, false);
}

static void confirm_line(struct console *c, const char *line)
{
	char buf[LINEEDIT_MAX + 1], *argv[WORDS_MAX];
	int argc;

	if (strcmp(line, "yes") != 0) {
		say(c, "not confirmed: nothing done");
		prompt_shell(c);
		return;
	}
	event(c, c->user, "console-confirm", "%s", c->confirm);
	argc = words_split(c->confirm, buf, sizeof(buf), argv, ARRAY_SIZE(argv));
	if (argc <= 0) {
		prompt_shell(c);
		return;
	}
	run_words(c, argc, argv, true);
}

/* The command ended: say how, when it was not the usual way. */
static void command_done(struct console *c)
{
	int st = c->child_status;

	if (c->child_fd >= 0) {
		close(c->child_fd);
		c->child_fd = -1;
	}
	c->child = 0;
	if (!attached(c)) {
		c->state = c->own ? S_FINISHED : S_DETACHED;
		return;
	}
	if (c->interrupted)
		say(c, "interrupted");
	else if (WIFSIGNALED(st))
		say(c, "the command was ended by signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else if (c->col)
		put_raw(c, "\r\n", 2);
	c->last_input = now_ms();
	after_command(c);
}

static void read_child(struct console *c)
{
	char buf[CHILD_CHUNK];

	while (c->child_fd >= 0 && OUT_MAX - c->out_len >= CHILD_CHUNK * 2) {
		ssize_t n = read(c->child_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EIO)
			return;
		if (n <= 0) { /* EIO: every writer closed the pseudo-terminal */
			close(c->child_fd);
			c->child_fd = -1;
			return;
		}
		c->last_output = now_ms();
		put_text(c, buf, (size_t)n);
	}
}

static void check_child(struct console *c)
{
	int64_t now = now_ms();
	int st;

	if (c->child <= 0)
		return;
	if (!c->reaped_at && waitpid(c->child, &st, WNOHANG) == c->child) {
		c->child_status = st;
		c->reaped_at = now;
		/* What the command's own children still run goes with it. */
		kill(-c->child, SIGKILL);
	}
	if (c->kill_at && now >= c->kill_at && !c->reaped_at) {
		stop_child(c, SIGKILL);
		c->kill_at = 0;
	}
	if (c->reaped_at && (c->child_fd < 0 || now - c->reaped_at >= EOF_GRACE_MS)) {
		command_done(c);
		return;
	}
	if (attached(c) && !c->reaped_at && c->o.progress_ms != UINT_MAX &&
	    now - c->last_output >= (int64_t)(c->o.progress_ms ?: 10000)) {
		say(c, "... still running; Ctrl-C stops it");
		c->last_output = now;
	}
}

static void interrupt(struct console *c)
{
	int64_t now = now_ms();

	put_raw(c, "^C", 2);
	if (c->int_at && now - c->int_at >= 2000) {
		stop_child(c, SIGKILL);
	} else {
		stop_child(c, SIGINT);
		if (!c->int_at)
			c->int_at = now;
		c->kill_at = now + KILL_AFTER_MS;
	}
	c->interrupted = true;
}

static void line_done(struct console *c, enum lineedit_result res)
{
	switch (res) {
	case LINEEDIT_MORE:
		return;
	case LINEEDIT_REFUSED:
		say(c, "%s", lineedit_refusal(&c->le));
		break;
	case LINEEDIT_CANCEL:
		break;
	case LINEEDIT_EOF:
		if (c->state == S_SHELL || c->state == S_CONFIRM) {
			end_session(c, "logout");
			return;
		}
		if (c->own) {
			c->state = S_FINISHED;
			return;
		}
		break;
	case LINEEDIT_LINE:
		switch (c->state) {
		case S_USER:
		case S_PASSWORD:
			login_line(c, lineedit_line(&c->le));
			return;
		case S_SHELL:
			shell_line(c, lineedit_line(&c->le));
			return;
		case S_CONFIRM:
			confirm_line(c, lineedit_line(&c->le));
			return;
		default:
			return;
		}
	}
	/* Refused or cancelled: ask again. */
	if (c->state == S_SHELL || c->state == S_CONFIRM)
		prompt_shell(c);
	else
		prompt_login(c);
}

static void input(struct console *c, const unsigned char *b, size_t n)
{
	c->last_input = now_ms();
	for (size_t i = 0; i < n && attached(c); i++) {
		switch (c->state) {
		case S_RUNNING:
			if (b[i] == 0x03)
				interrupt(c);
			continue; /* type-ahead is not kept */
		case S_WAIT:
		case S_DETACHED:
		case S_FINISHED:
			continue;
		default:
			line_done(c, lineedit_feed(&c->le, b[i]));
		}
	}
}

/* @hup: poll() reported a hangup (the data before it is still read). */
static void read_input(struct console *c, bool hup)
{
	unsigned char buf[512];
	ssize_t n;

	n = read(c->in_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		hangup(c, n == 0 && !hup ? "end of input" : "line hung up");
		return;
	}
	input(c, buf, (size_t)n);
}

static void timers(struct console *c)
{
	const struct folio_config *cfg = c->o.cfg;
	int64_t now = now_ms();

	if (c->state == S_DETACHED && !c->own && now >= c->retry_at) {
		open_tty(c);
		return;
	}
	if (c->state == S_WAIT && now >= c->wait_until) {
		drop_type_ahead(c); /* typed during the delay: never shown */
		prompt_login(c);
	}
	if (cfg->console_idle_logout_seconds > 0 &&
	    now - c->last_input >= (int64_t)cfg->console_idle_logout_seconds * 1000) {
		if (c->state == S_SHELL || c->state == S_CONFIRM) {
			char why[64];

			snprintf(why, sizeof(why), "idle for %d second%s",
				 cfg->console_idle_logout_seconds,
				 cfg->console_idle_logout_seconds == 1 ? "" : "s");
			end_session(c, why);
		} else if (c->state == S_PASSWORD) {
			newline(c);
			prompt_login(c);
			c->last_input = now;
		}
	}
}

/*
 * Public
 */

/* The session as the commands run inside it see it (struct cmd_session is its first member). */
static int session_config_set(struct cmd_session *s, const char *key, const char *value, FILE *out)
{
	return console_config_set((struct console *)s, key, value, out);
}

static int session_config_save(struct cmd_session *s, FILE *out)
{
	return console_config_save((struct console *)s, out);
}

static void session_logout(struct cmd_session *s)
{
	console_logout((struct console *)s);
}

int console_new(const struct console_options *o, struct console **ret)
{
	struct console *c;
	int r;

	if (o->tty && !tty_speed_valid(o->baud ? o->baud : 115200))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->session = (struct cmd_session){ .config_set = session_config_set,
					   .config_save = session_config_save,
					   .logout = session_logout };
	c->o = *o;
	c->in_fd = c->out_fd = c->child_fd = -1;
	c->ops = (struct lineedit_ops){ .write = echo, .complete = complete, .user = c };
	r = find_folio(o, c->folio, sizeof(c->folio));
	if (r < 0) {
		free(c);
		return -ENOENT;
	}
	if (o->tty) {
		snprintf(c->tty, sizeof(c->tty), "%s", o->tty);
		c->state = S_DETACHED;
		open_tty(c);
	} else {
		c->own = true;
		if (isatty(o->in_fd) && tty_make_raw(o->in_fd, &c->saved) == 0)
			c->raw = true;
		attach(c, o->in_fd, o->out_fd);
	}
	*ret = c;
	return 0;
}

struct console *console_free(struct console *c)
{
	if (!c)
		return NULL;
	if (c->child > 0) {
		stop_child(c, SIGKILL);
		if (!c->reaped_at)
			waitpid(c->child, NULL, 0);
	}
	if (c->child_fd >= 0)
		close(c->child_fd);
	if (c->user[0])
		event(c, c->user, "console-logout", "console closed on %s", where(c));
	if (attached(c)) {
		say(c, "console closed");
		flush_out(c);
	}
	if (c->raw)
		tty_restore(c->o.in_fd, &c->saved);
	if (!c->own && c->in_fd >= 0)
		close(c->in_fd);
	free(c);
	return NULL;
}

size_t console_poll_fds(struct console *c, struct pollfd *fds, size_t n)
{
	size_t k = 0;

	if (!c || c->state == S_FINISHED)
		return 0;
	if (attached(c) && k < n) {
		short ev = 0;

		if (c->out_len < OUT_MAX / 2 || c->state == S_RUNNING)
			ev |= POLLIN;
		if (c->out_len && c->out_fd == c->in_fd)
			ev |= POLLOUT;
		fds[k++] = (struct pollfd){ .fd = c->in_fd, .events = ev };
		if (c->out_len && c->out_fd != c->in_fd && k < n)
			fds[k++] = (struct pollfd){ .fd = c->out_fd, .events = POLLOUT };
	}
	if (c->child_fd >= 0 && k < n && OUT_MAX - c->out_len >= CHILD_CHUNK * 2)
		fds[k++] = (struct pollfd){ .fd = c->child_fd, .events = POLLIN };
	return k;
}

static int64_t earlier(int64_t a, int64_t b)
{
	return a < 0 ? b : b < 0 ? a : MIN(a, b);
}

int console_timeout_ms(struct console *c)
{
	const struct folio_config *cfg;
	int64_t now, t = -1;

	if (!c || c->state == S_FINISHED)
		return -1;
	cfg = c->o.cfg;
	now = now_ms();
	if (c->state == S_DETACHED && !c->own)
		t = earlier(t, c->retry_at - now);
	if (c->state == S_WAIT)
		t = earlier(t, c->wait_until - now);
	if (c->child > 0)
		t = earlier(t, WAIT_POLL_MS);
	if (cfg->console_idle_logout_seconds > 0 &&
	    (c->state == S_SHELL || c->state == S_CONFIRM || c->state == S_PASSWORD))
		t = earlier(t,
			    c->last_input + (int64_t)cfg->console_idle_logout_seconds * 1000 - now);
	if (t < 0 && t != -1)
		t = 0;
	return t > INT_MAX ? INT_MAX : (int)t;
}

int console_handle(struct console *c, const struct pollfd *fds, size_t n)
{
	if (!c)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == c->child_fd && c->child_fd >= 0) {
			read_child(c);
		} else if (fds[i].fd == c->in_fd && attached(c)) {
			if (fds[i].revents & POLLIN)
				read_input(c, fds[i].revents & (POLLHUP | POLLERR));
			else if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL))
				hangup(c, "line hung up");
			if (attached(c) && (fds[i].revents & POLLOUT))
				flush_out(c);
		} else if (fds[i].fd == c->out_fd && attached(c)) {
			if (fds[i].revents & (POLLERR | POLLNVAL))
				hangup(c, "line hung up");
			else
				flush_out(c);
		}
	}
	check_child(c);
	timers(c);
	flush_out(c);
	return c->state == S_FINISHED ? 1 : 0;
}

int console_run(struct console *c)
{
	for (;;) {
		struct pollfd fds[CONSOLE_POLL_FDS];
		size_t n = console_poll_fds(c, fds, ARRAY_SIZE(fds));
		int r;

		if (c->state == S_FINISHED)
			return 0;
		r = poll(fds, n, console_timeout_ms(c));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (console_handle(c, fds, r > 0 ? n : 0) > 0)
			return 0;
	}
}

/*
 * Session commands
 */

/* Keys that take effect at once in the running station. */
static bool live_key(const char *key)
{
	return strcmp(key, "station.log_level") == 0 || strncmp(key, "console.", 8) == 0;
}

int console_config_set(struct console *c, const char *key, const char *value, FILE *out)
{
	_cleanup_free_ struct folio_config *copy = malloc(sizeof(*copy));
	char why[CONFIG_PROBLEM_LEN];
	struct pending *p = NULL;
	bool live =
	    live_key(key) && strcmp(key, "console.tty") != 0 && strcmp(key, "console.baud") != 0;
	int r;

	if (!copy)
		return log_errno(-ENOMEM, "out of memory");
	if (strlen(key) >= sizeof(c->pending[0].key))
		return log_errno(-ENOENT, "unknown key '%.40s...'", key);
	*copy = *c->o.cfg;
	r = config_set(copy, key, value, why, sizeof(why));
	if (r < 0)
		return log_errno(r, "cannot set '%s': %s", key, why);
	for (size_t i = 0; i < c->n_pending; i++)
		if (strcmp(c->pending[i].key, key) == 0)
			p = &c->pending[i];
	if (!p) {
		if (c->n_pending >= MAX_PENDING)
			return log_errno(-E2BIG, "%d changes are waiting: 'config save' them first",
					 MAX_PENDING);
		p = &c->pending[c->n_pending++];
	}
	snprintf(p->key, sizeof(p->key), "%s", key);
	snprintf(p->value, sizeof(p->value), "%s", value);
	if (live) {
		*c->o.cfg = *copy;
		if (strcmp(key, "station.log_level") == 0)
			log_set_level(c->o.cfg->log_level);
		fprintf(out, "%s = %s: in effect now; 'config save' keeps it\n", key, value);
	} else {
		fprintf(out, "%s = %s: kept for 'config save'\n", key, value);
		fprintf(out, "foliod and commands use it once saved and foliod restarted\n");
	}
	return 0;
}

int console_config_save(struct console *c, FILE *out)
{
	struct confedit_change ch[MAX_PENDING];
	char why[CONFIG_PROBLEM_LEN + 64], notice[3 * PATH_MAX];
	int r;

	if (c->n_pending == 0) {
		fprintf(out, "nothing to save: no 'config set' since the last save\n");
		return 0;
	}
	for (size_t i = 0; i < c->n_pending; i++)
		ch[i] = (struct confedit_change){ c->pending[i].key, c->pending[i].value };
	r = confedit_save(c->o.config_path, ch, c->n_pending, why, sizeof(why));
	if (r < 0)
		return log_errno(r, "not saved: %s", why);
	for (size_t i = 0; i < c->n_pending; i++)
		event(c, c->user, "config-set", "%s = %s", c->pending[i].key, c->pending[i].value);
	fprintf(out, "saved %zu change%s to '%s'\n", c->n_pending, c->n_pending == 1 ? "" : "s",
		c->o.config_path);
	for (size_t i = 0; i < c->n_pending; i++)
		if (strcmp(c->pending[i].key, "store.path") == 0 &&
		    confedit_store_path_notice(c->o.cfg->store_path, c->pending[i].value, notice,
					       sizeof(notice)))
			fprintf(out, "%s\n", notice);
	c->n_pending = 0;
	return 0;
}

void console_config_pending(struct console *c, FILE *out)
{
	if (!c->n_pending)
		return;
	fprintf(out, "\n# set in this session, not saved yet ('config save'):\n");
	for (size_t i = 0; i < c->n_pending; i++)
		fprintf(out, "# %s = %s\n", c->pending[i].key, c->pending[i].value);
}

void console_logout(struct console *c)
{
	c->logout_requested = true;
}
