/* folio log tail [N], folio log show [--batch BATCH] [--type KIND] [--last N] */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/cmd/evfilter.h"

#define LOG_TAIL_DEFAULT 20
#define LOG_TAIL_MAX 1000
#define LOG_SHOW_DEFAULT 50
#define LOG_SHOW_MAX 10000
#define LOG_TAIL_COLUMNS 79

/* The last @max events that pass @filter, oldest first. */
struct ring {
	const struct event_filter *filter;
	struct event_info *e;
	size_t n, max, next;
	uint64_t matched;
};

static int keep_event(const struct event_info *e, void *user)
{
	struct ring *t = user;

	if (t->filter && !evfilter_match(t->filter, e))
		return 0;
	t->matched++;
	t->e[t->next] = *e;
	t->next = (t->next + 1) % t->max;
	if (t->n < t->max)
		t->n++;
	return 0;
}

static const struct event_info *ring_at(const struct ring *t, size_t i)
{
	return &t->e[(t->next + t->max - t->n + i) % t->max];
}

/* Prints @s cut to @cols characters (UTF-8 aware), "..." marking a cut. */
static void print_cut(FILE *out, const char *s, size_t cols)
{
	size_t c = 0, i;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (++c > cols)
			break;
	}
	if (!s[i]) {
		fprintf(out, "%s\n", s);
		return;
	}
	/* Room for "...": go back three characters. */
	for (size_t back = 0; i > 0 && back < 3; back++)
		do
			i--;
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80);
	fprintf(out, "%.*s...\n", (int)i, s);
}

/* Reads events from @from on into @t; 0, or the error told (a broken chain is @ret_broken). */
static int read_events(struct cmd_env *env, uint64_t from, struct ring *t, uint64_t *ret_broken)
{
	int r;

	t->e = calloc(t->max, sizeof(*t->e));
	if (!t->e)
		return log_errno(-ENOMEM, "out of memory");
	r = store_event_list(env->store, from, keep_event, t, ret_broken);
	if (r < 0 && r != -FOLIO_ECORRUPT)
		return log_errno(r, "cannot read the event log: %s", folio_strerror(r));
	return r;
}

static int broken_chain(uint64_t broken)
{
	return log_errno(-FOLIO_ECORRUPT,
			 "the event log is broken at event %" PRIu64
			 ": run 'store check' and call support",
			 broken);
}

int cmd_log_tail(struct cmd_env *env, int argc, char **argv)
{
	static const struct opt none[] = { OPT_END() };
	struct store_stats st;
	struct ring t = { 0 };
	unsigned n = LOG_TAIL_DEFAULT;
	uint64_t broken = 0;
	int r;

	argc = cmd_options(env, none, argc, argv);
	if (argc <= 0)
		return argc;
	if (argc > 2)
		return cmd_usage_error(cmd_current(), "too many arguments");
	if (argc == 2 && cmd_parse_u32(argv[1], LOG_TAIL_MAX, &n) < 0)
		return cmd_usage_error(cmd_current(), "'%s' is not a number of events (1 to %d)",
				       argv[1], LOG_TAIL_MAX);
	r = cmd_load(env);
	if (r < 0)
		return r;
	r = store_stats(env->store, &st);
	if (r < 0)
		return log_errno(r, "cannot read the store: %s", folio_strerror(r));
	t.max = n;
	r = read_events(env, st.events > n ? st.events - n + 1 : 1, &t, &broken);
	for (size_t i = 0; (r == 0 || r == -FOLIO_ECORRUPT) && i < t.n; i++) {
		char line[EVFILTER_LINE_MAX];

		print_cut(env->out, evfilter_format(ring_at(&t, i), false, line, sizeof(line)),
			  LOG_TAIL_COLUMNS);
	}
	free(t.e);
	if (r < 0 && r != -FOLIO_ECORRUPT)
		return r;
	if (t.n == 0)
		fprintf(env->out, "the event log is empty\n");
	if (r == -FOLIO_ECORRUPT)
		return broken_chain(broken);
	return 0;
}

int cmd_log_show(struct cmd_env *env, int argc, char **argv)
{
	const char *batch = NULL, *type = NULL;
	unsigned last = LOG_SHOW_DEFAULT;
	const struct opt opts[] = {
		OPT_STRING(0, "batch", &batch, "BATCH", "only the events of this batch"),
		OPT_STRING(0, "type", &type, "KIND",
			   "only events of this kind ('batch-state'), or of a prefix ('ocr-*')"),
		OPT_UINT(0, "last", &last, "N", LOG_SHOW_MAX,
			 "the last N events that match (default 50)"),
		OPT_END(),
	};
	struct event_filter f = { 0 };
	struct ring t = { .filter = &f };
	uint64_t broken = 0;
	int r;

	r = cmd_options_batch(env, opts, argc, argv, &batch, &f.batch);
	if (r <= 0)
		return r;
	if (type && evfilter_set_type(&f, type) < 0)
		return cmd_usage_error(cmd_current(),
				       "'%.40s' is not an event kind (1 to %d of a-z 0-9 -, "
				       "starting with a letter; a final '*' for a prefix)",
				       type, STORE_NAME_LEN - 1);
	r = cmd_load(env);
	if (r < 0)
		return r;
	t.max = last;
	r = read_events(env, 1, &t, &broken);
	for (size_t i = 0; (r == 0 || r == -FOLIO_ECORRUPT) && i < t.n; i++) {
		char line[EVFILTER_LINE_MAX];

		fprintf(env->out, "%s\n",
			evfilter_format(ring_at(&t, i), true, line, sizeof(line)));
	}
	free(t.e);
	if (r < 0 && r != -FOLIO_ECORRUPT)
		return r;
	if (t.matched > t.n)
		log_notice("%" PRIu64 " earlier matching event%s not shown: --last N shows more",
			   t.matched - t.n, t.matched - t.n == 1 ? "" : "s");
	else if (t.n == 0)
		fprintf(env->out, "%s\n",
			batch || type ? "no event matches" : "the event log is empty");
	if (r == -FOLIO_ECORRUPT)
		return broken_chain(broken);
	return 0;
}
