"""Nothing lost, nothing crashes: interrupted and concurrent runs, the `check` command,
damaged documents.  Runs are real `penalty-archive` subprocesses on a real data directory."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from indexer.store import open_store
from tests.conftest import ROOT, cli

N = 3000  # raw items: six batches of the store


def write_raw(data_dir, n=N, seed=1):
    rng = random.Random(seed)
    folder = data_dir / "raw" / "generic"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "2026-01-20.jsonl", "w", encoding="utf-8") as f:
        for i in range(n):
            text = ("当事人：某某商店%d\n经查，当事人销售商品未明码标价。\n决定对当事人作出如下行政处罚："
                    "罚款%d元。" % (i, rng.randint(100, 99999)))
            f.write(json.dumps({"source": "generic", "key": "k%05d" % i, "text": text},
                               ensure_ascii=False) + "\n")


def agreement(data_dir):
    result = cli(data_dir, "check", "--json", check=False)
    return result.returncode, json.loads(result.stdout)


def start(data_dir, *args):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "indexer.cli", "--data", str(data_dir)]
                            + list(args), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_batch_stored_but_not_indexed_is_repaired_by_the_next_plain_run(tmp_path):
    """The state `index` leaves when killed right after a batch reached SQLite: `check`
    finds it, and a plain `index` (no --rebuild) makes every decision searchable."""
    write_raw(tmp_path, n=600)
    cli(tmp_path, "index")
    with open_store("embedded", str(tmp_path / "store")) as store:
        records = [dict(r, id=r["id"] + "-new") for r in list(store.iter_decisions())[:500]]
        store._upsert_batch(records, "2026-01-21T00:00:00+00:00")  # stored, never indexed
    code, found = agreement(tmp_path)
    assert code == 1 and found["records"] == 1100 and found["searchable"] == 600
    assert len(found["missing"]) == 500
    result = cli(tmp_path, "index")
    assert "500 decisions an interrupted run had stored but not indexed" in result.stderr
    code, found = agreement(tmp_path)
    assert code == 0 and found["records"] == found["searchable"] == 1100
    assert not (found["missing"] or found["extra"] or found["duplicated"])


@pytest.mark.parametrize("command", [["index"], ["index", "--rebuild"], ["export"]])
def test_kill_9_at_random_points_then_a_plain_run_repairs(tmp_path, command):
    """A bounded loop: the command is killed with SIGKILL at a random moment; the next
    plain `index` leaves every stored decision searchable once, and the lock of the
    killed run is taken over."""
    write_raw(tmp_path)
    if command != ["index"]:
        cli(tmp_path, "index")
    rng = random.Random(7)
    for attempt in range(3):
        if command == ["index"]:
            write_raw(tmp_path, seed=attempt + 2)  # every amount changes: a full re-index
        process = start(tmp_path, *command)
        time.sleep(rng.uniform(0.3, 2.0))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        cli(tmp_path, "index")
        code, found = agreement(tmp_path)
        assert code == 0, found
        assert found["records"] == found["searchable"] == N
    if command == ["export"]:
        result = cli(tmp_path, "export")
        assert "%d decisions" % N in result.stderr


@pytest.mark.parametrize("first,second", [
    (["index", "--rebuild"], ["index"]), (["index"], ["index"]), (["export"], ["export"]),
    (["index"], ["export"])])
def test_a_second_writer_is_refused_with_the_holder_named(tmp_path, first, second):
    write_raw(tmp_path)
    cli(tmp_path, "index")
    write_raw(tmp_path, seed=5)  # the first run has work to do
    holder = start(tmp_path, *first)
    lock = tmp_path / "locks" / "store.lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.02)
    result = cli(tmp_path, *second, check=False)
    out, err = holder.communicate(timeout=300)
    assert holder.returncode == 0, err
    assert result.returncode == 75
    assert "pid %d" % holder.pid in result.stderr and "locked by another run" in result.stderr
    code, found = agreement(tmp_path)
    assert code == 0 and found["records"] == found["searchable"] == N


def test_check_finds_a_damaged_document_and_the_site_does_not_serve_it(tmp_path):
    from tests.conftest import CORPUS

    pdf = next((CORPUS / "cn" / "samr_cfws" / "pdf").glob("*.pdf"), None)
    if pdf is None:
        pytest.skip("no corpus")
    import hashlib

    data = pdf.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    documents = tmp_path / "documents"
    documents.mkdir()
    stored = documents / (digest + ".pdf")
    stored.write_bytes(data[: len(data) // 2])  # truncated on disk
    folder = tmp_path / "raw" / "cn_samr_cfws"
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_text(json.dumps({
        "source": "cn_samr_cfws", "key": "a", "decision_number": "X〔2025〕1号",
        "document_path": "documents/%s.pdf" % digest, "document_sha256": digest},
        ensure_ascii=False) + "\n", encoding="utf-8")
    result = cli(tmp_path, "index")
    assert "1 decisions in the store" in result.stderr
    assert "do not match the SHA-256" in result.stderr
    code, found = agreement(tmp_path)
    assert code == 1 and found["damaged_documents"] == [stored.name]
    from webapp import create_app

    client = create_app({"DATA_DIR": str(tmp_path)}).test_client()
    response = client.get("/documents/" + stored.name)
    assert response.status_code == 404 and b"%PDF" not in response.data
    assert "damaged" in response.get_data(as_text=True)
    stored.write_bytes(data)  # fetched again: served
    assert client.get("/documents/" + stored.name).data == data


def test_every_page_answers_503_before_the_first_index(tmp_path):
    from webapp import create_app

    client = create_app({"DATA_DIR": str(tmp_path)}).test_client()
    for url in ("/", "/search?q=罚款", "/stats", "/feeds/decisions.atom", "/compare?type=pi"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"] == "60"
        assert "not indexed yet" in response.get_data(as_text=True)
    response = client.get("/api/v1/decisions")
    assert response.status_code == 503 and "not indexed" in response.json["error"]["message"]


def test_a_second_crawl_of_a_source_is_refused_with_the_holder_named(tmp_path, corpus):
    """One crawl per source at a time: while another run holds a source's crawl lock, a
    crawl of it exits 75 naming that run, and writes nothing."""
    from indexer.datadir import lock

    with lock(str(tmp_path), "crawl-cn_samr_cfws", command="crawl cn_samr_cfws"):
        result = cli(tmp_path, "crawl", "cn_samr_cfws", "--replay", "demo", check=False)
    assert result.returncode == 75
    assert "pid %d" % os.getpid() in result.stderr and "crawl cn_samr_cfws" in result.stderr
    assert not (tmp_path / "raw").exists()
    result = cli(tmp_path, "crawl", "cn_samr_cfws", "--replay", "demo", check=False)
    assert result.returncode == 0, result.stderr
