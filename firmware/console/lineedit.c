#include <stdio.h>
#include <string.h>

#include "firmware/console/lineedit.h"

#define ESC_MAX 16

static void out(struct lineedit *le, const char *s, size_t n)
{
	if (n && le->ops && le->ops->write)
		le->ops->write(s, n, le->ops->user);
}

static void outs(struct lineedit *le, const char *s)
{
	out(le, s, strlen(s));
}

static bool echoing(const struct lineedit *le)
{
	return !(le->flags & LINEEDIT_SECRET);
}

/* Characters (not bytes) in @s. */
static size_t columns(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

static void erase_columns(struct lineedit *le, size_t n)
{
	while (n--)
		outs(le, "\b \b");
}

/* Length of the decoded sequence, 0 when @s does not start a valid one. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *ret_cp)
{
	unsigned cp, need;
	unsigned char c = s[0];

	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need + 1)
		return 0;
	for (unsigned i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return need + 1;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned cp;
		size_t k = utf8_seq(p + i, n - i, &cp);

		if (!k)
			return false;
		i += k;
	}
	return true;
}

void lineedit_init(struct lineedit *le, const struct lineedit_ops *ops)
{
	memset(le, 0, sizeof(*le));
	le->ops = ops;
	le->hist_pos = -1;
}

static void reset_line(struct lineedit *le)
{
	le->len = 0;
	le->buf[0] = '\0';
	le->overflow = le->control = le->bad_utf8 = false;
	le->seq_len = le->seq_need = 0;
	le->esc = 0;
	le->esc_len = 0;
	le->hist_pos = -1;
}

void lineedit_start(struct lineedit *le, const char *prompt, unsigned flags)
{
	size_t n = strnlen(prompt, sizeof(le->prompt) - 1);

	memcpy(le->prompt, prompt, n);
	le->prompt[n] = '\0';
	le->flags = flags;
	le->active = true;
	le->why[0] = '\0';
	reset_line(le);
	outs(le, le->prompt);
}

bool lineedit_active(const struct lineedit *le)
{
	return le->active;
}

const char *lineedit_line(const struct lineedit *le)
{
	return le->buf;
}

const char *lineedit_refusal(const struct lineedit *le)
{
	return le->why;
}

void lineedit_redraw(struct lineedit *le)
{
	if (!le->active)
		return;
	outs(le, le->prompt);
	if (echoing(le))
		out(le, le->buf, le->len);
}

void lineedit_history_add(struct lineedit *le, const char *line)
{
	size_t n = strnlen(line, LINEEDIT_MAX + 1);
	unsigned newest = (le->hist_head + LINEEDIT_HISTORY - 1) % LINEEDIT_HISTORY;

	if (n == 0 || n > LINEEDIT_MAX)
		return;
	if (le->hist_n && strcmp(le->history[newest], line) == 0)
		return;
	memcpy(le->history[le->hist_head], line, n + 1);
	le->hist_head = (le->hist_head + 1) % LINEEDIT_HISTORY;
	if (le->hist_n < LINEEDIT_HISTORY)
		le->hist_n++;
}

/* Replaces the line shown with @s. */
static void replace_line(struct lineedit *le, const char *s)
{
	size_t n = strlen(s);

	if (echoing(le))
		erase_columns(le, columns(le->buf, le->len));
	memcpy(le->buf, s, n + 1);
	le->len = n;
	le->overflow = le->control = le->bad_utf8 = false;
	if (echoing(le))
		out(le, le->buf, le->len);
}

static void history_move(struct lineedit *le, int dir)
{
	int pos = le->hist_pos + dir;

	if (le->flags & LINEEDIT_SECRET)
		return;
	if (pos >= (int)le->hist_n) {
		outs(le, "\a");
		return;
	}
	if (pos < -1)
		return;
	if (le->hist_pos == -1)
		memcpy(le->saved, le->buf, le->len + 1);
	le->hist_pos = pos;
	if (pos == -1) {
		replace_line(le, le->saved);
	} else {
		unsigned i =
		    (le->hist_head + 2 * LINEEDIT_HISTORY - 1 - (unsigned)pos) % LINEEDIT_HISTORY;

		replace_line(le, le->history[i]);
	}
}

static void backspace(struct lineedit *le)
{
	if (le->len == 0)
		return;
	while (le->len > 0 && ((unsigned char)le->buf[le->len - 1] & 0xc0) == 0x80)
		le->len--;
	if (le->len > 0)
		le->len--;
	le->buf[le->len] = '\0';
	if (echoing(le))
		outs(le, "\b \b");
}

static void erase_word(struct lineedit *le)
{
	while (le->len > 0 && le->buf[le->len - 1] == ' ')
		backspace(le);
	while (le->len > 0 && le->buf[le->len - 1] != ' ')
		backspace(le);
}

static void kill_line(struct lineedit *le)
{
	if (echoing(le))
		erase_columns(le, columns(le->buf, le->len));
	reset_line(le);
}

/* Appends @n bytes of one character, or marks the line too long. */
static void append(struct lineedit *le, const char *s, size_t n)
{
	if (le->overflow)
		return;
	if (le->len + n > LINEEDIT_MAX) {
		le->overflow = true;
		outs(le, "\a");
		return;
	}
	memcpy(le->buf + le->len, s, n);
	le->len += n;
	le->buf[le->len] = '\0';
	if (echoing(le))
		out(le, s, n);
}

static void list_candidates(struct lineedit *le, const char **cand, size_t n)
{
	size_t col = 0, width = 0;

	for (size_t i = 0; i < n; i++)
		width = strlen(cand[i]) > width ? strlen(cand[i]) : width;
	width += 2;
	outs(le, "\r\n");
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(cand[i]);

		if (col && col + width > LINEEDIT_COLUMNS) {
			outs(le, "\r\n");
			col = 0;
		}
		outs(le, cand[i]);
		for (size_t k = len; k < width && i + 1 < n; k++)
			outs(le, " ");
		col += width;
	}
	outs(le, "\r\n");
	lineedit_redraw(le);
}

static void complete(struct lineedit *le)
{
	const char *cand[LINEEDIT_CANDIDATES];
	const char *word;
	size_t n, wlen, common;

	if ((le->flags & LINEEDIT_SECRET) || !le->ops || !le->ops->complete || le->overflow ||
	    le->control || le->bad_utf8) {
		outs(le, "\a");
		return;
	}
	n = le->ops->complete(le->buf, cand, sizeof(cand) / sizeof(cand[0]), le->ops->user);
	if (n > LINEEDIT_CANDIDATES)
		n = LINEEDIT_CANDIDATES;
	word = strrchr(le->buf, ' ');
	word = word ? word + 1 : le->buf;
	wlen = strlen(word);
	if (n == 0) {
		outs(le, "\a");
		return;
	}
	common = strlen(cand[0]);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;

		while (k < common && cand[i][k] == cand[0][k])
			k++;
		common = k;
	}
	if (common > wlen && strncmp(cand[0], word, wlen) == 0) {
		append(le, cand[0] + wlen, common - wlen);
		if (n == 1)
			append(le, " ", 1);
		return;
	}
	if (n == 1) {
		if (strcmp(cand[0], word) == 0)
			append(le, " ", 1);
		return;
	}
	list_candidates(le, cand, n);
}

static enum lineedit_result finish(struct lineedit *le)
{
	le->active = false;
	outs(le, "\r\n");
	if (le->overflow) {
		snprintf(le->why, sizeof(le->why), "line refused: longer than %d bytes",
			 LINEEDIT_MAX);
	} else if (le->control) {
		snprintf(le->why, sizeof(le->why), "line refused: it contains control characters");
	} else if (le->bad_utf8) {
		snprintf(le->why, sizeof(le->why), "line refused: it is not valid UTF-8 text");
	} else {
		return LINEEDIT_LINE;
	}
	le->len = 0;
	le->buf[0] = '\0';
	return LINEEDIT_REFUSED;
}

/* Skips escape sequences; returns true when @c was part of one. */
static bool escape(struct lineedit *le, unsigned char c)
{
	if (le->esc == 1) {
		if (c == '[' || c == 'O') {
			le->esc = 2;
			le->esc_len = 2;
			return true;
		}
		le->esc = 0;
		/* ESC and a printable key (Alt-x): both skipped; anything else is input. */
		return c >= 0x20 && c < 0x7f;
	}
	if (c < 0x20 || c > 0x7e || ++le->esc_len > ESC_MAX) {
		/* Not part of a sequence after all: drop it, take the byte as input. */
		le->esc = 0;
		return c >= 0x20 && c <= 0x7e;
	}
	if (c >= 0x40) {
		le->esc = 0;
		if (c == 'A')
			history_move(le, 1);
		else if (c == 'B')
			history_move(le, -1);
	}
	return true;
}

static void utf8_byte(struct lineedit *le, unsigned char c)
{
	unsigned cp;

	if (le->seq_need == 0) {
		if (c >= 0xc2 && c <= 0xdf)
			le->seq_need = 2;
		else if (c >= 0xe0 && c <= 0xef)
			le->seq_need = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			le->seq_need = 4;
		else {
			le->bad_utf8 = true;
			return;
		}
		le->seq[0] = c;
		le->seq_len = 1;
		return;
	}
	/* lineedit_feed() ended sequences cut short by a byte that is no continuation. */
	le->seq[le->seq_len++] = c;
	if (le->seq_len < le->seq_need)
		return;
	if (utf8_seq(le->seq, le->seq_len, &cp) != le->seq_len)
		le->bad_utf8 = true;
	else if (cp < 0xa0) /* C1 controls */
		le->control = true;
	else
		append(le, (const char *)le->seq, le->seq_len);
	le->seq_need = le->seq_len = 0;
}

enum lineedit_result lineedit_feed(struct lineedit *le, unsigned char c)
{
	bool was_cr = le->last_cr;

	le->last_cr = false;
	if (!le->active)
		return LINEEDIT_MORE; /* a CR LF's LF after the line ended is gone too */
	if (le->esc && escape(le, c))
		return LINEEDIT_MORE;
	if (le->seq_need && (c & 0xc0) != 0x80) {
		/* A sequence cut short by another byte. */
		le->bad_utf8 = true;
		le->seq_need = le->seq_len = 0;
	}
	if (c >= 0x80) {
		utf8_byte(le, c);
		return LINEEDIT_MORE;
	}
	switch (c) {
	case '\r':
		le->last_cr = true;
		return finish(le);
	case '\n':
		if (was_cr) /* the LF of CR LF */
			return LINEEDIT_MORE;
		return finish(le);
	case 0x08: /* BS */
	case 0x7f: /* DEL */
		if (!le->overflow)
			backspace(le);
		return LINEEDIT_MORE;
	case 0x15: /* Ctrl-U */
		kill_line(le);
		return LINEEDIT_MORE;
	case 0x17: /* Ctrl-W */
		if (!le->overflow)
			erase_word(le);
		return LINEEDIT_MORE;
	case 0x03: /* Ctrl-C */
		le->active = false;
		outs(le, "^C\r\n");
		reset_line(le);
		return LINEEDIT_CANCEL;
	case 0x04: /* Ctrl-D */
		if (le->len == 0 && !le->overflow && !le->control && !le->bad_utf8) {
			le->active = false;
			outs(le, "\r\n");
			return LINEEDIT_EOF;
		}
		return LINEEDIT_MORE;
	case 0x09: /* Tab */
		complete(le);
		return LINEEDIT_MORE;
	case 0x0c: /* Ctrl-L */
		outs(le, "\r\n");
		lineedit_redraw(le);
		return LINEEDIT_MORE;
	case 0x1b:
		le->esc = 1;
		return LINEEDIT_MORE;
	default:
		break;
	}
	if (c < 0x20) {
		le->control = true;
		return LINEEDIT_MORE;
	}
	append(le, (const char *)&c, 1);
	return LINEEDIT_MORE;
}
