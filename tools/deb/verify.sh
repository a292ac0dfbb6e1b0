#!/bin/bash
# `make deb-verify`: the office's package, folio-verify alone: the program, its man page,
# copyright and changelog, with the dependencies dpkg-shlibdeps finds in the binary
# (libsodium, libxml2, liblmdb, zlib, libc). Runs lintian when it is installed. Prints the
# package's path.
#
# Usage: tools/deb/verify.sh BUILD_DIR     (CC names the compiler)
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
cc=${CC:-gcc}
. "$src/tools/deb/lib.sh"
[ -x "$build/bin/folio-verify" ] || { echo "deb-verify: no $build/bin/folio-verify: build first" >&2; exit 1; }
deb_setup

work=$(mktemp -d "${TMPDIR:-/tmp}/folio-verify-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/DEBIAN" "$root/usr/bin"
deb_install_program "$root" "$build/bin/folio-verify"
deb_man "$root" "$src/tools/man/folio-verify.1"
deb_docs "$root" folio-verify "The office's verifier of packages from Folio document capture stations." \
	"Built from the Folio source tree."
find "$root" -type d -exec chmod 0755 {} +
find "$root/usr/share" -type f -exec chmod 0644 {} +
shlibs=$(deb_shlibs "$work" folio-verify "$root/usr/bin/folio-verify")
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: folio-verify
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $shlibs
Section: utils
Priority: optional
Homepage: https://folio.invalid/
Description: verifier of packages from Folio document capture stations
 folio-verify is what an intellectual-property office runs on a package a
 Folio station delivered: the station's signature, every file's SHA-256 and
 size, the folder's name against the batch, the chain of custody to the
 batch's approval, each document's XML, page images and searchable PDF, and
 optionally the WIPO ST.96 schemas. With a registry it refuses a package
 accepted before (a replay or a collision).
 .
 It needs none of the station's scanner, OCR or store libraries.
CONTROL
rm -f "$build"/folio-verify_*.deb
deb_build "$root" "$build/folio-verify_${version}_${arch}.deb"
