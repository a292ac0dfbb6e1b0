#include "errors.h"
#include "log.h"
#include "drivers/scanner/scanner.h"
#include "firmware/cmd/cmd.h"

struct device_walk {
	FILE *out;
	unsigned n;
};

static int show_device(const struct scanner_device *d, void *user)
{
	struct device_walk *w = user;
	FILE *out = w->out;
	struct scanner *s = NULL;
	int r;

	w->n++;
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

int cmd_devices(struct cmd_env *env, int argc, char **argv)
{
	struct device_walk w = { .out = env->out };
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "too many arguments");
	r = scanner_init(env->cfg->sane_config_dir, env->cfg->sane_backend_dir,
			 env->cfg->network_scanners);
	if (r < 0)
		return log_errno(r, "cannot start SANE: %s", folio_strerror(r));
	/* One walk: each listing asks network scanners again, and warns again. */
	r = scanner_list(show_device, &w);
	scanner_exit();
	if (r < 0)
		return log_errno(r, "cannot list scanners: %s", folio_strerror(r));
	if (w.n == 0)
		log_warn("no scanner found: check it is on and connected, and that '%s/dll.conf' "
			 "lists its backend",
			 env->cfg->sane_config_dir);
	return 0;
}
