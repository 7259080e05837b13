"""Money amounts in English and European texts (fines of data-protection authorities, ...).

``parse_number(s)``
    One written number: ``75,000``, ``75.000`` (a European thousands point), ``1 200 000``,
    ``1.234.567,89``, ``2,5``, ``1.2 million``, ``20m``, ``17 Mio.``, ``1bn``.  A single
    point or comma followed by exactly three digits groups thousands (``75.000`` is
    seventy-five thousand) unless a multiplier word follows (``1.500 million``); otherwise
    it is the decimal mark.  Returns a Decimal or None.
``find_money(text, jurisdiction=None)``
    Every money mention: number with a currency before or after it (``€1.2 million``,
    ``EUR 75.000``, ``75,000 EUR``, ``£20m``, ``1 200 000 SEK``, ``SEK 1.2 million``).
    The currency comes from the symbol, code or word (``data/currencies.yaml``); ``kr`` is
    resolved by the jurisdiction.  French decisions repeat the amount in words
    (``400 000 (quatre cent mille) euros``, ``cinq mille (5 000) euros``) and write
    ``1,75 million d'euros``: read as ``400 000 euros``, ``5 000 euros``,
    ``1,75 million euros``.  A bare number after a fine word (``a fine of 5000``) is
    in the jurisdiction's currency.
``parse_money(s, jurisdiction=None)``
    An amount field on its own (``150,000 GBP``, ``n/a``) -> ``(Decimal, code)`` or None.
``parse_fine(text, jurisdiction=None)``
    The fine a summary says was *imposed*: ``{"fine", "currency", "raw", "unknown"}``.
    Statutory maxima (``up to EUR 20 million``, ``4% of turnover``), amounts a fine was
    reduced *from* (``the original fine of EUR 3,000 was reduced to EUR 1,800``), and a
    conversion in brackets after an amount (``40.000 PLN (9400 EUR)``) are not the fine.
    ``unknown`` is True when the text says a fine was imposed but writes its amount as a
    placeholder (``a five-digit fine``, ``EUR [amount]``).

All arithmetic is Decimal; nothing here raises on any string.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from indexer.normalize import literals
from indexer.normalize.currency import currency_code, default_currency, tables

__all__ = ["parse_number", "find_money", "parse_money", "parse_fine", "Money"]

_MULTIPLIERS = {
    "thousand": 10**3, "k": 10**3, "tsd": 10**3, "tsd.": 10**3,
    "million": 10**6, "millions": 10**6, "m": 10**6, "mn": 10**6, "mio": 10**6, "mio.": 10**6,
    "mln": 10**6, "millionen": 10**6, "millones": 10**6, "milioni": 10**6, "millió": 10**6,
    "billion": 10**9, "billions": 10**9, "bn": 10**9, "b": 10**9, "mrd": 10**9, "mrd.": 10**9,
    "milliard": 10**9, "milliards": 10**9, "milliarden": 10**9,
}
_MULT_RE = r"(?:thousand|millions?|millionen|millones|milioni|millió|billions?|milliards?|" \
           r"milliarden|mio\.?|mln|mrd\.?|tsd\.?|mn|bn|[kmb])(?![a-z])"
_NUM = r"\d{1,3}(?:(?:[ ,.'’]|\s)\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d+)?"
_SPACES = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]")


def _currency_tokens() -> list[str]:
    data = tables()
    tokens = set()
    for aliases in data["aliases"].values():
        tokens.update(aliases)
    tokens.update(data.get("ambiguous") or {})
    tokens.discard("元")
    tokens.discard("人民币")
    return sorted(tokens, key=len, reverse=True)


def _currency_pattern() -> str:
    parts = []
    for tok in _currency_tokens():
        esc = re.escape(tok)
        parts.append(esc + (r"(?![A-Za-zÀ-ž])" if tok[-1:].isalpha() else ""))
    return "|".join(parts)


_MONEY_RE = None


def _money_re():
    global _MONEY_RE
    if _MONEY_RE is None:
        cur = _currency_pattern()
        _MONEY_RE = re.compile(
            rf"(?<![A-Za-z0-9])(?:(?P<pre>{cur})\s?(?P<num1>{_NUM})(?:\s?(?P<mult1>{_MULT_RE}))?"
            rf"|(?P<num2>{_NUM})(?:\s?(?P<mult2>{_MULT_RE}))?\s?(?P<post>{cur}))",
            re.IGNORECASE,
        )
    return _MONEY_RE


def parse_number(s, multiplier: str | None = None) -> Decimal | None:
    """Value of one written number (see the module docstring), or None."""
    try:
        if not isinstance(s, str):
            return None
        t = _SPACES.sub(" ", unicodedata.normalize("NFKC", s)).strip()
        m = re.fullmatch(rf"({_NUM})\s?({_MULT_RE})?", t, re.IGNORECASE)
        if not m:
            return None
        number, mult = m.group(1), multiplier or m.group(2)
        value = _number(number, bool(mult))
        if value is None:
            return None
        if mult:
            value *= _MULTIPLIERS[mult.lower()]
        return value
    except (InvalidOperation, ValueError, KeyError, OverflowError):
        return None


def _number(number: str, has_multiplier: bool) -> Decimal | None:
    digits = re.sub(r"\s", " ", number)
    seps = [c for c in digits if not c.isdigit()]
    if not seps:
        return Decimal(digits)
    kinds = set(seps)
    if len(kinds) > 1:
        # the last separator is the decimal mark when the kinds differ: 1.234.567,89
        last = max(digits.rfind("."), digits.rfind(","))
        head, tail = digits[:last], digits[last + 1:]
        if len(tail) == 3 and digits[last] in " '’":
            return Decimal(re.sub(r"\D", "", digits))
        return Decimal(re.sub(r"\D", "", head) + "." + tail)
    sep = seps[0]
    groups = re.split(r"[ ,.'’]", digits)
    if sep in " '’" or len(seps) > 1:
        if all(len(g) == 3 for g in groups[1:]):
            return Decimal("".join(groups))
        if len(seps) > 1:
            return None
    tail = groups[-1]
    if len(tail) == 3 and not has_multiplier and len(groups[0]) <= 3 and groups[0] != "0":
        return Decimal("".join(groups))  # 75.000 / 75,000
    return Decimal(groups[0] + "." + tail)


class Money(tuple):
    """(value, currency, start, end, raw)."""

    __slots__ = ()

    def __new__(cls, value, currency, start, end, raw):
        return super().__new__(cls, (value, currency, start, end, raw))

    value = property(lambda self: self[0])
    currency = property(lambda self: self[1])
    start = property(lambda self: self[2])
    end = property(lambda self: self[3])
    raw = property(lambda self: self[4])


# An amount repeated in words between the figure and the currency, as French decisions
# write it: "400 000 (quatre cent mille) euros".
_IN_WORDS = re.compile(r"(?<=\d)\s*\([^()\d]{3,120}\)\s*(?=euros?\b|€|EUR\b)", re.I)
# ... or the words first and the figure in brackets: "cinq mille (5 000) euros".
_FIGURE_IN_BRACKETS = re.compile(rf"\(\s*({_NUM})\s*\)\s*(?=euros?\b|€|EUR\b)", re.I)
# "1,75 million d'euros", "90 millions d'euros": the French "of" before the currency.
_OF_EUROS = re.compile(r"\b(millions?|milliards?)\s+d['’]\s*(?=euros?\b)", re.I)


def _prepare(text: str) -> str:
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text))
    text = _FIGURE_IN_BRACKETS.sub(r"\1 ", _IN_WORDS.sub(" ", text))
    return _OF_EUROS.sub(r"\1 ", text)


def find_money(text, jurisdiction=None) -> list[Money]:
    """Every money amount with a currency in text (see the module docstring)."""
    if not isinstance(text, str) or not text:
        return []
    try:
        t = _prepare(text)[:100_000]
        out = []
        for m in _money_matches(t):
            num = m.group("num1") or m.group("num2")
            mult = m.group("mult1") or m.group("mult2")
            token = m.group("pre") or m.group("post")
            code = currency_code(token, jurisdiction)
            if code is None:
                continue
            value = parse_number(num, mult)
            if value is None:
                continue
            out.append(Money(_normal(value), code, m.start(), m.end(), m.group(0).strip()))
        return out
    except Exception:  # noqa: BLE001 - never raise on any string
        return []


_DIGIT_AFTER_NON_ALNUM = re.compile(r"(?<![A-Za-z0-9])\d")


def _money_matches(t: str):
    """_money_re().finditer(t), tried only where a money mention can begin: at a digit
    (the number first) or where a currency token occurs (indexer/normalize/literals.py)."""
    tokens = _searches()["tokens"]
    positions = tokens.positions(0, tokens.scan(t))
    if positions is None:
        return _money_re().finditer(t)
    positions = set(positions)
    positions.update(m.start() for m in _DIGIT_AFTER_NON_ALNUM.finditer(t))
    return literals.matches_at(_money_re(), t, sorted(positions))


def parse_money(s, jurisdiction=None):
    """(Decimal, ISO code) for an amount field such as "150,000 GBP"; None otherwise."""
    try:
        if not isinstance(s, str):
            return None
        t = _prepare(s).strip()
        found = find_money(t, jurisdiction)
        if len(found) == 1 and found[0].end - found[0].start >= len(t) - 2:
            return found[0].value, found[0].currency
        value = parse_number(t)
        local = default_currency(jurisdiction)
        if value is not None and local:
            return value, local
        return None
    except Exception:  # noqa: BLE001
        return None


# --------------------------------------------------------------------------- the fine

_FINE_WORDS = re.compile(
    r"\b(?:fined?s?|fining|penalt(?:y|ies)|sanction(?:s|ed)?|monetary|amende|multa|sanzione|"
    r"bußgeld|bussgeld|geldbuße|boete|bøde|bot|sanktionsavgift|grzywn|kar[aey]|bírság|amenda)\b",
    re.IGNORECASE,
)
_NOT_IMPOSED_BEFORE = re.compile(
    r"(?:up\s+to|maximum(?:\s+fine)?(?:\s+of)?|max\.?|as\s+much\s+as|of\s+up\s+to|could\s+have|"
    r"might\s+have|would\s+have|could\s+be|ceiling\s+of|limit\s+of|exceed(?:ing)?|"
    r"turnover\s+of|revenue\s+of|turnover\s+(?:was|is|amounted\s+to)|sales\s+of|"
    r"profits?\s+of|worth|valued\s+at|damages\s+of|compensation\s+of|paid\s+out|"
    r"original(?:ly)?|initial(?:ly)?|proposed|intended|planned|provisional|"
    r"notice\s+of\s+intent\w*|reduced\s+from|from|between|ranging\s+from|"
    r"between\s+\S+(?:\s+\S+){0,3}\s+and|wants?\s+to\s+fine\s+\S+(?:\s+\S+){0,3})\s*[:(]?\s*$",
    re.IGNORECASE,
)
_FINAL_BEFORE = re.compile(
    r"(?:reduced|lowered|cut|decreased|amounted|set)\s+(?:\w+\s+){0,6}?to\s*$|"
    r"(?:a\s+)?total(?:\s+fine)?\s+of\s*$|totall?ing\s*$|in\s+total\s*$|final\s+fine\s+of\s*$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"\b(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|single|double|low|mid|high)"
    r"[- ](?:digit|figure)|\d[- ](?:digit|figure)|undisclosed|unspecified|not\s+(?:been\s+)?"
    r"(?:disclosed|published|known))\b|\[\s*(?:amount|x+|\.+|…)\s*\]"
    r"|(?:EUR|€|£|GBP)\s?(?:x{2,}|\.{3}|…)",
    re.IGNORECASE,
)


_CONVERSION_BETWEEN = re.compile(r"\s*[(\[]\s*(?:approx\.?|approximately|about|ca\.?|c\.|"
                                 r"around|equivalent\s+to|roughly|~|≈)?\s*", re.I)
_SHARE_AFTER = re.compile(r"\s*(?:%|per\s+cent|percent|of\s+(?:its|the|annual|global)\s+"
                          r"(?:annual\s+)?(?:turnover|revenue))", re.I)
_NOT_FINE_AFTER = re.compile(r"\s*(?:in\s+)?(?:turnover|revenue|sales|damages|compensation)\b",
                             re.I)
_BARE_FINE = re.compile(rf"\b(?:fine|fined|penalty)\b[^.;\d]{{0,25}}?\b(?:of|with|to)\s+"
                        rf"({_NUM})(?:\s?({_MULT_RE}))?(?![\d%])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _searches() -> dict:
    """The patterns searched in every summary, with their literals (one case folding)."""
    patterns = {"tokens": re.compile(_currency_pattern(), re.IGNORECASE),
                "not_imposed": _NOT_IMPOSED_BEFORE, "final": _FINAL_BEFORE,
                "fine_words": _FINE_WORDS, "placeholder": _PLACEHOLDER, "bare_fine": _BARE_FINE}
    folding = literals.Folding(frozenset().union(*map(literals.literal_chars,
                                                      patterns.values())))
    return {name: literals.PatternSet([p], folding) for name, p in patterns.items()}


def _is_conversion(text: str, money: Money, previous: Money | None) -> bool:
    """An amount in brackets right after another amount (its conversion)."""
    if previous is None:
        return False
    between = text[previous.end:money.start]
    return bool(_CONVERSION_BETWEEN.fullmatch(between))


def parse_fine(text, jurisdiction=None) -> dict:
    """The fine imposed according to a summary (see the module docstring)."""
    empty = {"fine": None, "currency": None, "raw": None, "unknown": False}
    try:
        if not isinstance(text, str) or not text.strip():
            return empty
        t = _prepare(text)[:100_000]
        found = find_money(t, jurisdiction)
        search = _searches()
        fine_words = search["fine_words"]
        candidates = []
        previous = None
        for money in found:
            before = t[max(0, money.start - 60):money.start]
            after = t[money.end:money.end + 40]
            conversion = _is_conversion(t, money, previous)
            previous = money
            if conversion:
                continue
            if search["not_imposed"].search(0, before):
                continue
            if _SHARE_AFTER.match(after):
                continue
            if _NOT_FINE_AFTER.match(after):
                continue
            final = bool(search["final"].search(0, before))
            near_fine = bool(fine_words.search(0, t[max(0, money.start - 80):money.start])
                             or fine_words.search(0, after[:40]))
            candidates.append((final, near_fine, money))
        if candidates:
            finals = [c for c in candidates if c[0]]
            fines = [c for c in candidates if c[1]]
            chosen = (finals or fines or candidates)[-1 if finals else 0][2]
            return {"fine": _normal(chosen.value), "currency": chosen.currency,
                    "raw": chosen.raw, "unknown": False}
        if search["placeholder"].search(0, t) and fine_words.search(0, t):
            return dict(empty, unknown=True)
        # a bare number after a fine word: "a fine of 5000" in the local currency
        local = default_currency(jurisdiction)
        if local:
            m = search["bare_fine"].search(0, t)
            if m:
                value = parse_number(m.group(1), m.group(2))
                if value is not None:
                    return {"fine": _normal(value), "currency": local,
                            "raw": m.group(0), "unknown": False}
        return empty
    except Exception:  # noqa: BLE001 - never raise on any string
        return empty


def _normal(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
