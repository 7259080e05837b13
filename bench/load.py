"""Load test: the production server against Flask's development server, same archive.

    python bench/load.py 100000 [--clients 50] [--seconds 60] [--workers N] [--threads N]
                                [--workdir DIR]

Builds (or, with ``--reuse``, reuses) an embedded store of N SYNTHETIC decisions
(bench/generate.py; benchmark data only) in ``DIR/store``, then in the same run serves it
twice on 127.0.0.1 — ``penalty-archive serve`` (gunicorn) and ``serve --dev`` (the
baseline) — and drives each with ``--clients`` concurrent clients for ``--seconds`` on
mixed traffic: searches with facets (Chinese and English keywords, filters, sorts), decision
pages, API searches and CSV exports of a filtered search, after ``--warmup`` seconds of
the same traffic that are not counted.  Rate limits are off for the run.  Each server
starts without kept exports (``DATA/cache`` is emptied); ``--uncached`` (on by default,
``--no-uncached`` to skip) drives the production server a second time with exports
streamed from the store, not kept, as a second baseline.
It prints, per server, the throughput, the median and p99 latency and the errors, and the
ratios, and the median and p99 of each kind of request; a CSV export's latency is its
complete download, and its time to the first byte is printed beside it.

By default the clients never pause (``--think 0``): the server is saturated and the p99
measures the queue. ``--think S`` makes each client pause a random 0 to 2·S seconds
between requests, as users (and load tools such as Locust's ``between``) do.
Nothing here asserts; nothing leaves 127.0.0.1.
"""

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import decisions  # noqa: E402
from indexer.store import open_store  # noqa: E402

KEYWORDS = ["价格", "明码标价", "广告", "个人信息", "罚款", "consent", "data", "食品"]


def traffic(rng, ids):
    """One request of the mix: (kind, path)."""
    kind = rng.choices(["search", "facets", "decision", "api", "csv"], [30, 25, 25, 15, 5])[0]
    q = rng.choice(KEYWORDS)
    if kind == "search":
        return kind, "/search?" + urlencode({"q": q})
    if kind == "facets":
        return kind, "/search?" + urlencode({"q": q, "type": "price", "year": rng.choice(
            [2023, 2024, 2025]), "sort": "amount_desc", "min_amount": 1000})
    if kind == "decision":
        return kind, "/decisions/" + quote(rng.choice(ids), safe=":")
    if kind == "api":
        return kind, "/api/v1/decisions?" + urlencode({"q": q, "page": rng.randint(1, 5)})
    return kind, "/search.csv?" + urlencode({"q": q, "type": "price", "year": 2024})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(work, dev, workers, threads, env_overrides=None):
    shutil.rmtree(work / "cache", ignore_errors=True)  # every server starts without exports
    port = free_port()
    env = dict(os.environ, PENALTY_ARCHIVE_RATELIMIT_ENABLED="0", PYTHONPATH=str(ROOT),
               **(env_overrides or {}))
    args = [sys.executable, "-m", "indexer.cli", "--data", str(work), "serve", "--port",
            str(port)] + (["--dev"] if dev else ["--workers", str(workers), "--threads",
                                                 str(threads)])
    log = open(work / ("serve-dev.log" if dev else "serve.log"), "w")
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5).read()
            return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start; see %s" % log.name)
            time.sleep(0.2)


def drive(base, ids, clients, seconds, seed, think=0.0):
    latencies, errors, lock = [], {}, threading.Lock()
    by_kind = {}
    stop = time.monotonic() + seconds

    def client(n):
        rng = random.Random(seed * 1000 + n)
        while time.monotonic() < stop:
            if think:
                time.sleep(rng.uniform(0, 2 * think))
            kind, path = traffic(rng, ids)
            started = time.perf_counter()
            first = None
            try:
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    first = time.perf_counter() - started
                    response.read()
                failed = None
            except urllib.error.HTTPError as exc:
                failed = "HTTP %d" % exc.code
            except OSError as exc:
                failed = type(exc).__name__
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                by_kind.setdefault(kind, []).append(elapsed)
                if kind == "csv" and first is not None:
                    by_kind.setdefault("csv first byte", []).append(first)
                if failed:
                    errors[failed] = errors.get(failed, 0) + 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return dict(percentiles(latencies), requests=len(latencies),
                rps=len(latencies) / seconds, errors=errors,
                kinds={kind: percentiles(values) for kind, values in sorted(by_kind.items())})


def percentiles(values):
    values = sorted(values)
    return {"n": len(values), "p50": statistics.median(values) * 1000,
            "p99": values[max(0, int(len(values) * 0.99) - 1)] * 1000}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of synthetic decisions")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=min(2 * (os.cpu_count() or 1) + 1, 8))
    parser.add_argument("--threads", type=int, default=16, help="threads per worker")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=10,
                        help="seconds of the same traffic before measuring (not counted)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause of a client between requests, seconds (0: none)")
    parser.add_argument("--dev", action=argparse.BooleanOptionalAction, default=True,
                        help="also drive the development server (the baseline)")
    parser.add_argument("--uncached", action=argparse.BooleanOptionalAction,
                        default=True, help="also drive the production server with search "
                        "exports streamed from the store, not kept (a baseline)")
    parser.add_argument("--workdir", help="where to build (default: a temporary folder, removed)")
    parser.add_argument("--reuse", action="store_true", help="use the store in --workdir")
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="penalty-load-bench-"))
    print("penalty-archive load test: N = %d synthetic decisions, %d clients, think time "
          "%g s, %g s per server, %d CPU cores, load average %.1f"
          % (args.n, args.clients, args.think, args.seconds, os.cpu_count(),
             os.getloadavg()[0]), flush=True)
    store_dir = work / "store"
    if not args.reuse:
        shutil.rmtree(store_dir, ignore_errors=True)
        started = time.perf_counter()
        with open_store("embedded", str(store_dir)) as store:
            store.upsert(decisions(args.n, args.seed))
        print("built in %.0f s" % (time.perf_counter() - started), flush=True)
    with open_store("embedded", str(store_dir), readonly=True) as store:
        ids = [r["id"] for _, r in zip(range(5000), store.iter_decisions())]
    results = {}
    servers = [("gunicorn, %d workers, %d threads" % (args.workers, args.threads), False, None)]
    if args.uncached:
        servers.append(("same, exports not kept", False, {"PENALTY_ARCHIVE_EXPORT_CACHE": "0"}))
    if args.dev:
        servers.append(("development server", True, None))
    for name, dev, env in servers:
        process, base = serve(work, dev, args.workers, args.threads, env)
        try:
            if args.warmup:  # every worker opens the index and fills its caches
                drive(base, ids, args.clients, args.warmup, args.seed + 1, args.think)
            results[name] = drive(base, ids, args.clients, args.seconds, args.seed, args.think)
        finally:
            process.terminate()
            process.wait(timeout=30)
        r = results[name]
        print("%-22s %6d requests %7.1f req/s  p50 %7.1f ms  p99 %7.1f ms  errors %s"
              % (name, r["requests"], r["rps"], r["p50"], r["p99"],
                 sum(r["errors"].values()) and r["errors"] or 0), flush=True)
        for kind, k in r["kinds"].items():
            print("    %-16s %6d  p50 %7.1f ms  p99 %7.1f ms"
                  % (kind, k["n"], k["p50"], k["p99"]), flush=True)
    names = list(results)
    for baseline in names[1:]:
        prod, other = results[names[0]], results[baseline]
        print("%s / %s: throughput %.2fx, p50 %.2fx lower, p99 %.2fx lower"
              % (names[0], baseline, prod["rps"] / other["rps"], other["p50"] / prod["p50"],
                 other["p99"] / prod["p99"]))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
