#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# One file per document, on request: with [upload] document_file = multipage a document's
# page images go out as one multi-page TIFF, D0001/document.tif, each page's compressed data
# copied as stored (G4 stays G4, a JPEG page is JPEG-in-TIFF, compression 7). libtiff's own
# tools read it; the ST.96 XML names it for every page with that page's SHA-256; the
# office's verifier counts its directories and checks every page's hash.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"
command -v tiffinfo >/dev/null || skip "tiffinfo (libtiff-tools) not installed"

folio="$FOLIO_BUILD/bin/folio --config folio.conf"
# a page with red on it between text pages: auto output makes it a colour JPEG, the text
# pages G4
feeder_config "mode = color" "output = auto" "[station] key_file = keys/station.key" <<EOF
[ocr]
workers = 2
[upload]
document_file = multipage
EOF
$folio config check >/dev/null 2>err || fail "config check refuses multipage: $(cat err)"
$folio keygen --out keys >/dev/null 2>err || fail "keygen failed: $(cat err)"

pg="$FOLIO_BUILD/bin/pagegen --out stack --dpi 300"
$pg --first 1 --kind text --seed 31 >/dev/null || fail "pagegen failed"
$pg --first 2 --kind stamp --seed 32 >/dev/null || fail "pagegen failed"
command -v convert >/dev/null || skip "convert (ImageMagick) not installed"
convert stack/page-0002.png -fill '#d02020' -draw 'rectangle 300,300 1200,900' -type TrueColor \
	PNG24:stack/colour.png 2>err || fail "convert failed: $(cat err)"
mv stack/colour.png stack/page-0002.png
$pg --first 3 --kind text --seed 33 >/dev/null || fail "pagegen failed"
b=$(ASAN_OPTIONS=detect_leaks=0 $folio scan 2>err) || fail "scan failed: $(cat err)"
$folio ocr --batch "$b" 2>err || fail "OCR failed: $(cat err)"
index_batch "$b"
$folio batch approve "$b" >/dev/null 2>err || fail "approval refused: $(cat err)"
pkg=$($folio export --batch "$b" --out out 2>err) || fail "export failed: $(cat err)"
tif=$pkg/D0001/document.tif
[ -f "$tif" ] || fail "no D0001/document.tif: $(ls "$pkg/D0001")"
ls "$pkg"/D0001/P*.tif "$pkg"/D0001/P*.jpg >/dev/null 2>&1 &&
	fail "page files beside document.tif: $(ls "$pkg/D0001")"
[ "$(ls "$pkg"/D0001/P*.txt | wc -l)" = 3 ] || fail "OCR text is not per page: $(ls "$pkg/D0001")"
[ -f "$pkg/D0001/document.pdf" ] || fail "no document.pdf: $(ls "$pkg/D0001")"

# --- libtiff's reading: 3 directories, G4, JPEG, G4, at the pages' sizes, numbered
tiffinfo "$tif" >info 2>info.err || fail "tiffinfo cannot read it: $(cat info.err)"
[ "$(grep -c '^TIFF Directory' info)" = 3 ] || fail "not 3 directories: $(cat info)"
grep 'Compression Scheme' info | sed 's/^ *//' >comp
printf 'Compression Scheme: CCITT Group 4\nCompression Scheme: JPEG\nCompression Scheme: CCITT Group 4\n' |
	cmp -s - comp || fail "compressions: $(cat comp)"
[ "$(grep -c 'Page Number: [0-2]-3' info)" = 3 ] || fail "page numbers: $(grep 'Page Number' info)"
[ "$(grep -c 'Resolution: 300, 300 pixels/inch' info)" = 3 ] || fail "resolution: $(cat info)"
$folio batch show "$b" >show || fail "batch show failed"
for n in 1 2 3; do
	size=$(awk -v n="$n" '/^pages/ { p = 1; next } p && $1 == n { print $4; exit }' show)
	w=${size%x*} h=${size#*x}
	awk -v d="$n" -v w="$w" -v h="$h" '/^TIFF Directory/ { k++ }
		k == d && /Image Width:/ { found = ($3 == w && $6 == h) } END { exit !found }' info ||
		fail "directory $n is not ${w}x$h: $(cat info) / $(cat show)"
done
# every page decodes through libtiff (the JPEG strip is the stored JPEG, tables and all)
tiffcp -c none "$tif" plain.tif 2>err || fail "tiffcp cannot decode it: $(cat err)"
[ "$(tiffinfo plain.tif 2>/dev/null | grep -c '^TIFF Directory')" = 3 ] || fail "tiffcp lost pages"

# --- the XML names document.tif for every page, with its hash; valid ST.96
xml=$pkg/D0001/files.xml # a patent: its page files are listed there (ST96.md)
[ "$(grep -c '<com:FileName>document.tif</com:FileName>' "$pkg/D0001/document.xml")" = 3 ] ||
	fail "document.xml does not name document.tif for 3 pages: $(cat "$pkg/D0001/document.xml")"
[ "$(grep -cE 'page [1-3] of document.tif, image data SHA-256 [0-9a-f]{64}' "$xml")" = 3 ] ||
	fail "files.xml lacks per-page hashes: $(cat "$xml")"
# the JPEG page's hash is the stored JPEG file's: the bytes as captured, nothing re-encoded
$folio page export --batch "$b" --page 2 --out p2.jpg >/dev/null 2>err ||
	fail "page export failed: $(cat err)"
grep -q "page 2 of document.tif, image data SHA-256 $(sha256sum p2.jpg | cut -c1-64)" "$xml" ||
	fail "page 2's hash is not its stored JPEG's"
st96_schemas
if [ ${#schemas[@]} != 0 ]; then
	xmllint --noout --nonet --schema "$st96/ApplicationBody_V6_0.xsd" \
		"$pkg/D0001/document.xml" 2>err || fail "document.xml is not valid: $(cat err)"
	xmllint --noout --nonet --schema "$st96/Patent_V6_0.xsd" "$xml" 2>err ||
		fail "files.xml is not valid: $(cat err)"
fi

$folio verify "$pkg" --key keys/station.pub "${schemas[@]}" >verify.out 2>verify.err ||
	fail "a multipage package fails verification: $(cat verify.out verify.err)"
grep -q '^result    ok$' verify.out || fail "verify report: $(cat verify.out)"
grep -q '^contents  1 documents, 3 pages,' verify.out || fail "verify counts: $(cat verify.out)"
grep -q '^pdf       1 of 1 documents' verify.out || fail "the PDF is not checked: $(cat verify.out)"
"$FOLIO_BUILD/bin/folio-verify" "$pkg" --key keys/station.pub >/dev/null 2>&1 ||
	fail "folio-verify alone refuses it"

# --- one page's bytes altered: the verifier names that page, and only that one
name=${pkg##*/}
mkdir bad && cp -a "$pkg" bad/ || fail "cannot copy the package"
off=$(tiffinfo -s "bad/$name/D0001/document.tif" 2>/dev/null |
	awk '/^TIFF Directory/ { k++ } k == 2 && /^ +0: \[/ { gsub(/[][,]/, " "); print $2; exit }')
[ -n "$off" ] || fail "cannot find page 2's strip: $(tiffinfo -s "bad/$name/D0001/document.tif")"
printf 'X' | dd of="bad/$name/D0001/document.tif" bs=1 seek=$((off + 100)) conv=notrunc status=none
$folio verify "bad/$name" --key keys/station.pub >bad.out 2>&1 && fail "an altered page passes"
grep -q "page 2 of 'D0001/document.tif' is not the image its XML lists" bad.out ||
	fail "the altered page is not named: $(cat bad.out)"
grep -q "page [13] of 'D0001/document.tif'" bad.out && fail "an untouched page is blamed: $(cat bad.out)"

# --- the setting is checked: a bad value is one clear line
sed -i 's/^document_file = multipage$/document_file = single/' folio.conf
$folio config check >/dev/null 2>err && fail "config check takes document_file = single"
grep -qx "folio.conf:[0-9]*: bad value for 'document_file': 'single' is not one of: pages multipage" err ||
	fail "config check on a bad document_file: $(cat err)"
echo "figure: document.tif $(stat -c %s "$tif") bytes for 3 pages (G4, JPEG, G4)"
