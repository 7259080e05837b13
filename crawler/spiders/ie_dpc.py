"""Ireland: the Data Protection Commission's decisions (GDPR and the Data Protection Act
2018), the lead authority for most large platforms in the EU.

Pages crawled:
- ``/en/dpc-guidance/law/decisions-made-under-data-protection-act-2018``: one Drupal page
  whose body (``div.field--name-body``) links every decision, newest first, each link
  named after the inquiry and the month (``Inquiry into Meta Platforms Ireland Limited -
  May 2023``); a few links go straight to a PDF.
- each decision's page (``/en/dpc-guidance/law/decisions/<slug>`` and older paths): its
  body summarises the decision (date, infringements, corrective powers, fine) and links
  the decision's PDF (a summary PDF may come first: the one named a decision is taken).
- the PDF, archived as the decision's document.

Fields: the text is the PDF's (the page's summary where there is no PDF, kept in the
listing otherwise); party from the link's name; decision date from the summary (``On 12 May 2023``),
else none (the link names only the month, kept in the listing); the fine and its currency
from the summary, read by the indexer (``indexer.normalize.amounts_intl``); the articles
cited make the violation types.  The same decision is also in the EDPB's register
(``eu_edpb``) when it was a cross-border case: two records, whose texts name the same
party and date (no shared decision number to merge them by).
"""

import re
from urllib.parse import urlsplit

import scrapy

from crawler.base import ArchiveSpider
from crawler.items import raw_item
from indexer.normalize import dates

BASE_URL = "https://www.dataprotection.ie"
LIST_URL = BASE_URL + "/en/dpc-guidance/law/decisions-made-under-data-protection-act-2018"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_MONTH = "|".join(MONTHS)
_TITLE_MONTH = re.compile(r"\s*[-–—,]?\s*\(?((?:%s)\s+\d{4})\)?\s*$" % _MONTH, re.I)
_INQUIRY = re.compile(r"^(?:(?:Decision|Final decision)\s+(?:in|on|of)\s+(?:the\s+)?)?"
                      r"(?:Inquiry|Own[- ]volition inquiry|Complaint|Decision)\s+"
                      r"(?:into|concerning|regarding|in respect of|against|on|of)\s+", re.I)
_DAY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(%s),?\s+(\d{4})\b" % _MONTH, re.I)
_ARTICLE = re.compile(r"\bArticles?\s+\d", re.I)
_ON_DECISION = re.compile(r"\b(?:adopt\w*|decision|decided)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+")
_PENALTY = re.compile(r"\b(?:fine|fines|reprimand|order|orders|ban|suspend)\b", re.I)


def party_of(title):
    """``Inquiry into Meta Platforms Ireland Limited - May 2023`` -> the party."""
    name = _INQUIRY.sub("", _TITLE_MONTH.sub("", title)).strip(" -–—,")
    return name or None


def first_date(text):
    match = _DAY.search(text or "")
    return dates.parse_date("%s %s %s" % match.groups()) if match else None


def decision_date(summary):
    """The date of the first sentence of a summary that speaks of the decision: a real
    summary dates the inquiry or the complaint before it.  None when no such sentence
    has one (the PDF is read for it, ``indexer.documents.ie_dpc``)."""
    for sentence in _SENTENCE_END.split(summary or ""):
        if _ON_DECISION.search(sentence) and first_date(sentence):
            return first_date(sentence)
    return None


def slug(url):
    path = urlsplit(url).path.rstrip("/")
    return re.sub(r"\.pdf$", "", path.rsplit("/", 1)[-1], flags=re.I).lower() or None


def _text(selector):
    return " ".join(" ".join(selector.css("::text").getall()).split())


def _prose(paragraph):
    """A paragraph's text, or "" for a line of links alone."""
    text = _text(paragraph)
    return "" if text == " ".join(map(_text, paragraph.css("a"))) else text


class IeDpcSpider(ArchiveSpider):
    name = "ie_dpc"
    title = "Data Protection Commission (Ireland): decisions"
    jurisdiction = "IE"
    homepage = LIST_URL
    allowed_domains = ["www.dataprotection.ie", "dataprotection.ie"]
    custom_settings = {"DOWNLOAD_DELAY": 3.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    async def start(self):
        request = self.list_page(LIST_URL, self.parse_list)
        if request is not None:
            yield request

    def parse_list(self, response):
        body = response.css("div.field--name-body")
        links = [(response.urljoin(a.attrib["href"]), _text(a)) for a in body.css("a[href]")]
        links = [(url, title) for url, title in links
                 if title and urlsplit(url).netloc.endswith("dataprotection.ie")
                 and ("/decisions" in url or url.lower().endswith(".pdf"))
                 and url.rstrip("/") != LIST_URL]
        if not links:
            self.list_page_unreadable("the decisions page links no decision (%s): %.200s",
                                      "no div.field--name-body" if not body else "no links",
                                      response.text)
            return
        for url, title in links:
            key = slug(url)
            if key in self.seen:
                continue
            listing = {"title": title, "month": (_TITLE_MONTH.search(title) or [None, None])[1]}
            if url.lower().endswith(".pdf"):  # the decision itself, without a page
                yield self.document_request(self._item(key, url, title, "", listing), url)
            else:
                yield scrapy.Request(url, callback=self.parse_decision,
                                     cb_kwargs={"key": key, "title": title, "listing": listing})

    def parse_decision(self, response, key, title, listing):
        body = response.css("div.field--name-body")
        if not body:
            self.logger.error("decision page %s has no body (div.field--name-body)",
                              response.url)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return
        summary = "\n".join(filter(None, map(_prose, body.css("p, li"))))
        pdfs = [(response.urljoin(a.attrib["href"]), _text(a))
                for a in body.css("a[href]") if ".pdf" in a.attrib["href"].lower()]
        decision = next((url for url, name in pdfs if "decision" in name.lower()
                         and "summary" not in name.lower()), pdfs[0][0] if pdfs else None)
        if not decision:
            yield self._item(key, response.url, title, summary, listing, text=True)
            return
        # the decision's text is the PDF's; the page's summary gives date, fine, articles
        yield self.document_request(self._item(key, response.url, title, summary,
                                               dict(listing, summary=summary)), decision)

    def _item(self, key, url, title, summary, listing, text=False):
        day = decision_date(summary)
        sentences = _SENTENCE_END.split(summary)
        penalties = [s for s in sentences if _PENALTY.search(s)]
        cited = [s for s in sentences if _ARTICLE.search(s)]
        return raw_item(
            self.name, key=key, url=url, title=title, party_name=party_of(title),
            authority_name="Data Protection Commission", decision_date=day,
            published_date=day, jurisdiction=self.jurisdiction, language="en",
            penalty_text=" ".join(penalties) or None, legal_basis_text=" ".join(cited) or None,
            text="\n".join(filter(None, [title, summary])) if text else None, listing=listing)


def replay_exchanges(fixture, corpus):
    """The site's answers for a replay: ``site.json`` written from the documented
    structure (see the fixture's README): the decisions page's links, each decision's page
    (its summary and PDF links), and the decisions' texts, made into PDFs here.  The demo
    has no DPC material."""
    import json
    import os
    from html import escape

    from crawler.replay import exchange
    from crawler.spiders.es_aepd import _pdf

    if not fixture:
        return [], {}
    with open(os.path.join(fixture, "site.json"), encoding="utf-8") as f:
        site = json.load(f)
    html = "text/html; charset=utf-8"

    def page(title, inner):
        return ('<!DOCTYPE html><html><head><title>%s</title></head><body><main><h1>%s</h1>'
                '<div class="field field--name-body">%s</div></main></body></html>'
                % (escape(title), escape(title), inner)).encode("utf-8")

    links = "".join('<p><a href="%s">%s</a></p>' % (escape(d["href"]), escape(d["title"]))
                    for d in site["decisions"])
    exchanges = [exchange("GET", LIST_URL, body=page(site["title"], links), content_type=html)]
    for d in site["decisions"]:
        if "summary" in d:
            inner = "".join("<p>%s</p>" % escape(p) for p in d["summary"]) + "".join(
                '<p><a href="%s">%s</a></p>' % (escape(href), escape(name))
                for name, href in d["files"])
            exchanges.append(exchange("GET", BASE_URL + d["href"], body=page(d["title"], inner),
                                      content_type=html))
    for url, lines in site["documents"].items():
        exchanges.append(exchange("GET", url, body=_pdf(lines), content_type="application/pdf"))
    return exchanges, {}
