"""China: notices of the Cyberspace Administration (中央网信办 / 国家互联网信息办公室) and
the Ministry of Industry and Information Technology (工业和信息化部) on apps that infringe
users' rights and personal information (侵害用户权益 / 违法违规收集使用个人信息).

Pages crawled:
- MIIT: the column page ``/jgsj/xgj/APPqhyhqyzxzzxd/tzgg/index.html`` (script-rendered:
  its ``queryData`` attribute holds the parameters of the list endpoint), then
  ``GET /api-gateway/jpaas-publish-server/front/page/build/unit`` with those parameters and
  ``paramJson={"pageNo": N, "pageSize": 24}``: JSON whose ``data.html`` is the list
  (``count``/``rows`` attributes; ``<a href=".../art_<hex>.html" title>`` + ``<span
  class="fr">date</span>``).  Notice pages ``/jgsj/xgj/APPqhyhqyzxzzxd/tzgg/art/<year>/
  art_<hex>.html``, body ``#con_con``.
- CAC: the site search ``search.cac.gov.cn/cms/cmsadmin/infopub/gjjs.jsp`` (Referer
  www.cac.gov.cn; ``<li class="list-item"><a href>`` + ``<span class="search_time">``)
  for the phrases in ``data/cn_cac_miit.yaml``; notice pages ``/YYYY-MM/DD/c_<id>.htm``,
  body ``#BodyLabel``.
- The notice's app list: an HTML table in the body, or pictures of the table (fetched,
  archived as the document and read with Tesseract, see ``indexer.documents.ocr``), or a
  PDF, linked or shown in a pdf.js viewer (``viewer.html?file=<pdf>`` in an iframe, an
  embed, a link or the page's script).

How a notice becomes decisions: one raw item per app named, key ``<notice id>:<row>``;
party = the app's operator (developer) where the list names one, else the app's name;
authority = the issuing body named first; penalty text = the notice's sentence saying what
the apps must do; its kinds are ``app_removal`` (下架) and/or ``order_to_rectify``
(整改, 责令).  A notice whose app list cannot be read (image missing, OCR unavailable,
no rows) becomes one notice-level item, key ``<notice id>``, without a party, and is read
again on the next crawl.

Document formats: HTML notice pages; PNG/JPEG list images (OCR); PDF attachments.
Protocol details were read off public crawlers (see ../shared/corpus/README.md), not
checked live.
"""

import html
import json
import logging
import os
import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import scrapy
import yaml
from parsel import Selector

from crawler.base import ArchiveSpider
from crawler.items import raw_item

log = logging.getLogger(__name__)

MIIT = "https://www.miit.gov.cn"
MIIT_COLUMN = MIIT + "/jgsj/xgj/APPqhyhqyzxzzxd/tzgg/index.html"
MIIT_UNIT_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
MIIT_PAGE_SIZE = 24
CAC = "https://www.cac.gov.cn"
CAC_SEARCH = "https://search.cac.gov.cn/cms/cmsadmin/infopub/gjjs.jsp"
CAC_PARAMS = (("pubtype", "S"), ("pubpath", "portal"), ("templetid", "1563339473064626"),
              ("sort", "1"), ("webappcode", "A09"), ("searchdir", "A09"))
MAX_SEARCH_PAGES = 20
ORG_NAMES = (("中央网信办", "中央网信办"), ("国家网信办", "国家互联网信息办公室"),
             ("国家互联网信息办公室", "国家互联网信息办公室"), ("工业和信息化部", "工业和信息化部"),
             ("工信部", "工业和信息化部"), ("公安部", "公安部"), ("市场监管总局", "市场监管总局"))
_NON_LIST_IMAGE = re.compile(r"logo|conac|QR-|qrcode|search|fold|share|computer\.png|/lib/|"
                             r"/images/", re.I)

with open(os.path.join(os.path.dirname(__file__), "data", "cn_cac_miit.yaml"),
          encoding="utf-8") as _f:
    CONFIG = yaml.safe_load(_f)
_SUBJECT = re.compile(CONFIG["notice_title"]["subject"])
_ACTION = re.compile(CONFIG["notice_title"]["action"])
_EXCLUDE = re.compile(CONFIG["notice_title"]["exclude"])
_COLUMNS = [(field, re.compile(p)) for field, p in CONFIG["columns"].items()]
_PENALTIES = [(kind, re.compile(p)) for kind, p in CONFIG["penalties"].items()]


_PDF_IN_SCRIPT = re.compile(r"""["']([^"'\s<>]+?\.pdf(?:[?#][^"'\s<>]*)?)["']""", re.I)


def is_notice_title(title):
    return bool(_SUBJECT.search(title) and _ACTION.search(title) and not _EXCLUDE.search(title))


def miit_list_url(query_data, page, column=MIIT_COLUMN):
    """The list endpoint's URL for one page of a column of the MIIT site's CMS (which the
    provincial communications administrations' sites share); ``query_data`` comes from
    the column page."""
    params = [(k, query_data[k]) for k in sorted(query_data)]
    params.append(("paramJson", json.dumps({"pageNo": page, "pageSize": MIIT_PAGE_SIZE},
                                           separators=(",", ":"))))
    return urljoin(column, MIIT_UNIT_PATH) + "?" + urlencode(params)


def cac_search_url(query, page):
    params = list(CAC_PARAMS) + [("huopro", query), ("mustpro", ""), ("notpro", ""),
                                 ("inpro", ""), ("page", str(page))]
    return CAC_SEARCH + "?" + urlencode(params)


def notice_id(url):
    """art_<hex> (MIIT) or c_<id> (CAC): the stable part of a notice's URL."""
    name = os.path.splitext(urlsplit(url).path.rstrip("/").split("/")[-1])[0]
    return name or url


def _clean(text):
    return re.sub(r"\s+", " ", html.unescape(text or "")).strip()


class CnCacMiitSpider(ArchiveSpider):
    name = "cn_cac_miit"
    title = "网信办、工信部 App 侵害用户权益通报 (CAC and MIIT notices on apps)"
    jurisdiction = "CN"
    allowed_domains = ["miit.gov.cn", "cac.gov.cn"]
    custom_settings = {"DOWNLOAD_DELAY": 3.0}
    BODY_SELECTORS = ("#con_con", "#BodyLabel", ".ccontent")  # MIIT, CAC, both

    def __init__(self, since=None, max_pages=None, *args, **kwargs):
        super().__init__(since, max_pages, *args, **kwargs)
        self.queued = set()

    def archived(self, keys):
        # a notice is done when its apps are archived; a notice-level item is retried
        return {k.split(":")[0] for k in keys if ":" in k}

    async def start(self):
        yield scrapy.Request(MIIT_COLUMN, callback=self.parse_miit_column)
        for query in CONFIG["cac_queries"]:
            if self.take_list_page():
                yield self._cac_request(query, 1)

    # -- MIIT list ---------------------------------------------------------------------------

    def parse_miit_column(self, response):
        raw = response.css("[queryData]::attr(queryData)").get() or \
            response.css("[querydata]::attr(querydata)").get()
        if not raw:
            self.list_page_unreadable("the column page %s has no queryData: %.200s",
                                      response.url, response.text)
            return
        try:
            query_data = json.loads(raw.replace("'", '"'))
        except ValueError:
            self.list_page_unreadable("the queryData of %s is not JSON: %.200s",
                                      response.url, raw)
            return
        if self.take_list_page():
            yield self._miit_list_request(query_data, 1, response.url)

    def _miit_list_request(self, query_data, page, column):
        return scrapy.Request(miit_list_url(query_data, page, column),
                              callback=self.parse_miit_list, headers={"Referer": column},
                              cb_kwargs={"query_data": query_data, "page": page,
                                         "column": column})

    def parse_miit_list(self, response, query_data, page, column):
        try:
            fragment = Selector(text=response.json()["data"]["html"])
        except (ValueError, KeyError, TypeError) as exc:
            self.list_page_unreadable("list page %d of %s is not the expected JSON (%r): %.200s",
                                      page, column, exc, response.text)
            return
        entries = []
        for li in fragment.css("li"):
            href = li.css("a::attr(href)").get()
            if not href or "art_" not in href:
                continue
            title = _clean(li.css("a::attr(title)").get() or " ".join(li.css("a ::text").getall()))
            entries.append((urljoin(column, href), title, _clean(li.css("span.fr::text").get())))
        total = int(fragment.css("[count]::attr(count)").get() or 0)
        rows = int(fragment.css("[rows]::attr(rows)").get() or MIIT_PAGE_SIZE)
        if total and not entries:
            self.list_page_unreadable("list page %d of %s reports %d notices but lists none",
                                      page, column, total)
            return
        yield from self._notice_requests(entries, referer=column)
        if self._list_goes_on(entries, column) and page * rows < total and \
                self.take_list_page():
            yield self._miit_list_request(query_data, page + 1, column)

    # -- CAC search --------------------------------------------------------------------------

    def _cac_request(self, query, page):
        return scrapy.Request(cac_search_url(query, page), callback=self.parse_cac_search,
                              headers={"Referer": CAC + "/"},
                              cb_kwargs={"query": query, "page": page})

    def parse_cac_search(self, response, query, page):
        entries = []
        for li in response.css("li.list-item"):
            href = li.css("a::attr(href)").get()
            if not href:
                continue
            url = urljoin("https:", href) if href.startswith("//") else urljoin(CAC, href)
            title = re.sub(r"^»\s*", "", _clean(" ".join(li.css("a ::text").getall())))
            entries.append((url, title, _clean(li.css("span.search_time::text").get())[:10]))
        yield from self._notice_requests(entries, referer=CAC + "/")
        if entries and self._list_goes_on(entries) and page < MAX_SEARCH_PAGES \
                and self.take_list_page():
            yield self._cac_request(query, page + 1)

    # -- shared ------------------------------------------------------------------------------

    def _list_goes_on(self, entries, column=None):
        """Lists are newest first: stop at a page older than --since, or all archived."""
        if not entries:
            return False
        if self.since and all(day and day < self.since for _, _, day in entries):
            return False
        return any(notice_id(url) not in self.seen for url, title, _ in entries
                   if is_notice_title(title))

    def _notice_requests(self, entries, referer):
        for url, title, day in entries:
            if not is_notice_title(title):
                continue
            key = notice_id(url)
            if key in self.seen or key in self.queued or (self.since and day and day < self.since):
                continue
            self.queued.add(key)
            yield scrapy.Request(url, callback=self.parse_notice, headers={"Referer": referer},
                                 cb_kwargs={"listed": {"title": title, "date": day}})

    # -- notice ------------------------------------------------------------------------------

    def parse_notice(self, response, listed):
        body = next(filter(None, (response.css(s) for s in self.BODY_SELECTORS)), None)
        if not body:
            log.error("%s: notice %s has no body (%s)", self.name, response.url,
                      " / ".join(self.BODY_SELECTORS))
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        body = body[0]
        notice = {
            "url": response.url,
            "id": notice_id(response.url),
            "title": self._parse_title(response, listed),
            "date": self._parse_date(response, listed),
            "orgs": self._parse_orgs(response, body),
            "body": self._parse_body_text(body),
            "page": response.body,
        }
        notice["text"] = "\n".join(filter(None, [notice["title"], notice["body"]]))
        notice["penalty_text"] = self._parse_penalty_text(notice)
        rows = self._parse_table_rows(body)
        if rows:
            yield from self._app_items(notice, rows, response.body, "html", response.url)
            return
        images = self._parse_images(response, body)
        attachments = self._parse_pdfs(response, body)
        pending = [("image", url) for url in images] + [("pdf", url) for url in attachments]
        if not pending:
            yield self._notice_item(notice, "no app list in the notice")
            return
        yield self._list_request(notice, pending, [], [])

    def _list_request(self, notice, pending, rows, documents):
        kind, url = pending[0]
        return scrapy.Request(url, callback=self.parse_list_document,
                              errback=self.list_document_failed,
                              headers={"Referer": notice["url"]},
                              cb_kwargs={"notice": notice, "pending": pending, "rows": rows,
                                         "documents": documents})

    def parse_list_document(self, response, notice, pending, rows, documents):
        from indexer.documents import DocumentError, extract_text
        from indexer.documents.ocr import ocr_image
        from indexer.documents.tables import read_tables

        kind, url = pending[0]
        ext = "pdf" if kind == "pdf" else _image_ext(response.body, url)
        try:
            # a PDF's table is read as a table; its text (or an image's) line by line
            found = table_rows(read_tables(response.body, "pdf")) if kind == "pdf" else []
            found = found or parse_text_rows(extract_text(response.body, "pdf")
                                             if kind == "pdf" else ocr_image(response.body))
        except DocumentError as exc:
            log.warning("%s: %s: app list %s not read: %s", self.name, notice["id"], url, exc)
            found = []
        documents.append((response.body, ext, url, len(found)))
        rows = rows + [dict(r, _document=len(documents) - 1) for r in found]
        yield from self._next_list_document(notice, pending[1:], rows, documents)

    def list_document_failed(self, failure):
        request = failure.request
        kwargs = request.cb_kwargs
        log.warning("%s: %s: app list %s not fetched: %s", self.name, kwargs["notice"]["id"],
                    request.url, failure.getErrorMessage())
        yield from self._next_list_document(kwargs["notice"], kwargs["pending"][1:],
                                            kwargs["rows"], kwargs["documents"])

    def _next_list_document(self, notice, pending, rows, documents):
        if pending:
            yield self._list_request(notice, pending, rows, documents)
            return
        if not rows:
            yield self._notice_item(notice, "the app list could not be read")
            return
        numbers = set()
        for index, row in enumerate(rows, 1):
            document = row.pop("_document")
            number = row.get("number") or str(index)
            if number in numbers:  # a second picture numbering its rows from 1 again
                number = "%s-%d" % (number, document + 1)
            numbers.add(number)
            row["number"] = number
            body, ext, url, _ = documents[document]
            yield from self._app_items(notice, [row], body, ext, url)

    def _app_items(self, notice, rows, document, ext, document_url):
        for index, row in enumerate(rows, 1):
            number = row.get("number") or str(index)
            app = row.get("app")
            if not app:
                log.warning("%s: %s: a row without an app name skipped: %r", self.name,
                            notice["id"], row)
                continue
            item = raw_item(
                self.name,
                key="%s:%s" % (notice["id"], number),
                url=notice["url"],
                document_url=document_url,
                title="%s：%s" % (notice["title"], app),
                party_name=row.get("operator") or app,
                authority_name=notice["orgs"][0] if notice["orgs"] else None,
                decision_date=notice["date"],
                published_date=notice["date"],
                penalty_text=notice["penalty_text"],
                text=self._app_text(notice, row),
                jurisdiction=self.jurisdiction,
                language="zh",
                listing={"notice": {k: notice[k] for k in ("title", "date", "orgs")},
                         "row": row},
            )
            item["document_body"], item["document_ext"] = document, ext
            yield item

    def _notice_item(self, notice, reason):
        log.warning("%s: %s: %s; archived as one notice, read again next crawl", self.name,
                    notice["id"], reason)
        self.crawler.stats.inc_value("penalty_archive/document_pending")
        item = raw_item(
            self.name, key=notice["id"], url=notice["url"], document_url=notice["url"],
            title=notice["title"],
            authority_name=notice["orgs"][0] if notice["orgs"] else None,
            decision_date=notice["date"], published_date=notice["date"],
            penalty_text=notice["penalty_text"], text=notice["text"],
            jurisdiction=self.jurisdiction, language="zh",
            listing={"notice": {k: notice[k] for k in ("title", "date", "orgs")}})
        item["document_body"], item["document_ext"] = notice["page"], "html"
        return item

    @staticmethod
    def _app_text(notice, row):
        labels = (("app", "应用名称"), ("operator", "开发者/运营者"), ("store", "应用来源"),
                  ("version", "应用版本"), ("problems", "所涉问题"))
        lines = [notice["title"], "发布机关：%s" % "、".join(notice["orgs"]),
                 "发布日期：%s" % (notice["date"] or "")]
        lines += ["%s：%s" % (label, row[field]) for field, label in labels if row.get(field)]
        if notice["penalty_text"]:
            lines.append("要求：%s" % notice["penalty_text"])
        return "\n".join(lines)

    # -- notice fields ----------------------------------------------------------------------

    @staticmethod
    def _parse_title(response, listed):
        title = _clean(" ".join(response.css("#con_title ::text, h1 ::text").getall()))
        return title or listed.get("title") or _clean(response.css("title::text").get())

    @staticmethod
    def _parse_date(response, listed):
        if listed.get("date"):
            return listed["date"]
        match = re.search(r"/(\d{4})-(\d{2})/(\d{2})/c_", response.url)
        if match:
            return "-".join(match.groups())
        match = re.search(r"(\d{4}-\d{2}-\d{2})", " ".join(response.css(
            ".cinfo ::text, .time ::text, #pubtime ::text").getall()))
        return match.group(1) if match else None

    @staticmethod
    def _parse_orgs(response, body):
        head = " ".join(response.css(".cinfo ::text, #source ::text").getall()) + " " + \
            " ".join(body.css("::text").getall())[:1200]
        found = []
        for needle, name in ORG_NAMES:
            if needle in head and name not in found:
                found.append((head.index(needle), name))
        names = [name for _, name in sorted(found)]
        if not names:
            names = ["工业和信息化部" if "miit.gov.cn" in response.url else "中央网信办"]
        return list(dict.fromkeys(names))

    @staticmethod
    def _parse_body_text(body):
        paragraphs = [_clean(" ".join(p.css("::text").getall()))
                      for p in body.css("p, h1, h2, h3, div.title")]
        text = "\n".join(p for p in paragraphs if p)
        return text or _clean(" ".join(body.css("::text").getall()))

    @staticmethod
    def _parse_penalty_text(notice):
        sentences = re.split(r"(?<=[。；\n])", notice["body"])
        chosen = [s.strip() for s in sentences
                  if any(p.search(s) for _, p in _PENALTIES) and ("App" in s or "APP" in s
                                                                  or "应用" in s or "上述" in s)]
        if not chosen and re.search(_PENALTIES[0][1], notice["title"]):
            return notice["title"]  # a removal notice: its title says what was done
        return "".join(chosen[:2]) or None

    @staticmethod
    def _parse_pdfs(response, body):
        """The notice's PDF app lists: linked from the body, or shown in a pdf.js viewer,
        which names the PDF in its ``file`` parameter (``viewer.html?file=...``), in an
        ``<iframe>``, ``<embed>``, ``<object>`` or a link, or in the page's scripts."""
        values = body.css("a::attr(href), iframe::attr(src), embed::attr(src), "
                          "object::attr(data)").getall()
        values += _PDF_IN_SCRIPT.findall(" ".join(response.css("script::text").getall()))
        urls = []
        for value in values:
            url = urljoin(response.url, value.strip())
            shown = parse_qs(urlsplit(url).query).get("file")
            if shown:  # relative to the viewer, as pdf.js reads it
                url = urljoin(url, shown[0])
            if urlsplit(url).path.lower().endswith(".pdf") and url not in urls:
                urls.append(url)
        return urls

    @staticmethod
    def _parse_images(response, body):
        urls = []
        for src in body.css("img::attr(src)").getall():
            url = urljoin(response.url, src)
            if not _NON_LIST_IMAGE.search(url) and url not in urls:
                urls.append(url)
        return urls

    @staticmethod
    def _parse_table_rows(body):
        return table_rows([[_clean(" ".join(td.css("::text").getall())) for td in tr.css("td, th")]
                           for tr in table.css("tr")] for table in body.css("table"))


def table_rows(tables):
    """App rows of the tables (lists of rows of cells) whose header names the app."""
    rows = []
    for cells in tables:
        cells = [c for c in cells if any(c)]
        if not cells:
            continue
        fields = header_fields(cells[0])
        if "app" not in fields:
            continue
        for line in cells[1:]:
            row = {f: v for f, v in zip(fields, line) if f and v}
            if row.get("app"):
                rows.append(row)
    return rows


def header_fields(cells):
    """Field names for a table's header cells (None for a column of no interest)."""
    fields = []
    for cell in cells:
        name = None
        for field, pattern in _COLUMNS:
            if pattern.search(cell) and field not in fields:
                name = field
                break
        fields.append(name)
    return fields


_ROW_START = re.compile(r"^\s*(\d{1,4})(?:[\s.、．]+|(?=[^\d\s.]))")
_NUMBER_HEADER = re.compile(r"^\s*(?:序号|编号)")
_CELL_GAP = re.compile(r"\s{2,}|\t|[“”\"|]+")


def _cells(line):
    cells = [c.strip() for c in _CELL_GAP.split(line) if c.strip()]
    return cells if len(cells) >= 2 else line.split()


def parse_text_rows(text):
    """Rows of an app table read from an image (OCR) or a PDF: the header line names the
    columns; a data line starts with its number; cells are separated by wide gaps (OCR)
    or single spaces (PDF text); stray quote marks that OCR reads in table rules are
    gaps too.  A line that continues a cell (a wrapped problem list) is appended to the
    last cell of the row above."""
    fields, rows = None, []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if fields is None:
            candidate = header_fields(_cells(_NUMBER_HEADER.sub("", line)))
            if "app" in candidate:
                fields = candidate
            continue
        match = _ROW_START.match(line)
        if match:
            row = {f: v for f, v in zip(fields, _cells(line[match.end():])) if f and v}
            row["number"] = match.group(1)
            rows.append(row)
        elif rows and fields[-1] == "problems":
            rows[-1]["problems"] = rows[-1].get("problems", "") + "".join(_cells(line))
    return [r for r in rows if r.get("app")]


def _image_ext(body, url):
    if body.startswith(b"\x89PNG"):
        return "png"
    if body.startswith(b"\xff\xd8"):
        return "jpg"
    ext = os.path.splitext(urlsplit(url).path)[1].lstrip(".").lower()
    return ext or "bin"


# -- replay ---------------------------------------------------------------------------------
# The corpus holds the notices' metadata (title, url, date, issuing bodies, list-image
# URLs), not their pages: the pages below are written from the documented structure and
# carry only that metadata, so a replay invents no notice text and no app.

MIIT_QUERY_DATA = {"webId": "8d828e408d90447786ddbe128d495e9e",
                   "tplSetId": "209741b2109044b5b7695700b2bec37e", "pageType": "column",
                   "tagId": "当前栏目_list", "editType": "null", "pageId": "tzgg",
                   "parseType": "buildstatic"}


def _e(text):
    return html.escape(text or "", quote=True)


def _miit_column_page():
    data = json.dumps(MIIT_QUERY_DATA, ensure_ascii=False).replace('"', "'")
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head>'
            '<body><div class="page-content" queryData="%s"></div>'
            '<script src="/cms_files/filemanager/script/ajax/page/page.js"></script>'
            '</body></html>' % _e(data)).encode("utf-8")


def _miit_list_fragment(batches, total):
    items = "".join('<li><a href="%s" target="_blank" title="%s"><i></i>%s</a>'
                    '<span class="fr">%s</span></li>'
                    % (_e(urlsplit(b["url"]).path), _e(b["title"]), _e(b["title"]), _e(b["date"]))
                    for b in batches)
    return ('<div class="page-content"><ul>%s</ul></div><div class="pagination" count="%d" '
            'rows="%d"></div>' % (items, total, MIIT_PAGE_SIZE))


def _cac_search_page(batches):
    items = "".join('<li class="list-item"><a href="%s" target="_blank">%s</a>'
                    '<span class="search_time">%s 00:00:00</span></li>'
                    % (_e(b["url"].replace("https:", "")), _e(b["title"]), _e(b["date"]))
                    for b in batches)
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>站内搜索</title></head>'
            '<body><ul class="search-list">%s</ul></body></html>' % items).encode("utf-8")


def _notice_page(batch, body_html=None):
    """A notice page in the site's structure, holding only the corpus metadata (or, for a
    fixture, the body written for it)."""
    images = "".join('<p style="text-align:center"><img src="%s"></p>' % _e(src)
                     for src in batch.get("images") or [] if not _NON_LIST_IMAGE.search(src))
    orgs = "、".join(batch.get("orgs") or [])
    body = body_html if body_html is not None else "<p>%s</p>%s" % (_e(orgs), images)
    if "miit.gov.cn" in batch["url"]:
        page = ('<h1 id="con_title">%s</h1><div class="cinfo"><span>发布时间：%s</span>'
                '<span>来源：%s</span></div><div id="con_con" class="ccontent">%s</div>'
                % (_e(batch["title"]), _e(batch["date"]), _e(batch.get("org")), body))
    else:
        page = ('<h1 class="title">%s</h1><div class="source"><span id="pubtime">%s</span>'
                '<span id="source">来源：%s</span></div><div id="BodyLabel">%s</div>'
                % (_e(batch["title"]), _e(batch["date"]), _e(batch.get("org")), body))
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head>'
            '<body>%s</body></html>' % (_e(batch["title"]), page)).encode("utf-8")


def replay_exchanges(fixture, corpus):
    """The two sites' answers for a replay.  ``fixture`` is this source's fixture folder
    (``notices.json``: notice URLs picked from the corpus metadata, optionally with a
    written body file and image files per notice), or None for the demo: every notice
    batch in ../shared/corpus/cn/cac_miit/notice_batches.json, pages carrying only the
    real metadata (list images are not in the corpus: the spider finds them missing and
    archives such notices as notice-level items)."""
    from crawler.replay import exchange

    with open(os.path.join(corpus, "cn", "cac_miit", "notice_batches.json"),
              encoding="utf-8") as f:
        batches = json.load(f)["batches"]
    bodies, files = {}, {}
    if fixture:
        with open(os.path.join(fixture, "notices.json"), encoding="utf-8") as f:
            spec = json.load(f)
        by_url = {b["url"]: b for b in batches}
        batches = [by_url[n["url"]] for n in spec["notices"]]
        for entry in spec["notices"]:
            if entry.get("body"):
                with open(os.path.join(fixture, entry["body"]), encoding="utf-8") as f:
                    bodies[entry["url"]] = f.read()
            for url, name in (entry.get("files") or {}).items():
                path = os.path.join(fixture, name)
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        files[url] = (name, f.read())
    batches = sorted(batches, key=lambda b: b["date"] or "", reverse=True)
    miit = [b for b in batches if "miit.gov.cn" in b["url"]]
    cac = [b for b in batches if "cac.gov.cn" in b["url"]]
    html_type = "text/html; charset=utf-8"
    exchanges = [exchange("GET", MIIT_COLUMN, body=_miit_column_page(), content_type=html_type)]
    pages = max(1, -(-len(miit) // MIIT_PAGE_SIZE))
    for page in range(1, pages + 1):
        chunk = miit[(page - 1) * MIIT_PAGE_SIZE:page * MIIT_PAGE_SIZE]
        exchanges.append(exchange("GET", miit_list_url(MIIT_QUERY_DATA, page), json_body={
            "success": True, "data": {"html": _miit_list_fragment(chunk, len(miit))}}))
    # The corpus does not say which search found which CAC notice (the collector ran
    # searches like these): every search is answered with all of them, newest first.
    for query in CONFIG["cac_queries"]:
        found = cac
        for page in range(1, MAX_SEARCH_PAGES + 1):
            chunk = found[(page - 1) * 10:page * 10]
            exchanges.append(exchange("GET", cac_search_url(query, page),
                                      body=_cac_search_page(chunk), content_type=html_type))
            if not chunk:
                break
    for batch in batches:
        exchanges.append(exchange("GET", batch["url"], body=_notice_page(
            batch, bodies.get(batch["url"])), content_type=html_type))
    kinds = {".png": "image/png", ".jpg": "image/jpeg", ".pdf": "application/pdf",
             ".html": html_type, ".htm": html_type}
    for url, (name, data) in files.items():  # a later answer for the same URL wins
        ext = os.path.splitext(name)[1].lower()
        exchanges.append(exchange("GET", url, body=data,
                                  content_type=kinds.get(ext, "application/octet-stream")))
    return exchanges, {}
