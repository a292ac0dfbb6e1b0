#!/bin/bash
# requires: CONFIG_SANE_FOLIO_BACKEND
# Network scanners through saned (issue 19, item 3): a saned on loopback serves the virtual
# feeder; the station's SANE loads only the net backend. `folio devices` lists the net:
# device (and does not with [capture] network_scanners = no), `folio scan --device net:...`
# stores every sheet the remote feeder fed, pixel for pixel, and a batch that jammed resumes
# on its net: scanner, not the configuration's default.
#
# The net backend of SANE 1.2.1 reaches saned on the port of 'sane-port' in /etc/services
# (6566) only, and net.conf takes host names without a port: so saned listens on 6566 of a
# loopback address of its own (127.x.y.z, all on lo), picked free like free_port does.
# (A saned on another port needs its own sane-port line in /etc/services: not for a test.)
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"
[ -x /usr/sbin/saned ] || skip "saned is not installed (Debian package sane-utils)"
ls /usr/lib/*/sane/libsane-net.so.1 >/dev/null 2>&1 ||
	skip "SANE's net backend is not installed (Debian package libsane1)"
command -v compare >/dev/null || skip "ImageMagick (compare) is not installed"
# A sanitized backend needs the sanitizer runtimes preloaded into the program that loads it;
# saned 1.2.1 with them preloaded hangs in its first dlopen() (a lock of glibc's gettext):
# the station's side is the plain build's.
[ -z "$(sane_preload)" ] ||
	skip "sanitized build: saned cannot load a sanitized libsane-folio (run it on a plain build)"
cd "$FOLIO_TMP" || fail "no scratch folder"

# free_loopback: a 127.x.y.z on which nothing listens on port 6566 now (bind-tested)
free_loopback() {
	/usr/bin/python3 - <<'EOF'
import random, socket
for _ in range(50):
    a = "127.%d.%d.%d" % (random.randint(1, 254), random.randint(0, 255), random.randint(1, 254))
    s = socket.socket()
    try:
        s.bind((a, 6566))
    except OSError:
        continue
    finally:
        s.close()
    print(a)
    break
EOF
}

dpi=100
"$FOLIO_BUILD/bin/pagegen" --out sheets --count 4 --dpi $dpi --size a5 --kind text \
	--format tif --seed 51 >/dev/null || fail "pagegen failed"
"$FOLIO_BUILD/bin/pagegen" --out local --count 2 --dpi $dpi --size a5 --kind oneline \
	--format tif --seed 52 >/dev/null || fail "pagegen failed"
mkdir -p feeder srv station
cp sheets/*.tif feeder/

# --- the saned host: the virtual feeder, and loopback clients only
printf 'folio\n' >srv/dll.conf
printf '127.0.0.1\n' >srv/saned.conf
# serve LINE...: the served feeder's folio.conf (read by each saned session)
serve() {
	printf 'device %s\n' "$FOLIO_TMP/feeder" >srv/folio.conf
	[ $# = 0 ] || printf '%s\n' "$@" >>srv/folio.conf
}
serve
addr=$(free_loopback)
[ -n "$addr" ] || fail "no loopback address with port 6566 free"
# saned as Debian's saned.socket (Accept=yes) runs it: one saned per connection, on the
# connection's socket (tests/servers/inetd.py)
SANE_CONFIG_DIR=$FOLIO_TMP/srv LD_LIBRARY_PATH=$FOLIO_BUILD/lib/sane \
	/usr/bin/python3 "$FOLIO_SRC/tests/servers/inetd.py" "$addr" 6566 saned.log \
	/usr/sbin/saned -e >inetd.out 2>&1 &
saned=$!
trap 'kill $saned 2>/dev/null; wait $saned 2>/dev/null' EXIT
for i in $(seq 200); do
	grep -q '^ready' inetd.out && break
	kill -0 $saned 2>/dev/null || fail "saned's listener exited: $(tail -n 3 inetd.out)"
	sleep 0.05
done
grep -q '^ready' inetd.out || fail "saned's listener did not start: $(tail -n 3 inetd.out)"

# --- the station: the net backend with that host, and a local feeder as its default scanner
printf 'net\nfolio\n' >station/dll.conf
printf 'connect_timeout = 5\n%s\n' "$addr" >station/net.conf
printf 'device %s\n' "$FOLIO_TMP/local" >station/folio.conf
net=net:$addr:folio:$FOLIO_TMP/feeder
make_config folio.conf "folio:$FOLIO_TMP/local" "[capture] profile = raw" \
	"[capture] sane_config_dir = $FOLIO_TMP/station" "[capture] reconnect_seconds = 0"
grey_profile raw adf raw "$dpi" >>folio.conf
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
sheet() { ls sheets/*.tif | sed -n "${1}p"; }

# --- listed: the remote feeder, with its options read through saned
$folio devices >devices.out 2>err || fail "folio devices failed: $(cat err)"
grep -qxF "$net" devices.out || fail "folio devices does not list '$net': $(cat devices.out err)"
grep -A4 -xF "$net" devices.out | grep -q 'ADF Front' ||
	fail "the net device's sources were not read through saned: $(cat devices.out)"
grep -qxF "folio:$FOLIO_TMP/local" devices.out || fail "the local feeder is no longer listed"
# ... and not with network_scanners = no, the local one still is
sed -i 's/^reconnect_seconds = 0/&\nnetwork_scanners = no/' folio.conf
$folio devices >devices.out 2>err || fail "folio devices failed: $(cat err)"
grep -qF "net:" devices.out && fail "network_scanners = no still lists: $(cat devices.out)"
grep -qxF "folio:$FOLIO_TMP/local" devices.out || fail "network_scanners = no lost the local feeder"
sed -i '/^network_scanners = no$/d' folio.conf

# --- a batch through saned: every sheet, each the sheet the remote feeder fed
n=$($folio scan --device "$net" 2>err) || fail "folio scan --device $net failed: $(cat err)"
[ "$(pages_of "$n")" = 4 ] || fail "batch $n has $(pages_of "$n") pages through saned, not 4"
for i in 1 2 3 4; do same_page "$n" $i "$(sheet $i)"; done
$folio batch show "$n" | grep -qF "$net" ||
	fail "batch $n does not name its net scanner: $($folio batch show "$n" | head -n 8)"

# --- a jam on the remote feeder; the resume goes on through saned, not on the default
serve "jam-page 3"
reload_feeder feeder
n2=$($folio scan --device "$net" 2>err)
[ $? = 1 ] || fail "a jam through saned was not a failure: $(cat err)"
grep -q "resume with 'folio scan --resume $n2'" err || fail "jam message: $(cat err)"
[ "$(pages_of "$n2")" = 2 ] || fail "jam through saned: $(pages_of "$n2") pages kept, not 2"
serve
r=$($folio scan --resume "$n2" 2>err) || fail "resume of batch $n2 failed: $(cat err)"
[ "$r" = "$n2" ] || fail "resume printed '$r', not $n2"
[ "$(pages_of "$n2")" = 4 ] || fail "after resume batch $n2 has $(pages_of "$n2") pages, not 4"
for i in 1 2 3 4; do same_page "$n2" $i "$(sheet $i)"; done
[ -e local/.folio-feeder ] && fail "resuming batch $n2 fed sheets from the default scanner"
[ "$(grep -c "starting up" saned.log)" -ge 4 ] || fail "saned served no sessions: $(tail -n 5 saned.log)"

kill $saned
wait $saned 2>/dev/null
trap - EXIT
# A saned that has gone: the net device is no longer listed, and a scan says so in one line
$folio devices >devices.out 2>/dev/null
grep -qF "net:" devices.out && fail "a stopped saned is still listed: $(cat devices.out)"
expect_fail 1 "$net" $folio scan --device "$net"
echo "capture: 4 sheets through saned on $addr:6566 stored as fed; a jammed batch resumed on its net: scanner"
