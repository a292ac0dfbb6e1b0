#include <errno.h>
#include <stdlib.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"

int cmd_config_check(struct cmd_env *env, int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : env->config_path;
	struct folio_config *cfg = NULL;
	struct config_problems *problems = NULL;
	int r;

	if (argc > 2)
		return cmd_usage_error(cmd_current(), "too many arguments");
	cfg = calloc(1, sizeof(*cfg));
	problems = calloc(1, sizeof(*problems));
	if (!cfg || !problems) {
		r = log_errno(-ENOMEM, "out of memory");
		goto out;
	}
	r = config_load(path, cfg, problems);
	if (r == 0) {
		fprintf(env->out, "%s: ok (%zu scanner profile%s)\n", path, cfg->n_profiles,
			cfg->n_profiles == 1 ? "" : "s");
		goto out;
	}
	for (size_t i = 0; i < problems->n; i++)
		fprintf(stderr, "%s\n", problems->text[i]);
	if (problems->dropped)
		fprintf(stderr, "%s: ... and %zu more problems\n", path, problems->dropped);
	log_err("'%s' has %zu problem%s: fix %s and check again", path,
		problems->n + problems->dropped, problems->n + problems->dropped == 1 ? "" : "s",
		problems->n + problems->dropped == 1 ? "it" : "them");
	r = -FOLIO_ECONFIG;
out:
	free(cfg);
	free(problems);
	return r;
}

int cmd_config_show(struct cmd_env *env, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "too many arguments");
	fprintf(env->out, "# %s\n", env->cfg->path);
	config_dump(env->cfg, env->out);
	return 0;
}
