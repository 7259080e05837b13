"""Text extraction from the real decision PDFs in ../shared/corpus/cn/samr_cfws/pdf/."""

import re
from pathlib import Path

import pytest

from indexer.documents import DocumentError, extract_text

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PDF_DIR = PROJECT_ROOT.parent / "shared" / "corpus" / "cn" / "samr_cfws" / "pdf"
PDFS = sorted(PDF_DIR.glob("*.pdf")) if PDF_DIR.is_dir() else []

needs_corpus = pytest.mark.skipif(not PDFS, reason="shared corpus not available")


@needs_corpus
@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem)
def test_every_corpus_pdf_extracts_clean_text(path):
    text = extract_text(path.read_bytes(), "pdf")
    assert len(text) > 500
    lines = text.split("\n")
    # no glyph-garbled runs such as 书书书书 and no letter-spaced titles
    assert not re.search(r"([\u4e00-\u9fff])\1{3,}", text)
    assert not any(re.fullmatch(r"(?:\S )+\S", ln) for ln in lines)
    assert "行 政" not in text and "  " not in text
    # page footers are dropped
    assert not any(re.fullmatch(r"(?:— ?\d+ ?—|第\s*\d+\s*页.*)", ln) for ln in lines)
    assert "当事人" in text


@needs_corpus
def test_numbers_and_document_numbers_are_not_split():
    gansu = extract_text((PDF_DIR / "62C202600000001683.pdf").read_bytes(), "pdf")
    assert "（临）市监罚〔2026〕9号" in gansu  # space glyphs drawn over digits removed
    assert "2025年12月9日" in gansu
    wrapped = extract_text((PDF_DIR / "2a316e9ce2ef472fa8e5b22a0fe582ec.pdf").read_bytes(), "pdf")
    assert "销售金额共计904.4元" in wrapped  # "90\n4.4元" re-joined
    assert "书书" not in wrapped


@needs_corpus
def test_spaced_title_is_joined():
    text = extract_text((PDF_DIR / "230712000000309361920.pdf").read_bytes(), "pdf")
    assert "\n行政处罚决定书\n" in text


@needs_corpus
@pytest.mark.parametrize(
    "data",
    [b"this is not a pdf", b"%PDF-1.4\n garbage without objects", b""],
)
def test_broken_pdf_raises_document_error(data):
    with pytest.raises(DocumentError):
        extract_text(data, "pdf")


def test_unsupported_type_raises_document_error():
    with pytest.raises(DocumentError, match="unsupported"):
        extract_text(b"PK\x03\x04", "odp")
    with pytest.raises(DocumentError):  # a supported type, but not a readable file
        extract_text(b"PK\x03\x04", "docx")


def test_html_body_text_with_line_breaks():
    page = (
        "<html><head><title>T</title><style>p{color:red}</style>"
        "<script>var x = '当事人';</script></head><body>"
        "<p>行 政 处 罚 决 定 书</p><div>当事人：某某公司<br>统一社会信用代码：91110000XXXX</div>"
        "<p>罚款&nbsp;1000 元。</p></body></html>"
    ).encode("utf-8")
    text = extract_text(page, "html")
    assert text.split("\n") == [
        "行政处罚决定书", "当事人：某某公司", "统一社会信用代码：91110000XXXX", "罚款1000元。"
    ]


def test_html_in_gb18030():
    page = '<meta charset="gbk"><body><p>处罚决定</p></body>'.encode("gb18030")
    assert extract_text(page, "htm") == "处罚决定"


def test_txt_with_bom():
    assert extract_text("\ufeff当事人：张三\r\n罚款 500 元".encode("utf-8"), "txt") == "当事人：张三\n罚款500元"
