#!/bin/bash
# `make lint`: clang-format, the include graph (tools/includes.py), cppcheck and clang-tidy
# over the project's own C files.
# Usage: tools/lint.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
files=$(git ls-files '*.c' '*.h')
cfiles=$(git ls-files '*.c')
status=0
inc="-DFOLIO_VERSION=\"lint\" -Ifirmware/include -I$build/include/generated -I. -include $build/include/generated/autoconf.h"
# The pkg-config modules of the Makefile and of every build.mk.
mods=$(sed -n 's/^PKGS *[:+]\?= *//p' Makefile */build.mk */*/build.mk | tr ' ,()' '\n\n\n\n' |
	grep -E '^[a-z][a-z0-9._+-]*$' | grep -vx 'y\|filter\|if' | sort -u)
pkgs=$(pkg-config --cflags $mods 2>/dev/null)

echo "== clang-format"
clang-format --dry-run --Werror $files || status=1

echo "== include graph"
# No cycle between folders of firmware/, nothing upward from drivers/ or ocr/ (ARCHITECTURE.md).
tools/includes.py . || status=1

echo "== cppcheck"
# Leaks are LeakSanitizer's job in make check: cppcheck cannot see __attribute__((cleanup)),
# which frees our scratch buffers, and would report every early return as a leak.
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem --suppress=memleak --suppress=resourceLeak \
	--std=c11 -D_GNU_SOURCE \
	-Ifirmware/include -I. $cfiles || status=1

echo "== clang-tidy"
checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier'
checks+=',-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition'
checks+=',-bugprone-implicit-widening-of-multiplication-result,clang-analyzer-*'
checks+=',-clang-analyzer-security.insecureAPI.*,-clang-analyzer-valist.Uninitialized'
checks+=',-bugprone-suspicious-string-compare' # !strcmp(a, b) is the house idiom
# The analyzer does not model __attribute__((cleanup)) (cleanup.h), so every early return
# looks like a leak to it; leaks are LeakSanitizer's job in make check.
checks+=',-clang-analyzer-unix.Malloc,-clang-analyzer-optin.performance.Padding'
tidy_log=$(mktemp)
# Tests are left out: the analyzer does not know that a failed cmocka assertion ends the
# test, so it walks on into impossible paths. They get cppcheck and clang-format.
clang-tidy --quiet --warnings-as-errors='*' --checks="$checks" $(printf '%s\n' $cfiles | grep -v '^tests/') \
	-- -std=gnu11 -D_GNU_SOURCE $inc $pkgs >"$tidy_log" 2>&1 || status=1
grep -v 'warnings generated' "$tidy_log"
rm -f "$tidy_log"

[ $status -eq 0 ] && echo "lint: clean"
exit $status
