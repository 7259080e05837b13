"""Statistics: decisions and fines by year, violation type, authority and region.

Every figure follows the current search filters (the same ``Query`` parameters as the
search page).  Decision counts come from the store's facets (exact); fine totals are
summed from the matching records' ``amount_cny`` with ``Decimal`` (never floats), over at
most ``RECORD_LIMIT`` records, newest first — the page says so when a search matches more.
Charts are SVG drawn on the server, each with a table of the same figures beside it.
"""

import inspect
import re
import threading
import time
import unicodedata
from collections import OrderedDict, defaultdict
from dataclasses import replace
from decimal import Decimal

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from indexer.query import MAX_PAGE_SIZE, Query
from webapp.i18n import region_label, to_decimal, type_label
from webapp.storage import get_store

bp = Blueprint("stats", __name__)

RECORD_LIMIT = 20000
TOP = 15
CACHE_SECONDS = 60
_AUTHORITY_ID = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")
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


def _sum_by(records, keys_of):
    sums, counts = defaultdict(Decimal), defaultdict(int)
    for record in records:
        amount = to_decimal(record.get("amount_cny"))
        for key in keys_of(record):
            if key in (None, ""):
                continue
            counts[key] += 1
            if amount is not None:
                sums[key] += amount
    return sums, counts


def _top_types(record):
    codes = set()
    for code in record.get("violation_types") or []:
        parts = code.split(".")
        codes.update(".".join(parts[:i + 1]) for i in range(len(parts)))
    return codes


DIMENSIONS = [
    ("year", lambda r: [(r.get("decision_date") or r.get("published_date") or "")[:4] or None]),
    ("type", _top_types),
    ("authority", lambda r: [r.get("authority_name")]),
    ("region", lambda r: [r.get("region")]),
]


def compute(store, query):
    facets_result = store.search(replace(query, page=1, page_size=1))
    records, total = matching_records(store, query)
    out = {"total": facets_result.total, "summed": len(records),
           "truncated": len(records) < facets_result.total, "dimensions": {}}
    grand = sum((a for a in (to_decimal(r.get("amount_cny")) for r in records)
                 if a is not None), Decimal(0))
    out["fines_total"] = grand
    out["with_amount"] = sum(1 for r in records if to_decimal(r.get("amount_cny")) is not None)
    for name, keys_of in DIMENSIONS:
        sums, counts = _sum_by(records, keys_of)
        facet = [(v, c) for v, c in facets_result.facets.get(name) or []
                 if not (name == "authority" and _AUTHORITY_ID.match(v))
                 and not (name == "region" and "-" not in v)]  # countries: not regions
        if not facet:
            facet = sorted(counts.items(), key=lambda kv: -kv[1])
        rows = [{"key": str(v), "count": c, "fines": sums.get(str(v), Decimal(0))}
                for v, c in facet]
        if name == "year":
            rows.sort(key=lambda row: row["key"])
        else:
            rows.sort(key=lambda row: -row["count"])
            rows = rows[:TOP]
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
    """Rows with ``share`` (0..1 of the largest value) for an SVG bar chart."""
    largest = max((row[field] for row in rows), default=0) or 1
    return [dict(row, share=float(row[field]) / float(largest)) for row in rows]


@bp.route("/stats")
def index():
    query = Query.from_params(request.args)
    store = get_store()
    figures = cached(("stats", tuple(query.to_params(page=1)), store.count()),
                     lambda: compute(store, query))
    labels = {"year": lambda v: v, "type": type_label, "authority": lambda v: v,
              "region": region_label}
    titles = {"year": _("By year"), "type": _("By violation type"),
              "authority": _("By authority"), "region": _("By region")}
    sections = []
    for name, rows in figures["dimensions"].items():
        rows = [dict(row, label=labels[name](row["key"])) for row in rows]
        sections.append({"name": name, "title": titles[name], "rows": rows,
                         "count_bars": bars(rows, "count"), "fine_bars": bars(rows, "fines")})
    return render_template("stats/index.html", query=query, figures=figures,
                           sections=sections)
