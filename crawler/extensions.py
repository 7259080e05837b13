"""Crawl report: a progress line on a terminal and per-source statistics on disk.

Statistics of every crawl (pages, decisions new/changed, documents, errors, blocked, how
it finished) are appended to ``data/state/<source>.json`` (:mod:`indexer.datadir`), beside
what the source is (``about``: title, jurisdiction, home page, description), which the
website and the exports read; ``penalty-archive sources`` shows the latest.
"""

import inspect
import sys
import time
from datetime import datetime, timezone

from scrapy import signals

from indexer.datadir import HISTORY, iter_raw, load_state, save_state


def describe(cls):
    """What a spider says of its source, for those who never import it."""
    doc = inspect.getdoc(sys.modules.get(cls.__module__)) or inspect.getdoc(cls) or ""
    paragraphs = [p.strip() for p in doc.split("\n\n") if p.strip()]
    domains = getattr(cls, "allowed_domains", None) or []
    return {"title": getattr(cls, "title", None) or cls.name,
            "jurisdiction": getattr(cls, "jurisdiction", None),
            "homepage": getattr(cls, "homepage", None)
            or ("https://%s/" % domains[0] if domains else None),
            "known_gaps": getattr(cls, "known_gaps", None),
            "summary": paragraphs[0] if paragraphs else "",
            "details": paragraphs[1:]}


def record_about(data_dir, cls):
    state = load_state(data_dir, cls.name)
    about = describe(cls)
    if state.get("about") != about:
        state["about"] = about
        save_state(data_dir, cls.name, state)


class CrawlReport:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.data_dir = crawler.settings.get("PENALTY_ARCHIVE_DATA")
        self.progress = crawler.settings.getbool("PROGRESS") and sys.stderr.isatty()
        self.started = time.monotonic()
        self.last_print = 0.0
        self.known = {}
        self.archived_before = 0
        self.started_at = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        record_about(self.data_dir, type(spider))
        self.known = {item["key"]: item.get("document_sha256")
                      for item in iter_raw(self.data_dir, spider.name) if item.get("key")}
        self.archived_before = len(self.known)
        self.started_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        # A crawl is unfinished until it ends ok, also when its process dies: the next
        # crawl resumes from the first unfinished one (ListPageMiddleware).
        state = load_state(self.data_dir, spider.name)
        if "resume_from" not in state:
            state["resume_from"] = self.started_at
            save_state(self.data_dir, spider.name, state)

    def item_scraped(self, item, spider):
        key = item.get("key")
        if key not in self.known:
            self.stats.inc_value("penalty_archive/new")
        elif self.known[key] != item.get("document_sha256"):
            self.stats.inc_value("penalty_archive/changed")
        self.known[key] = item.get("document_sha256")
        self._maybe_print(spider)

    def response_received(self, response, request, spider):
        self.stats.inc_value("penalty_archive/pages")
        self._maybe_print(spider)

    def figures(self):
        get = self.stats.get_value
        return {name: get("penalty_archive/" + name, 0)
                for name in ("pages", "items", "new", "changed", "documents",
                             "document_pending", "document_mismatch", "errors", "blocked",
                             "retries", "unreachable")}

    def _maybe_print(self, spider):
        now = time.monotonic()
        if not self.progress or now - self.last_print < 1.0:
            return
        self.last_print = now
        f = self.figures()
        rate = f["items"] / max(now - self.started, 1e-6)
        sys.stderr.write("\r%s: %d pages, %d items (%d new), %d documents, %d errors, "
                         "%d blocked, %.1f items/s " % (spider.name, f["pages"], f["items"],
                                                        f["new"], f["documents"], f["errors"],
                                                        f["blocked"], rate))
        sys.stderr.flush()

    def counted(self, prefix):
        """{reason: count} of the statistics ``penalty_archive/<prefix>/<reason>``."""
        prefix = "penalty_archive/%s/" % prefix
        return {k[len(prefix):]: v for k, v in sorted(self.stats.get_stats().items())
                if k.startswith(prefix)}

    def spider_closed(self, spider, reason):
        if self.progress:
            sys.stderr.write("\n")
        figures = self.figures()
        # every error is logged, and spiders count most of theirs too: count each once
        figures["errors"] = max(figures["errors"], self.stats.get_value("log_count/ERROR", 0))
        figures["list_pages"] = self.stats.get_value("penalty_archive/list_pages", 0)
        list_failed = self.counted("list_failed")
        outcome, why = judge(figures, list_failed, self.counted("blocked_failed"), reason,
                             self.stats.get_value("penalty_archive/archived_met", 0),
                             self.archived_before)
        record = dict(figures, started_at=self.started_at,
                      finished_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                      outcome=outcome, reason=why, ok=outcome == "ok",
                      list_failed=list_failed, faults=self.counted("faults"),
                      seconds=round(time.monotonic() - self.started, 1),
                      replay=bool(self.crawler.settings.get("REPLAY_SERVER")))
        state = load_state(self.data_dir, spider.name)
        state["crawls"] = (state["crawls"] + [record])[-HISTORY:]
        if record["ok"]:
            state["last_success"] = record["finished_at"]
            state.pop("resume_from", None)
        save_state(self.data_dir, spider.name, state)
        spider.crawl_report = record


def _counts(counts):
    return ", ".join("%s (%d)" % (k, v) if v > 1 else k for k, v in counts.items())


def judge(figures, list_failed, blocked_failed, close_reason, archived_met, archived_before):
    """How a crawl ended: ("ok" | "incomplete" | "failed", the reason, or None when ok).

    Failed: the site could not be reached; no list page could be read (blocked, failing
    after its retries, 404); or the list pages gave no decision at all, neither new nor
    archived, where the archive holds the source's decisions or the spider reported
    errors (a site that changed).  Incomplete: some list pages could not be read, other pages
    stayed blocked after their retries, or the crawl was stopped before its end.
    """
    failed = sum(list_failed.values())
    if figures["unreachable"]:
        return "failed", "unreachable: the site's host does not resolve"
    if failed and not figures["list_pages"]:
        return "failed", "no list page could be read: %s" % _counts(list_failed)
    if failed:
        return "incomplete", "%d list page%s could not be read: %s" % (
            failed, "" if failed == 1 else "s", _counts(list_failed))
    if blocked_failed:
        blocked = sum(blocked_failed.values())
        return "incomplete", "%d page%s stayed blocked: %s" % (
            blocked, "" if blocked == 1 else "s", _counts(blocked_failed))
    if close_reason != "finished":
        return "incomplete", "stopped before its end (%s)" % close_reason
    if not figures["list_pages"]:
        return "failed", "no list page was read"
    if not figures["items"] and not archived_met and (archived_before or figures["errors"]):
        return "failed", "the list pages gave no decision (%d archived before, %d errors)" % (
            archived_before, figures["errors"])
    return "ok", None
