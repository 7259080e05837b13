"""The website's pages through the Flask test client: languages, facets and chips, errors,
statistics, guides, sources, feeds.

Pages run on the indexed fixture archive (real decisions) or, where a figure must be checked
against known values, on a small store written here with test records (ids ``test:...``).
"""

import re
from decimal import Decimal
from html import unescape

import feedparser
import pytest

from indexer.schema import empty_decision
from indexer.store import open_store
from webapp import create_app


def record(key, **fields):
    out = empty_decision()
    out.update(id="test:%s" % key, source="test", jurisdiction="CN", currency="CNY",
               language="zh", decision_number="测试罚〔2025〕%s号" % key,
               authority_name="测试市市场监督管理局", title="行政处罚决定书")
    out.update(fields)
    if out.get("total_amount") and not out.get("amount_cny"):
        out["amount_cny"] = out["total_amount"]
    return out


GUIDE_RECORDS = [
    # price.unmarked: companies fined 1000, 2000, 3000, 10000; individual businesses 500, 700
    record("c1", party_name="甲有限公司", party_kind="company", fine_amount="1000",
           total_amount="1000", decision_date="2025-01-02", region="CN-AH",
           violation_types=["price.unmarked"], penalty_kinds=["fine"],
           violation_evidence={"price.unmarked": "《中华人民共和国价格法》第十三条"},
           legal_basis=[{"law": "中华人民共和国价格法", "article": "13", "role": "violated",
                         "raw": "《中华人民共和国价格法》第十三条第一款"}]),
    record("c2", party_name="乙有限公司", party_kind="company", fine_amount="2000",
           total_amount="2000", decision_date="2025-03-04", region="CN-AH",
           violation_types=["price.unmarked"], penalty_kinds=["fine", "warning"],
           legal_basis=[{"law": "中华人民共和国价格法", "article": "13", "role": "violated",
                         "raw": "《中华人民共和国价格法》第十三条"},
                        {"law": "明码标价和禁止价格欺诈规定", "article": "5", "role": "violated",
                         "raw": "《明码标价和禁止价格欺诈规定》第五条"}]),
    record("c3", party_name="丙有限公司", party_kind="company", fine_amount="3000",
           total_amount="3500", confiscation_amount="500", decision_date="2024-06-01",
           region="CN-JS", violation_types=["price.unmarked"], penalty_kinds=["fine"],
           full_text="全文"),
    record("c4", party_name="丁有限公司", party_kind="company", fine_amount="10000",
           total_amount="10000", decision_date="2024-07-01", region="CN-JS",
           violation_types=["price.unmarked"], penalty_kinds=["fine"]),
    record("i1", party_name="某某商店", party_kind="individual_business", fine_amount="500",
           total_amount="500", decision_date="2024-08-01", region="CN-JS",
           violation_types=["price.unmarked"], penalty_kinds=["fine"]),
    record("i2", party_name="某某小卖部", party_kind="individual_business", fine_amount="700",
           total_amount="700", decision_date="2023-08-01", region="CN-AH",
           violation_types=["price.unmarked"], penalty_kinds=["fine"]),
    record("x1", party_name="戊有限公司", party_kind="company", fine_amount="99",
           total_amount="99", decision_date="2023-01-01", region="CN-AH",
           violation_types=["ad.false"], penalty_kinds=["fine"]),
]


@pytest.fixture(scope="module")
def test_site(tmp_path_factory):
    data = tmp_path_factory.mktemp("site")
    with open_store("embedded", str(data / "store")) as store:
        store.upsert(GUIDE_RECORDS)
    return create_app({"DATA_DIR": str(data), "TESTING": True}).test_client()


def text(response):
    return unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


# -- languages -------------------------------------------------------------------------------

def test_language_follows_accept_language_then_the_switch_and_its_cookie(client):
    zh = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    html = zh.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and "检索处罚决定" in html
    en = client.get("/?lang=en", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in en.get_data(as_text=True)
    assert "lang=en" in en.headers.get("Set-Cookie", "")
    # the cookie now wins over Accept-Language
    again = client.get("/stats", headers={"Accept-Language": "zh-CN"})
    assert "Statistics" in again.get_data(as_text=True)
    assert "统计" not in again.get_data(as_text=True).split("<main")[1]


def test_dates_and_amounts_are_formatted_per_locale(test_site):
    en = text(test_site.get("/decisions/test:c3?lang=en"))
    zh = text(test_site.get("/decisions/test:c3?lang=zh"))
    assert "June 1, 2024" in en and "2024年6月1日" in zh
    assert "CN¥3,500.00" in en and "¥3,500.00" in zh and "CN¥" not in zh


def test_language_switch_keeps_the_page_and_its_search(client):
    html = client.get("/search?q=价格&type=price&lang=en").get_data(as_text=True)
    link = re.search(r'href="(/search\?[^"]*lang=zh[^"]*)"', html).group(1)
    assert "q=%E4%BB%B7%E6%A0%BC" in link and "type=price" in link


# -- search ----------------------------------------------------------------------------------

def test_facets_add_filters_shown_as_chips_that_remove_them(test_site):
    html = test_site.get("/search?lang=en").get_data(as_text=True)
    assert "Violation type" in html and "Pricing" in html and "Prices not marked" in html
    # the type tree: price.unmarked is nested under price
    tree = html[html.index("facet-type"):html.index("</section>", html.index("facet-type"))]
    assert tree.index("Pricing") < tree.index("Prices not marked")
    region = re.search(r'href="([^"]*region=CN-JS[^"]*)"', html).group(1)
    filtered = test_site.get(unescape(region)).get_data(as_text=True)
    assert "3 decisions" in filtered and 'class="chip"' in filtered
    remove = re.search(r'<a href="([^"]*)" class="remove"', filtered).group(1)
    assert "region" not in remove
    assert "7 decisions" in test_site.get(unescape(remove)).get_data(as_text=True)


def test_sort_by_largest_fine_and_amount_bands(test_site):
    html = test_site.get("/search?sort=amount_desc&lang=en").get_data(as_text=True)
    order = re.findall(r"测试罚〔2025〕(\w+)号", html)
    assert order[:3] == ["c4", "c3", "c2"]
    band = test_site.get("/search?amount=1000-10000&min_amount=5&lang=en")
    page = band.get_data(as_text=True)
    assert "Amount:" in text(band).replace(" :", ":") and "class=\"remove\"" in page
    assert "Smallest amount:" in text(band).replace(" :", ":")


def test_bad_parameter_gives_a_400_page_naming_it(client):
    response = client.get("/search?sort=loudest&lang=en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<code class="param">sort</code>' in html
    response = client.get("/stats?year=twenty&lang=zh")
    assert response.status_code == 400 and '<code class="param">year</code>' in \
        response.get_data(as_text=True) and "无效" in response.get_data(as_text=True)


def test_empty_result_explains_itself(client):
    html = client.get("/search?q=完全不存在的词语组合xyz&lang=en").get_data(as_text=True)
    assert "No decision matches" in html


# -- statistics ------------------------------------------------------------------------------

def test_statistics_follow_the_filters_and_sum_with_decimals(test_site):
    page = text(test_site.get("/stats?lang=en"))
    assert "7 decisions" in page
    assert "CN¥17,799.00" in page  # 1000+2000+3500+10000+500+700+99
    filtered = text(test_site.get("/stats?region=CN-JS&lang=en"))
    assert "3 decisions" in filtered and "CN¥14,000.00" in filtered
    html = test_site.get("/stats?lang=en").get_data(as_text=True)
    assert html.count("<svg") == 8 and html.count("<table") == 4


# -- guides ----------------------------------------------------------------------------------

def test_a_guide_with_few_decisions_says_so_and_still_states_the_law(test_site):
    page = text(test_site.get("/guides/price.unmarked?lang=en"))
    assert "Too few decisions for figures" in page and "6 decisions of this type" in page
    assert "What the law requires" in page and "Check:" in page
    assert "中华人民共和国价格法" in page and "What it cost" not in page
    full = text(test_site.get("/guides/price.unmarked?view=full&lang=zh"))
    assert "法律要求" in full and "自查：" in full


def test_guide_quartiles_use_decimals():
    from webapp.compare import quantile

    values = [Decimal("0.10"), Decimal("0.20"), Decimal("0.40")]
    assert quantile(values, 0.5) == Decimal("0.20") and quantile(values, 0.25) == Decimal("0.15")
    assert quantile([Decimal(1000), Decimal(2000), Decimal(3000), Decimal(10000)], 0.75) == \
        Decimal("4750.00")
    assert quantile([], 0.5) is None


def test_guide_without_decisions_has_an_honest_empty_state(test_site):
    response = test_site.get("/guides/pi.security?lang=en")
    assert response.status_code == 200
    assert "The archive holds 0 decisions of this type" in text(response)
    assert test_site.get("/guides/no.such_type").status_code == 404
    assert test_site.get("/guides/<script>").status_code == 404
    index = text(test_site.get("/guides/?lang=zh"))
    assert "个人信息" in index and "价格" in index


# -- decision page ---------------------------------------------------------------------------

def test_decision_page_views_same_party_and_citation(test_site, tmp_path):
    html = test_site.get("/decisions/test:c1?lang=en").get_data(as_text=True)
    assert 'aria-current="page">Simplified' in html
    assert "Prices not marked" in html and "价格法》第十三条" in html
    assert "http://127.0.0.1:5000/decisions/test:c1" in html  # permalink (PUBLIC_URL)
    full = test_site.get("/decisions/test:c3?view=full&lang=en").get_data(as_text=True)
    assert 'aria-current="page">Full text' in full and "全文" in full


def test_other_decisions_against_the_same_party(tmp_path):
    same = [record("p%d" % i, party_name="同一商贸有限公司", party_kind="company",
                   decision_date="2025-0%d-01" % i) for i in (1, 2)]
    same.append(record("p3", party_name="同一商贸有限公司分公司", party_kind="company"))
    person = [record("n%d" % i, party_name="张某某", party_kind="natural_person")
              for i in (1, 2)]
    with open_store("embedded", str(tmp_path / "store")) as store:
        store.upsert(same + person)
    client = create_app({"DATA_DIR": str(tmp_path)}).test_client()
    html = client.get("/decisions/test:p1?lang=en").get_data(as_text=True)
    assert "Other decisions against this party" in html
    assert "/decisions/test:p2" in html and "/decisions/test:p3" not in html
    html = client.get("/decisions/test:n1?lang=en").get_data(as_text=True)
    assert "Other decisions against this party" not in html  # no profiles of individuals


# -- sources ---------------------------------------------------------------------------------

def test_sources_page_lists_crawled_sources_with_counts(client, archive):
    from indexer.query import Query

    with open_store("embedded", str(archive / "store"), readonly=True) as store:
        count = store.search(Query(source="cn_samr_cfws", page_size=1)).total
    page = text(client.get("/sources?lang=en"))
    assert "cn_samr_cfws" in page and "中国市场监管行政处罚文书网" in page
    assert re.search(r"Decisions in the archive\s+%d\b" % count, page)
    assert "Last successful crawl" in page and "never" not in page.split("cn_samr_cfws")[1][:300]
    assert "POST /queryDoc" in page  # what is crawled, from the spider's docstring


# -- feeds -----------------------------------------------------------------------------------

def test_search_page_links_its_feed_and_the_feed_parses(client, archive):
    from indexer.query import Query

    with open_store("embedded", str(archive / "store"), readonly=True) as store:
        total = store.search(Query(q="市场监督管理局", source="cn_samr_cfws")).total
    assert 0 < total < 50
    html = client.get("/search?q=市场监督管理局&source=cn_samr_cfws&lang=en").get_data(
        as_text=True)
    link = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"',
                     html).group(1)
    response = client.get(unescape(link))
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == total
    dates = [e.published for e in feed.entries]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert all(e.link.startswith("http://127.0.0.1:5000/decisions/cn_samr_cfws:")
               for e in feed.entries)


def test_feed_escapes_text(tmp_path):
    evil = record("xss", party_name='<img src=x onerror="alert(1)">',
                  summary="<script>alert(2)</script>明码标价")
    with open_store("embedded", str(tmp_path / "store")) as store:
        store.upsert([evil])
    client = create_app({"DATA_DIR": str(tmp_path)}).test_client()
    body = client.get("/feeds/decisions.atom?q=明码标价").get_data(as_text=True)
    assert "<script>" not in body and "<img" not in body
    feed = feedparser.parse(body)
    assert "alert(2)" in feed.entries[0].summary


# -- catalogs ---------------------------------------------------------------------------------

def test_catalogs_are_complete_and_compiled():
    import os

    from babel.messages.extract import extract_from_dir
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    import webapp
    from webapp.i18n import TRANSLATIONS

    root = os.path.dirname(os.path.dirname(webapp.__file__))
    method_map = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
                "lazy_gettext": None}
    used = {m[2] if isinstance(m[2], str) else m[2][0]
            for m in extract_from_dir(root, method_map, keywords=keywords)
            if not m[0].startswith(("webapp/templates/downloads", "webapp/api"))}
    for lang in ("zh", "en"):
        folder = os.path.join(TRANSLATIONS, lang, "LC_MESSAGES")
        with open(os.path.join(folder, "messages.po"), "rb") as f:
            po = read_po(f)
        with open(os.path.join(folder, "messages.mo"), "rb") as f:
            mo = read_mo(f)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in po if m.id}
        assert not used - ids, "not in the %s catalog (make translations): %s" % (
            lang, sorted(used - ids))

        def messages(catalog):
            def key(value):
                return tuple(value) if isinstance(value, (list, tuple)) else value

            return {key(m.id): key(m.string) for m in catalog if m.id and (
                m.string if isinstance(m.string, str) else all(m.string))}

        translated = messages(po)
        assert translated == {k: v for k, v in messages(mo).items() if k in translated} \
            and set(translated) <= set(messages(mo)), \
            "%s messages.mo is stale: make translations" % lang
        if lang == "zh":
            untranslated = [m.id for m in po if m.id and not (
                m.string if isinstance(m.string, str) else all(m.string))]
            assert not untranslated, untranslated
