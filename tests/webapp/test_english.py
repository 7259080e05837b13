"""Readers who do not read Chinese, on the offline demo's real decisions: English queries
find decisions of the meant type, and every Chinese decision carries an English gloss."""

import random
import re

import pytest

from indexer.normalize.glossary import english_authority, provision_en, tables
from indexer.store import open_store


def _has_type(code):
    return lambda r: any(t == code or t.startswith(code + ".") for t in r["violation_types"])


MEANT = [
    ("price", _has_type("price")),
    ("unmarked prices", _has_type("price.unmarked")),
    ("price fraud", _has_type("price.misleading")),
    ("misleading price", _has_type("price.misleading")),
    ("personal information", _has_type("pi")),
    ("consent", _has_type("pi.lawful_basis")),
    ("securities", _has_type("securities")),
    ("insider trading", _has_type("securities.insider_trading")),
    ("information disclosure", _has_type("securities.disclosure")),
    ("fine", lambda r: "fine" in r["penalty_kinds"]),
    ("Zhejiang", lambda r: r["region"] == "CN-ZJ"),
    ("SAMR", lambda r: "市场监督管理" in (r["authority_name"] or "")),
    ("app", lambda r: "app" in ((r["full_text"] or "") + (r["title"] or "")
                                + (r["summary"] or "")).lower()),
]


@pytest.mark.parametrize("q, meant", MEANT, ids=[q for q, _ in MEANT])
def test_english_queries_find_the_meant_decisions(demo_client, q, meant):
    literal = demo_client.get("/api/v1/decisions", query_string={"q": q, "literal": "1"})
    answer = demo_client.get("/api/v1/decisions", query_string={"q": q}).get_json()
    assert answer["total"] > 0 and answer["reading"], q
    page = answer["results"]
    assert sum(map(meant, page)) >= 0.8 * len(page), q
    assert answer["total"] >= literal.get_json()["total"]


def test_a_chinese_query_finds_english_decisions_of_its_type(demo_client):
    answer = demo_client.get("/api/v1/decisions",
                             query_string={"q": "个人信息", "page_size": 100}).get_json()
    languages = {r["language"] for r in answer["results"]}
    assert {"zh", "en"} <= languages
    english = [r for r in answer["results"] if r["language"] == "en"]
    assert all(_has_type("pi")(r) for r in english)


def test_the_page_says_how_it_read_the_query_and_explains_empty_results(demo_client):
    html = demo_client.get("/search?q=price+fraud+Zhejiang+2025&lang=en").get_data(
        as_text=True)
    reading = re.search(r'<p class="reading">(.*?)</p>', html, re.S).group(1)
    assert "价格欺诈" in reading and "region Zhejiang" in reading and "year 2025" in reading
    assert "literal=1" in reading
    empty = demo_client.get("/search?q=zzzqqq&region=CN-ZJ&lang=en").get_data(as_text=True)
    assert "Closest searches that find decisions" in empty
    assert re.search(r'<a href="/search\?region=CN-ZJ">without the words', empty)
    zh = demo_client.get("/search?q=zzzqqq&region=CN-ZJ&lang=zh").get_data(as_text=True)
    assert "能找到决定的相近检索" in zh


def test_the_gloss_of_twenty_real_decisions_agrees_with_their_fields(demo_archive):
    with open_store("embedded", str(demo_archive / "store"), readonly=True) as store:
        chinese = [r for r in store.iter_decisions() if r["language"] == "zh"]
    assert all(r["summary_en"] for r in chinese)
    sample = random.Random(7).sample(chinese, 20)
    labels = tables()["taxonomy"]
    for record in sample:
        text = record["summary_en"]
        english = english_authority(record["authority_name"])
        assert (english or record["authority_name"] or "The authority") in text
        if record["party_name"]:
            assert record["party_name"] in text
        if record["fine_amount"] and "fine" in record["penalty_kinds"]:
            whole = "{:,}".format(int(record["fine_amount"].split(".")[0]))
            assert "a fine of %s %s" % (record["currency"], whole) in text
        for code in record["violation_types"]:
            label = labels[code]["en"]
            assert label[0].lower() + label[1:] in text
        for citation in record["legal_basis"][:4]:
            assert provision_en(citation) in text
        if record["decision_date"]:
            assert record["decision_date"] in text
        printed = [record["party_name"], record["authority_name"], record["decision_number"]]
        printed += [c["law"] for c in record["legal_basis"] if provision_en(c).startswith(
            c["law"] or "-")]  # a law the glossary has no English title for
        for name in sorted(filter(None, printed), key=len, reverse=True):  # a number may
            text = text.replace(name, "")  # hold the authority's name
        assert not re.search(r"[\u4e00-\u9fff]", text), record["id"]
