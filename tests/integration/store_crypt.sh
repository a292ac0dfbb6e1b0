#!/bin/bash
# requires: CONFIG_OCR
# The station key through the command line: `folio store keygen` makes a 0600 key and never
# replaces one; a key others can read is refused with a clear line. With CONFIG_STORE_ENCRYPTION
# built in, scanned images are sealed (their bytes are not in data.mdb) and read back with the
# key only, and after a capture, indexing and OCR no index value, user name or OCR word is
# readable anywhere in the store's folder; without it, `encrypt = yes` is a configuration
# problem. (tests/unit/test_store_crypt checks the sealing itself in every build.)
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

make_config "$FOLIO_TMP/folio.conf" test:0 "[store] key_file = $FOLIO_TMP/store.key"
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"

[ "$($folio store keygen)" = "$FOLIO_TMP/store.key" ] || fail "keygen did not print the key's path"
[ "$(stat -c '%a %s' store.key)" = "600 32" ] || fail "key is $(stat -c '%a %s' store.key), not 600 32"
cp store.key saved.key
expect_fail 1 "already exists" $folio store keygen
cmp -s store.key saved.key || fail "keygen replaced an existing key"

chmod 644 store.key
expect_fail 1 "station key '$FOLIO_TMP/store.key' is readable by group or others" $folio store stats
chmod 600 store.key

if ! $folio store stats | grep -qE '^sealing +not built in'; then
	sed -i "s|^key_file = .*|&\nencrypt = yes|" folio.conf
	batch=$($folio scan --max-pages 2 2>scan.err) || fail "scan failed: $(cat scan.err)"
	$folio page export --batch "$batch" --page 1 --out p1.tif || fail "cannot read a sealed page with the key"
	needle=$(od -An -tx1 -j 200 -N 24 p1.tif | tr -d ' \n')
	od -An -tx1 -v store/data.mdb | tr -d ' \n' | grep -q "$needle" &&
		fail "bytes of a page image are readable in data.mdb"
	$folio store check >/dev/null || fail "store check fails on a sealed store"

	# After a capture, its text, its indexing and the people who did it: none of it is
	# readable anywhere in the store's folder (the file:// outbox is the office's).
	"$FOLIO_BUILD/bin/pagegen" --out gen --count 2 --dpi 150 --size a5 --kind oneline --seed 11 \
		>/dev/null || fail "pagegen failed"
	mkdir -p feeder sane.d && cp gen/*.png feeder/ && printf 'folio\n' >sane.d/dll.conf && : >sane.d/folio.conf
	sed -i "s|^sane_config_dir = .*|sane_config_dir = $FOLIO_TMP/sane.d|" folio.conf
	export FOLIO_USER=tech-odhiambo
	b2=$($folio scan --device "folio:$FOLIO_TMP/feeder" --force 2>scan.err) || fail "feeder scan failed: $(cat scan.err)"
	$folio ocr --batch "$b2" --wait >/dev/null 2>ocr.err || fail "folio ocr failed: $(cat ocr.err)"
	$folio doc set --batch "$b2" --doc 1 --application 102024000000123 --doc-code APPFORM \
		>/dev/null 2>set.err || fail "doc set failed: $(cat set.err)"
	pkg=$($folio export --batch "$b2" --out "$FOLIO_TMP/pkg" 2>export.err) || fail "export failed: $(cat export.err)"
	words=$(cat "$pkg"/D0001/P*.txt | tr -cs 'A-Za-z' '\n' | awk 'length >= 6' | sort -u | head -n 5)
	[ -n "$words" ] || fail "OCR read no word of 6 letters: $(cat "$pkg"/D0001/P*.txt)"
	grep -q 'tech-odhiambo' "$pkg/EVENTS.txt" || fail "the events do not name the technician"
	unset FOLIO_USER
	for needle in 102024000000123 tech-odhiambo APPFORM $words; do
		hits=$(grep -rlaF -- "$needle" store)
		[ -z "$hits" ] || fail "'$needle' is readable in $hits"
	done
	echo "sealed store: index values, names and OCR words ($(echo $words)) unreadable in the store folder"
	mv store.key store.key.real
	$folio store keygen >/dev/null
	expect_fail 1 "is not the key store" $folio store check
	echo "sealed store: images unreadable without the key, read back with it"
else
	sed -i "s|^key_file = .*|&\nencrypt = yes|" folio.conf
	out=$($folio config check folio.conf 2>&1) && fail "encrypt = yes accepted by a build without encryption"
	echo "$out" | grep -q "this build has no store encryption" || fail "unclear problem: $out"
	echo "store encryption not built in (sim board): keygen and key rules checked; sealing is" \
		"checked by test_store_crypt"
fi
