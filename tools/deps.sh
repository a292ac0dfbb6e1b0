#!/bin/sh
# Install the Debian packages Folio needs that are missing. Idempotent; quick when all are there.
# Usage: tools/deps.sh [BOARD]
set -eu
here=$(dirname "$0")
board=${1:-sim}

lists="$here/deps/debian.txt"
[ -f "$here/deps/debian-$board.txt" ] && lists="$lists $here/deps/debian-$board.txt"
wanted=$(sed -e 's/#.*//' $lists | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)

# One dpkg-query for all of them: print the ones not installed. A name may carry an
# architecture (libfoo-dev:arm64, for cross-building): installed packages are listed both as
# NAME:ARCH and, when native or arch-independent, as NAME.
native=$(dpkg --print-architecture)
missing=$(dpkg-query -W -f='${Package} ${Architecture} ${Status}\n' $wanted 2>/dev/null |
	awk -v native="$native" '$NF == "installed" {
		print $1 ":" $2
		if ($2 == native || $2 == "all") print $1
	}' | sort -u | comm -13 - /dev/fd/3 3<<LIST
$wanted
LIST
)
[ -z "$missing" ] && exit 0

echo "deps: installing $(echo $missing | wc -w) missing Debian packages: $(echo $missing)" >&2
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
	command -v sudo >/dev/null || {
		echo "deps: not root and no sudo: install these as root: $(echo $missing)" >&2
		exit 1
	}
else
	sudo=
fi
export DEBIAN_FRONTEND=noninteractive
# Foreign architectures named in the lists (multiarch): dpkg must know them before apt sees
# their packages.
for arch in $(printf '%s\n' $missing | sed -n 's/^[^:]*:\([a-z0-9]*\)$/\1/p' | sort -u); do
	[ "$arch" = "$native" ] && continue
	dpkg --print-foreign-architectures | grep -qx "$arch" && continue
	echo "deps: adding the $arch architecture (dpkg --add-architecture $arch)" >&2
	$sudo dpkg --add-architecture "$arch"
done
$sudo apt-get update -qq
# --no-remove: never trade an installed package for a wanted one (multiarch -dev packages
# that conflict with the native ones must fail here, not uninstall the native build).
$sudo apt-get install -y -qq --no-remove --no-install-recommends $missing >/dev/null
echo "deps: done" >&2
