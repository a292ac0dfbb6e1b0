#!/bin/bash
# The hardware watchdog through the simulated backend: foliod feeds it from its main loop
# while the loop runs, stops feeding it when the loop hangs (--debug-stall and SIGUSR2), leaves
# it to systemd when systemd supervises foliod (WATCHDOG_USEC), and disarms it with the magic
# close on a clean stop.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

cat >board.conf <<CONF
[board]
name = test
[io]
backend = none
sim_dir = wd
[watchdog]
device = sim
timeout_s = 1
CONF
make_config folio.conf test:0
printf '[board]\nfacts = board.conf\n' >>folio.conf
log=wd/watchdog

start() {
	"$FOLIO_BUILD/bin/foliod" --config folio.conf "$@" 2>foliod.log &
	pid=$!
}
keepalives() { grep -c '^keepalive ' $log 2>/dev/null || echo 0; }
# wait_count N: until the watchdog was fed N times, at most 20 s
wait_count() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(keepalives)" -ge "$1" ] && return 0
		kill -0 $pid 2>/dev/null || fail "foliod died: $(tail -5 foliod.log)"
		sleep 0.1
	done
	fail "the watchdog was fed $(keepalives) times, not $1: $(tail -5 foliod.log)"
}
trap 'kill -9 $pid 2>/dev/null' EXIT

# --- fed while the loop runs, well within the 1 s countdown
start --debug-stall
wait_count 8
grep -q "watchdog 'sim' (1 s) fed by foliod" foliod.log || fail "no watchdog line: $(cat foliod.log)"
gap=$(awk '$1 == "keepalive" { if (last) { g = $2 - last; if (g > max) max = g } last = $2 }
	END { print max + 0 }' $log)
[ "$gap" -lt 1000 ] || fail "a keepalive came $gap ms after the one before: the watchdog would fire"

# --- the loop hangs: no keepalive any more, although the process is alive
kill -USR2 $pid
for ((i = 0; i < 100; i++)); do grep -q 'main loop hangs' foliod.log && break; sleep 0.1; done
grep -q 'main loop hangs' foliod.log || fail "foliod did not take SIGUSR2: $(tail -3 foliod.log)"
before=$(keepalives)
sleep 3 # three countdowns of the watchdog: any keepalive in them would be a bug
kill -0 $pid 2>/dev/null || fail "foliod died instead of hanging"
after=$(keepalives)
[ "$after" = "$before" ] || fail "a hung foliod still fed the watchdog ($before, then $after)"
grep -q magic-close $log && fail "a hung foliod disarmed the watchdog"
kill -9 $pid
wait $pid 2>/dev/null
echo "figure: watchdog: fed every <= $gap ms of a 1000 ms countdown; 0 keepalives in 3 s after the hang"

# --- a clean stop disarms it with the magic close
rm -f $log
start
wait_count 2
kill -TERM $pid
wait $pid || fail "foliod exited $? on SIGTERM"
[ "$(tail -n 1 $log | cut -d' ' -f1)" = magic-close ] || fail "no magic close: $(tail -n 2 $log)"

# --- under systemd's watchdog, systemd owns the hardware one: foliod never opens it
rm -f $log
WATCHDOG_USEC=4000000 "$FOLIO_BUILD/bin/foliod" --config folio.conf 2>foliod.log &
pid=$!
for ((i = 0; i < 100; i++)); do grep -q 'left to systemd' foliod.log && break; sleep 0.1; done
grep -q "watchdog 'sim' left to systemd" foliod.log || fail "no 'left to systemd': $(cat foliod.log)"
kill -TERM $pid
wait $pid || fail "foliod exited $? on SIGTERM"
trap - EXIT
[ -e $log ] && fail "foliod opened the watchdog although systemd supervises it: $(cat $log)"
echo "watchdog: fed, starved by a hang, disarmed on stop, left to systemd"
