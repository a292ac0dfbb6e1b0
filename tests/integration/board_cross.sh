#!/bin/bash
# The Raspberry Pi 4 board cross-built for arm64 with Debian's aarch64-linux-gnu toolchain, its
# unit tests run under qemu-aarch64-static (tools/board-check.sh, as `make check BOARD=rpi4`).
# Slow: only with FOLIO_SLOW_TESTS=1, and with the board's packages (make deps BOARD=rpi4).
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ "${FOLIO_SLOW_TESTS:-0}" = 1 ] || skip "slow: set FOLIO_SLOW_TESTS=1 to cross-build rpi4 and run its unit tests under qemu"
command -v aarch64-linux-gnu-gcc >/dev/null || skip "no aarch64-linux-gnu-gcc: make deps BOARD=rpi4"
command -v qemu-aarch64-static >/dev/null || skip "no qemu-aarch64-static: make deps BOARD=rpi4"

"$FOLIO_SRC/tools/board-check.sh" rpi4 "$FOLIO_TMP/rpi4" >check.out 2>&1
rc=$?
grep -E '^(figure:|  FAIL|rpi4:)' check.out
file "$FOLIO_TMP/rpi4/bin/foliod" | grep -q 'ARM aarch64' || fail "foliod is not an arm64 program"
[ $rc = 0 ] || fail "rpi4 unit tests under qemu failed: $(grep -A12 '  FAIL' check.out | head -40)"
