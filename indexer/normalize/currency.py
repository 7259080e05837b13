"""Currencies: codes from symbols and words, the default of a jurisdiction, conversion.

``currency_code(token, jurisdiction=None)``
    ISO 4217 code for a symbol, code or word as printed (``€``, ``kr``, ``zł``, ``lei``,
    ``pounds``); ``kr`` and ``$`` are shared by several currencies and are resolved by the
    jurisdiction (``kr`` in a Swedish decision is SEK).  ``None`` when unknown.
``default_currency(jurisdiction, on=None)``
    The currency of a country's decisions on a date (Croatia: HRK before 2023, EUR after).
``convert(amount, currency, on)``
    The amount in CNY, EUR and USD at the euro foreign exchange reference rates of the
    European Central Bank for the decision date, with the date of the rates used:
    ``{"amount_cny": Decimal, "amount_eur": ..., "amount_usd": ..., "rate_date": "2020-01-03"}``.
    The ECB publishes on TARGET business days; a weekend or holiday takes the last rate
    before it, a date outside the history the nearest end of it.  Currencies the euro
    replaced convert at their irrevocable rate once it applies (HRK from 2023, BGN from
    2026).  ``None`` when the currency is not in the history.

The history is the ECB file that the ``currencyconverter`` package ships (it works
offline; nothing is downloaded).  All arithmetic is Decimal; results are rounded to cents.
Aliases and jurisdictions live in ``data/currencies.yaml``.
"""

from __future__ import annotations

import datetime as _dt
import threading
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml

DATA_FILE = Path(__file__).parent / "data" / "currencies.yaml"
CENT = Decimal("0.01")
MAX_LOOKBACK_DAYS = 14

_lock = threading.Lock()
_converter = None


@lru_cache(maxsize=1)
def tables() -> dict:
    with open(DATA_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    by_alias: dict[str, str] = {}
    by_word: dict[str, str] = {}
    for code, aliases in data["aliases"].items():
        for alias in aliases:
            if alias.isalpha() or " " in alias or "." in alias:
                by_word[alias.casefold()] = code
            else:
                by_alias[alias] = code
    data["_by_alias"] = by_alias
    data["_by_word"] = by_word
    data["_ambiguous"] = {k.casefold(): v for k, v in (data.get("ambiguous") or {}).items()}
    return data


def _as_date(on) -> _dt.date | None:
    if on is None or on == "":
        return None
    if isinstance(on, _dt.datetime):
        return on.date()
    if isinstance(on, _dt.date):
        return on
    try:
        return _dt.date.fromisoformat(str(on)[:10])
    except ValueError:
        return None


def default_currency(jurisdiction, on=None) -> str | None:
    entry = (tables()["jurisdictions"] or {}).get(str(jurisdiction or "").upper())
    if isinstance(entry, dict):
        day = _as_date(on)
        euro_from = _as_date(entry.get("euro_from"))
        if day is not None and euro_from is not None and day >= euro_from:
            return "EUR"
        return entry.get("before_euro")
    return entry


def currency_code(token, jurisdiction=None, on=None) -> str | None:
    """ISO code for a printed currency token, or None."""
    if not token:
        return None
    t = str(token).strip()
    data = tables()
    if t in data["_by_alias"]:
        return data["_by_alias"][t]
    folded = t.casefold()
    if folded in data["_by_word"]:
        return data["_by_word"][folded]
    if folded.upper() in data["aliases"]:
        return folded.upper()
    choices = data["_ambiguous"].get(folded)
    if choices:
        local = default_currency(jurisdiction, on)
        return local if local in choices else None
    return None


def converter():
    """The shared CurrencyConverter over the bundled ECB history (loaded once)."""
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                from currency_converter import CurrencyConverter

                _converter = CurrencyConverter(decimal=True)
    return _converter


@lru_cache(maxsize=65536)
def _rate(currency: str, day: _dt.date) -> tuple[Decimal, _dt.date] | None:
    """Units of currency per euro on the last ECB business day <= day, and that day."""
    if currency == "EUR":
        return Decimal(1), day
    fixed = (tables().get("fixed_to_eur") or {}).get(currency)
    if fixed and day >= _as_date(fixed["from"]):
        return Decimal(str(fixed["rate"])), day
    conv = converter()
    bounds = conv.bounds.get(currency)
    if bounds is None:
        return None
    day = min(max(day, bounds.first_date), bounds.last_date)
    for back in range(MAX_LOOKBACK_DAYS + 1):
        probe = day - _dt.timedelta(days=back)
        try:
            return Decimal(conv.convert(1, "EUR", currency, date=probe)), probe
        except Exception:  # RateNotFoundError: a day without a published rate
            continue
    return None


def rate(currency: str, on) -> tuple[Decimal, str] | None:
    """(units of currency per euro, ISO date of the rate) or None."""
    day = _as_date(on)
    if day is None or not currency:
        return None
    found = _rate(currency.upper(), day)
    return (found[0], found[1].isoformat()) if found else None


def convert(amount, currency, on) -> dict | None:
    """{amount_cny, amount_eur, amount_usd (Decimal, cents), rate_date} or None."""
    if amount is None or not currency:
        return None
    amount = Decimal(amount)
    day = _as_date(on)
    if day is None:
        return None
    source = _rate(currency.upper(), day)
    cny = _rate("CNY", day)
    usd = _rate("USD", day)
    if source is None or cny is None or usd is None:
        return None
    eur = amount / source[0]
    fixed = currency.upper() == "EUR" or currency.upper() in (tables().get("fixed_to_eur") or {})
    ecb_days = [cny[1], usd[1]] + ([] if fixed else [source[1]])
    return {
        "amount_eur": eur.quantize(CENT, rounding=ROUND_HALF_UP),
        "amount_cny": (amount if currency.upper() == "CNY" else eur * cny[0]).quantize(
            CENT, rounding=ROUND_HALF_UP),
        "amount_usd": (amount if currency.upper() == "USD" else eur * usd[0]).quantize(
            CENT, rounding=ROUND_HALF_UP),
        "rate_date": max(ecb_days).isoformat(),
    }
