#!/bin/sh
# Install the Debian packages Folio needs that are missing. Idempotent; quick when all are there.
# Usage: tools/deps.sh [BOARD]
set -eu
here=$(dirname "$0")
board=${1:-sim}

lists="$here/deps/debian.txt"
[ -f "$here/deps/debian-$board.txt" ] && lists="$lists $here/deps/debian-$board.txt"
wanted=$(sed -e 's/#.*//' $lists | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)

# One dpkg-query for all of them: print the ones not installed.
missing=$(dpkg-query -W -f='${Package} ${Status}\n' $wanted 2>/dev/null |
	awk '$NF == "installed" { print $1 }' | sort -u | comm -13 - /dev/fd/3 3<<LIST
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
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done" >&2
