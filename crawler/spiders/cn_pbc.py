"""China: 中国人民银行 (PBC, the central bank), 行政处罚公示.

Regulator: the People's Bank of China — its headquarters and its provincial branches —
which penalize banks, payment institutions and their staff for anti-money-laundering,
payment-settlement, credit-reporting and account-management failures.

Pages crawled:
- ``GET /zhengwugongkai/4081330/4081344/4081407/4081705/index.html`` (headquarters'
  行政处罚公示 column; a branch's column works the same with ``start_url``): an HTML list
  of notices (links with a date beside them), further pages linked as 下一页.
- each notice page: the penalty table itself (HTML) and/or attachments (.xlsx, .xls,
  .docx, .doc, .pdf, .et, .wps) holding it, with one penalized party per row (序号,
  当事人名称, 行政处罚决定书文号, 违法行为类型, 行政处罚内容, 作出行政处罚决定机关名称,
  作出行政处罚决定日期, 备注).

Document format: HTML, spreadsheet, Word or PDF tables, read by
:mod:`indexer.documents.tables`; one raw item per table row (key
``<notice id>-<attachment n>-<row n>``), the attachment archived as the document.  The site
structure was read off public crawlers, not checked live from here; the site also serves a
JavaScript challenge to some clients, which the block-page detection reports.
"""

import json
import logging
import os
import re
from urllib.parse import urlsplit

import scrapy
import yaml

from crawler.base import ArchiveSpider
from crawler.items import raw_item
from indexer.documents import DocumentError
from indexer.documents.tables import (
    TABLE_FORMATS,
    read_tables,
    record_item_fields,
    table_records,
)

log = logging.getLogger(__name__)

BASE_URL = "https://www.pbc.gov.cn"
START_URL = BASE_URL + "/zhengwugongkai/4081330/4081344/4081407/4081705/index.html"
ATTACHMENT = re.compile(r"\.(xlsx|xls|docx|doc|pdf|et|wps)$", re.I)
BRANCHES = os.path.join(os.path.dirname(__file__), "data", "cn_pbc_branches.yaml")
_PAGE = re.compile(r"/index(\d*)\.html?$")
# The number of list pages, as the column's pager script or text gives it.
_PAGES = re.compile(r"createPageHTML\(\s*['\"]?(\d+)|共\s*(\d+)\s*页|countPage\s*=\s*(\d+)")
_DATE = re.compile(r"(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})")


def notice_id(url):
    """The notice's folder: /zhengwugongkai/.../4081705/2024061415384512345/index.html."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[-2] if len(parts) >= 2 and parts[-1].startswith("index") else parts[-1]


class CnPbcSpider(ArchiveSpider):
    name = "cn_pbc"
    title = "中国人民银行 行政处罚公示 (People's Bank of China)"
    jurisdiction = "CN"
    allowed_domains = ["pbc.gov.cn"]
    custom_settings = {"DOWNLOAD_DELAY": 5.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def __init__(self, since=None, max_pages=None, start_url=None, branches=None, *args,
                 **kwargs):
        super().__init__(since, max_pages, *args, **kwargs)
        self.start_urls = [start_url or START_URL]
        if branches:  # "all", or branch names: 上海,广州
            with open(BRANCHES, encoding="utf-8") as f:
                known = yaml.safe_load(f)["branches"]
            names = list(known) if branches == "all" else branches.split(",")
            unknown = [n for n in names if n not in known]
            if unknown:
                raise ValueError("unknown PBC branches: %s (known: %s)"
                                 % (", ".join(unknown), ", ".join(known)))
            self.start_urls = [known[n] + "index1.html" for n in names] + \
                ([start_url] if start_url else [])

    def archived(self, keys):
        return {str(k).split("-")[0] for k in keys}

    async def start(self):
        for url in self.start_urls:
            request = self.list_request(url)
            if request is not None:
                yield request

    def list_request(self, url):
        if not self.take_list_page():
            return None
        return scrapy.Request(url, callback=self.parse_list)

    # -- list ------------------------------------------------------------------------------

    def _parse_rows(self, response):
        """Links to notices with the date of their row: the row is the link's <li> or
        <tr> (branch sites put the date in a cell beside the link's), else its parent."""
        rows = []
        for link in response.css("a[href]"):
            text = " ".join(" ".join(link.css("::text").getall()).split())
            title = link.attrib.get("title") or text
            if not re.search(r"处罚|罚决", title):
                continue
            href = response.urljoin(link.attrib["href"])
            row = link.xpath("ancestor::*[self::li or self::tr][1]") or link.xpath("..")
            m = _DATE.search(" ".join(row.xpath(".//text()").getall()))
            if not m:
                continue  # menus and breadcrumbs carry no date; list rows do
            day = "%s-%02d-%02d" % (m.group(1), int(m.group(2)), int(m.group(3)))
            rows.append({"title": title.strip(), "url": href, "date": day})
        return rows

    @staticmethod
    def _next_page(response):
        """The next list page: the pager's 下一页 link, else — the pager being drawn by a
        script — index<N+1>.html while the page count the pager states allows it."""
        following = response.xpath("//a[contains(normalize-space(.), '下一页')]/@href").get()
        if following and not following.strip().lower().startswith("javascript"):
            return response.urljoin(following)
        path = urlsplit(response.url).path
        m = _PAGE.search(path)
        counts = [int(n) for found in _PAGES.findall(response.text) for n in found if n]
        if not m or not counts:
            return None
        page = int(m.group(1) or 1)
        if page >= max(counts):
            return None
        return response.urljoin(path[:m.start()] + "/index%d.html" % (page + 1))

    def parse_list(self, response):
        rows = self._parse_rows(response)
        if not rows and re.search(r"暂无(?:数据|信息|记录|内容)", response.text):
            log.info("%s: %s says it lists nothing yet", self.name, response.url)
            return
        if not rows:
            self.list_page_unreadable("list page %s lists no notices", response.url)
            return
        fresh = 0
        for row in rows:
            if self.since and row["date"] and row["date"] < self.since:
                continue
            if notice_id(row["url"]) in self.seen:
                continue
            fresh += 1
            if ATTACHMENT.search(urlsplit(row["url"]).path):
                yield self.attachment_request(row, row["url"], 1)
            else:
                yield scrapy.Request(row["url"], callback=self.parse_notice,
                                     cb_kwargs={"row": row})
        following = self._next_page(response)
        if fresh and following:
            request = self.list_request(following)
            if request is not None:
                yield request

    # -- notice ----------------------------------------------------------------------------

    def attachment_request(self, row, url, n):
        return scrapy.Request(url, callback=self.parse_attachment,
                              cb_kwargs={"row": row, "n": n})

    def parse_notice(self, response, row):
        attachments = []
        for href in response.css("a[href]::attr(href)").getall():
            url = response.urljoin(href)
            if ATTACHMENT.search(urlsplit(url).path) and url not in attachments:
                attachments.append(url)
        for n, url in enumerate(attachments, 1):
            yield self.attachment_request(row, url, n)
        if attachments:
            return
        records = self._records(response.body, "html", row)
        if not records:
            log.error("%s: notice %s has neither a penalty table nor an attachment",
                      self.name, response.url)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        yield from self._items(row, response.url, response.url, records, response.body, "html", 0)

    def _records(self, body, ext, row):
        try:
            return table_records(read_tables(body, ext))
        except DocumentError as exc:
            log.error("%s: %s (%s): %s", self.name, row["url"], ext, exc)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return []

    def parse_attachment(self, response, row, n):
        ext = ATTACHMENT.search(urlsplit(response.url).path).group(1).lower()
        records = self._records(response.body, ext, row) if ext in TABLE_FORMATS else []
        if not records:
            # a document we cannot read or a table we do not recognise: keep the
            # document, archived as one pending decision of the notice
            log.warning("%s: %s: no table rows read from the .%s attachment; archived as is",
                        self.name, response.url, ext)
            yield raw_item(self.name, key="%s-%d" % (notice_id(row["url"]), n),
                           url=row["url"], document_url=response.url, title=row["title"],
                           published_date=row["date"], jurisdiction=self.jurisdiction,
                           language="zh", listing=row, document_body=response.body,
                           document_ext=ext)
            return
        yield from self._items(row, row["url"], response.url, records, response.body, ext, n)

    def _items(self, row, url, document_url, records, body, ext, n):
        for i, record in enumerate(records, 1):
            fields = record["fields"]
            yield raw_item(
                self.name,
                key="%s-%d-%d" % (notice_id(row["url"]), n, i),
                url=url,
                document_url=document_url,
                title=row["title"],
                decision_number=fields.get("decision_number"),
                published_date=row["date"],
                **record_item_fields(record),
                jurisdiction=self.jurisdiction,
                language="zh",
                listing=dict(row, table_row=record["row"]),
                document_body=body,
                document_ext=ext,
            )


# -- replay ---------------------------------------------------------------------------------

def _table_html(header, rows):
    from html import escape

    cells = "".join("<th>%s</th>" % escape(h) for h in header)
    body = "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % escape(str(c)) for c in r)
                   for r in rows)
    return "<table border=\"1\"><tr>%s</tr>%s</table>" % (cells, body)


def build_attachment(ext, header, rows):
    """An attachment holding the table, made with the libraries that read it."""
    import io

    buf = io.BytesIO()
    if ext == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["中国人民银行行政处罚信息公示表"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append(header)
        for r in rows:
            sheet.append(r)
        book.save(buf)
    elif ext == "docx":
        import docx

        document = docx.Document()
        document.add_paragraph("行政处罚信息公示表")
        table = document.add_table(rows=1, cols=len(header))
        for cell, text in zip(table.rows[0].cells, header):
            cell.text = text
        for r in rows:
            for cell, text in zip(table.add_row().cells, r):
                cell.text = str(text)
        document.save(buf)
    else:
        raise ValueError("cannot build a .%s attachment" % ext)
    return _stable_zip(buf.getvalue())


def _stable_zip(data):
    """The same bytes on every run: fixed entry times and document dates."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>2024-01-01T00:00:00Z", content)
            dst.writestr(zipfile.ZipInfo(info.filename, (2024, 1, 1, 0, 0, 0)), content)
    return out.getvalue()


def replay_exchanges(fixture, corpus):
    """The site's answers for a replay.  There is no saved PBC material: the fixture's
    ``site.json`` is written from the documented structure (list page, notice pages, and
    the tables of their attachments, which are made here as real .xlsx / .docx files);
    the demo (None) serves nothing for this source (no invented records)."""
    from html import escape

    from crawler.replay import exchange

    if not fixture:  # an empty column, as the site shows one
        empty = "<html><body><div class=\"list\"><p>暂无信息</p></div></body></html>"
        return [exchange("GET", START_URL, body=empty.encode("utf-8"),
                         content_type="text/html; charset=utf-8")], {}
    with open(os.path.join(fixture, "site.json"), encoding="utf-8") as f:
        spec = json.load(f)
    items = "".join("<li><a href=\"%s\" title=\"%s\">%s</a><span>%s</span></li>" % (
        escape(n["url"]), escape(n["title"]), escape(n["title"]), n["date"])
        for n in spec["notices"])
    listing = "<html><body><div class=\"list\"><ul>%s</ul></div></body></html>" % items
    exchanges = [exchange("GET", START_URL, body=listing.encode("utf-8"),
                          content_type="text/html; charset=utf-8")]
    for url, page in (spec.get("pages") or {}).items():  # list pages written as served
        exchanges.append(exchange("GET", url, body=page.encode("utf-8"),
                                  content_type="text/html; charset=utf-8"))
    for notice in spec["notices"]:
        parts = ["<h2>%s</h2>" % escape(notice["title"])]
        if notice.get("table"):
            parts.append(_table_html(spec["header"], notice["table"]))
        for att in notice.get("attachments", []):
            name = att["url"].rsplit("/", 1)[-1]
            parts.append("<p><a href=\"%s\">%s</a></p>" % (escape(att["url"]), escape(name)))
            if att.get("file"):  # a saved document, relative to the fixture
                with open(os.path.join(fixture, att["file"]), "rb") as f:
                    body = f.read()
            else:
                body = build_attachment(att["url"].rsplit(".", 1)[-1], spec["header"],
                                        att["rows"])
            exchanges.append(exchange("GET", att["url"], body=body))
        page = "<html><body><div id=\"zoom\">%s</div></body></html>" % "".join(parts)
        exchanges.append(exchange("GET", notice["url"], body=page.encode("utf-8"),
                                  content_type="text/html; charset=utf-8"))
    return exchanges, {"start_url": spec["start_url"]} if spec.get("start_url") else {}
