/* The panel: LED table, button decisions, capture outcomes, and a panel on the sim board. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "log.h"
#include "firmware/panel/panel.h"

static void test_leds_table(void **state)
{
	/* What the README promises, LED by LED: ready, busy, attention, error. */
	static const struct {
		enum panel_state s;
		const char *leds;
	} want[] = {
		{ PANEL_STARTING, "slow off off off" }, { PANEL_READY, "on off off off" },
		{ PANEL_CAPTURING, "off on off off" },	{ PANEL_STOPPING, "off fast off off" },
		{ PANEL_PAUSED, "on off on off" },	{ PANEL_ATTENTION, "off off fast off" },
		{ PANEL_ERROR, "off off off on" },	{ PANEL_OFF, "off off off off" },
	};
	enum boardio_pattern p[BOARDIO_LEDS];
	char got[64];

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		panel_leds(want[i].s, p);
		snprintf(got, sizeof(got), "%s %s %s %s", boardio_pattern_name(p[0]),
			 boardio_pattern_name(p[1]), boardio_pattern_name(p[2]),
			 boardio_pattern_name(p[3]));
		if (strcmp(got, want[i].leds) != 0)
			fail_msg("%s: %s, not %s", panel_state_name(want[i].s), got, want[i].leds);
	}
}

static void test_decide(void **state)
{
	(void)state;
	assert_int_equal(panel_decide(PANEL_READY, BOARDIO_START, false), PANEL_DO_START);
	assert_int_equal(panel_decide(PANEL_READY, BOARDIO_STOP, false), PANEL_DO_NOTHING);
	assert_int_equal(panel_decide(PANEL_READY, BOARDIO_RESUME, false), PANEL_DO_NOTHING);
	assert_int_equal(panel_decide(PANEL_CAPTURING, BOARDIO_STOP, true), PANEL_DO_CANCEL);
	assert_int_equal(panel_decide(PANEL_CAPTURING, BOARDIO_START, true), PANEL_DO_NOTHING);
	assert_int_equal(panel_decide(PANEL_STOPPING, BOARDIO_STOP, true), PANEL_DO_NOTHING);
	/* At a fault: Resume continues, Stop closes, Start does nothing. */
	assert_int_equal(panel_decide(PANEL_ATTENTION, BOARDIO_RESUME, true), PANEL_DO_RESUME);
	assert_int_equal(panel_decide(PANEL_ATTENTION, BOARDIO_STOP, true), PANEL_DO_CLOSE);
	assert_int_equal(panel_decide(PANEL_ATTENTION, BOARDIO_START, true), PANEL_DO_NOTHING);
	assert_int_equal(panel_decide(PANEL_ATTENTION, BOARDIO_RESUME, false), PANEL_DO_START);
	/* Paused by Stop: Start begins a new batch (closing the open one). */
	assert_int_equal(panel_decide(PANEL_PAUSED, BOARDIO_START, true), PANEL_DO_START);
	assert_int_equal(panel_decide(PANEL_PAUSED, BOARDIO_STOP, true), PANEL_DO_CLOSE);
	assert_int_equal(panel_decide(PANEL_ERROR, BOARDIO_STOP, false), PANEL_DO_CLEAR);
	assert_int_equal(panel_decide(PANEL_ERROR, BOARDIO_START, false), PANEL_DO_START);
	assert_int_equal(panel_decide(PANEL_STARTING, BOARDIO_START, false), PANEL_DO_NOTHING);
}

static void test_after(void **state)
{
	(void)state;
	assert_int_equal(panel_after(0), PANEL_READY);
	assert_int_equal(panel_after(-FOLIO_ECANCELLED), PANEL_PAUSED);
	assert_int_equal(panel_after(-FOLIO_EJAM), PANEL_ATTENTION);
	assert_int_equal(panel_after(-FOLIO_EDOUBLEFEED), PANEL_ATTENTION);
	assert_int_equal(panel_after(-FOLIO_ECOVEROPEN), PANEL_ATTENTION);
	assert_int_equal(panel_after(-FOLIO_EDEVGONE), PANEL_ATTENTION);
	assert_int_equal(panel_after(-FOLIO_ESTOREFULL), PANEL_ERROR);
	assert_int_equal(panel_after(-ENOENT), PANEL_ERROR);
}

static char *leds(char *buf, size_t size)
{
	FILE *f = fopen("panel/leds", "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)size, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void press(const char *line)
{
	int fd = open("panel/buttons", O_WRONLY | O_NONBLOCK);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
}

/* Polls the panel's descriptors until the buttons' FIFO has been read. */
static void serve(struct panel *p)
{
	struct pollfd fds[PANEL_MAX_FDS];
	size_t n = panel_fds(p, fds, PANEL_MAX_FDS);

	assert_true(n >= 2);
	assert_true(poll(fds, n, 5000) > 0);
	assert_int_equal(panel_handle(p, NULL, fds, n), 0);
}

static void test_panel_sim(void **state)
{
	struct folio_config *cfg = calloc(1, sizeof(*cfg));
	struct panel *p = NULL;
	char buf[128], why[160];
	FILE *f;

	(void)state;
	assert_non_null(cfg);
	f = fopen("board.conf", "w");
	assert_non_null(f);
	fputs("[board]\nname = t\n[io]\nbackend = sim\nsim_dir = panel\n"
	      "[watchdog]\ndevice = sim\ntimeout_s = 4\n",
	      f);
	fclose(f);
	snprintf(cfg->path, sizeof(cfg->path), "test.conf");
	snprintf(cfg->board_facts, sizeof(cfg->board_facts), "board.conf");
	/* No [capture] device: Start cannot capture and says so with the error LED. */
	assert_int_equal(panel_new(cfg, PANEL_WATCHDOG, &p, why, sizeof(why)), 0);
	assert_non_null(strstr(panel_describe(p), "simulated buttons and LEDs"));
	assert_non_null(strstr(panel_describe(p), "fed by foliod"));
	assert_int_equal(panel_state(p), PANEL_STARTING);
	assert_string_equal(leds(buf, sizeof(buf)), "ready=slow busy=off attention=off error=off");
	panel_set_state(p, PANEL_READY);
	assert_string_equal(leds(buf, sizeof(buf)), "ready=on busy=off attention=off error=off");

	log_set_level(LOG_CRIT); /* the panel explains the missing device: not for this log */
	press("start\n");
	serve(p);
	assert_int_equal(panel_state(p), PANEL_ERROR);
	assert_string_equal(leds(buf, sizeof(buf)), "ready=off busy=off attention=off error=on");
	press("stop\n");
	serve(p);
	assert_int_equal(panel_state(p), PANEL_READY);

	/* The watchdog: opened and fed at the first call, then only when due. */
	assert_int_equal(panel_timeout_ms(p), 0);
	assert_int_equal(panel_keepalive(p), 0);
	assert_int_equal(panel_keepalive(p), 0);
	assert_true(panel_timeout_ms(p) > 0 && panel_timeout_ms(p) <= 1000);
	p = panel_free(p);
	assert_null(p);
	assert_string_equal(leds(buf, sizeof(buf)), "ready=off busy=off attention=off error=off");
	f = fopen("panel/watchdog", "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "open 4\n");
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_memory_equal(buf, "keepalive ", 10);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_memory_equal(buf, "magic-close ", 12);
	assert_null(fgets(buf, sizeof(buf), f));
	fclose(f);

	/* Without the flag (systemd owns the watchdog) it is never opened. */
	unlink("panel/watchdog");
	assert_int_equal(panel_new(cfg, 0, &p, why, sizeof(why)), 0);
	assert_non_null(strstr(panel_describe(p), "left to systemd"));
	assert_int_equal(panel_keepalive(p), 0);
	assert_int_equal(panel_timeout_ms(p), -1);
	panel_free(p);
	assert_int_equal(access("panel/watchdog", F_OK), -1);

	/* No facts file: no panel, and every call takes the NULL. */
	snprintf(cfg->board_facts, sizeof(cfg->board_facts), "missing.conf");
	assert_int_equal(panel_new(cfg, 0, &p, why, sizeof(why)), -ENOENT);
	assert_int_equal(panel_fds(NULL, NULL, 0), 0);
	assert_int_equal(panel_keepalive(NULL), 0);
	assert_int_equal(panel_state(NULL), PANEL_OFF);
	assert_null(panel_free(NULL));
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leds_table),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_after),
		cmocka_unit_test(test_panel_sim),
	};

	return cmocka_run_group_tests_name("panel", tests, NULL, NULL);
}
