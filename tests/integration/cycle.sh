#!/bin/bash
# requires: CONFIG_OCR
# The first whole station cycle through the real programs: Debian's SANE test backend
# (10 pages from its feeder) -> folio scan -> LMDB store -> folio export -> a package whose
# TIFFs read back with libtiff's own tools, whose ST.96 XML validates against the official
# schemas, and whose manifest sha256sum accepts. Then the ways a user can get it wrong.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

make_config "$FOLIO_TMP/folio.conf" test:0
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"

# --- capture: the batch id alone on stdout, progress and summary on stderr
batch=$($folio scan --source adf 2>scan.err) || fail "folio scan failed: $(cat scan.err)"
[ "$batch" = 1 ] || fail "folio scan printed '$batch' on stdout, not the batch id 1"
grep -q 'batch 1: 10 pages captured' scan.err || fail "no summary: $(cat scan.err)"

$folio batch show 1 >show.out || fail "batch show failed"
grep -qE '^  state +closed' show.out || fail "batch not closed after the feeder ran empty: $(cat show.out)"
grep -qE '^  pages +10$' show.out || fail "expected 10 pages: $(cat show.out)"
[ "$($folio batch list | awk '$1 == 1 { print $2, $3 }')" = "closed 10" ] ||
	fail "batch list does not show batch 1 closed with 10 pages"

# --- no package while a page still waits for its text, then OCR reads every page
expect_fail 1 "batch 1: text of 10 of 10 pages is not read yet" $folio export --batch 1 --out out
[ ! -e out/TEST-01-B000001 ] || fail "a package was written while OCR was pending"
$folio ocr --batch 1 2>ocr.err || fail "folio ocr failed: $(cat ocr.err)"
grep -qE '^  text +for 10 of 10 pages, 0 failed for good, 0 waiting$' <($folio batch show 1) ||
	fail "batch show does not say every page was read: $($folio batch show 1)"

# --- export: exactly the package that would be uploaded
pkg=$($folio export --batch 1 --out out 2>export.err) || fail "export failed: $(cat export.err)"
[ -d "$pkg" ] || fail "export printed '$pkg', which is not a folder"
[ "$(ls "$pkg"/D0001/P*.tif | wc -l)" = 10 ] || fail "expected 10 page images in $pkg/D0001"
(cd "$pkg" && sha256sum --quiet -c MANIFEST.sha256) || fail "sha256sum -c rejects the manifest"
[ "$(wc -l <"$pkg/MANIFEST.sha256")" = 17 ] || fail "manifest should list 10 images, the 3 XML files of a patent, the PDF, BATCH.txt, EVENTS.txt and MANIFEST.sizes"
# Private modes whatever the umask: files 0600, folders 0700.
modes=$(find "$pkg" -type f ! -perm 0600 -printf '%m %p\n'; find "$pkg" -type d ! -perm 0700 -printf '%m %p\n')
[ -z "$modes" ] || fail "exported with other modes than 0600/0700: $(echo "$modes" | head -n 3)"

# The images as someone else's tools see them: G4, 300 dpi, 1 bit.
info=$(tiffinfo "$pkg/D0001/P0001.tif" 2>&1)
echo "$info" | grep -q 'Compression Scheme: CCITT Group 4' || fail "P0001.tif is not G4: $info"
echo "$info" | grep -q 'Resolution: 300, 300 pixels/inch' || fail "P0001.tif resolution: $info"
echo "$info" | grep -q 'Bits/Sample: 1' || fail "P0001.tif is not bitonal: $info"

# The ST.96 description validates against WIPO's schemas (libxml2's validator).
if [ -d "$FOLIO_SHARED/st96/V6_0" ]; then
	xmllint --noout --nonet --schema "$FOLIO_SHARED/st96/V6_0/ApplicationBody_V6_0.xsd" \
		"$pkg/D0001/document.xml" 2>xml.err || fail "ST.96 XML invalid: $(cat xml.err)"
	grep -q 'P0010.tif' "$pkg/D0001/document.xml" || fail "XML does not list page 10"
else
	echo "note: $FOLIO_SHARED/st96 absent, ST.96 validation not run"
fi

# Exporting twice does not overwrite a package.
expect_fail 1 "already exported" $folio export --batch 1 --out out

# --- grey pages become JPEG with their resolution in the JFIF header
printf '\n[profile grey]\nsource = adf\nmode = gray\noutput = grey\n' >>"$FOLIO_TMP/folio.conf"
batch=$($folio scan --profile grey --resolution 150 2>scan.err) ||
	fail "gray scan failed: $(cat scan.err)"
$folio ocr --batch "$batch" 2>ocr.err || fail "folio ocr failed: $(cat ocr.err)"
pkg=$($folio export --batch "$batch" --out out) || fail "export of gray batch failed"
identify -format '%m %x %y %U\n' "$pkg/D0001/P0001.jpg" >id.out 2>&1
grep -q '^JPEG 150 150 PixelsPerInch' id.out || fail "JPEG page: $(cat id.out)"

# --- wrong input: one clear line, the right status, nothing changed
expect_fail 2 "unknown command 'scna'" $folio scna
expect_fail 2 "'x' is not a batch number" $folio batch show x
expect_fail 1 "no batch 99 in the store" $folio batch show 99
expect_fail 1 "no batch 99 in the store" $folio export --batch 99 --out out
expect_fail 2 "both --batch and --out are needed" $folio export --batch 1
expect_fail 2 "--source must be adf, duplex or flatbed" $folio scan --source tray
expect_fail 1 "scanner 'nosuch:0' is not one SANE finds" $folio scan --device nosuch:0
expect_fail 1 "cannot open scanner 'nosuch:0'" $folio scan --device nosuch:0 --force
expect_fail 1 "batch 1 is closed and cannot become closed" $folio batch close 1
[ "$($folio batch list | grep -c '^ *[0-9]')" = 2 ] || fail "a failed command changed the store"

# A batch that is still open cannot be exported.
printf '[station]\nid = S\n' >bad.conf
expect_fail 2 "bad.conf: [station] office is required" \
	"$FOLIO_BUILD/bin/folio" --config bad.conf batch list
expect_fail 2 "pass --config FILE" \
	env FOLIO_CONFIG= "$FOLIO_BUILD/bin/folio" --config /etc/folio/folio.conf batch list

# --- --store overrides the config, before or after the command
$folio --store other scan --source adf >/dev/null 2>&1 || fail "scan into --store other failed"
[ "$($folio batch list --store other | grep -c '^ *[0-9]')" = 1 ] || fail "--store after the command ignored"
[ "$($folio --store other batch list | grep -c '^ *[0-9]')" = 1 ] || fail "--store before the command ignored"

echo "cycle: 3 batches captured, exported and checked"
