"""parse_date: Chinese, compact, ISO, European, US and English forms; never raises."""

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.normalize.dates import parse_date

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "cn" / "samr_cfws"


@pytest.mark.parametrize("text, expected", [
    ("2025年10月13日", "2025-10-13"),
    ("2025年09月29日", "2025-09-29"),
    ("2024 年 11 月 4 日", "2024-11-04"),
    ("２０２５年１０月１３日", "2025-10-13"),
    ("二〇二五年十月十三日", "2025-10-13"),
    ("二〇二五年十月三十一日", "2025-10-31"),
    ("二〇二四年二月二十九日", "2024-02-29"),
    ("二零二三年一月一日", "2023-01-01"),
    ("二○二五年十二月二十日", "2025-12-20"),
    ("处罚日期：2025年10月13日。", "2025-10-13"),
    ("20250929", "2025-09-29"),
    ("2025-09-29", "2025-09-29"),
    ("2025-09-29T08:30:00Z", "2025-09-29"),
    ("2025/9/29", "2025-09-29"),
    ("29.09.2025", "2025-09-29"),
    ("29/09/2025", "2025-09-29"),
    ("13 October 2025", "2025-10-13"),
    ("13th Oct. 2025", "2025-10-13"),
    ("October 13, 2025", "2025-10-13"),
    ("Sept 3 2024", "2024-09-03"),
])
def test_parses(text, expected):
    assert parse_date(text) == expected


def test_order_mdy_reads_us_dates():
    assert parse_date("09/29/2025", order="mdy") == "2025-09-29"
    assert parse_date("09/29/2025") is None  # day 09, month 29: impossible in dmy
    assert parse_date("03/04/2025") == "2025-04-03"
    assert parse_date("03/04/2025", order="mdy") == "2025-03-04"
    # the dotted form is European whatever the order
    assert parse_date("03.04.2025", order="mdy") == "2025-04-03"


@pytest.mark.parametrize("text", [
    "2025年2月30日", "二〇二五年十三月一日", "2025年13月01日", "20250230", "2025-02-29",
    "31.04.2025", "32 October 2025", "February 30, 2025", "二〇二五年十月三十二日",
    "", "   ", "无", "高市监罚〔2024〕08004号", "5,207,547.16元", "12/13", "2025", "0000-00-00",
    "13062819***************", "99999999",
])
def test_rejects(text):
    assert parse_date(text) is None


def test_non_strings_return_none():
    for value in (None, 20250929, b"2025-09-29", 3.5):
        assert parse_date(value) is None


@given(st.text())
@settings(max_examples=400)
def test_never_raises_and_output_is_iso(text):
    result = parse_date(text)
    assert result is None or dt.date.fromisoformat(result).isoformat() == result


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_round_trips_real_dates(day):
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day.isoformat()
    assert parse_date(day.strftime("%Y%m%d")) == day.isoformat()
    assert parse_date(day.strftime("%d.%m.%Y")) == day.isoformat()
    assert parse_date(day.strftime("%m/%d/%Y"), order="mdy") == day.isoformat()
    assert parse_date(day.strftime("%B %d, %Y")) == day.isoformat()


def test_every_portal_list_date_parses():
    path = CORPUS / "list_rows_price_cases.json"
    if not path.exists():
        pytest.skip("shared corpus not present")
    rows = json.loads(path.read_text(encoding="utf-8-sig"))
    dates = [r["处罚日期"] for r in rows if r.get("处罚日期")]
    assert len(dates) > 700
    parsed = [parse_date(d) for d in dates]
    assert all(parsed), [d for d, p in zip(dates, parsed) if not p][:5]
    assert all("2000-01-01" < p < "2030-01-01" for p in parsed)
