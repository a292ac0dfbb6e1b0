#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/base/progress_line.h"
#include "firmware/package/export.h"

int cmd_export(struct cmd_env *env, int argc, char **argv)
{
	const char *batch_arg = NULL, *out = NULL;
	const struct opt opts[] = {
		OPT_STRING('b', "batch", &batch_arg, "BATCH", "the batch to write (closed, read)"),
		OPT_STRING('o', "out", &out, "DIR", "the folder to write its package into"),
		OPT_END(),
	};
	struct export_result res;
	struct export_options eo = { 0 };
	struct progress_line view;
	struct batch_info b;
	unsigned batch = 0;
	int r;

	r = cmd_options_batch(env, opts, argc, argv, &batch_arg, &batch);
	if (r <= 0)
		return r;
	if (!batch || !out)
		return cmd_usage_error(cmd_current(), "both --batch and --out are needed");
	r = cmd_load_batch(env, batch, &b);
	if (r < 0)
		return r;
	if (env->cfg->key_file[0] && access(env->cfg->key_file, F_OK) < 0) {
		r = -errno;
		return log_errno(r,
				 "station key '%s' ([station] key_file) cannot be read: %s: "
				 "create one with 'folio keygen --out DIR'",
				 env->cfg->key_file, folio_strerror(r));
	}
	progress_line_init(&view, "export", "file");
	eo.progress = &view.p;
	r = export_batch_with(env->store, env->cfg, batch, out, &eo, &res);
	progress_line_end(&view);
	if (r == -EPERM || r == -FOLIO_EFORMAT)
		return log_errno(r, "station key '%s' is %s", env->cfg->key_file,
				 r == -EPERM ? "readable by others or another user's: chmod 600 it"
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
