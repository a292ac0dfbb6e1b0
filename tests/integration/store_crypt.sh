#!/bin/bash
# The station key through the command line: `folio store keygen` makes a 0600 key and never
# replaces one; a key others can read is refused with a clear line. With CONFIG_STORE_ENCRYPTION
# built in, scanned images are sealed (their bytes are not in data.mdb) and read back with the
# key only; without it, `encrypt = yes` is a configuration problem. (tests/unit/test_store_crypt
# checks the sealing itself in every build.)
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

make_config "$FOLIO_TMP/folio.conf" test:0
sed -i "s|^map_size_mb = .*|&\nkey_file = $FOLIO_TMP/store.key|" folio.conf
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
