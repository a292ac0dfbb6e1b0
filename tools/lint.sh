#!/bin/bash
# `make lint`: cppcheck, clang-tidy and clang-format over the project's own C files.
# Usage: tools/lint.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
files=$(git ls-files '*.c' '*.h')
cfiles=$(git ls-files '*.c')
status=0
inc="-Ifirmware/include -I$build/include/generated -I. -include $build/include/generated/autoconf.h"
pkgs=$(pkg-config --cflags sane-backends lept tesseract libtiff-4 libjpeg lmdb libxml-2.0 libsodium inih 2>/dev/null)

echo "== clang-format"
clang-format --dry-run --Werror $files || status=1

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
tidy_log=$(mktemp)
clang-tidy --quiet --warnings-as-errors='*' --checks="$checks" $cfiles \
	-- -std=gnu11 -D_GNU_SOURCE $inc $pkgs >"$tidy_log" 2>&1 || status=1
grep -v 'warnings generated' "$tidy_log"
rm -f "$tidy_log"

[ $status -eq 0 ] && echo "lint: clean"
exit $status
