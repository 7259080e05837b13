"""Statistics: decisions and fines by year, violation type, authority and region.

Every figure follows the current search filters (the same ``Query`` parameters as the
search page).  Decision counts come from the store's facets (exact); fine totals are
summed from the matching records' ``amount_cny`` with ``Decimal`` (never floats), over at
most ``RECORD_LIMIT`` records, newest first — the page says so when a search matches more.
Charts are SVG drawn on the server, each with a table of the same figures beside it.
"""

import inspect
import statistics
import threading
import time
import unicodedata
from collections import OrderedDict, defaultdict
from dataclasses import replace
from decimal import Decimal

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from indexer.query import MAX_PAGE_SIZE, TYPE_NONE
from webapp.i18n import region_label, to_decimal, type_label
from webapp.search import parse_query
from webapp.storage import get_store

bp = Blueprint("stats", __name__)

RECORD_LIMIT = 20000
TOP = 15
CACHE_SECONDS = 60
CENT = Decimal("0.01")
_cache = OrderedDict()
_cache_lock = threading.Lock()


def matching_records(store, query, limit=RECORD_LIMIT):
    """(records, total): the records a query matches, newest first, at most ``limit``."""
    query = replace(query, sort="newest", page=1, page_size=MAX_PAGE_SIZE)
    records, total = [], None
    while len(records) < limit:
        kwargs = {"facets": False} if _takes_facets(store) else {}
        result = store.search(query, **kwargs)
        total = result.total if total is None else total
        records.extend(hit.record for hit in result.hits)
        if len(result.hits) < query.page_size or len(records) >= total:
            break
        query = replace(query, page=query.page + 1)
    return records[:limit], total or 0


def _takes_facets(store):
    try:
        return "facets" in inspect.signature(store.search).parameters
    except (TypeError, ValueError):
        return False


def cached(key, compute):
    """A small per-process cache (the archive changes when it is re-indexed)."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    value = compute()
    with _cache_lock:
        _cache[key] = (now, value)
        while len(_cache) > 64:
            _cache.popitem(last=False)
    return value


def amount_cny(record, field):
    """A record's ``fine_amount`` or ``confiscation_amount`` in CNY (Decimal), or None
    when unknown.  An amount in another currency is converted at the rate of the record's
    own conversion (``amount_cny / total_amount``), to the fen."""
    value = to_decimal(record.get(field))
    if value is None or record.get("currency") == "CNY":
        return value
    total, converted = to_decimal(record.get("total_amount")), to_decimal(record.get("amount_cny"))
    if not total or converted is None:
        return None
    return (value * converted / total).quantize(CENT)


def group_keys(name, record):
    """The values of dimension ``name`` a record counts under (None: unknown)."""
    if name == "year":
        return [(record.get("decision_date") or record.get("published_date") or "")[:4] or None]
    if name == "type":
        codes = set()
        for code in record.get("violation_types") or []:
            parts = code.split(".")
            codes.update(".".join(parts[:i + 1]) for i in range(len(parts)))
        return sorted(codes) or [TYPE_NONE]
    if name == "authority":
        return [record.get("authority_name") or None]
    return [record.get("region") or None]


def figures_of(records):
    """{count, fines, confiscations, total, median_fine, with_fine, with_confiscation,
    with_total} of some records; a sum over no known amount is None (unknown), not 0."""
    fines = [a for a in (amount_cny(r, "fine_amount") for r in records) if a is not None]
    confiscations = [a for a in (amount_cny(r, "confiscation_amount") for r in records)
                     if a is not None]
    totals = [a for a in (to_decimal(r.get("amount_cny")) for r in records) if a is not None]
    return {"count": len(records),
            "fines": sum(fines, Decimal(0)) if fines else None,
            "confiscations": sum(confiscations, Decimal(0)) if confiscations else None,
            "total": sum(totals, Decimal(0)) if totals else None,
            "median_fine": statistics.median(fines) if fines else None,
            "with_fine": len(fines), "with_confiscation": len(confiscations),
            "with_total": len(totals)}


DIMENSIONS = ("year", "type", "authority", "region")


def compute(store, query):
    """Every figure of the statistics page and ``/api/v1/stats`` for a search: the
    figures of all matching decisions ("all") and, per year, type, authority and region,
    one row of figures per value (``value`` None: not known)."""
    facets_result = store.search(replace(query, page=1, page_size=1))
    records, total = matching_records(store, query)
    truncated = len(records) < facets_result.total
    out = {"total": facets_result.total, "summed": len(records), "truncated": truncated,
           "all": figures_of(records), "dimensions": {}}
    out["all"]["count"] = facets_result.total
    for name in DIMENSIONS:
        groups = defaultdict(list)
        for record in records:
            for key in group_keys(name, record):
                groups[key].append(record)
        exact = dict(facets_result.facets.get(name) or []) if truncated else {}
        rows = []
        for key, members in groups.items():
            row = dict(figures_of(members), value=key)
            if key in exact:
                row["count"] = exact[key]  # the facet counts every matching decision
            rows.append(row)
        if name == "year":
            rows.sort(key=lambda row: (row["value"] is None, row["value"] or ""))
        else:
            rows.sort(key=lambda row: (row["value"] is None, -row["count"], row["value"]))
        out["dimensions"][name] = rows
    return out


@bp.app_template_filter("fit")
def fit(text, units):
    """``text`` cut to ``units`` half-width columns (a Han character takes two), with "…"."""
    text, used = str(text), 0
    for i, ch in enumerate(text):
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > units:
            return text[:max(i - 1, 0)] + "…"
    return text


def bars(rows, field):
    """Rows with ``share`` (0..1 of the largest value) for an SVG bar chart; an unknown
    value draws no bar."""
    largest = max((row[field] or 0 for row in rows), default=0) or 1
    return [dict(row, share=float(row[field] or 0) / float(largest)) for row in rows]


def cached_figures(store, query):
    return cached(("stats", tuple(query.to_params(page=1)), store.count()),
                  lambda: compute(store, query))


@bp.route("/stats", strict_slashes=False)
def index():
    query = parse_query(request.args)
    figures = cached_figures(get_store(), query)
    labels = {"year": lambda v: v, "authority": lambda v: v, "region": region_label,
              "type": lambda v: _("Unclassified") if v == TYPE_NONE else type_label(v)}
    titles = {"year": _("By year"), "type": _("By violation type"),
              "authority": _("By authority"), "region": _("By region")}
    sections = []
    for name, rows in figures["dimensions"].items():
        rows = rows if name == "year" else rows[:TOP]
        rows = [dict(row, label=_("unknown") if row["value"] is None
                     else labels[name](row["value"])) for row in rows]
        sections.append({"name": name, "title": titles[name], "rows": rows,
                         "count_bars": bars(rows, "count"), "fine_bars": bars(rows, "fines")})
    return render_template("stats/index.html", query=query, figures=figures,
                           sections=sections)
