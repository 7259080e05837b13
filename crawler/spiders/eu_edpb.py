"""European Union: the EDPB's register of final one-stop-shop decisions (Art. 60 GDPR).

Regulator: the lead data-protection authority of each cross-border case, whose final
decision (taken with the authorities concerned under Art. 60 GDPR) the European Data
Protection Board publishes in its register.

Pages crawled:
- ``GET /registers/register-of-final-one-stop-shop-decisions_en?page=N`` (Drupal's 0-based
  pager; the former ``/our-work-tools/consistency-findings/register-for-article-60-final-
  decisions_en`` redirects here): one ``div.foss-decision-teaser`` per decision, with its
  identifier (``.foss-decision-foss-decision-teaser__id``, ``EDPBI:...``), the date of the
  decision (``time[datetime]``), the lead authority's country token
  (``.foss-decision-teaser__lead-sa .member-country-token__code``), the authorities
  concerned, the legal reference (``...__main-legel-ref-value``, the site's spelling), the
  topics, the outcome and the decision's PDF (``a.file__link``); newest first, pages
  continue while they bring decisions not yet archived.
- the PDF, archived as the decision's document.

The register names neither the controller nor a fine: they are in the PDF, whose text the
indexer keeps; the record has the lead authority, country, date, articles and outcome.
The site answers 429 to fast clients: one request at a time, 5 s apart (the crawler's
back-off honours Retry-After).
"""

import re

from crawler.base import ArchiveSpider
from crawler.items import raw_item

BASE_URL = "https://www.edpb.europa.eu"
REGISTER_URL = BASE_URL + "/registers/register-of-final-one-stop-shop-decisions_en"
# The lead authority by the country code of its token (ISO 3166-1, the EU's EL for Greece).
AUTHORITIES = {
    "AT": "Datenschutzbehörde", "BE": "Autorité de protection des données",
    "BG": "Commission for Personal Data Protection", "CY": "Commissioner for Personal Data "
    "Protection", "CZ": "Úřad pro ochranu osobních údajů", "DE": "German supervisory "
    "authority", "DK": "Datatilsynet", "EE": "Andmekaitse Inspektsioon", "EL": "Hellenic Data "
    "Protection Authority", "ES": "Agencia Española de Protección de Datos", "FI": "Office of "
    "the Data Protection Ombudsman", "FR": "CNIL", "HR": "AZOP", "HU": "NAIH", "IE": "Data "
    "Protection Commission", "IS": "Persónuvernd", "IT": "Garante per la protezione dei dati "
    "personali", "LI": "Datenschutzstelle", "LT": "State Data Protection Inspectorate", "LU":
    "CNPD", "LV": "Data State Inspectorate", "MT": "IDPC", "NL": "Autoriteit "
    "Persoonsgegevens", "NO": "Datatilsynet", "PL": "UODO", "PT": "CNPD", "RO": "ANSPDCP",
    "SE": "Integritetsskyddsmyndigheten", "SI": "Informacijski pooblaščenec", "SK": "Úrad na "
    "ochranu osobných údajov"}
COUNTRY = {"EL": "GR", "UK": "GB"}  # the EU's codes that ISO 3166-1 spells otherwise
TEASER = ".foss-decision-teaser__%s"


def register_url(page=0):
    return REGISTER_URL if not page else "%s?page=%d" % (REGISTER_URL, page)


def decision_key(identifier):
    """``EDPBI:IE:OSS:D:2025:123`` -> ``edpbi-ie-oss-d-2025-123``."""
    return re.sub(r"[^a-z0-9]+", "-", identifier.lower()).strip("-") or None


class EuEdpbSpider(ArchiveSpider):
    name = "eu_edpb"
    title = "EDPB: register of final one-stop-shop decisions (Art. 60 GDPR)"
    jurisdiction = "EU"
    homepage = REGISTER_URL
    known_gaps = ("The register names neither the controller nor a fine; both are left to "
                  "the archived decision.")
    allowed_domains = ["www.edpb.europa.eu", "edpb.europa.eu"]
    custom_settings = {"DOWNLOAD_DELAY": 5.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    async def start(self):
        request = self.list_request(0)
        if request is not None:
            yield request

    def list_request(self, page):
        return self.list_page(register_url(page), self.parse_register, page=page)

    def parse_register(self, response, page):
        rows = response.css("div.foss-decision-teaser")
        if not rows:
            if page == 0:
                self.list_page_unreadable("the register lists no decision: %s", response.url)
            return
        fresh = 0
        for row in rows:
            item = self._parse_row(response, row)
            if item is None or item["key"] in self.seen or (
                    self.since and item["decision_date"] and item["decision_date"] < self.since):
                continue
            fresh += 1
            pdf = row.css("a.file__link::attr(href)").get()
            yield self.document_request(item, response.urljoin(pdf)) if pdf else item
        if fresh:
            request = self.list_request(page + 1)
            if request is not None:
                yield request

    def _parse_row(self, response, row):
        def text(part):
            return " ".join(" ".join(row.css((TEASER % part) + " ::text").getall()).split())

        identifier = " ".join(" ".join(row.css(
            ".foss-decision-foss-decision-teaser__id ::text").getall()).split())
        key = decision_key(identifier)
        if not key:
            self.logger.error("a register row without an identifier on %s", response.url)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return None
        day = (row.css((TEASER % "date-of-decision") + " time::attr(datetime)").get() or "")[:10]
        lead = (row.css((TEASER % "lead-sa") + " .member-country-token__code::text").get()
                or "").strip().upper()
        legal, outcome, topics = (text("main-legel-ref-value"), text("outcome-value"),
                                  text("relevant-topics-value"))
        concerned = text("concerned-sa-value")
        return raw_item(
            self.name, key=key, url=register_url(), title=identifier,
            authority_name=AUTHORITIES.get(lead), decision_date=day or None,
            published_date=day or None, jurisdiction=COUNTRY.get(lead, lead) or "EU",
            language="en", penalty_text=outcome or None, legal_basis_text=legal or None,
            text="\n".join(filter(None, [
                identifier, outcome and "Outcome: " + outcome, legal and "Legal reference: "
                + legal, topics and "Topics: " + topics,
                concerned and "Authorities concerned: " + concerned])),
            listing={"identifier": identifier, "lead": lead, "concerned": concerned,
                     "legal_reference": legal, "topics": topics, "outcome": outcome})


def replay_exchanges(fixture, corpus):
    """The site's answers for a replay: ``site.json`` written from the documented
    structure (see the fixture's README): register pages of rows, and the decisions'
    texts, made into PDFs here. The demo has no EDPB material."""
    import json
    import os
    from html import escape

    from crawler.replay import exchange
    from crawler.spiders.es_aepd import _pdf

    if not fixture:
        return [], {}
    with open(os.path.join(fixture, "site.json"), encoding="utf-8") as f:
        site = json.load(f)

    def teaser(row):
        return (
            '<div class="foss-decision-teaser"><div class="foss-decision-foss-decision-'
            'teaser__id">%s</div><div class="foss-decision-teaser__date-of-decision"><time '
            'datetime="%sT12:00:00Z">%s</time></div><div class="foss-decision-teaser__lead-sa">'
            '<span class="member-country-token__code">%s</span></div><div class="foss-'
            'decision-teaser__concerned-sa-value">%s</div><div class="foss-decision-teaser__'
            'main-legel-ref-value">%s</div><div class="foss-decision-teaser__relevant-topics-'
            'value">%s</div><div class="foss-decision-teaser__outcome-value">%s</div>'
            '<a class="file__link" href="%s">Decision</a></div>'
            % tuple(escape(row[k]) for k in (
                "id", "date", "date", "lead", "concerned", "legal", "topics", "outcome", "pdf")))

    exchanges = []
    for page, rows in enumerate(site["pages"] + [[]]):
        body = "<html><body><main>%s</main></body></html>" % "".join(map(teaser, rows))
        exchanges.append(exchange("GET", register_url(page), body=body.encode("utf-8"),
                                  content_type="text/html; charset=utf-8"))
    for url, lines in site["documents"].items():
        exchanges.append(exchange("GET", url, body=_pdf(lines), content_type="application/pdf"))
    return exchanges, {}
