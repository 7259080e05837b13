"""Old office formats (.doc, .wps, .et) are read, within the time limit, never skipped.

The samples in tests/fixtures/documents/office/ were written by LibreOffice in the Word 97
and Excel 97 formats from real cfws list rows (see make_samples.py there); the rows they
must yield are read from the corpus here, not written into the test.
"""

import io
import json
import os
import subprocess
import time

import docx
import pytest

from indexer.documents import DocumentError, extract_text
from indexer.documents.legacy import convert
from indexer.documents.tables import read_tables, table_records
from tests.conftest import FIXTURES

OFFICE = FIXTURES / "documents" / "office"


@pytest.fixture(scope="module")
def rows(corpus):
    return json.loads((corpus / "cn" / "samr_cfws" / "list_rows_price_cases.json")
                      .read_text(encoding="utf-8"))


def _read(name):
    return (OFFICE / name).read_bytes()


@pytest.mark.parametrize("name, first", [("table.doc", 0), ("table.wps", 0),
                                         ("workbook.et", 4), ("workbook.xls", 4)])
def test_a_penalty_table_in_an_old_format_yields_one_record_per_party(name, first, rows):
    records = table_records(read_tables(_read(name), name.rsplit(".", 1)[1]))
    assert [(r["fields"]["party_name"], r["fields"]["decision_number"]) for r in records] == \
        [(row["当事人名称"], row["处罚文书号"]) for row in rows[first:first + 3]]


def test_the_text_of_an_old_word_decision(rows):
    text = extract_text(_read("decision.doc"), "doc")
    row = rows[8]
    assert row["处罚文书号"] in text and row["当事人名称"] in text
    assert "罚款:金额10000元" in row["处罚内容"] and "罚款:金额10000元" in text


def test_a_docx_served_under_a_doc_name_is_read():
    document = docx.Document()
    document.add_paragraph("当事人：某某商贸有限公司")
    buf = io.BytesIO()
    document.save(buf)
    assert "某某商贸有限公司" in extract_text(buf.getvalue(), "doc")


def _soffice_processes():
    found = subprocess.run(["pgrep", "-f", "penalty-office-"], capture_output=True, text=True)
    return found.stdout.split()


@pytest.mark.parametrize("broken", ["truncated", "container of noise", "noise", "text"])
def test_a_broken_or_foreign_document_is_an_error_that_leaves_no_process(broken):
    """LibreOffice would import each of these as pages of text."""
    data = {"truncated": _read("table.doc")[:5000],
            "container of noise": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8,
            "noise": bytes(range(256)) * 8, "text": "当事人：某某".encode("gb18030")}[broken]
    with pytest.raises(DocumentError):
        extract_text(data, "doc")
    assert not _soffice_processes()


def test_a_conversion_over_its_time_limit_is_stopped_with_everything_it_started():
    started = time.monotonic()
    with pytest.raises(DocumentError, match="longer than"):
        convert(_read("table.doc"), "doc", seconds=0.2)
    assert time.monotonic() - started < 10
    assert not _soffice_processes()


def test_without_libreoffice_the_document_is_an_error_not_a_crash(monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(os.__file__))  # no soffice on it
    with pytest.raises(DocumentError, match="LibreOffice"):
        extract_text(_read("table.doc"), "doc")
