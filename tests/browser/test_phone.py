"""Every page type fits a 390 px phone: nothing scrolls sideways (wide tables and charts
scroll inside their own box), the search page has a jump link to its filters, and chart
text keeps a readable size."""

import pytest

from tests.browser.conftest import XSS_ID, shot

WIDTH = 390
PAGES = [
    ("search", "/?lang=en"),
    ("search-zh", "/search?q=%E6%98%8E%E7%A0%81%E6%A0%87%E4%BB%B7&type=price&lang=zh"),
    ("decision", "/decisions/%s?lang=en" % XSS_ID),
    ("decision-full", "/decisions/%s?view=full&lang=zh" % XSS_ID),
    ("stats", "/stats?lang=en"),
    ("stats-zh", "/stats/?type=price&lang=zh"),
    ("guides", "/guides/?lang=en"),
    ("guide", "/guides/price.unmarked?view=full&lang=zh"),
    ("sources", "/sources/?lang=en"),
    ("downloads", "/downloads/?lang=zh"),
    ("bad-request", "/search?type=price.fraud&lang=en"),
    ("past-the-end", "/search?page=999&lang=en"),
]


@pytest.fixture
def phone(playwright_browser, site):
    context = playwright_browser.new_context(viewport={"width": WIDTH, "height": 844},
                                             device_scale_factor=2, is_mobile=True,
                                             has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("name, path", PAGES, ids=[p[0] for p in PAGES])
def test_page_fits_a_phone(phone, site, name, path):
    phone.goto(site + path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    shot(phone, "phone-" + name)
    wide = phone.evaluate("""w => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > w + 0.5
                     && !e.closest('.table-wrap, figure.chart'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className)""", WIDTH)
    assert width <= WIDTH, (width, wide)


def test_search_page_jumps_to_the_filters(phone, site):
    phone.goto(site + "/search?type=price&lang=en")
    jump = phone.get_by_role("link", name="Jump to the filters")
    assert jump.is_visible()
    facets = phone.locator("#filters")
    assert facets.bounding_box()["y"] > phone.locator(".hits").bounding_box()["y"]
    jump.click()
    phone.wait_for_timeout(200)
    top = phone.evaluate("document.getElementById('filters').getBoundingClientRect().top")
    assert abs(top) < 5
    assert phone.evaluate("location.hash") == "#filters"


@pytest.mark.parametrize("path", ["/stats?lang=en", "/stats?lang=zh"])
def test_chart_text_stays_readable(phone, site, path):
    phone.goto(site + path)
    heights = phone.evaluate("""[...document.querySelectorAll('figure.chart svg text')]
        .map(t => t.getBoundingClientRect().height)""")
    assert heights and min(heights) >= 11, min(heights)
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
