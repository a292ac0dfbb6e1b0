#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# End to end with the feeder backend: a stack of dossiers with cover sheets between them,
# printed by `folio coversheet` and rasterised by pdftoppm at 200 and 300 dpi, is scanned in
# one batch and comes out as the right documents with the right metadata; the cover sheets
# stay in the store as separators and are not exported. A batch interrupted just after a cover
# sheet and resumed splits as the same stack scanned at once: no empty document.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
feeder_test
command -v pdftoppm >/dev/null || skip "pdftoppm is not installed (Debian package poppler-utils)"

for dpi in 200 300; do
	rm -rf stack store out && mkdir stack
	feeder_config "resolution = $dpi" "cover_sheets = yes" </dev/null
	sheet() { cover_sheet "$1" "$dpi" "${@:2}"; }
	pages() { text_pages "$1" "$2" "$dpi"; }
	sheet 0001 --ip-type patent --application 102024000000123 --doc-code APPFORM \
		--date 2026-11-20
	pages 2 3
	sheet 0005 --ip-type trademark --application 502024000000045 --doc-code TMFORM
	pages 6 1
	sheet 0007 --ip-type design --application 802025000000007 --doc-code DRAWINGS \
		--date 2026-01-31
	pages 8 2

	b=$($folio scan 2>err) || fail "$dpi dpi: scan failed: $(cat err)"
	# Pages by document, separators flagged: sheet 1 and 5 and 7 are cover sheets.
	expect_documents "$b" "1s 1 1 1 2s 2 3s 3 3 " "$dpi dpi"
	grep -qE '^  documents +3$' show || fail "$dpi dpi: not 3 documents: $(cat show)"
	d=0
	for fields in 'type patent  application 102024000000123  code APPFORM' \
		'type trademark  application 502024000000045  code TMFORM' \
		'type design  application 802025000000007  code DRAWINGS'; do
		d=$((d + 1))
		grep -q "office KE  $fields" show || fail "$dpi dpi: document $d fields: $(cat show)"
	done

	$folio ocr --batch "$b" 2>err || fail "$dpi dpi: OCR failed: $(cat err)"
	index_batch "$b"
	$folio batch approve "$b" >/dev/null || fail "$dpi dpi: approval refused"
	pkg=$($folio export --batch "$b" --out out 2>err) || fail "export failed: $(cat err)"
	n=$(find "$pkg" -name 'P*.tif' | wc -l)
	[ "$n" = 6 ] || fail "$dpi dpi: $n page images exported, not 6 (cover sheets must not be)"
	[ "$(ls -d "$pkg"/D* | wc -l)" = 3 ] || fail "$dpi dpi: not 3 document folders"
	grep -q '802025000000007' "$pkg"/D0003/document.xml || fail "design XML lacks its number"
	echo "figure: $dpi dpi: 3 cover sheets read, 3 documents indexed, 6 pages exported"
done

# --- a jam right after a cover sheet: resumed, the stack splits as it would in one go (two
# sheets in a row make one document, the second indexing it), no document without pages
rm -rf stack store && mkdir stack
feeder_config "resolution = 200" "cover_sheets = yes" </dev/null
text_pages 1 1 200
cover_sheet 0002 200 --ip-type patent --application 102024000000123 --doc-code APPFORM
cover_sheet 0003 200 --ip-type trademark --application 502024000000045 --doc-code TMFORM
text_pages 4 1 200
printf 'jam-page 3\n' >sane.d/folio.conf
b=$($folio scan 2>err)
[ $? = 1 ] || fail "the jam was not a failure: $(cat err)"
: >sane.d/folio.conf
$folio scan --resume "$b" >/dev/null 2>err || fail "resume failed: $(cat err)"
expect_documents "$b" "1 2s 2s 2 " "resumed after a cover sheet"
grep -qE '^  documents +2$' show || fail "resumed after a cover sheet: not 2 documents: $(cat show)"
grep -q 'type trademark  application 502024000000045  code TMFORM' show ||
	fail "the second sheet did not index the document: $(cat show)"
echo "figure: jammed after a cover sheet and resumed: 2 documents, as scanned at once"
