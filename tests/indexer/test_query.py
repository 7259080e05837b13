from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from indexer.query import Query, QueryError, check_known, facet_choices, toggled


def q(**params):
    return Query.from_params(MultiDict(params))


def test_defaults():
    query = q()
    assert (query.q, query.sort, query.page, query.page_size) == ("", "relevance", 1, 20)


def test_values_are_parsed():
    query = Query.from_params(MultiDict([("q", ' 明码标价 "personal data" '), ("type", "pi"),
                                         ("type", "price.unmarked"), ("year", "2025"),
                                         ("min_amount", "1000.50"), ("sort", "amount_desc"),
                                         ("from", "2025-01-01"), ("page", "3")]))
    assert query.terms == ["明码标价", "personal data"]
    assert query.types == ("pi", "price.unmarked")
    assert query.year == 2025 and query.min_amount == Decimal("1000.50")
    assert query.offset == 40


@pytest.mark.parametrize("params, param", [
    ({"page": "x"}, "page"), ({"page": "0"}, "page"), ({"page_size": "1000"}, "page_size"),
    ({"year": "20x5"}, "year"), ({"from": "2025-13-01"}, "from"),
    ({"from": "2025-02-01", "to": "2025-01-01"}, "from"), ({"min_amount": "lots"}, "min_amount"),
    ({"min_amount": "-5"}, "min_amount"), ({"max_amount": "NaN"}, "max_amount"),
    ({"sort": "random"}, "sort"), ({"type": "<script>"}, "type"), ({"penalty": "jail"}, "penalty"),
    ({"region": "china"}, "region"), ({"source": "../etc"}, "source"), ({"q": "x" * 501}, "q"),
    ({"currency": "GBP"}, "currency"), ({"jurisdiction": "CHN"}, "jurisdiction"),
    ({"q": "明码 year:20x5"}, "q"), ({"q": "type:<b>"}, "q"), ({"q": "penalty:jail"}, "q"),
    ({"q": "source:a source:b"}, "q"), ({"q": "year:2024", "year": "2025"}, "q"),
    ({"min_amount": "1e999"}, "min_amount"), ({"max_amount": "9" * 41}, "max_amount"),
    ({"max_amount": "1e16"}, "max_amount"), ({"q": "a\x00b"}, "q"),
    ({"authority": "\x07"}, "authority"), ({"amount": "5-10"}, "amount"),
    ({"amount": "1000-10000 "}, None),
])
def test_bad_values_name_the_parameter(params, param):
    if param is None:  # a good value, for contrast
        q(**params)
        return
    with pytest.raises(QueryError) as info:
        q(**params)
    assert info.value.param == param


@pytest.mark.parametrize("params, param", [
    ([("type", "pi")] * 11, "type"), ([("page", "1"), ("page", "2")], "page"),
    ([("q", "a"), ("q", "b")], "q"), ([("region", "CN-AH")] * 11, "region"),
    ([("type", "pi.t%d" % i) for i in range(11)], "type"),
])
def test_repeated_parameters(params, param):
    with pytest.raises(QueryError) as info:
        Query.from_params(MultiDict(params))
    assert info.value.param == param
    assert Query.from_params(MultiDict([("year", "2024"), ("year", "2024")])).year == 2024


def test_unknown_values_name_the_closest_known_ones():
    known = {"type": {"price", "price.unmarked", "price.misleading"}, "source": {"cn_samr"}}
    with pytest.raises(QueryError) as info:
        check_known(q(type="price.fraud"), known)
    assert info.value.param == "type" and "price.unmarked" in info.value.message
    check_known(q(type="none"), known)
    check_known(q(type="price"), known)
    with pytest.raises(QueryError) as info:
        check_known(q(source="cn_samrr"), known)
    assert "cn_samr" in info.value.message


def test_selecting_a_facet_value_narrows():
    query = q(type="price", region="CN-ZJ")
    assert toggled(query, "type", "price.unmarked").types == ("price.unmarked",)
    assert toggled(query, "type", "pi").types == ("price", "pi")  # both must hold
    assert toggled(query, "type", "price").types == ()
    assert toggled(query, "region", "CN-ZJ").region == ""
    assert toggled(query, "year", "2024").year == 2024
    assert toggled(q(page="3"), "amount", "unknown").page == 1
    choices = facet_choices(query, {"region": [("CN-ZJ", 5), ("CN-AH", 0)],
                                    "jurisdiction": [("CN", 5)],
                                    "type": [("price", 5), ("price.unmarked", 2), ("pi", 0)]})
    assert [c[:3] for c in choices["region"]] == [("CN-ZJ", 5, True)]
    assert [c[:3] for c in choices["type"]] == [("price", 5, True), ("price.unmarked", 2, False)]
    assert choices["jurisdiction"][0][3].jurisdiction == "CN"


def test_to_params_round_trips():
    query = Query.from_params(MultiDict([("q", "明码"), ("type", "price"), ("year", "2024"),
                                         ("sort", "newest"), ("page", "2")]))
    assert Query.from_params(MultiDict(query.to_params())) == query
    assert ("page", "5") in query.to_params(page=5)


def test_currency_and_jurisdiction():
    query = q(min_amount="5000", currency="eur", jurisdiction="fr")
    assert (query.currency, query.amount_field, query.jurisdiction) == ("EUR", "amount_eur", "FR")
    assert q().amount_field == "amount_cny"
    assert ("currency", "EUR") in query.to_params()
    assert "currency" not in dict(q(currency="CNY").to_params())
    assert Query.from_params(MultiDict(query.to_params())) == query


def test_field_filters_in_q_are_lifted_out_of_the_text():
    query = q(q='明码标价 type:price authority:"保定市 高阳县" year:2024 region:CN-HE')
    assert query.q == "明码标价" and query.terms == ["明码标价"]
    assert query.types == ("price",) and query.authority == "保定市 高阳县"
    assert (query.year, query.region) == (2024, "CN-HE")
    # The same filter given twice with one value is fine; unknown names stay text.
    assert q(q="type:pi", type="pi").types == ("pi",)
    assert q(q="note:x SAN-2021-008").terms == ["note:x", "SAN-2021-008"]
    assert Query.from_params(MultiDict(query.to_params())) == query
