#!/bin/bash
# `make bench`: runs every benchmark script in tests/bench/ against one build folder.
# Each prints its figures and ratios against a peer measured in the same run; none passes or
# fails on timing.
# Usage: tests/bench/run.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
export FOLIO_BUILD=$build FOLIO_SRC=$(cd "$here/../.." && pwd) OMP_THREAD_LIMIT=1
export FOLIO_SHARED=${FOLIO_SHARED:-$(cd "$FOLIO_SRC/../shared" 2>/dev/null && pwd || echo "$FOLIO_SRC/../shared")}
status=0
for b in "$here"/*.sh; do
	case $(basename "$b") in run.sh | lib.sh) continue ;; esac
	echo "== $(basename "$b" .sh)"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/folio-bench.XXXXXX")
	(cd "$tmp" && FOLIO_TMP=$tmp bash "$b" "$build") || { echo "bench $(basename "$b") failed"; status=1; }
	rm -rf "$tmp"
done
exit $status
