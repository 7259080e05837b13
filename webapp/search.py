"""Search page: one query box, facets with counts, removable filter chips, sort, results.

The URL holds the whole state (``Query.to_params``), so every page is shareable; links
that add or remove a filter are built from the current query with one change.
"""

import re
import threading
import time

from babel import Locale
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from indexer.datadir import known_sources
from indexer.query import (
    AMOUNT_UNKNOWN,
    TYPE_NONE,
    Query,
    QueryError,
    check_known,
    facet_choices,
)
from webapp import reading
from webapp.i18n import (
    PENALTY_LABELS,
    _region_names,
    format_amount,
    region_label,
    taxonomy,
    type_label,
)
from webapp.storage import get_store

bp = Blueprint("search", __name__)

SORTS = [("relevance", _l("Relevance")), ("newest", _l("Newest")), ("oldest", _l("Oldest")),
         ("amount_desc", _l("Largest fine")), ("amount_asc", _l("Smallest fine"))]
FACET_LIMIT = 12
KNOWN_SECONDS = 60
_AUTHORITY_ID = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")
_known = {}
_known_lock = threading.Lock()


def known_values(store):
    """{param: values a filter can take}: the taxonomy, the regions the site names, the
    sources crawled, countries, and whatever the archive holds (refreshed every minute)."""
    with _known_lock:
        hit = _known.get(id(store))
        if hit and time.monotonic() - hit[0] < KNOWN_SECONDS:
            return hit[1]
    facets = store.search(Query(page_size=1)).facets
    held = {name: {str(v) for v, _ in facets.get(name) or []}
            for name in ("type", "source", "region", "jurisdiction")}
    known = {"type": held["type"] | set(taxonomy()),
             "source": held["source"] | set(known_sources(current_app.config["DATA_DIR"])),
             "region": held["region"] | held["jurisdiction"] | set(_region_names()["en"])
             | set(Locale("en").territories),
             "jurisdiction": held["jurisdiction"] | set(Locale("en").territories)}
    with _known_lock:
        _known[id(store)] = (time.monotonic(), known)
    return known


def parse_query(args):
    """The request's Query; a value no decision can have is a 400 naming it (``q`` when
    the value came from a ``name:value`` word in it)."""
    query = Query.from_params(args)
    try:
        check_known(query, known_values(get_store()))
    except QueryError as error:
        if not args.get(error.param) and args.get("q"):
            raise QueryError("q", "%s:%s" % (error.param, error.message)) from None
        raise
    return query


class PastTheEnd(Exception):
    """A page after the last page of results (a 404 that links the last page)."""

    def __init__(self, last_url):
        super().__init__(last_url)
        self.last_url = last_url


@bp.app_errorhandler(PastTheEnd)
def past_the_end(error):
    return render_template("errors/404.html", last_url=error.last_url), 404


@bp.route("/")
@bp.route("/search")
def index():
    typed = parse_query(request.args)
    query, read = reading.understand(typed)
    store = get_store()
    result = store.search(query)
    pages = max(1, -(-result.total // query.page_size))
    if query.page > pages:
        raise PastTheEnd(search_url(query, page=pages))
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
    """The URL of ``endpoint`` (search, statistics, feed) for ``query`` with ``changes``
    (``extra`` parameters, such as ``bom``, are added as they are)."""
    extra = changes.pop("extra", {})
    return url_for(endpoint, **_multi(query.to_params(**changes)), **extra)


def type_tree(items):
    """The type facet as a tree: [{code, label, count, url, selected, children}]."""
    nodes, roots = {}, []
    for item in sorted(items, key=lambda item: item["value"]):
        code = item["value"]
        node = dict(item, code=code, children=[])
        nodes[code] = node
        parent = code.rpartition(".")[0]
        (nodes[parent]["children"] if parent in nodes else roots).append(node)
    roots.sort(key=lambda n: (n["code"] == TYPE_NONE, -n["count"]))
    return roots


def band_label(value, currency):
    if value == AMOUNT_UNKNOWN:
        return _("Amount unknown")
    low, _sep, high = value.partition("-")
    if not high:
        return _("%(low)s or more", low=format_amount(low, currency))
    return _("%(low)s to under %(high)s", low=format_amount(low, currency),
             high=format_amount(high, currency))


def facet_label(name, value, currency):
    if name == "type":
        return _("Unclassified") if value == TYPE_NONE else type_label(value)
    if name in ("region", "jurisdiction"):
        return region_label(value)
    if name == "penalty":
        return PENALTY_LABELS.get(value, value)
    if name == "amount":
        return band_label(value, currency)
    return value


TITLES = [("type", _l("Violation type")), ("authority", _l("Authority")),
          ("region", _l("Region")), ("jurisdiction", _l("Country")), ("year", _l("Year")),
          ("penalty", _l("Penalty")), ("amount", None), ("source", _l("Source"))]


def facet_panels(query, facets):
    """Facet panels in display order: [{name, title, items | tree}]; every value links to
    the search that selects it (or, when selected, that removes it), and its count is
    the total of that search."""
    choices = facet_choices(query, facets)
    panels = []
    for name, title in TITLES:
        items = [{"value": value, "label": facet_label(name, value, query.currency),
                  "count": count, "selected": selected, "url": search_url(toggled)}
                 for value, count, selected, toggled in choices.get(name) or []
                 if not (name == "authority" and _AUTHORITY_ID.match(value))]
        if not items:
            continue
        if name == "amount":
            title = _("Amount (%(currency)s)", currency=query.currency)
        panel = {"name": name, "title": title}
        if name == "type":
            panel["tree"] = type_tree(items)
        else:
            panel["items"] = items if name in ("amount", "source") else items[:FACET_LIMIT]
        panels.append(panel)
    return panels


def chips(query):
    """The active filters, each with a link that removes it."""
    out = []
    if query.q:
        out.append((_("Words"), query.q, link(query, q="")))
    for code in query.types:
        out.append((_("Violation type"), facet_label("type", code, query.currency),
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
    if query.min_amount is not None:
        out.append((_("Smallest amount"), format_amount(query.min_amount, query.currency),
                    link(query, min_amount=None)))
    if query.max_amount is not None:
        out.append((_("Largest amount"), format_amount(query.max_amount, query.currency),
                    link(query, max_amount=None)))
    if query.amount:
        out.append((_("Amount"), band_label(query.amount, query.currency),
                    link(query, amount="")))
    return out
