#!/bin/bash
# `make deb`: a Debian binary package of the configured board from a build folder: the
# programs, the libsane-folio backend, the board's rootfs overlay (systemd units, udev rules,
# tmpfiles, sysusers, default configuration, SANE folder), its hardware facts and the man
# pages. Runs lintian when it is installed.
#
# Usage: tools/deb/build.sh BUILD_DIR "PROGRAMS..." [SANE_LIB]     (CC names the compiler)
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
programs=$2
sane_lib=${3:-}
cc=${CC:-gcc}
maintainer=${DEB_MAINTAINER:-Folio maintainers <packaging@folio-station.org>}

conf=$build/include/config/auto.conf
[ -f "$conf" ] || { echo "deb: no $conf: build first" >&2; exit 1; }
board=$(sed -n 's/^CONFIG_BOARD_NAME="\(.*\)"$/\1/p' "$conf")
triplet=$($cc -dumpmachine)
arch=$(dpkg-architecture -t "$triplet" -qDEB_HOST_ARCH 2>/dev/null)
multiarch=$(dpkg-architecture -t "$triplet" -qDEB_HOST_MULTIARCH 2>/dev/null)
cross=${cc%gcc}
strip_cmd=${cross}strip
command -v "$strip_cmd" >/dev/null || strip_cmd=strip

# A Debian version from git: 0.0~gitDATE.HASH (a release would be tagged and say so).
if stamp=$(cd "$src" && git log -1 --format='%cd.%h' --date=format:%Y%m%d 2>/dev/null); then
	version=0.0~git$stamp-1
else
	version=0.0~unknown-1
fi
date_rfc=$(cd "$src" && git log -1 --format=%cD 2>/dev/null || date -R)

# Staged outside the build folder: the build includes every '*.d' under it, and packages
# have folders named so (system.conf.d, sane.d).
work=$(mktemp -d "${TMPDIR:-/tmp}/folio-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/doc/folio" "$root/usr/share/folio" \
	"$root/usr/share/man/man1" "$root/usr/share/man/man8"

# --- files
for p in $programs; do
	install -m 0755 "$p" "$root/usr/bin/"
	$strip_cmd --remove-section=.comment --remove-section=.note "$root/usr/bin/$(basename "$p")"
done
if [ -n "$sane_lib" ]; then
	mkdir -p "$root/usr/lib/$multiarch/sane"
	install -m 0644 "$sane_lib" "$root/usr/lib/$multiarch/sane/"
	$strip_cmd --remove-section=.comment --remove-section=.note --strip-unneeded \
		"$root/usr/lib/$multiarch/sane/$(basename "$sane_lib")"
fi
# The rootfs overlays, common then the board's; masks of units in /etc/systemd/system are
# made by postinst (deb-systemd-helper), not shipped.
cp -a "$src/board/common/rootfs/." "$root/"
[ -d "$src/board/$board/rootfs" ] && cp -a "$src/board/$board/rootfs/." "$root/"
getty_mask=$(cd "$root" && find etc/systemd/system -maxdepth 1 -type l -lname /dev/null \
	-printf '%f\n' 2>/dev/null | tr '\n' ' ')
find "$root/etc/systemd/system" -maxdepth 1 -type l -lname /dev/null -delete 2>/dev/null || true
rmdir "$root/etc/systemd/system" 2>/dev/null || true
# The board's facts (the simulated board's name build-tree folders: not for a station).
if [ "$board" != sim ]; then
	install -m 0644 "$src/board/$board/board.conf" "$root/usr/share/folio/board.conf"
else
	sed -i '/^\[board\]$/,$d' "$root/etc/folio/folio.conf"
fi
for m in "$src"/tools/man/*.[1-8]; do
	sec=${m##*.}
	gzip -9n <"$m" >"$root/usr/share/man/man$sec/$(basename "$m").gz"
done
cat >"$root/usr/share/doc/folio/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: folio
Comment: Firmware of the Folio document scan-and-capture station.

Files: *
Copyright: 2026 The Folio authors
License: proprietary
 All rights reserved. Distributed to the intellectual-property offices that run Folio
 stations under their agreement with the Folio authors.
COPY
printf 'folio (%s) unstable; urgency=medium\n\n  * Built from the Folio source tree for the %s board.\n\n -- %s  %s\n' \
	"$version" "$board" "$maintainer" "$date_rfc" | gzip -9n >"$root/usr/share/doc/folio/changelog.Debian.gz"
find "$root" -type d -exec chmod 0755 {} +
find "$root/etc" "$root/lib" "$root/usr/lib" "$root/usr/share" -type f -exec chmod 0644 {} + 2>/dev/null

# --- maintainer scripts
cat >"$root/DEBIAN/postinst" <<POST
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers folio.conf
	elif ! getent passwd folio >/dev/null; then
		adduser --system --group --home /var/lib/folio --no-create-home folio
	fi
	if command -v systemd-tmpfiles >/dev/null 2>&1; then
		systemd-tmpfiles --create folio.conf
	fi
	# The station key that seals the store: made once, readable by the daemon only.
	if [ ! -e /etc/folio/store.key ]; then
		folio --config /etc/folio/folio.conf store keygen /etc/folio/store.key >/dev/null
		chown folio:folio /etc/folio/store.key
	fi
	if [ -d /run/udev ] && command -v udevadm >/dev/null 2>&1; then
		udevadm control --reload-rules || true
		udevadm trigger --action=change --subsystem-match=usb --subsystem-match=gpio || true
	fi
fi
if [ "\$1" = configure ] || [ "\$1" = abort-upgrade ] || [ "\$1" = abort-deconfigure ] ||
	[ "\$1" = abort-remove ]; then
	for unit in $getty_mask; do
		deb-systemd-helper mask "\$unit" >/dev/null || true
	done
	deb-systemd-helper unmask foliod.service >/dev/null || true
	if deb-systemd-helper --quiet was-enabled foliod.service; then
		deb-systemd-helper enable foliod.service >/dev/null || true
	else
		deb-systemd-helper update-state foliod.service >/dev/null || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		deb-systemd-invoke restart foliod.service >/dev/null || true
	fi
fi
POST
cat >"$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
	deb-systemd-invoke stop foliod.service >/dev/null || true
fi
PRERM
cat >"$root/DEBIAN/postrm" <<POSTRM
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "\$1" = remove ] && command -v deb-systemd-helper >/dev/null; then
	deb-systemd-helper mask foliod.service >/dev/null || true
fi
if [ "\$1" = purge ] && command -v deb-systemd-helper >/dev/null; then
	deb-systemd-helper purge foliod.service >/dev/null || true
	deb-systemd-helper unmask foliod.service >/dev/null || true
	for unit in $getty_mask; do
		deb-systemd-helper unmask "\$unit" >/dev/null || true
	done
fi
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
(cd "$root" && find etc -type f -printf '/%p\n' | sort) >"$root/DEBIAN/conffiles"

# --- control, with shared-library dependencies from dpkg-shlibdeps
langs=$(sed -n 's/^CONFIG_OCR_LANG_\([A-Z]*\)=y$/\1/p' "$conf" | tr 'A-Z' 'a-z' |
	sed 's/^/tesseract-ocr-/' | paste -sd, - | sed 's/,/, /g')
mkdir -p "$work/src/debian"
printf 'Source: folio\n\nPackage: folio\nArchitecture: any\n' >"$work/src/debian/control"
elfs=$(find "$root/usr/bin" "$root/usr/lib" -type f -perm -u+x -o -type f -name '*.so*' | sort -u)
shlibs=$(cd "$work/src" && DEB_HOST_ARCH=$arch dpkg-shlibdeps -O $elfs 2>"$work/shlibdeps.err" |
	sed -n 's/^shlibs:Depends=//p') || {
	cat "$work/shlibdeps.err" >&2
	exit 1
}
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: folio
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $shlibs, adduser, tesseract-ocr-osd${langs:+, $langs}
Recommends: sane-utils
Section: graphics
Priority: optional
Homepage: https://folio.invalid/
Description: document scan-and-capture station for intellectual-property offices
 Folio drives a production document scanner through SANE, keeps every page in a
 crash-safe LMDB store, reads the text of each page, describes each document in
 WIPO ST.96 XML and delivers approved batches to the office as signed,
 checksummed packages.
 .
 This package is built for the $board board: the station daemon foliod with
 its systemd unit, udev rules, the folio command line, the libsane-folio
 virtual feeder and the board's hardware facts.
CONTROL
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
	xargs -0 md5sum) >"$root/DEBIAN/md5sums"

rm -f "$build"/folio_*.deb
deb=$build/folio_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
if command -v lintian >/dev/null; then
	lintian --fail-on error --suppress-tags unknown-field "$deb" >&2 ||
		{ echo "deb: lintian found errors in $deb" >&2; exit 1; }
else
	echo "deb: lintian not installed: apt-get install lintian to check $deb" >&2
fi
