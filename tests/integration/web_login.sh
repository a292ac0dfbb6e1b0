#!/bin/bash
# requires: CONFIG_WEB
# Sign-in under attack (issue 21, findings 2, 5 and 6), against a real foliod on loopback,
# with curl sending from many loopback addresses (127.0.0.0/8) where one address must not
# hit the per-address limit:
# - 20 wrong passwords for one account in parallel: at most [web] max_failures are checked,
#   the others get 429, and so does the right password afterwards;
# - failures are not forgotten when many made-up names are tried in between (before: the
#   made-up names took the account's record, and every 4th guess went through);
# - one address trying names of no account gets 429 after a few, and none of them lands in
#   the store's event log or the journal (a password typed into the name box is kept nowhere);
# - a web password needs at least 8 characters.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
web_test

write_config() {
	web_config "$1" "[web] max_failures = 3" "[web] lockout_seconds = 120"
}
write_config 1
expect_fail 1 "8 to 128 characters" sh -c "echo 'pin-123' | $folio web user shorty"
for u in ana:ana-pass-4821 bob:bob-pass-7310 cy:cy-pass-5555; do
	echo "${u#*:}" | $folio web user "${u%%:*}" >/dev/null || fail "folio web user ${u%%:*}"
done
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"

# events: the number of events in the store's log
events() {
	$folio store check 2>&1 | sed -n 's/.* intact: \([0-9]*\) events chained.*/\1/p'
}

# try USER PASSWORD FROM: one sign-in from address FROM; the status on stdout
try() {
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 --interface "$3" \
		-H 'Content-Type: application/json' \
		--data-binary "{\"user\":\"$1\",\"password\":\"$2\"}" "$url/api/login"
}

# --- 20 wrong passwords for bob at once, each from its own address
pids=()
for i in $(seq 20); do
	try bob "guess-$i-0000" "127.0.1.$i" >"par.$i" &
	pids+=($!)
done
wait "${pids[@]}"
n401=$(cat par.* | grep -c '^401$')
n429=$(cat par.* | grep -c '^429$')
[ "$n401" -le 3 ] && [ "$n429" -ge 17 ] ||
	fail "20 parallel wrong passwords (max_failures = 3): $n401 answered 401, $n429 answered 429"
[ "$(try bob bob-pass-7310 127.0.1.99)" = 429 ] ||
	fail "after 20 parallel guesses the right password for bob was not refused with 429"
echo "20 parallel wrong passwords: $n401 checked (401), $n429 refused (429); bob locked out"

# --- 2 wrong passwords for ana, then 70 made-up names (more than the records kept), then a
# third wrong one: ana is locked out, her failures were not forgotten
for i in 1 2; do
	[ "$(try ana "wrong-$i-pass" 127.0.2.1)" = 401 ] || fail "wrong password $i for ana was not 401"
done
pids=()
for i in $(seq 70); do
	try "made-up-$i" "whatever-0000" "127.0.3.$i" >"made.$i" &
	pids+=($!)
	[ $((i % 8)) = 0 ] && wait "${pids[@]}" && pids=()
done
wait "${pids[@]}"
[ "$(cat made.* | grep -c '^401$')" = 70 ] || fail "made-up names: $(sort made.* | uniq -c | tr '\n' ' ')"
[ "$(try ana wrong-3-pass 127.0.2.2)" = 401 ] || fail "wrong password 3 for ana was not 401"
code=$(try ana ana-pass-4821 127.0.2.3)
[ "$code" = 429 ] ||
	fail "after 3 wrong passwords with 70 made-up names between, ana's right password answered $code, not 429"
echo "ana's failures survive 70 made-up names: locked out after the 3rd"

# --- one address floods with names of no account (no Argon2 for names that are no account
# names): 429 after a few, and nothing in the store's log or the journal
before=$(events)
[ -n "$before" ] || fail "folio store check: $($folio store check 2>&1)"
codes=
for i in $(seq 30); do
	codes="$codes $(try "Secret-Typed-As-Name-$i" "x" 127.0.4.1)"
done
first429=$(echo $codes | tr ' ' '\n' | grep -n '^429$' | head -n 1 | cut -d: -f1)
[ -n "$first429" ] && [ "$first429" -le 11 ] ||
	fail "30 sign-ins with bad names from one address: no 429 by the 11th ($codes)"
[ "$(try hunter2-typed-as-name x 127.0.5.1)" = 401 ] || fail "a name of no account was not 401"
after=$(events)
[ "$after" = "$before" ] ||
	fail "sign-ins with names of no account grew the event log from $before to $after events"
grep -qi 'secret-typed\|hunter2' foliod.log && fail "the journal keeps a name of no account: $(grep -i 'secret-typed\|hunter2' foliod.log | head -n 2)"
$folio log tail 200 | grep -qi 'secret-typed\|hunter2\|made-up' && fail "the event log keeps a name of no account"
grep -q 'names of no account' foliod.log || fail "the journal has no summary of the sign-ins with names of no account"
$folio log tail 50 | awk '$4 == "ana" && $5 == "web-login-failed" { f = 1 } END { exit !f }' ||
	fail "the event log has no failed sign-in of ana: $($folio log tail 5)"

# --- someone else, from an address with no failures, signs in
[ "$(try cy cy-pass-5555 127.0.6.1)" = 200 ] || fail "cy could not sign in"
echo "figure: names of no account: 429 from the ${first429}th try of one address, $((after - before)) events stored"
