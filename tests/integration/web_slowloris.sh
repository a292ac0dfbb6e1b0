#!/bin/bash
# requires: CONFIG_WEB
# Slow clients against the clerk UI (issue 21, finding 4): two addresses (127.0.0.2 and
# 127.0.0.3, standing for machines on the network) open 40 connections each and drip their
# request headers a byte a second. The station's own screen (127.0.0.1) is still answered
# at once; one address holds at most 12 connections; and every dripping connection is
# closed about 10 s after it opened, however it drips (before: 64 such connections locked
# everyone out for as long as they dripped). Takes about 15 s.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
web_test
attack=
trap 'kill $attack 2>/dev/null; stop_foliod' EXIT

write_config() {
	web_config "$1"
}
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"

# The attacker: 40 connections from each of two addresses, a byte a second each; it writes
# how many are still open at 3 s and at 14 s, per address.
/usr/bin/python3 - "$port" >attack.txt 2>&1 <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
socks = {}
for src in ("127.0.0.2", "127.0.0.3"):
    socks[src] = []
    for i in range(40):
        s = socket.socket()
        s.bind((src, 0))
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks[src].append(s)
        except OSError:
            s.close()
def alive(s):
    try:
        s.sendall(b"X")
        s.setblocking(False)
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                return False
        except BlockingIOError:
            pass
        finally:
            s.setblocking(True)
        return True
    except OSError:
        return False
start = time.monotonic()
report = {3: None, 14: None}
while time.monotonic() - start < 14.5:
    for src in socks:
        socks[src] = [s for s in socks[src] if alive(s)]
    t = time.monotonic() - start
    for k in report:
        if report[k] is None and t >= k:
            report[k] = {src: len(v) for src, v in socks.items()}
            print("at %d s: %s" % (k, " ".join("%s=%d" % kv for kv in sorted(report[k].items()))), flush=True)
    time.sleep(1)
print("done", flush=True)
EOF
attack=$!
wait_until 60 0.1 grep -q '^at 3 s' attack.txt || fail "the attacker did not start: $(cat attack.txt)"

# The station's own screen is answered while the attack goes on.
t0=$EPOCHREALTIME
call GET /api/session --max-time 5
[ "$code" = 401 ] || fail "the kiosk (127.0.0.1) was not answered during the attack: $code"
echo "figure: the kiosk answered in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s during the attack"

# One address holds at most 12 connections.
for src in 127.0.0.2 127.0.0.3; do
	n=$(sed -n "s/^at 3 s:.*$src=\([0-9]*\).*/\1/p" attack.txt)
	[ -n "$n" ] && [ "$n" -le 12 ] || fail "$src holds ${n:-?} connections at 3 s (at most 12): $(cat attack.txt)"
done

wait "$attack"
attack=
grep -q '^done' attack.txt || fail "the attacker failed: $(cat attack.txt)"
grep -q '^at 14 s: 127.0.0.2=0 127.0.0.3=0$' attack.txt ||
	fail "dripping connections were still open after 14 s: $(cat attack.txt)"
call GET /api/session --max-time 5
[ "$code" = 401 ] || fail "the UI did not answer after the attack: $code"
cat attack.txt
echo "slow clients: at most 12 per address, cut at their header deadline; the kiosk answered"
