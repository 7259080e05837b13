"""Facets are filters: every facet value, in the API and on the search page, links the
search that selects it, and its count is the total that search gives.  Walked over the
offline demo's real decisions (every source), for several searches.  Also: the values no
decision can have, pages past the end, missing amounts in the amount sorts."""

import re
from html import unescape
from urllib.parse import urlencode

import pytest

SEARCHES = [
    {},
    {"type": "price"},                    # a subtype under its parent narrows
    {"region": "CN-ZJ"},                  # the country under a region
    {"amount": "0-1000"},                 # half-open bands
    {"type": "none"},                     # unclassified decisions
    {"q": "价格", "sort": "amount_asc"},
    {"year": "2025", "penalty": "fine"},
    {"amount": "unknown", "jurisdiction": "CN"},
    {"type": "price.unmarked", "min_amount": "1000", "from": "2024-01-01"},
]


@pytest.fixture(scope="module")
def demo(demo_client):
    return demo_client


def api_total(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_json()["total"]


@pytest.mark.parametrize("params", SEARCHES, ids=lambda p: urlencode(p) or "all")
def test_every_api_facet_value_counts_what_its_url_selects(demo, params):
    result = demo.get("/api/v1/decisions?" + urlencode(params)).get_json()
    walked = 0
    for name, values in result["facets"].items():
        for value in values:
            if value["selected"]:
                assert value["count"] == result["total"], (name, value)
                assert api_total(demo, value["toggle_url"]) >= result["total"]
            else:
                assert api_total(demo, value["toggle_url"]) == value["count"], (name, value)
            walked += 1
    assert walked >= 3


def page_total(html):
    number = re.search(r'<h2 id="total"[^>]*>\s*([\d,]+) decision', html)
    return int(number.group(1).replace(",", ""))


def page_facets(html):
    """[(facet, url, count, selected)] of the search page's facet panels."""
    out = []
    aside = html[html.index('<aside class="facets"'):html.index("</aside>")]
    for section in re.finditer(r'<section class="facet facet-(\w+)">(.*?)</section>', aside,
                               re.S):
        for link in re.finditer(r'<a href="([^"]+)"([^>]*)>.*?</a> <span class="count">'
                                r'([\d,]+)</span>', section.group(2), re.S):
            out.append((section.group(1), unescape(link.group(1)),
                        int(link.group(3).replace(",", "")), "selected" in link.group(2)))
    return out


@pytest.mark.parametrize("params", SEARCHES, ids=lambda p: urlencode(p) or "all")
def test_every_page_facet_value_counts_what_its_link_selects(demo, params):
    html = demo.get("/search?" + urlencode(dict(params, lang="en"))).get_data(as_text=True)
    total = page_total(html)
    facets = page_facets(html)
    assert {name for name, *_ in facets} >= {"year", "source"}
    for name, url, count, selected in facets:
        if selected:
            assert count == total, (name, url)
            continue
        response = demo.get(url)
        assert response.status_code == 200, url
        assert page_total(response.get_data(as_text=True)) == count, (name, url, count)


def test_issue_examples(demo):
    """The figures that did not agree on the demo: bands counted both ends, a subtype
    widened, a country under a region replaced it."""
    bands = {b["value"]: b for b in demo.get("/api/v1/facets").get_json()["facets"]["amount"]}
    assert sum(b["count"] for b in bands.values()) == api_total(demo, "/api/v1/decisions")
    assert "unknown" in bands
    price = demo.get("/api/v1/facets?type=price").get_json()
    unmarked = next(v for v in price["facets"]["type"] if v["value"] == "price.unmarked")
    assert "type=price.unmarked" in unmarked["toggle_url"]
    assert "type=price&" not in unmarked["toggle_url"] + "&"
    zj = demo.get("/api/v1/facets?region=CN-ZJ").get_json()
    assert [v["value"] for v in zj["facets"]["region"]] == ["CN-ZJ"]
    china = zj["facets"]["jurisdiction"][0]
    assert china["count"] == zj["total"] == api_total(demo, china["toggle_url"])


@pytest.mark.parametrize("url, parameter, hint", [
    ("type=price.fraud", "type", "price.unmarked"),
    ("q=明码 type:price.fraud", "q", "type:unknown value 'price.fraud'"),
    ("source=cn_samr_cfwz", "source", "cn_samr_cfws"),
    ("region=CN-ZZ", "region", "CN-ZJ"),
    ("amount=5-10", "amount", "0-1000"),
    ("min_amount=1e999", "min_amount", ""),
    ("max_amount=" + "9" * 50, "max_amount", ""),
    ("q=a%00b", "q", ""),
    ("authority=%00", "authority", ""),
    ("&".join(["type=pi"] * 11), "type", ""),
    ("page=1&page=2", "page", ""),
])
def test_unknown_and_malformed_values_are_a_400_naming_it(demo, url, parameter, hint):
    response = demo.get("/api/v1/decisions?" + url)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and hint in error["message"]
    page = demo.get("/search?lang=en&" + url)
    assert page.status_code == 400
    assert '<code class="param">%s</code>' % parameter in page.get_data(as_text=True)
    for other in ("/stats?", "/search.csv?", "/api/v1/stats?"):
        assert demo.get(other + url).status_code == 400, other


def test_a_page_past_the_end_is_a_404_linking_the_last_page(demo):
    total = api_total(demo, "/api/v1/decisions?type=price")
    last = -(-total // 20)
    response = demo.get("/search?type=price&page=999&lang=en")
    assert response.status_code == 404
    link = re.search(r'<a rel="last" href="([^"]+)"', response.get_data(as_text=True))
    assert unescape(link.group(1)) == "/search?type=price&page=%d" % last
    assert demo.get(unescape(link.group(1))).status_code == 200
    api = demo.get("/api/v1/decisions?type=price&page=999")
    assert api.status_code == 404 and api.get_json()["error"]["parameter"] == "page"
    assert api.get_json()["links"]["last"].endswith("page=%d" % last)


@pytest.mark.parametrize("sort", ["amount_asc", "amount_desc"])
def test_missing_amounts_come_last_in_both_directions(demo, sort):
    amounts = []
    url = "/api/v1/decisions?page_size=100&sort=" + sort
    while url:
        page = demo.get(url).get_json()
        amounts += [r["amount_cny"] for r in page["results"]]
        url = page["links"]["next"]
    known = [float(a) for a in amounts if a is not None]
    assert None in amounts and known
    assert amounts.index(None) == len(known)  # every unknown after every known
    assert known == sorted(known, reverse=sort == "amount_desc")


@pytest.mark.parametrize("path", ["/downloads/", "/stats/", "/sources/"])
def test_slash_forms_answer(demo, path):
    assert demo.get(path).status_code == 200
    assert demo.get(path.rstrip("/")).status_code == 200


def test_filter_form_has_free_date_and_amount_fields(demo):
    html = demo.get("/search?from=2024-01-01&max_amount=5000&lang=en").get_data(as_text=True)
    form = html[html.index('<form class="search"'):html.index("</form>")]
    for name, kind in (("from", "date"), ("to", "date"), ("min_amount", "number"),
                       ("max_amount", "number")):
        field = re.search(r'<input id="%s" name="%s" type="%s"[^>]*>' % (name, name, kind), form)
        assert field, name
    assert 'value="2024-01-01"' in form and 'value="5000"' in form
    assert form.count('name="from"') == 1 and form.count('name="max_amount"') == 1


def test_search_csv_for_excel_and_its_file_name(demo):
    plain = demo.get("/search.csv?q=价格&type=price&year=2025").get_data()
    excel = demo.get("/search.csv?q=价格&type=price&year=2025&bom=1")
    data = excel.get_data()
    assert plain[:3] != b"\xef\xbb\xbf" and data[:3] == b"\xef\xbb\xbf"
    assert data[3:] == plain and "价格".encode() in plain
    disposition = excel.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="decisions-__-2025-price-excel.csv"')
    assert "filename*=UTF-8''decisions-%E4%BB%B7%E6%A0%BC-2025-price-excel.csv" in disposition
    everything = demo.get("/search.csv")
    everything.get_data()
    assert "decisions-all.csv" in everything.headers["Content-Disposition"]
    page = demo.get("/search?type=price&lang=en").get_data(as_text=True)
    assert 'href="/search.csv?type=price&amp;bom=1" download>CSV for Excel</a>' in page
