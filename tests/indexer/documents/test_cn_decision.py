"""Parse the real 行政处罚决定书 PDFs and compare with reviewed expected output.

Expected files live in tests/fixtures/documents/cn_samr_cfws/<docid>.json. A missing file
is written from the current output and the test fails until someone has reviewed it;
set PENALTY_ARCHIVE_REGENERATE=1 to rewrite all of them (and review the diff).
The long text fields (facts, violated_text, basis_text, penalty_text) are only checked
for presence, as recorded in the expected file ("<non-empty>" or null).
"""

import json
import os
from pathlib import Path

import pytest

from indexer.documents import extract_text
from indexer.documents.cn_decision import FIELDS, parse
from indexer.normalize.legal_basis import parse_citations_zh as parse_citations

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PDF_DIR = PROJECT_ROOT.parent / "shared" / "corpus" / "cn" / "samr_cfws" / "pdf"
EXPECTED_DIR = PROJECT_ROOT / "tests" / "fixtures" / "documents" / "cn_samr_cfws"
PDFS = sorted(PDF_DIR.glob("*.pdf")) if PDF_DIR.is_dir() else []
LONG_FIELDS = ("facts", "violated_text", "basis_text", "penalty_text")
REGENERATE = os.environ.get("PENALTY_ARCHIVE_REGENERATE") == "1"

needs_corpus = pytest.mark.skipif(not PDFS, reason="shared corpus not available")

_cache: dict = {}


def _parsed(docid: str) -> dict:
    if docid not in _cache:
        _cache[docid] = parse(extract_text((PDF_DIR / f"{docid}.pdf").read_bytes(), "pdf"))
    return _cache[docid]


def _comparable(result: dict) -> dict:
    out = {}
    for key in FIELDS:
        value = result[key]
        out[key] = ("<non-empty>" if value else None) if key in LONG_FIELDS else value
    return out


@needs_corpus
@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem)
def test_parse_matches_reviewed_expected(path):
    actual = _comparable(_parsed(path.stem))
    expected_file = EXPECTED_DIR / f"{path.stem}.json"
    if REGENERATE or not expected_file.exists():
        expected_file.parent.mkdir(parents=True, exist_ok=True)
        expected_file.write_text(
            json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        if not REGENERATE:
            pytest.fail(f"wrote {expected_file.name}: review it against the PDF, then re-run")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    expected.pop("_review", None)
    assert actual == expected


@needs_corpus
def test_every_document_has_the_core_fields():
    for path in PDFS:
        result = _parsed(path.stem)
        assert set(result) == set(FIELDS)
        assert result["decision_number"] and result["party_name"] and result["authority_name"]
        assert result["facts"]


@needs_corpus
@pytest.mark.parametrize("docid", ["62C202600000001683", "62C202600000002085"])
def test_gansu_template_reports_no_statutory_range_as_fine(docid):
    # the template quotes "可以并处5000元以下的罚款" / discretion rules but prints no amount
    result = _parsed(docid)
    assert result["fine_amount"] is None
    assert result["confiscation_amount"] is None
    assert result["decision_number"].startswith("（")


@needs_corpus
@pytest.mark.parametrize(
    "docid,fine",
    [
        ("85eec17b-47df-4add-bfe5-aebdaead87b7", "2250"),  # quotes 5万元以上50万元以下
        ("7a23fd2f-a871-41d7-adb9-7f2f8f709dee", "17670"),
        ("a85882bce1fa4ec7a9578467b970398f", "16000"),  # quotes 10万元以下 and 5万-18.5万
    ],
)
def test_quoted_ranges_are_not_the_fine(docid, fine):
    assert _parsed(docid)["fine_amount"] == fine


@needs_corpus
def test_no_penalty_document():
    result = _parsed("9e919df292bd251f01932b30d16e37c8")
    assert result["title"] == "不予行政处罚决定书"
    assert result["no_penalty"] is True
    assert result["fine_amount"] is None and result["confiscation_amount"] is None
    assert "fine" not in result["penalty_kinds"] and "no_penalty" in result["penalty_kinds"]


@needs_corpus
def test_garbled_title_falls_back_to_signature_and_self_reference():
    result = _parsed("2a316e9ce2ef472fa8e5b22a0fe582ec")
    assert result["title"] == "行政处罚决定书"
    assert result["authority_name"] == "吴忠市市场监督管理局利通区分局"


def test_parse_minimal_text_decision():
    text = "\n".join([
        "某县市场监督管理局",
        "行政处罚决定书",
        "某市监处罚〔2025〕7号",
        "当事人：某县张三百货店",
        "统一社会信用代码：92000000MA0000000X",
        "经营者：张三",
        "经查，当事人销售商品未明码标价，违法所得12.5元。",
        "上述事实，有现场笔录为证。",
        "本局认为，当事人的行为违反了《价格法》第十三条第一款的规定，依据《中华人民共和国价格法》"
        "第四十二条“经营者违反明码标价规定的，责令改正，没收违法所得，可以并处五千元以下的罚款。”"
        "之规定，现责令当事人改正，并决定处罚如下：",
        "1.警告；2.没收违法所得12.5元；3.罚款人民币伍佰元整。",
        "当事人应当自收到本处罚决定书之日起十五日内缴纳罚款。",
        "某县市场监督管理局",
        "二〇二五年十月十三日",
    ])
    result = parse(text)
    assert result["title"] == "行政处罚决定书"
    assert result["decision_number"] == "某市监处罚〔2025〕7号"
    assert result["party_kind"] == "individual_business"
    assert result["decision_date"] == "2025-10-13"
    assert result["penalty_kinds"] == [
        "warning", "fine", "confiscation_of_illegal_gains", "order_to_rectify"
    ]
    assert result["fine_amount"] == "500" and result["confiscation_amount"] == "12.5"
    assert [(c["law"], c["article"], c["paragraph"], c["role"]) for c in result["legal_basis"]] == [
        ("中华人民共和国价格法", "13", "1", "violated"),
        ("中华人民共和国价格法", "42", None, "basis"),
    ]


def test_parse_empty_text():
    result = parse("")
    assert set(result) == set(FIELDS)
    assert result["penalty_kinds"] == [] and result["legal_basis"] == []
    assert result["no_penalty"] is False


def test_citations_lists_and_items():
    cits = parse_citations(
        "依据《价格违法行为行政处罚规定》第九条第五项、第六项和《明码标价和禁止价格欺诈规定》"
        "（2022 公布）第十六条第一款、第二款、第十九条第（三）项", "basis")
    assert [(c["law"], c["article"], c["paragraph"], c["item"]) for c in cits] == [
        ("价格违法行为行政处罚规定", "9", None, "5"),
        ("价格违法行为行政处罚规定", "9", None, "6"),
        ("明码标价和禁止价格欺诈规定", "16", "1", None),
        ("明码标价和禁止价格欺诈规定", "16", "2", None),
        ("明码标价和禁止价格欺诈规定", "19", None, "3"),
    ]
