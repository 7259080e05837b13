"""Middlewares: back-off, block pages, damaged answers, WARC recording; list pages.

The WARC recorder sits next to the downloader (900), so it records the exchange as it
went over the wire, before decompression; when replaying, the download handler in
``crawler.replay`` redirects the wire to 127.0.0.1 below every middleware, so the WARC
records and the spider see the site's own URLs.
"""

import asyncio
import email.utils
import json
import logging
import os
import re
from datetime import datetime, timezone
from io import BytesIO
from urllib.parse import urlsplit, urlunsplit

import yaml
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.pipelines import seen_keys
from indexer.datadir import iter_raw, load_state

log = logging.getLogger(__name__)


class BackoffRetryMiddleware:
    """Retry 429/5xx and connection errors with exponential back-off.

    The delay doubles with each retry (base * 2**n, capped), or is what the server's
    Retry-After says when that is longer.  Only the retried request waits; the spider's
    other requests go on.
    """

    def __init__(self, settings, stats):
        self.codes = set(settings.getlist("BACKOFF_HTTP_CODES"))
        self.max_retries = settings.getint("BACKOFF_MAX_RETRIES")
        self.base = settings.getfloat("BACKOFF_BASE_DELAY")
        self.cap = settings.getfloat("BACKOFF_MAX_DELAY")
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings, crawler.stats)

    async def process_request(self, request, spider=None):
        delay = request.meta.pop("backoff_delay", 0)
        if delay:
            await asyncio.sleep(delay)
        return None

    def _retry(self, request, reason, retry_after=None, count=True):
        """The request again after its back-off delay, or None once retries are spent.
        Each fault is counted by its reason (``penalty_archive/faults/<reason>``)."""
        if count:
            self.stats.inc_value("penalty_archive/faults/%s" % reason)
        retries = request.meta.get("backoff_retries", 0) + 1
        if retries > self.max_retries:
            log.error("gave up on %s after %d retries (%s)", request.url, retries - 1, reason)
            self.stats.inc_value("penalty_archive/errors")
            return None
        delay = min(self.cap, self.base * 2 ** (retries - 1))
        if retry_after:
            delay = max(delay, min(self.cap, retry_after))
        log.warning("retry %d of %s in %.0fs (%s)", retries, request.url, delay, reason)
        self.stats.inc_value("penalty_archive/retries")
        new = request.replace(dont_filter=True)
        new.meta.update(backoff_retries=retries, backoff_delay=delay)
        return new

    def process_response(self, request, response, spider=None):
        if response.status in self.codes and not request.meta.get("dont_retry"):
            retry_after = _retry_after(response.headers.get(b"Retry-After"))
            return self._retry(request, "HTTP %d" % response.status, retry_after) or response
        if response.status >= 400 and urlsplit(request.url).path != "/robots.txt":
            # not retried (404, 410, ...): the spider never sees it; the report does
            log.warning("HTTP %d from %s", response.status, request.url)
            self.stats.inc_value("penalty_archive/faults/HTTP %d" % response.status)
        return response

    def process_exception(self, request, exception, spider=None):
        if isinstance(exception, IgnoreRequest) or request.meta.get("dont_retry"):
            return None
        if isinstance(exception, (DNSLookupError, CannotResolveHostError)):
            # The host does not resolve: the site (or our network) is unreachable now.
            log.error("cannot resolve %s: %s", urlsplit(request.url).netloc, exception)
            self.stats.inc_value("penalty_archive/unreachable")
            return None
        return self._retry(request, type(exception).__name__)


def _retry_after(value):
    if not value:
        return None
    value = value.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _load_block_kinds():
    path = os.path.join(os.path.dirname(__file__), "block_pages.yaml")
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    kinds = [BlockKind(name, spec.get("label", name), set(spec.get("statuses") or ()),
                       [re.compile(p, re.I | re.S) for p in spec.get("patterns") or ()])
             for name, spec in data["kinds"].items()]
    return kinds, data["max_bytes"]


class BlockKind:
    def __init__(self, name, label, statuses, patterns):
        self.name, self.label, self.statuses, self.patterns = name, label, statuses, patterns

    def matches(self, status, head, is_html):
        if self.statuses and status not in self.statuses:
            return False
        if not self.patterns:
            return True
        return is_html and any(p.search(head) for p in self.patterns)


class Blocked(IgnoreRequest):
    """A request answered by block or challenge pages until its retries ran out."""

    def __init__(self, url, kind):
        super().__init__("blocked by %s: %s" % (kind.label, url))
        self.kind = kind


class BlockPageMiddleware:
    """Recognise block and challenge answers (``block_pages.yaml``: Jiasule and Ruishu
    challenges, Akamai and other WAF pages, captcha walls, plain 403).

    Such a response never reaches a spider as content: it is logged, counted as
    ``penalty_archive/blocked`` (and by kind) and retried later with back-off; after the
    retries the request fails with :class:`Blocked`, and the crawl report says which list
    pages were blocked by what.
    """

    def __init__(self, stats, retry):
        self.kinds, self.max_bytes = _load_block_kinds()
        self.stats = stats
        self.retry = retry

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, BackoffRetryMiddleware(crawler.settings, crawler.stats))

    def block_kind(self, response):
        """The BlockKind of a block or challenge answer; None for content."""
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        is_html = "html" in content_type or response.body.lstrip()[:1] == b"<"
        head = response.body[:self.max_bytes].decode("utf-8", "replace")
        return next((k for k in self.kinds if k.matches(response.status, head, is_html)), None)

    def process_response(self, request, response, spider=None):
        kind = self.block_kind(response)
        if kind is None:
            return response
        self.stats.inc_value("penalty_archive/blocked")
        self.stats.inc_value("penalty_archive/faults/%s" % kind.label)
        log.warning("block page from %s (HTTP %d): %s", request.url, response.status,
                    kind.label)
        retry = self.retry._retry(request, kind.label, count=False)
        if retry is not None:
            return retry
        self.stats.inc_value("penalty_archive/blocked_failed/%s" % kind.label)
        raise Blocked(request.url, kind)


class ContentCheckMiddleware:
    """Answers that arrived whole but are not what they say they are.

    A PDF without its header or its end (``%%EOF``) was cut short or damaged on the way:
    it is retried with back-off like a 5xx (after the retries it is kept as the site
    served it).  A text answer that declares UTF-8 but is GBK/GB18030 (common on Chinese
    government sites) is read in the encoding it really has.
    """

    def __init__(self, stats, retry):
        self.stats = stats
        self.retry = retry

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, BackoffRetryMiddleware(crawler.settings, crawler.stats))

    def process_response(self, request, response, spider=None):
        if response.status == 200 and _says_pdf(request, response) and not _whole_pdf(
                response.body):
            return self.retry._retry(request, "damaged PDF") or response
        if isinstance(response, TextResponse) and response.encoding == "utf-8":
            try:
                response.body.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    response.body.decode("gb18030")
                except UnicodeDecodeError:
                    return response
                log.warning("%s declares UTF-8 but is GB18030; read as GB18030", request.url)
                self.stats.inc_value("penalty_archive/faults/GBK served as UTF-8")
                return response.replace(encoding="gb18030")
        return response


def _says_pdf(request, response):
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return "pdf" in content_type or urlsplit(request.url).path.lower().endswith(".pdf")


def _whole_pdf(body):
    return body[:1024].lstrip().startswith(b"%PDF-") and b"%%EOF" in body[-2048:]


def failure_reason(failure):
    """A short reason for a request that failed: what blocked it, its HTTP status after
    retries, or the network error."""
    error = failure.value
    if isinstance(error, Blocked):
        return error.kind.label
    if isinstance(error, HttpError):
        return "HTTP %d" % error.response.status
    if isinstance(error, IgnoreRequest):
        return str(error) or "ignored"
    return type(error).__name__


class ArchivedKeys(set):
    """The keys already archived (``ArchiveSpider.seen``), counting how often a spider met
    one (``penalty_archive/archived_met``)."""

    def __init__(self, keys, stats):
        super().__init__(keys)
        self.stats = stats

    def __contains__(self, key):
        found = super().__contains__(key)
        if found:
            self.stats.inc_value("penalty_archive/archived_met")
        return found


class ListPageMiddleware:
    """Spider middleware: which requests are list pages, and how each of them ended.

    List pages are the start requests and each request that follows a grant of
    ``ArchiveSpider.take_list_page()``.  They are marked ``meta["list_page"]`` and, unless
    the spider handles their failures itself, get the errback
    ``ArchiveSpider.list_page_failed``: so every list page ends either in its callback
    (``penalty_archive/list_pages``) or as a failure counted by its reason
    (``penalty_archive/list_failed/<reason>``: blocked, still failing after its retries,
    an HTTP error such as 404, a redirect loop).  The crawl report judges the crawl by
    them (:mod:`crawler.extensions`).

    It also sets what is archived (``ArchiveSpider.seen``, which ends incremental
    listings).  While an unfinished crawl is resumed (``resume_from`` in the source's
    state), keys fetched since that crawl began do not end a listing: the crawl goes on
    past them, to where the last complete crawl had reached.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.marked = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        spider = self.crawler.spider
        if isinstance(getattr(spider, "seen", None), set):
            spider.seen = ArchivedKeys(self._archived(spider), self.crawler.stats)
        async for request in start:
            if isinstance(request, Request):
                self._mark(request, spider)
            self.marked = getattr(spider, "pages_requested", 0)
            yield request

    def _archived(self, spider):
        data = self.crawler.settings.get("PENALTY_ARCHIVE_DATA")
        resume_from = load_state(data, spider.name).get("resume_from")
        if not resume_from:
            return spider.seen
        recent = {item.get("key") for item in iter_raw(data, spider.name)
                  if (item.get("fetched_at") or "") >= resume_from}
        if not recent:
            return spider.seen
        log.info("%s: resuming the crawl begun %s: going on past the %d decisions "
                 "fetched since", spider.name, resume_from, len(recent))
        return spider.archived(seen_keys(data, spider.name) - recent)

    def process_spider_input(self, response, spider=None):
        if response.meta.get("list_page"):
            self.crawler.stats.inc_value("penalty_archive/list_pages")

    def process_spider_output(self, response, result, spider=None):
        for output in result:
            yield self._follow(output)

    async def process_spider_output_async(self, response, result, spider=None):
        async for output in result:
            yield self._follow(output)

    def _follow(self, output):
        spider = self.crawler.spider
        if isinstance(output, Request) and getattr(spider, "pages_requested", 0) > self.marked:
            self._mark(output, spider)
            self.marked += 1
        return output

    @staticmethod
    def _mark(request, spider):
        request.meta["list_page"] = True
        if request.errback is None and hasattr(spider, "list_page_failed"):
            request.errback = spider.list_page_failed


class WarcRecorderMiddleware:
    """Write every HTTP exchange (request and response records) to data/warc/."""

    def __init__(self, directory, spider_name, arguments=None):
        os.makedirs(directory, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.path = os.path.join(directory, "%s-%s-%d.warc.gz" % (spider_name, stamp,
                                                                  os.getpid()))
        self.file = open(self.path, "ab")
        self.writer = WARCWriter(self.file, gzip=True)
        # The spider's arguments, so that a replay of this file asks the same questions.
        self.writer.write_record(self.writer.create_warcinfo_record(
            os.path.basename(self.path),
            {"software": "penalty-archive", "format": "WARC File Format 1.1",
             "penalty-archive-source": spider_name,
             "penalty-archive-arguments": json.dumps(arguments or {}, sort_keys=True)}))

    @classmethod
    def from_crawler(cls, crawler):
        data = crawler.settings.get("PENALTY_ARCHIVE_DATA")
        name = crawler.spidercls.name
        arguments = crawler.settings.getdict("SPIDER_ARGUMENTS").get(name)
        return cls(os.path.join(data, "warc"), name, arguments)

    def process_response(self, request, response, spider=None):
        url = request.url
        req_headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1"))
                       for k, v in request.headers.items()]
        parts = urlsplit(url)
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        req_record = self.writer.create_warc_record(
            url, "request", payload=BytesIO(request.body),
            http_headers=StatusAndHeaders("%s %s HTTP/1.1" % (request.method, target),
                                          [("Host", parts.netloc)] + req_headers,
                                          is_http_request=True))
        resp_headers = [(k.decode("latin-1"), v.decode("latin-1"))
                        for k, values in response.headers.items() for v in values]
        resp_record = self.writer.create_warc_record(
            url, "response", payload=BytesIO(response.body),
            http_headers=StatusAndHeaders("%d %s" % (response.status, _reason(response.status)),
                                          resp_headers, protocol="HTTP/1.1"))
        req_record.rec_headers.add_header("WARC-Concurrent-To",
                                          resp_record.rec_headers.get_header("WARC-Record-ID"))
        self.writer.write_record(resp_record)
        self.writer.write_record(req_record)
        self.file.flush()
        return response

    def close(self):
        self.file.close()


def _reason(status):
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
