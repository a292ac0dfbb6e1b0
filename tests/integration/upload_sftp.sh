#!/bin/bash
# requires: CONFIG_OCR CONFIG_UPLOAD_SFTP
# Delivery over SFTP to OpenSSH's sshd on 127.0.0.1 (host and client keys made here, the host
# key pinned in a known_hosts file): a whole package; an interrupted file continued where it
# stopped; sshd killed mid-file and restarted; a final name that holds another file is never
# overwritten, nor an altered copy taken for ours; the upload window closing mid-delivery (the
# package never visible half-done under its final name); a wrong host key, a key others can
# read. Each delivered copy passes sha256sum -c; files land 0600, folders 0700.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
server_test
ssh=$FOLIO_TMP/ssh
start_server sshd_start "$ssh" sshd
in=$ssh/root/in

# conf NAME [LINE...]: a config sending to the test's sshd; each LINE is an [upload] "key =
# value" or a make_config setting, replacing the default for its key.
conf() {
	local f=$FOLIO_TMP/$1.conf a set=()
	shift
	for a in "$@"; do
		case $a in
		"["*) set+=("$a") ;;
		*) set+=("[upload] $a") ;;
		esac
	done
	make_config "$f" test:0 "[upload] target = sftp://$(id -un)@127.0.0.1:$port$in" \
		"[upload] sftp_key = $ssh/client_key" "[upload] sftp_known_hosts = $ssh/known_hosts" \
		"[upload] connect_timeout = 5" "[upload] stall_timeout = 5" "[upload] retries = 2" \
		${set[@]+"${set[@]}"}
	echo "$f"
}

ok=$(conf ok)

# --- a whole package, then again: nothing sent the second time
make_package "$FOLIO_TMP/pkgs" TEST-01-B000001 6 200
deliver "$ok" TEST-01-B000001
receipt_has '^files     10 (0 already there)' "receipt"
# the receipt names the server with its port (a non-default one here)
receipt_has -x "remote    sftp://$(id -un)@127.0.0.1:$port$in/TEST-01-B000001/" \
	"the receipt lost the port"
receipt_has "^checked   the content of every file: 10 files" \
	"the receipt does not say what was checked"
msg=$(check_package "$in/TEST-01-B000001") || fail "$msg"
[ ! -e "$in/.TEST-01-B000001.folio-part" ] || fail "the temporary folder was left behind"
# Files land 0600 and folders 0700 on the server, whatever its umask (sshd's here is 022).
modes=$(find "$in/TEST-01-B000001" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \) |
	while read -r f; do stat -c '%a %n' "$f"; done)
[ -z "$modes" ] || fail "delivered with modes others can read: $modes"
deliver "$ok" TEST-01-B000001
receipt_has '(0 sent)' "second delivery sent bytes"

# --- the server's copy altered, its size kept: the content is read back, so delivering again
# refuses it (before: the size matched and it was "confirmed")
flip_byte "$in/TEST-01-B000001/D0001/P0002.tif" 1000
expect_fail 1 "same size, other SHA-256" \
	"$folio" --config "$ok" upload package "$FOLIO_TMP/pkgs/TEST-01-B000001"
flip_byte "$in/TEST-01-B000001/D0001/P0002.tif" 1000

# --- an interrupted file continues where it stopped, in the package's temporary folder: only
# the rest is sent
make_package "$FOLIO_TMP/pkgs" TEST-01-B000002 2 500
mkdir -p "$in/.TEST-01-B000002.folio-part/D0002"
head -c 300000 "$FOLIO_TMP/pkgs/TEST-01-B000002/D0002/P0001.tif" \
	>"$in/.TEST-01-B000002.folio-part/D0002/.P0001.tif.folio-part"
total=$(cat "$FOLIO_TMP"/pkgs/TEST-01-B000002/{D0001/*,D0002/*,BATCH.txt,MANIFEST.*} | wc -c)
deliver "$ok" TEST-01-B000002
receipt_has "^bytes     $total ($((total - 300000)) sent)" \
	"the interrupted file was not continued (total $total)"
msg=$(check_package "$in/TEST-01-B000002") || fail "$msg"

# --- sshd killed mid-file and restarted: the run retries and finishes
make_package "$FOLIO_TMP/pkgs" TEST-01-B000003 2 2048
slow=$(conf slow "bandwidth_kbps = 16000" "retries = 8" "concurrency = 1")
# busy: 100 KB of a file have arrived in the package's temporary folder
busy() { [ -n "$(find "$in/.TEST-01-B000003.folio-part" -name '*.folio-part' -size +100k 2>/dev/null)" ]; }
restart() {
	sshd_kill "$ssh"
	sshd_restart "$ssh" "$port" || fail "cannot restart sshd"
}
upload_across_restart "$slow" TEST-01-B000003 "$in" busy restart

# --- a final name holding another file is never overwritten
make_package "$FOLIO_TMP/pkgs" TEST-01-B000004 2 50
mkdir -p "$in/TEST-01-B000004"
echo "someone else's file" >"$in/TEST-01-B000004/BATCH.txt"
expect_fail 1 "remove it there to deliver again" \
	"$folio" --config "$ok" upload package "$FOLIO_TMP/pkgs/TEST-01-B000004"
[ "$(cat "$in/TEST-01-B000004/BATCH.txt")" = "someone else's file" ] || fail "a file was overwritten"
[ ! -e "$in/TEST-01-B000004/MANIFEST.sha256" ] || fail "manifest delivered beside a wrong file"

# --- the upload window closes mid-delivery: the delivery stops within seconds, nothing is
# visible under the final name meanwhile, and the next window resumes in the same temporary
# folder (a file there that was altered, its size kept, is sent again)
make_package "$FOLIO_TMP/pkgs" TEST-01-B000005 4 1024
closing_window 4
win=$(conf win "window = $window" "bandwidth_kbps = 2000" "concurrency = 1")
msg=$(cut_by_window "$win" "$in" TEST-01-B000005) || fail "$msg"
unset TZ
echo "figure: SFTP delivery $msg"
[ -f "$in/.TEST-01-B000005.folio-part/BATCH.txt" ] || fail "nothing arrived before the window closed"
flip_byte "$in/.TEST-01-B000005.folio-part/BATCH.txt" 3
total=$(cat "$FOLIO_TMP"/pkgs/TEST-01-B000005/{D0001/*,D0002/*,BATCH.txt,MANIFEST.*} | wc -c)
deliver "$ok" TEST-01-B000005
sent=$(echo "$out" | sed -n 's/^bytes     [0-9]* (\([0-9]*\) sent)$/\1/p')
[ -n "$sent" ] && [ "$sent" -lt "$total" ] || fail "the next window sent everything again: $out"
msg=$(check_package "$in/TEST-01-B000005") || fail "$msg"
[ ! -e "$in/.TEST-01-B000005.folio-part" ] || fail "the temporary folder was left behind"

# --- a wrong host key, a private key others can read
ssh-keygen -q -t ecdsa -N '' -f "$FOLIO_TMP/other_host" </dev/null >/dev/null
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$FOLIO_TMP/other_host.pub")" >"$FOLIO_TMP/wrong_known_hosts"
wrong=$(conf wrong "sftp_known_hosts = $FOLIO_TMP/wrong_known_hosts")
expect_fail 1 "host key of '127.0.0.1' does not match" \
	"$folio" --config "$wrong" upload package "$FOLIO_TMP/pkgs/TEST-01-B000001"
cp "$ssh/client_key" "$FOLIO_TMP/open_key" && chmod 644 "$FOLIO_TMP/open_key"
open=$(conf open "sftp_key = $FOLIO_TMP/open_key")
expect_fail 1 "may be read by others" \
	"$folio" --config "$open" upload package "$FOLIO_TMP/pkgs/TEST-01-B000001"

# --- a real station package (scanned, signed, ST.96): the office's verifier accepts the copy
real=$(conf real "[station] key_file = $FOLIO_TMP/keys/station.key" "[station] id = REAL-01" \
	"[store] path = $FOLIO_TMP/real-store")
real_package "$real" # $name: REAL-01-<store>-B000001
deliver "$real" "$name"
st96_schemas
"$folio" verify "$in/$name" --key "$FOLIO_TMP/keys/station.pub" "${schemas[@]}" \
	>"$FOLIO_TMP/verify.out" 2>&1 ||
	fail "the delivered package fails folio verify: $(cat "$FOLIO_TMP/verify.out")"

echo "upload_sftp: 4 packages delivered (one continued mid-file, one across an sshd restart), a foreign file kept"
