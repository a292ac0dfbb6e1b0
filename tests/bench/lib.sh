# Helpers for the benchmark scripts (sourced, not run: it is not executable; run.sh passes
# over it).

# bench_feeder: ends the benchmark (status 0, saying why) when this build has no virtual
# feeder; else SANE, for folio and scanimage alike, sees that feeder alone (sane.d/ here) and
# $lib is the build's SANE backend folder.
bench_feeder() {
	lib=$FOLIO_BUILD/lib/sane
	[ -f "$lib/libsane-folio.so.1" ] || { echo "skipped: $lib/libsane-folio.so.1 not built"; exit 0; }
	mkdir -p sane.d
	printf 'folio\n' >sane.d/dll.conf
	export SANE_CONFIG_DIR=$PWD/sane.d LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
}

# bench_config PROFILE MAP_MB [FOLDER]: on standard output, the [station], [store] and
# [capture] sections of folio.conf for a benchmark that scans FOLDER (default pages/) through
# bench_feeder's feeder into a store of MAP_MB MiB here, with profile PROFILE (the caller
# writes the profiles after it).
bench_config() {
	cat <<CONF
[station]
id = BENCH
office = KE
[store]
path = $PWD/store
map_size_mb = $2
[capture]
device = folio:$PWD/${3:-pages}
profile = $1
sane_config_dir = $PWD/sane.d
sane_backend_dir = $lib
CONF
}

# bench_profile NAME MODE OUTPUT [LINE...]: on standard output, a [profile NAME] section for
# bench_config's feeder: MODE (gray, color) at 300 dpi, delivered as OUTPUT (raw, bitonal,
# auto), then each LINE ("key = value").
bench_profile() {
	printf '[profile %s]\nsource = adf\nmode = %s\noutput = %s\nresolution = 300\n' "$1" "$2" "$3"
	shift 3
	[ $# = 0 ] || printf '%s\n' "$@"
}

# bench_text_pages COUNT: COUNT text pages in pages/, as bench_config's feeder reads them: A4
# at 300 dpi, skewed up to 2 degrees, PNM (seed 7: the same pages in every benchmark that
# takes them).
bench_text_pages() {
	"$FOLIO_BUILD/bin/pagegen" --out pages --count "$1" --dpi 300 --size a4 --kind text \
		--skew-range -2:2 --seed 7 --format pnm >/dev/null
}
