"""Any query string is answered 200 or 400 (a 404 past the last page), never 5xx: the
query model and every route that reads it, under hypothesis, on the offline demo's real
decisions."""

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROUTES = ["/search", "/api/v1/decisions", "/api/v1/stats", "/stats", "/feeds/decisions.atom",
          "/search.csv", "/compare", "/api/v1/compare"]
NAMES = ["q", "type", "also_type", "region", "authority", "party", "penalty", "year",
         "jurisdiction", "source", "amount", "min_amount", "max_amount", "from", "to", "sort",
         "page", "per_page", "currency", "literal", "lang", "view", "bom"]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["1e999", "-1", "nan", "inf", "9" * 40, "0x10", "2024-02-30", "\x00",
                     "price", "pi.lawful_basis", "none", "unknown", "0-1000", "CN-ZJ",
                     "amount_desc", "９９", "１e5", "\ud800", "罚款", "明码标价 consent"]),
    st.integers().map(str))
PARAMS = st.lists(st.tuples(st.sampled_from(NAMES) | st.text(max_size=8), VALUES), max_size=8)


def encode(pairs):
    return "&".join("%s=%s" % (quote(k, safe="", errors="surrogatepass"),
                               quote(v, safe="", errors="surrogatepass")) for k, v in pairs)


@settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), pairs=PARAMS)
def test_any_parameters_answer_200_or_400(demo_client, route, pairs):
    response = demo_client.get(route + "?" + encode(pairs))
    assert response.status_code in (200, 400, 404), (route, pairs, response.status_code)
    if response.status_code == 404:
        assert any(k == "page" for k, _ in pairs)


def test_repeated_parameters_beyond_a_limit_are_a_400_naming_it(demo_client):
    response = demo_client.get("/search?" + "&".join(["type=price"] * 7200))
    assert response.status_code == 400 and "type" in response.get_data(as_text=True)
    assert len(response.data) < 1_000_000
