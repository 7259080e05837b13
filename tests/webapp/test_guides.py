"""Compliance guides on the offline demo's real decisions: every figure recomputed from
the search export, every quoted article found in the shipped law texts."""

import json
import re
import statistics
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
import yaml

from indexer.normalize import laws
from webapp import guides

GUIDES = yaml.safe_load(open(guides.DATA, encoding="utf-8"))
CAPITAL = re.compile(r"注册资本[：:\s]*(?:人民币)?\s*([0-9][0-9,，.]*)\s*(亿元|万元|元)")


@pytest.fixture(scope="module")
def demo(demo_app, demo_client):
    return demo_app, demo_client


def _export(client, code):
    body = client.get("/search.jsonl?type=" + code).get_data(as_text=True)
    return [json.loads(line) for line in body.splitlines()]


def _size(record):
    """The size classes of docs and data/guides.yaml, written out again."""
    kind = record.get("party_kind")
    if kind in ("individual_business", "natural_person"):
        return kind
    if kind != "company":
        return "other"
    m = CAPITAL.search(record.get("full_text") or "")
    capital = None
    if m:
        capital = Decimal(m.group(1).replace(",", "").replace("，", "")) * {
            "元": 1, "万元": 10000, "亿元": 100000000}[m.group(2)]
    if (record["source"] == "cn_csrc" and (record.get("party_name") or "").endswith("股份有限公司")) \
            or (capital is not None and capital >= 50000000):
        return "large_company"
    if capital is not None and capital < 5000000:
        return "small_company"
    return "company"


def _median(values):
    return None if not values else Decimal(str(statistics.median(values))).quantize(
        Decimal("0.01"))


def _guided_codes(client):
    counts = dict(client.get("/api/v1/facets").get_json()["facets"].get("type") and
                  ((b["value"], b["count"]) for b in
                   client.get("/api/v1/facets").get_json()["facets"]["type"]))
    return [c for c, n in counts.items() if n >= guides.MIN_DECISIONS]


def test_every_guide_with_ten_decisions_is_complete_in_both_languages(demo):
    app, client = demo
    codes = _guided_codes(client)
    assert {"price", "price.unmarked", "pi", "securities"} <= set(codes)
    for code in codes:
        for view in ("simplified", "full"):
            for lang, other in (("en", "zh"), ("zh", "en")):
                html = client.get("/guides/%s?view=%s&lang=%s" % (code, view, lang)).get_data(
                    as_text=True)
                checks = re.findall(r'<p class="check">(.*?)</p>', html, re.S)
                assert checks, (code, view, lang)
                assert "<blockquote" in html and 'id="cost-h"' in html and 'id="mit-h"' in html
                if view == "full":
                    assert all("other-language" in c for c in checks)
                assert "print" in html and "not legal advice" in html or "不构成法律意见" in html


def test_figures_equal_a_recomputation_from_the_export(demo):
    app, client = demo
    for code in _guided_codes(client):
        exported = _export(client, code)
        with app.app_context():
            from webapp.storage import get_store

            built = guides.build(get_store(), code)
        assert built["total"] == len(exported)
        # costs by size, in each decision's currency
        groups = {}
        for r in exported:
            groups.setdefault((_size(r), r.get("currency") or "CNY"), []).append(r)
        got = {(c["size"], c["currency"]): c for c in built["costs"]}
        assert set(got) == set(groups), code
        for key, rows in groups.items():
            fines = [Decimal(r["fine_amount"]) for r in rows
                     if r.get("fine_amount") and Decimal(r["fine_amount"]) > 0]
            assert (got[key]["n"], got[key]["fined"]) == (len(rows), len(fines)), (code, key)
            assert got[key]["median_fine"] == _median(fines), (code, key)
            if len(fines) >= 2:
                q1, _, q3 = statistics.quantiles(sorted(fines), n=4, method="inclusive")
                assert (got[key]["q1_fine"], got[key]["q3_fine"]) == (
                    q1.quantize(Decimal("0.01")), q3.quantize(Decimal("0.01"))), (code, key)
            assert got[key]["max_fine"] == (max(fines) if fines else None)
        # what reduced it
        reasons = Counter()
        for r in exported:
            text = "\n".join(r.get(f) or "" for f in ("facts", "full_text", "penalty_text"))
            for name, entry in GUIDES["mitigation"]["reasons"].items():
                reasons[name] += any(p in text for p in entry["phrases"])
        assert dict(built["mitigation"]["reasons"]) == {k: v for k, v in reasons.items() if v}
        # trend by year, median fine in CNY
        years = {}
        for r in exported:
            year = (r.get("decision_date") or r.get("published_date") or "")[:4] or "unknown"
            years.setdefault(year, []).append(r)
        assert [(y["key"], y["n"]) for y in built["years"]] == sorted(
            (y, len(rows)) for y, rows in years.items())
        for y in built["years"]:
            cny = [Decimal(r["amount_cny"]) * Decimal(r["fine_amount"]) / Decimal(r["total_amount"])
                   for r in years[y["key"]] if r.get("fine_amount") and r.get("amount_cny")
                   and Decimal(r["total_amount"] or 0) > 0]
            cny = [c.quantize(Decimal("0.01")) for c in cny]
            assert y["median_fine_cny"] == _median(cny), (code, y["key"])


def test_the_page_shows_the_computed_figures(demo):
    app, client = demo
    with app.app_context():
        from webapp.storage import get_store

        built = guides.build(get_store(), "price.unmarked")
    html = client.get("/guides/price.unmarked?lang=en").get_data(as_text=True)
    first = built["costs"][0]
    assert "CN¥{:,.2f}".format(first["median_fine"]) in html
    assert "up to CN¥5,000.00 allowed" in html
    assert "%d of %d decisions" % (built["mitigation"]["any"], built["total"]) in html


def test_every_quoted_article_is_in_the_shipped_law_texts():
    today = date.today().isoformat()
    quoted = [(o["law"], o["article"]) for items in GUIDES["obligations"].values()
              for o in items]
    quoted += [(p["law"], p["article"]) for items in GUIDES["penalties"].values()
               for p in items]
    for law, article in quoted:
        found = laws.article(law, article, today)
        assert found and found["text"], (law, article)
        version = laws.version_on(law, today)
        assert found["effective"] == str(version["effective"])
    for items in GUIDES["obligations"].values():
        for o in items:
            assert o["check"]["zh"] and o["check"]["en"]


def test_a_citation_links_the_version_in_force_on_the_decision_date(demo):
    app, client = demo
    page = client.get("/laws/中华人民共和国价格法/42?date=2024-05-01&lang=en")
    assert page.status_code == 200 and "五千元以下的罚款" in page.get_data(as_text=True)
    assert "1998-05-01" in page.get_data(as_text=True)
    before = client.get("/laws/中华人民共和国个人信息保护法/13?date=2020-01-01")
    assert before.status_code == 404  # the law was not in force yet
    assert client.get("/laws/中华人民共和国价格法/999").status_code == 404


def test_a_thin_guide_says_what_the_archive_lacks(demo):
    app, client = demo
    counts = dict((b["value"], b["count"]) for b in
                  client.get("/api/v1/facets").get_json()["facets"]["type"])
    thin = next(c for c in GUIDES["obligations"] if 0 < counts.get(c, 0) < guides.MIN_DECISIONS)
    html = client.get("/guides/%s?lang=en" % thin).get_data(as_text=True)
    assert "Too few decisions for figures" in html and "What it lacks" in html
    assert 'class="check"' in html and 'id="cost-h"' not in html
