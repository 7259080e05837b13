"""Export benchmark: ``penalty-archive export`` on SYNTHETIC decisions, beside ``sqlite3 -csv``.

    python bench/export.py 100000 [--sizes 20000,100000] [--workdir DIR] [--reuse]

For each size N: loads N synthetic decisions (bench/generate.py; benchmark data only)
into an embedded store in a temporary folder, then, in a fresh child process (so that
its peak memory is the export's own), writes a full release (CSV, Chinese-header CSV,
JSON lines, Parquet, SQLite, per-source and per-year slices, ids, delta, datapackage,
SHA256SUMS) and prints: wall and CPU seconds, decisions/s, peak RSS (the child's VmHWM)
and the RSS before the first record (after imports), and the Python
heap peak (tracemalloc) when ``--tracemalloc`` is given.  Beside it, the same decisions
dumped by the ``sqlite3`` command-line shell (``sqlite3 -csv`` of the release's own
``decisions.sqlite`` table, a column per field, ORDER BY id, to an uncompressed file):
its seconds and rows/s, and the ratio.  Memory that stays flat shows as the same peak
RSS at every N.

Every figure is measured in the same run on the same machine; nothing here asserts.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb():
    """Peak resident set size of this process image (VmHWM: a child's ``ru_maxrss``
    would include its parent's size at fork time)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(work, trace):
    """Run in a fresh process: export the store under ``work``; print a JSON line."""
    if trace:
        import tracemalloc

        tracemalloc.start()
    from indexer.export import export_release
    from indexer.store import open_store

    before = _rss_mb()
    started, cpu = time.perf_counter(), _cpu_s()
    with open_store("embedded", os.path.join(work, "store"), readonly=True) as store:
        entry = export_release(store, os.path.join(work, "exports"), name="bench")
    result = {"seconds": time.perf_counter() - started, "cpu": _cpu_s() - cpu,
              "rows": entry["decisions"], "rss_before_mb": before, "peak_rss_mb": _rss_mb(),
              "files": {f["path"]: f["bytes"] for f in entry["files"]}}
    if trace:
        result["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2 ** 20
    print(json.dumps(result))


def load(work, n, seed):
    from bench.generate import decisions
    from indexer.store import open_store

    started = time.perf_counter()
    batch = []
    with open_store("embedded", os.path.join(work, "store")) as store:
        for record in decisions(n, seed):
            batch.append(record)
            if len(batch) == 5000:
                store.upsert(batch)
                batch = []
        if batch:
            store.upsert(batch)
    return time.perf_counter() - started


def sqlite_csv(work, database):
    """The plain table dumped by the sqlite3 shell (the store's records are compressed)."""
    target = os.path.join(work, "sqlite3.csv")
    started = time.perf_counter()
    with open(target, "wb") as out:
        subprocess.run(["sqlite3", "-csv", "-header", database,
                        "SELECT * FROM decisions ORDER BY id;"], stdout=out, check=True)
    seconds = time.perf_counter() - started
    with open(target, "rb") as f:
        lines = sum(1 for _ in f)
    return seconds, os.path.getsize(target), lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=100000)
    parser.add_argument("--sizes", help="comma-separated sizes (default: N)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", help="where to build (default: temporary, removed)")
    parser.add_argument("--reuse", action="store_true", help="reuse stores in --workdir")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace the Python heap (slower)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.tracemalloc)
    sizes = [int(s) for s in (args.sizes or str(args.n)).split(",")]
    base = Path(args.workdir or tempfile.mkdtemp(prefix="penalty-export-bench-"))
    print("penalty-archive export benchmark: SYNTHETIC decisions, %d CPU cores, load average "
          "%.1f" % (os.cpu_count(), os.getloadavg()[0]), flush=True)
    try:
        for n in sizes:
            work = base / str(n)
            if not (args.reuse and (work / "store").exists()):
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
                seconds = load(str(work), n, args.seed)
                print("N = %d: load (generate + upsert) %.1f s" % (n, seconds), flush=True)
            shutil.rmtree(work / "exports", ignore_errors=True)
            command = [sys.executable, __file__, "--child", str(work)]
            if args.tracemalloc:
                command.append("--tracemalloc")
            result = json.loads(subprocess.run(command, check=True, capture_output=True,
                                               text=True).stdout.strip().splitlines()[-1])
            base_seconds, base_bytes, base_lines = sqlite_csv(
                str(work), str(work / "exports" / "bench" / "decisions.sqlite"))
            sizes_mb = ", ".join("%s %.1f MB" % (name, size / 2 ** 20)
                                 for name, size in result["files"].items()
                                 if "/" not in name and size > 2 ** 20)
            print("N = %d: export %.1f s (CPU %.1f s), %.0f decisions/s; peak RSS %.0f MB "
                  "(%.0f MB before the first record)%s"
                  % (n, result["seconds"], result["cpu"], result["rows"] / result["seconds"],
                     result["peak_rss_mb"], result["rss_before_mb"],
                     "; Python heap peak %.1f MB" % result["heap_peak_mb"]
                     if "heap_peak_mb" in result else ""))
            print("N = %d: files: %s" % (n, sizes_mb))
            print("N = %d: sqlite3 -csv (one uncompressed CSV, %.0f MB): %.1f s, %.0f rows/s; "
                  "export / sqlite3 time ratio %.1f (the export writes 5 formats + slices)"
                  % (n, base_bytes / 2 ** 20, base_seconds, (base_lines - 1) / base_seconds,
                     result["seconds"] / base_seconds), flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
