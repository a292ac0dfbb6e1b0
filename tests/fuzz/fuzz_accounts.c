/*
 * libFuzzer target for the accounts file (firmware/accounts/accounts.c).
 *
 * Input: the file's content, written with mode 0600. It is listed with accounts_list() and
 * looked up with accounts_exists(); the first account listed then gets new attributes with
 * accounts_update() (no password: no Argon2id, which would make each run take a tenth of a
 * second), and the file is read back. Checks that nothing crashes, that a damaged file is
 * -FOLIO_EFORMAT, that listed names and attributes are valid, and that a file the update
 * rewrote still lists, with the same accounts and the new attributes.
 *
 * Build by hand (from the source root, after make):
 *   LIBS=$(make -s --eval='libs: ; @echo $(LDLIBS)' libs)   # make's link libraries
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include -include build/include/generated/autoconf.h \
 *     tests/fuzz/fuzz_accounts.c firmware/accounts/accounts.c build/libfolio.a \
 *     $LIBS -o fuzz_accounts
 *   ./fuzz_accounts tests/fuzz/accounts      # replay the seeds and fuzz onwards
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/accounts/accounts.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NEW_ATTRS "role=supervisor,lang=fr,theme=high-contrast.large_x"

static char dir[256], path[288], tmp[296];

struct seen {
	unsigned n;
	char first[ACCOUNT_NAME_MAX + 1];
	char first_attrs[ACCOUNT_ATTRS_MAX + 1];
};

static void cleanup(void)
{
	unlink(path);
	unlink(tmp);
	rmdir(dir);
}

static int collect(const char *user, const char *attrs, void *data)
{
	struct seen *s = data;

	if (!account_name_valid(user) || !account_attrs_valid(attrs))
		abort();
	if (s->n++ == 0) {
		snprintf(s->first, sizeof(s->first), "%s", user);
		snprintf(s->first_attrs, sizeof(s->first_attrs), "%s", attrs);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen before = { 0 }, after = { 0 };
	int fd, r, e;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/fuzz_accounts.XXXXXX", fuzz_scratch());
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/accounts", dir);
		snprintf(tmp, sizeof(tmp), "%s.new", path);
		atexit(cleanup);
	}
	if (size > 65536)
		return 0;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);

	r = accounts_list(path, collect, &before);
	if (r != 0 && r != -FOLIO_EFORMAT)
		abort();
	e = accounts_exists(path, "alice");
	if (e != 0 && e != 1 && e != -FOLIO_EFORMAT)
		abort();
	if (r < 0 || before.n == 0)
		return 0;
	if (e == -FOLIO_EFORMAT && before.n <= ACCOUNTS_MAX)
		abort(); /* the two readers disagree */

	r = accounts_update(path, before.first, NULL, NEW_ATTRS);
	if (r != 0 && r != -FOLIO_EFORMAT)
		abort();
	if (r < 0)
		return 0;
	/* The rewritten file must still be readable, with the same accounts. */
	r = accounts_list(path, collect, &after);
	if (r != 0 || after.n != before.n || strcmp(after.first, before.first) != 0 ||
	    strcmp(after.first_attrs, NEW_ATTRS) != 0)
		abort();
	return 0;
}
