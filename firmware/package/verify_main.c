/*
 * folio-verify: the office's verifier on its own. It links only libsodium, libxml2 and libc
 * (firmware/package/build.mk), so an office installs it without the station's scanner, OCR and
 * store libraries. `folio verify` runs the same checks and prints the same report.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/package/verify.h"

static const char usage[] =
    "usage: folio-verify PACKAGE --key station.pub [--schemas ST96_V6_0_FOLDER]\n"
    "\n"
    "Checks a package received from a Folio station: the station's signature (Ed25519,\n"
    "and OpenSSH's when there), every file's SHA-256 and size, no file missing or added,\n"
    "the folder's name against BATCH.txt, the chain of custody in EVENTS.txt to the\n"
    "batch's approval, page counts against the XML, and with --schemas the ST.96 V6_0\n"
    "schemas. Prints a report; exits 0 when the package passes, 1 when it does not, 2 for\n"
    "a usage error.\n";

static int usage_error(const char *why)
{
	fprintf(stderr, "folio-verify: %s (folio-verify --help)\n", why);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "schemas", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct verify_report *rep;
	struct verify_options o = { 0 };
	const char *dir = NULL;
	int c, r;

	log_open("folio-verify", LOG_TARGET_TERMINAL);
	opterr = 0; /* one line of our own for a bad option */
	while ((c = getopt_long(argc, argv, "k:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key_path = optarg;
			break;
		case 's':
			o.schema_dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return usage_error(optopt ? "bad option" : "bad option or missing value");
		}
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind < argc)
		return usage_error("more than one package folder");
	if (!dir || !o.key_path)
		return usage_error("a package folder and --key are needed");

	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		fprintf(stderr, "folio-verify: out of memory\n");
		return 1;
	}
	r = verify_package(dir, &o, rep);
	if (r == -FOLIO_EFORMAT)
		fprintf(stderr,
			"folio-verify: '%s' is not a Folio public key (folio keygen writes "
			"station.pub)\n",
			o.key_path);
	else if (r == -FOLIO_ESCHEMA)
		fprintf(stderr,
			"folio-verify: cannot load the ST.96 schemas from '%s': pass the V6_0 "
			"schema folder to --schemas\n",
			o.schema_dir);
	else if (r < 0 && r != -FOLIO_ECORRUPT)
		fprintf(stderr, "folio-verify: cannot verify '%s': %s\n", dir, folio_strerror(r));
	else
		verify_print_report(stdout, dir, rep, r);
	if (r == -FOLIO_ECORRUPT)
		fprintf(stderr, "folio-verify: package '%s' failed verification: %zu problem%s\n",
			dir, rep->n_problems + rep->dropped,
			rep->n_problems + rep->dropped == 1 ? "" : "s");
	free(rep);
	if (fflush(stdout) != 0)
		return 1;
	return r == 0 ? 0 : 1;
}
