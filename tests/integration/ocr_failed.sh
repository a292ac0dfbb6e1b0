#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# OCR that fails for good says so everywhere the clerk and the office look. Of a two-page
# batch, the first page is read; the worker reading the second is killed every time it starts
# on it (a page that crashes Tesseract), so after its retry that page has failed for good. It is
# flagged ocr-failed in `folio batch show`, the batch can be approved (failed pages do not hold
# approval back), and the delivered package lists it in BATCH.txt and in its ST.96 XML, while
# the first page keeps its text.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"

folio="$FOLIO_BUILD/bin/folio --config folio.conf"
# Scanned in lineart: one read per page (a grey scan delivered bitonal may be read twice, from
# its G4 and its grey image, and the first read stands when the second one fails).
feeder_config "mode = lineart" <<EOF
[ocr]
workers = 1
[document]
ip_type = trademark
EOF
"$FOLIO_BUILD/bin/pagegen" --out stack --first 1 --count 2 --dpi 300 --kind text --seed 31 \
	>/dev/null || fail "pagegen failed"
b=$($folio scan 2>err) || fail "scan failed: $(cat err)"

text_line() { $folio batch show "$b" | sed -n 's/^  text \+//p'; }

# Read the batch with one worker; once the first page has its text, kill every worker of
# this run (children of the folio process) until the run ends: the second page crashes its
# worker on both attempts.
$folio ocr --batch "$b" >ocr.out 2>&1 &
ocr=$!
for _ in $(seq 1200); do
	case $(text_line) in "for 1 of 2 pages"*) break ;; esac
	kill -0 $ocr 2>/dev/null || break
	sleep 0.05
done
kills=0
while kill -0 $ocr 2>/dev/null; do
	pkill -KILL -P $ocr 2>/dev/null && kills=$((kills + 1))
	sleep 0.1
done
wait $ocr || fail "folio ocr failed: $(cat ocr.out)"
[ "$kills" -gt 0 ] || fail "no worker was killed: the first page was not read first? $(text_line)"

$folio batch show "$b" >show || fail "batch show failed"
grep -qE '^  text +for 1 of 2 pages, 1 failed for good, 0 waiting$' show ||
	fail "the killed page is not reported failed for good: $(cat show) $(cat ocr.out)"
flags() { awk -v n="$1" '/^pages/ { p = 1; next } p && $1 == n { print (NF == 7 ? $7 : "") }' show; }
case $(flags 2) in *ocr-failed*) ;; *) fail "page 2 is not flagged ocr-failed: $(cat show)" ;; esac
case $(flags 1) in *ocr-failed*) fail "page 1, which was read, is flagged ocr-failed: $(cat show)" ;; esac
echo "figure: ocr: page 2 failed for good after $kills worker kills; batch show: $(text_line)"

# The crashes are events, naming the worker, its page and the signal; the message says so too.
# (The kills go on while new workers start: those crashes have no page.)
$folio log show --type 'ocr-worker-*' >events || fail "log show failed"
grep -Eq "ocr-worker-crash batch $b page 2: worker 1 \(pid [0-9]+\): worker killed by signal 9 \(Killed\); page attempt 1: read again by a new worker$" events ||
	fail "no event for the crash on page 2: $(cat events)"
[ "$(wc -l <events)" -ge 2 ] || fail "$kills kills, but these events: $(cat events)"
grep -q "ocr worker 1 (pid [0-9]*) reading batch $b page 2: worker killed by signal 9" ocr.out ||
	fail "folio ocr does not say a worker crashed: $(cat ocr.out)"
$folio log show --batch "$b" --type ocr-failed | grep -q "ocr-failed batch $b page 2: " ||
	fail "no ocr-failed event: $($folio log show --batch "$b")"

# Failed for good does not hold approval back; the package says what is missing.
index_batch "$b"
$folio batch approve "$b" >/dev/null 2>err || fail "approval refused: $(cat err)"
pkg=$($folio export --batch "$b" --out out 2>err) || fail "export failed: $(cat err)"
grep -qx 'ocr-failed: D0001/P0002.tif' "$pkg/BATCH.txt" ||
	fail "BATCH.txt does not list the failed page: $(cat "$pkg/BATCH.txt")"
grep -qx 'pages with text: 1' "$pkg/BATCH.txt" ||
	fail "BATCH.txt does not count the text: $(cat "$pkg/BATCH.txt")"
[ -s "$pkg/D0001/P0001.txt" ] || fail "the page that was read lost its text: $(ls "$pkg/D0001")"
[ ! -e "$pkg/D0001/P0002.txt" ] || fail "the failed page has a text file"

xml="$pkg/D0001/document.xml"
if [ -d "$FOLIO_SHARED/st96/V6_0" ]; then
	xmllint --noout --nonet --schema "$FOLIO_SHARED/st96/V6_0/TrademarkApplication_V6_0.xsd" \
		"$xml" 2>err || fail "the XML is not valid ST.96: $(cat err)"
fi
# The failed page's own entry (its file name, then its comment before the entry ends) says so.
entry=$(awk '/<com:DocumentIncluded /{e = ""} {e = e $0 "\n"} /<\/com:DocumentIncluded>/ && e ~ /<com:FileName>P0002.tif</ {print e}' "$xml")
case $entry in *"OCR failed: no text could be recognised"*) ;;
*) fail "the XML entry of P0002.tif does not say its OCR failed: $entry" ;; esac
[ "$(grep -c 'OCR failed' "$xml")" = 1 ] || fail "the XML marks other pages as OCR failed"
echo "figure: package: BATCH.txt lists ocr-failed D0001/P0002.tif; the ST.96 entry of P0002.tif says OCR failed"
