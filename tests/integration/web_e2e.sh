#!/bin/bash
# requires: CONFIG_SANE_FOLIO_BACKEND CONFIG_WEB
# The clerk station UI end to end in a real browser: foliod serves it on a free loopback port
# with the virtual feeder as its scanner (a paper jam injected at sheet 3, fed at a visible
# pace), a clerk and a supervisor are created with `folio web user`, and
# tests/web/e2e.js drives Debian's Chromium headless through playwright-core: sign in,
# start a batch, watch the pages arrive, resume after the jam, fix an invalid application
# number, rescan page 3, reorder, approve as supervisor, see the batch queued, search.
# Screenshots of every screen (the capture, documents and viewer screens in Arabic too) go
# to $FOLIO_BUILD/artefacts/web/.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
modules=$FOLIO_SRC/tests/servers/node_modules
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "chromium is not installed (Debian package chromium; make deps)"
command -v node >/dev/null || skip "node is not installed (Debian package nodejs; make deps)"
[ -f "$modules/playwright-core/package.json" ] ||
	skip "playwright-core is not installed in tests/servers/node_modules (run tests/servers/install.sh)"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"

# Static checks first: the string tables are whole in English, French and Arabic.
node "$FOLIO_SRC/tests/web/i18n_check.js" "$FOLIO_SRC/firmware/web/static" || fail "string tables"

# The paper: four text sheets, and a different sheet 3 (a signature page) for its rescan,
# so the new picture is plainly not the old one.
pg="$FOLIO_BUILD/bin/pagegen --dpi 150 --size a4 --format png"
$pg --out gen --count 4 --kind text --seed 21 >/dev/null || fail "pagegen failed"
$pg --out gen3 --kind signature --seed 22 >/dev/null || fail "pagegen failed"
mkdir -p sheets feeder
i=1
for f in $(ls gen/*.png); do
	cp "$f" "sheets/sheet-$i.png"
	i=$((i + 1))
done
cp gen3/*.png sheets/rescan-3.png
[ -f sheets/sheet-4.png ] || fail "pagegen wrote $(ls sheets | wc -l) sheets, not 4"

# Our own SANE configuration: only the feeder, a jam at the third sheet of every feed, two
# pages a second so the pages are seen arriving.
mkdir -p sane.d
printf 'folio\n' >sane.d/dll.conf
printf 'device %s\njam-page 3\npages-per-minute 120\n' "$FOLIO_TMP/feeder" >sane.d/folio.conf

port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })') ||
	fail "no free port"
# An upload window that is closed now, so the approved batch is seen waiting in the queue.
h=$(((10#$(date +%H) + 12) % 24))
make_config folio.conf "folio:$FOLIO_TMP/feeder" \
	"[station] key_file = $FOLIO_TMP/keys/station.key" \
	"[capture] sane_config_dir = $FOLIO_TMP/sane.d" "[capture] reconnect_seconds = 0" \
	"[profile bitonal] mode = gray" "[profile bitonal] output = bitonal" \
	"[profile bitonal] resolution = 150" "[upload] window = $(printf '%02d:00-%02d:30' $h $h)" \
	"[web] listen = 127.0.0.1:$port" "[web] users_file = $FOLIO_TMP/web.users"
folio="$FOLIO_BUILD/bin/folio --config folio.conf"
$folio keygen --out keys >/dev/null 2>err || fail "keygen: $(cat err)"
printf 'clerk-pin-4821\n' | $folio web user ana --role clerk --lang en >/dev/null 2>err ||
	fail "folio web user (clerk): $(cat err)"
printf 'supervisor-pin-7310\n' | $folio web user marc --role supervisor --lang fr >/dev/null 2>err ||
	fail "folio web user (supervisor): $(cat err)"

"$FOLIO_BUILD/bin/foliod" --config folio.conf >foliod.log 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
# Until it answers (at most 20 s): it must not be a sleep that merely hopes.
for i in $(seq 100); do
	node -e 'require("http").get(process.argv[1], (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' \
		"http://127.0.0.1:$port/" 2>/dev/null && break
	kill -0 $daemon 2>/dev/null || fail "foliod exited: $(tail -n 5 foliod.log)"
	sleep 0.2
done
[ "$i" -lt 100 ] || fail "foliod does not answer on 127.0.0.1:$port: $(tail -n 5 foliod.log)"

artefacts=$FOLIO_BUILD/artefacts/web
rm -rf "$artefacts"
mkdir -p "$artefacts"
FOLIO_WEB_URL=http://127.0.0.1:$port FOLIO_FEEDER=$FOLIO_TMP/feeder FOLIO_SHEETS=$FOLIO_TMP/sheets \
	FOLIO_ARTEFACTS=$artefacts FOLIO_CLERK=ana:clerk-pin-4821 FOLIO_SUPERVISOR=marc:supervisor-pin-7310 \
	PLAYWRIGHT_CORE=$modules/playwright-core HOME=$FOLIO_TMP \
	node "$FOLIO_SRC/tests/web/e2e.js"
rc=$?
if [ $rc -ne 0 ]; then
	echo "--- foliod's log (last 30 lines)"
	tail -n 30 foliod.log
	fail "the browser scenario failed (screenshots so far in $artefacts)"
fi
kill -0 $daemon 2>/dev/null || fail "foliod died during the scenario: $(tail -n 5 foliod.log)"
# A clean stop with the event stream still open: exit status 0 and nothing from a sanitizer.
kill -TERM $daemon
wait $daemon
rc=$?
trap - EXIT
[ $rc -eq 0 ] || fail "foliod exited with status $rc on SIGTERM: $(tail -n 5 foliod.log)"
! grep -q "Sanitizer\|runtime error" foliod.log || fail "foliod: $(grep -m3 "Sanitizer\|runtime error" foliod.log)"
echo "web UI end to end: sign-in, capture with a jam, documents, rescan, reorder, approval, queue, search"
