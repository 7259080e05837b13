"""The CSRC decision parser over the 54 real decisions of ../shared/corpus/cn/csrc, and the
indexer's one-Decision-per-party reading of them."""

import csv
import json
import re

import pytest

from indexer.documents import cn_csrc
from indexer.pipeline import normalize
from tests.conftest import FIXTURES

EXPECTED = FIXTURES / "documents" / "cn_csrc" / "parties.json"


@pytest.fixture(scope="module")
def decisions(corpus):
    with open(corpus / "cn" / "csrc" / "decisions_sample.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return {re.search(r"/c(\d+)/content", r["URL"]).group(1): r for r in rows}


def test_every_corpus_decision_matches_the_reviewed_parties(decisions):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))["decisions"]
    assert set(expected) == set(decisions)
    for mid, row in decisions.items():
        parsed = cn_csrc.parse(row["正文"], row["标题"])
        got = [[p["party_name"], p["fine_amount"], p["confiscation_amount"], p["total_amount"],
                p["penalty_kinds"]] for p in parsed["parties"]]
        assert got == expected[mid]["parties"], mid
        assert parsed["decision_number"] == expected[mid]["decision_number"], mid
        assert parsed["decision_date"] == expected[mid]["decision_date"], mid
        assert parsed["authority_name"] == "中国证券监督管理委员会"


def test_decision_numbers_agree_with_the_listing(decisions):
    for row in decisions.values():
        number = cn_csrc.parse(row["正文"], row["标题"])["decision_number"]
        if row["文号"]:  # the listing's short form, under the title's prefix
            assert number == "中国证券监督管理委员会行政处罚决定书" + row["文号"]
        else:  # 2006: the number is only the first body line
            assert re.fullmatch(r"证监罚字\[2006\]\d+号", number)


def test_no_statutory_range_or_total_is_read_as_a_fine(decisions):
    text = decisions["1043499"]["正文"]  # quotes 三十万元以上六十万元以下的罚款 before deciding
    parties = {p["party_name"]: p for p in cn_csrc.parse(text)["parties"]}
    assert parties["四通集团高科技股份有限公司"]["fine_amount"] == "400000"
    assert parties["彭文辉"]["fine_amount"] == "100000"
    # per-violation lists and a consolidated list: the consolidated one, once
    parties = {p["party_name"]: p for p in cn_csrc.parse(decisions["7656663"]["正文"])["parties"]}
    assert parties["元道通信股份有限公司"]["fine_amount"] == "238836800"
    assert parties["李晋"]["fine_amount"] == "7500000"


def test_shares_spacing_and_joint_amounts(decisions):
    parties = {p["party_name"]: p for p in cn_csrc.parse(decisions["7643184"]["正文"])["parties"]}
    assert parties["姜晔"]["confiscation_amount"] == "360031.87"  # printed "360, 031. 87元"
    assert parties["马洪广"]["confiscation_amount"] is None  # his share is 0元
    assert parties["马洪广"]["fine_amount"] == "1500000"
    joint = cn_csrc.parse(decisions["1042459"]["正文"])["parties"]
    assert [(p["party_name"], p["joint"]) for p in joint] == [("倪汉腾、郑少銮", True)]


def test_synthetic_layouts():
    text = ("〔2030〕1号\n当事人:甲乙丙股份有限公司(以下简称甲乙丙),住所:某省某市。\n"
            "赵甲,男,时任甲乙丙董事长。\n钱乙,女,时任甲乙丙财务总监。\n"
            "依据《中华人民共和国证券法》的有关规定,我会进行了立案调查。\n"
            "根据当事人违法行为的事实、性质、情节与社会危害程度,我会决定:\n"
            "一、对甲乙丙责令改正,给予警告,并处以1,000万元罚款;\n"
            "二、对赵甲、钱乙给予警告,并分别处以50万元罚款。\n"
            "上述当事人应自收到本处罚决定书之日起15日内,将罚款直接汇交国库。\n")
    parties = cn_csrc.parse(text)["parties"]
    assert [(p["party_name"], p["fine_amount"], p["penalty_kinds"]) for p in parties] == [
        ("甲乙丙股份有限公司", "10000000", ["warning", "fine", "order_to_rectify"]),
        ("赵甲", "500000", ["warning", "fine"]),
        ("钱乙", "500000", ["warning", "fine"]),
    ]


def test_the_indexer_makes_one_decision_per_party(decisions, tmp_path):
    row = decisions["7655146"]  # 违法所得及罚款合计...，由吴凌玥承担...，韩佩佩承担...
    document = tmp_path / "documents" / "d.txt"
    document.parent.mkdir()
    document.write_text(row["正文"], encoding="utf-8")
    records = []
    for n, party in enumerate(cn_csrc.parse(row["正文"], row["标题"])["parties"], 1):
        raw = {"source": "cn_csrc", "key": "7655146-%d" % n, "title": row["标题"],
               "party_name": party["party_name"], "document_path": "documents/d.txt",
               "published_date": row["发布日期"], "language": "zh", "jurisdiction": "CN"}
        records.append(normalize(raw, str(tmp_path)))
    assert [(r["party_name"], r["total_amount"], r["fine_amount"]) for r in records] == [
        ("吴*", "45124745.84", None), ("韩*", "45124745.84", None)]  # private persons: masked
    assert all(r["decision_number"] == "中国证券监督管理委员会行政处罚决定书〔2026〕30号" and r["currency"] == "CNY"
               and r["authority_level"] == "national" for r in records)
    assert records[0]["legal_basis"]
