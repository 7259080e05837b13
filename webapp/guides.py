"""Compliance guides, one per violation type: /guides/<code> (simplified) and ?view=full.

A guide says, for one violation type:

- **What the law requires**: the provisions whose duties its decisions most often found
  broken, quoted from the shipped law texts (:mod:`indexer.normalize.laws`, the version in
  force today) and followed by a reviewed check item in Chinese and English
  (``data/guides.yaml``, never generated at request time).
- **What was penalized**: the conduct patterns, grouped by the phrase or provision that
  classified each decision, with short quotes from decisions (their masked text) and links.
- **What it cost, by size**: fines and confiscations by size of party (individual
  businesses, natural persons, companies by registered capital where the document states
  it, large or listed companies), in each decision's currency, beside the fines the cited
  penalty provisions allow.
- **What reduced it**: how many decisions lightened, reduced or waived the penalty, and the
  reasons they gave (first offence, prompt rectification, cooperation, minor harm).
- **Trend**: decisions and median fines (in CNY, converted at the decision date's rate) by
  year and by region.
- **The other side**: the same type in other jurisdictions (fines in EUR, /compare).

The simplified view is one printable page for a shopkeeper or a small app developer (the
checks, the typical outcome by size, what lightened penalties); the full view is for
compliance officers. Both print to PDF from the browser (a print stylesheet). Every
figure is computed from the decisions a search for the type returns, so it can be
recomputed from ``/search.jsonl?type=<code>`` (tests/webapp/test_guides.py does). A guide
with fewer than ``MIN_DECISIONS`` decisions says so instead of showing thin figures.
"""

import os
import re
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import yaml
from flask import Blueprint, abort, render_template, request

from indexer.normalize import laws
from indexer.query import Query
from webapp.compare import quantile
from webapp.i18n import current_language, taxonomy, to_decimal, type_label
from webapp.stats import cached, matching_records
from webapp.storage import get_store

bp = Blueprint("guides", __name__)

_CODE = re.compile(r"^[a-z]+(\.[a-z_]+)*$")
DATA = os.path.join(os.path.dirname(__file__), "data", "guides.yaml")
GUIDE_RECORD_LIMIT = 20000
MIN_DECISIONS = 10
QUOTE_CHARS = 90
SIZES = {"simplified": {"examples": 3, "patterns": 4, "quotes": 2, "regions": 0},
         "full": {"examples": 12, "patterns": 20, "quotes": 3, "regions": 15}}
_CAPITAL = re.compile(r"注册资本[：:\s]*(?:人民币)?\s*([0-9][0-9,，.]*)\s*(亿元|万元|元)")
_UNITS = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")


@lru_cache(maxsize=1)
def data():
    with open(DATA, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _in(code, parent):
    return code == parent or code.startswith(parent + ".")


# -- parties by size --------------------------------------------------------------------------

def registered_capital(text):
    """The registered capital a decision states (CNY, Decimal), or None."""
    m = _CAPITAL.search(text or "")
    if not m:
        return None
    try:
        return Decimal(m.group(1).replace(",", "").replace("，", "")) * _UNITS[m.group(2)]
    except InvalidOperation:
        return None


def size_class(record):
    kind = record.get("party_kind")
    if kind in ("individual_business", "natural_person"):
        return kind
    if kind != "company":
        return "other"
    capital = registered_capital(record.get("full_text"))
    listed = record.get("source") == "cn_csrc" and (record.get("party_name") or "").endswith(
        "股份有限公司")
    if listed or (capital is not None and capital >= 50000000):
        return "large_company"
    if capital is not None and capital < 5000000:
        return "small_company"
    return "company"


def _amount(record, field):
    value = to_decimal(record.get(field))
    return value if value is not None and value > 0 else None


def costs_by_size(records):
    """[{size, currency, n, fined, min/q1/median/q3/max_fine, confiscated,
    median_confiscation}] (quartiles interpolate linearly, as on /compare)."""
    groups = defaultdict(list)
    for record in records:
        groups[(size_class(record), record.get("currency") or "CNY")].append(record)
    order = {s: i for i, s in enumerate(data()["sizes"])}
    rows = []
    for (size, currency), group in sorted(groups.items(), key=lambda kv: (order[kv[0][0]],
                                                                          kv[0][1])):
        fines = sorted(f for f in (_amount(r, "fine_amount") for r in group) if f is not None)
        taken = sorted(c for c in (_amount(r, "confiscation_amount") for r in group)
                       if c is not None)
        rows.append({"size": size, "currency": currency, "n": len(group), "fined": len(fines),
                     "min_fine": fines[0] if fines else None, "q1_fine": quantile(fines, 0.25),
                     "median_fine": quantile(fines, 0.5), "q3_fine": quantile(fines, 0.75),
                     "max_fine": fines[-1] if fines else None,
                     "confiscated": len(taken), "median_confiscation": quantile(taken, 0.5)})
    return rows


def statutory(code):
    """The penalty provisions of the type (or its parent) with the fines they allow."""
    table = data()["penalties"]
    parts = code.split(".")
    for i in range(len(parts), 0, -1):
        found = table.get(".".join(parts[:i]))
        if found:
            return found
    return []


# -- what the law requires ------------------------------------------------------------------------

def obligations(code, counts):
    """The type's obligations (a parent: its sub-types', the most frequent type first),
    each with the article's text in the version in force today."""
    table = data()["obligations"]
    codes = [code] if code in table else sorted(
        (c for c in table if _in(c, code)), key=lambda c: (-counts.get(c, 0), c))
    today = date.today().isoformat()
    out, seen = [], set()
    for c in codes:
        for item in table.get(c, []):
            key = (item["law"], item["article"])
            if key in seen:
                continue
            seen.add(key)
            text = laws.article(item["law"], item["article"], today)
            out.append(dict(item, type=c, text=text))
    return out


# -- what was penalized ---------------------------------------------------------------------------

def _reason_label(why):
    return why.split(":", 1)[1].strip() if why.startswith("phrase:") else why


def _quote(record, needle):
    """A short sentence of the decision around ``needle`` (masked text), or its summary."""
    for field in ("facts", "full_text", "penalty_text", "summary"):
        text = record.get(field) or ""
        at = text.find(needle) if needle else -1
        if at >= 0:
            starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
            start = starts[-1] if starts else max(0, at - QUOTE_CHARS // 2)
            end = _SENTENCE_END.search(text, at)
            sentence = text[start:end.end() if end else len(text)].strip()
            return sentence if len(sentence) <= QUOTE_CHARS else \
                sentence[:QUOTE_CHARS].rstrip() + "…"
    facts = (record.get("facts") or "").strip()
    if facts:  # the first sentence of the facts says what was found
        end = _SENTENCE_END.search(facts)
        first = facts[:end.end() if end else len(facts)]
        return first if len(first) <= QUOTE_CHARS else first[:QUOTE_CHARS].rstrip() + "…"
    summary = record.get("summary") or ""
    return summary[:QUOTE_CHARS] + ("…" if len(summary) > QUOTE_CHARS else "")


def patterns(records, code, limit, quotes):
    """[{reason, count, quotes: [{id, language, text}]}]: decisions grouped by the phrase or
    provision that classified them under the type."""
    groups = defaultdict(list)
    for record in records:
        for assigned, why in (record.get("violation_evidence") or {}).items():
            if why and _in(assigned, code):
                groups[_reason_label(why)].append(record)
                break
    out = []
    for reason, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]:
        needle = reason if not reason.startswith(("《", "Art", "Regulation")) else None
        chosen = sorted(group, key=lambda r: (not r.get("facts"), r["id"]))[:quotes]
        out.append({"reason": reason, "count": len(group),
                    "quotes": [{"id": r["id"], "language": r.get("language") or "zh",
                                "text": _quote(r, needle)} for r in chosen]})
    return out


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


# -- what reduced it ------------------------------------------------------------------------------

def _text(record):
    return "\n".join(record.get(f) or "" for f in ("facts", "full_text", "penalty_text"))


def mitigation(records):
    """{reasons: [(name, count)], outcomes: [(name, count)], any: count}: decisions whose
    text gives each reason or outcome (each decision counted once per name)."""
    table = data()["mitigation"]
    reasons, outcomes, any_count = Counter(), Counter(), 0
    for record in records:
        text = _text(record)
        found = False
        for name, entry in table["reasons"].items():
            if any(p in text for p in entry["phrases"]):
                reasons[name] += 1
        for name, entry in table["outcomes"].items():
            if any(p in text for p in entry["phrases"]) or (
                    name == "waived" and "no_penalty" in (record.get("penalty_kinds") or [])):
                outcomes[name] += 1
                found = True
        any_count += found
    return {"reasons": [(n, reasons[n]) for n in table["reasons"] if reasons[n]],
            "outcomes": [(n, outcomes[n]) for n in table["outcomes"] if outcomes[n]],
            "any": any_count}


# -- trend ----------------------------------------------------------------------------------------

def fine_cny(record):
    """The fine in CNY: the converted total scaled by fine / total (None without both)."""
    fine, total, cny = (to_decimal(record.get(f)) for f in ("fine_amount", "total_amount",
                                                            "amount_cny"))
    if not fine or not total or cny is None or total <= 0:
        return None
    return (cny * fine / total).quantize(Decimal("0.01"))


def trend(records, key, limit=None):
    """[{key, n, fined, median_fine_cny}] by year ("year") or region ("region")."""
    groups = defaultdict(list)
    for record in records:
        if key == "year":
            value = (record.get("decision_date") or record.get("published_date") or "")[:4]
        else:
            value = record.get("region") or record.get("jurisdiction")
        groups[value or "unknown"].append(record)
    rows = []
    for value, group in groups.items():
        fines = sorted(f for f in map(fine_cny, group) if f is not None)
        rows.append({"key": value, "n": len(group), "fined": len(fines),
                     "median_fine_cny": quantile(fines, 0.5)})
    if key == "year":
        rows.sort(key=lambda r: r["key"])
    else:
        rows.sort(key=lambda r: (-r["n"], r["key"]))
    return rows[:limit] if limit else rows


# -- the guide ------------------------------------------------------------------------------------

def build(store, code):
    records, total = matching_records(store, Query(types=(code,)), GUIDE_RECORD_LIMIT)
    counts = Counter(c for r in records for c in r.get("violation_types") or [])
    chinese = [r for r in records if r.get("jurisdiction") in (None, "CN")]
    foreign = [r for r in records if r.get("jurisdiction") not in (None, "CN")]
    return {"total": total, "records": records, "truncated": len(records) < total,
            "counts": counts, "chinese": len(chinese), "foreign": len(foreign),
            "costs": costs_by_size(records), "mitigation": mitigation(records),
            "provisions": cited_provisions(records),
            "years": trend(records, "year"), "regions": trend(records, "region"),
            "penalty_kinds": Counter(k for r in records for k in r.get("penalty_kinds") or [])
            .most_common()}


def known_codes(store):
    """Taxonomy codes, plus codes the archive's records carry, with decision counts."""
    counts = dict(store.search(Query(page_size=1)).facets.get("type") or [])
    codes = list(taxonomy())
    codes += sorted(c for c in counts if c not in taxonomy())
    return [(code, counts.get(code, 0)) for code in codes]


def representative(records, count):
    """Decisions that show the conduct best: with facts first, then largest fine, newest."""
    newest = sorted(records, key=lambda r: (r.get("decision_date") or "", r["id"]),
                    reverse=True)
    return sorted(newest, key=lambda r: (not r.get("facts"),
                                         -(to_decimal(r.get("amount_cny")) or Decimal(0))))[:count]


@bp.route("/guides/")
@bp.route("/guides")
def index():
    store = get_store()
    codes = cached(("guides", store.count()), lambda: known_codes(store))
    return render_template("guides/index.html", codes=codes, minimum=MIN_DECISIONS)


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
        lang=current_language(), sizes=data()["sizes"], minimum=MIN_DECISIONS,
        obligations=obligations(code, guide["counts"]), statutory=statutory(code),
        reasons=data()["mitigation"], examples=representative(guide["records"],
                                                              sizes["examples"]),
        patterns=patterns(guide["records"], code, sizes["patterns"], sizes["quotes"]),
        regions=guide["regions"][:sizes["regions"]],
        parent=parent if parent in taxonomy() else None,
        children=[c for c in taxonomy() if c.rpartition(".")[0] == code])


@bp.app_template_global()
def law_text(law, article, day=None):
    """The shipped text of a cited article in the version in force on ``day``, or None."""
    return laws.article(law, article, day)


@bp.route("/laws/<law>/<article>")
def law_article(law, article):
    """One article of a shipped law text, in the version in force on ``date`` (today)."""
    day = request.args.get("date") or date.today().isoformat()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        abort(400)
    found = laws.article(law, article, day)
    versions = laws.texts().get(law)
    if versions is None:
        abort(404)
    return render_template("guides/law.html", law=law, article=article, day=day,
                           found=found, versions=versions), 200 if found else 404
