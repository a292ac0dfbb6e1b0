#!/bin/bash
# requires: CONFIG_WEB
# Idle sign-out of the clerk UI: with [web] idle_minutes = 1, a clerk who does nothing for a
# minute is signed out (401, and the screen goes back to sign-in), even with the event stream
# open all the while (it is not activity); a clerk who keeps working stays signed in. Takes
# a little over a minute, mostly waiting. The event stream ends with the session.
# tests/run.sh: waits
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
web_test

write_config() {
	web_config "$1" "[web] idle_minutes = 1"
}
write_config 1
echo 'idle-pin-1111' | $folio web user idle >/dev/null || fail "folio web user idle"
echo 'busy-pin-2222' | $folio web user busy >/dev/null || fail "folio web user busy"
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"
for u in idle:idle-pin-1111 busy:busy-pin-2222; do
	call POST /api/login -H 'Content-Type: application/json' -c "${u%%:*}.jar" \
		--data-binary "{\"user\":\"${u%%:*}\",\"password\":\"${u#*:}\"}"
	[ "$code" = 200 ] || fail "sign-in as ${u%%:*} answered $code: $(cat body)"
done
# The idle clerk's screen keeps its event stream open the whole time.
curl -s -N -b idle.jar "$url/api/events" >stream.txt &
stream=$!
start=$EPOCHREALTIME
for t in 15 30 45 60 66; do
	while awk -v a="$start" -v b="$EPOCHREALTIME" -v t="$t" 'BEGIN { exit !(b - a < t) }'; do
		sleep 0.5
	done
	call GET /api/status -b busy.jar
	[ "$code" = 200 ] || fail "the working clerk was signed out after $t s: $code $(cat body)"
done
grep -q '^event: status' stream.txt || fail "the idle clerk's event stream got nothing: $(head -c 200 stream.txt)"
# The stream ended with the session (before: it went on streaming to a signed-out screen).
kill -0 "$stream" 2>/dev/null && fail "the idle clerk's event stream still runs after the sign-out"
call GET /api/session -b idle.jar
[ "$code" = 401 ] || fail "a clerk idle for 66 s (idle_minutes = 1) is still signed in: $code $(cat body)"
case $(jget body error) in *"sign in again"*) ;; *) fail "the sign-out says '$(jget body error)'" ;; esac
call GET /api/session -b busy.jar
[ "$code" = 200 ] || fail "the working clerk was signed out: $code"
echo "figure: idle clerk signed out after 60 s with its event stream open; a working clerk kept"
