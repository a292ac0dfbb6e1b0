#!/bin/bash
# requires: CONFIG_OCR CONFIG_WEB
# The office's receipt closes the loop: foliod delivers, the office runs folio-verify --receipt
# on what arrived (its key made by ssh-keygen, its receipt checked by ssh-keygen -Y verify),
# and foliod's next cycle reads the receipt over the same transport — file://, WebDAV, SFTP
# and S3 on 127.0.0.1 — and confirms the batch, or returns it to the supervisor with the office's
# reason. A tampered receipt, a receipt for another batch and one signed by another key are
# ignored with one clear line, and the batch stays delivered.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
. "$FOLIO_SRC/tests/servers/servers.sh"
trap servers_stop EXIT
command -v ssh-keygen >/dev/null || skip "ssh-keygen is not installed (Debian package openssh-client)"

fv=$FOLIO_BUILD/bin/folio-verify
foliod=$FOLIO_BUILD/bin/foliod

# The station: a signing key, the office's receipt key, three batches scanned and approved.
make_config folio.conf test:0 "[station] key_file = $FOLIO_TMP/keys/station.key"
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
$folio keygen --out keys >/dev/null 2>&1 || fail "keygen failed"
ssh-keygen -q -t ed25519 -N '' -C folio-office -f office_key || fail "ssh-keygen failed"
ssh-keygen -q -t ed25519 -N '' -C someone-else -f other_key || fail "ssh-keygen failed"
echo "receipt_keys = $FOLIO_TMP/office_key.pub" >>folio.conf
$folio config check >/dev/null 2>err || fail "config check refuses receipt_keys: $(cat err)"

# scan_approved: a new batch, read and approved; its id on stdout
scan_approved() {
	local b
	# folio scan's SANE backends leak: only there are leaks not looked for
	b=$(ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 $folio scan --source adf 2>err) ||
		fail "scan failed: $(cat err)"
	$folio ocr --batch "$b" >/dev/null 2>err || fail "OCR failed: $(cat err)"
	index_batch "$b"
	$folio batch approve "$b" >/dev/null 2>err || fail "approve failed: $(cat err)"
	echo "$b"
}
# cycle CONF: one foliod cycle; its stderr in cycle.err
cycle() {
	"$foliod" --config "$1" --once 2>cycle.err || fail "foliod --once failed: $(cat cycle.err)"
}
# state BATCH: the batch's state
state() {
	$folio batch show "$1" | awk '$1 == "state" { print $2 }'
}
# name BATCH: the package name of a delivered batch (from the outbox)
name() {
	ls outbox | grep -- "-B$(printf '%06u' "$1")\$"
}

a=$(scan_approved)
b=$(scan_approved)
c=$(scan_approved)
cycle folio.conf
for x in $a $b $c; do
	[ "$(state "$x")" = delivered ] || fail "batch $x is $(state "$x") after delivery"
done
grep -q 'receipt' cycle.err && fail "a receipt was reported before the office wrote one: $(cat cycle.err)"
pa=$(name "$a") pb=$(name "$b") pc=$(name "$c")

# --- accepted: the receipt is written, ssh-keygen checks it, the next cycle confirms
"$fv" "outbox/$pa" --key keys/station.pub --receipt --receipt-key office_key >fv.out 2>fv.err ||
	fail "folio-verify --receipt refuses a good package: $(cat fv.out fv.err)"
grep -q "^receipt   accepted, written to outbox/receipts/$pa.receipt$" fv.out ||
	fail "no receipt line: $(cat fv.out)"
r=outbox/receipts/$pa.receipt
[ -f "$r" ] && [ -f "$r.sshsig" ] || fail "no receipt files: $(ls -R outbox)"
grep -qx "manifest-sha256 $(sha256sum <"outbox/$pa/MANIFEST.sha256" | cut -d' ' -f1)" "$r" ||
	fail "the receipt does not name the manifest's hash: $(cat "$r")"
grep -qx "verdict accepted" "$r" || fail "not accepted: $(cat "$r")"
grep -Eqx "time [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z" "$r" || fail "no UTC time: $(cat "$r")"
echo "folio-office namespaces=\"folio-receipt\" $(cut -d' ' -f1,2 office_key.pub)" >allowed_signers
ssh-keygen -Y verify -f allowed_signers -I folio-office -n folio-receipt -s "$r.sshsig" <"$r" >/dev/null 2>&1 ||
	fail "ssh-keygen -Y verify refuses the receipt"
sed 's/verdict accepted/verdict refused/' "$r" >forged
ssh-keygen -Y verify -f allowed_signers -I folio-office -n folio-receipt -s "$r.sshsig" <forged >/dev/null 2>&1 &&
	fail "ssh-keygen -Y verify accepts an altered receipt"
cycle folio.conf
[ "$(state "$a")" = confirmed ] || fail "batch $a is $(state "$a") after its receipt: $(cat cycle.err)"
grep -q "batch $a: the office accepted '$pa': confirmed" cycle.err || fail "no log line: $(cat cycle.err)"
$folio log tail 40 >log.out
grep -q "office office-receipt batch $a: accepted" log.out || fail "no office-receipt event: $(cat log.out)"
grep -q "office batch-state batch $a: delivered -> confirmed" log.out || fail "no state event: $(cat log.out)"
$folio store check >/dev/null 2>err || fail "the event chain is broken: $(cat err)"
# A second verification (a replay of the same package) keeps the accepted receipt.
cp "$r" kept
"$fv" "outbox/$pa" --key keys/station.pub --registry reg --receipt --receipt-key office_key >/dev/null 2>&1
"$fv" "outbox/$pa" --key keys/station.pub --registry reg --receipt --receipt-key office_key >fv.out 2>&1 &&
	fail "the replay was accepted"
grep -q "already accepts this package: kept as it is" fv.out || fail "replay: $(cat fv.out)"
cmp -s kept "$r" || fail "a replay replaced the accepted receipt"

# --- refused: back to the supervisor with the office's reason
printf x >>"$(find "outbox/$pb" -name P0003.tif | head -n 1)"
"$fv" "outbox/$pb" --key keys/station.pub --receipt --receipt-key office_key >fv.out 2>/dev/null &&
	fail "folio-verify passes a tampered package"
grep -q "^receipt   refused, written to" fv.out || fail "no refused receipt: $(cat fv.out)"
grep -q "^reason 'D0001/P0003.tif' does not match its SHA-256" "outbox/receipts/$pb.receipt" ||
	fail "the receipt does not give the reason: $(cat "outbox/receipts/$pb.receipt")"
cycle folio.conf
[ "$(state "$b")" = rejected ] || fail "batch $b is $(state "$b") after a refusal: $(cat cycle.err)"
grep -q "batch $b: the office refused '$pb': 'D0001/P0003.tif' does not match" cycle.err ||
	fail "no log line for the refusal: $(cat cycle.err)"
$folio batch show "$b" | grep -q "^  office     refused it: 'D0001/P0003.tif' does not match its SHA-256" ||
	fail "folio batch show does not give the office's reason: $($folio batch show "$b" | head -n 14)"
$folio log tail 40 | grep -q "office office-refused batch $b: 'D0001/P0003.tif'" ||
	fail "no office-refused event"
# The clerk UI's review of the batch gives the reason too.
port=$(free_port)
{ cat folio.conf; printf '[web]\nlisten = 127.0.0.1:%s\nusers_file = %s/web.users\n' "$port" "$FOLIO_TMP"; } >web.conf
echo 'super-pin-5678' | $FOLIO_BUILD/bin/folio --config web.conf web user sup --role supervisor >/dev/null 2>&1 ||
	fail "cannot make a supervisor account"
"$foliod" --config web.conf >foliod.log 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null; servers_stop' EXIT
for _ in $(seq 200); do grep -q 'clerk UI at ' foliod.log && break; sleep 0.05; done
grep -q 'clerk UI at ' foliod.log || fail "foliod serves no UI: $(tail -n 3 foliod.log)"
url=http://127.0.0.1:$port
call POST /api/login -c sup.jar -H 'Content-Type: application/json' \
	--data-binary '{"user":"sup","password":"super-pin-5678"}'
[ "$code" = 200 ] || fail "login: HTTP $code $(cat body)"
call GET "/api/batches/$b" -b sup.jar
[ "$code" = 200 ] || fail "GET batch $b: HTTP $code"
case $(jget body office_refusal) in
"'D0001/P0003.tif' does not match its SHA-256"*) ;;
*) fail "the clerk UI does not give the office's reason: $(cat body | head -c 400)" ;;
esac
call GET "/api/batches/$a" -b sup.jar
[ "$(jget body office_refusal)" = "?" ] || fail "an accepted batch shows a refusal"
kill "$daemon"
wait "$daemon" 2>/dev/null
trap servers_stop EXIT

# --- not valid: ignored with one clear line, the batch stays delivered
rc=outbox/receipts/$pc.receipt
# expect_ignored TEXT: a cycle leaves batch $c delivered and says TEXT in one warning
expect_ignored() {
	cycle folio.conf
	[ "$(state "$c")" = delivered ] || fail "batch $c became $(state "$c") ($1)"
	[ "$(grep -c "receipt for '$pc' is not valid and is ignored" cycle.err)" = 1 ] ||
		fail "not one line for an invalid receipt ($1): $(cat cycle.err)"
	grep -q "$1" cycle.err || fail "the line does not say '$1': $(cat cycle.err)"
}
# a receipt for another batch, whole and well signed, under this batch's name
mkdir -p outbox/receipts
cp "outbox/receipts/$pa.receipt" "$rc"
cp "outbox/receipts/$pa.receipt.sshsig" "$rc.sshsig"
expect_ignored "it is the receipt of package '$pa', not of '$pc'"
# the same again is not said again at warning level, nor recorded again
cycle folio.conf
grep -q "not valid and is ignored" cycle.err && fail "the same invalid receipt was reported twice"
[ "$($folio log tail 100 | grep -c "office-receipt-invalid batch $c")" = 1 ] ||
	fail "not one office-receipt-invalid event"
# a good receipt, then tampered with
rm -f "$rc" "$rc.sshsig"
"$fv" "outbox/$pc" --key keys/station.pub --receipt --receipt-key office_key --receipt-dir made >/dev/null 2>&1 ||
	fail "folio-verify refuses batch $c"
[ -f "made/$pc.receipt" ] || fail "--receipt-dir was not used: $(ls made)"
sed 's/^time 20/time 19/' "made/$pc.receipt" >"$rc"
cp "made/$pc.receipt.sshsig" "$rc.sshsig"
expect_ignored "it or the signature was altered"
# signed by a key the station does not know
"$fv" "outbox/$pc" --key keys/station.pub --receipt --receipt-key other_key --receipt-dir other >/dev/null 2>&1 ||
	fail "folio-verify with another key failed"
cp "other/$pc.receipt" "$rc"
cp "other/$pc.receipt.sshsig" "$rc.sshsig"
expect_ignored "signed by a key that is not an office receipt key"
# a receipt without its signature
rm "$rc.sshsig"
cp "made/$pc.receipt" "$rc"
expect_ignored "its signature .* is missing"
# the good one: confirmed
cp "made/$pc.receipt.sshsig" "$rc.sshsig"
cycle folio.conf
[ "$(state "$c")" = confirmed ] || fail "batch $c is $(state "$c") with its good receipt: $(cat cycle.err)"

# --- bad keys and bad usage: one clear line
expect_fail 2 "--receipt goes with --receipt-key" "$fv" "outbox/$pa" --key keys/station.pub --receipt
chmod 644 office_key
expect_fail 1 "others can read it or it is another user's: chmod 600 it" "$fv" "outbox/$pa" --key keys/station.pub --receipt --receipt-key office_key
chmod 600 office_key
expect_fail 1 "not an OpenSSH Ed25519 private key" "$fv" "outbox/$pa" --key keys/station.pub --receipt --receipt-key office_key.pub
sed "s|^receipt_keys = .*|receipt_keys = $FOLIO_TMP/keys/station.pub|" folio.conf >badkeys.conf
d=$(scan_approved)
"$foliod" --config badkeys.conf --once 2>cycle.err
grep -q "receipt_keys .*station.pub:1: not an OpenSSH Ed25519 public key" cycle.err ||
	fail "a bad receipt_keys file is not said clearly: $(cat cycle.err)"
[ "$(state "$d")" = delivered ] || fail "batch $d is $(state "$d")"
echo "figure: file://: accepted -> confirmed, refused -> rejected with the reason, 4 kinds of bad receipt ignored"

# server_part WHAT START DIR NAME: START (one of servers.sh's *_start) serving DIR on a free
# port, $port, for the WHAT part of the test. Status 1 when START says the server cannot run
# here (the part is skipped, said as a figure); the test fails when NAME does not start.
server_part() {
	port=$(free_port)
	"$2" "$3" "$port" >start.out
	case $? in
	0) return 0 ;;
	77) echo "figure: $1 part skipped: $(tail -n 1 start.out)" ;;
	*) fail "cannot start $4: $(cat start.out)" ;;
	esac
	return 1
}

# over_network WHAT CONF FOLDER: a batch delivered through CONF (whose target serves FOLDER)
# is confirmed by the receipt the office writes beside it in FOLDER, read over the network
over_network() {
	local what=$1 conf=$2 folder=$3 e pe
	e=$(scan_approved)
	cycle "$conf"
	[ "$(state "$e")" = delivered ] || fail "batch $e was not delivered over $what: $(cat cycle.err)"
	pe=$(ls "$folder" | grep -- "-B$(printf '%06u' "$e")\$")
	cycle "$conf" # no receipt yet: nothing happens, nothing is said
	[ "$(state "$e")" = delivered ] || fail "batch $e is $(state "$e") without a receipt"
	grep -q "receipt" cycle.err && fail "$what: a missing receipt is reported: $(cat cycle.err)"
	"$fv" "$folder/$pe" --key keys/station.pub --receipt --receipt-key office_key >fv.out 2>&1 ||
		fail "folio-verify refuses the $what copy: $(cat fv.out)"
	chmod -R a+rX "$folder/receipts"
	cycle "$conf"
	[ "$(state "$e")" = confirmed ] ||
		fail "batch $e is $(state "$e") after its receipt over $what: $(cat cycle.err)"
	echo "figure: $what: the receipt read over the network confirms the batch"
}

# --- WebDAV (nginx, TLS) on 127.0.0.1
dav=$FOLIO_TMP/dav
if server_part WebDAV nginx_start "$dav" nginx; then
	mkdir -p "$dav/root/in"
	sed "s|^target = .*|target = https://127.0.0.1:$port/in|" folio.conf >dav.conf
	printf 'ca_file = %s\nretries = 1\nconnect_timeout = 5\nstall_timeout = 5\n' "$dav/ca.pem" >>dav.conf
	over_network WebDAV dav.conf "$dav/root/in"
	grep -q "GET /in/receipts/.*\.receipt" "$dav/logs/access.log" ||
		fail "the receipt was not read with a GET over WebDAV"
fi

# --- SFTP (OpenSSH's sshd, pinned host key) on 127.0.0.1
ssh=$FOLIO_TMP/ssh
if server_part SFTP sshd_start "$ssh" sshd; then
	in=$ssh/root/in
	mkdir -p "$in"
	sed "s|^target = .*|target = sftp://$(id -un)@127.0.0.1:$port$in|" folio.conf >sftp.conf
	printf '%s\n' "sftp_key = $ssh/client_key" "sftp_known_hosts = $ssh/known_hosts" \
		"connect_timeout = 5" "stall_timeout = 5" "retries = 1" >>sftp.conf
	over_network SFTP sftp.conf "$in"
fi

# --- S3 (s3rver behind the SigV4 checker, TLS) on 127.0.0.1. The office has no folder there
# to run folio-verify in: it copies the package down, verifies it, and puts the receipt and its
# signature under receipts/ with its own S3 tool (curl's SigV4 signing here).
s3=$FOLIO_TMP/s3srv
if server_part S3 s3_start "$s3" s3rver; then
	printf 'access_key_id = S3RVER\nsecret_access_key = S3RVER\n' >s3creds
	chmod 600 s3creds
	sed "s|^target = .*|target = s3://folio/in|" folio.conf >s3.conf
	printf '%s\n' "s3_endpoint = https://127.0.0.1:$port" "ca_file = $s3/ca.pem" \
		"credentials_file = $FOLIO_TMP/s3creds" "connect_timeout = 5" "stall_timeout = 5" \
		"retries = 1" >>s3.conf
	e=$(scan_approved)
	cycle s3.conf
	[ "$(state "$e")" = delivered ] || fail "batch $e was not delivered over S3: $(cat cycle.err)"
	pe=$(ls "$s3/s3/folio/in" | grep -- "-B$(printf '%06u' "$e")\$")
	(cd "$s3/s3/folio/in/$pe" && find . -name '*._S3rver_object') | while read -r f; do
		mkdir -p "office/$pe/$(dirname "$f")"
		cp "$s3/s3/folio/in/$pe/$f" "office/$pe/${f%._S3rver_object}"
	done
	cycle s3.conf # no receipt yet: nothing happens, nothing is said
	[ "$(state "$e")" = delivered ] || fail "batch $e is $(state "$e") without a receipt"
	grep -q "receipt" cycle.err && fail "S3: a missing receipt is reported: $(cat cycle.err)"
	"$fv" "office/$pe" --key keys/station.pub --receipt --receipt-key office_key >fv.out 2>&1 ||
		fail "folio-verify refuses the S3 copy: $(cat fv.out)"
	for f in "office/receipts/$pe.receipt" "office/receipts/$pe.receipt.sshsig"; do
		curl -sS --fail --cacert "$s3/ca.pem" --aws-sigv4 "aws:amz:us-east-1:s3" \
			--user S3RVER:S3RVER -H "x-amz-content-sha256: $(sha256sum <"$f" | cut -d' ' -f1)" \
			-T "$f" "https://127.0.0.1:$port/folio/in/receipts/$(basename "$f")" >put.out 2>&1 ||
			fail "the office's PUT of $(basename "$f") failed: $(cat put.out)"
	done
	cycle s3.conf
	[ "$(state "$e")" = confirmed ] ||
		fail "batch $e is $(state "$e") after its receipt over S3: $(cat cycle.err)"
	grep -q "^OK GET /folio/in/receipts/$pe.receipt" "$s3/sigcheck.log" ||
		fail "the receipt was not read with a signed GET over S3: $(grep receipts "$s3/sigcheck.log")"
	echo "figure: S3: the receipt the office put under receipts/ confirms the batch"
fi
