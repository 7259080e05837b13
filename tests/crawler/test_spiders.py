"""One harness for every source: replay its fixture folder over HTTP, compare raw items.

Each ``tests/fixtures/<source>/`` holds the saved (or documented-shape) responses and a
reviewed ``expected.json``.  A missing expected file is written and the test fails until
someone has read it; ``PENALTY_ARCHIVE_REGENERATE=1`` rewrites it on purpose.
"""

import json

import pytest

from crawler.cli import spider_classes
from indexer.datadir import iter_raw
from tests.conftest import FIXTURES, REGENERATE, cli

SOURCES = sorted(set(spider_classes()) & {p.name for p in FIXTURES.iterdir() if p.is_dir()})
VOLATILE = ("fetched_at",)


def comparable(items):
    return sorted(({k: v for k, v in item.items() if k not in VOLATILE} for item in items),
                  key=lambda item: item["key"])


@pytest.mark.parametrize("source", SOURCES)
def test_source_against_expected(source, tmp_path, corpus):
    cli(tmp_path, "crawl", source, "--replay", str(FIXTURES / source))
    items = comparable(iter_raw(str(tmp_path), source))
    expected_path = FIXTURES / source / "expected.json"
    if REGENERATE or not expected_path.exists():
        expected_path.write_text(json.dumps(items, ensure_ascii=False, indent=1,
                                            sort_keys=True) + "\n", encoding="utf-8")
        if not REGENERATE:
            pytest.fail("wrote %s: review it, then run again" % expected_path)
    assert items == json.loads(expected_path.read_text(encoding="utf-8"))


def test_documents_are_stored_content_addressed(archive):
    import hashlib

    items = [i for i in iter_raw(str(archive), "cn_samr_cfws") if i.get("document_path")]
    assert items
    for item in items:
        data = (archive / item["document_path"]).read_bytes()
        assert data.startswith(b"%PDF")
        assert hashlib.sha256(data).hexdigest() == item["document_sha256"]
        assert item["document_path"] == "documents/%s.pdf" % item["document_sha256"]


def test_recrawl_is_incremental(tmp_path, corpus):
    fixture = str(FIXTURES / "cn_samr_cfws")
    cli(tmp_path, "crawl", "cn_samr_cfws", "--replay", fixture)
    first = list(iter_raw(str(tmp_path), "cn_samr_cfws"))
    cli(tmp_path, "crawl", "cn_samr_cfws", "--replay", fixture)
    second = list(iter_raw(str(tmp_path), "cn_samr_cfws"))[len(first):]
    # Only the decision whose document is still pending is asked for again.
    assert [i["key"] for i in second] == [i["key"] for i in first if not i.get("document_path")]
    state = json.loads((tmp_path / "state" / "cn_samr_cfws.json").read_text())
    assert [c["new"] for c in state["crawls"]] == [len(first), 0]


def test_warc_records_replay_the_same_crawl(tmp_path, corpus):
    fixture = str(FIXTURES / "cn_samr_cfws")
    first, second = tmp_path / "first", tmp_path / "second"
    cli(first, "crawl", "cn_samr_cfws", "--replay", fixture)
    warcs = list((first / "warc").glob("*.warc.gz"))
    assert len(warcs) == 1
    cli(second, "crawl", "cn_samr_cfws", "--replay", str(first / "warc"))
    assert comparable(iter_raw(str(second))) == comparable(iter_raw(str(first)))


def test_unknown_source_is_a_usage_error(tmp_path):
    result = cli(tmp_path, "crawl", "xx_nobody", check=False)
    assert result.returncode != 0
    assert "unknown source" in result.stderr
