"""France: the sanctions of the CNIL (Commission nationale de l'informatique et des
libertés), from the open data of its deliberations that the DILA publishes (the CNIL base
of Légifrance).

Pages crawled:
- ``https://echanges.dila.gouv.fr/OPENDATA/CNIL/``: a directory listing of ``.tar.gz``
  archives, the whole base (``Freemium_cnil_global_<YYYYMMDD-HHMMSS>.tar.gz``) and the
  later increments (``CNIL_<YYYYMMDD-HHMMSS>.tar.gz``).  A crawl reads the newest whole
  archive and every increment after it (with ``--since``, only the increments of that
  day or later).
- each archive: one XML file per deliberation (``.../CNILTEXT<id>.xml``, root
  ``TEXTE_CNIL``): ``META/META_COMMUN`` (``ID``, ``NATURE``), ``META/META_SPEC/META_CNIL``
  (``TITRE``, ``TITREFULL``, ``NUMERO``, ``NATURE_DELIB``, ``DATE_TEXTE``, ``DATE_PUBLI``,
  ``ETAT_JURIDIQUE``) and ``TEXTE/BLOC_TEXTUEL/CONTENU`` (the text, in HTML-like markup).

Kept: the deliberations whose ``NATURE_DELIB`` is ``Sanction`` (the restricted committee's
sanctions), one decision each, key ``ID``, linked to ``legifrance.gouv.fr/cnil/id/<ID>``;
party from the full title (``… concernant la société X``); the operative part (after ``PAR
CES MOTIFS``) is the penalty text, where the indexer reads the fine (French amounts:
``1 750 000 euros``) and the articles.  Archives are read in memory (``tarfile``), XML
with lxml, entities and network access off.
"""

import io
import re
import tarfile

from lxml import etree

from crawler.base import ArchiveSpider
from crawler.items import raw_item

LIST_URL = "https://echanges.dila.gouv.fr/OPENDATA/CNIL/"
LEGIFRANCE = "https://www.legifrance.gouv.fr/cnil/id/"
_ARCHIVE = re.compile(r"^(Freemium_cnil_global|CNIL)_(\d{8}-\d{6})\.tar\.gz$")
# "... concernant la société X", "... prononçant une sanction pécuniaire à l'encontre de la
# société X", "... concernant les sociétés X et Y"; "la Société nouvelle ..." (a capital S)
# is part of the name.
_PARTY = re.compile(r"\b(?:[Cc]oncernant|à\s+l['’]encontre\s+de)\s+"
                    r"(?:la\s+soci[ée]t[ée]\s+|les\s+soci[ée]t[ée]s\s+|l['’]association\s+|"
                    r"la\s+|le\s+|les\s+|l['’])?(?P<party>.+?)\s*$")
_OPERATIVE = re.compile(r"PAR\s+CES\s+MOTIFS", re.I)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def archives(names, since=None):
    """The archives to read, oldest first: the newest whole archive and the increments
    after it; with ``since`` (YYYY-MM-DD), the increments from that day on."""
    found = sorted((m.group(2), m.group(1) != "CNIL", name)
                   for name, m in ((n, _ARCHIVE.match(n)) for n in names) if m)
    if since:
        day = since.replace("-", "")
        return [name for stamp, whole, name in found if not whole and stamp[:8] >= day]
    wholes = [i for i, (_, whole, _) in enumerate(found) if whole]
    if not wholes:
        return [name for _, _, name in found]
    return [found[wholes[-1]][2]] + [name for _, whole, name in found[wholes[-1] + 1:]
                                     if not whole]


def _field(root, path):
    node = root.find(path)
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


_BLOCKS = frozenset(("p", "div", "li", "tr", "td", "th", "table", "ul", "ol", "blockquote",
                     "h1", "h2", "h3", "h4", "h5", "h6"))


def _content(root):
    """The deliberation's text, one line per line of CONTENU: most deliberations are
    written as lines of text separated by ``<br/>`` and line breaks, some in ``<p>``
    paragraphs; both become lines, blank lines dropped."""
    node = root.find("TEXTE/BLOC_TEXTUEL/CONTENU")
    if node is None:
        return ""
    for element in node.iter(etree.Element):
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in _BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    text = "".join(node.itertext(etree.Element))
    return "\n".join(line for line in (" ".join(part.split()) for part in text.split("\n"))
                     if line)


def party_of(full_title):
    match = _PARTY.search(full_title or "")
    return match.group("party").strip(" .") if match else None


class FrCnilSpider(ArchiveSpider):
    name = "fr_cnil"
    title = "CNIL (France): sanctions of the restricted committee (DILA open data)"
    jurisdiction = "FR"
    homepage = LIST_URL
    allowed_domains = ["echanges.dila.gouv.fr"]
    # The whole archive is tens of MB: no size cap below 1 GiB, time to download it.
    custom_settings = {"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                       "DOWNLOAD_MAXSIZE": 1 << 30, "DOWNLOAD_WARNSIZE": 512 << 20,
                       "DOWNLOAD_TIMEOUT": 600}

    async def start(self):
        request = self.list_page(LIST_URL, self.parse_list)
        if request is not None:
            yield request

    def parse_list(self, response):
        names = [href.rsplit("/", 1)[-1] for href in response.css("a::attr(href)").getall()]
        chosen = archives(names, self.since)
        if not any(_ARCHIVE.match(n) for n in names):
            self.list_page_unreadable("the CNIL open-data folder lists no archive: %.200s",
                                      response.text)
            return
        for name in chosen:
            request = self.list_page(response.urljoin(name), self.parse_archive, name=name)
            if request is not None:
                yield request

    def parse_archive(self, response, name):
        try:
            archive = tarfile.open(fileobj=io.BytesIO(response.body), mode="r:gz")
            members = [m for m in archive.getmembers()
                       if m.isfile() and m.name.endswith(".xml") and "CNILTEXT" in m.name]
        except (tarfile.TarError, OSError, EOFError) as exc:
            self.list_page_unreadable("archive %s cannot be read: %s", name, exc)
            return
        if not members:
            self.list_page_unreadable("archive %s holds no deliberation", name)
            return
        for member in members:
            try:
                root = etree.fromstring(archive.extractfile(member).read(), _PARSER)
            except etree.XMLSyntaxError as exc:
                self.logger.error("%s: %s is not XML: %s", name, member.name, exc)
                self.crawler.stats.inc_value("penalty_archive/errors")
                continue
            item = self._item(root, name)
            if item is not None and item["key"] not in self.seen:
                yield item

    def _item(self, root, archive):
        meta = "META/META_SPEC/META_CNIL/"
        if _field(root, meta + "NATURE_DELIB").lower() != "sanction":
            return None
        identifier = _field(root, "META/META_COMMUN/ID")
        if not identifier:
            self.logger.error("%s: a sanction without an ID", archive)
            self.crawler.stats.inc_value("penalty_archive/errors")
            return None
        text = _content(root)
        operative = _OPERATIVE.split(text, maxsplit=1)
        full_title = _field(root, meta + "TITREFULL") or _field(root, meta + "TITRE")
        return raw_item(
            self.name, key=identifier, url=LEGIFRANCE + identifier, title=full_title,
            decision_number=_field(root, meta + "NUMERO") or None,
            party_name=party_of(full_title), authority_name="CNIL",
            decision_date=_field(root, meta + "DATE_TEXTE") or None,
            published_date=_field(root, meta + "DATE_PUBLI") or None,
            jurisdiction=self.jurisdiction, language="fr",
            penalty_text=operative[1].strip() if len(operative) == 2 else None,
            legal_basis_text=operative[1].strip() if len(operative) == 2 else None,
            text="\n".join(filter(None, [full_title, text])),
            listing={"archive": archive, "nature": _field(root, "META/META_COMMUN/NATURE"),
                     "state": _field(root, meta + "ETAT_JURIDIQUE")})


# -- replay ---------------------------------------------------------------------------------

def _xml(d):
    from xml.sax.saxutils import escape

    if d.get("format") == "br":  # lines of text between <br/>, as most deliberations are
        paragraphs = "<br/>\n".join(escape(p) for p in d["text"])
    else:
        paragraphs = "".join("<p>%s</p>" % escape(p) for p in d["text"])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<TEXTE_CNIL><META><META_COMMUN>'
            '<ID>{id}</ID><ANCIEN_ID/><ORIGINE>CNIL</ORIGINE><URL>texte/cnil/{id}.xml</URL>'
            '<NATURE>{nature}</NATURE></META_COMMUN><META_SPEC><META_CNIL>'
            '<TITRE>{title}</TITRE><TITREFULL>{full}</TITREFULL><NUMERO>{number}</NUMERO>'
            '<NATURE_DELIB>{delib}</NATURE_DELIB><DATE_TEXTE>{date}</DATE_TEXTE>'
            '<DATE_PUBLI>{published}</DATE_PUBLI><ETAT_JURIDIQUE>VIGUEUR</ETAT_JURIDIQUE>'
            '</META_CNIL></META_SPEC></META><TEXTE><BLOC_TEXTUEL><CONTENU>{body}</CONTENU>'
            '</BLOC_TEXTUEL></TEXTE></TEXTE_CNIL>').format(
        id=d["id"], nature=escape(d.get("nature", "DELIBERATION")), title=escape(d["title"]),
        full=escape(d["full_title"]), number=escape(d.get("number", "")),
        delib=escape(d["nature_delib"]), date=d["date"], published=d.get("published", ""),
        body=paragraphs).encode("utf-8")


def _targz(files):
    """A byte-stable .tar.gz of {path: bytes}."""
    import gzip

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def replay_exchanges(fixture, corpus):
    """The folder's answers for a replay, from the fixture's ``site.json`` (see its
    README): the directory listing and each archive, made here from its deliberations
    (an archive given as a string is served as those bytes; a deliberation with
    ``"format": "br"`` has its lines separated by ``<br/>``, the others in ``<p>``).
    No demo material."""
    import json
    import os

    from crawler.replay import exchange

    if not fixture:
        return [], {}
    with open(os.path.join(fixture, "site.json"), encoding="utf-8") as f:
        site = json.load(f)
    rows = "".join('<a href="%s">%s</a>  01-Jan-2025 00:00  1M\n' % (name, name)
                   for name in site["archives"])
    listing = ("<html><head><title>Index of /OPENDATA/CNIL</title></head><body>"
               "<h1>Index of /OPENDATA/CNIL</h1><pre>%s</pre></body></html>" % rows)
    exchanges = [exchange("GET", LIST_URL, body=listing.encode("utf-8"),
                          content_type="text/html; charset=utf-8")]
    for name, content in site["archives"].items():
        body = content.encode("utf-8") if isinstance(content, str) else _targz({
            "CNIL/global/CNIL/TEXT/00/00/%s/%s.xml" % (d["id"][-4:], d["id"]): _xml(d)
            for d in content})
        exchanges.append(exchange("GET", LIST_URL + name, body=body,
                                  content_type="application/x-gzip"))
    return exchanges, {}
