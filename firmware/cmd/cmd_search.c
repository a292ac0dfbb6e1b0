/*
 * folio search: dossiers by index fields and pages by the words of their text (core/search.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/core/search.h"

static int print_hit(const struct search_hit *h, void *user)
{
	struct cmd_env *env = user;
	const struct document_info *d = h->doc;

	if (h->page)
		fprintf(env->out, "batch %u doc %u page %u  %s %s  %s\n", h->batch->id, d->number,
			h->page, d->application[0] ? d->application : "-",
			d->document_code[0] ? d->document_code : "-", h->snippet);
	else
		fprintf(env->out, "batch %u doc %u  %s %s %s  received %s  %s, %u pages\n",
			h->batch->id, d->number, d->office[0] ? d->office : "-",
			d->application[0] ? d->application : "-",
			d->document_code[0] ? d->document_code : "-",
			d->received[0] ? d->received : "-", batch_state_name(h->batch->state),
			h->batch->n_pages);
	return 0;
}

int cmd_search(struct cmd_env *env, int argc, char **argv)
{
	const char *application = NULL, *code = NULL, *from = NULL, *to = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "application", &application, "NUMBER",
			   "part of the application or ST.13 number"),
		OPT_STRING(0, "doc-code", &code, "CODE", "the document code"),
		OPT_STRING(0, "from", &from, "YYYY-MM-DD", "received on or after"),
		OPT_STRING(0, "to", &to, "YYYY-MM-DD", "received on or before"),
		OPT_END(),
	};
	struct search_query q = { 0 };
	const char *field = NULL;
	char words[SEARCH_TEXT_LEN] = "";
	size_t used = 0;
	struct msg why;
	int r;

	argc = cmd_options(env, opts, argc, argv);
	if (argc <= 0)
		return argc;
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (used + n + 2 > sizeof(words))
			return cmd_usage_error(cmd_current(), "too many words (at most %zu bytes)",
					       sizeof(words) - 1);
		used += (size_t)snprintf(words + used, sizeof(words) - used, "%s%s",
					 used ? " " : "", argv[i]);
	}
	if (argc == 1 && !application && !code && !from && !to)
		return cmd_usage_error(cmd_current(), "search for what? give words or a filter");
	if ((application && search_query_set(&q, "application", application, &why) < 0) ||
	    (code && search_query_set(&q, "document_code", code, &why) < 0) ||
	    (from && search_query_set(&q, "from", from, &why) < 0) ||
	    (to && search_query_set(&q, "to", to, &why) < 0) ||
	    search_query_set(&q, "text", words, &why) < 0 ||
	    search_query_check(&q, &why, &field) < 0)
		return cmd_usage_error(cmd_current(), "%s", why.text);
	r = cmd_load(env);
	if (r < 0)
		return r;
	r = search_run(env->store, &q, print_hit, env, &why);
	/* A question the core cannot ask (no word in it, too broad, a prefix in a sealed
	 * store) is the user's to change, as the clerk UI answers 400 for it. */
	if (r == -EINVAL || r == -EOPNOTSUPP)
		return cmd_usage_error(cmd_current(), "%s", why.text);
	if (r < 0)
		return log_errno(r, "%s", why.text);
	if (r == 0)
		log_info("nothing found");
	return 0;
}
