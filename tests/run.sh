#!/bin/bash
# Runs the test suite against one build folder and prints the tally.
# Usage: tests/run.sh BUILD_DIR [PATTERN]
#
# Unit tests are the cmocka programs in BUILD_DIR/tests/unit; integration tests are the scripts
# tests/integration/*.sh and the programs in BUILD_DIR/tests/integration. A test passes with
# status 0 and is skipped with status 77 (its last output line says why); anything else fails.
# Each test's output goes to BUILD_DIR/tests/log/NAME.log and is shown when it fails.
# Environment for tests: FOLIO_BUILD (absolute build folder), FOLIO_SRC (source root),
# FOLIO_SHARED (../shared, may be absent), FOLIO_TMP (a scratch folder removed afterwards),
# FOLIO_RUNNER (the command that runs the build's programs when they are foreign, as
# tools/board-check.sh sets it for a cross-built board, e.g. qemu-aarch64-static; empty here:
# a test that runs a helper program from FOLIO_BUILD puts it in front), FOLIO_SANITIZE (the
# sanitizers the build has, from tests/check.sh; empty for a plain build).
set -u
build=$(cd "${1:?usage: tests/run.sh BUILD_DIR [PATTERN]}" && pwd)
pattern=${2:-}
src=$(cd "$(dirname "$0")/.." && pwd)
export FOLIO_BUILD=$build FOLIO_SRC=$src
export FOLIO_SHARED=${FOLIO_SHARED:-$(cd "$src/../shared" 2>/dev/null && pwd || echo "$src/../shared")}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp:print_suppressions=0}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_THREAD_LIMIT=1 FOLIO_RUNNER= FOLIO_SANITIZE=${FOLIO_SANITIZE:-}
logdir=$build/tests/log
mkdir -p "$logdir"

# A test of a subsystem that can be left out names it near its top, "requires: CONFIG_OCR"
# (any number of symbols): when one is off in this build the test is skipped, saying which (the
# Makefile does not build such a C test).
config=$build/include/config/auto.conf
unmet() {
	local sym
	[ -f "$config" ] || return 0
	for sym in $(head -n 30 "$1" | sed -n 's/.*requires: *\(CONFIG_[A-Z0-9_ ]*\).*/\1/p'); do
		grep -qx "$sym=y" "$config" || { echo "$sym"; return 0; }
	done
}
unmet_skips=()
for t in "$src"/tests/unit/test_*.c "$src"/tests/fuzz/fuzz_*.c "$src"/tests/integration/*.c \
	"$src"/tests/integration/*.sh; do
	name=$(basename "$t" .c)
	name=${name%.sh}
	[ -n "$pattern" ] && [[ $name != *$pattern* ]] && continue
	sym=$(unmet "$t")
	[ -n "$sym" ] && unmet_skips+=("$(basename "$(dirname "$t")") $name $sym")
done

# A script with the line '# tests/run.sh: alone' changes the machine for every test (board_deb
# installs a package into /etc): it runs at the end, by itself.
tests=() alone=()
for t in "$build"/tests/unit/test_* "$build"/tests/fuzz/fuzz_* "$build"/tests/integration/* \
	"$src"/tests/integration/*.sh; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	case $t in *.o | *.d) continue ;; esac
	[ -n "$pattern" ] && [[ $(basename "$t") != *$pattern* ]] && continue
	case $t in *.sh) [ -n "$(unmet "$t")" ] && continue ;; esac
	case $t in
	*.sh) grep -qx '# tests/run.sh: alone' "$t" && { alone+=("$t"); continue; } ;;
	esac
	tests+=("$t")
done
first_alone=${#tests[@]}
tests+=(${alone[@]+"${alone[@]}"})

# stop_leftovers DIR: kills what a test left running in its scratch folder DIR (working there,
# or named there on its command line: a server's worker, a daemon), after 2 s of grace, so
# nothing outlives the run; says which, as "leftover: PID COMMAND" lines in the test's log.
stop_leftovers() {
	local i pids p
	for ((i = 0; i < 20; i++)); do
		pids=$( (find /proc/[0-9]*/cwd -maxdepth 0 -lname "$1*" 2>/dev/null | cut -d/ -f3
			grep -ls -- "${1//./[.]}/" /proc/[0-9]*/cmdline | cut -d/ -f3) | sort -u)
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
	for p in $pids; do
		echo "leftover: $p $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)"
		kill -KILL "$p" 2>/dev/null
	done
}

# run_one TEST RESULT_FILE: runs a test in a scratch folder; writes "rc seconds" to RESULT_FILE
run_one() {
	local t=$1 name kind tmp start rc args=()
	name=$(basename "$t" .sh)
	kind=$(basename "$(dirname "$t")")
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/folio-test.XXXXXX")
	start=$EPOCHREALTIME
	[ "$kind" = fuzz ] && args=("$src/tests/fuzz/${name#fuzz_}") # its saved inputs
	# A test that hangs fails after FOLIO_TEST_TIMEOUT seconds instead of holding the run.
	(cd "$tmp" && FOLIO_TMP=$tmp CMOCKA_MESSAGE_OUTPUT=stdout timeout -k 10 \
		"${FOLIO_TEST_TIMEOUT:-900}" "$t" "${args[@]}") >"$logdir/$name.log" 2>&1 </dev/null
	rc=$?
	[ $rc = 124 ] && echo "FAIL: still running after ${FOLIO_TEST_TIMEOUT:-900} s: stopped" \
		>>"$logdir/$name.log"
	stop_leftovers "$tmp" >>"$logdir/$name.log"
	rm -rf "$tmp"
	echo "$rc $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" >"$2"
}

# report TEST RESULT_FILE: one line (and the figures, or the end of the log) per test
report() {
	local t=$1 name kind rc secs log
	name=$(basename "$t" .sh)
	kind=$(basename "$(dirname "$t")")
	log=$logdir/$name.log
	read -r rc secs <"$2"
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		printf '  PASS  %-12s %-36s %6ss\n' "$kind" "$name" "$secs"
		grep -E '^(figure|FIGURE|leftover):' "$log" | sed 's/^/        /'
	elif [ "$rc" -eq 77 ]; then
		skip=$((skip + 1))
		printf '  SKIP  %-12s %-36s %s\n' "$kind" "$name" "$(tail -n 1 "$log")"
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf '  FAIL  %-12s %-36s %6ss (status %d)\n' "$kind" "$name" "$secs" "$rc"
		tail -n 40 "$log" | sed 's/^/        | /'
	fi
}

# Tests run FOLIO_TEST_JOBS at a time (default: the number of cores); results are reported
# in the order the tests are listed.
jobs=${FOLIO_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
results=$(mktemp -d "${TMPDIR:-/tmp}/folio-results.XXXXXX")
pass=0 fail=0 skip=0 failed=()
next=0
for u in ${unmet_skips[@]+"${unmet_skips[@]}"}; do
	read -r kind name sym <<<"$u"
	skip=$((skip + 1))
	printf '  SKIP  %-12s %-36s %s\n' "$kind" "$name" "$sym is off in this build"
done
# A script with the line '# tests/run.sh: waits' spends its time waiting (a timeout to pass):
# it runs beside the others without taking a core's turn.
declare -A waits=()
busy() {
	local n=0 p
	for p in $(jobs -rp); do [ -n "${waits[$p]:-}" ] || n=$((n + 1)); done
	echo $n
}
for i in "${!tests[@]}"; do
	while [ "$(busy)" -ge "$jobs" ] || { [ "$i" -ge $first_alone ] && [ -n "$(jobs -rp)" ]; }; do
		wait -n 2>/dev/null || true
	done
	run_one "${tests[$i]}" "$results/$i" &
	case ${tests[$i]} in
	*.sh) grep -qx '# tests/run.sh: waits' "${tests[$i]}" && waits[$!]=1 ;;
	esac
	# Report finished tests in order as soon as they are all done up to them.
	while [ $next -lt ${#tests[@]} ] && [ -s "$results/$next" ]; do
		report "${tests[$next]}" "$results/$next"
		next=$((next + 1))
	done
done
wait
while [ $next -lt ${#tests[@]} ]; do
	report "${tests[$next]}" "$results/$next"
	next=$((next + 1))
done
rm -rf "$results"

echo "$pass passed, $fail failed, $skip skipped" >"$build/tests/tally"
[ ${#failed[@]} -gt 0 ] && echo "  failed in $build: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
