"""The bilingual glossary: how queries are read, authorities in English, the gloss."""

import pytest

from indexer.normalize.glossary import (
    english_authority,
    gloss,
    interpret,
    provision_en,
    romanise,
    romanise_name,
)
from indexer.schema import empty_decision


@pytest.mark.parametrize("q, rest, types, also, penalty, region, year", [
    ("price", "", ("price",), (), "", "", None),
    ("Unmarked prices", "", ("price.unmarked",), (), "", "", None),
    ("price fraud Zhejiang 2025", "", ("price.misleading",), (), "", "CN-ZJ", 2025),
    ("personal information consent", "", ("pi", "pi.lawful_basis"), (), "", "", None),
    ("insider trading fine", "", ("securities.insider_trading",), (), "fine", "", None),
    ("hotel", "酒店", (), (), "", "", None),
    ("app", "App", (), (), "", "", None),
    ("个人信息", "个人信息", (), ("pi",), "", "", None),
    ("价格欺诈 浙江", "价格欺诈", (), ("price.misleading",), "", "CN-ZJ", None),
    ("浙江某某公司", "浙江某某公司", (), (), "", "", None),  # a province inside a name stays
    ("finest apples", "finest apples", (), (), "", "", None),  # whole words only
    ("", "", (), (), "", "", None),
])
def test_interpret(q, rest, types, also, penalty, region, year):
    reading = interpret(q)
    assert (reading.q, reading.types, reading.also_types, reading.penalty, reading.region,
            reading.year) == (rest, types, also, penalty, region, year)
    assert reading.changed == (q not in ("浙江某某公司", "finest apples", ""))


@pytest.mark.parametrize("name, english", [
    ("常熟市市场监督管理局", "Changshu Administration for Market Regulation"),
    ("固镇县市场监督管理局", "Guzhen County Administration for Market Regulation"),
    ("北京市朝阳区市场监督管理局", "Chaoyang District Administration for Market Regulation"),
    ("陕西省市场监督管理局", "Shaanxi Administration for Market Regulation"),
    ("中国证券监督管理委员会", "China Securities Regulatory Commission"),
    ("中国人民银行杭州中心支行", "People's Bank of China Hangzhou Central Sub-branch"),
    ("石嘴山市市场监督管理局惠农区分局",
     "Shizuishan Administration for Market Regulation Huinong District Branch"),
    ("某某局", None), (None, None),
])
def test_english_authority(name, english):
    assert english_authority(name) == english


def test_romanisation():
    assert romanise("张*") == "Zhang *"
    assert romanise_name("高士秀", "natural_person") == "Gao Shixiu"
    assert romanise("ABC有限公司") == "ABC You Xian Gong Si"


def test_provision_en():
    assert provision_en({"law": "中华人民共和国价格法", "article": "13", "paragraph": "1"}) \
        == "Price Law of the PRC, art. 13(1)"
    assert provision_en({"law": "明码标价和禁止价格欺诈规定", "article": "19", "item": "3"}) \
        == "Provisions on Clearly Marked Prices and Prohibition of Price Fraud, art. 19, item 3"


def test_gloss_is_made_from_the_fields_only():
    record = empty_decision()
    record.update(language="zh", authority_name="常熟市市场监督管理局",
                  party_name="常熟市某某商店", party_kind="individual_business",
                  penalty_kinds=["warning", "fine"], fine_amount="5000", currency="CNY",
                  violation_types=["price.unmarked"], decision_date="2025-03-02",
                  legal_basis=[{"law": "中华人民共和国价格法", "article": "13",
                                "paragraph": "1", "role": "violated"}],
                  decision_number="常市监罚〔2025〕1号", full_text="不进入英文概述的正文")
    text = gloss(record)
    assert text.startswith("Changshu Administration for Market Regulation imposed a warning "
                           "and a fine of CNY 5,000 on an individual business, 常熟市某某商店 "
                           "(Chang Shu Shi Mou Mou Shang Dian) for prices not marked")
    assert "(Price Law of the PRC, art. 13(1))" in text and "on 2025-03-02" in text
    assert "常市监罚〔2025〕1号" in text and "正文" not in text
    record["language"] = "en"
    assert gloss(record) is None


def test_every_chinese_glossary_phrase_reads_without_error():
    """Each phrase of the glossary in a query, alone: a Chinese word with no type (罚款)
    stays searched as written."""
    from indexer.normalize.glossary import _phrases

    for pattern, entry in _phrases():
        for phrase in entry.get("zh") or []:
            reading = interpret(phrase)
            assert phrase in reading.q or reading.types or reading.penalty or reading.region \
                or reading.source, phrase
    assert interpret("罚款").q == "罚款" and not interpret("罚款").also_types
