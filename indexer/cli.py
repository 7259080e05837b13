"""``penalty-archive``: crawl, index, serve, run, parse, export, sources.

The command group lives with the indexer, the library the other parts build on. The
indexer's own commands (``index``, ``parse``, ``export``) are defined here; the crawler
(``crawl``, ``sources``) and the website (``serve``) contribute theirs through the entry
point group ``penalty_archive.commands`` (setup.cfg), so that this package imports neither.
``run`` chains the contributed steps (``STEPS``) with indexing.

The data directory (``--data``, env ``PENALTY_ARCHIVE_DATA``, default ``./data``) is
described in :mod:`indexer.datadir`.
"""

import json
import logging
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from importlib.metadata import entry_points

import click

DEFAULT_PORT = 5000
COMMANDS_GROUP = "penalty_archive.commands"
STEPS = {}  # "crawl" and "serve": functions the crawler and the website contribute


def step(name):
    """Register a function that ``run`` calls as one of its steps."""
    def register(function):
        STEPS[name] = function
        return function
    return register


class ArchiveGroup(click.Group):
    """A command group that loads the commands contributed by installed packages."""

    _loaded = False

    def _load(self):
        if not ArchiveGroup._loaded:
            ArchiveGroup._loaded = True
            for entry in entry_points(group=COMMANDS_GROUP):
                entry.load()

    def list_commands(self, ctx):
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        self._load()
        return super().get_command(ctx, name)


class Context:
    def __init__(self, data, verbose, store_kind="embedded", elasticsearch_url=None):
        self.data = os.path.abspath(data)
        self.verbose = verbose
        self.store_kind = store_kind
        self.elasticsearch_url = elasticsearch_url

    @property
    def store_path(self):
        return os.path.join(self.data, "store")

    def store(self, readonly=False):
        from indexer.store import open_store

        if self.store_kind == "elasticsearch":
            return open_store("elasticsearch", self.elasticsearch_url, readonly=readonly)
        return open_store("embedded", self.store_path, readonly=readonly)


@click.group(cls=ArchiveGroup)
@click.option("--data", envvar="PENALTY_ARCHIVE_DATA", default="data", show_default=True,
              type=click.Path(file_okay=False), help="Data directory (env PENALTY_ARCHIVE_DATA).")
@click.option("--store", "store_kind", envvar="PENALTY_ARCHIVE_STORE", default="embedded",
              show_default=True, type=click.Choice(["embedded", "elasticsearch"]),
              help="Where decisions are stored and searched (env PENALTY_ARCHIVE_STORE).")
@click.option("--elasticsearch-url", envvar="ELASTICSEARCH_URL", metavar="URL",
              help="Elasticsearch for --store elasticsearch (env ELASTICSEARCH_URL).")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details.")
@click.pass_context
def main(ctx, data, store_kind, elasticsearch_url, verbose):
    """A public archive of administrative penalty decisions."""
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.root.handlers:
        handler.setLevel(level)  # Scrapy sets its own loggers to DEBUG
    os.makedirs(data, exist_ok=True)
    ctx.obj = Context(data, verbose, store_kind, elasticsearch_url)


@contextmanager
def locked(ctx, name):
    """Hold a data-directory lock (indexer.datadir.lock); a busy one ends the command with
    exit status 75 and the holder's name."""
    from indexer.datadir import Busy, lock

    try:
        with lock(ctx.data, name):
            yield
    except Busy as exc:
        click.echo("error: %s" % exc, err=True)
        sys.exit(Busy.exit_code)


# -- index ---------------------------------------------------------------------------------

def run_index(ctx, rebuild=False, progress=True):
    from indexer.datadir import Quarantine, iter_raw
    from indexer.normalize.dedupe import merge_duplicates
    from indexer.pipeline import NormalizeError, latest_raw_items, normalize
    from indexer.store.base import UpsertStats

    started = time.monotonic()
    quarantine = Quarantine(ctx.data, "index")
    items = latest_raw_items(iter_raw(ctx.data, rejects=quarantine.add))
    stats, errors = UpsertStats(), 0
    show = progress and sys.stderr.isatty()
    # Normalized records wait in a spill file, not in memory: only their dedup keys are
    # kept, so that the same decision from several sources becomes one record.
    with ctx.store() as store, tempfile.TemporaryFile() as spill:
        repaired = store.reconcile()
        if repaired:
            click.echo("index: %d decisions an interrupted run had stored but not indexed are "
                       "searchable again" % repaired, err=True)
        members = {}
        for done, raw in enumerate(items, 1):
            try:
                record = normalize(raw, ctx.data)
            except Exception as exc:  # one bad item never stops a run: it is quarantined
                errors += 1
                reason = str(exc) if isinstance(exc, NormalizeError) else "%s: %s" % (
                    type(exc).__name__, exc)
                logging.getLogger("penalty_archive.index").warning(
                    "skipped %s %s: %s", raw.get("source"), raw.get("key"), reason,
                    exc_info=not isinstance(exc, NormalizeError))
                quarantine.add(reason, source=raw.get("source"), key=raw.get("key"),
                               line=json.dumps(raw, ensure_ascii=False))
            else:
                if record.get("dedup_key"):
                    members.setdefault(record["dedup_key"], []).append(record["source"])
                spill.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
            if show and done % 20 == 0:
                click.echo("\rindexed %d/%d, %d errors, %.1f/s " % (
                    done, len(items), errors, done / (time.monotonic() - started)),
                    err=True, nl=False)
        # merged: one key from several sources (one source listing a key twice is not)
        shared = {key: len(sources) for key, sources in members.items()
                  if len(sources) > 1 and len(set(sources)) == len(sources)}
        del members
        spill.seek(0)
        batch, waiting = [], {}
        for line in spill:
            record = json.loads(line)
            key = record.get("dedup_key")
            if key in shared:
                waiting.setdefault(key, []).append(record)
                if len(waiting[key]) < shared[key]:
                    continue
                batch.extend(merge_duplicates(waiting.pop(key))[0])
            else:
                batch.append(record)
            if len(batch) >= 500:
                stats += store.upsert(batch)
                batch = []
        if batch:
            stats += store.upsert(batch)
        if rebuild:
            store.rebuild()
        total = store.count()
    quarantine.save()
    if show:
        click.echo("", err=True)
    seconds = time.monotonic() - started
    click.echo("index: %d raw items -> %d new, %d changed, %d unchanged, %d errors; %d decisions "
               "in the store (%.1fs, %.1f items/s)" % (
                   len(items), stats.new, stats.changed, stats.unchanged, errors, total,
                   seconds, len(items) / max(seconds, 1e-6)), err=True)
    if len(quarantine):
        click.echo("index: %d raw lines or items could not be used; they are listed, with "
                   "file, line and reason, in %s" % (len(quarantine), quarantine.path), err=True)
    return stats, errors


@main.command()
@click.option("--rebuild", is_flag=True, help="Rebuild the search index from the records.")
@click.pass_obj
def index(ctx, rebuild):
    """Normalize raw items into Decisions and store them (re-runnable).

    Exit status 75 when another run holds the store."""
    with locked(ctx, "store"):
        run_index(ctx, rebuild)


# -- check ---------------------------------------------------------------------------------

@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_obj
def check(ctx, as_json):
    """Check the archive: store and search index agree, documents match their SHA-256,
    what input is quarantined.  Exit status 1 when something disagrees."""
    from indexer.datadir import damaged_documents, quarantined
    from indexer.store.base import NoIndex

    try:
        with ctx.store(readonly=True) as store:
            found = store.agreement()
    except NoIndex as exc:
        raise click.ClickException(str(exc))
    found["damaged_documents"] = damaged_documents(ctx.data)
    found["quarantined"] = quarantined(ctx.data)
    bad = found["missing"] or found["extra"] or found["duplicated"] \
        or found["damaged_documents"]
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
    else:
        click.echo("store: %d decisions; search index: %d" % (found["records"],
                                                              found["searchable"]))
        for name, label in (("missing", "stored but not searchable (run `index`)"),
                            ("extra", "searchable but not stored (run `index`)"),
                            ("duplicated", "indexed more than once (run `index`)"),
                            ("damaged_documents", "documents whose bytes do not match their "
                                                  "SHA-256 (fetch them again)")):
            if found[name]:
                click.echo("%d %s: %s" % (len(found[name]), label,
                                          ", ".join(found[name][:10])))
        for run_name, count in found["quarantined"].items():
            click.echo("%d quarantined by the last %s: %s" % (
                count, run_name, os.path.join(ctx.data, "quarantine", run_name + ".jsonl")))
        click.echo("check: %s" % ("DISAGREE" if bad else "ok"))
    sys.exit(1 if bad else 0)


# -- run -----------------------------------------------------------------------------------

@main.command()
@click.option("--replay", metavar="PATH", help="As for crawl ('demo' for the offline demo).")
@click.option("--since", metavar="DATE")
@click.option("--max-pages", type=click.IntRange(min=1))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Stop after indexing.")
@click.pass_obj
def run(ctx, replay, since, max_pages, host, port, no_serve):
    """Crawl every source, index, and serve: the main job."""
    missing = {"crawl", "serve"} - set(STEPS)
    if missing:
        raise click.UsageError("not installed: the %s step(s)" % ", ".join(sorted(missing)))
    STEPS["crawl"](ctx, replay=replay, since=since, max_pages=max_pages)
    with locked(ctx, "store"):
        run_index(ctx)
    if not no_serve:
        STEPS["serve"](ctx, host, port)


# -- parse ---------------------------------------------------------------------------------

@main.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--source", default="cn_samr_cfws", show_default=True,
              help="Source the document comes from.")
@click.option("--url", help="Where the document was published.")
@click.option("--jsonl", "jsonl", is_flag=True,
              help="Read raw items as JSON lines (PATH or standard input) and write one "
                   "Decision (or {\"error\": ...}) per line.")
@click.pass_obj
def parse(ctx, path, source, url, jsonl):
    """Print the Decision record(s) that a saved document (or raw items) yields."""
    from indexer.datadir import BadLine, read_raw_line
    from indexer.pipeline import NormalizeError, normalize

    if jsonl:  # one answer per line, in order: a Decision, or {"error", "line"}
        stream = open(path, "rb") if path else sys.stdin.buffer
        with stream:
            for number, line in enumerate(stream, 1):
                try:
                    out = normalize(read_raw_line(line), ctx.data)
                except (BadLine, NormalizeError) as exc:
                    out = {"error": str(exc), "line": number}
                except Exception as exc:  # noqa: BLE001 - every line is answered
                    logging.getLogger("penalty_archive.parse").warning(
                        "line %d", number, exc_info=True)
                    out = {"error": "%s: %s" % (type(exc).__name__, exc), "line": number}
                click.echo(json.dumps(out, ensure_ascii=False, sort_keys=True))
        return
    if not path:
        raise click.UsageError("give a document PATH, or --jsonl")
    import hashlib

    with open(path, "rb") as f:
        data = f.read()
    raw = {"source": source, "key": os.path.splitext(os.path.basename(path))[0],
           "url": url, "document_url": url, "document_path": os.path.abspath(path),
           "document_sha256": hashlib.sha256(data).hexdigest()}
    try:
        record = normalize(raw, ctx.data)
    except NormalizeError as exc:
        raise click.ClickException("%s: %s" % (path, exc))
    if record["document_pending"]:
        raise click.ClickException("%s: no text could be read from it (see the log)" % path)
    click.echo(json.dumps([record], ensure_ascii=False, indent=1, sort_keys=True))


# -- export --------------------------------------------------------------------------------

@main.command()
@click.option("--out", type=click.Path(file_okay=False),
              help="Exports directory (default DATA/exports).")
@click.option("--name", help="Release name (default: today's UTC date).")
@click.option("--base-url", default="", help="Public URL of the site, for the citation line.")
@click.pass_obj
def export(ctx, out, name, base_url):
    """Write a dated bulk release: CSV, JSON lines, Parquet, SQLite, delta, checksums."""
    from indexer.datadir import known_sources
    from indexer.export import ExportError, export_release

    sources = {name: {"title": (state.get("about") or {}).get("title") or name,
                      "path": (state.get("about") or {}).get("homepage")}
               for name, state in known_sources(ctx.data).items()}
    started = time.monotonic()
    try:
        with locked(ctx, "store"), ctx.store(readonly=True) as store:
            entry = export_release(store, out or os.path.join(ctx.data, "exports"), name=name,
                                   sources=sources, base_url=base_url)
    except ExportError as exc:
        raise click.ClickException(str(exc))
    delta = entry["delta"]
    click.echo("export %s: %d decisions (%d added, %d changed, %d withdrawn since %s), "
               "%d files, %.1fs" % (entry["name"], entry["decisions"], delta["added"],
                                    delta["changed"], delta["withdrawn"],
                                    delta["previous"] or "nothing", len(entry["files"]),
                                    time.monotonic() - started), err=True)


if __name__ == "__main__":
    from indexer.cli import main as cli_main  # the module the commands were added to

    cli_main()
