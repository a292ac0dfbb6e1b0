#!/bin/bash
# `make run`: one whole station cycle on the simulated board, from paper to a delivered,
# checked package in the local outbox, the office's signed receipt and the batch confirmed on
# the station's next cycle, with a short summary at the end.
#
# Usage: tools/station-cycle.sh [BUILD_DIR]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
shared=$(cd "$src/../shared" 2>/dev/null && pwd || true)
run=$build/run
conf=$run/folio.conf
folio="$build/bin/folio --config $conf"
export OMP_THREAD_LIMIT=1

# The first port from 8080 on that nothing listens on (the clerk UI's).
free_port() {
	local p
	for p in $(seq 8080 8180); do
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
	done
	echo 8080
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# A fresh station: its own store, outbox and signing key under build/run, the sim board's
# config pointed at them. Nothing outside build/ is touched.
rm -rf "$run"
mkdir -p "$run"
sed -e "s|^path = .*|path = $run/store|" \
	-e "s|^target = .*|target = file://$run/outbox|" \
	-e "s|^sane_config_dir = .*|sane_config_dir = $src/board/sim/sane.d|" \
	-e "s|^sane_backend_dir = .*|sane_backend_dir = $build/lib/sane|" \
	-e "s|^users_file = .*|users_file = $run/web.users|" \
	-e "s|^listen = .*|listen = 127.0.0.1:$(free_port)|" \
	-e "s|^\[station\]$|[station]\nkey_file = $run/keys/station.key|" \
	"$src/board/sim/folio.conf" >"$conf"
$build/bin/folio keygen --out "$run/keys" >/dev/null
# The office's receipt key (ssh-keygen's own format): foliod reads the office's receipts
# with its public half, [upload] receipt_keys.
receipts=
if command -v ssh-keygen >/dev/null; then
	mkdir -m 700 "$run/office"
	ssh-keygen -q -t ed25519 -N '' -C folio-office -f "$run/office/receipt_key"
	echo "folio-office namespaces=\"folio-receipt\" $(cut -d' ' -f1,2 "$run/office/receipt_key.pub")" \
		>"$run/office/allowed_signers"
	sed -i "s|^target = .*|&\nreceipt_keys = $run/office/receipt_key.pub|" "$conf"
	receipts=yes
fi

step "configuration"
$folio config check "$conf"

# The paper: two dossiers, each behind a cover sheet printed by `folio coversheet` (its
# barcodes start and index the document), with text pages fed slightly crooked, one fed
# upside down, a signature page, a page with one line and a truly blank sheet; rendered by
# pagegen and served by Folio's virtual feeder through libsane like any scanner. Without the
# feeder backend (CONFIG_SANE_FOLIO_BACKEND=n), Debian's test backend stands in.
if [ -f "$build/lib/sane/libsane-folio.so.1" ] && [ -x "$build/bin/pagegen" ]; then
	step "paper: printing cover sheets and rendering two dossiers"
	# A folder made anew each run: the feeder, which keeps its place across sessions
	# (FOLDER/.folio-feeder), starts with the whole stack.
	pages=$run/pages
	pg="$build/bin/pagegen --out $pages --dpi 300 --size a4 --format png"
	cover() { # NUMBER ARGS...: a cover sheet as sheet NUMBER of the stack
		local n=$1
		shift
		$folio coversheet --office KE "$@" --out "$run/cover-$n.pdf" >/dev/null
		pdftoppm -r 300 -gray -png -singlefile "$run/cover-$n.pdf" "$pages/page-$n"
	}
	mkdir -p "$pages"
	cover 0001 --ip-type patent --application 102024000000123 --doc-code APPFORM \
		--date 2026-11-20
	$pg --first 2 --count 5 --kind text --skew-range -2.5:2.5 --seed 11 >/dev/null
	$pg --first 7 --kind text --rotate 180 --seed 12 >/dev/null
	$pg --first 8 --kind signature --seed 14 >/dev/null
	cover 0009 --ip-type trademark --application 502024000000045 --doc-code TMFORM \
		--date 2026-11-21
	$pg --first 10 --count 2 --kind text --lang fra --skew 0.8 --seed 16 >/dev/null
	$pg --first 12 --kind oneline --seed 13 >/dev/null
	$pg --first 13 --kind blank-noise --seed 15 >/dev/null
	# Ink the office keeps as evidence: a red "received" stamp on a text page, the
	# signature in blue ink, a photograph on a page of the French dossier. The sim board's
	# default profile scans in colour and its automatic colour detection decides per page.
	if command -v convert >/dev/null; then
		convert "$pages/page-0006.png" -colorspace sRGB -fill none -stroke '#c8102e' \
			-strokewidth 14 -draw 'circle 1750,2900 1750,3160' \
			-draw 'circle 1750,2900 1750,3120' -type TrueColor "PNG24:$pages/page-0006.png"
		convert "$pages/page-0008.png" -colorspace sRGB +level-colors '#1a2a8a',white \
			-type TrueColor "PNG24:$pages/page-0008.png"
		convert "$pages/page-0011.png" \( -size 1500x1000 gradient:gray15-gray85 -swirl 200 \) \
			-geometry +490+2000 -composite "$pages/page-0011.png"
		echo "a red stamp on sheet 6, a blue signature on sheet 8, a photograph on sheet 11"
	fi
	echo "$(ls "$pages"/*.png | wc -l) sheets in $pages, two of them cover sheets"
	device=folio:$pages
else
	device=test:0
fi

step "scanners"
$folio devices

# The station's scanner is that feeder: a capture takes only the configured scanner (or one
# SANE lists that [capture] devices allows).
sed -i "s|^device = .*|device = $device|" "$conf"

step "capture: feeding the document feeder of '$device'"
t0=$(now)
batch=$($folio scan --device "$device" --source adf)
t1=$(now)
$folio batch show "$batch"

# The second dossier is French: the clerk says so (the cover sheet does not), and its pages
# are read with the French model alone; the first keeps [document] language (en).
if [ "$device" != test:0 ]; then
	step "indexing: the clerk marks the trademark dossier as French"
	$folio doc set --batch "$batch" --doc 2 --language fr
fi

# Text first: the supervisor approves what OCR found (pages read badly, pages it could not
# read), and the station refuses an approval while a page still waits for its text.
step "OCR: the text of every page (the worker pool foliod runs in the background)"
t2=$(now)
$folio ocr --batch "$batch" --wait
t3=$(now)
# One search over what OCR read, through the text index kept in the store, accents left out.
found=$($folio search realisation brevet)
echo "search 'realisation brevet': $(printf '%s' "$found" | grep -c .) pages of the French" \
	"dossier, first: $(printf '%s\n' "$found" | head -n 1 | cut -c 1-100)"
# How many pages OCR read twice: a page's other image (a G4 page's grey image, a grey or
# colour page's G4) is read only when the first read is not sure (its ocr-text event says).
ocr_events=$($folio log show --batch "$batch" --type ocr-text --last 10000)
reads="$(grep -c ': sure (' <<<"$ocr_events" || true) pages read once, $(grep -c ' read too' <<<"$ocr_events" || true) twice"

step "the clerk UI: a supervisor reviews the batch and approves it at the station's screen"
# Two accounts for the screen (their passwords are printed in the summary: a demo station).
echo 'clerk-demo' | $folio web user clerk --role clerk >/dev/null
echo 'super-demo' | $folio web user supervisor --role supervisor --lang fr >/dev/null
ui=$(sed -n 's/^listen = //p' "$conf")
"$build/bin/foliod" --config "$conf" 2>"$run/foliod-ui.log" &
foliod_pid=$!
trap 'kill $foliod_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -qs "clerk UI at" "$run/foliod-ui.log" && break; sleep 0.1; done
grep "clerk UI at" "$run/foliod-ui.log" || { cat "$run/foliod-ui.log" >&2; exit 1; }
jar=$run/ui.cookies
api() { # METHOD PATH [BODY]: one API call as the signed-in user; prints the answer
	curl -sS --fail-with-body -b "$jar" -c "$jar" -X "$1" -H "X-CSRF-Token: ${csrf:-}" \
		${3:+-H 'Content-Type: application/json' --data "$3"} "http://$ui$2"
}
csrf=$(api POST /api/login '{"user":"supervisor","password":"super-demo"}' |
	sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p')
echo "signed in as 'supervisor' (the screen speaks French for this account)"
api GET "/api/batches/$batch" >"$run/ui-batch.json"
/usr/bin/python3 - "$run/ui-batch.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
s = b["summary"]
print("batch %d (%s): %d pages in %d documents, %.1f MB to upload"
      % (b["id"], b["state"], s["pages"], s["documents"], s["bytes"] / 1e6))
for d in b["documents_list"]:
    print("  document %d: %s %s %s %s, received %s" % (d["number"], d["office"], d["ip_type"],
          d["application"], d["document_code"], d["received"]))
# Each problem is a code with parameters for the screens, and its English text.
print("  to look at before approving: "
      + ("; ".join(p["message"] for p in s["unresolved"]) or "nothing"))
PY
# Approval names the revision reviewed: a change after the review would refuse it.
rev=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["revision"])' "$run/ui-batch.json")
api POST "/api/batches/$batch/approve" "{\"revision\":$rev}" >/dev/null
echo "approved through the clerk UI; the event log names the supervisor"
kill "$foliod_pid"
wait "$foliod_pid" 2>/dev/null || true
trap - EXIT

step "foliod's cycle: packaging and delivery to the outbox"
t4=$(now)
"$build/bin/foliod" --config "$conf" --once 2> >(tee "$run/delivery.log" >&2)
t5=$(now)
# foliod's own line on what it checked at the outbox and how the package appeared there
# (the clerk UI's foliod may have delivered it right after the approval)
checked=$(cat "$run/foliod-ui.log" "$run/delivery.log" | sed -n 's/.*delivered to .*: \(every file read back.*\)$/\1/p' | tail -n 1)
package=$(ls -d "$run"/outbox/*-B"$(printf '%06d' "$batch")")
# The package was built for its delivery only: nothing of it waits beside the store.
staged=$(find "$run/store/outgoing" -mindepth 1 2>/dev/null | wc -l)
echo "staging: package built at delivery, $staged files left in store/outgoing"

step "checks the office will make"
(cd "$package" && sha256sum --quiet -c MANIFEST.sha256) && echo "manifest: every file matches its SHA-256"
valid="schemas not checked (../shared/st96 not found)"
schemas=()
if [ -n "$shared" ] && [ -d "$shared/st96/V6_0" ]; then
	schemas=(--schemas "$shared/st96/V6_0")
	valid="valid against WIPO's ST.96 V6_0 schemas"
fi
$folio verify "$package" --key "$run/keys/station.pub" "${schemas[@]}"
sshcheck="ssh-keygen not installed: OpenSSH check skipped"
if command -v ssh-keygen >/dev/null; then
	who=$(ssh-keygen -Y find-principals -s "$package/MANIFEST.sha256.sshsig" -f "$run/keys/allowed_signers")
	ssh-keygen -Y verify -f "$run/keys/allowed_signers" -I "$who" -n folio-package \
		-s "$package/MANIFEST.sha256.sshsig" <"$package/MANIFEST.sha256"
	sshcheck="also 'ssh-keygen -Y verify' with $run/keys/allowed_signers"
fi
# The office's own verifier with its registry: accepted once; the same package again refused.
rm -rf "$run/office-registry"
"$build/bin/folio-verify" "$package" --key "$run/keys/station.pub" --registry "$run/office-registry" |
	grep '^registry'
"$build/bin/folio-verify" "$package" --key "$run/keys/station.pub" --registry "$run/office-registry" \
	>/dev/null 2>"$run/replay.err" && { echo "the office's registry took a replay" >&2; exit 1; }
echo "registry: sent again, $(sed 's/^folio-verify: //; s/.*: \(a replay, refused\)/\1/' "$run/replay.err")"
# On request ([upload] document_file = multipage) each document goes out as one multi-page
# TIFF, every page's own encoding kept and its hash in the XML: the batch exported that way.
sed 's/^\[upload\]$/[upload]\ndocument_file = multipage/' "$conf" >"$run/multipage.conf"
rm -rf "$run/multipage"
mp=$("$build/bin/folio" --config "$run/multipage.conf" export --batch "$batch" \
	--out "$run/multipage" 2>"$run/multipage.err") || { cat "$run/multipage.err" >&2; exit 1; }
$folio verify "$mp" --key "$run/keys/station.pub" "${schemas[@]}" >"$run/multipage.verify" ||
	{ cat "$run/multipage.verify" >&2; exit 1; }
multipage=$(for d in "$mp"/D*/document.tif; do
	printf '%s (%s pages), ' "${d#"$mp"/}" "$(tiffinfo "$d" 2>/dev/null | grep -c '^TIFF Directory')"
done)
multipage=${multipage%, }
echo "multipage: $multipage: verified (folio verify)"
t6=$(now)

# The office answers: folio-verify writes its signed receipt beside the package (outbox/
# receipts/), and foliod's next cycle reads it over the same target and confirms the batch.
receipt="not shown (ssh-keygen is not installed to make the office's key)"
if [ -n "$receipts" ]; then
	step "the office's receipt: folio-verify --receipt, then foliod's next cycle"
	"$build/bin/folio-verify" "$package" --key "$run/keys/station.pub" "${schemas[@]}" \
		--receipt --receipt-key "$run/office/receipt_key" | grep '^receipt'
	rfile=$run/outbox/receipts/$(basename "$package").receipt
	cat "$rfile"
	ssh-keygen -Y verify -f "$run/office/allowed_signers" -I folio-office -n folio-receipt \
		-s "$rfile.sshsig" <"$rfile"
	"$build/bin/foliod" --config "$conf" --once
	$folio batch show "$batch" | sed -n 's/^  state  */batch '"$batch"' is now /p'
	receipt="$(sed -n 's/^verdict //p' "$rfile") by the office ($rfile),
                 signed with its SSH key; the station's next cycle made the batch $($folio batch show "$batch" | sed -n 's/^  state  *//p')"
fi

# The technician saves the station and brings it back: folio backup seals the store (a
# compacted snapshot), the configuration and the accounts with a passphrase (Argon2id,
# MODERATE); folio restore puts them into a scratch station, whose store must check and
# list the same batches.
step "backup: folio backup, then folio restore into a scratch station"
printf 'make run: not a secret\n' >"$run/backup.pass"
chmod 600 "$run/backup.pass"
rm -rf "$run/station.fbk" "$run/restored"
mkdir -m 700 "$run/restored"
tb0=$(now)
$folio backup --out "$run/station.fbk" --passphrase-file "$run/backup.pass" >"$run/backup.out"
tb1=$(now)
restored="$build/bin/folio --config $run/restored/folio.conf"
$restored --store "$run/restored/store" restore "$run/station.fbk" \
	--passphrase-file "$run/backup.pass" >"$run/restore.out"
tb2=$(now)
$restored store check >"$run/restored.check"
diff <($folio batch list) <($restored batch list) >/dev/null ||
	{ echo "the restored store lists other batches" >&2; exit 1; }
backup="$run/station.fbk, $(du -h "$run/station.fbk" | cut -f1): backed up in $(secs "$tb0" "$tb1") s,
                 restored into $run/restored in $(secs "$tb1" "$tb2") s, checked, the same batches"
echo "backup: $(echo $backup)"

npages=$(find "$package" -name 'P*.tif' -o -name 'P*.jpg' | wc -l)
# "text  for N of M pages, F failed for good, W waiting": OCR's own count, never hidden.
text=$($folio batch show "$batch" | sed -n 's/^  text  *//p')
flags=$($folio batch show "$batch" | awk '/^pages/ { p = 1; next } p && $1 ~ /^[0-9]+$/ && NF == 7 { print $NF }' |
	tr ',' '\n' | { grep -v '^auto-' || true; } | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
# What automatic colour detection delivered (the auto-* flags; an auto-grey page may be one
# whose G4 read much worse than its grey image, sent in grey after OCR).
outputs=$($folio batch show "$batch" | awk '/^pages/ { p = 1; next }
	p && $1 ~ /^[0-9]+$/ { n = split($NF, f, ","); for (i = 1; i <= n; i++) if (f[i] ~ /^auto-/) c[f[i]]++ }
	END { printf "of %d sheets %d bitonal (G4), %d grey (JPEG), %d colour (JPEG)", c["auto-bitonal"] + c["auto-grey"] + c["auto-colour"], c["auto-bitonal"], c["auto-grey"], c["auto-colour"] }')
docs=$(find "$package" -name document.xml | wc -l)
size=$(du -sh "$package" | cut -f1)
cat <<EOF

== summary
  station        SIM-01 (simulated board), scanner '$device'
  batch          $batch: $npages pages in $docs documents (cover sheets kept in the store,
                 not exported), approved, signed and delivered
  text           $text
  flags          ${flags:-none} (for the clerk; nothing is dropped)
  output         $outputs: automatic colour detection,
                 per page (measure in each page-capture event, EVENTS.txt)
  package        $package ($size)
  ST.96 XML      $valid
  signature      Ed25519 by the station key; the office verifies with $run/keys/station.pub,
                 $sshcheck
  receipt        $receipt
  multipage      on request, one TIFF per document: $multipage
                 ($run/multipage, verified)
  custody        $(($(wc -l <"$package/EVENTS.txt") - 1)) events of the batch in EVENTS.txt, hash-chained to its approval
  at rest        $staged files staged after delivery; the sim board does not seal its store
                 (the boards do: README, Security at rest)
  office         folio-verify accepted it into $run/office-registry and refused it sent
                 again (list: $build/bin/folio-verify --registry $run/office-registry --list)
  backup         $backup
  capture        $(secs "$t0" "$t1") s
  OCR            $(secs "$t2" "$t3") s: $reads (a second image read only when the first
                 read is not sure)
  delivery       $(secs "$t4" "$t5") s: ${checked:-no delivery line from foliod}
  checks         $(secs "$t5" "$t6") s
  store          $run/store  (try: $build/bin/folio --config $conf batch list)
  clerk UI       $build/bin/foliod --config $conf, then open http://$ui/
                 (clerk / clerk-demo, supervisor / super-demo)
EOF
