"""Killing the process in the middle of a rebuild leaves the old index serving; a retry works.

A subprocess rebuilds a store of a few thousand (synthetic, benchmark-only) decisions and is
killed with SIGKILL as soon as its new index exists, before it can switch to it.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from bench.generate import decisions
from indexer.query import Query
from tests.conftest import ROOT
from tests.indexer.test_store_contract import Opener, _kinds

N = {"embedded": 4000, "elasticsearch": 300}  # the ES-API emulator in CI is slow
# Sorted by amount (distinct values): relevance or date ties, and the top-50 cut of a facet
# with many equal counts, may come out differently from a new index.
QUERIES = [Query(q="明码标价", sort="amount_desc"), Query(q="consent", sort="amount_desc"),
           Query(types=("price",), year=2024, sort="amount_desc")]
FACETS = ("type", "year", "penalty", "source", "amount")

CHILD = """
import sys
from indexer.store import open_store
kind, location, prefix = sys.argv[1:]
options = {"prefix": prefix} if kind == "elasticsearch" else {}
store = open_store(kind, location, **options)
print("rebuilding", flush=True)
store.rebuild()
print("done", flush=True)
"""


def answers(store):
    out = []
    for query in QUERIES:
        result = store.search(query)
        out.append((result.total, [h.record["id"] for h in result.hits],
                    {name: sorted(result.facets[name]) for name in FACETS}))
    return out


def live(store, opener):
    """The live index generation, and whether a second (half-built) one exists."""
    if opener.kind == "embedded":
        with open(os.path.join(opener.path, "search", "CURRENT"), encoding="utf-8") as f:
            current = f.read().strip()
        others = [d for d in os.listdir(os.path.join(opener.path, "search"))
                  if d not in (current, "CURRENT", "CURRENT.tmp")]
        return current, others
    current = store.live_index()
    others = [n for n in store.client.indices.get(index=store.alias + "-*") if n != current]
    return current, others


@pytest.fixture(params=_kinds())
def opener(request, tmp_path):
    if request.param == "elasticsearch":
        pytest.importorskip("elasticsearch")
    o = Opener(request.param, tmp_path)
    yield o
    o.cleanup()


@pytest.mark.slow
def test_kill_during_rebuild_keeps_the_old_index_and_a_retry_completes(opener):
    store = opener()
    store.upsert(decisions(N[opener.kind], seed=5))
    before = answers(store)
    assert all(total > 0 for total, _, _ in before)
    old, _ = live(store, opener)
    location = opener.path if opener.kind == "embedded" else os.environ["ELASTICSEARCH_URL"]
    child = subprocess.Popen([sys.executable, "-c", CHILD, opener.kind, location, opener.prefix],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while True:
            assert child.poll() is None, "the rebuild ended before it could be killed: %s" % (
                child.communicate(),)
            assert time.monotonic() < deadline, "no new index appeared"
            current, others = live(store, opener)
            if others:
                break
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL

    # The old index still serves, unchanged, to the open store and to a new reader.
    assert live(store, opener)[0] == old
    assert answers(store) == before
    reader = opener(readonly=True)
    assert answers(reader) == before

    # A retry completes, switches, and removes the half-built index.
    retry = opener()
    generation = retry.rebuild()
    assert generation != old and live(retry, opener) == (generation, [])
    assert answers(retry) == before
    assert answers(reader) == before
    for s in (store, reader, retry):
        s.close()
