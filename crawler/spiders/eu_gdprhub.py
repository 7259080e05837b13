"""Europe: GDPRhub (noyb's wiki of data-protection decisions), decisions of the DPAs.

Regulators: the European data-protection authorities (CNIL, DPC, AEPD, Garante, ICO,
Datatilsynet, UODO, NAIH, ...), as summarised in English on GDPRhub, a MediaWiki wiki.

Pages crawled:
- ``GET /api.php?action=query&list=embeddedin&eititle=Template:DPAdecisionBOX``: the
  MediaWiki API's list of the pages that carry the DPA decision infobox (JSON
  ``query.embeddedin[]`` with ``pageid`` and ``title``; ``continue.eicontinue`` pages on).
  Court decisions use another template and are not listed.
- ``GET /index.php?title=<page>``: the decision page; its infobox (``DPAdecisionBOX``, a
  two-column table) gives the authority, jurisdiction, relevant law, dates, fine and
  currency, parties, national case number and the link to the original decision; the
  English summary follows it.

Document format: HTML, read here (infobox cells by label) and in the indexer (the English
summary, amounts with European number formats).  Where the original decision is a PDF on
the authority's site it is fetched and archived as the document.  The summaries are
licensed CC BY-NC-SA 4.0: every record carries that licence.
"""

import json
import os
import re
from urllib.parse import quote, urlencode

import scrapy
from babel import Locale

from crawler.base import ArchiveSpider
from crawler.items import raw_item

BASE_URL = "https://gdprhub.eu"
TEMPLATE = "Template:DPAdecisionBOX"
PAGE_SIZE = 50
LICENCE = "CC-BY-NC-SA-4.0"
EMPTY = {"", "n/a", "none", "unknown", "-", "anonymous"}
# Jurisdiction names GDPRhub uses that are not CLDR's English territory names.
JURISDICTION_ALIASES = {"czech republic": "CZ", "european union": "EU", "edpb": "EU",
                        "eu": "EU", "slovak republic": "SK"}


def list_url(cont=None, limit=PAGE_SIZE):
    params = [("action", "query"), ("list", "embeddedin"), ("eititle", TEMPLATE),
              ("einamespace", "0"), ("eilimit", str(limit)), ("format", "json"),
              ("formatversion", "2")]
    if cont:
        params.append(("eicontinue", cont))
    return "%s/api.php?%s" % (BASE_URL, urlencode(params))


def page_url(title):
    return "%s/index.php?title=%s" % (BASE_URL, quote(title.replace(" ", "_"), safe="()_,.-'/:"))


def jurisdiction_code(name):
    """ISO 3166-1 alpha-2 of a country named in English (EU for the Union's bodies)."""
    key = " ".join((name or "").split()).casefold()
    if not key:
        return None
    if key in JURISDICTION_ALIASES:
        return JURISDICTION_ALIASES[key]
    for code, territory in Locale("en").territories.items():
        if len(code) == 2 and territory.casefold() == key:
            return code
    return None


def _clean(value):
    value = " ".join((value or "").split())
    return None if value.casefold() in EMPTY else value


class EuGdprhubSpider(ArchiveSpider):
    name = "eu_gdprhub"
    title = "GDPRhub: decisions of the European data-protection authorities"
    jurisdiction = "EU"
    homepage = BASE_URL + "/"
    known_gaps = ("English summaries written by GDPRhub's volunteers; the authority's "
                  "original is archived only where it is a PDF. Court decisions are not "
                  "listed.")
    allowed_domains = ["gdprhub.eu"]
    custom_settings = {"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def __init__(self, since=None, max_pages=None, page_size=None, *args, **kwargs):
        super().__init__(since, max_pages, *args, **kwargs)
        self.page_size = int(page_size) if page_size else PAGE_SIZE

    async def start(self):
        request = self.list_request(None)
        if request is not None:
            yield request

    def list_request(self, cont):
        if not self.take_list_page():
            return None
        return scrapy.Request(list_url(cont, self.page_size), callback=self.parse_list,
                              headers={"Accept": "application/json"})

    def parse_list(self, response):
        try:
            data = response.json()
            pages = data["query"]["embeddedin"]
        except (ValueError, KeyError, TypeError) as exc:
            self.list_page_unreadable("list page %s has an unexpected structure (%r)",
                                      response.url, exc)
            return
        if not pages and "continue" not in data:
            self.list_page_unreadable("the list names no decision page: %s", response.url)
            return
        for page in pages:
            title = page.get("title")
            if title and title.replace(" ", "_") not in self.seen:
                yield scrapy.Request(page_url(title), callback=self.parse_decision,
                                     cb_kwargs={"listing": page})
        cont = (data.get("continue") or {}).get("eicontinue")
        if cont:
            request = self.list_request(cont)
            if request is not None:
                yield request

    # -- decision page ---------------------------------------------------------------------

    def parse_decision(self, response, listing):
        box = self._parse_infobox(response)
        if not box:
            self.logger.error("%s has no decision infobox", response.url)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        page = self._parse_page_name(response) or listing["title"].replace(" ", "_")
        decided = self._parse_date(box.get("Decided"))
        if self.since and decided and decided < self.since:
            return
        fine = _clean(box.get("Fine"))
        original = self._parse_original(response)
        item = raw_item(
            self.name, key=page, url=response.url, title=self._parse_title(response),
            document_url=original, decision_number=_clean(box.get("National Case Number/Name")),
            authority_name=_clean(box.get("Authority")), decision_date=decided,
            published_date=self._parse_date(box.get("Published")),
            party_name=self._parse_parties(response), jurisdiction=jurisdiction_code(
                box.get("Jurisdiction")), language="en",
            penalty_text=("Fine: %s" % fine) if fine else None,
            legal_basis_text=self._parse_relevant_law(response),
            text=self._parse_summary(response), licence=LICENCE,
            listing=dict(listing, infobox=box))
        if original and original.lower().split("?")[0].endswith(".pdf"):
            yield self.document_request(item, original)
        else:
            yield item

    def _infobox_rows(self, response):
        for row in response.css("div.mw-parser-output > table.wikitable tr"):
            cells = row.xpath("./td")
            if len(cells) == 2:
                label = " ".join(cells[0].xpath("string()").get().split()).rstrip(":")
                yield label, cells[1]

    def _parse_infobox(self, response):
        return {label: " ".join(cell.xpath("string()").get().split())
                for label, cell in self._infobox_rows(response)}

    def _cell_lines(self, response, wanted):
        for label, cell in self._infobox_rows(response):
            if label == wanted:
                parts = cell.xpath("string()").getall() if not cell.css("br") else [
                    " ".join(p.split()) for p in cell.xpath(
                        "./node()[not(self::br)]").xpath("string()").getall()]
                return [p for p in (_clean(x) for x in parts) if p]
        return []

    def _parse_parties(self, response):
        names = self._cell_lines(response, "Parties")
        return "; ".join(names) or None

    def _parse_relevant_law(self, response):
        return "; ".join(self._cell_lines(response, "Relevant Law")) or None

    def _parse_original(self, response):
        for label, cell in self._infobox_rows(response):
            if label == "Original Source":
                href = cell.css("a::attr(href)").get()
                return href.strip() if href else None
        return None

    def _parse_title(self, response):
        title = response.css("title::text").get() or ""
        return _clean(re.sub(r"\s*-\s*GDPRhub\s*$", "", title))

    def _parse_page_name(self, response):
        m = re.search(r'"wgPageName":"((?:[^"\\]|\\.)*)"', response.text)
        return json.loads('"%s"' % m.group(1)) if m else None

    @staticmethod
    def _parse_date(value):
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", _clean(value) or "")
        return "%s-%02d-%02d" % (m.group(3), int(m.group(2)), int(m.group(1))) if m else None

    def _parse_summary(self, response):
        """The short summary under the infobox and the English summary (facts, holding)."""
        out = []
        for node in response.css("div.mw-parser-output > *"):
            tag = node.root.tag
            if tag == "h2":
                heading = " ".join(node.xpath("string()").get().split())
                if out and heading != "English Summary":
                    break
                continue
            if tag in ("p", "ul", "ol", "h3"):
                text = " ".join(node.xpath("string()").get().split())
                if text:
                    out.append(text)
        return "\n".join(out) or None


# -- replay ---------------------------------------------------------------------------------

def _corpus_pages(corpus):
    folder = os.path.join(corpus, "intl", "gdprhub_pages")
    pages = []
    for filename in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not filename.endswith(".html"):
            continue
        with open(os.path.join(folder, filename), "rb") as f:
            body = f.read()
        text = body.decode("utf-8", "replace")
        meta = {key: re.search(r'"%s":(\d+|"(?:[^"\\]|\\.)*")' % key, text)
                for key in ("wgArticleId", "wgTitle")}
        if "DPAdecisionBOX" not in text or not all(meta.values()):
            continue
        pages.append({"pageid": json.loads(meta["wgArticleId"].group(1)), "ns": 0,
                      "title": json.loads(meta["wgTitle"].group(1)), "body": body})
    return pages


def replay_exchanges(fixture, corpus):
    """The wiki's answers for a replay: the real pages of ../shared/corpus/intl/gdprhub_pages
    at their URLs, listed by the API in its documented shape (pageid and title read from
    each page).  ``fixture`` (``list.json``) chooses the pages and the page size; the demo
    (None) serves all of them."""
    from crawler.replay import exchange

    pages = _corpus_pages(corpus)
    page_size = PAGE_SIZE
    if fixture:
        with open(os.path.join(fixture, "list.json"), encoding="utf-8") as f:
            spec = json.load(f)
        pages = [p for p in pages if p["title"] in set(spec["titles"])]
        page_size = spec.get("page_size", PAGE_SIZE)
    if not pages:
        return [], {}
    pages.sort(key=lambda p: p["pageid"])
    exchanges = []
    chunks = [pages[i:i + page_size] for i in range(0, len(pages), page_size)]
    for n, chunk in enumerate(chunks):
        answer = {"batchcomplete": True, "query": {"embeddedin": [
            {"pageid": p["pageid"], "ns": 0, "title": p["title"]} for p in chunk]}}
        if n + 1 < len(chunks):
            following = chunks[n + 1][0]["pageid"]
            answer["continue"] = {"eicontinue": "0|%d" % following, "continue": "-||"}
        cont = None if n == 0 else "0|%d" % chunk[0]["pageid"]
        exchanges.append(exchange("GET", list_url(cont, page_size), json_body=answer))
    for p in pages:
        exchanges.append(exchange("GET", page_url(p["title"]), body=p["body"],
                                  content_type="text/html; charset=UTF-8"))
    return exchanges, {"page_size": page_size}
