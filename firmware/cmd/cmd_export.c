#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/package/export.h"

int cmd_export(struct cmd_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ 0 },
	};
	struct export_result res;
	struct batch_info b;
	const char *out = NULL;
	unsigned batch = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "b:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (cmd_parse_u32(optarg, UINT32_MAX, &batch) < 0)
				return cmd_usage_error(cmd_current(), "'%s' is not a batch number",
						       optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cmd_usage_error(cmd_current(), "bad option");
		}
	}
	if (optind < argc)
		return cmd_usage_error(cmd_current(), "unexpected argument '%s'", argv[optind]);
	if (!batch || !out)
		return cmd_usage_error(cmd_current(), "both --batch and --out are needed");

	r = store_batch_get(env->store, batch, &b);
	if (r == -FOLIO_ENOTFOUND)
		return log_errno(r, "no batch %u in the store: 'folio batch list' shows them",
				 batch);
	if (r < 0)
		return log_errno(r, "cannot read batch %u: %s", batch, folio_strerror(r));
	if (env->cfg->key_file[0] && access(env->cfg->key_file, F_OK) < 0) {
		r = -errno;
		return log_errno(r,
				 "station key '%s' ([station] key_file) cannot be read: %s: "
				 "create one with 'folio keygen --out DIR'",
				 env->cfg->key_file, folio_strerror(r));
	}
	r = export_batch(env->store, env->cfg, batch, out, &res);
	if (r == -EPERM || r == -FOLIO_EFORMAT)
		return log_errno(r, "station key '%s' is %s", env->cfg->key_file,
				 r == -EPERM ? "readable by others: chmod 600 it"
					     : "not a Folio secret key (folio keygen writes one)");
	if (r == -FOLIO_ESTATE)
		return log_errno(r, "batch %u is %s: close it first ('folio batch close %u')",
				 batch, batch_state_name(b.state), batch);
	if (r == -FOLIO_EOCRPENDING) {
		struct store_ocr_progress p = { 0 };

		(void)store_batch_ocr_progress(env->store, batch, &p);
		return log_errno(r,
				 "batch %u: text of %u of %u pages is not read yet: 'folio ocr "
				 "--batch %u' reads it",
				 batch, p.waiting, p.pages, batch);
	}
	if (r == -EEXIST)
		return log_errno(
		    r,
		    "batch %u is already exported in '%s': remove it or choose another "
		    "--out",
		    batch, out);
	if (r < 0)
		return log_errno(r, "cannot export batch %u to '%s': %s", batch, out,
				 folio_strerror(r));
	fprintf(env->out, "%s\n", res.path);
	log_info("batch %u: %u document%s, %u page%s, %u files, %.1f MB in '%s'", batch,
		 res.documents, res.documents == 1 ? "" : "s", res.pages, res.pages == 1 ? "" : "s",
		 res.files, (double)res.bytes / 1e6, res.path);
	if (res.empty_documents)
		log_warn("%u document%s with no page but a cover sheet left out",
			 res.empty_documents, res.empty_documents == 1 ? "" : "s");
	if (res.is_signed)
		log_info("manifest signed by station key %s", res.key_id);
	else
		log_warn("package '%s' is NOT signed: set [station] key_file to the station's "
			 "secret key (create one with 'folio keygen --out DIR')",
			 res.path);
	return 0;
}
