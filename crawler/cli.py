"""The crawler's commands: ``crawl`` and ``sources``, and the crawl step of ``run``
(contributed to :mod:`indexer.cli` through the ``penalty_archive.commands`` entry points)."""

import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path

import click

from crawler.replay import Fault, ReplayServer, load_replay
from indexer.cli import locked, main, step
from indexer.datadir import load_state

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


# -- sources -------------------------------------------------------------------------------

@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def sources(ctx, as_json):
    """List sources and the state of their last crawl."""
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
            click.echo("    last crawl %s (%s%s): %s" % (
                last["finished_at"], _outcome(last), ", replay" if last.get("replay") else "",
                _figures(last)))
        else:
            click.echo("    never crawled")


def _outcome_of(report):
    """ok, incomplete or failed (crawls recorded before outcomes were: ok or failed)."""
    return report.get("outcome") or ("ok" if report.get("ok") else "failed")


def _outcome(report):
    """ok, or INCOMPLETE/FAILED with the reason."""
    outcome = _outcome_of(report)
    if outcome == "ok":
        return "ok"
    return "%s: %s" % (outcome.upper(), report.get("reason") or "unknown reason")


def _figures(report):
    text = ("%d pages, %d decisions (%d new, %d changed), %d documents, %d pending, "
            "%d errors, %d blocked" % (
                report.get("pages", 0), report.get("items", 0), report.get("new", 0),
                report.get("changed", 0), report.get("documents", 0),
                report.get("document_pending", 0), report.get("errors", 0),
                report.get("blocked", 0)))
    if report.get("document_mismatch"):
        text += "; %d documents of another decision (kept as evidence)" % report[
            "document_mismatch"]
    if report.get("faults"):
        text += "; faults met: " + ", ".join("%s ×%d" % kv for kv in report["faults"].items())
    return text


# -- crawl ---------------------------------------------------------------------------------

def run_crawl(ctx, names, replay=None, since=None, max_pages=None, faults=(), progress=True,
              spider_args=None):
    """Crawl the named sources in this process; returns {source: crawl report}.
    ``faults`` (with ``replay``) are injected by the replay server (``crawler.replay.Fault``);
    ``spider_args`` are given to every named spider (``crawl -a``)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

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
        server = ReplayServer(exchanges, ignore, faults)
        settings.set("REPLAY_SERVER", server.start(), priority="cmdline")
        handler = "crawler.replay.ReplayDownloadHandler"
        settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler},
                     priority="cmdline")
        for name, value in (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False),
                            ("BACKOFF_BASE_DELAY", 0.02), ("CONCURRENT_REQUESTS_PER_DOMAIN", 8),
                            ("DOWNLOAD_TIMEOUT", 5)):
            settings.set(name, value, priority="cmdline")
    arguments = {}
    for name in names:
        kwargs = dict(spider_kwargs.get(name, {}), **(spider_args or {}))
        if since:
            kwargs["since"] = since
        pages = max_pages
        if pages is None and not replay and not load_state(ctx.data, name).get("last_success"):
            pages = FIRST_RUN_MAX_PAGES  # a first live run is bounded
        if pages is not None:
            kwargs["max_pages"] = pages
        arguments[name] = kwargs
    settings.set("SPIDER_ARGUMENTS", arguments, priority="cmdline")
    crawlers = {}
    try:
        with ExitStack() as locks:  # one crawl of a source at a time (indexer.datadir.lock)
            for name in names:
                locks.enter_context(locked(ctx, "crawl-" + name))
            process = CrawlerProcess(settings)
            for name in names:
                crawler = process.create_crawler(classes[name])
                crawlers[name] = crawler
                process.crawl(crawler, **arguments[name])
            process.start()
    finally:
        if server:
            server.stop()
    reports = {}
    for name, crawler in crawlers.items():
        reports[name] = getattr(crawler.spider, "crawl_report", None) or {
            "ok": False, "outcome": "failed", "reason": "did not start", "pages": 0,
            "items": 0}
    if server and server.misses:
        click.echo("the replay had no saved answer for %d request(s) (run with -v to list them)"
                   % len(server.misses), err=True)
    return reports


def _print_reports(reports):
    for name, report in reports.items():
        click.echo("%s: %s — %s, %.1fs" % (name, _outcome(report), _figures(report),
                                           report.get("seconds", 0)), err=True)


def exit_status(reports):
    """0 when every crawl ended well, 1 when one failed, 3 when one is incomplete."""
    outcomes = {_outcome_of(r) for r in reports.values()}
    return 1 if "failed" in outcomes else 3 if "incomplete" in outcomes else 0


@main.command()
@click.argument("source", required=False)
@click.option("--all", "all_sources", is_flag=True, help="Crawl every source.")
@click.option("--replay", metavar="PATH",
              help="Serve the crawl from WARC files or a fixture folder on 127.0.0.1 "
                   "('demo': every source's saved material).")
@click.option("--since", metavar="DATE", help="Ignore decisions older than DATE (YYYY-MM-DD).")
@click.option("--max-pages", type=click.IntRange(min=1), help="List pages per source.")
@click.option("--fault", "faults", multiple=True, metavar="SPEC",
              help="With --replay: inject a fault, e.g. 'status:503,times=2', "
                   "'status:521,body=page.html', 'timeout,match=page=2' (docs/operations.md).")
@click.option("-a", "--arg", "spider_args", multiple=True, metavar="NAME=VALUE",
              help="An argument of SOURCE's spider, e.g. -a branches=all for cn_pbc.")
@click.pass_obj
def crawl(ctx, source, all_sources, replay, since, max_pages, faults, spider_args):
    """Crawl SOURCE (or --all) into the data directory.

    Exit status: 0 when every crawl ended well, 1 when one failed, 3 when one is
    incomplete (the next crawl resumes it)."""
    if bool(source) == all_sources:
        raise click.UsageError("name one SOURCE or give --all")
    if faults and not replay:
        raise click.UsageError("--fault needs --replay")
    try:
        faults = [Fault(spec) for spec in faults]
    except (ValueError, OSError) as exc:
        raise click.BadParameter(str(exc), param_hint="--fault")
    if spider_args and all_sources:
        raise click.UsageError("-a is an argument of one SOURCE's spider")
    extra = {}
    for arg in spider_args:
        name, sep, value = arg.partition("=")
        if not sep or not name.isidentifier():
            raise click.BadParameter("%r is not NAME=VALUE" % arg, param_hint="-a")
        extra[name] = value
    names = list(spider_classes()) if all_sources else [source]
    reports = run_crawl(ctx, names, replay, since, max_pages, faults, spider_args=extra)
    _print_reports(reports)
    sys.exit(exit_status(reports))


@step("crawl")
def crawl_every_source(ctx, replay=None, since=None, max_pages=None):
    """run's first step: crawl every source; a failed one is named, the run goes on."""
    reports = run_crawl(ctx, list(spider_classes()), replay, since, max_pages)
    _print_reports(reports)
    failed = ["%s (%s)" % (n, _outcome(r)) for n, r in reports.items() if not r["ok"]]
    if failed:
        click.echo("not crawled completely: %s — serving what is indexed" % "; ".join(failed),
                   err=True)
    return reports
