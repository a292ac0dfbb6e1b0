/* requires: CONFIG_UPLOAD_WEBDAV CONFIG_UPLOAD_S3 */
/*
 * libFuzzer target for the parsers of the upload servers' answers: a WebDAV PROPFIND
 * multistatus (firmware/upload/webdav.c) and the XML of S3 (firmware/upload/s3.c: an error's
 * Code, a multipart upload's UploadId). SFTP answers are parsed by libcurl and libssh2.
 *
 * Input: an answer body. It goes to every parser. Checks that nothing crashes, that the
 * parsers return their documented errors, and that a text taken from an answer fits its
 * buffer and has no control character (it goes into error lines and URLs).
 *
 * Build by hand (from the source root, after make):
 *   LIBS=$(make -s --eval='libs: ; @echo $(LDLIBS)' libs)   # make's link libraries
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include -include build/include/generated/autoconf.h \
 *     $(pkg-config --cflags libcurl libxml-2.0) tests/fuzz/fuzz_upload_answers.c \
 *     firmware/upload/webdav.c firmware/upload/s3.c build/libfolio.a $LIBS \
 *     -o fuzz_upload_answers
 *   ./fuzz_upload_answers tests/fuzz/upload_answers     # replay the seeds and fuzz onwards
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/upload/driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void find(const char *xml, size_t len, const char *name, size_t size)
{
	char buf[256];
	int r;

	memset(buf, 'x', sizeof(buf));
	r = upload_s3_xml_find(xml, len, name, buf, size);
	if (r != 0 && r != -ENOENT && r != -EPROTO)
		abort();
	if (r != 0)
		return;
	if (strnlen(buf, size) == size)
		abort();
	for (const char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct upload_stat st;
	char *xml;
	int r;

	if (size > (1u << 20))
		return 0;
	/* As upload_curl_body() keeps it: NUL-terminated after its length. */
	xml = malloc(size + 1);
	if (!xml)
		return 0;
	memcpy(xml, data, size);
	xml[size] = '\0';

	memset(&st, 0, sizeof(st));
	r = upload_dav_parse_propfind(xml, size, &st);
	if (r != 0 && r != -EPROTO)
		abort();
	if (r == 0 && !st.exists)
		abort();
	find(xml, size, "Code", 64);
	find(xml, size, "UploadId", 256);
	free(xml);
	return 0;
}
