"""The normalized fields that indexer.pipeline.normalize fills, on real list rows."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from indexer.normalize.dedupe import merge_duplicates
from indexer.pipeline import normalize
from indexer.schema import validation_errors

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not SHARED.is_dir(), reason="shared corpus not available")


def _price_rows():
    with open(SHARED / "cn" / "samr_cfws" / "list_rows_price_cases.json",
              encoding="utf-8-sig") as fh:
        return json.load(fh)


def _raw_from_list_row(row, source="cn_samr_cfws"):
    key = row["处罚文书号"] or row["文书下载链接"].rsplit("=", 1)[-1]
    return {"source": source, "key": key, "decision_number": row["处罚文书号"] or None,
            "party_name": row["当事人名称"], "authority_name": row["处罚机关"],
            "decision_date": row["处罚日期"], "penalty_text": row["处罚内容"],
            "jurisdiction": "CN", "language": "zh"}


@needs_corpus
def test_chinese_list_row_gets_types_amounts_and_conversion(tmp_path):
    row = next(r for r in _price_rows() if r["处罚文书号"] == "蓬市监处罚〔2026〕45号")
    record = normalize(_raw_from_list_row(row), str(tmp_path))
    assert validation_errors(record) == []
    assert (record["fine_amount"], record["confiscation_amount"]) == ("297.23", "2.77")
    assert record["currency"] == "CNY" and record["amount_cny"] == "300"
    assert record["rate_date"] <= "2026-03-16" and Decimal(record["amount_eur"]) > 0
    assert record["violation_types"][0] == "price.extra_charges"
    assert record["violation_evidence"]["price.extra_charges"] == \
        "《价格违法行为行政处罚规定》第十三条第三项"
    laws = {c["law"] for c in record["legal_basis"]}
    assert "中华人民共和国价格法" in laws and "价格违法行为行政处罚规定" in laws
    assert record["party_name_normalized"] == "蓬安县河舒镇朋辉商贸"
    assert record["dedup_key"].endswith("|蓬市监处罚(2026)45号|蓬安县河舒镇朋辉商贸")


@needs_corpus
def test_list_rows_that_cite_a_law_are_classified(tmp_path):
    """Most list rows give only the penalty ("罚款1000元"); those citing a law are typed."""
    rows = [r for r in _price_rows()[:400] if "《" in r["处罚内容"]]
    typed = 0
    for row in rows:
        record = normalize(_raw_from_list_row(row), str(tmp_path))
        assert set(record["violation_types"]) == set(record["violation_evidence"])
        typed += bool(record["violation_types"])
    assert len(rows) > 50 and typed / len(rows) >= 0.9


@needs_corpus
def test_gdprhub_rows_go_through_the_english_parser(tmp_path):
    with open(SHARED / "intl" / "gdprhub_api" / "decisions_page1.json", encoding="utf-8") as fh:
        rows = [r for r in json.load(fh)["rows"] if r["content"].get("fine")]
    agree = 0
    for n, row in enumerate(rows):
        content = row["content"]
        laws = ", ".join("Art. %s%s%s GDPR" % (
            a["article"], "(%s)" % a["paragraph"] if a.get("paragraph") else "",
            "(%s)" % a["subparagraph"] if a.get("subparagraph") else "")
            for a in content["applied_laws"].get("gdpr") or [])
        raw = {"source": "gdprhub", "key": str(n), "language": "en",
               "jurisdiction": content["jurisdiction_abbr"], "decision_date": "2021-06-01",
               "penalty_text": content["text"]["summary"], "legal_basis_text": laws,
               "authority_name": content["dpa"]}
        record = normalize(raw, str(tmp_path))
        assert validation_errors(record) == []
        assert record["authority_id"] is None  # the authority table is Chinese only
        if laws:
            assert record["violation_types"] and record["legal_basis"][0]["law"] == "GDPR"
        fine = content["fine"]
        if record["fine_amount"] is not None:
            assert record["rate_date"] == "2021-06-01" and record["amount_eur"]
        agree += (Decimal(record["fine_amount"] or -1), record["currency"]) == (
            Decimal(fine["amount"]), fine["currency"])
    # the register records the fine before a reduction for early payment ("€75,000
    # (reduced to €45,000)"); the archive records the reduced fine actually imposed
    assert agree >= len(rows) * 0.6


@needs_corpus
def test_the_same_decision_from_two_sources_is_one_record(tmp_path):
    row = _price_rows()[0]
    a = normalize(_raw_from_list_row(row, "cn_samr_cfws"), str(tmp_path))
    b = normalize(dict(_raw_from_list_row(row, "cn_sc_amr"),
                       decision_number=row["处罚文书号"].replace("〔", "[").replace("〕", "]")),
                  str(tmp_path))
    records, merged = merge_duplicates([a, b])
    assert len(records) == 1 and merged == [b["id"]]
    assert records[0]["other_sources"][0]["source"] == "cn_sc_amr"
    assert validation_errors(records[0]) == []


def test_a_decision_without_a_type_says_why_and_a_topic_gives_the_family(tmp_path):
    raw = {"source": "cn_samr_cfws", "key": "x1", "penalty_text": "罚款0.3000万元",
           "party_name": "某某商行", "jurisdiction": "CN", "language": "zh"}
    record = normalize(raw, str(tmp_path))
    assert record["violation_types"] == [] and record["unclassified_reason"] == "document_pending"
    record = normalize(dict(raw, list_topic="05"), str(tmp_path))
    assert record["violation_types"] == ["price"] and record["unclassified_reason"] is None
    assert validation_errors(record) == []


def test_securities_revision_is_chosen_by_the_published_date_when_the_decision_date_is_missing(
        tmp_path):
    text = ("中国证券监督管理委员会行政处罚决定书\n〔2026〕17号\n当事人：某某股份有限公司\n"
            "经查明，某某股份有限公司2023年年度报告存在虚假记载。\n"
            "上述行为违反《证券法》第七十八条第二款的规定，构成《证券法》第一百九十七条第二款"
            "所述的违法行为。\n根据当事人违法行为的事实、性质、情节与社会危害程度，依据《证券法》"
            "第一百九十七条第二款的规定，我会决定：对某某股份有限公司处以300万元罚款。\n")
    raw = {"source": "cn_csrc", "key": "t-1", "text": text, "published_date": "2026-04-16",
           "party_name": "某某股份有限公司", "jurisdiction": "CN", "language": "zh"}
    record = normalize(raw, str(tmp_path))
    assert record["violation_types"][0] == "securities.disclosure", record["violation_evidence"]
