/*
 * libFuzzer target for the sealed archive of folio backup (firmware/backup/archive.c).
 *
 * Input, by its first byte:
 * - even: the rest is an archive file, read whole with the passphrase "fuzz passphrase"
 *   (an archive asking for more than 64 KiB or 2 passes of Argon2id is skipped, so that a
 *   run stays quick). Checks that nothing crashes, that every name handed out is valid and
 *   that a refusal is one of the documented errors.
 * - odd: the rest is a member's name (up to the first NUL) and its bytes, written into an
 *   archive and read back: the same name, mode and bytes must come out.
 *
 * Build by hand (from the source root, after make):
 *   LIBS=$(make -s --eval='libs: ; @echo $(LDLIBS)' libs)   # make's link libraries
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include -include build/include/generated/autoconf.h \
 *     tests/fuzz/fuzz_archive.c firmware/backup/archive.c build/libfolio.a \
 *     $LIBS -o fuzz_archive
 *   ./fuzz_archive tests/fuzz/archive      # replay the seeds and fuzz onwards
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "errors.h"
#include "firmware/backup/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char pass[] = "fuzz passphrase";
static uint8_t buf[ARCHIVE_CHUNK];

static int file_of(const uint8_t *data, size_t size)
{
	int fd = memfd_create("archive", MFD_CLOEXEC);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void read_archive(const uint8_t *data, size_t size)
{
	struct archive_reader *r = NULL;
	const char *name;
	uint64_t ops, mem;
	mode_t mode;
	int fd, rc;

	if (size >= 32) {
		memcpy(&ops, data + 16, 8);
		memcpy(&mem, data + 24, 8);
		if (be64toh(ops) > 2 || be64toh(mem) > 65536)
			return;
	}
	fd = file_of(data, size);
	rc = archive_reader_new(fd, pass, strlen(pass), &r);
	if (rc < 0 && rc != -FOLIO_EFORMAT && rc != -FOLIO_ECORRUPT)
		abort();
	while (rc == 0 && (rc = archive_reader_next(r, &name, &mode)) == 1) {
		ssize_t k;

		if (!archive_name_valid(name) || (mode & ~07777u))
			abort();
		while ((k = archive_reader_read(r, buf, sizeof(buf))) > 0)
			;
		rc = k < 0 ? (int)k : 1;
		if (rc == 1)
			rc = 0;
	}
	if (rc < 0 && rc != -FOLIO_ECORRUPT && rc != -EKEYREJECTED && rc != -FOLIO_EFORMAT)
		abort();
	archive_reader_free(r);
	close(fd);
}

static void round_trip(const uint8_t *data, size_t size)
{
	static const struct archive_kdf weak = { 1, 8192 };
	const uint8_t *nul = memchr(data, 0, size);
	struct archive_writer *w = NULL;
	struct archive_reader *r = NULL;
	char name[ARCHIVE_NAME_MAX + 1];
	size_t n = nul ? (size_t)(nul - data) : size, len, got = 0;
	const uint8_t *body;
	const char *back;
	mode_t mode;
	ssize_t k;
	int fd;

	if (n > ARCHIVE_NAME_MAX)
		return;
	memcpy(name, data, n);
	name[n] = '\0';
	body = nul ? nul + 1 : data + size;
	len = (size_t)(data + size - body);
	fd = memfd_create("archive", MFD_CLOEXEC);
	if (fd < 0 || archive_writer_new(fd, pass, strlen(pass), &weak, &w) != 0)
		abort();
	if (archive_member_begin(w, name, 0640) != 0) {
		if (archive_name_valid(name))
			abort();
		archive_writer_free(w);
		close(fd);
		return;
	}
	if (archive_member_write(w, body, len) != 0 || archive_member_end(w) != 0 ||
	    archive_writer_finish(w, NULL) != 0)
		abort();
	archive_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	if (archive_reader_new(fd, pass, strlen(pass), &r) != 0 ||
	    archive_reader_next(r, &back, &mode) != 1 || strcmp(back, name) != 0 || mode != 0640)
		abort();
	while ((k = archive_reader_read(r, buf, sizeof(buf))) > 0) {
		if (got + (size_t)k > len || memcmp(buf, body + got, (size_t)k) != 0)
			abort();
		got += (size_t)k;
	}
	if (k != 0 || got != len || archive_reader_next(r, &back, &mode) != 0)
		abort();
	archive_reader_free(r);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > (1u << 20))
		return 0;
	if (data[0] & 1)
		round_trip(data + 1, size - 1);
	else
		read_archive(data + 1, size - 1);
	return 0;
}
