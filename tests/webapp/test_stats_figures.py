"""Every statistics figure, recomputed from the export of the same search.

``/api/v1/stats?<search>`` gives, per year, violation type, authority and region, the
count, the sums of fines and of confiscations (CNY), their total and the median fine;
this test recomputes each figure from ``/search.jsonl?<search>`` with its own code and
finds the same, and finds the statistics page showing the same numbers.  Unknown amounts
are unknown (null, "unknown"), never 0.
"""

import json
import re
import statistics
from collections import defaultdict
from decimal import Decimal
from html import unescape
from urllib.parse import urlencode

import pytest
from babel.numbers import format_currency

SEARCHES = [{}, {"type": "price"}, {"q": "价格", "year": "2025"}, {"amount": "unknown"},
            {"region": "CN-ZJ"}]


@pytest.fixture(scope="module")
def demo(demo_client):
    return demo_client


def cny(record, field):
    value = record.get(field)
    if value in (None, ""):
        return None
    if record.get("currency") == "CNY":
        return Decimal(value)
    if not record.get("amount_cny"):
        return None  # no rate for that currency and day: unknown in CNY
    rate = Decimal(record["amount_cny"]) / Decimal(record["total_amount"])
    return (Decimal(value) * rate).quantize(Decimal("0.01"))


def keys(name, record):
    if name == "year":
        day = record.get("decision_date") or record.get("published_date")
        return [day[:4] if day else None]
    if name == "type":
        out = {".".join(c.split(".")[:i + 1]) for c in record["violation_types"]
               for i in range(c.count(".") + 1)}
        return sorted(out) or ["none"]
    return [record.get({"authority": "authority_name", "region": "region"}[name]) or None]


def expected(records):
    fines = [f for f in (cny(r, "fine_amount") for r in records) if f is not None]
    conf = [f for f in (cny(r, "confiscation_amount") for r in records) if f is not None]
    totals = [Decimal(r["amount_cny"]) for r in records if r.get("amount_cny")]

    def total(values):
        return str(sum(values)) if values else None

    return {"count": len(records), "fines": total(fines), "confiscations": total(conf),
            "total": total(totals),
            "median_fine": str(statistics.median(fines)) if fines else None,
            "with_fine": len(fines), "with_confiscation": len(conf), "with_total": len(totals)}


def same(got, want):
    """Equal figures (decimal strings compared as numbers)."""
    for key, value in want.items():
        if isinstance(value, str) and key != "value":
            assert Decimal(got[key]) == Decimal(value), key
        else:
            assert got[key] == value, key


@pytest.mark.parametrize("params", SEARCHES, ids=lambda p: urlencode(p) or "all")
def test_every_figure_agrees_with_the_export_of_the_search(demo, params):
    query = urlencode(params)
    export = demo.get("/search.jsonl?" + query).get_data(as_text=True)
    records = [json.loads(line) for line in export.splitlines()]
    stats = demo.get("/api/v1/stats?" + query).get_json()
    assert stats["searchable"] == len(records) and not stats["truncated"]
    same(stats["all"], expected(records))
    for name in ("year", "type", "authority", "region"):
        groups = defaultdict(list)
        for record in records:
            for key in keys(name, record):
                groups[key].append(record)
        rows = {row["value"]: row for row in stats["figures"][name]}
        assert set(rows) == set(groups), name
        for key, members in groups.items():
            same(rows[key], dict(expected(members), value=key))


def test_fines_and_confiscations_are_apart_and_unknown_is_not_zero(demo):
    stats = demo.get("/api/v1/stats").get_json()["all"]
    assert Decimal(stats["fines"]) < Decimal(stats["total"])  # confiscations are not fines
    unknown = demo.get("/api/v1/stats?amount=unknown").get_json()
    assert unknown["all"]["count"] > 0
    assert (unknown["all"]["fines"], unknown["all"]["total"], unknown["all"]["median_fine"]) \
        == (None, None, None)
    page = demo.get("/stats?amount=unknown&lang=en").get_data(as_text=True)
    assert "CN¥0.00" not in page and "unknown" in page


def money(value):
    return "unknown" if value is None else format_currency(Decimal(value), "CNY", locale="en")


@pytest.mark.parametrize("params", SEARCHES[:3], ids=lambda p: urlencode(p) or "all")
def test_the_page_shows_the_same_numbers(demo, params):
    stats = demo.get("/api/v1/stats?" + urlencode(params)).get_json()
    html = demo.get("/stats?" + urlencode(dict(params, lang="en"))).get_data(as_text=True)
    for name in ("year", "type", "authority", "region"):
        rows = {row["value"] or "": row for row in stats["figures"][name]}
        table = html[html.index('<table id="t-%s">' % name):]
        table = table[:table.index("</table>")]
        shown = re.findall(r'<tr data-value="([^"]*)">(.*?)</tr>', table, re.S)
        assert shown, name
        for value, cells in shown:
            row = rows[unescape(value)]
            cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r'<td class="num">(.*?)</td>', cells, re.S)]
            assert cells == ["{:,}".format(row["count"]), money(row["fines"]),
                             money(row["confiscations"]), money(row["median_fine"])], (name, value)
    totals = html[html.index('<dl class="totals">'):html.index("</dl>")]
    for key in ("fines", "confiscations", "total", "median"):
        figure = stats["all"]["median_fine" if key == "median" else key]
        assert money(figure) in re.search(r'<dd class="%s">(.*?)</dd>' % key, totals,
                                          re.S).group(1)
