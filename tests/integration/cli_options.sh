#!/bin/bash
# requires: CONFIG_OCR
# Options are checked before anything is loaded: wrong usage is one line on standard error and
# exit status 2, whatever else is wrong (here: a configuration that does not exist); help for
# one command; --version on every installed program.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
bin=$FOLIO_BUILD/bin
folio=$bin/folio
nope=$FOLIO_TMP/nonexistent.conf

# --- wrong usage: the option is named, not the missing configuration
expect_fail 2 "unknown option '--bogus'" "$folio" --config "$nope" export --bogus
expect_fail 2 "unknown option '--bogus'" "$folio" --bogus
expect_fail 2 "unknown option '-x'" "$folio" -x
expect_fail 2 "both --batch and --out are needed" "$folio" --config "$nope" export --batch 1
expect_fail 2 "'x' is not a batch number" "$folio" --config "$nope" doc list --batch x
expect_fail 2 "option '--batch' needs a value" "$folio" --config "$nope" ocr --batch
expect_fail 2 "option '--now' takes no value" "$folio" --config "$nope" upload --now=yes
expect_fail 2 "--out is for 'folio page export'" "$folio" --config "$nope" page grey \
	--batch 1 --page 1 --out x
expect_fail 2 "unknown option '--bogus'" "$folio" --config "$nope" batch show --bogus 1
expect_fail 2 "'x' is not a revision" "$folio" --config "$nope" batch approve 1 --revision x
expect_fail 2 "--mode must be lineart, gray or color" "$folio" --config "$nope" scan --mode x
expect_fail 2 "add --yes" "$folio" --config "$nope" reboot
expect_fail 2 "which batch?" "$folio" --config "$nope" batch show
expect_fail 2 "which batch?" "$folio" --config "$nope" batch confirm
expect_fail 2 "'x' is not a batch number" "$folio" --config "$nope" batch close x
expect_fail 2 "unexpected argument 'extra'" "$folio" --config "$nope" status extra
expect_fail 2 "unexpected argument 'now'" "$folio" --config "$nope" reboot --yes now
expect_fail 2 "unexpected argument 'again'" "$folio" --config "$nope" scan test again
expect_fail 2 "'x' is not a number of events" "$folio" --config "$nope" log tail x
expect_fail 2 "'A*B' is not an event kind" "$folio" --config "$nope" log show --type 'A*B'
expect_fail 2 "needs a key and a value" "$folio" --config "$nope" config set station.id
expect_fail 2 "which user?" "$folio" --config "$nope" console passwd
expect_fail 2 "unknown command 'frobnicate'" "$folio" --config "$nope" frobnicate
expect_fail 2 "unknown command 'frobnicate'" "$folio" help frobnicate
expect_fail 2 "unknown option '--bogus'" "$bin/foliod" --config "$nope" --bogus
expect_fail 2 "unknown option '--bogus'" "$bin/folio-verify" --bogus
# With the usage right, the configuration is what is wrong (and still exit 2).
expect_fail 2 "cannot read configuration '$nope'" "$folio" --config "$nope" export --batch 1 \
	--out "$FOLIO_TMP/out"

# --- bare folio: the usage on standard error, exit 2, nothing on standard output
out=$("$folio" 2>"$FOLIO_TMP/err")
rc=$?
[ $rc = 2 ] || fail "bare 'folio' exited $rc, not 2"
[ -z "$out" ] || fail "bare 'folio' printed on standard output: $out"
head -n 1 "$FOLIO_TMP/err" | grep -q '^usage: folio ' || fail "bare 'folio' said: $(head -n 2 "$FOLIO_TMP/err")"

# --- help: general, one command's (with its options), a verb's commands
"$folio" help >"$FOLIO_TMP/help" 2>&1 || fail "'folio help' failed: $(cat "$FOLIO_TMP/help")"
"$folio" --config "$nope" help scan >"$FOLIO_TMP/scan" 2>"$FOLIO_TMP/err" ||
	fail "'folio help scan' failed: $(cat "$FOLIO_TMP/err")"
head -n 1 "$FOLIO_TMP/scan" | grep -q '^usage: folio scan ' ||
	fail "'folio help scan' printed: $(head -n 3 "$FOLIO_TMP/scan")"
cmp -s "$FOLIO_TMP/help" "$FOLIO_TMP/scan" && fail "'folio help scan' prints the general help"
"$folio" --config "$nope" help export >"$FOLIO_TMP/export" 2>&1 || fail "'folio help export' failed"
grep -q -- '--batch BATCH' "$FOLIO_TMP/export" && grep -q '^Options:' "$FOLIO_TMP/export" ||
	fail "'folio help export' lists no options: $(cat "$FOLIO_TMP/export")"
"$folio" --config "$nope" export --help >"$FOLIO_TMP/export2" 2>&1 || fail "'folio export --help' failed"
cmp -s "$FOLIO_TMP/export" "$FOLIO_TMP/export2" || fail "'folio export --help' differs from 'folio help export'"
"$folio" help batch >"$FOLIO_TMP/batch" 2>&1 || fail "'folio help batch' failed"
grep -q 'folio batch approve' "$FOLIO_TMP/batch" || fail "'folio help batch' said: $(cat "$FOLIO_TMP/batch")"

# --- --version on every installed program: one line, status 0
for p in folio foliod folio-verify folio-ocr-worker; do
	[ -x "$bin/$p" ] || fail "$bin/$p was not built"
	out=$("$bin/$p" --version 2>"$FOLIO_TMP/err")
	rc=$?
	[ $rc = 0 ] || fail "'$p --version' exited $rc: $(cat "$FOLIO_TMP/err")"
	[ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] && case $out in "$p "?*) true ;; *) false ;; esac ||
		fail "'$p --version' printed: $out"
done
echo "options: one line and exit 2 for wrong usage before the configuration, help per command, --version"
