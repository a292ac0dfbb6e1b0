/*
 * Replays a fuzz target's saved inputs as a regression test: linked with one
 * tests/fuzz/fuzz_NAME.c in place of libFuzzer's driver, it feeds every file of
 * tests/fuzz/NAME/ (or the folders and files given) to LLVMFuzzerTestOneInput.
 * A crash, a sanitizer report or an abort fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(REPLAY_MAX_INPUT);
	if (!buf) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	/* An exact-size copy, so reads past the input trip AddressSanitizer. */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

static int replay(const char *path, unsigned *count)
{
	struct stat st;
	struct dirent **list;
	int n, r = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	n = scandir(path, &list, NULL, alphasort);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (list[i]->d_name[0] != '.' && r == 0) {
			snprintf(sub, sizeof(sub), "%s/%s", path, list[i]->d_name);
			r = replay(sub, count);
		}
		free(list[i]);
	}
	free(list);
	return r;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	char dflt[4096];
	const char *src = getenv("FOLIO_SRC");
	const char *name = strrchr(argv[0], '/');

	name = name ? name + 1 : argv[0];
	if (argc < 2) {
		/* fuzz_NAME replays tests/fuzz/NAME/ */
		snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/%s", src ? src : ".",
			 strncmp(name, "fuzz_", 5) == 0 ? name + 5 : name);
		if (replay(dflt, &count) < 0)
			return 1;
	}
	for (int i = 1; i < argc; i++)
		if (replay(argv[i], &count) < 0)
			return 1;
	if (count == 0) {
		fprintf(stderr, "no inputs to replay\n");
		return 1;
	}
	printf("%s: %u saved inputs replayed\n", name, count);
	return 0;
}
