"""Search benchmark: the embedded store against Datasette on the same SYNTHETIC decisions.

    python bench/search.py 100000 [--queries 200] [--peer-queries 10] [--workdir DIR]

Builds an embedded store (SQLite + tantivy) of N synthetic decisions (bench/generate.py),
then prints:

- load: generate + ``upsert`` rate; rebuild: a full ``rebuild()`` of the search index
  from the stored records (the operation that must stay under 10 minutes at 1M);
  size on disk (records, search index); peak memory (max RSS of this process);
- query latency (median, p99) of ``store.search`` for (a) keyword only (top 20 by
  relevance with the total count) and (b) keyword + type + date range + amount range +
  every facet + sort by amount, for 2- and 4-character Chinese terms and English terms;
- two peers on the same records in a plain SQLite file (a column per field):
  Datasette on 127.0.0.1, the equivalent queries through its JSON API (``__contains``
  for the keyword, ``_facet`` / ``_facet_array`` for the facets, ``_sort_desc`` for the
  order); and SQLite FTS5 with the trigram tokenizer (an external-content index of the
  text), queried in this process: ``MATCH`` ranked by bm25 for terms of three or more
  characters, ``LIKE`` (which the trigram index cannot serve under three characters)
  for shorter ones, the matches of a query (b) kept in a temporary table that the page,
  the count and each facet (``GROUP BY``, ``json_each`` for lists) are read from; and
  the ratios peer / embedded.

Peers need the ``bench`` extra (``pip install -e '.[bench]'``: Datasette).

Every figure is measured in the same run on the same machine; nothing here asserts.
"""

import argparse
import json
import os
import random
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import decisions  # noqa: E402
from indexer.query import AMOUNT_BANDS, Query  # noqa: E402
from indexer.store import open_store  # noqa: E402
from indexer.store.base import search_text, type_prefixes  # noqa: E402

TERMS = {
    "zh-2": ["明码", "价格", "证券", "罚款", "商品"],
    "zh-4": ["明码标价", "违法所得", "内幕交易", "责令改正", "信息披露"],
    "en": ["consent", "surveillance", "personal data", "cookies", "breach"],
}
TYPES = {"zh-2": ["price", "product", "securities", "ad", "pi"],
         "zh-4": ["price", "product", "securities", "ad", "pi"],
         "en": ["pi", "pi.lawful_basis", "pi.security", "pi.principles"]}
FACETS = ["authority_name", "region", "year", "source", "amount_band"]
ARRAY_FACETS = ["type_prefixes", "penalty_kinds"]


def cpu_s():
    """CPU seconds (user + system) this process has used: unlike wall time, not inflated
    by other processes competing for the cores."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class AnonymousPeak:
    """The peak of this process's anonymous resident memory (RssAnon) while the block
    runs, sampled every 0.1 s: the memory a rebuild needs, without the index files that
    tantivy maps while it merges (file pages the kernel can drop, counted in RSS)."""

    def __enter__(self):
        self.mb, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.1):
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        self.mb = max(self.mb, int(line.split()[1]) / 1024)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def process_peak_mb(pid):
    """VmHWM (peak resident memory) of another process, from /proc."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def dir_mb(path):
    total = 0
    for base, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(base, f)) for f in files)
    return total / 1024 / 1024


def index_segments(search_dir):
    """Number of segments of the live tantivy index (each search reads every segment)."""
    try:
        generation = (search_dir / "CURRENT").read_text(encoding="utf-8").strip()
        return len(json.loads((search_dir / generation / "meta.json").read_text())["segments"])
    except (OSError, ValueError, KeyError):
        return 0


def stats_ms(samples):
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    return statistics.median(samples) * 1000, p99 * 1000


def filtered_params(seed, group, i):
    """The parameters of the i-th query (b): keyword + type + dates + amounts, by amount."""
    rng = random.Random("%s-%s-%d" % (seed, group, i))
    term = TERMS[group][i % len(TERMS[group])]
    first = rng.randint(2015, 2024)
    return {"q": term, "type": rng.choice(TYPES[group]), "from": "%d-01-01" % first,
            "to": "%d-12-31" % rng.randint(first + 1, 2026), "min_amount": "1000",
            "max_amount": str(rng.choice([100000, 1000000, 10000000])), "sort": "amount_desc"}


def run_store_queries(store, count, seed):
    results = {}
    for group, terms in TERMS.items():
        for kind in ("a", "b"):
            times, totals, cpu = [], [], []
            for i in range(count):
                term = terms[i % len(terms)]
                if kind == "a":
                    query, facets = Query(q=term), False
                else:
                    p = filtered_params(seed, group, i)
                    query = Query(q=term, types=(p["type"],), date_from=p["from"],
                                  date_to=p["to"], min_amount=Decimal(p["min_amount"]),
                                  max_amount=Decimal(p["max_amount"]), sort=p["sort"])
                    facets = True
                started, cpu_started = time.perf_counter(), time.process_time()
                result = store.search(query, facets=facets)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                totals.append(result.total)
            results[(group, kind)] = (stats_ms(times) + stats_ms(cpu)[:1], totals)
    return results


# -- Datasette -----------------------------------------------------------------------------

def amount_band(amount):
    if amount is None:
        return None
    low = max(b for b in AMOUNT_BANDS if b <= amount)
    return str(low)


def build_plain_sqlite(path, n, seed):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("CREATE TABLE decisions (id TEXT PRIMARY KEY, source TEXT, jurisdiction TEXT, "
               "region TEXT, authority_name TEXT, decision_date TEXT, year INTEGER, "
               "type_prefixes TEXT, penalty_kinds TEXT, amount_cny REAL, amount_band TEXT, "
               "party_name TEXT, decision_number TEXT, text TEXT)")
    rows = []
    for r in decisions(n, seed):
        amount = float(r["amount_cny"]) if r["amount_cny"] else None
        rows.append((r["id"], r["source"], r["jurisdiction"], r["region"], r["authority_name"],
                     r["decision_date"], int(r["decision_date"][:4]),
                     json.dumps(type_prefixes(r["violation_types"])),
                     json.dumps(r["penalty_kinds"]), amount, amount_band(amount),
                     r["party_name"], r["decision_number"], search_text(r)))
        if len(rows) >= 5000:
            db.executemany("INSERT INTO decisions VALUES (%s)" % ",".join("?" * 14), rows)
            rows = []
    if rows:
        db.executemany("INSERT INTO decisions VALUES (%s)" % ",".join("?" * 14), rows)
    db.commit()
    db.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_datasette(path):
    port = free_port()
    datasette = shutil.which("datasette", path=os.path.dirname(sys.executable)) or "datasette"
    proc = subprocess.Popen(
        [datasette, "serve", path, "-h", "127.0.0.1", "-p", str(port), "--immutable", path,
         "--setting", "sql_time_limit_ms", "600000", "--setting", "facet_time_limit_ms",
         "600000", "--setting", "suggest_facets", "off", "--setting", "default_facet_size",
         "50", "--setting", "num_sql_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("datasette did not start")


def datasette_params(group, i, kind, seed):
    params = [("text__contains", TERMS[group][i % len(TERMS[group])]), ("_size", "20")]
    if kind == "b":
        p = filtered_params(seed, group, i)
        params += [("type_prefixes__arraycontains", p["type"]), ("decision_date__gte", p["from"]),
                   ("decision_date__lte", p["to"]), ("amount_cny__gte", p["min_amount"]),
                   ("amount_cny__lte", p["max_amount"]), ("_sort_desc", "amount_cny")]
        params += [("_facet", f) for f in FACETS] + [("_facet_array", f) for f in ARRAY_FACETS]
    return params


def run_datasette_queries(base, table_path, count, seed):
    results = {}
    for group in TERMS:
        for kind in ("a", "b"):
            times, totals = [], []
            for i in range(count):
                url = "%s/%s.json?%s" % (base, table_path, urllib.parse.urlencode(
                    datasette_params(group, i, kind, seed)))
                started = time.perf_counter()
                body = json.loads(urllib.request.urlopen(url, timeout=900).read())
                times.append(time.perf_counter() - started)
                if kind == "b" and len(body.get("facet_results", {}).get("results", body.get(
                        "facet_results", {}))) < len(FACETS) + len(ARRAY_FACETS):
                    raise SystemExit("datasette answered without every facet: %s" % url)
                totals.append(body.get("filtered_table_rows_count") or 0)
            results[(group, kind)] = (stats_ms(times), totals)
    return results


# -- SQLite FTS5, trigram tokenizer ---------------------------------------------------------

def build_fts(path):
    """An external-content FTS5 index (trigram tokenizer) of the plain file's text."""
    db = sqlite3.connect(path)
    db.execute("DROP TABLE IF EXISTS fts")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(text, content='decisions', "
               "content_rowid='rowid', tokenize='trigram')")
    db.execute("INSERT INTO fts(rowid, text) SELECT rowid, text FROM decisions")
    db.commit()
    db.close()


def fts_matches(term):
    """(SQL giving the rowids of the decisions that contain ``term``, its parameter): a
    phrase MATCH of the FTS5 index, or a LIKE scan of the text under three characters
    (trigrams match nothing shorter)."""
    if len(term) >= 3:
        return "SELECT rowid FROM fts WHERE fts MATCH ?", '"%s"' % term.replace('"', '""')
    return "SELECT rowid FROM decisions WHERE text LIKE ?", "%%%s%%" % term


def fts_query(db, group, i, kind, seed):
    term = TERMS[group][i % len(TERMS[group])]
    matches, value = fts_matches(term)
    if kind == "a":
        if "MATCH" in matches:
            db.execute("SELECT d.id FROM fts JOIN decisions d ON d.rowid = fts.rowid "
                       "WHERE fts MATCH ? ORDER BY rank LIMIT 20", (value,)).fetchall()
        else:
            db.execute("SELECT id FROM decisions WHERE text LIKE ? LIMIT 20",
                       (value,)).fetchall()
        return db.execute("SELECT count(*) FROM (%s)" % matches, (value,)).fetchone()[0]
    p = filtered_params(seed, group, i)
    db.execute("DROP TABLE IF EXISTS temp.hits")
    db.execute(
        "CREATE TEMP TABLE hits AS SELECT d.* FROM decisions d WHERE d.rowid IN (%s) AND "
        "EXISTS (SELECT 1 FROM json_each(d.type_prefixes) WHERE value = ?) AND "
        "decision_date BETWEEN ? AND ? AND amount_cny BETWEEN ? AND ?"
        % matches, (value, p["type"], p["from"], p["to"], float(p["min_amount"]),
                    float(p["max_amount"])))
    db.execute("SELECT id FROM hits ORDER BY amount_cny DESC LIMIT 20").fetchall()
    total = db.execute("SELECT count(*) FROM hits").fetchone()[0]
    for facet in FACETS:
        db.execute("SELECT %s, count(*) FROM hits GROUP BY 1 ORDER BY 2 DESC LIMIT 50"
                   % facet).fetchall()
    for facet in ARRAY_FACETS:
        db.execute("SELECT j.value, count(*) FROM hits, json_each(hits.%s) j GROUP BY 1 "
                   "ORDER BY 2 DESC LIMIT 50" % facet).fetchall()
    return total


def run_fts_queries(path, count, seed):
    db = sqlite3.connect(path)
    db.execute("PRAGMA cache_size=-262144")  # 256 MiB, as a server would give it
    results = {}
    for group in TERMS:
        for kind in ("a", "b"):
            times, totals = [], []
            for i in range(count):
                started = time.perf_counter()
                totals.append(fts_query(db, group, i, kind, seed))
                times.append(time.perf_counter() - started)
            results[(group, kind)] = (stats_ms(times), totals)
    db.close()
    return results


# -- main ----------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of synthetic decisions")
    parser.add_argument("--queries", type=int, default=200,
                        help="embedded queries per term group and query kind")
    parser.add_argument("--peer-queries", type=int, default=10,
                        help="Datasette queries per term group and query kind (0: skip)")
    parser.add_argument("--fts-queries", type=int, default=50,
                        help="FTS5 queries per term group and query kind (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", help="where to build (default: a temporary folder, removed)")
    parser.add_argument("--reuse", action="store_true",
                        help="query the store and SQLite file already in --workdir (no load)")
    parser.add_argument("--rebuild", action="store_true",
                        help="with --reuse: drop the search index and time a full rebuild")
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="penalty-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store_dir = work / "store"
    if store_dir.exists() and not args.reuse:
        shutil.rmtree(store_dir)
    out = []

    def say(line=""):
        print(line, flush=True)
        out.append(line)

    say("penalty-archive search benchmark: N = %d synthetic decisions, %d CPU cores, "
        "load average at start %.1f" % (args.n, os.cpu_count(), os.getloadavg()[0]))
    if args.reuse and args.rebuild:
        shutil.rmtree(store_dir / "search", ignore_errors=True)
    store = open_store("embedded", str(store_dir))
    if args.reuse and args.rebuild:
        started, cpu = time.perf_counter(), cpu_s()
        with AnonymousPeak() as anonymous:
            store.rebuild()
        rebuild = time.perf_counter() - started
        say("rebuild (full search index from the %d stored records): %.1f s (CPU %.1f s), "
            "%.0f decisions/s; peak RSS %.0f MB, of it anonymous %.0f MB"
            % (store.count(), rebuild, cpu_s() - cpu, args.n / rebuild, peak_mb(),
               anonymous.mb))
        say("size on disk: search index (tantivy) %.0f MB in %d segments"
            % (dir_mb(store_dir / "search"), index_segments(store_dir / "search")))
    if not args.reuse:
        started, cpu = time.perf_counter(), cpu_s()
        stats = store.upsert(decisions(args.n, args.seed))
        load = time.perf_counter() - started
        say("load (generate + upsert): %.1f s (CPU %.1f s), %.0f decisions/s (%d new); "
            "peak RSS %.0f MB" % (load, cpu_s() - cpu, args.n / load, stats.new, peak_mb()))
        started, cpu = time.perf_counter(), cpu_s()
        with AnonymousPeak() as anonymous:
            store.rebuild()
        rebuild = time.perf_counter() - started
        say("rebuild (full search index from the records): %.1f s (CPU %.1f s), "
            "%.0f decisions/s; peak RSS %.0f MB (of the whole run so far), rebuild's "
            "anonymous peak %.0f MB"
            % (rebuild, cpu_s() - cpu, args.n / rebuild, peak_mb(), anonymous.mb))
    sqlite_mb = sum(os.path.getsize(p) for p in store_dir.glob("decisions.sqlite*")) / 2 ** 20
    say("size on disk: records (SQLite, with versions) %.0f MB, search index (tantivy) %.0f MB "
        "in %d segments" % (sqlite_mb, dir_mb(store_dir / "search"),
                            index_segments(store_dir / "search")))
    store.close()

    reader = open_store("embedded", str(store_dir), readonly=True)
    for warm in TERMS.values():  # one pass to load the index pages, not counted
        for term in warm:
            reader.search(Query(q=term))
    mine = run_store_queries(reader, args.queries, args.seed)
    say("embedded queries: %d per row; peak RSS %.0f MB; load average %.1f"
        % (args.queries, peak_mb(), os.getloadavg()[0]))

    peer, fts = {}, {}
    plain = work / "plain.db"
    if (args.peer_queries or args.fts_queries) and not (args.reuse and plain.exists()):
        if plain.exists():
            plain.unlink()
        started = time.perf_counter()
        build_plain_sqlite(str(plain), args.n, args.seed)
        say("peers' plain SQLite file %.0f MB built in %.1f s"
            % (plain.stat().st_size / 2 ** 20, time.perf_counter() - started))
    if args.fts_queries:
        if not args.reuse or not sqlite3.connect(str(plain)).execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'fts'").fetchone():
            started = time.perf_counter()
            build_fts(str(plain))
            say("FTS5 trigram index built in %.1f s; the file is now %.0f MB"
                % (time.perf_counter() - started, plain.stat().st_size / 2 ** 20))
        run_fts_queries(str(plain), 1, args.seed)  # warm the page cache, not counted
        fts = run_fts_queries(str(plain), args.fts_queries, args.seed)
        say("FTS5 queries: %d per row; load average %.1f" % (args.fts_queries,
                                                             os.getloadavg()[0]))
    if args.peer_queries:
        proc, base = start_datasette(str(plain))
        try:
            for term in TERMS["zh-2"][:1]:  # warm the page cache, not counted
                urllib.request.urlopen("%s/plain/decisions.json?%s" % (base, urllib.parse.urlencode(
                    [("text__contains", term)])), timeout=900).read()
            peer = run_datasette_queries(base, "plain/decisions", args.peer_queries, args.seed)
            peer_peak = process_peak_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait()
        say("Datasette queries: %d per row; its peak RSS %.0f MB"
            % (args.peer_queries, peer_peak))

    say()
    say("%-6s %-3s %9s %9s %7s %8s | %9s %9s %8s %6s | %9s %9s %8s %6s" % (
        "terms", "q", "median ms", "p99 ms", "CPU ms", "hits", "FTS5 md", "FTS5 p99", "hits",
        "ratio", "Dsette md", "Dsette 99", "hits", "ratio"))
    for (group, kind), ((median, p99, cpu), totals) in mine.items():
        row = "%-6s %-3s %9.1f %9.1f %7.1f %8d |" % (group, kind, median, p99, cpu,
                                                     statistics.median(totals))
        for other in (fts, peer):
            found = other.get((group, kind))
            if found:
                (pm, pp), ptotals = found
                row += " %9.1f %9.1f %8d %5.0fx |" % (pm, pp, statistics.median(ptotals),
                                                      pm / max(median, 1e-6))
            else:
                row += " %9s %9s %8s %6s |" % ("-", "-", "-", "-")
        say(row.rstrip(" |"))
    say()
    say("(a) keyword only: top 20 by relevance with the total count; (b) keyword + type + "
        "date range + amount range + all facets (type, authority, region, year, penalty, "
        "source, amount bands) + sort by amount. CPU ms: median CPU time of the process per "
        "query (not inflated by other processes on the machine). hits: median number of "
        "matches (the embedded store matches stemmed English words and Chinese characters "
        "in sequence across punctuation; FTS5 trigrams and Datasette's LIKE match "
        "substrings, so counts can differ). ratio = peer median / embedded median.")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return out


if __name__ == "__main__":
    main()
