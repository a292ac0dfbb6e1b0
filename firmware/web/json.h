#ifndef FOLIO_WEB_JSON_H
#define FOLIO_WEB_JSON_H

/*
 * JSON for the clerk UI's API: a bounded parser for request bodies and a writer for answers.
 *
 * The parser checks the whole text (RFC 8259 grammar, UTF-8, nesting at most JSON_MAX_DEPTH,
 * at most JSON_MAX_TOKENS values) and records every value as a token that points into the
 * text; nothing is allocated beyond the token array. Values are read with the typed getters,
 * which check type and range.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 8
#define JSON_MAX_TOKENS 65536

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

struct json_token {
	uint32_t type;	 /* enum json_type */
	uint32_t start;	 /* offset of the value (of a string: after the quote) */
	uint32_t end;	 /* offset after it (of a string: of the closing quote) */
	uint32_t next;	 /* token after this value and everything inside it */
	uint32_t parent; /* enclosing array or object; the root's is itself */
	uint32_t count;	 /* members of an object, elements of an array */
};

struct json {
	const char *text;
	size_t len;
	struct json_token *tok; /* tok[0] is the root */
	size_t n, cap;
};

/*
 * json_parse - check @text and record its values
 * @j: filled in; release with json_release()
 *
 * Returns 0, -EINVAL for text that is not one JSON value (the reason, with the byte offset,
 * in @why), -FOLIO_ETOOBIG beyond the bounds, -ENOMEM.
 */
int json_parse(const char *text, size_t len, struct json *j, char *why, size_t why_size);
void json_release(struct json *j);

/* json_member - token of member @key of object token @obj, or 0 when absent (or not an object) */
uint32_t json_member(const struct json *j, uint32_t obj, const char *key);

/* json_first, json_after - walk the elements of an array (0 ends the walk) */
uint32_t json_first(const struct json *j, uint32_t arr);
uint32_t json_after(const struct json *j, uint32_t arr, uint32_t elem);

/*
 * json_get_string - copy string token @t, unescaped, into @buf (@size bytes with the NUL)
 * Returns the length, -EINVAL when @t is no string or holds a NUL or control character,
 * -FOLIO_ETOOBIG when it does not fit.
 */
int json_get_string(const struct json *j, uint32_t t, char *buf, size_t size);

/* json_get_int - integer token @t within [@min, @max]: 0, or -EINVAL */
int json_get_int(const struct json *j, uint32_t t, int64_t min, int64_t max, int64_t *ret);

/* json_get_bool - true/false token @t: 0, or -EINVAL */
int json_get_bool(const struct json *j, uint32_t t, bool *ret);

/* The writer: a growing buffer; commas and quotes are its business. */
struct json_writer {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory: the text is incomplete */
	unsigned depth;
	bool first[JSON_MAX_DEPTH + 8]; /* no value yet at this level */
	char close[JSON_MAX_DEPTH + 8]; /* what ends the container at this level */
	bool after_key;
};

void jw_init(struct json_writer *w);
void jw_release(struct json_writer *w);
/* jw_take - the text (NUL-terminated, length in @ret_len), or NULL when writing failed */
char *jw_take(struct json_writer *w, size_t *ret_len);

void jw_object(struct json_writer *w);
void jw_array(struct json_writer *w);
void jw_end(struct json_writer *w); /* of the innermost object or array */
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);
void jw_stringn(struct json_writer *w, const char *s, size_t n);
void jw_int(struct json_writer *w, int64_t v);
void jw_double(struct json_writer *w, double v, int decimals);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);

/* Shorthands for a member: key, then value. */
void jw_kstr(struct json_writer *w, const char *key, const char *s);
void jw_kint(struct json_writer *w, const char *key, int64_t v);
void jw_kbool(struct json_writer *w, const char *key, bool v);

#endif
