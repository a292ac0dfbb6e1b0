#!/bin/bash
# What the delivery formats cost: the time to write a page's hOCR, ALTO 4.4 and searchable
# PDF/A share, against the OCR of the same pages measured in the same run (folio ocr, 2
# workers), and the PDF's size against the page images' size (target: at most 1.1x) and
# against img2pdf's PDF of the same TIFFs without text (Debian's python3-img2pdf; skipped
# when not installed; it re-encodes a multi-strip TIFF as one G4 strip).
# Pages: pagegen, A4 300 dpi, 4 English text pages of different seeds and a blank sheet,
# scanned bitonal (G4) through the folio SANE backend, as a clerk's batch.
# FORMATS_BENCH_ROUNDS=N repeats the writers (default 5). Never passes or fails on timing.
set -eu
build=${FOLIO_BUILD:?run through tests/bench/run.sh}
tmp=${FOLIO_TMP:-$(mktemp -d)}
cd "$tmp"
rounds=${FORMATS_BENCH_ROUNDS:-5}
export OMP_THREAD_LIMIT=1

for p in "$build/bench/formats_bench" "$build/bin/pagegen" "$build/bin/folio" \
	"$build/lib/sane/libsane-folio.so.1"; do
	[ -e "$p" ] || { echo "formats bench: no '$p': build it with make bench"; exit 1; }
done

. "$FOLIO_SRC/tests/bench/lib.sh"
bench_feeder
mkdir -p stack
{
	bench_config text 512 stack
	bench_profile text gray bitonal
	cat <<EOF
[ocr]
workers = 2
EOF
} >folio.conf
folio="$build/bin/folio --config folio.conf"
pg="$build/bin/pagegen --out stack --dpi 300"
for i in 1 2 3 4; do
	$pg --first $i --kind text --seed $((40 + i)) >/dev/null
done
$pg --first 5 --kind blank-noise --seed 45 >/dev/null
b=$($folio scan 2>err) || { echo "formats bench: scan failed: $(cat err)"; exit 1; }
start=$EPOCHREALTIME
$folio ocr --batch "$b" 2>err || { echo "formats bench: OCR failed: $(cat err)"; exit 1; }
ocr_s=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
$folio doc set --batch "$b" --doc 1 --application 102024000000123 >/dev/null 2>err ||
	{ echo "formats bench: cannot index the document: $(cat err)"; exit 1; }
$folio batch approve "$b" >/dev/null 2>err || { echo "formats bench: approval refused: $(cat err)"; exit 1; }
pkg=$($folio export --batch "$b" --out out 2>err) || { echo "formats bench: export failed: $(cat err)"; exit 1; }

out=$("$build/bench/formats_bench" "$pkg/D0001" "$rounds")
read -r _ pages _ text _ <<<"$(grep '^pages' <<<"$out")"
read -r _ _ hocr _ alto _ pdf <<<"$(grep '^ms_per_page' <<<"$out")"
read -r _ _ pdf_bytes _ img_bytes <<<"$(grep '^bytes' <<<"$out")"
ocr_ms=$(awk -v s="$ocr_s" -v n="$text" 'BEGIN { printf "%.0f", 1000 * s / n }')
echo "figure: $pages pages ($text with text), writers run $rounds times"
echo "figure: per page: hOCR $hocr ms, ALTO $alto ms, PDF $pdf ms; OCR $ocr_ms ms (folio ocr, 2 workers, wall)"
awk -v h="$hocr" -v a="$alto" -v p="$pdf" -v o="$ocr_ms" \
	'BEGIN { printf "ratio: hOCR + ALTO + PDF against OCR, per page: %.4f\n", (h + a + p) / o }'
awk -v p="$pdf_bytes" -v i="$img_bytes" \
	'BEGIN { printf "ratio: PDF against its page images: %.3fx (%d bytes for %d; target <= 1.1x)\n", p / i, p, i }'
delivered=$(stat -c %s "$pkg/D0001/document.pdf")
echo "figure: the delivered document.pdf: $delivered bytes"
if /usr/bin/python3 -c 'import img2pdf' 2>/dev/null; then
	/usr/bin/python3 -c 'import sys, img2pdf; open(sys.argv[1], "wb").write(img2pdf.convert(sys.argv[2:]))' \
		img2pdf.pdf "$pkg"/D0001/P*.tif >/dev/null 2>&1
	awk -v p="$pdf_bytes" -v i="$(stat -c %s img2pdf.pdf)" \
		'BEGIN { printf "ratio: PDF/A with text against img2pdf (images only, no text): %.3fx (%d bytes)\n", p / i, i }'
else
	echo "img2pdf: not installed (Debian package python3-img2pdf), peer skipped"
fi
