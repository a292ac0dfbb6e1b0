#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# What OCR delivers, read by other people's tools: a batch of text pages, a signature page and
# a blank sheet goes through the feeder, OCR and export. The blank and the signature are not
# flagged low-confidence (that flag means "text was read badly"); every page with text has a
# whole hOCR document that OCRmyPDF's hOCR reader (Debian's ocrmypdf) turns into a page of the
# scan's size with the words in it.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"

folio="$FOLIO_BUILD/bin/folio --config folio.conf"
feeder_config <<EOF
[ocr]
workers = 2
EOF
pg="$FOLIO_BUILD/bin/pagegen --out stack --dpi 300"
$pg --first 1 --count 2 --kind text --seed 21 >/dev/null || fail "pagegen failed"
$pg --first 3 --kind signature --seed 22 >/dev/null || fail "pagegen failed"
$pg --first 4 --kind blank-noise --seed 23 >/dev/null || fail "pagegen failed"
b=$($folio scan 2>err) || fail "scan failed: $(cat err)"
$folio ocr --batch "$b" 2>err || fail "OCR failed: $(cat err)"
$folio batch show "$b" >show || fail "batch show failed"
grep -qE '^  text +for 4 of 4 pages, 0 failed for good, 0 waiting$' show ||
	fail "not every page was read: $(cat show)"

# --- low confidence means text read badly: not a blank sheet, not a signature
flags() { awk -v n="$1" '/^pages/ { p = 1; next } p && $1 == n { print (NF == 7 ? $7 : "") }' show; }
case $(flags 3) in *low-confidence*) fail "the signature page is flagged low-confidence: $(cat show)" ;; esac
case $(flags 4) in *low-confidence*) fail "the blank sheet is flagged low-confidence: $(cat show)" ;; esac
case $(flags 4) in *blank*) ;; *) fail "page 4 is not flagged blank: $(cat show)" ;; esac
echo "figure: flags: text pages '$(flags 1)' '$(flags 2)', signature '$(flags 3)', blank '$(flags 4)'"

index_batch "$b"
$folio batch approve "$b" >/dev/null 2>err || fail "approval refused: $(cat err)"
pkg=$($folio export --batch "$b" --out out 2>err) || fail "export failed: $(cat err)"

# --- hOCR: one whole XHTML document per page with text, as Tesseract's renderer writes it
n=0
for h in "$pkg"/D0001/P*.hocr; do
	[ -f "$h" ] || continue
	n=$((n + 1))
	img=$(basename "$h" .hocr).tif
	xmllint --noout --nonet "$h" 2>err || fail "$h is not well-formed XML: $(cat err)"
	grep -q "<meta name='ocr-system' content='tesseract [0-9]" "$h" || fail "$h: no ocr-system"
	grep -q "<meta name='ocr-capabilities' content='ocr_page .*ocrx_word" "$h" ||
		fail "$h: no ocr-capabilities"
	grep -q "class='ocr_page' id='page_1' title='image \"$img\"; bbox 0 0 [0-9]* [0-9]*" "$h" ||
		fail "$h: ocr_page does not name '$img' with a bbox: $(grep ocr_page "$h")"
	grep -q "class='ocrx_word' .*x_wconf [0-9]" "$h" || fail "$h: no words with x_wconf"
done
[ "$n" = 2 ] || fail "$n hOCR documents for 2 text pages: $(ls "$pkg"/D0001)"

# --- ALTO 4.4: one per page with text, valid against the schema, word confidences, the image
n=0
for x in "$pkg"/D0001/P*.alto.xml; do
	[ -f "$x" ] || continue
	n=$((n + 1))
	img=$(basename "$x" .alto.xml).tif
	if [ -f "$FOLIO_SHARED/alto/alto-4-4-offline.xsd" ]; then
		xmllint --noout --nonet --schema "$FOLIO_SHARED/alto/alto-4-4-offline.xsd" "$x" \
			2>err || fail "$x is not valid ALTO 4.4: $(cat err)"
	fi
	grep -q "<fileName>$img</fileName>" "$x" || fail "$x does not name '$img'"
	grep -q '<String ID="[^"]*" HPOS="[0-9]*" VPOS="[0-9]*" WIDTH="[0-9]*" HEIGHT="[0-9]*" WC="[01]\.[0-9][0-9]" CONTENT="' "$x" ||
		fail "$x: no words with their confidence"
	grep -q "  D0001/$(basename "$x")\$" "$pkg/MANIFEST.sha256" || fail "$x is not in the manifest"
	# The same words as the text file.
	words=$(grep -o 'CONTENT="[^"]*"' "$x" | wc -l)
	[ "$words" -gt 20 ] || fail "$x has $words words"
done
[ "$n" = 2 ] || fail "$n ALTO documents for 2 text pages: $(ls "$pkg"/D0001)"
[ -f "$FOLIO_SHARED/alto/alto-4-4-offline.xsd" ] && echo "figure: $n of $n ALTO pages valid against ALTO 4.4" ||
	echo "note: $FOLIO_SHARED/alto absent: ALTO not validated against its schema"

if /usr/bin/python3 -c 'import ocrmypdf.hocrtransform' 2>/dev/null; then
	/usr/bin/python3 - "$pkg"/D0001/P*.hocr <<'PY' >hocr.out 2>&1 || fail "OCRmyPDF's hOCR reader refused a page: $(cat hocr.out)"
import sys
from ocrmypdf.hocrtransform import HocrTransform
for f in sys.argv[1:]:
    h = HocrTransform(hocr_filename=f, dpi=300)
    # A4 at 300 dpi: 595 x 842 points
    assert abs(h.width - 595.2) < 1 and abs(h.height - 842) < 1, (f, h.width, h.height)
    h.to_pdf(out_filename=f + ".pdf", image_filename=None, invisible_text=True)
    print("read", f, round(h.width), round(h.height))
PY
	for h in "$pkg"/D0001/P*.hocr; do
		words=$(pdftotext "$h.pdf" - 2>/dev/null | wc -w)
		[ "$words" -gt 20 ] || fail "the PDF OCRmyPDF made from $h has $words words"
	done
	echo "figure: OCRmyPDF's hocrtransform read $n of $n hOCR pages"
else
	echo "note: ocrmypdf (Debian package) not installed: hOCR not read by OCRmyPDF"
fi

# --- the searchable PDF/A-2b of the document: the scans as stored, the text under them
pdf=$pkg/D0001/document.pdf
[ -f "$pdf" ] || fail "no PDF in $pkg/D0001: $(ls "$pkg/D0001")"
grep -q "  D0001/document.pdf$" "$pkg/MANIFEST.sha256" || fail "the PDF is not in the manifest"
if command -v qpdf >/dev/null; then
	qpdf --check "$pdf" >qpdf.out 2>&1 || fail "qpdf --check refuses the PDF: $(tail -n 3 qpdf.out)"
else
	echo "note: qpdf (Debian package qpdf) not installed: structure not checked by qpdf"
fi
pdfinfo "$pdf" >info.out 2>&1 || fail "pdfinfo: $(cat info.out)"
grep -qE '^Pages: +4$' info.out || fail "the PDF has not 4 pages: $(cat info.out)"
# A4 scanned at 300 dpi: 2480 x 3508 pixels, 595.2 x 841.92 points.
[ "$(grep -c '^Page size' info.out)" = 1 ] && grep -qE '^Page size: +595.2 x 841.92 pts' info.out ||
	fail "the PDF's pages are not the scan's size: $(grep 'Page size' info.out)"
grep -qE '^Metadata Stream: +yes' info.out || fail "the PDF has no XMP metadata"
# The images as stored: CCITT G4 strips, nothing re-encoded.
pdfimages -list "$pdf" | awk 'NR > 2 { print $9 }' | sort -u >enc.out
[ "$(cat enc.out)" = ccitt ] || fail "the PDF's images are not the stored G4: $(cat enc.out)"
# PDF/A-2b identification and its sRGB OutputIntent.
strings "$pdf" | grep -q '<pdfaid:part>2</pdfaid:part>' && strings "$pdf" | grep -q '<pdfaid:conformance>B</pdfaid:conformance>' ||
	fail "the PDF does not identify itself as PDF/A-2b"
strings "$pdf" | grep -q '/OutputIntent /S /GTS_PDFA1' || fail "the PDF has no PDF/A OutputIntent"
# The text layer gives back the OCR text of each text page.
for p in 1 2; do
	pdftotext -f $p -l $p "$pdf" pdf-$p.txt || fail "pdftotext failed on page $p"
	cer=$($folio ocr-score "$pkg/D0001/P000$p.txt" pdf-$p.txt | sed -n 's/^CER *\([0-9.]*\)%.*/\1/p')
	awk -v c="$cer" 'BEGIN { exit !(c != "" && c <= 1.0) }' ||
		fail "page $p: the PDF's text differs from P000$p.txt (CER '$cer%')"
done
images=$(cat "$pkg"/D0001/P*.tif | wc -c)
echo "figure: searchable PDF/A-2b of 4 pages: $(stat -c %s "$pdf") bytes for $images bytes of images ($(awk -v a="$(stat -c %s "$pdf")" -v b="$images" 'BEGIN { printf "%.2f", a / b }')x), text CER $cer%"
