"""Search page: one query box, facets with counts, removable filter chips, sort, results.

The URL holds the whole state (``Query.to_params``), so every page is shareable; links
that add or remove a filter are built from the current query with one change.
"""

import re

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from indexer.query import Query
from webapp import reading
from webapp.i18n import PENALTY_LABELS, format_amount, region_label, type_label
from webapp.storage import get_store

bp = Blueprint("search", __name__)

SORTS = [("relevance", _l("Relevance")), ("newest", _l("Newest")), ("oldest", _l("Oldest")),
         ("amount_desc", _l("Largest fine")), ("amount_asc", _l("Smallest fine"))]
FACET_LIMIT = 12
_AUTHORITY_ID = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")


@bp.route("/")
@bp.route("/search")
def index():
    typed = Query.from_params(request.args)
    query, read = reading.understand(typed)
    store = get_store()
    result = store.search(query)
    pages = max(1, -(-result.total // query.page_size))
    feed_url = search_url(query, endpoint="feeds.decisions", page=1)
    suggestions = reading.suggestions(store, typed, query, read, link) \
        if not result.total else []
    return render_template("search/index.html", query=query, result=result, pages=pages,
                           sorts=SORTS, facets=facet_panels(query, result.facets),
                           chips=chips(query), feed_url=feed_url, typed=typed,
                           reading=reading.describe(read) if read else None,
                           literal_url=reading.literal_url(typed) if read else None,
                           suggestions=suggestions)


def _multi(params):
    """[(name, value)] -> {name: [values]} for url_for."""
    out = {}
    for name, value in params:
        out.setdefault(name, []).append(value)
    return out


def link(query, **changes):
    """A search URL for ``query`` with ``changes``, back on page 1."""
    changes.setdefault("page", 1)
    return search_url(query, **changes)


@bp.app_template_global()
def search_url(query, endpoint="search.index", **changes):
    """The URL of ``endpoint`` (search, statistics, feed) for ``query`` with ``changes``."""
    return url_for(endpoint, **_multi(query.to_params(**changes)))


def type_tree(query, values):
    """The type facet as a tree: [{code, label, count, url, selected, children}]."""
    nodes = {}
    roots = []
    for code, count in sorted(values, key=lambda v: v[0]):
        node = {"code": code, "label": type_label(code), "count": count, "children": [],
                "selected": code in query.types,
                "url": link(query, types=tuple(t for t in query.types if t != code))
                if code in query.types else link(query, types=query.types + (code,))}
        nodes[code] = node
        parent = code.rpartition(".")[0]
        (nodes[parent]["children"] if parent in nodes else roots).append(node)
    roots.sort(key=lambda n: -n["count"])
    return roots


def _band(value):
    low, _, high = value.partition("-")
    return low, high


def band_label(value, currency):
    low, high = _band(value)
    if not high:
        return _("%(low)s or more", low=format_amount(low, currency))
    return "%s – %s" % (format_amount(low, currency), format_amount(high, currency))


def facet_panels(query, facets):
    """Facet panels in display order: [{name, title, items | tree}]."""
    panels = []
    if facets.get("type"):
        panels.append({"name": "type", "title": _("Violation type"),
                       "tree": type_tree(query, facets["type"])})
    simple = [
        ("authority", _("Authority"), lambda v: v),
        ("region", _("Region"), region_label),
        ("year", _("Year"), lambda v: v),
        ("penalty", _("Penalty"), lambda v: PENALTY_LABELS.get(v, v)),
    ]
    for name, title, label in simple:
        items = []
        current = str(getattr(query, name) or "")
        for value, count in facets.get(name) or []:
            if name == "authority" and _AUTHORITY_ID.match(value):
                continue  # the same bodies are listed by name
            selected = value == current
            items.append({"label": label(value), "count": count, "selected": selected,
                          "url": link(query, **{name: "" if name != "year" else None})
                          if selected else link(query, **{name: int(value) if name == "year"
                                                          else value})})
        if items:
            panels.append({"name": name, "title": title, "items": items[:FACET_LIMIT]})
    bands = []
    for value, count in facets.get("amount") or []:
        low, high = _band(value)
        selected = (query.min_amount is not None and str(query.min_amount) == low
                    and str(query.max_amount or "") == high)
        bands.append({"label": band_label(value, query.currency), "count": count,
                      "selected": selected,
                      "url": link(query, min_amount=None, max_amount=None) if selected else
                      link(query, min_amount=low, max_amount=high or None)})
    if bands:
        panels.append({"name": "amount", "items": bands,
                       "title": _("Amount (%(currency)s)", currency=query.currency)})
    sources = [{"label": value, "count": count, "selected": value == query.source,
                "url": link(query, source="" if value == query.source else value)}
               for value, count in facets.get("source") or []]
    if sources:
        panels.append({"name": "source", "title": _("Source"), "items": sources})
    return panels


def chips(query):
    """The active filters, each with a link that removes it."""
    out = []
    if query.q:
        out.append((_("Words"), query.q, link(query, q="")))
    for code in query.types:
        out.append((_("Violation type"), type_label(code),
                    link(query, types=tuple(t for t in query.types if t != code))))
    for name, title, label in (("authority", _("Authority"), None),
                               ("region", _("Region"), region_label),
                               ("jurisdiction", _("Country"), region_label),
                               ("source", _("Source"), None),
                               ("penalty", _("Penalty"), lambda v: PENALTY_LABELS.get(v, v)),
                               ("party", _("Party"), None)):
        value = getattr(query, name, "")
        if value:
            out.append((title, label(value) if label else value, link(query, **{name: ""})))
    if query.year:
        out.append((_("Year"), str(query.year), link(query, year=None)))
    if query.date_from:
        out.append((_("From"), query.date_from, link(query, date_from=None)))
    if query.date_to:
        out.append((_("To"), query.date_to, link(query, date_to=None)))
    if query.min_amount is not None or query.max_amount is not None:
        value = band_label("%s-%s" % (query.min_amount or 0, query.max_amount or ""),
                           query.currency)
        out.append((_("Amount"), value, link(query, min_amount=None, max_amount=None)))
    return out
