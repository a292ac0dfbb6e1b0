#!/bin/bash
# requires: CONFIG_SANE_FOLIO_BACKEND
# The station's panel on the simulated board, through the real foliod and Folio's virtual
# feeder: Start captures a batch, a paper jam lights attention, Resume (after the clerk puts
# the sheets back) finishes the batch, Stop pauses a capture and then closes the batch, and
# the scanner's telemetry counts it all. Buttons are pressed through the sim backend's FIFO
# and LEDs read from its file, as a technician would on a real panel.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"

"$FOLIO_BUILD/bin/pagegen" --out sheets --count 5 --dpi 100 --size a4 --kind text --seed 7 \
	--format tif >/dev/null || fail "pagegen failed"
# load N..M: put sheets N to M in the feeder, as the clerk would
load() {
	rm -rf feeder && mkdir feeder
	for i in $(seq "$1" "$2"); do cp "sheets/$(ls sheets | grep tif | sed -n "${i}p")" feeder/; done
}

mkdir -p sane.d
printf 'folio\n' >sane.d/dll.conf
printf 'jam-page 3\npages-per-minute 120\n' >sane.d/folio.conf
cat >board.conf <<CONF
[board]
name = test
[io]
backend = sim
sim_dir = panel
debounce_ms = 30
CONF
make_config folio.conf "folio:$FOLIO_TMP/feeder" "[capture] profile = raw" \
	"[capture] sane_config_dir = $FOLIO_TMP/sane.d" "[capture] reconnect_seconds = 0" \
	"[profile raw] source = adf" "[profile raw] mode = gray" "[profile raw] output = raw" \
	"[profile raw] resolution = 100" "[board] facts = board.conf" "[station] log_level = debug"
folio="$FOLIO_BUILD/bin/folio --config folio.conf"
$folio config check folio.conf >/dev/null || fail "config with [board] facts rejected"

load 1 5
"$FOLIO_BUILD/bin/foliod" --config folio.conf 2>foliod.log &
pid=$!
trap 'kill -9 $pid 2>/dev/null' EXIT

# wait_leds PATTERN: until the LEDs show PATTERN (a grep -E expression), at most 30 s
wait_leds() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -qE -- "$1" panel/leds 2>/dev/null && return 0
		kill -0 $pid 2>/dev/null || fail "foliod died: $(tail -5 foliod.log)"
		sleep 0.1
	done
	fail "LEDs show '$(cat panel/leds 2>/dev/null)', not '$1', after 30 s: $(tail -5 foliod.log)"
}
press() { echo "$1" >panel/buttons || fail "cannot press $1"; }
# acted N BUTTON: until foliod has taken the Nth press of BUTTON (its debug log says so), at
# most 30 s
acted() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -c "panel: $2 pressed in state" foliod.log)" -ge "$1" ] && return 0
		kill -0 $pid 2>/dev/null || fail "foliod died: $(tail -5 foliod.log)"
		sleep 0.1
	done
	fail "foliod did not act on press $1 of $2 in 30 s: $(tail -5 foliod.log)"
}
batch() { $folio batch list | awk -v b="$1" '$1 == b { print $2, $3 }'; }

wait_leds '^ready=on busy=off attention=off error=off$'
grep -q "simulated buttons and LEDs" foliod.log || fail "foliod did not describe the panel"

# --- Start: a new batch; the jam at the third sheet lights attention
press start
wait_leds 'attention=fast'
grep -q 'page 3 was not captured: paper jam' foliod.log || fail "no jam advice: $(tail -3 foliod.log)"
[ "$(batch 1)" = "open 2" ] || fail "after the jam batch 1 should be open with 2 pages: $(batch 1)"
# Start does nothing at a fault: the clerk chooses Resume or Stop. The LEDs are read once
# foliod has taken the press; a Start that went on to close batch 1 shows at the latest in
# batch 1's pages after Resume.
press start
acted 2 start
grep -q 'attention=fast' panel/leds || fail "Start at a fault changed the panel: $(cat panel/leds)"

# --- the clerk puts the jammed sheet back with the next one and presses Resume
load 3 4
press resume
wait_leds '^ready=on busy=off attention=off error=off$'
[ "$(batch 1)" = "closed 4" ] || fail "after Resume batch 1 should be closed with 4 pages: $(batch 1)"

# --- Stop during a capture: paused after the sheet being read, then Stop closes the batch
load 1 5
press start
wait_leds 'busy=on'
for ((i = 0; i < 100; i++)); do [ "$(batch 2)" = "open 1" ] && break; sleep 0.05; done
press stop
wait_leds '^ready=on busy=off attention=on error=off$'
read -r state pages <<<"$(batch 2)"
[ "$state" = open ] && [ "$pages" -ge 1 ] && [ "$pages" -lt 3 ] ||
	fail "a stopped batch 2 should be open with 1 or 2 pages: $state $pages"
press stop
wait_leds '^ready=on busy=off attention=off error=off$'
[ "$(batch 2)" = "closed $pages" ] || fail "Stop did not close batch 2: $(batch 2)"

# --- telemetry beside the store: pages fed and the jam, for this scanner
line=$(grep -F "folio:$FOLIO_TMP/feeder" store/telemetry) || fail "no telemetry for the feeder"
read -r _ t_pages t_jams _ _ _ t_runs _ <<<"$line"
[ "$t_pages" = $((4 + pages)) ] && [ "$t_jams" = 1 ] && [ "$t_runs" = 3 ] ||
	fail "telemetry says pages $t_pages jams $t_jams runs $t_runs: $line"

# --- a clean stop: LEDs off, the FIFO gone
kill -TERM $pid
wait $pid || fail "foliod exited $? on SIGTERM: $(tail -5 foliod.log)"
trap - EXIT
grep -qx 'ready=off busy=off attention=off error=off' panel/leds || fail "LEDs left on: $(cat panel/leds)"
[ -e panel/buttons ] && fail "the buttons FIFO outlived foliod"
echo "figure: panel: 2 batches, $((4 + pages)) pages, 1 jam resumed, 1 stop, all from the buttons"
