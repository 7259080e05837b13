"""Masking of natural persons' identifiers, on real decision text from the corpus."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.normalize.redact import mask_personal, propagate_masks

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
PDF_DIR = CORPUS / "cn" / "samr_cfws" / "pdf"


def _pdf_text(docid: str) -> str:
    pdfplumber = pytest.importorskip("pdfplumber")
    path = PDF_DIR / f"{docid}.pdf"
    if not path.exists():
        pytest.skip("shared corpus not present")
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_publisher_masking_kept_and_operator_name_masked():
    text = _pdf_text("9e919df292bd251f01932b30d16e37c8")
    assert "经营者：李小祥" in text and "13062819***************" in text
    out = mask_personal(text, person_names=["李小祥"])
    assert "李小祥" not in out
    assert "经营者：李*" in out
    assert "身份证号码：13062819***************" in out  # already masked: as printed
    assert "住所：高阳县****************" in out
    # 15-digit registration number, decision number and dates untouched
    assert "统一社会信用代码：130628600087287" in out
    assert "高市监不罚〔2024〕08004 号" in out
    assert "2024 年 11 月 4 日" in out
    # nothing else changed: same text once the name is put back
    assert out.replace("李*", "李小祥") == text


def test_individual_business_addresses_masked_after_region():
    text = _pdf_text("3265466f0f305b1d5e2f135416844f3a")
    assert "南竹杆胡同" in text
    out = mask_personal(text)
    assert "住所（住址）：北京市东城区***" in out
    assert "联系地址：北京市东城区***" in out
    assert "南竹杆胡同 2 号" not in out.split("2025 年 11 月 27 日")[0]
    # USCC, the order number (not a person's identifier) and the amounts stay
    assert "92110101MAEJN8605W" in out
    assert "订单号：1089992065206427308" in out
    assert re.findall(r"\d+(?:\.\d+)?元", out) == re.findall(r"\d+(?:\.\d+)?元", text)


def test_wrapped_address_line_is_masked_too():
    text = _pdf_text("230712000000309333882")
    out = mask_personal(text)
    assert "住所（住址）：苏州市常熟市***\n法定代表人" in out
    assert "聚沙锦苑 9 幢 10" not in out


def test_company_registered_address_kept():
    text = _pdf_text("2a316e9ce2ef472fa8e5b22a0fe582ec")
    out = mask_personal(text)
    assert "住所（住址）：宁夏回族自治区吴忠市利通区吴忠市利通区新" in out
    assert "91640300MACD40W06B" in out


SAMPLE = """当事人：高阳县祥子商店
统一社会信用代码：91150204674397649G
经营者：张三丰
身份证号码：130628199001011238 旧证：130628900101123
联系电话：13812345678，138 1234 5678，座机：0312-6612345，(010)87654321，客服400-8001234
银行卡号：6222 0212 3456 7890 123，账户 6222021234567890
家庭住址：河北省保定市高阳县庞口镇西街村12号
罚款缴至高阳县财政局，账号：100528851980010001。
高市监罚〔2024〕08004号，罚款5,207,547.16元，没收违法所得2.77元，日期20250929。"""


def test_mask_rules_on_sample():
    out = mask_personal(SAMPLE)
    assert "130628************" in out
    assert "130628*********" in out and "130628900101123" not in out
    assert "138****5678" in out and "138 **** 5678" in out
    assert "0312-*****45" in out and "(010)******21" in out
    assert "400-8001234" in out
    assert "**** **** **** ***0 123" in out and "************7890" in out
    assert "家庭住址：河北省保定市高阳县***" in out
    for kept in ("91150204674397649G", "100528851980010001", "高市监罚〔2024〕08004号",
                 "5,207,547.16元", "2.77元", "20250929"):
        assert kept in out, kept


def test_uscc_made_of_digits_is_not_an_id():
    # 18 digits whose positions 7-14 are no birth date: a code, not a person
    text = "统一社会信用代码：911306287808123456"
    assert mask_personal(text) == text


def test_id_with_bad_check_digit_still_masked():
    assert mask_personal("身份证：130628199001011230") == "身份证：130628************"


def test_already_masked_text_unchanged():
    text = "身份证件号码：**************0017\n联系电话：176********\n联系地址：**************"
    assert mask_personal(text) == text


def test_propagate_masks_on_real_header():
    text = _pdf_text("006133a8cb66a995c8fa5de583fa6584")
    assert "法定代表人(负责人、经营者): 吴*" in text
    body = text + "\n经营者吴军的身份证复印件1份，询问吴某。吴忠市市场监督管理局"
    out = propagate_masks(body, "吴*")
    assert "经营者吴*的身份证" in out
    assert "询问吴*。" in out
    assert "吴忠市市场监督管理局" in out  # a place, not the person
    assert out.count("吴*") == text.count("吴*") + 2


def test_propagate_masks_same_length_only():
    text = "当事人：吴小明，负责人：吴明。吴小明称"
    assert propagate_masks(text, "吴**") == "当事人：吴**，负责人：吴明。吴**称"
    assert propagate_masks(text, "吴*") == "当事人：吴小明，负责人：吴*。吴小明称"
    assert propagate_masks(text, "") == text
    assert propagate_masks(text, "某公司") == text


@given(st.text(alphabet=st.sampled_from(list("0123456789 -*：:\n住所地址身份证经营者吴李小明市县区X"))),
       st.text(max_size=4))
@settings(max_examples=300)
def test_never_raises_and_only_masks(text, masked_name):
    out = mask_personal(text)
    assert isinstance(out, str)
    assert isinstance(propagate_masks(text, masked_name), str)
    # masking never adds a digit, never touches what has no digit nor address label
    assert sum(c.isdigit() for c in out) <= sum(c.isdigit() for c in text)
    if not any(c.isdigit() for c in text) and "址" not in text and "住所" not in text:
        assert out == text


# -- the masking rule for names (names_to_mask, mask_names) -------------------------------

# the party block of a real CSRC decision (〔2026〕5号 style), shortened
CSRC_PARTIES = ("当事人：东兆长泰投资集团有限公司，住所：浙江省金华市婺城区。\n"
                "郭向英，女，1967年3月出生，住址：浙江省金华市婺城区，东兆长泰总裁。\n"
                "周雅萍，女，1975年11月出生，住址：浙江省金华市婺城区，东兆长泰资金财务部副总经理。\n"
                "王叶兰，女，1960年出生，住址为北京市海淀区翠微路4号18号楼4单元601室。\n"
                "李欣，女，53岁，住址为北京市朝阳区外馆东街周转房89号，京都所注册会计师；\n"
                "经查，王叶兰控制使用“王叶兰”账户买入股票，郭向英、周雅萍对此负有责任。")


def test_private_persons_are_masked_officers_and_professionals_kept():
    from indexer.normalize.redact import mask_names, names_to_mask

    names = names_to_mask("王叶兰", "natural_person", CSRC_PARTIES)
    assert names == {"郭向英": None, "周雅萍": "周*", "王叶兰": "王*", "李欣": None}
    out = mask_names(mask_personal(CSRC_PARTIES), names)
    assert "王叶兰" not in out and "周雅萍" not in out
    assert "王*控制使用“王*”账户" in out and "郭向英、周*对此负有责任" in out
    assert "李欣，女，53岁，住址为北京市朝阳区***，京都所注册会计师" in out
    assert "住址为北京市海淀区***。" in out


def test_a_list_row_person_is_masked_and_a_business_is_not():
    from indexer.normalize.redact import mask_names, names_to_mask

    assert names_to_mask("杨帆", "natural_person") == {"杨帆": "杨*"}
    assert names_to_mask("施汝海;施汝海", "natural_person") == {"施汝海": "施*"}
    assert names_to_mask("欧阳娜娜", "natural_person") == {"欧阳娜娜": "欧阳*"}
    # the publisher's masks stay as printed; businesses and their operators are not persons
    assert names_to_mask("张某某", "natural_person") == {}
    assert names_to_mask("吴*", "natural_person") == {}
    assert names_to_mask("松山区邢志博果蔬鲜肉店", "individual_business") == {}
    assert mask_names("对杨帆罚款3000元", {"杨帆": "杨*"}) == "对杨*罚款3000元"


def test_an_operator_named_with_a_label_is_kept():
    from indexer.normalize.redact import names_to_mask

    text = "当事人：高阳县祥子商店\n经营者：李小祥，男，身份证号码：13062819***************\n"
    assert names_to_mask("高阳县祥子商店", "individual_business", text) == {"李小祥": None}
    text = "当事人：李小祥，男，身份证号码：13062819***************\n"
    assert names_to_mask("李小祥", "natural_person", text) == {"李小祥": "李*"}


def test_a_masked_name_inside_a_kept_one_stays():
    from indexer.normalize.redact import mask_names, names_to_mask

    text = "蒋伟民，男，时任某公司董事长。\n蒋伟，男，1980年出生。\n蒋伟民指使蒋伟买入。"
    names = names_to_mask(None, None, text)
    assert names == {"蒋伟民": None, "蒋伟": "蒋*"}
    assert mask_names(text, names).endswith("蒋伟民指使蒋*买入。")


def test_an_address_without_a_label_in_a_persons_entry_is_masked():
    text = "陈争，女，1961年出生，方向光电时任董事，四川省内江市碑木镇四川内燃机厂2幢38号\n"
    assert mask_personal(text) == "陈争，女，1961年出生，方向光电时任董事，四川省内江市***\n"
