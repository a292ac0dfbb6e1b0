#!/bin/bash
# requires: CONFIG_OCR
# Documents through the real programs: cover sheets (validation, the printed PDF read back by
# zbar), manual indexing with `folio doc`, a signed export and the office's `folio verify`,
# and every kind of tampering with the package caught by it.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"

make_config "$FOLIO_TMP/folio.conf" test:0
cat >>"$FOLIO_TMP/folio.conf" <<EOF2

[index]
patent_pattern = KE/P/YYYY/NNNNNN
patent_codes = APPFORM CLAIMS DESC DRAW SCAN
trademark_pattern = NNNNNNNN.#
trademark_check_digit = mod11
EOF2
folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"

# --- the station key
$folio keygen --out keys >keygen.out 2>keygen.err || fail "keygen failed: $(cat keygen.err)"
[ "$(stat -c %a keys/station.key)" = 600 ] || fail "secret key is not mode 0600"
[ "$(cat keygen.out)" = keys/station.pub ] || fail "keygen printed '$(cat keygen.out)'"
expect_fail 1 "already holds a station key" $folio keygen --out keys
expect_fail 2 "--out DIR is needed" $folio keygen

# --- cover sheets: every field checked before anything is printed
cs="$folio coversheet --ip-type patent --doc-code APPFORM"
expect_fail 2 "'ke' is not a WIPO ST.3 office code" $cs --office ke --application KE/P/2024/000123 --out a.pdf
expect_fail 2 "is not a KE patent application number" $cs --office KE --application KE/P/24/000123 --out a.pdf
expect_fail 2 "no pattern is configured for UG" $cs --office UG --application KE/P/2024/000123 --out a.pdf
expect_fail 2 "'2024-02-30' is not a real date" $cs --office KE --application KE/P/2024/000123 --date 2024-02-30 --out a.pdf
expect_fail 2 "'FORM9' is not a patent document code here" $folio coversheet --office KE --ip-type patent \
	--application KE/P/2024/000123 --doc-code FORM9 --out a.pdf
expect_fail 2 "check digit" $folio coversheet --office KE --ip-type trademark \
	--application 12345678.1 --doc-code TM --out a.pdf
expect_fail 2 "--ip-type must be patent, trademark or design" $folio coversheet --office KE \
	--ip-type patents --application 1 --doc-code X --out a.pdf
[ ! -e a.pdf ] || fail "a cover sheet was printed from bad input"
$cs --office KE --application KE/P/2024/000123 --date 2024-05-02 --out cover.pdf >/dev/null 2>cs.err ||
	fail "coversheet failed: $(cat cs.err)"
$folio coversheet --office KE --ip-type trademark --application 502024000012345 --doc-code TMAPP \
	--out cover-tm.pdf >/dev/null 2>cs.err || fail "ST.13 trademark cover sheet refused: $(cat cs.err)"
if command -v pdftoppm >/dev/null && command -v zbarimg >/dev/null; then
	pdftoppm -r 200 -mono -singlefile cover.pdf cover
	zbarimg --raw -q cover.pbm 2>/dev/null | sort >codes.out
	want='FOLIO1|KE|patent|KE/P/2024/000123|APPFORM|2024-05-02|65088F35'
	[ "$(grep -cxF "$want" codes.out)" = 2 ] ||
		fail "zbarimg does not read both symbols of the 200 dpi sheet: $(cat codes.out)"
else
	echo "note: pdftoppm or zbarimg missing, printed sheet not read back"
fi

# --- manual indexing
# (The capture of SANE's test backend is not what this test is about: leaks in it are
# cycle.sh's to report.)
batch=$(ASAN_OPTIONS=detect_leaks=0 $folio scan --source adf 2>scan.err) || fail "scan failed: $(cat scan.err)"
$folio doc list --batch "$batch" >list.out || fail "doc list failed"
grep -qE '^ +1 +KE +patent +\(none\) +SCAN +\(none\) +10$' list.out || fail "doc list: $(cat list.out)"
$folio doc set --batch "$batch" --doc 1 --application KE/P/2024/000123 --doc-code APPFORM \
	--received 2024-05-02 >set.out 2>set.err || fail "doc set failed: $(cat set.err)"
grep -qF "application '' -> 'KE/P/2024/000123', code 'SCAN' -> 'APPFORM', received '' -> '2024-05-02'" set.out ||
	fail "doc set does not show old and new values: $(cat set.out)"
expect_fail 2 "is not a KE patent application number" $folio doc set --batch "$batch" --doc 1 --application KE/P/2024/12
expect_fail 2 "'2999-01-01' is in the future" $folio doc set --batch "$batch" --doc 1 --received 2999-01-01
expect_fail 2 "is not a valid ST.13 number" $folio doc set --batch "$batch" --doc 1 --application 502024000012345
expect_fail 1 "batch $batch has no document 2" $folio doc set --batch "$batch" --doc 2 --doc-code CLAIMS
expect_fail 2 "nothing to change" $folio doc set --batch "$batch" --doc 1
$folio doc list --batch "$batch" | grep -qE '^ +1 +KE +patent +KE/P/2024/000123 +APPFORM +2024-05-02 +10$' ||
	fail "the edit did not stick: $($folio doc list --batch "$batch")"

# --- export: signed when the key is configured, clearly unsigned when not (text read first)
$folio ocr --batch "$batch" 2>ocr.err || fail "folio ocr failed: $(cat ocr.err)"
index_batch "$batch"
$folio batch approve "$batch" >/dev/null 2>approve.err || fail "approve failed: $(cat approve.err)"
pkg=$($folio export --batch "$batch" --out unsigned 2>export.err) || fail "export failed: $(cat export.err)"
grep -q "is NOT signed: set \[station\] key_file" export.err || fail "unsigned export not reported: $(cat export.err)"
expect_fail 1 "package is not signed" $folio verify "$pkg" --key keys/station.pub

sed -i 's|^office = KE$|office = KE\nkey_file = keys/station.key|' folio.conf
chmod 644 keys/station.key
expect_fail 1 "is readable by others or another user's: chmod 600 it" $folio export --batch "$batch" --out refused
chmod 600 keys/station.key
pkg=$($folio export --batch "$batch" --out out 2>export.err) || fail "signed export failed: $(cat export.err)"
grep -q "manifest signed by station key" export.err || fail "export does not say it signed: $(cat export.err)"
(cd "$pkg" && sha256sum --quiet --strict -c MANIFEST.sha256) || fail "sha256sum -c rejects the manifest"
grep -q '  MANIFEST.sizes$' "$pkg/MANIFEST.sha256" || fail "MANIFEST.sizes is not hashed in the manifest"
[ "$(grep -c 'D0001/P00' "$pkg/MANIFEST.sizes")" = 10 ] || fail "MANIFEST.sizes lacks pages"

st96_schemas
$folio verify "$pkg" --key keys/station.pub "${schemas[@]}" >verify.out 2>verify.err ||
	fail "a fresh package fails verification: $(cat verify.out verify.err)"
grep -q '^result    ok$' verify.out || fail "verify report: $(cat verify.out)"
grep -q '^contents  1 documents, 10 pages, 17 files' verify.out || fail "verify counts: $(cat verify.out)"
grep -q '^ssh sig   ok$' verify.out || fail "the SSH signature is not reported good: $(cat verify.out)"

# --- the office without Folio: OpenSSH's ssh-keygen and sha256sum, as the README says
for f in station.ssh.pub allowed_signers; do
	[ -s "keys/$f" ] || fail "keygen wrote no $f"
done
if command -v ssh-keygen >/dev/null; then
	ssh-keygen -l -f keys/station.ssh.pub >/dev/null 2>&1 || fail "ssh-keygen cannot read station.ssh.pub"
	sshsig="$pkg/MANIFEST.sha256.sshsig"
	who=$(ssh-keygen -Y find-principals -s "$sshsig" -f keys/allowed_signers 2>err) ||
		fail "ssh-keygen finds no principal for the package: $(cat err)"
	[ "$who" = "folio-station-$(sed -n 's/.*station key \([0-9a-f]\{16\}\):.*/\1/p' keygen.err)" ] ||
		fail "the principal is '$who', not the station key's id"
	ssh-keygen -Y verify -f keys/allowed_signers -I "$who" -n folio-package -s "$sshsig" \
		<"$pkg/MANIFEST.sha256" >sshv.out 2>&1 || fail "ssh-keygen -Y verify refuses a good package: $(cat sshv.out)"
	grep -q '^Good "folio-package" signature for folio-station-' sshv.out ||
		fail "ssh-keygen says: $(cat sshv.out)"
	# Tampered: an image changed and its line of the manifest updated to match.
	rm -rf ssh-t && cp -a "$pkg" ssh-t
	printf x >>ssh-t/D0001/P0004.tif
	sum=$(sha256sum ssh-t/D0001/P0004.tif | cut -d' ' -f1)
	sed -i "s|^[0-9a-f]*  D0001/P0004.tif\$|$sum  D0001/P0004.tif|" ssh-t/MANIFEST.sha256
	(cd ssh-t && sha256sum --quiet --strict -c MANIFEST.sha256) || fail "tampered copy not self-consistent"
	if ssh-keygen -Y verify -f keys/allowed_signers -I "$who" -n folio-package \
		-s ssh-t/MANIFEST.sha256.sshsig <ssh-t/MANIFEST.sha256 >sshv.out 2>&1; then
		fail "ssh-keygen -Y verify accepts a tampered manifest"
	fi
	# Another namespace is refused too: the signature is for Folio packages only.
	if ssh-keygen -Y verify -f keys/allowed_signers -I "$who" -n file -s "$sshsig" \
		<"$pkg/MANIFEST.sha256" >/dev/null 2>&1; then
		fail "ssh-keygen -Y verify accepts the signature for namespace 'file'"
	fi
	echo "figure: ssh-keygen -Y verify: delivered package good, tampered manifest refused"
else
	echo "note: ssh-keygen missing (Debian package openssh-client), OpenSSH check not run"
fi

# --- tampering: each copy is altered one way, and verify must refuse it with one line
n=0
tamper() { # description, shell snippet run inside the copy, expected text
	n=$((n + 1))
	local copy="t$n/$(basename "$pkg")"
	rm -rf "t$n" && mkdir "t$n" && cp -a "$pkg" "$copy"
	(cd "$copy" && eval "$2") || fail "could not tamper ($1)"
	expect_fail 1 "failed verification" $folio verify "$copy" --key keys/station.pub
	$folio verify "$copy" --key keys/station.pub >"t$n.out" 2>/dev/null
	grep -qF -- "$3" "t$n.out" || fail "$1: report does not say '$3': $(cat "t$n.out")"
}
# flip_byte FILE: change the byte in the middle of FILE (to a different value, always)
flip_byte() {
	local off b
	off=$(($(stat -c %s "$1") / 2))
	b=$(od -An -tu1 -j "$off" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
flip='flip_byte "$f"'
tamper "byte of an image" "f=D0001/P0005.tif; $flip" "'D0001/P0005.tif' does not match its SHA-256"
tamper "byte of the XML" "f=D0001/document.xml; $flip" "'D0001/document.xml' does not match"
tamper "byte of the manifest" 'c=$(head -c 1 MANIFEST.sha256); [ "$c" = a ] && c=b || c=a; sed -i "1s/^./$c/" MANIFEST.sha256' "bad signature"
tamper "file removed" "rm D0001/P0003.tif" "'D0001/P0003.tif' is listed in the manifest but missing"
tamper "file added" "echo x >D0001/P0011.tif" "'D0001/P0011.tif' is in the package but not in the manifest"
tamper "file renamed" "mv D0001/P0002.tif D0001/P0012.tif" "'D0001/P0002.tif' is listed in the manifest but missing"
tamper "signature truncated" "truncate -s 100 MANIFEST.sha256.sig" "not a signature line"
tamper "signature removed" "rm MANIFEST.sha256.sig" "package is not signed"
tamper "SSH signature altered" 'c=$(sed -n 3p MANIFEST.sha256.sshsig | head -c 1); [ "$c" = A ] && c=B || c=A; sed -i "3s/^./$c/" MANIFEST.sha256.sshsig' "bad SSH signature"
tamper "sizes altered" "sed -i '1s/^[0-9]*/1/' MANIFEST.sizes" "'MANIFEST.sizes' does not match"
tamper "event removed" "sed -i '3d' EVENTS.txt" "'EVENTS.txt' does not match"
# The folder's name is bound to BATCH.txt: a renamed copy is refused, a faithful copy is not.
grep -q '^custody   [0-9]* events, from event 1 to approval at event ' verify.out ||
	fail "verify does not report the chain of custody: $(cat verify.out)"
mkdir -p copies
cp -a "$pkg" "copies/$(basename "$pkg")"
$folio verify "copies/$(basename "$pkg")/" --key keys/station.pub >/dev/null 2>&1 ||
	fail "a faithful copy under the same name fails"
renamed=$(basename "$pkg" | sed 's/-B000001$/-B000002/')
cp -a "$pkg" "copies/$renamed"
expect_fail 1 "a copied, renamed or replayed package" $folio verify "copies/$renamed" --key keys/station.pub
n=$((n + 1))
$folio keygen --out other >/dev/null 2>&1
expect_fail 1 "signed by station key" $folio verify "$pkg" --key other/station.pub
expect_fail 1 "is not a Folio public key" $folio verify "$pkg" --key keys/station.key
expect_fail 2 "a package folder and --key are needed" $folio verify "$pkg"
echo "figure: $((n + 1)) kinds of tampering with a package, all refused by folio verify"
