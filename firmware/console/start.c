/*
 * `folio console`: the console on the caller's terminal. The verb is in cmd's table; its
 * handler is here, above cmd, so that cmd never includes the console.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/console/console.h"

int cmd_console(struct cmd_env *env, int argc, char **argv)
{
	struct console_options o = {
		.cfg = env->cfg,
		.config_path = env->config_path,
		.store_dir = env->store_dir,
		.store = env->store,
		.in_fd = STDIN_FILENO,
		.out_fd = STDOUT_FILENO,
	};
	struct console *c = NULL;
	const char *ms = getenv("FOLIO_CONSOLE_PROGRESS_MS");
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "too many arguments");
	if (ms && *ms)
		o.progress_ms = (unsigned)strtoul(ms, NULL, 10);
	/* A terminal that goes away is seen as the end of input: clean up, then end. */
	signal(SIGHUP, SIG_IGN);
	r = console_new(&o, &c);
	if (r == -ENOENT)
		return log_errno(r,
				 "cannot find the folio program beside this one: reinstall Folio");
	if (r < 0)
		return log_errno(r, "cannot start the console: %s", folio_strerror(r));
	r = console_run(c);
	console_free(c);
	if (r < 0)
		return log_errno(r, "console failed: %s", folio_strerror(r));
	return 0;
}
