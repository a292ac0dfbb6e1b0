#ifndef FOLIO_CMD_H
#define FOLIO_CMD_H

/*
 * The command table shared by `folio` and, later, the technician console: one verb (with an
 * optional sub-verb) per entry, its usage, a summary, what it needs and its handler.
 *
 * Handlers return 0 or a negative error. They print results on env->out and explain a
 * failure in one line through log_err() before returning it; cmd_exit_status() turns the
 * error into the process exit status (0 success, 1 failure, 2 wrong usage or configuration).
 */

#include <stdbool.h>
#include <stdio.h>

#include "kconfig.h"
#include "options.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"

/*
 * What the session running a command does for the verbs that act on it (CMD_SESSION): the
 * technician console (firmware/console) provides it, below which cmd knows nothing of it.
 */
struct cmd_session {
	/* check KEY = VALUE, keep it for 'config save', apply it when it can; 0, -EINVAL, -ENOENT */
	int (*config_set)(struct cmd_session *s, const char *key, const char *value, FILE *out);
	/* write the changes kept for 'config save' to the configuration file; 0 or -errno */
	int (*config_save)(struct cmd_session *s, FILE *out);
	/* end the session when the running command returns */
	void (*logout)(struct cmd_session *s);
};

struct cmd_env {
	const char *config_path;     /* --config, FOLIO_CONFIG, or the default */
	const char *store_dir;	     /* --store: overrides [store] path */
	const char *who;	     /* user name recorded in the event log */
	FILE *out;		     /* results */
	struct folio_config *cfg;    /* loaded by cmd_load_config() */
	struct store *store;	     /* opened by cmd_open_store() */
	struct cmd_session *session; /* the console session running the command, or NULL */
};

enum cmd_needs {
	CMD_NEEDS_CONFIG = 1 << 0,
	CMD_NEEDS_STORE = 1 << 1 | CMD_NEEDS_CONFIG,
	/* For the technician console (firmware/console): */
	CMD_SESSION = 1 << 2,	     /* quick, acts on the session: runs inside it */
	CMD_CONFIRM = 1 << 3,	     /* asks "yes" first, then runs with --yes */
	CMD_NOT_IN_CONSOLE = 1 << 4, /* needs the caller's own terminal */
	/*
	 * The handler checks its options with cmd_options() and its arguments first, then
	 * loads what it needs with cmd_load(): wrong usage is told before a configuration or
	 * store problem. Without it the command takes no options: cmd_dispatch() checks that
	 * (and answers --help) before it loads what the command needs and runs the handler,
	 * which finds its arguments in argv[1..] ("--" taken out).
	 */
	CMD_PARSES_FIRST = 1 << 5,
};

struct command {
	const char *verb;
	const char *sub;  /* sub-verb ("list" in "batch list"), or NULL */
	const char *args; /* usage after the verbs */
	const char *summary;
	const char *help; /* longer text for `folio VERB --help`, or NULL */
	unsigned needs;	  /* enum cmd_needs */
	int (*run)(struct cmd_env *env, int argc, char **argv); /* NULL: left out, see CMD_IF */
	const char *without; /* when run is NULL: what this build left out, "OCR (CONFIG_OCR)" */
};

/*
 * CMD_IF - the handler @fn of a subsystem that can be left out of the build (make
 * menuconfig), as the last two fields of a command: without CONFIG_<opt> the command stays
 * in the table, its handler is not linked, and it answers "this station was built without
 * @what (CONFIG_<opt>)" in one line, exit status 2.
 */
#define CMD_IF(opt, what, fn) IS_ENABLED(CONFIG_##opt) ? (fn) : NULL, what " (CONFIG_" #opt ")"

/*
 * cmd_dispatch - run the command named by argv[0] (and argv[1] for sub-verbs)
 *
 * Handles `help`, `help VERB`, unknown verbs and the options of commands that take none
 * itself; loads the configuration and opens the store when the command needs them, after
 * its usage was checked (CMD_PARSES_FIRST). Returns the handler's result.
 */
int cmd_dispatch(struct cmd_env *env, int argc, char **argv);

/*
 * cmd_find - the table entry argv names (verb, and sub-verb when the verb has them), as
 * cmd_dispatch() would run it; NULL for an unknown or incomplete command
 */
const struct command *cmd_find(int argc, char **argv);

/* cmd_table - the whole table (its size in @ret_n), e.g. for completion; static */
const struct command *cmd_table(size_t *ret_n);

/* cmd_exit_status - exit status for a command result */
int cmd_exit_status(int r);

/* cmd_usage_error - report wrong usage of @c in one line; returns -FOLIO_EUSAGE */
int cmd_usage_error(const struct command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * cmd_options - check the options of the command being run against @opts (options.h)
 *
 * Moves its arguments to argv[1..] as opt_parse() does. Returns the new argc (at least 1);
 * 0 when -h/--help printed the command's help (the handler returns 0: done); or
 * -FOLIO_EUSAGE, told in one line.
 */
int cmd_options(struct cmd_env *env, const struct opt *opts, int argc, char **argv);

/*
 * cmd_options_no_arguments - cmd_options() for a command that takes options and no argument:
 * an argument is wrong usage, told in one line. Returns 1 to go on, 0 when -h/--help printed
 * the command's help (the handler returns 0: done), or -FOLIO_EUSAGE.
 */
int cmd_options_no_arguments(struct cmd_env *env, const struct opt *opts, int argc, char **argv);

/*
 * cmd_load - load the configuration and open the store as the command being run needs
 * (a handler of a CMD_PARSES_FIRST command calls it once its usage is checked); does
 * nothing for what is loaded already (in the console). Returns 0 or the error it told.
 */
int cmd_load(struct cmd_env *env);

/*
 * cmd_options_batch - cmd_options_no_arguments() for a command with a --batch BATCH option,
 * whose value @opts sets in *@batch_arg, then that value as a batch number in *@ret
 * (cmd_parse_batch(): *@ret stays without --batch). Returns 1 to go on, 0 when -h/--help
 * printed the command's help (the handler returns 0: done), or -FOLIO_EUSAGE, told.
 */
int cmd_options_batch(struct cmd_env *env, const struct opt *opts, int argc, char **argv,
		      const char *const *batch_arg, unsigned *ret);

/*
 * cmd_load_batch - cmd_load(), then batch @id from the store in *@ret: for a command on one
 * batch, once its usage is checked. Returns 0 or the error told in one line (for a batch
 * that cannot be read: cmd_batch_error()).
 */
int cmd_load_batch(struct cmd_env *env, unsigned id, struct batch_info *ret);

/*
 * cmd_options_then_load - cmd_options_no_arguments(), then cmd_load(): for a command whose
 * options need no check of their own. Returns 1 to go on, 0 when -h/--help printed the
 * command's help (the handler returns 0: done), or the error told.
 */
int cmd_options_then_load(struct cmd_env *env, const struct opt *opts, int argc, char **argv);

/* cmd_current - the command being run (for usage messages) */
const struct command *cmd_current(void);

/* cmd_parse_u32 - a positive decimal number up to @max; -EINVAL otherwise */
int cmd_parse_u32(const char *s, unsigned max, unsigned *ret);

/*
 * cmd_parse_batch - the batch number @arg (BATCH, or the value of --batch) into *@ret
 * Returns 0 (also for @arg NULL, an option not given: *@ret stays), or -FOLIO_EUSAGE told
 * in one line.
 */
int cmd_parse_batch(const char *arg, unsigned *ret);

/*
 * cmd_batch_error - explain in one line that batch @id could not be read (@r from the store,
 * "no batch N in the store" for -FOLIO_ENOTFOUND); returns @r
 */
int cmd_batch_error(int r, unsigned id);

/* The handlers, one file per verb. */
int cmd_config_check(struct cmd_env *env, int argc, char **argv);
int cmd_config_show(struct cmd_env *env, int argc, char **argv);
int cmd_devices(struct cmd_env *env, int argc, char **argv);
int cmd_scan(struct cmd_env *env, int argc, char **argv);
int cmd_batch_list(struct cmd_env *env, int argc, char **argv);
int cmd_batch_show(struct cmd_env *env, int argc, char **argv);
int cmd_batch_close(struct cmd_env *env, int argc, char **argv);
int cmd_batch_approve(struct cmd_env *env, int argc, char **argv);
int cmd_batch_reject(struct cmd_env *env, int argc, char **argv);
int cmd_batch_reopen(struct cmd_env *env, int argc, char **argv);
int cmd_export(struct cmd_env *env, int argc, char **argv);
int cmd_doc_set(struct cmd_env *env, int argc, char **argv);
int cmd_doc_list(struct cmd_env *env, int argc, char **argv);
int cmd_coversheet(struct cmd_env *env, int argc, char **argv);
int cmd_keygen(struct cmd_env *env, int argc, char **argv);
int cmd_verify(struct cmd_env *env, int argc, char **argv);
int cmd_page_export(struct cmd_env *env, int argc, char **argv);
int cmd_page_grey(struct cmd_env *env, int argc, char **argv);
int cmd_ocr(struct cmd_env *env, int argc, char **argv);
int cmd_ocr_status(struct cmd_env *env, int argc, char **argv);
int cmd_ocr_score(struct cmd_env *env, int argc, char **argv);
int cmd_batch_confirm(struct cmd_env *env, int argc, char **argv);
int cmd_batch_purge(struct cmd_env *env, int argc, char **argv);
int cmd_queue_stats(struct cmd_env *env, int argc, char **argv);
int cmd_store_check(struct cmd_env *env, int argc, char **argv);
int cmd_store_reindex(struct cmd_env *env, int argc, char **argv);
int cmd_search(struct cmd_env *env, int argc, char **argv);
int cmd_store_stats(struct cmd_env *env, int argc, char **argv);
int cmd_store_keygen(struct cmd_env *env, int argc, char **argv);
int cmd_upload(struct cmd_env *env, int argc, char **argv);
int cmd_upload_package(struct cmd_env *env, int argc, char **argv);
int cmd_upload_status(struct cmd_env *env, int argc, char **argv);
int cmd_backup(struct cmd_env *env, int argc, char **argv);
int cmd_restore(struct cmd_env *env, int argc, char **argv);

/* The technician's verbs and the console (cmd_console.c). */
int cmd_console(struct cmd_env *env, int argc, char **argv);
int cmd_console_passwd(struct cmd_env *env, int argc, char **argv);
int cmd_web_user(struct cmd_env *env, int argc, char **argv);
int cmd_web_users(struct cmd_env *env, int argc, char **argv);

/* Asks for a new password twice on a terminal (once from a pipe), @min..max characters. */
int cmd_ask_new_password(char *pw, size_t size, size_t min);
/*
 * cmd_ask_secret - one line of at most @size - 1 bytes from standard input, not echoed on a
 * terminal (@prompt on standard error first); -E2BIG for a longer one, -ENODATA at the end
 */
int cmd_ask_secret(const char *prompt, char *buf, size_t size);
/* Checks an accounts file before it is written: 0 (also when missing), or says what is wrong. */
int cmd_check_accounts_file(const char *file);
int cmd_status(struct cmd_env *env, int argc, char **argv);
int cmd_scan_test(struct cmd_env *env, int argc, char **argv);
int cmd_config_set(struct cmd_env *env, int argc, char **argv);
int cmd_config_save(struct cmd_env *env, int argc, char **argv);
int cmd_log_tail(struct cmd_env *env, int argc, char **argv);
int cmd_log_show(struct cmd_env *env, int argc, char **argv);
int cmd_selftest(struct cmd_env *env, int argc, char **argv);
int cmd_date(struct cmd_env *env, int argc, char **argv);
int cmd_logout(struct cmd_env *env, int argc, char **argv);
int cmd_reboot(struct cmd_env *env, int argc, char **argv);

/*
 * cmd_store_configure - apply the [store] settings (reserve, station key, sealing) to
 * env->store; explains a failure in one line (e.g. a key file others can read) and returns it
 */
int cmd_store_configure(struct cmd_env *env);

#endif
