# Test servers on 127.0.0.1, started and stopped by the test that sources this file (after
# tests/integration/lib.sh). Every server lives in a folder of the test's scratch space, listens
# on a free high port of 127.0.0.1 only, and is stopped by servers_stop (call it from an EXIT
# trap). Nothing here reaches another address.
#
#   free_port                      (tests/integration/lib.sh) a free TCP port on 127.0.0.1
#   make_pki DIR                   a test CA, a server certificate for 127.0.0.1, a client
#                                  certificate, and a second CA that signed nothing of ours
#   nginx_start DIR PORT [OPTS]    nginx + WebDAV over TLS; OPTS: client-cert, auth
#                                  (user folio, password in DIR/password); DIR/root is served.
#                                  Faults: touch DIR/fail503 (every request answers 503),
#                                  DIR/fail500move (MOVE answers 500)
#   sshd_start DIR PORT            OpenSSH serving SFTP with DIR/client_key and a pinned host
#                                  key in DIR/known_hosts; sshd_kill DIR, sshd_restart DIR PORT
#   nginx_kill DIR                 nginx's master and workers die at once (then nginx_start)
#   s3_start DIR PORT              s3rver behind tests/servers/s3check.js (TLS, SigV4 checked
#                                  with AWS's signer; log DIR/sigcheck.log; faults: a number in
#                                  DIR/fail503 answers that many requests 503)
#   faultproxy_start DIR PORT TO   TCP proxy PORT -> TO; DIR/fault holds "pass", "stall N" or
#                                  "cut N" (after N bytes upstream, for new connections)
#   wait_port PORT                 until something listens on PORT (10 s at most)
#   watch_delivery PID DIR NAME    while PID runs, DIR/NAME never holds half a package
#   closing_window SECONDS         TZ and a window ($window) that closes in SECONDS
#   flip_byte FILE OFFSET          one bit of FILE changed at OFFSET, its size kept
#   cut_by_window CONF DIR NAME    folio delivers NAME with CONF until the window closes
#   servers_stop                   stop everything started here

SERVERS_DIR=${FOLIO_SRC:?}/tests/servers
servers_pids=()

wait_port() {
	local i
	for ((i = 0; i < 200; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

servers_stop() {
	local p
	for p in "${servers_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${servers_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	servers_pids=()
}

make_pki() {
	local d=$1
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout ca.key -out ca.pem -days 2 -subj '/CN=Folio test CA' 2>/dev/null &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout wrong-ca.key -out wrong-ca.pem -days 2 -subj '/CN=Another CA' 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout server.key -out server.csr -subj '/CN=127.0.0.1' 2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out server.pem -days 2 -extfile server.ext 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout client.key -out client.csr -subj '/CN=TEST-01' 2>/dev/null &&
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out client.pem -days 2 2>/dev/null &&
		chmod 600 client.key server.key ca.key wrong-ca.key
	) || return 1
}

nginx_start() {
	local d=$1 port=$2 opts=${3:-} tls_client= auth= mod=/usr/lib/nginx/modules/ngx_http_dav_ext_module.so
	command -v nginx >/dev/null || { echo "nginx is not installed"; return 77; }
	[ -f "$mod" ] || { echo "libnginx-mod-http-dav-ext is not installed"; return 77; }
	mkdir -p "$d/root" "$d/tmp" "$d/logs"
	[ -f "$d/server.pem" ] || make_pki "$d" || return 1
	case $opts in *client-cert*)
		tls_client="ssl_client_certificate $d/ca.pem; ssl_verify_client on;" ;;
	esac
	case $opts in *auth*)
		printf 'folio-test-%s\n' "$RANDOM$RANDOM" >"$d/password"
		printf 'folio:%s\n' "$(openssl passwd -apr1 "$(cat "$d/password")")" >"$d/htpasswd"
		auth="auth_basic folio; auth_basic_user_file $d/htpasswd;" ;;
	esac
	cat >"$d/nginx.conf" <<EOF
load_module $mod;
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 64; }
http {
	log_format dav '\$request_method \$uri \$status \$http_destination';
	access_log $d/logs/access.log dav;
	client_body_temp_path $d/root/.nginx-body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	client_max_body_size 0;
	server {
		listen 127.0.0.1:$port ssl;
		ssl_certificate $d/server.pem;
		ssl_certificate_key $d/server.key;
		$tls_client
		root $d/root;
		location / {
			if (-f $d/fail503) { return 503; }
			set \$fault "\$request_method";
			if (-f $d/fail500move) { set \$fault "\${fault}500"; }
			if (\$fault = "MOVE500") { return 500; }
			$auth
			dav_methods PUT DELETE MKCOL COPY MOVE;
			dav_ext_methods PROPFIND OPTIONS;
			dav_access user:rw group:r all:r;
			autoindex on;
		}
	}
}
EOF
	nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' 2>>"$d/logs/stderr" &
	servers_pids+=($!)
	echo $! >"$d/nginx.launcher"
	wait_port "$port" || { echo "nginx did not start: $(cat "$d/logs/error.log" "$d/logs/stderr" 2>/dev/null)"; return 1; }
}

# nginx_kill DIR: the master and its workers die at once, as in a power cut. The master is
# stopped first: a running master starts a new worker for each one killed, and that worker,
# started just before the master died, outlived the test (in a deleted scratch folder).
nginx_kill() {
	local master
	master=$(cat "$1/nginx.pid" 2>/dev/null) || return 1
	kill -STOP "$master" 2>/dev/null
	pkill -KILL -P "$master" 2>/dev/null
	kill -KILL "$master" 2>/dev/null
	wait "$master" 2>/dev/null
	rm -f "$1/nginx.pid"
}

sshd_start() {
	local d=$1 port=$2
	[ -x /usr/sbin/sshd ] || { echo "openssh-server is not installed"; return 77; }
	[ "$(id -u)" = 0 ] || { echo "sshd tests need root (test-local sshd as the current user)"; return 77; }
	mkdir -p "$d/root" /run/sshd
	ssh-keygen -q -t ecdsa -b 256 -N '' -f "$d/host_key" </dev/null >/dev/null || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$d/client_key" </dev/null >/dev/null || return 1
	cp "$d/client_key.pub" "$d/authorized_keys"
	printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$d/host_key.pub")" >"$d/known_hosts"
	cat >"$d/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $d/host_key
AuthorizedKeysFile $d/authorized_keys
PidFile $d/sshd.pid
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
LogLevel ERROR
EOF
	/usr/sbin/sshd -D -e -f "$d/sshd_config" 2>>"$d/sshd.log" &
	servers_pids+=($!)
	echo $! >"$d/sshd.launcher"
	wait_port "$port" || { echo "sshd did not start: $(cat "$d/sshd.log")"; return 1; }
}

# sshd_kill DIR: the listener and every session it forked die at once (SIGKILL).
sshd_kill() {
	local pid
	pid=$(cat "$1/sshd.launcher" 2>/dev/null) || return 1
	pkill -KILL -P "$pid" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# sshd_restart DIR PORT: start the same server again (same keys and config).
sshd_restart() {
	/usr/sbin/sshd -D -e -f "$1/sshd_config" 2>>"$1/sshd.log" &
	servers_pids+=($!)
	echo $! >"$1/sshd.launcher"
	wait_port "$2" || { echo "sshd did not start again: $(cat "$1/sshd.log")"; return 1; }
}

node_ready() {
	command -v node >/dev/null || { echo "node is not installed"; return 77; }
	[ -d "$SERVERS_DIR/node_modules/s3rver" ] && [ -d "$SERVERS_DIR/node_modules/@smithy/signature-v4" ] ||
		{ echo "s3rver and @smithy/signature-v4 are not installed: run tests/servers/install.sh"; return 77; }
}

s3_start() {
	local d=$1 port=$2 inner
	node_ready || return $?
	mkdir -p "$d/s3"
	[ -f "$d/server.pem" ] || make_pki "$d" || return 1
	inner=$(free_port)
	node "$SERVERS_DIR/node_modules/s3rver/bin/s3rver.js" -a 127.0.0.1 -p "$inner" -d "$d/s3" \
		--silent --no-vhost-buckets --configure-bucket folio >>"$d/s3rver.log" 2>&1 &
	servers_pids+=($!)
	wait_port "$inner" || { echo "s3rver did not start: $(cat "$d/s3rver.log")"; return 1; }
	node "$SERVERS_DIR/s3check.js" --listen "$port" --upstream "$inner" --cert "$d/server.pem" \
		--key "$d/server.key" --log "$d/sigcheck.log" --faults "$d/fail503" \
		--access-key S3RVER --secret-key S3RVER --region "${S3_REGION:-us-east-1}" \
		>>"$d/s3check.out" 2>&1 &
	servers_pids+=($!)
	wait_port "$port" || { echo "s3check did not start: $(cat "$d/s3check.out")"; return 1; }
}

faultproxy_start() {
	local d=$1 port=$2 to=$3
	command -v node >/dev/null || { echo "node is not installed"; return 77; }
	[ -f "$d/fault" ] || echo pass >"$d/fault"
	node "$SERVERS_DIR/faultproxy.js" "$port" "$to" "$d/fault" >>"$d/faultproxy.log" 2>&1 &
	servers_pids+=($!)
	wait_port "$port" || { echo "faultproxy did not start"; return 1; }
}

# make_package DIR NAME FILES SIZE_KB: a package folder as firmware/package writes one: FILES
# page files of about SIZE_KB KiB in D0001/ and D0002/, BATCH.txt, MANIFEST.sizes,
# MANIFEST.sha256 (sha256sum's form) and a MANIFEST.sha256.sig.
make_package() {
	local d=$1/$2 files=$3 kb=$4 i doc
	mkdir -p "$d/D0001" "$d/D0002" || return 1
	for ((i = 1; i <= files; i++)); do
		doc=D000$(((i % 2) + 1))
		head -c $((kb * 1024 + i)) /dev/urandom >"$d/$doc/$(printf 'P%04d.tif' "$i")"
	done
	printf 'station TEST-01\nbatch %s\n' "$2" >"$d/BATCH.txt"
	(
		cd "$d" || exit 1
		find . -type f ! -name 'MANIFEST.*' ! -name .list | sed 's|^\./||' | LC_ALL=C sort >.list
		while read -r f; do printf '%s  %s\n' "$(stat -c %s "$f")" "$f"; done <.list >MANIFEST.sizes
		{ cat .list; echo MANIFEST.sizes; } | LC_ALL=C sort | xargs sha256sum >MANIFEST.sha256
		rm .list
		head -c 64 /dev/urandom >MANIFEST.sha256.sig
	)
}

# check_package DIR: the delivered copy passes its manifest, has its signature, no leftovers.
check_package() {
	local d=$1 left
	[ -f "$d/MANIFEST.sha256" ] || { echo "no manifest in $d"; return 1; }
	[ -f "$d/MANIFEST.sha256.sig" ] || { echo "no signature in $d"; return 1; }
	(cd "$d" && sha256sum --quiet -c MANIFEST.sha256) || { echo "sha256sum -c fails in $d"; return 1; }
	left=$(find "$d" -name '*.folio-part' | head -3)
	[ -z "$left" ] || { echo "temporary files left in $d: $left"; return 1; }
}

# watch_delivery PID DIR NAME: looks at the server's folder DIR while the delivery PID runs:
# a package folder NAME, whenever it is there, is whole (check_package), and the delivery was
# seen in its hidden temporary folder .NAME.folio-part at least once.
watch_delivery() {
	local pid=$1 d=$2 name=$3 seen=0 looks=0 msg
	while kill -0 "$pid" 2>/dev/null; do
		looks=$((looks + 1))
		if [ -e "$d/$name" ]; then
			msg=$(check_package "$d/$name") ||
				{ echo "half a package visible under its final name: $msg"; return 1; }
		fi
		[ -d "$d/.$name.folio-part" ] && seen=$((seen + 1))
		sleep 0.05
	done
	[ "$seen" -gt 0 ] || { echo "the delivery was never seen in its temporary folder"; return 1; }
	echo "looked $looks times, $seen times at a delivery in its temporary folder"
}

# closing_window SECONDS: exports TZ, a zone whose offset from UTC has seconds in it, chosen
# so that its clock is SECONDS (2..50) before a full minute; sets $window to "HH:MM-HH:MM",
# open now, closing at that minute, and $window_end to that moment (unix seconds).
closing_window() {
	local want=$1 now
	now=$(date -u +%s)
	export TZ=$(printf 'FOL-00:00:%02d' $((((60 - want) - now % 60 + 120) % 60)))
	window_end=$((now + want))
	window="$(date -d "@$now" +%H:%M)-$(date -d "@$((now + 60))" +%H:%M)"
}

# flip_byte FILE OFFSET: the byte at OFFSET of FILE with one bit changed, as a faulty disk or
# server would return it; the size stays.
flip_byte() {
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1]))' "$1" "$2"
}

# cut_by_window CONF DIR NAME: `folio upload package` of $FOLIO_TMP/pkgs/NAME with CONF, whose
# window closing_window made, watched in the server's folder DIR (watch_delivery): it must
# stop with a clear line within 10 s of the window's end, NAME never visible meanwhile. Prints
# how late it stopped.
cut_by_window() {
	local conf=$1 d=$2 name=$3 pid watch stopped late
	"$FOLIO_BUILD/bin/folio" --config "$conf" upload package "$FOLIO_TMP/pkgs/$name" \
		>"$FOLIO_TMP/win.out" 2>&1 &
	pid=$!
	watch=$(watch_delivery $pid "$d" "$name") || { echo "$watch"; return 1; }
	stopped=$EPOCHREALTIME
	wait $pid && { echo "the delivery went on after the window closed: $(cat "$FOLIO_TMP/win.out")"; return 1; }
	grep -q "stopped: the upload window closed" "$FOLIO_TMP/win.out" ||
		{ echo "no clear line when the window closed: $(cat "$FOLIO_TMP/win.out")"; return 1; }
	late=$(awk -v a="$window_end" -v b="$stopped" 'BEGIN { printf "%.1f", b - a }')
	awk -v l="$late" 'BEGIN { exit !(l < 10) }' ||
		{ echo "the delivery ran on $late s after the window closed"; return 1; }
	[ ! -e "$d/$name" ] || { echo "part of the package is visible under its final name"; return 1; }
	echo "stopped $late s after the window closed ($watch)"
}
