#!/bin/bash
# Image stage benchmark: the full bitonal profile (borders, background-normalised binarisation, deskew,
# orientation, despeckle, blank measure, CCITT G4) on 300 dpi A4 grey pages, against
# ImageMagick doing comparable work (convert -deskew 40% -threshold 50% -compress Group4) on
# the same pages in the same run. Both on one core. Prints figures and ratios; never fails on
# timings.
# Usage: tests/bench/image.sh BUILD_DIR [PAGES]
set -eu
build=$(cd "${1:?usage: tests/bench/image.sh BUILD_DIR [PAGES]}" && pwd)
pages=${2:-8}
bench=$build/bench/image_bench
pagegen=$build/bin/pagegen
for x in "$bench" "$pagegen"; do
	[ -x "$x" ] || { echo "image bench: '$x' is missing: run make bench" >&2; exit 1; }
done
command -v convert >/dev/null || { echo "image bench: ImageMagick 'convert' is missing: make deps" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/folio-bench-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
core="taskset -c 0"
$core true 2>/dev/null || core=

"$pagegen" --out "$work/pages" --count "$pages" --kind text --skew-range -4:4 --seed 99 \
	--format pnm >/dev/null

# Ours: frames decoded up front (the scanner delivers raw frames), then processed.
ours=$($core "$bench" --repeat 3 "$work"/pages/page-*.pnm)
ours_ms=$(awk '/^ms_per_page/ { print $2 }' <<<"$ours")
ours_pps=$(awk '/^pages_per_second/ { print $2 }' <<<"$ours")
# As capture runs it: the grey image kept for OCR of each bitonal page as well.
grey=$($core "$bench" --ocr-grey --repeat 3 "$work"/pages/page-*.pnm)
grey_ms=$(awk '/^ms_per_page/ { print $2 }' <<<"$grey")
grey_kb=$(awk '/^ocr_grey_kb_per_page/ { print $2 }' <<<"$grey")
# Peak memory of one page: a run that processes it minus a run that only loads it.
ours_rss=$( { /usr/bin/time -f '%M' $core "$bench" "$work/pages/page-0001.pnm" >/dev/null; } 2>&1 | tail -n 1)
load_rss=$( { /usr/bin/time -f '%M' $core "$bench" --load-only "$work/pages/page-0001.pnm" >/dev/null; } 2>&1 | tail -n 1)
ours_work=$(awk -v a="$ours_rss" -v b="$load_rss" 'BEGIN { printf "%.1f", (a - b) / 1024 }')

# ImageMagick: one process per page, from the same pages as PNM (cheapest decode), one thread.
export MAGICK_THREAD_LIMIT=1 OMP_NUM_THREADS=1
start=$EPOCHREALTIME
for f in "$work"/pages/page-*.pnm; do
	$core convert "$f" -deskew 40% -threshold 50% -compress Group4 "${f%.pnm}.im.tif"
done
im_secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
im_ms=$(awk -v s="$im_secs" -v n="$pages" 'BEGIN { printf "%.1f", s * 1000 / n }')
im_rss=$( { /usr/bin/time -f '%M' $core convert "$work/pages/page-0001.pnm" -deskew 40% \
	-threshold 50% -compress Group4 "$work/im1.tif"; } 2>&1 | tail -n 1)

echo "image: $pages A4 300 dpi grey text pages (skew -4..+4), full bitonal profile, one core"
printf '  folio image_process  %8.1f ms/page  %6.2f pages/s  process RSS %5.1f MB (%s MB to process a page)\n' \
	"$ours_ms" "$ours_pps" "$(awk -v k="$ours_rss" 'BEGIN { print k / 1024 }')" "$ours_work"
printf '  ImageMagick convert  %8.1f ms/page  %6.2f pages/s  process RSS %5.1f MB\n' \
	"$im_ms" "$(awk -v m="$im_ms" 'BEGIN { print 1000 / m }')" \
	"$(awk -v k="$im_rss" 'BEGIN { print k / 1024 }')"
printf '  with the grey page kept for OCR %8.1f ms/page  %6.2f pages/s  (%+.1f ms, %s KB of grey JPEG a page)\n' \
	"$grey_ms" "$(awk -v m="$grey_ms" 'BEGIN { print 1000 / m }')" \
	"$(awk -v a="$grey_ms" -v b="$ours_ms" 'BEGIN { print a - b }')" "$grey_kb"
# Colour detection of output = auto, alone, on the same pages as RGB frames.
colour_ms=$($core "$bench" --colour-detect "$work"/pages/page-*.pnm | awk '/^colour_ms_per_page/ { print $2 }')
printf '  colour detection (output = auto) %.2f ms/page (target <= 10)\n' "$colour_ms"
awk -v o="$ours_ms" -v i="$im_ms" -v p="$ours_pps" 'BEGIN {
	printf "  ratio: folio is %.1fx faster than ImageMagick (target >= 5x); %.1f pages/s (target >= 6)\n", i / o, p }'
