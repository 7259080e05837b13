"""Currency codes and conversion at the ECB reference rates (bundled history, offline)."""

from decimal import Decimal

import pytest

from indexer.normalize import currency


@pytest.mark.parametrize("token,jurisdiction,code", [
    ("€", None, "EUR"), ("eur", None, "EUR"), ("£", None, "GBP"), ("zł", None, "PLN"),
    ("lei", None, "RON"), ("Kč", None, "CZK"), ("kr", "SE", "SEK"), ("kr", "DK", "DKK"),
    ("kr", "NO", "NOK"), ("kr", None, None), ("$", "US", "USD"), ("¥", None, "CNY"),
    ("XYZ", None, None), ("", None, None),
])
def test_currency_code(token, jurisdiction, code):
    assert currency.currency_code(token, jurisdiction) == code


def test_default_currency_follows_euro_adoption():
    assert currency.default_currency("HR", "2022-12-30") == "HRK"
    assert currency.default_currency("HR", "2023-01-02") == "EUR"
    assert currency.default_currency("GB") == "GBP"
    assert currency.default_currency("NO") == "NOK"
    assert currency.default_currency("XX") is None


def test_weekend_takes_the_last_published_rate():
    saturday = currency.convert(Decimal("1000"), "CNY", "2025-10-11")
    friday = currency.convert(Decimal("1000"), "CNY", "2025-10-10")
    assert saturday["rate_date"] == "2025-10-10"
    assert saturday == friday
    assert saturday["amount_cny"] == Decimal("1000.00")


def test_conversion_is_consistent_across_currencies():
    gbp = currency.convert(Decimal("150000"), "GBP", "2021-08-24")
    rate_gbp, day = currency.rate("GBP", "2021-08-24")
    assert day == "2021-08-24" and gbp["rate_date"] == day
    assert gbp["amount_eur"] == (Decimal("150000") / rate_gbp).quantize(Decimal("0.01"))
    rate_usd, _ = currency.rate("USD", day)
    assert abs(gbp["amount_usd"] - gbp["amount_eur"] * rate_usd) < Decimal("0.02")
    assert all(isinstance(v, Decimal) for k, v in gbp.items() if k != "rate_date")


def test_replaced_currency_converts_at_the_fixed_rate():
    after = currency.convert(Decimal("7534.50"), "HRK", "2023-03-08")
    assert after["amount_eur"] == Decimal("1000.00")
    before = currency.convert(Decimal("7534.50"), "HRK", "2022-03-08")
    assert before["amount_eur"] != Decimal("1000.00")


def test_dates_outside_the_history_use_its_nearest_end():
    early = currency.convert(Decimal("100"), "GBP", "1990-01-01")
    assert early is not None and early["rate_date"] >= "1999-01-04"


def test_unknown_currency_or_date_gives_none():
    assert currency.convert(Decimal("100"), "XYZ", "2020-01-02") is None
    assert currency.convert(Decimal("100"), "EUR", None) is None
    assert currency.convert(None, "EUR", "2020-01-02") is None
