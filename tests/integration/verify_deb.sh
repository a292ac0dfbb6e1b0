#!/bin/bash
# requires: CONFIG_OCR
# The office's Debian package, folio-verify alone (tools/deb/verify.sh, `make deb-verify`):
# it holds the program, its man page, copyright and changelog and nothing of the station; its
# dependencies are computed from the binary (libsodium, libxml2, liblmdb, zlib, libc); lintian
# finds no error in it; unpacked into a scratch root (dpkg-deb -x), the installed folio-verify
# loads none of the station's libraries, passes a package the station delivered and refuses a
# tampered copy.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -n "${FOLIO_SANITIZE:-}" ] && skip "the package is the plain build: tested in the plain run"
for t in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
	command -v $t >/dev/null || skip "$t is not installed (Debian packages dpkg, dpkg-dev)"
done

# --- built from a build folder that holds the program (the test's own, not the tree's)
mkdir -p b/bin && cp "$FOLIO_BUILD/bin/folio-verify" b/bin/
start=$EPOCHREALTIME
deb=$(CC=${CC:-gcc} "$FOLIO_SRC/tools/deb/verify.sh" b 2>lintian.out | tail -n 1) ||
	fail "tools/deb/verify.sh failed: $(tail -5 lintian.out)"
built=$EPOCHREALTIME
[ -f "$deb" ] || fail "no package: '$deb'"
grep -q '^E:' lintian.out && fail "lintian errors: $(grep '^E:' lintian.out)"
[ "$(dpkg-deb -f "$deb" Package)" = folio-verify ] || fail "package name: $(dpkg-deb -f "$deb" Package)"
depends=$(dpkg-deb -f "$deb" Depends)
for want in libc6 liblmdb0 libsodium23 libxml2 zlib1g; do
	echo "$depends" | grep -q "\b$want\b" || fail "Depends lacks $want: $depends"
done
echo "$depends" | grep -Eq 'sane|tesseract|lept|tiff|jpeg|systemd|inih' &&
	fail "Depends names the station's libraries: $depends"
files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sort | tr '\n' ' ')
[ "$files" = "./usr/bin/folio-verify ./usr/share/doc/folio-verify/changelog.Debian.gz ./usr/share/doc/folio-verify/copyright ./usr/share/man/man1/folio-verify.1.gz " ] ||
	fail "the package holds: $files"

# --- installed into a scratch root
dpkg-deb -x "$deb" root || fail "dpkg-deb -x failed"
fv=$PWD/root/usr/bin/folio-verify
ldd "$fv" >ldd.out 2>&1 || fail "ldd fails on the installed folio-verify: $(cat ldd.out)"
grep -Eq 'libsane|libtesseract|liblept|libtiff|libjpeg|libsystemd|libinih|not found' ldd.out &&
	fail "the installed folio-verify loads the station's libraries: $(cat ldd.out)"
if command -v man >/dev/null; then
	man -l root/usr/share/man/man1/folio-verify.1.gz 2>/dev/null | grep -q 'registry of accepted packages' ||
		fail "the man page does not render"
fi

signed_package
"$fv" "$pkg" --key keys/station.pub >ok.out 2>ok.err || fail "the installed folio-verify refuses a delivered package: $(cat ok.out ok.err)"
grep -q '^result    ok$' ok.out || fail "no 'result ok': $(cat ok.out)"
mkdir t && cp -a "$pkg" t/
printf x >>"$(find t -name P0002.tif)"
expect_fail 1 "failed verification" "$fv" "t/$(basename "$pkg")" --key keys/station.pub
"$fv" "$pkg" --key keys/station.pub --registry reg >/dev/null 2>&1 || fail "the registry refuses a first package"
expect_fail 1 "a replay, refused" "$fv" "$pkg" --key keys/station.pub --registry reg
awk -v a="$start" -v b="$built" -v s="$(stat -c %s "$deb")" -v n="$(grep -c '=>' ldd.out)" \
	-v w="$(grep -c '^W:' lintian.out)" 'BEGIN { printf "figure: folio-verify .deb: %d bytes, built+lintian in %.1f s (%d warnings, 0 errors), loads %d shared libraries\n", s, b - a, w, n }'
