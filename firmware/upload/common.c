/*
 * What the upload drivers share that needs no libcurl: the reason of a failure, which errors
 * are worth a retry, SHA-256 of files and buffers, and the check of a local file against its
 * manifest. Built with every driver set, file:// alone included.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "firmware/upload/driver.h"
#include "firmware/upload/sigv4.h"

int upload_conn_why(struct upload_conn *c, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return r;
}

bool upload_transient(int r)
{
	return r == -ETIMEDOUT || r == -ECONNREFUSED || r == -ECONNRESET || r == -EHOSTUNREACH ||
	       r == -EAGAIN || r == -EIO;
}

int upload_url_escape_path(const char *path, char *buf, size_t size)
{
	return sigv4_encode(path, strlen(path), 1, buf, size);
}

void upload_sha256_hex(const void *data, size_t len, char ret[65])
{
	unsigned char sum[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(sum, data, len);
	sodium_bin2hex(ret, 65, sum, sizeof(sum));
}

int upload_sha256_fd(int fd, uint64_t offset, uint64_t len, char ret[65])
{
	static const size_t chunk = 256u << 10;
	_cleanup_free_ unsigned char *buf = malloc(chunk);
	unsigned char sum[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	if (!buf)
		return -ENOMEM;
	crypto_hash_sha256_init(&st);
	while (len > 0) {
		ssize_t k = pread(fd, buf, (size_t)MIN(len, (uint64_t)chunk), (off_t)offset);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO; /* the file shrank */
		crypto_hash_sha256_update(&st, buf, (unsigned long long)k);
		offset += (uint64_t)k;
		len -= (uint64_t)k;
	}
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(ret, 65, sum, sizeof(sum));
	return 0;
}

int upload_local_changed(struct upload_conn *c, const struct upload_file *f)
{
	return upload_conn_why(c, -FOLIO_ECORRUPT,
			       "local file '%s' does not match its manifest hash", f->local);
}

int upload_local_check(struct upload_conn *c, const struct upload_file *f)
{
	_cleanup_close_ int fd = open(f->local, O_RDONLY | O_CLOEXEC);
	char sum[65];

	if (fd < 0 || upload_sha256_fd(fd, 0, f->size, sum) < 0 || strcmp(sum, f->sha256) != 0)
		return upload_local_changed(c, f);
	return 0;
}
