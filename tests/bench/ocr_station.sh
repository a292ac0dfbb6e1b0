#!/bin/bash
# The station's OCR, as `make run` and a clerk's `folio ocr` use it, on this machine, in one
# run: text pages captured through the virtual feeder with the boards' default profile (colour
# scan, automatic colour detection: G4 pages, each with its cleaned grey image kept for OCR),
# then `folio ocr` with 2 workers (store, queue, worker pool, second reads where the first is
# not sure), against the `tesseract` command two at a time over the delivered images (text
# and hOCR, as the station writes). Prints pages per minute, the ratio, and how many pages
# the station read twice. OCR_STATION_BENCH_PAGES=N sets the pages (default 8). Never passes
# or fails on timing.
set -euo pipefail
pages=${OCR_STATION_BENCH_PAGES:-8}
. "$FOLIO_SRC/tests/bench/lib.sh"
bench_feeder
command -v tesseract >/dev/null || { echo "skipped: no 'tesseract' command"; exit 0; }
export OMP_THREAD_LIMIT=1

"$FOLIO_BUILD/bin/pagegen" --out pages --count "$pages" --dpi 300 --size a4 --kind text \
	--lang eng --noise 6 --skew-range -0.8:0.8 --seed 23 --format pnm >/dev/null
{
	bench_config auto 8192
	bench_profile auto color auto
	cat <<CONF
[ocr]
languages = eng
workers = 2
CONF
} >folio.conf
folio="$FOLIO_BUILD/bin/folio --config folio.conf"
batch=$($folio scan 2>scan.err) || { cat scan.err; exit 1; }
now() { date +%s.%N; }
t0=$(now)
$folio ocr --batch "$batch" --wait >ocr.out 2>&1 || { cat ocr.out; exit 1; }
t1=$(now)
pkg=$($folio export --batch "$batch" --out out 2>export.err) || { cat export.err; exit 1; }
find "$pkg" -name 'P*.tif' -o -name 'P*.jpg' | sort >list
mkdir -p tess
t2=$(now)
nice -n 10 xargs -a list -P 2 -I{} sh -c \
	'tesseract "$1" "tess/$(basename "$1")" -l eng txt hocr 2>/dev/null' sh {}
t3=$(now)
n=$(wc -l <list)
awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
	printf "station OCR, %d text pages (A4 300 dpi, colour scan, auto: G4 + grey kept), 2 at a time, load after: %s\n", n, load
	printf "  folio ocr, 2 workers            %6.1f pages/min (wall %5.1fs)\n", 60 * n / (b - a), b - a
	printf "  tesseract x2, txt+hocr          %6.1f pages/min (wall %5.1fs)\n", 60 * n / (d - c), d - c
	printf "  ratio folio ocr / tesseract x2: %.2fx by wall time\n", (d - c) / (b - a) }'
sed -n 's/^.*OCR: of \([0-9]*\) pages* with a second image kept for OCR, \([0-9]*\) read once.*, \([0-9]*\) read again.*/  pages read twice by the station: \3 of \1 (\2 sure from their first read)/p
	s/^.*OCR: \([0-9]*\) pages* read from grey or colour and from G4.*/  pages read twice by the station: \1/p' ocr.out
