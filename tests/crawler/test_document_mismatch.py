"""The portal's document API answering a row with another decision's PDF: two real corpus
PDFs swapped, crawled over HTTP from the replay and indexed.  Nothing is filed under the
wrong number or party; each PDF is kept as evidence and flagged; the crawl counts them."""

import json
import os
import shutil
import subprocess
import sys

from crawler.spiders.cn_samr_cfws import _row_from_corpus
from indexer.normalize.agreement import disagreement
from indexer.store import open_store
from tests.conftest import ROOT


def run(data, corpus, *args):
    env = dict(os.environ, PENALTY_ARCHIVE_CORPUS=str(corpus), PYTHONUNBUFFERED="1")
    result = subprocess.run([sys.executable, "-m", "indexer.cli", "--data", str(data)]
                            + list(args), cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_swapped_documents_are_kept_as_evidence_and_never_misfile(tmp_path, corpus):
    entries = json.loads((corpus / "cn" / "samr_cfws" / "index.json").read_text("utf-8"))
    entries = [e for e in entries if e["category"] == "fine_only"]
    a, b = entries[0], next(e for e in entries[1:]
                            if e["list_row"]["当事人名称"] != entries[0]["list_row"]["当事人名称"])
    swapped = tmp_path / "corpus" / "cn" / "samr_cfws" / "pdf"
    swapped.mkdir(parents=True)
    shutil.copy(corpus / "cn" / "samr_cfws" / a["pdf"], swapped / os.path.basename(b["pdf"]))
    shutil.copy(corpus / "cn" / "samr_cfws" / b["pdf"], swapped / os.path.basename(a["pdf"]))
    third = next(e for e in entries if e not in (a, b))  # served its own PDF
    shutil.copy(corpus / "cn" / "samr_cfws" / third["pdf"], swapped)
    fixture = tmp_path / "fixtures" / "cn_samr_cfws"
    fixture.mkdir(parents=True)
    rows = [_row_from_corpus(e["list_row"]) for e in (a, b, third)]
    (fixture / "rows.json").write_text(json.dumps({"rows": rows}, ensure_ascii=False), "utf-8")

    data = tmp_path / "data"
    crawl = run(data, tmp_path / "corpus", "crawl", "cn_samr_cfws", "--replay", str(fixture))
    assert "2 documents of another decision (kept as evidence)" in crawl.stderr
    state = json.loads((data / "state" / "cn_samr_cfws.json").read_text("utf-8"))
    assert state["crawls"][-1]["document_mismatch"] == 2
    run(data, tmp_path / "corpus", "index")
    with open_store("embedded", str(data / "store")) as store:
        records = {r["id"].split(":", 1)[1]: r for r in store.iter_decisions()}
    for entry in (a, b):
        row = entry["list_row"]
        record = records[os.path.basename(entry["pdf"])[:-4]]
        assert record["decision_number"] == row["处罚文书号"]
        # the list's party (a natural person's name masked by the archive's rule)
        assert disagreement({"party_name": row["当事人名称"]}, record) is None
        assert record["authority_name"] == row["处罚机关"]
        assert record["document_mismatch"] and "in the document" in record["document_mismatch"]
        assert record["document_sha256"] and not record["document_pending"]
        assert record["full_text"] is None  # nothing taken from the other decision
        other = b if entry is a else a
        assert other["list_row"]["当事人名称"] not in json.dumps(record, ensure_ascii=False)
    own = records[os.path.basename(third["pdf"])[:-4]]
    assert own["document_mismatch"] is None and own["full_text"]

    from webapp import create_app

    client = create_app({"DATA_DIR": str(data)}).test_client()
    page = client.get("/decisions/cn_samr_cfws:" + os.path.basename(a["pdf"])[:-4]
                      + "?lang=en").get_data(as_text=True)
    assert "served the document of another decision" in page
    assert "the document of another decision, kept as evidence" in page
    sources = client.get("/sources?lang=en").get_data(as_text=True)
    assert "For 2 decisions the source served the document of another decision" in sources
