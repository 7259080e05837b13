"""Parse the dates printed in decisions and listings into ISO ``yyyy-mm-dd``.

``parse_date(s, order="dmy")`` returns the ISO date or ``None``; it never raises.

Accepted (after NFKC, so full-width digits work; surrounding whitespace and trailing
punctuation are ignored):

* Chinese: ``2025年10月13日``, ``2025 年 9 月 29 日``, ``2025年10月13号``, and in
  Chinese numerals ``二〇二五年十月十三日`` / ``二〇二五年十月三十一日`` (zero written
  〇, 零, ○ or O; month and day as 一..十, 十一, 二十一, 三十一, also 廿/卅).  A Chinese
  date is also found *inside* a longer string (``处罚日期：2025年10月13日``), since the
  pattern cannot be mistaken for anything else; the first one wins.
* ``yyyymmdd`` (``20250929``, the portal's list format).
* Year first: ISO ``2025-09-29`` (a time part such as ``T08:00:00Z`` is ignored),
  ``2025/9/29``, ``2025.09.29``.
* Day first: ``29.09.2025``, ``29/09/2025``, ``29-09-2025``; with ``order="mdy"`` the
  slash and dash forms are read month first (US ``09/29/2025``).  The dotted form is
  always day first (European).
* English: ``13 October 2025``, ``13th Oct. 2025``, ``October 13, 2025``, ``Oct 13 2025``.

The other forms must be the whole string.  Impossible dates (2025-02-30, month 13) give
``None``; so do years outside 1000-9999 and two-digit years.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "0": 0, "一": 1, "二": 2, "三": 3,
              "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_CHARS = "〇零○Oo0一二三四五六七八九"
_CN_SMALL = r"[一二三四五六七八九十廿卅]{1,3}"

_CN_DATE = re.compile(
    rf"(?P<y>\d{{4}}|[{_CN_CHARS}]{{4}})\s*年\s*(?P<m>\d{{1,2}}|{_CN_SMALL})\s*月\s*"
    rf"(?P<d>\d{{1,2}}|{_CN_SMALL})\s*[日号]"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEAR_FIRST = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T\s].*)?")
_DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})")
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_EN_DMY = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})", re.I)
_EN_MDY = re.compile(rf"({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.I)
_TRIM = " \t\r\n\u3000.,;:，。；：、)）(（"


def _iso(y, m, d) -> str | None:
    try:
        y, m, d = int(y), int(m), int(d)
        if y < 1000:
            return None
        return _dt.date(y, m, d).isoformat()
    except (ValueError, OverflowError, TypeError):
        return None


def _cn_year(s: str) -> int | None:
    if s.isdigit() and s.isascii():
        return int(s)
    try:
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    except KeyError:
        return None


def _cn_small(s: str) -> int | None:
    """一..九, 十, 十一, 二十, 二十一, 三十一, 廿一, 卅 -> int (1-39)."""
    if s.isdigit() and s.isascii():
        return int(s)
    s = s.replace("廿", "二十").replace("卅", "三十")
    if s == "十":
        return 10
    if "十" in s:
        head, _, tail = s.partition("十")
        if "十" in tail or len(head) > 1 or len(tail) > 1:
            return None
        tens = _CN_DIGITS.get(head, None) if head else 1
        ones = _CN_DIGITS.get(tail, None) if tail else 0
        if tens is None or ones is None or tens == 0:
            return None
        return tens * 10 + ones
    if len(s) == 1 and s in _CN_DIGITS and _CN_DIGITS[s] > 0:
        return _CN_DIGITS[s]
    return None


def _parse(s: str, order: str) -> str | None:
    for m in _CN_DATE.finditer(s):
        y, mo, d = _cn_year(m["y"]), _cn_small(m["m"]), _cn_small(m["d"])
        if None not in (y, mo, d):
            iso = _iso(y, mo, d)
            if iso:
                return iso
    t = s.strip(_TRIM)
    if m := _COMPACT.fullmatch(t):
        return _iso(*m.groups())
    if m := _YEAR_FIRST.fullmatch(t):
        return _iso(m[1], m[3], m[4])
    if m := _DAY_FIRST.fullmatch(t):
        a, sep, b, y = m.groups()
        if order == "mdy" and sep != ".":
            return _iso(y, a, b)
        return _iso(y, b, a)
    if m := _EN_DMY.fullmatch(t):
        return _iso(m[3], _MONTHS[m[2].lower()], m[1])
    if m := _EN_MDY.fullmatch(t):
        return _iso(m[3], _MONTHS[m[1].lower()], m[2])
    return None


def parse_date(s, order: str = "dmy") -> str | None:
    """ISO yyyy-mm-dd for a printed date, or None.  Never raises."""
    try:
        if not isinstance(s, str) or not s:
            return None
        s = unicodedata.normalize("NFKC", s)
        if len(s) > 10_000:
            s = s[:10_000]
        result = _parse(s, order)
        if result is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", result):
            return None
        return result
    except Exception:  # noqa: BLE001 - the contract is: never raise on any string
        return None
