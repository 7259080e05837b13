"""China: the provincial communications administrations (省、自治区、直辖市通信管理局),
which publish notices on apps that infringe users' rights (侵害用户权益行为的 App 通报)
in the same form as the Ministry of Industry and Information Technology's: a notice, and
its list of apps (app, developer, version, store, problems found).

Pages crawled: each administration's site ``https://<prefix>ca.miit.gov.cn`` runs the
MIIT site's CMS, so the MIIT reader of ``cn_cac_miit`` reads it unchanged: the column page
(``queryData`` attribute), ``GET /api-gateway/jpaas-publish-server/front/page/build/unit``
on the same host for its list pages, notice pages ``.../art/<year>/art_<hex>.html``, the
app list as an HTML table, pictures (OCR) or a PDF.  The notice body is ``#article`` on
the provincial sites (``.xxgk-wzy`` on Heilongjiang's).  The provinces, their hosts and
the columns read are data, ``data/cn_ca_provinces.yaml``; ``-a provinces=江苏,重庆``
crawls some of them (default: all listed); ``-a quiet_pages=N`` sets how far a walk goes
on through pages without a notice.

A provincial column (工作动态) holds news as well as notices: entries are kept by the
notice-title filter of ``cn_cac_miit``, and a list page without any notice does not end
the walk (the page after it may hold one) unless ``quiet_pages`` such pages came in a
row.  A column page that cannot be read (an HTTP error, no ``queryData``) fails the crawl,
naming its address.

How a notice becomes decisions, and the document formats: as for ``cn_cac_miit``; the
authority is the province's administration (its name resolves to the province's region).
"""

import os
from urllib.parse import urlsplit

import yaml

from crawler.spiders.cn_cac_miit import CnCacMiitSpider, is_notice_title, notice_id

PROVINCES = os.path.join(os.path.dirname(__file__), "data", "cn_ca_provinces.yaml")


with open(PROVINCES, encoding="utf-8") as _f:
    CONFIG = yaml.safe_load(_f)
QUIET_PAGES = CONFIG["quiet_pages"]


def configured_provinces():
    """{short name: {"name", "host", "columns"}} of the configured administrations."""
    return {short: {"name": entry["name"], "host": entry["host"],
                    "columns": ["https://%s/%s" % (entry["host"], c) for c in entry["columns"]]}
            for short, entry in CONFIG["provinces"].items()}


class CnCaProvincesSpider(CnCacMiitSpider):
    name = "cn_ca_provinces"
    title = "各省通信管理局 App 侵害用户权益通报 (provincial communications administrations)"
    allowed_domains = ["miit.gov.cn"]
    BODY_SELECTORS = ("#article", ".xxgk-wzy") + CnCacMiitSpider.BODY_SELECTORS

    def __init__(self, since=None, max_pages=None, provinces=None, quiet_pages=None, *args,
                 **kwargs):
        super().__init__(since, max_pages, *args, **kwargs)
        known = configured_provinces()
        names = provinces.split(",") if provinces and provinces != "all" else list(known)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError("unknown provinces: %s (known: %s)"
                             % (", ".join(unknown), ", ".join(known)))
        self.provinces = {n: known[n] for n in names}
        self.hosts = {p["host"]: p["name"] for p in self.provinces.values()}
        self.quiet_pages = int(quiet_pages) if quiet_pages else QUIET_PAGES
        self.quiet = {}  # column: list pages in a row without a notice

    async def start(self):
        for province in self.provinces.values():
            for column in province["columns"]:
                request = self.list_page(column, self.parse_miit_column)
                if request is not None:
                    yield request

    def _list_goes_on(self, entries, column=None):
        """A page of a news column may hold no notice: the walk goes on past it, for at
        most ``quiet_pages`` such pages in a row, and stops at a page older than --since
        or whose notices are all archived."""
        if not entries:
            return False
        if self.since and all(day and day < self.since for _, _, day in entries):
            return False
        notices = [url for url, title, _ in entries if is_notice_title(title)]
        if notices:
            self.quiet[column] = 0
            return any(notice_id(url) not in self.seen for url in notices)
        self.quiet[column] = self.quiet.get(column, 0) + 1
        return self.quiet[column] <= self.quiet_pages

    def _parse_orgs(self, response, body):
        """The administration whose site it is: its notices are its own (the ministry or
        other bodies they name are the campaign's, not co-issuers)."""
        own = self.hosts.get(urlsplit(response.url).hostname)
        return [own] if own else super()._parse_orgs(response, body)


# -- replay ---------------------------------------------------------------------------------

def replay_exchanges(fixture, corpus):
    """The sites' answers for a replay, from the fixture's ``site.json`` (see its README):
    per column, its entries newest first (title, url, date, and for a notice the file of
    its body), answered as the CMS answers: the column page, the list endpoint's JSON
    pages, the notice pages; a column given as a file name is answered with that file.
    The corpus has no provincial material: no demo."""
    import json

    from crawler.replay import exchange
    from crawler.spiders.cn_cac_miit import (
        MIIT_PAGE_SIZE,
        MIIT_QUERY_DATA,
        _e,
        _miit_column_page,
        _miit_list_fragment,
        miit_list_url,
    )

    if not fixture:
        return [], {}
    with open(os.path.join(fixture, "site.json"), encoding="utf-8") as f:
        site = json.load(f)
    html_type = "text/html; charset=utf-8"
    exchanges = []
    for column, entries in site["columns"].items():
        if isinstance(entries, str):
            with open(os.path.join(fixture, entries), "rb") as f:
                exchanges.append(exchange("GET", column, body=f.read(), content_type=html_type))
            continue
        exchanges.append(exchange("GET", column, body=_miit_column_page(),
                                  content_type=html_type))
        pages = max(1, -(-len(entries) // MIIT_PAGE_SIZE))
        for page in range(1, pages + 1):
            chunk = entries[(page - 1) * MIIT_PAGE_SIZE:page * MIIT_PAGE_SIZE]
            exchanges.append(exchange("GET", miit_list_url(MIIT_QUERY_DATA, page, column),
                                      json_body={"success": True, "data": {
                                          "html": _miit_list_fragment(chunk, len(entries))}}))
        for entry in entries:
            if not entry.get("body"):
                continue
            with open(os.path.join(fixture, entry["body"]), encoding="utf-8") as f:
                body = f.read()
            # the provincial page: title, publication line, body in #article (Heilongjiang:
            # .xxgk-wzy)
            box = 'class="xxgk-wzy"' if "//hljca." in entry["url"] else 'id="article"'
            page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head>'
                    '<body><h1 id="con_title">%s</h1><div class="cinfo"><span>发布时间：%s'
                    '</span></div><div %s>%s</div></body></html>'
                    % (_e(entry["title"]), _e(entry["title"]), _e(entry["date"]), box, body))
            exchanges.append(exchange("GET", entry["url"], body=page.encode("utf-8"),
                                      content_type=html_type))
    return exchanges, {"provinces": ",".join(site["provinces"])}
