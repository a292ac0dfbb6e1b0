#!/bin/bash
# Each board's rootfs overlay as systemd sees it: foliod.service with the board's drop-ins
# passes `systemd-analyze verify`, its sandbox scores "OK" (under 2.0) with `systemd-analyze
# security`, the sysusers and tmpfiles entries make the folio user and its folders in an
# empty root, and the masked getty is the board's console tty.
# The kiosk of the boards with a screen (board/common/kiosk, CONFIG_KIOSK): folio-kiosk.service
# passes `systemd-analyze verify` and scores under 2.5 with `systemd-analyze security`; it runs
# cage without VT switching and Chromium with its sandbox, as folio-kiosk (sysusers: video and
# render, no shell), on tty1 with the getty there masked, restarted always; and Chromium's
# managed policy blocks every URL but the clerk UI at the address the station's default
# folio.conf gives foliod, devtools, downloads, printing and incognito windows.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed (package systemd)"

# verify_unit WHO FILE: `systemd-analyze verify` passes the unit FILE and says nothing (WHO:
# the board, for the messages; empty for a unit that is every board's)
verify_unit() {
	local out
	out=$(SYSTEMD_LOG_LEVEL=info systemd-analyze verify --man=no "$2" 2>&1) ||
		fail "${1:+$1: }systemd-analyze verify failed for ${2##*/}: $out"
	[ -z "$out" ] || fail "${1:+$1: }systemd-analyze verify complains of ${2##*/}: $out"
}

# exposure_under WHO FILE MAX: `systemd-analyze security` scores the unit FILE under MAX; the
# score is a figure (WHO as for verify_unit)
exposure_under() {
	local sec score value verdict unit=${2##*/}
	sec=$(systemd-analyze security --offline=true --no-pager "$2" 2>&1)
	score=$(printf '%s\n' "$sec" | sed -n "s/.*Overall exposure level for $unit: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p")
	[ -n "$score" ] || fail "${1:+$1: }no security score for $unit: $(printf '%s\n' "$sec" | tail -3)"
	read -r value verdict <<<"$score"
	awk -v v="$value" -v max="$3" 'BEGIN { exit !(v < max) }' ||
		fail "${1:+$1: }$unit exposure $value $verdict, not under $3"
	echo "figure: ${1:+$1 }$unit exposure $value $verdict (systemd-analyze security)"
}

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
	verify_unit "$board" "$units/foliod.service"
	verify_unit "$board" "$units/folio-provision-key.service"
	exposure_under "$board" "$units/foliod.service" 2.0

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

# --- The kiosk (the same overlay for both boards with a screen).
kiosk=$FOLIO_SRC/board/common/kiosk
kunit=$kiosk/lib/systemd/system/folio-kiosk.service
kscript=$kiosk/usr/libexec/folio/folio-kiosk
grep -q '^config KIOSK$' "$FOLIO_SRC/firmware/web/Kconfig" &&
	grep -A4 '^config KIOSK$' "$FOLIO_SRC/firmware/web/Kconfig" | grep -qx '	depends on WEB && !BOARD_SIM' ||
	fail "CONFIG_KIOSK is not for every board with the clerk UI but the simulator"
mkdir -p "$FOLIO_TMP/kiosk"
sed "s|^ExecStart=/usr/libexec/folio/folio-kiosk|ExecStart=$kscript|" "$kunit" >"$FOLIO_TMP/kiosk/folio-kiosk.service"
grep -qx 'ExecStart=/usr/libexec/folio/folio-kiosk --config /etc/folio/folio.conf' "$kunit" ||
	fail "the kiosk does not read the station's folio.conf"
verify_unit "" "$FOLIO_TMP/kiosk/folio-kiosk.service"
exposure_under "" "$FOLIO_TMP/kiosk/folio-kiosk.service" 2.5
for line in User=folio-kiosk PAMName=folio-kiosk TTYPath=/dev/tty1 StandardInput=tty-fail \
	Restart=always NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	CapabilityBoundingSet= IPAddressDeny=any IPAddressAllow=localhost Conflicts=getty@tty1.service; do
	grep -qx "$line" "$kunit" || fail "folio-kiosk.service lacks $line"
done
rs=$(sed -n 's/^RestartSec=//p' "$kunit")
[ -n "$rs" ] && [ "$rs" -ge 1 ] && [ "$rs" -le 10 ] || fail "kiosk RestartSec=$rs is not 1 to 10 s"
[ "$(readlink "$kiosk/etc/systemd/system/getty@tty1.service")" = /dev/null ] ||
	fail "getty@tty1.service is not masked: a login prompt would share the kiosk's tty"
grep -qx 'NAutoVTs=0' "$kiosk/etc/systemd/logind.conf.d/50-folio-kiosk.conf" ||
	fail "logind still starts login prompts on other virtual terminals"
grep -q '^session *required *pam_systemd.so' "$kiosk/etc/pam.d/folio-kiosk" ||
	fail "the kiosk's PAM session registers no logind session"
# The commands: cage without -s (VT switching), Chromium in kiosk mode with its sandbox.
cmd=$(sed -n '/^exec cage/,/[^\\]$/p' "$kscript")
[ -n "$cmd" ] || fail "folio-kiosk does not exec cage"
case $cmd in *"cage -- chromium"*) ;; *) fail "cage is given options before Chromium: $cmd" ;; esac
for flag in --kiosk --ozone-platform=wayland --block-new-web-contents --noerrdialogs; do
	printf '%s\n' "$cmd" | grep -q -- "^	*$flag " || fail "Chromium runs without $flag"
done
printf '%s\n' "$cmd" | grep -q -- '--no-sandbox\|--disable-setuid-sandbox\|--remote-debugging' &&
	fail "the kiosk's Chromium runs without its sandbox or with remote debugging"
if command -v systemd-sysusers >/dev/null; then
	root=$FOLIO_TMP/kroot
	mkdir -p "$root/etc"
	printf 'video:x:44:\nrender:x:105:\n' >"$root/etc/group"
	systemd-sysusers --root="$root" "$kiosk/usr/lib/sysusers.d/folio-kiosk.conf" 2>sysusers.err ||
		fail "systemd-sysusers rejects folio-kiosk.conf: $(cat sysusers.err)"
	IFS=: read -r _ _ kuid _ _ khome kshell < <(grep '^folio-kiosk:' "$root/etc/passwd")
	[ -n "${kuid:-}" ] && [ "$kuid" -gt 0 ] && [ "$kuid" -lt 1000 ] || fail "sysusers made no folio-kiosk system user"
	[ "$kshell" = /usr/sbin/nologin ] && [ "$khome" = /run/folio-kiosk ] ||
		fail "folio-kiosk has the shell $kshell and the home $khome"
	for g in video render; do
		grep -q "^$g:.*[:,]folio-kiosk\(,\|$\)" "$root/etc/group" || fail "folio-kiosk is not in $g"
	done
	grep -q '^\(input\|tty\|sudo\|folio\):.*folio-kiosk' "$root/etc/group" && fail "folio-kiosk is in a group it does not need"
fi
# The policy: valid JSON, the clerk UI's address from the station's default folio.conf only.
listen=$("$FOLIO_BUILD/bin/folio" --config "$common/etc/folio/folio.conf" config show 2>&1 |
	sed -n '/^\[web\]$/,/^\[/s/^listen = //p')
[ -n "$listen" ] || fail "the station's default folio.conf has no [web] listen"
# policy_check FILE URL: what is wrong with the policy FILE for the clerk UI at URL, on stderr
policy_check() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
want = {"URLAllowlist": [sys.argv[2]], "DeveloperToolsAvailability": 2, "DownloadRestrictions": 3,
        "IncognitoModeAvailability": 1, "PrintingEnabled": False, "BrowserGuestModeEnabled": False,
        "AllowFileSelectionDialogs": False, "ExtensionInstallBlocklist": ["*"]}
bad = [f"{k} = {p.get(k)!r}, not {v!r}" for k, v in want.items() if p.get(k) != v]
for u in ("*", "chrome://*", "file://*", "devtools://*"):
    if u not in p.get("URLBlocklist", []):
        bad.append(f"URLBlocklist lacks {u}")
for b in bad:
    print("policy:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
policy_check "$kiosk/etc/chromium/policies/managed/folio-kiosk.json" "http://$listen" 2>policy.err ||
	fail "the kiosk's Chromium policy is wrong: $(cat policy.err)"
echo "kiosk: http://$listen/ only, as folio-kiosk on tty1"

# The default configuration passes its own check (the board's facts path is absolute).
"$FOLIO_BUILD/bin/folio" config check "$common/etc/folio/folio.conf" >/dev/null 2>check.err ||
	fail "the station's default folio.conf is invalid: $(cat check.err)"
echo "units: verified for rpi4 and x86-station"
