"""Spain: the Agencia Española de Protección de Datos (AEPD), resolutions.

Regulator: the AEPD, which enforces the GDPR, the LOPDGDD and the LSSI in Spain and
publishes its resolutions (procedimientos sancionadores PS, tutela de derechos TD, ...) as
PDF documents named after their procedure (``/documento/ps-00587-2021.pdf``).

Pages crawled:
- ``GET /informes-y-resoluciones/resoluciones/feed.xml``: the RSS 2.0 feed of the
  resolutions view (the "RSS" link in the view's header), newest first, read with
  feedparser.  Each item is one resolution: ``title`` the procedure (``PS-00587-2021``),
  ``link``, ``pubDate``, and ``description`` the view's teaser (HTML): the first words of
  the resolution (``Expediente N.º: EXP202304094 ...``), the "Ver documento" link to the
  PDF and the signature date (``<time datetime="2025-03-24T00:00:00Z">``).  Further pages
  are asked as ``feed.xml?page=N`` (the view's 0-based pager) until a page brings no
  resolution not already met.
- ``GET /documento/<procedure>.pdf``: the resolution, archived; the indexer reads its
  operative part (``RESUELVE``: party, fine, articles infringed).

The site answers clients without a browser User-Agent with an Akamai "Access Denied"
page (recognised by ``crawler/block_pages.yaml``): this spider sends a browser
User-Agent.  Requests are spaced by 5 s, one at a time.
"""

import re
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import feedparser
import scrapy
from parsel import Selector

from crawler.base import ArchiveSpider
from crawler.items import raw_item

BASE_URL = "https://www.aepd.es"
FEED_URL = BASE_URL + "/informes-y-resoluciones/resoluciones/feed.xml"
LISTING_URL = BASE_URL + "/informes-y-resoluciones/resoluciones"
LISTING_FIELDS = ("title", "link", "published", "id", "description")
AUTHORITY = "Agencia Española de Protección de Datos"
BROWSER_USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/126.0 Safari/537.36")
_PROCEDURE = re.compile(r"\b([A-Z]{1,3})[-/ ]?(\d{5})[-/](\d{4})\b|\b(EXP\d{9})\b", re.I)
_FILE_NUMBER = re.compile(r"(?:Expediente|Procedimiento)\s*N\.?\s*[º°o]?\s*\.?:?\s*"
                          r"((?:[A-Z]{1,3}/\d{5}/\d{4})|(?:EXP\d{9}))", re.I)


def feed_url(page=0):
    return FEED_URL if not page else "%s?page=%d" % (FEED_URL, page)


def procedure_key(*texts):
    """The resolution's procedure as the site names its document (``ps-00587-2021``,
    ``exp202304094``), from the first text that names one."""
    for text in texts:
        m = _PROCEDURE.search(text or "")
        if m:
            return ("%s-%s-%s" % m.group(1, 2, 3) if m.group(1) else m.group(4)).lower()
    return None


class EsAepdSpider(ArchiveSpider):
    name = "es_aepd"
    title = "AEPD: resolutions (Spain)"
    jurisdiction = "ES"
    homepage = LISTING_URL
    known_gaps = ("The feed gives the procedure, date and document; party, fine and articles "
                  "are read from the resolution's operative part. Natural persons are "
                  "pseudonymised by the AEPD itself.")
    allowed_domains = ["www.aepd.es", "aepd.es"]
    custom_settings = {
        "DOWNLOAD_DELAY": 5.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        # The site blocks clients that do not look like a browser (an Akamai page).
        "USER_AGENT": BROWSER_USER_AGENT,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "es-ES,es;q=0.9,en;q=0.5"},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.met = set()  # keys this crawl's feed pages listed

    async def start(self):
        request = self.feed_request(0)
        if request is not None:
            yield request

    def feed_request(self, page):
        if not self.take_list_page():
            return None
        return scrapy.Request(feed_url(page), callback=self.parse_feed, cb_kwargs={"page": page},
                              headers={"Accept": "application/rss+xml, application/xml;q=0.9"},
                              dont_filter=True)

    def parse_feed(self, response, page):
        # the text as the crawler decoded it (a feed re-encoded on the way is read right)
        feed = feedparser.parse(response.text if hasattr(response, "text") else response.body)
        if not feed.get("version") or (feed.bozo and not feed.entries):
            self.list_page_unreadable("feed page %d is not an RSS feed (%s)",
                                      page, feed.get("bozo_exception"))
            return
        if not feed.entries:
            if page == 0:
                self.list_page_unreadable("the resolutions feed lists no resolution")
            return
        fresh = 0
        for entry in feed.entries:
            teaser = Selector(text=entry.get("description") or "<p></p>")
            pdf = self._parse_document(response, entry, teaser)
            key = procedure_key(pdf and urlsplit(pdf).path, entry.get("title"))
            signed = self._parse_signed(teaser)
            if not key or key in self.met or key in self.seen or (
                    self.since and signed and signed < self.since):
                continue  # a page that repeats itself, or archived: the listing ends
            self.met.add(key)
            fresh += 1
            yield self.resolution(response, entry, teaser, key, pdf, signed)
        if fresh:
            request = self.feed_request(page + 1)
            if request is not None:
                yield request

    def resolution(self, response, entry, teaser, key, pdf, signed):
        snippet = " ".join(" ".join(teaser.css(".field--name-body").xpath("string()").getall()
                                    or teaser.css("p").xpath("string()").getall()).split())
        title = " ".join((entry.get("title") or "").split()) or None
        number = _FILE_NUMBER.search(snippet)
        item = raw_item(
            self.name, key=key, url=response.urljoin(entry.get("link") or LISTING_URL),
            title=title, decision_number=number.group(1) if number else title,
            authority_name=AUTHORITY, decision_date=signed,
            published_date=self._parse_published(entry), jurisdiction="ES", language="es",
            listing={k: entry.get(k) for k in LISTING_FIELDS if entry.get(k)})
        return self.document_request(item, pdf) if pdf else item

    @staticmethod
    def _parse_document(response, entry, teaser):
        for href in teaser.css("a::attr(href)").getall() + [entry.get("link") or ""]:
            if urlsplit(href).path.lower().endswith(".pdf"):
                return response.urljoin(href.strip())
        key = procedure_key(entry.get("title"))
        return "%s/documento/%s.pdf" % (BASE_URL, key) if key else None

    @staticmethod
    def _parse_signed(teaser):
        value = teaser.css("time::attr(datetime)").get() or ""
        return value[:10] if re.match(r"\d{4}-\d{2}-\d{2}", value) else None

    @staticmethod
    def _parse_published(entry):
        """The day of ``pubDate`` as written (not moved to UTC)."""
        try:
            return parsedate_to_datetime(entry.get("published") or "").date().isoformat()
        except (TypeError, ValueError):
            return None


# -- replay ---------------------------------------------------------------------------------

def _pdf(lines):
    """A real PDF of ``lines`` (reportlab, reproducible bytes: no dates, no random ids)."""
    import textwrap
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    y = 800
    for line in lines:
        for part in textwrap.wrap(line, 95) or [""]:
            if y < 60:
                page.showPage()
                y = 800
            page.setFont("Helvetica", 9)
            page.drawString(40, y, part)
            y -= 13
    page.save()
    return out.getvalue()


def replay_exchanges(fixture, corpus):
    """The site's answers for a replay: a fixture folder written from the documented
    structure (see its README): ``feed_<N>.xml`` for each feed page and
    ``documents.json`` ({procedure: [lines]}) whose PDFs are made here.  The demo has
    no AEPD material."""
    import glob
    import json
    import os

    from crawler.replay import exchange

    if not fixture:
        return [], {}
    exchanges = []
    for path in sorted(glob.glob(os.path.join(fixture, "feed_*.xml"))):
        page = int(re.search(r"feed_(\d+)\.xml$", path).group(1))
        with open(path, "rb") as f:
            exchanges.append(exchange("GET", feed_url(page), body=f.read(),
                                      content_type="application/rss+xml; charset=utf-8"))
    with open(os.path.join(fixture, "documents.json"), encoding="utf-8") as f:
        documents = json.load(f)
    for key, lines in documents.items():
        exchanges.append(exchange("GET", "%s/documento/%s.pdf" % (BASE_URL, key),
                                  body=_pdf(lines), content_type="application/pdf"))
    return exchanges, {}
