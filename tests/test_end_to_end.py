"""End to end: replay the cfws fixtures over HTTP with the real spider, index, serve with
the real server, and find a real decision from ../shared/corpus."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import cli, live_server

pytestmark = pytest.mark.e2e

DOCID = "2a316e9ce2ef472fa8e5b22a0fe582ec"  # 吴利市监处罚〔2025〕166号, a real decision PDF


@pytest.fixture(scope="module")
def server(archive):
    with live_server(archive, archive / "serve.log") as base:
        yield base


def get(base, path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read().decode("utf-8")


def test_find_by_chinese_word_from_the_document_text(server):
    # 盐酸帕罗西汀 appears in the PDF's facts only, not in the list row.
    status, _, html = get(server, "/search", q="盐酸帕罗西汀")
    assert status == 200
    assert "吴利市监处罚〔2025〕166号" in html
    assert "<mark>" in html


def test_find_by_decision_number_and_open_the_decision(server):
    _, _, html = get(server, "/search", q="吴利市监处罚〔2025〕166号")
    assert "1 decision " in html
    link = "/decisions/cn_samr_cfws:" + DOCID
    assert link in html
    status, headers, page = get(server, link)
    assert status == 200
    assert "宁夏福百姓福医药贸易有限公司人民医院店" in page
    assert "吴忠市市场监督管理局" in page
    assert "1,000" in page and "412.8" in page  # fine and confiscation
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, _, full = get(server, link, view="full")
    assert "盐酸帕罗西汀" in full


def test_archived_original_is_served_with_its_hash(server, archive):
    items = [json.loads(line) for f in (archive / "raw" / "cn_samr_cfws").glob("*.jsonl")
             for line in f.read_text(encoding="utf-8").splitlines()]
    item = next(i for i in items if i["key"] == DOCID)
    _, _, page = get(server, "/decisions/cn_samr_cfws:" + DOCID)
    assert item["document_sha256"] in page
    with urllib.request.urlopen("%s/documents/%s.pdf" % (server, item["document_sha256"])) as r:
        assert r.headers["Content-Type"] == "application/pdf"
        assert r.read() == (archive / item["document_path"]).read_bytes()


def test_malformed_parameter_is_a_400_naming_it(server):
    with pytest.raises(urllib.error.HTTPError) as info:
        get(server, "/search", q="明码", page="abc")
    assert info.value.code == 400
    assert "page" in info.value.read().decode()


def test_pending_document_is_listed_from_its_list_row(server):
    _, _, html = get(server, "/search", q="融市监三山处罚〔2025〕44号")
    assert "document pending" in html


def test_reindex_is_idempotent(archive):
    result = cli(archive, "index")
    assert "0 new, 0 changed" in result.stderr


def test_demo_serves_the_real_corpus_offline(tmp_path, corpus):
    """`make demo`'s pipeline: ~800 real list rows, the 22 real PDFs, nothing invented."""
    result = cli(tmp_path, "run", "--replay", "demo", "--no-serve")
    assert "cn_samr_cfws: ok" in result.stderr
    from indexer.query import Query
    from indexer.store import open_store

    with open_store("embedded", str(tmp_path / "store")) as store:
        assert store.count() >= 800
        fetched = store.search(Query(q="明码标价", page_size=100))
        assert fetched.total > 0
    documents = list((tmp_path / "documents").glob("*.pdf"))
    assert len(documents) == len(list((corpus / "cn" / "samr_cfws" / "pdf").glob("*.pdf")))
