/*
 * libFuzzer target for the verifier's parsers of a package's text files
 * (firmware/package/verify.c: MANIFEST.sha256, MANIFEST.sizes, BATCH.txt; and
 * firmware/package/sign.c: MANIFEST.sha256.sig), through verify_package() itself.
 *
 * Input: the four files' contents, in that order, separated by lines "~~~" (a file whose
 * section is missing is absent from the package). They are written into a package folder
 * that also holds one fixed file, a.txt ("a\n"), and verified with a key made at start-up.
 * Checks that the verifier never crashes, returns 0 or -FOLIO_ECORRUPT, and that its report
 * is bounded and every problem is one terminated line.
 *
 * Build by hand (from the source root, after make):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include -include build/include/generated/autoconf.h \
 *     $(pkg-config --cflags libxml-2.0) tests/fuzz/fuzz_verify.c firmware/package/verify.c \
 *     firmware/package/sign.c build/libfolio.a $(pkg-config --libs libxml-2.0 libsodium zlib) \
 *     -o fuzz_verify
 *   ./fuzz_verify tests/fuzz/verify          # replay the seeds and fuzz onwards
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/package/sign.h"
#include "firmware/package/verify.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = { "MANIFEST.sha256", "MANIFEST.sizes", "BATCH.txt", SIGN_FILE };
static char root[256], pkg[272], pub[288];

static void cleanup(void)
{
	char path[320];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pkg, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/a.txt", pkg);
	unlink(path);
	rmdir(pkg);
	unlink(pub);
	snprintf(path, sizeof(path), "%s/%s", root, SIGN_SECRET_FILE);
	unlink(path);
	rmdir(root);
}

static void write_file(const char *name, const void *data, size_t size)
{
	char path[320];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pkg, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
}

static void setup(void)
{
	const char *tmp = fuzz_scratch();
	struct sign_key key;

	snprintf(root, sizeof(root), "%s/fuzz_verify.XXXXXX", tmp);
	if (!mkdtemp(root))
		abort();
	snprintf(pkg, sizeof(pkg), "%s/pkg", root);
	snprintf(pub, sizeof(pub), "%s/%s", root, SIGN_PUBLIC_FILE);
	if (mkdir(pkg, 0700) < 0 || sign_keygen(root, &key) < 0)
		abort();
	sign_key_wipe(&key);
	write_file("a.txt", "a\n", 2);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct verify_report rep;
	struct verify_options o = { .key_path = pub };
	const uint8_t *at = data, *end = data + size;
	char path[320];
	int r;

	if (!root[0])
		setup();
	if (size > 65536)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const uint8_t *sep = at ? memmem(at, (size_t)(end - at), "\n~~~\n", 5) : NULL;

		if (at) {
			write_file(names[i], at, sep ? (size_t)(sep + 1 - at) : (size_t)(end - at));
		} else {
			snprintf(path, sizeof(path), "%s/%s", pkg, names[i]);
			unlink(path);
		}
		at = sep ? sep + 5 : NULL;
	}

	memset(&rep, 0, sizeof(rep));
	r = verify_package(pkg, &o, &rep);
	if (r != 0 && r != -FOLIO_ECORRUPT)
		abort();
	if (rep.n_problems > VERIFY_MAX_PROBLEMS || (r == 0) != (rep.n_problems == 0))
		abort();
	for (size_t i = 0; i < rep.n_problems; i++)
		if (strnlen(rep.problems[i], VERIFY_PROBLEM_LEN) == VERIFY_PROBLEM_LEN ||
		    strchr(rep.problems[i], '\n'))
			abort();
	return 0;
}
