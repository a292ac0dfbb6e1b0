#!/bin/bash
# requires: CONFIG_OCR CONFIG_SANE_FOLIO_BACKEND
# The office's record of every IP type, from a real scan: a stack of a patent, a trademark and
# a design dossier with printed cover sheets between them is scanned, read by OCR, approved
# and exported. Every XML of the package validates against its official ST.96 V6_0 schema, and
# every index value is in the element the mapping (firmware/package/ST96.md) names.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
feeder_test
command -v pdftoppm >/dev/null || skip "pdftoppm is not installed (Debian package poppler-utils)"
command -v xmllint >/dev/null || skip "xmllint is not installed (Debian package libxml2-utils)"
v6="$FOLIO_SHARED/st96/V6_0"
[ -d "$v6" ] || skip "$v6 absent: no schemas to validate against"

dpi=200
feeder_config "resolution = $dpi" "cover_sheets = yes" <<EOF
[document]
language = fr
[ocr]
workers = 1
languages = fra
EOF
sheet() { cover_sheet "$1" "$dpi" "${@:2}"; }
pages() { text_pages "$1" "$2" "$dpi"; }
sheet 0001 --ip-type patent --application 102024000000123 --doc-code APPFORM --date 2026-11-20
pages 2 2
sheet 0004 --ip-type trademark --application 502024000000045 --doc-code TMFORM --date 2026-10-05
pages 5 1
sheet 0006 --ip-type design --application 802025000000007 --doc-code DRAWINGS --date 2026-01-31
pages 7 1

b=$($folio scan 2>err) || fail "scan failed: $(cat err)"
OMP_THREAD_LIMIT=1 $folio ocr --batch "$b" >/dev/null 2>err || fail "ocr failed: $(cat err)"
index_batch "$b"
$folio batch approve "$b" >/dev/null 2>err || fail "approve failed: $(cat err)"
pkg=$($folio export --batch "$b" --out out 2>err) || fail "export failed: $(cat err)"

# Every XML file against the schema of its root.
n=0
for f in "$pkg"/D*/*.xml; do
	case $(basename "$f") in *.alto.xml) continue ;; esac
	root=$(xmllint --xpath 'local-name(/*)' "$f")
	case $root in
	ApplicationBody) xsd=ApplicationBody_V6_0.xsd ;;
	BibliographicData) xsd=BibliographicData_V6_0.xsd ;;
	DocumentIncludedBag) xsd=Patent_V6_0.xsd ;;
	TrademarkApplication) xsd=TrademarkApplication_V6_0.xsd ;;
	DesignApplication) xsd=DesignApplication_V6_0.xsd ;;
	*) fail "$f: unexpected root '$root'" ;;
	esac
	xmllint --noout --nonet --schema "$v6/$xsd" "$f" 2>err || fail "$f is not valid: $(tail -3 err)"
	n=$((n + 1))
done
[ "$n" = 5 ] || fail "$n ST.96 files validated, not 5 (3 for the patent, 1 each for the others)"

# xp FILE PATH: the string value of PATH, steps of local names ("a/b/@c"), from the root
xp() {
	local q="" s
	IFS=/ read -ra steps <<<"$2"
	for s in "${steps[@]}"; do
		case $s in
		@*) q="$q/@*[local-name()='${s#@}']" ;;
		*\[*) q="$q/*[local-name()='${s%%\[*}'][${s#*\[}" ;;
		*) q="$q/*[local-name()='$s']" ;;
		esac
	done
	xmllint --xpath "string($q)" "$1" 2>/dev/null
}
# want FILE PATH VALUE
want() {
	local got
	got=$(xp "$pkg/$1" "$2")
	[ "$got" = "$3" ] || fail "$1: $2 is '$got', not '$3'"
}
# Patent: D0001
want D0001/bibliographic.xml BibliographicData/@officeCode KE
want D0001/bibliographic.xml BibliographicData/ApplicationIdentification/IPOfficeCode KE
want D0001/bibliographic.xml BibliographicData/ApplicationIdentification/ApplicationNumber/ST13ApplicationNumber 102024000000123
want D0001/bibliographic.xml BibliographicData/ApplicationIdentification/FilingLanguageCode fr
want D0001/bibliographic.xml BibliographicData/ReceivingOfficeDate 2026-11-20
want D0001/files.xml 'DocumentIncludedBag/DocumentIncluded[1]/DocumentKindCategory' APPFORM
want D0001/files.xml 'DocumentIncludedBag/DocumentIncluded[1]/@languageCode' fr
want D0001/document.xml ApplicationBody/@receivingOffice KE
want D0001/document.xml ApplicationBody/@languageCode fr
want D0001/document.xml 'ApplicationBody/PageImage[2]/FileName' P0002.tif
# Trademark: D0002
tm=TrademarkApplication/TrademarkBag/Trademark
want D0002/document.xml $tm/ReceivingOfficeCode KE
want D0002/document.xml $tm/ApplicationNumber/ST13ApplicationNumber 502024000000045
want D0002/document.xml $tm/TrademarkDocumentBag/TrademarkDocument/TrademarkDocumentCode TMFORM
want D0002/document.xml $tm/TrademarkDocumentBag/TrademarkDocument/DocumentReceivedDate 2026-10-05
want D0002/document.xml $tm/TrademarkDocumentBag/TrademarkDocument/@languageCode fr
want D0002/document.xml $tm/TrademarkDocumentBag/TrademarkDocument/PageTotalQuantity 1
# Design: D0003
dg=DesignApplication
want D0003/document.xml $dg/ReceivingOfficeCode KE
want D0003/document.xml $dg/ApplicationNumber/ST13ApplicationNumber 802025000000007
want D0003/document.xml "$dg/DocumentIncludedBag/DocumentIncluded[1]/DocumentKindCategory" DRAWINGS
want D0003/document.xml "$dg/DocumentIncludedBag/DocumentIncluded[1]/@languageCode" fr
xp "$pkg/D0003/document.xml" "$dg/DocumentIncludedBag/DocumentIncluded[1]/CommentText" |
	grep -q 'received 2026-01-31' || fail "design: received date not in the document's comment"

# Every page's text and layout are named, and every file named is in the package.
for d in D0001:files.xml D0002:document.xml D0003:document.xml; do
	f="$pkg/${d%%:*}/${d#*:}"
	for p in "$pkg/${d%%:*}"/P*.tif; do
		t=$(basename "${p%.tif}")
		for ext in txt hocr; do
			[ -e "${p%.tif}.$ext" ] || fail "${d%%:*}: OCR wrote no $t.$ext"
			[ "$(xmllint --xpath "count(//*[local-name()='FileName'][.='$t.$ext'])" "$f")" = 1 ] ||
				fail "${d%%:*}: $t.$ext is not named in ${d#*:}"
		done
	done
	for name in $(xmllint --xpath "//*[local-name()='FileName']/text()" "$f"); do
		[ -e "$pkg/${d%%:*}/$name" ] || fail "${d#*:} of ${d%%:*} names $name, not in the package"
	done
done
echo "figure: $n ST.96 files valid, 3 IP types, every index value where the mapping puts it"
