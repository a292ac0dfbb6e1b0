#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	  CMD_NEEDS_CONFIG | CMD_SESSION, cmd_config_show },
	{ "config", "set", "SECTION.KEY VALUE [--yes]", "change one setting, checked like the file",
	  "KEY is SECTION.NAME as in 'config show' (profiles: profile.NAME.KEY). In the console\n"
	  "the change applies at once where it can (log level, console settings), otherwise when\n"
	  "foliod restarts, and is written to the file only by 'config save'. From the shell the\n"
	  "file is changed at once. A new store.path moves the station to another store (a new,\n"
	  "empty one where there is none): the console says so and asks to confirm, the shell\n"
	  "wants --yes.",
	  CMD_NEEDS_CONFIG | CMD_SESSION | CMD_PARSES_FIRST, cmd_config_set },
	{ "config", "save", "", "write the console's 'config set' changes to the file",
	  "Checks the whole file with the changes, then replaces it in one step (a power cut\n"
	  "leaves the old or the new file).",
	  CMD_NEEDS_CONFIG | CMD_SESSION, cmd_config_save },
	{ "devices", NULL, "", "list the scanners SANE can reach, with their capabilities", NULL,
	  CMD_NEEDS_CONFIG, cmd_devices },
	{ "scan", "test", "[--device NAME] [--profile NAME]",
	  "feed one sheet and report its size, timing and flags; nothing is stored",
	  "Opens the scanner, feeds one sheet (one side) through the image stage and prints the\n"
	  "frame size, the time to feed and read it, the time of the image stage, the encoded\n"
	  "size and the quality flags. Nothing goes into the store.",
	  CMD_NEEDS_CONFIG | CMD_PARSES_FIRST, cmd_scan_test },
	{ "scan", NULL,
	  "[--device NAME] [--profile NAME] [--source adf|duplex|flatbed]\n"
	  "           [--mode lineart|gray|color] [--resolution DPI] [--max-pages N] [--resume BATCH]\n"
	  "           [--force]",
	  "capture a batch from the document feeder; prints the batch id",
	  "Feeds every sheet until the feeder is empty, committing each page to the store as it\n"
	  "is read, and prints the batch id alone on standard output. On a scanner fault the pages\n"
	  "read whole are kept and the batch stays open: fix the fault and continue it with\n"
	  "--resume BATCH, which feeds from the batch's own scanner with its own profile;\n"
	  "another --device or --profile there is a choice recorded in the event log. A flatbed\n"
	  "source scans the sheet on the glass once and leaves the batch open for the next one\n"
	  "(--resume BATCH again; 'folio batch close BATCH' when done). --device takes [capture]\n"
	  "device, or a scanner SANE lists that [capture] devices allows; --force takes any (a\n"
	  "technician's choice, recorded in the event log under their name).",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_scan },
	{ "batch", "list", "", "list the batches in the store", NULL, CMD_NEEDS_STORE,
	  cmd_batch_list },
	{ "batch", "show", "BATCH", "show a batch, its documents and its pages", NULL,
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_batch_show },
	{ "batch", "close", "BATCH", "close an open batch (no more pages)", NULL,
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_batch_close },
	{ "batch", "approve", "BATCH [--revision N]", "approve a closed batch for upload",
	  "With --revision, approves only when the batch is still at revision N, as\n"
	  "'folio batch show' printed it: a change after your review refuses approval.\n"
	  "Once approved, nothing that goes into its package changes (flags, pages, order,\n"
	  "documents); reject it to correct it.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_batch_approve },
	{ "batch", "reject", "BATCH --reason TEXT", "reject a batch (to rescan or delete it)",
	  "The reason is recorded in the event log, as the clerk UI records it.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_batch_reject },
	{ "batch", "reopen", "BATCH", "open a rejected batch again (to rescan or insert sheets)",
	  NULL, CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_batch_reopen },
	{ "batch", "confirm", "BATCH", "record that the office confirmed a delivered batch", NULL,
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_batch_confirm },
	{ "batch", "purge", "BATCH [--now] | --expired",
	  "remove a confirmed or rejected batch's images; keep its records and events",
	  "Removes the page images, OCR text and queue items of a confirmed batch once\n"
	  "[store] retention_days have passed since its confirmation (--now: at once), or of a\n"
	  "rejected batch. Page records with their hashes, documents and the event log stay.\n"
	  "--expired purges every confirmed batch past its retention, as foliod does.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_batch_purge },
	{ "queue", "stats", "", "items waiting in the OCR, packaging and upload queues", NULL,
	  CMD_NEEDS_STORE, cmd_queue_stats },
	{ "store", "check", "[--pages]",
	  "check the event chain and every page image against its capture hash",
	  "Walks the hash-chained event log, every page image (unsealed with the station key when\n"
	  "sealed) against the SHA-256 taken at capture, every OCR result and the queue indexes,\n"
	  "in one snapshot while the station keeps working, and reports the first break.\n"
	  "--pages prints 'BATCH PAGE SHA256' for every intact page image.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_store_check },
	{ "store", "reindex", "", "rebuild the text index from every page's recognised text",
	  "Drops the index that 'folio search' and the clerk UI's search read and indexes every\n"
	  "stored text again, a few hundred pages per transaction while the station keeps\n"
	  "working (a search meanwhile says the index is being rebuilt). Needed for a store made\n"
	  "before the index, or when 'folio store check' says the index is out of date.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_store_reindex },
	{ "search", NULL,
	  "[--application NUMBER] [--doc-code CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	  "           [WORD...]",
	  "find documents by index fields, and pages by the words of their text",
	  "Without words: the documents whose index fields match (part of the application or\n"
	  "ST.13 number, the document code, received between --from and --to, days of the\n"
	  "calendar). With words: the pages whose recognised text holds every word (case and\n"
	  "accents do not matter; WORD* matches every word it begins), newest batch first, with\n"
	  "the text around the first word found, of documents that match the filters.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_search },
	{ "store", "stats", "", "sizes, counts, free space, map use and sealing of the store", NULL,
	  CMD_NEEDS_STORE, cmd_store_stats },
	{ "store", "keygen", "[FILE]",
	  "create the station key that seals the store (default: [store] key_file)",
	  "Writes 32 random bytes with mode 0600. An existing key is never replaced: what it\n"
	  "sealed could not be read again. Keep a copy in the office's key safe.",
	  CMD_NEEDS_CONFIG, cmd_store_keygen },
	{ "backup", NULL, "--out FILE [--passphrase-file FILE] [--force]",
	  "save the store, configuration, accounts and station key, sealed with a passphrase",
	  "Writes FILE: a consistent, compacted copy of the store taken while the station keeps\n"
	  "working, the configuration file, the console and clerk UI accounts files and the\n"
	  "station key, all encrypted with a key derived from a passphrase (Argon2id) that is\n"
	  "asked twice on the terminal (--passphrase-file reads it from a file of mode 0600).\n"
	  "Not in it: the package-signing key, upload credentials and TLS keys. An existing\n"
	  "FILE is replaced only with --force. 'folio restore FILE' brings it back.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST | CMD_NOT_IN_CONSOLE, cmd_backup },
	{ "restore", NULL, "FILE [--passphrase-file FILE] [--force]",
	  "bring a station back from a backup: store, configuration, accounts, station key",
	  "Asks for the backup's passphrase, checks the whole file, then puts its configuration\n"
	  "at --config, and the store, the accounts files and the station key where that\n"
	  "configuration names them (--store DIR puts the store there and says so in the\n"
	  "configuration). A store already there is refused; --force moves it aside to\n"
	  "DIR.before-restore-TIME, never deleting it. Other files that differ are moved aside\n"
	  "the same way. A wrong passphrase, a damaged or cut file restores nothing.",
	  CMD_PARSES_FIRST | CMD_NOT_IN_CONSOLE, cmd_restore },
	{ "page", "export", "--batch BATCH --page N --out FILE [--grey]",
	  "write one stored page image to a file, as captured",
	  "--grey writes the grey image kept for OCR of a bitonal page instead (JPEG).",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_page_export },
	{ "page", "grey", "--batch BATCH --page N",
	  "deliver a bitonal page as grey JPEG from its kept grey image (check-image)",
	  "For a page flagged check-image: its bitonal image reads much worse than its grey\n"
	  "one. The grey image (same size, so the text and its word boxes stay) replaces the\n"
	  "bitonal one before approval; the event log records both hashes.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_page_grey },
	{ "doc", "list", "--batch BATCH", "list a batch's documents and their index fields", NULL,
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_doc_list },
	{ "doc", "set",
	  "--batch BATCH --doc N [--office CC] [--ip-type patent|trademark|design]\n"
	  "           [--application NUMBER] [--doc-code CODE] [--received YYYY-MM-DD]\n"
	  "           [--language en|fr|ar]",
	  "index a document by hand",
	  "Checks every field (ST.3 office, ST.13 or the office's own number pattern with its\n"
	  "check digit, document codes of [index], a real date), prints the old and new values\n"
	  "and records the change in the event log. --application '' clears the number.\n"
	  "--language is the document's (ST.96 languageCode): its pages are read with that\n"
	  "language's OCR model.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_doc_set },
	{ "coversheet", NULL,
	  "--office CC --ip-type patent|trademark|design --application NUMBER\n"
	  "           --doc-code CODE [--date YYYY-MM-DD] --out FILE.pdf\n"
	  "       folio coversheet --patch 2|3|T --out FILE.pdf",
	  "print an A4 cover sheet (Code 128 and QR) that starts and indexes a document",
	  "Put the printed sheet in front of the document's pages: capture reads its barcodes,\n"
	  "starts a new document with these fields, and keeps the sheet as a separator page that\n"
	  "is not exported. --date is the received date (default: the date of capture).\n"
	  "--patch prints a patch code sheet instead (Kodak's standard; also 1, 4, 6): what it\n"
	  "does is the profile's patch_2, patch_3, patch_t ... keys (new-document, new-batch or\n"
	  "ignore).",
	  CMD_NEEDS_CONFIG | CMD_PARSES_FIRST, cmd_coversheet },
	{ "keygen", NULL, "--out DIR", "create the station's package-signing key pair in DIR",
	  "Writes DIR/station.key (secret, mode 0600: name it in [station] key_file) and\n"
	  "DIR/station.pub (the public key the office enrols to verify packages). An existing\n"
	  "key is never replaced.",
	  CMD_PARSES_FIRST, cmd_keygen },
	{ "verify", NULL, "DIR --key STATION.pub [--schemas DIR]",
	  "check a received package: signature, hashes, files, page counts, ST.96 schemas",
	  "What the office runs on a package: the manifest's signature by the enrolled station\n"
	  "key, every file's SHA-256 and size, no missing or extra files, page counts against the\n"
	  "ST.96 XML, and with --schemas (the ST.96 V6_0 folder) schema validity. Prints a report;\n"
	  "exit status 1 on any problem.",
	  CMD_PARSES_FIRST, cmd_verify },
	{ "ocr", NULL, "[--batch BATCH [--wait] [--again]]",
	  "recognise the text of queued pages (a batch's first, with --batch)",
	  "Runs the OCR workers ([ocr] workers, languages) over the store's OCR queue until it\n"
	  "is empty, or over one batch's pages with --batch. --wait also waits for pages of the\n"
	  "batch that foliod is reading; --again reads pages that already have text again.\n"
	  "Pages below [ocr] min_confidence are flagged for the clerk.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, CMD_IF(OCR, "OCR", cmd_ocr) },
	{ "ocr", "status", "", "OCR backlog and progress", NULL, CMD_NEEDS_STORE,
	  CMD_IF(OCR, "OCR", cmd_ocr_status) },
	{ "ocr-score", NULL, "GROUND_TRUTH RECOGNISED",
	  "character and word error rates of recognised text against its ground truth",
	  "ISRI definition: Levenshtein distance over characters divided by the ground truth's\n"
	  "length, both normalised to Unicode NFC, blank lines and leading/trailing blanks\n"
	  "ignored, runs of blanks folded; a newline counts as a character.",
	  0, CMD_IF(OCR, "OCR", cmd_ocr_score) },
	{ "upload", "status", "", "last delivery, backlog and the next upload window", NULL,
	  CMD_NEEDS_STORE, cmd_upload_status },
	{ "upload", "package", "DIR [--name NAME]",
	  "deliver one package folder to the upload target, exactly once",
	  "Sends the files of DIR's MANIFEST.sha256 to [upload] target under temporary names,\n"
	  "renames each into place, the signature and the manifest last, and confirms every\n"
	  "file on the server. What already arrived is not sent again, so it resumes after any\n"
	  "failure. NAME (default: DIR's name) is the package's folder name on the server.",
	  CMD_NEEDS_CONFIG | CMD_PARSES_FIRST, cmd_upload_package },
	{ "upload", NULL, "[--now]", "deliver approved batches to the upload target",
	  "Packages and delivers every approved batch, as foliod does inside [upload] window.\n"
	  "Outside the window nothing is sent unless --now is given.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_upload },
	{ "export", NULL, "--batch BATCH --out DIR",
	  "write a batch's package (ST.96 XML, images, manifest) into DIR",
	  "Writes exactly what would be uploaded: one folder per document with its ST.96 XML and\n"
	  "page images, a batch description, and MANIFEST.sha256 (check it with sha256sum -c).",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_export },
	{ "status", NULL, "", "the station at a glance: scanner, batch, queues, store, disk", NULL,
	  CMD_NEEDS_STORE, cmd_status },
	{ "log", "tail", "[N]", "the last N events of the event log (default 20), cut to a line",
	  "One line of 79 characters per event, '...' marking a cut: 'log show' prints whole\n"
	  "events.",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_log_tail },
	{ "log", "show", "[--batch BATCH] [--type KIND] [--last N]",
	  "whole events of the event log, filtered by batch and kind",
	  "Prints the last N events (default 50, at most 10000) that match, oldest first, one\n"
	  "whole event a line: sequence, date and time, who, kind, batch, document and page,\n"
	  "and the full detail. --type takes a kind as 'log tail' shows it ('ocr-worker-crash')\n"
	  "or a prefix ending in '*' ('ocr-*', 'upload-*').",
	  CMD_NEEDS_STORE | CMD_PARSES_FIRST, cmd_log_show },
	{ "selftest", NULL, "", "check scanner, OCR languages, store, upload target and clock",
	  "Opens the configured scanner, looks for the Tesseract data of every OCR language\n"
	  "built in, checks the store (event chain and every page image), checks the upload\n"
	  "target can be written and the clock is sane. Exit status 1 when a check fails.",
	  CMD_NEEDS_STORE, cmd_selftest },
	{ "date", NULL, "", "the station's date and time, local and UTC, and clock sync", NULL, 0,
	  cmd_date },
	{ "console", "passwd", "USER", "create a technician account or change its password",
	  "Asks for the password twice (or reads one line when standard input is not a\n"
	  "terminal) and stores its Argon2id hash in [console] accounts_file (mode 0600).",
	  CMD_NEEDS_STORE | CMD_NOT_IN_CONSOLE | CMD_PARSES_FIRST,
	  CMD_IF(CONSOLE, "the console", cmd_console_passwd) },
	{ "web", "user", "USER [--role clerk|supervisor] [--lang en|fr|ar] [--keep-password]",
	  "create a clerk UI account, or change its password, role or language",
	  "Asks for the password or PIN twice (or reads one line when standard input is not a\n"
	  "terminal; at least 8 characters) and stores its Argon2id hash with the role and the\n"
	  "language in [web] users_file (mode 0600). Only supervisors approve, reject and\n"
	  "delete. --keep-password changes role or language only.",
	  CMD_NEEDS_STORE | CMD_NOT_IN_CONSOLE | CMD_PARSES_FIRST,
	  CMD_IF(WEB, "the clerk UI", cmd_web_user) },
	{ "web", "users", "", "list the clerk UI accounts with their roles and languages", NULL,
	  CMD_NEEDS_CONFIG, CMD_IF(WEB, "the clerk UI", cmd_web_users) },
	{ "console", NULL, "", "the technician console on this terminal (login first)",
	  "The console foliod serves on [console] tty, here on the current terminal for bench\n"
	  "work: log in with an account from 'folio console passwd', then use these commands.",
	  CMD_NEEDS_STORE | CMD_NOT_IN_CONSOLE, CMD_IF(CONSOLE, "the console", cmd_console) },
	{ "logout", NULL, "", "end the console session", NULL, CMD_SESSION, cmd_logout },
	{ "reboot", NULL, "--yes", "restart the station (the console asks to confirm)", NULL,
	  CMD_NEEDS_STORE | CMD_CONFIRM | CMD_PARSES_FIRST, cmd_reboot },
	{ "shutdown", NULL, "--yes", "power the station off (the console asks to confirm)", NULL,
	  CMD_NEEDS_STORE | CMD_CONFIRM | CMD_PARSES_FIRST, cmd_reboot },
};

static const struct command *current;

const struct command *cmd_find(int argc, char **argv)
{
	const struct command *plain = NULL;

	/* "ocr status" is the sub-command when there is one; "ocr --batch 3" the plain verb. */
	for (size_t i = 0; argc > 0 && i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].verb, argv[0]) != 0)
			continue;
		if (!commands[i].sub) {
			plain = &commands[i];
			continue;
		}
		if (argc > 1 && strcmp(commands[i].sub, argv[1]) == 0)
			return &commands[i];
	}
	return plain;
}

const struct command *cmd_table(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(commands);
	return commands;
}

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
		fprintf(out, "  %-16s %s%s\n", name, commands[i].summary,
			commands[i].run ? "" : " (not in this build)");
	}
	fprintf(out,
		"\n'folio COMMAND --help' explains a command. --config defaults to %s\n"
		"(or $FOLIO_CONFIG). Exit status: 0 success, 1 failure, 2 wrong usage or\n"
		"configuration.\n",
		CONFIG_DEFAULT_PATH);
}

static void print_command_help(const struct command *c, const struct opt *opts, FILE *out)
{
	fprintf(out, "usage: ");
	print_usage_line(c, out);
	fprintf(out, "\n%s.\n", c->summary);
	if (c->help)
		fprintf(out, "\n%s\n", c->help);
	if (opts && opts[0].type != OPT_TYPE_END) {
		fprintf(out, "\nOptions:\n");
		opt_print_help(opts, out);
	}
}

/* The usage lines of every command of @verb ("batch list", "batch show", ...) on @out. */
static void print_verb_usage(const char *verb, FILE *out)
{
	fprintf(out, "usage:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].verb, verb) == 0) {
			fprintf(out, "  ");
			print_usage_line(&commands[i], out);
		}
}

int cmd_options(struct cmd_env *env, const struct opt *opts, int argc, char **argv)
{
	char why[160];
	int r = opt_parse(opts, 0, argc, argv, why, sizeof(why));

	if (r == OPT_HELP) {
		print_command_help(current, opts, env->out);
		return 0;
	}
	if (r < 0)
		return cmd_usage_error(current, "%s", why);
	return r;
}

int cmd_options_no_arguments(struct cmd_env *env, const struct opt *opts, int argc, char **argv)
{
	argc = cmd_options(env, opts, argc, argv);
	if (argc > 1)
		return cmd_usage_error(current, "unexpected argument '%s'", argv[1]);
	return argc;
}

int cmd_options_batch(struct cmd_env *env, const struct opt *opts, int argc, char **argv,
		      const char *const *batch_arg, unsigned *ret)
{
	int r = cmd_options_no_arguments(env, opts, argc, argv);

	if (r <= 0)
		return r;
	r = cmd_parse_batch(*batch_arg, ret);
	return r < 0 ? r : 1;
}

int cmd_load_batch(struct cmd_env *env, unsigned id, struct batch_info *ret)
{
	int r = cmd_load(env);

	if (r < 0)
		return r;
	r = store_batch_get(env->store, id, ret);
	return r < 0 ? cmd_batch_error(r, id) : 0;
}

int cmd_options_then_load(struct cmd_env *env, const struct opt *opts, int argc, char **argv)
{
	int r = cmd_options_no_arguments(env, opts, argc, argv);

	if (r <= 0)
		return r;
	r = cmd_load(env);
	return r < 0 ? r : 1;
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

int cmd_parse_batch(const char *arg, unsigned *ret)
{
	if (arg && cmd_parse_u32(arg, UINT32_MAX, ret) < 0)
		return cmd_usage_error(current, "'%s' is not a batch number", arg);
	return 0;
}

int cmd_batch_error(int r, unsigned id)
{
	if (r == -FOLIO_ENOTFOUND)
		return log_errno(r, "no batch %u in the store: 'folio batch list' shows them", id);
	return log_errno(r, "cannot read batch %u: %s", id, folio_strerror(r));
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

		log_err(
		    "cannot read configuration '%s': %s%s", env->config_path, folio_strerror(r),
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

/*
 * Run as root (sudo folio selftest), folio works the store as the user who owns its folder,
 * foliod's user: files root made there (the store's own on first use, telemetry) would lock
 * the daemon out of its store. A store folder owned by root is used as root.
 */
static int become_store_owner(const char *path)
{
	struct passwd *pw;
	struct stat st;

	if (geteuid() != 0 || !path || stat(path, &st) < 0 || st.st_uid == 0)
		return 0;
	pw = getpwuid(st.st_uid);
	if (!pw)
		return log_errno(-ENOENT,
				 "store '%s' belongs to uid %u, which has no account: give it to "
				 "the daemon's user",
				 path, (unsigned)st.st_uid);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		return log_errno(-errno, "cannot become '%s', the owner of store '%s': %s",
				 pw->pw_name, path, folio_strerror(-errno));
	log_debug("working store '%s' as its owner '%s'", path, pw->pw_name);
	return 0;
}

static int open_store(struct cmd_env *env)
{
	int r;

	if (env->store)
		return 0;
	r = become_store_owner(env->cfg->store_path);
	if (r < 0)
		return r;
	r = store_open(env->cfg->store_path, (size_t)env->cfg->map_size_mb, &env->store);
	if (r < 0)
		return log_errno(r, "cannot open store '%s': %s", env->cfg->store_path,
				 r == -FOLIO_ECORRUPT ? "it was written by another Folio version "
							"or is damaged"
						      : folio_strerror(r));
	/* Reserve, station key and sealing: every command sees the store as configured. */
	return cmd_store_configure(env);
}

int cmd_load(struct cmd_env *env)
{
	int r;

	if (current->needs & CMD_NEEDS_CONFIG) {
		r = load_config(env);
		if (r < 0)
			return r;
	}
	if ((current->needs & CMD_NEEDS_STORE) == CMD_NEEDS_STORE)
		return open_store(env);
	return 0;
}

/* "folio help batch approve": the command's help, or the usage of a verb's commands. */
static int help_on(struct cmd_env *env, int argc, char **argv)
{
	char *args[4] = { argv[0], argc > 1 ? argv[1] : NULL, NULL, NULL };
	const struct command *c = cmd_find(argc, argv);
	bool verb_known = false;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].verb, argv[0]) == 0)
			verb_known = true;
	if (!verb_known)
		return cmd_usage_error(NULL, "unknown command '%s'", argv[0]);
	if (!c || argc > (c->sub ? 2 : 1)) {
		if (argc > 1 && (!c || !c->sub))
			return cmd_usage_error(NULL, "unknown %s command '%s'", argv[0], argv[1]);
		print_verb_usage(argv[0], env->out);
		return 0;
	}
	args[c->sub ? 2 : 1] = (char *)"--help";
	return cmd_dispatch(env, c->sub ? 3 : 2, args);
}

int cmd_dispatch(struct cmd_env *env, int argc, char **argv)
{
	const struct command *c = NULL;
	bool verb_known = false;
	int shift = 1, r;

	if (argc < 1) {
		print_help(stderr);
		return -FOLIO_EUSAGE;
	}
	if (strcmp(argv[0], "help") == 0 && argc > 1)
		return help_on(env, argc - 1, argv + 1);
	if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0) {
		print_help(env->out);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].verb, argv[0]) == 0)
			verb_known = true;
	c = cmd_find(argc, argv);
	if (c && c->sub)
		shift = 2;
	if (!c) {
		if (!verb_known)
			return cmd_usage_error(NULL, "unknown command '%s'", argv[0]);
		print_verb_usage(argv[0], stderr);
		return argc > 1 ? cmd_usage_error(NULL, "unknown %s command '%s'", argv[0], argv[1])
				: cmd_usage_error(NULL, "'%s' needs a sub-command", argv[0]);
	}
	current = c;
	if (!c->run) {
		log_err("this station was built without %s", c->without);
		return -FOLIO_ECONFIG;
	}

	argc -= shift - 1;
	argv += shift - 1;
	if (!(c->needs & CMD_PARSES_FIRST)) {
		static const struct opt none[] = { OPT_END() };

		/* a usage that names no arguments takes none */
		argc = c->args[0] ? cmd_options(env, none, argc, argv)
				  : cmd_options_no_arguments(env, none, argc, argv);
		if (argc <= 0)
			return argc;
		r = cmd_load(env);
		if (r < 0)
			return r;
	}
	return c->run(env, argc, argv);
}
