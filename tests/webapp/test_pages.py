"""Pages through the Flask test client on the indexed fixture archive."""

from indexer.schema import empty_decision
from indexer.store import open_store


def test_search_page_lists_decisions_newest_first(client, archive):
    response = client.get("/?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with open_store("embedded", str(archive / "store"), readonly=True) as store:
        total = store.count()
    assert "%d decisions" % total in html
    # 2026-02-28 comes before 2024-11-13
    html = client.get("/?lang=en&source=cn_samr_cfws").get_data(as_text=True)
    assert html.index("吉水县濠江主题酒店") < html.index("高阳县祥子商店")


def test_security_headers(client):
    response = client.get("/search?q=x")
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert header in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_unknown_decision_and_bad_document_names_are_404(client):
    assert client.get("/decisions/cn_samr_cfws:nothing").status_code == 404
    assert client.get("/documents/..%2fstate.json").status_code == 404
    assert client.get("/documents/" + "0" * 64 + ".pdf").status_code == 404


def test_query_text_is_escaped(client):
    html = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_decision_text_is_escaped(app, tmp_path):
    from webapp import create_app

    record = empty_decision()
    record.update(id="test:xss", source="test", party_name='<img src=x onerror="alert(1)">',
                  decision_number="<b>1</b>", full_text="<script>alert(2)</script>明码标价")
    with open_store("embedded", str(tmp_path / "store")) as store:
        store.upsert([record])
    client = create_app({"DATA_DIR": str(tmp_path)}).test_client()
    for url in ("/search?q=明码标价", "/decisions/test:xss", "/decisions/test:xss?view=full"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html or "&lt;script&gt;" in html


def test_pagination_links_keep_the_query(client):
    html = client.get("/search?page_size=1&q=市场监督管理局").get_data(as_text=True)
    assert 'rel="next"' in html
    assert "page_size=1" in html and "page=2" in html


def test_an_unclassified_decision_says_why(tmp_path):
    from webapp import create_app

    record = empty_decision()
    record.update(id="test:u1", source="test", penalty_text="罚款1000元", document_pending=True,
                  unclassified_reason="document_pending")
    typed = dict(record, id="test:u2", violation_types=["price"], unclassified_reason=None,
                 violation_evidence={"price": "topic: 价格专题 (cfws 专题 05)"})
    with open_store("embedded", str(tmp_path / "store")) as store:
        store.upsert([record, typed])
    client = create_app({"DATA_DIR": str(tmp_path)}).test_client()
    html = client.get("/decisions/test:u1").get_data(as_text=True)
    assert "not been classified" in html and "names no conduct and cites no provision" in html
    html = client.get("/decisions/test:u2").get_data(as_text=True)
    assert "topic: 价格专题 (cfws 专题 05)" in html and "not been classified" not in html
