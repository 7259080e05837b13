"""Browser tests: Playwright driving Debian's chromium against a real server.

The site is the offline demo's portal archive (~800 real decisions, crawled over HTTP
from the replay server and indexed), copied, plus one probe decision whose party and text
carry script and markup.  The server is ``penalty-archive serve`` in a subprocess on
127.0.0.1.  Tests skip, saying why, where chromium or the Playwright package is missing
(``.ci/run`` installs both); screenshots go to ``test-output/browser/``.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, live_server

CHROMIUM = os.environ.get("PENALTY_ARCHIVE_CHROMIUM") or shutil.which("chromium") or "chromium"
SHOTS = ROOT / "test-output" / "browser"
NODE_MODULES = ROOT / "node_modules"

XSS_PARTY = '<img src=x onerror="window.__xss=1;alert(1)">坏人<b>公司</b>'
XSS_TEXT = ('<script>window.__xss=2;alert(2)</script>明码标价探针 '
            '"><svg onload="window.__xss=3;alert(3)"> javascript:alert(4)')
XSS_ID = "probe:xss"


@pytest.fixture(scope="session")
def playwright_browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium is not installed at %s (apt-get install chromium; .ci/run does)"
                    % CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright Python package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


def _probe_record():
    from indexer.schema import empty_decision

    record = empty_decision()
    record.update(id=XSS_ID, source="probe", jurisdiction="CN", region="CN-AH", language="zh",
                  party_name=XSS_PARTY, party_kind="company",
                  decision_number='<i>探针</i>罚〔2026〕1号',
                  authority_name='<a href="javascript:alert(5)">探针局</a>',
                  decision_date="2026-03-01", currency="CNY", fine_amount="1",
                  total_amount="1", amount_cny="1", penalty_kinds=["fine"],
                  summary=XSS_TEXT, full_text=XSS_TEXT, facts=XSS_TEXT,
                  penalty_text=XSS_TEXT, violation_types=["price.unmarked"],
                  violation_evidence={"price.unmarked": XSS_TEXT},
                  legal_basis=[{"raw": XSS_TEXT, "law": "<b>法</b>", "article": "1"}],
                  source_url="javascript:alert(6)")
    return record


@pytest.fixture(scope="session")
def site(portal_archive, tmp_path_factory, playwright_browser):
    """Base URL of a real server over a copy of the demo archive plus the probe decision."""
    from indexer.store import open_store

    data = tmp_path_factory.mktemp("site") / "data"
    shutil.copytree(portal_archive, data)
    with open_store("embedded", str(data / "store")) as store:
        store.upsert([_probe_record()])
    with live_server(data, tmp_path_factory.mktemp("serve") / "serve.log", "/sources") as base:
        yield base


class Watch:
    """Dialogs, console errors and requests of a page (anything to a foreign host fails)."""

    def __init__(self, page, base):
        self.dialogs, self.errors, self.foreign = [], [], []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: not r.url.startswith((base, "data:"))
                and self.foreign.append(r.url))


@pytest.fixture
def page(playwright_browser, site):
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 900},
                                             locale="en-US")
    page = context.new_page()
    page.watch = Watch(page, site)
    yield page
    context.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / ("%s.png" % name)
    page.screenshot(path=str(path), full_page=True)
    return path


def node_tool(*parts):
    path = NODE_MODULES.joinpath(*parts)
    if not path.exists():
        pytest.skip("%s is missing: run `npm ci` (.ci/run does)" % Path(*parts))
    return path
