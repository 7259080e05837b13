"""Compliance guides, one per violation type: /guides/<code> (simplified) and ?view=full.

A guide is built from the decisions that carry the code (or a code below it): what
conduct was penalized (representative decisions, the reasons the classifier gave), the
provisions most often cited with their wording as printed, the penalties imposed, and the
distribution of fines (median, quartiles, maximum) by kind of party, computed with
``Decimal`` in each decision's own currency.  A type without decisions gets an honest
empty page.  The list of types is the taxonomy (DESIGN.md) plus any code the records carry.
"""

import re
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

from flask import Blueprint, abort, render_template, request

from indexer.query import Query
from webapp.i18n import taxonomy, to_decimal, type_label
from webapp.stats import cached, matching_records
from webapp.storage import get_store

bp = Blueprint("guides", __name__)

_CODE = re.compile(r"^[a-z]+(\.[a-z_]+)*$")
GUIDE_RECORD_LIMIT = 5000
PARTY_KIND_ORDER = ["company", "individual_business", "natural_person", "public_body", "other",
                    None]
SIZES = {"simplified": {"examples": 3, "provisions": 5, "evidence": 5},
         "full": {"examples": 20, "provisions": 30, "evidence": 30}}


def known_codes(store):
    """Taxonomy codes, plus codes the archive's records carry, with decision counts."""
    counts = dict(store.search(Query(page_size=1)).facets.get("type") or [])
    codes = list(taxonomy())
    codes += sorted(c for c in counts if c not in taxonomy())
    return [(code, counts.get(code, 0)) for code in codes]


def distribution(amounts):
    """{n, min, q1, median, q3, max} of Decimal amounts (quartiles: inclusive method)."""
    data = sorted(amounts)
    if not data:
        return None
    out = {"n": len(data), "min": data[0], "max": data[-1],
           "median": statistics.median(data)}
    if len(data) >= 2:
        q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
        out.update(q1=q1, q3=q3)
    else:
        out.update(q1=data[0], q3=data[0])
    return out


def fine_distributions(records):
    """[{party_kind, currency, n, min, q1, median, q3, max}] for decisions with a fine."""
    groups = defaultdict(list)
    for record in records:
        amount = to_decimal(record.get("fine_amount"))
        if amount is None or amount <= 0 or not record.get("currency"):
            continue
        groups[(record.get("party_kind"), record["currency"])].append(amount)
    rows = []
    for (kind, currency), amounts in groups.items():
        rows.append(dict(distribution(amounts), party_kind=kind, currency=currency))
    order = {k: i for i, k in enumerate(PARTY_KIND_ORDER)}
    rows.sort(key=lambda r: (order.get(r["party_kind"], 99), r["currency"]))
    return rows


def cited_provisions(records):
    """Provisions cited, most often first: [{law, article, count, wording, role}]."""
    counts, wording, roles = Counter(), {}, defaultdict(Counter)
    for record in records:
        seen = set()
        for citation in record.get("legal_basis") or []:
            law = citation.get("law")
            key = (law, citation.get("article")) if law else (None, citation.get("raw"))
            if not key[1] or key in seen:
                continue
            seen.add(key)
            counts[key] += 1
            wording.setdefault(key, citation.get("raw"))
            roles[key][citation.get("role")] += 1
    return [{"law": law, "article": article if law else None, "count": n,
             "wording": wording[(law, article)],
             "role": roles[(law, article)].most_common(1)[0][0]}
            for (law, article), n in counts.most_common()]


def representative(records, count):
    """Decisions that show the conduct best: full document first, then largest fine, newest."""
    newest = sorted(records, key=lambda r: r.get("decision_date") or "", reverse=True)
    return sorted(newest, key=lambda r: (
        bool(r.get("document_pending")) or not r.get("full_text"),
        -(to_decimal(r.get("amount_cny")) or Decimal(0))))[:count]


def evidence(records, code):
    """The reasons the classifier gave for this code, most frequent first."""
    reasons = Counter()
    for record in records:
        for assigned, why in (record.get("violation_evidence") or {}).items():
            if why and (assigned == code or assigned.startswith(code + ".")):
                reasons[why] += 1
    return reasons.most_common()


def build(store, code):
    records, total = matching_records(store, Query(types=(code,)), GUIDE_RECORD_LIMIT)
    penalties = Counter(kind for r in records for kind in r.get("penalty_kinds") or [])
    subtypes = Counter(c for r in records for c in r.get("violation_types") or []
                       if c.startswith(code + "."))
    return {"records": records, "total": total, "truncated": len(records) < total,
            "penalties": penalties.most_common(), "subtypes": subtypes.most_common(),
            "fines": fine_distributions(records), "provisions": cited_provisions(records),
            "evidence": evidence(records, code),
            "with_document": sum(1 for r in records if r.get("full_text"))}


@bp.route("/guides/")
def index():
    store = get_store()
    codes = cached(("guides", store.count()), lambda: known_codes(store))
    return render_template("guides/index.html", codes=codes)


@bp.route("/guides/<code>")
def show(code):
    if not _CODE.match(code) or len(code) > 80:
        abort(404)
    store = get_store()
    if code not in taxonomy() and code not in dict(known_codes(store)):
        abort(404)
    view = request.args.get("view", "simplified")
    if view not in SIZES:
        view = "simplified"
    guide = cached(("guide", code, store.count()), lambda: build(store, code))
    sizes = SIZES[view]
    parent = code.rpartition(".")[0]
    return render_template(
        "guides/show.html", code=code, label=type_label(code), view=view, guide=guide,
        examples=representative(guide["records"], sizes["examples"]),
        provisions=guide["provisions"][:sizes["provisions"]],
        reasons=guide["evidence"][:sizes["evidence"]],
        parent=parent if parent in taxonomy() else None,
        children=[c for c in taxonomy() if c.rpartition(".")[0] == code])
