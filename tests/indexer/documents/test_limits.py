"""Documents are read under limits: a zip bomb, HTML nested a million deep, a reading that
takes too long, and mutated real PDFs and pages from ../shared/corpus end in a
DocumentError (the reason kept), never in another exception, a hang or gigabytes."""

import io
import random
import time
import zipfile

import docx
import pytest

import indexer.documents as documents
from indexer.documents import DocumentError, extract_text
from indexer.documents.tables import read_tables


def zip_bomb():
    """A .docx written by python-docx whose body is then inflated to 50 MB of XML."""
    document = docx.Document()
    document.add_paragraph("罚款100元")
    plain = io.BytesIO()
    document.save(plain)
    source, out = zipfile.ZipFile(plain), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p><w:r><w:t>" + b"a" * 60
                                    + b"</w:t></w:r></w:p>" * 600_000)
            bomb.writestr(entry, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = zip_bomb()
    started = time.monotonic()
    for read in (lambda: extract_text(bomb, "docx"), lambda: read_tables(bomb, "docx")):
        with pytest.raises(DocumentError, match="zip bomb"):
            read()
    assert time.monotonic() - started < 5  # unpacked, it takes 20 s and 50 MB of XML


def test_html_nested_a_million_deep_is_refused(corpus):
    page = (corpus / "intl" / "gdprhub_pages" / "AEPD_Spain_-_TD_00317_2019.html").read_bytes()
    body = page.index(b"<body")
    deep = page[:body] + b"<div>" * 1_000_000 + page[body:] + b"</div>" * 1_000_000
    with pytest.raises(DocumentError, match="nested deeper"):
        extract_text(deep, "html")
    assert extract_text(page, "html")  # the page itself reads


def test_a_reading_over_the_time_limit_is_stopped(corpus, monkeypatch):
    pdf = sorted((corpus / "cn" / "samr_cfws" / "pdf").glob("*.pdf"))[0].read_bytes()
    monkeypatch.setattr(documents, "SECONDS", 0.001)
    with pytest.raises(DocumentError, match="longer than"):
        extract_text(pdf, "pdf")
    monkeypatch.setattr(documents, "SECONDS", 60)
    assert extract_text(pdf, "pdf")


def test_an_oversized_document_is_refused(monkeypatch):
    monkeypatch.setattr(documents, "MAX_BYTES", 1000)
    with pytest.raises(DocumentError, match="over the limit"):
        extract_text(b"<p>" + "罚款".encode() * 1000 + b"</p>", "html")


def mutations(data, rng, n):
    for _ in range(n):
        kind = rng.choice(("truncate", "flip", "splice"))
        if kind == "truncate":
            yield data[:rng.randrange(len(data))]
        elif kind == "flip":
            out = bytearray(data)
            for _ in range(rng.randint(1, 50)):
                out[rng.randrange(len(out))] = rng.randrange(256)
            yield bytes(out)
        else:
            at = rng.randrange(len(data))
            yield data[:at] + data[rng.randrange(len(data)):]


@pytest.mark.parametrize("kind", ["pdf", "html"])
def test_mutated_real_documents_read_or_fail_cleanly(corpus, kind):
    """Truncated, bit-flipped and spliced copies of real PDFs and pages: each is read or
    refused with a DocumentError."""
    rng = random.Random(kind)
    if kind == "pdf":
        files = sorted((corpus / "cn" / "samr_cfws" / "pdf").glob("*.pdf"))[:4]
    else:
        files = sorted((corpus / "intl" / "gdprhub_pages").glob("*.html"))[:4]
    outcomes = {"read": 0, "refused": 0}
    for path in files:
        for mutant in mutations(path.read_bytes(), rng, 12):
            try:
                extract_text(mutant, kind)
                outcomes["read"] += 1
            except DocumentError:
                outcomes["refused"] += 1
    assert sum(outcomes.values()) == 48


def test_thousands_of_unclosed_paragraphs_are_no_deep_nesting():
    """Old pages leave <p>, <li> and <td> unclosed: that is not nesting."""
    page = b"<html><body>" + "<p>罚款100元".encode() * 5000 + b"</body></html>"
    assert extract_text(page, "html").count("罚款100元") == 5000
