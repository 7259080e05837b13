"""Party grouping names and one record per decision across sources."""

import pytest

from indexer.normalize.dedupe import dedup_key, merge_duplicates, party_group_name


@pytest.mark.parametrize("a,b", [
    ("某某科技有限公司北京分公司", "某某科技有限公司"),
    ("某某（上海）科技有限公司", "某某(上海)科技有限公司"),
    ("ＡＢＣ商贸有限公司", "ABC商贸有限公司"),
    ("DialADeal Scotland Ltd", "DialADeal Scotland Limited"),
    ("Vodafone Espana, S.A.U.", "VODAFONE ESPANA S.A.U"),
    ("Meta Platforms Ireland Limited", "Meta Platforms Ireland Ltd."),
])
def test_party_group_name_groups_spellings(a, b):
    assert party_group_name(a) == party_group_name(b)


def test_party_group_name_keeps_different_parties_apart():
    assert party_group_name("某某科技有限公司") != party_group_name("某某信息有限公司")
    assert party_group_name(None) is None


def _record(source, number, **kw):
    record = {"id": "%s:%s" % (source, number), "source": source, "decision_number": number,
              "authority_id": "cn-zj-330783-amr", "party_name": "东阳市某某商行",
              "document_pending": False, "source_url": "https://example.org/" + source}
    record.update(kw)
    return record


def test_dedup_key_normalizes_brackets_and_spacing():
    assert dedup_key(_record("a", "东市监处罚〔2025〕 15号")) == \
        dedup_key(_record("b", "东市监处罚[2025]第15号"))
    assert dedup_key(_record("a", None)) is None


def test_merge_keeps_the_fetched_document_and_lists_the_other_source():
    pending = _record("cn_samr_cfws", "东市监处罚〔2025〕15号", document_pending=True)
    fetched = _record("cn_zj_amr", "东市监处罚[2025]15号", decision_date="2025-10-13")
    other = _record("cn_samr_cfws", "东市监处罚〔2025〕16号")
    records, merged = merge_duplicates([pending, other, fetched])
    assert [r["id"] for r in records] == [fetched["id"], other["id"]]
    assert records[0]["other_sources"] == [{"source": "cn_samr_cfws", "id": pending["id"],
                                            "source_url": pending["source_url"],
                                            "document_url": None}]
    assert merged == [pending["id"]]


def test_one_source_listing_two_parties_is_not_merged():
    a = _record("cn_csrc", "〔2025〕1号", party_name="张某")
    b = _record("cn_csrc", "〔2025〕1号", party_name="李某")
    c = _record("cn_csrc", "〔2025〕1号", party_name="张某", id="cn_csrc:dup")
    records, merged = merge_duplicates([a, b, c])
    assert len(records) == 3 and merged == []
