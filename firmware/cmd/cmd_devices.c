#include "errors.h"
#include "log.h"
#include "drivers/scanner/scanner.h"
#include "firmware/cmd/cmd.h"

static int show_device(const struct scanner_device *d, void *user)
{
	FILE *out = user;
	struct scanner *s = NULL;
	int r;

	fprintf(out, "%s\n  %s %s (%s)\n", d->name, d->vendor, d->model, d->type);
	r = scanner_open(d->name, &s);
	if (r < 0) {
		fprintf(out, "  cannot open: %s\n", folio_strerror(r));
		return 0;
	}
	scanner_describe(s, out);
	scanner_close(s);
	return 0;
}

static int count_device(const struct scanner_device *d, void *user)
{
	(void)d;
	(*(unsigned *)user)++;
	return 0;
}

int cmd_devices(struct cmd_env *env, int argc, char **argv)
{
	unsigned n = 0;
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "too many arguments");
	r = scanner_init(env->cfg->sane_config_dir, env->cfg->sane_backend_dir,
			 env->cfg->network_scanners);
	if (r < 0)
		return log_errno(r, "cannot start SANE: %s", folio_strerror(r));
	r = scanner_list(count_device, &n);
	if (r >= 0 && n > 0)
		r = scanner_list(show_device, env->out);
	scanner_exit();
	if (r < 0)
		return log_errno(r, "cannot list scanners: %s", folio_strerror(r));
	if (n == 0)
		log_warn("no scanner found: check it is on and connected, and that '%s/dll.conf' "
			 "lists its backend",
			 env->cfg->sane_config_dir);
	return 0;
}
