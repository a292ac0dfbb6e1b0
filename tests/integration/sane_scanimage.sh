#!/bin/bash
# libsane-folio through a real SANE frontend: scanimage, via libsane's dll backend.
#
# Pages are generated here with ImageMagick. Checks: device listing, option listing, ADF
# simplex and duplex (blank back of an odd last page), modes, rescaling from the file's
# resolution (300 dpi when it has none), scan area, each fault option stopping scanimage at the
# right page with the right message, device lost and found again, feed pace, defaults and
# warnings from folio.conf, and undecodable or oversized pictures reported, not crashed on.
set -u

build=${FOLIO_BUILD:?FOLIO_BUILD is not set}
tmp=${FOLIO_TMP:-$PWD}
lib=$build/lib/sane/libsane-folio.so.1

skip() {
	echo "$*"
	exit 77
}
fail() {
	echo "FAIL: $*" >&2
	[ -f "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" >&2
	exit 1
}

[ -f "$lib" ] || skip "no $lib: CONFIG_SANE_FOLIO_BACKEND is off or the backend is not built"
command -v scanimage >/dev/null || skip "scanimage is not installed (Debian package sane-utils)"
if ! command -v convert >/dev/null || ! command -v identify >/dev/null; then
	skip "ImageMagick (convert, identify) is not installed"
fi

# A sanitized backend needs the sanitizer runtimes in the (unsanitized) scanimage process, and
# scanimage's own leaks are not ours to report.
preload=
for rt in asan ubsan; do
	if readelf -d "$lib" 2>/dev/null | grep -q "NEEDED.*lib$rt\.so"; then
		preload="$preload $(gcc -print-file-name=lib$rt.so)"
	fi
done

export SANE_CONFIG_DIR=$tmp/sane.d
export LD_LIBRARY_PATH=$build/lib/sane${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export TMPDIR=$tmp # where device-lost stamps go
unset SANE_DEBUG_FOLIO

scan() {
	if [ -n "$preload" ]; then
		LD_PRELOAD="$preload" ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" scanimage "$@"
	else
		scanimage "$@"
	fi
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# mean FILE: mean brightness 0..1; near FILE EXPECTED: within 0.01
mean() {
	convert "$1" -format '%[fx:mean]' info:
}
near() {
	local m
	m=$(mean "$1")
	awk -v m="$m" -v e="$2" 'BEGIN { exit !(m - e < 0.01 && e - m < 0.01) }' ||
		fail "$1 has mean brightness $m, expected $2"
}
# shape FILE "FORMAT WIDTH HEIGHT DEPTH"
shape() {
	local s
	s=$(identify -format '%m %w %h %z' "$1")
	[ "$s" = "$2" ] || fail "$1 is '$s', expected '$2'"
}
# outputs N: exactly N files out1.pnm..outN.pnm in the current batch folder
outputs() {
	local n
	n=$(find "$out" -type f -name 'out*' | wc -l)
	[ "$n" -eq "$1" ] || fail "$n output files in $out, expected $1: $(ls "$out")"
}
# feed_on NAME ARGS...: a fresh output folder, scanimage --batch there, the feeder going on
# where the last session left the paper; status in $rc
feed_on() {
	out=$tmp/out-$1
	shift
	rm -rf "$out"
	mkdir -p "$out"
	scan --batch="$out/out%d.pnm" "$@" >"$tmp/log" 2>"$tmp/err"
	rc=$?
}
# batch NAME -d DEVICE ARGS...: the same with the whole stack put back in the feeder first
# (its reload-feeder button), so that each check starts at the first sheet
batch() {
	local name=$1
	shift
	feed_on "$name" "$1" "$2" --reload-feeder "${@:3}"
}

mkdir -p "$SANE_CONFIG_DIR"
printf 'folio\n' >"$SANE_CONFIG_DIR/dll.conf"

# Five A4 pages at 75 dpi, each a flat grey (40, 80, .., 200) so order and content show.
pages=$tmp/pages
mkdir -p "$pages"
for k in 1 2 3 4 5; do
	convert -size 620x877 "xc:gray($((k * 40)))" -density 75 -units PixelsPerInch \
		"$pages/page-0$k.png" || fail "cannot make test pages with ImageMagick"
done
echo "not a page" >"$pages/notes.txt"
printf 'device %s\n' "$pages" >"$SANE_CONFIG_DIR/folio.conf"
dev=folio:$pages
level() { awk -v k="$1" 'BEGIN { printf "%.4f", k * 40 / 255 }'; }

echo "== listing"
scan -L >"$tmp/log" 2>"$tmp/err" || fail "scanimage -L failed"
grep -qF "device \`$dev'" "$tmp/log" || fail "scanimage -L does not list $dev: $(cat "$tmp/log")"
scan -d "$dev" -A >"$tmp/log" 2>"$tmp/err" || fail "scanimage -A failed"
for opt in --source --mode --depth --resolution --threshold --page-width --page-height -l -t -x \
	-y --pages-per-minute --read-chunk --reload-feeder --jam-page --double-feed-page \
	--cover-open-page --no-paper-page --device-lost-page --device-lost-seconds --page-loaded \
	--double-feed --cover-open; do
	grep -qE -- "^ +${opt}[][ =]" "$tmp/log" || fail "scanimage -A does not list $opt"
done
grep -qE -- '--threshold .*\[inactive\]' "$tmp/log" || fail "threshold is not inactive in Gray"
grep -qE -- "--source Flatbed\|ADF Front\|ADF Duplex \[ADF Front\]" "$tmp/log" ||
	fail "wrong sources: $(grep -- --source "$tmp/log")"

echo "== ADF Front"
batch front -d "$dev" --source 'ADF Front' --resolution 75
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
outputs 5
for k in 1 2 3 4 5; do
	shape "$out/out$k.pnm" "PGM 620 877 8"
	near "$out/out$k.pnm" "$(level $k)"
done
grep -q 'out of documents' "$tmp/err" || fail "the batch did not end at the end of the feeder"

echo "== the feeder keeps its place across sessions"
batch first -d "$dev" --resolution 75 --batch-count=2
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
outputs 2
feed_on rest -d "$dev" --resolution 75
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
outputs 3
for k in 1 2 3; do near "$out/out$k.pnm" "$(level $((k + 2)))"; done
grep -qx 'fed page-05.png' "$pages/.folio-feeder" || fail "no place file: $(ls -a "$pages")"
# The clerk takes the fed sheets away and loads two more behind them: those come next.
mkdir -p "$tmp/tray"
mv "$pages"/page-0[1-5].png "$tmp/tray/"
convert -size 620x877 "xc:gray(20)" -density 75 -units PixelsPerInch "$pages/page-06.png"
convert -size 620x877 "xc:gray(250)" -density 75 -units PixelsPerInch "$pages/page-07.png"
feed_on more -d "$dev" --resolution 75
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
outputs 2
near "$out/out1.pnm" "$(awk 'BEGIN { printf "%.4f", 20 / 255 }')"
mv "$tmp/tray"/*.png "$pages/"
rm "$pages/page-06.png" "$pages/page-07.png"

echo "== ADF Duplex, odd page count"
batch duplex -d "$dev" --source 'ADF Duplex' --resolution 75
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
outputs 6
for k in 1 2 3 4 5; do near "$out/out$k.pnm" "$(level $k)"; done
near "$out/out6.pnm" 1
shape "$out/out6.pnm" "PGM 620 877 8"

echo "== Flatbed serves the first page every time"
batch flatbed -d "$dev" --source Flatbed --resolution 75 --batch-count=3
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
outputs 3
for k in 1 2 3; do near "$out/out$k.pnm" "$(level 1)"; done

echo "== modes and resolution"
batch lineart -d "$dev" --mode Lineart --resolution 150 --threshold 100 --batch-count=3
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
shape "$out/out1.pnm" "PBM 1240 1754 1"
near "$out/out1.pnm" 0 # grey 40 < 100: black
near "$out/out2.pnm" 0
near "$out/out3.pnm" 1 # grey 120 >= 100: white
batch color -d "$dev" --mode Color --resolution 100 --batch-count=2
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
shape "$out/out2.pnm" "PPM 827 1169 8"
near "$out/out2.pnm" "$(level 2)"

echo "== file resolution and scan area"
sized=$tmp/sized
mkdir -p "$sized"
# One inch of black at 300 dpi without a resolution, then two inches at 150 dpi.
convert -size 300x300 xc:black "$sized/a.pgm"
convert -size 300x300 xc:black -density 150 -units PixelsPerInch "$sized/b.png"
batch sized -d "folio:$sized" --resolution 75 --page-width 50.8 --page-height 50.8
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
outputs 2
shape "$out/out1.pnm" "PGM 150 150 8"
near "$out/out1.pnm" 0.75 # a quarter of the 2x2 inch page is black
near "$out/out2.pnm" 0
batch area -d "folio:$sized" --resolution 75 --page-width 50.8 --page-height 50.8 \
	-l 25.4 -t 0 -x 25.4 -y 12.7 --batch-count=1
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
shape "$out/out1.pnm" "PGM 75 38 8"
near "$out/out1.pnm" 1 # right of the black inch
grep -q 'page-width' <(scan -d "folio:$sized" --source Flatbed --page-width 100 -n 2>&1) ||
	fail "page-width is settable on the flatbed"

echo "== paper size: padded or cropped, never stretched; auto-size gives the sheet whole"
sheets=$tmp/sheets
mkdir -p "$sheets"
# A landscape sheet 4 x 2 inches at 100 dpi: its left half black, its right half white.
convert -size 200x200 xc:black -size 200x200 xc:white +append -density 100 -units PixelsPerInch \
	"$sheets/a.png"
# A fixed 2 x 4 inch paper: the sheet's first 2 inches are scanned as they are (black, then
# the rest of the paper white), not squeezed into the width.
batch fixed -d "folio:$sheets" --resolution 50 --page-width 50.8 --page-height 101.6
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
shape "$out/out1.pnm" "PGM 100 200 8"
near "$out/out1.pnm" 0.5 # the sheet's black half fills the top half of the paper
# Cropped and padded: black at the top-left, white paper below the sheet (stretching the sheet
# to the paper would make the bottom-left black too).
[ "$(convert "$out/out1.pnm" -format '%[fx:p{10,40}] %[fx:p{10,160}]' info:)" = "0 1" ] ||
	fail "the sheet was not cropped and padded to the paper"
batch auto -d "folio:$sheets" --resolution 50 --page-width 50.8 --page-height 101.6 \
	--auto-size=yes
[ $rc -eq 0 ] || fail "scanimage --auto-size=yes failed with status $rc"
shape "$out/out1.pnm" "PGM 200 100 8"
near "$out/out1.pnm" 0.5
# Longer than the feeder takes (1000 mm): the frame stops there, and nothing is stretched.
convert -size 60x2400 xc:gray50 -density 50 -units PixelsPerInch "$sheets/a.png"
batch long -d "folio:$sheets" --resolution 50 --auto-size=yes
[ $rc -eq 0 ] || fail "scanimage --auto-size=yes on a long sheet failed with status $rc"
shape "$out/out1.pnm" "PGM 60 1969 8"

echo "== faults"
batch jam -d "$dev" --resolution 75 --jam-page 3
[ $rc -ne 0 ] || fail "scanimage succeeded through a jam"
grep -q 'sane_read: Document feeder jammed' "$tmp/err" || fail "no jam message"
outputs 2
near "$out/out2.pnm" "$(level 2)"

batch doublefeed -d "$dev" --resolution 75 --double-feed-page 2
[ $rc -ne 0 ] || fail "scanimage succeeded through a double feed"
grep -q 'sane_read: Document feeder jammed' "$tmp/err" || fail "no double feed message"
outputs 1

batch duplexjam -d "$dev" --source 'ADF Duplex' --resolution 75 --jam-page 4
grep -q 'Document feeder jammed' "$tmp/err" || fail "no jam message in duplex"
outputs 3

batch cover -d "$dev" --resolution 75 --cover-open-page 4
[ $rc -ne 0 ] || fail "scanimage succeeded with the cover open"
grep -q 'sane_start: Scanner cover is open' "$tmp/err" || fail "no cover open message"
outputs 3

batch nopaper -d "$dev" --resolution 75 --no-paper-page 3
grep -q 'sane_start: Document feeder out of documents' "$tmp/err" || fail "no out of paper"
outputs 2

echo "== feed pace"
start=$(now_ms)
batch pace -d "$dev" --resolution 75 --pages-per-minute 300 --batch-count=4
elapsed=$(($(now_ms) - start))
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
outputs 4
[ $elapsed -ge 600 ] || fail "4 pages at 300 pages per minute took $elapsed ms, not >= 600"

echo "== read chunk"
batch chunk -d "$dev" --resolution 75 --read-chunk 1000 --batch-count=2
[ $rc -eq 0 ] || fail "scanimage failed with status $rc"
cmp -s "$out/out2.pnm" "$tmp/out-front/out2.pnm" || fail "small reads change the page"

echo "== device lost and found again"
batch lost -d "$dev" --resolution 75 --device-lost-page 2 --device-lost-seconds 2
lost_at=$(now_ms)
[ $rc -ne 0 ] || fail "scanimage succeeded through a lost device"
grep -q 'sane_read: Error during device I/O' "$tmp/err" || fail "no I/O error message"
outputs 1
scan -L >"$tmp/log" 2>&1
! grep -qF "\`$dev'" "$tmp/log" || fail "a lost device is still listed"
scan -d "$dev" -n >"$tmp/log" 2>&1 && fail "a lost device can be opened"
grep -q 'Invalid argument' "$tmp/log" || fail "opening a lost device: $(cat "$tmp/log")"
found=
for _ in $(seq 100); do
	if scan -L 2>/dev/null | grep -qF "\`$dev'"; then
		found=$(($(now_ms) - lost_at))
		break
	fi
	sleep 0.1
done
[ -n "$found" ] || fail "the device did not come back"
[ "$found" -ge 1000 ] || fail "the device came back after $found ms, before its 2 seconds"
# The paper stayed where it was: the lost page 2 is fed again, then 3 to 5.
feed_on back -d "$dev" --resolution 75
[ $rc -eq 0 ] || fail "scanning after the device came back failed with status $rc"
outputs 4
cmp -s "$out/out1.pnm" "$tmp/out-front/out2.pnm" || fail "after the replug the lost page 2 was not fed again"

echo "== defaults and warnings from folio.conf"
printf 'device %s\n# a comment\nbogus-setting 1\njam-page 2\njam-page many\n' "$pages" \
	>"$SANE_CONFIG_DIR/folio.conf"
batch conf -d "$dev" --resolution 75
grep -q "folio.conf:3: unknown setting 'bogus-setting'" "$tmp/err" || fail "no warning"
grep -q "folio.conf:5: 'jam-page' needs a whole number" "$tmp/err" || fail "no bad value warning"
grep -q 'Document feeder jammed' "$tmp/err" || fail "jam-page from folio.conf did not fire"
outputs 1

printf 'device ../pages\n' >"$SANE_CONFIG_DIR/folio.conf"
scan -L >"$tmp/log" 2>"$tmp/err"
grep -qF "device \`folio:$SANE_CONFIG_DIR/../pages'" "$tmp/log" ||
	fail "a relative device folder is not taken from folio.conf's folder: $(cat "$tmp/log")"

echo "== bad pictures"
printf 'device %s\nmax-megapixels 1\n' "$pages" >"$SANE_CONFIG_DIR/folio.conf"
bad=$tmp/bad
mkdir -p "$bad"
cp "$pages/page-01.png" "$bad/a.png"
head -c 3000 /dev/urandom >"$bad/b.png"
convert -size 1500x1000 xc:white "$bad/c.png"
cp "$pages/page-02.png" "$bad/d.png"
SANE_DEBUG_FOLIO=1 batch bad -d "folio:$bad" --resolution 75
grep -q 'sane_start: Error during device I/O' "$tmp/err" || fail "undecodable page not reported"
grep -q "cannot decode '.*/b.png'" "$tmp/err" || fail "no debug message for the damaged file"
outputs 1
SANE_DEBUG_FOLIO=1 batch big -d "folio:$bad" --resolution 75 --source Flatbed --batch-count=1 \
	--resolution 1200
grep -q 'sane_start: Invalid argument' "$tmp/err" || fail "oversized frame not refused"
grep -q 'larger than max-megapixels' "$tmp/err" || fail "no debug message for the frame"
rm "$bad/a.png" "$bad/b.png"
SANE_DEBUG_FOLIO=1 batch huge -d "folio:$bad" --resolution 75
grep -q "c.png' is 1500x1000 pixels, larger than the limit" "$tmp/err" ||
	fail "oversized picture not reported"
outputs 0

echo "== odd pictures: 16-bit grey, CMYK JPEG, an empty file"
odd=$tmp/odd
mkdir -p "$odd"
printf 'device %s\n' "$pages" >"$SANE_CONFIG_DIR/folio.conf"
convert -size 200x100 xc:gray50 -depth 16 -density 100 -units PixelsPerInch "$odd/a.png"
convert -size 200x100 xc:white -fill black -draw 'rectangle 0,0 99,99' -colorspace CMYK \
	-density 100 -units PixelsPerInch "$odd/b.jpg"
: >"$odd/c.png"
convert -size 200x100 xc:gray50 -density 100 -units PixelsPerInch "$odd/d.png"
SANE_DEBUG_FOLIO=1 batch odd -d "folio:$odd" --resolution 50 --auto-size=yes
# The 16-bit and CMYK pages come through (mid grey; half black); the empty file stops the
# batch with an I/O error and a debug line naming it, as an unreadable sheet does.
outputs 2
shape "$out/out1.pnm" "PGM 100 50 8"
near "$out/out1.pnm" 0.5
[ "$(identify -format '%[colorspace]' "$out/out2.pnm")" = Gray ] || fail "CMYK page: $(identify "$out/out2.pnm")"
shape "$out/out2.pnm" "PGM 100 50 8"
near "$out/out2.pnm" 0.5
grep -q 'sane_start: Error during device I/O' "$tmp/err" || fail "the empty file did not stop the batch"
grep -q "cannot decode '.*/c.png'" "$tmp/err" || fail "the empty file is not reported"

echo "== binary PGM and PPM, read a row at a time: the same frames as from PNG"
pnm=$tmp/pnm png=$tmp/png
mkdir -p "$pnm" "$png"
convert -size 300x200 xc:white -fill gray30 -draw 'rectangle 20,20 150,120' -density 300 \
	-units PixelsPerInch "$png/a.png"
convert -size 300x200 xc:white -fill red -draw 'rectangle 100,50 280,180' -fill blue \
	-draw 'rectangle 0,0 40,40' -density 300 -units PixelsPerInch "$png/b.png"
convert "$png/a.png" -depth 8 "$pnm/a.pgm"
convert "$png/b.png" -depth 8 -type TrueColor "$pnm/b.ppm"
printf 'P5\n# cut short\n300 200\n255\n' >"$pnm/c.pgm"
head -c 1000 /dev/zero >>"$pnm/c.pgm"
cp "$png/a.png" "$png/c.png"
for mode in Color Gray Lineart; do
	batch "pnm-$mode" -d "folio:$pnm" --mode "$mode" --resolution 150
	[ "$rc" = 0 ] || grep -q 'sane_start: Error during device I/O' "$tmp/err" ||
		fail "PNM, $mode: $(cat "$tmp/err")"
	outputs 2
	mv "$out" "$tmp/from-pnm"
	batch "png-$mode" -d "folio:$png" --mode "$mode" --resolution 150
	for k in 1 2; do
		cmp -s "$tmp/from-pnm/out$k.pnm" "$out/out$k.pnm" ||
			fail "PNM, $mode: sheet $k differs from the same picture in PNG"
	done
	rm -rf "$tmp/from-pnm"
done
SANE_DEBUG_FOLIO=1 batch pnm-short -d "folio:$pnm" --mode Gray --resolution 150
grep -q "cannot decode '.*/c.pgm': the file ends within the picture" "$tmp/err" ||
	fail "a PGM cut short is not reported: $(cat "$tmp/err")"

echo "all scanimage checks passed"
