#!/bin/bash
# requires: CONFIG_OCR
# A package is built only when it is sent, and waits nowhere in clear: outside the upload
# window an approved batch stays approved with nothing staged; a delivery that fails leaves no
# staged copy; what a stopped run left in <store>/outgoing is removed before the next one; the
# package built again is the same bytes, so the delivery resumes on what already arrived; and
# after delivery nothing of it remains beside the store.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

make_config "$FOLIO_TMP/folio.conf" test:0
h=$(((10#$(date +%H) + 12) % 24))
printf 'window = %02d:00-%02d:30\n' $h $h >>folio.conf
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
outgoing=$FOLIO_TMP/store/outgoing

# staged_files: what lies in <store>/outgoing (nothing, or not even the folder)
staged_files() {
	[ -d "$outgoing" ] && find "$outgoing" -mindepth 1 -printf '%P\n'
}

batch=$($folio scan --max-pages 2 2>scan.err) || fail "scan failed: $(cat scan.err)"
$folio ocr --batch "$batch" --wait >/dev/null 2>ocr.err || fail "folio ocr failed: $(cat ocr.err)"
index_batch "$batch"
$folio batch approve "$batch" >/dev/null 2>approve.err || fail "approve failed: $(cat approve.err)"

# --- approved outside the window: nothing built, nothing staged
$folio upload 2>upload.err || fail "folio upload outside the window failed: $(cat upload.err)"
grep -q 'outside the upload window' upload.err || fail "no word of the window: $(cat upload.err)"
[ -z "$(staged_files)" ] || fail "a package was staged outside the window: $(staged_files)"
$folio batch show "$batch" | grep -qE '^  state +approved' ||
	fail "batch left approved outside the window: $($folio batch show "$batch")"

# The clerk's explicit export, for comparison (it writes where the clerk says, as before).
ref=$($folio export --batch "$batch" --out ref 2>export.err) || fail "export failed: $(cat export.err)"
name=$(basename "$ref")

# --- a delivery that fails half-way (another file holds BATCH.txt's name at the office):
# the batch is packaged, nothing of it stays staged
mkdir -p "outbox/$name"
echo "someone else's" >"outbox/$name/BATCH.txt"
$folio upload --now >upload.out 2>upload.err && fail "delivered over another file: $(cat upload.err)"
grep -q "BATCH.txt' on the server has 15 bytes" upload.err || fail "unclear failure: $(cat upload.err)"
$folio batch show "$batch" | grep -qE '^  state +packaged' ||
	fail "batch not packaged after a failed delivery: $($folio batch show "$batch")"
[ -z "$(staged_files)" ] || fail "a failed delivery left a staged package: $(staged_files)"

# --- a run that stopped (a crash, a power cut) left a staged package: removed before the next
mkdir -p "$outgoing/.$name.partial/D0001" "$outgoing/$name"
cp "$ref/BATCH.txt" "$outgoing/$name/"
cp "$ref/BATCH.txt" "$outgoing/.$name.partial/D0001/"
rm -r "outbox/$name" # the office clears the name: the package goes up whole
$folio upload --now >upload.out 2>upload.err || fail "delivery failed: $(cat upload.err)"
grep -q 'removed 2 staged packages left by a delivery that stopped' upload.err ||
	fail "leftovers not reported removed: $(cat upload.err)"
grep -q '^delivered 1 batch' upload.out || fail "not delivered: $(cat upload.out)"
[ -z "$(staged_files)" ] || fail "staged copies remain after delivery: $(staged_files)"
$folio batch show "$batch" | grep -qE '^  state +delivered' ||
	fail "batch not delivered: $($folio batch show "$batch")"

# Built three times (export, failed delivery, delivery): the same bytes each time, so a
# delivery that resumes finds what already arrived unchanged.
diff -r "$ref" "outbox/$name" >diff.out || fail "the delivered package differs from the export: $(head -n 5 diff.out)"
(cd "outbox/$name" && sha256sum --quiet -c MANIFEST.sha256) || fail "sha256sum -c rejects the delivered manifest"

# --- foliod outside the window sweeps what a stopped run left, and builds nothing
mkdir -p "$outgoing/$name-stale"
echo text >"$outgoing/$name-stale/P0001.txt"
"$FOLIO_BUILD/bin/foliod" --config folio.conf >foliod.log 2>&1 &
daemon=$!
for i in $(seq 200); do
	[ -z "$(staged_files)" ] && break
	kill -0 "$daemon" 2>/dev/null || fail "foliod exited: $(tail -n 5 foliod.log)"
	sleep 0.05
done
kill "$daemon"
wait "$daemon"
[ -z "$(staged_files)" ] || fail "foliod left a staged package outside the window: $(staged_files)"
grep -q 'removed 1 staged package left' foliod.log || fail "foliod did not say it removed it: $(cat foliod.log)"
# --- a staging folder that cannot be used: one line naming it (not the office's target),
# the status of a configuration problem
rmdir "$outgoing" 2>/dev/null || rm -r "$outgoing"
touch "$outgoing"
expect_fail 2 "cannot stage packages in '$outgoing': Not a directory" $folio upload --now
rm "$outgoing"

echo "packages built only when sent; nothing staged before, after, or after a failure"
