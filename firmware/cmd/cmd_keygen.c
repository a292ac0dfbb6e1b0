#include <errno.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/package/sign.h"

int cmd_keygen(struct cmd_env *env, int argc, char **argv)
{
	const char *out = NULL;
	const struct opt opts[] = {
		OPT_STRING('o', "out", &out, "DIR", "the folder for station.key and station.pub"),
		OPT_END(),
	};
	struct sign_key key;
	int r;

	r = cmd_options_no_arguments(env, opts, argc, argv);
	if (r <= 0)
		return r;
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
