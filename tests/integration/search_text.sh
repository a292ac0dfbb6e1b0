#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND CONFIG_WEB
# Dossier search by the words of the recognised text, and by dates that are days of the
# calendar. Three small pages (one French) go through the feeder and real OCR; `folio search`
# and the clerk UI's API find each word on its page, every word at once (AND), a French word
# without its accents, a prefix; a deleted page is found no more; `folio store reindex`
# rebuilds the index with its summary line, and `folio store check` reports it. Dates: a day
# that does not exist is refused naming the field, a range in the future is a fine range.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"
command -v tesseract >/dev/null || skip "tesseract is not installed (Debian package tesseract-ocr)"
web_test

printf 'Claim 1. A stapler holding a quokka spring.\nThe spring is made of steel.\n' >t1.txt
printf 'Le dépôt de la demande de brevet à Genève.\nLa société présente son modèle.\n' >t2.txt
printf 'A hinge for a folding table.\nThe stapling machine is described below.\n' >t3.txt
write_config() {
	feeder_config 'resolution = 200' <<EOF
[ocr]
workers = 1
languages = eng+fra
[web]
listen = 127.0.0.1:$1
users_file = $FOLIO_TMP/web.users
EOF
}
write_config 1
for i in 1 2 3; do
	"$FOLIO_BUILD/bin/pagegen" --out stack --first $i --kind text --text t$i.txt --dpi 200 \
		--size a5 --seed $i >/dev/null || fail "pagegen failed"
done
b=$($folio scan 2>err) || fail "scan failed: $(cat err)"
$folio doc set --batch "$b" --doc 1 --language fr >/dev/null 2>err || fail "doc set: $(cat err)"
$folio ocr --batch "$b" 2>err || fail "OCR failed: $(cat err)"

# search WORDS... : the "batch doc page" of each page found, one a line
search() {
	$folio search "$@" 2>err | awk '{ print $2, $4, $6 }'
}
found() { # WORDS EXPECTED
	local got
	got=$(search $1 | tr '\n' ';')
	[ "$got" = "$2" ] || fail "folio search '$1' found '$got', not '$2': $(cat err)"
}
found quokka "$b 1 1;"
found "SPRING steel" "$b 1 1;"
found "quokka brevet" ""
found geneve "$b 1 2;"          # without the accent...
found "Dépôt société" "$b 1 2;" # ...and with
found "stapl*" "$b 1 3;$b 1 1;" # newest page first
found patent "$b 1 3;$b 1 2;$b 1 1;"
$folio search quokka | grep -q 'quokka spring' || fail "no text around the word: $($folio search quokka)"
expect_fail 2 "'.' has no word to look for" $folio search .
expect_fail 2 "too much to look for: at most 16 words" $folio search $(seq -f 'w%g' 17)

# Dates: days of the calendar, compared as days; the future is a fine end of a range.
expect_fail 2 "from: '2026-02-30' is not a day of the calendar" $folio search --from 2026-02-30
expect_fail 2 "to: '2025-13-01' is not a day of the calendar" $folio search --to 2025-13-01
expect_fail 2 "the dates run backwards: 2026-03-01 comes after 2026-02-28" \
	$folio search --from 2026-03-01 --to 2026-02-28
$folio doc set --batch "$b" --doc 1 --received 2024-02-29 >/dev/null 2>err || fail "doc set: $(cat err)"
[ "$($folio search --from 2024-02-29 --to 2099-12-31 | grep -c "^batch $b doc 1 ")" = 1 ] ||
	fail "a range to 2099 did not find the document received 2024-02-29"
[ -z "$($folio search --from 2024-03-01 --to 2099-12-31)" ] ||
	fail "a range from 2024-03-01 found the document received 2024-02-29"
[ "$(search quokka --from 2024-01-01 --to 2024-12-31)" = "$b 1 1" ] ||
	fail "words and dates together did not find page 1"
[ -z "$(search quokka --to 2023-12-31)" ] || fail "words and dates: found outside the range"

# The clerk UI: the same search through the API; a wrong date names its field.
echo 'super-pin-5678' | $folio web user bob --role supervisor >/dev/null || fail "folio web user bob"
start_foliod || fail "foliod serves no UI: $(tail -n 3 foliod.log)"
call POST /api/login -H 'Content-Type: application/json' -c bob.jar \
	--data-binary '{"user":"bob","password":"super-pin-5678"}'
[ "$code" = 200 ] || fail "sign-in answered $code: $(cat body)"
bob=(-b bob.jar -H "X-CSRF-Token: $(jget body csrf)")
call GET "/api/search?text=geneve" -b bob.jar
[ "$code" = 200 ] && [ "$(jget body results.0.page)" = 2 ] && [ "$(jget body results.1)" = "?" ] ||
	fail "the API's search for 'geneve' answered $code: $(cat body)"
case $(jget body results.0.snippet) in *Genève*) ;; *) fail "no snippet: $(cat body)" ;; esac
call GET "/api/search?from=2026-02-30" -b bob.jar
[ "$code" = 400 ] && [ "$(jget body code)" = search-date ] && [ "$(jget body field)" = from ] ||
	fail "from=2026-02-30 answered $code: $(cat body)"
call GET "/api/search?from=2030-01-01&to=2031-12-31" -b bob.jar
[ "$code" = 200 ] && [ "$(jget body results)" = "[]" ] || fail "a future range answered $code: $(cat body)"

# A deleted page's words are found no more, at once.
call DELETE "/api/batches/$b/pages/1" "${bob[@]}"
[ "$code" = 204 ] || fail "deleting page 1 answered $code: $(cat body)"
call GET "/api/search?text=quokka" -b bob.jar
[ "$code" = 200 ] && [ "$(jget body results)" = "[]" ] || fail "a deleted page was found: $(cat body)"
stop_foliod
found "stapl*" "$b 1 3;"

# Rebuilt from the texts: the same answers, a summary line, and the check says so.
$folio store reindex >out 2>err || fail "reindex failed: $(cat err)"
grep -q '^text index rebuilt: 2 pages, [0-9]* words (.* in [0-9.]* s$' out ||
	fail "reindex said: $(cat out)"
found geneve "$b 1 2;"
found quokka ""
$folio store check >out 2>err || fail "store check failed: $(cat err)"
grep -q '^text index: 2 pages, [0-9]* (word, page) pairs' out || fail "store check says nothing of the text index: $(cat out err)"
