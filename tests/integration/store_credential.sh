#!/bin/bash
# The station key as a systemd credential, on the sim path (no TPM2): folio and foliod take
# it from $CREDENTIALS_DIRECTORY/store.key before [store] key_file, with the key file's rules;
# folio-provision-key seals a plain key (or a new one) with systemd-creds and the host key,
# checks it opens, and removes the plain file; what systemd decrypts for LoadCredentialEncrypted=
# is that key. systemd-creds runs with a host key of the test's own (SYSTEMD_CREDENTIAL_SECRET),
# so the machine's /var/lib/systemd/credential.secret is never made or used.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

make_config "$FOLIO_TMP/folio.conf" test:0 "[store] key_file = $FOLIO_TMP/absent.key"
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
provision=$FOLIO_SRC/board/common/rootfs/usr/sbin/folio-provision-key
sealing=yes
$folio store stats | grep -qE '^sealing +not built in' && sealing=no

# --- $CREDENTIALS_DIRECTORY first, as systemd makes it: a read-only file of the service's
mkdir creds
$folio store keygen "$FOLIO_TMP/creds/store.key" >/dev/null || fail "keygen failed"
chmod 0400 creds/store.key
if [ $sealing = yes ]; then
	sed -i "s|^key_file = .*|&\nencrypt = yes|" folio.conf
	expect_fail 1 "station key '$FOLIO_TMP/absent.key' does not exist" $folio store stats
fi
CREDENTIALS_DIRECTORY=$FOLIO_TMP/creds $folio store stats >stats.out 2>stats.err ||
	fail "the credential was not used: $(cat stats.err)"
[ $sealing = no ] || grep -qE '^sealing +on, station key loaded$' stats.out ||
	fail "store stats does not say the key is loaded: $(cat stats.out)"
# Only an absolute folder counts (systemd's is); a relative one is not looked at.
printf 'short' >bad.key && chmod 0400 bad.key && mkdir rel && cp bad.key rel/store.key
(cd "$FOLIO_TMP" && CREDENTIALS_DIRECTORY=rel $folio store stats) >rel.out 2>&1
grep -q "rel/store.key" rel.out && fail "a relative \$CREDENTIALS_DIRECTORY was used: $(cat rel.out)"
expect_fail 1 "station key '$FOLIO_TMP/rel/store.key' is not a 32-byte key file" \
	env CREDENTIALS_DIRECTORY="$FOLIO_TMP/rel" $folio store stats
# The key file's rules hold for the credential: others may not read it.
chmod 0644 creds/store.key
expect_fail 1 "station key '$FOLIO_TMP/creds/store.key' is readable by group or others" \
	env CREDENTIALS_DIRECTORY="$FOLIO_TMP/creds" $folio store stats
chmod 0400 creds/store.key
# foliod says where its key came from.
CREDENTIALS_DIRECTORY=$FOLIO_TMP/creds "$FOLIO_BUILD/bin/foliod" --config folio.conf --once \
	>foliod.log 2>&1 || fail "foliod --once failed: $(tail -n 3 foliod.log)"
grep -q "station key: systemd credential 'store.key'" foliod.log ||
	fail "foliod did not take the credential: $(cat foliod.log)"

# --- folio-provision-key with systemd-creds and a host key (what a board without TPM2 does)
command -v systemd-creds >/dev/null || {
	echo "systemd-creds not installed: provisioning not checked; \$CREDENTIALS_DIRECTORY reading checked"
	exit 0
}
export SYSTEMD_CREDENTIAL_SECRET=$FOLIO_TMP/host.secret TMPDIR=$FOLIO_TMP
$folio store keygen "$FOLIO_TMP/plain.key" >/dev/null || fail "keygen failed"
cp plain.key saved.key
if ! systemd-creds encrypt --with-key=host --name=probe saved.key probe.cred 2>probe.err; then
	echo "systemd-creds cannot encrypt here ($(tail -n 1 probe.err)): provisioning not checked;" \
		"\$CREDENTIALS_DIRECTORY reading checked"
	exit 0
fi
"$provision" --with-key host --plain "$FOLIO_TMP/plain.key" --out "$FOLIO_TMP/etc/store.key.cred" \
	>prov.out 2>&1 || fail "folio-provision-key failed: $(cat prov.out)"
grep -q "sealed the station key '$FOLIO_TMP/plain.key' into '$FOLIO_TMP/etc/store.key.cred'" prov.out ||
	fail "folio-provision-key said: $(cat prov.out)"
[ ! -e plain.key ] || fail "the plain key file is still on disk"
[ "$(stat -c '%a' etc/store.key.cred)" = 600 ] || fail "credential mode $(stat -c '%a' etc/store.key.cred)"
cmp -s saved.key etc/store.key.cred && fail "the credential is the key in clear"
ls -d "$FOLIO_TMP"/folio-key.* 2>/dev/null && fail "a clear key copy was left in TMPDIR"

# What systemd does for LoadCredentialEncrypted=store.key:CRED, then foliod's reading of it.
mkdir run-creds
systemd-creds decrypt --name=store.key etc/store.key.cred run-creds/store.key ||
	fail "the credential does not decrypt"
cmp -s saved.key run-creds/store.key || fail "the credential holds another key than the plain file"
chmod 0400 run-creds/store.key
CREDENTIALS_DIRECTORY=$FOLIO_TMP/run-creds $folio store stats >stats2.out 2>&1 ||
	fail "folio does not take the decrypted credential: $(cat stats2.out)"
[ $sealing = no ] || grep -qE '^sealing +on, station key loaded$' stats2.out ||
	fail "store stats does not say the key is loaded: $(cat stats2.out)"
# The name is bound: the credential does not open as another one.
systemd-creds decrypt --name=other.key etc/store.key.cred - >/dev/null 2>&1 &&
	fail "the credential opens under another name"

# Never replaced; a new station gets a new random key.
expect_fail 1 "exists: a station key is never replaced" "$provision" --with-key host --out "$FOLIO_TMP/etc/store.key.cred"
"$provision" --with-key host --plain "$FOLIO_TMP/none.key" --out "$FOLIO_TMP/etc/new.cred" >prov2.out 2>&1 ||
	fail "folio-provision-key without a plain key failed: $(cat prov2.out)"
grep -q 'sealed a new station key' prov2.out || fail "folio-provision-key said: $(cat prov2.out)"
[ "$(systemd-creds decrypt --name=store.key etc/new.cred - | wc -c)" = 32 ] || fail "the new key is not 32 bytes"
expect_fail 2 "--with-key 'nope' is not auto, host, tpm2 or host+tpm2" "$provision" --with-key nope
tpm=$(systemd-creds has-tpm2 >/dev/null 2>&1 && echo present || echo absent)
echo "figure: key sealed with systemd-creds --with-key=host (TPM2 $tpm here; boards use auto)"
