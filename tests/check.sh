#!/bin/bash
# `make check`: build and run the whole suite, then build and run it again under ASan+UBSan.
# Ends with one "N passed, N failed, N skipped" line over both runs.
set -u
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
status=0
total_pass=0 total_fail=0 total_skip=0

run_suite() { # label, make args...
	local label=$1
	shift
	echo "== $label"
	if ! make --no-print-directory -j"$jobs" tests "$@"; then
		echo "== $label: build failed"
		total_fail=$((total_fail + 1))
		status=1
		return
	fi
	local dir=build sanitize=
	for a in "$@"; do
		case $a in
		O=*) dir=${a#O=} ;;
		SANITIZE=*) sanitize=${a#SANITIZE=} ;;
		esac
	done
	FOLIO_SANITIZE=$sanitize tests/run.sh "$dir" || status=1
	read -r p _ f _ s _ <"$dir/tests/tally"
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
}

run_suite "tests" O=build
run_suite "tests under AddressSanitizer and UndefinedBehaviorSanitizer" O=build/san \
	SANITIZE=address,undefined
echo
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
exit $status
