#ifndef FOLIO_CORE_MESSAGE_H
#define FOLIO_CORE_MESSAGE_H

/*
 * Messages for people, by code: every refusal and problem that a front end shows is a code
 * (stable, lower-case words with '-') with named parameters, and an English text made from
 * the code's template. `folio` and the console print the English text; the clerk UI sends
 * code, parameters and text, and its screens say it in the clerk's language from their own
 * tables (firmware/web/static/i18n.js, key "msg.<code>"; tests/web/i18n_check.js checks that
 * every code of MSG_TABLE has its translations, with the same {names}).
 *
 * A template names parameters as {name}. A parameter holds a number, a text, or another code
 * (whose English template is put in its place, with the same parameters). Parameter names the
 * screens translate: state and to (a batch state), field (an index field), flags (page flag
 * names, ", " between), problem (a code).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* X(ENUM, "code", "English template"): one line each, what the UI and its test read. */
#define MSG_TABLE(X)                                                                               \
	X(DOC_NO_APPLICATION, "doc-no-application", "no application number")                       \
	X(DOC_NO_DOCUMENT_CODE, "doc-no-document-code", "no document code")                        \
	X(DOC_FIELD_INVALID, "doc-field-invalid", "{detail}")                                      \
	X(DOC_PROBLEM, "doc-problem", "document {doc}: {problem}")                                 \
	X(DOC_NOT_FOUND, "doc-not-found", "batch {batch} has no document {doc}")                   \
	X(DOC_UNREADABLE, "doc-unreadable",                                                        \
	  "cannot read document {doc} of batch {batch}: {error}")                                  \
	X(BATCH_NOT_FOUND, "batch-not-found", "no batch {batch} in the store")                     \
	X(BATCH_UNREADABLE, "batch-unreadable", "cannot read batch {batch}: {error}")              \
	X(BATCH_DOC_PROBLEM, "batch-doc-problem",                                                  \
	  "batch {batch}, document {doc}: {problem}: index it before approving")                   \
	X(BATCH_OCR_PENDING, "batch-ocr-pending",                                                  \
	  "batch {batch}: text of {waiting} of {pages} pages is still being read: approve it "     \
	  "when OCR is finished")                                                                  \
	X(BATCH_CHANGED, "batch-changed",                                                          \
	  "batch {batch} changed after it was reviewed: look at it again before approving")        \
	X(BATCH_STATE, "batch-state", "batch {batch} is {state} and cannot become {to}")           \
	X(BATCH_CHANGE_FAILED, "batch-change-failed", "cannot change batch {batch}: {error}")      \
	X(BATCH_NO_REASON, "batch-no-reason", "say why batch {batch} is rejected")                 \
	X(BATCH_NOT_REJECTED, "batch-not-rejected",                                                \
	  "batch {batch} is {state}: only a rejected batch reopens")                               \
	X(BATCH_FROZEN, "batch-frozen",                                                            \
	  "batch {batch} is {state}: what goes into its package can no longer change (reject it "  \
	  "first to correct it)")                                                                  \
	X(BATCH_SCANNING, "batch-scanning",                                                        \
	  "batch {batch} is being scanned: stop the capture first")                                \
	X(PAGE_FLAGS, "page-flags", "page {page}: {flags}")                                        \
	X(PAGE_NOT_FOUND, "page-not-found", "batch {batch} has no page {page}")                    \
	X(PAGE_NO_TEXT, "page-no-text",                                                            \
	  "page {page} has no text yet: OCR reads it in the background")                           \
	X(PAGE_IS_GREY, "page-is-grey", "page {page} is already delivered in grey or colour")      \
	X(PAGE_NO_GREY, "page-no-grey",                                                            \
	  "page {page} has no grey image kept: rescan it with a grey profile")                     \
	X(OCR_WAITING, "ocr-waiting", "text of {waiting} of {pages} pages is still being read")    \
	X(MORE_PROBLEMS, "more-problems", "... and {n} more")                                      \
	X(REQ_BAD_FIELD, "req-bad-field", "'{field}' is missing or not valid")                     \
	X(REQ_NOT_JSON, "req-not-json", "the request is not valid JSON: {detail}")                 \
	X(REQ_NOT_OBJECT, "req-not-object", "the request must be a JSON object")                   \
	X(REQ_TOO_LARGE, "req-too-large", "request too large (at most {kib} KiB)")                 \
	X(REQ_NOT_JSON_TYPE, "req-not-json-type", "send the request as application/json")          \
	X(REQ_BAD_NUMBER, "req-bad-number",                                                        \
	  "batch, document and page numbers are whole numbers from 1")                             \
	X(REQ_NOT_FOUND, "req-not-found", "nothing here: check the address")                       \
	X(REQ_NO_FILE, "req-no-file", "no page '/{name}' on this station")                         \
	X(REQ_WRONG_HOST, "req-wrong-host",                                                        \
	  "this station does not answer to that host name: use its address or a name in [web] "    \
	  "hostnames")                                                                             \
	X(REQ_OTHER_SITE, "req-other-site", "request from another site refused")                   \
	X(REQ_STALE_PAGE, "req-stale-page", "the page is out of date: reload it and try again")    \
	X(REQ_NO_MEMORY, "req-no-memory", "out of memory")                                         \
	X(AUTH_NEEDED, "auth-needed", "not signed in, or signed out after a pause: sign in again") \
	X(AUTH_SUPERVISOR, "auth-supervisor", "only a supervisor may do this: ask one to sign in") \
	X(AUTH_ENTER, "auth-enter", "enter your user name and password")                           \
	X(AUTH_LOCKED, "auth-locked", "too many failed sign-ins: wait {seconds} seconds")          \
	X(AUTH_WRONG, "auth-wrong", "wrong user name or password")                                 \
	X(AUTH_FULL, "auth-full",                                                                  \
	  "every session of the station is in use: ask someone to sign out, then try again")       \
	X(AUTH_BROKEN, "auth-broken",                                                              \
	  "sign-in is not possible on this station now: call the technician")                      \
	X(LANG_INVALID, "lang-invalid", "language must be en, fr or ar")                           \
	X(CAPTURE_REFUSED, "capture-refused", "{detail}")                                          \
	X(CAPTURE_NO_BATCH, "capture-no-batch", "no batch to continue: start a new one")           \
	X(CAPTURE_NO_DEVICE, "capture-no-device",                                                  \
	  "no scanner chosen: set [capture] device or pick one")                                   \
	X(CAPTURE_NO_PROFILE, "capture-no-profile",                                                \
	  "no scanner profile '{name}': pick one of the list")                                     \
	X(CAPTURE_BUSY, "capture-busy", "a capture is already running: pause or stop it first")    \
	X(CAPTURE_STORE_FULL, "capture-store-full",                                                \
	  "the store is full: upload or purge before scanning")                                    \
	X(CAPTURE_NO_BATCH_STORED, "capture-no-batch-stored", "cannot start a batch in the store") \
	X(CAPTURE_FAILED, "capture-failed", "cannot start the capture: {error}")                   \
	X(CAPTURE_NOT_RUNNING, "capture-not-running", "no capture is running")                     \
	X(RANGE_INVALID, "range-invalid", "a range runs from 'from' to 'to', at most 1000 pages")  \
	X(STATE_UNKNOWN, "state-unknown", "no batch state '{name}'")                               \
	X(APPROVE_NO_REVISION, "approve-no-revision",                                              \
	  "approval names the revision of the batch you reviewed: reload the batch and approve "   \
	  "again")                                                                                 \
	X(ARRANGE_INVALID, "arrange-invalid",                                                      \
	  "the new order must name every page of the batch once, with documents numbered 1, 2, "   \
	  "... in order")                                                                          \
	X(SIZE_INVALID, "size-invalid", "size is thumb or view")                                   \
	X(DEGREES_INVALID, "degrees-invalid", "turn by 90, 180 or 270 degrees")                    \
	X(FLAGS_INVALID, "flags-invalid",                                                          \
	  "flags are lists of:{names} (ocr_failed and auto_* are the station's own)")              \
	X(SEARCH_FIELD_INVALID, "search-field-invalid",                                            \
	  "{field}: at most {max} characters, and no control characters")                          \
	X(SEARCH_DATE, "search-date",                                                              \
	  "{field}: '{value}' is not a day of the calendar: write it YYYY-MM-DD")                  \
	X(SEARCH_DATE_ORDER, "search-date-order",                                                  \
	  "the dates run backwards: {first} comes after {last}")                                   \
	X(SEARCH_NO_WORDS, "search-no-words",                                                      \
	  "'{value}' has no word to look for: words have two letters or digits at least")          \
	X(SEARCH_NO_INDEX, "search-no-index",                                                      \
	  "the text index is missing or out of date: ask the technician to run 'folio store "      \
	  "reindex'")                                                                              \
	X(SEARCH_TOO_BROAD, "search-too-broad",                                                    \
	  "too much to look for: at most 16 words, and a longer beginning before '*'")             \
	X(SEARCH_REBUILDING, "search-rebuilding",                                                  \
	  "the text index is being rebuilt: search the text again in a few minutes")               \
	X(SEARCH_PREFIX_SEALED, "search-prefix-sealed",                                            \
	  "this store is sealed and its text index knows whole words only: search without '*'")    \
	X(SEARCH_FAILED, "search-failed", "cannot search: {error}")                                \
	X(STORE_STATE, "store-state", "{what}: not possible in the batch's current state")         \
	X(STORE_NOT_FOUND, "store-not-found", "{what}: no such batch or page")                     \
	X(STORE_FULL, "store-full", "{what}: the store is full: upload or purge before scanning")  \
	X(STORE_ERROR, "store-error", "{what}: {error}")

enum msg_code {
#define MSG_ENUM(e, code, text) MSG_##e,
	MSG_TABLE(MSG_ENUM)
#undef MSG_ENUM
	    MSG__COUNT
};

#define MSG_TEXT_LEN 256 /* a message's English text, terminator included */
#define MSG_PARAMS_MAX 6
#define MSG_PARAM_TEXT 160

enum msg_kind { MSG_KIND_NUM, MSG_KIND_TEXT, MSG_KIND_CODE };

/* One named value; name is a string literal (the message keeps the pointer). */
struct msg_param {
	const char *name;
	enum msg_kind kind;
	uint64_t num;
	char text[MSG_PARAM_TEXT]; /* MSG_KIND_TEXT; MSG_KIND_CODE: the code's name */
};

/* A message: its code, its parameters and its English text. Embedded, no release needed. */
struct msg {
	enum msg_code code;
	size_t n_params;
	struct msg_param params[MSG_PARAMS_MAX];
	char text[MSG_TEXT_LEN];
};

/* msg_code_name - the code's stable name ("batch-state"); msg_template - its English template */
const char *msg_code_name(enum msg_code code);
const char *msg_template(enum msg_code code);

/*
 * msg_init - start @m as @code with no parameters (and its template, unfilled, as text)
 * msg_num, msg_str, msg_sub - add a number, a text (cut at MSG_PARAM_TEXT - 1 bytes, at a
 * character boundary) or another code as parameter @name (a string literal); beyond
 * MSG_PARAMS_MAX they are dropped (a programmer error, asserted in debug builds)
 * msg_render - fill @m->text from the template and the parameters
 */
void msg_init(struct msg *m, enum msg_code code);
void msg_num(struct msg *m, const char *name, uint64_t value);
void msg_str(struct msg *m, const char *name, const char *value);
void msg_sub(struct msg *m, const char *name, enum msg_code code);
void msg_render(struct msg *m);

/*
 * msg_copy_params - add @from's parameters to @m (the ones not already named), to nest a
 * problem's parameters in the message that names it
 */
void msg_copy_params(struct msg *m, const struct msg *from);

/* msg_param_text - the text of @m's parameter @name, or NULL when it has none or it is empty */
const char *msg_param_text(const struct msg *m, const char *name);

/* msg_set - msg_render(@m) and return @r: `return msg_set(-FOLIO_ESTATE, why);` */
int msg_set(int r, struct msg *m);

#endif
