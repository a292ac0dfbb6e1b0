#!/bin/bash
# requires: CONFIG_OCR CONFIG_WEB CONFIG_CONSOLE
# The station's rules live once (firmware/core), below its front ends: the same request gets
# the same answer from `folio`, the serial console (tests/integration/console_pty.c) and the
# clerk UI. Here the command line and the clerk UI's API, on one batch whose document has no
# application number (as an unreadable cover sheet leaves it): approval is refused (and of a
# batch that is not there), so are a rejection without a reason, reopening a batch that is not
# rejected, editing a document or delivering in grey a page the batch does not have, in the
# same words, and nothing changes; indexed, it is approved, and then no change of it is
# possible, in the same words again.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
web_test

write_config() { # PORT
	make_config folio.conf test:0
	printf '[document]\nip_type = patent\ndocument_code = SCAN\n' >>folio.conf
	printf '[web]\nlisten = 127.0.0.1:%s\nusers_file = %s/web.users\n' "$1" "$FOLIO_TMP" \
		>>folio.conf
}
write_config 1
b=$($folio scan --source adf 2>scan.err) || fail "scan failed: $(cat scan.err)"
$folio ocr --batch "$b" 2>ocr.err || fail "OCR failed: $(cat ocr.err)"
state() { $folio batch show "$1" | awk '$1 == "state" { print $2 }'; }
[ "$(state "$b")" = closed ] || fail "batch $b is $(state "$b") after its scan, not closed"

# --- the command line
no_number="batch $b, document 1: no application number: index it before approving"
no_reason="say why batch $b is rejected"
not_rejected="batch $b is closed: only a rejected batch reopens"
expect_fail 1 "$no_number" $folio batch approve "$b"
expect_fail 1 "$no_reason" $folio batch reject "$b"
expect_fail 1 "$no_reason" $folio batch reject "$b" --reason "  "
expect_fail 1 "$not_rejected" $folio batch reopen "$b"
no_batch="no batch 99 in the store"
expect_fail 1 "$no_batch" $folio batch approve 99
no_page="batch $b has no page 99"
expect_fail 1 "$no_page" $folio page grey --batch "$b" --page 99
no_doc="batch $b has no document 2"
expect_fail 1 "$no_doc" $folio doc set --batch "$b" --doc 2 --doc-code CLAIMS
[ "$(state "$b")" = closed ] || fail "batch $b is $(state "$b") after refusals on the command line"
$folio log tail 100 | grep -qE -- '-> (approved|rejected)|reject-reason' && fail "a refusal wrote an event: $($folio log tail 5)"

# --- the clerk UI: the same requests, the same words
echo 'super-pin-5678' | $folio web user bob --role supervisor >/dev/null || fail "folio web user bob"
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"
json=(-H 'Content-Type: application/json')
call POST /api/login "${json[@]}" -c bob.jar --data-binary '{"user":"bob","password":"super-pin-5678"}'
[ "$code" = 200 ] || fail "sign-in as bob answered $code: $(cat body)"
bob=(-b bob.jar -H "X-CSRF-Token: $(jget body csrf)")
call GET "/api/batches/$b" "${bob[@]}"
rev=$(jget body revision)
# A problem is a code with parameters for the screens, and the same English words.
[ "$(jget body documents_list.0.problems)" = \
	'[{"code":"doc-no-application","params":{"doc":1},"message":"no application number"}]' ] ||
	fail "the clerk UI shows the document's problems as $(jget body documents_list.0.problems)"
call POST "/api/batches/$b/approve" "${bob[@]}" "${json[@]}" --data-binary "{\"revision\":$rev}"
[ "$code" = 422 ] || fail "approving an unindexed batch answered $code, not 422: $(cat body)"
[ "$(jget body error)" = "$no_number" ] ||
	fail "the clerk UI refuses approval with '$(jget body error)', folio with '$no_number'"
[ "$(jget body code)" = batch-doc-problem ] && [ "$(jget body params.problem)" = doc-no-application ] &&
	[ "$(jget body params.batch)" = "$b" ] && [ "$(jget body params.doc)" = 1 ] &&
	[ "$(jget body message)" = "$no_number" ] ||
	fail "the approval refusal's code and parameters: $(cat body)"
for reason in '{}' '{"reason":""}' '{"reason":"  "}'; do
	call POST "/api/batches/$b/reject" "${bob[@]}" "${json[@]}" --data-binary "$reason"
	[ "$code" = 400 ] && [ "$(jget body field)" = reason ] ||
		fail "rejecting with $reason answered $code: $(cat body)"
	[ "$(jget body error)" = "$no_reason" ] ||
		fail "the clerk UI refuses $reason with '$(jget body error)', folio with '$no_reason'"
	[ "$(jget body code)" = batch-no-reason ] || fail "the rejection refusal's code: $(cat body)"
done
call POST "/api/batches/$b/reopen" "${bob[@]}"
[ "$code" = 409 ] || fail "reopening a closed batch answered $code, not 409: $(cat body)"
[ "$(jget body error)" = "$not_rejected" ] ||
	fail "the clerk UI refuses reopening with '$(jget body error)', folio with '$not_rejected'"
[ "$(jget body code)" = batch-not-rejected ] && [ "$(jget body params.state)" = closed ] ||
	fail "the reopening refusal's code and parameters: $(cat body)"
call POST /api/batches/99/approve "${bob[@]}" "${json[@]}" --data-binary '{"revision":1}'
[ "$code" = 404 ] && [ "$(jget body code)" = batch-not-found ] && [ "$(jget body error)" = "$no_batch" ] ||
	fail "approving a batch that is not there answered $code: $(cat body), folio '$no_batch'"
call POST "/api/batches/$b/pages/99/grey" "${bob[@]}" "${json[@]}" --data-binary '{}'
[ "$code" = 404 ] && [ "$(jget body code)" = page-not-found ] && [ "$(jget body error)" = "$no_page" ] ||
	fail "delivering in grey a page that is not there answered $code: $(cat body), folio '$no_page'"
call PUT "/api/batches/$b/documents/2" "${bob[@]}" "${json[@]}" --data-binary '{"document_code":"CLAIMS"}'
[ "$code" = 404 ] && [ "$(jget body code)" = doc-not-found ] ||
	fail "editing a document the batch does not have answered $code: $(cat body)"
[ "$(jget body error)" = "$no_doc" ] ||
	fail "the clerk UI refuses the edit with '$(jget body error)', folio with '$no_doc'"
call GET "/api/batches/$b" "${bob[@]}"
[ "$(jget body state)" = closed ] || fail "batch $b is $(jget body state) after refusals in the clerk UI"
stop_foliod

# --- indexed, the batch is approved (a reason, and the batch is rejected)
$folio doc set --batch "$b" --doc 1 --application 102024000000123 >/dev/null 2>set.err ||
	fail "doc set failed: $(cat set.err)"
$folio batch approve "$b" >approve.out 2>approve.err || fail "approval refused: $(cat approve.err)"
grep -qx "batch $b: closed -> approved" approve.out || fail "folio batch approve said: $(cat approve.out)"
b2=$($folio scan --source adf 2>scan.err) || fail "second scan failed: $(cat scan.err)"
$folio batch reject "$b2" --reason "pages out of order" >/dev/null 2>reject.err ||
	fail "rejection with a reason refused: $(cat reject.err)"
[ "$(state "$b2")" = rejected ] || fail "batch $b2 is $(state "$b2") after its rejection"
$folio log tail 20 | grep -q "batch-reject-reason.*pages out of order" ||
	fail "the event log has no reason for the rejection: $($folio log tail 5)"
$folio batch reopen "$b2" >reopen.out 2>reopen.err || fail "reopening a rejected batch refused: $(cat reopen.err)"
grep -qx "batch $b2: rejected -> open" reopen.out || fail "folio batch reopen said: $(cat reopen.out)"
# --- approved, the batch no longer changes: every change is refused in the same words (the
# station may package it meanwhile: its state is the one word that may differ)
frozen="what goes into its package can no longer change (reject it first to correct it)"
expect_fail 1 "$frozen" $folio doc set --batch "$b" --doc 1 --doc-code CLAIMS
expect_fail 1 "$frozen" $folio page grey --batch "$b" --page 1
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"
call POST /api/login "${json[@]}" -c bob.jar --data-binary '{"user":"bob","password":"super-pin-5678"}'
[ "$code" = 200 ] || fail "sign-in as bob answered $code: $(cat body)"
bob=(-b bob.jar -H "X-CSRF-Token: $(jget body csrf)")
for change in "DELETE /api/batches/$b/pages/1" "POST /api/batches/$b/pages/1/rotate {\"degrees\":90}" \
	"POST /api/batches/$b/pages/1/flags {\"set\":[\"check\"]}" "POST /api/batches/$b/pages/1/grey {}" \
	"PUT /api/batches/$b/documents/1 {\"document_code\":\"CLAIMS\"}"; do
	set -- $change
	call "$1" "$2" "${bob[@]}" "${json[@]}" ${3:+--data-binary "$3"}
	[ "$code" = 409 ] && [ "$(jget body code)" = batch-frozen ] &&
		[[ $(jget body error) == "batch $b is "[a-z]*": $frozen" ]] ||
		fail "$1 $2 of an approved batch answered $code: $(cat body), folio '... $frozen'"
done
stop_foliod
echo "figure: approving an unindexed batch, rejecting without a reason, reopening a closed batch, editing a missing document or page: refused in the same words by folio and the clerk UI, and so is every change of an approved batch"
