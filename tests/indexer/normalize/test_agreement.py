"""List row against document: typesetting never makes a disagreement, another decision
always does."""

from hypothesis import given
from hypothesis import strategies as st

from indexer.normalize.agreement import disagreement, number_key


def test_the_portal_serving_another_decisions_pdf_is_a_disagreement():
    listed = {"decision_number": "芜市监处罚〔2026〕6-85号", "party_name": "芜湖某某商贸有限公司"}
    parsed = {"decision_number": "滁市监综执罚〔2025〕511号", "party_name": "滁州某某餐饮店"}
    assert "芜市监处罚〔2026〕6-85号" in disagreement(listed, parsed)


def test_one_decision_numbered_two_ways_for_the_same_party_agrees():
    listed = {"decision_number": "吉水市监处罚〔2026〕27号", "party_name": "吉水县濠江主题酒店"}
    parsed = {"decision_number": "吉水市监价处罚〔2026〕1 号", "party_name": "吉水县濠江主题酒店"}
    assert disagreement(listed, parsed) is None


def test_parties_decide_where_a_side_has_no_number():
    assert disagreement({"party_name": "吴*"}, {"party_name": "吴某某"}) is None
    assert disagreement({"party_name": "甲公司"}, {"party_name": "乙公司"})
    assert disagreement({"party_name": "（个体）张三"}, {"party_name": "张三"}) is None


def test_a_prefix_on_one_side_agrees():
    assert disagreement({"decision_number": "〔2026〕10号"},
                        {"decision_number": "中国证监会行政处罚决定书〔2026〕10号"}) is None


OPEN, CLOSE = "〔[【（(［", "〕]】）)］"


@given(st.integers(0, 5), st.integers(0, 5), st.booleans(), st.booleans(),
       st.sampled_from(["", " ", "\u3000"]))
def test_typesetting_never_changes_a_number(o, c, wide_digits, di, space):
    number = "固市监价罚〔2026〕15号"
    digits = str.maketrans("0123456789", "０１２３４５６７８９") if wide_digits else {}
    variant = ("固市监价罚" + OPEN[o] + space + "2026" + CLOSE[c] + space
               + ("第" if di else "") + "15" + space + "号").translate(digits)
    assert number_key(variant) == number_key(number)
    assert disagreement({"decision_number": number, "party_name": "甲"},
                        {"decision_number": variant, "party_name": "乙"}) is None
