#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# Automatic colour detection, the boards' default profile (mode = color, output = auto): per
# page, bitonal G4 only when that keeps the content. Through the virtual feeder, a black on
# white text page comes out G4 (auto-bitonal), a text page with a red stamp as colour JPEG
# (auto-colour), a page with a photograph as grey JPEG (auto-grey); the decision is a page
# flag in `folio batch show`, its measure is in the page's capture event (EVENTS.txt), the
# office reads the grey and colour pages in BATCH.txt, and none of it stands in the way of
# approval. The real degraded typescripts of ../shared go through this profile in
# image_degraded.sh: there, a page auto sent bitonal whose G4 reads much worse than its grey
# image is delivered in grey by OCR itself, and each page's CER is held to the reference.
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
# Each page was read once: clean print reads sure (confidence 80% or more, its ink in words),
# so the other image went unread and is gone with the text read; each page's provenance says
# so. The text page and the grey page were read from their delivered image; the colour page
# from the G4 kept for it, binarised on its ink axis (Tesseract would read the colour JPEG
# through its luminance), its colour JPEG unread.
for n in 1 2 3; do
	line=$(event "$pkg" ocr-text $n)
	case $n:$line in
	1:"text read from the delivered G4 alone, confidence "*" ink marks in no word: sure "*", the kept grey image not read") ;;
	2:"text read from the kept G4 alone, confidence "*", the delivered colour image not read") ;;
	3:"text read from the delivered grey image alone, confidence "*", the kept G4 not read") ;;
	*) fail "page $n was not read once, from the image expected first: $line" ;;
	esac
	echo "figure: page $n: $line"
	if [ $n = 1 ]; then
		$folio page export --batch "$b" --page 1 --grey --out grey.jpg 2>err &&
			fail "page 1's grey image outlived its text, read sure from its G4"
		continue
	fi
	$folio page export --batch "$b" --page $n --grey --out grey.jpg 2>err &&
		fail "page $n, delivered as JPEG, exported a grey image for OCR"
	grep -q "is delivered in grey or colour: export it without --grey" err ||
		fail "no clear line for --grey on page $n: $(cat err)"
done
grep -qx 'auto-colour: D0001/P0002.jpg' "$pkg/BATCH.txt" &&
	grep -qx 'auto-grey: D0001/P0003.jpg' "$pkg/BATCH.txt" ||
	fail "BATCH.txt does not name the pages auto sent in colour and grey: $(cat "$pkg/BATCH.txt")"
