"""Violation classification: cited provisions first, then phrases; evidence for every code."""

import json
from pathlib import Path

import pytest
import yaml

from indexer.normalize import violations
from indexer.normalize.legal_basis import parse_citations, parse_citations_en

CN = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "cn" / "samr_cfws"
DATA = Path(violations.__file__).parent / "data"


def test_every_code_in_the_tables_is_in_the_taxonomy():
    codes = set(violations.taxonomy())
    with open(DATA / "violation_articles.yaml", encoding="utf-8") as fh:
        articles = yaml.safe_load(fh)
    for law, table in articles.items():
        for key, value in table.items():
            code = value.get("code") if isinstance(value, dict) else value
            assert code is None or code in codes, (law, key, code)
    for language, table in yaml.safe_load(open(DATA / "violation_phrases.yaml",
                                               encoding="utf-8")).items():
        assert set(table) <= codes, language
    design = {"pi.lawful_basis", "pi.principles", "pi.transparency", "pi.data_subject_rights",
              "pi.security", "pi.breach_notification", "pi.disclosure", "pi.automated_decision",
              "pi.marketing", "pi.cross_border", "pi.cooperation", "pi.processor",
              "pi.governance", "price.unmarked", "price.misleading", "price.government_pricing",
              "price.extra_charges", "ad.false", "competition.unfair", "competition.monopoly",
              "consumer.rights", "product.quality", "product.food", "product.drugs",
              "securities.disclosure", "securities.insider_trading", "securities.manipulation",
              "securities.intermediary", "finance.aml", "finance.conduct",
              "licensing.unlicensed", "other"}
    assert design <= codes


def test_cited_article_decides_and_is_the_evidence():
    cits = parse_citations("当事人的行为违反了《中华人民共和国价格法》第十三条第一款的规定", "violated")
    codes, evidence = violations.classify(cits, ["当事人销售商品未明码标价"], "zh")
    assert codes == ["price.unmarked"]
    assert evidence["price.unmarked"] == "《中华人民共和国价格法》第十三条第一款"


def test_paragraph_and_item_refine_the_article():
    cits = parse_citations("违反《价格法》第十三条第二款、第十四条第四项", "violated")
    codes, _ = violations.classify(cits, [], "zh")
    assert codes == ["price.extra_charges", "price.misleading"]


def test_phrases_order_several_cited_codes():
    cits = parse_citations("违反《价格法》第十三条第二款、第十四条第四项", "violated")
    codes, _ = violations.classify(cits, ["虚构原价，以虚假折扣销售"], "zh")
    assert codes[0] == "price.misleading"


def test_general_provision_yields_to_the_text():
    basis = parse_citations("依据《中华人民共和国价格法》第四十二条", "basis")
    codes, evidence = violations.classify(basis, ["当事人在标价之外加价出售商品"], "zh")
    assert codes == ["price.extra_charges"]
    assert evidence["price.extra_charges"].startswith("phrase: ")
    codes, evidence = violations.classify(basis, ["（无事实）"], "zh")
    assert codes == ["price.unmarked"]


def test_gdpr_articles():
    cits = parse_citations_en("Art. 5 (1) f) GDPR, Art. 32 GDPR", "violated")
    codes, evidence = violations.classify(cits, [], "en")
    assert codes == ["pi.security"]
    assert evidence["pi.security"] == "Art. 5(1)(f) GDPR"
    codes, _ = violations.classify(parse_citations_en("Regulation 22 PECR"), [], "en")
    assert codes == ["pi.marketing"]


def test_securities_law_table_follows_the_revision_in_force():
    cit = [{"law": "中华人民共和国证券法", "article": "193", "role": "basis", "raw": "x"}]
    old, _ = violations.classify(cit, [], "zh", "2015-06-01")
    new, _ = violations.classify(cit, [], "zh", "2023-06-01")
    assert old == ["securities.disclosure"] and new == ["securities.manipulation"]


def test_law_without_table_is_other_and_nothing_is_unknown():
    cit = [{"law": "某某条例", "article": "3", "role": "violated", "raw": "《某某条例》第三条"}]
    codes, evidence = violations.classify(cit, [], "zh")
    assert codes == ["other"] and "某某条例" in evidence["other"]
    assert violations.classify([], [""], "zh") == ([], {})


def test_phrase_codes_stay_in_one_family():
    codes, _ = violations.classify([], ["当事人销售的药品未明码标价"], "zh")
    assert codes == ["price.unmarked"]


def test_describe_writes_chinese_numerals():
    assert violations.describe({"law": "价格法", "article": "42", "paragraph": "1"}) == \
        "《中华人民共和国价格法》第四十二条第一款"
    assert violations.describe({"law": "中华人民共和国证券法", "article": "197"}) == \
        "《中华人民共和国证券法》第一百九十七条"
    assert violations.describe({"law": "中华人民共和国证券法", "article": "105"}) == \
        "《中华人民共和国证券法》第一百零五条"


@pytest.mark.skipif(not CN.is_dir(), reason="shared corpus not available")
def test_every_price_label_row_gets_an_explained_code():
    rows = [json.loads(line) for line in open(CN / "price_violation_labels.jsonl",
                                              encoding="utf-8")]
    rows = [r for r in rows if r["ground_truth"]["is_violation"] and r.get("source_pdf")]
    classified = 0
    for row in rows:
        text = row["ground_truth"].get("legal_analysis_reference") or ""
        cits = parse_citations(text, "violated")
        codes, evidence = violations.classify(cits, [row["input"]["case_description"]], "zh")
        assert set(codes) == set(evidence)
        classified += bool(codes)
    assert classified / len(rows) >= 0.85


def test_a_line_break_inside_a_chinese_phrase_is_no_gap():
    # a real case description, broken across PDF lines in the middle of 明码标价
    text = "当事人于 2023 年 9 日 12 日，在其店内未按规定明\n码标价销售商品“38 度 500ml 小刀白酒”"
    codes, evidence = violations.classify([], [text], "zh")
    assert codes == ["price.unmarked"]
    assert evidence["price.unmarked"] == "phrase: 未按规定明码标价"
    # English words stay apart
    assert violations.classify([], ["direct\nmarketing"], "en")[0] == ["pi.marketing"]
