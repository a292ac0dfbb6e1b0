#!/bin/bash
# The README's commands on a fresh Debian 12 machine: a minimal bookworm chroot (debootstrap
# minbase plus make, git and CA certificates, nothing else), a clone of the commit under test
# with ../shared beside it, and inside it, as a newcomer would type them:
#
#   make run                                   the station cycle
#   make check                                 the whole suite, plain and sanitized
#   make deps BOARD=rpi4 && make check BOARD=rpi4   the Raspberry Pi build under qemu
#
# Each step is timed; a failure prints the failing command's last lines and the log's path.
# The pristine chroot is kept as a tarball between runs on the same machine (the cache), so
# only the first run pays for debootstrap. The chroot gets what the host needs to reach the
# package registries: its extra CA certificates, its npm configuration and its apt proxy
# settings; never its packages or its apt sources (those are Debian's own: bookworm,
# bookworm-updates, bookworm-security).
#
# Usage: tools/fresh-check.sh [-s STEPS] [-k] [COMMIT]
#   COMMIT    what to clone (default HEAD; uncommitted changes are not seen)
#   -s STEPS  the steps, comma-separated, from run, check, rpi4 (default all three)
#   -k        keep the chroot afterwards (its path is printed)
# Environment: FRESH_DIR (work folder, default /var/tmp/folio-fresh), FRESH_CACHE (default
# /var/cache/folio-fresh), FRESH_MIRROR (default http://deb.debian.org/debian).
# Needs root (chroot, mounts) and debootstrap, which it installs when missing.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
steps=run,check,rpi4
keep=0
while getopts s:k opt; do
	case $opt in
	s) steps=$OPTARG ;;
	k) keep=1 ;;
	*)
		echo "usage: tools/fresh-check.sh [-s run,check,rpi4] [-k] [COMMIT]" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
commit=$(git -C "$src" rev-parse --verify "${1:-HEAD}^{commit}") || {
	echo "fresh-check: '${1:-HEAD}' is not a commit of $src" >&2
	exit 2
}
for s in ${steps//,/ }; do
	case $s in
	run | check | rpi4) ;;
	*)
		echo "fresh-check: unknown step '$s': use run, check or rpi4" >&2
		exit 2
		;;
	esac
done

work=${FRESH_DIR:-/var/tmp/folio-fresh}
cache=${FRESH_CACHE:-/var/cache/folio-fresh}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
shared=$(cd "$src/../shared" 2>/dev/null && pwd || true)
root=$work/root
logs=$work/logs
tarball=$cache/bookworm-minbase.tar

say() { printf 'fresh-check: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mounts): run it as root or with sudo"
if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
		die "cannot install debootstrap (apt-get install debootstrap)"
fi

# --- teardown: every process inside the chroot, then every mount under it -----------------

kill_inside() {
	local p r pids=()
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] && pids+=("${p#/proc/}")
	done
	[ ${#pids[@]} -eq 0 ] && return 0
	kill -TERM "${pids[@]}" 2>/dev/null || true
	sleep 1
	kill -KILL "${pids[@]}" 2>/dev/null || true
}

unmount_all() {
	local m
	# deepest first
	for m in $(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
}

teardown() { # [final]
	[ -d "$root" ] || return 0
	kill_inside
	unmount_all
	if [ "${1:-}" = final ] && [ "$keep" = 1 ]; then
		say "kept the chroot: $root (remove it with: rm -rf --one-file-system $root)"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap 'teardown final' EXIT
trap 'exit 130' INT TERM

# --- the pristine chroot, cached ------------------------------------------------------------

mkdir -p "$work" "$cache" "$logs"
teardown # what an interrupted run left
if [ ! -s "$tarball" ]; then
	say "making the pristine Debian 12 chroot (debootstrap minbase + make, git, ca-certificates)"
	start=$(date +%s)
	fresh=$work/pristine
	rm -rf --one-file-system "$fresh"
	debootstrap --variant=minbase --include=make,git,ca-certificates bookworm "$fresh" "$mirror" \
		>"$logs/debootstrap.log" 2>&1 ||
		{
			tail -n 20 "$logs/debootstrap.log" >&2
			die "debootstrap failed (log: $logs/debootstrap.log)"
		}
	tar -C "$fresh" --exclude="./var/cache/apt/archives/*.deb" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf --one-file-system "$fresh"
	say "pristine chroot cached in $tarball ($(du -h "$tarball" | cut -f1), $(($(date +%s) - start)) s)"
fi
mkdir -p "$root"
tar -C "$root" -xf "$tarball"

# --- what the host needs to reach the registries, and nothing else --------------------------

cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
apt-config dump 2>/dev/null | grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date) ' \
	>"$root/etc/apt/apt.conf.d/99host" || true
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
	cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
	chroot "$root" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the chroot"
fi
for f in "$HOME/.npmrc" /etc/npmrc /usr/etc/npmrc; do
	[ -f "$f" ] || continue
	case $f in
	"$HOME"/*) cp "$f" "$root/root/.npmrc" ;;
	*) cat "$f" >>"$root/etc/npmrc" ;;
	esac
done

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=755 tmpfs "$root/run"

mkdir -p "$root/work"
git clone -q --no-checkout "$src" "$root/work/folio"
git -C "$root/work/folio" fetch -q origin "$commit" 2>/dev/null || true # a commit on no branch
git -C "$root/work/folio" checkout -q --detach "$commit"
if [ -n "$shared" ]; then
	mkdir -p "$root/work/shared"
	mount --bind "$shared" "$root/work/shared"
	mount -o remount,bind,ro "$root/work/shared"
else
	say "no ../shared beside $src: the tests that need it will skip"
fi

# --- the steps --------------------------------------------------------------------------------

# step NAME LIMIT_MINUTES COMMAND...: runs COMMAND in the clone inside the chroot, as root with
# a login's plain environment; its output goes to logs/NAME.log.
declare -a summary=()
failed=0
step() {
	local name=$1 limit=$2 start rc secs
	shift 2
	say "$name: $*"
	start=$(date +%s)
	set +e
	timeout --kill-after=30 "$((limit * 60))" chroot "$root" /usr/bin/env -i HOME=/root \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		TERM=dumb /bin/bash -c "cd /work/folio && $*" </dev/null >"$logs/$name.log" 2>&1
	rc=$?
	set -e
	secs=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		summary+=("$(printf '%-6s passed in %4d s  %s' "$name" "$secs" "$*")")
		# the suite's tally, for the reader
		grep -E '^[0-9]+ passed, [0-9]+ failed' "$logs/$name.log" | tail -n 1 | sed 's/^/        /' >&2 || true
	else
		[ $rc -eq 124 ] && say "$name: stopped after its limit of $limit minutes"
		summary+=("$(printf '%-6s FAILED in %4d s  %s (status %d)' "$name" "$secs" "$*" "$rc")")
		say "$name failed (status $rc); its last lines ($logs/$name.log):"
		tail -n 60 "$logs/$name.log" | sed 's/^/    | /' >&2
		failed=1
	fi
	return 0
}

say "testing $(git -C "$src" log -1 --format='%h %s' "$commit")"
for s in ${steps//,/ }; do
	case $s in
	run) step run 30 make run ;;
	check) step check 60 make check ;;
	rpi4) step rpi4 30 'make deps BOARD=rpi4 && make check BOARD=rpi4' ;;
	esac
done

disk=$(du -sh --one-file-system "$root" 2>/dev/null | cut -f1)
echo
echo "fresh Debian 12 check of $(git -C "$src" rev-parse --short "$commit") (chroot: $disk on disk afterwards)"
printf '  %s\n' "${summary[@]}"
exit $failed
