#!/bin/bash
# OCR stage throughput on this machine, in one run, over the same page files:
#   folio      the worker pool as the station runs it: 2 workers, started once and kept up
#              over the pages of all three languages, each page read with its document's
#              language (a worker keeps an engine per language; text + hOCR)
#   tesseract  the `tesseract` command, two at a time, OMP_THREAD_LIMIT=1: text only, and again
#              with text and hOCR, the same outputs as folio's
#   ocrmypdf   `ocrmypdf --jobs 2` over the same pages as one PDF (skipped when not installed)
# Peers run at the same niceness as folio's workers, so that other load on the machine weighs
# on all of them alike. Prints pages per minute by wall time and by CPU time, the ratios
# against each peer, the CER of each against pagegen's truth, and peak resident memory (per
# folio worker; for a peer, its largest process).
# Pages: pagegen, A4 300 dpi, English, French and Arabic, degraded like a scan.
# OCR_BENCH_PAGES=N sets pages per language (default 4), OCR_BENCH_ROUNDS=N how often every
# contender goes over them (default 2), contenders taking turns; OCR_BENCH_PEERS="tess tesshocr"
# limits the peers. Never passes or fails on timing.
set -eu
build=${FOLIO_BUILD:?run through tests/bench/run.sh}
cd "${FOLIO_TMP:-$(mktemp -d)}"
bench=$build/bench/ocr_bench
per_lang=${OCR_BENCH_PAGES:-4}
rounds=${OCR_BENCH_ROUNDS:-2}
workers=2
nice=10 # OCR_POOL_DEFAULT_NICE
export OMP_THREAD_LIMIT=1

for p in "$bench" "$build/bin/pagegen" "$build/bin/folio-ocr-worker"; do
	[ -x "$p" ] || { echo "ocr bench: no '$p': build it with make bench"; exit 1; }
done
command -v tesseract >/dev/null || { echo "ocr bench: no 'tesseract' command: install tesseract-ocr"; exit 1; }
peers="tess tesshocr"
if command -v ocrmypdf >/dev/null && /usr/bin/python3 -c 'import img2pdf' 2>/dev/null; then
	peers="tess tesshocr ocrmypdf"
else
	echo "ocrmypdf: not installed (Debian package ocrmypdf), peer skipped"
fi
# OCR_BENCH_PEERS="tess tesshocr" measures only those peers.
[ -n "${OCR_BENCH_PEERS:-}" ] && peers=$(for p in $OCR_BENCH_PEERS; do
	[[ " $peers " == *" $p "* ]] && printf '%s ' "$p"; done)

# One page through the tesseract command: tesseract1.sh OUTDIR LANG FORMATS IMAGE
cat >tesseract1.sh <<'EOF'
exec tesseract "$4" "$1/$(basename "$4" .png)" -l "$2" $3 2>/dev/null
EOF

declare -A wall cpu rss
for peer in folio $peers; do wall[$peer]=0 cpu[$peer]=0 rss[$peer]=0; done
add() { # peer, output of ocr_bench pool/run
	local s c r
	s=$(sed -n 's/.*seconds \([0-9.]*\) cpu.*/\1/p' <<<"$2")
	c=$(sed -n 's/.*cpu_seconds \([0-9.]*\).*/\1/p' <<<"$2")
	r=$(sed -n 's/.*max_rss_kb \([0-9]*\).*/\1/p' <<<"$2")
	wall[$1]=$(awk -v a="${wall[$1]}" -v b="$s" 'BEGIN { print a + b }')
	cpu[$1]=$(awk -v a="${cpu[$1]}" -v b="$c" 'BEGIN { print a + b }')
	[ "$r" -gt "${rss[$1]}" ] && rss[$1]=$r
	return 0
}

# One contender over one language's pages: run_one PEER LANG
run_one() {
	local peer=$1 lang=$2 out
	rm -rf "${peer:?}-$lang"
	mkdir -p "$peer-$lang"
	case $peer in
	folio) # every language at once: documents come mixed
		rm -rf folio-eng folio-fra folio-ara
		mkdir -p folio-eng folio-fra folio-ara
		add folio "$("$bench" mixed "$workers" folio "${mixed[@]}")" ;;
	tess) add tess "$("$bench" run nice -n $nice xargs -a "list-$lang" -P 2 -n 1 \
		sh ./tesseract1.sh "tess-$lang" "$lang" txt)" ;;
	tesshocr) add tesshocr "$("$bench" run nice -n $nice xargs -a "list-$lang" -P 2 -n 1 \
		sh ./tesseract1.sh "tesshocr-$lang" "$lang" "txt hocr")" ;;
	ocrmypdf)
		if out=$("$bench" run nice -n $nice ocrmypdf -q --jobs 2 -l "$lang" --output-type pdf \
			--optimize 0 --sidecar "ocrmypdf-$lang/all.txt" "in-$lang.pdf" "out-$lang.pdf" \
			2>ocrmypdf.err); then
			add ocrmypdf "$out"
			# The sidecar separates pages with form feeds.
			awk -v dir="ocrmypdf-$lang" -v n="${#imgs[@]}" 'BEGIN { RS = "\f" }
				NR <= n { printf "%s", $0 > sprintf("%s/page-%04d.txt", dir, NR) }' \
				"ocrmypdf-$lang/all.txt"
			rm "ocrmypdf-$lang/all.txt"
		else
			echo "ocrmypdf failed, peer skipped: $(tail -n 1 ocrmypdf.err)"
			peers=${peers/ ocrmypdf/}
		fi
		;;
	esac
}

pages=0
mixed=()
for lang in eng fra ara; do
	"$build/bin/pagegen" --out "pages-$lang" --count "$per_lang" --lang "$lang" --seed 11 \
		--noise 6 --skew-range -0.8:0.8 --blur >/dev/null
	mkdir -p "truth-$lang"
	cp "pages-$lang"/page-*.txt "truth-$lang/"
	imgs=("$PWD/pages-$lang"/page-*.png)
	pages=$((pages + ${#imgs[@]}))
	printf '%s\n' "${imgs[@]}" >"list-$lang"
	for img in "${imgs[@]}"; do mixed+=("$lang:$img"); done
	[[ " $peers " == *" ocrmypdf "* ]] && /usr/bin/python3 -m img2pdf -o "in-$lang.pdf" "${imgs[@]}"
done

# Rounds: in each, every contender runs over every language, in an order that rotates from
# round to round, so that load from elsewhere on the machine weighs on all of them alike.
# Figures are sums over all rounds; each round's ratios are printed too.
contenders=(folio $peers)
declare -A round_wall
for ((round = 0; round < rounds; round++)); do
	for ((k = 0; k < ${#contenders[@]}; k++)); do
		peer=${contenders[(k + round) % ${#contenders[@]}]}
		[[ $peer == folio || " $peers " == *" $peer "* ]] || continue
		before=${wall[$peer]}
		if [ "$peer" = folio ]; then
			run_one folio all
		else
			for lang in eng fra ara; do
				imgs=("$PWD/pages-$lang"/page-*.png)
				run_one "$peer" "$lang"
			done
		fi
		round_wall[$round,$peer]=$(awk -v a="${round_wall[$round,$peer]:-0}" \
			-v b="${wall[$peer]}" -v c="$before" 'BEGIN { print a + b - c }')
	done
done
pages=$((pages * rounds))

declare -A label=([folio]="folio pool, $workers workers, kept up" [tess]="tesseract command x2"
	[tesshocr]="tesseract x2, txt+hocr"
	[ocrmypdf]="ocrmypdf --jobs 2")
echo "$pages pages ($rounds rounds of A4, 300 dpi, $per_lang each of eng, fra, ara)," \
	"$workers at a time," \
	"$(getconf _NPROCESSORS_ONLN) cores, nice $nice, load before: $(cut -d' ' -f1 /proc/loadavg)"
for peer in folio $peers; do
	printf '  %-24s %6.1f pages/min (wall %5.1fs)  %6.1f pages/CPU-min  peak RSS %s %d MB\n' \
		"${label[$peer]}" "$(awk -v n=$pages -v s="${wall[$peer]}" 'BEGIN { print 60 * n / s }')" \
		"${wall[$peer]}" "$(awk -v n=$pages -v s="${cpu[$peer]}" 'BEGIN { print 60 * n / s }')" \
		"$([ $peer = folio ] && echo "per worker" || echo "largest process")" \
		$((${rss[$peer]} / 1024))
	for lang in eng fra ara; do
		echo "      $lang: $("$bench" score "truth-$lang" "$peer-$lang")"
	done
done
for peer in $peers; do
	echo "  ratio folio / ${label[$peer]}: $(awk -v a="${wall[folio]}" -v b="${wall[$peer]}" \
		'BEGIN { printf "%.2fx", b / a }') by wall time," \
		"$(awk -v a="${cpu[folio]}" -v b="${cpu[$peer]}" 'BEGIN { printf "%.2fx", b / a }') by CPU time"
done
for peer in $peers; do
	r=""
	for ((round = 0; round < rounds; round++)); do
		r+=" $(awk -v a="${round_wall[$round,folio]}" -v b="${round_wall[$round,$peer]}" \
			'BEGIN { printf "%.2fx", b / a }')"
	done
	echo "  per round, folio / ${label[$peer]} by wall time:$r (median" \
		"$(tr ' ' '\n' <<<"${r# }" | sort -n | awk '{ v[NR] = $1 + 0 }
			END { printf "%.2fx", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'))"
done
echo "  target: >= 1.05x the tesseract command at no worse CER, < 150 MB per worker"
