"""China: 中国市场监管行政处罚文书网 (SAMR's portal of market-regulation penalty documents).

Regulator: the State Administration for Market Regulation (SAMR) and every provincial,
city and county market-regulation bureau, which publish their 行政处罚决定书 here.

Pages crawled:
- ``GET /list.html`` once, for the session cookie.
- ``POST /queryDoc`` (form: pageSize, pageNum, sortFields, queryCondition, ciphertext):
  the list API, JSON ``result.queryResult.resultList[]`` with numeric keys ('1' docid,
  '2' 文书号, '7' 处罚内容, '14' 处罚机关, '23' 处罚日期 yyyymmdd, '30' 当事人).  A query
  returns at most 200 rows, so the crawl is sliced by year (``24_i``) and, where a year
  holds more, by province (``17_s``).  Rows come newest first; a page whose rows are all
  archived already ends its slice (incremental crawling).
- ``POST /getDoc`` (form: docid, ciphertext): the document API, JSON ``result.i7`` = the
  PDF, base64.  An empty ``result`` leaves the decision "document pending"; the next
  crawl asks again.

Document format: PDF (text layer; parsed by ``indexer.documents``).  Protocol details
are in ../shared/corpus/README.md; they were read off public crawlers, not checked live.
"""

import base64
import json
import logging
import os
import random
import re
import string
from datetime import date, datetime

import scrapy
import yaml
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from crawler.base import ArchiveSpider
from crawler.items import raw_item

log = logging.getLogger(__name__)

BASE_URL = "https://cfws.samr.gov.cn"
QUERY_CAP = 200
PAGE_SIZE = 50
SORT = "23_s:desc"

with open(os.path.join(os.path.dirname(__file__), "data", "cn_provinces.yaml"),
          encoding="utf-8") as _f:
    PROVINCES = yaml.safe_load(_f)["provinces"]


def ciphertext(now_ms=None, today=None, salt=None):
    """The per-request token the site's JavaScript makes (see the corpus README).

    salt (24 random alphanumerics) + iv (today, yyyyMMdd) + base64(TripleDES-CBC-PKCS7(
    key=salt, iv=iv, epoch milliseconds)), every character then written as its binary
    code point, space-separated.
    """
    salt = salt or "".join(random.choices(string.ascii_letters + string.digits, k=24))
    iv = (today or date.today()).strftime("%Y%m%d")
    now_ms = now_ms if now_ms is not None else int(datetime.now().timestamp() * 1000)
    padder = padding.PKCS7(64).padder()
    plain = padder.update(str(now_ms).encode()) + padder.finalize()
    encryptor = Cipher(TripleDES(salt.encode()), modes.CBC(iv.encode())).encryptor()
    enc = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    return " ".join(format(ord(ch), "b") for ch in salt + iv + enc)


def query_condition(year, province=None, topic=None):
    conditions = [{"id": str(year), "key": "24_i", "name": "处罚年份:%d" % year}]
    if province:
        conditions.append({"id": province["code"], "key": "17_s",
                           "name": "地域:%s" % province["name"]})
    if topic:
        conditions.append({"id": topic, "key": "49_ss", "name": "专题:%s" % topic})
    return json.dumps(conditions, ensure_ascii=False, separators=(",", ":"))


def list_form(year, page, province=None, topic=None):
    """The list request's form, without the volatile ciphertext."""
    return {"pageSize": str(PAGE_SIZE), "pageNum": str(page), "sortFields": SORT,
            "queryCondition": query_condition(year, province, topic)}


def detail_url(docid):
    return "%s/detail.html?docid=%s" % (BASE_URL, docid)


def _ymd(value):
    value = (value or "").strip()
    if len(value) == 8 and value.isdigit():
        return "%s-%s-%s" % (value[:4], value[4:6], value[6:])
    return value or None


class CnSamrCfwsSpider(ArchiveSpider):
    name = "cn_samr_cfws"
    title = "中国市场监管行政处罚文书网 (SAMR penalty documents portal)"
    jurisdiction = "CN"
    allowed_domains = ["cfws.samr.gov.cn"]
    replay_ignore_params = ("ciphertext",)
    custom_settings = {"DOWNLOAD_DELAY": 3.0}
    documents_may_disagree = True  # the document API has served other decisions' PDFs

    def __init__(self, since=None, max_pages=None, topic=None, *args, **kwargs):
        super().__init__(since, max_pages, *args, **kwargs)
        self.topic = topic

    # -- requests --------------------------------------------------------------------------

    def _years(self):
        first = int(self.since[:4]) if self.since else date.today().year - 1
        return range(date.today().year, first - 1, -1)

    async def start(self):
        yield scrapy.Request(BASE_URL + "/list.html", callback=self.parse_home)

    def parse_home(self, response):
        for year in self._years():
            request = self.list_request(year, 1)
            if request is None:
                return
            yield request

    def list_request(self, year, page, province=None):
        if not self.take_list_page():
            return None
        form = dict(list_form(year, page, province, self.topic), ciphertext=ciphertext())
        return scrapy.FormRequest(
            BASE_URL + "/queryDoc", formdata=form, callback=self.parse_list,
            headers={"X-Requested-With": "XMLHttpRequest", "Origin": BASE_URL,
                     "Referer": BASE_URL + "/list.html"},
            cb_kwargs={"year": year, "page": page, "province": province})

    def detail_request(self, row):
        docid = row["1"]
        return scrapy.FormRequest(
            BASE_URL + "/getDoc", formdata={"docid": docid, "ciphertext": ciphertext()},
            callback=self.parse_document,
            headers={"X-Requested-With": "XMLHttpRequest", "Origin": BASE_URL,
                     "Referer": detail_url(docid)},
            cb_kwargs={"row": row})

    # -- list ------------------------------------------------------------------------------

    def parse_list(self, response, year, page, province):
        try:
            result = response.json()["result"]["queryResult"]
            rows = result["resultList"]
        except (ValueError, KeyError, TypeError) as exc:
            self.list_page_unreadable("list page %s/%s has an unexpected structure (%r): %.200s",
                                      year, page, exc, response.text)
            return
        total = result.get("resultCount")
        if total is None:
            total = len(rows) if len(rows) < PAGE_SIZE else QUERY_CAP + 1
        total = int(total)
        if total > QUERY_CAP and province is None and page == 1:
            log.info("%s: %d decisions in %d, slicing by province", self.name, total, year)
            for prov in PROVINCES:
                request = self.list_request(year, 1, prov)
                if request is None:
                    return
                yield request
            return
        if total > QUERY_CAP:
            log.warning("%s: slice %d/%s holds %d decisions; only the newest %d are listed",
                        self.name, year, province and province["code"], total, QUERY_CAP)
        if total and not rows:
            self.list_page_unreadable("list page %d/%d reports %d decisions but lists none",
                                      year, page, total)
            return
        fresh = 0
        for row in rows:
            if not self._row_wanted(row):
                continue
            if row.get("1") in self.seen:
                continue
            fresh += 1
            yield self.detail_request(row)
        if rows and not fresh:
            return  # everything on this page is archived: the rest of the slice is too
        if self.since and rows and (_ymd(rows[-1].get("23")) or "9999") < self.since:
            return
        if page * PAGE_SIZE < min(total, QUERY_CAP) and len(rows) == PAGE_SIZE:
            request = self.list_request(year, page + 1, province)
            if request is not None:
                yield request

    def _row_wanted(self, row):
        if not row.get("1"):
            log.error("%s: list row without docid skipped: %r", self.name, row)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return False
        day = _ymd(row.get("23"))
        return not (self.since and day and day < self.since)

    # -- document --------------------------------------------------------------------------

    def parse_document(self, response, row):
        item = raw_item(
            self.name,
            key=row["1"],
            url=detail_url(row["1"]),
            document_url=detail_url(row["1"]),
            decision_number=self._parse_decision_number(row),
            party_name=self._parse_party_name(row),
            authority_name=self._parse_authority_name(row),
            decision_date=_ymd(row.get("23")),
            penalty_text=self._parse_penalty_text(row),
            jurisdiction=self.jurisdiction,
            language="zh",
            listing=row,
            list_topic=self.topic,
        )
        body = self._parse_document_body(response, row["1"])
        if body is not None:
            item["document_body"], item["document_ext"] = body
        yield item

    @staticmethod
    def _parse_decision_number(row):
        return (row.get("2") or "").strip() or None

    @staticmethod
    def _parse_party_name(row):
        return (row.get("30") or "").strip() or None

    @staticmethod
    def _parse_authority_name(row):
        return (row.get("14") or "").strip() or None

    @staticmethod
    def _parse_penalty_text(row):
        return (row.get("7") or "").strip() or None

    def _parse_document_body(self, response, docid):
        try:
            result = response.json().get("result") or {}
        except ValueError:
            log.error("%s: document %s: not JSON: %.200s", self.name, docid, response.text)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return None
        encoded = result.get("i7")
        if not encoded:
            log.info("%s: document %s not served yet (pending)", self.name, docid)
            return None
        try:
            body = base64.b64decode(encoded, validate=False)
        except ValueError:
            log.error("%s: document %s: i7 is not base64", self.name, docid)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return None
        ext = "pdf" if body.startswith(b"%PDF") else "bin"
        if ext != "pdf":
            log.warning("%s: document %s is not a PDF; kept as .bin", self.name, docid)
        return body, ext


# -- replay ---------------------------------------------------------------------------------

def _row_from_corpus(listing):
    """A portal list row as the corpus keeps it (Chinese keys, two spellings of them) in the
    list API's shape."""
    link = listing.get("文书下载链接") or listing.get("文书链接") or ""
    docid = link.split("docid=")[-1]
    year, month, day = (re.findall(r"\d+", listing["处罚日期"]) + ["", "", ""])[:3]
    return {"1": docid, "rowkey": docid,
            "2": listing.get("处罚文书号") or listing.get("文书编号") or "",
            "7": listing["处罚内容"], "14": listing["处罚机关"],
            "23": "%s%02d%02d" % (year, int(month or 0), int(day or 0)),
            "30": listing["当事人名称"]}


def _corpus_rows(corpus):
    folder = os.path.join(corpus, "cn", "samr_cfws")
    with open(os.path.join(folder, "list_rows_price_cases.json"), encoding="utf-8-sig") as f:
        listings = [r for r in json.load(f) if "docid=" in r["文书下载链接"] and r["处罚日期"]]
    with open(os.path.join(folder, "index.json"), encoding="utf-8") as f:
        listings += [entry["list_row"] for entry in json.load(f)]
    rows = {}
    for listing in listings:
        row = _row_from_corpus(listing)
        rows.setdefault(row["1"], row)
    return list(rows.values())


def _province_code(authority_name):
    from indexer.normalize.authorities import match_places

    places = match_places(authority_name or "")[0]
    return places[0].adcode[:2] + "0000" if places else None


def _list_pages(year, rows, province, topic):
    """The list API's pages for one slice, as the portal answers: newest first, at most
    QUERY_CAP rows, resultCount = every row in the slice."""
    from crawler.replay import exchange

    listed = sorted(rows, key=lambda r: r["23"], reverse=True)[:QUERY_CAP]
    pages = max(1, -(-len(listed) // PAGE_SIZE))
    return [exchange("POST", BASE_URL + "/queryDoc",
                     form=list_form(year, page, province, topic),
                     json_body={"result": {"queryResult": {
                         "resultCount": len(rows),
                         "resultList": listed[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]}}})
            for page in range(1, pages + 1)]


def replay_exchanges(fixture, corpus):
    """The portal's answers for a replay: ``fixture`` is this source's fixture folder
    (``rows.json``: list rows in the API's shape), or None for the demo, which serves the
    ~800 real list rows kept in the corpus.  Documents are the corpus PDFs; a row whose
    PDF the corpus lacks gets the portal's empty answer (document pending).

    Returns (exchanges, spider arguments); exchanges are dicts with method, url, form,
    status, headers, body.
    """
    from crawler.replay import exchange

    if fixture:
        with open(os.path.join(fixture, "rows.json"), encoding="utf-8") as f:
            spec = json.load(f)
        rows = spec["rows"]
    else:
        spec = {"topic": "05"}  # the corpus rows are the portal's price topic
        rows = _corpus_rows(corpus)
    topic = spec.get("topic")
    pdf_dir = os.path.join(corpus, "cn", "samr_cfws", "pdf")
    exchanges = [exchange("GET", BASE_URL + "/list.html",
                          body="<!DOCTYPE html><title>行政处罚文书网</title>".encode(),
                          content_type="text/html; charset=utf-8")]
    by_year = {}
    for row in rows:
        by_year.setdefault(int(row["23"][:4]), []).append(row)
    years = range(min(by_year), max(max(by_year), date.today().year) + 1) if by_year else []
    for year in years:
        year_rows = by_year.get(year, [])
        exchanges += _list_pages(year, year_rows, None, topic)
        if len(year_rows) > QUERY_CAP:  # the spider slices such a year by province
            for province in PROVINCES:
                exchanges += _list_pages(year, [r for r in year_rows
                                                if _province_code(r["14"]) == province["code"]],
                                         province, topic)
    for row in rows:
        path = os.path.join(pdf_dir, row["1"] + ".pdf")
        result = {}
        if os.path.exists(path):
            with open(path, "rb") as f:
                result = {"i7": base64.b64encode(f.read()).decode("ascii")}
        exchanges.append(exchange("POST", BASE_URL + "/getDoc", form={"docid": row["1"]},
                                  json_body={"result": result}))
    kwargs = {"topic": topic} if topic else {}
    if by_year:
        kwargs["since"] = "%d-01-01" % min(by_year)
    return exchanges, kwargs
