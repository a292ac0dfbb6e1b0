#!/bin/bash
# requires: CONFIG_OCR CONFIG_UPLOAD_WEBDAV
# Delivery to nginx's WebDAV over TLS (a CA made here), on 127.0.0.1, through `folio upload
# package`: a whole package, then every fault we know of — a server killed mid-file and
# restarted, 503 answers, a MOVE answered 500 after its PUT arrived, a cut connection, a stalled
# one, a server dripping its answer (and foliod stopped by SIGTERM meanwhile), proxies of the
# environment (ignored), a full server disk, a wrong CA, a wrong pinned key, a client certificate required.
# After each: nothing lost (the final copy passes sha256sum -c), nothing delivered twice (every
# final name was MOVEd into place once), and what had arrived was not sent again. Packages go up
# in a hidden temporary folder, MOVEd into place whole; every file is read back: an altered
# copy (size kept) is refused under the final name, sent again in the temporary folder.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
. "$FOLIO_SRC/tests/servers/servers.sh"
daemon=
drip_server=
trap '[ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null
[ -n "$drip_server" ] && kill "$drip_server" 2>/dev/null
servers_stop' EXIT

folio=$FOLIO_BUILD/bin/folio
dav=$FOLIO_TMP/dav
start_server nginx_start "$dav" nginx

# conf NAME TARGET [LINE...]: a config whose [upload] section sends to TARGET; each LINE is an
# [upload] "key = value" or a make_config setting, replacing the default for its key.
conf() {
	local f=$FOLIO_TMP/$1.conf target=$2 a set=()
	shift 2
	for a in "$@"; do
		case $a in
		"["*) set+=("$a") ;;
		*) set+=("[upload] $a") ;;
		esac
	done
	make_config "$f" test:0 "[upload] target = $target" "[upload] retries = 2" \
		"[upload] connect_timeout = 5" "[upload] stall_timeout = 5" ${set[@]+"${set[@]}"}
	echo "$f"
}

# moved_once PACKAGE: no final name of PACKAGE was moved into place more than once.
moved_once() {
	local twice
	twice=$(awk -v p="/$1/" '$1 == "MOVE" && ($3 == 201 || $3 == 204) && index($4, p) { print $4 }' \
		"$dav/logs/access.log" | sort | uniq -d)
	[ -z "$twice" ] || fail "delivered twice: $twice"
}

ok=$(conf ok "https://127.0.0.1:$port/in" "ca_file = $dav/ca.pem" "concurrency = 3")
mkdir -p "$dav/root/in"

# --- a whole package: every file, the signature and the manifest; checked on the server
make_package "$FOLIO_TMP/pkgs" TEST-01-B000001 8 300
deliver "$ok" TEST-01-B000001
receipt_has '^files     12 (0 already there)' "receipt"
receipt_has "^checked   the content of every file: 12 files, [0-9]* bytes read back" \
	"the receipt does not say what was checked on the server"
receipt_has "^published complete folder renamed into place" \
	"the receipt does not say how the package appeared"
msg=$(check_package "$dav/root/in/TEST-01-B000001") || fail "$msg"
[ ! -e "$dav/root/in/.TEST-01-B000001.folio-part" ] || fail "the temporary folder was left behind"
# The package went up in a hidden temporary folder, the manifest last in it, the signature
# right before; then the folder was MOVEd into place (never over an existing one).
moves=$(grep '^MOVE' "$dav/logs/access.log" | tail -n 3)
[ "$(echo "$moves" | sed -n 3p)" = \
	"MOVE /in/.TEST-01-B000001.folio-part/ 201 https://127.0.0.1:$port/in/TEST-01-B000001/" ] ||
	fail "the package folder was not moved into place last: $moves"
echo "$moves" | sed -n 2p | grep -q '/in/.TEST-01-B000001.folio-part/MANIFEST.sha256$' ||
	fail "the manifest was not the last file moved into place: $moves"
echo "$moves" | sed -n 1p | grep -q 'MANIFEST.sha256.sig$' ||
	fail "the signature did not go right before the manifest: $moves"
grep -q '^PUT /in/TEST-01-B000001/' "$dav/logs/access.log" &&
	fail "a file was sent under the package's final name"

# Again: everything is there, nothing is sent.
deliver "$ok" TEST-01-B000001
receipt_has '^files     12 (12 already there)' "second delivery sent again"
receipt_has '^bytes     .* (0 sent)' "second delivery sent bytes"
moved_once TEST-01-B000001

# The server's copy altered, its size kept: every file is read back, so delivering again
# refuses it (before: the size matched and it was "confirmed").
flip_byte "$dav/root/in/TEST-01-B000001/D0001/P0002.tif" 5000
expect_fail 1 "same size, other SHA-256" \
	"$folio" --config "$ok" upload package "$FOLIO_TMP/pkgs/TEST-01-B000001"
flip_byte "$dav/root/in/TEST-01-B000001/D0001/P0002.tif" 5000

# --- a slow delivery watched from the server's side: the package folder never holds half a
# package; it appears whole
make_package "$FOLIO_TMP/pkgs" TEST-01-B000010 4 512
paced=$(conf paced "https://127.0.0.1:$port/in" "ca_file = $dav/ca.pem" "concurrency = 2" \
	"bandwidth_kbps = 4000")
"$folio" --config "$paced" upload package "$FOLIO_TMP/pkgs/TEST-01-B000010" >"$FOLIO_TMP/paced.out" 2>&1 &
upload=$!
watch=$(watch_delivery $upload "$dav/root/in" TEST-01-B000010) || fail "$watch"
wait $upload || fail "the paced delivery failed: $(cat "$FOLIO_TMP/paced.out")"
msg=$(check_package "$dav/root/in/TEST-01-B000010") || fail "$msg"
echo "figure: a paced delivery watched from the server: $watch"

# --- the upload window closes mid-delivery: the delivery stops, nothing shows under the final
# name, and the next run finishes it from the temporary folder without sending it all again
make_package "$FOLIO_TMP/pkgs" TEST-01-B000011 4 1024
closing_window 4
win=$(conf win "https://127.0.0.1:$port/in" "ca_file = $dav/ca.pem" "window = $window" \
	"bandwidth_kbps = 2000" "concurrency = 1")
msg=$(cut_by_window "$win" "$dav/root/in" TEST-01-B000011) || fail "$msg"
unset TZ
echo "figure: WebDAV delivery $msg"
deliver "$ok" TEST-01-B000011
receipt_has -E '^files     8 \([1-9][0-9]* already there\)' "the next run sent again what had arrived"
msg=$(check_package "$dav/root/in/TEST-01-B000011") || fail "$msg"
moved_once TEST-01-B000011

# --- 503 from the server: a clear failure, retried, then a later run delivers
make_package "$FOLIO_TMP/pkgs" TEST-01-B000002 4 100
touch "$dav/fail503"
expect_fail 1 "answered HTTP 503" "$folio" --config "$ok" upload package "$FOLIO_TMP/pkgs/TEST-01-B000002"
rm "$dav/fail503"
[ ! -e "$dav/root/in/TEST-01-B000002/MANIFEST.sha256" ] || fail "manifest delivered during 503s"
deliver "$ok" TEST-01-B000002
msg=$(check_package "$dav/root/in/TEST-01-B000002") || fail "$msg"
moved_once TEST-01-B000002

# --- MOVE answered 500 after the PUT arrived: the next run renames, it does not send again
make_package "$FOLIO_TMP/pkgs" TEST-01-B000003 2 100
touch "$dav/fail500move"
one=$(conf one "https://127.0.0.1:$port/in" "ca_file = $dav/ca.pem" "concurrency = 1" "retries = 0")
expect_fail 1 "answered HTTP 500" "$folio" --config "$one" upload package "$FOLIO_TMP/pkgs/TEST-01-B000003"
rm "$dav/fail500move"
deliver "$ok" TEST-01-B000003
msg=$(check_package "$dav/root/in/TEST-01-B000003") || fail "$msg"
first=$(grep -m1 '^PUT /in/.TEST-01-B000003.folio-part/' "$dav/logs/access.log" | awk '{ print $2 }')
[ "$(grep -c "^PUT $first 201" "$dav/logs/access.log")" = 1 ] ||
	fail "'$first' arrived whole before the failed MOVE but was sent again"
moved_once TEST-01-B000003

# --- the server killed mid-file (master and workers, SIGKILL) and restarted: the same run
# retries with backoff and finishes; nothing twice. The cap makes a file take ~3 s, so a
# loaded machine still kills it mid-file (at 16000 kbit/s it once finished first).
make_package "$FOLIO_TMP/pkgs" TEST-01-B000004 2 2048
slow=$(conf slow "https://127.0.0.1:$port/in" "ca_file = $dav/ca.pem" "concurrency = 1" \
	"retries = 8" "bandwidth_kbps = 6000")
# busy: nginx is receiving a request body
busy() { [ -n "$(ls -A "$dav/root/.nginx-body" 2>/dev/null)" ]; }
restart() {
	nginx_kill "$dav"
	nginx_start "$dav" "$port" || fail "cannot restart nginx"
}
upload_across_restart "$slow" TEST-01-B000004 "$dav/root/in" busy restart
moved_once TEST-01-B000004

# --- a connection cut mid-file (proxy), no retries: fails; the next run skips what arrived
fp=$FOLIO_TMP/fp
mkdir -p "$fp"
pport=$(free_port)
faultproxy_start "$fp" "$pport" "$port" || fail "cannot start the fault proxy"
make_package "$FOLIO_TMP/pkgs" TEST-01-B000005 6 400
echo "cut 1500000" >"$fp/fault"
cut=$(conf cut "https://127.0.0.1:$pport/in" "ca_file = $dav/ca.pem" "concurrency = 1" "retries = 0")
expect_fail 1 "connection to '127.0.0.1' broke" \
	"$folio" --config "$cut" upload package "$FOLIO_TMP/pkgs/TEST-01-B000005"
echo pass >"$fp/fault"
[ ! -e "$dav/root/in/TEST-01-B000005" ] || fail "part of a cut delivery is visible under its final name"
# what arrived in the temporary folder altered, its size kept: it is sent again
flip_byte "$dav/root/in/.TEST-01-B000005.folio-part/BATCH.txt" 3
deliver "$cut" TEST-01-B000005
receipt_has -E '^files     10 \([1-9][0-9]* already there\)' "resume sent again what had arrived"
msg=$(check_package "$dav/root/in/TEST-01-B000005") || fail "$msg"
moved_once TEST-01-B000005

# --- a stalled connection: stall_timeout ends it with a clear line
make_package "$FOLIO_TMP/pkgs" TEST-01-B000006 2 600
echo "stall 300000" >"$fp/fault"
stall=$(conf stall "https://127.0.0.1:$pport/in" "ca_file = $dav/ca.pem" "retries = 0" \
	"stall_timeout = 2")
start=$SECONDS
expect_fail 1 "stalled or timed out" \
	"$folio" --config "$stall" upload package "$FOLIO_TMP/pkgs/TEST-01-B000006"
echo "figure: stall detected after $((SECONDS - start)) s (stall_timeout = 2)"
echo pass >"$fp/fault"
deliver "$stall" TEST-01-B000006
msg=$(check_package "$dav/root/in/TEST-01-B000006") || fail "$msg"
moved_once TEST-01-B000006

# --- a server that drips its answer's body a byte every 0.5 s, each in a TLS record of its own
# (never quite silent): the speed floor ends it within stall_timeout with a clear line
# (before: it held the delivery for good)
make_package "$FOLIO_TMP/pkgs" TEST-01-B000009 1 600
dport=$(free_port)
/usr/bin/python3 - "$dport" "$dav/server.pem" "$dav/server.key" >"$FOLIO_TMP/drip.log" 2>&1 <<'PY' &
import socket, ssl, sys, threading, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(8)
print("ready", flush=True)
def serve(conn):
    print("connection", flush=True)
    try:
        s = ctx.wrap_socket(conn, server_side=True)
        s.recv(65536)
        s.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 100000\r\n\r\n")
        for i in range(100000):
            s.sendall(b"x")
            time.sleep(0.5)
    except OSError:
        pass
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
drip_server=$!
wait_until 100 0.05 grep -q ready "$FOLIO_TMP/drip.log" ||
	fail "the dripping server did not start: $(cat "$FOLIO_TMP/drip.log")"
drip=$(conf drip "https://127.0.0.1:$dport/in" "ca_file = $dav/ca.pem" "retries = 0" \
	"stall_timeout = 3")
start=$SECONDS
expect_fail 1 "stalled or timed out" \
	timeout 40 "$folio" --config "$drip" upload package "$FOLIO_TMP/pkgs/TEST-01-B000009"
echo "figure: a dripping server ended after $((SECONDS - start)) s (stall_timeout = 3)"

# --- foliod asked to stop (SIGTERM) while delivering to that server: it ends within seconds
# (before: it blocks SIGTERM while it works, and the delivery never ended)
stopconf=$FOLIO_TMP/stop.conf
make_config "$stopconf" test:0 "[store] path = $FOLIO_TMP/stopstore" \
	"[upload] target = https://127.0.0.1:$dport/in" "[upload] ca_file = $dav/ca.pem" \
	"[upload] retries = 0" "[web] listen ="
sb=$("$folio" --config "$stopconf" scan --max-pages 1 2>"$FOLIO_TMP/err") || fail "scan: $(cat "$FOLIO_TMP/err")"
"$folio" --config "$stopconf" ocr --batch "$sb" --wait >/dev/null 2>&1 || fail "ocr of batch $sb failed"
index_batch "$sb" "$folio" --config "$stopconf"
"$folio" --config "$stopconf" batch approve "$sb" >/dev/null || fail "cannot approve batch $sb"
: >"$FOLIO_TMP/drip.log"
"$FOLIO_BUILD/bin/foliod" --config "$stopconf" --once >"$FOLIO_TMP/stop.log" 2>&1 &
daemon=$!
wait_until 300 0.1 grep -q connection "$FOLIO_TMP/drip.log" ||
	fail "foliod did not start delivering: $(tail -n 3 "$FOLIO_TMP/stop.log")"
sleep 1
kill -TERM "$daemon"
start=$EPOCHREALTIME
for i in $(seq 150); do
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$daemon" 2>/dev/null; then
	kill -KILL "$daemon"
	fail "foliod still delivering 15 s after SIGTERM: $(tail -n 3 "$FOLIO_TMP/stop.log")"
fi
wait "$daemon" 2>/dev/null
daemon=
echo "figure: foliod ended $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s after SIGTERM mid-delivery"
kill "$drip_server" 2>/dev/null
drip_server=

# --- proxy variables of the environment are not used: only [upload] proxy
https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 ALL_PROXY=socks5h://127.0.0.1:9 \
	"$folio" --config "$ok" upload package "$FOLIO_TMP/pkgs/TEST-01-B000009" >/dev/null \
	2>"$FOLIO_TMP/err" || fail "a proxy of the environment was used: $(cat "$FOLIO_TMP/err")"
msg=$(check_package "$dav/root/in/TEST-01-B000009") || fail "$msg"

# --- TLS: a wrong CA and a wrong pinned key are clear errors naming the host
wrong=$(conf wrong "https://127.0.0.1:$port/in" "ca_file = $dav/wrong-ca.pem")
expect_fail 1 "certificate of '127.0.0.1' cannot be verified" \
	"$folio" --config "$wrong" upload package "$FOLIO_TMP/pkgs/TEST-01-B000001"
pin=$(conf pin "https://127.0.0.1:$port/in" "ca_file = $dav/ca.pem" \
	"pinned_pubkey = sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
expect_fail 1 "public key of '127.0.0.1' is not the one pinned" \
	"$folio" --config "$pin" upload package "$FOLIO_TMP/pkgs/TEST-01-B000001"
right=$(openssl x509 -in "$dav/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
pin=$(conf pin2 "https://127.0.0.1:$port/in" "ca_file = $dav/ca.pem" "pinned_pubkey = sha256//$right")
deliver "$pin" TEST-01-B000001

# --- mutual TLS and basic authentication: a second server that wants a client certificate
mtls=$FOLIO_TMP/mtls
mkdir -p "$mtls" && cp "$dav"/*.pem "$dav"/*.key "$mtls/"
mport=$(free_port)
nginx_start "$mtls" "$mport" client-cert,auth >"$FOLIO_TMP/start.out" ||
	fail "cannot start nginx with client certificates: $(cat "$FOLIO_TMP/start.out")"
printf 'user = folio\npassword = %s\n' "$(cat "$mtls/password")" >"$FOLIO_TMP/dav.creds"
chmod 600 "$FOLIO_TMP/dav.creds"
nocert=$(conf nocert "https://127.0.0.1:$mport/" "ca_file = $mtls/ca.pem" \
	"credentials_file = $FOLIO_TMP/dav.creds")
expect_fail 1 "requires a client certificate" \
	"$folio" --config "$nocert" upload package "$FOLIO_TMP/pkgs/TEST-01-B000002"
cert=$(conf cert "https://127.0.0.1:$mport/" "ca_file = $mtls/ca.pem" \
	"credentials_file = $FOLIO_TMP/dav.creds" "client_cert = $mtls/client.pem" \
	"client_key = $mtls/client.key")
"$folio" -v --config "$cert" upload package "$FOLIO_TMP/pkgs/TEST-01-B000002" >"$FOLIO_TMP/cert.out" 2>&1 ||
	fail "mutual TLS delivery failed: $(cat "$FOLIO_TMP/cert.out")"
grep -qF "$(cat "$mtls/password")" "$FOLIO_TMP/cert.out" && fail "the password appeared in the output"
msg=$(check_package "$mtls/root/TEST-01-B000002") || fail "$msg"
printf 'user = folio\npassword = wrong\n' >"$FOLIO_TMP/bad.creds"
chmod 600 "$FOLIO_TMP/bad.creds"
badpw=$(conf badpw "https://127.0.0.1:$mport/" "ca_file = $mtls/ca.pem" \
	"credentials_file = $FOLIO_TMP/bad.creds" "client_cert = $mtls/client.pem" \
	"client_key = $mtls/client.key")
expect_fail 1 "refused access (HTTP 401)" \
	"$folio" --config "$badpw" upload package "$FOLIO_TMP/pkgs/TEST-01-B000003"
chmod 644 "$FOLIO_TMP/bad.creds"
expect_fail 1 "credentials file '$FOLIO_TMP/bad.creds' may be read by others" \
	"$folio" --config "$badpw" upload package "$FOLIO_TMP/pkgs/TEST-01-B000003"

# --- a real station package (scanned, signed, described in ST.96) through 503 answers; the
# office's own verifier then accepts the server's copy
real=$(conf real "https://127.0.0.1:$port/in" "ca_file = $dav/ca.pem" \
	"[station] key_file = $FOLIO_TMP/keys/station.key" "[station] id = REAL-01" \
	"[store] path = $FOLIO_TMP/real-store")
real_package "$real" # $name: REAL-01-<store>-B000001
touch "$dav/fail503"
expect_fail 1 "answered HTTP 503" "$folio" --config "$real" upload package "$FOLIO_TMP/pkgs/$name"
rm "$dav/fail503"
deliver "$real" "$name"
moved_once "$name"
st96_schemas
"$folio" verify "$dav/root/in/$name" --key "$FOLIO_TMP/keys/station.pub" "${schemas[@]}" \
	>"$FOLIO_TMP/verify.out" 2>&1 ||
	fail "the delivered package fails folio verify: $(cat "$FOLIO_TMP/verify.out")"
grep -q '^result    ok$' "$FOLIO_TMP/verify.out" || fail "verify: $(cat "$FOLIO_TMP/verify.out")"

# --- a full server disk (a small tmpfs as the WebDAV root), when this machine lets us mount
full=$FOLIO_TMP/full
mkdir -p "$full"
if mount -t tmpfs -o size=1m folio-test "$full/" 2>/dev/null; then
	fport=$(free_port)
	cp "$dav"/*.pem "$dav"/*.key "$full/" 2>/dev/null
	nginx_start "$full" "$fport" || fail "cannot start nginx on the tmpfs"
	make_package "$FOLIO_TMP/pkgs" TEST-01-B000007 4 400
	disk=$(conf disk "https://127.0.0.1:$fport/" "ca_file = $full/ca.pem" "retries = 1")
	"$folio" --config "$disk" upload package "$FOLIO_TMP/pkgs/TEST-01-B000007" 2>"$FOLIO_TMP/err" &&
		fail "delivery to a full disk succeeded"
	[ "$(grep -c . "$FOLIO_TMP/err")" = 1 ] || fail "full disk: more than one line: $(cat "$FOLIO_TMP/err")"
	echo "full disk says: $(cat "$FOLIO_TMP/err")"
	[ ! -e "$full/root/TEST-01-B000007/MANIFEST.sha256" ] || fail "manifest delivered to a full disk"
	mount -o remount,size=16m "$full/" || fail "cannot grow the tmpfs"
	deliver "$disk" TEST-01-B000007
	msg=$(check_package "$full/root/TEST-01-B000007") || fail "$msg"
	servers_stop
	umount "$full/"
else
	echo "note: mounting a tmpfs is not permitted here: the full-disk case was not run"
fi

echo "upload_webdav: 10 packages delivered through faults, each once, each checked with sha256sum -c, the station's own with folio verify"
