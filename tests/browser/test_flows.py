"""The main flows in a real browser on a real server with the demo archive's decisions."""

import re
from urllib.parse import parse_qs, urlparse

import feedparser

from tests.browser.conftest import XSS_ID, shot


def params(page):
    return parse_qs(urlparse(page.url).query)


def total(page):
    text = page.locator("#total").inner_text()
    return int(re.search(r"\d[\d,]*", re.sub("“.*”", "", text)).group().replace(",", ""))


def test_search_in_chinese_facets_chips_and_sort(page, site):
    page.goto(site + "/?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    everything = total(page)
    page.get_by_label("检索处罚决定").fill("明码标价")
    page.get_by_role("button", name="检索").click()
    found = total(page)
    assert 0 < found < everything and params(page)["q"] == ["明码标价"]
    assert page.locator("mark").count() > 0
    shot(page, "search-zh")
    # apply a region facet: the count shrinks and a chip appears
    facet = page.locator(".facet-region a").first  # the largest region
    facet.click()
    assert "region" in params(page) and total(page) < found
    chips = page.locator(".chip")
    assert chips.count() == 2
    # sort by the largest fine (the menu applies itself; the button works without script)
    page.select_option("#sort", "amount_desc")
    page.wait_for_url(re.compile(r"sort=amount_desc"))
    amounts = page.locator(".hit .amount").all_inner_texts()
    numbers = [float(re.sub(r"[^\d.]", "", a)) for a in amounts]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) > 1
    shot(page, "search-zh-filtered-sorted")
    # remove the region chip: back to the query's results, still sorted
    page.locator(".chip", has_text="地区").get_by_role("link").click()
    assert "region" not in params(page) and total(page) == found
    assert params(page)["sort"] == ["amount_desc"]
    assert not page.watch.dialogs and not page.watch.foreign


def test_search_in_english_then_open_a_decision_and_switch_views(page, site):
    page.goto(site + "/?lang=en")
    page.get_by_label("Search decisions").fill("zzyzx")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=zzyzx"))
    assert total(page) == 0 and "No decision matches" in page.locator(".empty").inner_text()
    page.get_by_label("Search decisions").fill("app")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=app"))
    assert total(page) > 0 and page.locator("mark").first.inner_text().lower() == "app"
    shot(page, "search-en")
    page.goto(site + "/?q=%E5%9B%BA%E5%B8%82%E7%9B%91%E4%BB%B7%E7%BD%9A")  # 固市监价罚
    page.locator(".hit h3 a").first.click()
    assert "/decisions/" in page.url
    assert page.get_by_role("link", name="Simplified").get_attribute("aria-current") == "page"
    shot(page, "decision-simplified")
    page.get_by_role("link", name="Full text", exact=True).click()
    assert page.get_by_role("link", name="Full text", exact=True) \
        .get_attribute("aria-current") == "page"
    assert page.locator(".fulltext").inner_text().strip()
    shot(page, "decision-full")
    # switch language: same page, Chinese labels, and the choice sticks
    page.get_by_role("link", name="中文").click()
    assert page.get_by_role("link", name="全文", exact=True).is_visible()
    page.goto(site + "/stats")
    assert page.locator("h1").inner_text() == "统计"
    assert not page.watch.dialogs and not page.watch.foreign


def test_statistics_and_a_guide(page, site):
    page.goto(site + "/stats?lang=en&region=CN-HE")
    assert page.locator("h1").inner_text() == "Statistics"
    assert page.locator("svg[role=img]").count() >= 4
    assert page.locator("table").count() == 4
    year_rows = page.locator("#s-year ~ table tbody tr, section:has(#s-year) tbody tr")
    assert year_rows.count() >= 1
    shot(page, "statistics")
    page.goto(site + "/guides/?lang=en")
    page.get_by_role("link", name=re.compile("^Prices not marked")).click()
    assert "/guides/price.unmarked" in page.url
    shot(page, "guide-simplified")
    page.get_by_role("link", name="Full version").click()
    assert "view=full" in page.url
    shot(page, "guide-full")
    page.goto(site + "/guides/pi.cross_border?lang=en")  # no decisions: says so
    assert page.locator("#thin-h").is_visible() and page.locator(".obligations li").count()
    page.goto(site + "/sources?lang=en")
    assert "cn_samr_cfws" in page.content()
    shot(page, "sources")


def test_subscribe_to_a_feed(page, site):
    page.goto(site + "/?lang=en&q=%E4%BB%B7%E6%A0%BC")  # 价格
    href = page.locator('link[rel=alternate][type="application/atom+xml"]').get_attribute("href")
    visible = page.get_by_role("link", name="Subscribe (Atom feed)").get_attribute("href")
    assert href == visible and "q=" in href
    response = page.request.get(site + href)
    assert response.ok and "atom" in response.headers["content-type"]
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.entries
    assert all("/decisions/" in e.link for e in feed.entries)


def test_core_flows_work_without_javascript(playwright_browser, site):
    context = playwright_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/?lang=en")
    page.get_by_label("Search decisions").fill("明码标价")
    page.select_option("#sort", "newest")
    page.get_by_role("button", name="Search").click()
    assert "sort=newest" in page.url and "q=" in page.url
    page.locator(".facet-year a").first.click()
    assert "year=" in page.url
    page.locator(".hit h3 a").first.click()
    assert "/decisions/" in page.url
    context.close()


def test_keyboard_reaches_the_search_box_and_skip_link(page, site):
    page.goto(site + "/?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "q"


def test_probe_decision_is_listed(page, site):
    page.goto(site + "/decisions/" + XSS_ID + "?lang=en")
    assert page.locator("h1").count() == 1
