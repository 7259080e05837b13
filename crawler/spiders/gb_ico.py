"""United Kingdom: the Information Commissioner's Office (ICO), enforcement action.

Regulator: the ICO, which enforces UK GDPR, the Data Protection Act 2018 and PECR and
publishes its monetary penalty notices, enforcement notices, reprimands and undertakings.

Pages crawled:
- ``GET /action-weve-taken/enforcement/``: the listing page; its filter container
  (``#filter-page-container``, attribute ``data-node-id``) names the site's page id that
  the search API lists under (read from the page, never assumed).
- ``POST /api/search`` with the JSON body ``{"filters": [], "pageNumber": N,
  "order": "newest", "rootPageId": <id>}``: ``results[]`` with ``title``, ``url``,
  ``description`` and ``filterItemMetaData`` (``"5 December 2025, Education"``: the date,
  then the sector); pages continue until one lists nothing.
- ``GET <url>``: the action's page; ``<further-reading x-href="...pdf">`` links the notice.

Document format: the notice as PDF (archived when served), the description as text.
robots.txt asks for a 6 s delay between requests, which the spider keeps.
"""

import json
import re
from datetime import datetime

import scrapy

from crawler.base import ArchiveSpider
from crawler.items import raw_item

BASE_URL = "https://ico.org.uk"
LISTING_URL = BASE_URL + "/action-weve-taken/enforcement/"
SEARCH_URL = BASE_URL + "/api/search"
# The kind of action, from the words of its title or page address.
KINDS = (("monetary penalt", "monetary_penalty"), ("-mpn", "monetary_penalty"),
         ("fixed penalt", "monetary_penalty"), ("enforcement notice", "enforcement_notice"),
         ("-en/", "enforcement_notice"), ("reprimand", "reprimand"),
         ("undertaking", "undertaking"), ("prosecution", "prosecution"))


def search_body(page, root):
    return {"filters": [], "pageNumber": page, "order": "newest", "rootPageId": root}


class GbIcoSpider(ArchiveSpider):
    name = "gb_ico"
    title = "ICO: enforcement action (United Kingdom)"
    jurisdiction = "GB"
    homepage = LISTING_URL
    known_gaps = ("Decision notices under the Freedom of Information Act are not penalties "
                  "and are not collected.")
    allowed_domains = ["ico.org.uk"]
    custom_settings = {"DOWNLOAD_DELAY": 6.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    async def start(self):
        yield scrapy.Request(LISTING_URL, callback=self.parse_listing)

    def parse_listing(self, response):
        root = response.css("#filter-page-container::attr(data-node-id)").get()
        if not root or not root.strip().isdigit():
            self.list_page_unreadable("the enforcement page names no filter page id: %s",
                                      response.url)
            return
        request = self.search_request(1, int(root))
        if request is not None:
            yield request

    def search_request(self, page, root):
        if not self.take_list_page():
            return None
        return scrapy.Request(SEARCH_URL, method="POST", body=json.dumps(search_body(page, root)),
                              headers={"Content-Type": "application/json",
                                       "Accept": "application/json", "Referer": LISTING_URL},
                              callback=self.parse_search, cb_kwargs={"page": page, "root": root},
                              dont_filter=True)

    def parse_search(self, response, page, root):
        try:
            results = response.json()["results"]
        except (ValueError, KeyError, TypeError) as exc:
            self.list_page_unreadable("search page %d has an unexpected structure (%r)", page, exc)
            return
        if not results:
            if page == 1:
                self.list_page_unreadable("the enforcement search lists no action")
            return
        fresh = 0
        for row in results:
            url = response.urljoin(row.get("url") or "")
            key = self._parse_key(url)
            day = self._parse_date(row)
            if not key or (self.since and day and day < self.since) or key in self.seen:
                continue
            fresh += 1
            yield scrapy.Request(url, callback=self.parse_action,
                                 cb_kwargs={"row": row, "key": key})
        if fresh:
            request = self.search_request(page + 1, root)
            if request is not None:
                yield request

    def parse_action(self, response, row, key):
        kind = self._parse_kind(row, response.url)
        item = raw_item(
            self.name, key=key, url=response.url, title=row.get("title"),
            party_name=self._parse_party(row), authority_name="Information Commissioner's Office",
            decision_date=self._parse_date(row), published_date=self._parse_date(row),
            penalty_text="%s: %s" % (kind.replace("_", " ").capitalize(),
                                     " ".join((row.get("description") or "").split())),
            text=self._parse_text(response, row), jurisdiction="GB", language="en",
            listing=dict(row, kind=kind))
        pdf = response.css("further-reading::attr(x-href)").get()
        yield self.document_request(item, response.urljoin(pdf)) if pdf else item

    @staticmethod
    def _parse_key(url):
        m = re.search(r"/action-weve-taken/enforcement/([^/?#]+)/?", url)
        return m.group(1) if m else None

    @staticmethod
    def _parse_date(row):
        text = (row.get("filterItemMetaData") or "").split(",", 1)[0].strip()
        try:
            return datetime.strptime(text, "%d %B %Y").date().isoformat()
        except ValueError:
            return None

    @staticmethod
    def _parse_kind(row, url):
        words = " ".join((row.get("title") or "", row.get("description") or "", url)).lower()
        for marker, kind in KINDS:
            if marker in words:
                return kind
        return "enforcement_action"

    @staticmethod
    def _parse_party(row):
        """The organisation: the title without the kind of action it names."""
        title = " ".join((row.get("title") or "").split())
        title = re.sub(r"\s*[-–:]\s*(monetary penalty( notice)?|enforcement notice|reprimand|"
                       r"undertaking|fixed penalty( notice)?)\s*$", "", title, flags=re.I)
        return title or None

    @staticmethod
    def _parse_text(response, row):
        body = " ".join(p.strip() for p in response.css("main p::text, main li::text").getall()
                        if p.strip())
        return "\n".join(filter(None, [row.get("title"), row.get("description"), body])) or None


def replay_exchanges(fixture, corpus):
    """The site's answers for a replay: a fixture folder written from the documented
    structure (see its README); the demo has no ICO material."""
    import os

    from crawler.replay import exchange, json_form

    if not fixture:
        return [], {}
    with open(os.path.join(fixture, "site.json"), encoding="utf-8") as f:
        site = json.load(f)
    exchanges = [exchange("GET", LISTING_URL, body=site["listing"].encode("utf-8"),
                          content_type="text/html; charset=utf-8")]
    pages = site["search"] + [[]]
    for n, results in enumerate(pages, 1):
        exchanges.append(exchange("POST", SEARCH_URL, form=json_form(
            search_body(n, site["root"])), json_body={"results": results}))
    for url, html in site["pages"].items():
        exchanges.append(exchange("GET", url, body=html.encode("utf-8"),
                                  content_type="text/html; charset=utf-8"))
    return exchanges, {}
