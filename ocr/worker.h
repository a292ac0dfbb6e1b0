#ifndef FOLIO_OCR_WORKER_H
#define FOLIO_OCR_WORKER_H

/*
 * The inside of an OCR worker process (the program folio-ocr-worker, ocr/worker_main.c): loads
 * an engine for its own languages and recognises the pages the pool sends until the pool
 * closes the socket. A page may ask for other languages, or for languages chosen by its script
 * ("auto", lang.h): the worker keeps one engine per language set it was asked for, up to
 * OCR_WORKER_ENGINES, and reuses them. The pool (pool.h) starts workers; nothing else should
 * call this.
 */

#define OCR_WORKER_ENGINES 3 /* language sets a worker keeps loaded, its own included */

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
