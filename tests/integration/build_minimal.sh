#!/bin/bash
# The smallest station Kconfig allows (configs/minimal_defconfig: no OCR, no network upload
# protocol, no console, no clerk UI, no virtual feeder) builds folio and foliod out of tree, in
# FOLIO_BUILD/minimal, and they link neither Tesseract nor libcurl nor libmicrohttpd. Left-out
# commands refuse in one line, exit status 2; the store works: keygen, check, stats, an empty
# batch list, an export refused for a batch that is not there, a file:// target accepted and an
# https:// one refused in one line; and a batch scanned from Debian's SANE test backend is
# approved without OCR and delivered to the outbox whole.
#
# Built at -O0 (quick, and no reliance on the optimiser dropping calls into what is left out);
# incremental after the first run. The sanitized pass and cross-built boards skip it.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

[ -z "${FOLIO_SANITIZE:-}" ] || skip "the minimal build is checked in the plain pass"
for sym in BOARD_SIM OCR UPLOAD_CURL; do # beside a full sim build, not inside a reduced one
	grep -qx "CONFIG_$sym=y" "$FOLIO_BUILD/include/config/auto.conf" 2>/dev/null ||
		skip "the minimal build is checked beside the sim board's full build"
done
command -v ldd >/dev/null || skip "ldd is not installed (Debian package libc-bin)"

out=$FOLIO_BUILD/minimal
# O as a by hand build names it (build/minimal): make's dependency files name it so.
o=${out#"$FOLIO_SRC"/}
mk=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s -C "$FOLIO_SRC"
	O="$o" KCONFIG_CONFIG="$o/.config" CFLAGS=-O0 WERROR=1)
start=$EPOCHREALTIME
"${mk[@]}" minimal_defconfig >make.out 2>&1 || fail "minimal_defconfig: $(cat make.out)"
nice "${mk[@]}" -j2 "$o/bin/folio" "$o/bin/foliod" >make.out 2>&1 ||
	fail "the minimal build fails: $(tail -n 20 make.out)"
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

# --- what is configured, compiled and linked
for sym in OCR UPLOAD_WEBDAV UPLOAD_SFTP UPLOAD_S3 UPLOAD_CURL CONSOLE WEB SANE_FOLIO_BACKEND; do
	grep -q "^CONFIG_$sym=" "$out/include/config/auto.conf" && fail "CONFIG_$sym is on in $out"
done
grep -qx 'CONFIG_UPLOAD_FILE=y' "$out/include/config/auto.conf" || fail "the outbox driver is off"
for o in ocr/engine.o firmware/ocrq/ocrq.o firmware/upload/http.o firmware/upload/webdav.o \
	firmware/console/console.o firmware/web/server.o; do
	[ ! -e "$out/$o" ] || fail "$o was compiled though its subsystem is off"
done
for p in folio foliod; do
	ldd "$out/bin/$p" >ldd.out 2>&1 || fail "ldd fails on $p: $(cat ldd.out)"
	grep -q 'not found' ldd.out && fail "$p misses a library: $(cat ldd.out)"
	if grep -Eo 'lib(tesseract|curl|microhttpd)[^ ]*' ldd.out; then
		fail "the minimal $p loads $(grep -Eo 'lib(tesseract|curl|microhttpd)[^ ]*' ldd.out | tr '\n' ' ')"
	fi
done
n_min=$(ldd "$out/bin/foliod" | grep -c '=>')
n_def=$(ldd "$FOLIO_BUILD/bin/foliod" | grep -c '=>')
objs=$(ar t "$out/libfolio.a" | wc -l)
echo "figure: minimal build ${secs} s, libfolio.a $objs objects, foliod loads $n_min shared libraries (the configured build's $n_def)"

# --- what was left out says so, in one line, exit status 2
folio=$out/bin/folio
"$folio" --version | grep -q '^folio ' || fail "folio --version: $("$folio" --version 2>&1)"
expect_fail 2 "this station was built without OCR (CONFIG_OCR)" "$folio" ocr
expect_fail 2 "this station was built without OCR (CONFIG_OCR)" "$folio" ocr status
expect_fail 2 "this station was built without the console (CONFIG_CONSOLE)" "$folio" console
expect_fail 2 "this station was built without the clerk UI (CONFIG_WEB)" "$folio" web users
"$folio" help | grep -q '^  ocr status .*(not in this build)$' ||
	fail "folio help does not say OCR is not in this build: $("$folio" help)"
"$folio" help | grep -q '^  store check .*(not in this build)' &&
	fail "folio help says the store is not in this build"

# --- the store and the outbox target work
make_config folio.conf test:0
printf '[store]\nkey_file = %s\n' "$FOLIO_TMP/store.key" >>folio.conf
export FOLIO_CONFIG=$PWD/folio.conf
"$folio" store keygen "$FOLIO_TMP/store.key" >out 2>&1 || fail "store keygen: $(cat out)"
"$folio" store check >out 2>&1 || fail "store check on a new store: $(cat out)"
"$folio" store stats >out 2>&1 || fail "store stats: $(cat out)"
"$folio" batch list >out 2>&1 || fail "batch list: $(cat out)"
expect_fail 1 "" "$folio" export --batch 1 --out "$FOLIO_TMP/pkg"
"$folio" config check >out 2>&1 || fail "a file:// target is refused: $(cat out)"
sed -i "s|^target = .*|target = https://dav.example.org/in|" folio.conf
"$folio" config check >out 2>&1 && fail "an https:// target is accepted without WebDAV"
grep -q 'webdav\|WebDAV\|https' out || fail "the https:// refusal does not say why: $(cat out)"

# --- a station cycle without OCR: scan (Debian's SANE test backend), index, approve, deliver
sed -i "s|^target = .*|target = file://$FOLIO_TMP/outbox|" folio.conf
compgen -G '/usr/lib/*/sane/libsane-test.so.1' >/dev/null ||
	skip "no SANE test backend (Debian package libsane1) for the cycle"
"$folio" scan >out 2>&1 || fail "scan: $(cat out)"
folio=$folio index_batch 1
"$folio" batch approve 1 >out 2>&1 || fail "a batch without OCR cannot be approved: $(cat out)"
"$folio" upload --now >out 2>&1 || fail "upload to the outbox: $(cat out)"
pkg=$(echo "$FOLIO_TMP"/outbox/*/)
[ -f "$pkg/MANIFEST.sha256" ] || fail "no package in the outbox: $(cat out)"
(cd "$pkg" && sha256sum -c --quiet MANIFEST.sha256) >out 2>&1 || fail "the package: $(cat out)"
echo "ok: minimal build links only what it has; it scans, approves and delivers without OCR"
