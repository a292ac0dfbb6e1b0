/*
 * folio-ocr-worker: one OCR worker process, started by the pool (ocr/pool.c), never by hand.
 *
 *   folio-ocr-worker --languages LANGS
 *
 * Requests come and replies go on file descriptor 3, an AF_UNIX stream socket (ocr/wire.h).
 * The pool starts it with OMP_THREAD_LIMIT=1 in its environment, at lower priority, with
 * standard input on /dev/null and standard output on standard error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "errors.h"
#include "options.h"
#include "ocr/worker.h"

#define WORKER_FD 3

int main(int argc, char **argv)
{
	const char *languages = NULL;
	bool version = false;
	const struct opt opts[] = {
		OPT_STRING(0, "languages", &languages, "LANGS", "the OCR languages (eng+fra)"),
		OPT_FLAG('V', "version", &version, "print the version"),
		OPT_END(),
	};
	int type, err, n;
	socklen_t tlen = sizeof(type);
	char why[160];

	n = opt_parse(opts, 0, argc, argv, why, sizeof(why));
	if (n == 1 && version) {
		printf("folio-ocr-worker %s\n", FOLIO_VERSION);
		return 0;
	}
	if (n == OPT_HELP) {
		printf("usage: folio-ocr-worker --languages LANGS (started by folio, on fd 3)\n");
		return 0;
	}
	if (n != 1 || !languages) {
		fprintf(stderr,
			"folio-ocr-worker: %s: usage: folio-ocr-worker --languages LANGS "
			"(started by folio, on fd 3)\n",
			n < 0 ? why : "--languages LANGS is needed");
		return 2;
	}
	if (getsockopt(WORKER_FD, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_STREAM) {
		fprintf(stderr, "folio-ocr-worker: file descriptor 3 is not the pool's socket: "
				"this program is started by folio\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	err = ocr_worker_serve(WORKER_FD, WORKER_FD, languages);
	if (err < 0 && err != -EPIPE && err != -ECONNRESET) {
		fprintf(stderr, "folio-ocr-worker: languages '%s': %s\n", languages,
			folio_strerror(err));
		return 1;
	}
	return 0;
}
