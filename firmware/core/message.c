#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "firmware/core/message.h"

static const struct {
	const char *code;
	const char *text;
} messages[MSG__COUNT] = {
#define MSG_ENTRY(e, c, t) [MSG_##e] = { c, t },
	MSG_TABLE(MSG_ENTRY)
#undef MSG_ENTRY
};

const char *msg_code_name(enum msg_code code)
{
	return code < MSG__COUNT ? messages[code].code : "unknown";
}

const char *msg_template(enum msg_code code)
{
	return code < MSG__COUNT ? messages[code].text : "";
}

void msg_init(struct msg *m, enum msg_code code)
{
	m->code = code;
	m->n_params = 0;
	snprintf(m->text, sizeof(m->text), "%s", msg_template(code));
}

static struct msg_param *add(struct msg *m, const char *name, enum msg_kind kind)
{
	struct msg_param *p;

	assert(m->n_params < MSG_PARAMS_MAX);
	if (m->n_params >= MSG_PARAMS_MAX)
		return NULL;
	p = &m->params[m->n_params++];
	p->name = name;
	p->kind = kind;
	p->num = 0;
	p->text[0] = '\0';
	return p;
}

void msg_num(struct msg *m, const char *name, uint64_t value)
{
	struct msg_param *p = add(m, name, MSG_KIND_NUM);

	if (p)
		p->num = value;
}

/*
 * @s into @out (@size > 0 bytes, terminated), cut before a UTF-8 character that does not fit
 * whole; returns the bytes written.
 */
static size_t put_text(char *out, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	if (s[n])
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

void msg_str(struct msg *m, const char *name, const char *value)
{
	struct msg_param *p = add(m, name, MSG_KIND_TEXT);

	if (p)
		put_text(p->text, sizeof(p->text), value ? value : "");
}

void msg_sub(struct msg *m, const char *name, enum msg_code code)
{
	struct msg_param *p = add(m, name, MSG_KIND_CODE);

	if (p)
		put_text(p->text, sizeof(p->text), msg_code_name(code));
}

static const struct msg_param *param(const struct msg *m, const char *name, size_t len)
{
	for (size_t i = 0; i < m->n_params; i++)
		if (strlen(m->params[i].name) == len && !memcmp(m->params[i].name, name, len))
			return &m->params[i];
	return NULL;
}

void msg_copy_params(struct msg *m, const struct msg *from)
{
	for (size_t i = 0; i < from->n_params && m->n_params < MSG_PARAMS_MAX; i++)
		if (!param(m, from->params[i].name, strlen(from->params[i].name)))
			m->params[m->n_params++] = from->params[i];
}

const char *msg_param_text(const struct msg *m, const char *name)
{
	const struct msg_param *p = param(m, name, strlen(name));

	return p && p->kind != MSG_KIND_NUM && p->text[0] ? p->text : NULL;
}

static enum msg_code code_of(const char *name)
{
	for (size_t i = 0; i < MSG__COUNT; i++)
		if (!strcmp(messages[i].code, name))
			return (enum msg_code)i;
	return MSG__COUNT;
}

/* @tmpl with @m's parameters into @out; a code parameter once (no deeper). */
static size_t fill(const struct msg *m, const char *tmpl, char *out, size_t size, bool nested)
{
	size_t n = 0;

	for (const char *s = tmpl; *s && n + 1 < size; s++) {
		const char *end = *s == '{' ? strchr(s, '}') : NULL;
		const struct msg_param *p = end ? param(m, s + 1, (size_t)(end - s - 1)) : NULL;
		int w = 0;

		if (!p) {
			out[n++] = *s;
			continue;
		}
		if (p->kind == MSG_KIND_NUM)
			w = snprintf(out + n, size - n, "%" PRIu64, p->num);
		else if (p->kind == MSG_KIND_CODE && !nested && code_of(p->text) < MSG__COUNT)
			n += fill(m, msg_template(code_of(p->text)), out + n, size - n, true);
		else
			n += put_text(out + n, size - n, p->text);
		if (w > 0)
			n += (size_t)w < size - n ? (size_t)w : size - n - 1;
		s = end;
	}
	out[n] = '\0';
	return n;
}

void msg_render(struct msg *m)
{
	fill(m, msg_template(m->code), m->text, sizeof(m->text), false);
}

int msg_set(int r, struct msg *m)
{
	msg_render(m);
	return r;
}
