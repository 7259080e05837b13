"""Search exports kept on disk (webapp.exportcache): built once per query and data state,
streamed to everyone who asks meanwhile, then sent whole; new data, new files; a build
that died is ignored; concurrent requests in two server processes get the same file."""

import logging
import shutil
import threading
import urllib.request

import pytest

from indexer.schema import empty_decision
from indexer.store import open_store
from tests.conftest import live_server

QUERY = "/search.csv?q=市场监督管理局"


@pytest.fixture
def data(archive, tmp_path):
    """A copy of the indexed archive's store: the server writes its cache beside it."""
    shutil.copytree(archive / "store", tmp_path / "store")
    return tmp_path


def _client(data, **config):
    from webapp import create_app

    return create_app(dict({"DATA_DIR": str(data), "TESTING": True}, **config)).test_client()


def _uncached(data, url):
    return _client(data, EXPORT_CACHE=False).get(url).data


def _finished(data):
    return sorted(p for p in (data / "cache" / "exports").iterdir()
                  if p.suffix in (".csv", ".jsonl"))


def test_an_export_is_built_once_then_sent_whole(data, caplog):
    client = _client(data)
    expected = _uncached(data, QUERY)
    assert expected.count(b"\n") > 5
    with caplog.at_level(logging.INFO, logger="webapp.exportcache"):
        first = client.get(QUERY)
        assert "Content-Length" not in first.headers and first.data == expected  # streamed
        second = client.get(QUERY)
    assert second.data == expected
    assert int(second.headers["Content-Length"]) == len(expected)
    assert "attachment" in second.headers["Content-Disposition"]
    assert sum("built in" in r.getMessage() for r in caplog.records) == 1
    [path] = _finished(data)
    assert path.read_bytes() == expected
    etag = second.headers["ETag"]
    assert client.get(QUERY, headers={"If-None-Match": etag}).status_code == 304
    part = client.get(QUERY, headers={"Range": "bytes=3-20"})
    assert part.status_code == 206 and part.data == expected[3:21]
    # each format and variant is its own file
    assert client.get(QUERY + "&bom=1").data == b"\xef\xbb\xbf" + expected
    assert client.get(QUERY.replace(".csv", ".jsonl")).data == \
        _uncached(data, QUERY.replace(".csv", ".jsonl"))
    assert client.get(QUERY + "&page=2&page_size=5").data == expected  # the same file
    assert len(_finished(data)) == 3


def test_new_data_makes_a_new_export(data):
    client = _client(data)
    before = client.get(QUERY).data
    record = empty_decision()
    record.update(id="test:cache", source="test", party_name="示例缓存有限公司",
                  full_text="市场监督管理局 synthetic test record")
    with open_store("embedded", str(data / "store")) as store:
        store.upsert([record])
    after = client.get(QUERY).data
    assert "示例缓存有限公司".encode() in after and after.count(b"\n") == before.count(b"\n") + 1
    assert _uncached(data, QUERY) == after


def test_a_build_that_died_is_ignored_and_removed(data):
    client = _client(data)
    expected = client.get(QUERY).data
    [path] = _finished(data)
    key = path.name[:40]
    path.unlink()
    dead = path.parent / (key + ".0dead0.part")  # no process holds its lock
    dead.write_bytes(b"half a file")
    assert client.get(QUERY).data == expected
    assert not dead.exists()


def test_old_exports_are_removed_over_the_size_limit(data):
    client = _client(data, EXPORT_CACHE_BYTES=1)
    client.get(QUERY).data  # read whole: the build has ended
    client.get(QUERY.replace(".csv", ".jsonl")).data
    [kept] = _finished(data)
    assert kept.suffix == ".jsonl"  # the older one went; the one just built stays


def test_concurrent_requests_in_two_processes_get_the_same_file(data, tmp_path):
    expected = {url: _uncached(data, url)
                for url in (QUERY, QUERY.replace(".csv", ".jsonl"), "/search.jsonl")}
    bodies = []
    with live_server(data, tmp_path / "serve.log") as base:
        def fetch(url):
            quoted = urllib.request.quote(url, safe="/?=&.")
            with urllib.request.urlopen(base + quoted, timeout=60) as response:
                bodies.append((url, response.read()))
        threads = [threading.Thread(target=fetch, args=(url,))
                   for url in expected for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(bodies) == 12
    for url, body in bodies:
        assert body == expected[url], url
    assert len(_finished(data)) == 3
    assert not list((data / "cache" / "exports").glob("*.part"))


def test_readers_follow_a_build_as_it_grows(tmp_path):
    from webapp.exportcache import ExportCache

    cache = ExportCache(str(tmp_path / "exports"), max_bytes=1 << 20, builds=1,
                        processes=False)  # a producer that waits on this test's event
    calls, go_on = [], threading.Event()

    def produce():
        calls.append(1)
        for n in range(50):
            if n == 10:
                go_on.wait(10)  # every reader has joined by now
            yield "row %d\n" % n

    key = cache.key(".csv", [("q", "x")], ["state"])
    expected = b"".join(b"row %d\n" % n for n in range(50))
    results, readers = [], []

    def read():
        chunks = cache.stream(key, ".csv", produce)
        results.append(b"".join(chunks) if chunks is not None else None)
    for _ in range(3):
        readers.append(threading.Thread(target=read))
        readers[-1].start()
    for thread in readers:
        thread.join(0.5)
    go_on.set()
    for thread in readers:
        thread.join(10)
    assert results == [expected] * 3 and calls == [1]
    assert cache.stream(key, ".csv", produce) is None  # finished: sent whole from now on
    assert (tmp_path / "exports" / (key + ".csv")).read_bytes() == expected
