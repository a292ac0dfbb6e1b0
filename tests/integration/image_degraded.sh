#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# Capture fidelity on real degraded typescripts (../shared/testdata/ocr-degraded: violet-blue,
# faded and blurred ink, landscape and oversize sheets): the seven pages go through the whole
# station as a clerk would feed them (Folio's virtual feeder `folio:` -> folio scan -> folio
# ocr -> folio export), and the text of each delivered page is scored against its ground
# truth. They go through twice: with the boards' default profile, `[profile auto]` of
# board/sim/folio.conf (colour scan, automatic colour detection), then with `[profile
# bitonal]` (grey scan, every page G4). Each page's CER must be at most the `tesseract`
# command's on the original colour JPEG (SOURCES.md) + 1.0 point, and the mean at most the
# reference mean: otherwise the image stage lost words. Prints a figure line per page and
# profile.
#
# OCR reads each page from its delivered image, and from the other image kept for it (a G4
# page's cleaned grey image, a grey or colour page's G4) only when that first read is not sure
# (confidence below 80%, or more than 4% of the page's ink marks in no word read); the page
# keeps the more confident read, and an ocr-text event says which, or that the other image was
# not read. A bitonal page whose text is far from its grey text and less confident reads
# much worse bitonal (check-image): the two pages whose G4 from a grey scan loses lines to
# Tesseract's layout analysis (blurred-report, catalogue-1962-landscape) are flagged
# check-image under bitonal; under auto, blurred-report is delivered in grey by OCR (the G4
# of the colour scan, binarised from the grey of its ink axis, reads catalogue-1962-landscape
# at 6.5% and stays); a flagged page switched to grey with `folio page grey` is then delivered
# as grey JPEG.
#
# Under auto (the boards' default) every page is held to the reference + 1.0 and the mean to
# the reference mean. A page delivered in colour is read first from the G4 kept for it,
# binarised on its ink axis (typescript-1962: 4.0% against 8.3% for its colour JPEG, which is
# read through the luminance). One gap stays open under bitonal, held to the figures measured
# with this station (a ratchet: any loss fails; 1 point for OCR's noise) and saying so:
# - catalogue-1962-landscape is a 150 dpi file that the feeder scales to 300 dpi, as the test
#   asks of the scanner; Tesseract reads the original at 150 dpi at 7.4% but the same image
#   scaled 2x at 31%, and its table's reading order turns on a few grey levels. From a grey
#   scan its grey image reads at 11.7%, its G4 at 36%; the G4 of the colour scan (auto) at
#   6.5%. The bitonal mean is held to 12.7% with it.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

set_dir=$FOLIO_SHARED/testdata/ocr-degraded
[ -d "$set_dir" ] || skip "'$set_dir' is absent (the degraded dev set lives in ../shared)"
tesseract --list-langs 2>/dev/null | grep -qx fra || skip "Tesseract's 'fra' language is not installed"
[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "the virtual feeder backend is not built"

# Reference CER (%) of `tesseract -l fra` on the original, from SOURCES.md.
declare -A ref=([blue-typescript-1]=11.2 [blue-typescript-2]=17.1 [blurred-report]=14.8
	[catalogue-1962-faint]=24.0 [catalogue-1962-landscape]=9.2 [journal-1914]=3.0
	[typescript-1962]=6.5)
# The true resolution of the files whose JFIF header states none (SOURCES.md: "about 150 dpi";
# blurred-report is a letter sheet at 300): a scanner states the resolution it scanned at.
declare -A dpi=([blurred-report]=300 [catalogue-1962-faint]=150 [catalogue-1962-landscape]=150
	[journal-1914]=150)
names=($(printf '%s\n' "${!ref[@]}" | sort))
# The open gaps, per profile: limits measured on this station (CER %, with 1 point for OCR's
# noise), used instead of the reference + 1.0 on the page, and for the mean.
declare -A gap_auto=()
declare -A gap_bitonal=([catalogue-1962-landscape]=12.7)
declare -A gap_note=([catalogue-1962-landscape]="a 150 dpi file scaled 2x by the feeder")
declare -A gap_mean=([bitonal]=12.7) # a profile without one: the reference mean
# Pages whose bitonal image reads much worse than their grey one: flagged check-image under
# bitonal, delivered in grey by OCR under auto.
declare -A bad_bitonal=([blurred-report]=1 [catalogue-1962-landscape]=1)
declare -A bad_auto=([blurred-report]=1)
# Auto's choice for the others (README): delivered form and flag.
declare -A auto_form=([blue-typescript-1]="JPEG auto-grey" [blue-typescript-2]="JPEG auto-colour"
	[catalogue-1962-faint]="TIFF auto-bitonal" [journal-1914]="TIFF auto-bitonal"
	[typescript-1962]="JPEG auto-colour" [blurred-report]="JPEG auto-grey"
	[catalogue-1962-landscape]="TIFF auto-bitonal")

cd "$FOLIO_TMP" || exit 1
mkdir -p pages
for i in "${!names[@]}"; do
	n=${names[$i]} page=pages/page-$(printf %02d $((i + 1))).jpg
	if [ -n "${dpi[$n]:-}" ]; then
		# JFIF APP0: density units at byte 13 (1 = dots per inch), X and Y density after it.
		[ "$(od -An -tx1 -j6 -N5 "$set_dir/$n.jpg" | tr -d ' ')" = 4a46494600 ] ||
			fail "$n.jpg has no JFIF header to state its resolution in"
		cp "$set_dir/$n.jpg" "$page"
		d=$(printf '\\x%02x\\x%02x' $((dpi[$n] >> 8)) $((dpi[$n] & 255)))
		printf "\\x01$d$d" | dd of="$page" bs=1 seek=13 conv=notrunc status=none
	else
		ln -s "$set_dir/$n.jpg" "$page"
	fi
done

# run_profile PROFILE: feeds the pages with the sim board's [profile PROFILE] into a store of
# its own in PROFILE/, reads their text and exports the batch; sets batch, pkg and folio.
run_profile() {
	local prof=$1
	mkdir -p "$prof" && cp -a pages "$prof/pages" && cd "$prof" || exit 1
	make_config folio.conf "folio:$FOLIO_TMP/$prof/pages"
	sed -i -e "s|^path = .*|path = $FOLIO_TMP/$prof/store|" -e "s/^profile = .*/profile = $prof/" \
		-e '/^\[profile bitonal\]/,/^$/d' folio.conf
	sed -n "/^\\[profile $prof\\]/,/^\$/p" "$FOLIO_SRC/board/sim/folio.conf" >>folio.conf
	grep -q "^\\[profile $prof\\]" folio.conf || fail "board/sim/folio.conf has no [profile $prof]"
	printf '\n[ocr]\nlanguages = fra\nworkers = 1\n' >>folio.conf
	folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/$prof/folio.conf"
	batch=$($folio -v scan --source adf 2>scan.err) || fail "folio scan failed: $(cat scan.err)"
	grep -q "batch $batch: ${#names[@]} pages captured" scan.err ||
		fail "not every page was captured with [profile $prof]: $(cat scan.err)"
	$folio -v ocr --batch "$batch" --wait >ocr.out 2>&1 || fail "folio ocr failed: $(cat ocr.out)"
	pkg=$($folio export --batch "$batch" --out out 2>export.err) ||
		fail "folio export failed: $(cat export.err)"
	$folio batch show "$batch" >show.txt || fail "folio batch show failed"
}

# score PROFILE: every page's CER against its limit, and the mean; sets bad on a failure.
score() {
	local prof=$1 i n text score cer limit note sum=0 refsum=0 mean refmean
	local -n gaps=gap_$prof
	for i in "${!names[@]}"; do
		n=${names[$i]}
		text=$(ls "$pkg"/D*/P$(printf %04d $((i + 1))).txt 2>/dev/null | head -n 1)
		[ -n "$text" ] || fail "page $((i + 1)) ($n) has no recognised text in $pkg"
		score=$("$FOLIO_BUILD/bin/folio" ocr-score "$set_dir/$n.gt.txt" "$text") ||
			fail "ocr-score failed on $n"
		cer=$(sed -n 's/^CER \([0-9.]*\)%.*/\1/p' <<<"$score")
		limit=$(awk -v r="${ref[$n]}" 'BEGIN { print r + 1.0 }') note=
		[ -n "${gaps[$n]:-}" ] && limit=${gaps[$n]} note=", open gap: ${gap_note[$n]}"
		echo "figure: $prof: $n: station CER $cer% (reference ${ref[$n]}%, limit $limit%$note)"
		if awk -v c="$cer" -v l="$limit" 'BEGIN { exit !(c > l) }'; then
			echo "FAIL: $prof: $n: the station's text has CER $cer%, more than $limit%"
			bad=1
		fi
		sum=$(awk -v a="$sum" -v b="$cer" 'BEGIN { print a + b }')
		refsum=$(awk -v a="$refsum" -v b="${ref[$n]}" 'BEGIN { print a + b }')
	done
	mean=$(awk -v s="$sum" -v n="${#names[@]}" 'BEGIN { printf "%.2f", s / n }')
	refmean=$(awk -v s="$refsum" -v n="${#names[@]}" 'BEGIN { printf "%.2f", s / n }')
	limit=${gap_mean[$prof]:-$refmean} note=
	[ -n "${gap_mean[$prof]:-}" ] && note=" while a gap is open"
	echo "figure: $prof: mean station CER $mean% (reference mean $refmean%, limit $limit%$note)"
	awk -v m="$mean" -v r="$limit" 'BEGIN { exit !(m > r) }' &&
		{ echo "FAIL: $prof: mean CER $mean% above $limit%"; bad=1; }
}

# flagged N: whether page N is flagged check-image in show.txt
flagged() {
	awk -v p="$1" '$1 == p && /check-image/ { found = 1 } END { exit !found }' show.txt
}

# kept_for_ocr: the image kept for OCR, per page (the image stage's record of it)
kept_for_ocr() {
	grep -o 'kept for OCR: [^;]*' scan.err >kept.txt
	[ "$(wc -l <kept.txt)" = ${#names[@]} ] ||
		fail "not every page kept an image for OCR: $(cat kept.txt)"
	for i in "${!names[@]}"; do
		echo "figure: $1: ${names[$i]}: $(sed -n "$((i + 1))p" kept.txt)"
	done
}

bad=0

# --- The boards' default profile: automatic colour detection.
run_profile auto
score auto
kept_for_ocr auto
sed -n 's/^.*OCR: of \([0-9]*\) pages* with a second image kept for OCR, \([0-9]*\) read once (the first read sure), \([0-9]*\) read again from the other image (\([0-9.]*\) s a page for the second read, \([0-9.]*\) s for the first).*/figure: auto: OCR reads \3 of \1 pages twice, \2 once: \5 s a page for the first read, \4 s for the second/p' ocr.out
for i in "${!names[@]}"; do
	n=${names[$i]} p=$((i + 1))
	row=$(awk -v n=$p '/^pages/ { q = 1; next } q && $1 == n' show.txt)
	set -- ${auto_form[$n]}
	awk -v f="$1" -v fl="$2" '{ exit !($3 == f && index("," $NF ",", "," fl ",")) }' <<<"$row" ||
		{ echo "FAIL: auto: $n is not delivered $1 $2: $row"; bad=1; }
	# Nothing is left to the clerk, and no image kept for OCR outlives the text.
	flagged $p && { echo "FAIL: auto: $n is flagged check-image: $row"; bad=1; }
	$folio page export --batch "$batch" --page $p --grey --out grey.jpg 2>/dev/null &&
		{ echo "FAIL: auto: $n kept its grey image after OCR"; bad=1; }
	# The page's provenance says which image's text it kept, and whether both were read.
	ev=$(awk -F'\t' -v p=$p '$7 == "ocr-text" && $5 == p { print $8 }' "$pkg/EVENTS.txt")
	[ -n "$ev" ] || { echo "FAIL: auto: $n has no ocr-text event"; bad=1; }
	echo "figure: auto: $n: $ev"
	if [ -z "${bad_auto[$n]:-}" ]; then
		awk -F'\t' -v p=$p '$7 == "page-grey" && $5 == p' "$pkg/EVENTS.txt" | grep -q . &&
			{ echo "FAIL: auto: $n went grey, its G4 reads as well"; bad=1; }
	else
		awk -F'\t' -v p=$p '$7 == "page-grey" && $5 == p' "$pkg/EVENTS.txt" | grep -q . ||
			{ echo "FAIL: auto: $n went grey with no page-grey event"; bad=1; }
		awk -F'\t' -v p=$p '$7 == "check-image" && $5 == p { print $8 }' "$pkg/EVENTS.txt" |
			grep -q ': automatic colour detection delivers it in grey$' ||
			{ echo "FAIL: auto: no check-image event says $n went grey by itself"; bad=1; }
		# The verdict is on record before the text, which approval waits for.
		awk -F'\t' -v p=$p '$5 == p && ($7 == "check-image" || $7 == "ocr-text") { print $7 }' \
			"$pkg/EVENTS.txt" | head -n 1 | grep -qx check-image ||
			{ echo "FAIL: auto: $n's text was kept before its check-image verdict"; bad=1; }
	fi
done
cd "$FOLIO_TMP" || exit 1

# --- [profile bitonal]: every page G4, the clerk's check-image.
run_profile bitonal
score bitonal
kept_for_ocr bitonal
sed -n 's/^.*OCR: of \([0-9]*\) pages* with a second image kept for OCR, \([0-9]*\) read once (the first read sure), \([0-9]*\) read again from the other image (\([0-9.]*\) s a page for the second read, \([0-9.]*\) s for the first).*/figure: bitonal: OCR reads \3 of \1 pages twice, \2 once: \5 s a page for the G4 read, \4 s for the grey one/p' ocr.out
for i in "${!names[@]}"; do
	n=${names[$i]} p=$((i + 1)) f=0
	flagged $p && f=1
	echo "figure: bitonal: $n: check-image $([ $f = 1 ] && echo flagged || echo "not flagged")"
	if [ $f != "${bad_bitonal[$n]:-0}" ]; then
		echo "FAIL: bitonal: $n: check-image is $([ $f = 1 ] || echo "not ")set"
		bad=1
	fi
	# Only a flagged page keeps its grey image once its text is read.
	if $folio page export --batch "$batch" --page $p --grey --out grey.jpg 2>/dev/null; then
		[ $f = 1 ] || { echo "FAIL: bitonal: $n: its grey image was kept without a flag"; bad=1; }
	else
		[ $f = 0 ] || { echo "FAIL: bitonal: $n: flagged, but its grey image is gone"; bad=1; }
	fi
done
grep -q "^check-image: " "$pkg/BATCH.txt" || fail "BATCH.txt does not list the check-image pages: $(cat "$pkg/BATCH.txt")"

# The clerk switches a flagged page to grey: it is delivered as grey JPEG, its text unchanged.
for i in "${!names[@]}"; do
	[ -n "${bad_bitonal[${names[$i]}]:-}" ] && { p=$((i + 1)); break; }
done
$folio page grey --batch "$batch" --page $p 2>grey.err || fail "folio page grey failed: $(cat grey.err)"
$folio page grey --batch "$batch" --page $p 2>grey.err && fail "a grey page was switched to grey again"
grep -q "already delivered in grey" grey.err || fail "no clear line for a page already grey: $(cat grey.err)"
pkg2=$($folio export --batch "$batch" --out out2 2>export.err) ||
	fail "folio export failed after the switch: $(cat export.err)"
jpg=$(ls "$pkg2"/D*/P$(printf %04d $p).jpg 2>/dev/null) ||
	fail "page $p is not delivered as JPEG after 'folio page grey'"
[ "$(head -c 3 "$jpg" | od -An -tx1 | tr -d ' ')" = ffd8ff ] || fail "page $p's .jpg is no JPEG"
cmp -s "$pkg"/D*/P$(printf %04d $p).txt "$pkg2"/D*/P$(printf %04d $p).txt ||
	fail "page $p's text changed with the switch to grey"
grep -q "^check-image: .*P$(printf %04d $p)" "$pkg2/BATCH.txt" &&
	fail "page $p is still listed check-image after the switch"
echo "figure: bitonal: $(basename "$jpg") delivered as grey JPEG: $(stat -c %s "$jpg") bytes"
[ $bad = 0 ] || exit 1
