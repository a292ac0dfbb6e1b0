#!/bin/bash
# `make deb`: a Debian binary package of the configured board from a build folder: the
# programs, the libsane-folio backend, the board's rootfs overlay (systemd units, udev rules,
# tmpfiles, sysusers, default configuration, SANE folder), its hardware facts and the man
# pages; on a board with a screen (CONFIG_KIOSK), the kiosk that shows the clerk UI on it
# (board/common/kiosk). Runs lintian when it is installed.
#
# Usage: tools/deb/build.sh BUILD_DIR "PROGRAMS..." [SANE_LIB]     (CC names the compiler)
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
programs=$2
sane_lib=${3:-}
cc=${CC:-gcc}
. "$src/tools/deb/lib.sh"

conf=$build/include/config/auto.conf
[ -f "$conf" ] || { echo "deb: no $conf: build first" >&2; exit 1; }
board=$(sed -n 's/^CONFIG_BOARD_NAME="\(.*\)"$/\1/p' "$conf")
kiosk=$(grep -qx 'CONFIG_KIOSK=y' "$conf" && echo yes || echo no)
deb_setup

# Staged outside the build folder: the build includes every '*.d' under it, and packages
# have folders named so (system.conf.d, sane.d).
work=$(mktemp -d "${TMPDIR:-/tmp}/folio-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/doc/folio" "$root/usr/share/folio" \
	"$root/usr/share/man/man1" "$root/usr/share/man/man8"

# --- files
for p in $programs; do
	deb_install_program "$root" "$p"
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
[ "$kiosk" = yes ] && cp -a "$src/board/common/kiosk/." "$root/"
[ -d "$src/board/$board/rootfs" ] && cp -a "$src/board/$board/rootfs/." "$root/"
getty_mask=
if [ -d "$root/etc/systemd/system" ]; then
	getty_mask=$(cd "$root" && find etc/systemd/system -maxdepth 1 -type l -lname /dev/null \
		-printf '%f\n' | tr '\n' ' ')
	find "$root/etc/systemd/system" -maxdepth 1 -type l -lname /dev/null -delete
	rmdir "$root/etc/systemd/system" 2>/dev/null || true # it holds more than masks
fi
# The board's facts (the simulated board's name build-tree folders: not for a station).
if [ "$board" != sim ]; then
	install -m 0644 "$src/board/$board/board.conf" "$root/usr/share/folio/board.conf"
else
	sed -i '/^\[board\]$/,$d' "$root/etc/folio/folio.conf"
fi
# The station's man pages (folio-verify's goes with its own package, tools/deb/verify.sh).
deb_man "$root" $(ls "$src"/tools/man/*.[1-8] | grep -v '/folio-verify\.')
deb_docs "$root" folio "Firmware of the Folio document scan-and-capture station." \
	"Built from the Folio source tree for the $board board."
find "$root" -type d -exec chmod 0755 {} +
for d in etc lib usr/lib usr/share; do
	if [ -d "$root/$d" ]; then find "$root/$d" -type f -exec chmod 0644 {} +; fi
done

# --- maintainer scripts
# The services the package enables, starts and stops: foliod, and the kiosk on its screen,
# whose user postinst makes too.
units=foliod.service
kiosk_user=
if [ "$kiosk" = yes ]; then
	units="$units folio-kiosk.service"
	kiosk_user=$(
		cat <<'USER'
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers folio-kiosk.conf
	elif ! getent passwd folio-kiosk >/dev/null; then
		adduser --system --group --home /run/folio-kiosk --no-create-home folio-kiosk
		adduser folio-kiosk video >/dev/null
		if getent group render >/dev/null; then
			adduser folio-kiosk render >/dev/null
		fi
	fi
USER
	)
fi
cat >"$root/DEBIAN/postinst" <<POST
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers folio.conf
	elif ! getent passwd folio >/dev/null; then
		adduser --system --group --home /var/lib/folio --no-create-home folio
	fi
$kiosk_user
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
	for unit in $units; do
		deb-systemd-helper unmask "\$unit" >/dev/null || true
		if deb-systemd-helper --quiet was-enabled "\$unit"; then
			deb-systemd-helper enable "\$unit" >/dev/null || true
		else
			deb-systemd-helper update-state "\$unit" >/dev/null || true
		fi
	done
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		deb-systemd-invoke restart $units >/dev/null || true
	fi
fi
POST
cat >"$root/DEBIAN/prerm" <<PRERM
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "\$1" = remove ]; then
	deb-systemd-invoke stop $units >/dev/null || true
fi
PRERM
cat >"$root/DEBIAN/postrm" <<POSTRM
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "\$1" = remove ] && command -v deb-systemd-helper >/dev/null; then
	for unit in $units; do
		deb-systemd-helper mask "\$unit" >/dev/null || true
	done
fi
if [ "\$1" = purge ] && command -v deb-systemd-helper >/dev/null; then
	for unit in $units; do
		deb-systemd-helper purge "\$unit" >/dev/null || true
		deb-systemd-helper unmask "\$unit" >/dev/null || true
	done
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
elfs=$(find "$root/usr/bin" "$root/usr/lib" -type f -perm -u+x -o -type f -name '*.so*' | sort -u)
shlibs=$(deb_shlibs "$work" folio $elfs)
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
# The kiosk's compositor and browser (folio-kiosk.service is skipped where they are absent).
kiosk_recommends= kiosk_desc=
if [ "$kiosk" = yes ]; then
	kiosk_recommends="cage, chromium"
	kiosk_desc=$'\n .\n The station\'s screen boots to the clerk UI: cage and Chromium in kiosk mode\n (folio-kiosk.service), as the unprivileged user folio-kiosk.'
fi
cat >"$root/DEBIAN/control" <<CONTROL
Package: folio
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $shlibs, adduser, tesseract-ocr-osd${langs:+, $langs}
Recommends: sane-utils, sane-airscan${kiosk_recommends:+, $kiosk_recommends}
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
 virtual feeder and the board's hardware facts.${kiosk_desc}
CONTROL
rm -f "$build"/folio_*.deb
deb_build "$root" "$build/folio_${version}_${arch}.deb"
