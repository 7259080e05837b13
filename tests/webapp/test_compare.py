"""The cross-jurisdiction comparison: every figure recomputed from the search export."""

import json
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest


def _fines_eur(record):
    if not (record.get("fine_amount") and record.get("amount_eur")):
        return None
    return float(Decimal(record["amount_eur"]) * Decimal(record["fine_amount"])
                 / Decimal(record["total_amount"]))


@pytest.mark.parametrize("code", ["pi", "pi.principles", "pi.security"])
def test_figures_equal_a_recomputation_from_the_export(client, code):
    figures = client.get("/api/v1/compare?type=" + code).get_json()
    exported = [json.loads(line) for line in
                client.get(figures["search_jsonl"]).get_data(as_text=True).splitlines()]
    assert figures["total"] == len(exported) > 0
    groups = defaultdict(list)
    for record in exported:
        groups[record.get("jurisdiction") or "unknown"].append(record)
    assert {row["jurisdiction"] for row in figures["jurisdictions"]} == set(groups)
    assert len(groups) >= 2 or code != "pi"  # China and Europe side by side
    for row in figures["jurisdictions"]:
        records = groups[row["jurisdiction"]]
        fines = sorted(f for f in map(_fines_eur, records) if f is not None)
        assert (row["count"], row["fined"]) == (len(records), len(fines))
        if len(fines) >= 2:
            q1, median, q3 = statistics.quantiles(fines, n=4, method="inclusive")
        elif fines:
            q1 = median = q3 = fines[0]
        for name, value in (("q1", q1), ("median", median), ("q3", q3)) if fines else ():
            assert abs(float(row[name]) - value) <= 0.01, (row["jurisdiction"], name)
        if not fines:
            assert row["median"] is None
        assert sum(y["count"] for y in row["years"]) == len(records)
        ids = {r["id"] for r in records}
        assert row["representative"] and {r["id"] for r in row["representative"]} <= ids


def test_page_in_both_languages_and_errors(client):
    en = client.get("/compare?type=pi.lawful_basis", headers={"Accept-Language": "en"})
    assert en.status_code == 200 and "Compare jurisdictions" in en.get_data(as_text=True)
    zh = client.get("/compare?type=pi.lawful_basis", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200 and "比较" in zh.get_data(as_text=True)
    assert client.get("/compare?type=pi.nothing").status_code == 400
    error = client.get("/api/v1/compare").get_json()
    assert error["error"]["parameter"] == "type"
