"""Parties: USCC validation, kind of party (from data/party_kinds.yaml), grouping key."""

import json
from pathlib import Path

import pytest
import yaml

from indexer.normalize import parties
from indexer.normalize.parties import normalize_name, party_kind, validate_uscc

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "cn" / "samr_cfws"


def _list_rows():
    path = CORPUS / "list_rows_price_cases.json"
    if not path.exists():
        pytest.skip("shared corpus not present")
    return json.loads(path.read_text(encoding="utf-8-sig"))


def test_validate_uscc_real_code_from_corpus_pdf():
    # printed in 3265466f... (a Baotou decision): 统一社会信用代码：91150204674397649G
    assert validate_uscc("91150204674397649G") is True
    assert validate_uscc(" 9115 0204 6743 9764 9G ") is True
    assert validate_uscc("91150204674397649g") is True
    assert validate_uscc("91150204674397649H") is False  # wrong check character
    assert validate_uscc("91150204674397648G") is False
    assert validate_uscc("9115020467439764") is False  # too short


def test_validate_uscc_nothing_to_check():
    assert validate_uscc(None) is None
    assert validate_uscc("") is None
    assert validate_uscc("无") is None
    assert validate_uscc("91130628MA0********") is None  # masked by the publisher
    # 9e919df2...: a 15-digit old registration number printed as 统一社会信用代码
    assert validate_uscc("130628600087287") is None


@pytest.mark.parametrize("name, party_id, hints, kind", [
    ("宁夏福百姓福医药贸易有限公司人民医院店", None, "", "company"),
    ("榆林佩文爱眼眼镜有限公司靖边分公司", None, "", "company"),
    ("高阳县祥子商店", None, "", "individual_business"),
    ("高阳县祥子商店", "92130628MA0ABCDE1X", "", "individual_business"),
    ("某某便利店", "91150204674397649G", "", "company"),  # 91: an enterprise, whatever the name
    ("婺源县乐意购生活超市赋春店（个体工商户）", None, "", "individual_business"),
    ("张湾区八号院子烧烤店;蔡新国", None, "", "individual_business"),
    ("蓬安县河舒镇朋辉商贸", None, "", "individual_business"),
    ("福星", None, "组成形式：个人经营 个体工商户", "individual_business"),
    ("李小祥", None, "", "natural_person"),
    ("吴*", None, "", "natural_person"),
    ("李**", None, "", "natural_person"),
    ("张某某", None, "", "natural_person"),
    ("王建行", None, "", "natural_person"),  # 行 counts only as a suffix of longer names
    ("张泽彬;张泽彬", None, "", "natural_person"),
    ("买买提·艾力", None, "", "natural_person"),
    ("某某", "130628199001011238", "", "natural_person"),  # a valid resident ID number
    ("黑水县人民医院", None, "", "public_body"),
    ("剑阁县杨村镇卫生院", None, "", "public_body"),
    ("泉州市第一医院", "12350500488000000X", "", "public_body"),
    ("XX县人民政府", None, "", "public_body"),
    ("枣强县兆兴农产品种植专业合作社", None, "", "other"),
    ("中国消费者协会", None, "", "other"),
    ("某某", "130628199001011230", "", "public_body"),  # bad check digit: a USCC prefix 13
    ("", None, "", "other"),
    ("****", None, "", "other"),
])
def test_party_kind(name, party_id, hints, kind):
    assert party_kind(name, party_id, hints) == kind


def test_word_lists_live_in_the_yaml_file():
    data = yaml.safe_load(parties.DATA_FILE.read_text(encoding="utf-8"))
    assert "有限公司" in data["name_words"]["company"]
    assert data["uscc_prefixes"]["92"] == "individual_business"
    assert set(data["uscc_prefixes"].values()) <= set(parties.KINDS)
    for kind in data["name_words"]:
        assert kind in parties.KINDS


def test_list_rows_kinds_are_plausible():
    rows = _list_rows()
    names = [r["当事人名称"] for r in rows if r.get("当事人名称")]
    kinds = [party_kind(n) for n in names]
    assert set(kinds) <= set(parties.KINDS)
    # every name carrying 有限公司 is a company, every 卫生院 a public body
    for name, kind in zip(names, kinds):
        if "有限公司" in name and "合作社" not in name:
            assert kind == "company", name
        if name.endswith("卫生院"):
            assert kind == "public_body", name
        if "（个体工商户）" in name:
            assert kind == "individual_business", name
    other = sum(k == "other" for k in kinds) / len(kinds)
    assert other < 0.05, other


@pytest.mark.parametrize("a, b", [
    ("高阳县（祥子）商店", "高阳县(祥子)商店"),
    ("高阳县 祥子 商店", "高阳县祥子商店"),
    ("ＡＢＣ贸易有限公司", "abc贸易有限公司"),
    ("平素【莆田】企业运营管理有限公司", "平素（莆田）企业运营管理有限公司"),
    ("北京市\u3000某某店", "北京市某某店"),
])
def test_normalize_name_groups_spellings(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_normalize_name_does_not_merge_different_names():
    assert normalize_name("高阳县祥子商店") != normalize_name("高阳县祥子超市")
    assert normalize_name(None) == ""


@pytest.mark.parametrize("name, kind", [
    ("Sage Spain, S.L.", "company"), ("Uppsalahem AB", "company"), ("Gyldendal A/S", "company"),
    ("RCS Mediagroup S.p.a.", "company"), ("American Heart of Poland S.A.", "company"),
    ("ALDI MAGYARORSZÁG ÉLELMISZER Élelmiszer Kereskedelmi Betéti Társaság", "company"),
    ("Niantic, Inc.", "company"), ("Sligo County Council", "public_body"),
    ("Ministry of the Interior", "public_body"), ("Umeå University", "public_body"),
    ("TikTok", "other"), ("Absalon", "other")])
def test_european_legal_forms_and_public_bodies(name, kind):
    assert party_kind(name) == kind
