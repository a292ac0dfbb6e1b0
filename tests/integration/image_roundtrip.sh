#!/bin/bash
# Every file the image stage writes reads back with the standard tools: tiffinfo (libtiff's
# own) and identify/compare (ImageMagick), with the intended tags and pixels.
set -u
: "${FOLIO_BUILD:?run through tests/run.sh}" "${FOLIO_TMP:?}"
write=$FOLIO_BUILD/tests/integration/image_write
pagegen=$FOLIO_BUILD/bin/pagegen
for tool in tiffinfo identify compare; do
	command -v $tool >/dev/null || { echo "skip: '$tool' is not installed (make deps)"; exit 77; }
done
[ -x "$write" ] && [ -x "$pagegen" ] || { echo "build the tests first: $write"; exit 1; }

fail=0
check() { # description, command...
	local what=$1; shift
	if ! "$@"; then echo "FAIL: $what"; fail=1; fi
}

cd "$FOLIO_TMP" || exit 1
"$pagegen" --out src --count 2 --kind text --seed 5 --skew-range -3:0 || exit 1
"$pagegen" --out src --first 3 --count 1 --kind blank-holes --seed 6 || exit 1
mkdir -p bitonal grey colour
"$write" --out bitonal --multipage document src/page-0001.png src/page-0002.png \
	src/page-0003.png >bitonal.tsv || { echo "FAIL: image_write bitonal"; exit 1; }
"$write" --out grey --output grey src/page-0002.png >/dev/null || { echo "FAIL: grey"; exit 1; }
"$write" --out colour --output colour src/page-0002.png >/dev/null || { echo "FAIL: colour"; exit 1; }

# The blank sheet is flagged, and kept.
check "blank sheet not flagged" awk -F'\t' '$1 ~ /page-0003/ { found = 1; exit !($4 == 1) }
	END { if (!found) exit 1 }' bitonal.tsv
check "blank sheet not written" test -s bitonal/page-0003.tif

for f in bitonal/page-000{1,2,3}.tif; do
	info=$(tiffinfo "$f" 2>&1) || { echo "FAIL: tiffinfo cannot read $f"; fail=1; continue; }
	check "$f: not G4" grep -q "Compression Scheme: CCITT Group 4" <<<"$info"
	check "$f: resolution" grep -q "Resolution: 300, 300 pixels/inch" <<<"$info"
	check "$f: software" grep -q "Software: Folio image_write" <<<"$info"
	check "$f: size" grep -q "Image Width: 2480 Image Length: 3508" <<<"$info"
	check "$f: bits" grep -q "Bits/Sample: 1" <<<"$info"
	check "$f: date" grep -qE "DateTime: [0-9]{4}:[0-9]{2}:[0-9]{2} " <<<"$info"
	# tiffinfo -D decodes every strip: errors show up here.
	check "$f: strips do not decode" bash -c "tiffinfo -D '$f' >/dev/null 2>&1"
	im=$(identify -format '%w %h %x %y %U %[tiff:photometric] %C %z\n' "$f" 2>&1)
	check "$f: identify says '$im'" grep -qE "^2480 3508 300 300 PixelsPerInch min-is-white Group4 1$" <<<"$im"
done

# The multi-page document: three pages, each identical to its single-page file.
doc=bitonal/document.tif
pages=$(tiffinfo "$doc" 2>/dev/null | grep -c "TIFF Directory at offset")
check "$doc has $pages pages, expected 3" test "$pages" = 3
check "$doc: page numbers" bash -c "tiffinfo '$doc' | grep -q 'Page Number: 2-3'"
n=$(identify "$doc" 2>/dev/null | wc -l)
check "identify sees $n pages in $doc" test "$n" = 3
for i in 0 1 2; do
	ae=$(compare -metric AE "$doc[$i]" "bitonal/page-000$((i + 1)).tif" null: 2>&1)
	check "$doc page $i differs from its single page by '$ae' pixels" test "$ae" = 0
done

# The text pages came out straight and clean: ImageMagick measures the skew of the output.
for f in bitonal/page-0001.tif bitonal/page-0002.tif; do
	angle=$(convert "$f" -deskew 40% -format '%[deskew:angle]' info: 2>/dev/null)
	check "$f: ImageMagick finds it skewed by '$angle' degrees" \
		awk -v a="$angle" 'BEGIN { exit !(a != "" && a > -0.2 && a < 0.2) }'
done

# JPEG: type, size, density; pixels close to the source (page 2 has skew 0: nothing moves).
for f in grey/page-0002.jpg colour/page-0002.jpg; do
	im=$(identify -format '%m %w %h %x %y %U %[colorspace] %Q\n' "$f" 2>&1)
	case $f in grey/*) cs=Gray ;; *) cs=sRGB ;; esac
	check "$f: identify says '$im'" grep -qE "^JPEG 2480 3508 300 300 PixelsPerInch $cs 85$" <<<"$im"
	rmse=$(compare -metric RMSE -channel R "$f" src/page-0002.png null: 2>&1 | sed 's/.*(\(.*\))/\1/')
	check "$f: differs from the source by RMSE $rmse" \
		awk -v r="$rmse" 'BEGIN { exit !(r != "" && r < 0.03) }'
done

[ $fail = 0 ] || exit 1
echo "figure: tiffinfo/identify/compare: 3 G4 pages, 3-page document, grey and colour JPEG as intended"
