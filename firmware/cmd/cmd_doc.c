#include <errno.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/core/batch.h"

static const char *type_name(int32_t t)
{
	return t >= IP_PATENT && t <= IP_DESIGN ? ip_type_name((enum ip_type)t) : "?";
}

static const char *or_none(const char *s)
{
	return s[0] ? s : "(none)";
}

struct doc_pages {
	uint32_t pages[1024]; /* by document number, up to the bound */
	uint32_t separators[1024];
};

static int count_page(const struct page_info *p, void *user)
{
	struct doc_pages *dp = user;

	if (p->document < 1024) {
		if (p->flags & PAGE_FLAG_SEPARATOR)
			dp->separators[p->document]++;
		else
			dp->pages[p->document]++;
	}
	return 0;
}

int cmd_doc_list(struct cmd_env *env, int argc, char **argv)
{
	const char *batch_arg = NULL;
	const struct opt opts[] = {
		OPT_STRING('b', "batch", &batch_arg, "BATCH", "the batch"),
		OPT_END(),
	};
	struct doc_pages dp = { 0 };
	struct batch_info b;
	unsigned batch = 0;
	int r;

	r = cmd_options_batch(env, opts, argc, argv, &batch_arg, &batch);
	if (r <= 0)
		return r;
	if (!batch)
		return cmd_usage_error(cmd_current(), "--batch is needed");
	r = cmd_load_batch(env, batch, &b);
	if (r < 0)
		return r;
	r = store_page_list(env->store, batch, count_page, &dp);
	if (r < 0)
		return log_errno(r, "cannot read pages of batch %u: %s", batch, folio_strerror(r));
	fprintf(env->out, "%4s  %-6s  %-9s  %-24s  %-16s  %-10s  %5s\n", "DOC", "OFFICE", "TYPE",
		"APPLICATION", "CODE", "RECEIVED", "PAGES");
	for (uint32_t n = 1; n <= b.n_documents; n++) {
		struct document_info d;

		r = store_document_get(env->store, batch, n, &d);
		if (r < 0)
			return log_errno(r, "cannot read document %u of batch %u: %s", n, batch,
					 folio_strerror(r));
		fprintf(env->out, "%4u  %-6s  %-9s  %-24s  %-16s  %-10s  %5u%s\n", n, d.office,
			type_name(d.ip_type), or_none(d.application), or_none(d.document_code),
			or_none(d.received), n < 1024 ? dp.pages[n] : 0,
			n < 1024 && dp.separators[n] ? "  +cover sheet" : "");
	}
	return 0;
}

/* Appends "field 'old' -> 'new'" to @buf when the value changed. */
static void change(char *buf, size_t size, const char *field, const char *old, const char *new)
{
	size_t n = strlen(buf);

	if (strcmp(old, new) == 0 || n >= size)
		return;
	snprintf(buf + n, size - n, "%s%s '%s' -> '%s'", n ? ", " : "", field, old, new);
}

int cmd_doc_set(struct cmd_env *env, int argc, char **argv)
{
	struct docfields_edit e = { 0 };
	const char *batch_arg = NULL, *doc_arg = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "batch", &batch_arg, "BATCH", "the document's batch"),
		OPT_STRING(0, "doc", &doc_arg, "N", "the document's number in its batch"),
		OPT_STRING(0, "office", &e.office, "CC", "the office (ST.3 code)"),
		OPT_STRING(0, "ip-type", &e.ip_type, "TYPE", "patent, trademark or design"),
		OPT_STRING(0, "application", &e.application, "NUMBER",
			   "the application number ('' clears it)"),
		OPT_STRING(0, "doc-code", &e.document_code, "CODE", "the document code"),
		OPT_STRING(0, "received", &e.received, "YYYY-MM-DD", "the received date"),
		OPT_STRING(0, "language", &e.language, "LANG",
			   "the document's language: en, fr, ar"),
		OPT_END(),
	};
	struct document_info old, d;
	unsigned batch = 0, docno = 0;
	char changes[512] = "";
	struct msg why;
	int r;

	r = cmd_options_batch(env, opts, argc, argv, &batch_arg, &batch);
	if (r <= 0)
		return r;
	if (doc_arg && cmd_parse_u32(doc_arg, UINT32_MAX, &docno) < 0)
		return cmd_usage_error(cmd_current(), "'%s' is not a document number", doc_arg);
	if (!batch || !docno)
		return cmd_usage_error(cmd_current(), "both --batch and --doc are needed");
	if (!e.office && !e.ip_type && !e.application && !e.document_code && !e.received &&
	    !e.language)
		return cmd_usage_error(
		    cmd_current(), "nothing to change: give --office, --ip-type, --application, "
				   "--doc-code, --received or --language");
	r = cmd_load(env);
	if (r < 0)
		return r;
	r = core_document_edit(env->store, env->cfg, batch, docno, &e, env->who, &old, &d, &why);
	if (r == -EINVAL)
		return cmd_usage_error(cmd_current(), "%s", why.text);
	if (r < 0)
		return log_errno(r, "%s", why.text);
	change(changes, sizeof(changes), "office", old.office, d.office);
	change(changes, sizeof(changes), "type", type_name(old.ip_type), type_name(d.ip_type));
	change(changes, sizeof(changes), "application", old.application, d.application);
	change(changes, sizeof(changes), "code", old.document_code, d.document_code);
	change(changes, sizeof(changes), "received", old.received, d.received);
	change(changes, sizeof(changes), "language", old.language, d.language);
	if (!changes[0])
		fprintf(env->out, "document %u of batch %u: unchanged\n", docno, batch);
	else
		fprintf(env->out, "document %u of batch %u: %s\n", docno, batch, changes);
	return 0;
}
