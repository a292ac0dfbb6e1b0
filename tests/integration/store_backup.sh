#!/bin/bash
# requires: CONFIG_WEB
# folio backup and folio restore: a station with a batch, accounts and a station key is backed
# up, lost, and brought back on a fresh station from the backup and its passphrase: the same
# batches, page hashes and page bytes, the store check passes, the same key and accounts. A
# wrong passphrase, a cut or changed file, something that is no backup and a store already
# in place are refused with one line, and nothing is written.
#
# FOLIO_BACKUP_TEST_KDF=1 (tests only) derives the passphrase's key with the least Argon2id
# work, so that the many restores here stay quick; the station's default is MODERATE.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
export FOLIO_BACKUP_TEST_KDF=1

make_config "$FOLIO_TMP/folio.conf" test:0 "[store] key_file = $FOLIO_TMP/keys/store.key"
cat >>folio.conf <<EOF

[console]
accounts_file = $FOLIO_TMP/accounts/console

[web]
users_file = $FOLIO_TMP/accounts/web
EOF
mkdir -m 700 keys accounts
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"

# The station: a key, a batch of two pages, a technician and a clerk.
$folio store keygen >/dev/null || fail "store keygen failed"
batch=$($folio scan --max-pages 2 2>scan.err) || fail "scan failed: $(cat scan.err)"
echo 'tech-password-1' | $folio console passwd tech >/dev/null 2>err || fail "console passwd: $(cat err)"
echo 'clerk-password-1' | $folio web user ana --role clerk >/dev/null 2>err || fail "web user: $(cat err)"
$folio batch list >before.list || fail "batch list failed"
$folio store check --pages >before.pages 2>/dev/null || fail "store check failed"
$folio page export --batch "$batch" --page 2 --out before-p2 >/dev/null || fail "page export failed"
[ "$(wc -l <before.pages)" = 2 ] || fail "expected 2 page hashes: $(cat before.pages)"

printf 'correct horse battery staple\n' >pass
chmod 600 pass
printf 'correct horse battery stable\n' >wrong
chmod 600 wrong

# The backup: its summary, an event with its hash, never over an existing file.
$folio backup --out backup.fbk --passphrase-file pass >backup.out 2>backup.err ||
	fail "backup failed: $(cat backup.err)"
grep -q "^backup 'backup.fbk': .*configuration, console accounts, clerk UI accounts, station key; sha256 $(sha256sum backup.fbk | cut -d' ' -f1)\$" backup.out ||
	fail "backup said: $(cat backup.out)"
echo "backup: $(cat backup.out)"
$folio log show --type store-backup | grep -q "sha256 $(sha256sum backup.fbk | cut -d' ' -f1), $(stat -c %s backup.fbk) bytes, to '$FOLIO_TMP/backup.fbk'" ||
	fail "no store-backup event with the file's hash: $($folio log show --type store-backup)"
cp backup.fbk backup.saved
expect_fail 1 "exists: choose another --out, or pass --force" $folio backup --out backup.fbk --passphrase-file pass
cmp -s backup.fbk backup.saved || fail "a refused backup changed the existing file"
$folio backup --out backup.fbk --passphrase-file pass --force >/dev/null 2>&1 || fail "--force did not replace it"
cmp -s backup.fbk backup.saved && fail "--force wrote the same bytes (no fresh salt?)"
grep -qaF 'TEST-01' backup.fbk && fail "the configuration is readable in the backup file"
ls backup.fbk.* >/dev/null 2>&1 && fail "a temporary file was left: $(ls backup.fbk.*)"
chmod 644 pass
expect_fail 1 "passphrase file 'pass' is readable by group or others" \
	$folio backup --out other.fbk --passphrase-file pass
chmod 600 pass
printf 'short\n' >short && chmod 600 short
expect_fail 1 "a passphrase needs 10 to 1024 characters" $folio backup --out other.fbk --passphrase-file short
expect_fail 1 "no terminal to ask the passphrase on" $folio backup --out other.fbk </dev/null
expect_fail 2 "--out FILE is needed" $folio backup --passphrase-file pass
expect_fail 2 "which backup file?" $folio restore --passphrase-file pass
expect_fail 2 "unknown option '--bogus'" $folio restore backup.fbk --bogus
[ -e other.fbk ] && fail "a refused backup wrote other.fbk"

# The station is lost: store, key and accounts gone. A fresh station has only its config path.
mkdir lost && mv store keys accounts lost/
mkdir -m 700 fresh
restore="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/fresh/folio.conf restore"
nothing_written() { # what a refused restore may not leave
	[ -z "$(ls -A fresh)" ] || fail "a refused restore wrote into fresh/: $(ls -A fresh)"
	for p in store keys accounts; do [ -e "$p" ] && fail "a refused restore made $p"; done
	ls -d .store.restore-* >/dev/null 2>&1 && fail "a refused restore left its staging folder"
	return 0
}

expect_fail 1 "wrong passphrase, or the file is not a Folio backup: nothing restored" \
	$restore backup.fbk --passphrase-file wrong
nothing_written
size=$(stat -c %s backup.fbk)
head -c $((size - 26)) backup.fbk >cut-final.fbk # exactly the FINAL message gone
head -c $((size / 2)) backup.fbk >cut-half.fbk
cp backup.fbk flipped.fbk
printf '\x5a' | dd of=flipped.fbk bs=1 seek=$((size - 200)) conv=notrunc status=none
cmp -s flipped.fbk backup.fbk && { printf '\xa5' | dd of=flipped.fbk bs=1 seek=$((size - 200)) conv=notrunc status=none; }
cp backup.fbk appended.fbk && printf 'x' >>appended.fbk
for f in cut-final cut-half flipped appended; do
	expect_fail 1 "backup '$f.fbk' is damaged, changed or cut short: nothing restored" \
		$restore $f.fbk --passphrase-file pass
	nothing_written
done
cp backup.fbk header.fbk # the key derivation's limits changed: it does not open
printf '\x02' | dd of=header.fbk bs=1 seek=23 conv=notrunc status=none
expect_fail 1 "wrong passphrase, or the file is not a Folio backup" $restore header.fbk --passphrase-file pass
expect_fail 1 "is not a Folio backup, or one of a newer version" $restore folio.conf --passphrase-file pass
nothing_written
echo "refused: a wrong passphrase, a cut, a changed byte, bytes appended, changed limits, no backup"

# The restore: the same batches, pages and bytes, key and accounts.
$restore backup.fbk --passphrase-file pass >restore.out 2>restore.err ||
	fail "restore failed: $(cat restore.err)"
echo "restore: $(cat restore.out)"
folio2="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/fresh/folio.conf"
cmp -s fresh/folio.conf folio.conf || fail "the configuration came back different"
cmp -s keys/store.key lost/keys/store.key || fail "the station key came back different"
[ "$(stat -c %a keys/store.key)" = 600 ] || fail "the key is mode $(stat -c %a keys/store.key)"
cmp -s accounts/console lost/accounts/console || fail "the console accounts came back different"
cmp -s accounts/web lost/accounts/web || fail "the clerk UI accounts came back different"
$folio2 batch list >after.list || fail "batch list on the restored store failed"
diff before.list after.list || fail "the batch list differs"
$folio2 store check --pages >after.pages 2>check.err || fail "store check failed: $(cat check.err)"
diff before.pages after.pages || fail "the page hashes differ"
$folio2 page export --batch "$batch" --page 2 --out after-p2 >/dev/null || fail "page export failed"
cmp -s before-p2 after-p2 || fail "page 2 exported from the restored store differs"
$folio2 log show --type store-restore | grep -q "from '$FOLIO_TMP/backup.fbk'" ||
	fail "no store-restore event: $($folio2 log show --type store-restore)"
# A sealed store (boards with CONFIG_STORE_ENCRYPTION) opens only with the key that came
# back from the backup.
if $folio2 store stats | grep -qE '^sealing +on'; then
	$folio2 store stats | grep -qE '^pages +2 \(2 with images, 2 sealed\)' ||
		fail "the restored pages are not sealed: $($folio2 store stats)"
	mv keys/store.key keys/away
	expect_fail 1 "station key '$FOLIO_TMP/keys/store.key' does not exist" $folio2 batch list
	mv keys/away keys/store.key
	echo "sealed store: its pages open with the restored key only"
fi
echo "restored: $(wc -l <after.list) batch line(s), $(wc -l <after.pages) page hashes and page 2's bytes the same; key and accounts the same"

# While foliod serves the store: a backup works (LMDB's copy reads one snapshot), and a
# restore over that store is refused even with --force.
"$FOLIO_BUILD/bin/foliod" --config fresh/folio.conf >foliod.log 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null' EXIT
for _ in $(seq 600); do # 30 s: a sanitized foliod on a loaded machine
	grep -q "serving store" foliod.log && break
	kill -0 "$daemon" 2>/dev/null || fail "foliod exited: $(tail -n 5 foliod.log)"
	sleep 0.05
done
grep -q "serving store" foliod.log || fail "foliod did not start: $(tail -n 5 foliod.log)"
$folio2 backup --out live.fbk --passphrase-file pass >/dev/null 2>err || fail "backup beside foliod failed: $(cat err)"
mkdir -m 700 fresh3
expect_fail 1 "foliod serves the store in '$FOLIO_TMP/store': stop it first" \
	"$FOLIO_BUILD/bin/folio" --config fresh3/folio.conf restore live.fbk --passphrase-file pass --force
kill "$daemon" && wait "$daemon" 2>/dev/null
trap - EXIT
[ -z "$(ls -A fresh3)" ] || fail "a refused restore wrote $(ls -A fresh3)"
echo "beside a running foliod: backed up; a restore over its store refused"

# Restoring over a store in place is refused; --force moves it aside, never deletes it.
mkdir -m 700 fresh2
expect_fail 1 "a store is already in '$FOLIO_TMP/store': restore with another --config" \
	"$FOLIO_BUILD/bin/folio" --config "$FOLIO_TMP/fresh2/folio.conf" restore backup.fbk --passphrase-file pass
[ -z "$(ls -A fresh2)" ] || fail "a refused restore wrote $(ls -A fresh2)"
$folio2 batch list >/dev/null || fail "the store in place was harmed"
"$FOLIO_BUILD/bin/folio" --config "$FOLIO_TMP/fresh2/folio.conf" restore backup.fbk \
	--passphrase-file pass --force >/dev/null 2>force.err || fail "--force failed: $(cat force.err)"
aside=$(ls -d store.before-restore-*) || fail "the old store was not moved aside"
[ -f "$aside/data.mdb" ] || fail "the store moved aside lost its data"
grep -q "the store that was in '$FOLIO_TMP/store' is now '$FOLIO_TMP/$aside'" force.err ||
	fail "--force did not say where the old store went: $(cat force.err)"

# --store DIR: the store goes there, and the configuration says so (relative to the
# configuration's folder, a relative DIR would be another folder: it is written whole). The
# folders on the way are made: a fresh station may have none.
"$FOLIO_BUILD/bin/folio" --config elsewhere/folio.conf --store elsewhere/deep/store \
	restore backup.fbk --passphrase-file pass >/dev/null 2>err || fail "restore --store failed: $(cat err)"
grep -q "^path = $FOLIO_TMP/elsewhere/deep/store\$" elsewhere/folio.conf || fail "store.path not set in the restored config"
"$FOLIO_BUILD/bin/folio" --config "$FOLIO_TMP/elsewhere/folio.conf" batch list | diff before.list - ||
	fail "the store restored elsewhere lists other batches"
echo "restore: over a store refused, --force moved it to $aside; --store put one elsewhere"

# Run as root, the store goes to the owner of its folder (the daemon's user on a board).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -m 755 owned && mkdir -m 700 owned/store && chown nobody: owned/store
	"$FOLIO_BUILD/bin/folio" --config owned/folio.conf --store owned/store restore backup.fbk \
		--passphrase-file pass >/dev/null 2>err || fail "restore into owned/ failed: $(cat err)"
	for f in owned/store/data.mdb owned/store/lock.mdb; do
		[ "$(stat -c %U "$f")" = nobody ] || fail "$f belongs to $(stat -c %U "$f"), not nobody"
	done
	[ "$(stat -c %U owned/folio.conf)" = root ] || fail "the configuration went to $(stat -c %U owned/folio.conf)"
	echo "restore as root: the store belongs to the owner of its folder (nobody)"
fi
