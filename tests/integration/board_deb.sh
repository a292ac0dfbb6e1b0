#!/bin/bash
# `make deb` for the x86-station board, installed as an office would install it on a fresh
# Debian 12 machine: the package passes lintian without errors (tools/deb/build.sh),
# `apt-get install ./folio_*.deb` installs it with what it depends on, `folio config check`
# and `folio selftest` work as the technician runs them (as root) and as the daemon's user,
# foliod runs a cycle as its own user, and purging removes it and whatever apt added for it.
#
# It installs into /usr and /etc: it runs in CI (CI=true, as root) or with FOLIO_SLOW_TESTS=1
# (as root), and is skipped otherwise, in the sanitized run (the package is the plain build)
# and on a machine that has a folio package or an /etc/folio already. While it is installed,
# /etc/folio/folio.conf exists, which other tests rely on not being there:
# tests/run.sh: alone
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ "${CI:-}" = true ] || [ "${FOLIO_SLOW_TESTS:-0}" = 1 ] ||
	skip "installs a package system-wide: runs in CI (CI=true) or with FOLIO_SLOW_TESTS=1, as root"
[ "$(id -u)" = 0 ] || skip "needs root to install the package"
[ -n "${FOLIO_SANITIZE:-}" ] && skip "the package is the plain build: tested in the plain run"
command -v lintian >/dev/null || skip "lintian not installed (make deps)"
dpkg -s folio >/dev/null 2>&1 && skip "a folio package is installed already: not touching it"
[ -e /etc/folio ] && skip "/etc/folio exists: not touching this machine's station"

start=$EPOCHREALTIME
deb=$(make -C "$FOLIO_SRC" --no-print-directory -s -j"$(nproc)" BOARD=x86-station \
	O="$FOLIO_TMP/x86" deb 2>lintian.out | tail -n 1) || fail "make deb failed: $(tail -5 lintian.out)"
built=$EPOCHREALTIME
grep -q '^E:' lintian.out && fail "lintian errors: $(grep '^E:' lintian.out)"

# What apt adds besides folio is purged with it, so the machine is left as it was found.
export DEBIAN_FRONTEND=noninteractive
apt_args=(-y -q --no-remove --no-install-recommends)
apt-get install -s "${apt_args[@]}" "$deb" >plan.out 2>&1 || fail "apt cannot install the package: $(tail -5 plan.out)"
mapfile -t added < <(sed -n 's/^Inst \([^ ]*\) .*/\1/p' plan.out | grep -vx folio)
user_existed=$(getent passwd folio >/dev/null && echo yes || echo no)
kiosk_existed=$(getent passwd folio-kiosk >/dev/null && echo yes || echo no)
cleanup() {
	dpkg -P folio >/dev/null 2>&1
	[ ${#added[@]} -gt 0 ] && dpkg -P "${added[@]}" >/dev/null 2>&1
	rm -rf /etc/folio /var/lib/folio /var/spool/folio
	[ "$user_existed" = no ] && { userdel folio 2>/dev/null; groupdel folio 2>/dev/null; }
	[ "$kiosk_existed" = no ] && { userdel folio-kiosk 2>/dev/null; groupdel folio-kiosk 2>/dev/null; }
}
trap cleanup EXIT

apt-get install "${apt_args[@]}" "$deb" >apt.out 2>&1 || fail "apt-get install failed: $(tail -5 apt.out)"
dpkg -s folio | grep -q '^Status: install ok installed' || fail "folio is not installed: $(tail -5 apt.out)"
[ "$(stat -c '%U %a' /etc/folio/store.key)" = "folio 600" ] || fail "station key not made for folio"
[ -L /etc/systemd/system/serial-getty@ttyS0.service ] || fail "the console getty is not masked"
# The kiosk (installed without its recommended cage and chromium: the unit is skipped then).
dpkg-deb -f "$deb" Recommends | grep -q 'cage, chromium' || fail "the package does not recommend cage and chromium"
[ -L /etc/systemd/system/multi-user.target.wants/folio-kiosk.service ] || fail "the kiosk is not enabled"
[ -L /etc/systemd/system/getty@tty1.service ] || fail "the getty on the kiosk's tty1 is not masked"
id -nG folio-kiosk 2>/dev/null | grep -qw video || fail "no folio-kiosk user in the video group"

# The technician, as root, right after installing: the configuration is valid...
(cd / && folio config check) >check.out 2>&1 || fail "folio config check failed: $(cat check.out)"
grep -q '^/etc/folio/folio.conf: ok' check.out || fail "folio config check said: $(cat check.out)"
# ... and the selftest runs every check: all pass but the scanner, which a fresh station has
# not been given yet ([capture] device), so it says so and exits 1.
(cd / && folio selftest) >selftest.out 2>&1
rc=$?
[ $rc = 1 ] || fail "folio selftest exited $rc, not 1 (no scanner configured): $(cat selftest.out)"
[ "$(grep -c '^  FAIL' selftest.out)" = 1 ] && grep -q '^  FAIL  scanner: none configured' selftest.out ||
	fail "selftest on a fresh station: $(cat selftest.out)"
for want in "OCR language 'eng' present" "store intact" "upload target .* can be written" "clock"; do
	grep -q "^  ok    $want" selftest.out || fail "selftest did not pass '$want': $(cat selftest.out)"
done
# Root's selftest made the store's files: they must be the daemon's, or foliod is locked out.
owners=$(stat -c %U /var/lib/folio/store/* | sort -u | tr '\n' ' ')
[ "$owners" = "folio " ] || fail "files in the store belong to '$owners', not folio"

# With a scanner, the package's own virtual feeder (libsane-folio), every check passes, as
# the daemon's user.
mkdir -p /var/lib/folio/feeder && chown folio: /var/lib/folio/feeder
sed 's|^# device = .*|device = folio:/var/lib/folio/feeder|' /etc/folio/folio.conf >feeder.conf
chmod 0755 "$FOLIO_TMP" && chmod 0644 feeder.conf
(cd / && runuser -u folio -- folio --config "$FOLIO_TMP/feeder.conf" selftest) >selftest2.out 2>&1 ||
	fail "folio selftest with the virtual feeder failed: $(cat selftest2.out)"
grep -q "^  ok    scanner 'folio:/var/lib/folio/feeder' opens" selftest2.out ||
	fail "selftest did not open the feeder: $(cat selftest2.out)"
(cd / && runuser -u folio -- env OMP_THREAD_LIMIT=1 foliod --once) >once.out 2>&1 ||
	fail "foliod --once failed as folio: $(cat once.out)"

dpkg -P folio >purge.out 2>&1 || fail "dpkg -P failed: $(cat purge.out)"
[ -L /etc/systemd/system/serial-getty@ttyS0.service ] && fail "purge left the getty masked"
[ -e /etc/systemd/system/multi-user.target.wants/folio-kiosk.service ] && fail "purge left the kiosk enabled"
[ -e /usr/bin/folio ] && fail "purge left /usr/bin/folio"
awk -v a="$start" -v b="$built" -v c="$EPOCHREALTIME" -v w="$(grep -c '^W:' lintian.out)" \
	-v n="${#added[@]}" 'BEGIN { printf "figure: deb: build+lintian %.0f s, apt install (%d more packages)+checks+purge %.0f s, lintian 0 errors %d warnings\n", b - a, n, c - b, w }'
