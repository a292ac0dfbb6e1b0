#!/bin/bash
# Search benchmark (make bench): the store's text index (LMDB, inside the store) over 10,000
# pages of generated text: time to rebuild it, milliseconds per query, its size against the
# text's; and the same pages and queries in SQLite FTS5 (Debian's python3 sqlite3 module,
# one file beside the store, the peer the README weighs it against), measured in the same
# run. Prints figures, never passes or fails on timing.
set -u
bin="$FOLIO_BUILD/bench/search_bench"
[ -x "$bin" ] || { echo "no $bin: run 'make bench'"; exit 1; }
"$bin" "$FOLIO_TMP" "${SEARCH_BENCH_PAGES:-10000}" | tee folio.txt || exit 1
/usr/bin/python3 - "$FOLIO_TMP" folio.txt <<'PY'
import os, re, sqlite3, sys, time
d = sys.argv[1]
db = os.path.join(d, "fts.db")
c = sqlite3.connect(db)
c.execute("PRAGMA journal_mode=WAL")
c.execute("CREATE VIRTUAL TABLE pages USING fts5(body, batch UNINDEXED, page UNINDEXED, "
          "tokenize = 'unicode61 remove_diacritics 2')")
t0 = time.monotonic()
text = 0
with c:
    for line in open(os.path.join(d, "pages.txt"), encoding="utf-8"):
        b, p, body = line.rstrip("\n").split("\t", 2)
        text += len(body.encode())
        c.execute("INSERT INTO pages(body, batch, page) VALUES (?, ?, ?)", (body, b, p))
index_s = time.monotonic() - t0
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
size = os.path.getsize(db)
qs = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "queries.txt"), encoding="utf-8")]
ours = {}
for l in open(sys.argv[2]):
    m = re.match(r"figure: query, (common word|rare word|two words \(AND\)|prefix \(4 letters\*\)): ([0-9.]+) ms", l)
    if m:
        ours[m.group(1)] = float(m.group(2))
    m = re.match(r"figure: rebuilding the index .*: ([0-9.]+) s", l)
    if m:
        ours["index"] = float(m.group(1))
    m = re.match(r"figure: index ([0-9.]+) MiB", l)
    if m:
        ours["size"] = float(m.group(1))
print("figure: SQLite FTS5 peer: indexing %.2f s; file %.1f MiB for %.1f MiB of text (%.2fx)"
      % (index_s, size / 1048576, text / 1048576, size / text))
if "index" in ours:
    print("ratio: rebuild time, ours / FTS5: %.2f" % (ours["index"] / index_s))
if "size" in ours:
    print("ratio: index size, ours / FTS5: %.2f" % (ours["size"] * 1048576 / size))
names = ["common word", "rare word", "two words (AND)", "prefix (4 letters*)"]
for k, name in enumerate(names):
    t0 = time.monotonic()
    for q in qs:
        words = q[k].split()
        match = " AND ".join('"%s"' % w.rstrip("*") + ("*" if w.endswith("*") else "") for w in words)
        rows = c.execute("SELECT batch, page, snippet(pages, 0, '', '', '...', 12) FROM pages "
                         "WHERE pages MATCH ? ORDER BY rowid DESC LIMIT 200", (match,)).fetchall()
    ms = (time.monotonic() - t0) * 1000 / len(qs)
    r = " (ours / FTS5: %.2f)" % (ours[name] / ms) if name in ours else ""
    print("figure: FTS5 query, %s: %.2f ms%s" % (name, ms, r))
PY
