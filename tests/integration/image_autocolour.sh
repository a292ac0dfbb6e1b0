#!/bin/bash
# Automatic colour detection, the boards' default profile (mode = color, output = auto): per
# page, bitonal G4 only when that keeps the content. Through the virtual feeder, a black on
# white text page comes out G4 (auto-bitonal), a text page with a red stamp as colour JPEG
# (auto-colour), a page with a photograph as grey JPEG (auto-grey); the decision is a page
# flag in `folio batch show`, its measure is in the page's capture event (EVENTS.txt), the
# office reads the grey and colour pages in BATCH.txt, and none of it stands in the way of
# approval. Then the real degraded typescripts of ../shared under the same profile: a page
# auto sent bitonal whose G4 reads much worse than its grey image (blurred-report) is
# delivered in grey by OCR itself, with a page-grey event, and not left flagged check-image
# for the clerk. Prints figure lines: the decision and measure per page, and CER per page
# (held to no limit here: image_degraded.sh holds this profile and the bitonal one to the
# reference; every page is read from two images, its JPEG and the G4 kept for it, or its grey
# image and its G4, and keeps the more confident text).
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"
command -v convert >/dev/null && command -v identify >/dev/null ||
	skip "ImageMagick (convert, identify) is not installed"

folio="$FOLIO_BUILD/bin/folio --config folio.conf"
# event PACKAGE WHAT PAGE: the detail of the package's WHAT events of page PAGE (EVENTS.txt:
# seq, time, batch, document, page, who, what, detail, hashes; tab-separated)
event() {
	awk -F'\t' -v w="$2" -v p="$3" '$7 == w && $5 == p { print $8 }' "$1/EVENTS.txt"
}
feeder_config "mode = color" "output = auto" <<EOF
[ocr]
workers = 1
languages = eng
EOF
pg="$FOLIO_BUILD/bin/pagegen --out stack --dpi 300 --size a4 --format png --kind text"
$pg --first 1 --seed 51 >/dev/null || fail "pagegen failed"
$pg --first 2 --seed 52 >/dev/null || fail "pagegen failed"
$pg --first 3 --seed 53 >/dev/null || fail "pagegen failed"
red_stamp stack/page-0002.png
grey_photo stack/page-0003.png

b=$($folio -v scan 2>scan.err) || fail "scan failed: $(cat scan.err)"
$folio batch show "$b" >show || fail "batch show failed"
# want N FORMAT FLAG: page N's row in batch show has that format and flag
want() {
	awk -v n="$1" -v f="$2" -v fl="$3" '/^pages/ { p = 1; next }
		p && $1 == n { ok = $3 == f && index("," $NF ",", "," fl ","); exit }
		END { exit !ok }' show || fail "page $1 is not $2 flagged $3: $(cat show)"
}
want 1 TIFF auto-bitonal
want 2 JPEG auto-colour
want 3 JPEG auto-grey
grep -q 'encode: JPEG q85 rgb [^;]*; kept for OCR: CCITT G4 ' scan.err ||
	fail "the colour page kept no G4 for OCR: $(grep -o 'encode: [^;]*; [^;]*' scan.err)"

$folio ocr --batch "$b" --wait >ocr.out 2>&1 || fail "OCR failed: $(cat ocr.out)"
index_batch "$b"
$folio batch approve "$b" >/dev/null 2>err ||
	fail "the auto flags stand in the way of approval: $(cat err)"
pkg=$($folio export --batch "$b" --out out 2>err) || fail "export failed: $(cat err)"
[ "$(identify -format '%[channels]' "$pkg/D0001/P0002.jpg")" = srgb ] ||
	fail "the stamped page is not colour: $(identify "$pkg/D0001/P0002.jpg")"
[ "$(identify -format '%[channels]' "$pkg/D0001/P0003.jpg")" = gray ] ||
	fail "the photograph page is not grey: $(identify "$pkg/D0001/P0003.jpg")"
tiffinfo "$pkg/D0001/P0001.tif" 2>/dev/null | grep -q 'Compression Scheme: CCITT Group 4' ||
	fail "the text page is not G4"
for n in 1 2 3; do
	line=$(event "$pkg" page-capture $n)
	[ -n "$line" ] || fail "no capture event for page $n"
	case $n:$line in
	1:*"auto output bitonal: colour "*"% of the page, grey tones "*) ;;
	2:*"auto output colour: colour "*"% of the page, grey tones "*) ;;
	3:*"auto output grey: colour "*"% of the page, grey tones "*) ;;
	*) fail "page $n's capture event does not give auto's decision and measure: $line" ;;
	esac
	echo "figure: page $n: ${line##*; }, $(cd "$pkg/D0001" && stat -c '%n %s bytes' P000$n.tif P000$n.jpg 2>/dev/null)"
done
# The colour and grey pages were read from their JPEG and from the G4 kept for them, which
# is gone with the text read; their provenance says whose text they kept.
for n in 2 3; do
	line=$(event "$pkg" ocr-text $n)
	case $line in
	"text read from the "*" for the kept G4 "* | "text read from the kept G4, "*) ;;
	*) fail "page $n's ocr-text event does not say which of its two images gave its text: $line" ;;
	esac
	echo "figure: page $n: $line"
	$folio page export --batch "$b" --page $n --grey --out grey.jpg 2>err &&
		fail "page $n, delivered as JPEG, exported a grey image for OCR"
	grep -q "is delivered in grey or colour: export it without --grey" err ||
		fail "no clear line for --grey on page $n: $(cat err)"
done
grep -qx 'auto-colour: D0001/P0002.jpg' "$pkg/BATCH.txt" &&
	grep -qx 'auto-grey: D0001/P0003.jpg' "$pkg/BATCH.txt" ||
	fail "BATCH.txt does not name the pages auto sent in colour and grey: $(cat "$pkg/BATCH.txt")"

# --- the real degraded pages: G4 only when it keeps the text
set_dir=$FOLIO_SHARED/testdata/ocr-degraded
if [ ! -d "$set_dir" ] || ! tesseract --list-langs 2>/dev/null | grep -qx fra; then
	echo "note: '$set_dir' or Tesseract's fra is absent: the degraded pages are not run"
	exit 0
fi
rm -rf stack && mkdir stack
# The files whose JFIF header states no resolution, at their true one (as image_degraded.sh).
declare -A dpi=([blurred-report]=300 [catalogue-1962-faint]=150 [catalogue-1962-landscape]=150
	[journal-1914]=150)
names=($(cd "$set_dir" && ls ./*.jpg | sed 's|^\./||; s/\.jpg$//' | sort))
for i in "${!names[@]}"; do
	n=${names[$i]} page=stack/page-$(printf %02d $((i + 1))).jpg
	cp "$set_dir/$n.jpg" "$page"
	if [ -n "${dpi[$n]:-}" ]; then
		d=$(printf '\\x%02x\\x%02x' $((dpi[$n] >> 8)) $((dpi[$n] & 255)))
		printf "\\x01$d$d" | dd of="$page" bs=1 seek=13 conv=notrunc status=none
	fi
done
sed -i 's/^languages = eng$/languages = fra/' folio.conf
b=$($folio -v scan 2>scan.err) || fail "scan of the degraded pages failed: $(cat scan.err)"
$folio ocr --batch "$b" --wait >ocr.out 2>&1 || fail "OCR failed: $(cat ocr.out)"
$folio batch show "$b" >show || fail "batch show failed"
pkg=$($folio export --batch "$b" --out out2 2>err) || fail "export failed: $(cat err)"
grep -o 'auto output: [^;]*' scan.err >decisions
for i in "${!names[@]}"; do
	n=${names[$i]} p=$((i + 1))
	row=$(awk -v n=$p '/^pages/ { q = 1; next } q && $1 == n' show)
	text=$(ls "$pkg"/D*/P$(printf %04d $p).txt) || fail "page $p ($n) has no text"
	cer=$("$FOLIO_BUILD/bin/folio" ocr-score "$set_dir/$n.gt.txt" "$text" |
		sed -n 's/^CER \([0-9.]*\)%.*/\1/p')
	echo "figure: $n: $(sed -n "${p}p" decisions | sed 's/^auto output: //'), delivered" \
		"$(awk '{ print $3, $NF }' <<<"$row"), station CER $cer%"
done
p=0
for i in "${!names[@]}"; do [ "${names[$i]}" = blurred-report ] && p=$((i + 1)); done
[ $p -gt 0 ] || fail "blurred-report is not in $set_dir"
row=$(awk -v n=$p '/^pages/ { q = 1; next } q && $1 == n' show)
case $row in
*JPEG*auto-grey*) ;;
*) fail "blurred-report (its G4 reads much worse) was not delivered in grey: $row" ;;
esac
case $row in *check-image*) fail "blurred-report was left to the clerk: $row" ;; esac
event "$pkg" check-image $p | grep -q ': automatic colour detection delivers it in grey$' ||
	fail "no check-image event says page $p went grey: $(event "$pkg" check-image $p)"
event "$pkg" page-grey $p | grep -q '^bitonal TIFF .* -> grey JPEG ' ||
	fail "no page-grey event for page $p: $(event "$pkg" page-grey $p)"
sed -n 's/.*OCR: .* reading much worse bitonal: \([0-9]*\) of them sent in grey.*/figure: OCR sent \1 auto page(s) in grey/p' ocr.out
