"""United States: the Federal Trade Commission's cases and proceedings on privacy and
data security (FTC Act Section 5, COPPA, FCRA, GLB).

Pages crawled:
- ``/legal-library/browse/cases-proceedings`` with the browse form's parameters
  (``sort_by=field_date``, newest first; ``items_per_page=20``; the privacy and security
  topic, ``field_consumer_protection_topics``), paged with ``page=N`` (Drupal's 0-based
  pager, ``li.pager__item--next``): rows ``div.view-content div.views-row``, each an
  ``article`` with the case's link in ``h3`` and its date in ``.field--name-field-date
  time``.  The walk stops at a page whose cases are all archived, or older than --since.
- each case page: the title (``h1``, the respondent or defendant and the form of action:
  ``Facebook, Inc., In the Matter of``, ``Epic Games, Inc., U.S. v.``), its Drupal fields
  (``.field__label`` / ``.field__item``: FTC Matter/File Number, Docket Number, Civil Action
  Number, Type of Action, Case Status) and its summary (``.field--name-body``).

Fields: party from the title; decision number: the FTC Matter/File Number; published
date: the listing's date (the case's last update; the site gives no single decision
date); the amount: the summary's civil penalty or monetary judgment (``$5 billion``), read
by the indexer; statutes named (FTC Act, COPPA) as the legal basis text.  Bare clients are
refused by the site (HTTP 403): requests carry a browser User-Agent, and a refusal fails
the crawl.
"""

import re
from urllib.parse import urlencode, urlsplit

import scrapy

from crawler.base import ArchiveSpider
from crawler.items import raw_item
from indexer.normalize import dates

BASE_URL = "https://www.ftc.gov"
LIST_PATH = "/legal-library/browse/cases-proceedings"
LIST_PARAMS = (("sort_by", "field_date"), ("items_per_page", "20"),
               ("field_consumer_protection_topics", "1408"))
BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0 Safari/537.36")
_FORM = re.compile(r",?\s*(?:In\s+the\s+Matter\s+of|(?:U\.?S\.?|FTC|United\s+States)\s+v\.?|"
                   r"et\s+al\.?)\s*$", re.I)
_MONEY = re.compile(r"\$|civil\s+penalt|monetary\s+(?:relief|judgment)|\bpay\b", re.I)
_STATUTE = re.compile(r"\b(?:Act|COPPA|Rule|Section\s+\d)", re.I)


def list_url(page=0):
    params = LIST_PARAMS + ((("page", str(page)),) if page else ())
    return BASE_URL + LIST_PATH + "?" + urlencode(params)


def party_of(title):
    """``Epic Games, Inc., U.S. v.`` -> ``Epic Games, Inc.``."""
    name = title
    while True:
        shorter = _FORM.sub("", name).strip(" ,")
        if shorter == name:
            return name or None
        name = shorter


def _text(selector):
    return " ".join(" ".join(selector.css("::text").getall()).split())


class UsFtcSpider(ArchiveSpider):
    name = "us_ftc"
    title = "Federal Trade Commission (United States): privacy and security cases"
    jurisdiction = "US"
    homepage = BASE_URL + LIST_PATH
    allowed_domains = ["www.ftc.gov", "ftc.gov"]
    custom_settings = {"DOWNLOAD_DELAY": 3.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                       "USER_AGENT": BROWSER_UA}

    async def start(self):
        request = self.list_request(0)
        if request is not None:
            yield request

    def list_request(self, page):
        return self.list_page(list_url(page), self.parse_list, page=page)

    def parse_list(self, response, page):
        rows = response.css("div.view-content div.views-row")
        cases = []
        for row in rows:
            link = row.css("h3 a")
            href = link.attrib.get("href") if link else None
            if not href:
                continue
            time = row.css(".field--name-field-date time")
            day = (time.attrib.get("datetime") or "")[:10] if time else ""
            if time and not day:  # a date written out only: December 19, 2022
                day = dates.parse_date(_text(time[0]), order="mdy")
            cases.append((response.urljoin(href), _text(link[0]), day or None))
        if not cases:
            if page == 0 or rows:
                self.list_page_unreadable("cases page %d lists no case (%d rows): %.200s",
                                          page, len(rows), response.text)
            return
        fresh = 0
        for url, title, day in cases:
            key = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
            if key in self.seen or (self.since and day and day < self.since):
                continue
            fresh += 1
            yield scrapy.Request(url, callback=self.parse_case, cb_kwargs={
                "key": key, "listing": {"title": title, "date": day}})
        if fresh and response.css("li.pager__item--next a"):
            request = self.list_request(page + 1)
            if request is not None:
                yield request

    def parse_case(self, response, key, listing):
        title = _text(response.css("h1")[:1]) or listing["title"]
        fields = {}
        for field in response.css("div.field"):
            label = _text(field.css(".field__label")).rstrip(":")
            if label:
                fields[label] = "; ".join(filter(None, map(_text, field.css(".field__item"))))
        summary = "\n".join(filter(None, map(_text, response.css(
            ".field--name-body p, .field--name-body li"))))
        if not summary and not fields:
            self.logger.error("case page %s has neither fields nor a summary", response.url)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        sentences = re.split(r"(?<=[.;])\s+", summary)
        number = next((v for k, v in fields.items() if "Matter" in k or "File Number" in k),
                      None)
        yield raw_item(
            self.name, key=key, url=response.url, title=title, party_name=party_of(title),
            decision_number=number, authority_name="Federal Trade Commission",
            published_date=listing["date"], jurisdiction=self.jurisdiction, language="en",
            penalty_text=" ".join(s for s in sentences if _MONEY.search(s)) or None,
            legal_basis_text=" ".join(s for s in sentences if _STATUTE.search(s)) or None,
            text="\n".join(filter(None, [title] + ["%s: %s" % kv for kv in fields.items()]
                                  + [summary])),
            listing=dict(listing, fields=fields))


def replay_exchanges(fixture, corpus):
    """The site's answers for a replay: ``site.json`` written from the documented
    structure (see the fixture's README): list pages of rows, with the pager's next link
    on all but the last, and each case's page.  No demo material."""
    import json
    import os
    from html import escape

    from crawler.replay import exchange

    if not fixture:
        return [], {}
    with open(os.path.join(fixture, "site.json"), encoding="utf-8") as f:
        site = json.load(f)
    html = "text/html; charset=utf-8"

    def row(case):
        return ('<div class="views-row"><article><div class="node__content"><div class="group">'
                '<h3 class="node-title"><a href="%s">%s</a></h3><div class="field '
                'field--name-field-date"><time datetime="%sT12:00:00Z">%s</time></div></div>'
                '</div></article></div>' % (escape(LIST_PATH + "/" + case["slug"]),
                                            escape(case["title"]), case["date"], case["date"]))

    exchanges = []
    pages = site["pages"]
    for n, cases in enumerate(pages):
        pager = '<li class="pager__item pager__item--next"><a href="?page=%d">Next</a></li>' % (
            n + 1) if n + 1 < len(pages) else ""
        body = ('<html><body><main><div class="view-content">%s</div><nav class="pager"><ul>'
                '%s</ul></nav></main></body></html>' % ("".join(map(row, cases)), pager))
        exchanges.append(exchange("GET", list_url(n), body=body.encode("utf-8"),
                                  content_type=html))
        for case in cases:
            fields = "".join('<div class="field"><div class="field__label">%s</div>'
                             '<div class="field__item">%s</div></div>'
                             % (escape(k), escape(v)) for k, v in case["fields"].items())
            summary = "".join("<p>%s</p>" % escape(p) for p in case["summary"])
            page = ('<html><body><main><h1>%s</h1>%s<div class="field field--name-body">%s'
                    '</div></main></body></html>' % (escape(case["title"]), fields, summary))
            exchanges.append(exchange("GET", BASE_URL + LIST_PATH + "/" + case["slug"],
                                      body=page.encode("utf-8"), content_type=html))
    return exchanges, {}
