#ifndef FOLIO_LINEEDIT_H
#define FOLIO_LINEEDIT_H

/*
 * A line editor for dumb serial terminals: bytes in, echo out, a line (or a refusal) at
 * the end. It never moves the cursor except with backspace, so it works on anything that
 * shows characters and honours BS.
 *
 *	BS, DEL    erase the last character (a whole UTF-8 character)
 *	Ctrl-U     erase the line            Ctrl-W  erase the last word
 *	Ctrl-C     cancel the line           Ctrl-D  end of input, on an empty line
 *	Up, Down   history (ESC [ A / ESC [ B, or ESC O A / ESC O B)
 *	Tab        complete the word being typed (through the completion callback)
 *	CR, LF, CR LF   end the line
 *
 * Bounds: a line holds LINEEDIT_MAX bytes. A longer line, a line with other control
 * characters, or one with invalid UTF-8 (or C1 controls) is refused as a whole when it ends:
 * lineedit_feed() returns LINEEDIT_REFUSED and lineedit_refusal() says why in one line.
 * Nothing unbounded is kept, so binary noise costs nothing but refusals. Unknown escape
 * sequences are skipped (at most 16 bytes each).
 *
 * The state is a plain struct so it can be embedded; its fields are private.
 */

#include <stdbool.h>
#include <stddef.h>

#define LINEEDIT_MAX 255    /* bytes of one line, without the NUL */
#define LINEEDIT_HISTORY 20 /* lines kept for Up/Down */
#define LINEEDIT_PROMPT 64  /* bytes of a prompt */
#define LINEEDIT_COLUMNS 80 /* completion lists are wrapped to this width */
#define LINEEDIT_CANDIDATES 64

enum lineedit_result {
	LINEEDIT_MORE,	  /* keep feeding */
	LINEEDIT_LINE,	  /* a line is ready: lineedit_line() */
	LINEEDIT_CANCEL,  /* Ctrl-C */
	LINEEDIT_EOF,	  /* Ctrl-D on an empty line */
	LINEEDIT_REFUSED, /* the line was refused: lineedit_refusal() */
};

enum lineedit_flags {
	LINEEDIT_SECRET = 1 << 0, /* no echo, no history, no completion (passwords) */
};

struct lineedit_ops {
	/* Echo and prompts; @s is not NUL-terminated. */
	void (*write)(const char *s, size_t n, void *user);
	/*
	 * Completion of the last word of @line (the text before the cursor): store up to @max
	 * candidates for that word in @ret (static strings) and return how many there are.
	 * May be NULL.
	 */
	size_t (*complete)(const char *line, const char **ret, size_t max, void *user);
	void *user;
};

struct lineedit {
	const struct lineedit_ops *ops;
	char prompt[LINEEDIT_PROMPT];
	unsigned flags;
	bool active; /* between lineedit_start() and the end of the line */
	char buf[LINEEDIT_MAX + 1];
	size_t len;
	bool overflow, control, bad_utf8, last_cr;
	/* a UTF-8 sequence being received */
	unsigned char seq[4];
	unsigned seq_len, seq_need;
	/* an escape sequence being skipped: 0 none, 1 after ESC, 2 inside CSI/SS3 */
	int esc;
	unsigned esc_len;
	/* history: ring of lines, newest at (head - 1) */
	char history[LINEEDIT_HISTORY][LINEEDIT_MAX + 1];
	unsigned hist_n, hist_head;
	int hist_pos; /* -1: editing a new line; k: showing the k-th newest */
	char saved[LINEEDIT_MAX + 1];
	char why[96];
};

/* lineedit_init - a fresh editor writing through @ops (kept by pointer) */
void lineedit_init(struct lineedit *le, const struct lineedit_ops *ops);

/*
 * lineedit_start - start a new line: writes @prompt (cut to LINEEDIT_PROMPT - 1 bytes) and
 * forgets any line in progress
 */
void lineedit_start(struct lineedit *le, const char *prompt, unsigned flags);

/*
 * lineedit_feed - one byte of input
 *
 * Returns LINEEDIT_MORE until the line ends; then the result, and the editor is idle (bytes
 * are ignored) until lineedit_start(). Never fails.
 */
enum lineedit_result lineedit_feed(struct lineedit *le, unsigned char c);

/* lineedit_line - the line that ended (NUL-terminated UTF-8, no control characters) */
const char *lineedit_line(const struct lineedit *le);

/* lineedit_refusal - why the last line was refused, one line without a newline */
const char *lineedit_refusal(const struct lineedit *le);

/* lineedit_history_add - remember @line for Up/Down (empty lines and repeats are skipped) */
void lineedit_history_add(struct lineedit *le, const char *line);

/* lineedit_redraw - write the prompt and the line again, e.g. after other output */
void lineedit_redraw(struct lineedit *le);

/* lineedit_active - whether a line is being edited */
bool lineedit_active(const struct lineedit *le);

/*
 * utf8_valid - whether @s (@n bytes) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF)
 */
bool utf8_valid(const char *s, size_t n);

#endif
