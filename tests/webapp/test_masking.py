"""The masking rule over the fixture archive: a natural person the rule masks is nowhere in
full, in the decision pages, the feed, the API, /search.jsonl or the bulk export."""

import gzip
import json

import pytest

from indexer.datadir import iter_raw
from indexer.export import export_release
from indexer.store import open_store

# read from the real CSRC decisions of the fixture (tests/fixtures/cn_csrc)
MASKED = {"吴凌玥": "吴*", "韩佩佩": "韩*", "王叶兰": "王*", "柳玉平": "柳*", "周雅萍": "周*"}
KEPT = {"李晋", "吴志锋", "曹亚蕾", "李欣", "景恒心", "高世茂", "霍耀俊", "郭向英"}


@pytest.fixture(scope="module")
def raw_names(archive):
    """Every natural-person name the fixture's raw items name as a party, as published."""
    return {item["party_name"] for item in iter_raw(str(archive)) if item.get("party_name")}


def test_the_fixture_names_the_persons_in_full(raw_names):
    assert set(MASKED) <= raw_names and KEPT <= raw_names


def test_decision_pages_show_the_masked_form_and_keep_officers(client, archive):
    with open_store("embedded", str(archive / "store"), readonly=True) as store:
        records = list(store.iter_decisions())
    by_party = {r["party_name"]: r for r in records}
    for full, masked in MASKED.items():
        assert full not in by_party and masked in by_party, full
        record = by_party[masked]
        assert record["party_kind"] == "natural_person"
        for view in ("", "?view=full"):
            html = client.get("/decisions/%s%s" % (record["id"], view)).get_data(as_text=True)
            assert masked in html
            assert not [name for name in MASKED if name in html], (record["id"], view)
    for name in KEPT:
        assert name in by_party, name
        html = client.get("/decisions/%s" % by_party[name]["id"]).get_data(as_text=True)
        assert name in html


def test_feed_api_and_search_export_never_show_a_masked_name(client):
    bodies = [client.get("/feeds/decisions.atom?source=cn_csrc").get_data(as_text=True),
              client.get("/search.jsonl").get_data(as_text=True),
              client.get("/search.csv").get_data(as_text=True),
              client.get("/api/v1/decisions?source=cn_csrc&page_size=100").get_data(as_text=True)]
    assert "吴*" in bodies[0] and "吴*" in bodies[1]
    for body in bodies:
        assert not [name for name in MASKED if name in body]
    # a search for the full name finds nothing: the index holds the masked form only
    assert client.get("/api/v1/decisions?q=吴凌玥").get_json()["total"] == 0
    assert client.get("/api/v1/decisions?q=李晋").get_json()["total"] > 0


def test_the_bulk_export_never_shows_a_masked_name(archive, tmp_path):
    with open_store("embedded", str(archive / "store"), readonly=True) as store:
        export_release(store, str(tmp_path), name="2026-01-01")
    release = tmp_path / "2026-01-01"
    for name in ("decisions.jsonl.gz", "decisions.csv.gz", "decisions.zh.csv.gz"):
        with gzip.open(release / name, "rt", encoding="utf-8") as f:
            body = f.read()
        assert "吴*" in body, name
        assert not [n for n in MASKED if n in body], name
    sqlite = (release / "decisions.sqlite").read_bytes()
    assert not [n for n in MASKED if n.encode("utf-8") in sqlite]
    first = json.loads(gzip.open(release / "decisions.jsonl.gz", "rt").readline())
    assert "unclassified_reason" in first
