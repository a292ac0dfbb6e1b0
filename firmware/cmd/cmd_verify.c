#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/package/verify.h"

int cmd_verify(struct cmd_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "schemas", required_argument, NULL, 's' },
		{ 0 },
	};
	_cleanup_free_ struct verify_report *rep = calloc(1, sizeof(*rep));
	struct verify_options o = { 0 };
	const char *dir = NULL;
	int c, r;

	if (!rep)
		return log_errno(-ENOMEM, "out of memory");
	while ((c = getopt_long(argc, argv, "k:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key_path = optarg;
			break;
		case 's':
			o.schema_dir = optarg;
			break;
		default:
			return cmd_usage_error(cmd_current(), "bad option");
		}
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind < argc)
		return cmd_usage_error(cmd_current(), "unexpected argument '%s'", argv[optind]);
	if (!dir || !o.key_path)
		return cmd_usage_error(cmd_current(), "a package folder and --key are needed");

	r = verify_package(dir, &o, rep);
	if (r == -FOLIO_EFORMAT)
		return log_errno(r,
				 "'%s' is not a Folio public key (folio keygen writes "
				 "station.pub)",
				 o.key_path);
	if (r == -FOLIO_ESCHEMA)
		return log_errno(r,
				 "cannot load the ST.96 schemas from '%s': pass the V6_0 "
				 "schema folder to --schemas",
				 o.schema_dir);
	if (r < 0 && r != -FOLIO_ECORRUPT)
		return log_errno(r, "cannot verify '%s': %s", dir, folio_strerror(r));

	fprintf(env->out, "package   %s\n", dir);
	fprintf(env->out, "key       %s\n", rep->key_id);
	fprintf(env->out, "signature %s\n", rep->signature_ok ? "ok" : "FAILED");
	fprintf(env->out, "ssh sig   %s\n",
		rep->ssh_signature_ok ? "ok" : (r == 0 ? "absent" : "absent or FAILED"));
	fprintf(env->out, "contents  %u documents, %u pages, %u files, %llu bytes\n",
		rep->documents, rep->pages, rep->files, (unsigned long long)rep->bytes);
	fprintf(env->out, "schemas   %s\n",
		rep->schemas_checked ? (r == 0 ? "valid ST.96 V6_0" : "checked")
				     : "not checked (no --schemas)");
	for (size_t i = 0; i < rep->n_problems; i++)
		fprintf(env->out, "PROBLEM   %s\n", rep->problems[i]);
	if (rep->dropped)
		fprintf(env->out, "PROBLEM   ... and %zu more\n", rep->dropped);
	if (r < 0)
		return log_errno(r, "package '%s' failed verification: %zu problem%s, first: %s",
				 dir, rep->n_problems + rep->dropped,
				 rep->n_problems + rep->dropped == 1 ? "" : "s", rep->problems[0]);
	fprintf(env->out, "result    ok\n");
	return 0;
}
