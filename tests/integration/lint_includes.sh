#!/bin/bash
# The include graph (tools/includes.py, also run by `make lint`): no cycle between folders of
# firmware/, nothing upward from drivers/ or ocr/. First the checker on a small tree that
# breaks both rules (it must say so), then on the project.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
command -v git >/dev/null || skip "git is not installed"
check=$FOLIO_SRC/tools/includes.py

cd "$FOLIO_TMP" || fail "no scratch folder"
mkdir -p bad/firmware/a bad/firmware/b bad/firmware/c bad/firmware/include bad/drivers/x bad/ocr
printf '#include "firmware/b/b.h"\n' >bad/firmware/a/a.h
printf '#include "firmware/c/c.h"\n' >bad/firmware/b/b.h
printf '#include "firmware/a/a.h"\n#include "log.h"\n' >bad/firmware/c/c.c
: >bad/firmware/c/c.h
: >bad/firmware/include/log.h
printf '#include "log.h"\n#include "firmware/a/a.h"\n' >bad/drivers/x/x.c
printf '#include "drivers/x/x.h"\n' >bad/ocr/o.c
: >bad/drivers/x/x.h
git -C bad init -q && git -C bad add . || fail "cannot make the test tree"
"$check" bad 2>bad.err && fail "the checker passed a tree with a cycle: $(cat bad.err)"
grep -q '^include cycle between firmware/a, firmware/b, firmware/c: ' bad.err ||
	fail "the checker did not name the cycle: $(cat bad.err)"
grep -q "^drivers/x/x.c: includes 'firmware/a/a.h'" bad.err ||
	fail "the checker did not name the upward include from drivers/: $(cat bad.err)"
grep -q "^ocr/o.c: includes 'drivers/x/x.h'" bad.err ||
	fail "the checker did not name ocr/ including drivers/: $(cat bad.err)"
[ "$(wc -l <bad.err)" = 3 ] || fail "the checker said more than the 3 problems: $(cat bad.err)"

"$check" "$FOLIO_SRC" 2>project.err || fail "the project's includes: $(cat project.err)"
echo "figure: include graph of firmware/, drivers/ and ocr/: no cycle, nothing upward"
