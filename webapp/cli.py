"""``penalty-archive``: crawl, index, serve, run, parse, sources.

The data directory (``--data``, env ``PENALTY_ARCHIVE_DATA``, default ``./data``) holds::

    raw/<source>/<date>.jsonl   raw items, append-only
    documents/<sha256>.<ext>    original documents, content-addressed
    warc/*.warc.gz              every HTTP exchange
    text/                       cache of extracted document text
    state/<source>.json         crawl statistics per source
    store/                      the embedded store (SQLite + tantivy)
"""

import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import click

DEFAULT_PORT = 5000
FIRST_RUN_MAX_PAGES = int(os.environ.get("PENALTY_ARCHIVE_FIRST_RUN_PAGES", "10"))


def default_corpus():
    """../shared/corpus beside the project (env PENALTY_ARCHIVE_CORPUS overrides)."""
    if os.environ.get("PENALTY_ARCHIVE_CORPUS"):
        return os.environ["PENALTY_ARCHIVE_CORPUS"]
    for base in (Path(__file__).resolve().parent.parent, Path.cwd()):
        candidate = base.parent / "shared" / "corpus"
        if candidate.is_dir():
            return str(candidate)
    return str(Path.cwd().parent / "shared" / "corpus")


def spider_classes():
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    loader = SpiderLoader.from_settings(get_project_settings())
    return {name: loader.load(name) for name in sorted(loader.list())}


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


@click.group()
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


# -- sources -------------------------------------------------------------------------------

@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def sources(ctx, as_json):
    """List sources and the state of their last crawl."""
    from crawler.extensions import load_state

    rows = []
    for name, cls in spider_classes().items():
        state = load_state(ctx.data, name)
        last = state["crawls"][-1] if state["crawls"] else {}
        rows.append({"source": name, "title": getattr(cls, "title", name),
                     "jurisdiction": getattr(cls, "jurisdiction", None),
                     "last_crawl": last, "last_success": state.get("last_success")})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        last = row["last_crawl"]
        click.echo("%s  %s" % (row["source"], row["title"]))
        if last:
            click.echo("    last crawl %s (%s%s): %d pages, %d decisions (%d new, %d changed), "
                       "%d documents, %d pending, %d errors, %d blocked" % (
                           last["finished_at"], "ok" if last["ok"] else "FAILED",
                           ", replay" if last.get("replay") else "", last["pages"],
                           last["items"], last["new"], last["changed"], last["documents"],
                           last["document_pending"], last["errors"], last["blocked"]))
        else:
            click.echo("    never crawled")


# -- crawl ---------------------------------------------------------------------------------

def run_crawl(ctx, names, replay=None, since=None, max_pages=None, progress=True):
    """Crawl the named sources in this process; returns {source: crawl report}."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.extensions import load_state
    from crawler.replay import ReplayServer, load_replay

    classes = spider_classes()
    unknown = [n for n in names if n not in classes]
    if unknown:
        raise click.BadParameter("unknown source(s): %s (known: %s)"
                                 % (", ".join(unknown), ", ".join(classes)))
    settings = get_project_settings()
    settings.set("PENALTY_ARCHIVE_DATA", ctx.data, priority="cmdline")
    settings.set("PROGRESS", progress, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    server, spider_kwargs = None, {}
    if replay:
        exchanges, spider_kwargs = load_replay(replay, {n: classes[n] for n in names},
                                               default_corpus())
        skipped = [n for n in names if n not in spider_kwargs]
        if skipped:
            click.echo("no saved material to replay for %s: not crawled" % ", ".join(skipped),
                       err=True)
        names = [n for n in names if n in spider_kwargs]
        if not names:
            raise click.UsageError("nothing to replay at %s" % replay)
        ignore = {p for n in names for p in getattr(classes[n], "replay_ignore_params", ())}
        server = ReplayServer(exchanges, ignore)
        settings.set("REPLAY_SERVER", server.start(), priority="cmdline")
        handler = "crawler.replay.ReplayDownloadHandler"
        settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler},
                     priority="cmdline")
        for name, value in (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False),
                            ("BACKOFF_BASE_DELAY", 0.1), ("CONCURRENT_REQUESTS_PER_DOMAIN", 8)):
            settings.set(name, value, priority="cmdline")
    arguments = {}
    for name in names:
        kwargs = dict(spider_kwargs.get(name, {}))
        if since:
            kwargs["since"] = since
        pages = max_pages
        if pages is None and not replay and not load_state(ctx.data, name).get("last_success"):
            pages = FIRST_RUN_MAX_PAGES  # a first live run is bounded
        if pages is not None:
            kwargs["max_pages"] = pages
        arguments[name] = kwargs
    settings.set("SPIDER_ARGUMENTS", arguments, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = {}
    for name in names:
        crawler = process.create_crawler(classes[name])
        crawlers[name] = crawler
        process.crawl(crawler, **arguments[name])
    try:
        process.start()
    finally:
        if server:
            server.stop()
    reports = {}
    for name, crawler in crawlers.items():
        reports[name] = getattr(crawler.spider, "crawl_report", None) or {
            "ok": False, "reason": "did not start", "pages": 0, "items": 0}
    if server and server.misses:
        click.echo("the replay had no saved answer for %d request(s) (run with -v to list them)"
                   % len(server.misses), err=True)
    return reports


def _print_reports(reports):
    for name, report in reports.items():
        click.echo("%s: %s — %d pages, %d decisions (%d new, %d changed), %d documents, "
                   "%d pending, %d errors, %d blocked, %.1fs" % (
                       name, "ok" if report["ok"] else "FAILED (%s)" % report.get("reason"),
                       report.get("pages", 0), report.get("items", 0), report.get("new", 0),
                       report.get("changed", 0), report.get("documents", 0),
                       report.get("document_pending", 0), report.get("errors", 0),
                       report.get("blocked", 0), report.get("seconds", 0)), err=True)


@main.command()
@click.argument("source", required=False)
@click.option("--all", "all_sources", is_flag=True, help="Crawl every source.")
@click.option("--replay", metavar="PATH",
              help="Serve the crawl from WARC files or a fixture folder on 127.0.0.1 "
                   "('demo': every source's saved material).")
@click.option("--since", metavar="DATE", help="Ignore decisions older than DATE (YYYY-MM-DD).")
@click.option("--max-pages", type=click.IntRange(min=1), help="List pages per source.")
@click.pass_obj
def crawl(ctx, source, all_sources, replay, since, max_pages):
    """Crawl SOURCE (or --all) into the data directory."""
    if bool(source) == all_sources:
        raise click.UsageError("name one SOURCE or give --all")
    names = list(spider_classes()) if all_sources else [source]
    reports = run_crawl(ctx, names, replay, since, max_pages)
    _print_reports(reports)
    if not all(r["ok"] for r in reports.values()):
        sys.exit(1)


# -- index ---------------------------------------------------------------------------------

def run_index(ctx, rebuild=False, progress=True):
    from crawler.pipelines import iter_raw
    from indexer.normalize.dedupe import merge_duplicates
    from indexer.pipeline import NormalizeError, latest_raw_items, normalize
    from indexer.store.base import UpsertStats

    started = time.monotonic()
    items = latest_raw_items(iter_raw(ctx.data))
    stats, errors = UpsertStats(), 0
    show = progress and sys.stderr.isatty()
    # Normalized records wait in a spill file, not in memory: only their dedup keys are
    # kept, so that the same decision from several sources becomes one record.
    with ctx.store() as store, tempfile.TemporaryFile() as spill:
        members = {}
        for done, raw in enumerate(items, 1):
            try:
                record = normalize(raw, ctx.data)
            except NormalizeError as exc:
                errors += 1
                logging.getLogger("penalty_archive.index").warning(
                    "skipped %s %s: %s", raw.get("source"), raw.get("key"), exc)
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
    if show:
        click.echo("", err=True)
    seconds = time.monotonic() - started
    click.echo("index: %d raw items -> %d new, %d changed, %d unchanged, %d errors; %d decisions "
               "in the store (%.1fs, %.1f items/s)" % (
                   len(items), stats.new, stats.changed, stats.unchanged, errors, total,
                   seconds, len(items) / max(seconds, 1e-6)), err=True)
    return stats, errors


@main.command()
@click.option("--rebuild", is_flag=True, help="Rebuild the search index from the records.")
@click.pass_obj
def index(ctx, rebuild):
    """Normalize raw items into Decisions and store them (re-runnable)."""
    run_index(ctx, rebuild)


# -- serve / run ---------------------------------------------------------------------------

def _serve(ctx, host, port):
    from webapp import create_app

    app = create_app({"DATA_DIR": ctx.data, "STORE": ctx.store_kind,
                      "ELASTICSEARCH_URL": ctx.elasticsearch_url})
    click.echo("serving http://%s:%d/ (Ctrl-C stops)" % (host, port), err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.pass_obj
def serve(ctx, host, port):
    """Serve the website and API."""
    _serve(ctx, host, port)


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
    reports = run_crawl(ctx, list(spider_classes()), replay, since, max_pages)
    _print_reports(reports)
    failed = [n for n, r in reports.items() if not r["ok"]]
    if failed:
        click.echo("unreachable or failed: %s — serving what is indexed" % ", ".join(failed),
                   err=True)
    run_index(ctx)
    if not no_serve:
        _serve(ctx, host, port)


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
    from indexer.pipeline import NormalizeError, normalize

    if jsonl:
        stream = open(path, encoding="utf-8") if path else sys.stdin
        with stream:
            for line in stream:
                if not line.strip():
                    continue
                try:
                    out = normalize(json.loads(line), ctx.data)
                except (ValueError, NormalizeError) as exc:
                    out = {"error": str(exc)}
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
    from indexer.export import ExportError, export_release

    sources = {}
    for source, cls in spider_classes().items():
        domains = getattr(cls, "allowed_domains", None) or []
        sources[source] = {"title": getattr(cls, "title", source),
                           "path": getattr(cls, "homepage", None)
                           or ("https://%s/" % domains[0] if domains else None)}
    started = time.monotonic()
    try:
        with ctx.store(readonly=True) as store:
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
    main()
