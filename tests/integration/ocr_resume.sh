#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# OCR is complete, or it says so. foliod is stopped in the middle of OCR, once politely
# (SIGTERM) and once not at all (SIGKILL): no page stays "being read" by a daemon that is gone,
# the next cycle reads every page, approval waits for it, and the package holds the text of
# every text page.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"

folio="$FOLIO_BUILD/bin/folio --config folio.conf"
foliod="$FOLIO_BUILD/bin/foliod --config folio.conf"
feeder_config <<EOF
[ocr]
workers = 2
[upload]
target = file://$FOLIO_TMP/outbox
EOF
"$FOLIO_BUILD/bin/pagegen" --out stack --first 1 --count 8 --dpi 300 --kind text --seed 7 \
	>/dev/null || fail "pagegen failed"
b=$($folio scan 2>err) || fail "scan failed: $(cat err)"

# being_read: the pages `folio ocr status` says are being read now (0 when none).
being_read() {
	$folio ocr status | sed -n 's/^waiting .*(\([0-9]*\) being read now).*/\1/p' | grep . || echo 0
}

# stop_in_ocr SIGNAL: starts foliod, waits until its workers read pages, then sends SIGNAL.
stop_in_ocr() {
	local pid n=0
	$foliod 2>"foliod-$1.log" &
	pid=$!
	for _ in $(seq 600); do
		n=$(being_read)
		[ "$n" -gt 0 ] && break
		kill -0 $pid 2>/dev/null || fail "foliod ended before OCR: $(cat "foliod-$1.log")"
		sleep 0.1
	done
	[ "$n" -gt 0 ] || fail "foliod read no page within a minute: $(cat "foliod-$1.log")"
	kill -"$1" $pid
	wait $pid 2>/dev/null
	# The daemon is gone: whatever it held is waiting again, not "being read".
	n=$(being_read)
	[ "$n" = 0 ] || fail "after SIG$1, $n pages are still 'being read' by a daemon that is gone: $($folio ocr status)"
	echo "figure: foliod stopped by SIG$1 in the middle of OCR: $($folio ocr status | sed -n 's/^waiting *//p') waiting, none held"
}

stop_in_ocr TERM
stop_in_ocr KILL

# Not approved while pages wait: one line, and the batch stays closed.
index_batch "$b"
expect_fail 1 "batch $b: text of" $folio batch approve "$b"
$folio batch show "$b" | grep -qE '^  state +closed$' || fail "a refused approval changed the batch"

# The next cycle finishes every page (workers of the killed daemon may still finish theirs).
$foliod --once 2>once.log || fail "foliod --once failed: $(cat once.log)"
$folio batch show "$b" | grep -qE '^  text +for 8 of 8 pages, 0 failed for good, 0 waiting$' ||
	fail "the next cycle did not read every page: $($folio batch show "$b" | grep text) $($folio ocr status)"
$folio batch approve "$b" >/dev/null 2>err || fail "approval after OCR refused: $(cat err)"
$foliod --once 2>once.log || fail "delivery failed: $(cat once.log)"
pkg=$(ls -d outbox/TEST-01-*-B000001) || fail "nothing delivered: $(cat once.log)"
[ "$(find "$pkg" -name 'P*.txt' -size +100c | wc -l)" = 8 ] ||
	fail "the package lacks the text of some pages: $(find "$pkg" -name 'P*.txt')"
grep -qx 'pages with text: 8' "$pkg/BATCH.txt" || fail "BATCH.txt does not count the text: $(cat "$pkg/BATCH.txt")"
echo "figure: after SIGTERM and SIGKILL mid-OCR, the next cycle read 8 of 8 pages"
