"""Amounts in Chinese penalty texts, tested on real portal strings."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.normalize.amounts import cn_number, parse_cn_amounts

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "cn" / "samr_cfws"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")


@pytest.mark.parametrize(
    "text,value",
    [
        ("1000", "1000"),
        ("1,000.5", "1000.5"),
        ("４,０００元", "4000"),
        ("412.8元", "412.8"),
        ("0.0500万元", "500"),
        ("13.665625万元", "136656.25"),
        ("5万元", "50000"),
        ("五千元", "5000"),
        ("十", "10"),
        ("一百零五元", "105"),
        ("两千元", "2000"),
        ("五十万元", "500000"),
        ("一亿二千万元", "120000000"),
        ("二〇二五", "2025"),
        ("贰仟捌佰壹拾伍元贰角捌分", "2815.28"),
        ("叁拾陆元伍分", "36.05"),
        ("柒元贰角壹分", "7.21"),
        ("贰拾壹元零陆分", "21.06"),
        ("肆角陆分", "0.46"),
        ("壹拾贰万壹仟陆佰陆拾捌", "121668"),
        ("人民币伍佰元整", "500"),
        ("￥116721.75", "116721.75"),
    ],
)
def test_cn_number(text, value):
    assert cn_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "元", "abc", "罚款"])
def test_cn_number_rejects_non_numbers(text):
    with pytest.raises(ValueError):
        cn_number(text)


@pytest.mark.parametrize(
    "text,fine,confiscation",
    [
        # index.json list rows and decision texts from the corpus
        ("1.没收违法所得412.8元；\n2.罚款1000元。", "1000", "412.8"),
        ("罚款金额300元；没收违法所得9元；行政处罚种类：警告,罚款,没收违法所得,法律、行政法规规定的其他行政处罚；",
         "300", "9"),
        ("对临洮县尕陈肉制品店进行了: 1.罚款:金额1000元; 以上处罚内容共计壹项，罚没款合计1000元，大写壹仟元整。",
         "1000", None),
        ("给予行政处罚：叁仟元整（3000.00）", "3000", None),
        ("1.警告；\\n2.对涉嫌虚构原价的行为处罚款：2500.00元（大写：贰仟伍佰元整）。", "2500", None),
        ("罚款金额4,000元；行政处罚种类：罚款,没收非法财物；", "4000", None),
        ("罚款0.0500万元", "500", None),
        ("处16000元罚款上缴国库。", "16000", None),
        ("1；罚款贰仟捌佰壹拾伍元贰角捌分； 2；没收违法所得贰仟壹佰捌拾肆元柒角贰分。", "2815.28", "2184.72"),
        ("1；罚款叁拾陆元伍分； 2；没收违法所得柒元贰角壹分。", "36.05", "7.21"),
        ("1、罚款玖佰玖拾元叁分； 2、没收违法所得叁佰叁拾元玖角柒分。", "990.03", "330.97"),
        ("1.没收违法所 750 元；2.罚款 2250 元，罚没款共计 3000 元。", "2250", "750"),
        ("（一）没收违法所得：人民币贰万伍仟壹佰元捌角伍分（25100.85）;\n"
         "（二）罚款：人民币壹拾贰万壹仟陆佰陆拾捌（121668）。", "121668", "25100.85"),
        ("处以罚款壹拾壹万陆仟柒佰贰拾壹元柒角伍分（¥116721.75）整；上缴国库。", "116721.75", None),
        ("2.没收当事人扣除增压电费应退未退价款人民币115782.07元，上缴国库；\n"
         "3.并处违法所得0.7倍的罚款人民币81047.44元，上缴国库。\n上述罚没款合计人民币196829.51元，上缴国库。",
         "81047.44", "115782.07"),
        # per-violation penalties followed by the consolidated list: not double counted
        ("对当事人减轻处罚如下：1、没收案涉洗发露1瓶；2、罚款2000元。对当事人一般处罚如下：罚款2000元。"
         "合计：1、没收案涉洗发露1瓶；\n2、罚款4000元。", "4000", None),
        # per-violation penalties without a consolidated list are summed
        ("对当事人变相提高收费标准的价格违法行为作出处罚如下：\n一、没收违法所得108520元；\n二、罚款人民币21704元；\n"
         "对当事人取消项目继续收费的价格违法行为作出处罚如下：\n三、没收违法所得32600元；\n四、罚款人民币6520元；\n"
         "以上一、二、三、四项合并执行人民币169344元，上缴国库。", "28224", "141120"),
        ("罚款：（一）人民币35140.68元（大写：叁万伍仟壹佰肆拾元陆角捌分）。\\n"
         "          （二）人民币24301.95元（大写：贰万肆仟叁佰零壹元玖角伍分）。", "59442.63", None),
        ("1.责令其立即改正；2.处违法所得（74.61元）三倍的罚款，共计223.83元，上缴国库。", "223.83", None),
        ("对当事人处以违法所得45129元1倍的罚款45129元，违法所得经退还小区业主后还剩余的6709元予以没收，共计51838元。",
         "45129", "6709"),
        ("1.没收违法所得人民币零元零角壹分（￥0.01）；2.罚款人民币壹仟元整（￥1000.00）；"
         "共计罚没款人民币壹仟元零壹分（￥1000.01）上缴财政。", "1000", "0.01"),
        # statutory ranges and facts are not amounts imposed
        ("处五万元以上五十万元以下罚款", None, None),
        ("可以并处5000元以下的罚款", None, None),
        ("依据《中华人民共和国价格法》第四十二条：经营者违反明码标价规定的，责令改正，没收违法所得，"
         "可以并处五千元以下的罚款。", None, None),
        ("没有违法所得的，处5万元以上50万元以下的罚款，情节较重的处50万元以上200万元以下的罚款", None, None),
        ("货值金额不足1万元的，并处1万元以上5万元以下罚款", None, None),
        ("上述9种药品未通过价格标签标明价格，违法所得412.8元。", None, None),
        ("依据《价格法》第四十二条“经营者违反明码标价规定的，责令改正，没收违法所得，可以并处五千元以下的罚款。”"
         "之规定，对当事人作如下处罚：罚款50元。", "50", None),
        ("责令改正", None, None),
        ("", None, None),
        # an amount ordered refunded is not imposed
        ("作出如下建议：责令当事人改正违法行为，在规定期限将多收价款48570元退回给交款人，"
         "按违法所得1.5倍罚款，罚款金额为72855元，上缴国库。", "72855", None),
        # a stated total of the fines replaces the fines it adds up
        ("对当事人未依法制定政府指导价、政府定价违规收费的违法行为处罚款80000元。"
         "对当事人使用未按规定申请检定的水表的违法行为处罚款800元。"
         "综上所述，执法人员建议责令改正以上违法行为，并罚款人民币共计81800元。", "81800", None),
    ],
)
def test_parse_cn_amounts(text, fine, confiscation):
    result = parse_cn_amounts(text)
    assert result["fine"] == (Decimal(fine) if fine else None)
    assert result["confiscation"] == (Decimal(confiscation) if confiscation else None)


@needs_corpus
def test_real_list_rows_never_fail_and_never_report_ranges():
    rows = json.loads((CORPUS / "list_rows_price_cases.json").read_text(encoding="utf-8-sig"))
    assert len(rows) > 800
    found = 0
    for row in rows:
        text = row.get("处罚内容") or ""
        result = parse_cn_amounts(text)
        for value in result.values():
            assert value is None or (isinstance(value, Decimal) and value >= 0)
        if result["fine"] is not None:
            found += 1
            # the statutory caps quoted everywhere (5000, 50万, 200万) are never a fine by themselves
            if "5000元以下" in text or "五千元以下" in text:
                assert result["fine"] != Decimal(5000) or "罚款5000元" in text.replace(" ", "")
    assert found > 550  # most real rows state the fine imposed


@needs_corpus
def test_index_list_rows_agree_with_known_amounts():
    index = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
    by_doc = {Path(e["pdf"]).stem: parse_cn_amounts(e["list_row"].get("处罚内容")) for e in index}
    assert by_doc["006133a8cb66a995c8fa5de583fa6584"] == {
        "fine": Decimal("2815.28"), "confiscation": Decimal("2184.72")}
    assert by_doc["62C202600000002085"] == {"fine": Decimal("1315"), "confiscation": None}
    assert by_doc["9e919df29482cad5019a8ff7e15f347d"] == {
        "fine": Decimal("500"), "confiscation": None}
    # this row quotes only the law (5万元以上50万元以下): nothing was imposed in it
    assert by_doc["85eec17b-47df-4add-bfe5-aebdaead87b7"] == {"fine": None, "confiscation": None}


REVIEWED = PROJECT_ROOT / "tests" / "fixtures" / "normalize" / "cn_amounts_reviewed.jsonl"


def _docid(row):
    return (row.get("文书下载链接") or "").partition("docid=")[2]


@needs_corpus
def test_reviewed_list_rows_are_read_exactly():
    """A hand-read sample of the real 处罚内容 strings: every 4th non-empty row in docid
    order (171 rows); for each, the fine and the confiscation the text imposes, written
    by a reader who did not run the parser.  Rows marked unclear are left out."""
    rows = {_docid(r): r for r in json.loads(
        (CORPUS / "list_rows_price_cases.json").read_text(encoding="utf-8-sig"))}
    labels = [json.loads(line) for line in REVIEWED.read_text(encoding="utf-8").splitlines()]
    assert len(labels) == 171
    wrong = []
    for label in labels:
        if label["unclear"]:
            continue
        got = parse_cn_amounts(rows[label["docid"]]["处罚内容"])
        expected = {k: Decimal(label[k]) if label[k] else None for k in ("fine", "confiscation")}
        if got != expected:
            wrong.append((label["decision_number"], got, expected))
    assert not wrong


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_cn_amounts_never_raises(text):
    result = parse_cn_amounts(text)
    assert set(result) == {"fine", "confiscation"}


_SOUP = "零一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟元角分整0123456789.,人民币罚款没收以上下；：（）"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_SOUP, max_size=40))
def test_parse_cn_amounts_never_raises_on_numeral_soup(text):
    parse_cn_amounts(text)
