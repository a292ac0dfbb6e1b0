/* folio: the station's command line. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "options.h"
#include "firmware/cmd/cmd.h"

static const char *user_name(void)
{
	const char *u = getenv("FOLIO_USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

/*
 * --config and --store may also follow the command ("folio scan --store DIR"): take them out
 * of argv wherever they stand, before "--".
 */
static int take_global_options(struct cmd_env *env, int *argc, char **argv)
{
	int n = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		size_t len = 0;

		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[n++] = argv[i++];
			break;
		}
		if (strncmp(a, "--config", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
			slot = &env->config_path;
			len = 8;
		} else if (strncmp(a, "--store", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
			slot = &env->store_dir;
			len = 7;
		}
		if (!slot) {
			argv[n++] = argv[i];
			continue;
		}
		if (a[len] == '=') {
			*slot = a + len + 1;
		} else if (i + 1 < *argc) {
			*slot = argv[++i];
		} else {
			return cmd_usage_error(NULL, "'%s' needs a value", a);
		}
		if (!**slot)
			return cmd_usage_error(NULL, "'%.*s' needs a value", (int)len, a);
	}
	argv[n] = NULL;
	*argc = n;
	return 0;
}

int main(int argc, char **argv)
{
	bool verbose = false, quiet = false, help = false, version = false;
	const struct opt opts[] = {
		OPT_FLAG('v', "verbose", &verbose, "log debug messages too"),
		OPT_FLAG('q', "quiet", &quiet, "log warnings and errors only"),
		OPT_FLAG('V', "version", &version, "print the version and the board"),
		OPT_END(),
	};
	struct cmd_env env = {
		.config_path = config_default_path(),
		.who = user_name(),
		.out = stdout,
	};
	char why[160];
	int r;

	log_open("folio", LOG_TARGET_TERMINAL);
	r = take_global_options(&env, &argc, argv);
	if (r < 0)
		return cmd_exit_status(r);
	/* Options before the command: the first argument that is none is the verb. */
	r = opt_parse(opts, OPT_STOP_AT_ARGUMENT, argc, argv, why, sizeof(why));
	if (r == OPT_HELP)
		help = true;
	else if (r < 0)
		return cmd_exit_status(cmd_usage_error(NULL, "%s", why));
	if (help)
		return cmd_exit_status(cmd_dispatch(&env, 1, (char *[]){ (char *)"help", NULL }));
	if (version) {
		printf("folio %s (board %s)\n", FOLIO_VERSION, CONFIG_BOARD_NAME);
		return 0;
	}
	if (verbose)
		log_set_level(LOG_DEBUG);
	else if (quiet)
		log_set_level(LOG_WARNING);
	r = cmd_dispatch(&env, r - 1, argv + 1);
	store_close(env.store);
	free(env.cfg);
	if (fflush(stdout) != 0 && r >= 0)
		r = log_errno(-EIO, "cannot write the output");
	return cmd_exit_status(r);
}
