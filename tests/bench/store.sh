#!/bin/bash
# Store benchmark (make bench): 300 KB pages committed durably through the store's writer
# against a spool folder with fsync + rename, in the same run and on the same disk; median
# commit latency; time to list 10,000 queued pages. Prints figures, never passes or fails on
# timing.
set -u
bin="$FOLIO_BUILD/bench/store_bench"
[ -x "$bin" ] || { echo "no $bin: run 'make bench'"; exit 1; }
"$bin" "$FOLIO_TMP" "${STORE_BENCH_PAGES:-300}"
