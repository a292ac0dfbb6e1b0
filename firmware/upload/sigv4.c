#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/upload/percent.h"
#include "firmware/upload/sigv4.h"

#define SIGV4_MAX_PARAMS 32

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int sigv4_encode(const char *s, size_t len, int keep_slash, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (keep_slash && c == '/')) {
			if (o + 1 >= size)
				return -ENAMETOOLONG;
			buf[o++] = (char)c;
		} else {
			if (o + 3 >= size)
				return -ENAMETOOLONG;
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (o >= size)
		return -ENAMETOOLONG;
	buf[o] = '\0';
	return 0;
}

int sigv4_canonical_path(const char *path, char *buf, size_t size)
{
	if (size < 2)
		return -ENAMETOOLONG;
	while (*path == '/')
		path++;
	buf[0] = '/';
	return sigv4_encode(path, strlen(path), 1, buf + 1, size - 1);
}

struct encoded_param {
	char *name, *value;
};

static int cmp_param(const void *a, const void *b)
{
	const struct encoded_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

static int encode_dup(const char *s, size_t len, char **ret)
{
	size_t cap = len * 3 + 1;
	char *p = malloc(cap);
	int r;

	if (!p)
		return -ENOMEM;
	r = sigv4_encode(s, len, 0, p, cap);
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int sigv4_canonical_query(const struct sigv4_param *params, size_t n, char *buf, size_t size)
{
	struct encoded_param e[SIGV4_MAX_PARAMS] = { 0 };
	size_t o = 0;
	int r = 0;

	if (n > SIGV4_MAX_PARAMS)
		return -EINVAL;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *v = params[i].value ? params[i].value : "";

		r = encode_dup(params[i].name, strlen(params[i].name), &e[i].name);
		if (r == 0)
			r = encode_dup(v, strlen(v), &e[i].value);
	}
	if (r < 0)
		goto out;
	qsort(e, n, sizeof(e[0]), cmp_param);
	if (size == 0) {
		r = -ENAMETOOLONG;
		goto out;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t ln = strlen(e[i].name), lv = strlen(e[i].value);

		if (o + (i ? 1 : 0) + ln + 1 + lv + 1 > size) {
			r = -ENAMETOOLONG;
			goto out;
		}
		if (i)
			buf[o++] = '&';
		memcpy(buf + o, e[i].name, ln);
		o += ln;
		buf[o++] = '=';
		memcpy(buf + o, e[i].value, lv);
		o += lv;
		buf[o] = '\0';
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].value);
	}
	return r;
}

/* Percent-decodes @s in place, a malformed escape kept ('+' stays '+', as AWS reads it). */
static void decode_inplace(char *s)
{
	(void)percent_decode(s, s, strlen(s) + 1, PERCENT_KEEP_MALFORMED, NULL);
}

int sigv4_canonical_query_string(const char *query, char *buf, size_t size)
{
	struct sigv4_param p[SIGV4_MAX_PARAMS];
	char *copy = strdup(query), *save = NULL;
	size_t n = 0;
	int r;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '=');

		if (n == SIGV4_MAX_PARAMS) {
			free(copy);
			return -EINVAL;
		}
		if (eq)
			*eq = '\0';
		decode_inplace(tok);
		if (eq)
			decode_inplace(eq + 1);
		p[n].name = tok;
		p[n].value = eq ? eq + 1 : "";
		n++;
	}
	r = sigv4_canonical_query(p, n, buf, size);
	free(copy);
	return r;
}
