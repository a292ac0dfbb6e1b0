#!/bin/bash
# requires: CONFIG_SANE_FOLIO_BACKEND
# Which scanners a capture may use (issue 21, finding 3): the configured [capture] device, or
# one that SANE lists and [capture] devices allows. A folder of the virtual feeder named on
# the command line is refused with one line and nothing stored; `--force` takes it (a
# technician's choice) and the event log names who did. The production rootfs does not load
# the virtual feeder at all. The clerk UI's refusal (403) is checked in web_api.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"
cd "$FOLIO_TMP" || fail "no scratch folder"
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"

# --- the production rootfs: the SANE backends it loads do not include the virtual feeder
prod=$FOLIO_SRC/board/common/rootfs/etc/folio/sane.d/dll.conf
[ -f "$prod" ] || fail "no production dll.conf at $prod"
grep -v '^[[:space:]]*#' "$prod" | grep -qw folio &&
	fail "the production rootfs loads the virtual feeder (folio) in $prod"

# --- the station: its scanner is one feeder folder; another folder holds other files
"$FOLIO_BUILD/bin/pagegen" --out feeder --count 1 --dpi 100 --size a5 --kind oneline --seed 3 \
	>/dev/null || fail "pagegen failed"
"$FOLIO_BUILD/bin/pagegen" --out elsewhere --count 2 --dpi 100 --size a5 --kind oneline \
	--seed 4 >/dev/null || fail "pagegen failed"
make_config folio.conf "folio:$FOLIO_TMP/feeder" "[profile bitonal] resolution = 100"
$folio config check >/dev/null 2>err || fail "folio config check: $(cat err)"

# [capture] devices allows any (the default "*"), but SANE does not list that folder
expect_fail 1 "not one SANE finds" $folio scan --device "folio:$FOLIO_TMP/elsewhere"
[ "$($folio batch list | grep -c '^ *[0-9]')" = 0 ] || fail "a refused scan stored a batch: $($folio batch list)"
# [capture] devices empty: only [capture] device
sed -i "s|^device = .*|&\ndevices =|" folio.conf
expect_fail 1 "is not allowed here" $folio scan --device "folio:$FOLIO_TMP/elsewhere"

# the configured scanner works
b=$($folio scan 2>err) || fail "folio scan of the configured scanner failed: $(cat err)"
[ "$b" -ge 1 ] 2>/dev/null || fail "folio scan printed '$b'"

# --force: taken, and on record under the technician's name
who=$(id -un)
f=$($folio scan --device "folio:$FOLIO_TMP/elsewhere" --force 2>err) ||
	fail "folio scan --force failed: $(cat err)"
$folio log tail 20 | awk -v w="$who" '$4 == w && $5 == "capture-device-forced" { f = 1 } END { exit !f }' ||
	fail "the event log does not name who forced the scanner: $($folio log tail 5)"
[ "$($folio batch show "$f" | awk '$1 == "pages" { print $2 }')" = 2 ] ||
	fail "the forced batch $f: $($folio batch show "$f" | head -n 4)"
# a name no batch record can keep on one line is refused even with --force (it would go
# into BATCH.txt and the event log as it is), and nothing is stored
mkdir -p "odd
name" && cp elsewhere/* "odd
name"/
n=$($folio batch list | grep -c '^ *[0-9]')
expect_fail 1 "printable characters" $folio scan --device "folio:$FOLIO_TMP/odd
name" --force
[ "$($folio batch list | grep -c '^ *[0-9]')" = "$n" ] ||
	fail "a scanner name with a newline stored a batch: $($folio batch list)"
echo "capture: a folder named on the command line refused; --force recorded under '$who'"
