"""English and European money amounts, tested on real GDPRhub and privacyaffairs strings."""

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.normalize import currency
from indexer.normalize.amounts_intl import find_money, parse_fine, parse_money, parse_number

INTL = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "intl"
needs_corpus = pytest.mark.skipif(not INTL.is_dir(), reason="shared corpus not available")


@pytest.mark.parametrize("text,value", [
    ("75,000", "75000"), ("75.000", "75000"), ("1 200 000", "1200000"),
    ("1.234.567,89", "1234567.89"), ("1,234,567.89", "1234567.89"), ("2,5", "2.5"),
    ("1.2 million", "1200000"), ("20m", "20000000"), ("17 Mio.", "17000000"),
    ("1.5bn", "1500000000"), ("0.75", "0.75"), ("300", "300"), ("1.500 million", "1500000"),
])
def test_parse_number(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3,4,5", "million", "12,34,5"])
def test_parse_number_rejects(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text,value,code,jurisdiction", [
    ("€1.2 million", "1200000", "EUR", None),
    ("EUR 75.000", "75000", "EUR", None),
    ("75,000 EUR", "75000", "EUR", None),
    ("£20m", "20000000", "GBP", None),
    ("1 200 000 SEK", "1200000", "SEK", None),
    ("kr 50 000", "50000", "SEK", "SE"),
    ("kr 50 000", "50000", "NOK", "NO"),
    ("250 000 zł", "250000", "PLN", None),
    ("HUF 20,500,000", "20500000", "HUF", None),
])
def test_find_money(text, value, code, jurisdiction):
    found = find_money("a fine of " + text + " was imposed", jurisdiction)
    assert [(m.value, m.currency) for m in found] == [(Decimal(value), code)]


def test_kr_without_jurisdiction_is_not_guessed():
    assert find_money("a fine of kr 50 000") == []


@pytest.mark.parametrize("text,fine,code", [
    ("The original fine of EUR 3,000 was reduced to EUR 1,800 because of voluntary payment.",
     "1800", "EUR"),
    ("A fine of 40.000 PLN (9400 EUR) was imposed on the mayor.", "40000", "PLN"),
    ("could have been fined up to EUR 20 million or 4% of turnover; it was fined EUR 5,000.",
     "5000", "EUR"),
    ("The company, with a turnover of EUR 3 million, was fined EUR 12,000.", "12000", "EUR"),
    ("The DPA wants to fine Facebook between EUR 28 million and EUR 36 million.", None, None),
    ("The Irish DPA has fined Meta Platforms Ireland Limited with EUR 17 million.",
     "17000000", "EUR"),
])
def test_parse_fine(text, fine, code):
    found = parse_fine(text)
    assert found["fine"] == (Decimal(fine) if fine else None)
    assert found["currency"] == code


@pytest.mark.parametrize("text,fine", [
    # the CNIL's operative parts: the amount in words and in figures, either way round
    ("prononcer une amende administrative d'un montant de 400\u00a0000 (quatre cent mille) "
     "euros", "400000"),
    ("prononcer à l'encontre de la commune une amende administrative d'un montant de cinq "
     "mille (5\u00a0000) euros ; une astreinte de cent cinquante (150) euros par jour de "
     "retard", "5000"),
    ("une sanction pécuniaire de 1,75 million d'euros", "1750000"),
    ("une amende de 90 millions d’euros", "90000000"),
    ("une amende de 1\u202f750\u202f000 euros", "1750000"),
])
def test_french_amounts(text, fine):
    found = parse_fine(text, "FR")
    assert (found["fine"], found["currency"]) == (Decimal(fine), "EUR")


def test_placeholder_amounts_are_unknown():
    found = parse_fine("The DPA of Brandenburg has fined an aid organization with a "
                       "five-digit fine.")
    assert found["fine"] is None and found["unknown"] is True


def test_bare_number_takes_the_jurisdiction_currency():
    found = parse_fine("The authority imposed a fine of 5000 on the controller.", "SE")
    assert (found["fine"], found["currency"]) == (Decimal(5000), "SEK")


@needs_corpus
def test_gdprhub_infobox_fines():
    """Every 'Fine:' of the 41 real pages: the number as printed, in the printed currency."""
    from lxml import html

    seen = 0
    for page in sorted((INTL / "gdprhub_pages").glob("*.html")):
        tree = html.parse(str(page))
        for row in tree.xpath("//tr"):
            text = " ".join(row.text_content().split())
            m = re.fullmatch(r"Fine: (.+)", text)
            if not m:
                continue
            printed = m.group(1)
            parsed = parse_money(printed)
            shown = re.fullmatch(r"([\d.,]+) ([A-Z]{3})", printed)
            if shown is None:
                assert parsed is None, printed  # n/a, None
                continue
            seen += 1
            assert parsed == (Decimal(re.sub(r"[.,]", "", shown.group(1))), shown.group(2))
    assert seen >= 35  # "35.000 EUR" (Greece) is 35000, not 35 as the third-party index says


@needs_corpus
def test_privacyaffairs_summaries_agree_with_the_published_eur_figure():
    rows = list(csv.DictReader(open(INTL / "privacyaffairs" / "fines.csv", encoding="utf-8")))
    parsed = agree = 0
    for row in rows:
        price = Decimal(row["price"] or 0)
        if price <= 0:
            continue
        found = parse_fine(row["summary"])
        if found["fine"] is None:
            continue
        parsed += 1
        month, day, year = row["date"].split("/")
        date = "%s-%s-%s" % (year, month, day) if year != "1970" else "2020-01-01"
        eur = found["fine"] if found["currency"] == "EUR" else (
            currency.convert(found["fine"], found["currency"], date) or {}).get("amount_eur")
        agree += eur is not None and abs(eur - price) <= price / 100
    assert parsed > 900
    assert agree / parsed >= 0.9


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_never_raises(text):
    assert parse_fine(text)["fine"] is None or parse_fine(text)["fine"] >= 0
    find_money(text, "SE")
    parse_money(text, "GB")
    parse_number(text)


@given(st.lists(st.sampled_from(["EUR", "€", "£", " ", "1", "0", ",", ".", "million", "m",
                                 "fine", "of", "up to", "(", ")", "kr", "SEK", "5"]),
                max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_never_raises_on_money_soup(text):
    found = parse_fine(text, "SE")
    assert found["fine"] is None or found["currency"] is not None
