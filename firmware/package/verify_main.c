/*
 * folio-verify: the office's verifier on its own. It links only libsodium, libxml2, liblmdb,
 * zlib and libc (firmware/package/build.mk), so an office installs it without the station's scanner, OCR and
 * store libraries. `folio verify` runs the same checks and prints the same report.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "options.h"
#include "firmware/base/progress_line.h"
#include "firmware/package/receipt.h"
#include "firmware/package/registry.h"
#include "firmware/package/verify.h"

static const char usage[] =
    "usage: folio-verify PACKAGE --key station.pub [--schemas ST96_V6_0_FOLDER]\n"
    "                    [--registry DIR] [--receipt --receipt-key KEY [--receipt-dir DIR]]\n"
    "       folio-verify --registry DIR --list\n"
    "       folio-verify --version\n"
    "\n"
    "Checks a package received from a Folio station: the station's signature (Ed25519,\n"
    "and OpenSSH's when there), every file's SHA-256 and size, no file missing or added,\n"
    "the folder's name against BATCH.txt, the chain of custody in EVENTS.txt to the\n"
    "batch's approval, page counts against the XML, and with --schemas the ST.96 V6_0\n"
    "schemas. Prints a report; exits 0 when the package passes, 1 when it does not, 2 for\n"
    "a usage error.\n"
    "\n"
    "--registry DIR remembers every package accepted (an LMDB registry in folder DIR) and\n"
    "refuses a second package for the same station and batch: a replay, or a collision.\n"
    "--registry DIR --list prints what it holds.\n"
    "\n"
    "--receipt writes the office's signed receipt for the station to read back: package,\n"
    "manifest SHA-256, accepted or refused with the reason, time (UTC), into\n"
    "<folder of the package>/receipts/<package>.receipt (--receipt-dir DIR elsewhere) with\n"
    "its SSH signature <package>.receipt.sshsig by KEY, an unencrypted OpenSSH Ed25519\n"
    "private key (ssh-keygen -t ed25519 -N '' -f KEY), namespace folio-receipt.\n";

/* The package folder's own name, without trailing slashes. */
static void base_name(const char *dir, char *buf, size_t size)
{
	const char *slash;
	size_t n;

	snprintf(buf, size, "%s", dir);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		memmove(buf, slash + 1, strlen(slash + 1) + 1);
}

static int print_record(const struct registry_record *rec, void *user)
{
	char when[24], name[REGISTRY_NAME_MAX * 4], station[sizeof(rec->station) * 4];
	time_t at = (time_t)rec->accepted;
	struct tm tm;

	(void)user;
	gmtime_r(&at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	verify_escape(rec->name, name, sizeof(name)); /* the registry is a file too */
	verify_escape(rec->station, station, sizeof(station));
	printf("%s\t%" PRIu32 "\t%s\t%s\t%s\t%s\t%s\n", station, rec->batch,
	       rec->store[0] ? rec->store : "-", when, rec->key_id, rec->manifest_sha256, name);
	return 0;
}

/* The folder a receipt goes to: @dir's parent folder and "receipts". */
static void receipt_folder(const char *dir, char *buf, size_t size)
{
	char parent[4096];
	char *slash;
	size_t n;

	snprintf(parent, sizeof(parent), "%s", dir);
	n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	snprintf(buf, size, "%s/%s", parent, RECEIPT_DIR);
}

/*
 * The office's receipt for package @dir: accepted when @refusal is NULL, else refused for that
 * reason. Prints a "receipt" line; returns 0 or -1 (said on stderr).
 */
static int write_receipt(const char *dir, const char *folder, const struct sign_key *key,
			 const struct verify_report *rep, const char *refusal)
{
	struct receipt rc = { 0 };
	char name[256], where[4096], why[600];
	int r;

	base_name(dir, name, sizeof(name));
	if (!folder) {
		receipt_folder(dir, where, sizeof(where));
		folder = where;
	}
	if (receipt_from_name(name, &rc) < 0)
		snprintf(why, sizeof(why), "'%s' is not a Folio package name", name);
	else if (!rep->manifest_sha256[0])
		snprintf(why, sizeof(why), "'%s' has no manifest to name", name);
	else {
		memcpy(rc.manifest_sha256, rep->manifest_sha256, sizeof(rc.manifest_sha256));
		rc.accepted = true;
		if (refusal)
			receipt_set_reason(&rc, refusal, strlen(refusal));
		rc.time = (int64_t)time(NULL);
		r = receipt_write(folder, &rc, key, why, sizeof(why));
		if (r == 0) {
			printf("receipt   %s, written to %s/%s%s\n",
			       rc.accepted ? "accepted" : "refused", folder, name, RECEIPT_SUFFIX);
			return 0;
		}
		if (r == -EEXIST) {
			printf("receipt   %s\n", why);
			return 0;
		}
	}
	printf("receipt   NOT WRITTEN: %s\n", why);
	fprintf(stderr, "folio-verify: no receipt: %s\n", why);
	return -1;
}

/* The first problem of a refused package, and how many more, as the receipt's reason. */
static void refusal_of(const struct verify_report *rep, char *buf, size_t size)
{
	size_t more = rep->n_problems + rep->dropped - 1;

	if (rep->n_problems == 0) {
		snprintf(buf, size, "the package failed verification");
		return;
	}
	if (more)
		snprintf(buf, size, "%s (and %zu more problem%s)", rep->problems[0], more,
			 more == 1 ? "" : "s");
	else
		snprintf(buf, size, "%s", rep->problems[0]);
}

/* --registry DIR --list: every package the office accepted, one tab-separated line each. */
static int registry_print(const char *dir)
{
	struct registry *reg = NULL;
	char why[512], safe[600];
	int r;

	r = registry_open(dir, false, &reg, why, sizeof(why));
	if (r == 0) {
		printf("# station\tbatch\tstore\taccepted\tkey\tmanifest sha256\tpackage\n");
		r = registry_list(reg, print_record, NULL, why, sizeof(why));
	}
	registry_close(reg);
	if (r < 0) {
		verify_escape(why, safe, sizeof(safe));
		fprintf(stderr, "folio-verify: %s\n", safe);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * Records the verified package @dir in registry @reg (its station and batch from BATCH.txt,
 * bound to the folder's name by verify_package()), or says why not (also in @why, for the
 * receipt). Returns 0; -EEXIST when the office accepted this station and batch before, the
 * same package (a replay) or another (a collision): a refusal; another error when the
 * registry cannot take it (full, locked, damaged): the package is neither accepted nor refused.
 */
static int registry_record(struct registry *reg, const char *dir, const struct verify_report *rep,
			   char *why, size_t size)
{
	struct registry_record rec = { .batch = rep->batch.batch, .accepted = time(NULL) }, prev;
	char safe[1024];
	int r;

	snprintf(rec.station, sizeof(rec.station), "%s", rep->batch.station);
	snprintf(rec.store, sizeof(rec.store), "%s", rep->batch.store);
	snprintf(rec.key_id, sizeof(rec.key_id), "%s", rep->key_id);
	snprintf(rec.manifest_sha256, sizeof(rec.manifest_sha256), "%s", rep->manifest_sha256);
	base_name(dir, rec.name, sizeof(rec.name));
	r = registry_accept(reg, &rec, &prev, why, size);
	if (r < 0) {
		verify_escape(why, safe, sizeof(safe));
		printf("registry  %s: %s\n", r == -EEXIST ? "REFUSED" : "NOT RECORDED", safe);
		fprintf(stderr, "folio-verify: %s\n", safe);
		return r;
	}
	printf("registry  recorded station %s batch %" PRIu32 " ('%s')\n", rec.station, rec.batch,
	       rec.name);
	return 0;
}

static int usage_error(const char *why)
{
	fprintf(stderr, "folio-verify: %s (folio-verify --help)\n", why);
	return 2;
}

/* What the command line asks for. */
struct args {
	struct verify_options o;
	const char *dir, *registry, *receipt_key, *receipt_dir;
	bool receipt, list, help, version;
};

/* Reads the command line into @a; returns 0, or the exit status 2 of a usage error (said). */
static int parse_args(int argc, char **argv, struct args *a)
{
	const struct opt opts[] = {
		OPT_STRING('k', "key", &a->o.key_path, "STATION.pub", "the enrolled station key"),
		OPT_STRING('s', "schemas", &a->o.schema_dir, "DIR", "the ST.96 V6_0 schemas"),
		OPT_STRING('r', "registry", &a->registry, "DIR", "the office's registry"),
		OPT_FLAG(0, "receipt", &a->receipt, "write the office's receipt"),
		OPT_STRING(0, "receipt-key", &a->receipt_key, "KEY", "the key signing receipts"),
		OPT_STRING(0, "receipt-dir", &a->receipt_dir, "DIR", "where receipts go"),
		OPT_FLAG('l', "list", &a->list, "list the registry's packages"),
		OPT_FLAG('V', "version", &a->version, "print the version"),
		OPT_END(),
	};
	char why[160];
	int n = opt_parse(opts, 0, argc, argv, why, sizeof(why));

	if (n == OPT_HELP) {
		a->help = true;
		return 0;
	}
	if (n < 0)
		return usage_error(why);
	if (a->version)
		return 0;
	if (n > 1)
		a->dir = argv[1];
	if (a->list) {
		if (!a->registry || a->dir || a->o.key_path)
			return usage_error("--list takes --registry DIR and nothing else");
		return 0;
	}
	if (n > 2)
		return usage_error("more than one package folder");
	if (!a->dir || !a->o.key_path)
		return usage_error("a package folder and --key are needed");
	if (a->receipt != !!a->receipt_key || (a->receipt_dir && !a->receipt))
		return usage_error("--receipt goes with --receipt-key (and --receipt-dir)");
	return 0;
}

/* The office's receipt key @path into @ret, or a line on stderr saying what to do; 0 or -1. */
static int load_receipt_key(const char *path, struct sign_key *ret)
{
	int r = sign_load_ssh_secret(path, ret);

	if (r == 0)
		return 0;
	fprintf(stderr, "folio-verify: cannot use the receipt key '%s': %s\n", path,
		r == -EPERM	      ? "others can read it or it is another user's: chmod 600 it"
		: r == -EKEYREJECTED  ? "a passphrase protects it: make one without"
		: r == -FOLIO_EFORMAT ? "not an OpenSSH Ed25519 private key (ssh-keygen -t ed25519)"
				      : folio_strerror(r));
	return -1;
}

/* The outcome of verify_package() @r for @dir: the report, or one line on stderr. */
static void print_outcome(const struct args *a, const struct verify_report *rep, int r,
			  const char *safe_dir)
{
	char why[2048];

	if (r < 0 && r != -FOLIO_ECORRUPT) {
		verify_failure(r, safe_dir, &a->o, why, sizeof(why));
		fprintf(stderr, "folio-verify: %s\n", why);
	} else {
		verify_print_report(stdout, a->dir, rep, r);
	}
}

/*
 * Verifies package a->dir, records it in the registry (--registry) and writes the office's
 * receipt (--receipt, signed by @office). Returns the exit status.
 */
static int check_package(const struct args *a, const struct sign_key *office)
{
	struct verify_report *rep = NULL;
	struct registry *reg = NULL;
	char safe_dir[1024], why[VERIFY_PROBLEM_LEN + 768];
	struct progress_line view;
	struct verify_options o;
	const char *refusal = NULL;
	bool answered = true; /* the receipt, when asked for, is written */
	int r, status = 1;

	if (a->registry) { /* a registry that cannot take the package: say so before verifying */
		char safe[600];

		if (registry_open(a->registry, true, &reg, why, sizeof(why)) < 0) {
			verify_escape(why, safe, sizeof(safe));
			fprintf(stderr, "folio-verify: %s\n", safe);
			return 1;
		}
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		fprintf(stderr, "folio-verify: out of memory\n");
		goto out;
	}
	verify_escape(a->dir, safe_dir, sizeof(safe_dir));
	o = a->o;
	progress_line_init(&view, "verify", "file"); /* on a terminal: a package may be GBs */
	o.progress = &view.p;
	r = verify_package(a->dir, &o, rep);
	progress_line_end(&view);
	print_outcome(a, rep, r, safe_dir);
	if (r == 0 && reg) {
		/* The office refuses a replay or a collision: its receipt says so. A registry
		 * that cannot take the package is the office's trouble: no receipt, so the
		 * station waits instead of sending the batch back to its supervisor. */
		r = registry_record(reg, a->dir, rep, why, sizeof(why));
		if (r == -EEXIST && a->receipt)
			(void)write_receipt(a->dir, a->receipt_dir, office, rep, why);
		else if (r < 0 && a->receipt)
			printf("receipt   NOT WRITTEN: the registry did not record the package\n");
		if (r < 0)
			goto out;
	}
	reg = registry_close(reg); /* another verifier may go on while the receipt is written */
	if (a->receipt && (r == 0 || r == -FOLIO_ECORRUPT)) {
		if (r < 0) {
			refusal_of(rep, why, sizeof(why));
			refusal = why;
		}
		answered = write_receipt(a->dir, a->receipt_dir, office, rep, refusal) == 0;
	}
	if (r == -FOLIO_ECORRUPT)
		fprintf(stderr, "folio-verify: package '%s' failed verification: %zu problem%s\n",
			safe_dir, rep->n_problems + rep->dropped,
			rep->n_problems + rep->dropped == 1 ? "" : "s");
	status = r == 0 && answered ? 0 : 1;
out:
	registry_close(reg);
	free(rep);
	return status;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct sign_key office = { 0 };
	int status;

	log_open("folio-verify", LOG_TARGET_TERMINAL);
	status = parse_args(argc, argv, &a);
	if (status)
		return status;
	if (a.help) {
		fputs(usage, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (a.version) {
		printf("folio-verify %s\n", FOLIO_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (a.list)
		return registry_print(a.registry);
	if (a.receipt && load_receipt_key(a.receipt_key, &office) < 0)
		return 1;
	status = check_package(&a, &office);
	sign_key_wipe(&office);
	if (fflush(stdout) != 0)
		return 1;
	return status;
}
