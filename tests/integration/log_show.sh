#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# What the technician reads: 'log show' gives whole events, filtered by batch and kind, where
# 'log tail' cuts them to a line; 'status' and 'upload status' name the same last delivery;
# export, upload, verify and store check draw a progress line on a terminal and nothing more
# when standard error is not one.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"
command -v script >/dev/null || skip "script(1) is not installed (Debian package bsdutils)"

folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
feeder_config "mode = lineart" "[station] key_file = $FOLIO_TMP/keys/station.key" <<EOF
[upload]
target = file://$FOLIO_TMP/outbox
[document]
ip_type = trademark
EOF
mkdir outbox
$folio keygen --out keys >/dev/null 2>&1 || fail "keygen failed"
"$FOLIO_BUILD/bin/pagegen" --out stack --first 1 --count 3 --dpi 300 --kind text --seed 7 \
	>/dev/null || fail "pagegen failed"
scan() {
	ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 $folio scan 2>err || fail "scan failed: $(cat err)"
}
a=$(scan)
reload_feeder stack
b=$(scan)

# --- before any delivery both say so
$folio status >st.out 2>err || fail "status failed: $(cat err)"
grep -qx 'last upload  none yet' st.out || fail "status before a delivery: $(cat st.out)"
$folio upload status | grep -qx 'last success  none yet' || fail "upload status before a delivery"

# --- log show: whole events, by batch and by kind
$folio log tail 50 >tail.out || fail "log tail failed"
grep -q '\.\.\.$' tail.out || fail "log tail cut nothing (page-capture events are long): $(cat tail.out)"
$folio log show --batch "$b" >show.out 2>err || fail "log show failed: $(cat err)"
grep -Eq "^ +[0-9]+ [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [^ ]+ page-capture batch $b document 1 page 3: TIFF .* sha256 [0-9a-f]{64}$" show.out ||
	fail "no whole page-capture event of batch $b: $(cat show.out)"
awk -v b="$b" '$6 != "batch" || ($7 != b && $7 != b":") { exit 1 }' show.out ||
	fail "log show --batch $b shows other batches: $(cat show.out)"
[ "$($folio log show --type page-capture | wc -l)" = 6 ] ||
	fail "log show --type page-capture: $($folio log show --type page-capture)"
$folio log show --type 'batch-*' >kind.out
awk '$5 !~ /^batch-/ { exit 1 }' kind.out && grep -q batch-create kind.out &&
	grep -q batch-state kind.out || fail "log show --type 'batch-*': $(cat kind.out)"
[ "$($folio log show --type page-capture --last 2 2>err | wc -l)" = 2 ] || fail "--last 2"
grep -q "4 earlier matching events not shown" err || fail "--last does not say what it left out: $(cat err)"
$folio log show --type no-such-kind >none.out 2>&1 || fail "log show of an unknown kind failed"
grep -qx "no event matches" none.out || fail "nothing matching: $(cat none.out)"
expect_fail 2 "'Batch State' is not an event kind" $folio log show --type 'Batch State'
expect_fail 2 "'x' is not a batch number" $folio log show --batch x
expect_fail 2 "option '--last' takes a number from 1 to 10000, not '0'" $folio log show --last 0
expect_fail 2 "unexpected argument 'extra'" $folio log show extra

# --- status and upload status agree on the last delivery
$folio ocr >/dev/null 2>&1 || fail "ocr failed"
index_batch "$a"
index_batch "$b"
$folio batch approve "$a" >/dev/null 2>err || fail "approve failed: $(cat err)"
$folio batch approve "$b" >/dev/null 2>err || fail "approve failed: $(cat err)"
$folio upload --now >up.out 2>up.err || fail "upload failed: $(cat up.out up.err)"
grep -q $'\r' up.err && fail "upload drew a progress line into a file: $(cat -A up.err)"
last=$($folio upload status | sed -n 's/^last success  //p')
case $last in "batch $b at "*) ;; *) fail "upload status: last success '$last'" ;; esac
$folio status >st.out
grep -qxF "last upload  $last" st.out ||
	fail "status says '$(grep 'last upload' st.out)', upload status '$last'"

# --- progress on a terminal (script(1) gives the command one), none into a file
pkg=$(ls -d outbox/*-B"$(printf '%06u' "$b")")
term() { script -qec "$*" /dev/null </dev/null; }
term "$folio verify $pkg --key keys/station.pub" >verify.tty || fail "verify on a terminal: $(cat verify.tty)"
grep -Eq $'\r  verify: file [0-9]+ of [0-9]+, [0-9.]+ MB' verify.tty ||
	fail "no verify progress: $(cat -A verify.tty)"
$folio verify "$pkg" --key keys/station.pub >verify.out 2>verify.err || fail "verify failed"
[ -s verify.err ] && fail "verify says more on stderr without a terminal: $(cat verify.err)"
grep -q $'\r' verify.out && fail "progress in verify's output to a file"
term "$folio export --batch $a --out $FOLIO_TMP/exported" >export.tty ||
	fail "export on a terminal: $(cat export.tty)"
grep -Eq $'\r  export: [0-9]+ files, [0-9.]+ MB' export.tty || fail "no export progress: $(cat -A export.tty)"
term "$folio store check" >check.tty || fail "store check on a terminal: $(cat check.tty)"
grep -q $'\r  store check: page image 6 of 6' check.tty || fail "no store check progress: $(cat -A check.tty)"
$folio store check >check.out 2>check.err || fail "store check failed"
[ -s check.err ] && fail "store check says more on stderr without a terminal: $(cat check.err)"
p2=$(ls -d exported/*)
term "$folio upload package $FOLIO_TMP/$p2 --name again" >upload.tty ||
	fail "upload package on a terminal: $(cat upload.tty)"
grep -Eq $'\r  upload: file [0-9]+ of [0-9]+, [0-9.]+ MB' upload.tty ||
	fail "no upload progress: $(cat -A upload.tty)"
echo "figure: log show --batch $b: $(wc -l <show.out) whole events; status and upload status: $last"
