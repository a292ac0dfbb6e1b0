#!/bin/bash
# `make deb` for the x86-station board: the package passes lintian without errors (checked by
# tools/deb/build.sh), installs on this Debian machine, and the installed station checks its
# configuration and runs a daemon cycle as its own user; then it is purged. Slow and
# system-wide (it installs into /usr and /etc): only with FOLIO_SLOW_TESTS=1, as root.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ "${FOLIO_SLOW_TESTS:-0}" = 1 ] || skip "slow: set FOLIO_SLOW_TESTS=1 to build, lintian-check and install the .deb"
[ "$(id -u)" = 0 ] || skip "needs root to install the package"
command -v lintian >/dev/null || skip "lintian not installed (apt-get install lintian)"
dpkg -s folio >/dev/null 2>&1 && skip "a folio package is installed already: not touching it"
[ -e /etc/folio ] && skip "/etc/folio exists: not touching this machine's station"

start=$EPOCHREALTIME
deb=$(make -C "$FOLIO_SRC" --no-print-directory -s BOARD=x86-station O="$FOLIO_TMP/x86" deb \
	2>lintian.out | tail -n 1) || fail "make deb failed: $(tail -5 lintian.out)"
built=$EPOCHREALTIME
grep -q '^E:' lintian.out && fail "lintian errors: $(grep '^E:' lintian.out)"
user_existed=$(getent passwd folio >/dev/null && echo yes || echo no)
cleanup() {
	dpkg -P folio >/dev/null 2>&1
	rm -rf /etc/folio /var/lib/folio /var/spool/folio
	[ "$user_existed" = no ] && { userdel folio 2>/dev/null; groupdel folio 2>/dev/null; }
}
trap cleanup EXIT

dpkg -i "$deb" >dpkg.out 2>&1 || fail "dpkg -i failed: $(tail -5 dpkg.out)"
[ "$(stat -c '%U %a' /etc/folio/store.key)" = "folio 600" ] || fail "station key not made for folio"
folio config check >check.out 2>&1 || fail "folio config check failed: $(cat check.out)"
(cd / && runuser -u folio -- env OMP_THREAD_LIMIT=1 foliod --once) >once.out 2>&1 ||
	fail "foliod --once failed as folio: $(cat once.out)"
if folio help 2>/dev/null | grep -q selftest; then
	# No scanner is configured by default: every other check must pass.
	(cd / && runuser -u folio -- folio selftest) >selftest.out 2>&1
	grep FAIL selftest.out | grep -qv 'scanner' && fail "selftest: $(cat selftest.out)"
fi
[ -L /etc/systemd/system/serial-getty@ttyS0.service ] || fail "the console getty is not masked"
dpkg -P folio >purge.out 2>&1 || fail "dpkg -P failed: $(cat purge.out)"
[ -L /etc/systemd/system/serial-getty@ttyS0.service ] && fail "purge left the getty masked"
awk -v a="$start" -v b="$built" -v c="$EPOCHREALTIME" -v w="$(grep -c '^W:' lintian.out)" \
	'BEGIN { printf "figure: deb: build %.0f s, install+checks+purge %.0f s, lintian 0 errors %d warnings\n", b - a, c - b, w }'
