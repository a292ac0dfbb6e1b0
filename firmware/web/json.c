/*
 * JSON parser and writer (json.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "errors.h"
#include "utf8.h"
#include "firmware/web/json.h"

struct parser {
	struct json *j;
	size_t pos;
	char *why;
	size_t why_size;
	int error;
};

static int fail(struct parser *p, int error, const char *what)
{
	if (!p->error) {
		p->error = error;
		if (p->why_size)
			snprintf(p->why, p->why_size, "%s at byte %zu", what, p->pos);
	}
	return p->error;
}

static void skip_blanks(struct parser *p)
{
	while (p->pos < p->j->len) {
		char c = p->j->text[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int new_token(struct parser *p, enum json_type type, uint32_t parent, uint32_t *ret)
{
	struct json *j = p->j;

	if (j->n == JSON_MAX_TOKENS)
		return fail(p, -FOLIO_ETOOBIG, "too many values");
	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 32;
		struct json_token *grown = reallocarray(j->tok, cap, sizeof(*grown));

		if (!grown)
			return fail(p, -ENOMEM, "out of memory");
		j->tok = grown;
		j->cap = cap;
	}
	*ret = (uint32_t)j->n;
	j->tok[j->n++] =
	    (struct json_token){ .type = type, .start = (uint32_t)p->pos, .parent = parent };
	return 0;
}

static int hex4(const char *s, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int parse_string(struct parser *p, uint32_t parent)
{
	const struct json *j = p->j;
	uint32_t t = 0;
	int r;

	p->pos++; /* the quote */
	r = new_token(p, JSON_STRING, parent, &t);
	if (r < 0)
		return r;
	while (p->pos < j->len) {
		unsigned char c = (unsigned char)j->text[p->pos];
		size_t n;

		if (c == '"') {
			p->j->tok[t].end = (uint32_t)p->pos++;
			return 0;
		}
		if (c < 0x20)
			return fail(p, -EINVAL, "control character in a string");
		if (c == '\\') {
			uint32_t cp;

			if (p->pos + 1 >= j->len)
				break;
			c = (unsigned char)j->text[p->pos + 1];
			if (c == 'u') {
				if (p->pos + 6 > j->len || hex4(j->text + p->pos + 2, &cp) < 0)
					return fail(p, -EINVAL, "bad \\u escape");
				p->pos += 6;
				continue;
			}
			if (!c || !strchr("\"\\/bfnrt", c)) /* strchr finds the NUL too */
				return fail(p, -EINVAL, "bad escape");
			p->pos += 2;
			continue;
		}
		n = utf8_length((const unsigned char *)j->text + p->pos, j->len - p->pos);
		if (!n)
			return fail(p, -EINVAL, "text is not UTF-8");
		p->pos += n;
	}
	return fail(p, -EINVAL, "unterminated string");
}

static int parse_number(struct parser *p, uint32_t parent)
{
	const char *s = p->j->text;
	size_t len = p->j->len, digits;
	uint32_t t = 0;
	int r;

	r = new_token(p, JSON_NUMBER, parent, &t);
	if (r < 0)
		return r;
	if (p->pos < len && s[p->pos] == '-')
		p->pos++;
	if (p->pos < len && s[p->pos] == '0') {
		p->pos++;
	} else {
		for (digits = 0; p->pos < len && s[p->pos] >= '0' && s[p->pos] <= '9'; digits++)
			p->pos++;
		if (!digits)
			return fail(p, -EINVAL, "bad number");
	}
	if (p->pos < len && s[p->pos] == '.') {
		p->pos++;
		for (digits = 0; p->pos < len && s[p->pos] >= '0' && s[p->pos] <= '9'; digits++)
			p->pos++;
		if (!digits)
			return fail(p, -EINVAL, "bad number");
	}
	if (p->pos < len && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < len && (s[p->pos] == '+' || s[p->pos] == '-'))
			p->pos++;
		for (digits = 0; p->pos < len && s[p->pos] >= '0' && s[p->pos] <= '9'; digits++)
			p->pos++;
		if (!digits)
			return fail(p, -EINVAL, "bad number");
	}
	p->j->tok[t].end = (uint32_t)p->pos;
	return 0;
}

static int parse_value(struct parser *p, uint32_t parent, unsigned depth);

/* An array or object: @close is ']' or '}'. */
static int parse_container(struct parser *p, uint32_t parent, unsigned depth, bool object)
{
	struct json *j = p->j;
	uint32_t t = 0;
	int r;

	if (depth >= JSON_MAX_DEPTH)
		return fail(p, -FOLIO_ETOOBIG, "nested too deep");
	r = new_token(p, object ? JSON_OBJECT : JSON_ARRAY, parent, &t);
	if (r < 0)
		return r;
	p->pos++;
	skip_blanks(p);
	if (p->pos < j->len && j->text[p->pos] == (object ? '}' : ']')) {
		p->pos++;
		j->tok[t].end = (uint32_t)p->pos;
		return 0;
	}
	for (;;) {
		skip_blanks(p);
		if (object) {
			if (p->pos >= j->len || j->text[p->pos] != '"')
				return fail(p, -EINVAL, "expected a member name");
			r = parse_string(p, t);
			if (r < 0)
				return r;
			skip_blanks(p);
			if (p->pos >= j->len || j->text[p->pos] != ':')
				return fail(p, -EINVAL, "expected ':'");
			p->pos++;
		}
		r = parse_value(p, t, depth + 1);
		if (r < 0)
			return r;
		j->tok[t].count++;
		skip_blanks(p);
		if (p->pos >= j->len)
			return fail(p, -EINVAL, "unexpected end");
		if (j->text[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (j->text[p->pos] != (object ? '}' : ']'))
			return fail(p, -EINVAL,
				    object ? "expected ',' or '}'" : "expected ',' or ']'");
		p->pos++;
		j->tok[t].end = (uint32_t)p->pos;
		return 0;
	}
}

static int parse_literal(struct parser *p, uint32_t parent, const char *word, enum json_type type)
{
	size_t n = strlen(word);
	uint32_t t = 0;
	int r;

	if (p->j->len - p->pos < n || memcmp(p->j->text + p->pos, word, n) != 0)
		return fail(p, -EINVAL, "unexpected character");
	r = new_token(p, type, parent, &t);
	if (r < 0)
		return r;
	p->pos += n;
	p->j->tok[t].end = (uint32_t)p->pos;
	return 0;
}

static int parse_value(struct parser *p, uint32_t parent, unsigned depth)
{
	size_t first = p->j->n;
	int r;

	skip_blanks(p);
	if (p->pos >= p->j->len)
		return fail(p, -EINVAL, "unexpected end");
	switch (p->j->text[p->pos]) {
	case '{':
		r = parse_container(p, parent, depth, true);
		break;
	case '[':
		r = parse_container(p, parent, depth, false);
		break;
	case '"':
		r = parse_string(p, parent);
		break;
	case 't':
		r = parse_literal(p, parent, "true", JSON_TRUE);
		break;
	case 'f':
		r = parse_literal(p, parent, "false", JSON_FALSE);
		break;
	case 'n':
		r = parse_literal(p, parent, "null", JSON_NULL);
		break;
	default:
		r = parse_number(p, parent);
		break;
	}
	if (r == 0)
		p->j->tok[first].next = (uint32_t)p->j->n;
	return r;
}

int json_parse(const char *text, size_t len, struct json *j, char *why, size_t why_size)
{
	struct parser p = { .j = j, .why = why, .why_size = why_size };
	int r;

	memset(j, 0, sizeof(*j));
	if (why_size)
		why[0] = '\0';
	if (len >= UINT32_MAX)
		return fail(&p, -FOLIO_ETOOBIG, "text too long");
	j->text = text;
	j->len = len;
	r = parse_value(&p, 0, 0);
	if (r == 0) {
		skip_blanks(&p);
		if (p.pos != len)
			r = fail(&p, -EINVAL, "text after the value");
	}
	if (r < 0)
		json_release(j);
	return r;
}

void json_release(struct json *j)
{
	free(j->tok);
	memset(j, 0, sizeof(*j));
}

static bool string_equals(const struct json *j, uint32_t t, const char *s)
{
	const struct json_token *k = &j->tok[t];
	size_t n = strlen(s);

	/* Member names we look up have no escapes; an escaped name matches none of them. */
	return k->end - k->start == n && memcmp(j->text + k->start, s, n) == 0;
}

uint32_t json_member(const struct json *j, uint32_t obj, const char *key)
{
	uint32_t t;

	if (obj >= j->n || j->tok[obj].type != JSON_OBJECT)
		return 0;
	/* Members: name token, value token (with its insides), next name ... */
	for (t = obj + 1; t < j->tok[obj].next;) {
		uint32_t value = t + 1;

		if (string_equals(j, t, key))
			return value;
		t = j->tok[value].next;
	}
	return 0;
}

uint32_t json_first(const struct json *j, uint32_t arr)
{
	if (arr >= j->n || j->tok[arr].type != JSON_ARRAY || j->tok[arr].count == 0)
		return 0;
	return arr + 1;
}

uint32_t json_after(const struct json *j, uint32_t arr, uint32_t elem)
{
	uint32_t next;

	if (!elem || elem >= j->n)
		return 0;
	next = j->tok[elem].next;
	return next < j->tok[arr].next ? next : 0;
}

/* Appends code point @cp as UTF-8; false when it does not fit. */
static bool put_utf8(char *buf, size_t size, size_t *n, uint32_t cp)
{
	char tmp[4];
	size_t k;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | cp >> 6);
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | cp >> 12);
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		tmp[0] = (char)(0xf0 | cp >> 18);
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*n + k >= size)
		return false;
	memcpy(buf + *n, tmp, k);
	*n += k;
	return true;
}

int json_get_string(const struct json *j, uint32_t t, char *buf, size_t size)
{
	const struct json_token *k;
	size_t n = 0;

	if (!t || t >= j->n || j->tok[t].type != JSON_STRING || size == 0)
		return -EINVAL;
	k = &j->tok[t];
	for (uint32_t i = k->start; i < k->end;) {
		char c = j->text[i];
		uint32_t cp;

		if (c != '\\') {
			if (c == 0x7f)
				return -EINVAL; /* DEL: a control character like those below */
			if (n + 1 >= size)
				return -FOLIO_ETOOBIG;
			buf[n++] = c;
			i++;
			continue;
		}
		c = j->text[i + 1];
		i += 2;
		switch (c) {
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			return -EINVAL; /* control characters have no place in our fields */
		case 'u':
			if (hex4(j->text + i, &cp) < 0)
				return -EINVAL;
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) { /* a surrogate pair */
				uint32_t lo;

				if (i + 6 > k->end || j->text[i] != '\\' || j->text[i + 1] != 'u' ||
				    hex4(j->text + i + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return -EINVAL;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return -EINVAL;
			}
			if (cp < 0x20 || cp == 0x7f)
				return -EINVAL;
			if (!put_utf8(buf, size, &n, cp))
				return -FOLIO_ETOOBIG;
			break;
		default: /* " \ / */
			if (n + 1 >= size)
				return -FOLIO_ETOOBIG;
			buf[n++] = c;
		}
	}
	buf[n] = '\0';
	return (int)MIN(n, (size_t)INT32_MAX);
}

int json_get_int(const struct json *j, uint32_t t, int64_t min, int64_t max, int64_t *ret)
{
	char tmp[24], *end;
	const struct json_token *k;
	long long v;

	if (!t || t >= j->n || j->tok[t].type != JSON_NUMBER)
		return -EINVAL;
	k = &j->tok[t];
	if (k->end - k->start >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, j->text + k->start, k->end - k->start);
	tmp[k->end - k->start] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int json_get_bool(const struct json *j, uint32_t t, bool *ret)
{
	if (!t || t >= j->n || (j->tok[t].type != JSON_TRUE && j->tok[t].type != JSON_FALSE))
		return -EINVAL;
	*ret = j->tok[t].type == JSON_TRUE;
	return 0;
}

/*
 * The writer
 */

void jw_init(struct json_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->first[0] = true;
}

void jw_release(struct json_writer *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

char *jw_take(struct json_writer *w, size_t *ret_len)
{
	char *buf = w->buf;

	if (w->failed || !buf) {
		jw_release(w);
		return NULL;
	}
	*ret_len = w->len;
	w->buf = NULL;
	jw_release(w);
	return buf;
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *grown;

		while (w->len + n + 1 > cap)
			cap *= 2;
		grown = realloc(w->buf, cap);
		if (!grown) {
			w->failed = true;
			return;
		}
		w->buf = grown;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Before a value: the comma between values of a container (not after a key). */
static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
}

static void open_container(struct json_writer *w, char c)
{
	before_value(w);
	put(w, &c, 1);
	if (w->depth + 1 >= ARRAY_SIZE(w->first)) {
		w->failed = true;
		return;
	}
	w->first[++w->depth] = true;
	w->close[w->depth] = c == '{' ? '}' : ']';
}

void jw_object(struct json_writer *w)
{
	open_container(w, '{');
}

void jw_array(struct json_writer *w)
{
	open_container(w, '[');
}

void jw_end(struct json_writer *w)
{
	if (w->depth == 0) {
		w->failed = true;
		return;
	}
	put(w, &w->close[w->depth], 1);
	w->depth--;
}

void jw_key(struct json_writer *w, const char *key)
{
	jw_string(w, key);
	put(w, ":", 1);
	w->after_key = true;
}

void jw_stringn(struct json_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	before_value(w);
	put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			put(w, esc, 2);
		} else if (c == '\n') {
			put(w, "\\n", 2);
		} else {
			put(w, esc, 6);
		}
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_stringn(w, s, strlen(s));
}

void jw_int(struct json_writer *w, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	before_value(w);
	put(w, tmp, (size_t)n);
}

void jw_double(struct json_writer *w, double v, int decimals)
{
	char tmp[64];
	int n;

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	before_value(w);
	put(w, tmp, (size_t)MIN(n, (int)sizeof(tmp) - 1));
}

void jw_bool(struct json_writer *w, bool v)
{
	before_value(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct json_writer *w)
{
	before_value(w);
	put(w, "null", 4);
}

void jw_kstr(struct json_writer *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kint(struct json_writer *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kbool(struct json_writer *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}
