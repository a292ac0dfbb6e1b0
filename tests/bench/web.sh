#!/bin/bash
# Clerk UI benchmark: what a clerk waits for on the screen. foliod serves a batch of 8 stored
# 300 dpi A4 pages (CCITT G4) on loopback; every page's thumbnail (200 px) and viewer image
# (1600 px) is fetched through the API with curl (a request each, as the browser does),
# against ImageMagick's mogrify making the same PNGs from the same stored TIFFs (folio export)
# in one process, in the same run. Also the latency of the batch
# view and the status, and foliod's resident memory. Prints figures and ratios; never fails
# on timings.
# Usage: tests/bench/web.sh BUILD_DIR
set -eu
build=$(cd "${1:?usage: tests/bench/web.sh BUILD_DIR}" && pwd)
work=${FOLIO_TMP:-$(mktemp -d)}
cd "$work"
for x in "$build/bin/foliod" "$build/bin/pagegen" "$build/lib/sane/libsane-folio.so.1"; do
	[ -e "$x" ] || { echo "web bench: '$x' is missing: run make bench" >&2; exit 1; }
done
command -v convert >/dev/null || { echo "web bench: ImageMagick 'convert' is missing: make deps" >&2; exit 1; }
command -v curl >/dev/null || { echo "web bench: curl is missing: make deps" >&2; exit 1; }
"$build/bin/folio" help 2>&1 | grep -q '^  web user ' || { echo "web bench: this build has no clerk UI"; exit 0; }

"$build/bin/pagegen" --out pages --count 8 --kind text --seed 5 >/dev/null
. "$FOLIO_SRC/tests/integration/lib.sh"
port=$(free_port)
FOLIO_TMP=$work FOLIO_BUILD=$build make_config folio.conf "folio:$work/pages" \
	"[station] id = BENCH-01" "[store] map_size_mb = 4096" "[web] listen = 127.0.0.1:$port" \
	"[web] users_file = $work/web.users"
folio="$build/bin/folio --config folio.conf"
batch=$($folio scan 2>/dev/null)
# A package is built once its pages' text is read.
$folio ocr --batch "$batch" --wait >/dev/null 2>&1
$folio export --batch "$batch" --out export >/dev/null 2>&1
echo 'bench-pin-1' | $folio web user bench --role clerk >/dev/null
"$build/bin/foliod" --config folio.conf 2>foliod.log &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 50); do grep -qs "clerk UI at" foliod.log && break; sleep 0.1; done
base=http://127.0.0.1:$port
curl -s -c jar -H 'Content-Type: application/json' -d '{"user":"bench","password":"bench-pin-1"}' \
	"$base/api/login" >/dev/null

# ms per request, median of 3 passes over the pages (curl's total time)
fetch() { # SIZE
	for pass in 1 2 3; do
		t=0
		for p in $(seq 8); do
			t=$(awk -v a="$t" -v b="$(curl -s -o /dev/null -w '%{time_total}' -b jar \
				-H "If-None-Match: none" "$base/api/batches/$batch/pages/$p/image?size=$1")" \
				'BEGIN { print a + b }')
		done
		echo "$t"
	done | sort -n | sed -n 2p | awk '{ printf "%.1f", $1 * 1000 / 8 }'
}
# ImageMagick converts all pages in one process (mogrify), so its start-up is shared.
magick() { # WIDTH
	local tifs=(export/*/*/*.tif) n
	n=${#tifs[@]}
	for pass in 1 2 3; do
		rm -rf im && mkdir im
		s=$EPOCHREALTIME
		mogrify -path im -format png -resize "$1x" -colorspace Gray "${tifs[@]}"
		awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }'
	done | sort -n | sed -n 2p | awk -v n="$n" '{ printf "%.1f", $1 * 1000 / n }'
}
thumb=$(fetch thumb)
view=$(fetch view)
im_thumb=$(magick 200)
im_view=$(magick 1600)
lat() { # PATH: median ms of 9 requests
	for i in $(seq 9); do curl -s -o /dev/null -w '%{time_total}\n' -b jar "$base$1"; done |
		sort -n | sed -n 5p | awk '{ printf "%.2f", $1 * 1000 }'
}
batch_ms=$(lat "/api/batches/$batch")
status_ms=$(lat /api/status)
rss=$(awk '/VmRSS/ { print $2 }' /proc/$pid/status)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b / a }'; }
echo "thumbnail (200 px PNG of a 300 dpi G4 page): foliod $thumb ms, ImageMagick $im_thumb ms: $(ratio "$thumb" "$im_thumb")x faster"
echo "viewer image (1600 px): foliod $view ms, ImageMagick $im_view ms: $(ratio "$view" "$im_view")x faster"
echo "batch view (8 pages, documents, flags, summary): $batch_ms ms; status: $status_ms ms"
echo "foliod resident memory serving the UI: $((rss / 1024)) MB"
