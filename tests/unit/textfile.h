#ifndef FOLIO_TESTS_UNIT_TEXTFILE_H
#define FOLIO_TESTS_UNIT_TEXTFILE_H

/*
 * Small text files a test writes and reads back (test_receipt, test_sign): key, receipt and
 * signature files. Included after <cmocka.h>; all static inline, so a test takes what it uses.
 */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes @text to @path, created or emptied, with mode @mode whatever the umask. */
static inline void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

/* Reads at most @size - 1 bytes of @path into @buf, NUL-terminated; returns how many. */
static inline size_t read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

#endif
