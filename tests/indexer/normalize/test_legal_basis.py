"""Citations: law-name aliases, European / English citation forms."""

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.normalize.legal_basis import (
    normalize_citations,
    normalize_law,
    parse_citations,
    parse_citations_en,
)

INTL = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "intl"


@pytest.mark.parametrize("name,canonical", [
    ("个人信息保护法", "中华人民共和国个人信息保护法"),
    ("《中华人民共和国个人信息保护法》", "中华人民共和国个人信息保护法"),
    ("中华人民共和国价格法（2021年）", "中华人民共和国价格法"),
    ("食品安全法", "中华人民共和国食品安全法"),
    ("价格违法行为行政处罚规定", "价格违法行为行政处罚规定"),
    ("浙江省价格条例", "浙江省价格条例"),
    ("DSGVO", "GDPR"), ("Regulation (EU) 2016/679", "GDPR"),
    ("General Data Protection Regulation", "GDPR"),
    ("Privacy and Electronic Communications (EC Directive) Regulations 2003", "PECR"),
    ("Data Protection Act 2018", "DPA 2018"),
])
def test_normalize_law(name, canonical):
    assert normalize_law(name) == canonical


def _tuples(citations):
    return [(c["law"], c["article"], c["paragraph"], c["item"]) for c in citations]


@pytest.mark.parametrize("text,expected", [
    ("Art. 5 (1) f) GDPR", [("GDPR", "5", "1", "f")]),
    ("Art. 5(1)(f) GDPR", [("GDPR", "5", "1", "f")]),
    ("Article 32 GDPR", [("GDPR", "32", None, None)]),
    ("Articles 12, 13 and 14 GDPR",
     [("GDPR", "12", None, None), ("GDPR", "13", None, None), ("GDPR", "14", None, None)]),
    ("Art. 5 para. 1 lit. f GDPR", [("GDPR", "5", "1", "f")]),
    ("Art. 5 (1) b), c), GDPR, Art. 13 (1) GDPR",
     [("GDPR", "5", "1", "b"), ("GDPR", "5", "1", "c"), ("GDPR", "13", "1", None)]),
    ("Regulation 21 PECR", [("PECR", "21", None, None)]),
    ("Regulations 21 and 24 of PECR", [("PECR", "21", None, None), ("PECR", "24", None, None)]),
    ("section 55A of the Data Protection Act 2018", [("DPA 2018", "55A", None, None)]),
    ("Art. 6 (1) GDPR, Art. 22 (2) LSSI", [("GDPR", "6", "1", None), ("LSSI", "22", "2", None)]),
    ("violation of Art. 6 and Art. 13 of the GDPR",
     [("GDPR", "6", None, None), ("GDPR", "13", None, None)]),
    ("GDPR Article 17", [("GDPR", "17", None, None)]),
    ("Art. 2-ter Codice della privacy", [("Codice della privacy", "2-ter", None, None)]),
    ("no citation here", []),
])
def test_parse_citations_en(text, expected):
    assert _tuples(parse_citations_en(text)) == expected


def test_default_law_for_register_article_lists():
    assert _tuples(parse_citations_en("Art. 32", default_law="GDPR")) == [
        ("GDPR", "32", None, None)]
    assert parse_citations_en("Art. 32") == []


def test_chinese_citations_are_normalized_and_keep_the_printed_form():
    cits = parse_citations("违反了《价格法》第十三条第一款和《明码标价和禁止价格欺诈规定》第十九条第三项",
                           "violated")
    assert _tuples(cits) == [("中华人民共和国价格法", "13", "1", None),
                             ("明码标价和禁止价格欺诈规定", "19", None, "3")]
    assert cits[0]["raw"] == "《价格法》第十三条第一款"
    again = normalize_citations([{"law": "个人信息保护法", "article": "66", "raw": "x"}])
    assert again[0]["law"] == "中华人民共和国个人信息保护法" and again[0]["raw"] == "x"


@pytest.mark.skipif(not INTL.is_dir(), reason="shared corpus not available")
def test_privacyaffairs_article_lists_parse():
    rows = list(csv.DictReader(open(INTL / "privacyaffairs" / "fines.csv", encoding="utf-8")))
    with_gdpr = [r for r in rows if "GDPR" in r["articleViolated"]]
    parsed = [r for r in with_gdpr if parse_citations_en(r["articleViolated"])]
    assert len(parsed) / len(with_gdpr) >= 0.97


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_never_raises(text):
    for cit in parse_citations_en(text, default_law="GDPR"):
        assert cit["article"] and cit["law"]


def test_spanish_citations_of_the_aepd():
    text = ("IMPONER a X, por una infracción del artículo 5.1.f) del RGPD, tipificada en el "
            "artículo 83.5 del RGPD; y de los artículos 12 y 15 del RGPD; art. 21 de la LSSI")
    assert _tuples(parse_citations(text, None, "es")) == [
        ("GDPR", "5", "1", "f"), ("GDPR", "83", "5", None), ("GDPR", "12", None, None),
        ("GDPR", "15", None, None), ("LSSI", "21", None, None)]
    # a decimal is no paragraph: "artículo 6" then a number
    assert _tuples(parse_citations("artículo 6.1.500 del RGPD", None, "es")) == []
