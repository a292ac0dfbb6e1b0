# Pieces shared by the Debian packages the tree builds (sourced by tools/deb/build.sh, the
# station's package, and tools/deb/verify.sh, the office's verifier): version, architecture,
# stripping, copyright and changelog, dependencies from the binaries, md5sums, the build
# and lintian. Not executable. Callers set: src (the source root), cc (the compiler).

maintainer=${DEB_MAINTAINER:-Folio maintainers <packaging@folio-station.org>}

# deb_setup: $version, $date_rfc, $arch, $multiarch and $strip_cmd for compiler $cc.
deb_setup() {
	local triplet cross stamp
	triplet=$($cc -dumpmachine)
	arch=$(dpkg-architecture -t "$triplet" -qDEB_HOST_ARCH 2>/dev/null)
	multiarch=$(dpkg-architecture -t "$triplet" -qDEB_HOST_MULTIARCH 2>/dev/null)
	cross=${cc%gcc}
	strip_cmd=${cross}strip
	command -v "$strip_cmd" >/dev/null || strip_cmd=strip
	# A Debian version from git: 0.0~gitDATE.HASH (a release would be tagged and say so).
	if stamp=$(cd "$src" && git log -1 --format='%cd.%h' --date=format:%Y%m%d 2>/dev/null); then
		version=0.0~git$stamp-1
	else
		version=0.0~unknown-1
	fi
	date_rfc=$(cd "$src" && git log -1 --format=%cD 2>/dev/null || date -R)
}

# deb_install_program ROOT PROGRAM: into ROOT/usr/bin, stripped.
deb_install_program() {
	install -m 0755 "$2" "$1/usr/bin/"
	$strip_cmd --remove-section=.comment --remove-section=.note "$1/usr/bin/$(basename "$2")"
}

# deb_man ROOT PAGE...: each man page, compressed, into its section's folder.
deb_man() {
	local root=$1 m sec
	shift
	for m in "$@"; do
		sec=${m##*.}
		mkdir -p "$root/usr/share/man/man$sec"
		gzip -9n <"$m" >"$root/usr/share/man/man$sec/$(basename "$m").gz"
	done
}

# deb_docs ROOT PACKAGE COMMENT CHANGE: copyright and changelog.Debian.gz of PACKAGE.
deb_docs() {
	local root=$1 pkg=$2 comment=$3 change=$4
	mkdir -p "$root/usr/share/doc/$pkg"
	cat >"$root/usr/share/doc/$pkg/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: folio
Comment: $comment

Files: *
Copyright: 2026 The Folio authors
License: proprietary
 All rights reserved. Distributed to the intellectual-property offices that run Folio
 stations under their agreement with the Folio authors.
COPY
	printf '%s (%s) unstable; urgency=medium\n\n  * %s\n\n -- %s  %s\n' \
		"$pkg" "$version" "$change" "$maintainer" "$date_rfc" |
		gzip -9n >"$root/usr/share/doc/$pkg/changelog.Debian.gz"
}

# deb_shlibs WORK PACKAGE ELF...: the shared-library dependencies of the ELF files, as
# dpkg-shlibdeps computes them (WORK: a scratch folder).
deb_shlibs() {
	local work=$1 pkg=$2
	shift 2
	mkdir -p "$work/src/debian"
	printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkg" "$pkg" >"$work/src/debian/control"
	(cd "$work/src" && DEB_HOST_ARCH=$arch dpkg-shlibdeps -O "$@" 2>"$work/shlibdeps.err" |
		sed -n 's/^shlibs:Depends=//p') || {
		cat "$work/shlibdeps.err" >&2
		return 1
	}
}

# deb_build ROOT DEB: md5sums, the package, then lintian when installed (errors fail).
deb_build() {
	local root=$1 deb=$2
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
		xargs -0 md5sum) >"$root/DEBIAN/md5sums"
	dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
	echo "$deb"
	if command -v lintian >/dev/null; then
		lintian --fail-on error --suppress-tags unknown-field "$deb" >&2 ||
			{ echo "deb: lintian found errors in $deb" >&2; return 1; }
	else
		echo "deb: lintian not installed: apt-get install lintian to check $deb" >&2
	fi
}
