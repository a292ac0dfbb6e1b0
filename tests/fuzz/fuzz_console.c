/* requires: CONFIG_CONSOLE */
/*
 * libFuzzer target for the console's line editor and command-line parser
 * (firmware/console/lineedit.c, firmware/console/words.c).
 *
 * Input: bytes as a terminal would send them. Every byte goes through lineedit_feed(); each
 * line that ends is split with words_split(), and accepted lines go to the history. Checks
 * the contracts the console relies on: a line is at most LINEEDIT_MAX bytes of valid UTF-8
 * without control characters, a refusal is one line, the echo of one byte is bounded, words
 * fit their buffer and are NUL-terminated, and nothing crashes or hangs.
 *
 * replay-sources: firmware/console/lineedit.c firmware/console/words.c
 *
 * Build by hand (from the source root):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *     -Ifirmware/include tests/fuzz/fuzz_console.c firmware/console/lineedit.c \
 *     firmware/console/words.c -o fuzz_console
 *   ./fuzz_console tests/fuzz/console       # replay the seeds and fuzz onwards
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/console/lineedit.h"
#include "firmware/console/words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t echoed;

static void count_echo(const char *s, size_t n, void *user)
{
	(void)s;
	(void)user;
	echoed += n;
}

static size_t complete(const char *line, const char **ret, size_t max, void *user)
{
	static const char *const verbs[] = { "status", "store", "scan", "selftest", "shutdown" };
	const char *word = strrchr(line, ' ');
	size_t n = 0;

	(void)user;
	word = word ? word + 1 : line;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]) && n < max; i++)
		if (strncmp(verbs[i], word, strlen(word)) == 0)
			ret[n++] = verbs[i];
	return n;
}

static void check_line(const char *line)
{
	char buf[LINEEDIT_MAX + 1], *argv[WORDS_MAX];
	size_t len = strnlen(line, LINEEDIT_MAX + 1);
	int argc;

	if (len > LINEEDIT_MAX || !utf8_valid(line, len))
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			abort();
	argc = words_split(line, buf, sizeof(buf), argv, WORDS_MAX);
	if (argc >= 0) {
		if (argc >= WORDS_MAX || argv[argc] != NULL)
			abort();
		for (int i = 0; i < argc; i++)
			if (argv[i] < buf || argv[i] >= buf + sizeof(buf) ||
			    strnlen(argv[i], (size_t)(buf + sizeof(buf) - argv[i])) ==
				(size_t)(buf + sizeof(buf) - argv[i]))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lineedit_ops ops = { .write = count_echo, .complete = complete };
	static struct lineedit le;
	unsigned flags = 0;

	lineedit_init(&le, &ops);
	/* The first byte chooses the mode: odd is a password prompt. */
	if (size && (data[0] & 1))
		flags = LINEEDIT_SECRET;
	lineedit_start(&le, "fuzz> ", flags);
	for (size_t i = 0; i < size; i++) {
		enum lineedit_result r;

		echoed = 0;
		r = lineedit_feed(&le, data[i]);
		/* One byte echoes at most a history line, or a completion list and the line. */
		if (echoed > 4 * (LINEEDIT_MAX + LINEEDIT_PROMPT) + 64 * LINEEDIT_COLUMNS)
			abort();
		switch (r) {
		case LINEEDIT_LINE:
			check_line(lineedit_line(&le));
			lineedit_history_add(&le, lineedit_line(&le));
			break;
		case LINEEDIT_REFUSED:
			if (!lineedit_refusal(&le)[0] || strchr(lineedit_refusal(&le), '\n'))
				abort();
			break;
		default:
			break;
		}
		if (!lineedit_active(&le))
			lineedit_start(&le, "fuzz> ", flags);
	}
	return 0;
}
