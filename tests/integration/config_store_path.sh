#!/bin/bash
# 'folio config set store.path' to another folder moves the station to another store: without
# --yes it is refused in one line that says what would happen (a new, empty store where there
# is none), and the file is unchanged; with --yes it is saved and said again. The same folder
# needs nothing.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

make_config folio.conf test:0
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
$folio batch list >/dev/null 2>err || fail "cannot open the store: $(cat err)"
cp folio.conf before.conf

expect_fail 2 "there is none in '$FOLIO_TMP/other', so once saved and foliod restarted a new, EMPTY store is opened there" \
	$folio config set store.path "$FOLIO_TMP/other"
expect_fail 2 ": nothing changed; add --yes to go on" $folio config set store.path "$FOLIO_TMP/other"
cmp -s folio.conf before.conf || fail "a refused store.path changed the file: $(diff before.conf folio.conf)"

# Another folder that holds a store: said so, still asked.
$folio --store "$FOLIO_TMP/second" batch list >/dev/null 2>err || fail "cannot make a second store: $(cat err)"
expect_fail 2 "use the store already in '$FOLIO_TMP/second', not the one in '$FOLIO_TMP/store'" \
	$folio config set store.path "$FOLIO_TMP/second"

# The store in use, named another way: nothing to confirm.
$folio config set store.path "$FOLIO_TMP/store/" >out 2>err || fail "the same store refused: $(cat err)"
grep -q "^store.path = $FOLIO_TMP/store/: saved" out || fail "not saved: $(cat out)"
grep -q EMPTY out && fail "the same store is called empty: $(cat out)"

$folio config set store.path "$FOLIO_TMP/other" --yes >out 2>err || fail "--yes refused: $(cat err)"
grep -q "^store.path = $FOLIO_TMP/other: saved" out || fail "not saved: $(cat out)"
grep -q "a new, EMPTY store is opened there" out || fail "--yes does not say what happens: $(cat out)"
grep -q "^path = $FOLIO_TMP/other$" folio.conf || fail "the file has no new path: $(cat folio.conf)"
