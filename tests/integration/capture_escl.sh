#!/bin/bash
# Network scanners through eSCL (AirScan) and Debian's sane-airscan (issue 19, item 3): a
# small eSCL scanner on loopback (tests/servers/escl.py: a feeder of PNG sheets) is named in
# the station's airscan.conf, with discovery off. `folio devices` lists it (and not with
# [capture] network_scanners = no), leaves out a device whose name no batch could keep (too
# long, a control character, not UTF-8) with one printable line for each, and
# `folio scan --device airscan:...` stores every sheet the scanner sent, pixel for pixel,
# through the eSCL job (ScanJobs, NextDocument until 404, DELETE).
#
# What this does not test: DNS-SD/WS-Discovery (nothing may scan the LAN in a test), WSD,
# HTTPS, colour and JPEG transfers, and real scanners' quirks.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
airscan=$(ls /usr/lib/*/sane/libsane-airscan.so.1 2>/dev/null | head -n 1)
[ -n "$airscan" ] || skip "sane-airscan is not installed (Debian package sane-airscan)"
command -v compare >/dev/null || skip "ImageMagick (compare) is not installed"
cd "$FOLIO_TMP" || fail "no scratch folder"

dpi=100
"$FOLIO_BUILD/bin/pagegen" --out sheets --count 3 --dpi $dpi --size a4 --kind text \
	--seed 61 >/dev/null || fail "pagegen failed"
mkdir -p feeder station
cp sheets/*.png feeder/

# --- the eSCL scanner on a free port of 127.0.0.1
start_escl feeder $dpi
port=$escl_port

# --- the station: sane-airscan alone, the scanner named, no discovery on the LAN
long=$(printf 'x%.0s' $(seq 140))
printf 'airscan\n' >station/dll.conf
cat >station/airscan.conf <<CONF
[devices]
"Folio eSCL test" = http://127.0.0.1:$port/eSCL, eSCL
"$long" = http://127.0.0.1:$port/eSCL, eSCL
"$(printf 'tab\tname')" = http://127.0.0.1:$port/eSCL, eSCL
"$(printf 'not\377utf8')" = http://127.0.0.1:$port/eSCL, eSCL
[options]
discovery = disable
CONF
dev="airscan:e0:Folio eSCL test"
cat >folio.conf <<CONF
[station]
id = TEST-01
office = KE
[store]
path = $FOLIO_TMP/store
map_size_mb = 256
[capture]
device = $dev
profile = raw
sane_config_dir = $FOLIO_TMP/station
reconnect_seconds = 0
CONF
grey_profile raw adf raw "$dpi" >>folio.conf
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"

# --- listed, its options read over eSCL; the name no batch could keep is left out, in a line
$folio devices >devices.out 2>err || fail "folio devices failed: $(cat err)"
grep -qxF "$dev" devices.out || fail "folio devices does not list '$dev': $(cat devices.out err)"
grep -A4 -xF "$dev" devices.out | grep -q 'ADF' ||
	fail "the eSCL scanner's sources were not read: $(cat devices.out)"
# ... and so are a name with a control character and one that is not UTF-8, each in one
# printable line
grep -qF "$long" devices.out && fail "a device name of $((${#long} + 11)) bytes was listed"
[ "$(grep -c '^airscan:' devices.out)" = 1 ] || fail "names no batch could keep listed: $(cat -A devices.out)"
[ "$(grep -c "left out: its SANE name is not 1 to 127 printable characters" err)" = 3 ] ||
	fail "not one line for each of the 3 devices left out: $(cat -A err)"
LC_ALL=C grep -q "$(printf '[\t\377]')" err && fail "a warning shows the name as it came: $(cat -A err)"
grep -qF "'airscan:e2:tab?name'" err || fail "the name with a tab is not shown printable: $(cat -A err)"
sed -i 's/^reconnect_seconds = 0/&\nnetwork_scanners = no/' folio.conf
$folio devices >devices.out 2>/dev/null || fail "folio devices failed with network_scanners = no"
grep -qF "airscan:" devices.out && fail "network_scanners = no still lists: $(cat devices.out)"
sed -i '/^network_scanners = no$/d' folio.conf

# --- a batch over eSCL: one job, every sheet, each as the scanner sent it
: >requests.log
n=$($folio scan --device "$dev" 2>err) || fail "folio scan --device '$dev' failed: $(cat err)"
[ "$(pages_of "$n")" = 3 ] || fail "batch $n has $(pages_of "$n") pages over eSCL, not 3"
i=0
for s in sheets/*.png; do
	i=$((i + 1))
	$folio page export --batch "$n" --page $i --out stored.pnm 2>/dev/null ||
		fail "batch $n has no page $i"
	diff=$(compare -metric AE stored.pnm "$s" null: 2>&1)
	[ "$diff" = 0 ] ||
		fail "batch $n page $i is not $s ($diff pixels differ): $(identify stored.pnm "$s")"
done
$folio batch show "$n" | grep -qF "$dev" || fail "batch $n does not name its eSCL scanner"
[ "$(grep -c '^POST /eSCL/ScanJobs 201$' requests.log)" = 1 ] ||
	fail "not one eSCL job for the batch: $(cat requests.log)"
[ "$(grep -c 'NextDocument 200$' requests.log)" = 3 ] ||
	fail "not 3 sheets sent: $(cat requests.log)"
grep -q '^DELETE /eSCL/ScanJobs/[0-9a-f]* 200$' requests.log ||
	fail "the eSCL job was not deleted: $(cat requests.log)"

# --- the feeder is empty now: a scan stores nothing and says so
r=$($folio scan --device "$dev" 2>err)
grep -q "document feeder empty: load the paper" err ||
	fail "a scan of the empty eSCL feeder: $(cat err)"
[ -z "$r" ] || [ "$(pages_of "$r")" = 0 ] || fail "the empty feeder gave batch $r pages"
echo "capture: 3 sheets over eSCL (sane-airscan) on 127.0.0.1:$port stored as sent"
