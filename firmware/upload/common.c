/*
 * What the upload drivers share that needs no libcurl: the reason of a failure, which errors
 * are worth a retry, SHA-256 of files and buffers, and the check of a local file against its
 * manifest. Built with every driver set, file:// alone included.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
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

void upload_hex(const unsigned char *sum, size_t n, char *ret)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		ret[2 * i] = hex[sum[i] >> 4];
		ret[2 * i + 1] = hex[sum[i] & 15];
	}
	ret[2 * n] = '\0';
}

void upload_sha256_hex(const void *data, size_t len, char ret[65])
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_Digest(data, len, sum, &n, EVP_sha256(), NULL);
	upload_hex(sum, 32, ret);
}

int upload_sha256_fd(int fd, uint64_t offset, uint64_t len, char ret[65])
{
	static const size_t chunk = 256u << 10;
	unsigned char *buf = malloc(chunk), sum[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned n = 0;
	int r = 0;

	if (!buf || !md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		r = -ENOMEM;
		goto out;
	}
	while (len > 0) {
		ssize_t k = pread(fd, buf, (size_t)MIN(len, (uint64_t)chunk), (off_t)offset);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : -EIO; /* the file shrank */
			goto out;
		}
		EVP_DigestUpdate(md, buf, (size_t)k);
		offset += (uint64_t)k;
		len -= (uint64_t)k;
	}
	EVP_DigestFinal_ex(md, sum, &n);
	upload_hex(sum, 32, ret);
out:
	EVP_MD_CTX_free(md);
	free(buf);
	return r;
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
