#!/bin/bash
# requires: CONFIG_SANE_FOLIO_BACKEND CONFIG_WEB
# What a clerk and a supervisor do to a batch through the clerk UI's API, each change checked
# where a user would see it (the batch as the screens show it, `folio batch show`, the event
# log): a second Start while one capture runs (409), Pause and Resume, quarter turns, split,
# merge, reorder, flags, inserting a sheet after a page, rescanning a page in place,
# deleting a page, rejecting with a reason, reopening and closing.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
web_test
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"

# The paper: four text sheets (then one signature sheet, fed for the insert and the rescan,
# so a new page is plainly not an old one). Fed at 40 sheets a minute, so a capture lasts.
pg="$FOLIO_BUILD/bin/pagegen --dpi 100 --size a5"
$pg --out text --count 4 --kind text --seed 31 >/dev/null || fail "pagegen failed"
$pg --out sig --kind signature --seed 32 >/dev/null || fail "pagegen failed"
mkdir -p feeder feeder2 sane.d
cp text/*.png feeder/
cp text/*.png feeder2/
printf 'folio\n' >sane.d/dll.conf
# feeder is the configured scanner; feeder2 a second one SANE lists, for a batch of its own
printf 'pages-per-minute 40\ndevice %s\n' "$FOLIO_TMP/feeder2" >sane.d/folio.conf

write_config() { # PORT
	make_config folio.conf "folio:$FOLIO_TMP/feeder" "[store] map_size_mb = 64" \
		"[capture] sane_config_dir = $FOLIO_TMP/sane.d" "[capture] reconnect_seconds = 0" \
		"[profile bitonal] mode = gray" "[profile bitonal] output = bitonal" \
		"[profile bitonal] resolution = 100" "[upload] window = 00:00-00:01" \
		"[web] listen = 127.0.0.1:$1" "[web] users_file = $FOLIO_TMP/web.users"
}
write_config 1
echo 'clerk-pin-1234' | $folio web user ana --role clerk >/dev/null || fail "folio web user ana"
echo 'super-pin-5678' | $folio web user bob --role supervisor >/dev/null || fail "folio web user bob"
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"

json=(-H 'Content-Type: application/json')
login() { # USER PASSWORD JAR: the CSRF token into $csrf
	call POST /api/login "${json[@]}" -c "$3" --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}"
	csrf=$(jget body csrf)
	[ "$code" = 200 ] || fail "sign-in as $1 answered $code: $(cat body)"
}
login ana clerk-pin-1234 ana.jar
ana=(-b ana.jar -H "X-CSRF-Token: $csrf")
login bob super-pin-5678 bob.jar
bob=(-b bob.jar -H "X-CSRF-Token: $csrf")
# as ROLE METHOD PATH [BODY]: a call as ana or bob, failing the test unless it answers 2xx
as() {
	local who=$1 m=$2 p=$3 body=${4:-}
	if [ "$who" = ana ]; then who=("${ana[@]}"); else who=("${bob[@]}"); fi
	if [ -n "$body" ]; then
		call "$m" "$p" "${who[@]}" "${json[@]}" --data-binary "$body"
	else
		call "$m" "$p" "${who[@]}"
	fi
	case $code in 2??) ;; *) fail "$m $p answered $code: $(cat body)" ;; esac
}
wait_idle() { # until the scanner is idle or paused again
	for _ in $(seq 300); do
		call GET /api/status -b ana.jar
		case $(jget body scanner.state) in idle | paused | fault) return ;; esac
		sleep 0.1
	done
	fail "the capture did not end: $(cat body)"
}
pause_at_first_page() { # once the capture has stored a page, Pause, until the scanner stops
	for _ in $(seq 100); do
		call GET /api/status -b ana.jar
		[ "$(jget body capture.batch_pages)" -ge 1 ] 2>/dev/null && break
		sleep 0.1
	done
	as ana POST /api/capture/pause
	wait_idle
}
order() { # the batch's page numbers in reading order, as "4 1 2 3"
	call GET "/api/batches/$b" -b ana.jar
	/usr/bin/python3 -c 'import json, sys; print(" ".join(str(p["number"]) for p in json.load(open("body"))["pages_list"]))'
}
logged() { # WHO WHAT: the event log names WHO for a WHAT on batch $b
	$folio log tail 60 | awk -v w="$1" -v e="$2" -v b="$b" '$4 == w && $5 == e && ($7 == b || $7 == b":") { f = 1 } END { exit !f }' ||
		fail "the event log has no $2 by $1 on batch $b: $($folio log tail 5)"
}

# --- capture: a second Start is refused while one runs; Pause keeps the batch open; Resume
as ana POST /api/capture '{}'
b=$(jget body batch)
call POST /api/capture "${ana[@]}" "${json[@]}" --data-binary '{}'
[ "$code" = 409 ] || fail "a second Start during a capture answered $code, not 409: $(cat body)"
pause_at_first_page
[ "$(jget body scanner.state)" = paused ] || fail "after Pause the scanner is $(jget body scanner.state)"
paused_pages=$(jget body capture.batch_pages)
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body state)" = open ] || fail "a paused batch is $(jget body state), not open"
[ "$paused_pages" -lt 4 ] || fail "Pause did not stop the feeder: $paused_pages pages"
# The paper not yet read stayed in the feeder: Resume goes on with it.
as ana POST /api/capture/resume '{}'
wait_idle
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body pages)" = 4 ] && [ "$(jget body state)" = closed ] ||
	fail "after Resume: $(jget body pages) pages, $(jget body state) (4, closed expected)"
echo "figure: paused after $paused_pages of 4 pages, resumed to 4, a second Start refused (409)"
[ "$(order)" = "1 2 3 4" ] || fail "reading order after capture: $(order)"

# --- a quarter turn: width and height swap, the image is new, the event names ana
call GET "/api/batches/$b" -b ana.jar
w=$(jget body pages_list.1.width) h=$(jget body pages_list.1.height)
as ana POST "/api/batches/$b/pages/2/rotate" '{"degrees":90}'
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body pages_list.1.width)x$(jget body pages_list.1.height)" = "${h}x$w" ] ||
	fail "page 2 turned is $(jget body pages_list.1.width)x$(jget body pages_list.1.height), not ${h}x$w"
logged ana page-rotate

# --- split after page 2, then merge back
as ana PUT "/api/batches/$b/documents/1" '{"application":"102024000000123","document_code":"CLAIMS"}'
as ana POST "/api/batches/$b/arrange" \
	'{"pages":[{"number":1,"document":1},{"number":2,"document":1},{"number":3,"document":2},{"number":4,"document":2}]}'
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body documents)" = 2 ] && [ "$(jget body pages_list.2.document)" = 2 ] ||
	fail "split: $(jget body documents) documents, page 3 in document $(jget body pages_list.2.document)"
[ "$(jget body documents_list.1.application)" = 102024000000123 ] &&
	[ "$(jget body documents_list.1.document_code)" = "" ] ||
	fail "the split-off document: $(jget body documents_list.1)"
logged ana batch-arrange
as ana POST "/api/batches/$b/arrange" \
	'{"pages":[{"number":1,"document":1},{"number":2,"document":1},{"number":3,"document":1},{"number":4,"document":1}]}'
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body documents)" = 1 ] && [ "$(jget body documents_list.0.document_code)" = CLAIMS ] ||
	fail "merge: $(jget body documents) documents, $(jget body documents_list.0)"

# --- reorder, and the order holds in `folio batch show` too
as ana POST "/api/batches/$b/arrange" \
	'{"pages":[{"number":4,"document":1},{"number":1,"document":1},{"number":2,"document":1},{"number":3,"document":1}]}'
[ "$(order)" = "4 1 2 3" ] || fail "after reorder: $(order)"
shown=$($folio batch show "$b" | awk '/^pages/ { p = 1; next } p && $1 ~ /^[0-9]+$/ { printf "%s ", $1 }')
[ "$shown" = "4 1 2 3 " ] || fail "folio batch show lists the pages as '$shown'"

# --- flags: a separator set and cleared, the clerk's check flag
as ana POST "/api/batches/$b/pages/3/flags" '{"set":["separator","check"]}'
call GET "/api/batches/$b" -b ana.jar
case $(jget body pages_list.3.flags) in *separator*check* | *check*separator*) ;;
*) fail "page 3's flags: $(jget body pages_list.3.flags)" ;; esac
case $(jget body summary.unresolved) in *"page 3: check"*) ;;
*) fail "the review does not list page 3's check flag: $(jget body summary.unresolved)" ;; esac
as ana POST "/api/batches/$b/pages/3/flags" '{"clear":["separator","check"]}'
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body pages_list.3.flags)" = "[]" ] || fail "page 3's flags after clearing: $(jget body pages_list.3.flags)"

# --- insert one sheet after page 4 (the first in reading order) of the closed batch: the
# clerk loads the new sheet (a fresh stack: the feeder starts at its first sheet)
rm feeder/*
cp sig/*.png feeder/
reload_feeder feeder
as ana POST "/api/batches/$b/insert" '{"after":4,"count":1}'
wait_idle
[ "$(order)" = "4 5 1 2 3" ] || fail "after inserting after page 4: $(order)"
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body state)" = closed ] || fail "the batch is $(jget body state) after an insert (closed before)"

# --- rescan page 2 in place: same number, same place, another image, the old hash logged
# (the clerk puts the signature sheet back in the feeder)
reload_feeder feeder
before=$($folio batch show "$b" | awk '$1 == 2 { print $6 }')
as ana POST "/api/batches/$b/rescan" '{"from":2,"to":2}'
wait_idle
[ "$(order)" = "4 5 1 2 3" ] || fail "after rescanning page 2: $(order)"
after=$($folio batch show "$b" | awk '$1 == 2 { print $6 }')
[ "$before" != "$after" ] || fail "page 2 has the same size ($after bytes) after its rescan"
logged ana page-rescan

# --- delete (a supervisor), reject with a reason, reopen, close
as bob DELETE "/api/batches/$b/pages/5"
[ "$(order)" = "4 1 2 3" ] || fail "after deleting page 5: $(order)"
logged bob page-delete
as bob POST "/api/batches/$b/reject" '{"reason":"page 3 is upside down"}'
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body state)" = rejected ] || fail "rejected batch is $(jget body state)"
$folio log tail 60 | grep -q "batch-reject-reason.*page 3 is upside down" ||
	fail "the reason is not in the event log: $($folio log tail 4)"
as ana POST "/api/batches/$b/reopen"
as ana POST "/api/batches/$b/close"
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body state)" = closed ] || fail "reopened and closed batch is $(jget body state)"
echo "figure: batch $b: turned, split, merged, reordered, flagged, 1 sheet inserted, 1 rescanned, 1 deleted, rejected, reopened"

# --- a batch remembers its scanner (issue 19): started on feeder2, paused and resumed with no
# scanner named (as the UI's Resume does), it goes on there and not on the configured one;
# an insert feeds from it too; another scanner is taken only when named, and logged
place() { cat feeder/.folio-feeder 2>/dev/null; } # where the configured feeder's paper is
before=$(place)
as ana POST /api/capture "{\"device\":\"folio:$FOLIO_TMP/feeder2\"}"
b=$(jget body batch)
pause_at_first_page
as ana POST /api/capture/resume "{\"batch\":$b}"
wait_idle
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body pages)" = 4 ] && [ "$(jget body state)" = closed ] ||
	fail "batch $b resumed: $(jget body pages) pages, $(jget body state) (4 from feeder2, closed expected)"
[ "$(jget body device)" = "folio:$FOLIO_TMP/feeder2" ] || fail "batch $b names scanner '$(jget body device)'"
[ "$(place)" = "$before" ] || fail "resuming batch $b fed from the configured scanner ($(place))"
cp sig/*.png feeder2/sig.png # sorts after the text sheets already fed
as ana POST "/api/batches/$b/insert" '{"after":1,"count":1}'
wait_idle
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body pages)" = 5 ] || fail "insert into batch $b from its scanner: $(jget body pages) pages, not 5"
grep -qx 'fed sig.png' feeder2/.folio-feeder || fail "the insert into batch $b did not feed from feeder2"
[ "$(place)" = "$before" ] || fail "the insert into batch $b fed from the configured scanner"
! $folio log tail 60 | grep -q capture-device-change || fail "no scanner was named, yet a change is logged"
reload_feeder feeder # the signature sheet, on the configured scanner this time
as ana POST "/api/batches/$b/insert" "{\"after\":1,\"count\":1,\"device\":\"folio:$FOLIO_TMP/feeder\"}"
wait_idle
call GET "/api/batches/$b" -b ana.jar
[ "$(jget body pages)" = 6 ] || fail "insert from the named scanner: $(jget body pages) pages, not 6"
[ "$(place)" != "" ] || fail "the named scanner fed nothing"
logged ana capture-device-change
echo "figure: batch $b resumed and inserted into on its own scanner; another scanner named and logged"
