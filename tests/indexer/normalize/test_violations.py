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


# -- the source's own category, family codes, the revision in force ----------------------

PRICE_TOPIC = violations.topic_code("cn_samr_cfws", "05")


def test_a_list_row_naming_no_conduct_gets_the_family_of_its_topic():
    assert PRICE_TOPIC == ("price", "topic: 价格专题 (cfws 专题 05)")
    codes, evidence = violations.classify([], ["罚款0.3000万元"], "zh", topic=PRICE_TOPIC)
    assert codes == ["price"] and evidence == {"price": PRICE_TOPIC[1]}
    # without a topic nothing is guessed
    assert violations.classify([], ["罚款0.3000万元"], "zh") == ([], {})
    assert violations.topic_code("cn_samr_cfws", None) is None
    assert violations.topic_code("cn_csrc", "05") is None


def test_the_text_refines_the_topic_and_the_family_code_yields():
    # real list-row texts (list_rows_price_cases.json)
    for text, code in (("本局认为，当事人未按照法律法规的规定明码标价的行为", "price.unmarked"),
                       ("对当事人利用虚假价格手段，诱骗消费者与其进行交易的行为处以罚款",
                        "price.misleading"),
                       ("2．自立收费项目、自定标准收取居民更换水表费用行为，罚款133015.5元",
                        "price.government_pricing")):
        codes, evidence = violations.classify([], [text], "zh", topic=PRICE_TOPIC)
        assert codes == [code], text
        assert evidence[code].startswith("phrase: ")
    codes, evidence = violations.classify(
        [], ["1、不正当价格行为处违法所得68248.6元1倍的罚款。2、违反明码标价行为，处罚款1500元"],
        "zh")
    assert codes == ["price.unmarked"] and "price" not in evidence


def test_words_that_name_only_the_area_give_the_family():
    codes, evidence = violations.classify(
        [], ["本局决定责令当事人改正，没收未退还价款30418.443元，并处以罚款3500元"], "zh")
    assert codes == ["price"] and evidence["price"] == "phrase: 未退还价款"
    codes, _ = violations.classify([], ["关于侵害用户权益行为的APP（SDK）通报（2025年第7批）"], "zh")
    assert codes == ["pi"]
    codes, _ = violations.classify([], ["关于APP超范围索取权限、过度收集用户个人信息等问题的通报"], "zh")
    assert codes == ["pi.principles"]


def test_a_conduct_named_outside_the_topic_is_kept():
    text = "1、没收扣押的超过使用期限的儿童牙膏4支；2、处11000元罚款"
    codes, _ = violations.classify([], [text], "zh", topic=PRICE_TOPIC)
    assert codes == ["product.quality"]


def test_a_second_area_named_only_by_a_penalty_provision_is_not_lost():
    cits = parse_citations("违反了《中华人民共和国食品安全法》第三十四条第十项", "violated") + \
        parse_citations("依据《中华人民共和国价格法》第四十二条", "basis")
    codes, _ = violations.classify(cits, ["当事人销售商品未明码标价"], "zh")
    assert set(codes) == {"product.food", "price.unmarked"}


@pytest.mark.parametrize("text, date, code", [
    # the 2019 revision (decisions from 1 March 2020): 78/197 disclosure, 55/192
    # manipulation, 50-53/191 insider trading, 56/193 false information
    ("违反《证券法》第七十八条第二款的规定，构成《证券法》第一百九十七条第二款所述的违法行为",
     "2026-04-16", "securities.disclosure"),
    ("违反《证券法》第五十五条第一款第一项、第三项的规定，构成《证券法》第一百九十二条所述",
     "2026-04-07", "securities.manipulation"),
    ("违反《证券法》第五十条、第五十三条第一款的规定，构成《证券法》第一百九十一条第一款所述",
     "2026-07-17", "securities.insider_trading"),
    ("违反《证券法》第十九条第二款及第一百六十三条的规定，构成《证券法》第二百一十三条第三款所述",
     "2025-12-24", "securities.intermediary"),
    # the 2005 numbering: 63/193 disclosure, 73/76/202 insider trading, 77/203 manipulation
    ("违反《证券法》第六十三条的规定，构成《证券法》第一百九十三条第一款所述", "2019-05-27",
     "securities.disclosure"),
    ("违反《证券法》第七十三条、第七十六条第一款的规定，构成《证券法》第二百零二条所述",
     "2015-10-10", "securities.insider_trading"),
    ("违反《证券法》第七十七条第一款第一项的规定，构成《证券法》第二百零三条所述", "2015-06-01",
     "securities.manipulation"),
])
def test_securities_types_follow_the_articles_of_the_revision_in_force(text, date, code):
    codes, evidence = violations.classify(parse_citations(text, "violated"), [], "zh", date)
    assert codes[0] == code, (codes, evidence)
    assert "证券法" in evidence[code]


def test_a_market_ban_provision_says_nothing_about_the_conduct():
    cits = parse_citations("违反《证券法》第五十五条，依据《证券法》第二百二十一条", "violated")
    codes, _ = violations.classify(cits, [], "zh", "2026-01-01")
    assert codes == ["securities.manipulation"]


def test_unclassified_reason():
    assert violations.unclassified_reason(["罚款1000元", None], True) == "document_pending"
    assert violations.unclassified_reason([None, ""], False) == "no_text"
    assert violations.unclassified_reason(["关于下架某App的通报"], False) == "no_conduct_stated"


def test_a_revision_named_before_the_law_chooses_its_table():
    # a 2026 decision applying the 2005 law to conduct before 2020 (CSRC, 〔2026〕 style)
    text = ("违反2005年《证券法》第六十三条及《证券法》第七十八条的规定，构成2005年《证券法》"
            "第一百九十三条第一款、《证券法》第一百九十七条第二款所述的违法行为")
    cits = parse_citations(text, "violated")
    assert [c.get("revision") for c in cits] == ["2005", None, "2005", None]
    codes, evidence = violations.classify(cits, [], "zh", "2026-04-01")
    assert codes == ["securities.disclosure"]
    assert evidence["securities.disclosure"] == "2005年《中华人民共和国证券法》第六十三条"
    # 2005 Art. 78 is spreading false information, 2019 Art. 78 disclosure
    old = parse_citations("违反2005年《证券法》第七十八条的规定", "violated")
    assert violations.classify(old, [], "zh", "2026-04-01")[0] == ["securities.manipulation"]
    new = parse_citations("违反2019年修订的《证券法》第七十八条的规定", "violated")
    assert violations.classify(new, [], "zh", "2026-04-01")[0] == ["securities.disclosure"]


def test_diligence_failures_of_directors_are_not_an_intermediarys():
    # real sentences of CSRC decisions: a director's failure, an auditor's failure
    directors = "丁明锋任财务总监、董事会秘书、副总经理等职务,二人未勤勉尽责,是高鸿股份信息披露违法行为"
    auditor = "公证天业在审计执业过程中未勤勉尽责,出具的审计报告存在虚假记载"
    assert "securities.intermediary" not in violations.classify([], [directors], "zh")[0]
    assert "securities.intermediary" in violations.classify([], [auditor], "zh")[0]


def test_the_administrative_penalty_law_names_no_conduct():
    cits = parse_citations("结合《中华人民共和国行政处罚法》第二十八条第一款的规定", "basis")
    assert violations.classify(cits, ["罚款1000元"], "zh") == ([], {})
    codes, _ = violations.classify(cits, ["罚款1000元"], "zh", topic=("price", "topic: x"))
    assert codes == ["price"]
