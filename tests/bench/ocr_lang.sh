#!/bin/bash
# What reading each document with its own language gives, on this machine, in one run:
#   - the worker pool over English, French and Arabic pages with the document's model alone
#     (what the station does since the language follows the document) against the same pool
#     with the union eng+fra+ara (what it did for every page before): pages per minute and CER;
#   - the peer for accuracy: the `tesseract` command with the single model on the same pages;
#   - the cost of switching a worker to another language set: loading its engine.
# Pages: pagegen, A4 300 dpi, degraded like a scan. OCR_LANG_BENCH_PAGES=N pages per language
# (default 3). Never passes or fails on timing.
set -eu
build=${FOLIO_BUILD:?run through tests/bench/run.sh}
cd "${FOLIO_TMP:-$(mktemp -d)}"
bench=$build/bench/ocr_bench
per_lang=${OCR_LANG_BENCH_PAGES:-3}
workers=2
export OMP_THREAD_LIMIT=1
for p in "$bench" "$build/bin/pagegen" "$build/bin/folio-ocr-worker"; do
	[ -x "$p" ] || { echo "ocr_lang bench: no '$p': build it with make bench"; exit 1; }
done
command -v tesseract >/dev/null || { echo "ocr_lang bench: no 'tesseract' command"; exit 1; }

secs() { sed -n 's/.*seconds \([0-9.]*\) cpu.*/\1/p' <<<"$1"; }
cer() { "$bench" score "$1" "$2" | sed -n 's/^CER *\([0-9.]*\)%.*/\1/p'; }

echo "$per_lang pages each of eng, fra, ara (A4, 300 dpi), $workers workers," \
	"load before: $(cut -d' ' -f1 /proc/loadavg)"
for lang in eng fra ara; do
	"$build/bin/pagegen" --out "pages-$lang" --count "$per_lang" --lang "$lang" --seed 17 \
		--noise 6 --skew-range -0.8:0.8 --blur >/dev/null
	mkdir -p "truth-$lang" "tess-$lang" "one-$lang" "all-$lang"
	cp "pages-$lang"/page-*.txt "truth-$lang/"
	imgs=("$PWD/pages-$lang"/page-*.png)
	one=$(secs "$("$bench" pool "$lang" "$workers" "one-$lang" "${imgs[@]}")")
	all=$(secs "$("$bench" pool eng+fra+ara "$workers" "all-$lang" "${imgs[@]}")")
	for i in "${imgs[@]}"; do
		tesseract "$i" "tess-$lang/$(basename "$i" .png)" -l "$lang" 2>/dev/null
	done
	printf '  %s: own model %5.1f pages/min, CER %5.2f%% | eng+fra+ara %5.1f pages/min, CER %5.2f%% | speed %.2fx | tesseract -l %s CER %5.2f%%\n' \
		"$lang" "$(awk -v n="$per_lang" -v s="$one" 'BEGIN { print 60 * n / s }')" \
		"$(cer "truth-$lang" "one-$lang")" \
		"$(awk -v n="$per_lang" -v s="$all" 'BEGIN { print 60 * n / s }')" \
		"$(cer "truth-$lang" "all-$lang")" \
		"$(awk -v a="$one" -v b="$all" 'BEGIN { print b / a }')" "$lang" \
		"$(cer "truth-$lang" "tess-$lang")"
done
echo "  cost of a switch (engine load, models in the page cache; each worker keeps 3 sets):"
"$bench" engines eng fra ara ara+eng eng+fra+ara osd | awk '{ printf "    %-12s %.2f s\n", $2, $4 }'
