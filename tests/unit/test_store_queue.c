/* The store's work queues (priority, age, leases, dedup) and OCR results. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "fileio.h"
#include "firmware/store/store.h"
#include "store_tmp.h"

struct fixture {
	char dir[64];
	struct store *s;
	uint32_t batch;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct batch_info b = { 0 };

	if (store_tmp_open(f->dir, sizeof(f->dir), "queue", 256, &f->s) < 0)
		return -1;
	if (store_batch_create(f->s, "t", &b, &f->batch) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	return store_tmp_teardown(f, f->s, f->dir);
}

static void test_priority_then_age(void **state)
{
	struct fixture *f = *state;
	struct queue_item it;
	uint64_t n;

	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, 1, 100), 0);
	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, 2, 100), 0);
	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, 3, 200), 0);
	assert_int_equal(store_queue_push(f->s, QUEUE_UPLOAD, f->batch, 0, 255), 0);
	/* Pushing again does not duplicate. */
	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, 1, 100), 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_OCR, &n), 0);
	assert_int_equal(n, 3);

	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 60, &it), 1);
	assert_int_equal(it.page, 3); /* highest priority */
	assert_int_equal(it.attempts, 1);
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 60, &it), 1);
	assert_int_equal(it.page, 1); /* then the oldest */
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 60, &it), 1);
	assert_int_equal(it.page, 2);
	/* Everything is leased now: nothing to claim, but the items are still counted. */
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 60, &it), 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_OCR, &n), 0);
	assert_int_equal(n, 3);

	/* A failed worker gives its item back; it comes first again, one attempt more. */
	assert_int_equal(store_queue_release(f->s, QUEUE_OCR, f->batch, 1), 0);
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 60, &it), 1);
	assert_int_equal(it.page, 1);
	assert_int_equal(it.attempts, 2);
	assert_int_equal(store_queue_done(f->s, QUEUE_OCR, f->batch, 1), 0);
	assert_int_equal(store_queue_done(f->s, QUEUE_OCR, f->batch, 1), -FOLIO_ENOTFOUND);

	/* A new priority moves an item but keeps its age. */
	assert_int_equal(store_queue_release(f->s, QUEUE_OCR, f->batch, 2), 0);
	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, 2, 250), 0);
	assert_int_equal(store_queue_release(f->s, QUEUE_OCR, f->batch, 3), 0);
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 60, &it), 1);
	assert_int_equal(it.page, 2);
	assert_int_equal(it.priority, 250);

	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, 1, 256), -EINVAL);
	assert_int_equal(store_queue_push(f->s, QUEUE_COUNT, f->batch, 1, 1), -EINVAL);
	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, 99, 1, 1), -FOLIO_ENOTFOUND);
	assert_int_equal(store_queue_claim(f->s, QUEUE_UPLOAD, 60, &it), 1);
	assert_int_equal(it.batch, f->batch);
	assert_int_equal(it.page, 0);
}

struct order {
	uint64_t n;
	uint32_t last_priority;
	uint64_t last_seq;
	int bad;
};

static int check_order(const struct queue_item *it, void *user)
{
	struct order *o = user;

	if (o->n && (it->priority > o->last_priority ||
		     (it->priority == o->last_priority && it->seq < o->last_seq)))
		o->bad++;
	o->last_priority = it->priority;
	o->last_seq = it->seq;
	o->n++;
	return 0;
}

static void test_list_is_claim_order(void **state)
{
	struct fixture *f = *state;
	struct order o = { 0 };
	struct queue_stats st;

	for (uint32_t p = 1; p <= 300; p++)
		assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, p, (p * 37) % 7 * 30),
				 0);
	assert_int_equal(store_queue_list(f->s, QUEUE_OCR, check_order, &o), 0);
	assert_int_equal(o.n, 300);
	assert_int_equal(o.bad, 0);
	assert_int_equal(store_queue_stats(f->s, QUEUE_OCR, &st), 0);
	assert_int_equal(st.items, 300);
	assert_int_equal(st.claimed, 0);
	assert_int_equal(st.top_priority, 180);
	assert_true(st.oldest > 0);
}

static void test_capture_queues_ocr_and_result_dequeues(void **state)
{
	struct fixture *f = *state;
	struct page_info p = { .batch = f->batch, .document = 1 };
	struct ocr_result r = { 0 };
	struct batch_info b;
	struct queue_item it;
	uint64_t n;
	uint32_t num;

	assert_int_equal(store_page_add(f->s, "t", &p, "img", 3, &num), 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_OCR, &n), 0);
	assert_int_equal(n, 1); /* queued in the page's own transaction */
	assert_int_equal(store_ocr_get(f->s, f->batch, num, &r), -FOLIO_ENOTFOUND);

	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 60, &it), 1);
	assert_int_equal(store_ocr_put(f->s, f->batch, num, "Claim 1. A stapler.",
				       "<div class='ocr_page'/>", 87.5),
			 0);
	assert_int_equal(store_queue_count(f->s, QUEUE_OCR, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_ocr_get(f->s, f->batch, num, &r), 0);
	assert_string_equal(r.text, "Claim 1. A stapler.");
	assert_string_equal(r.hocr, "<div class='ocr_page'/>");
	assert_true(r.confidence > 87.4 && r.confidence < 87.6);
	store_ocr_release(&r);
	/* Replacing keeps one result; NULL hOCR reads back as "". */
	assert_int_equal(store_ocr_put(f->s, f->batch, num, "Claim 1.", NULL, 90), 0);
	assert_int_equal(store_ocr_get(f->s, f->batch, num, &r), 0);
	assert_string_equal(r.hocr, "");
	store_ocr_release(&r);
	assert_int_equal(store_batch_get(f->s, f->batch, &b), 0);
	assert_int_equal(b.n_ocr, 1);

	assert_int_equal(store_ocr_put(f->s, f->batch, 42, "x", NULL, 1), -FOLIO_ENOTFOUND);
}

/* A lease dies with the process that holds it: a stopped daemon's pages are read again. */
static void test_lease_of_a_dead_process_is_taken_back(void **state)
{
	struct fixture *f = *state;
	struct queue_stats st;
	struct queue_item it;
	int status;
	pid_t child;

	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, 1, 100), 0);
	assert_int_equal(store_queue_push(f->s, QUEUE_OCR, f->batch, 2, 100), 0);
	/* This process holds page 1 for an hour: nobody else gets it. */
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 3600, &it), 1);
	assert_int_equal(it.page, 1);
	/* Another process claims page 2 for an hour and dies without a word. */
	store_close(f->s);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct store *s;

		if (store_open(f->dir, 256, &s) < 0 ||
		    store_queue_claim(s, QUEUE_OCR, 3600, &it) != 1)
			_exit(1);
		_exit(it.page == 2 ? 0 : 1); /* no store_close(): as a SIGKILL leaves it */
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(store_open(f->dir, 256, &f->s), 0);

	/* Page 1 is still ours, page 2's owner is gone: it reads as waiting and is claimed. */
	assert_int_equal(store_queue_stats(f->s, QUEUE_OCR, &st), 0);
	assert_int_equal(st.items, 2);
	assert_int_equal(st.claimed, 1);
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 3600, &it), 1);
	assert_int_equal(it.page, 2);
	assert_int_equal(it.attempts, 2);
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 3600, &it), 0);
	/* Released: claimable again at once. */
	assert_int_equal(store_queue_release(f->s, QUEUE_OCR, f->batch, 1), 0);
	assert_int_equal(store_queue_claim(f->s, QUEUE_OCR, 3600, &it), 1);
	assert_int_equal(it.page, 1);
}

/* A batch is approved, and packaged, only when every page has its text or failed for good. */
static void test_approval_waits_for_ocr(void **state)
{
	struct fixture *f = *state;
	struct page_info p = { .batch = f->batch, .document = 1 };
	struct store_ocr_progress pr;
	uint32_t n1, n2, n3, sep;

	assert_int_equal(store_page_add(f->s, "t", &p, "one", 3, &n1), 0);
	assert_int_equal(store_page_add(f->s, "t", &p, "two", 3, &n2), 0);
	assert_int_equal(store_page_add(f->s, "t", &p, "three", 5, &n3), 0);
	assert_int_equal(store_page_add(f->s, "t", &p, "cover", 5, &sep), 0);
	assert_int_equal(store_page_set_flags(f->s, "t", f->batch, sep, PAGE_FLAG_SEPARATOR, 0), 0);
	assert_int_equal(store_queue_done(f->s, QUEUE_OCR, f->batch, sep), 0);
	assert_int_equal(store_batch_set_state(f->s, f->batch, BATCH_CLOSED, "t"), 0);

	assert_int_equal(store_batch_ocr_progress(f->s, f->batch, &pr), 0);
	assert_int_equal(pr.pages, 3); /* the cover sheet has no text to read */
	assert_int_equal(pr.waiting, 3);
	if (!IS_ENABLED(CONFIG_OCR)) {
		/* A build without OCR reads no text: nothing holds approval back. */
		assert_int_equal(store_batch_set_state(f->s, f->batch, BATCH_APPROVED, "t"), 0);
		return;
	}
	assert_int_equal(store_batch_set_state(f->s, f->batch, BATCH_APPROVED, "t"),
			 -FOLIO_EOCRPENDING);

	assert_int_equal(store_ocr_put(f->s, f->batch, n1, "text", NULL, 90), 0);
	assert_int_equal(store_ocr_put(f->s, f->batch, n2, "", NULL, 0), 0); /* a blank page */
	assert_int_equal(store_batch_set_state(f->s, f->batch, BATCH_APPROVED, "t"),
			 -FOLIO_EOCRPENDING);
	/* Failed for good: flagged and off the queue; the batch goes on, saying so. */
	assert_int_equal(store_page_set_flags(f->s, "t", f->batch, n3, PAGE_FLAG_OCR_FAILED, 0), 0);
	assert_int_equal(store_batch_ocr_progress(f->s, f->batch, &pr), 0);
	assert_int_equal(pr.waiting, 1); /* still queued */
	assert_int_equal(store_queue_done(f->s, QUEUE_OCR, f->batch, n3), 0);
	assert_int_equal(store_batch_ocr_progress(f->s, f->batch, &pr), 0);
	assert_int_equal(pr.text, 2);
	assert_int_equal(pr.failed, 1);
	assert_int_equal(pr.waiting, 0);
	assert_int_equal(store_batch_set_state(f->s, f->batch, BATCH_APPROVED, "t"), 0);
	assert_int_equal(store_batch_ocr_progress(f->s, 99, &pr), -FOLIO_ENOTFOUND);
}

/* Each test on a store of its own in a fresh folder, removed after it. */
#define STORE_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_TEST(test_priority_then_age),
		STORE_TEST(test_list_is_claim_order),
		STORE_TEST(test_capture_queues_ocr_and_result_dequeues),
		STORE_TEST(test_lease_of_a_dead_process_is_taken_back),
		STORE_TEST(test_approval_waits_for_ocr),
	};

	return cmocka_run_group_tests_name("store queues", tests, NULL, NULL);
}
