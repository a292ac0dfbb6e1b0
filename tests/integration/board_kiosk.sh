#!/bin/bash
# requires: CONFIG_WEB
# The station's screen boots to the clerk UI (issue 19): the kiosk exactly as
# folio-kiosk.service runs it (its ExecStart, board/common/kiosk), on a headless cage, as an
# unprivileged user with Chromium's own sandbox, its managed policy bound over /etc/chromium in
# a mount namespace of the test's own, pointed by [web] listen at a foliod on a free loopback
# port. A screenshot (grim, through cage's wlr-screencopy) shows what a clerk sees:
# - a picture of the output's size, not blank, that is the clerk UI's sign-in screen, full
#   screen with no address bar or browser frame: it matches Chromium's own headless rendering
#   of the same address at that size;
# - the policy holds: the kiosk shows the UI it allows, and Chromium under the same policy
#   renders nothing of the UI at an address it does not allow;
# - the kiosk refuses to start (exit 78, one line) when the policy does not allow foliod's address;
# - when Chromium dies, cage exits with it, so systemd (Restart=always) starts the kiosk again;
# - every system call the kiosk makes until its first screen (strace -f) is one the unit's
#   SystemCallFilter= allows.
# The screenshot is kept as tests/kiosk.png in the build folder.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
for c in cage grim chromium; do
	command -v $c >/dev/null || skip "$c is not installed (Debian package $c; make deps)"
done
command -v compare >/dev/null || skip "ImageMagick is not installed (make deps)"
command -v curl >/dev/null || skip "curl is not installed (Debian package curl)"
[ "$(id -u)" = 0 ] || skip "needs root: cage refuses to run as root, so the kiosk runs as nobody, and the test binds Chromium's policy over /etc/chromium in its own mount namespace"
unshare -m true 2>/dev/null || skip "cannot make a mount namespace here (unshare -m)"
cd "$FOLIO_TMP" || fail "no scratch folder"
chmod 0711 "$FOLIO_TMP"
daemon=
kiosk=
# stop_kiosk: cage, the first process of the kiosk's PID namespace, killed: the kernel ends
# every other process in it (unshare's --kill-child does not reach across setpriv).
stop_kiosk() {
	[ -n "$kiosk" ] || return 0
	local c
	c=$(ps -o pid= --ppid "$kiosk" | tr -d ' ')
	[ -n "$c" ] && kill -KILL $c 2>/dev/null
	kill -KILL "$kiosk" 2>/dev/null
	wait "$kiosk" 2>/dev/null
	kiosk=
}
cleanup() {
	stop_kiosk
	stop_foliod
}
trap cleanup EXIT

write_config() {
	web_config "$1"
	chmod 0644 folio.conf
}
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"

# The unit's command, with the paths of this tree and this test's configuration.
kdir=$FOLIO_SRC/board/common/kiosk
exec_start=$(sed -n 's/^ExecStart=//p' "$kdir/lib/systemd/system/folio-kiosk.service")
read -r -a cmd <<<"${exec_start//\/usr\/libexec\/folio\/folio-kiosk/$kdir/usr/libexec/folio/folio-kiosk}"
cmd=("${cmd[@]//\/etc\/folio\/folio.conf/$FOLIO_TMP/folio.conf}")
[ "${cmd[*]}" = "$kdir/usr/libexec/folio/folio-kiosk --config $FOLIO_TMP/folio.conf" ] ||
	fail "unexpected ExecStart: $exec_start"

# Chromium's /etc/chromium as installed, with the package's policy for this test's port.
mkdir -p etc-chromium/policies/managed
[ -d /etc/chromium ] && cp -r /etc/chromium/. etc-chromium/
sed "s|\"http://127.0.0.1:8080\"|\"$url\"|" "$kdir/etc/chromium/policies/managed/folio-kiosk.json" \
	>etc-chromium/policies/managed/folio-kiosk.json
grep -q "\"$url\"" etc-chromium/policies/managed/folio-kiosk.json || fail "the policy names no clerk UI address"
chmod -R a+rX etc-chromium

# cage 0.1.4 hands a full-screen client's buffer straight to the output (direct scan-out), and
# its screencopy then returns the last frame it composited itself, not what is on the screen.
# A half-turned output (-r -r: the same 1280x720 layout, upside down) is always composited;
# grim turns it back. The kiosk's own cage options follow, unchanged.
mkdir -p bin
printf '#!/bin/sh\nexec /usr/bin/cage -r -r "$@"\n' >bin/cage
chmod 0755 bin/cage

# as_kiosk COMMAND...: COMMAND as nobody without privileges, in a mount namespace where
# /etc/chromium is the test's, in the environment systemd and the headless cage give it.
# Its own PID namespace too: whatever it leaves behind goes when the test stops it.
mkdir -p run shots && chown nobody:nogroup run shots && chmod 0700 run shots
as_kiosk() {
	exec unshare -m -p --fork --kill-child --mount-proc --propagation private \
		/bin/sh -c 'mount --bind "$0" /etc/chromium && exec "$@"' \
		"$FOLIO_TMP/etc-chromium" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--no-new-privs --bounding-set=-all --inh-caps=-all \
		env -i PATH="$FOLIO_TMP/bin:$FOLIO_BUILD/bin:/usr/bin:/bin" RUNTIME_DIRECTORY="$FOLIO_TMP/run" \
		WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$@"
}
shot() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups env XDG_RUNTIME_DIR="$FOLIO_TMP/run" \
		WAYLAND_DISPLAY=wayland-0 grim "shots/$1" 2>grim.err
}

# --- The kiosk refuses a policy that does not allow foliod's address.
sed -i "s|\"$url\"|\"http://127.0.0.1:1\"|" etc-chromium/policies/managed/folio-kiosk.json
expect_fail 78 "not in the URLAllowlist" as_kiosk "${cmd[@]}"
sed -i "s|\"http://127.0.0.1:1\"|\"$url\"|" etc-chromium/policies/managed/folio-kiosk.json

# first_screen: waits for the kiosk ($kiosk) to draw its first screen: $prev is its last
# screenshot, $n its number of colours.
first_screen() {
	local i
	prev='' n=0
	for i in $(seq 60); do
		sleep 0.5
		kill -0 "$kiosk" 2>/dev/null || fail "the kiosk exited: $(grep -v dbus kiosk.log | tail -n 5)"
		[ -S run/wayland-0 ] || continue
		shot "shot-$i.png" || continue
		n=$(convert "shots/shot-$i.png" -format '%k' info:)
		# The page is drawn when the picture has many colours (text) and stays the same.
		if [ "$n" -gt 50 ] && [ -n "$prev" ] && cmp -s "$prev" "shots/shot-$i.png"; then
			return 0
		fi
		prev=shots/shot-$i.png
	done
}

# descendant NAME: the first process named NAME below the kiosk's ($kiosk)
descendant() {
	ps -e -o pid=,ppid=,comm= | awk -v top="$kiosk" -v name="$1" '
		{ parent[$1] = $2; comm[$1] = $3 }
		END {
			for (p in comm) {
				if (comm[p] != name) continue
				for (q = parent[p]; q > 1; q = parent[q])
					if (q == top) { print p; exit }
			}
		}'
}

# browser_dies: Chromium killed, cage must exit within 10 s.
browser_dies() {
	local cage browser i
	cage=$(descendant cage)
	browser=$(ps -o pid= --ppid "$cage" | tr -d ' ' | head -n 1)
	[ -n "$browser" ] || fail "cage has no child: Chromium is not running"
	kill -KILL "$browser"
	for i in $(seq 100); do
		kill -0 "$cage" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "cage kept running without Chromium: systemd would not restart the kiosk"
}

# --- The first screen.
start=$EPOCHREALTIME
(as_kiosk "${cmd[@]}") >kiosk.log 2>&1 &
kiosk=$!
first_screen
ready=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
[ -n "$prev" ] || fail "no screenshot of the kiosk in 30 s: $(cat grim.err; grep -v dbus kiosk.log | tail -n 3)"
cp "$prev" kiosk.png
size=$(identify -format '%wx%h' kiosk.png)
[ "$size" = 1280x720 ] || fail "the screenshot is $size, not the output's 1280x720"
[ "$n" -gt 50 ] || fail "the kiosk's screen is blank ($n colours) after 30 s"

# headless POLICY PNG: Chromium's own rendering of the clerk UI's address at the output's size,
# with no window around it, under the Chromium policy POLICY (in its own mount and PID
# namespaces, under a shell: Chromium hangs as a namespace's first process).
headless() {
	unshare -m -p --fork --kill-child --mount-proc --propagation private /bin/sh -c \
		'mount --bind "$0" /etc/chromium && mount --bind "$1" /etc/chromium/policies/managed/folio-kiosk.json && shift && "$@"' \
		"$FOLIO_TMP/etc-chromium" "$1" chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$FOLIO_TMP/profile-${2%.png}" --window-size=1280,720 \
		--screenshot="$FOLIO_TMP/$2" "$url/" >"${2%.png}.log" 2>&1 ||
		fail "headless Chromium failed: $(tail -n 3 "${2%.png}.log")"
}
echo '{}' >none.json
headless "$FOLIO_TMP/none.json" ref.png
# compare -metric AE: the number of pixels that differ (beyond 10 %), on stderr.
differ() {
	compare -metric AE -fuzz 10% "$1" "$2" null: 2>&1 | sed 's/[^0-9.e+].*//'
}
d=$(differ kiosk.png ref.png)
pct=$(awk -v d="$d" 'BEGIN { printf "%.2f", 100 * d / (1280 * 720) }')
# The focused name box and its caret, which blinks, are the only difference there should be;
# an address bar (80 px) or another page differs in far more.
awk -v p="$pct" 'BEGIN { exit !(p < 2.0) }' ||
	fail "the kiosk's screen differs from the sign-in page in $pct % of its pixels (kiosk.png, ref.png)"
echo "kiosk: the sign-in screen, full screen, $size, $n colours, $pct % of pixels unlike Chromium's own rendering, drawn in $ready s"
echo "figure: kiosk first screen drawn in $ready s (cage + Chromium, headless)"

# --- The policy holds: the same browser shows no clerk UI on an address it does not allow.
# (Headless screenshots go through DevTools, which the policy turns off: that line is left out.)
grep -v '"DeveloperToolsAvailability"' etc-chromium/policies/managed/folio-kiosk.json |
	sed "s|\"$url\"|\"http://127.0.0.1:1\"|" >blocked.json
/usr/bin/python3 -m json.tool blocked.json >/dev/null || fail "blocked.json is not JSON"
headless "$FOLIO_TMP/blocked.json" blocked.png
# Chromium renders a blocked address as its error page, which headless screenshots leave out:
# no picture at all, where the same command under no policy gave the sign-in page (ref.png).
if [ -e blocked.png ]; then
	d=$(differ blocked.png ref.png)
	awk -v d="$d" 'BEGIN { exit !(d > 0.1 * 1280 * 720) }' ||
		fail "Chromium showed the clerk UI on an address its policy does not allow (blocked.png)"
fi
echo "policy: Chromium shows nothing of the UI at an address the policy does not allow"

# --- Chromium dies: cage exits with it, for systemd to start the kiosk again.
browser_dies
stop_kiosk
echo "kiosk: cage exits when Chromium dies (the unit restarts it)"

# --- The unit's system call filter lets the kiosk run: every call folio-kiosk, cage and
# Chromium make until the first screen is drawn (strace -f) is one the filter allows.
if command -v strace >/dev/null; then
	rm -rf run/* run/.[!.]* shots/*
	(as_kiosk strace -f -qq -c -o "$FOLIO_TMP/shots/syscalls.txt" "${cmd[@]}") >kiosk.log 2>&1 &
	kiosk=$!
	first_screen
	[ "$n" -gt 50 ] || fail "the kiosk under strace drew no screen"
	browser_dies
	for i in $(seq 100); do
		[ -s shots/syscalls.txt ] && break
		sleep 0.1
	done
	stop_kiosk
	awk 'NR > 2 && $NF != "total" && $1 !~ /^-/ { print $NF }' shots/syscalls.txt | sort -u >used.txt
	[ "$(wc -l <used.txt)" -gt 50 ] || fail "strace saw too few system calls: $(head -5 shots/syscalls.txt)"
	# expand SET...: the system calls of systemd's sets and names SET
	expand() {
		local x s
		for x in "$@"; do
			case $x in
			@*) systemd-analyze syscall-filter "$x" 2>/dev/null | sed -n '2,$p' | grep -v '^ *#' |
				tr -d ' ' | grep . | while read -r s; do expand "$s"; done ;;
			*) echo "$x" ;;
			esac
		done
	}
	unit=$kdir/lib/systemd/system/folio-kiosk.service
	# shellcheck disable=SC2046 # the sets are words
	expand $(sed -n 's/^SystemCallFilter=\([^~].*\)/\1/p' "$unit") | sort -u >allow.txt
	# shellcheck disable=SC2046
	expand $(sed -n 's/^SystemCallFilter=~//p' "$unit") | sort -u >deny.txt
	comm -23 allow.txt deny.txt >allowed.txt
	[ "$(wc -l <allowed.txt)" -gt 100 ] || fail "systemd-analyze lists too few allowed calls"
	missing=$(comm -23 used.txt allowed.txt | tr '\n' ' ')
	[ -z "$missing" ] || fail "the kiosk made system calls folio-kiosk.service's filter denies: $missing"
	echo "kiosk: its $(wc -l <used.txt) kinds of system calls are all in the unit's filter"
else
	echo "note: strace not installed, the unit's system call filter is not tried"
fi
mkdir -p "$FOLIO_BUILD/tests" && cp kiosk.png "$FOLIO_BUILD/tests/kiosk.png"
echo "kiosk: its first screen is $FOLIO_BUILD/tests/kiosk.png"
