/* requires: CONFIG_CONSOLE */
/*
 * The technician console driven through a pseudo-terminal, as a technician at a serial
 * terminal would: `folio console` on a terminal of its own, then foliod serving a "serial
 * line" (a pty behind a symlink named in [console] tty) whose cable is pulled and plugged
 * back.
 *
 * Wrong and right passwords, the growing delay and the lockout, every command of the table
 * (help and errors identical to `folio`), line editing (BS, DEL, Ctrl-U, history, Tab),
 * Ctrl-C during a long scan, binary noise, a 100 KB line, idle logout, the peer hanging up
 * mid-command, and the event log afterwards. The station's rules are the core's: approving a
 * batch whose document has no application number and rejecting one without a reason are
 * refused at the console in the same words as by `folio` (and the clerk UI, core_rules.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PASSWORD "correct-horse-7"
#define BUF_MAX (1u << 20)

static const char *build, *src, *tmp;
static char folio[4096], foliod[4096];

struct term {
	int fd;	   /* master side */
	pid_t pid; /* the program on the slave side */
	char *buf; /* everything read so far */
	size_t len, seen;
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static struct term *current;

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (current && current->len) {
		size_t from = current->len > 1500 ? current->len - 1500 : 0;

		fprintf(stderr, "--- last terminal output ---\n%.*s\n---\n",
			(int)(current->len - from), current->buf + from);
	}
	exit(1);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what is there for up to @ms; returns false at the end of the terminal. */
static bool pump(struct term *t, int ms)
{
	struct pollfd p = { .fd = t->fd, .events = POLLIN };
	char chunk[8192];
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return true;
	n = read(t->fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EIO || errno == EAGAIN)) {
		/* No one has the other side open (yet, or any more). */
		usleep(20000);
		return true;
	}
	if (n <= 0)
		return false;
	if (t->len + (size_t)n >= BUF_MAX) /* keep the newest half */
		fail("the console wrote more than %u bytes", BUF_MAX);
	memcpy(t->buf + t->len, chunk, (size_t)n);
	t->len += (size_t)n;
	t->buf[t->len] = '\0';
	return true;
}

/* Waits for @text after what earlier expect()s matched; returns where it starts. */
static const char *expect_ms(struct term *t, const char *text, int ms)
{
	int64_t end = now_ms() + ms;

	current = t;
	for (;;) {
		char *hit = memmem(t->buf + t->seen, t->len - t->seen, text, strlen(text));

		if (hit) {
			t->seen = (size_t)(hit - t->buf) + strlen(text);
			return hit;
		}
		if (now_ms() >= end)
			fail("no '%s' within %d ms", text, ms);
		if (!pump(t, 50))
			fail("the terminal ended while waiting for '%s'", text);
	}
}

static const char *expect(struct term *t, const char *text)
{
	return expect_ms(t, text, 10000);
}

/* Output since the last match, up to the next prompt "TEST-01> ". */
static char *until_prompt(struct term *t)
{
	size_t from = t->seen;
	const char *p = expect(t, "TEST-01> ");
	size_t n = (size_t)(p - (t->buf + from));
	char *s = malloc(n + 1);

	memcpy(s, t->buf + from, n);
	s[n] = '\0';
	return s;
}

static void send(struct term *t, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(t->fd, p, n);

		if (w < 0 && errno == EAGAIN) {
			pump(t, 10); /* the console echoes: read while writing */
			continue;
		}
		if (w < 0)
			fail("cannot write to the console: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
		pump(t, 0);
	}
}

static void sends(struct term *t, const char *s)
{
	send(t, s, strlen(s));
}

/* Runs a command at the prompt and returns its output (CR LF as LF). */
static char *run(struct term *t, const char *line)
{
	char *out, *r, *w;

	sends(t, line);
	sends(t, "\r");
	expect(t, "\r\n"); /* the echo of the line */
	out = until_prompt(t);
	for (r = w = out; *r; r++)
		if (*r != '\r')
			*w++ = *r;
	*w = '\0';
	return out;
}

/* Waits until a `scan` typed at @t has stored its first page (its progress line says so):
 * the feeder is paced at 30 pages a minute, so the scan is then waiting for its second. */
static void scan_feeding(struct term *t)
{
	sends(t, "scan\r");
	expect(t, "scan\r\n");
	expect(t, "page 1, 1 captured");
}

/* @s as the console shows it: lines wrapped at 80 columns. Takes @s, returns a new string. */
static char *wrap80(char *in)
{
	const char *s = in;
	char *out = malloc(strlen(s) * 2 + 1), *w = out;
	unsigned col = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			col = 0;
		} else if (((unsigned char)*s & 0xc0) != 0x80) {
			if (col == 80) {
				*w++ = '\n';
				col = 0;
			}
			col++;
		}
		*w++ = *s;
	}
	*w = '\0';
	free(in);
	return out;
}

static void must_contain(const char *what, const char *out, const char *text)
{
	if (!strstr(out, text))
		fail("'%s' said:\n%s\n(expected '%s')", what, out, text);
}

/* Runs @argv on a new pseudo-terminal, its controlling terminal, as a login would. */
static struct term *spawn(char *const argv[])
{
	struct term *t = calloc(1, sizeof(*t));
	int m, s;

	t->buf = malloc(BUF_MAX + 1);
	if (openpty(&m, &s, NULL, NULL, NULL) < 0)
		fail("openpty: %s", strerror(errno));
	t->pid = fork();
	if (t->pid == 0) {
		setsid();
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		close(m);
		close(s);
		execv(argv[0], argv);
		_exit(127);
	}
	close(s);
	t->fd = m;
	fcntl(m, F_SETFL, O_NONBLOCK);
	return t;
}

/* Reads until the console has been quiet for @ms. */
static void quiet(struct term *t, int ms)
{
	size_t len;

	do {
		len = t->len;
		for (int64_t end = now_ms() + ms; now_ms() < end;)
			if (!pump(t, 50))
				fail("the terminal ended");
	} while (t->len != len);
	t->seen = t->len;
}

static int wait_exit(pid_t pid, int ms)
{
	int64_t end = now_ms() + ms;
	int st;

	while (now_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(20000);
	}
	return -1;
}

/* Runs @line on the console and checks that the answer contains @text. */
static void run_expect(struct term *t, const char *line, const char *text)
{
	char *out = run(t, line);

	must_contain(line, out, text);
	free(out);
}

/* Runs @line on the console and checks that the answer contains each of @texts (NULL-ended). */
static void run_expect_each(struct term *t, const char *line, const char *const texts[])
{
	char *out = run(t, line);

	for (size_t i = 0; texts[i]; i++)
		must_contain(line, out, texts[i]);
	free(out);
}

/* Runs @line, a command of the table, and checks that the console does not call it unknown. */
static void run_known(struct term *t, const char *line)
{
	char *out = run(t, line);

	if (strstr(out, "unknown command"))
		fail("%s: %s", line, out);
	free(out);
}

static char *slurp_cmd(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *s = calloc(1, BUF_MAX);
	size_t n;

	if (!p || !s)
		fail("cannot run '%s'", cmd);
	n = fread(s, 1, BUF_MAX - 1, p);
	s[n] = '\0';
	pclose(p);
	return s;
}

/* Runs @line on the console and checks that the console answers as `folio @line` does (its
 * errors too) on a terminal 80 columns wide; @what names the answer in a failure. Returns the
 * answer, which the caller frees. */
static char *run_as_folio(struct term *t, const char *line, const char *what)
{
	char cmd[512], *out = run(t, line), *cli;

	snprintf(cmd, sizeof(cmd), "\"$FOLIO_BUILD/bin/folio\" --config folio.conf %s 2>&1", line);
	cli = wrap80(slurp_cmd(cmd));
	if (strcmp(out, cli) != 0)
		fail("console %s differs from folio's:\n%s\n---\n%s", what, out, cli);
	free(cli);
	return out;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		fail("cannot write '%s'", path);
}

static void login(struct term *t, const char *user, const char *pw)
{
	expect(t, "login: ");
	sends(t, user);
	sends(t, "\r");
	expect(t, "password: ");
	sends(t, pw);
	sends(t, "\r");
}

/*
 * `folio console` on a terminal of its own
 */

static void term_free(struct term *t)
{
	if (current == t)
		current = NULL;
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t);
}

static struct term *start_console(void)
{
	char *argv[] = { folio, "--config", "folio.conf", "console", NULL };

	return spawn(argv);
}

static void test_login(struct term *t)
{
	int64_t t0;

	expect(t, "technician console");
	/* Wrong password: refused, then a delay before the next prompt. What was typed on
	 * behind it (a password, say) is dropped, never echoed at the next prompt. */
	login(t, "tech", "wrong-password\rtypeahead-one\r");
	expect(t, "login incorrect");
	/* Noise at the login prompt is refused and is no failed attempt. */
	expect(t, "login: ");
	send(t, "\x01\x02\xff\xfe\x80zz\r", 8);
	expect(t, "line refused");
	login(t, "nobody", "whatever-it-is");
	expect(t, "login incorrect");
	/* The third failure locks the console (max_failures = 3, lockout_seconds = 1). */
	login(t, "tech", "still-wrong\r" PASSWORD "\r");
	expect(t, "console locked for 1 second");
	t0 = now_ms();
	expect(t, "login: ");
	quiet(t, 200);
	if (memmem(t->buf, t->len, "typeahead", 9) ||
	    memmem(t->buf, t->len, PASSWORD, strlen(PASSWORD)))
		fail("type-ahead after a failed login was echoed");
	sends(t, "tech\r");
	expect(t, "try again in 1 second");
	/* Even the right password is not asked for while locked. */
	if (memmem(t->buf + t->seen, t->len - t->seen, "password:", 9))
		fail("a password was asked for while the console was locked");
	while (now_ms() - t0 < 1100)
		usleep(50000);
	login(t, "tech", PASSWORD);
	expect(t, "Welcome, tech.");
	expect(t, "TEST-01> ");
}

/* What the console wrote from @from on, its line wrapping (CR LF) taken out. */
static char *unwrapped(const struct term *t, size_t from)
{
	char *s = malloc(t->len - from + 1), *w = s;

	for (size_t i = from; i < t->len; i++)
		if (t->buf[i] != '\r' && t->buf[i] != '\n')
			*w++ = t->buf[i];
	*w = '\0';
	return s;
}

/* A store.path to another folder says what happens and asks first; the same folder does not. */
static void test_store_path(struct term *t)
{
	char line[4096], *out;
	size_t from = t->len;

	snprintf(line, sizeof(line), "config set store.path %s/elsewhere\r", tmp);
	sends(t, line);
	expect(t, "type 'yes' to go on: ");
	out = unwrapped(t, from);
	must_contain("store.path", out, "there is none in");
	must_contain("store.path", out, "a new, EMPTY store is opened there");
	free(out);
	sends(t, "no\r");
	expect(t, "not confirmed: nothing done");
	expect(t, "TEST-01> ");
	out = run(t, "config show");
	if (strstr(out, "elsewhere"))
		fail("a store.path not confirmed is kept: %s", out);
	free(out);
	sends(t, line);
	expect(t, "type 'yes' to go on: ");
	sends(t, "yes\r");
	from = t->len;
	expect(t, "TEST-01> ");
	out = unwrapped(t, from);
	must_contain("store.path confirmed", out, "elsewhere: kept for 'config save'");
	free(out);
	/* The store in use, named again: nothing to confirm (and it stays the one saved). */
	snprintf(line, sizeof(line), "config set store.path %s/store/", tmp);
	out = run(t, line);
	must_contain("store.path back", out, "kept for 'config save'");
	if (strstr(out, "yes"))
		fail("the store in use needs a confirmation: %s", out);
	free(out);
}

static void test_commands(struct term *t)
{
	char *out, *cli, *p, *q;
	size_t n = 0;

	/* help: the same text as `folio help`, line for line. */
	free(run_as_folio(t, "help", "help"));
	/* Errors are the same too. */
	free(run_as_folio(t, "batch show x", "error"));
	run_expect(t, "bogus", "unknown command 'bogus'");
	run_expect(t, "scan --help", "usage: folio scan");

	out = run(t, "status");
	must_contain("status", out, "ocr backlog");
	must_contain("status", out, "TEST-01");
	for (p = out; (q = strchr(p, '\n')); p = q + 1)
		if (q - p > 80)
			fail("status line wider than 80 columns: %.*s", (int)(q - p), p);
	free(out);
	run_expect(t, "devices", "folio:");
	run_expect_each(t, "scan test", (const char *const[]){ "pixels", "timing", "flags", NULL });
	run_expect(t, "config show", "[console]");
	run_expect(t, "config set station.log_level debug", "in effect now");
	run_expect(t, "config set capture.reconnect_seconds 7", "kept for 'config save'");
	test_store_path(t);
	run_expect(t, "config set capture.reconnect_seconds 99999", "out of range");
	run_expect(t, "config set station.nokey 1", "unknown key 'nokey'");
	run_expect(t, "config show", "# capture.reconnect_seconds = 7");
	run_expect(t, "config save", "saved 3 changes");
	cli = slurp_cmd("grep -c 'reconnect_seconds = 7' folio.conf; "
			"\"$FOLIO_BUILD/bin/folio\" config check folio.conf 2>&1");
	must_contain("the saved file", cli, "1\n");
	must_contain("the saved file", cli, ": ok");
	free(cli);
	free(run(t, "config set station.log_level info"));
	free(run(t, "config save"));

	free(run(t, "batch list"));
	free(run(t, "queue stats"));
	run_known(t, "ocr status");
	run_known(t, "upload status");
	free(run(t, "store stats"));
	free(run(t, "store check"));
	run_expect_each(t, "selftest",
			(const char *const[]){ "scanner 'folio:", "store intact", "clock", NULL });
	run_expect(t, "date", "utc ");
	out = run(t, "log tail 3");
	must_contain("log tail", out, "console-command");
	for (p = out; (q = strchr(p, '\n')); p = q + 1)
		n++;
	if (n != 3)
		fail("log tail 3 printed %zu lines:\n%s", n, out);
	free(out);
	run_expect(t, "console passwd tech", "needs a shell of its own");

	/* Board actions ask first; on the sim board they only say what they would do. */
	sends(t, "reboot\r");
	expect(t, "type 'yes' to go on: ");
	run_expect(t, "no", "not confirmed");
	sends(t, "shutdown\r");
	expect(t, "type 'yes' to go on: ");
	run_expect(t, "yes", "simulated board: would power off");
}

/* Batch 1 (setup()): one page, closed, its document without an application number. */
static void test_rules(struct term *t)
{
	static const struct {
		const char *line, *said;
	} refused[] = {
		{ "batch approve 1",
		  "batch 1, document 1: no application number: index it before approving" },
		{ "batch reject 1", "say why batch 1 is rejected" },
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *out = run_as_folio(t, refused[i].line, "refusal");

		must_contain(refused[i].line, out, refused[i].said);
		free(out);
	}
	run_expect(t, "batch show 1", "closed");
	run_expect(t, "batch reject 1 --reason pages-missing", "batch 1: closed -> rejected");
}

static void test_editing(struct term *t)
{
	char *out;

	/* BS and DEL erase, Ctrl-U erases the line. */
	out = run(t, "daX\x08tY\x7f"
		     "e");
	must_contain("BS/DEL", out, "utc ");
	free(out);
	out = run(t, "nonsense here\x15"
		     "date");
	must_contain("Ctrl-U", out, "utc ");
	free(out);
	/* Up recalls the last line, Down comes back to an empty one. */
	run_expect(t, "\x1b[A", "utc ");
	out = run(t, "\x1b[A\x1b[B");
	if (strstr(out, "utc"))
		fail("Down did not come back to an empty line: %s", out);
	free(out);
	/* Tab completes verbs and sub-verbs. */
	run_expect(t, "selft\t", "checks");
	run_expect(t, "log ta\t5", "console-command");
	/* Ctrl-C cancels a line. */
	sends(t, "date\x03");
	expect(t, "^C");
	out = until_prompt(t);
	if (strstr(out, "utc"))
		fail("Ctrl-C did not cancel the line");
	free(out);
}

static void test_noise(struct term *t)
{
	char *line = malloc(100 * 1024 + 1), *out;
	unsigned char noise[4096];
	size_t before, refused = 0;
	unsigned seed = 7;

	/* A 100 KB line: one refusal, an echo of at most 255 characters. */
	memset(line, 'a', 100 * 1024);
	before = t->len;
	send(t, line, 100 * 1024);
	sends(t, "\r");
	expect(t, "line refused: longer than 255 bytes");
	expect(t, "TEST-01> ");
	if (t->len - before > 1024)
		fail("a 100 KB line made %zu bytes of output", t->len - before);
	free(line);

	/* Binary noise: refusals, never a crash or a hang. */
	for (size_t i = 0; i < sizeof(noise); i++) {
		seed = seed * 1103515245 + 12345;
		noise[i] = (unsigned char)(seed >> 16);
		if (noise[i] == 0x03 || noise[i] == 0x04) /* Ctrl-C, Ctrl-D are keys, not noise */
			noise[i] = 0x01;
	}
	before = t->len;
	send(t, noise, sizeof(noise));
	/* Noise may have run a command or two ("unknown command"): let them end. */
	quiet(t, 1500);
	sends(t, "\x15\r");
	free(until_prompt(t));
	out = run(t, "date");
	must_contain("date after noise", out, "utc ");
	for (const char *p = t->buf + before; (p = strstr(p, "line refused")); p++)
		refused++;
	printf("figure: 4 KiB of noise refused as %zu lines, the console still answers\n", refused);
	free(out);
}

static void test_interrupt(struct term *t)
{
	int64_t t0;

	scan_feeding(t);
	t0 = now_ms();
	sends(t, "\x03");
	expect(t, "interrupted");
	expect_ms(t, "TEST-01> ", 5000);
	printf("figure: Ctrl-C stopped a running scan in %lld ms\n", (long long)(now_ms() - t0));
	run_expect(t, "date", "utc ");
}

static void test_idle(void)
{
	struct term *t = start_console();
	int st;

	login(t, "tech", PASSWORD);
	expect(t, "TEST-01> ");
	run_expect(t, "config set console.idle_logout_seconds 1", "in effect now");
	expect_ms(t, "idle for 1 second: logged out", 3000);
	st = wait_exit(t->pid, 5000);
	if (st != 0)
		fail("folio console ended with status %d after an idle logout", st);
	term_free(t);
}

static void test_hangup(void)
{
	struct term *t = start_console();
	int st;

	login(t, "tech", PASSWORD);
	expect(t, "TEST-01> ");
	scan_feeding(t);
	close(t->fd); /* the cable is pulled mid-command */
	t->fd = -1;
	st = wait_exit(t->pid, 8000);
	if (st < 0)
		fail("folio console still runs 8 s after its terminal went away");
	term_free(t);
}

static void test_events(void)
{
	char *log = slurp_cmd("\"$FOLIO_BUILD/bin/folio\" --config folio.conf log tail 1000");
	static const char *const want[] = {
		"console console-login-failed login as 'tech'",
		"console console-login-failed login as 'nobody'",
		"console console-lockout",
		"tech console-login",
		"tech console-command status",
		"tech console-confirm shutdown",
		"tech console-logout idle for 1 second",
		"tech console-logout line hung up",
		"tech config-set capture.reconnect_seconds = 7",
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		must_contain("the event log", log, want[i]);
	free(log);
}

/*
 * foliod on a "serial line": a pty behind a symlink, unplugged and plugged back
 */

static char slave_name[256];

/* A new "cable": a pty whose slave the symlink 'ttyS9' points to. */
static int plug(void)
{
	int m, s;

	if (openpty(&m, &s, slave_name, NULL, NULL) < 0)
		fail("openpty: %s", strerror(errno));
	close(s); /* foliod opens it by name */
	unlink("ttyS9.new");
	if (symlink(slave_name, "ttyS9.new") < 0 || rename("ttyS9.new", "ttyS9") < 0)
		fail("cannot point ttyS9 at '%s'", slave_name);
	fcntl(m, F_SETFL, O_NONBLOCK);
	fcntl(m, F_SETFD, FD_CLOEXEC); /* pulling the cable must not leave foliod holding it */
	return m;
}

/* Waits until foliod's log says its serial line hung up for the @n-th time. */
static void hung_up(int n)
{
	int64_t end = now_ms() + 10000;

	for (;;) {
		char *log = slurp_cmd("grep -c 'serial line .* hung up' foliod.log");
		int seen = atoi(log);

		free(log);
		if (seen >= n)
			return;
		if (now_ms() >= end)
			fail("foliod did not see its line hang up (%d of %d times): %s", seen, n,
			     slurp_cmd("tail -5 foliod.log"));
		usleep(20000);
	}
}

static void test_daemon(void)
{
	char store2[4200];
	char *argv[] = { foliod, "--config", "folio.conf", "--store", store2, NULL };
	struct term *t = calloc(1, sizeof(*t));
	char *out, conf[512];
	int64_t t0;
	int st;

	/* A store of its own, so foliod's first cycle finds no pages to read. */
	snprintf(store2, sizeof(store2), "%s/store2", tmp);
	snprintf(conf, sizeof(conf), "tty = %s/ttyS9\n", tmp);
	{
		FILE *f = fopen("folio.conf", "a"); /* [console] is the file's last section */

		if (!f || fputs(conf, f) < 0 || fclose(f) != 0)
			fail("cannot add [console] tty");
	}
	t->buf = malloc(BUF_MAX + 1);
	t->fd = plug();
	t->pid = fork();
	if (t->pid == 0) {
		int fd = open("foliod.log", O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	expect_ms(t, "technician console", 10000);
	login(t, "tech", PASSWORD);
	expect(t, "Welcome, tech.");
	expect(t, "TEST-01> ");
	out = run(t, "status");
	must_contain("status from foliod", out, "foliod ");
	if (strstr(out, "foliod not available"))
		fail("status under foliod does not know foliod's uptime:\n%s", out);
	free(out);
	/* The daemon's main loop is not held up by a long command. */
	scan_feeding(t);
	close(t->fd); /* unplugged mid-command */
	hung_up(1);
	t0 = now_ms();
	t->fd = plug();
	t->len = t->seen = 0;
	expect_ms(t, "technician console", 10000);
	printf("figure: console back %lld ms after the line was plugged in again\n",
	       (long long)(now_ms() - t0));
	login(t, "tech", PASSWORD);
	expect(t, "TEST-01> ");
	run_expect(t, "log tail 30", "console-logout line hung up");
	/* Unsaved changes end with the session: at logout and when the line hangs up, so the
	 * next technician never saves them under their name. */
	run_expect(t, "config set capture.reconnect_seconds 11", "kept for 'config save'");
	sends(t, "logout\r");
	expect(t, "unsaved 'config set' change dropped");
	login(t, "tech", PASSWORD);
	expect(t, "TEST-01> ");
	run_expect(t, "config save", "nothing to save");
	free(run(t, "config set capture.reconnect_seconds 12"));
	close(t->fd); /* hung up with a change waiting */
	hung_up(2);
	t->fd = plug();
	t->len = t->seen = 0;
	expect_ms(t, "technician console", 10000);
	login(t, "tech", PASSWORD);
	expect(t, "TEST-01> ");
	run_expect(t, "config save", "nothing to save");
	kill(t->pid, SIGTERM);
	st = wait_exit(t->pid, 10000);
	if (st != 0)
		fail("foliod ended with status %d: %s", st, slurp_cmd("tail -5 foliod.log"));
	term_free(t);
}

static void setup(void)
{
	char cmd[8192];

	snprintf(folio, sizeof(folio), "%s/bin/folio", build);
	snprintf(foliod, sizeof(foliod), "%s/bin/foliod", build);
	if (access(folio, X_OK) < 0 || access(foliod, X_OK) < 0)
		fail("no folio or foliod in '%s/bin'", build);
	snprintf(cmd, sizeof(cmd), "%s/lib/sane/libsane-folio.so.1", build);
	if (access(cmd, R_OK) < 0) {
		printf("skipped: libsane-folio not built\n");
		exit(77);
	}
	snprintf(cmd, sizeof(cmd),
		 "\"%s/bin/pagegen\" --out sheets --count 6 --dpi 50 --size a4 --kind text "
		 "--seed 5 --format tif >/dev/null && mkdir -p feeder outbox sane.d && "
		 "cp sheets/*.tif feeder/",
		 build);
	if (system(cmd) != 0)
		fail("cannot make the feeder's pages");
	write_file("sane.d/dll.conf", "folio\n");
	write_file("sane.d/folio.conf", "pages-per-minute 30\n");
	/* The integration tests' config (tests/integration/lib.sh), [console] last. */
	if (system(
		"bash -c '. \"$FOLIO_SRC/tests/integration/lib.sh\" && make_config folio.conf "
		"\"folio:$FOLIO_TMP/feeder\" \"[store] map_size_mb = 64\" \"[store] reserve_mb = 1\" "
		"\"[capture] sane_config_dir = $FOLIO_TMP/sane.d\" \"[profile bitonal] mode = gray\" "
		"\"[profile bitonal] output = bitonal\" \"[profile bitonal] resolution = 50\"' && "
		"printf '[console]\\naccounts_file = accounts\\nfailure_delay_ms = 20\\n"
		"max_failures = 3\\nlockout_seconds = 1\\n' >> folio.conf") != 0)
		fail("cannot write the config");
	if (system("echo '" PASSWORD "' | \"$FOLIO_BUILD/bin/folio\" --config folio.conf "
		   "console passwd tech >/dev/null") != 0)
		fail("folio console passwd failed");
	/* Batch 1: one sheet from a feeder of its own (the console's scans use the other). */
	snprintf(
	    cmd, sizeof(cmd),
	    "mkdir -p one && cp \"$(ls sheets/*.tif | head -n 1)\" one/ && "
	    "\"$FOLIO_BUILD/bin/folio\" --config folio.conf scan --force --device folio:%s/one "
	    ">/dev/null 2>scan.err",
	    tmp);
	if (system(cmd) != 0)
		fail("cannot scan batch 1 from one/");
}

int main(void)
{
	struct term *t;
	int st;

	build = getenv("FOLIO_BUILD");
	src = getenv("FOLIO_SRC");
	tmp = getenv("FOLIO_TMP");
	if (!build || !src || !tmp) {
		printf("skipped: run through tests/run.sh (FOLIO_BUILD, FOLIO_SRC, FOLIO_TMP)\n");
		return 77;
	}
	setenv("FOLIO_CONSOLE_PROGRESS_MS", "400", 1);
	signal(SIGPIPE, SIG_IGN);
	setup();

	t = start_console();
	test_login(t);
	test_commands(t);
	test_rules(t);
	test_editing(t);
	test_noise(t);
	test_interrupt(t);
	sends(t, "logout\r");
	expect(t, "logged out");
	st = wait_exit(t->pid, 5000);
	if (st != 0)
		fail("folio console ended with status %d after logout", st);
	term_free(t);
	test_idle();
	test_hangup();
	test_events();
	test_daemon();
	printf("console: login, lockout, every command, editing, noise, Ctrl-C, idle logout, "
	       "hangups and replug checked\n");
	return 0;
}
