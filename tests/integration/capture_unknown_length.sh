#!/bin/bash
# A scanner that does not say how long a sheet is before it sends it (hand-held scanners, some
# sheet feeders: SANE's lines = -1): Debian's test backend as a hand-scanner. The frame buffer
# grows while the first sheet arrives and starts the next ones from its size; every sheet is
# stored whole, as long as scanimage reads it from the same device.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
command -v scanimage >/dev/null || skip "scanimage (sane-utils) not installed"
cd "$FOLIO_TMP" || fail "no scratch folder"
mkdir -p sane.d && echo test >sane.d/dll.conf && echo "hand-scanner true" >sane.d/test.conf
make_config folio.conf test:0 "[capture] sane_config_dir = $FOLIO_TMP/sane.d" \
	"[profile bitonal] mode = gray" "[profile bitonal] resolution = 200"
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"

SANE_CONFIG_DIR=$FOLIO_TMP/sane.d scanimage -d test:0 --mode Gray --resolution 200 \
	--format=pnm >raw.pnm 2>err || fail "scanimage failed: $(cat err)"
read -r w h < <(grep -av "^#" raw.pnm | sed -n 2p)
[ "$h" -gt 1024 ] 2>/dev/null || fail "the test backend's sheet is $h lines: too short to make the buffer grow"

b=$($folio scan --source adf 2>err) || fail "folio scan of a hand-scanner failed: $(cat err)"
n=$($folio batch show "$b" | awk '$1 == "pages" { print $2 }')
[ "$n" = 10 ] || fail "expected the feeder's 10 sheets, got '$n': $(cat err)"
for p in 1 2 10; do
	$folio page export --batch "$b" --page $p --out p$p.tif >/dev/null 2>err ||
		fail "page export $p: $(cat err)"
	size=$(tiffinfo p$p.tif 2>/dev/null | sed -n 's/.*Image Width: \([0-9]*\) Image Length: \([0-9]*\).*/\1 \2/p')
	[ "$size" = "$w $h" ] || fail "page $p is stored as '$size', the sheet is $w x $h"
done
echo "capture: 10 sheets of unknown length ($w x $h at 200 dpi) stored whole"
