#include <errno.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/index/coversheet.h"
#include "firmware/index/docfields.h"
#include "firmware/index/patchcode.h"

/* `folio coversheet --patch TYPE --out FILE.pdf`: a patch sheet has no fields. */
static int print_patch(struct cmd_env *env, const char *name, const char *out, bool fields)
{
	enum patch_type t;
	int r;

	if (patchcode_parse(name, &t) < 0)
		return cmd_usage_error(cmd_current(),
				       "--patch must be 1, 2, 3, 4, 6 or T, not '%s'", name);
	if (fields)
		return cmd_usage_error(cmd_current(), "a patch sheet has no fields: --patch goes "
						      "with --out alone");
	if (!out)
		return cmd_usage_error(cmd_current(), "--out is needed");
	r = patchcode_write_pdf(t, out);
	if (r < 0)
		return log_errno(r, "cannot write patch sheet '%s': %s", out, folio_strerror(r));
	fprintf(env->out, "%s\n", out);
	return 0;
}

int cmd_coversheet(struct cmd_env *env, int argc, char **argv)
{
	const char *office = NULL, *type = NULL, *appno = NULL, *code = NULL, *date = NULL;
	const char *out = NULL, *patch = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "patch", &patch, "2|3|T",
			   "print a patch code separator sheet (also 1, 4, 6) instead"),
		OPT_STRING(0, "office", &office, "CC", "the office (ST.3 code)"),
		OPT_STRING(0, "ip-type", &type, "TYPE", "patent, trademark or design"),
		OPT_STRING(0, "application", &appno, "NUMBER", "the application number"),
		OPT_STRING(0, "doc-code", &code, "CODE", "the document code"),
		OPT_STRING(0, "date", &date, "YYYY-MM-DD", "the received date"),
		OPT_STRING(0, "out", &out, "FILE.pdf", "the PDF to write"),
		OPT_END(),
	};
	struct coversheet cs = { 0 };
	char why[256];
	int r;

	r = cmd_options_no_arguments(env, opts, argc, argv);
	if (r <= 0)
		return r;
	if (patch)
		return print_patch(env, patch, out, office || type || appno || code || date);
	if (!office || !type || !appno || !code || !out)
		return cmd_usage_error(cmd_current(), "--office, --ip-type, --application, "
						      "--doc-code and --out are needed");
	r = cmd_load(env);
	if (r < 0)
		return r;

	if (docfields_check_office(office, why, sizeof(why)) < 0)
		return cmd_usage_error(cmd_current(), "%s", why);
	if (ip_type_parse(type, &cs.ip_type) < 0)
		return cmd_usage_error(cmd_current(), "--ip-type must be patent, trademark or "
						      "design");
	r = docfields_check_application(env->cfg, office, cs.ip_type, appno, NULL, why,
					sizeof(why));
	if (r == 0)
		r = docfields_check_code(env->cfg, cs.ip_type, code, why, sizeof(why));
	if (r == 0 && date)
		r = docfields_check_date(date, why, sizeof(why));
	if (r < 0)
		return cmd_usage_error(cmd_current(), "%s", why);
	snprintf(cs.office, sizeof(cs.office), "%s", office);
	snprintf(cs.application, sizeof(cs.application), "%s", appno);
	snprintf(cs.document_code, sizeof(cs.document_code), "%s", code);
	snprintf(cs.received, sizeof(cs.received), "%s", date ? date : "");

	r = coversheet_write_pdf(&cs, out);
	if (r == -EINVAL)
		return cmd_usage_error(cmd_current(), "these fields do not fit on a cover sheet "
						      "(too long together)");
	if (r < 0)
		return log_errno(r, "cannot write cover sheet '%s': %s", out, folio_strerror(r));
	fprintf(env->out, "%s\n", out);
	return 0;
}
