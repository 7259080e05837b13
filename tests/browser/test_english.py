"""An English-locale reader who reads no Chinese: searches in English, filters, and reads
a decision's English gloss, in a real browser on the demo's real decisions."""

import re
from urllib.parse import parse_qs, urlparse

from tests.browser.conftest import shot
from tests.browser.test_flows import total


def test_english_reader_searches_filters_and_reads_the_gloss(page, site):
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "en"  # from the browser's locale
    page.get_by_label("Search decisions").fill("price fraud Zhejiang 2025")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=price"))
    reading = page.locator(".reading").inner_text()
    assert "价格欺诈" in reading and "Zhejiang" in reading and "2025" in reading
    found = total(page)
    assert found > 0
    chips = page.locator(".chip").all_inner_texts()
    assert any("Zhejiang" in c for c in chips) and any("2025" in c for c in chips)
    shot(page, "search-english-reading")
    # filter further by an authority facet: fewer or as many, all still in Zhejiang
    page.locator(".facet-authority a").first.click()
    query = parse_qs(urlparse(page.url).query)
    assert query["region"] == ["CN-ZJ"] and "authority" in query
    assert 0 < total(page) <= found
    page.locator(".hit h3 a").first.click()
    assert "/decisions/" in page.url
    gloss = page.locator(".gloss p[lang=en]").inner_text()
    assert "Administration for Market Regulation" in gloss
    assert "price fraud" in gloss.lower() and "2025-" in gloss
    assert "not a translation" in page.locator(".gloss .note").inner_text()
    shot(page, "decision-gloss")
    # the literal search is one click away
    page.go_back()
    page.go_back()
    page.get_by_role("link", name=re.compile("Search the literal words")).click()
    assert parse_qs(urlparse(page.url).query)["literal"] == ["1"]
    assert not page.watch.dialogs and not page.watch.foreign
