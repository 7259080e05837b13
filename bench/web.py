"""Website benchmark: server time of the search page at N SYNTHETIC decisions.

    python bench/web.py 100000 [--requests 100] [--workdir DIR] [--reuse]

Builds an embedded store of N synthetic decisions (bench/generate.py; benchmark data only)
in ``DIR/store`` — or reuses one with ``--reuse`` — then, in the same run, measures:

- the baseline: ``store.search(query)`` alone (hits, total and every facet), and
- the search page: the whole request through the Flask app (WSGI, no network): query
  parsing, the same store search, facet panels, chips, templates, the response,

for the home page (no query), a keyword (Chinese 2 and 4 characters, English), and a keyword
with type, region, year and amount filters sorted by fine.  It prints the median and p99 of
each and the page / store ratio; then the statistics and guide pages (first request, which
sums amounts over the matching records, and a cached repeat).  Nothing here asserts.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import decisions  # noqa: E402
from indexer.query import Query  # noqa: E402
from indexer.store import open_store  # noqa: E402
from webapp import create_app  # noqa: E402

CASES = [
    ("home", []),
    ("zh-2", [("q", "价格")]),
    ("zh-4", [("q", "明码标价")]),
    ("en", [("q", "consent")]),
    ("filtered", [("q", "罚款"), ("type", "price"), ("region", "CN-GD"), ("year", "2024"),
                  ("min_amount", "1000"), ("max_amount", "100000"), ("sort", "amount_desc")]),
]


def ms(samples):
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples) * 1000, p99 * 1000


def timed(func, count):
    out = []
    for _ in range(count):
        started = time.perf_counter()
        func()
        out.append(time.perf_counter() - started)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of synthetic decisions")
    parser.add_argument("--requests", type=int, default=100, help="requests per case")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", help="where to build (default: a temporary folder, removed)")
    parser.add_argument("--reuse", action="store_true", help="use the store in --workdir")
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="penalty-web-bench-"))
    store_dir = work / "store"
    print("penalty-archive website benchmark: N = %d synthetic decisions, %d CPU cores, "
          "load average %.1f" % (args.n, os.cpu_count(), os.getloadavg()[0]), flush=True)
    if not args.reuse:
        if store_dir.exists():
            shutil.rmtree(store_dir)
        started = time.perf_counter()
        with open_store("embedded", str(store_dir)) as store:
            store.upsert(decisions(args.n, args.seed))
            count = store.count()
        print("built: %d decisions in %.0f s" % (count, time.perf_counter() - started),
              flush=True)

    store = open_store("embedded", str(store_dir), readonly=True)
    app = create_app({"DATA_DIR": str(work), "TESTING": True})
    client = app.test_client()
    for _name, params in CASES:  # warm the index pages and the templates, not counted
        store.search(Query.from_params(dict(params)))
        client.get("/search?" + urlencode(params))

    print()
    print("%-9s %8s | %14s %12s | %14s %12s | %6s" % (
        "case", "hits", "store median", "store p99", "page median", "page p99", "ratio"))
    for name, params in CASES:
        query = Query.from_params(dict(params))
        total = store.search(query).total
        base = ms(timed(lambda: store.search(query), args.requests))
        url = "/search?" + urlencode(params)
        page = ms(timed(lambda: client.get(url), args.requests))
        print("%-9s %8d | %11.1f ms %9.1f ms | %11.1f ms %9.1f ms | %5.1fx" % (
            name, total, base[0], base[1], page[0], page[1], page[0] / base[0]), flush=True)

    print()
    for name, url in (("statistics (all)", "/stats"),
                      ("statistics (filtered)", "/stats?type=price&region=CN-GD"),
                      ("guide price.unmarked", "/guides/price.unmarked?view=full")):
        started = time.perf_counter()
        status = client.get(url).status_code
        first = time.perf_counter() - started
        repeat = ms(timed(lambda: client.get(url), 5))[0]
        print("%-22s first request %7.0f ms, cached repeat %6.1f ms (HTTP %d)"
              % (name, first * 1000, repeat, status), flush=True)
    store.close()
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
