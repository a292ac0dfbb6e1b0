/* The runtime configuration parser: every kind of problem, with its line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/config/config.h"

static struct folio_config cfg;
static struct config_problems problems;

#define MINIMAL "[station]\nid = SIM-01\noffice = KE\n"

static int load(const char *text)
{
	return config_load_string("t.conf", text, &cfg, &problems);
}

/* True when some problem contains @needle. */
static bool problem_has(const char *needle)
{
	for (size_t i = 0; i < problems.n; i++)
		if (strstr(problems.text[i], needle))
			return true;
	return false;
}

static void print_problems(void)
{
	for (size_t i = 0; i < problems.n; i++)
		print_message("  problem: %s\n", problems.text[i]);
}

static void test_minimal_gets_defaults(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL), 0);
	assert_int_equal(problems.n, 0);
	assert_string_equal(cfg.station_id, "SIM-01");
	assert_string_equal(cfg.office, "KE");
	assert_string_equal(cfg.store_path, "/var/lib/folio/store");
	assert_int_equal(cfg.map_size_mb, 4096);
	assert_int_equal(cfg.n_profiles, 1);
	assert_non_null(config_find_profile(&cfg, "default"));
	assert_int_equal(cfg.profiles[0].resolution, 300);
	assert_int_equal(cfg.profiles[0].source, SCAN_SOURCE_ADF);
}

static void test_values_are_read(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL "log_level = debug\n"
				      "[store]\nmap_size_mb = 64\n"
				      "[capture]\ndevice = folio:/srv/pages\nprofile = colour\n"
				      "[profile colour]\nmode = color\nresolution = 200\n"
				      "source = duplex\njpeg_quality = 70\npage_size = letter\n"
				      "[document]\nip_type = trademark\nlanguage = fr\n"),
			 0);
	assert_int_equal(cfg.log_level, 7);
	assert_int_equal(cfg.map_size_mb, 64);
	assert_string_equal(cfg.device, "folio:/srv/pages");
	const struct scan_profile *p = config_find_profile(&cfg, "colour");
	assert_non_null(p);
	assert_int_equal(p->mode, SCAN_MODE_COLOR);
	assert_int_equal(p->source, SCAN_SOURCE_DUPLEX);
	assert_int_equal(p->resolution, 200);
	assert_int_equal(p->jpeg_quality, 70);
	assert_int_equal(p->page_size, PAGE_SIZE_LETTER);
	assert_int_equal(cfg.ip_type, 1);
	assert_string_equal(cfg.language, "fr");
}

static void test_unknown_key_has_line(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL "colour = blue\n"), -FOLIO_ECONFIG);
	print_problems();
	assert_int_equal(problems.n, 1);
	assert_string_equal(problems.text[0], "t.conf:4: unknown key 'colour' in [station]");
}

static void test_unknown_section(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL "[scanner]\ndevice = x\n"), -FOLIO_ECONFIG);
	assert_true(problem_has("t.conf:5: unknown section [scanner]"));
}

static void test_bad_numbers(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL "[store]\nmap_size_mb = lots\nreserve_mb = -5\n"),
			 -FOLIO_ECONFIG);
	print_problems();
	assert_true(
	    problem_has("t.conf:5: bad value for 'map_size_mb': 'lots' is not a whole number"));
	assert_true(problem_has("t.conf:6: bad value for 'reserve_mb': -5 is out of range (0 to"));
	assert_int_equal(load(MINIMAL "[store]\nmap_size_mb = 99999999999999999999\n"),
			 -FOLIO_ECONFIG);
	assert_true(problem_has("not a whole number"));
}

static void test_bad_choice_lists_choices(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL "[profile x]\nmode = sepia\n[capture]\nprofile = x\n"),
			 -FOLIO_ECONFIG);
	assert_true(problem_has(
	    "t.conf:5: bad value for 'mode': 'sepia' is not one of: lineart gray color"));
}

/* Patch sheets: 2, 3 and T start documents and are kept unless a profile says otherwise. */
static void test_patch_keys(void **state)
{
	const struct scan_profile *p;

	(void)state;
	assert_int_equal(load(MINIMAL), 0);
	p = config_find_profile(&cfg, "default");
	assert_non_null(p);
	assert_int_equal(p->patch[2], PATCH_ACTION_NEW_DOCUMENT);
	assert_int_equal(p->patch[3], PATCH_ACTION_NEW_DOCUMENT);
	assert_int_equal(p->patch[5], PATCH_ACTION_NEW_DOCUMENT); /* T */
	assert_int_equal(p->patch[1], PATCH_ACTION_IGNORE);
	assert_int_equal(p->patch_sheets, PATCH_SHEET_KEEP);
	assert_int_equal(load(MINIMAL "[profile x]\npatch_t = ignore\npatch_6 = new-document\n"
				      "patch_sheets = drop\n[capture]\nprofile = x\n"),
			 0);
	p = config_find_profile(&cfg, "x");
	assert_non_null(p);
	assert_int_equal(p->patch[5], PATCH_ACTION_IGNORE);
	assert_int_equal(p->patch[6], PATCH_ACTION_NEW_DOCUMENT);
	assert_int_equal(p->patch[2], PATCH_ACTION_NEW_DOCUMENT);
	assert_int_equal(p->patch_sheets, PATCH_SHEET_DROP);
	assert_int_equal(load(MINIMAL "[profile x]\npatch_2 = new-batch\n[capture]\nprofile = x\n"),
			 0);
	p = config_find_profile(&cfg, "x");
	assert_non_null(p);
	assert_int_equal(p->patch[2], PATCH_ACTION_NEW_BATCH);
	assert_int_equal(
	    load(MINIMAL "[profile x]\npatch_2 = new-folder\n[capture]\nprofile = x\n"),
	    -FOLIO_ECONFIG);
	assert_true(problem_has("t.conf:5: bad value for 'patch_2': 'new-folder' is not one of: "
				"ignore new-document new-batch"));
}

static void test_bad_office_code(void **state)
{
	(void)state;
	assert_int_equal(load("[station]\nid = S1\noffice = ZZ\n"), -FOLIO_ECONFIG);
	assert_true(problem_has("t.conf:3: bad value for 'office': not a WIPO ST.3 office code"));
	assert_int_equal(load("[station]\nid = S1\noffice = ke\n"), -FOLIO_ECONFIG);
	assert_int_equal(load("[station]\nid = S1\noffice = EP\n"), 0);
}

static void test_missing_required(void **state)
{
	(void)state;
	assert_int_equal(load("[station]\nid = S1\n"), -FOLIO_ECONFIG);
	assert_int_equal(problems.n, 1);
	assert_true(problem_has("t.conf: [station] office is required"));
	assert_int_equal(load(""), -FOLIO_ECONFIG);
	assert_int_equal(problems.n, 2);
}

static void test_duplicate_key(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL "id = SIM-02\n"), -FOLIO_ECONFIG);
	assert_true(problem_has("t.conf:4: 'id' is set twice in [station] (first on line 2)"));
}

static void test_syntax_error(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL "this line has no equals sign\n"), -FOLIO_ECONFIG);
	assert_true(problem_has("t.conf:4: syntax error"));
}

static void test_overlong_line(void **state)
{
	char *text = malloc(5000);

	(void)state;
	assert_non_null(text);
	strcpy(text, MINIMAL "[capture]\ndevice = ");
	memset(text + strlen(text), 'x', 3000);
	strcpy(text + strlen(MINIMAL "[capture]\ndevice = ") + 3000, "\n[upload]\nnope = 1\n");
	assert_int_equal(load(text), -FOLIO_ECONFIG);
	print_problems();
	assert_true(problem_has("t.conf:5: line too long"));
	/* Parsing goes on after it: the next problem still has its right line. */
	assert_true(problem_has("t.conf:7: unknown key 'nope' in [upload]"));
	free(text);
}

static void test_all_problems_at_once(void **state)
{
	(void)state;
	assert_int_equal(load("[station]\nid = bad id!\nwho = me\n[store]\nmap_size_mb = 1\n"),
			 -FOLIO_ECONFIG);
	print_problems();
	assert_int_equal(problems.n, 4); /* id, who, map_size_mb, missing office */
	assert_true(problem_has("t.conf:2: bad value for 'id'"));
	assert_true(problem_has("t.conf:3: unknown key 'who'"));
	assert_true(problem_has("t.conf:5: bad value for 'map_size_mb': 1 is out of range"));
	assert_true(problem_has("office is required"));
}

static void test_profiles(void **state)
{
	char text[4096];
	size_t n;

	(void)state;
	assert_int_equal(load(MINIMAL "[capture]\nprofile = fast\n"), -FOLIO_ECONFIG);
	assert_true(problem_has("profile 'fast' is not defined"));
	assert_int_equal(load(MINIMAL "[profile]\nmode = gray\n"), -FOLIO_ECONFIG);
	assert_true(problem_has("needs a name"));
	assert_int_equal(load(MINIMAL "[profile a b]\nmode = gray\n"), -FOLIO_ECONFIG);
	assert_true(problem_has("bad profile name 'a b'"));

	n = (size_t)snprintf(text, sizeof(text), MINIMAL "[capture]\nprofile = p0\n");
	for (int i = 0; i < CONFIG_MAX_PROFILES + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[profile p%d]\nresolution = 200\n", i);
	assert_int_equal(load(text), -FOLIO_ECONFIG);
	assert_true(problem_has("too many profiles"));
}

static void test_nul_byte_refused(void **state)
{
	char path[] = "/tmp/folio-config-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	/* Text stops at a NUL by nature; the file reader must refuse it. */
	assert_true(fd >= 0);
	static const char text[] = "[station]\nid = S1\noffice = KE\nlog_level = in\0fo\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(config_load(path, &cfg, &problems), -FOLIO_ECONFIG);
	assert_true(problem_has(":4: line contains a NUL byte"));
	unlink(path);
}

static void test_missing_file(void **state)
{
	(void)state;
	assert_int_equal(config_load("/nonexistent/folio.conf", &cfg, &problems), -ENOENT);
	assert_true(problem_has("/nonexistent/folio.conf: cannot read: No such file or directory"));
}

static void test_relative_paths_follow_the_file(void **state)
{
	char dir[] = "/tmp/folio-config-dir-XXXXXX", path[128];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/folio.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(MINIMAL "[store]\npath = store\n[capture]\nsane_config_dir = /etc/x\n"
		      "[upload]\ntarget = file://outbox\n",
	      f);
	fclose(f);
	assert_int_equal(config_load(path, &cfg, &problems), 0);
	char want[256];
	snprintf(want, sizeof(want), "%s/store", dir);
	assert_string_equal(cfg.store_path, want);
	assert_string_equal(cfg.sane_config_dir, "/etc/x");
	snprintf(want, sizeof(want), "file://%s/outbox", dir);
	assert_string_equal(cfg.upload_target, want);
	unlink(path);
	rmdir(dir);
}

static void test_bad_upload_target(void **state)
{
	(void)state;
	assert_int_equal(load(MINIMAL "[upload]\ntarget = ftp://example/\n"), -FOLIO_ECONFIG);
	assert_true(problem_has("t.conf:5: bad value for 'target'"));
}

static void test_dump_round_trips(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct folio_config again;

	(void)state;
	assert_int_equal(load(MINIMAL "[profile gray]\nmode = gray\n"), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_dump(&cfg, f);
	fclose(f);
	assert_int_equal(config_load_string("dump", text, &again, &problems), 0);
	assert_string_equal(again.station_id, cfg.station_id);
	assert_int_equal(again.n_profiles, cfg.n_profiles);
	assert_non_null(strstr(text, "[profile gray]\nsource = adf\nmode = gray\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_gets_defaults),
		cmocka_unit_test(test_values_are_read),
		cmocka_unit_test(test_unknown_key_has_line),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_choice_lists_choices),
		cmocka_unit_test(test_patch_keys),
		cmocka_unit_test(test_bad_office_code),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_all_problems_at_once),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_relative_paths_follow_the_file),
		cmocka_unit_test(test_bad_upload_target),
		cmocka_unit_test(test_dump_round_trips),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
