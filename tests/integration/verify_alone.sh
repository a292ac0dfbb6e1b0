#!/bin/bash
# requires: CONFIG_OCR
# folio-verify, the office's verifier on its own: it needs only libsodium, libxml2, liblmdb
# (its registry of accepted packages), zlib (the searchable PDFs' streams, which libxml2 loads
# anyway) and libc (checked in its ELF header and with ldd), and
# gives the same verdict and report as `folio verify` on a package the station delivered, a
# tampered copy and bad usage. Its registry refuses a replay and a collision from a station
# whose store was re-created, and lists what it accepted.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
fv="$FOLIO_BUILD/bin/folio-verify"
[ -x "$fv" ] || fail "$fv was not built"
command -v readelf >/dev/null || skip "readelf is not installed (Debian package binutils)"

# --- what it links
allowed='^(libsodium\.so\.[0-9]+|libxml2\.so\.[0-9]+|liblmdb\.so\.[0-9]+|libz\.so\.[0-9]+|libc\.so\.6|ld-linux[-a-z0-9_.]*\.so\.[0-9]+)$'
if [ -n "${FOLIO_SANITIZE:-}" ]; then # the sanitizers' runtimes come with a sanitized build
	allowed='^(libsodium\.so\.[0-9]+|libxml2\.so\.[0-9]+|liblmdb\.so\.[0-9]+|libz\.so\.[0-9]+|libc\.so\.6|libasan\.so\.[0-9]+|libubsan\.so\.[0-9]+|libm\.so\.6|libgcc_s\.so\.1|libstdc\+\+\.so\.6|ld-linux[-a-z0-9_.]*\.so\.[0-9]+)$'
fi
needed=$(readelf -d "$fv" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
for lib in $needed; do
	echo "$lib" | grep -Eq "$allowed" || fail "folio-verify needs $lib (it may need only libsodium, libxml2, liblmdb, zlib, libc)"
done
echo "$needed" | grep -q '^libsodium' || fail "folio-verify does not link libsodium: $needed"
echo "$needed" | grep -q '^libxml2' || fail "folio-verify does not link libxml2: $needed"
ldd "$fv" >ldd.out 2>&1 || fail "ldd fails on folio-verify: $(cat ldd.out)"
if grep -Eq 'libsane|libtesseract|liblept|libtiff|libjpeg|libsystemd|libinih|not found' ldd.out; then
	fail "folio-verify loads the station's libraries: $(cat ldd.out)"
fi
n_fv=$(grep -c '=>' ldd.out)
n_folio=$(ldd "$FOLIO_BUILD/bin/folio" | grep -c '=>')
echo "figure: folio-verify loads $n_fv shared libraries ($(echo $needed | tr ' ' ',') directly), folio $n_folio"

# --- a delivered package: the same report as folio verify
signed_package
st96_schemas
"$fv" "$pkg" --key keys/station.pub "${schemas[@]}" >fv.out 2>fv.err ||
	fail "folio-verify refuses a delivered package: $(cat fv.out fv.err)"
$folio verify "$pkg" --key keys/station.pub "${schemas[@]}" >folio.out 2>/dev/null ||
	fail "folio verify refuses it"
diff fv.out folio.out >/dev/null || fail "the two reports differ: $(diff fv.out folio.out)"
grep -q '^result    ok$' fv.out || fail "no 'result ok': $(cat fv.out)"
grep -q '^pdf       1 of 1 documents, page counts agree$' fv.out || fail "the PDF is not checked: $(cat fv.out)"
[ ! -s fv.err ] || fail "folio-verify wrote to stderr on success: $(cat fv.err)"
# On a terminal it shows how far it has come, as folio verify does (a package may be GBs)
files=$(grep -c . "$pkg/MANIFEST.sha256")
script -qec "$fv $pkg --key keys/station.pub ${schemas[*]}" /dev/null </dev/null >tty.out 2>&1
grep -q "verify: file $files of $files" tty.out ||
	fail "folio-verify on a terminal shows no progress: $(tr '\r' '\n' <tty.out | head -n 5)"

# --- a tampered copy, a wrong key, bad usage
mkdir t && cp -a "$pkg" t/
f=$(find t -name 'P0003.tif')
printf x >>"$f"
expect_fail 1 "failed verification: " "$fv" "t/$(basename "$pkg")" --key keys/station.pub
"$fv" "t/$(basename "$pkg")" --key keys/station.pub 2>/dev/null | grep -q "^PROBLEM   'D0001/P0003.tif' does not match its SHA-256" ||
	fail "the tampered page is not named"
expect_fail 1 "is not a Folio public key" "$fv" "$pkg" --key keys/station.key
expect_fail 2 "a package folder and --key are needed" "$fv" "$pkg"
expect_fail 2 "unknown option '--frobnicate'" "$fv" "$pkg" --key keys/station.pub --frobnicate
expect_fail 2 "option '--key' needs a value" "$fv" "$pkg" --key
expect_fail 2 "option '--list' takes no value" "$fv" --registry reg --list=all
expect_fail 1 "cannot verify 'nowhere'" "$fv" nowhere --key keys/station.pub
# A key that is not there is named, not the package folder that is
expect_fail 1 "cannot read the station key 'keys/nokey.pub'" "$fv" "$pkg" --key keys/nokey.pub
# A folder's name with a terminal escape is printed escaped, in the report and on stderr.
esc=$(printf 'x\033[2Jy')
mkdir "$esc"
expect_fail 1 "package 'x\x1b[2Jy' failed verification" "$fv" "$esc" --key keys/station.pub
"$fv" "$esc" --key keys/station.pub 2>/dev/null | grep -q '^package   x\\x1b\[2Jy$' ||
	fail "the package's name is not escaped in the report"

# --- the office's registry: a package is accepted once; a replay or a collision is refused
name=$(basename "$pkg")
"$fv" "$pkg" --key keys/station.pub --registry reg >reg.out 2>reg.err ||
	fail "first acceptance refused: $(cat reg.out reg.err)"
grep -q "^registry  recorded station TEST-01 batch $batch ('$name')$" reg.out || fail "registry: $(cat reg.out)"
"$fv" --registry reg --list >list.out 2>&1 || fail "--list failed: $(cat list.out)"
store=$(sed -n 's/^store: //p' "$pkg/BATCH.txt")
grep -q "^TEST-01	$batch	$store	[0-9TZ:-]*	[0-9a-f]\{16\}	$(sha256sum <"$pkg/MANIFEST.sha256" | cut -d' ' -f1)	$name$" list.out ||
	fail "the registry does not list the package with its manifest's hash: $(cat list.out)"
mkdir again && cp -a "$pkg" again/
expect_fail 1 "a replay, refused" "$fv" "again/$name/" --key keys/station.pub --registry reg
expect_fail 1 "this same package" "$fv" "$pkg" --key keys/station.pub --registry reg
# A re-created store numbers its batches from 1 again: the same station and batch, another
# package (its name differs by the store id), refused as a collision.
mv store store.old
batch2=$(ASAN_OPTIONS=detect_leaks=0 $folio scan --source adf 2>err) || fail "scan failed: $(cat err)"
[ "$batch2" = "$batch" ] || fail "a new store started at batch $batch2, not $batch"
$folio ocr --batch "$batch2" 2>err || fail "OCR failed: $(cat err)"
index_batch "$batch2"
$folio batch approve "$batch2" >/dev/null 2>err || fail "approve failed: $(cat err)"
pkg2=$($folio export --batch "$batch2" --out out2 2>err) || fail "export failed: $(cat err)"
[ "$(basename "$pkg2")" != "$name" ] || fail "the re-created store's package has the old name"
expect_fail 1 "a collision: the station's store was re-created, refused" \
	"$fv" "$pkg2" --key keys/station.pub --registry reg
[ "$(grep -c '^TEST-01' <("$fv" --registry reg --list))" = 1 ] || fail "a refused package was recorded"
# A package that fails verification is never recorded.
expect_fail 1 "failed verification" "$fv" "t/$name" --key keys/station.pub --registry reg2
[ "$(grep -c '^TEST-01' <("$fv" --registry reg2 --list))" = 0 ] || fail "a tampered package was recorded"
# Registries that cannot take a package are refused before verifying, in one line.
echo notes >notes.txt
expect_fail 1 "'notes.txt' is not a Folio registry: not a folder" "$fv" "$pkg" --key keys/station.pub --registry notes.txt
expect_fail 1 "'store' is not a Folio registry" "$fv" "$pkg" --key keys/station.pub --registry store
expect_fail 1 "no registry at 'nowhere'" "$fv" --registry nowhere --list
expect_fail 2 "--list takes --registry DIR and nothing else" "$fv" "$pkg" --registry reg --list
# The first registry layout (a file per package) is migrated, and still refuses replays.
mkdir old && echo "accepted 2026-11-30T08:00:00Z key 0123456789abcdef manifest $(sha256sum <"$pkg/MANIFEST.sha256" | cut -d' ' -f1)" >"old/$name"
expect_fail 1 "accepted on 2026-11-30T08:00:00Z as '$name', this same package" "$fv" "$pkg" --key keys/station.pub --registry old
[ -f "old/old-layout/$name" ] || fail "the old layout's file was not kept aside"
echo "figure: folio-verify and folio verify agree on a delivered package; tampering refused"
echo "figure: --registry (LMDB) accepts a package once, refuses its replay and a re-created store's collision"
