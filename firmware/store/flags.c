/* Page flags by name (store.h): the one list the CLI, BATCH.txt and the clerk UI's API share. */
#include <stddef.h>
#include <string.h>

#include "compiler.h"
#include "firmware/store/store.h"

/* In bit order: names[i] is the flag 1u << i. */
static const char *const names[] = {
	"blank",
	"skew",
	"dark",
	"light",
	"length",
	"small",
	"separator",
	"barcode-unreadable",
	"low-confidence",
	"check",
	"ocr-failed",
	"check-image",
	"orientation-unknown",
	"auto-bitonal",
	"auto-grey",
	"auto-colour",
};

const char *page_flag_name(uint32_t flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (flag == 1u << i)
			return names[i];
	return NULL;
}

uint32_t page_flag_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]), k;

		for (k = 0; k < n; k++)
			if (name[k] != names[i][k] && !(names[i][k] == '-' && name[k] == '_'))
				break;
		if (k == n && name[n] == '\0')
			return 1u << i;
	}
	return 0;
}
