#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/package/sign.h"

int cmd_keygen(struct cmd_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ 0 },
	};
	struct sign_key key;
	const char *out = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c != 'o')
			return cmd_usage_error(cmd_current(), "bad option");
		out = optarg;
	}
	if (optind < argc)
		return cmd_usage_error(cmd_current(), "unexpected argument '%s'", argv[optind]);
	if (!out)
		return cmd_usage_error(cmd_current(), "--out DIR is needed");

	r = sign_keygen(out, &key);
	if (r == -EEXIST)
		return log_errno(r,
				 "'%s' already holds a station key: a key is never replaced; "
				 "choose another --out",
				 out);
	if (r < 0)
		return log_errno(r, "cannot create a station key in '%s': %s", out,
				 folio_strerror(r));
	fprintf(env->out, "%s/%s\n", out, SIGN_PUBLIC_FILE);
	log_info("station key %s: secret key '%s/%s' (mode 0600: set [station] key_file to it), "
		 "public key '%s/%s' (give it to the office; for OpenSSH: '%s' and '%s')",
		 key.id, out, SIGN_SECRET_FILE, out, SIGN_PUBLIC_FILE, SIGN_SSH_PUBLIC_FILE,
		 SIGN_ALLOWED_SIGNERS_FILE);
	sign_key_wipe(&key);
	return 0;
}
