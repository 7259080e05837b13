"""Downloader middlewares: back-off, block pages, WARC recording, replay.

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
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.error import DNSLookupError
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

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

    def _retry(self, request, reason, retry_after=None):
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


def _load_block_patterns():
    path = os.path.join(os.path.dirname(__file__), "block_pages.yaml")
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return [re.compile(p, re.I) for p in data["patterns"]], data["max_bytes"]


class BlockPageMiddleware:
    """Recognise block and challenge pages (WAF 'Access Denied', captcha walls).

    Such a response is never handed to a spider as content: it is logged, counted as
    ``penalty_archive/blocked`` and retried later with back-off; after the retries the
    request is dropped, and the crawl report says the source was blocked.
    """

    def __init__(self, stats, retry):
        self.patterns, self.max_bytes = _load_block_patterns()
        self.stats = stats
        self.retry = retry

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, BackoffRetryMiddleware(crawler.settings, crawler.stats))

    def is_block_page(self, response):
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if "html" not in content_type and not response.body.lstrip()[:1] == b"<":
            return False
        head = response.body[:self.max_bytes].decode("utf-8", "replace")
        return any(p.search(head) for p in self.patterns)

    def process_response(self, request, response, spider=None):
        if not self.is_block_page(response):
            return response
        self.stats.inc_value("penalty_archive/blocked")
        log.warning("block page from %s (HTTP %d)", request.url, response.status)
        retry = self.retry._retry(request, "block page")
        if retry is not None:
            return retry
        raise IgnoreRequest("blocked: %s" % request.url)


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
