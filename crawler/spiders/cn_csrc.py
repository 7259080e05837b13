"""China: 中国证券监督管理委员会 (CSRC, the securities regulator), 行政处罚决定.

Regulator: the China Securities Regulatory Commission, which decides penalties for
disclosure fraud, insider trading, market manipulation and failures of auditors, lawyers
and sponsors, and publishes every 行政处罚决定书 in full.

Pages crawled:
- ``GET /searchList/<channel>?_isAgg=true&_isJson=true&_pageSize=N&_template=index&page=N``:
  the column's search list, asked for as the site's own page script asks for it,
  JSON ``data.results[]`` with ``manuscriptId``, ``title``, ``url``, ``publishedTimeStr``
  (newest first; ``data.total`` when given).  A page whose decisions are all archived
  ends the crawl (incremental crawling).
- ``GET /csrc/c101928/c<id>/content.shtml``: the decision, HTML; the text is the body
  ``div.detail-news``, paragraphs split by ``<br>``.

Document format: HTML text, read by :mod:`indexer.documents.cn_csrc`.  A decision that
penalizes several parties yields one raw item per penalized party (key
``<manuscriptId>-<n>``), each with that party's name and penalty text, all sharing the
archived decision (``div.detail-news`` as an HTML document); the indexer reads each
party's amounts from it again (``indexer.pipeline.DOCUMENT_PARSERS``).  The list
protocol and the channel id were read off public crawlers, not checked live from here.
"""

import csv
import html
import json
import logging
import os
import re

import scrapy

from crawler.base import ArchiveSpider
from crawler.items import raw_item
from indexer.documents import DocumentError, cn_csrc, extract_text

log = logging.getLogger(__name__)

BASE_URL = "https://www.csrc.gov.cn"
CHANNEL = "17d5ff2fe43e488dba825807ae40d63f"  # 行政处罚决定 (as public crawlers use it)
PAGE_SIZE = 20


def list_url(page, page_size=PAGE_SIZE, channel=CHANNEL):
    """The list as the site's own page asks for it (``_isAgg``, ``_template``)."""
    return ("%s/searchList/%s?_isAgg=true&_isJson=true&_pageSize=%d&_template=index&page=%d"
            % (BASE_URL, channel, page_size, page))


def detail_url(manuscript_id):
    return "%s/csrc/c101928/c%s/content.shtml" % (BASE_URL, manuscript_id)


def manuscript_of(key):
    return str(key).split("-")[0]


class CnCsrcSpider(ArchiveSpider):
    name = "cn_csrc"
    title = "中国证监会 行政处罚决定 (China Securities Regulatory Commission)"
    jurisdiction = "CN"
    allowed_domains = ["www.csrc.gov.cn"]
    custom_settings = {"DOWNLOAD_DELAY": 3.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def __init__(self, since=None, max_pages=None, page_size=None, channel=None, *args,
                 **kwargs):
        super().__init__(since, max_pages, *args, **kwargs)
        self.page_size = int(page_size) if page_size else PAGE_SIZE
        self.channel = channel or CHANNEL

    def archived(self, keys):
        return {manuscript_of(k) for k in keys}

    async def start(self):
        request = self.list_request(1)
        if request is not None:
            yield request

    def list_request(self, page):
        if not self.take_list_page():
            return None
        return scrapy.Request(list_url(page, self.page_size, self.channel),
                              callback=self.parse_list, cb_kwargs={"page": page},
                              headers={"Accept": "application/json",
                                       "X-Requested-With": "XMLHttpRequest"})

    # -- list ------------------------------------------------------------------------------

    def parse_list(self, response, page):
        try:
            data = response.json()["data"]
            rows = data["results"]
        except (ValueError, KeyError, TypeError) as exc:
            self.list_page_unreadable("list page %d has an unexpected structure (%r): %.200s",
                                      page, exc, response.text)
            return
        total = data.get("total")
        if not rows:
            if page == 1 or (total and (page - 1) * self.page_size < int(total)):
                self.list_page_unreadable("list page %d lists no decisions", page)
            return
        fresh = 0
        for row in rows:
            mid = self._parse_manuscript_id(row)
            if not mid:
                log.error("%s: list row without manuscriptId skipped: %r", self.name, row)
                self.crawler.stats.inc_value("penalty_archive/errors")
                continue
            day = self._parse_published_date(row)
            if self.since and day and day < self.since:
                continue
            if mid in self.seen:
                continue
            fresh += 1
            yield response.follow(row.get("url") or detail_url(mid), callback=self.parse_decision,
                                  cb_kwargs={"row": row, "mid": mid})
        if not fresh:
            return  # everything on this page is archived (or older than --since)
        more = len(rows) == self.page_size
        if total is not None:
            more = page * self.page_size < int(total)
        if more:
            request = self.list_request(page + 1)
            if request is not None:
                yield request

    @staticmethod
    def _parse_manuscript_id(row):
        value = row.get("manuscriptId")
        if value is None:
            m = re.search(r"/c(\d+)/content\.s?html", row.get("url") or "")
            value = m.group(1) if m else None
        return str(value).strip() if value not in (None, "") else None

    @staticmethod
    def _parse_published_date(row):
        m = re.match(r"\d{4}-\d{2}-\d{2}", (row.get("publishedTimeStr") or "").strip())
        return m.group(0) if m else None

    @staticmethod
    def _parse_title(row):
        return " ".join((row.get("title") or "").split()) or None

    # -- decision --------------------------------------------------------------------------

    @staticmethod
    def _parse_document(response, title):
        """The decision as published: the page's ``div.detail-news``, kept as a small HTML
        document (the whole page is in the WARC record)."""
        body = response.css("div.detail-news").get()
        if not body:
            return None
        return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head>"
                "<body>%s</body></html>" % (html.escape(title or ""), body)).encode("utf-8")

    def parse_decision(self, response, row, mid):
        title = self._parse_title(row)
        document = self._parse_document(response, title)
        try:
            text = extract_text(document, "html") if document else None
        except DocumentError:
            text = None
        if not text:
            log.error("%s: %s has no decision text (div.detail-news)", self.name, response.url)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        parsed = cn_csrc.parse(text, title)
        common = dict(
            url=response.url, document_url=response.url, title=title,
            decision_number=parsed["decision_number"], authority_name=parsed["authority_name"],
            # a page without its date: the list's published time stands for it
            decision_date=parsed["decision_date"] or self._parse_published_date(row),
            published_date=self._parse_published_date(row),
            jurisdiction=self.jurisdiction, language="zh", listing=row,
            document_body=document, document_ext="html")
        parties = parsed["parties"]
        if not parties:
            log.warning("%s: %s: no penalized party found; archived as one decision",
                        self.name, mid)
            yield raw_item(self.name, key=mid, **common)
            return
        for n, party in enumerate(parties, 1):
            yield raw_item(self.name, key="%s-%d" % (mid, n), party_name=party["party_name"],
                           penalty_text=party["penalty_text"], **common)


# -- replay ---------------------------------------------------------------------------------

def _corpus_decisions(corpus):
    path = os.path.join(corpus, "cn", "csrc", "decisions_sample.csv")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        m = re.search(r"/c(\d+)/content\.shtml", row["URL"])
        if m:
            out.append(dict(row, manuscriptId=m.group(1)))
    return out


def _detail_page(decision):
    """The decision page in the site's structure, built from the corpus text."""
    lines = [html.escape(line) for line in decision["正文"].split("\n")]
    title = html.escape(decision["标题"])
    body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head>"
            "<body><div class=\"detail-title\"><h2>%s</h2></div>"
            "<div class=\"detail-news\">%s</div></body></html>" % (title, title,
                                                                   "<br>".join(lines)))
    return body.encode("utf-8")


def replay_exchanges(fixture, corpus):
    """The site's answers for a replay: list pages in the documented JSON shape and detail
    pages rendered from the real decision texts of ../shared/corpus/cn/csrc.  ``fixture``
    (``list.json``) chooses the decisions and the page size; the demo (None) serves all
    of them."""
    from crawler.replay import exchange

    decisions = _corpus_decisions(corpus)
    page_size = PAGE_SIZE
    if fixture:
        with open(os.path.join(fixture, "list.json"), encoding="utf-8") as f:
            spec = json.load(f)
        wanted = [str(m) for m in spec["manuscripts"]]
        by_id = {d["manuscriptId"]: d for d in decisions}
        decisions = [by_id[m] for m in wanted]
        page_size = spec.get("page_size", PAGE_SIZE)
    decisions.sort(key=lambda d: (d["发布日期"], d["manuscriptId"]), reverse=True)
    results = [{"manuscriptId": d["manuscriptId"], "title": d["标题"],
                "url": d["URL"], "publishedTimeStr": d["发布日期"] + " 00:00:00"}
               for d in decisions]
    pages = max(1, -(-len(results) // page_size))
    exchanges = []
    for page in range(1, pages + 1):
        exchanges.append(exchange("GET", list_url(page, page_size), json_body={"data": {
            "page": page, "rows": page_size, "total": len(results),
            "results": results[(page - 1) * page_size:page * page_size]}}))
    for d in decisions:
        exchanges.append(exchange("GET", d["URL"], body=_detail_page(d),
                                  content_type="text/html; charset=utf-8"))
    return exchanges, {"page_size": page_size}
