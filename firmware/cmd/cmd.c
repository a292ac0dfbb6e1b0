#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"

static const struct command commands[] = {
	{ "config", "check", "[FILE]", "check a configuration file and list every problem",
	  "Reads FILE (default: the --config file) and reports each problem as FILE:LINE: what\n"
	  "is wrong. Exit status 0 when the file is valid.",
	  0, cmd_config_check },
	{ "config", "show", "", "print the configuration in effect, defaults included", NULL,
	  CMD_NEEDS_CONFIG, cmd_config_show },
	{ "devices", NULL, "", "list the scanners SANE can reach, with their capabilities", NULL,
	  CMD_NEEDS_CONFIG, cmd_devices },
	{ "scan", NULL,
	  "[--device NAME] [--profile NAME] [--source adf|duplex|flatbed]\n"
	  "           [--mode lineart|gray|color] [--resolution DPI] [--max-pages N] [--resume BATCH]",
	  "capture a batch from the document feeder; prints the batch id",
	  "Feeds every sheet until the feeder is empty, committing each page to the store as it\n"
	  "is read, and prints the batch id alone on standard output. On a scanner fault the pages\n"
	  "read whole are kept and the batch stays open: fix the fault and continue it with\n"
	  "--resume BATCH.",
	  CMD_NEEDS_STORE, cmd_scan },
	{ "batch", "list", "", "list the batches in the store", NULL, CMD_NEEDS_STORE,
	  cmd_batch_list },
	{ "batch", "show", "BATCH", "show a batch, its documents and its pages", NULL,
	  CMD_NEEDS_STORE, cmd_batch_show },
	{ "batch", "close", "BATCH", "close an open batch (no more pages)", NULL, CMD_NEEDS_STORE,
	  cmd_batch_close },
	{ "batch", "approve", "BATCH", "approve a closed batch for upload", NULL, CMD_NEEDS_STORE,
	  cmd_batch_approve },
	{ "batch", "reject", "BATCH", "reject a batch (to rescan or delete it)", NULL,
	  CMD_NEEDS_STORE, cmd_batch_reject },
	{ "page", "export", "--batch BATCH --page N --out FILE",
	  "write one stored page image to a file, as captured", NULL, CMD_NEEDS_STORE,
	  cmd_page_export },
	{ "export", NULL, "--batch BATCH --out DIR",
	  "write a batch's package (ST.96 XML, images, manifest) into DIR",
	  "Writes exactly what would be uploaded: one folder per document with its ST.96 XML and\n"
	  "page images, a batch description, and MANIFEST.sha256 (check it with sha256sum -c).",
	  CMD_NEEDS_STORE, cmd_export },
};

static const struct command *current;

const struct command *cmd_current(void)
{
	return current;
}

static void print_usage_line(const struct command *c, FILE *out)
{
	fprintf(out, "folio %s%s%s%s%s\n", c->verb, c->sub ? " " : "", c->sub ? c->sub : "",
		c->args[0] ? " " : "", c->args);
}

static void print_help(FILE *out)
{
	fprintf(out, "usage: folio [--config FILE] [--store DIR] [-v|-q] COMMAND [ARGS]\n\n"
		     "Folio, the document capture station. Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s%s%s", commands[i].verb, commands[i].sub ? " " : "",
			 commands[i].sub ? commands[i].sub : "");
		fprintf(out, "  %-16s %s\n", name, commands[i].summary);
	}
	fprintf(out,
		"\n'folio COMMAND --help' explains a command. --config defaults to %s\n"
		"(or $FOLIO_CONFIG). Exit status: 0 success, 1 failure, 2 wrong usage or\n"
		"configuration.\n",
		CONFIG_DEFAULT_PATH);
}

static void print_command_help(const struct command *c, FILE *out)
{
	fprintf(out, "usage: ");
	print_usage_line(c, out);
	fprintf(out, "\n%s.\n", c->summary);
	if (c->help)
		fprintf(out, "\n%s\n", c->help);
}

int cmd_usage_error(const struct command *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c)
		log_err("%s: see 'folio %s%s%s --help'", msg, c->verb, c->sub ? " " : "",
			c->sub ? c->sub : "");
	else
		log_err("%s: see 'folio help'", msg);
	return -FOLIO_EUSAGE;
}

int cmd_parse_u32(const char *s, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

int cmd_exit_status(int r)
{
	if (r >= 0)
		return 0;
	if (r == -FOLIO_EUSAGE || r == -FOLIO_ECONFIG)
		return 2;
	return 1;
}

static int load_config(struct cmd_env *env)
{
	struct config_problems *problems;
	int r;

	if (env->cfg)
		return 0;
	env->cfg = calloc(1, sizeof(*env->cfg));
	problems = calloc(1, sizeof(*problems));
	if (!env->cfg || !problems) {
		free(problems);
		return log_errno(-ENOMEM, "out of memory");
	}
	r = config_load(env->config_path, env->cfg, problems);
	if (r < 0 && r != -FOLIO_ECONFIG) {
		bool dflt = strcmp(env->config_path, CONFIG_DEFAULT_PATH) == 0;

		log_err("cannot read configuration '%s': %s%s", env->config_path, folio_strerror(r),
			dflt ? ": pass --config FILE (board/sim/folio.conf for the simulated station)"
			     : "");
		free(problems);
		return -FOLIO_ECONFIG;
	}
	if (r < 0) {
		for (size_t i = 0; i < problems->n; i++)
			log_err("%s", problems->text[i]);
		if (problems->dropped)
			log_err("... and %zu more problems", problems->dropped);
		free(problems);
		return -FOLIO_ECONFIG;
	}
	free(problems);
	if (env->store_dir)
		snprintf(env->cfg->store_path, sizeof(env->cfg->store_path), "%s", env->store_dir);
	log_set_level(MAX(log_get_level(), env->cfg->log_level));
	return 0;
}

static int open_store(struct cmd_env *env)
{
	int r;

	if (env->store)
		return 0;
	r = store_open(env->cfg->store_path, (size_t)env->cfg->map_size_mb, &env->store);
	if (r < 0)
		return log_errno(r, "cannot open store '%s': %s", env->cfg->store_path,
				 r == -FOLIO_ECORRUPT ? "it was written by another Folio version "
							"or is damaged"
						      : folio_strerror(r));
	return 0;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

int cmd_dispatch(struct cmd_env *env, int argc, char **argv)
{
	const struct command *c = NULL;
	bool verb_known = false;
	int shift = 1, r;

	if (argc < 1 || strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0) {
		print_help(env->out);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].verb, argv[0]) != 0)
			continue;
		verb_known = true;
		if (!commands[i].sub) {
			c = &commands[i];
			break;
		}
		if (argc > 1 && strcmp(commands[i].sub, argv[1]) == 0) {
			c = &commands[i];
			shift = 2;
			break;
		}
	}
	if (!c) {
		if (!verb_known)
			return cmd_usage_error(NULL, "unknown command '%s'", argv[0]);
		fprintf(stderr, "usage:\n");
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			if (strcmp(commands[i].verb, argv[0]) == 0) {
				fprintf(stderr, "  ");
				print_usage_line(&commands[i], stderr);
			}
		return argc > 1 ? cmd_usage_error(NULL, "unknown %s command '%s'", argv[0], argv[1])
				: cmd_usage_error(NULL, "'%s' needs a sub-command", argv[0]);
	}
	current = c;

	argc -= shift - 1;
	argv += shift - 1;
	if (wants_help(argc, argv)) {
		print_command_help(c, env->out);
		return 0;
	}
	if (c->needs & CMD_NEEDS_CONFIG) {
		r = load_config(env);
		if (r < 0)
			return r;
	}
	if ((c->needs & CMD_NEEDS_STORE) == CMD_NEEDS_STORE) {
		r = open_store(env);
		if (r < 0)
			return r;
	}
	optind = 0; /* getopt restarts for the handler */
	return c->run(env, argc, argv);
}
