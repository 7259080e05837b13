"""China: 国家金融监督管理总局 (NFRA, the financial regulator), 行政处罚信息.

Regulator: the National Financial Regulatory Administration (formerly CBIRC) — its
headquarters, provincial bureaus (监管局) and sub-bureaus (监管分局) — which publish the
penalties they impose on banks, insurers and their staff.

Pages crawled:
- ``GET /cbircweb/DocInfo/SelectDocByItemIdAndChild?itemId=<item>&pageSize=N&pageIndex=N``:
  the list of penalty notices of one column (items 4113 总局机关, 4293 派出机构,
  4114 监管局本级, 4115 监管分局本级), JSON ``data.rows[]`` (``docId``, ``docTitle``, ``docSubtitle``,
  ``publishDate``) and ``data.total``; newest first, a page whose notices are all
  archived ends the column (incremental crawling).
- ``GET /cbircweb/DocInfo/SelectByDocId?docId=<id>``: the notice, JSON ``data.docClob``
  = an HTML table with one penalized party per row (序号, 当事人名称, 主要违法违规行为,
  行政处罚内容, 作出决定机关) or, in older notices, a two-column table of one decision
  (行政处罚决定书文号, 被处罚当事人, 主要违法违规事实（案由）, 行政处罚依据, 行政处罚决定,
  作出处罚决定的机关名称, 作出处罚决定的日期).

Document format: HTML tables inside JSON, read by :mod:`indexer.documents.tables`; one
raw item per table row (key ``<docId>-<n>``), the table archived as the document.  The
protocol was read off public crawlers, not checked live from here.
"""

import json
import logging
import os
import re

import scrapy

from crawler.base import ArchiveSpider
from crawler.items import raw_item
from indexer.documents import DocumentError
from indexer.documents.tables import read_tables, record_item_fields, table_records

log = logging.getLogger(__name__)

BASE_URL = "https://www.nfra.gov.cn"
# The 行政处罚 columns (ItemList.html?itemPId=923&itemId=...): 4113 the headquarters; 4293
# the dispatched agencies (派出机构: provincial and local bureaus) since 2023; 4114 and 4115
# the bureaus' columns of the former CBIRC layout. A notice listed twice is fetched once.
ITEMS = {"4113": "总局机关", "4293": "派出机构", "4114": "监管局本级", "4115": "监管分局本级"}
PAGE_SIZE = 18
_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号")


def list_url(item, page, page_size=PAGE_SIZE):
    return ("%s/cbircweb/DocInfo/SelectDocByItemIdAndChild?itemId=%s&pageSize=%d&pageIndex=%d"
            % (BASE_URL, item, page_size, page))


def detail_url(doc_id):
    return "%s/cbircweb/DocInfo/SelectByDocId?docId=%s" % (BASE_URL, doc_id)


def page_url(doc_id, item):
    return "%s/cn/view/pages/ItemDetail.html?docId=%s&itemId=%s&generaltype=9" % (
        BASE_URL, doc_id, item)


class CnNfraSpider(ArchiveSpider):
    name = "cn_nfra"
    title = "国家金融监督管理总局 行政处罚信息 (National Financial Regulatory Administration)"
    jurisdiction = "CN"
    allowed_domains = ["www.nfra.gov.cn"]
    custom_settings = {"DOWNLOAD_DELAY": 3.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def __init__(self, since=None, max_pages=None, items=None, page_size=None, *args,
                 **kwargs):
        super().__init__(since, max_pages, *args, **kwargs)
        self.items = [i for i in str(items).split(",") if i] if items else list(ITEMS)
        self.page_size = int(page_size) if page_size else PAGE_SIZE

    def archived(self, keys):
        return {str(k).split("-")[0] for k in keys}

    async def start(self):
        for item in self.items:
            request = self.list_request(item, 1)
            if request is None:
                return
            yield request

    def list_request(self, item, page):
        if not self.take_list_page():
            return None
        return scrapy.Request(list_url(item, page, self.page_size), callback=self.parse_list,
                              cb_kwargs={"item": item, "page": page},
                              headers={"Accept": "application/json"})

    def parse_list(self, response, item, page):
        try:
            data = response.json()["data"]
            rows = data["rows"]
        except (ValueError, KeyError, TypeError) as exc:
            self.list_page_unreadable("list %s/%d has an unexpected structure (%r): %.200s",
                                      item, page, exc, response.text)
            return
        total = int(data.get("total") or 0)
        if not rows:
            if total and (page - 1) * self.page_size < total:
                self.list_page_unreadable("list %s/%d reports %d notices but lists none",
                                          item, page, total)
            return
        fresh = 0
        for row in rows:
            doc_id = str(row.get("docId") or "").strip()
            if not doc_id:
                log.error("%s: list row without docId skipped: %r", self.name, row)
                self.crawler.stats.inc_value("penalty_archive/errors")
                continue
            day = self._parse_published_date(row)
            if doc_id in self.seen or (self.since and day and day < self.since):
                continue
            fresh += 1
            yield scrapy.Request(detail_url(doc_id), callback=self.parse_notice,
                                 cb_kwargs={"row": row, "item": item},
                                 headers={"Accept": "application/json"})
        if fresh and page * self.page_size < total:
            request = self.list_request(item, page + 1)
            if request is not None:
                yield request

    @staticmethod
    def _parse_published_date(row):
        m = re.match(r"\d{4}-\d{2}-\d{2}", str(row.get("publishDate") or "").strip())
        return m.group(0) if m else None

    @staticmethod
    def _parse_decision_number(fields, row, single):
        if fields.get("decision_number"):
            return fields["decision_number"]
        if single:  # one decision per notice: the title or subtitle carries its number
            for value in (row.get("docSubtitle"), row.get("docTitle")):
                m = _NUMBER.search(value or "")
                if m:
                    return re.sub(r"\s", "", m.group(0))
        return None

    def parse_notice(self, response, row, item):
        doc_id = str(row["docId"])
        try:
            clob = (response.json().get("data") or {}).get("docClob") or ""
        except ValueError:
            clob = ""
        if not clob.strip():
            log.error("%s: notice %s has no docClob", self.name, doc_id)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        body = clob.encode("utf-8")
        try:
            records = table_records(read_tables(body, "html"))
        except DocumentError as exc:
            records = []
            log.error("%s: notice %s: %s", self.name, doc_id, exc)
        if not records:
            log.error("%s: notice %s holds no table of penalized parties", self.name, doc_id)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        for n, record in enumerate(records, 1):
            fields = record["fields"]
            yield raw_item(
                self.name,
                key="%s-%d" % (doc_id, n),
                url=page_url(doc_id, item),
                document_url=response.url,
                title=" ".join((row.get("docTitle") or "").split()) or None,
                decision_number=self._parse_decision_number(fields, row, len(records) == 1),
                published_date=self._parse_published_date(row),
                **record_item_fields(record),
                jurisdiction=self.jurisdiction,
                language="zh",
                listing=dict(row, table_row=record["row"]),
                document_body=body,
                document_ext="html",
            )


def replay_exchanges(fixture, corpus):
    """The site's answers for a replay.  There is no saved NFRA material: the fixture's
    ``responses.json`` is written from the documented structure; the demo (None) serves
    nothing for this source (no invented records)."""
    from crawler.replay import exchange

    if not fixture:  # the site's answer for a column without notices, for every column
        return [exchange("GET", list_url(item, 1), json_body={
            "rptCode": 200, "msg": "成功", "data": {"total": 0, "rows": []}})
            for item in ITEMS], {}
    with open(os.path.join(fixture, "responses.json"), encoding="utf-8") as f:
        spec = json.load(f)
    exchanges = []
    for item, pages in spec["lists"].items():
        for page, body in enumerate(pages, 1):
            exchanges.append(exchange("GET", list_url(item, page, spec["page_size"]),
                                      json_body=body))
    for doc_id, body in spec["notices"].items():
        exchanges.append(exchange("GET", detail_url(doc_id), json_body=body))
    return exchanges, {"items": ",".join(spec["lists"]), "page_size": spec["page_size"]}
