#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/base/progress_line.h"
#include "firmware/package/verify.h"

int cmd_verify(struct cmd_env *env, int argc, char **argv)
{
	_cleanup_free_ struct verify_report *rep = calloc(1, sizeof(*rep));
	struct verify_options o = { 0 };
	const struct opt opts[] = {
		OPT_STRING('k', "key", &o.key_path, "STATION.pub",
			   "the station's enrolled public key"),
		OPT_STRING('s', "schemas", &o.schema_dir, "DIR", "the ST.96 V6_0 schema folder"),
		OPT_END(),
	};
	const char *dir = NULL;
	struct progress_line view;
	char safe_dir[1024];
	int r;

	if (!rep)
		return log_errno(-ENOMEM, "out of memory");
	argc = cmd_options(env, opts, argc, argv);
	if (argc <= 0)
		return argc;
	if (argc > 1)
		dir = argv[1];
	if (argc > 2)
		return cmd_usage_error(cmd_current(), "unexpected argument '%s'", argv[2]);
	if (!dir || !o.key_path)
		return cmd_usage_error(cmd_current(), "a package folder and --key are needed");

	verify_escape(dir, safe_dir, sizeof(safe_dir)); /* a folder's name may hold escapes */
	progress_line_init(&view, "verify", "file");
	o.progress = &view.p;
	r = verify_package(dir, &o, rep);
	progress_line_end(&view);
	if (r < 0 && r != -FOLIO_ECORRUPT) {
		char why[2048];

		verify_failure(r, safe_dir, &o, why, sizeof(why));
		return log_errno(r, "%s", why);
	}

	verify_print_report(env->out, dir, rep, r);
	if (r < 0)
		return log_errno(r, "package '%s' failed verification: %zu problem%s, first: %s",
				 safe_dir, rep->n_problems + rep->dropped,
				 rep->n_problems + rep->dropped == 1 ? "" : "s", rep->problems[0]);
	return 0;
}
