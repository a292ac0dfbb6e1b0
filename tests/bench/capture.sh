#!/bin/bash
# Capture throughput: sheets through SANE into the store with image processing off (raw
# output, durable commits), against `scanimage --batch` writing the same pages to files from
# the same backend, in the same run. Also the full profile (grey scan, cleaned, binarised, G4)
# and the boards' default (colour scan, output = auto: G4 for these text pages) for reference;
# the full profile again with the image stage on one thread ([capture] image_threads = 1)
# against its default of one thread per core; grey A4 at 600 dpi, and colour A3 at 300 dpi
# for the peak memory the README gives. Prints figures and ratios; asserts nothing about speed.
set -euo pipefail
pages=${CAPTURE_BENCH_PAGES:-60}
. "$FOLIO_SRC/tests/bench/lib.sh"
bench_feeder

bench_text_pages "$pages"
{
	bench_config raw 8192
	bench_profile raw gray raw
	bench_profile full gray bitonal
	bench_profile auto color auto
} >folio.conf

# peak_rss_kb and seconds of a command, from GNU time's -f output in time.out; every run
# starts from a full feeder (the feeder keeps its place across SANE sessions)
timed() {
	rm -f "${feeder:-pages}/.folio-feeder"
	/usr/bin/time -f '%e %M' -o time.out "$@" >/dev/null 2>run.err || {
		cat run.err >&2
		return 1
	}
	read -r secs rss <time.out
}

# A first pass warms the page cache for both contenders.
mkdir -p out
timed scanimage -d "folio:$PWD/pages" --source 'ADF Front' --mode Gray --resolution 300 \
	--format=pnm --batch=out/p%04d.pnm --batch-count="$pages"
rm -f out/*
timed scanimage -d "folio:$PWD/pages" --source 'ADF Front' --mode Gray --resolution 300 \
	--format=pnm --batch=out/p%04d.pnm --batch-count="$pages"
si_secs=$secs si_rss=$rss
n=$(ls out | wc -l)
[ "$n" = "$pages" ] || { echo "scanimage wrote $n of $pages pages"; exit 1; }

timed "$FOLIO_BUILD/bin/folio" --config folio.conf scan --profile raw
fo_secs=$secs fo_rss=$rss
timed "$FOLIO_BUILD/bin/folio" --config folio.conf scan --profile full
full_secs=$secs full_rss=$rss
# The boards' default: scanned in colour (three times the bytes), automatic colour detection.
timed "$FOLIO_BUILD/bin/folio" --config folio.conf scan --profile auto
auto_secs=$secs auto_rss=$rss

# The image stage on one thread, against the default (one per core) measured above.
sed 's/^sane_backend_dir = .*/&\nimage_threads = 1/' folio.conf >one.conf
timed "$FOLIO_BUILD/bin/folio" --config one.conf scan --profile full
one_secs=$secs one_rss=$rss

# Grey A4 at 600 dpi and colour A3 at 300 dpi, a few sheets each (35 MB and 52 MB a frame).
big=${CAPTURE_BENCH_BIG_PAGES:-8}
"$FOLIO_BUILD/bin/pagegen" --out p600 --count "$big" --dpi 600 --size a4 --kind text \
	--seed 8 --format pnm >/dev/null
"$FOLIO_BUILD/bin/pagegen" --out a3 --count "$big" --dpi 300 --size a3 --kind text \
	--seed 9 --format pnm >/dev/null
sed -e "s|^device = .*|device = folio:$PWD/p600|" -e 's/^resolution = 300/resolution = 600/' \
	folio.conf >p600.conf
sed "s|^device = .*|device = folio:$PWD/a3|" folio.conf >a3.conf
feeder=p600 timed "$FOLIO_BUILD/bin/folio" --config p600.conf scan --profile full
g600_secs=$secs g600_rss=$rss
feeder=a3 timed "$FOLIO_BUILD/bin/folio" --config a3.conf scan --profile auto
a3_secs=$secs a3_rss=$rss

awk -v n="$pages" -v a="$si_secs" -v b="$fo_secs" -v c="$full_secs" \
	-v ra="$si_rss" -v rb="$fo_rss" -v rc="$full_rss" -v d="$auto_secs" -v rd="$auto_rss" \
	-v e="$one_secs" -v re="$one_rss" -v cores="$(getconf _NPROCESSORS_ONLN)" -v big="$big" \
	-v g="$g600_secs" -v rg="$g600_rss" -v h="$a3_secs" -v rh="$a3_rss" 'BEGIN {
	printf "capture, %d pages, A4 300 dpi grey, folio: virtual feeder\n", n
	printf "  scanimage --batch (pnm files)   %6.2f s  %6.0f images/min  peak %6.1f MB\n", a, 60*n/a, ra/1024
	printf "  folio scan, raw into the store  %6.2f s  %6.0f images/min  peak %6.1f MB\n", b, 60*n/b, rb/1024
	printf "  folio scan, full profile (G4)   %6.2f s  %6.0f images/min  peak %6.1f MB\n", c, 60*n/c, rc/1024
	printf "  folio scan, colour, output=auto %6.2f s  %6.0f images/min  peak %6.1f MB\n", d, 60*n/d, rd/1024
	printf "  folio scan, full, 1 image thread %6.2f s  %6.0f images/min  peak %6.1f MB\n", e, 60*n/e, re/1024
	printf "  ratio colour auto / grey G4 time: %.2f\n", d/c
	printf "  ratio folio raw / scanimage time: %.2f (target < 1.10)\n", b/a
	printf "  ratio full, one image thread / one per core (%d): %.2f\n", cores, e/c
	printf "capture, %d pages each, folio: virtual feeder\n", big
	printf "  grey A4 600 dpi, full profile   %6.2f s  %6.0f images/min  peak %6.1f MB\n", g, 60*big/g, rg/1024
	printf "  colour A3 300 dpi, output=auto  %6.2f s  %6.0f images/min  peak %6.1f MB\n", h, 60*big/h, rh/1024
}'
