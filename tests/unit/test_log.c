/* Logging: levels, targets, and log_errno's return value, as read back from stderr. */
#include <errno.h>
#include <fcntl.h>
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

static char captured[4096];

/* Runs @fn with stderr sent to a temporary file, and leaves what it wrote in captured. */
static void capture(void (*fn)(void))
{
	char path[] = "/tmp/folio-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, captured, sizeof(captured) - 1);
	captured[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

static void say_things(void)
{
	log_err("scanner '%s' reports a paper jam", "folio:x");
	log_info("batch %d closed", 7);
	log_debug("hidden at info");
}

static void test_terminal_format(void **state)
{
	(void)state;
	log_open("folio", LOG_TARGET_TERMINAL);
	log_set_level(LOG_INFO);
	capture(say_things);
	assert_string_equal(captured, "folio: scanner 'folio:x' reports a paper jam\n"
				      "folio: batch 7 closed\n");
}

static void progress_with_a_warning(void)
{
	fprintf(stderr, "\r  OCR: 3 done   ");
	log_line_open();
	log_warn("ocr worker %d lost", 2);
	fprintf(stderr, "\r  OCR: 4 done   ");
	log_line_open();
	log_line_close();
	log_line_close(); /* ended already: no empty line */
	fprintf(stderr, "\r  OCR: 5 done   ");
	log_line_open();
	log_warn("after the last step");
	log_line_close(); /* the message ended the line */
}

/* A message while a progress line stands starts on a line of its own, and the end adds none. */
static void test_message_below_a_progress_line(void **state)
{
	(void)state;
	log_open("folio", LOG_TARGET_TERMINAL);
	log_set_level(LOG_INFO);
	capture(progress_with_a_warning);
	assert_string_equal(captured, "\r  OCR: 3 done   \nfolio: ocr worker 2 lost\n"
				      "\r  OCR: 4 done   \n"
				      "\r  OCR: 5 done   \nfolio: after the last step\n");
}

static void test_journal_prefixes(void **state)
{
	(void)state;
	log_open("foliod", LOG_TARGET_JOURNAL);
	log_set_level(LOG_DEBUG);
	capture(say_things);
	assert_string_equal(captured, "<3>scanner 'folio:x' reports a paper jam\n"
				      "<6>batch 7 closed\n<7>hidden at info\n");
	log_open("folio", LOG_TARGET_TERMINAL);
}

static void say_error(void)
{
	int r =
	    log_errno(-ENOSPC, "cannot write '%s': %s", "store/data.mdb", folio_strerror(-ENOSPC));

	assert_int_equal(r, -ENOSPC);
	assert_int_equal(log_errno(ENOSPC, "positive errors come back negative"), -ENOSPC);
	log_set_level(LOG_ERR);
	assert_int_equal(log_warn_errno(-EIO, "filtered, still returned"), -EIO);
	log_set_level(LOG_INFO);
}

static void test_log_errno(void **state)
{
	(void)state;
	log_open("folio", LOG_TARGET_TERMINAL);
	capture(say_error);
	assert_string_equal(captured,
			    "folio: cannot write 'store/data.mdb': No space left on device\n"
			    "folio: positive errors come back negative\n");
}

static void long_message(void)
{
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_err("%s", big);
}

static void test_long_message_is_one_line(void **state)
{
	(void)state;
	capture(long_message);
	assert_int_equal(strchr(captured, '\n') - captured + 1, (long)strlen(captured));
	assert_true(strlen(captured) < 2100);
}

static void test_parse_level(void **state)
{
	(void)state;
	assert_int_equal(log_parse_level("err"), LOG_ERR);
	assert_int_equal(log_parse_level("warning"), LOG_WARNING);
	assert_int_equal(log_parse_level("info"), LOG_INFO);
	assert_int_equal(log_parse_level("debug"), LOG_DEBUG);
	assert_int_equal(log_parse_level("6"), LOG_INFO);
	assert_int_equal(log_parse_level("loud"), -EINVAL);
	assert_int_equal(log_parse_level("9"), -EINVAL);
	assert_int_equal(log_parse_level(""), -EINVAL);
	assert_int_equal(log_parse_level(NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminal_format),
		cmocka_unit_test(test_message_below_a_progress_line),
		cmocka_unit_test(test_journal_prefixes),
		cmocka_unit_test(test_log_errno),
		cmocka_unit_test(test_long_message_is_one_line),
		cmocka_unit_test(test_parse_level),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
