/*
 * folio-verify: the office's verifier on its own. It links only libsodium, libxml2 and libc
 * (firmware/package/build.mk), so an office installs it without the station's scanner, OCR and
 * store libraries. `folio verify` runs the same checks and prints the same report.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/package/receipt.h"
#include "firmware/package/verify.h"

static const char usage[] =
    "usage: folio-verify PACKAGE --key station.pub [--schemas ST96_V6_0_FOLDER]\n"
    "                    [--registry DIR] [--receipt --receipt-key KEY [--receipt-dir DIR]]\n"
    "\n"
    "Checks a package received from a Folio station: the station's signature (Ed25519,\n"
    "and OpenSSH's when there), every file's SHA-256 and size, no file missing or added,\n"
    "the folder's name against BATCH.txt, the chain of custody in EVENTS.txt to the\n"
    "batch's approval, page counts against the XML, and with --schemas the ST.96 V6_0\n"
    "schemas. Prints a report; exits 0 when the package passes, 1 when it does not, 2 for\n"
    "a usage error.\n"
    "\n"
    "--registry DIR remembers every package accepted (one file per package name in DIR)\n"
    "and refuses a package whose name was accepted before: a replay, or a collision.\n"
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

/*
 * Records package @name (verified: its name is bound to BATCH.txt) in registry @reg, or says
 * why not in @why: accepted before (the same manifest: a replay; another: a name collision).
 * Returns 0 or -1.
 */
static int registry_record(const char *reg, const char *name, const struct verify_report *rep,
			   char *why, size_t size)
{
	char line[256], old[256] = "", when[32];
	time_t now = time(NULL);
	struct tm tm;
	int dfd, fd, n;

	if (mkdir(reg, 0700) < 0 && errno != EEXIST) {
		snprintf(why, size, "cannot create the registry '%s': %s", reg, strerror(errno));
		return -1;
	}
	dfd = open(reg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(why, size, "cannot open the registry '%s': %s", reg, strerror(errno));
		return -1;
	}
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		int rfd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		ssize_t got = rfd >= 0 ? read(rfd, old, sizeof(old) - 1) : -1;

		if (rfd >= 0)
			close(rfd);
		old[got > 0 ? got : 0] = '\0';
		old[strcspn(old, "\n")] = '\0';
		if (rep->manifest_sha256[0] && strstr(old, rep->manifest_sha256))
			snprintf(why, size, "'%s' was accepted before (%.120s): a replay, refused",
				 name, old);
		else
			snprintf(why, size,
				 "another package named '%s' was accepted before (%.120s): a name "
				 "collision, refused",
				 name, old);
		close(dfd);
		return -1;
	}
	if (fd < 0) {
		snprintf(why, size, "cannot record '%s' in the registry: %s", name,
			 strerror(errno));
		close(dfd);
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "accepted %s key %s manifest %s\n", when, rep->key_id,
		     rep->manifest_sha256);
	if (n < 0 || write(fd, line, (size_t)n) != n || fsync(fd) < 0) {
		snprintf(why, size, "cannot record '%s' in the registry: %s", name,
			 strerror(errno));
		close(fd);
		unlinkat(dfd, name, 0);
		close(dfd);
		return -1;
	}
	close(fd);
	(void)fsync(dfd);
	close(dfd);
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
		{ "registry", required_argument, NULL, 'r' },
		{ "receipt", no_argument, NULL, 'R' },
		{ "receipt-key", required_argument, NULL, 'K' },
		{ "receipt-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct verify_report *rep;
	struct verify_options o = { 0 };
	const char *dir = NULL, *registry = NULL, *receipt_key = NULL, *receipt_dir = NULL;
	struct sign_key office = { 0 };
	bool receipt = false;
	int c, r, rr = 0;

	log_open("folio-verify", LOG_TARGET_TERMINAL);
	opterr = 0; /* one line of our own for a bad option */
	while ((c = getopt_long(argc, argv, "k:s:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key_path = optarg;
			break;
		case 's':
			o.schema_dir = optarg;
			break;
		case 'r':
			registry = optarg;
			break;
		case 'R':
			receipt = true;
			break;
		case 'K':
			receipt_key = optarg;
			break;
		case 'D':
			receipt_dir = optarg;
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
	if (receipt != !!receipt_key || (receipt_dir && !receipt))
		return usage_error("--receipt goes with --receipt-key (and --receipt-dir)");
	if (receipt) {
		r = sign_load_ssh_secret(receipt_key, &office);
		if (r < 0) {
			fprintf(stderr, "folio-verify: cannot use the receipt key '%s': %s\n",
				receipt_key,
				r == -EPERM	     ? "others can read it: chmod 600 it"
				: r == -EKEYREJECTED ? "a passphrase protects it: make one without"
				: r == -FOLIO_EFORMAT
				    ? "not an OpenSSH Ed25519 private key (ssh-keygen -t ed25519)"
				    : folio_strerror(r));
			return 1;
		}
	}

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
	if (r == 0 && registry) {
		char name[256], why[512];

		base_name(dir, name, sizeof(name));
		if (registry_record(registry, name, rep, why, sizeof(why)) < 0) {
			printf("registry  REFUSED: %s\n", why);
			fprintf(stderr, "folio-verify: %s\n", why);
			if (receipt)
				(void)write_receipt(dir, receipt_dir, &office, rep, why);
			sign_key_wipe(&office);
			free(rep);
			fflush(stdout);
			return 1;
		}
		printf("registry  recorded '%s' in %s\n", name, registry);
	}
	if (receipt && (r == 0 || r == -FOLIO_ECORRUPT)) {
		char why[VERIFY_PROBLEM_LEN + 64];

		if (r < 0)
			refusal_of(rep, why, sizeof(why));
		rr = write_receipt(dir, receipt_dir, &office, rep, r < 0 ? why : NULL);
	}
	sign_key_wipe(&office);
	if (r == -FOLIO_ECORRUPT)
		fprintf(stderr, "folio-verify: package '%s' failed verification: %zu problem%s\n",
			dir, rep->n_problems + rep->dropped,
			rep->n_problems + rep->dropped == 1 ? "" : "s");
	free(rep);
	if (fflush(stdout) != 0)
		return 1;
	return r == 0 && rr == 0 ? 0 : 1;
}
