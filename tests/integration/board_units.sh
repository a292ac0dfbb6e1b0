#!/bin/bash
# Each board's rootfs overlay as systemd sees it: foliod.service with the board's drop-ins
# passes `systemd-analyze verify`, its sandbox scores "OK" (under 2.0) with `systemd-analyze
# security`, the sysusers and tmpfiles entries make the folio user and its folders in an
# empty root, and the masked getty is the board's console tty.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed (package systemd)"

common=$FOLIO_SRC/board/common/rootfs
for board in rpi4 x86-station; do
	overlay=$FOLIO_SRC/board/$board/rootfs
	units=$FOLIO_TMP/$board/units
	mkdir -p "$units"
	# The unit as installed, with its ExecStart pointed at this build (verify checks it runs).
	sed "s|^ExecStart=/usr/bin/foliod|ExecStart=$FOLIO_BUILD/bin/foliod|" \
		"$common/lib/systemd/system/foliod.service" >"$units/foliod.service"
	cp -r "$overlay/lib/systemd/system/foliod.service.d" "$units/"
	sed "s|^ExecStart=/usr/sbin/|ExecStart=$common/usr/sbin/|" \
		"$common/lib/systemd/system/folio-provision-key.service" >"$units/folio-provision-key.service"
	grep -qx 'LoadCredentialEncrypted=store.key:/etc/folio/credentials/store.key.cred' "$units/foliod.service" ||
		fail "$board: foliod gets no station key credential"
	out=$(SYSTEMD_LOG_LEVEL=info systemd-analyze verify --man=no "$units/foliod.service" 2>&1) ||
		fail "$board: systemd-analyze verify failed: $out"
	[ -z "$out" ] || fail "$board: systemd-analyze verify complains: $out"
	out=$(SYSTEMD_LOG_LEVEL=info systemd-analyze verify --man=no "$units/folio-provision-key.service" 2>&1) ||
		fail "$board: systemd-analyze verify failed for folio-provision-key.service: $out"
	[ -z "$out" ] || fail "$board: systemd-analyze verify complains of folio-provision-key.service: $out"

	sec=$(systemd-analyze security --offline=true --no-pager "$units/foliod.service" 2>&1)
	score=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for foliod.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
	[ -n "$score" ] || fail "$board: no security score: $(printf '%s\n' "$sec" | tail -3)"
	read -r value verdict <<<"$score"
	awk -v v="$value" 'BEGIN { exit !(v < 2.0) }' || fail "$board: exposure $value $verdict, not under 2.0"
	echo "figure: $board foliod.service exposure $value $verdict (systemd-analyze security)"

	# The console: the board's tty (from its facts) is foliod's, not a login getty's.
	tty=$(sed -n 's|^console = /dev/||p' "$FOLIO_SRC/board/$board/board.conf")
	[ "$(readlink "$overlay/etc/systemd/system/serial-getty@$tty.service")" = /dev/null ] ||
		fail "$board: serial-getty@$tty.service is not masked"
	grep -qx "DeviceAllow=/dev/$tty rw" "$overlay/lib/systemd/system/foliod.service.d/console.conf" ||
		fail "$board: foliod may not open its console /dev/$tty"
	grep -q '^RuntimeWatchdogSec=' "$overlay/etc/systemd/system.conf.d/50-folio-watchdog.conf" ||
		fail "$board: systemd does not own the hardware watchdog"
done

# The sandbox's writable paths are exactly what tmpfiles makes, owned by the user sysusers makes.
unit=$common/lib/systemd/system/foliod.service
for dir in $(sed -n 's/^ReadWritePaths=//p' "$unit"); do
	grep -q "^d $dir 07[05]0 folio folio" "$common/usr/lib/tmpfiles.d/folio.conf" ||
		fail "tmpfiles does not make $dir for folio"
done
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
	root=$FOLIO_TMP/root
	mkdir -p "$root/etc" "$root/var"
	systemd-sysusers --root="$root" "$common/usr/lib/sysusers.d/folio.conf" ||
		fail "systemd-sysusers rejects folio.conf"
	grep -q '^folio:' "$root/etc/passwd" || fail "sysusers made no folio user"
	systemd-tmpfiles --root="$root" --create "$common/usr/lib/tmpfiles.d/folio.conf" 2>tmpfiles.err ||
		fail "systemd-tmpfiles failed: $(cat tmpfiles.err)"
	[ "$(stat -c '%a' "$root/var/lib/folio/store")" = 700 ] || fail "store folder is not 0700"
fi

# The default configuration passes its own check (the board's facts path is absolute).
"$FOLIO_BUILD/bin/folio" config check "$common/etc/folio/folio.conf" >/dev/null 2>check.err ||
	fail "the station's default folio.conf is invalid: $(cat check.err)"
echo "units: verified for rpi4 and x86-station"
