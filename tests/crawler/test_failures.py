"""Crawls fail loudly: block pages, failing list pages and 404s end in FAILED or INCOMPLETE,
never in a quiet success; an incomplete crawl is resumed; faults are survived.

Every crawl here is a real Scrapy crawl over HTTP against the replay server on 127.0.0.1,
with faults injected by the replay (``crawl --fault``).
"""

import json

import pytest

from crawler.cli import spider_classes
from indexer.datadir import iter_raw
from tests.conftest import CORPUS, FIXTURES, cli

SOURCES = sorted(set(spider_classes()) & {p.name for p in FIXTURES.iterdir() if p.is_dir()})
BLOCKS = FIXTURES / "block_pages"
AKAMAI = CORPUS / "intl" / "misc" / "aepd_block_page.html"

# Every answer of the site (robots.txt aside) is one of these.
ONLY = {
    "jiasule": ("status:521,body=%s" % (BLOCKS / "jiasule_521.html"),
                "Jiasule (加速乐) JavaScript challenge"),
    "ruishu": ("status:412,body=%s" % (BLOCKS / "ruishu_412.html"),
               "Ruishu (瑞数) JavaScript challenge"),
    "akamai": ("status:403,body=%s" % AKAMAI, "Akamai access denied"),
    "forbidden": ("status:403,body=%s" % (BLOCKS / "forbidden_403.html"),
                  "access forbidden (HTTP 403)"),
    "not-found": ("status:404", "HTTP 404"),
}


def sources_json(data):
    return {row["source"]: row for row in json.loads(cli(data, "sources", "--json").stdout)}


def keys(data, source):
    return {item["key"] for item in iter_raw(str(data), source)}


@pytest.mark.parametrize("kind", sorted(ONLY))
def test_a_crawl_that_meets_only_block_pages_or_404s_fails(kind, tmp_path, corpus):
    """Every source: no decision written from a block page, FAILED with the reason, in
    the exit status, `sources --json` and the crawl's own report."""
    fault, reason = ONLY[kind]
    result = cli(tmp_path, "crawl", "--all", "--replay", str(FIXTURES), "--fault", fault,
                 check=False)
    assert result.returncode == 1, result.stderr[-3000:]
    rows = sources_json(tmp_path)
    for source in SOURCES:
        assert not keys(tmp_path, source), source
        last = rows[source]["last_crawl"]
        assert last["outcome"] == "failed" and last["ok"] is False, (source, last)
        assert last["reason"].startswith("no list page could be read: " + reason), last
        assert "%s: FAILED: no list page could be read: %s" % (source, reason) in result.stderr
        assert last["faults"][reason] > 0
        if kind != "not-found":
            assert last["blocked"] > 0
    assert "FAILED: no list page could be read" in cli(tmp_path, "sources").stdout


def test_a_source_alone_that_is_blocked_exits_non_zero(tmp_path, corpus):
    result = cli(tmp_path, "crawl", "cn_csrc", "--replay", str(FIXTURES / "cn_csrc"),
                 "--fault", ONLY["ruishu"][0], check=False)
    assert result.returncode == 1
    assert not keys(tmp_path, "cn_csrc")
    # The website's sources page says why.
    from webapp import create_app

    cli(tmp_path, "index")
    page = create_app({"DATA_DIR": str(tmp_path)}).test_client().get("/sources?lang=en")
    html = page.get_data(as_text=True)
    assert "failed" in html
    assert "no list page could be read: Ruishu (瑞数) JavaScript" in html
    api = create_app({"DATA_DIR": str(tmp_path)}).test_client().get("/api/v1/sources")
    [row] = [r for r in api.get_json()["sources"] if r["name"] == "cn_csrc"]
    assert row["last_crawl"]["outcome"] == "failed" and row["last_crawl"]["reason"]


def test_an_incomplete_crawl_is_resumed_past_archived_decisions(tmp_path, corpus):
    """List page 2 (of 3) fails every time: INCOMPLETE (exit 3), page 1's decisions are
    kept; the next crawl goes on past them and collects the rest."""
    fixture = str(FIXTURES / "cn_csrc")
    everything = {item["key"] for item in json.loads(
        (FIXTURES / "cn_csrc" / "expected.json").read_text(encoding="utf-8"))}
    result = cli(tmp_path, "crawl", "cn_csrc", "--replay", fixture,
                 "--fault", r"status:503,match=[?&]page=2\b", check=False)
    assert result.returncode == 3, result.stderr[-3000:]
    first = keys(tmp_path, "cn_csrc")
    assert first and first < everything
    last = sources_json(tmp_path)["cn_csrc"]["last_crawl"]
    assert last["outcome"] == "incomplete"
    assert last["reason"] == "1 list page could not be read: HTTP 503"
    assert last["faults"]["HTTP 503"] == 6  # the first answer and five retries
    assert sources_json(tmp_path)["cn_csrc"]["last_success"] is None

    cli(tmp_path, "crawl", "cn_csrc", "--replay", fixture)
    assert keys(tmp_path, "cn_csrc") == everything
    state = json.loads((tmp_path / "state" / "cn_csrc.json").read_text(encoding="utf-8"))
    assert state["crawls"][-1]["outcome"] == "ok" and "resume_from" not in state

    # Complete again: the next crawl is incremental once more (page 1 is all archived).
    cli(tmp_path, "crawl", "cn_csrc", "--replay", fixture)
    state = json.loads((tmp_path / "state" / "cn_csrc.json").read_text(encoding="utf-8"))
    assert state["crawls"][-1]["items"] == 0 and state["crawls"][-1]["outcome"] == "ok"


def test_a_crawl_whose_list_pages_list_nothing_fails_once_decisions_were_archived(tmp_path,
                                                                                  corpus):
    """A site that changed: its list pages answer, but the spider finds no decision."""
    fixture = str(FIXTURES / "cn_csrc")
    cli(tmp_path, "crawl", "cn_csrc", "--replay", fixture)
    empty = tmp_path / "empty.json"
    empty.write_text('{"data": {"results": [], "total": 0}}')
    result = cli(tmp_path, "crawl", "cn_csrc", "--replay", fixture, "--fault",
                 "status:200,content_type=application/json,body=%s,match=searchList" % empty,
                 check=False)
    assert result.returncode == 1
    last = sources_json(tmp_path)["cn_csrc"]["last_crawl"]
    assert last["outcome"] == "failed"
    assert last["reason"] == "no list page could be read: unexpected structure"


def comparable(data, source):
    from tests.crawler.test_spiders import comparable as strip_volatile

    return strip_volatile(iter_raw(str(data), source))


def expected(source):
    return json.loads((FIXTURES / source / "expected.json").read_text(encoding="utf-8"))


def test_faults_are_survived_and_reported(tmp_path, corpus):
    """429 with Retry-After, a 5xx burst, connection resets, a timeout and GBK served as
    UTF-8: the crawl backs off, loses no decision and no document, and reports each."""
    source = "cn_csrc"
    result = cli(tmp_path, "crawl", source, "--replay", str(FIXTURES / source),
                 "--fault", r"status:429,retry_after=2,times=1,match=[?&]page=1\b",
                 "--fault", "status:503,times=3,match=content",
                 "--fault", "reset,times=2,match=content",
                 "--fault", r"timeout,seconds=8,times=1,match=[?&]page=3\b",
                 "--fault", "gbk,match=content")
    assert comparable(tmp_path, source) == expected(source)
    last = sources_json(tmp_path)[source]["last_crawl"]
    assert last["outcome"] == "ok", last
    faults = last["faults"]
    assert faults["HTTP 429"] == 1 and faults["HTTP 503"] == 3
    assert faults["DownloadTimeoutError"] == 1
    assert faults["DownloadFailedError"] == 2  # the resets
    assert faults["GBK served as UTF-8"] == 8
    assert last["seconds"] >= 2  # Retry-After was honoured
    assert "faults met: " in result.stderr


def test_damaged_pdfs_are_fetched_again(tmp_path, corpus):
    """A PDF cut short (as if whole), one whose bytes are damaged and a connection that
    drops halfway: each is retried, and the document archived is the whole PDF."""
    source = "cn_samr"
    pdf = r"match=decision\.pdf"
    cli(tmp_path, "crawl", source, "--replay", str(FIXTURES / source),
        "--fault", "truncate,times=1," + pdf, "--fault", "corrupt,times=1," + pdf,
        "--fault", "drop,times=1," + pdf)
    assert comparable(tmp_path, source) == expected(source)
    last = sources_json(tmp_path)[source]["last_crawl"]
    assert last["outcome"] == "ok" and last["faults"]["damaged PDF"] == 2
    assert len(last["faults"]) == 2, last["faults"]  # and the dropped connection


def test_a_redirect_loop_on_a_list_page_leaves_the_crawl_incomplete(tmp_path, corpus):
    result = cli(tmp_path, "crawl", "cn_csrc", "--replay", str(FIXTURES / "cn_csrc"),
                 "--fault", r"redirect-loop,match=[?&]page=3\b", check=False)
    assert result.returncode == 3
    last = sources_json(tmp_path)["cn_csrc"]["last_crawl"]
    assert last["outcome"] == "incomplete"
    assert "redirect" in last["reason"], last["reason"]


def test_a_recorded_crawl_that_met_only_challenge_pages_fails(tmp_path, corpus):
    """A WARC whose every answer is a Jiasule challenge (HTTP 521), replayed: no longer
    "ok — 0 decisions" with exit 0, but FAILED and no decision."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from crawler.spiders.cn_csrc import list_url

    warc = tmp_path / "blocked.warc.gz"
    body = (BLOCKS / "jiasule_521.html").read_bytes()
    with open(warc, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        writer.write_record(writer.create_warcinfo_record("blocked.warc.gz", {
            "penalty-archive-source": "cn_csrc", "penalty-archive-arguments": "{}"}))
        for url in (list_url(1), "https://www.csrc.gov.cn/robots.txt"):
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(body),
                http_headers=StatusAndHeaders("521 Origin Down", [
                    ("Content-Type", "text/html"), ("Set-Cookie", "__jsluid_s=0; path=/")],
                    protocol="HTTP/1.1")))
    data = tmp_path / "data"
    result = cli(data, "crawl", "cn_csrc", "--replay", str(warc), check=False)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "cn_csrc: FAILED: no list page could be read: Jiasule" in result.stderr
    assert not keys(data, "cn_csrc")
    # `run` names it with its reason, and goes on to index (and would serve).
    result = cli(data, "run", "--replay", str(warc), "--no-serve")
    assert ("not crawled completely: cn_csrc (FAILED: no list page could be read: Jiasule"
            in result.stderr)


@pytest.mark.parametrize("faults, ignored", [
    (("status:503,times=2", "status:429,retry_after=1,times=1", "reset,times=1",
      "drop,times=1", "status:403,times=1"), ()),
    # the documents archived are the bytes served (GB18030), the decisions the same
    (("gbk",), ("document_path", "document_sha256")),
], ids=["network", "gbk"])
def test_every_source_survives_faults_and_loses_nothing(faults, ignored, tmp_path, corpus):
    args = [a for fault in faults for a in ("--fault", fault)]
    result = cli(tmp_path, "crawl", "--all", "--replay", str(FIXTURES), *args)
    rows = sources_json(tmp_path)
    met = {}
    for source in SOURCES:
        strip = [{k: v for k, v in item.items() if k not in ignored} for item in expected(source)]
        got = [{k: v for k, v in item.items() if k not in ignored}
               for item in comparable(tmp_path, source)]
        assert got == strip, source
        assert rows[source]["last_crawl"]["outcome"] == "ok"
        for fault, n in rows[source]["last_crawl"]["faults"].items():
            met[fault] = met.get(fault, 0) + n
    if ignored:
        assert met["GBK served as UTF-8"] >= len(SOURCES)
    else:
        met.pop("HTTP 404", None)  # what the fixtures do not answer, as without faults
        assert met["HTTP 503"] == 2 and met["HTTP 429"] == 1 and sum(met.values()) == 6, met
        assert met["access forbidden (HTTP 403)"] == 1
    assert result.returncode == 0


def test_a_missing_decision_page_is_reported_and_fetched_by_the_next_crawl(tmp_path, corpus):
    fixture = str(FIXTURES / "cn_csrc")
    cli(tmp_path, "crawl", "cn_csrc", "--replay", fixture,
        "--fault", "status:404,times=1,match=c7656661/content")
    last = sources_json(tmp_path)["cn_csrc"]["last_crawl"]
    assert last["outcome"] == "ok" and last["faults"] == {"HTTP 404": 1}
    assert not any(k.startswith("7656661-") for k in keys(tmp_path, "cn_csrc"))
    cli(tmp_path, "crawl", "cn_csrc", "--replay", fixture)
    assert keys(tmp_path, "cn_csrc") == {item["key"] for item in expected("cn_csrc")}


def test_faults_are_for_replays_only_and_checked(tmp_path):
    result = cli(tmp_path, "crawl", "cn_csrc", "--fault", "status:503", check=False)
    assert result.returncode == 2 and "--fault needs --replay" in result.stderr
    result = cli(tmp_path, "crawl", "cn_csrc", "--replay", str(FIXTURES / "cn_csrc"),
                 "--fault", "meteor", check=False)
    assert result.returncode == 2 and "unknown fault 'meteor'" in result.stderr


def test_a_crawl_whose_process_died_is_resumed(tmp_path, corpus):
    """Killed after list page 1's decisions were archived, while page 2 hangs: the next
    crawl does not stop at page 1's archived decisions but collects the rest."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    fixture = str(FIXTURES / "cn_csrc")
    process = subprocess.Popen(
        [sys.executable, "-m", "indexer.cli", "--data", str(tmp_path), "crawl", "cn_csrc",
         "--replay", fixture, "--fault", r"timeout,seconds=60,match=[?&]page=2\b"],
        cwd=ROOT, env=dict(os.environ, PENALTY_ARCHIVE_CORPUS=str(CORPUS)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(keys(tmp_path, "cn_csrc")) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    first = keys(tmp_path, "cn_csrc")
    everything = {item["key"] for item in expected("cn_csrc")}
    assert first and first < everything
    cli(tmp_path, "crawl", "cn_csrc", "--replay", fixture)
    assert keys(tmp_path, "cn_csrc") == everything
