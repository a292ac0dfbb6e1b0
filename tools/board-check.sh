#!/bin/bash
# `make check BOARD=NAME` for a board other than sim: build the board (cross-compiled when its
# architecture is not this machine's) with its tests, and run its unit tests, under
# qemu-user when they are foreign. Integration tests need the station's programs running
# natively with the sim board's files, so they belong to `make check`.
#
# Usage: tools/board-check.sh BOARD [BUILD_DIR]
set -u
board=${1:?usage: tools/board-check.sh BOARD [BUILD_DIR]}
build=${2:-build/$board}
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

start=$(date +%s.%N)
make --no-print-directory -j"$jobs" BOARD="$board" O="$build" tests || {
	echo "== $board: build failed"
	exit 1
}
built=$(date +%s.%N)

machine=$(file -b "$build/bin/foliod" | sed -n 's/.*ELF 64-bit LSB [a-z ]*, \([^,]*\),.*/\1/p')
runner=()
case $machine in
ARM\ aarch64)
	[ "$(uname -m)" = aarch64 ] || runner=(qemu-aarch64-static)
	;;
esac
if [ ${#runner[@]} -gt 0 ] && ! command -v "${runner[0]}" >/dev/null; then
	echo "== $board: ${runner[0]} not installed (make deps BOARD=$board): unit tests not run"
	exit 1
fi

pass=0 fail=0 skip=0
build=$(cd "$build" && pwd)
# Tests that run a helper program of the build (pagegen) run it through the same emulator:
# no binfmt_misc registration is needed or used.
export FOLIO_SRC=$PWD FOLIO_BUILD=$build OMP_THREAD_LIMIT=1 FOLIO_RUNNER="${runner[*]}"
mkdir -p "$build/tests/log"
for t in "$build"/tests/unit/test_*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	case $t in *.o | *.d) continue ;; esac
	name=$(basename "$t")
	tmp=$(mktemp -d)
	(cd "$tmp" && FOLIO_TMP=$tmp CMOCKA_MESSAGE_OUTPUT=stdout "${runner[@]}" "$t") \
		>"$build/tests/log/$name.log" 2>&1 </dev/null
	rc=$?
	rm -rf "$tmp"
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)) ;;
	*)
		fail=$((fail + 1))
		echo "  FAIL  $name (status $rc)"
		tail -n 20 "$build/tests/log/$name.log" | sed 's/^/        | /'
		;;
	esac
done
done_at=$(date +%s.%N)
awk -v a="$start" -v b="$built" -v c="$done_at" -v m="${machine:-native}" -v r="${runner[*]:-native}" \
	'BEGIN { printf "figure: %s build %.0f s, unit tests (%s) %.0f s\n", m, b - a, r, c - b }'
echo "$board: $pass passed, $fail failed, $skip skipped (unit tests)"
[ $fail -eq 0 ]
