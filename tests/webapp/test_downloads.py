"""/downloads, release files, and filtered downloads of a search (/search.csv, .jsonl)."""

import csv
import gzip
import hashlib
import io
import json
import shutil

import pytest

from indexer.export import unneutralise
from indexer.schema import DECISION_FIELDS, empty_decision
from indexer.store import open_store
from tests.conftest import cli


@pytest.fixture(scope="module")
def exported(archive, tmp_path_factory):
    """A copy of the indexed archive with one release made by `penalty-archive export`."""
    data = tmp_path_factory.mktemp("exported")
    shutil.copytree(archive / "store", data / "store")
    shutil.copytree(archive / "state", data / "state")
    result = cli(data, "export", "--name", "2026-02-01")
    assert "export 2026-02-01:" in result.stderr
    return data


@pytest.fixture
def dl_client(exported):
    from webapp import create_app

    return create_app({"DATA_DIR": str(exported), "TESTING": True}).test_client()


def test_downloads_page_lists_the_release(dl_client, exported):
    html = dl_client.get("/downloads").get_data(as_text=True)
    index = json.loads((exported / "exports" / "index.json").read_text(encoding="utf-8"))
    release = index["releases"][0]
    assert release["name"] == "2026-02-01"
    for item in release["files"]:
        assert item["path"] in html and item["sha256"] in html
    assert "/downloads/2026-02-01/decisions.parquet" in html
    assert "How to cite" in html and "Creative Commons Attribution 4.0" in html
    for name in ("decision_number", "party_name", "fine_amount"):
        assert "<code>%s</code>" % name in html
    assert "行政处罚决定书文号" in html  # the 双公示 name in the data dictionary
    assert dl_client.get("/downloads/index.json").get_json() == index


def test_release_files_are_served_with_type_length_and_ranges(dl_client, exported):
    folder = exported / "exports" / "2026-02-01"
    for name, kind in (("decisions.csv.gz", "application/gzip"),
                       ("decisions.parquet", "application/vnd.apache.parquet"),
                       ("decisions.sqlite", "application/vnd.sqlite3"),
                       ("datapackage.json", "application/json"),
                       ("SHA256SUMS", "text/plain; charset=utf-8")):
        response = dl_client.get("/downloads/2026-02-01/" + name)
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == kind
        assert int(response.headers["Content-Length"]) == (folder / name).stat().st_size
        assert response.data == (folder / name).read_bytes()
    part = dl_client.get("/downloads/2026-02-01/decisions.parquet",
                         headers={"Range": "bytes=4-99"})
    assert part.status_code == 206
    assert part.data == (folder / "decisions.parquet").read_bytes()[4:100]
    assert part.headers["Content-Range"].startswith("bytes 4-99/")
    sums = dl_client.get("/downloads/2026-02-01/SHA256SUMS").get_data(as_text=True)
    digest, name = sums.splitlines()[0].split("  ")
    body = dl_client.get("/downloads/2026-02-01/" + name).data
    assert hashlib.sha256(body).hexdigest() == digest


def test_only_listed_files_are_served(dl_client):
    for url in ("/downloads/2026-02-01/../index.json", "/downloads/2026-02-01/nothing.csv",
                "/downloads/2099-01-01/decisions.csv.gz", "/downloads/..%2f/SHA256SUMS",
                "/downloads/2026-02-01/%2e%2e/%2e%2e/store/decisions.sqlite"):
        assert dl_client.get(url, follow_redirects=True).status_code == 404, url


def _csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_search_exports_stream_every_match(dl_client):
    total = dl_client.get("/api/v1/decisions?q=市场监督管理局").get_json()["total"]
    assert total >= 5
    response = dl_client.get("/search.csv?q=市场监督管理局&page_size=2&page=2")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert len(rows) == total  # every match, whatever the page
    assert list(rows[0]) == list(DECISION_FIELDS)
    lines = dl_client.get("/search.jsonl?q=市场监督管理局").get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]
    assert sorted(r["id"] for r in records) == sorted(r["id"] for r in rows)
    filtered = dl_client.get("/search.jsonl?q=盐酸帕罗西汀").get_data(as_text=True).splitlines()
    assert [json.loads(line)["decision_number"] for line in filtered] == ["吴利市监处罚〔2025〕166号"]
    assert dl_client.get("/search.csv?page=abc").status_code == 400


def test_search_page_links_the_downloads(dl_client):
    html = dl_client.get("/search?q=明码标价&source=cn_samr_cfws").get_data(as_text=True)
    assert "/search.csv?q=%E6%98%8E%E7%A0%81%E6%A0%87%E4%BB%B7&amp;source=cn_samr_cfws" in html
    assert "/search.jsonl?q=" in html


def test_search_csv_neutralises_formulas(tmp_path):
    from webapp import create_app

    record = empty_decision()
    party = '=HYPERLINK("http://attacker.example/","Click")'
    record.update(id="test:formula", source="test", party_name=party,
                  decision_number="@cmd", full_text="明码标价 synthetic test record")
    with open_store("embedded", str(tmp_path / "store")) as store:
        store.upsert([record])
    client = create_app({"DATA_DIR": str(tmp_path), "TESTING": True}).test_client()
    rows = _csv_rows(client.get("/search.csv?q=明码标价"))
    assert rows[0]["party_name"] == "'" + party
    assert rows[0]["decision_number"] == "'@cmd"
    assert unneutralise(rows[0]["party_name"]) == party


def test_exports_are_rate_limited(exported):
    from webapp import create_app

    client = create_app({"DATA_DIR": str(exported), "TESTING": True,
                         "RATELIMIT_EXPORT": "2 per minute"}).test_client()
    assert client.get("/search.jsonl").status_code == 200
    assert client.get("/downloads/2026-02-01/SHA256SUMS").status_code == 200
    limited = client.get("/search.csv")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/downloads").status_code == 200  # the page itself is not limited


def test_release_slices_read_back(exported):
    folder = exported / "exports" / "2026-02-01"
    with gzip.open(folder / "by-source" / "cn_samr_cfws.csv.gz", "rt", encoding="utf-8",
                   newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["source"] == "cn_samr_cfws" for r in rows)
