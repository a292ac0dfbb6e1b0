#!/bin/bash
# requires: CONFIG_WEB
# The clerk screens speak the clerk's language for everything the server can say: every
# message code of firmware/core/message.h and every page flag of firmware/store/flags.c has
# its English, French and Arabic text in firmware/web/static/i18n.js, with the values the
# server fills in (tests/web/i18n_check.js; web_e2e runs it too, but needs a browser).
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
command -v node >/dev/null || skip "node is not installed (Debian package nodejs; make deps)"
node "$FOLIO_SRC/tests/web/i18n_check.js" "$FOLIO_SRC/firmware/web/static" "$FOLIO_SRC" >check.out 2>&1 ||
	fail "string tables: $(cat check.out)"
cat check.out
