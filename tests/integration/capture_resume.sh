#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# A batch remembers its scanner (issue 19, items 1 and 2), through the command line: `folio
# scan --resume` continues on the batch's own scanner and profile, not the configuration's
# default; another scanner or profile is taken only when named, and the event log says so;
# the virtual feeder keeps its place across the two runs (as many pages as sheets, none fed
# twice); a flatbed scans its sheet once a press and the batch waits for the next one. The
# clerk UI's side is in web_edit.
#
# Pages are stored raw at the resolution of the page files, so each stored page must be byte
# for byte the sheet that was fed.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"
command -v compare >/dev/null || skip "ImageMagick (compare) is not installed"
cd "$FOLIO_TMP" || fail "no scratch folder"

dpi=100
pg="$FOLIO_BUILD/bin/pagegen --dpi $dpi --size a5 --kind text --format tif"
$pg --out sheets-a --count 5 --seed 41 >/dev/null || fail "pagegen failed"
$pg --out sheets-b --count 5 --seed 42 >/dev/null || fail "pagegen failed"
mkdir -p feeder-a feeder-b sane.d
cp sheets-a/*.tif feeder-a/
cp sheets-b/*.tif feeder-b/
a=folio:$FOLIO_TMP/feeder-a b=folio:$FOLIO_TMP/feeder-b
printf 'folio\n' >sane.d/dll.conf
# faults LINE...: the feeders' folio.conf, both folders listed, with these fault settings
faults() {
	printf 'device %s\n' "$FOLIO_TMP/feeder-a" "$FOLIO_TMP/feeder-b" >sane.d/folio.conf
	printf '%s\n' "$@" >>sane.d/folio.conf
}
faults

make_config folio.conf "$a" "[capture] profile = raw" \
	"[capture] sane_config_dir = $FOLIO_TMP/sane.d" "[capture] reconnect_seconds = 0"
{
	grey_profile raw adf raw "$dpi"
	grey_profile g4 adf bitonal "$dpi"
	grey_profile g4b adf bitonal "$dpi"
	grey_profile glass flatbed raw "$dpi"
} >>folio.conf
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"

sheet() { ls "sheets-$1"/*.tif | sed -n "${2}p"; } # sheet a|b N

# --- a batch on scanner b (not the default) jams at sheet 3 ...
faults "jam-page 3"
n=$($folio scan --device "$b" 2>err)
[ $? = 1 ] || fail "the jam was not a failure: $(cat err)"
grep -q "resume with 'folio scan --resume $n'" err || fail "jam message: $(cat err)"
[ "$(pages_of "$n")" = 2 ] || fail "jam: $(pages_of "$n") pages kept, not 2"
$folio batch show "$n" | grep -q "$b" || fail "batch $n does not name its scanner: $($folio batch show "$n" | head -n 8)"

# ... and the command the message gives continues on b, where the paper stayed: 5 sheets, 5
# pages, none twice, nothing taken from the default scanner a
faults
r=$($folio scan --resume "$n" 2>err) || fail "resume failed: $(cat err)"
[ "$r" = "$n" ] || fail "resume printed '$r', not $n"
[ "$(pages_of "$n")" = 5 ] || fail "after resume batch $n has $(pages_of "$n") pages, not 5 (5 sheets)"
[ "$(state_of "$n")" = closed ] || fail "after resume batch $n is $(state_of "$n")"
for i in 1 2 3 4 5; do same_page "$n" $i "$(sheet b $i)"; done
[ -e feeder-a/.folio-feeder ] && fail "resuming batch $n fed sheets from the default scanner"
$folio log tail 40 | grep -q capture-device-change && fail "a plain resume logged a scanner change"
# A refused resume (the batch is closed) records no change of scanner either
expect_fail 1 "batch $n is not open" $folio scan --resume "$n" --device "$a"
$folio log tail 40 | grep -q capture-device-change && fail "a refused resume logged a scanner change"

# --- another scanner needs an explicit choice, which the event log keeps
faults "jam-page 2"
reload_feeder feeder-b # the clerk loads the stack again
n2=$($folio scan --device "$b" --profile g4 2>/dev/null)
[ "$(pages_of "$n2")" = 1 ] || fail "second jam: $(pages_of "$n2") pages kept, not 1"
faults
r=$($folio scan --resume "$n2" --device "$a" --profile g4b --max-pages 1 2>err) ||
	fail "resume on another scanner failed: $(cat err)"
grep -q "batch $n2 was scanned on '$b': continuing on '$a'" err ||
	fail "no warning about the other scanner: $(cat err)"
[ "$(pages_of "$n2")" = 2 ] || fail "batch $n2 has $(pages_of "$n2") pages, not 2"
grep -qx "fed $(basename "$(sheet a 1)")" feeder-a/.folio-feeder ||
	fail "the second page of batch $n2 did not come from scanner a"
who=$(id -un)
$folio log tail 40 | awk -v w="$who" -v b="$n2" '$4 == w && $5 == "capture-device-change" && ($7 == b || $7 == b":") { f = 1 } END { exit !f }' ||
	fail "the event log has no capture-device-change by $who on batch $n2: $($folio log tail 5)"
$folio log tail 40 | awk -v w="$who" -v b="$n2" '$4 == w && $5 == "capture-profile-change" && ($7 == b || $7 == b":") { f = 1 } END { exit !f }' ||
	fail "the event log has no capture-profile-change by $who on batch $n2: $($folio log tail 5)"
# The whole events, as the office receives them in the batch's chain of custody
$folio ocr --batch "$n2" >/dev/null 2>err || fail "OCR of batch $n2 failed: $(cat err)"
$folio export --batch "$n2" --out pkg >/dev/null 2>err || fail "export of batch $n2 failed: $(cat err)"
events=$(find pkg -name EVENTS.txt | head -n 1)
[ -n "$events" ] || fail "the package of batch $n2 has no EVENTS.txt: $(find pkg | head)"
grep -qF "scanner '$a' instead of the batch's '$b'" "$events" ||
	fail "the custody log does not name both scanners: $(grep capture- "$events")"
grep -qF "profile 'g4b' instead of the batch's 'g4'" "$events" ||
	fail "the custody log does not name both profiles: $(grep capture- "$events")"
expect_fail 1 "batch 999 does not exist" $folio scan --resume 999

# --- flatbed: one sheet a press, the batch open for the next sheet on the glass
f=$(timeout 60 $folio scan --profile glass 2>err) || fail "flatbed scan failed: $(cat err)"
[ "$(pages_of "$f")" = 1 ] || fail "one flatbed press gave $(pages_of "$f") pages"
[ "$(state_of "$f")" = open ] || fail "a flatbed batch is $(state_of "$f") after one press"
grep -q "put the next sheet on the glass and run 'folio scan --resume $f'" err ||
	fail "no word about the next sheet: $(cat err)"
timeout 60 $folio scan --resume "$f" >/dev/null 2>err || fail "second flatbed press failed: $(cat err)"
[ "$(pages_of "$f")" = 2 ] || fail "two flatbed presses gave $(pages_of "$f") pages (the batch's profile is glass)"
# A profile named for the resume that the configuration lacks is the one named wrong
expect_fail 1 "no profile 'bogus' in '$FOLIO_TMP/folio.conf'" $folio scan --resume "$f" --profile bogus
$folio batch close "$f" >/dev/null 2>err || fail "closing the flatbed batch failed: $(cat err)"
# The command the issue saw run for ever: one page, then it returns.
g=$(timeout 60 $folio scan --source flatbed 2>err)
[ $? = 0 ] || fail "folio scan --source flatbed did not end with one page: $(cat err)"
[ "$(pages_of "$g")" = 1 ] || fail "folio scan --source flatbed captured $(pages_of "$g") pages"

# --- a batch being scanned is held: from another process it can be neither closed nor
# resumed a second time; the hold goes with the capture, even one killed outright
faults "pages-per-minute 30"
reload_feeder feeder-b
before=$($folio batch list | grep -c '^ *[0-9]')
$folio scan --device "$b" >/dev/null 2>slow.err &
slow=$!
h=
for i in $(seq 200); do
	h=$($folio batch list | awk -v n="$before" '/^ *[0-9]/ && ++k > n { print $1; exit }')
	[ -n "$h" ] && [ "$(pages_of "$h")" -ge 1 ] 2>/dev/null && break
	kill -0 $slow 2>/dev/null || fail "the paced scan ended early: $(cat slow.err)"
	sleep 0.05
done
[ -n "$h" ] || fail "the paced scan stored no batch"
expect_fail 1 "batch $h is being scanned" $folio batch close "$h"
expect_fail 1 "batch $h is being scanned by another capture" $folio scan --resume "$h" --device "$a"
[ "$(state_of "$h")" = open ] || fail "batch $h is $(state_of "$h") while it is scanned"
kill -9 $slow
wait $slow 2>/dev/null
$folio batch close "$h" >/dev/null 2>err || fail "batch $h still held after its capture was killed: $(cat err)"
faults

echo "figure: resume on the batch's scanner (5 pages from 5 sheets), another scanner logged, flatbed one page a press"
