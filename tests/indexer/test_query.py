from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from indexer.query import Query, QueryError


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
])
def test_bad_values_name_the_parameter(params, param):
    with pytest.raises(QueryError) as info:
        q(**params)
    assert info.value.param == param


def test_to_params_round_trips():
    query = Query.from_params(MultiDict([("q", "明码"), ("type", "price"), ("year", "2024"),
                                         ("sort", "newest"), ("page", "2")]))
    assert Query.from_params(MultiDict(query.to_params())) == query
    assert ("page", "5") in query.to_params(page=5)
