#!/bin/bash
# Binarisation candidates on the degraded dev set (../shared/testdata/ocr-degraded): every
# candidate of build/bench/binarize_bench (grey conversion x bitonal method, and Tesseract's own
# thresholding) is OCR'd with the `tesseract` command (fra, one thread, as SOURCES.md measured the
# reference on the original colour JPEG) and scored with `folio ocr-score` against the ground
# truth. Prints CER per page and candidate, the mean per candidate, the reference, and the time
# each method takes. Never fails on figures.
# Usage: tests/bench/binarize.sh BUILD_DIR [CANDIDATE_REGEX]
set -eu
build=$(cd "${1:?usage: tests/bench/binarize.sh BUILD_DIR [CANDIDATE_REGEX]}" && pwd)
only=${2:-.}
shared=${FOLIO_SHARED:-$(dirname "$0")/../../../shared}
set_dir=$shared/testdata/ocr-degraded
if [ ! -d "$set_dir" ]; then
	echo "binarize bench: skipped, '$set_dir' is absent (set FOLIO_SHARED)"
	exit 0
fi
command -v tesseract >/dev/null || { echo "binarize bench: skipped, no 'tesseract' command"; exit 0; }
bench=$build/bench/binarize_bench
folio=$build/bin/folio
[ -x "$bench" ] || { echo "binarize bench: '$bench' is missing: run make bench" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/folio-bench-binarize.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OMP_THREAD_LIMIT=1

# The reference CER from SOURCES.md, and each file's true resolution (several say 72 or
# nothing; the station's feeder reads those as 300 dpi, and so does this bench).
declare -A ref=([blue-typescript-1]=11.2 [blue-typescript-2]=17.1 [blurred-report]=14.8
	[catalogue-1962-faint]=24.0 [catalogue-1962-landscape]=9.2 [journal-1914]=3.0
	[typescript-1962]=6.5)
declare -A dpi=([blue-typescript-1]=400 [blue-typescript-2]=400 [blurred-report]=300
	[catalogue-1962-faint]=300 [catalogue-1962-landscape]=300 [journal-1914]=300
	[typescript-1962]=600)
args=()
for p in "${!ref[@]}"; do
	args+=("${dpi[$p]}:$set_dir/$p.jpg")
done
nice "$bench" "$work" "${args[@]}" >"$work/results"

: >"$work/cer"
while read -r _ page cand ms black; do
	[[ $cand =~ $only ]] || continue
	tesseract "$work/$page.$cand.tif" "$work/$page.$cand" -l fra >/dev/null 2>&1 || true
	cer=$("$folio" ocr-score "$set_dir/$page.gt.txt" "$work/$page.$cand.txt" 2>/dev/null |
		sed -n 's/^CER \([0-9.]*\)%.*/\1/p')
	echo "$page $cand ${cer:-100} $ms $black" >>"$work/cer"
	rm -f "$work/$page.$cand.tif"
done <"$work/results"

echo "binarize: CER % of tesseract -l fra on each bitonal result (dev set ocr-degraded)"
for p in $(printf '%s\n' "${!ref[@]}" | sort); do
	echo "  $p (reference on the colour original ${ref[$p]}%)"
	awk -v p="$p" '$1 == p { printf "    %-30s CER %6.1f%%  %7.1f ms  black %5.2f%%\n", $2, $3, $4, $5 }' \
		"$work/cer" | sort -k3,3n
done
echo "  mean CER per candidate (reference mean $(printf '%s\n' "${ref[@]}" |
	awk '{ s += $1 } END { printf "%.1f", s / NR }')%)"
awk '{ s[$2] += $3; t[$2] += $4; n[$2]++ }
	END { for (c in s) printf "    %-30s mean CER %6.2f%%  mean %7.1f ms\n", c, s[c] / n[c], t[c] / n[c] }' \
	"$work/cer" | sort -k4,4n
