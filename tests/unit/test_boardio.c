/* Board I/O: the facts file, debounce, the simulated backend and the simulated watchdog. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/boardio/boardio.h"
#include "drivers/boardio/watchdog.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char sim_facts[] = "[board]\nname = testboard\nconsole = /dev/ttyS9\n"
				"[io]\nbackend = sim\nsim_dir = panel\ndebounce_ms = 30\n"
				"[watchdog]\ndevice = sim\ntimeout_s = 2\n";

static void test_facts_sim(void **state)
{
	struct boardio_facts f;
	char cwd[PATH_MAX], want[PATH_MAX + 8], why[160];

	(void)state;
	write_file("board.conf", sim_facts);
	assert_int_equal(boardio_facts_load("board.conf", &f, why, sizeof(why)), 0);
	assert_string_equal(f.name, "testboard");
	assert_string_equal(f.console, "/dev/ttyS9");
	assert_string_equal(f.backend, "sim");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/panel", cwd);
	assert_string_equal(f.sim_dir, want); /* relative to the file's folder */
	assert_string_equal(f.watchdog_device, "sim");
	assert_int_equal(f.watchdog_timeout_s, 2);
	for (int i = 0; i < BOARDIO_BUTTONS; i++)
		assert_int_equal(f.button_line[i], -1);
	assert_true(f.buttons_active_low);
}

static void test_facts_boards(void **state)
{
	static const char *const boards[] = { "rpi4", "x86-station", "sim" };
	const char *src = getenv("FOLIO_SRC");
	struct boardio_facts f;
	char path[PATH_MAX], why[160];

	(void)state;
	if (!src)
		skip();
	for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++) {
		snprintf(path, sizeof(path), "%s/board/%s/board.conf", src, boards[i]);
		why[0] = '\0';
		if (boardio_facts_load(path, &f, why, sizeof(why)) < 0)
			fail_msg("%s: %s", path, why);
		assert_string_equal(f.name, boards[i]);
	}
	snprintf(path, sizeof(path), "%s/board/rpi4/board.conf", src);
	assert_int_equal(boardio_facts_load(path, &f, NULL, 0), 0);
	assert_string_equal(f.console, "/dev/ttyAMA0");
	assert_string_equal(f.backend, "gpio");
	assert_int_equal(f.button_line[BOARDIO_START], 17);
	assert_int_equal(f.led_line[BOARDIO_LED_ERROR], 26);
	assert_string_equal(f.watchdog_device, "/dev/watchdog");
}

static void test_facts_bad(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "[io]\nbackend = sim\nsim_dir = x\ndebounce_ms = 5000\n",
		  "line 4: bad value for 'debounce_ms': 5000" },
		{ "[io]\nbackend = gpio\n", "the gpio backend needs 'chip'" },
		{ "[io]\nbackend = uart\n", "backend must be gpio, sim or none, not 'uart'" },
		{ "[io]\nbackend = none\nled_ready = 4\nled_busy = 4\n",
		  "a GPIO line is used twice" },
		{ "[io]\nbackend = none\nbutton_start = 1\nbutton_start = 2\n",
		  "line 4: set twice: 'button_start'" },
		{ "[board]\ncolour = red\n", "line 2: unknown key 'colour'" },
		{ "[io]\nbutton_stop = -3\n", "line 2: bad value for 'button_stop'" },
		{ "[io]\nbackend\n", "line 2: syntax error" },
	};
	struct boardio_facts f;
	char why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file("bad.conf", bad[i].text);
		why[0] = '\0';
		assert_int_equal(boardio_facts_load("bad.conf", &f, why, sizeof(why)), -EINVAL);
		if (!strstr(why, bad[i].why))
			fail_msg("case %zu: '%s' does not say '%s'", i, why, bad[i].why);
	}
	assert_int_equal(boardio_facts_load("no-such.conf", &f, why, sizeof(why)), -ENOENT);
}

static void test_debounce_rule(void **state)
{
	(void)state;
	assert_true(boardio_debounce_accept(0, 5, 30));	     /* first edge */
	assert_false(boardio_debounce_accept(100, 110, 30)); /* bounce */
	assert_true(boardio_debounce_accept(100, 130, 30));  /* quiet long enough */
}

static void press(const char *line)
{
	int fd = open("panel/buttons", O_WRONLY | O_NONBLOCK);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
}

static unsigned handle(struct boardio *b)
{
	unsigned pressed = 99;

	assert_int_equal(boardio_handle(b, &pressed), 0);
	return pressed;
}

static void test_sim_buttons(void **state)
{
	struct boardio_facts f;
	struct boardio *b;
	int fds[BOARDIO_MAX_FDS];
	struct stat st;

	(void)state;
	write_file("board.conf", sim_facts);
	assert_int_equal(boardio_facts_load("board.conf", &f, NULL, 0), 0);
	assert_int_equal(boardio_open(&f, &b), 0);
	assert_int_equal(boardio_fds(b, fds), 2);
	assert_int_equal(stat("panel/buttons", &st), 0);
	assert_true(S_ISFIFO(st.st_mode));

	assert_int_equal(handle(b), 0);
	/* A clean press, with its bounces: one press. */
	press("start 1000\nstart release 1002\nstart press 1004\n");
	assert_int_equal(handle(b), 1u << BOARDIO_START);
	/* Release, bounce, then a real press long after: one more press. */
	press("start release 1200\nstart 1203\nstart release 1205\n");
	assert_int_equal(handle(b), 0);
	press("start 1300\n");
	assert_int_equal(handle(b), 1u << BOARDIO_START);
	/* Two buttons at once; junk lines are ignored; a partial line waits for its end. */
	press("stop 2000\nbogus 2000\nstart sideways\nresume 20");
	assert_int_equal(handle(b), 1u << BOARDIO_STOP);
	press("01\n");
	assert_int_equal(handle(b), 1u << BOARDIO_RESUME);
	/* Without a time: now. */
	press("stop\n");
	assert_int_equal(handle(b), 1u << BOARDIO_STOP);

	assert_null(boardio_close(b));
	/* The FIFO goes with the backend: a late writer fails instead of blocking. */
	assert_int_equal(stat("panel/buttons", &st), -1);
}

static void test_sim_leds(void **state)
{
	static const enum boardio_pattern attention[BOARDIO_LEDS] = { BOARDIO_OFF, BOARDIO_OFF,
								      BOARDIO_BLINK_FAST,
								      BOARDIO_OFF };
	static const enum boardio_pattern ready[BOARDIO_LEDS] = { BOARDIO_ON };
	enum boardio_pattern bad[BOARDIO_LEDS] = { BOARDIO_PATTERNS };
	struct boardio_facts f;
	struct boardio *b;
	int fds[BOARDIO_MAX_FDS];
	struct pollfd pfd;
	unsigned pressed;
	char buf[256];

	(void)state;
	write_file("board.conf", sim_facts);
	assert_int_equal(boardio_facts_load("board.conf", &f, NULL, 0), 0);
	assert_int_equal(boardio_open(&f, &b), 0);
	assert_non_null(read_file("panel/leds", buf, sizeof(buf)));
	assert_string_equal(buf, "ready=off busy=off attention=off error=off\n");

	assert_int_equal(boardio_set_leds(b, ready), 0);
	assert_string_equal(read_file("panel/leds", buf, sizeof(buf)),
			    "ready=on busy=off attention=off error=off\n");
	assert_int_equal(boardio_set_leds(b, attention), 0);
	assert_string_equal(read_file("panel/leds", buf, sizeof(buf)),
			    "ready=off busy=off attention=fast error=off\n");
	assert_int_equal(boardio_set_leds(b, bad), -EINVAL);

	/* Blinking runs from the timer the caller polls. */
	assert_int_equal(boardio_fds(b, fds), 2);
	pfd = (struct pollfd){ .fd = fds[1], .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(boardio_handle(b, &pressed), 0);
	assert_int_equal(pressed, 0);

	assert_null(boardio_close(b));
	assert_string_equal(read_file("panel/leds", buf, sizeof(buf)),
			    "ready=off busy=off attention=off error=off\n");
	assert_null(boardio_close(NULL));
}

static void test_no_backend(void **state)
{
	struct boardio_facts f;
	struct boardio *b = NULL;

	(void)state;
	write_file("board.conf", "[io]\nbackend = none\n");
	assert_int_equal(boardio_facts_load("board.conf", &f, NULL, 0), 0);
	assert_int_equal(boardio_open(&f, &b), -ENODEV);
	assert_null(b);
}

static void test_sim_watchdog(void **state)
{
	struct boardio_facts f;
	struct watchdog *w;
	char buf[512];
	unsigned long long t1, t2, t3;

	(void)state;
	write_file("board.conf", sim_facts);
	assert_int_equal(boardio_facts_load("board.conf", &f, NULL, 0), 0);
	unlink("panel/watchdog");
	assert_int_equal(watchdog_open(&f, &w), 0);
	assert_int_equal(watchdog_timeout_ms(w), 2000);
	assert_int_equal(watchdog_keepalive(w), 0);
	assert_int_equal(watchdog_keepalive(w), 0);
	assert_null(watchdog_close(w));
	assert_non_null(read_file("panel/watchdog", buf, sizeof(buf)));
	assert_int_equal(sscanf(buf, "open 2\nkeepalive %llu\nkeepalive %llu\nmagic-close %llu\n",
				&t1, &t2, &t3),
			 3);
	assert_true(t1 <= t2 && t2 <= t3);
}

static void test_watchdog_none(void **state)
{
	struct boardio_facts f;
	struct watchdog *w = NULL;

	(void)state;
	write_file("board.conf", "[watchdog]\ndevice =\n");
	assert_int_equal(boardio_facts_load("board.conf", &f, NULL, 0), 0);
	assert_int_equal(watchdog_open(&f, &w), -ENODEV);
	write_file("board.conf", "[watchdog]\ndevice = /nonexistent/watchdog\n");
	assert_int_equal(boardio_facts_load("board.conf", &f, NULL, 0), 0);
	assert_int_equal(watchdog_open(&f, &w), -ENOENT);
	assert_null(w);
	assert_int_equal(watchdog_keepalive(NULL), 0);
	assert_null(watchdog_close(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facts_sim),     cmocka_unit_test(test_facts_boards),
		cmocka_unit_test(test_facts_bad),     cmocka_unit_test(test_debounce_rule),
		cmocka_unit_test(test_sim_buttons),   cmocka_unit_test(test_sim_leds),
		cmocka_unit_test(test_no_backend),    cmocka_unit_test(test_sim_watchdog),
		cmocka_unit_test(test_watchdog_none),
	};

	return cmocka_run_group_tests_name("boardio", tests, NULL, NULL);
}
