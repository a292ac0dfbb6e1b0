#!/bin/bash
# Upload benchmark (make bench): a package to nginx's WebDAV over TLS on 127.0.0.1 through
# `folio upload package`, against `curl -T` sending the same files to the same server in the
# same run (one connection per file list, as a person would); the cost of reading every file
# back (against curl downloading the same files); then the accuracy of the bandwidth cap (the
# read-back, a download, is not capped and adds to the time). Prints figures and ratios, never passes or fails on timing.
set -u
. "$FOLIO_SRC/tests/integration/lib.sh"
. "$FOLIO_SRC/tests/servers/servers.sh"
trap servers_stop EXIT
folio=$FOLIO_BUILD/bin/folio
dav=$FOLIO_TMP/dav
port=$(free_port)
nginx_start "$dav" "$port" >"$FOLIO_TMP/start.out" || { echo "bench upload: $(tail -n 1 "$FOLIO_TMP/start.out")"; exit 0; }
files=${UPLOAD_BENCH_FILES:-40} kb=${UPLOAD_BENCH_KB:-4096}
make_package "$FOLIO_TMP/pkgs" B "$files" "$kb"
pkg=$FOLIO_TMP/pkgs/B
bytes=$(cat $(find "$pkg" -type f) | wc -c)

conf() { # NAME KEY=VALUE lines
	local name=$1 f=$FOLIO_TMP/$1.conf
	shift
	make_config "$f" test:0
	sed -i "s|^target = .*|target = https://127.0.0.1:$port/$name|" "$f"
	printf '%s\n' "ca_file = $dav/ca.pem" "$@" >>"$f"
	mkdir -p "$dav/root/$name"
	echo "$f"
}
now() { date +%s.%N; }

# The peer: curl -T, every file of the package in one curl run over one connection. Each
# round runs the peer and folio back to back on an emptied server (synced first), so both
# meet the same page cache and write-back.
(cd "$pkg" && find . -type f | sed 's|^\./||' | sort) >"$FOLIO_TMP/list"
peer_run() {
	local args=() f
	rm -rf "$dav/root/peer"
	mkdir -p "$dav/root/peer/D0001" "$dav/root/peer/D0002"
	while read -r f; do args+=(-T "$pkg/$f" "https://127.0.0.1:$port/peer/$f"); done <"$FOLIO_TMP/list"
	sync
	t0=$(now)
	curl -s --cacert "$dav/ca.pem" -o /dev/null "${args[@]}" || echo "curl -T failed"
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
for c in 1 2; do
	f=$(conf "c$c" "concurrency = $c")
	peer=$(peer_run)
	rm -rf "$dav/root/c$c"/*
	sync
	t0=$(now)
	"$folio" --config "$f" upload package "$pkg" >"$FOLIO_TMP/out" || echo "folio upload failed"
	t1=$(now)
	ours=$(echo "$t1 - $t0" | bc -l)
	printf 'upload %d MB to WebDAV/TLS, concurrency %d: folio %.1f MB/s, curl -T %.1f MB/s: %.2fx\n' \
		$((bytes / 1000000)) "$c" "$(echo "$bytes / $ours / 1000000" | bc -l)" \
		"$(echo "$bytes / $peer / 1000000" | bc -l)" "$(echo "$peer / $ours" | bc -l)"
	# The read-back (every file downloaded into SHA-256 and compared): its share of the
	# delivery, against curl downloading the same files over one connection.
	rb=$(sed -n 's/^read-back \([0-9.]*\) s.*/\1/p' "$FOLIO_TMP/out")
	args=()
	while read -r l; do args+=(-o /dev/null "https://127.0.0.1:$port/c$c/B/$l"); done <"$FOLIO_TMP/list"
	t0=$(now)
	curl -s --cacert "$dav/ca.pem" "${args[@]}" || echo "curl GET failed"
	t1=$(now)
	get=$(echo "$t1 - $t0" | bc -l)
	printf 'read-back of %d MB, concurrency %d: %.2f s (summed over connections; %.0f%% of the delivery), curl GET %.2f s: %.2fx\n' \
		$((bytes / 1000000)) "$c" "${rb:-0}" "$(echo "${rb:-0} * 100 / $ours" | bc -l)" "$get" \
		"$(echo "$get / ${rb:-1}" | bc -l)"
	rm -rf "$dav/root/c$c"/* "$dav/root/peer"
done

# The cap: 40 Mbit/s over two connections for about 8 seconds of data.
cap=40000
f=$(conf cap "concurrency = 2" "bandwidth_kbps = $cap")
make_package "$FOLIO_TMP/pkgs" C 8 5000
cbytes=$(cat $(find "$FOLIO_TMP/pkgs/C" -type f) | wc -c)
t0=$(now)
"$folio" --config "$f" upload package "$FOLIO_TMP/pkgs/C" >/dev/null || echo "folio upload failed"
t1=$(now)
rate=$(echo "$cbytes * 8 / ($t1 - $t0) / 1000" | bc -l)
printf 'bandwidth cap %d kbit/s: measured %.0f kbit/s over %.1f s (%+.1f%%)\n' "$cap" "$rate" \
	"$(echo "$t1 - $t0" | bc -l)" "$(echo "($rate - $cap) * 100 / $cap" | bc -l)"
