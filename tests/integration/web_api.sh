#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND CONFIG_WEB
# The clerk UI's JSON API (firmware/web/API.md) against a real foliod on a free loopback port,
# driven with curl: every endpoint refused without a session (401), supervisor-only endpoints
# refused to a clerk (403), every change refused without the right CSRF token or from another
# site's Origin (403), bodies too large (413), malformed or ill-typed (400), not JSON (415),
# wrong methods (405), bad numbers in paths (400) and things that do not exist (404); after
# each refusal, the store, the accounts and the sessions are exactly as before (the batches
# as a supervisor sees them, both sessions, the accounts file, the store file untouched, and
# the event count of `folio store check` over each group of refusals).
# Then what a clerk and a supervisor do: sign-in (cookie HttpOnly, SameSite=Strict), wrong
# passwords and the lockout after [web] max_failures, sign-out, capture through the API, an
# invalid application number (422, nothing changed) and a valid one, approval, every change
# in the event log under the user's name; security headers on the page and on JSON answers.
# Last, HTTPS with a certificate made here (cookie Secure, plain HTTP refused) and
# `folio config check` refusing a UI beyond loopback without TLS.
#
# Checks do not stop at the first failure: each failed check says so (FAIL: ...) and the test
# fails at the end with their count.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
command -v curl >/dev/null || skip "curl is not installed (Debian package curl)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed (Debian package openssl)"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"

cd "$FOLIO_TMP" || fail "no scratch folder"
started=$EPOCHREALTIME
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
failures=0
daemon=

# bad TEXT: one failed check; the test goes on and fails at the end.
bad() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

trap stop_foliod EXIT

# --- the paper and the station: three small sheets with one line of text each (quick to OCR)
"$FOLIO_BUILD/bin/pagegen" --out gen --count 3 --dpi 100 --size a5 --kind oneline --seed 7 \
	>/dev/null || fail "pagegen failed"
mkdir -p feeder sane.d
cp gen/*.png feeder/ 2>/dev/null
[ "$(ls feeder | wc -l)" = 3 ] || fail "pagegen wrote $(ls feeder | wc -l) pages, not 3"
printf 'folio\n' >sane.d/dll.conf
: >sane.d/folio.conf

# write_config PORT [LINE...]: folio.conf with the clerk UI on 127.0.0.1:PORT; LINEs go into
# [web]. The upload window is closed now, so approved batches stay approved.
write_config() {
	local port=$1 h=$(((10#$(date +%H) + 12) % 24))
	shift
	make_config folio.conf "folio:$FOLIO_TMP/feeder" "[store] map_size_mb = 64" \
		"[capture] sane_config_dir = $FOLIO_TMP/sane.d" "[capture] reconnect_seconds = 0" \
		"[profile bitonal] mode = gray" "[profile bitonal] output = bitonal" \
		"[profile bitonal] resolution = 100" "[ocr] languages = eng" \
		"[upload] window = $(printf '%02d:00-%02d:30' $h $h)" \
		"[web] listen = 127.0.0.1:$port" "[web] users_file = $FOLIO_TMP/web.users" \
		"[web] max_failures = 3" "[web] lockout_seconds = $lockout"
	printf '%s\n' "$@" >>folio.conf
}
lockout=5

# secure_headers WHAT: the last answer carries the security headers of every answer
secure_headers() {
	case $(header Content-Security-Policy) in
	*"default-src 'self'"*"frame-ancestors 'none'"*) ;;
	*) bad "$1: no Content-Security-Policy with default-src 'self' and frame-ancestors 'none'" ;;
	esac
	[ "$(header X-Content-Type-Options)" = nosniff ] || bad "$1: no X-Content-Type-Options: nosniff"
}

json=(-H 'Content-Type: application/json')

# --- a batch captured before foliod runs: three pages, recognised
write_config 1 # for the commands until foliod starts (it gets a port of its own)
b1=$($folio scan 2>err) || fail "folio scan failed: $(cat err)"
[ "$($folio batch show "$b1" | awk '$1 == "pages" { print $2 }')" = 3 ] ||
	fail "batch $b1 does not have 3 pages: $($folio batch show "$b1")"
$folio ocr --batch "$b1" --wait >/dev/null 2>err || fail "folio ocr failed: $(cat err)"

# --- accounts: a clerk, a supervisor, and a clerk who will lock herself out
user() { printf '%s\n' "$3" | $folio web user "$1" --role "$2" >/dev/null 2>err || fail "folio web user $1: $(cat err)"; }
user ana clerk clerk-pin-4821
user bob supervisor super-pin-7310
user eve clerk eve-pin-5555
[ "$(stat -c %a web.users)" = 600 ] || bad "web.users is mode $(stat -c %a web.users), not 600"

start_foliod || fail "foliod serves no clerk UI: $(tail -n 3 foliod.log)"
echo "foliod serves the clerk UI at $url"

# --- the page: HTML with the security headers
call GET /
[ "$code" = 200 ] || bad "GET / answered $code"
secure_headers "GET /"
if [ -f "$FOLIO_SRC/firmware/web/static/index.html" ]; then
	case $(header Content-Type) in text/html*) ;; *) bad "GET / is $(header Content-Type), not text/html" ;; esac
	grep -qi '<html' body || bad "GET / is not the UI's HTML page: $(head -c 200 body)"
fi

# --- sign-in
# login USER PASSWORD JAR: signs in, the cookie into JAR; the CSRF token in $csrf
login() {
	call POST /api/login "${json[@]}" -c "$3" --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}"
	csrf=$(jget body csrf)
	[ "$code" = 200 ] && [ ${#csrf} = 64 ] || fail "sign-in as $1 answered $code: $(cat body)"
}
call POST /api/login "${json[@]}" --data-binary '{"user":"ana","password":"wrong-pin-0000"}'
[ "$code" = 401 ] || bad "sign-in with a wrong password answered $code, not 401"
[ -z "$(header Set-Cookie)" ] || bad "a wrong password got a cookie: $(header Set-Cookie)"
call POST /api/login "${json[@]}" --data-binary '{"user":"nobody","password":"clerk-pin-4821"}'
[ "$code" = 401 ] || bad "sign-in as an unknown user answered $code, not 401"
login ana clerk-pin-4821 clerk.jar
clerk_csrf=$csrf
cookie=$(header Set-Cookie)
for attr in HttpOnly SameSite=Strict Path=/; do
	case "; $cookie;" in *"; $attr;"*) ;; *) bad "the session cookie has no $attr: $cookie" ;; esac
done
case $cookie in folio_session=?*) ;; *) bad "the session cookie is not folio_session: $cookie" ;; esac
case $cookie in *Secure*) bad "the cookie is Secure over plain HTTP (the browser drops it): $cookie" ;; esac
[ "$(jget body role)" = clerk ] && [ "$(jget body user)" = ana ] || bad "sign-in as ana: $(cat body)"
login bob super-pin-7310 super.jar
super_csrf=$csrf
[ "$(jget body role)" = supervisor ] || bad "sign-in as bob: $(cat body)"
$folio log tail 20 | awk '$4 == "ana" && $5 == "web-login" { f = 1 } END { exit !f }' ||
	bad "the event log has no web-login by ana: $($folio log tail 5)"
$folio log tail 20 | awk '$4 == "ana" && $5 == "web-login-failed" { f = 1 } END { exit !f }' ||
	bad "the event log has no failed sign-in of ana"

# The lockout: [web] max_failures = 3 wrong passwords, then even the right one is refused
# (429) for lockout_seconds; checked again at the end, once they have passed.
for i in 1 2 3; do
	call POST /api/login "${json[@]}" --data-binary '{"user":"eve","password":"guess-0000"}'
	[ "$code" = 401 ] || bad "wrong password $i for eve answered $code, not 401"
done
locked_at=$EPOCHREALTIME
call POST /api/login "${json[@]}" --data-binary '{"user":"eve","password":"eve-pin-5555"}'
[ "$code" = 429 ] || bad "after 3 wrong passwords the right one answered $code, not 429"
[ -z "$(header Set-Cookie)" ] || bad "a locked-out sign-in got a cookie"

# --- capture through the API: a new batch, scanned until the feeder is empty (the clerk put
# the three sheets back in the feeder after the first scan)
reload_feeder feeder
call POST /api/capture -b clerk.jar -H "X-CSRF-Token: $clerk_csrf" "${json[@]}" --data-binary '{}'
b2=$(jget body batch)
[ "$code" = 202 ] && [ "$b2" -gt "$b1" ] 2>/dev/null || fail "POST /api/capture answered $code: $(cat body)"
for i in $(seq 200); do
	call GET /api/status -b clerk.jar
	[ "$(jget body scanner.state)" = idle ] && [ "$(jget body capture.batch)" = "$b2" ] && break
	sleep 0.05
done
[ "$(jget body scanner.state)" = idle ] || fail "capture of batch $b2 did not end: $(cat body)"
[ "$(jget body capture.pages)" = 3 ] || bad "capture of batch $b2: $(jget body capture) (3 pages fed)"
call GET "/api/batches/$b2" -b clerk.jar
[ "$(jget body pages)" = 3 ] && [ "$(jget body state)" = closed ] ||
	bad "batch $b2 after capture: $(jget body state), $(jget body pages) pages (closed, 3 expected)"
$folio log tail 40 | awk -v b="$b2" '$4 == "ana" && $5 == "batch-create" && $7 == b":" { f = 1 } END { exit !f }' ||
	bad "the event log has no batch-create of batch $b2 by ana: $($folio log tail 8)"
# OCR of the new pages now (a cycle on SIGUSR1), so that nothing changes from here on unasked.
kill -USR1 "$daemon"
for i in $(seq 300); do
	call GET /api/status -b clerk.jar
	[ "$(jget body queues.ocr)" = 0 ] && break
	sleep 0.1
done
[ "$(jget body queues.ocr)" = 0 ] || fail "OCR did not finish: $(jget body queues)"

# --- refusals change nothing
# snapshot: the batches as the supervisor sees them, both sessions, the accounts, and the
# store's file (any write transaction changes its modification time)
snapshot() {
	curl -s --max-time 15 -w '\n' -b super.jar "$url/api/batches/$b1" "$url/api/batches/$b2" \
		"$url/api/batches" "$url/api/session" --next -s --max-time 15 -b clerk.jar "$url/api/session"
	echo
	echo "$(<web.users)"
	stat -c 'store written %y, %s bytes' store/data.mdb
}
before=$(snapshot)
[[ $before == *"\"id\":$b1,"*'"user":"bob"'*'"user":"ana"'*'store written'* ]] ||
	fail "snapshot incomplete: $before"

# unchanged WHAT: the store, accounts and sessions are as in the last snapshot
unchanged() {
	local after
	after=$(snapshot)
	[ "$after" = "$before" ] && return 0
	bad "$1 changed something: $(diff <(echo "$before" | tr ',' '\n') <(echo "$after" | tr ',' '\n') |
		grep '^[<>]' | head -n 6 | tr '\n' ' ')"
	before=$after
}

# events: the number of events in the store's log (`folio store check` walks the chain)
events() {
	$folio store check 2>&1 | sed -n 's/.* intact: \([0-9]*\) events chained.*/\1/p'
}
# group NAME: the refusals that follow are NAME; the event count is checked at the next group
group() {
	local n
	n=$(events)
	[ -n "$n" ] || bad "folio store check: $($folio store check 2>&1)"
	[ -z "${group_name:-}" ] || [ "$n" = "$group_events" ] ||
		bad "$group_name: the event log grew from $group_events to $n events"
	group_name=$1 group_events=$n
}

# refused WANT WHAT METHOD PATH [CURL ARGS...]: answered WANT with {"error": ...}; nothing changed
refused() {
	local want=$1 what=$2
	shift 2
	call "$@"
	[ "$code" = "$want" ] || bad "$what: $1 $2 answered $code, not $want: $(head -c 200 body)"
	[[ $(<body) == '{"error":"'* ]] || bad "$what: $1 $2: no {\"error\"} in the answer: $(head -c 200 body)"
	unchanged "$what: $1 $2"
}

# Every change the API offers, each one valid and possible now: METHOD PATH BODY ROLE
# (BODY - for none). Batch $b1 is closed with three pages and one document.
cat >changes <<EOF
POST /api/logout - clerk
PUT /api/session/lang {"lang":"fr"} clerk
POST /api/capture {} clerk
POST /api/capture/pause - clerk
POST /api/capture/resume {"batch":$b1} clerk
POST /api/capture/stop - clerk
POST /api/batches/$b1/close - clerk
POST /api/batches/$b1/approve - supervisor
POST /api/batches/$b1/reject {"reason":"pages-missing"} supervisor
POST /api/batches/$b1/reopen - clerk
PUT /api/batches/$b1/documents/1 {"application":"102024000000123","document_code":"CLAIMS"} clerk
POST /api/batches/$b1/arrange {"pages":[{"number":3,"document":1},{"number":2,"document":1},{"number":1,"document":1}]} clerk
POST /api/batches/$b1/rescan {"from":2,"to":2} clerk
POST /api/batches/$b1/insert {"after":0,"count":1} clerk
POST /api/batches/$b1/pages/1/rotate {"degrees":90} clerk
POST /api/batches/$b1/pages/1/flags {"set":["separator"]} clerk
POST /api/batches/$b1/pages/1/grey {} clerk
DELETE /api/batches/$b1/pages/2 - supervisor
EOF
cat >reads <<EOF
GET /api/session
GET /api/status
GET /api/devices
GET /api/events
GET /api/batches
GET /api/batches/$b1
GET /api/batches/$b1/pages/1/image?size=thumb
GET /api/batches/$b1/pages/1/text
GET /api/queue
GET /api/search?application=2024
EOF

# body_args BODY: curl arguments sending BODY as JSON (none for -)
body_args() {
	args=()
	[ "$1" = - ] || args=("${json[@]}" --data-binary "$1")
}
# session_args ROLE [TOKEN]: the cookie of ROLE and TOKEN (default: that session's own)
session_args() {
	local jar=clerk.jar token=$clerk_csrf
	[ "$1" = supervisor ] && jar=super.jar token=$super_csrf
	sess=(-b "$jar" -H "X-CSRF-Token: ${2-$token}")
}
other_csrf() { [ "$1" = supervisor ] && echo "$clerk_csrf" || echo "$super_csrf"; }

# Without a session (no cookie, or one the server never gave): 401
group "401 without a session"
n=0
while read -r m p body role; do
	body_args "$body"
	refused 401 "no session" "$m" "$p" -H "X-CSRF-Token: $clerk_csrf" "${args[@]}"
	refused 401 "an invented session" "$m" "$p" -b "folio_session=$(printf '%064d' 7)" \
		-H "X-CSRF-Token: $clerk_csrf" "${args[@]}"
	n=$((n + 1))
done <changes
while read -r m p; do
	refused 401 "no session" "$m" "$p"
	secure_headers "401 of $m $p"
	n=$((n + 1))
done <reads
echo "401 without a session: $n endpoints, nothing changed"

# A clerk on what only a supervisor does: 403
group "403 for a clerk"
for what in "POST /api/batches/$b1/approve -" "POST /api/batches/$b1/reject {\"reason\":\"pages missing\"}" \
	"DELETE /api/batches/$b1/pages/2 -"; do
	read -r m p body <<<"$what"
	body_args "$body"
	session_args clerk
	refused 403 "a clerk" "$m" "$p" "${sess[@]}" "${args[@]}"
done

# CSRF: no token, one of zeros, the other session's, one a character too long, the right
# one in capitals: 403 on every change (sign-in has no session yet, so no token)
group "403 without the right CSRF token"
n=0
while read -r m p body role; do
	body_args "$body"
	session_args "$role"
	refused 403 "no CSRF token" "$m" "$p" "${sess[@]:0:2}" "${args[@]}"
	for t in "$(printf '%064d' 0)" "$(other_csrf "$role")" "${sess[3]#X-CSRF-Token: }0" \
		"$(echo "${sess[3]#X-CSRF-Token: }" | tr a-f A-F)"; do
		session_args "$role" "$t"
		refused 403 "CSRF token '$t'" "$m" "$p" "${sess[@]}" "${args[@]}"
	done
	n=$((n + 1))
done <changes
echo "403 without the right CSRF token: $n changes, nothing changed"

# Another site's Origin on a change (right session and token): 403; sign-in too (no cookie)
group "403 for another site's Origin"
n=0
while read -r m p body role; do
	body_args "$body"
	session_args "$role"
	refused 403 "Origin of another site" "$m" "$p" "${sess[@]}" "${args[@]}" -H 'Origin: http://evil.example'
	n=$((n + 1))
done <changes
session_args clerk
for o in null "https://127.0.0.1:$port" "http://127.0.0.1:$port.evil.example" "http://localhost:$port"; do
	refused 403 "Origin $o" PUT /api/session/lang "${sess[@]}" "${json[@]}" --data-binary '{"lang":"fr"}' -H "Origin: $o"
done
refused 403 "sign-in from another site" POST /api/login "${json[@]}" -H 'Origin: http://evil.example' \
	--data-binary '{"user":"ana","password":"clerk-pin-4821"}'
[ -z "$(header Set-Cookie)" ] || bad "a sign-in from another site got a cookie"
echo "403 for another site's Origin: $n changes and sign-in, nothing changed"

# Not JSON: no Content-Type, text/plain, a form, a look-alike: 415
group "415"
n=0
while read -r m p body role; do
	[ "$body" = - ] && continue
	session_args "$role"
	for ct in "Content-Type:" "Content-Type: text/plain" \
		"Content-Type: application/x-www-form-urlencoded" "Content-Type: application/jsonx"; do
		refused 415 "$ct" "$m" "$p" "${sess[@]}" -H "$ct" --data-binary "$body"
	done
	n=$((n + 1))
done <changes
refused 415 "sign-in as text/plain" POST /api/login -H 'Content-Type: text/plain' \
	--data-binary '{"user":"ana","password":"clerk-pin-4821"}'
[ -z "$(header Set-Cookie)" ] || bad "a sign-in sent as text/plain got a cookie"
echo "415 without Content-Type application/json: $n changes and sign-in, nothing changed"

# Too large: a valid edit padded with spaces past 256 KiB, with Content-Length and chunked: 413
group "413"
python3 -c 'import sys; sys.stdout.write("{\"application\":\"102024000000123\"" + " " * (256 * 1024) + "}")' >big.json
session_args clerk
refused 413 "a body over 256 KiB" PUT "/api/batches/$b1/documents/1" "${sess[@]}" "${json[@]}" --data-binary @big.json
secure_headers "413"
refused 413 "a chunked body over 256 KiB" PUT "/api/batches/$b1/documents/1" "${sess[@]}" "${json[@]}" \
	-H 'Transfer-Encoding: chunked' --data-binary @big.json
python3 -c 'import sys; sys.stdout.write("{\"user\":\"ana\",\"password\":\"clerk-pin-4821\"" + " " * (256 * 1024) + "}")' >big.json
refused 413 "a sign-in over 256 KiB" POST /api/login "${json[@]}" --data-binary @big.json
[ -z "$(header Set-Cookie)" ] || bad "a sign-in over 256 KiB got a cookie"

# Malformed, not an object, wrong types, unknown flags, numbers out of range: 400 (as the
# supervisor, who may do everything; each body would be a change if it were taken)
group "400 for bad bodies"
d=/api/batches/$b1/documents/1
pg=/api/batches/$b1/pages/1
cat >bad400 <<EOF
PUT /api/session/lang {"lang":
PUT /api/session/lang {'lang':'fr'}
PUT /api/session/lang {"lang":"fr"}x
PUT /api/session/lang {"lang":"fr",}
PUT /api/session/lang ["lang","fr"]
PUT /api/session/lang "fr"
PUT /api/session/lang null
PUT /api/session/lang 42
PUT /api/session/lang {"lang":5}
PUT /api/session/lang {"lang":"de"}
PUT /api/session/lang [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
PUT $d {"application":102024000000123}
PUT $d {"application":["102024000000123"]}
PUT $d {"application":"102024000000123\u0000"}
PUT $d {"application":"10202400000\u0007123"}
PUT $d {"office":null}
PUT $d {"application":"102024000000123"
PUT $d []
POST $pg/rotate {"degrees":45}
POST $pg/rotate {"degrees":360}
POST $pg/rotate {"degrees":0}
POST $pg/rotate {"degrees":-90}
POST $pg/rotate {"degrees":"90"}
POST $pg/rotate {"degrees":90.0}
POST $pg/rotate {"degrees":9e1}
POST $pg/rotate {"degrees":true}
POST $pg/rotate {}
POST $pg/flags {"set":["folded"]}
POST $pg/flags {"set":["Separator"]}
POST $pg/flags {"set":"separator"}
POST $pg/flags {"set":[7]}
POST $pg/flags {"set":["separator"],"clear":["separator"]}
POST $pg/flags {"clear":["blank","smudge"]}
POST /api/batches/$b1/reject {}
POST /api/batches/$b1/reject {"reason":""}
POST /api/batches/$b1/reject {"reason":42}
POST /api/batches/$b1/arrange {"pages":[]}
POST /api/batches/$b1/arrange {"pages":{}}
POST /api/batches/$b1/arrange {"pages":[{"number":1,"document":1},{"number":2,"document":1}]}
POST /api/batches/$b1/arrange {"pages":[{"number":1,"document":1},{"number":1,"document":1},{"number":2,"document":1},{"number":3,"document":1}]}
POST /api/batches/$b1/arrange {"pages":[{"number":3,"document":0},{"number":2,"document":1},{"number":1,"document":1}]}
POST /api/batches/$b1/arrange {"pages":[{"number":"3","document":1},{"number":2,"document":1},{"number":1,"document":1}]}
POST /api/batches/$b1/arrange {"pages":[{"number":3,"document":2},{"number":2,"document":1},{"number":1,"document":1}]}
POST /api/batches/$b1/rescan {"from":0}
POST /api/batches/$b1/rescan {"from":-1}
POST /api/batches/$b1/rescan {"from":"2"}
POST /api/batches/$b1/rescan {"from":3,"to":2}
POST /api/batches/$b1/rescan {"from":1,"to":4294967296}
POST /api/batches/$b1/insert {"after":-1}
POST /api/batches/$b1/insert {"after":0,"count":0}
POST /api/batches/$b1/insert {"after":0,"count":1001}
POST /api/batches/$b1/insert {"after":0,"count":1.5}
POST /api/capture {"cover_sheets":"yes"}
POST /api/capture {"device":7}
POST /api/capture/resume {"batch":0}
POST /api/capture/resume {"batch":"$b1"}
POST /api/capture/resume {"batch":99999999999}
EOF
n=0
while read -r m p body; do
	session_args supervisor
	refused 400 "body $body" "$m" "$p" "${sess[@]}" "${json[@]}" --data-binary "$body"
	n=$((n + 1))
done <bad400
# Invalid UTF-8 and query arguments
session_args supervisor
refused 400 "a reason that is not UTF-8" POST "/api/batches/$b1/reject" "${sess[@]}" "${json[@]}" \
	--data-binary $'{"reason":"\xff\xfe"}'
refused 400 "state=nonsense" GET "/api/batches?state=nonsense" -b super.jar
refused 400 "a date that is none" GET "/api/search?from=2024-13-45" -b super.jar
refused 400 "an image size that is none" GET "$pg/image?size=huge" -b super.jar
secure_headers "400"
echo "400 for bad bodies: $((n + 4)) requests, nothing changed"

# Wrong methods: 405
group "405"
cat >methods <<EOF
GET /api/login
GET /api/logout
POST /api/session
DELETE /api/session
GET /api/session/lang
POST /api/session/lang
POST /api/status
PUT /api/devices
GET /api/capture
DELETE /api/capture
GET /api/capture/pause
PUT /api/capture/resume
GET /api/capture/stop
POST /api/events
POST /api/batches
DELETE /api/batches/$b1
PUT /api/batches/$b1
POST /api/batches/$b1
GET /api/batches/$b1/close
GET /api/batches/$b1/approve
PUT /api/batches/$b1/reject
DELETE /api/batches/$b1/reopen
GET /api/batches/$b1/documents/1
POST /api/batches/$b1/documents/1
DELETE /api/batches/$b1/documents/1
GET /api/batches/$b1/arrange
PUT /api/batches/$b1/rescan
GET /api/batches/$b1/insert
POST $pg/image
DELETE $pg/text
GET $pg/rotate
PUT $pg/flags
GET $pg
POST $pg
PUT $pg
POST /api/queue
DELETE /api/search
POST /
DELETE /index.html
EOF
n=0
while read -r m p; do
	session_args supervisor
	refused 405 "wrong method" "$m" "$p" "${sess[@]}"
	n=$((n + 1))
done <methods
echo "405 for wrong methods: $n requests, nothing changed"

# Numbers in paths that are none: 400 (API.md: "anything else is 400"); numbers of things
# that do not exist: 404
group "400 and 404 for numbers in paths"
cat >paths <<EOF
GET /api/batches/#
GET /api/batches/#/pages/1/image
GET /api/batches/$b1/pages/#/image
GET /api/batches/$b1/pages/#/text
POST /api/batches/#/close -
POST /api/batches/#/approve -
POST /api/batches/#/reject {"reason":"pages-missing"}
POST /api/batches/#/reopen -
PUT /api/batches/#/documents/1 {"application":"102024000000123"}
PUT /api/batches/$b1/documents/# {"application":"102024000000123"}
POST /api/batches/#/arrange {"pages":[{"number":3,"document":1},{"number":2,"document":1},{"number":1,"document":1}]}
POST /api/batches/#/rescan {"from":1}
POST /api/batches/#/insert {"after":0}
POST /api/batches/$b1/pages/#/rotate {"degrees":90}
POST /api/batches/#/pages/1/flags {"set":["separator"]}
DELETE /api/batches/$b1/pages/#
DELETE /api/batches/#/pages/1
EOF
# (a wrong status is said once per number, for all the paths it was seen on)
declare -A wrong=()
n=0
while read -r m p body; do
	body_args "${body:--}"
	session_args supervisor
	[ "$m" = GET ] && sess=(-b super.jar)
	for v in 0 -1 99999999999 abc; do
		call "$m" "${p//#/$v}" "${sess[@]}" "${args[@]}"
		[ "$code" = 400 ] || wrong[$v]+=" $m ${p//#/$v} ($code);"
		[[ $(<body) == '{"error":"'* ]] || bad "$m ${p//#/$v}: no {\"error\"} in the answer: $(head -c 200 body)"
		unchanged "number '$v' in the path: $m ${p//#/$v}"
	done
	refused 404 "no such number" "$m" "${p//#/99999}" "${sess[@]}" "${args[@]}"
	n=$((n + 1))
done <paths
for v in "${!wrong[@]}"; do
	bad "number '$v' in a path is not answered 400 (API.md: anything else is 400) on $(echo "${wrong[$v]}" | tr ';' '\n' | grep -c .) of $n paths:${wrong[$v]%%;*}; ..."
done
secure_headers "404"
refused 404 "no such page" GET /nothing.html
echo "400 for numbers in paths that are none, 404 for things that do not exist: $n paths, nothing changed"

# --- a document: an invalid application number (422, nothing changed), then a valid one
group "422"
session_args clerk
refused 422 "an invalid application number" PUT "/api/batches/$b1/documents/1" "${sess[@]}" "${json[@]}" \
	--data-binary '{"application":"12345","document_code":"CLAIMS"}'
[ "$(jget body field)" = application ] || bad "422 for the application number names field '$(jget body field)': $(cat body)"
secure_headers "422"
refused 422 "a document language that is none" PUT "/api/batches/$b1/documents/1" "${sess[@]}" "${json[@]}" \
	--data-binary '{"language":"ez"}'
[ "$(jget body field)" = language ] || bad "422 for the language names field '$(jget body field)'"

group ""
call PUT "/api/batches/$b1/documents/1" "${sess[@]}" "${json[@]}" -H "Origin: $url" \
	--data-binary '{"application":"102024000000123","document_code":"CLAIMS"}'
[ "$code" = 200 ] || bad "a valid edit (102024000000123) answered $code: $(cat body)"
[ "$(jget body application)" = 102024000000123 ] || bad "the edit's answer: $(cat body)"
call GET "/api/batches/$b1" -b clerk.jar
[ "$(jget body documents_list.0.application)" = 102024000000123 ] &&
	[ "$(jget body documents_list.0.st13)" = 102024000000123 ] &&
	[ "$(jget body documents_list.0.document_code)" = CLAIMS ] ||
	bad "the edit is not visible: $(jget body documents_list)"
[ "$(jget body documents_list.0.problems)" = "[]" ] || bad "the valid document has problems: $(jget body documents_list.0.problems)"
$folio doc list --batch "$b1" 2>&1 | grep -q 102024000000123 || bad "folio doc list does not show the edit: $($folio doc list --batch "$b1" 2>&1)"
$folio log tail 10 | awk -v b="$b1" '$4 == "ana" && $5 == "document-edit" && $6 == "batch" && $7 == b { f = 1 } END { exit !f }' ||
	bad "the event log has no document-edit of batch $b1 by ana: $($folio log tail 4)"
secure_headers "200 JSON"
before=$(snapshot)

# Now the supervisor-only changes would succeed for a supervisor: a clerk still gets 403
group "403 for a clerk on a valid batch"
session_args clerk
refused 403 "a clerk approving a valid batch" POST "/api/batches/$b1/approve" "${sess[@]}"
refused 403 "a clerk deleting a page" DELETE "/api/batches/$b1/pages/2" "${sess[@]}"
# Capture from a folder on disk (the virtual feeder), not a scanner SANE lists: 403
refused 403 "capture from a folder" POST /api/capture "${sess[@]}" "${json[@]}" \
	--data-binary "{\"device\":\"folio:$FOLIO_TMP/gen\"}"
[ "$(jget body field)" = device ] || bad "the capture refusal names no field 'device': $(cat body)"

group ""
# The language of a user, kept across sign-ins
call PUT /api/session/lang "${sess[@]}" "${json[@]}" --data-binary '{"lang":"ar"}'
[ "$code" = 200 ] && [ "$(jget body lang)" = ar ] || bad "PUT /api/session/lang answered $code: $(cat body)"
# (in the store: foliod writes nothing under /etc or beside the accounts)
call POST /api/login "${json[@]}" -c ana2.jar --data-binary '{"user":"ana","password":"clerk-pin-4821"}'
[ "$code" = 200 ] && [ "$(jget body lang)" = ar ] ||
	bad "the language is not kept for ana's next sign-in: $code $(cat body)"

# --- approval by the supervisor, once the text of every page is read
session_args supervisor
call GET "/api/batches/$b1" -b super.jar
[ "$(jget body summary.text.read)/$(jget body summary.text.pages)/$(jget body summary.text.waiting)" = 3/3/0 ] ||
	bad "the batch summary does not say the text of its 3 pages was read: $(cat body)"
call GET "/api/batches/$b1" -b super.jar
rev=$(jget body revision)
[ "$rev" -gt 0 ] 2>/dev/null || bad "GET /api/batches/$b1 shows no revision: $(head -c 200 body)"
call POST "/api/batches/$b1/approve" "${sess[@]}"
[ "$code" = 428 ] || bad "approval naming no revision answered $code, not 428: $(cat body)"
# a page with no grey image kept (its text is read and it was not flagged): 409, one line
session_args clerk
call POST "$pg/grey" "${sess[@]}" "${json[@]}" --data-binary '{}'
[ "$code" = 409 ] && grep -q "no grey image kept" body ||
	bad "delivering in grey a page with no grey image answered $code: $(cat body)"
# a clerk changes the batch after the review: the approval of the old revision is refused
call POST "$pg/flags" "${sess[@]}" "${json[@]}" --data-binary '{"set":["check"]}'
[ "$code" = 200 ] || bad "a clerk's flag on a closed batch answered $code: $(cat body)"
session_args supervisor
call POST "/api/batches/$b1/approve" "${sess[@]}" "${json[@]}" --data-binary "{\"revision\":$rev}"
[ "$code" = 409 ] && [ "$(jget body field)" = revision ] ||
	bad "approving revision $rev after a change answered $code, not 409: $(cat body)"
call GET "/api/batches/$b1" -b super.jar
[ "$(jget body state)" = closed ] || bad "batch $b1 is $(jget body state) after a refused approval"
rev=$(jget body revision)
call POST "/api/batches/$b1/approve" "${sess[@]}" "${json[@]}" --data-binary "{\"revision\":$rev}"
[ "$code" = 200 ] && [ "$(jget body state)" = approved ] || bad "approval answered $code: $(cat body)"
call GET "/api/batches/$b1" -b super.jar
[ "$(jget body state)" = approved ] || bad "batch $b1 is $(jget body state) after approval"
$folio batch show "$b1" | awk '$1 == "state" && $2 == "approved" { f = 1 } END { exit !f }' ||
	bad "folio batch show: $($folio batch show "$b1" | head -n 3)"
$folio log tail 10 | awk -v b="$b1" '$4 == "bob" && $5 == "batch-state" && $7 == b":" && /-> approved/ { f = 1 } END { exit !f }' ||
	bad "the event log has no approval of batch $b1 by bob: $($folio log tail 4)"
before=$(snapshot)
# An approved batch's pages and documents no longer change: 409
group "409 for an approved batch"
session_args supervisor
refused 409 "approving twice" POST "/api/batches/$b1/approve" "${sess[@]}" "${json[@]}" \
	--data-binary "{\"revision\":$rev}"
refused 409 "flagging a separator in an approved batch" POST "$pg/flags" "${sess[@]}" "${json[@]}" \
	--data-binary '{"set":["separator"]}'
refused 409 "clearing a flag of an approved batch" POST "$pg/flags" "${sess[@]}" "${json[@]}" \
	--data-binary '{"clear":["check"]}'
expect_fail 1 "can no longer change" $folio doc set --batch "$b1" --doc 1 --doc-code ABSTRACT
refused 409 "turning a page of an approved batch" POST "$pg/rotate" "${sess[@]}" "${json[@]}" --data-binary '{"degrees":90}'
refused 409 "delivering a page of an approved batch in grey" POST "$pg/grey" "${sess[@]}" "${json[@]}" --data-binary '{}'
refused 409 "deleting a page of an approved batch" DELETE "/api/batches/$b1/pages/2" "${sess[@]}"
refused 409 "editing a document of an approved batch" PUT "/api/batches/$b1/documents/1" "${sess[@]}" "${json[@]}" \
	--data-binary '{"application":"502024000000045","ip_type":"trademark"}'
refused 409 "rearranging an approved batch" POST "/api/batches/$b1/arrange" "${sess[@]}" "${json[@]}" \
	--data-binary '{"pages":[{"number":3,"document":1},{"number":2,"document":1},{"number":1,"document":1}]}'

group ""
# A supervisor deletes a page of the other batch: 204, in the log under bob
call DELETE "/api/batches/$b2/pages/3" "${sess[@]}"
[ "$code" = 204 ] || bad "a supervisor deleting page 3 of batch $b2 answered $code: $(cat body)"
call GET "/api/batches/$b2" -b super.jar
[ "$(jget body pages)" = 2 ] || bad "batch $b2 has $(jget body pages) pages after a deletion, not 2"
$folio log tail 10 | awk -v b="$b2" '$4 == "bob" && $7 == b && /page 3/ { f = 1 } END { exit !f }' ||
	bad "the event log has no deletion of page 3 of batch $b2 by bob: $($folio log tail 4)"

# --- the event stream: for a session, status first
curl -s -N --max-time 1 -b clerk.jar -D headers -o stream "$url/api/events"
case $(header Content-Type) in text/event-stream*) ;; *) bad "GET /api/events is $(header Content-Type)" ;; esac
[ "$(grep -m 1 '^event: ' stream)" = "event: status" ] ||
	bad "the event stream's first event is not status: $(head -c 200 stream)"

# --- sign-out: that session ends (the old cookie is refused), the others go on
login ana clerk-pin-4821 ana2.jar
ana2_csrf=$csrf
call POST /api/logout -b ana2.jar -H "X-CSRF-Token: $ana2_csrf"
[ "$code" = 204 ] || bad "sign-out answered $code"
call GET /api/session -b ana2.jar
[ "$code" = 401 ] || bad "the cookie of a signed-out session answered $code, not 401"
call PUT /api/session/lang -b ana2.jar -H "X-CSRF-Token: $ana2_csrf" "${json[@]}" --data-binary '{"lang":"en"}'
[ "$code" = 401 ] || bad "a change with a signed-out session answered $code, not 401"
call GET /api/session -b clerk.jar
[ "$code" = 200 ] || bad "signing out one session of ana ended another ($code)"
$folio log tail 10 | awk '$4 == "ana" && $5 == "web-logout" { f = 1 } END { exit !f }' ||
	bad "the event log has no web-logout by ana"

# --- the lockout has passed: the right password is taken again
now() { awk -v a="$locked_at" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 10 }'; }
while [ "$(now)" -lt $((lockout * 10 + 50)) ]; do
	call POST /api/login "${json[@]}" --data-binary '{"user":"eve","password":"eve-pin-5555"}'
	[ "$code" = 200 ] && break
	[ "$code" = 429 ] || bad "eve's sign-in during the lockout answered $code, not 429"
	sleep 0.25
done
[ "$code" = 200 ] || bad "eve cannot sign in $((lockout + 5)) s after the lockout began ($code)"
[ "$(now)" -ge $((lockout * 10 - 10)) ] || bad "the lockout ended after $(now) tenths of a second, not $lockout s"

# --- security headers on the sign-in answer (a JSON answer like the others)
call POST /api/login "${json[@]}" --data-binary '{"user":"bob","password":"super-pin-7310"}'
secure_headers "the sign-in answer"
stop_foliod

# --- a UI beyond loopback needs TLS
write_config 1
sed -i "s|^listen = .*|listen = 0.0.0.0:$port|" folio.conf
$folio config check >/dev/null 2>err
rc=$?
[ $rc = 2 ] || bad "config check of [web] listen 0.0.0.0 without TLS exited $rc, not 2: $(cat err)"
[ "$(grep -c 'listen' err)" = 1 ] && grep 'listen' err | grep -q "0.0.0.0:$port.*tls_cert and tls_key" &&
	grep -q 'has 1 problem' err || bad "config check of [web] listen 0.0.0.0 without TLS said: $(cat err)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.pem \
	2>err >/dev/null || fail "openssl: $(cat err)"
chmod 600 tls.key
printf 'tls_cert = %s\ntls_key = %s\n' "$FOLIO_TMP/tls.pem" "$FOLIO_TMP/tls.key" >>folio.conf
$folio config check >/dev/null 2>err || bad "config check refuses 0.0.0.0 with TLS: $(cat err)"

# --- HTTPS: the cookie is Secure; plain HTTP on that port gets no answer
start_foliod "tls_cert = $FOLIO_TMP/tls.pem" "tls_key = $FOLIO_TMP/tls.key" ||
	fail "foliod serves no clerk UI over TLS: $(tail -n 3 foliod.log)"
call POST /api/login --cacert tls.pem -c tls.jar "${json[@]}" --data-binary '{"user":"bob","password":"super-pin-7310"}'
[ "$code" = 200 ] || bad "sign-in over HTTPS answered $code: $(head -c 200 body)"
case "; $(header Set-Cookie);" in *"; Secure;"*) ;; *) bad "the cookie over HTTPS is not Secure: $(header Set-Cookie)" ;; esac
call GET /api/session --cacert tls.pem -b tls.jar
[ "$code" = 200 ] && [ "$(jget body user)" = bob ] || bad "GET /api/session over HTTPS answered $code"
case $(header Strict-Transport-Security) in max-age=[1-9]*) ;; *) bad "no HSTS over HTTPS: '$(header Strict-Transport-Security)'" ;; esac
# TLS 1.2 only with ECDHE and AEAD (no CBC, no RSA key exchange); TLS 1.3
tls_cipher() {
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile tls.pem "$@" 2>/dev/null |
		sed -n 's/.*Cipher is \([^ ]*\).*/\1/p' | grep -v '(NONE)' | head -n 1
}
for c in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA384 AES128-SHA; do
	got=$(tls_cipher -tls1_2 -cipher "$c")
	[ -z "$got" ] || bad "TLS 1.2 accepted the cipher $got"
done
[ "$(tls_cipher -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)" = ECDHE-ECDSA-AES128-GCM-SHA256 ] ||
	bad "TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 was refused"
[ -n "$(tls_cipher -tls1_3)" ] || bad "TLS 1.3 was refused"
plain=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/status")
[ -z "$plain" ] || [ "$plain" = 000 ] || [ "$plain" -ge 400 ] ||
	bad "plain HTTP to the HTTPS port answered $plain"
stop_foliod
chmod 644 tls.key
start_foliod "tls_cert = $FOLIO_TMP/tls.pem" "tls_key = $FOLIO_TMP/tls.key" &&
	bad "foliod served HTTPS with a key others may read"
grep -q 'chmod 600' foliod.log || bad "foliod did not say the key must be private: $(tail -n 2 foliod.log)"
stop_foliod
chmod 600 tls.key
ln -s tls.key tls-link.key
start_foliod "tls_cert = $FOLIO_TMP/tls.pem" "tls_key = $FOLIO_TMP/tls-link.key" &&
	bad "foliod served HTTPS with a key given as a symbolic link"
grep -q 'symbolic link' foliod.log || bad "foliod did not refuse the key's symbolic link: $(tail -n 2 foliod.log)"
stop_foliod

echo "figure: web API checks in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
[ $failures = 0 ] || fail "$failures checks failed (each one above)"
echo "web API: sessions, roles, CSRF, Origin, limits, bad input, methods, paths, 422, approval, TLS"
