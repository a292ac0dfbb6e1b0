#ifndef FOLIO_OCR_POOL_H
#define FOLIO_OCR_POOL_H

/*
 * OCR worker processes.
 *
 * A pool runs N copies of folio-ocr-worker, each with one engine (engine.h) kept loaded between
 * pages. Workers are started with OMP_THREAD_LIMIT=1 in their environment (libgomp reads it only
 * when it loads), at a lower CPU priority than the caller (nice), with standard input on
 * /dev/null and standard output on standard error.
 *
 * Pages go in with ocr_pool_submit() and come back, in any order, from ocr_pool_wait() with the
 * caller's tag. A page that crashes its worker, or is not done within the page time limit, has
 * its worker killed (SIGKILL) and replaced, and is tried once more; a second failure returns the
 * page failed with the reason. Neither call blocks longer than its own bound: submit never waits
 * for a worker, wait returns within its timeout however the workers behave.
 *
 * Not thread-safe: one thread drives a pool. The pool reaps its own children by pid; a caller
 * that reaps every child (waitpid(-1)) only loses the exit reasons in the failure messages.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame.h"
#include "ocr/engine.h"

#define OCR_POOL_MAX_WORKERS 64u
#define OCR_POOL_MAX_QUEUED 1024u	/* pages submitted and not yet collected */
#define OCR_POOL_DEFAULT_TIMEOUT_S 120u /* per page and attempt */
#define OCR_POOL_MAX_TIMEOUT_S 3600u
#define OCR_POOL_DEFAULT_NICE 10
#define OCR_POOL_START_TIMEOUT_S 60u /* for a worker to load its models */
#define OCR_POOL_ATTEMPTS 2u	     /* a page is tried at most this often */
#define OCR_POOL_WORKER_NAME "folio-ocr-worker"

struct ocr_pool;

/* A worker that crashed or hung, as ocr_pool_options.worker_lost hears of it. */
struct ocr_pool_loss {
	uint64_t tag;	  /* the page's tag (see has_page) */
	bool has_page;	  /* false: it was starting, or idle */
	unsigned worker;  /* its slot, 1..workers */
	int pid;	  /* its process id */
	int error;	  /* -ETIMEDOUT: hung past page_timeout_s; -ECHILD: died or misbehaved */
	unsigned attempt; /* the page's attempt that was lost, 1 or 2 */
	bool retried;	  /* the page is read again by a new worker; else it failed */
	const char *why;  /* "worker killed by signal 11 (Segmentation fault)"; valid in the call */
};

struct ocr_pool_options {
	unsigned workers;	 /* 0: one per CPU this process may run on */
	const char *languages;	 /* "eng", "ara+eng" ...; NULL: "eng" */
	int psm;		 /* page segmentation mode; 0: OCR_PSM_AUTO */
	unsigned page_timeout_s; /* per page and attempt; 0: OCR_POOL_DEFAULT_TIMEOUT_S */
	int nice; /* niceness added to the workers', 1..19; 0: OCR_POOL_DEFAULT_NICE */
	const char *worker_path; /* NULL: folio-ocr-worker beside the running program */
	/*
	 * Called (from inside ocr_pool_wait() and the other calls that pump the workers) each
	 * time a worker crashes or hangs once the pool has started, before its page is retried
	 * or failed; NULL: not told. A pool that cannot start says why in ocr_pool_new()'s
	 * result instead. It must not call the pool.
	 */
	void (*worker_lost)(const struct ocr_pool_loss *loss, void *user);
	void *user;
};

/* A page that came back from the pool, done or failed. */
struct ocr_pool_page {
	uint64_t tag;		       /* the caller's tag from ocr_pool_submit() */
	int error;		       /* 0, or why the page failed (see ocr_pool_wait()) */
	char reason[192];	       /* "" or, when failed, a sentence for people */
	unsigned attempts;	       /* 1 or 2 */
	double seconds;		       /* its last attempt's time in a worker, sending included */
	struct ocr_page_result result; /* when error is 0; owned by the caller */
};

/*
 * ocr_pool_new - start the workers and wait until each has loaded its models
 * @o: options (copied; strings need not outlive the call)
 * @ret: receives the pool, to be freed with ocr_pool_free()
 *
 * Blocks up to OCR_POOL_START_TIMEOUT_S. Returns 0, -EINVAL for bad options, -ENOENT when the
 * worker program is missing, -FOLIO_ECONFIG when a language's model is not installed, -ECHILD
 * when a worker dies or does not start in time, -ETIMEDOUT, -errno from fork/socketpair.
 */
int ocr_pool_new(const struct ocr_pool_options *o, struct ocr_pool **ret);

/*
 * ocr_pool_free - stop the workers (SIGKILL: pages in progress are abandoned) and free the pool
 * and every result not yet collected. Takes NULL; returns NULL.
 */
struct ocr_pool *ocr_pool_free(struct ocr_pool *p);

/* ocr_pool_workers - the number of worker processes the pool keeps running. */
unsigned ocr_pool_workers(const struct ocr_pool *p);

/* ocr_pool_outstanding - pages submitted and not yet returned by ocr_pool_wait(). */
size_t ocr_pool_outstanding(const struct ocr_pool *p);

/*
 * ocr_pool_worker_pid - the worker process recognising page @tag right now
 * @ret: receives its pid once the whole page has been handed to it
 *
 * For status displays and tests. Returns 0, or -ENOENT when the page is queued, still being
 * sent, done, or unknown.
 */
int ocr_pool_worker_pid(const struct ocr_pool *p, uint64_t tag, pid_t *ret);

/*
 * ocr_pool_submit - queue an encoded page (TIFF, JPEG, PNG, PNM as stored)
 * @tag: the caller's, returned with the result
 * @image, @len: the bytes, copied (at most OCR_MAX_IMAGE_BYTES); the worker decodes them
 * @dpi: the page's resolution, passed to Tesseract; 0: the resolution recorded in the file
 *
 * Never blocks on a worker. Returns 0, -EINVAL, -FOLIO_ETOOBIG, -EAGAIN when
 * OCR_POOL_MAX_QUEUED pages are outstanding (collect some first), -ECHILD when no worker can be
 * started any more, -ENOMEM. A page the worker cannot decode comes back with -FOLIO_EFORMAT.
 */
int ocr_pool_submit(struct ocr_pool *p, uint64_t tag, const void *image, size_t len, unsigned dpi);

/*
 * ocr_pool_submit_in - as ocr_pool_submit(), read with the models @languages
 * @languages: a language list ("fra", "ara+eng"), "auto" for the models of the page's script
 *             (lang.h), or NULL for the pool's languages
 *
 * A worker loads the models of a list on its first page and keeps them (worker.h); models
 * that cannot be loaded fall back to the pool's languages. The models that read the page come
 * back in the result's languages field. -EINVAL for a malformed list.
 *
 * @options: OCR_POOL_CHECK_ORIENTATION asks whether the page stands upright: a page that reads
 * well as it lies, on level lines, does; another is asked of Tesseract's orientation
 * detection (ocr/worker.c). Pages of a non-Latin script ("auto" finding one, or models like
 * "ara") are always checked: Leptonica's up/down test, which the image stage uses, knows only
 * Latin letters. A page found lying turned is read turned upright: its result's turn (90, 180
 * or 270, clockwise) says by how much, and its word boxes are those of the turned page, for
 * the caller to turn its copy of the page the same. OCR_POOL_UPRIGHT says the page is known
 * to stand upright (a second read of a page whose orientation was checked): never checked.
 */
enum { OCR_POOL_CHECK_ORIENTATION = 1u << 0, OCR_POOL_UPRIGHT = 1u << 1 };
int ocr_pool_submit_in(struct ocr_pool *p, uint64_t tag, const void *image, size_t len,
		       unsigned dpi, const char *languages, unsigned options);

/*
 * ocr_pool_submit_frame - queue a raw page (frame.h); the samples are copied
 *
 * Returns as ocr_pool_submit(); -EINVAL or -FOLIO_EFORMAT for a frame the engine cannot take.
 */
int ocr_pool_submit_frame(struct ocr_pool *p, uint64_t tag, const struct frame *f);

/*
 * ocr_pool_wait - collect one page, done or failed
 * @timeout_ms: how long to wait at most; 0 polls, negative waits until a page comes back
 * @ret: receives the page (tag, error, reason, result); release ret->result when done
 *
 * Returns 1 with a page, 0 when the timeout passed or nothing is outstanding, -errno when the
 * pool itself fails (poll). A page's own failure is in ret->error:
 *   -ETIMEDOUT      both attempts exceeded the page time limit
 *   -ECHILD         both attempts crashed their worker (or no worker could be started)
 *   -FOLIO_EFORMAT  the image cannot be decoded; -FOLIO_ETOOBIG beyond the bounds of engine.h
 *   -EIO            Tesseract failed on the page; -ENOMEM
 * with ret->reason saying what happened, e.g. "worker killed by signal 9 (Killed) on both
 * attempts". Pages that fail for their content are not retried.
 */
int ocr_pool_wait(struct ocr_pool *p, int timeout_ms, struct ocr_pool_page *ret);

/*
 * ocr_recognise_files - run a pool over image files
 * @paths, @n: the files (TIFF, JPEG, PNG, PNM), each at most OCR_MAX_IMAGE_BYTES
 * @dpi: as for ocr_pool_submit()
 * @done: called once per file as its page comes back (in completion order) with the file's index;
 *        the page's result is released after it returns; a negative return stops the run
 *
 * Keeps at most two pages per worker in flight, so memory stays bounded. The pool must have
 * nothing outstanding. Returns 0, the callback's negative value, or -errno when a file cannot
 * be read (pages already submitted are then abandoned to ocr_pool_free()).
 */
int ocr_recognise_files(struct ocr_pool *p, const char *const *paths, size_t n, unsigned dpi,
			int (*done)(size_t index, const struct ocr_pool_page *page, void *userdata),
			void *userdata);

#endif
