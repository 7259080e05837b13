"""XSS probe: a decision whose party, number, authority and texts carry script and markup,
and queries carrying them: nothing runs in the browser, and the markup stays text."""

from urllib.parse import quote

from tests.browser.conftest import XSS_ID, XSS_PARTY, shot

PAGES = [
    "/decisions/%s?lang=en" % XSS_ID,
    "/decisions/%s?view=full&lang=zh" % XSS_ID,
    "/search?q=%s" % quote("明码标价探针"),
    "/search?q=%s" % quote('<script>alert(7)</script>"><img src=x onerror=alert(8)>'),
    "/search?party=%s" % quote('"><svg onload=alert(9)>'),
    "/stats?q=%s" % quote("<script>alert(10)</script>"),
    "/guides/price.unmarked?view=full&lang=en",
    "/feeds/decisions.atom?q=%s" % quote("明码标价探针"),
]


def test_probe_executes_nothing(page, site):
    for path in PAGES:
        page.goto(site + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss === undefined"), path
        if "feeds" in path:
            continue
        # no element came from the probe's markup
        assert page.locator("img[src=x], svg[onload], main script, b:text('公司')").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0, path
    assert page.watch.dialogs == []
    assert page.watch.foreign == []


def test_probe_markup_is_shown_as_text(page, site):
    page.goto(site + "/decisions/%s?view=full&lang=en" % XSS_ID)
    shot(page, "xss-probe")
    party = page.locator("dl.fields dd").first.inner_text()
    assert XSS_PARTY in party
    assert "<script>window.__xss=2" in page.locator(".fulltext").inner_text()
    page.goto(site + "/search?q=%s" % quote("<script>alert(7)</script>"))
    assert page.locator("#q").input_value() == "<script>alert(7)</script>"
    assert page.watch.dialogs == []
