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
