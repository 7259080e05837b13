"""China: 国家市场监督管理总局 行政处罚信息公示 (SAMR headquarters' penalty column).

Regulator: the State Administration for Market Regulation itself (national level: cases
such as monopoly, unfair competition and price cases it decides directly).

Pages crawled:
- the column page ``/xzcf/index.html``: script-rendered; its script names the list
  endpoint's parameters (``'webId':'…'``, ``'tplSetId':'…'``, ``'pageId':'…'``);
- ``GET /api-gateway/jpaas-publish-server/front/page/build/unit`` with those parameters,
  ``parseType=bulidstatic`` (sic), ``pageType=column``, ``tagId=ajax分页`` and
  ``paramJson={"pageNo": N, "pageSize": 50}``: JSON whose ``data.html`` is the list
  (``<li><a href="…/art_<hex>.html" title>`` + ``<span>`` date), newest first;
- each detail page: static HTML whose body (``div.TRS_Editor``, ``#zoom`` or
  ``.zt_xilan_07``) holds the decision text; some carry the decision as a PDF
  attachment (``<a href="….pdf">``), which is then fetched and archived instead.

Document format: HTML (the decision text in the page) or PDF.  The column's structure was
read off public crawlers of samr.gov.cn columns, not checked live.
"""

import json
import logging
import os
import re
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector

from crawler.base import ArchiveSpider
from crawler.items import raw_item

log = logging.getLogger(__name__)

BASE_URL = "https://www.samr.gov.cn"
COLUMN = BASE_URL + "/xzcf/index.html"
UNIT = BASE_URL + "/api-gateway/jpaas-publish-server/front/page/build/unit"
PAGE_SIZE = 50
BODY_SELECTORS = ("div.TRS_Editor", "#zoom", ".zt_xilan_07", ".article-content")
_PARAM = re.compile(r"""['"](webId|tplSetId|pageId)['"]\s*:\s*['"]([^'"]+)['"]""")
_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,12}[〔【\[（(]\s*(?:19|20)\d\d\s*[〕】\]）)]\s*\d+\s*号")


def list_url(params, page):
    query = [("webId", params["webId"]), ("pageId", params["pageId"]),
             ("parseType", "bulidstatic"), ("pageType", "column"), ("tagId", "ajax分页"),
             ("tplSetId", params["tplSetId"]),
             ("paramJson", json.dumps({"pageNo": page, "pageSize": PAGE_SIZE},
                                      separators=(",", ":")))]
    return UNIT + "?" + urlencode(query)


def detail_key(url):
    return os.path.splitext(urlsplit(url).path.rstrip("/").split("/")[-1])[0] or url


def _clean(text):
    return re.sub(r"\s+", " ", text or "").strip()


class CnSamrSpider(ArchiveSpider):
    name = "cn_samr"
    title = "国家市场监督管理总局 行政处罚信息公示 (SAMR headquarters' penalty decisions)"
    jurisdiction = "CN"
    allowed_domains = ["samr.gov.cn"]
    custom_settings = {"DOWNLOAD_DELAY": 3.0}

    async def start(self):
        yield scrapy.Request(COLUMN, callback=self.parse_column)

    def parse_column(self, response):
        params = dict(_PARAM.findall(response.text))
        if set(params) != {"webId", "tplSetId", "pageId"}:
            self.list_page_unreadable("the column page names no list parameters (%s): %.200s",
                                      ", ".join(sorted(params)) or "none", response.text)
            return
        request = self.list_request(params, 1)
        if request is not None:
            yield request

    def list_request(self, params, page):
        if not self.take_list_page():
            return None
        return scrapy.Request(list_url(params, page), callback=self.parse_list,
                              headers={"Referer": COLUMN, "X-Requested-With": "XMLHttpRequest"},
                              cb_kwargs={"params": params, "page": page})

    def parse_list(self, response, params, page):
        try:
            fragment = Selector(text=response.json()["data"]["html"] or "<ul></ul>")
        except (ValueError, KeyError, TypeError) as exc:
            self.list_page_unreadable("list page %d is not the expected JSON (%r): %.200s",
                                      page, exc, response.text)
            return
        rows = [self._parse_row(li, response) for li in fragment.css("li")]
        rows = [r for r in rows if r]
        if not rows:
            if page == 1:
                self.list_page_unreadable("the first list page lists no decisions")
            return  # past the last page
        fresh = 0
        for row in rows:
            if self.since and row["date"] and row["date"] < self.since:
                continue
            if row["key"] in self.seen:
                continue
            fresh += 1
            yield scrapy.Request(row["url"], callback=self.parse_detail,
                                 headers={"Referer": COLUMN}, cb_kwargs={"row": row})
        if not fresh:
            return  # everything listed here is archived (or older than --since)
        if len(rows) >= PAGE_SIZE:
            request = self.list_request(params, page + 1)
            if request is not None:
                yield request

    @staticmethod
    def _parse_row(li, response):
        href = li.css("a::attr(href)").get()
        if not href:
            return None
        url = urljoin(BASE_URL, href)
        title = _clean(li.css("a::attr(title)").get() or " ".join(li.css("a ::text").getall()))
        day = re.search(r"\d{4}-\d{2}-\d{2}", " ".join(li.css("span::text, div::text").getall()))
        return {"key": detail_key(url), "url": url, "title": title,
                "date": day.group(0) if day else None}

    def parse_detail(self, response, row):
        body = None
        for selector in BODY_SELECTORS:
            found = response.css(selector)
            if found:
                body = found[0]
                break
        if body is None:
            log.error("%s: detail page %s has no decision body", self.name, response.url)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        text = self._parse_text(body)
        pdf = next((urljoin(response.url, h) for h in body.css("a::attr(href)").getall()
                    if h.lower().split("?")[0].endswith(".pdf")), None)
        item = raw_item(
            self.name, key=row["key"], url=response.url, title=row["title"],
            decision_number=self._parse_decision_number(row["title"], text),
            authority_name="国家市场监督管理总局", published_date=row["date"],
            jurisdiction=self.jurisdiction, language="zh", listing=row)
        if pdf and len(text) < 200:  # the page only introduces the attached decision
            yield scrapy.Request(pdf, callback=self.parse_attachment,
                                 errback=self.attachment_failed, headers={"Referer": response.url},
                                 cb_kwargs={"item": item})
            return
        item["text"] = text
        item["document_url"] = response.url
        item["document_body"], item["document_ext"] = response.body, "html"
        yield item

    def parse_attachment(self, response, item):
        if not response.body.startswith(b"%PDF"):
            log.error("%s: attachment %s is not a PDF", self.name, response.url)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        if not item.get("decision_number"):  # the number is printed in the document only
            from indexer.documents import DocumentError, cn_decision, extract_text

            try:
                parsed = cn_decision.parse(extract_text(response.body, "pdf"))
                item["decision_number"] = parsed.get("decision_number")
            except DocumentError as exc:
                log.warning("%s: attachment %s not readable: %s", self.name, response.url, exc)
        item["document_url"] = response.url
        item["document_body"], item["document_ext"] = response.body, "pdf"
        yield item

    def attachment_failed(self, failure):
        item = failure.request.cb_kwargs["item"]
        log.warning("%s: %s: attachment not fetched (%s); archived as document pending",
                    self.name, item["key"], failure.getErrorMessage())
        yield item

    @staticmethod
    def _parse_text(body):
        parts = []
        for node in body.css("p, div:not(:has(p)), td"):
            line = _clean(" ".join(node.css("::text").getall()))
            if line and (not parts or parts[-1] != line):
                parts.append(line)
        return "\n".join(parts) or _clean(" ".join(body.css("::text").getall()))

    @staticmethod
    def _parse_decision_number(title, text):
        match = _NUMBER.search(title or "") or _NUMBER.search((text or "")[:400])
        return re.sub(r"\s+", "", match.group(0)) if match else None


def replay_exchanges(fixture, corpus):
    """The column's answers for a replay.  For the demo (``fixture`` None) there are none:
    the corpus holds no page of this column, and the demo invents nothing.  A fixture
    folder holds ``pages.json``: [{url, file, content_type}] — files written from the
    documented structure, or ``corpus:<path>`` for a real document from the corpus."""
    from crawler.replay import exchange

    if not fixture:
        return [], {}
    with open(os.path.join(fixture, "pages.json"), encoding="utf-8") as f:
        pages = json.load(f)["pages"]
    exchanges = []
    for page in pages:
        name = page["file"]
        path = os.path.join(corpus, name[len("corpus:"):]) if name.startswith("corpus:") \
            else os.path.join(fixture, name)
        with open(path, "rb") as f:
            body = f.read()
        if page.get("list_page"):  # a list fragment, served in the endpoint's JSON
            url = list_url(page["params"], page["list_page"])
            exchanges.append(exchange("GET", url, json_body={
                "success": True, "data": {"html": body.decode("utf-8")}}))
            continue
        exchanges.append(exchange("GET", page["url"], body=body,
                                  content_type=page["content_type"]))
    return exchanges, {}
