#ifndef FOLIO_OCR_WORKER_H
#define FOLIO_OCR_WORKER_H

/*
 * The inside of an OCR worker process (the program folio-ocr-worker, ocr/worker_main.c): loads
 * one engine and recognises the pages the pool sends until the pool closes the socket. The pool
 * (pool.h) starts workers; nothing else should call this.
 */

/*
 * ocr_worker_serve - load @languages, report readiness, then serve page requests
 * @in_fd: where requests come from (wire.h); @out_fd: where replies go (may equal @in_fd)
 * @languages: language list for ocr_engine_new()
 *
 * A page that fails to decode or recognise gets a reply with its error; the worker carries on.
 * Returns 0 when the pool closes the connection, the engine's error when it cannot be loaded
 * (after telling the pool), -EPROTO for a malformed request, -errno for a broken connection.
 * Reads at most OCR_MAX_IMAGE_BYTES of payload per request.
 */
int ocr_worker_serve(int in_fd, int out_fd, const char *languages);

#endif
