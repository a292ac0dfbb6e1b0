#ifndef FOLIO_PACKAGE_VERIFY_H
#define FOLIO_PACKAGE_VERIFY_H

/*
 * The office's verifier: what `folio verify` runs on a package as it arrived (layout in
 * firmware/package/export.h). Checks, all of them, reporting every problem found:
 *
 *  - MANIFEST.sha256.sig is a valid Ed25519 signature of MANIFEST.sha256 by the enrolled
 *    station key (a package without a signature fails); MANIFEST.sha256.sshsig, when there, is
 *    a valid SSH signature of it by the same key (sign.h);
 *  - MANIFEST.sha256 is well formed; every file it lists exists and has that SHA-256;
 *  - no file or folder is in the package that the manifest does not list (the manifest and
 *    its signatures excepted), and nothing is a link or a special file;
 *  - MANIFEST.sizes gives every listed file its size on disk;
 *  - each document folder has its document.xml; the page images it names are all there and
 *    are all the page images of the folder (trademarks: com:PageTotalQuantity agrees);
 *  - BATCH.txt's document and page counts agree with the folders, and its station, store and
 *    batch give the folder's name (export_package_name()): a renamed or copied package fails;
 *  - EVENTS.txt, the batch's chain of custody (events.h), is unbroken from the batch's
 *    batch-create to its approval;
 *  - a document's searchable PDF (document.pdf), when there, is named by its XML and is a PDF
 *    as the station writes it with one page per page image (pdfcheck.h);
 *  - with a schema folder, every document.xml validates against its ST.96 V6_0 schema.
 *
 * Paths in the package are bounded (VERIFY_PATH_MAX), as are file counts (VERIFY_MAX_FILES)
 * and the manifest's size; anything beyond is a problem, never a crash.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "progress.h"
#include "firmware/package/events.h"

#define VERIFY_MAX_PROBLEMS 64
#define VERIFY_PROBLEM_LEN 256
#define VERIFY_MAX_FILES 200000
#define VERIFY_PATH_MAX 128

/* What BATCH.txt says (verify_parse_batch()). */
struct verify_batch {
	char station[33]; /* [A-Za-z0-9._-], 1..32 */
	char store[17]; /* 16 lower-case hex digits; "" when BATCH.txt has none (older stations) */
	char office[3]; /* two capital letters (ST.3); "" when absent */
	uint32_t batch; /* 1..4294967295 */
	uint32_t documents, pages;
};

struct verify_options {
	const char *key_path;	/* the station's public key (station.pub from folio keygen) */
	const char *schema_dir; /* folder of the ST.96 V6_0 schemas, or NULL: not checked */
	const struct progress *progress; /* told of each file hashed, of all listed; or NULL */
};

struct verify_report {
	uint32_t documents, pages, files; /* as found */
	uint32_t pdfs;			  /* searchable PDFs whose page count agrees */
	uint64_t bytes;
	bool signature_ok;
	bool
	    ssh_signature_ok; /* MANIFEST.sha256.sshsig there and valid (absent: false, no problem) */
	bool schemas_checked;
	bool custody_ok;	       /* EVENTS.txt checked, chain unbroken to approval */
	struct events_summary custody; /* what it holds, when custody_ok */
	char key_id[17];	       /* id of the enrolled key */
	char manifest_sha256[65];      /* SHA-256 of MANIFEST.sha256, once read */
	bool batch_ok;		       /* BATCH.txt read and well formed: @batch holds it */
	struct verify_batch batch;
	size_t n_problems, dropped;
	char problems[VERIFY_MAX_PROBLEMS][VERIFY_PROBLEM_LEN]; /* one line each */
};

/*
 * verify_package - check the package in folder @dir
 * @ret: the report, filled in whenever the return value is 0 or -FOLIO_ECORRUPT
 *
 * Returns 0 when the package passes every check; -FOLIO_ECORRUPT when it has problems (listed
 * in @ret); -errno when @dir cannot be read; for the key file: -ENOKEY when it cannot be read
 * (its error logged at debug), -FOLIO_EFORMAT when it is not a Folio public key;
 * -FOLIO_ESCHEMA when a schema in @schema_dir cannot be loaded. Only reads. Logs at debug only.
 */
int verify_package(const char *dir, const struct verify_options *o, struct verify_report *ret);

/*
 * verify_failure - the one line for a result @r of verify_package() that is no report (neither
 * 0 nor -FOLIO_ECORRUPT) into @buf: what could not be checked and what to do; @dir as it may be
 * shown (escaped)
 */
void verify_failure(int r, const char *dir, const struct verify_options *o, char *buf, size_t size);

/*
 * verify_parse_batch - read BATCH.txt, @len bytes at @text (not NUL-terminated)
 * @ret: what it says, written only on success
 * @why: on failure, one line naming the line and the field, with the text as found (the
 *	 caller escapes it before printing)
 *
 * Strict: every line is "key: value" ending in a newline, no control character or NUL; a
 * number is a whole decimal number in its range, no sign, no leading zero or space, nothing
 * after it; a field the verifier knows appears once and has its form (station, store, office,
 * batch, created, documents, pages, pages with text, signed by, ocr-failed, the scanner's
 * counters). station, batch, documents and pages are required. Lines with other keys (of
 * [a-z -]) are allowed, for fields a later station adds.
 *
 * Returns 0, or -FOLIO_ECORRUPT.
 */
int verify_parse_batch(const char *text, size_t len, struct verify_batch *ret, char *why,
		       size_t why_size);

/*
 * verify_escape - @in as the office operator's terminal may show it: every control byte and
 * every byte that is not printable UTF-8 becomes \xHH. @out holds @size bytes (at least 6);
 * what does not fit is cut.
 */
void verify_escape(const char *in, char *out, size_t size);

/*
 * verify_print_report - the report of verify_package()'s result @r for @dir, one "name value"
 * line per check, a PROBLEM line per problem, and "result    ok" when @r is 0. What
 * `folio verify` and `folio-verify` print.
 */
void verify_print_report(FILE *out, const char *dir, const struct verify_report *rep, int r);

#endif
