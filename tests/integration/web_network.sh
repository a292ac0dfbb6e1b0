#!/bin/bash
# requires: CONFIG_WEB
# Network scanners on the clerk UI (issue 19, item 3): the scanner list (GET /api/devices) is
# the list `folio devices` gives, so an eSCL scanner on loopback (tests/servers/escl.py, named
# in airscan.conf, discovery off) is there with its vendor and model, and a clerk's Start on
# it captures every sheet it sent into a batch that names it.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
ls /usr/lib/*/sane/libsane-airscan.so.1 >/dev/null 2>&1 ||
	skip "sane-airscan is not installed (Debian package sane-airscan)"
web_test

"$FOLIO_BUILD/bin/pagegen" --out feeder --count 2 --dpi 100 --size a4 --kind oneline \
	--seed 71 >/dev/null || fail "pagegen failed"
start_escl feeder 100
trap 'kill $escl 2>/dev/null; wait $escl 2>/dev/null; stop_foliod' EXIT
dev="airscan:e0:Folio eSCL test"
mkdir -p station
printf 'airscan\n' >station/dll.conf
printf '[devices]\n"Folio eSCL test" = http://127.0.0.1:%s/eSCL, eSCL\n[options]\ndiscovery = disable\n' \
	"$escl_port" >station/airscan.conf

write_config() {
	web_config "$1" "[capture] sane_config_dir = $FOLIO_TMP/station" \
		"[profile bitonal] mode = gray" "[profile bitonal] resolution = 100"
}
write_config 1
echo 'clerk-pin-3141' | $folio web user ana >/dev/null || fail "folio web user ana"
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"
json=(-H 'Content-Type: application/json')
call POST /api/login "${json[@]}" -c ana.jar --data-binary '{"user":"ana","password":"clerk-pin-3141"}'
[ "$code" = 200 ] || fail "sign-in answered $code: $(cat body)"
csrf=$(jget body csrf)

# --- the UI's scanner list has the eSCL scanner, as SANE names it
call GET /api/devices -b ana.jar
[ "$code" = 200 ] || fail "GET /api/devices answered $code: $(cat body)"
/usr/bin/python3 - "$dev" <<'EOF' || fail "the clerk UI's scanner list lacks '$dev': $(cat body)"
import json, sys
d = [x for x in json.load(open("body"))["devices"] if x["name"] == sys.argv[1]]
sys.exit(not (d and d[0]["vendor"] == "eSCL" and d[0]["model"] == "Folio eSCL test"))
EOF

# --- Start on it: every sheet, in a batch that names it
call POST /api/capture -b ana.jar -H "X-CSRF-Token: $csrf" "${json[@]}" \
	--data-binary "{\"device\":\"$dev\"}"
case $code in 2??) ;; *) fail "Start on '$dev' answered $code: $(cat body)" ;; esac
b=$(jget body batch)
for _ in $(seq 300); do # until the feeder is empty and the capture over
	call GET /api/status -b ana.jar
	[ "$(pages_of "$b")" = 2 ] && case $(jget body scanner.state) in idle | fault) break ;; esac
	sleep 0.1
done
[ "$(pages_of "$b")" = 2 ] ||
	fail "the UI's batch $b over eSCL: $($folio batch show "$b" | head -n 6)"
$folio batch show "$b" | grep -qF "$dev" || fail "batch $b does not name '$dev'"
[ "$(grep -c 'NextDocument 200$' requests.log)" = 2 ] || fail "eSCL requests: $(cat requests.log)"
echo "web: the clerk UI lists the eSCL scanner and captured its 2 sheets"
