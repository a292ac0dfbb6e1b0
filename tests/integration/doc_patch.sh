#!/bin/bash
# requires: CONFIG_SANE_FOLIO_BACKEND
# Patch code separator sheets end to end with the feeder backend: sheets printed by
# `folio coversheet --patch`, rasterised by pdftoppm at 200 and 300 dpi, skewed and upside down,
# split a stack as the profile maps them (new document, ignore), among cover sheets; a content
# page of rules, a table, a dark band and heavy bars is not taken for one; in duplex, sheets on
# either side split the stack, and with patch_sheets = drop a sheet is not stored but the event
# log says where it was.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
feeder_test
command -v pdftoppm >/dev/null || skip "pdftoppm is not installed (Debian package poppler-utils)"
command -v convert >/dev/null || skip "convert (ImageMagick) not installed"

# patch_sheet NNNN DPI TYPE [CONVERT-ARGS...]: stack/page-NNNN.png, a patch sheet as fed
patch_sheet() {
	local n=$1 dpi=$2 type=$3
	shift 3
	$folio coversheet --patch "$type" --out "patch-$n.pdf" >/dev/null 2>err ||
		fail "coversheet --patch $type: $(cat err)"
	pdftoppm -r "$dpi" -gray -png -singlefile "patch-$n.pdf" "stack/page-$n"
	[ $# = 0 ] || convert "stack/page-$n.png" -background white "$@" "stack/page-$n.png" ||
		fail "convert failed"
}

# busy_page N DPI: a content page with a letterhead band, rules, a table and heavy bars 2 and 5
# mm thick in a patch's rhythm (a bar chart), text under them
busy_page() {
	local n=$1 draws png
	text_pages "$n" 1 "$2"
	png=stack/page-$(printf %04d "$n").png
	draws=$(awk -v k="$(awk -v d="$2" 'BEGIN { print d / 25.4 }')" '
	function r(x0, y0, x1, y1) { printf "rectangle %d,%d %d,%d ", x0 * k, y0 * k, x1 * k, y1 * k }
	BEGIN {
		r(0, 8, 210, 20); r(15, 23, 195, 25); r(15, 30, 195, 32)
		for (i = 0; i < 12; i++) r(15, 36 + 6 * i, 195, 36.4 + 6 * i)
		for (c = 0; c < 5; c++) r(15 + 45 * c, 30, 15.4 + 45 * c, 108)
		split("2.03 5.08 2.03 5.08", w, " ")
		for (c = 0; c < 6; c++)
			for (i = 1; i <= 4; i++) {
				y = 200 + (i - 1) * 2.03 + (i > 1 ? w[1] : 0) + (i > 2 ? w[2] : 0) + (i > 3 ? w[3] : 0)
				r(15 + 30 * c, y, 35 + 30 * c, y + w[i])
			}
	}')
	convert "$png" -fill black -draw "$draws" "$png" 2>err ||
		fail "convert failed: $(cat err)"
}

# --- the printer: wrong usage is one line and status 2, before anything is written
feeder_config </dev/null
expect_fail 2 "--patch must be 1, 2, 3, 4, 6 or T, not '5'" $folio coversheet --patch 5 --out x.pdf
expect_fail 2 "a patch sheet has no fields" $folio coversheet --patch T --office KE --out x.pdf
[ ! -e x.pdf ] || fail "a refused patch sheet was written"
# a folder that is not there: the reason, not an I/O error
expect_fail 1 "cannot write patch sheet 'nodir/t.pdf': No such file or directory" \
	$folio coversheet --patch T --out nodir/t.pdf
expect_fail 1 "cannot write cover sheet 'nodir/c.pdf': No such file or directory" \
	$folio coversheet --office KE --ip-type patent --application 102024000000123 \
	--doc-code APPFORM --out nodir/c.pdf
$folio coversheet --patch t --out t.pdf >/dev/null 2>err || fail "--patch t: $(cat err)"
if command -v pdfinfo >/dev/null; then
	pdfinfo t.pdf | grep -q 'Page size: *595.* x 841.* pts (A4)' ||
		fail "the patch sheet is not A4: $(pdfinfo t.pdf)"
fi

# --- simplex, defaults (2, 3 and T start documents, sheets kept), with cover sheets on
for dpi in 200 300; do
	rm -rf stack store && mkdir stack
	feeder_config "resolution = $dpi" "cover_sheets = yes" </dev/null
	text_pages 1 2 "$dpi"
	patch_sheet 0003 "$dpi" T -rotate 4
	text_pages 4 1 "$dpi"
	busy_page 5 "$dpi"
	patch_sheet 0006 "$dpi" 2 -rotate 177
	text_pages 7 1 "$dpi"
	cover_sheet 0008 "$dpi" --ip-type patent --application 102024000000123 --doc-code APPFORM
	text_pages 9 1 "$dpi"
	patch_sheet 0010 "$dpi" 3 -rotate -5
	text_pages 11 2 "$dpi"
	b=$($folio scan 2>err) || fail "$dpi dpi: scan failed: $(cat err)"
	expect_documents "$b" "1 1 2s 2 2 3s 3 4s 4 5s 5 5 " "$dpi dpi"
	grep -qE '^  documents +5$' show || fail "$dpi dpi: not 5 documents: $(cat show)"
	grep -q 'application 102024000000123  code APPFORM' show ||
		fail "$dpi dpi: the cover sheet among patch sheets: $(cat show)"
done
echo "figure: patch T, 2 (upside down) and 3 sheets, skewed 3-5 degrees, split a stack at 200 and 300 dpi; a page of rules, a table and heavy bars is not one"

# --- the profile's map: Patch 3 ignored is a plain page; Patch 2 still splits
rm -rf stack store && mkdir stack
feeder_config "resolution = 200" "patch_3 = ignore" </dev/null
text_pages 1 1 200
patch_sheet 0002 200 3
text_pages 3 1 200
patch_sheet 0004 200 2
text_pages 5 1 200
b=$($folio scan 2>err) || fail "ignore: scan failed: $(cat err)"
expect_documents "$b" "1 1 1 2s 2 " "patch_3 = ignore"

# --- duplex, sheets dropped: a patch on a front side, and on the back of a sheet fed face down
rm -rf stack store && mkdir stack
feeder_config "source = duplex" "patch_sheets = drop" </dev/null
text_pages 1 2 300
patch_sheet 0003 300 T -rotate 2
"$FOLIO_BUILD/bin/pagegen" --out stack --first 4 --count 1 --dpi 300 --kind blank --seed 4 \
	>/dev/null || fail "pagegen failed"
text_pages 5 2 300
"$FOLIO_BUILD/bin/pagegen" --out stack --first 7 --count 1 --dpi 300 --kind blank --seed 7 \
	>/dev/null || fail "pagegen failed"
patch_sheet 0008 300 2 -rotate 180
text_pages 9 2 300
b=$($folio scan 2>err) || fail "duplex: scan failed: $(cat err)"
# the blank back of the first patch sheet opens document 2, the blank front of the second ends it
expect_documents "$b" "1 1 2 2 2 2 3 3 " "duplex, dropped"
$folio log show --batch "$b" --type patch-sheet-dropped >events 2>err ||
	fail "log show failed: $(cat err)"
[ "$(grep -c 'patch-sheet-dropped' events)" = 2 ] || fail "dropped sheets not in the log: $(cat events)"
grep -q "a Patch T sheet before document 2's pages was not kept" events ||
	fail "the log does not say which sheet: $(cat events)"
grep -q "a Patch 2 sheet before document 3's pages" events ||
	fail "the back-side sheet is not in the log: $(cat events)"
echo "figure: duplex 300 dpi: patch sheets on a front and (upside down) on a back side split the stack; dropped, each is an event"

# --- new-batch: a Patch T closes the batch; kept, it is the next batch's first page
rm -rf stack store && mkdir stack
feeder_config "resolution = 200" "patch_t = new-batch" </dev/null
text_pages 1 2 200
patch_sheet 0003 200 T -rotate 3
text_pages 4 1 200
patch_sheet 0005 200 2
text_pages 6 1 200
patch_sheet 0007 200 T -rotate 180
text_pages 8 1 200
$folio scan >batches 2>err || fail "new-batch: scan failed: $(cat err)"
mapfile -t b <batches
[ "${#b[@]}" = 3 ] || fail "new-batch: the scan printed ${#b[@]} batches, not 3: $(cat batches)"
want=("1 1 " "1s 1 2s 2 " "1s 1 ")
for i in 0 1 2; do
	expect_documents "${b[$i]}" "${want[$i]}" "new-batch: batch ${b[$i]}"
	grep -qE '^  state +closed$' show || fail "new-batch: batch ${b[$i]} is not closed: $(cat show)"
	grep -q "folio:$FOLIO_TMP/stack" show ||
		fail "new-batch: batch ${b[$i]} does not name the run's scanner: $(cat show)"
done
grep -q "batch ${b[0]} closed with 2 pages at a Patch T sheet: the next sheets are batch ${b[1]}" err ||
	fail "new-batch: the clerk is not told: $(cat err)"
grep -q "batches ${b[0]} to ${b[2]}: 8 pages captured" err || fail "new-batch: no summary: $(cat err)"
$folio log show --batch "${b[1]}" --type batch-split >events 2>err || fail "log show failed: $(cat err)"
grep -q "opened at the Patch T sheet that closed batch ${b[0]} (the sheet is page 1)" events ||
	fail "new-batch: the log does not say where batch ${b[1]} began: $(cat events)"
grep -q "closed at a Patch T sheet after 4 pages" events ||
	fail "new-batch: the log does not say where batch ${b[1]} ended: $(cat events)"

# dropped, and last in the stack: no empty batch is left behind
rm -rf stack store && mkdir stack
feeder_config "resolution = 200" "patch_t = new-batch" "patch_sheets = drop" </dev/null
text_pages 1 1 200
patch_sheet 0002 200 T
text_pages 3 2 200
patch_sheet 0005 200 T
$folio scan >batches 2>err || fail "new-batch, dropped: scan failed: $(cat err)"
mapfile -t b <batches
[ "${#b[@]}" = 2 ] || fail "new-batch, dropped: ${#b[@]} batches, not 2: $(cat batches)"
[ "$(pages_by_document "${b[0]}")" = "1 " ] || fail "new-batch, dropped: first batch: $(cat show)"
[ "$(pages_by_document "${b[1]}")" = "1 1 " ] || fail "new-batch, dropped: second batch: $(cat show)"
grep -qE '^  state +closed$' show || fail "new-batch, dropped: the last batch is not closed: $(cat show)"
[ "$($folio batch list | grep -c '^ *[0-9]')" = 2 ] ||
	fail "new-batch, dropped: batches in the store: $($folio batch list)"
$folio log show --batch "${b[1]}" --type batch-split >events 2>err || fail "log show failed: $(cat err)"
grep -q "(the sheet was not kept)" events || fail "new-batch, dropped: $(cat events)"
# a jam on the sheet after a dropped one: the next batch is open, empty, and the one to resume
rm -rf stack store && mkdir stack
feeder_config "resolution = 200" "patch_t = new-batch" "patch_sheets = drop" </dev/null
printf 'jam-page 3\n' >sane.d/folio.conf
text_pages 1 1 200
patch_sheet 0002 200 T
text_pages 3 2 200
rc=0
$folio scan >batches 2>err || rc=$?
[ $rc = 1 ] || fail "new-batch, jam: exit status $rc: $(cat err)"
mapfile -t b <batches
[ "${#b[@]}" = 2 ] || fail "new-batch, jam: ${#b[@]} batches, not 2: $(cat batches)"
grep -q "page 1 was not captured: paper jam: .* with 'folio scan --resume ${b[1]}'" err ||
	fail "new-batch, jam: the resume does not name the new batch: $(cat err)"
$folio batch show "${b[1]}" >show || fail "batch show failed"
grep -qE '^  state +open$' show || fail "new-batch, jam: batch ${b[1]} is not open: $(cat show)"
rm sane.d/folio.conf
$folio scan --resume "${b[1]}" >/dev/null 2>err || fail "new-batch, jam: resume failed: $(cat err)"
[ "$(pages_by_document "${b[1]}")" = "1 1 " ] || fail "new-batch, jam: resumed batch: $(cat show)"

# the scanner lost on the sheet right after a dropped one, and back: the notice names the
# page the sheet will be in the new batch (1), not its place in the stack
rm -rf stack store && mkdir stack
feeder_config "resolution = 200" "patch_t = new-batch" "patch_sheets = drop" \
	"[capture] reconnect_seconds = 20" </dev/null
printf 'device-lost-page 3\ndevice-lost-seconds 1\n' >sane.d/folio.conf
text_pages 1 1 200
patch_sheet 0002 200 T
text_pages 3 3 200
$folio scan >batches 2>err || fail "new-batch, device lost: scan failed: $(cat err)"
mapfile -t b <batches
grep -q "page 1 was not captured: put it back on top of the feeder" err ||
	fail "new-batch, device lost: the notice does not name page 1 of the new batch: $(cat err)"
expect_documents "${b[1]}" "1 1 1 " "new-batch, device lost: second batch"
rm sane.d/folio.conf

echo "figure: Patch T as new-batch split 8 sheets into 3 closed batches (sheet kept as page 1), and 5 into 2 with the sheets dropped"
