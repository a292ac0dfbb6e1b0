/* requires: CONFIG_UPLOAD_S3 */
/*
 * SigV4 canonical paths and queries (firmware/upload/sigv4.c), and the whole signature as the
 * S3 driver makes it: libcurl's CURLOPT_AWS_SIGV4 over a URL built by sigv4.c, sent to a
 * listener on 127.0.0.1, must carry exactly the Authorization header of AWS's published test
 * vectors (tests/servers/sigv4-vectors.tsv, made from the npm test-suite package).
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "firmware/upload/sigv4.h"

static void test_path(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(sigv4_canonical_path("bucket/a b/é/x+y~z.tif", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/bucket/a%20b/%C3%A9/x%2By~z.tif");
	assert_int_equal(sigv4_canonical_path("", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/");
	/* S3 does not normalise: "//" and "." stay. */
	assert_int_equal(sigv4_canonical_path("b//./k", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/b//./k");
	assert_int_equal(sigv4_canonical_path("abcdef", buf, 4), -ENAMETOOLONG);
	assert_int_equal(sigv4_canonical_path("ééé", buf, 8), -ENAMETOOLONG);
}

static void test_query(void **state)
{
	const struct sigv4_param parts[] = { { "uploadId", "a/b=c" }, { "partNumber", "2" } };
	const struct sigv4_param uploads[] = { { "uploads", NULL } };
	char buf[256];

	(void)state;
	assert_int_equal(sigv4_canonical_query(parts, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "partNumber=2&uploadId=a%2Fb%3Dc");
	assert_int_equal(sigv4_canonical_query(uploads, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "uploads=");
	assert_int_equal(sigv4_canonical_query(NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Sorted by name, then value (byte order: upper case first). */
	assert_int_equal(
	    sigv4_canonical_query_string("Param1=value2&Param1=Value1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Param1=Value1&Param1=value2");
	assert_int_equal(sigv4_canonical_query_string("b=%7e&a&c=x%20y+z", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a=&b=~&c=x%20y%2Bz");
	/* A malformed escape stays as it is (then encoded); a %00 ends the name or value. */
	assert_int_equal(sigv4_canonical_query_string("a=1%zz%4&b%00c=2%00x&d=%", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "a=1%25zz%254&b=2&d=%25");
	assert_int_equal(sigv4_canonical_query(parts, 2, buf, 10), -ENAMETOOLONG);
}

/* A listener that answers every request 200 and keeps its Authorization header. */
struct listener {
	int fd, port;
	char authorization[512];
};

static void *serve_one(void *user)
{
	struct listener *l = user;
	char req[8192];
	size_t len = 0;
	int c = accept(l->fd, NULL, NULL);
	const char *a;

	l->authorization[0] = '\0';
	if (c < 0)
		return NULL;
	while (len < sizeof(req) - 1) {
		ssize_t k = read(c, req + len, sizeof(req) - 1 - len);

		if (k <= 0)
			break;
		len += (size_t)k;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[len] = '\0';
	a = strstr(req, "\r\nAuthorization: ");
	if (a) {
		a += 17;
		snprintf(l->authorization, sizeof(l->authorization), "%.*s",
			 (int)strcspn(a, "\r\n"), a);
	}
	dprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	close(c);
	return NULL;
}

static int sign_through_curl(struct listener *l, const char *method, const char *uri,
			     const char *secret, char *ret, size_t size)
{
	char path[1024], query[1024], url[2200], connect_to[64], userpwd[256], raw[1024];
	const char *q = strchr(uri, '?');
	struct curl_slist *headers = NULL, *ct = NULL;
	pthread_t thread;
	CURL *h;
	CURLcode e;

	snprintf(raw, sizeof(raw), "%.*s", q ? (int)(q - uri) : (int)strlen(uri), uri);
	if (sigv4_canonical_path(raw, path, sizeof(path)) < 0 ||
	    sigv4_canonical_query_string(q ? q + 1 : "", query, sizeof(query)) < 0)
		return -1;
	snprintf(url, sizeof(url), "http://example.amazonaws.com%s%s%s", path, query[0] ? "?" : "",
		 query);
	snprintf(connect_to, sizeof(connect_to), "example.amazonaws.com:80:127.0.0.1:%d", l->port);
	snprintf(userpwd, sizeof(userpwd), "AKIDEXAMPLE:%s", secret);
	ct = curl_slist_append(NULL, connect_to);
	headers = curl_slist_append(NULL, "X-Amz-Date: 20150830T123600Z");
	h = curl_easy_init();
	assert_non_null(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_TO, ct);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:service");
	curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	pthread_create(&thread, NULL, serve_one, l);
	e = curl_easy_perform(h);
	pthread_join(thread, NULL);
	curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	curl_slist_free_all(ct);
	snprintf(ret, size, "%s", l->authorization);
	return e == CURLE_OK ? 0 : -1;
}

static void test_aws_vectors(void **state)
{
	const char *src = getenv("FOLIO_SRC");
	char path[4096], line[2048], secret[128] = "", got[512];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct listener l;
	unsigned checked = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/servers/sigv4-vectors.tsv", src ? src : ".");
	f = fopen(path, "re");
	if (!f) {
		print_message("no %s: AWS vectors not checked\n", path);
		skip();
	}
	l.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l.fd >= 0);
	assert_int_equal(bind(l.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l.fd, 4), 0);
	assert_int_equal(getsockname(l.fd, (struct sockaddr *)&a, &alen), 0);
	l.port = ntohs(a.sin_port);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	while (fgets(line, sizeof(line), f)) {
		char *name, *method, *uri, *authz, *save = NULL;

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "# secret\t", 9) == 0) {
			if (snprintf(secret, sizeof(secret), "%s", line + 9) >= (int)sizeof(secret))
				fail_msg("secret too long in %s", path);
			continue;
		}
		if (line[0] == '#' || !line[0])
			continue;
		name = strtok_r(line, "\t", &save);
		method = strtok_r(NULL, "\t", &save);
		uri = strtok_r(NULL, "\t", &save);
		authz = strtok_r(NULL, "\t", &save);
		assert_non_null(authz);
		assert_int_equal(sign_through_curl(&l, method, uri, secret, got, sizeof(got)), 0);
		if (strcmp(got, authz) != 0)
			fail_msg("vector %s: got '%s', want '%s'", name, got, authz);
		checked++;
	}
	fclose(f);
	close(l.fd);
	curl_global_cleanup();
	assert_true(checked >= 10);
	print_message("%u AWS SigV4 vectors signed as published\n", checked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_aws_vectors),
	};

	return cmocka_run_group_tests_name("sigv4", tests, NULL, NULL);
}
