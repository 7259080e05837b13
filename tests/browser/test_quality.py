"""The main pages validate with the Nu HTML Checker and axe-core finds no serious or
critical accessibility violation, in both languages; no page asks a third-party host."""

import json
import shutil
import subprocess

import pytest

from tests.browser.conftest import XSS_ID, node_tool

PAGES = [
    ("search", "/?lang=en"),
    ("search-query", "/search?q=%E6%98%8E%E7%A0%81%E6%A0%87%E4%BB%B7&region=CN-ZJ&lang=zh"),
    ("decision", "/search?q=%E5%9B%BA%E5%B8%82%E7%9B%91%E4%BB%B7%E7%BD%9A&lang=en"),
    ("decision-full", None),
    ("statistics", "/stats?lang=zh"),
    ("guides", "/guides/?lang=en"),
    ("guide", "/guides/price.unmarked?view=full&lang=zh"),
    ("sources", "/sources?lang=en"),
    ("probe", "/decisions/%s?view=full&lang=en" % XSS_ID),
    ("bad-request", "/search?year=abc&lang=en"),
]


@pytest.fixture(scope="module")
def rendered(playwright_browser, site, tmp_path_factory):
    """{name: (url, html)} of the main pages as the server sends them."""
    context = playwright_browser.new_context()
    page = context.new_page()
    out = {}
    for name, path in PAGES:
        if name == "decision":
            page.goto(site + path)
            page.locator(".hit h3 a").first.click()
            out[name] = page.url
            continue
        if name == "decision-full":
            out[name] = out["decision"] + ("&" if "?" in out["decision"] else "?") + "view=full"
            continue
        out[name] = site + path
    pages = {}
    for name, url in out.items():
        response = page.request.get(url)
        pages[name] = (url, response.text())
    context.close()
    return pages


def test_html_validates_with_the_nu_checker(rendered, tmp_path):
    jar = node_tool("vnu-jar", "build", "dist", "vnu.jar")
    java = shutil.which("java")
    if not java:
        pytest.skip("java is not installed (apt-get install default-jre-headless; .ci/run does)")
    files = []
    for name, (url, html) in rendered.items():
        path = tmp_path / ("%s.html" % name)
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run([java, "-jar", str(jar), "--format", "json", "--stdout"] + files,
                            capture_output=True, text=True, timeout=180)
    messages = json.loads(result.stdout or "{}").get("messages", [])
    errors = ["%s:%s: %s" % (m.get("url", "").rsplit("/", 1)[-1], m.get("lastLine"),
                             m.get("message")) for m in messages if m.get("type") == "error"]
    assert not errors, "\n".join(errors)


def test_axe_finds_no_serious_or_critical_violation(playwright_browser, rendered):
    axe = node_tool("axe-core", "axe.min.js")
    failures = []
    for mobile in (False, True):
        # bypass_csp: the test injects axe as an inline script, which the site's CSP forbids
        context = playwright_browser.new_context(bypass_csp=True, viewport={
            "width": 390, "height": 844} if mobile else {"width": 1280, "height": 900})
        page = context.new_page()
        for name, (url, _html) in rendered.items():
            if mobile and name not in ("search-query", "decision", "statistics"):
                continue
            page.goto(url)
            page.add_script_tag(path=str(axe))
            result = page.evaluate("""async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
            }""")
            where = name + (" (mobile)" if mobile else "")
            failures += ["%s: %s (%s) %s" % (where, v["id"], v["impact"], v["nodes"])
                         for v in result if v["impact"] in ("serious", "critical")]
        context.close()
    assert not failures, "\n".join(failures)
