/*
 * The technician's verbs: folio console [passwd USER], status, scan test, config set|save,
 * selftest, date, logout, reboot, shutdown. The console (firmware/console) offers
 * them with the rest of the table; from the shell they work the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "errors.h"
#include "kconfig.h"
#include "log.h"
#include "drivers/scanner/scanner.h"
#include "firmware/capture/capture.h"
#include "firmware/cmd/cmd.h"
#include "firmware/core/profile.h"
#include "firmware/accounts/accounts.h"
#include "firmware/config/confedit.h"
#include "firmware/image/process.h"
#include "firmware/upload/upload.h"

#define SANE_CLOCK 1704067200 /* 2024-01-01: a clock before this was never set */

static int too_many_arguments(void)
{
	return cmd_usage_error(cmd_current(), "too many arguments");
}

static void record(struct cmd_env *env, const char *what, const char *fmt, const char *arg)
    _printf_(3, 0);

static void record(struct cmd_env *env, const char *what, const char *fmt, const char *arg)
{
	int r = env->store ? store_event_add(env->store, env->who, what, 0, 0, 0, fmt, arg) : 0;

	if (r < 0)
		log_warn("cannot record '%s' in the event log: %s", what, folio_strerror(r));
}

/*
 * folio console passwd USER (folio console itself: firmware/console/start.c)
 */

/* Reads one line of at most @size - 1 bytes; -E2BIG for a longer one, -ENODATA at the end. */
static int read_secret(FILE *in, char *buf, size_t size)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(in)) != EOF && ch != '\n') {
		if (n + 1 >= size) {
			while ((ch = getc(in)) != EOF && ch != '\n')
				;
			return -E2BIG;
		}
		buf[n++] = (char)ch;
	}
	if (ch == EOF && n == 0)
		return -ENODATA;
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

static int ask_secret(const char *prompt, bool tty, char *buf, size_t size)
{
	struct termios saved, t;
	int r;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &saved) < 0)
			return -errno;
		t = saved;
		t.c_lflag &= ~(tcflag_t)ECHO;
		t.c_lflag |= ECHONL;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0)
			return -errno;
	}
	r = read_secret(stdin, buf, size);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	return r;
}

int cmd_ask_secret(const char *prompt, char *buf, size_t size)
{
	return ask_secret(prompt, isatty(STDIN_FILENO), buf, size);
}

int cmd_ask_new_password(char *pw, size_t size, size_t min)
{
	char again[ACCOUNT_PASSWORD_MAX + 2];
	bool tty = isatty(STDIN_FILENO);
	int r;

	r = ask_secret("new password: ", tty, pw, size);
	if (r == 0 && tty) {
		r = ask_secret("again: ", tty, again, sizeof(again));
		if (r == 0 && strcmp(pw, again) != 0)
			r = -EINVAL;
		sodium_memzero(again, sizeof(again));
		if (r == -EINVAL) {
			sodium_memzero(pw, size);
			return log_errno(r, "the passwords differ: nothing changed");
		}
	}
	if (r == 0 && (strlen(pw) < min || strlen(pw) > ACCOUNT_PASSWORD_MAX))
		r = -E2BIG;
	if (r < 0) {
		sodium_memzero(pw, size);
		return log_errno(r == -ENODATA ? -EINVAL : r,
				 r == -ENODATA
				     ? "no password given: nothing changed"
				     : "a password needs %zu to %d characters: nothing changed",
				 min, ACCOUNT_PASSWORD_MAX);
	}
	return 0;
}

int cmd_check_accounts_file(const char *file)
{
	int r = accounts_check_file(file);

	if (r == -EPERM)
		return log_errno(r,
				 "accounts file '%s' is readable by group or others or belongs "
				 "to another user: run 'chmod 600 %s' as its owner first",
				 file, file);
	if (r < 0 && r != -ENOENT)
		return log_errno(r, "cannot use accounts file '%s': %s", file, folio_strerror(r));
	return 0;
}

int cmd_console_passwd(struct cmd_env *env, int argc, char **argv)
{
	static const struct opt none[] = { OPT_END() };
	const char *file;
	char pw[ACCOUNT_PASSWORD_MAX + 2];
	int r;

	argc = cmd_options(env, none, argc, argv);
	if (argc <= 0)
		return argc;
	if (argc != 2)
		return argc < 2 ? cmd_usage_error(cmd_current(), "which user?")
				: too_many_arguments();
	if (!account_name_valid(argv[1]))
		return cmd_usage_error(cmd_current(),
				       "'%s' is not an account name (1 to %d of a-z 0-9 . _ -, "
				       "starting with a letter or digit)",
				       argv[1], ACCOUNT_NAME_MAX);
	r = cmd_load(env);
	if (r < 0)
		return r;
	file = env->cfg->console_accounts_file;
	r = cmd_check_accounts_file(file);
	if (r < 0)
		return r;
	r = cmd_ask_new_password(pw, sizeof(pw), ACCOUNT_PASSWORD_MIN);
	if (r < 0)
		return r;
	r = accounts_set(file, argv[1], pw);
	sodium_memzero(pw, sizeof(pw));
	if (r < 0)
		return log_errno(r, "cannot write accounts file '%s': %s", file,
				 r == -FOLIO_ETOOBIG ? "it has the most accounts it can hold"
						     : folio_strerror(r));
	record(env, r ? "console-account-create" : "console-account-password", "account '%s'",
	       argv[1]);
	fprintf(env->out, "account '%s' %s in '%s'\n", argv[1], r ? "created" : "changed", file);
	return 0;
}

/*
 * status
 */

static void format_duration(double s, char *buf, size_t size)
{
	unsigned long t = s > 0 ? (unsigned long)s : 0;

	if (t >= 86400)
		snprintf(buf, size, "%lu d %02lu:%02lu:%02lu", t / 86400, t / 3600 % 24,
			 t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%02lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
}

static void format_size(uint64_t b, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

struct batch_seen {
	struct batch_info open, last;
	bool any_open, any;
};

static int see_batch(const struct batch_info *b, void *user)
{
	struct batch_seen *s = user;

	s->last = *b;
	s->any = true;
	if (b->state == BATCH_OPEN) {
		s->open = *b;
		s->any_open = true;
	}
	return 0;
}

int cmd_status(struct cmd_env *env, int argc, char **argv)
{
	const struct folio_config *cfg = env->cfg;
	struct store_stats st;
	struct batch_seen seen = { 0 };
	struct event_info last;
	const char *started = getenv("FOLIO_DAEMON_STARTED");
	char a[64], b[64];
	double up = 0;
	FILE *f;
	int r;

	(void)argv;
	if (argc > 1)
		return too_many_arguments();
	fprintf(env->out, "%-12s %s, office %s, board %s\n", "station", cfg->station_id,
		cfg->office, CONFIG_BOARD_NAME);
	fprintf(env->out, "%-12s folio %s\n", "version", FOLIO_VERSION);

	f = fopen("/proc/uptime", "re");
	if (f && fscanf(f, "%lf", &up) == 1)
		format_duration(up, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "not available");
	if (f)
		fclose(f);
	if (started && *started) {
		format_duration(difftime(time(NULL), (time_t)strtoll(started, NULL, 10)), b,
				sizeof(b));
		fprintf(env->out, "%-12s system %s, foliod %s\n", "uptime", a, b);
	} else {
		fprintf(env->out, "%-12s system %s, foliod not available here\n", "uptime", a);
	}

	if (cfg->device[0])
		fprintf(env->out, "%-12s %s, profile %s ('selftest' opens it)\n", "scanner",
			cfg->device, cfg->profile);
	else
		fprintf(env->out, "%-12s none configured ([capture] device)\n", "scanner");

	r = store_batch_list(env->store, see_batch, &seen);
	if (r < 0)
		return log_errno(r, "cannot read the batches: %s", folio_strerror(r));
	if (seen.any_open)
		fprintf(env->out, "%-12s %" PRIu32 " open, %" PRIu32 " pages\n", "batch",
			seen.open.id, seen.open.n_pages);
	else if (seen.any)
		fprintf(env->out, "%-12s none open (last: %" PRIu32 ", %s)\n", "batch",
			seen.last.id, batch_state_name(seen.last.state));
	else
		fprintf(env->out, "%-12s none yet\n", "batch");

	r = store_stats(env->store, &st);
	if (r < 0)
		return log_errno(r, "cannot read the store's statistics: %s", folio_strerror(r));
	fprintf(env->out, "%-12s %" PRIu64 " page%s waiting\n", "ocr backlog", st.queue[QUEUE_OCR],
		st.queue[QUEUE_OCR] == 1 ? "" : "s");
	format_size(st.image_bytes, a, sizeof(a));
	fprintf(env->out, "%-12s %" PRIu64 " pages, %s of images, %u%% full\n", "store", st.pages,
		a, st.space.percent_full);
	format_size(st.space.disk_free, a, sizeof(a));
	format_size(st.space.disk_size, b, sizeof(b));
	fprintf(env->out, "%-12s %s free of %s%s\n", "disk", a, b,
		st.space.full ? ": FULL, capture stopped" : "");
	fprintf(env->out, "%-12s %" PRIu64 " to package, %" PRIu64 " to deliver; target %s\n",
		"upload", st.queue[QUEUE_PACKAGE], st.queue[QUEUE_UPLOAD], cfg->upload_target);
	r = upload_last_delivery(env->store, &last);
	if (r < 0)
		return log_errno(r, "cannot read the event log: %s", folio_strerror(r));
	if (r) {
		time_t t = (time_t)last.time;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S %Z", &tm);
		fprintf(env->out, "%-12s batch %" PRIu32 " at %s: %s\n", "last upload", last.batch,
			a, last.detail);
	} else {
		fprintf(env->out, "%-12s none yet\n", "last upload");
	}
	return 0;
}

/*
 * scan test
 */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_flags(FILE *out, const struct image_page_report *rep)
{
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = {
		{ IMAGE_FLAG_SKEW, "skewed" },	     { IMAGE_FLAG_DARK, "too dark" },
		{ IMAGE_FLAG_LIGHT, "too light" },   { IMAGE_FLAG_SHORT, "short sheet" },
		{ IMAGE_FLAG_LENGTH, "odd length" },
	};
	bool any = rep->blank;

	fprintf(out, "%-12s %s", "flags", rep->blank ? "blank" : "");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (rep->flags & names[i].flag) {
			fprintf(out, "%s%s", any ? ", " : "", names[i].name);
			any = true;
		}
	fprintf(out, "%s\n", any ? "" : "none");
}

static int scan_one(struct cmd_env *env, struct scanner *s, const struct scan_profile *sp)
{
	struct scanner_settings set;
	struct frame f = { 0 };
	struct encoded_image img = { 0 };
	struct image_page_report rep;
	struct image_profile ip;
	struct timespec t0;
	double feed, stage;
	char why[256], a[32], b[32];
	int r;

	core_scanner_settings(sp, &set);
	r = scanner_configure(s, &set, why, sizeof(why));
	if (r < 0)
		return log_errno(r, "scanner '%s' refuses profile '%s': %s", scanner_name(s),
				 sp->name, why);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = scanner_start(s);
	if (r == -FOLIO_ENODOCS)
		return log_errno(r, "the feeder of '%s' is empty: put one sheet in and try again",
				 scanner_name(s));
	if (r == 0)
		r = scanner_read_frame(s, (size_t)CONFIG_CAPTURE_MAX_FRAME_MB << 20, &f);
	if (r < 0)
		return log_errno(r, "scanner '%s': %s", scanner_name(s), folio_strerror(r));
	feed = seconds_since(&t0);
	scanner_cancel(s);

	format_size((uint64_t)f.bytes_per_line * f.height, a, sizeof(a));
	fprintf(env->out, "%-12s %" PRIu32 " x %" PRIu32 " pixels, %" PRIu32 " dpi, %s, %s raw\n",
		"sheet", f.width, f.height, f.dpi,
		f.depth == 1	  ? "1-bit"
		: f.channels == 3 ? "colour"
				  : "8-bit grey",
		a);
	core_image_profile(sp, &f, &ip);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = image_process(&f, &ip, &img, &rep);
	stage = seconds_since(&t0);
	free(f.data);
	if (r < 0)
		return log_errno(r, "the image stage failed on this sheet: %s", folio_strerror(r));
	fprintf(env->out, "%-12s feed and read %.2f s, image stage %.2f s\n", "timing", feed,
		stage);
	format_size(img.size, b, sizeof(b));
	fprintf(env->out, "%-12s %s %" PRIu32 " x %" PRIu32 ", %s\n", "result", img.format,
		img.width, img.height, b);
	fprintf(env->out, "%-12s skew %.2f deg%s, turned %d deg, blank score %.2f%%\n", "found",
		rep.skew_deg, rep.deskewed ? " (corrected)" : "", rep.orientation, rep.blank_score);
	if (rep.flags & IMAGE_FLAG_AUTO) {
		char note[STORE_NOTE_LEN];

		capture_auto_note(&rep, note, sizeof(note));
		fprintf(env->out, "%-12s %s\n", "output", note);
	}
	print_flags(env->out, &rep);
	encoded_image_release(&img);
	return 0;
}

int cmd_scan_test(struct cmd_env *env, int argc, char **argv)
{
	const char *device = NULL, *pname = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "device", &device, "NAME", "the scanner (default: [capture] device)"),
		OPT_STRING(0, "profile", &pname, "NAME",
			   "the profile (default: [capture] profile)"),
		OPT_END(),
	};
	const struct folio_config *cfg;
	const struct scan_profile *sp;
	struct scanner *s = NULL;
	int r;

	r = cmd_options_then_load(env, opts, argc, argv);
	if (r <= 0)
		return r;
	cfg = env->cfg;
	if (!device)
		device = cfg->device;
	if (!pname)
		pname = cfg->profile;
	if (!device[0])
		return log_errno(-FOLIO_ECONFIG,
				 "no scanner configured: set [capture] device in "
				 "'%s' or pass --device NAME",
				 cfg->path);
	sp = config_find_profile(cfg, pname);
	if (!sp)
		return cmd_usage_error(cmd_current(), "no profile '%s' in '%s'", pname, cfg->path);
	r = scanner_init(cfg->sane_config_dir, cfg->sane_backend_dir, cfg->network_scanners);
	if (r < 0)
		return log_errno(r, "cannot start SANE: %s", folio_strerror(r));
	r = scanner_open(device, &s);
	if (r < 0) {
		log_err("cannot open scanner '%s': %s", device, folio_strerror(r));
	} else {
		fprintf(env->out, "%-12s %s, profile %s\n", "scanner", device, sp->name);
		r = scan_one(env, s, sp);
		scanner_close(s);
	}
	scanner_exit();
	return r;
}

/*
 * config set, config save
 */

int cmd_config_set(struct cmd_env *env, int argc, char **argv)
{
	bool yes = false;
	const struct opt opts[] = {
		OPT_FLAG(0, "yes", &yes, "change store.path (the console asks instead)"),
		OPT_END(),
	};
	struct confedit_change ch;
	char why[CONFIG_PROBLEM_LEN + 64], notice[3 * PATH_MAX];
	bool moves;
	int r;

	argc = cmd_options(env, opts, argc, argv);
	if (argc <= 0)
		return argc;
	if (argc != 3)
		return argc < 3 ? cmd_usage_error(cmd_current(), "needs a key and a value")
				: cmd_usage_error(cmd_current(),
						  "too many arguments (quote a value with spaces)");
	r = cmd_load(env);
	if (r < 0)
		return r;
	if (env->session)
		return env->session->config_set(env->session, argv[1], argv[2], env->out);
	moves = strcmp(argv[1], "store.path") == 0 &&
		confedit_store_path_notice(env->cfg->store_path, argv[2], notice, sizeof(notice));
	if (moves && !yes) {
		log_err("%s: nothing changed; add --yes to go on", notice);
		return -FOLIO_EUSAGE;
	}
	r = config_set(env->cfg, argv[1], argv[2], why, sizeof(why));
	if (r < 0)
		return log_errno(r, "cannot set '%s': %s", argv[1], why);
	ch = (struct confedit_change){ argv[1], argv[2] };
	r = confedit_save(env->config_path, &ch, 1, why, sizeof(why));
	if (r < 0)
		return log_errno(r, "not saved: %s", why);
	fprintf(env->out, "%s = %s: saved to '%s'; foliod uses it after a restart\n", argv[1],
		argv[2], env->config_path);
	if (moves)
		fprintf(env->out, "%s\n", notice);
	return 0;
}

int cmd_config_save(struct cmd_env *env, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return too_many_arguments();
	if (env->session)
		return env->session->config_save(env->session, env->out);
	fprintf(env->out, "nothing to save: 'folio config set' writes the file at once\n");
	return 0;
}

/*
 * selftest
 */

struct selftest {
	FILE *out;
	unsigned run, failed;
};

static void check(struct selftest *t, bool ok, const char *fmt, ...) _printf_(3, 4);

static void check(struct selftest *t, bool ok, const char *fmt, ...)
{
	va_list ap;

	t->run++;
	if (!ok)
		t->failed++;
	fprintf(t->out, "  %-4s  ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vfprintf(t->out, fmt, ap);
	va_end(ap);
	fputc('\n', t->out);
}

static void test_scanner(struct selftest *t, const struct folio_config *cfg)
{
	struct scanner *s = NULL;
	int r;

	if (!cfg->device[0]) {
		check(t, false, "scanner: none configured ([capture] device)");
		return;
	}
	r = scanner_init(cfg->sane_config_dir, cfg->sane_backend_dir, cfg->network_scanners);
	if (r == 0) {
		r = scanner_open(cfg->device, &s);
		scanner_close(s);
		scanner_exit();
	}
	if (r < 0)
		check(t, false, "scanner '%s' does not open: %s", cfg->device, folio_strerror(r));
	else
		check(t, true, "scanner '%s' opens", cfg->device);
}

static bool find_tessdata(char *buf, size_t size)
{
	static const char *const dirs[] = { "/usr/share/tesseract-ocr/5/tessdata",
					    "/usr/share/tesseract-ocr/4.00/tessdata",
					    "/usr/share/tessdata" };
	const char *env = getenv("TESSDATA_PREFIX");
	struct stat st;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(buf, size, "%s", dirs[i]);
			return true;
		}
	return false;
}

static void test_ocr(struct selftest *t)
{
	static const struct {
		bool built;
		const char *code;
	} langs[] = {
		{ IS_ENABLED(CONFIG_OCR_LANG_ENG), "eng" },
		{ IS_ENABLED(CONFIG_OCR_LANG_FRA), "fra" },
		{ IS_ENABLED(CONFIG_OCR_LANG_ARA), "ara" },
	};
	char dir[PATH_MAX - 32], file[PATH_MAX];

	if (!IS_ENABLED(CONFIG_OCR)) {
		fprintf(t->out, "  --    OCR: not available in this build\n");
		return;
	}
	if (!find_tessdata(dir, sizeof(dir))) {
		check(t, false, "OCR: no Tesseract data folder (install tesseract-ocr-eng)");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(langs); i++) {
		if (!langs[i].built)
			continue;
		snprintf(file, sizeof(file), "%s/%s.traineddata", dir, langs[i].code);
		if (access(file, R_OK) == 0)
			check(t, true, "OCR language '%s' present", langs[i].code);
		else
			check(t, false, "OCR language '%s' missing: no '%s'", langs[i].code, file);
	}
}

static void test_store(struct selftest *t, struct cmd_env *env)
{
	struct store_check_report rep;
	int r;

	r = cmd_store_configure(env);
	if (r < 0) {
		check(t, false, "store: cannot use the station key (see above)");
		return;
	}
	r = store_check(env->store, &rep, NULL, NULL);
	if (r == 0)
		check(t, true, "store intact: %" PRIu64 " events, %" PRIu64 " page images",
		      rep.events, rep.pages);
	else
		check(t, false, "store: %s", rep.problem[0] ? rep.problem : folio_strerror(r));
}

static void test_upload(struct selftest *t, const struct folio_config *cfg)
{
	const char *target = cfg->upload_target;
	struct stat st;

	if (strncmp(target, "file://", 7) != 0) {
		fprintf(t->out, "  --    upload target '%s': not checked by this build\n", target);
		return;
	}
	if (stat(target + 7, &st) < 0)
		check(t, false, "upload target '%s': %s", target, strerror(errno));
	else if (!S_ISDIR(st.st_mode) || access(target + 7, W_OK | X_OK) < 0)
		check(t, false, "upload target '%s' is not a folder we can write", target);
	else
		check(t, true, "upload target '%s' can be written", target);
}

static bool clock_synchronised(void)
{
	struct timex tx = { 0 };
	int st = adjtimex(&tx);

	return st >= 0 && st != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

static void test_clock(struct selftest *t)
{
	time_t now = time(NULL);

	check(t, now >= SANE_CLOCK && now < 4102444800, "clock %s (%s)",
	      now >= SANE_CLOCK && now < 4102444800 ? "sane" : "not set: set the date",
	      clock_synchronised() ? "synchronised" : "not synchronised");
}

int cmd_selftest(struct cmd_env *env, int argc, char **argv)
{
	struct selftest t = { .out = env->out };

	(void)argv;
	if (argc > 1)
		return too_many_arguments();
	test_scanner(&t, env->cfg);
	fflush(env->out);
	test_ocr(&t);
	test_store(&t, env);
	fflush(env->out);
	test_upload(&t, env->cfg);
	test_clock(&t);
	if (t.failed)
		return log_errno(-EIO, "selftest: %u of %u checks failed", t.failed, t.run);
	fprintf(env->out, "selftest: all %u checks passed\n", t.run);
	return 0;
}

/*
 * date, logout, reboot, shutdown
 */

int cmd_date(struct cmd_env *env, int argc, char **argv)
{
	time_t now = time(NULL);
	struct tm tm;
	char buf[64];

	(void)argv;
	if (argc > 1)
		return too_many_arguments();
	localtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %Z (%z)", &tm);
	fprintf(env->out, "%-8s %s\n", "local", buf);
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(env->out, "%-8s %s\n", "utc", buf);
	fprintf(env->out, "%-8s %s\n", "clock",
		clock_synchronised() ? "synchronised"
				     : "not synchronised: check the network time source");
	return 0;
}

int cmd_logout(struct cmd_env *env, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return too_many_arguments();
	if (!env->session) {
		log_err("'logout' ends a console session: there is none here");
		return -FOLIO_EUSAGE;
	}
	env->session->logout(env->session);
	return 0;
}

int cmd_reboot(struct cmd_env *env, int argc, char **argv)
{
	bool off = strcmp(argv[0], "shutdown") == 0;
	const char *verb = off ? "power off" : "restart";

	bool yes = false;
	const struct opt opts[] = {
		OPT_FLAG(0, "yes", &yes, "really (the console asks instead)"),
		OPT_END(),
	};
	int r;

	r = cmd_options_no_arguments(env, opts, argc, argv);
	if (r <= 0)
		return r;
	if (!yes)
		return cmd_usage_error(cmd_current(), "'%s' would %s the whole station: add --yes",
				       argv[0], verb);
	r = cmd_load(env);
	if (r < 0)
		return r;
	record(env, off ? "station-shutdown" : "station-reboot", "requested (%s)",
	       IS_ENABLED(CONFIG_BOARD_SIM) ? "simulated board: nothing done" : "done");
	if (IS_ENABLED(CONFIG_BOARD_SIM)) {
		log_notice("simulated board: would %s the station now; nothing done", verb);
		return 0;
	}
	log_notice("%s the station now", off ? "powering off" : "restarting");
	fflush(NULL);
	sync();
	execl("/bin/systemctl", "systemctl", off ? "poweroff" : "reboot", (char *)NULL);
	return log_errno(-errno, "cannot ask systemd to %s the station: %s", verb,
			 folio_strerror(-errno));
}
