#!/bin/bash
# requires: CONFIG_SANE_FOLIO_BACKEND
# Capture through libsane with Folio's virtual feeder: every scanner fault at a chosen page,
# with the exact set of committed pages checked against the sheets that were fed; resume
# numbering; duplex order; a scanner that disconnects and comes back.
#
# Pages are stored raw (profile output = raw) at the resolution of the page files, so each
# stored page must be byte for byte the sheet that was fed. Every run goes through an image
# stage of 4 threads (more than this machine may have cores), which must hand pages to the
# store in feed order whatever order its threads finish in; the last run cleans pages of
# very different cost (blank and text sheets) to give them every chance to overtake.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"

dpi=100
"$FOLIO_BUILD/bin/pagegen" --out sheets --count 8 --dpi $dpi --size a4 --kind text \
	--seed 3 --format tif >/dev/null || fail "pagegen failed"
ls sheets/*.tif >/dev/null || fail "pagegen wrote no pages"

# A SANE configuration of our own: only our backend, faults from its config file.
mkdir -p sane.d
printf 'folio\n' >sane.d/dll.conf
faults() { printf '%s\n' "$@" >sane.d/folio.conf; }

make_config folio.conf "folio:$FOLIO_TMP/feeder" "[capture] profile = raw" \
	"[capture] sane_config_dir = $FOLIO_TMP/sane.d" "[capture] reconnect_seconds = 0" \
	"[capture] image_threads = 4"
{
	grey_profile raw adf raw "$dpi"
	grey_profile g4 adf bitonal "$dpi"
} >>folio.conf
folio="$FOLIO_BUILD/bin/folio --config folio.conf"

# load N..M: put sheets N to M (1-based) in the feeder, as a clerk would
load() {
	rm -rf feeder && mkdir feeder
	for i in $(seq "$1" "$2"); do cp "sheets/$(ls sheets | grep tif | sed -n "${i}p")" feeder/; done
}

# same_sheet BATCH PAGE N: stored page PAGE is sheet N of sheets/, pixel for pixel
same_sheet() {
	same_page "$1" "$2" "sheets/$(ls sheets | grep tif | sed -n "${3}p")"
}

# failed_scan WHAT PAGES FAULT...: with the 8 sheets in the feeder and the FAULTs set, `folio
# scan` fails (status 1) and keeps PAGES pages; WHAT names the case in failures. Sets $b to the
# batch; what the scan said is in err.
failed_scan() {
	local what=$1 pages=$2 rc
	shift 2
	load 1 8
	faults "$@"
	b=$($folio scan 2>err)
	rc=$?
	[ $rc = 1 ] || fail "$what: exit status $rc"
	[ "$(pages_of "$b")" = "$pages" ] || fail "$what: $(pages_of "$b") pages kept, not $pages"
}

# wait_back: until the feeder's device answers again (after a simulated unplug), at most 10 s
wait_back() {
	local i
	for i in $(seq 50); do
		SANE_CONFIG_DIR=$FOLIO_TMP/sane.d LD_LIBRARY_PATH=$FOLIO_BUILD/lib/sane \
			sane_frontend scanimage -d "folio:$FOLIO_TMP/feeder" -n >/dev/null 2>&1 &&
			return 0
		sleep 0.2
	done
	fail "the feeder did not come back after its simulated unplug"
}


# --- a clean run: 8 sheets, 8 pages, in order
load 1 8
faults
b=$($folio scan 2>err) || fail "clean scan failed: $(cat err)"
[ "$(pages_of "$b")" = 8 ] || fail "clean scan: $(pages_of "$b") pages, not 8"
for i in 1 4 8; do same_sheet "$b" $i $i; done

# --- paper jam at sheet 4: pages 1-3 kept, sheet 4 reported, batch left open
failed_scan jam 3 "jam-page 4"
grep -q "page 4 was not captured: paper jam: open the feeder, remove the sheet, put it back on top and resume with 'folio scan --resume $b'" err ||
	fail "jam message: $(cat err)"
[ "$(state_of "$b")" = open ] || fail "jam: batch is $(state_of "$b"), not open"
for i in 1 2 3; do same_sheet "$b" $i $i; done

# ... the clerk puts sheets 4-8 back and resumes: numbering continues at 4
load 4 8
faults
r=$($folio scan --resume "$b" 2>err) || fail "resume failed: $(cat err)"
[ "$r" = "$b" ] || fail "resume printed batch '$r', not $b"
[ "$(pages_of "$b")" = 8 ] || fail "after resume: $(pages_of "$b") pages, not 8"
[ "$(state_of "$b")" = closed ] || fail "after resume the batch is $(state_of "$b")"
for i in 3 4 5 8; do same_sheet "$b" $i $i; done
expect_fail 1 "batch $b is not open" $folio scan --resume "$b"

# --- double feed at sheet 2
failed_scan "double feed" 1 "double-feed-page 2"
grep -q "page 2 was not captured: double feed: take the sheets out, separate them" err ||
	fail "double feed message: $(cat err)"
same_sheet "$b" 1 1

# --- cover opened before sheet 5: nothing half-read, 4 pages kept
failed_scan "cover open" 4 "cover-open-page 5"
grep -q "scanner cover open: close it and resume with 'folio scan --resume $b'" err ||
	fail "cover open message: $(cat err)"

# --- feeder runs out early (sheet 6 missing): a normal end of batch
load 1 8
faults "no-paper-page 6"
b=$($folio scan 2>err) || fail "out of paper is not a failure: $(cat err)"
[ "$(pages_of "$b")" = 5 ] && [ "$(state_of "$b")" = closed ] ||
	fail "out of paper: $(pages_of "$b") pages, $(state_of "$b")"

# --- duplex: 3 sheets give 4 sides, in order, the odd last sheet with a blank back
load 1 3
faults
sed -i 's/^source = adf$/source = duplex/' folio.conf
b=$($folio scan 2>err) || fail "duplex scan failed: $(cat err)"
[ "$(pages_of "$b")" = 4 ] || fail "duplex: $(pages_of "$b") sides, not 4"
same_sheet "$b" 1 1
same_sheet "$b" 2 2
same_sheet "$b" 3 3
sed -i 's/^source = duplex$/source = adf/' folio.conf

# --- device lost at sheet 3, without waiting for it: pages 1-2 kept, clear message
failed_scan "device lost" 2 "device-lost-page 3" "device-lost-seconds 1"
grep -q "page 3 was not captured: scanner " err || fail "device lost message: $(cat err)"

# --- device lost at sheet 3 and back a second later: capture waits for it and goes on
wait_back
load 1 8
faults "device-lost-page 3" "device-lost-seconds 1"
sed -i 's/^reconnect_seconds = 0$/reconnect_seconds = 20/' folio.conf
b=$($folio scan 2>err) || fail "scan across a reconnect failed: $(cat err)"
grep -q "page 3 was not captured: put it back on top of the feeder" err || fail "no lost-page notice: $(cat err)"
grep -q "is back: capture continues" err || fail "no reconnect notice: $(cat err)"
[ "$(pages_of "$b")" = 8 ] || fail "across the reconnect: $(pages_of "$b") pages, not 8"
for i in 1 2 3 4 8; do same_sheet "$b" $i $i; done

# --- the pool under uneven work: blank sheets clean in a fraction of a text sheet's time;
# the pages stay in feed order (the blank flags fall where the blank sheets were fed)
pattern="T B B T B T T B B B T B"
rm -rf feeder && mkdir feeder
i=0
for k in $pattern; do
	i=$((i + 1))
	kind=text
	[ "$k" = B ] && kind=blank
	"$FOLIO_BUILD/bin/pagegen" --out one --count 1 --dpi $dpi --size a4 --kind $kind \
		--seed $i --format tif >/dev/null || fail "pagegen failed"
	mv one/*.tif "feeder/$(printf 'sheet-%02d.tif' $i)"
	rm -r one
done
faults
b=$($folio scan --profile g4 2>err) || fail "scan through the pool failed: $(cat err)"
got=$($folio batch show "$b" | awk '$1 ~ /^[0-9]+$/ && $3 == "TIFF" { printf "%s%s", s, ($7 ~ /blank/ ? "B" : "T"); s = " " }')
[ "$got" = "$pattern" ] || fail "pages out of feed order: fed '$pattern', stored '$got'"

echo "capture faults: jam, double feed, cover open, out of paper, device lost, resume, duplex"
