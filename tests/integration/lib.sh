# Helpers for the shell integration tests (sourced, not run: it is not executable).

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "skipped: $*"
	exit 77
}

# expect_fail STATUS TEXT COMMAND...: the command must exit with STATUS and say TEXT on
# stderr in exactly one line.
expect_fail() {
	local want=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want: $out"
	[ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || fail "'$*' said more than one line: $out"
	case $out in *"$text"*) ;; *) fail "'$*' said '$out', not '$text'" ;; esac
}

# make_config FILE DEVICE: a station config for tests, with its store and outbox in the
# test's scratch folder and SANE limited to the sim board's backends.
make_config() {
	cat >"$1" <<EOF
[station]
id = TEST-01
office = KE
log_level = info

[store]
path = $FOLIO_TMP/store
map_size_mb = 256

[capture]
device = $2
profile = bitonal
sane_config_dir = $FOLIO_SRC/board/sim/sane.d
sane_backend_dir = $FOLIO_BUILD/lib/sane

[profile bitonal]
source = adf
mode = lineart
resolution = 300

[upload]
target = file://$FOLIO_TMP/outbox
EOF
}

# sane_frontend COMMAND...: run a SANE frontend we did not write (scanimage) against this
# build's backend. A sanitized backend needs the sanitizer runtimes preloaded into it, and
# the frontend's own leaks are not ours to report.
sane_frontend() {
	local lib=$FOLIO_BUILD/lib/sane/libsane-folio.so.1 preload= rt
	for rt in asan ubsan; do
		readelf -d "$lib" 2>/dev/null | grep -q "NEEDED.*lib$rt\.so" &&
			preload="$preload $(gcc -print-file-name=lib$rt.so)"
	done
	if [ -n "$preload" ]; then
		LD_PRELOAD="$preload" ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$@"
	else
		"$@"
	fi
}
