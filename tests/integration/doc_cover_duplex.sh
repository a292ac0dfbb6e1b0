#!/bin/bash
# requires: CONFIG_SANE_FOLIO_BACKEND
# Cover sheets as a duplex feeder meets them, end to end with the feeder backend at 300 dpi:
# a sheet read from the back of a sheet fed face down (so upside down), and a sheet whose
# barcodes are blurred past reading. The damaged sheet must still start a document, one with
# no index whose separator page is flagged for the clerk, and the next dossier's pages must not
# join the previous one.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
feeder_test
command -v pdftoppm >/dev/null || skip "pdftoppm is not installed (Debian package poppler-utils)"
command -v convert >/dev/null || skip "convert (ImageMagick) not installed"

feeder_config "source = duplex" "cover_sheets = yes" </dev/null
blank_side() {
	"$FOLIO_BUILD/bin/pagegen" --out stack --first "$1" --count 1 --dpi 300 --kind blank \
		--seed "$1" >/dev/null || fail "pagegen failed"
}
# sheet 1: cover sheet, blank back; sheet 2: two pages
cover_sheet 0001 300 --ip-type patent --application 102024000000123 --doc-code APPFORM
blank_side 2
text_pages 3 2 300
# sheet 3 fed face down: blank front, the cover sheet on its back, upside down; sheet 4
cover_sheet 0006 300 --ip-type trademark --application 502024000000045 --doc-code TMFORM
convert stack/page-0006.png -rotate 180 stack/page-0006.png || fail "convert failed"
blank_side 5
text_pages 7 2 300
# sheet 5: a cover sheet out of focus (no symbol on it can be decoded), blank back; sheet 6
cover_sheet 0009 300 --ip-type design --application 802025000000007 --doc-code DRAWINGS
convert stack/page-0009.png -blur 0x12 stack/page-0009.png || fail "convert failed"
blank_side 10
text_pages 11 2 300

b=$($folio scan 2>err) || fail "scan failed: $(cat err)"
grep -q "document 3: a cover sheet whose barcodes cannot be read; index its document by hand" err ||
	fail "the clerk is not told about the damaged sheet: $(cat err)"
expect_documents "$b" "1s 1 1 1 1 2s 2 2 3s 3 3 3 "
grep -qE '^  documents +3$' show || fail "not 3 documents: $(cat show)"
grep -q 'office KE  type patent  application 102024000000123  code APPFORM' show ||
	fail "document 1 fields: $(cat show)"
grep -q 'office KE  type trademark  application 502024000000045  code TMFORM' show ||
	fail "document 2 (upside down on a back side) fields: $(cat show)"
grep -qE 'application \(none\)' show || fail "document 3 is not left for the clerk to index: $(cat show)"
awk '/^pages/ { p = 1; next } p && $1 == 9' show | grep -q 'barcode-unreadable' ||
	fail "the damaged sheet is not flagged: $(cat show)"
echo "figure: duplex 300 dpi: a sheet upside down on a back side read, a blurred sheet starts an unindexed, flagged document"
