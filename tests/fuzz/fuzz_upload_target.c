/*
 * libFuzzer target for the upload target's URL parser and the credentials file
 * (firmware/upload/transport.c, creds.c), through upload_target_open().
 *
 * Input: the first line is [upload] target; the rest, when there is a newline, is written as
 * the credentials file (mode 0600) and named by [upload] credentials_file. S3 has an endpoint
 * and a region set. Checks that nothing crashes, that the target opens or is refused with
 * -EINVAL, -EOPNOTSUPP, -EPERM, -ENOENT or -FOLIO_ETOOBIG and one terminated line saying why,
 * and that a target that opens gives back its URL.
 *
 * Build by hand (from the source root, after make):
 *   LIBS=$(make -s --eval='libs: ; @echo $(LDLIBS)' libs)   # make's link libraries
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include -include build/include/generated/autoconf.h \
 *     $(pkg-config --cflags libcurl libxml-2.0) tests/fuzz/fuzz_upload_target.c \
 *     firmware/upload/transport.c firmware/upload/creds.c build/libfolio.a $LIBS \
 *     -o fuzz_upload_target
 *   ./fuzz_upload_target tests/fuzz/upload_target     # replay the seeds and fuzz onwards
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/config/config.h"
#include "firmware/upload/transport.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], creds[288];
static struct folio_config cfg;

static void cleanup(void)
{
	unlink(creds);
	rmdir(dir);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/fuzz_upload.XXXXXX", fuzz_scratch());
	if (!mkdtemp(dir))
		abort();
	snprintf(creds, sizeof(creds), "%s/credentials", dir);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t url_len = nl ? (size_t)(nl - data) : size;
	struct upload_target *t = NULL;
	char why[512];
	int r;

	if (!dir[0])
		setup();
	if (size > 65536 || url_len >= sizeof(cfg.upload_target) || memchr(data, '\0', url_len))
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.upload_target, data, url_len);
	snprintf(cfg.store_path, sizeof(cfg.store_path), "%s/store", dir);
	snprintf(cfg.upload_s3_endpoint, sizeof(cfg.upload_s3_endpoint), "https://s3.example");
	snprintf(cfg.upload_s3_region, sizeof(cfg.upload_s3_region), "eu-west-1");
	unlink(creds);
	if (nl) {
		int fd = open(creds, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		size_t len = size - url_len - 1;

		if (fd < 0 || (len && write(fd, nl + 1, len) != (ssize_t)len))
			abort();
		close(fd);
		snprintf(cfg.upload_credentials_file, sizeof(cfg.upload_credentials_file), "%s",
			 creds);
	}

	memset(why, 'x', sizeof(why));
	why[0] = '\0';
	r = upload_target_open(&cfg, &t, why, sizeof(why));
	if (r == 0) {
		if (!t || !upload_target_url(t))
			abort();
		upload_target_close(t);
		return 0;
	}
	if (r != -EINVAL && r != -EOPNOTSUPP && r != -EPERM && r != -ENOENT && r != -FOLIO_ETOOBIG)
		abort();
	if (strnlen(why, sizeof(why)) == sizeof(why) || !why[0] || strchr(why, '\n'))
		abort();
	return 0;
}
