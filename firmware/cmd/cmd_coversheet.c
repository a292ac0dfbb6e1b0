#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/index/coversheet.h"
#include "firmware/index/docfields.h"

int cmd_coversheet(struct cmd_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "office", required_argument, NULL, 'f' },
		{ "ip-type", required_argument, NULL, 't' },
		{ "application", required_argument, NULL, 'a' },
		{ "doc-code", required_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *office = NULL, *type = NULL, *appno = NULL, *code = NULL, *date = NULL;
	const char *out = NULL;
	struct coversheet cs = { 0 };
	char why[256];
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			office = optarg;
			break;
		case 't':
			type = optarg;
			break;
		case 'a':
			appno = optarg;
			break;
		case 'c':
			code = optarg;
			break;
		case 'd':
			date = optarg;
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
	if (!office || !type || !appno || !code || !out)
		return cmd_usage_error(cmd_current(), "--office, --ip-type, --application, "
						      "--doc-code and --out are needed");

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
