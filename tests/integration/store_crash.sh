#!/bin/bash
# requires: CONFIG_OCR
# Crash torture: SIGKILL `folio scan` (and foliod's delivery cycle) at random moments, 100 times
# in a row on one store (50 under the sanitizers, where every run is slower: the recovery paths
# are the same, and the plain run does all 100). After every kill the store opens, `folio store
# check` passes, and every page that was reported captured is there with its hash.
#
# "Reported captured": `folio -v scan` logs "store: batch B page P committed, sha256 H" for a
# page only after its durable commit returned; every such line must be matched by page P of
# batch B with hash H among the intact pages `folio store check --pages` lists.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

make_config "$FOLIO_TMP/folio.conf" test:0
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
foliod="$FOLIO_BUILD/bin/foliod --config $FOLIO_TMP/folio.conf"
runs=${STORE_CRASH_RUNS:-$([ -n "$FOLIO_SANITIZE" ] && echo 50 || echo 100)}
scans=0 scan_kills=0 deliveries=0 delivery_kills=0 checks=0
: >reported

# Random delay of 0..$1 milliseconds, as sleep(1) takes it.
delay() {
	local ms=$((RANDOM * 32768 % $1 + RANDOM % $1))

	ms=$((ms % $1))
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# Kill delays spread over the time a whole scan takes on this machine (and this build).
start=$EPOCHREALTIME
$folio -v scan --max-pages 3 >/dev/null 2>calibrate.err || fail "scan failed: $(cat calibrate.err)"
grep -o 'store: batch [0-9]* page [0-9]* committed, sha256 [0-9a-f]*' calibrate.err |
	awk '{ print $3, $5, $8 }' >>reported
scan_ms=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1500 + 1 }')

for i in $(seq 1 "$runs"); do
	if [ $((i % 5)) = 0 ]; then
		# foliod's cycle: approve what is closed and read (the text of a batch comes
		# first: foliod's OCR reads the rest), deliver, kill it on the way.
		for b in $($folio batch list | awk '$2 == "closed" { print $1 }'); do
			index_batch "$b"
			$folio batch approve "$b" >/dev/null 2>approve.err ||
				grep -q "pages is still being read" approve.err ||
				fail "cannot approve batch $b: $(cat approve.err)"
		done
		$foliod --once >deliver.$i.err 2>&1 &
		pid=$!
		deliveries=$((deliveries + 1))
		sleep "$(delay 60)"
		kill -9 $pid 2>/dev/null && delivery_kills=$((delivery_kills + 1))
		wait $pid 2>/dev/null
	else
		# A scan of a few sheets, continuing an interrupted batch half of the time.
		resume=
		open=$($folio batch list | awk '$2 == "open" { print $1 }' | tail -n 1)
		[ -n "$open" ] && [ $((RANDOM % 2)) = 0 ] && resume="--resume $open"
		$folio -v scan --max-pages 3 $resume >scan.$i.out 2>scan.$i.err &
		pid=$!
		scans=$((scans + 1))
		sleep "$(delay "$scan_ms")"
		kill -9 $pid 2>/dev/null && scan_kills=$((scan_kills + 1))
		wait $pid 2>/dev/null
		grep -o 'store: batch [0-9]* page [0-9]* committed, sha256 [0-9a-f]*' scan.$i.err |
			awk '{ print $3, $5, $8 }' >>reported
	fi

	$folio store check --pages >pages.txt 2>check.err ||
		fail "after kill $i the store check fails: $(cat check.err)"
	checks=$((checks + 1))
	missing=$(sort -u reported | comm -23 - <(sort -u pages.txt))
	[ -z "$missing" ] || fail "after kill $i, pages reported captured are missing: $missing"
	rm -f scan.$i.out scan.$i.err deliver.$i.err
done

n_reported=$(sort -u reported | wc -l)
[ "$n_reported" -gt 0 ] || fail "no page was reported captured in $runs runs: the torture tested nothing"
[ $scan_kills -gt 0 ] || fail "no scan was killed while running: the torture tested nothing"

# Afterwards the station carries on: OCR killed half-way reads every page again, the killed
# deliveries finish and everything checks.
$folio ocr 2>ocr.err || fail "OCR after the torture failed: $(cat ocr.err)"
for b in $($folio batch list | awk '$2 == "closed" { print $1 }'); do
	index_batch "$b"
	$folio batch approve "$b" >/dev/null 2>&1 || fail "cannot approve batch $b"
done
$foliod --once >deliver.err 2>&1 || fail "delivery after the torture failed: $(cat deliver.err)"
left=$($folio batch list | awk '$2 == "approved" || $2 == "packaged"' | wc -l)
[ "$left" = 0 ] || fail "$left approved batches were not delivered after the torture: $($folio batch list)"
$folio store check >/dev/null 2>check.err || fail "final store check fails: $(cat check.err)"
for m in "$FOLIO_TMP"/outbox/*/MANIFEST.sha256; do
	[ -f "$m" ] || continue
	(cd "$(dirname "$m")" && sha256sum --quiet -c MANIFEST.sha256) >/dev/null 2>&1 ||
		fail "delivered package $(dirname "$m") does not match its manifest"
done

echo "figure: crash torture: $runs SIGKILLs in a row ($scans scans of ${scan_ms} ms at most, $scan_kills killed mid-run;" \
	"$deliveries deliveries, $delivery_kills killed mid-run); $n_reported pages reported" \
	"captured, all present with their hash; store check passed $checks/$runs"
