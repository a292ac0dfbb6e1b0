#!/bin/bash
# Cover-sheet search: its cost per page on content pages and on a cover sheet against zbar over
# the whole page (the search capture ran before), and the patch code search's on the same
# pages and on a patch sheet, then `folio scan` of 20 grey A4 300 dpi
# pages with cover sheets and patch codes on and off against `scanimage` reading the same pages raw from the
# same backend, best of 3, in the same run, with peak RSS. Prints figures and ratios; asserts
# nothing about speed.
set -euo pipefail
pages=${COVERSHEET_BENCH_PAGES:-20}
build=$FOLIO_BUILD
. "$FOLIO_SRC/tests/bench/lib.sh"
bench_feeder
command -v pdftoppm >/dev/null || { echo "skipped: pdftoppm (poppler-utils) not installed"; exit 0; }

bench_text_pages "$pages"
{
	bench_config on 4096
	bench_profile on gray bitonal "cover_sheets = yes"
	bench_profile off gray bitonal "cover_sheets = no" "patch_2 = ignore" "patch_3 = ignore" \
		"patch_t = ignore"
} >folio.conf
"$build/bin/folio" --config folio.conf coversheet --office KE --ip-type patent \
	--application 102024000000123 --doc-code APPFORM --out cover.pdf >/dev/null
pdftoppm -r 300 -gray -singlefile cover.pdf cover
"$build/bin/folio" --config folio.conf coversheet --patch T --out patch.pdf >/dev/null
pdftoppm -r 300 -gray -singlefile patch.pdf patch

bench=$build/bench/coversheet_bench
field() { awk -v k="$1" '$1 == k { print $2 }' <<<"$2"; }
if [ -x "$bench" ]; then
	content=$("$bench" --repeat 3 pages/page-*.pnm)
	sheet=$("$bench" --repeat 5 cover.pgm)
	patch=$("$bench" --repeat 5 patch.pgm)
	printf 'cover-sheet and patch code search per page, A4 300 dpi grey (best of repeats)\n'
	for what in content sheet patch; do
		out=${!what}
		awk -v what="$what" -v n="$(field pages "$out")" -v c="$(field covers "$out")" \
			-v p="$(field patches "$out")" -v a="$(field search_ms "$out")" \
			-v q="$(field patch_ms "$out")" -v b="$(field whole_page_ms "$out")" 'BEGIN {
			if (what == "content")
				label = sprintf("content page (%d, %d covers, %d patches)", n, c, p)
			else if (what == "sheet")
				label = sprintf("our cover sheet (%d read)", c)
			else
				label = sprintf("a Patch T sheet (%d read)", p)
			printf "  %-40s cover %7.2f ms  patch %5.2f ms  both %7.2f ms   whole-page zbar %6.1f ms   ratio %.3f\n", label, a, q, a + q, b, (a + q) / b
		}'
	done
	printf '  goal on a content page (both searches): <= 15 ms\n'
else
	echo "cover-sheet search: $bench not built (make bench builds it)"
fi

# seconds and peak RSS (kB) of a command, from GNU time, into $secs and $rss; every run
# starts from a full feeder (the feeder keeps its place across SANE sessions)
timed() {
	rm -f pages/.folio-feeder
	/usr/bin/time -f '%e %M' -o time.out "$@" >/dev/null 2>run.err || {
		cat run.err >&2
		return 1
	}
	read -r secs rss <time.out
}
# best_of3 NAME COMMAND...: the fastest of 3 runs into NAME_secs, its peak RSS into NAME_rss
best_of3() {
	local name=$1 best= best_rss= i
	shift
	for i in 1 2 3; do
		rm -rf out && mkdir out
		timed "$@"
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$secs best_rss=$rss
		fi
	done
	printf -v "${name}_secs" '%s' "$best"
	printf -v "${name}_rss" '%s' "$best_rss"
}

mkdir -p out
timed scanimage -d "folio:$PWD/pages" --source 'ADF Front' --mode Gray --resolution 300 \
	--format=pnm --batch=out/p%04d.pnm --batch-count="$pages" # warms the page cache
best_of3 raw scanimage -d "folio:$PWD/pages" --source 'ADF Front' --mode Gray --resolution 300 \
	--format=pnm --batch=out/p%04d.pnm --batch-count="$pages"
best_of3 on "$build/bin/folio" --config folio.conf scan --profile on
best_of3 off "$build/bin/folio" --config folio.conf scan --profile off

awk -v n="$pages" -v a="$raw_secs" -v b="$on_secs" -v c="$off_secs" \
	-v ra="$raw_rss" -v rb="$on_rss" -v rc="$off_rss" 'BEGIN {
	printf "folio scan, %d pages, A4 300 dpi grey -> bitonal G4, best of 3\n", n
	printf "  scanimage raw (pnm files)     %6.2f s  %6.0f images/min  peak %6.1f MB\n", a, 60*n/a, ra/1024
	printf "  folio scan, separators on     %6.2f s  %6.0f images/min  peak %6.1f MB  %.2fx scanimage\n", b, 60*n/b, rb/1024, b/a
	printf "  folio scan, separators off    %6.2f s  %6.0f images/min  peak %6.1f MB  %.2fx scanimage\n", c, 60*n/c, rc/1024, c/a
	printf "  ratio separators on / off: %.2f\n", b/c
}'
