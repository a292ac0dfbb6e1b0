#!/bin/bash
# Scanner listing benchmark: what `folio devices` costs when network scanners may be listed
# but none is configured (issue 19, item 3: the station's dll.conf loads net and airscan).
# The peer, in the same run, is the same listing with [capture] network_scanners = no and
# without the two network backends: local scanners only, as before. Each is the median of 30
# runs of `folio devices` against the virtual feeder (one folder listed). Prints figures and
# the ratio; never fails on timings.
# Usage: tests/bench/devices.sh BUILD_DIR
set -eu
build=$(cd "${1:?usage: tests/bench/devices.sh BUILD_DIR}" && pwd)
work=${FOLIO_TMP:-$(mktemp -d)}
cd "$work"
[ -e "$build/lib/sane/libsane-folio.so.1" ] || { echo "devices bench: no libsane-folio: run make bench" >&2; exit 1; }
"$build/bin/pagegen" --out pages --count 1 --dpi 100 --size a5 --kind oneline >/dev/null
mkdir -p local network
printf 'folio\n' >local/dll.conf
printf 'folio\nnet\nairscan\n' >network/dll.conf
printf 'device %s\n' "$work/pages" | tee local/folio.conf >network/folio.conf
printf 'connect_timeout = 3\n' >network/net.conf
printf '[devices]\n[options]\ndiscovery = disable\n' >network/airscan.conf
conf() { # NAME SANE_DIR NETWORK
	printf '[station]\nid = BENCH-01\noffice = KE\n[store]\npath = %s/store\n[capture]\n' "$work" >"$1"
	printf 'sane_config_dir = %s\nsane_backend_dir = %s\nnetwork_scanners = %s\n' "$2" \
		"$build/lib/sane" "$3" >>"$1"
}
conf local.conf "$work/local" no
conf network.conf "$work/network" yes
airscan=no
ls /usr/lib/*/sane/libsane-airscan.so.1 >/dev/null 2>&1 && airscan=yes
/usr/bin/python3 - "$build/bin/folio" "$airscan" <<'EOF'
import statistics, subprocess, sys, time
folio, airscan = sys.argv[1], sys.argv[2]
t = {"local.conf": [], "network.conf": []}
for _ in range(30):
    for c in t:  # interleaved, so both see the same load
        s = time.perf_counter()
        subprocess.run([folio, "--config", c, "devices"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t[c].append(time.perf_counter() - s)
loc, net = statistics.median(t["local.conf"]), statistics.median(t["network.conf"])
print("folio devices, local scanners only:                   %6.1f ms (median of 30)" % (1000 * loc))
print("folio devices, net and airscan loaded, none named:    %6.1f ms (median of 30; airscan %s)"
      % (1000 * net, "installed" if airscan == "yes" else "not installed"))
print("ratio network/local: %.2f" % (net / loc))
EOF
