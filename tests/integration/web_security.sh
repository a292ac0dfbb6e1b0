#!/bin/bash
# requires: CONFIG_WEB
# The clerk UI against a red team on loopback (issue 21, findings 8, 9 and 14):
# - DNS rebinding: a request whose Host is a name the station does not answer to gets 421,
#   sign-in included (before: "Host: attacker.example" with a matching Origin signed in);
#   loopback, localhost and [web] hostnames are answered;
# - an event stream ends when its session signs out (before: it kept streaming);
# - one account signing in over and over ends only its own oldest sessions, never another
#   user's (before: the 65th sign-in evicted whoever was idle longest).
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
web_test

write_config() {
	web_config "$1" "[web] hostnames = folio-1.office.example"
}
write_config 1
for u in ana:ana-pass-4821 bob:bob-pass-7310; do
	echo "${u#*:}" | $folio web user "${u%%:*}" >/dev/null || fail "folio web user ${u%%:*}"
done
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"
json=(-H 'Content-Type: application/json')

# login USER PASSWORD JAR [CURL ARGS...]: the status in $code, the CSRF token in $csrf
login() {
	local u=$1 p=$2 jar=$3
	shift 3
	call POST /api/login "${json[@]}" -c "$jar" "$@" --data-binary "{\"user\":\"$u\",\"password\":\"$p\"}"
	csrf=$(jget body csrf)
}

# --- DNS rebinding
login ana ana-pass-4821 rebind.jar -H 'Host: attacker.example' -H 'Origin: http://attacker.example'
[ "$code" = 421 ] || fail "sign-in with Host attacker.example answered $code, not 421"
[ -z "$(header Set-Cookie)" ] || fail "a sign-in for another host name got a cookie"
call GET / -H "Host: attacker.example:$port"
[ "$code" = 421 ] || fail "GET / with Host attacker.example answered $code, not 421"
call GET /api/session -H 'Host: 127.0.0.1.attacker.example'
[ "$code" = 421 ] || fail "Host 127.0.0.1.attacker.example answered $code, not 421"
for h in "localhost:$port" "127.0.0.1:$port" "folio-1.office.example:$port" "FOLIO-1.office.example"; do
	call GET /api/session -H "Host: $h"
	[ "$code" = 401 ] || fail "Host $h answered $code, not 401 (not signed in)"
done
echo "DNS rebinding: other host names get 421; loopback, localhost and [web] hostnames answered"

# --- the event stream ends at sign-out
login ana ana-pass-4821 ana.jar
[ "$code" = 200 ] || fail "sign-in as ana answered $code: $(cat body)"
curl -s -N --max-time 30 -b ana.jar "$url/api/events" >stream.txt &
stream=$!
wait_until 100 0.05 grep -q '^event: status' stream.txt ||
	fail "the event stream sent nothing: $(head -c 200 stream.txt)"
call POST /api/logout -b ana.jar -H "X-CSRF-Token: $csrf"
[ "$code" = 204 ] || fail "sign-out answered $code"
for i in $(seq 60); do
	kill -0 "$stream" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$stream" 2>/dev/null && fail "the event stream still runs 3 s after its sign-out"
stream=
echo "the event stream ended at sign-out"

# --- sessions: bob signs in once; ana signs in 70 times (more than the station keeps)
login bob bob-pass-7310 bob.jar
[ "$code" = 200 ] || fail "sign-in as bob answered $code"
for i in $(seq 70); do
	login ana ana-pass-4821 "ana.$i.jar"
	[ "$code" = 200 ] || fail "sign-in $i of ana answered $code: $(cat body)"
done
call GET /api/session -b bob.jar
[ "$code" = 200 ] || fail "70 sign-ins of ana signed bob out ($code)"
call GET /api/session -b ana.1.jar
[ "$code" = 401 ] || fail "ana's first of 70 sessions is still signed in ($code): sessions are not capped per user"
call GET /api/session -b ana.70.jar
[ "$code" = 200 ] || fail "ana's newest session was signed out ($code)"
echo "figure: 70 sign-ins of one account kept another user's session"
