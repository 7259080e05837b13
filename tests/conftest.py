"""Shared fixtures: the corpus, a crawled-and-indexed data directory, the Flask app.

Crawls run in a subprocess (Twisted's reactor starts once per process), over real HTTP
against the replay server on 127.0.0.1; nothing here touches the internet.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
FIXTURES = ROOT / "tests" / "fixtures"
REGENERATE = os.environ.get("PENALTY_ARCHIVE_REGENERATE") == "1"


def pytest_configure(config):
    os.environ.setdefault("PENALTY_ARCHIVE_CORPUS", str(CORPUS))


@pytest.fixture(scope="session")
def corpus():
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the project")
    return CORPUS


def cli(data_dir, *args, check=True, timeout=600):
    """Run ``penalty-archive --data DATA ARGS`` in a subprocess; returns CompletedProcess."""
    env = dict(os.environ, PENALTY_ARCHIVE_CORPUS=str(CORPUS), PYTHONUNBUFFERED="1")
    result = subprocess.run([sys.executable, "-m", "indexer.cli", "--data", str(data_dir)]
                            + list(args), cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("penalty-archive %s failed (%d):\n%s\n%s" % (
            " ".join(args), result.returncode, result.stdout[-3000:], result.stderr[-5000:]))
    return result


def stored_records(data_dir):
    """{id: record} of the embedded store under ``data_dir`` (after ``index``)."""
    from indexer.store import open_store

    with open_store("embedded", str(Path(data_dir) / "store"), readonly=True) as store:
        return {r["id"]: r for r in store.iter_decisions()}


@contextlib.contextmanager
def live_server(data_dir, log_path, ready="/", env_overrides=None, process_out=None):
    """A real `penalty-archive serve` (the production server, two workers) on a free
    127.0.0.1 port; yields its base URL (and appends the process to ``process_out``).
    The server's log goes to a file (a pipe nobody reads would fill and stall it).
    Page rate limits are raised: a browser test loads many pages."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PENALTY_ARCHIVE_CORPUS=str(CORPUS),
               PENALTY_ARCHIVE_RATELIMIT_PAGES="100000 per minute")
    env.update(env_overrides or {})
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "indexer.cli", "--data", str(data_dir),
                                    "serve", "--port", str(port), "--workers", "2"], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
        if process_out is not None:
            process_out.append(process)
        base = "http://127.0.0.1:%d" % port
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + ready, timeout=2).read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError("the server did not start:\n"
                                             + Path(log_path).read_text())
                    time.sleep(0.1)
            yield base
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


@pytest.fixture(scope="session")
def archive(tmp_path_factory, corpus):
    """A data directory holding a replayed crawl of every fixture folder, indexed."""
    data = tmp_path_factory.mktemp("archive")
    cli(data, "crawl", "--all", "--replay", str(FIXTURES))
    cli(data, "index")
    return data


@pytest.fixture(scope="session")
def portal_archive(tmp_path_factory, corpus):
    """The offline demo's market-regulation portal (cn_samr_cfws), crawled over HTTP from
    the replay of ../shared/corpus and indexed: ~800 real decisions, 22 with documents."""
    data = tmp_path_factory.mktemp("portal")
    cli(data, "crawl", "cn_samr_cfws", "--replay", "demo")
    cli(data, "index")
    return data


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory, corpus):
    """The offline demo (``run --replay demo``): every source's real material, indexed."""
    data = tmp_path_factory.mktemp("demo")
    cli(data, "run", "--replay", "demo", "--no-serve")
    return data


@pytest.fixture(scope="session")
def demo_app(demo_archive):
    """The website over the offline demo (rate limits off: tests walk many URLs)."""
    from webapp import create_app

    return create_app({"DATA_DIR": str(demo_archive), "TESTING": True,
                       "RATELIMIT_ENABLED": False})


@pytest.fixture(scope="session")
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def app(archive):
    from webapp import create_app

    # counters per app, as each test expects them (the shared SQLite store: test_serve.py)
    return create_app({"DATA_DIR": str(archive), "TESTING": True,
                       "RATELIMIT_STORAGE_URI": "memory://"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
