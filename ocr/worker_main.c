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
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "errors.h"
#include "ocr/worker.h"

#define WORKER_FD 3

int main(int argc, char **argv)
{
	int type, err;
	socklen_t tlen = sizeof(type);

	if (argc != 3 || strcmp(argv[1], "--languages") != 0) {
		fprintf(stderr,
			"usage: folio-ocr-worker --languages LANGS (started by folio, on fd 3)\n");
		return 2;
	}
	if (getsockopt(WORKER_FD, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_STREAM) {
		fprintf(stderr, "folio-ocr-worker: file descriptor 3 is not the pool's socket: "
				"this program is started by folio\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	err = ocr_worker_serve(WORKER_FD, WORKER_FD, argv[2]);
	if (err < 0 && err != -EPIPE && err != -ECONNRESET) {
		fprintf(stderr, "folio-ocr-worker: languages '%s': %s\n", argv[2],
			folio_strerror(err));
		return 1;
	}
	return 0;
}
