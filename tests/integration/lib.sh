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

# wait_until TIMES PAUSE COMMAND...: runs COMMAND until it succeeds: at once, then after each
# of up to TIMES pauses of PAUSE seconds; status 1 when it never did.
wait_until() {
	local times=$1 pause=$2 i
	shift 2
	for ((i = 0; i < times; i++)); do
		"$@" && return 0
		sleep "$pause"
	done
	"$@"
}

# make_config FILE DEVICE [SETTING...]: a station config for tests, with its store and outbox
# in the test's scratch folder and SANE limited to the sim board's backends. Each SETTING,
# "[SECTION] key = value", replaces that key's default in SECTION or adds it there (a section
# the defaults lack is added at the end): "[capture] profile = raw" "[profile raw] mode = gray".
# Of two SETTINGs for the same key, the later wins. A test adds sections of its own after it
# with >>FILE.
make_config() {
	local file=$1 device=$2
	shift 2
	config_settings "$@" >"$file" <<EOF || fail "make_config: a setting is not '[SECTION] key = value': $*"
[station]
id = TEST-01
office = KE
log_level = info

[store]
path = $FOLIO_TMP/store
map_size_mb = 256

[capture]
device = $device
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

# config_settings [SETTING...]: the config on standard input with make_config's SETTINGs
# applied, on standard output; status 1 for a SETTING that is not "[SECTION] key = value".
config_settings() {
	awk 'function flush(sec,   i) { # the settings for [sec] not printed yet
		for (i = 1; i <= n; i++)
			if (secs[i] == sec && !done[i]) {
				print lines[i]
				done[i] = 1
			}
	}
	BEGIN {
		for (i = 1; i < ARGC; i++) {
			if (ARGV[i] !~ /^\[[^]]+\] *[a-z_0-9]+ *=/)
				exit(bad = 1)
			sec = substr(ARGV[i], 2, index(ARGV[i], "]") - 2)
			line = substr(ARGV[i], index(ARGV[i], "]") + 1)
			sub(/^ */, "", line)
			key = line
			sub(/ *=.*/, "", key)
			if (!((sec, key) in at))
				at[sec, key] = ++n
			secs[at[sec, key]] = sec
			keys[at[sec, key]] = key
			lines[at[sec, key]] = line
		}
		sec = ""
		ARGC = 1
	}
	/^$/ { blank++; next }
	/^\[.*\]$/ {
		flush(sec)
		sec = substr($0, 2, length($0) - 2)
	}
	{
		for (; blank > 0; blank--)
			print ""
		key = $0
		sub(/ *=.*/, "", key)
		for (i = 1; i <= n; i++)
			if (secs[i] == sec && keys[i] == key && !done[i]) {
				$0 = lines[i]
				done[i] = 1
			}
		print
	}
	END {
		if (bad)
			exit 1
		flush(sec)
		for (i = 1; i <= n; i++)
			if (!done[i]) {
				printf "\n[%s]\n", secs[i]
				flush(secs[i])
			}
	}' "$@"
}

# grey_profile NAME SOURCE OUTPUT DPI: a [profile NAME] section for folio.conf, on standard
# output: a grey scan from SOURCE (adf, flatbed) at DPI, delivered as OUTPUT (raw, bitonal)
grey_profile() {
	printf '[profile %s]\nsource = %s\nmode = gray\noutput = %s\nresolution = %s\n' "$@"
}

# feeder_test: the start of a test through the virtual feeder: skipped when libsane-folio is
# not built; $folio is the folio command on folio.conf (in the scratch folder).
feeder_test() {
	[ -f "$FOLIO_BUILD/lib/sane/libsane-folio.so.1" ] || skip "libsane-folio not built"
	folio="$FOLIO_BUILD/bin/folio --config folio.conf"
}

# feeder_config [PROFILE_LINE | SETTING...]: folio.conf for a test that feeds the pages it puts
# in stack/ through the virtual feeder alone (a sane.d of its own), with its store in the
# scratch folder and one profile, 'feed': grey at 300 dpi, delivered bitonal. Each
# PROFILE_LINE ("key = value") adds to the profile or replaces its default for that key; a
# SETTING ("[SECTION] key = value") is one of make_config's, applied last. Further sections
# ([ocr], [document], [upload], ...) come on standard input.
feeder_config() {
	local defaults=("source = adf" "mode = gray" "output = bitonal" "resolution = 300") d a
	local lines=() settings=()
	for a in "$@"; do
		case $a in
		"["*) settings+=("$a") ;;
		*) lines+=("$a") ;;
		esac
	done
	mkdir -p sane.d stack
	printf 'folio\n' >sane.d/dll.conf
	{
		cat <<EOF
[station]
id = TEST-01
office = KE
[store]
path = $FOLIO_TMP/store
map_size_mb = 512
[capture]
device = folio:$FOLIO_TMP/stack
profile = feed
sane_config_dir = $FOLIO_TMP/sane.d
sane_backend_dir = $FOLIO_BUILD/lib/sane
[profile feed]
EOF
		for d in "${defaults[@]}"; do
			for a in ${lines[@]+"${lines[@]}"}; do
				[ "${a%% =*}" = "${d%% =*}" ] && continue 2
			done
			printf '%s\n' "$d"
		done
		[ ${#lines[@]} -gt 0 ] && printf '%s\n' "${lines[@]}"
		cat
	} | config_settings ${settings[@]+"${settings[@]}"} >folio.conf ||
		fail "feeder_config: a setting is not '[SECTION] key = value': ${settings[*]}"
}

# reload_feeder DIR: the clerk puts the whole stack of the virtual feeder's folder DIR back in
# the feeder. The feeder keeps its place across sessions, as paper stays in a real feeder;
# removing its place file DIR/.folio-feeder (what its reload-feeder button does) starts the
# next scan at the first sheet again.
reload_feeder() {
	rm -f "$1/.folio-feeder"
}

# cover_sheet NUMBER DPI ARGS...: a cover sheet printed by `folio coversheet --office KE
# ARGS...` (with folio.conf), rasterised at DPI as sheet NUMBER of stack/
cover_sheet() {
	local n=$1 dpi=$2
	shift 2
	"$FOLIO_BUILD/bin/folio" --config folio.conf coversheet --office KE "$@" \
		--out "cover-$n.pdf" >/dev/null 2>err || fail "coversheet: $(cat err)"
	pdftoppm -r "$dpi" -gray -png -singlefile "cover-$n.pdf" "stack/page-$n"
}

# text_pages FIRST COUNT DPI: synthetic text pages FIRST.. of stack/ (pagegen, seed FIRST)
text_pages() {
	"$FOLIO_BUILD/bin/pagegen" --out stack --first "$1" --count "$2" --dpi "$3" \
		--kind text --seed "$1" >/dev/null || fail "pagegen failed"
}

# red_stamp PNG: a red ink "received" stamp (two rings) on the lower right of a 300 dpi A4
# page, written back as 24-bit colour (ImageMagick's convert; the caller checks it is there)
red_stamp() {
	convert "$1" -colorspace sRGB -fill none -stroke '#c8102e' -strokewidth 14 \
		-draw 'circle 1750,2900 1750,3160' -draw 'circle 1750,2900 1750,3120' \
		-type TrueColor "PNG24:$1" 2>err || fail "convert failed: $(cat err)"
}

# grey_photo PNG: a photograph-like grey area (a swirled ramp, 1500x1000) on a 300 dpi A4 page
grey_photo() {
	convert "$1" \( -size 1500x1000 gradient:gray15-gray85 -swirl 200 \) -geometry +490+2000 \
		-composite "$1" 2>err || fail "convert failed: $(cat err)"
}

# pages_of BATCH, state_of BATCH: how many pages BATCH has and its state, as `$folio batch
# show` says ($folio: the folio command with the test's --config)
pages_of() { $folio batch show "$1" | awk '$1 == "pages" { print $2 }'; }
state_of() { $folio batch show "$1" | awk '$1 == "state" { print $2 }'; }

# pages_by_document BATCH: "DOC[s] ..." of BATCH's pages, one word a page, s for a separator;
# `$folio batch show` of BATCH is left in show
pages_by_document() {
	$folio batch show "$1" >show || fail "batch show failed"
	awk '/^pages/ { p = 1; next } p && $1 ~ /^[0-9]+$/ { printf "%s%s ", $2, ($0 ~ /separator/ ? "s" : "") }' show
}

# expect_documents BATCH WANT [WHAT]: BATCH's pages fall into documents as WANT says
# (pages_by_document's words), else the test fails, naming WHAT; `batch show` is left in show
expect_documents() {
	local docs
	docs=$(pages_by_document "$1")
	[ "$docs" = "$2" ] || fail "${3:+$3: }pages by document: $docs"
}

# same_page BATCH PAGE IMAGE: page PAGE of BATCH, exported by $folio, is the file IMAGE pixel
# for pixel (ImageMagick's compare)
same_page() {
	local diff
	$folio page export --batch "$1" --page "$2" --out stored.pnm 2>/dev/null ||
		fail "batch $1 has no page $2"
	diff=$(compare -metric AE stored.pnm "$3" null: 2>&1)
	[ "$diff" = 0 ] || fail "batch $1 page $2 is not $3 ($diff pixels differ): $(identify stored.pnm "$3")"
}

# sane_preload: the sanitizer runtimes a program we did not build (scanimage) must
# preload to load this build's backend (nothing for a plain build)
sane_preload() {
	local lib=$FOLIO_BUILD/lib/sane/libsane-folio.so.1 preload= rt
	for rt in asan ubsan; do
		readelf -d "$lib" 2>/dev/null | grep -q "NEEDED.*lib$rt\.so" &&
			preload="$preload $(gcc -print-file-name=lib$rt.so)"
	done
	printf '%s\n' "${preload# }"
}

# sane_frontend COMMAND...: run a SANE frontend we did not write (scanimage) against this
# build's backend. A sanitized backend needs the sanitizer runtimes preloaded into it, and
# the frontend's own leaks are not ours to report.
sane_frontend() {
	local preload
	preload=$(sane_preload)
	if [ -n "$preload" ]; then
		LD_PRELOAD="$preload" ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$@"
	else
		"$@"
	fi
}

# start_escl FOLDER DPI: tests/servers/escl.py, an eSCL scanner whose feeder holds the PNG
# sheets of FOLDER, on a free port of 127.0.0.1 ($escl_port; its pid in $escl, stopped at
# exit; each request a line of requests.log)
start_escl() {
	local try i
	for try in 1 2 3 4 5; do
		escl_port=$(free_port) || fail "no free port on 127.0.0.1"
		: >escl.out
		/usr/bin/python3 "$FOLIO_SRC/tests/servers/escl.py" --port "$escl_port" \
			--feeder "$1" --dpi "$2" --log requests.log >escl.out 2>&1 &
		escl=$!
		for i in $(seq 200); do
			grep -q 'escl ready' escl.out && break
			kill -0 $escl 2>/dev/null || break
			sleep 0.05
		done
		if grep -q 'escl ready' escl.out; then
			trap 'kill $escl 2>/dev/null; wait $escl 2>/dev/null' EXIT
			return 0
		fi
		wait $escl 2>/dev/null
		grep -q 'Address already in use' escl.out ||
			fail "the eSCL scanner did not start: $(cat escl.out)"
	done
	fail "the eSCL scanner found no free port: $(cat escl.out)"
}

# --- The clerk UI's tests (web_*.sh): foliod with [web] on a free port, and curl.

# free_port: a port on 127.0.0.1 nothing listens on now (the kernel's choice, bind-tested) and
# never one this test was given before: a port handed out but not yet taken by its server comes
# back from the kernel as free, and two servers given one port leave a client talking to the
# wrong one (s3rver's plain HTTP where s3check's TLS was meant).
free_port() {
	local given=${FOLIO_TMP:?}/.ports-given p i
	for ((i = 0; i < 100; i++)); do
		p=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
			return 1
		grep -qx "$p" "$given" 2>/dev/null && continue
		echo "$p" >>"$given"
		echo "$p"
		return 0
	done
	return 1
}

# web_test: the start of a clerk UI test: skipped without curl; in the scratch folder, with
# $folio the folio command on its folio.conf and no foliod yet ($daemon empty). At exit, the
# event stream a test reads in the background ($stream: its pid, empty for none) is closed and
# foliod stopped; a test that starts other helpers sets a trap of its own.
web_test() {
	command -v curl >/dev/null || skip "curl is not installed (Debian package curl)"
	cd "$FOLIO_TMP" || fail "no scratch folder"
	folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
	daemon=
	stream=
	trap 'kill $stream 2>/dev/null; stop_foliod' EXIT
}

# web_config PORT [SETTING...]: folio.conf for a clerk UI test: make_config's, with a feeder
# that holds no paper and [web] listening on 127.0.0.1:PORT, its users in web.users. Each
# SETTING is one of make_config's: "[web] idle_minutes = 1".
web_config() {
	local port=$1
	shift
	make_config folio.conf "folio:$FOLIO_TMP/none" "[web] listen = 127.0.0.1:$port" \
		"[web] users_file = $FOLIO_TMP/web.users" "$@"
}

# start_foliod [LINE...]: foliod with the clerk UI on a free port ($port, $url); another port
# when that one was taken meanwhile. Returns 1 (foliod running, its log in foliod.log) when
# foliod serves no UI for another reason.
start_foliod() {
	local try i scheme=http
	for try in 1 2 3 4 5; do
		port=$(free_port) || fail "no free port on 127.0.0.1"
		write_config "$port" "$@"
		grep -q '^tls_cert' folio.conf && scheme=https
		url=$scheme://127.0.0.1:$port
		# Emptied here, not by the redirection below: the background job may open the file
		# only after the loop has read the last foliod's "clerk UI at" line from it.
		: >foliod.log
		"$FOLIO_BUILD/bin/foliod" --config folio.conf >>foliod.log 2>&1 &
		daemon=$!
		for i in $(seq 600); do # 30 s: a sanitized foliod on a loaded machine
			grep -q 'clerk UI at ' foliod.log && return 0
			grep -q 'no clerk UI\|cannot use \[web\]' foliod.log && break
			kill -0 "$daemon" 2>/dev/null || fail "foliod exited: $(tail -n 5 foliod.log)"
			sleep 0.05
		done
		grep -q 'is in use by another program' foliod.log || return 1
		stop_foliod
	done
	fail "foliod found no free port in 5 tries: $(tail -n 3 foliod.log)"
}

# jget FILE PATH: a value of a JSON file, PATH like "documents_list.0.application"; strings
# bare, null/true/false as in JSON, objects and arrays as compact JSON; "?" when absent.
jget() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    v = json.load(open(sys.argv[1], encoding="utf-8"))
    for k in sys.argv[2].split(".") if sys.argv[2] else []:
        v = v[int(k)] if isinstance(v, list) else v[k]
except Exception:
    print("?")
    sys.exit(0)
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
EOF
}

# call METHOD PATH [CURL ARGS...]: one request; the status in $code, the answer in body, its
# headers in headers.
call() {
	local m=$1 p=$2
	shift 2
	code=$(curl -s --max-time 15 -o body -D headers -w '%{http_code}' -X "$m" "$@" "$url$p")
	[ -n "$code" ] || code=000
}

# header NAME: the value of header NAME in the last answer (empty when absent)
header() {
	awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" 'BEGIN { FS = ": " }
		{ sub(/\r$/, "") } tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }' headers
}

# start_foliod [LINE...] needs write_config PORT [LINE...] from the test (its folio.conf).
# stop_foliod: stops the foliod start_foliod started, waiting for it.
stop_foliod() {
	[ -n "$daemon" ] || return 0
	kill "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null
	daemon=
}

# index_batch BATCH [FOLIO...]: what a clerk does before approval, which refuses a document
# without its index: every document of BATCH with no application number gets one (an ST.13
# number of its IP type) and one with no document code gets SCAN. FOLIO is the folio command
# with its --config (default: $folio).
index_batch() {
	local b=$1 d type app code
	shift
	[ $# -gt 0 ] || set -- $folio
	"$@" batch show "$b" >index.show 2>index.err || fail "cannot show batch $b: $(cat index.err)"
	while read -r d type app code; do
		local set=()
		[ "$app" = "(none)" ] && case $type in
			patent) set+=(--application 102024000000123) ;;
			trademark) set+=(--application 502024000000045) ;;
			*) set+=(--application 802025000000007) ;;
			esac
		[ -n "$code" ] || set+=(--doc-code SCAN)
		[ ${#set[@]} -eq 0 ] && continue
		"$@" doc set --batch "$b" --doc "$d" "${set[@]}" >/dev/null 2>index.err ||
			fail "cannot index document $d of batch $b: $(cat index.err)"
	done < <(awk '$1 == "document" { d = $2; next }
		d && $1 == "office" { print d, $4, $6, $8; d = 0 }' index.show)
	rm -f index.show index.err
}

# signed_package: a station key (keys/), one scanned batch from the test feeder, read,
# approved and exported signed into out/. Sets $folio (the command with the test's config),
# $batch and $pkg (the package folder).
signed_package() {
	make_config "$FOLIO_TMP/folio.conf" test:0 "[station] key_file = $FOLIO_TMP/keys/station.key"
	folio="$FOLIO_BUILD/bin/folio --config $FOLIO_TMP/folio.conf"
	$folio keygen --out keys >/dev/null 2>&1 || fail "keygen failed"
	batch=$(ASAN_OPTIONS=detect_leaks=0 $folio scan --source adf 2>err) || fail "scan failed: $(cat err)"
	$folio ocr --batch "$batch" 2>err || fail "OCR failed: $(cat err)" # approval waits for the text
	index_batch "$batch"
	$folio batch approve "$batch" >/dev/null 2>err || fail "approve failed: $(cat err)"
	pkg=$($folio export --batch "$batch" --out out 2>err) || fail "export failed: $(cat err)"
}

# server_test: the start of a test against local servers: tests/servers/servers.sh's helpers,
# every server they start stopped at exit, and $folio the bare folio command.
server_test() {
	. "$FOLIO_SRC/tests/servers/servers.sh"
	trap servers_stop EXIT
	folio=$FOLIO_BUILD/bin/folio
}

# start_server START DIR NAME: START (one of tests/servers/servers.sh's *_start) serving DIR
# on a free port, $port. The test is skipped when START says the server cannot run here
# (status 77, its last line why) and fails when NAME does not start.
start_server() {
	local rc
	port=$(free_port)
	"$1" "$2" "$port" >"$FOLIO_TMP/start.out"
	rc=$?
	[ $rc = 77 ] && skip "$(tail -n 1 "$FOLIO_TMP/start.out")"
	[ $rc = 0 ] || fail "cannot start $3: $(cat "$FOLIO_TMP/start.out")"
}

# deliver CONF PACKAGE: `folio upload package` of $FOLIO_TMP/pkgs/PACKAGE with CONF; its
# receipt in $out. The test fails when it does not deliver.
deliver() {
	out=$("$folio" --config "$1" upload package "$FOLIO_TMP/pkgs/$2" 2>"$FOLIO_TMP/err") ||
		fail "upload of $2 failed: $(cat "$FOLIO_TMP/err")"
}

# receipt_has [-x | -E] PATTERN WHY: the receipt of the last delivery ($out) has a line
# matching grep's PATTERN (-x: the whole line; -E: an extended one), else the test fails with
# WHY and the receipt.
receipt_has() {
	local opt=()
	case $1 in -x | -E) opt=("$1") && shift ;; esac
	echo "$out" | grep -q "${opt[@]}" -- "$1" || fail "$2: $out"
}

# upload_across_restart CONF PACKAGE DIR BUSY RESTART: `folio upload package` of PACKAGE (in
# $FOLIO_TMP/pkgs) with CONF, in the background; once the command BUSY says a file is on its
# way (8 s at most), the command RESTART kills the server and starts it again. The upload must
# finish all the same, after retries (its output in $FOLIO_TMP/kill.out), and the server's copy
# in DIR pass check_package.
upload_across_restart() {
	local conf=$1 name=$2 dir=$3 busy=$4 restart=$5 upload msg
	"$folio" --config "$conf" upload package "$FOLIO_TMP/pkgs/$name" >"$FOLIO_TMP/kill.out" 2>&1 &
	upload=$!
	wait_until 400 0.02 "$busy" || fail "the upload never started sending"
	"$restart"
	wait $upload || fail "upload across a server restart failed: $(cat "$FOLIO_TMP/kill.out")"
	grep -q '^retries   [1-9]' "$FOLIO_TMP/kill.out" || fail "no retry after the kill: $(cat "$FOLIO_TMP/kill.out")"
	msg=$(check_package "$dir/$name") || fail "$msg"
}

# real_package CONFIG: a station key in keys/ and a real package of one batch from the test
# feeder, as a station makes it with folio.conf CONFIG: scanned, read (a package is built only
# once its text is read), indexed, approved and exported signed into pkgs/ (all in the
# scratch folder). Sets $pkg (the package folder) and $name (its name).
real_package() {
	local folio=$FOLIO_BUILD/bin/folio real=$1 b
	"$folio" keygen --out "$FOLIO_TMP/keys" >/dev/null || fail "keygen failed"
	b=$("$folio" --config "$real" scan --source adf 2>"$FOLIO_TMP/err") ||
		fail "scan for a real package failed: $(cat "$FOLIO_TMP/err")"
	OMP_THREAD_LIMIT=1 "$folio" --config "$real" ocr --batch "$b" 2>"$FOLIO_TMP/err" ||
		fail "OCR for a real package failed: $(cat "$FOLIO_TMP/err")"
	index_batch "$b" "$folio" --config "$real"
	"$folio" --config "$real" batch approve "$b" >/dev/null 2>"$FOLIO_TMP/err" ||
		fail "approval of a real package failed: $(cat "$FOLIO_TMP/err")"
	pkg=$("$folio" --config "$real" export --batch "$b" --out "$FOLIO_TMP/pkgs" 2>"$FOLIO_TMP/err") ||
		fail "export of a real package failed: $(cat "$FOLIO_TMP/err")"
	name=$(basename "$pkg")
}

# st96_schemas: sets $st96 to the ST.96 V6_0 schema folder and the array $schemas to the
# verifier's "--schemas $st96" when that folder is there; else $schemas is empty (said).
st96_schemas() {
	st96=$FOLIO_SHARED/st96/V6_0
	schemas=()
	if [ -d "$st96" ]; then
		schemas=(--schemas "$st96")
	else
		echo "note: $st96 absent, schema validation not run"
	fi
}
