"""Cross-jurisdiction comparison: one violation type, each jurisdiction's decisions and
fines side by side, in euros.

``/compare?type=<code>`` (page) and ``/api/v1/compare?type=<code>`` (JSON, in
:mod:`webapp.api`) give, per
jurisdiction and per jurisdiction and year: the number of decisions, how many carry a
fine, and the lower quartile, median and upper quartile of those fines in EUR, with
representative decisions (the fine nearest the median, the largest, the newest).

A fine in EUR is the record's ``amount_eur`` scaled by ``fine_amount / total_amount`` (the
total is converted at the decision date's ECB reference rate; the fine is its share), so
that confiscations never count as fines. Quartiles interpolate linearly between the
sorted fines (position ``(n - 1) * p``, as numpy's default and ``statistics.quantiles``'
"inclusive" method), to the cent. Every figure is recomputable from ``/search.jsonl``
with the same ``type``.
"""

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from flask import Blueprint, render_template, request

from indexer.query import Query, QueryError
from webapp.i18n import taxonomy
from webapp.stats import cached, matching_records
from webapp.storage import get_store

bp = Blueprint("compare", __name__)

CENT = Decimal("0.01")
REPRESENTATIVES = 3


def fine_eur(record):
    """The fine of a record in EUR (None without a fine or a conversion)."""
    try:
        fine, total = Decimal(record["fine_amount"]), Decimal(record["total_amount"])
        eur = Decimal(record["amount_eur"])
    except (KeyError, TypeError, InvalidOperation):
        return None
    if total <= 0:
        return None
    return (eur * fine / total).quantize(CENT, ROUND_HALF_EVEN)


def quantile(sorted_values, p):
    """Linear interpolation at position (n - 1) * p of sorted Decimals, to the cent."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * Decimal(str(p))
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    value = sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
    return value.quantize(CENT, ROUND_HALF_EVEN)


def summarize(records):
    """count, fined, q1, median, q3 (strings in EUR, None where nothing was fined)."""
    fines = sorted(f for f in (fine_eur(r) for r in records) if f is not None)
    figures = {"count": len(records), "fined": len(fines)}
    for name, p in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
        value = quantile(fines, p)
        figures[name] = None if value is None else str(value)
    return figures


def representatives(records, median):
    """Up to three decisions: the fine nearest the median, the largest, the newest."""
    fined = [(fine_eur(r), r) for r in records]
    fined = [(f, r) for f, r in fined if f is not None]
    chosen = []
    if fined:
        target = Decimal(median)
        chosen.append(min(fined, key=lambda fr: (abs(fr[0] - target), fr[1]["id"]))[1])
        chosen.append(max(fined, key=lambda fr: (fr[0], fr[1]["id"]))[1])
    newest = sorted(records, key=lambda r: (r.get("decision_date") or r.get("published_date")
                                            or "", r["id"]), reverse=True)
    chosen.extend(newest[:1])
    out, seen = [], set()
    for record in chosen:
        if record["id"] not in seen:
            seen.add(record["id"])
            out.append(record)
    return out[:REPRESENTATIVES]


def compare(store, code):
    records, total = matching_records(store, Query(types=(code,)), limit=10 ** 7)
    by_jurisdiction = defaultdict(list)
    for record in records:
        by_jurisdiction[record.get("jurisdiction") or "unknown"].append(record)
    rows = []
    for jurisdiction, group in by_jurisdiction.items():
        years = defaultdict(list)
        for record in group:
            year = (record.get("decision_date") or record.get("published_date") or "")[:4]
            years[year or "unknown"].append(record)
        figures = summarize(group)
        rows.append(dict(figures, jurisdiction=jurisdiction,
                         years=[dict(summarize(years[y]), year=y) for y in sorted(years)],
                         representative=[
                             {"id": r["id"], "title": r.get("title"),
                              "party_name": r.get("party_name"),
                              "decision_date": r.get("decision_date"),
                              "fine_eur": None if fine_eur(r) is None else str(fine_eur(r))}
                             for r in representatives(group, figures["median"] or "0")]))
    rows.sort(key=lambda row: (-row["count"], row["jurisdiction"]))
    return {"type": code, "currency": "EUR", "total": total, "jurisdictions": rows}


def cached_compare(store, code):
    return cached(("compare", code, store.count()), lambda: compare(store, code))


def type_param(required=False):
    """The violation type asked for (a code of the taxonomy)."""
    code = request.args.get("type", "").strip()
    if required and not code:
        raise QueryError("type", "name a violation type, e.g. type=pi.lawful_basis")
    if code and code not in taxonomy():
        raise QueryError("type", "unknown violation type %r" % code[:60])
    return code


@bp.route("/compare")
def page():
    code = type_param()
    store = get_store()
    figures = cached_compare(store, code) if code else None
    return render_template("compare/index.html", code=code, figures=figures,
                           codes=sorted(c for c in taxonomy() if c.startswith("pi.")))
