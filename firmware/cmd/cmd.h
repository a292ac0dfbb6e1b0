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

#include "firmware/config/config.h"
#include "firmware/store/store.h"

struct cmd_env {
	const char *config_path;  /* --config, FOLIO_CONFIG, or the default */
	const char *store_dir;	  /* --store: overrides [store] path */
	const char *who;	  /* user name recorded in the event log */
	FILE *out;		  /* results */
	struct folio_config *cfg; /* loaded by cmd_load_config() */
	struct store *store;	  /* opened by cmd_open_store() */
};

enum cmd_needs {
	CMD_NEEDS_CONFIG = 1 << 0,
	CMD_NEEDS_STORE = 1 << 1 | CMD_NEEDS_CONFIG,
};

struct command {
	const char *verb;
	const char *sub;  /* sub-verb ("list" in "batch list"), or NULL */
	const char *args; /* usage after the verbs */
	const char *summary;
	const char *help; /* longer text for `folio VERB --help`, or NULL */
	unsigned needs;	  /* enum cmd_needs */
	int (*run)(struct cmd_env *env, int argc, char **argv);
};

/*
 * cmd_dispatch - run the command named by argv[0] (and argv[1] for sub-verbs)
 *
 * Handles `help`, `VERB --help` and unknown verbs itself. Loads the configuration and opens
 * the store when the command needs them. Returns the handler's result.
 */
int cmd_dispatch(struct cmd_env *env, int argc, char **argv);

/* cmd_exit_status - exit status for a command result */
int cmd_exit_status(int r);

/* cmd_usage_error - report wrong usage of @c in one line; returns -FOLIO_EUSAGE */
int cmd_usage_error(const struct command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* cmd_current - the command being run (for usage messages) */
const struct command *cmd_current(void);

/* cmd_parse_u32 - a positive decimal number up to @max; -EINVAL otherwise */
int cmd_parse_u32(const char *s, unsigned max, unsigned *ret);

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
int cmd_export(struct cmd_env *env, int argc, char **argv);
int cmd_page_export(struct cmd_env *env, int argc, char **argv);

#endif
