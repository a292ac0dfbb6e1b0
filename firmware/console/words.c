#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "firmware/console/words.h"

int words_split(const char *line, char *buf, size_t size, char **argv, size_t max)
{
	size_t n = 0, o = 0;
	const char *p = line;

	if (max == 0 || size < strlen(line) + 1)
		return -E2BIG;
	for (;;) {
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n + 1 >= max)
			return -E2BIG;
		argv[n++] = buf + o;
		for (; *p; p++) {
			char c = *p;

			if (quote == '\'') {
				if (c == '\'')
					quote = 0;
				else
					buf[o++] = c;
				continue;
			}
			if (quote == '"') {
				if (c == '"') {
					quote = 0;
				} else if (c == '\\' && (p[1] == '"' || p[1] == '\\')) {
					buf[o++] = *++p;
				} else {
					buf[o++] = c;
				}
				continue;
			}
			if (c == ' ' || c == '\t')
				break;
			if (c == '\'' || c == '"') {
				quote = c;
			} else if (c == '\\') {
				if (!p[1])
					return -EINVAL;
				buf[o++] = *++p;
			} else {
				buf[o++] = c;
			}
		}
		if (quote)
			return -EINVAL;
		buf[o++] = '\0';
	}
	argv[n] = NULL;
	return (int)n;
}

const char *words_error(int r)
{
	if (r == -E2BIG)
		return "too many words on one line";
	if (r == -EINVAL)
		return "unterminated quote or a backslash at the end of the line";
	return "cannot read the line";
}
