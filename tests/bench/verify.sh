#!/bin/bash
# The office's verifier in bounded memory: folio-verify's peak RSS and time on a 2 GB package
# against sha256sum -c on the same files (the peer: the hashes alone, which stream).
# The package: one the station delivered (the test feeder's pages, scanned, read, approved,
# exported signed), padded with listed files to VERIFY_BENCH_MB MiB (default 2048) and signed
# again with the station's key (verify_pad). Caches are what they are: the peer runs second,
# on files the verifier just read. Never passes or fails on timing.
set -eu
build=${FOLIO_BUILD:?run through tests/bench/run.sh}
tmp=${FOLIO_TMP:-$(mktemp -d)}
cd "$tmp"
mb=${VERIFY_BENCH_MB:-2048}
for p in "$build/bench/verify_pad" "$build/bin/folio-verify" "$build/bin/folio"; do
	[ -e "$p" ] || { echo "verify bench: no '$p': build it with make bench"; exit 1; }
done
[ -x /usr/bin/time ] || { echo "verify bench: skipped: /usr/bin/time is not installed (Debian package time)"; exit 0; }
free_mb=$(df -Pm . | awk 'NR == 2 { print $4 }')
[ "$free_mb" -gt $((mb + 512)) ] || { echo "verify bench: skipped: $free_mb MiB free in $tmp, $mb MiB needed"; exit 0; }

export FOLIO_SRC=${FOLIO_SRC:-$(cd "$(dirname "$0")/../.." && pwd)} FOLIO_TMP=$tmp
fail() { echo "verify bench: $*" >&2; exit 1; }
. "$FOLIO_SRC/tests/integration/lib.sh"
signed_package >/dev/null
"$build/bench/verify_pad" "$pkg" keys/station.key "$mb" >/dev/null
bytes=$(du -sb "$pkg" | cut -f1)

/usr/bin/time -f '%M %e' -o fv.time "$build/bin/folio-verify" "$pkg" --key keys/station.pub >fv.out 2>&1 ||
	fail "folio-verify refuses the padded package: $(cat fv.out)"
grep -q '^result    ok$' fv.out || fail "no 'result ok': $(cat fv.out)"
(cd "$pkg" && /usr/bin/time -f '%M %e' -o ../../sum.time sha256sum --quiet -c MANIFEST.sha256) ||
	fail "sha256sum -c fails on the padded package"
read -r fv_kb fv_s <fv.time
read -r sum_kb sum_s <sum.time
awk -v b="$bytes" -v fk="$fv_kb" -v fs="$fv_s" -v sk="$sum_kb" -v ss="$sum_s" 'BEGIN {
	printf "package: %.2f GB, %d documents\n", b / 1e9, 1
	printf "folio-verify: peak RSS %.1f MB, %.1f s (%.0f MB/s)\n", fk / 1024, fs, b / 1e6 / (fs > 0 ? fs : 1)
	printf "sha256sum -c: peak RSS %.1f MB, %.1f s (%.0f MB/s)\n", sk / 1024, ss, b / 1e6 / (ss > 0 ? ss : 1)
	printf "ratio: folio-verify / sha256sum: peak RSS %.2fx, time %.2fx\n", fk / sk, fs / (ss > 0 ? ss : 1)
}'
