"""Money amounts in Chinese penalty texts.

``cn_number`` reads one number written in Arabic digits (also full-width, with thousands
separators), in Chinese numerals (一二三 ... 万 亿) or in the financial forms used on
decisions (壹贰叁 ... 拾佰仟, with 元角分), including 万元/亿元 multipliers.

``parse_cn_amounts`` finds the fine and the confiscated amount that a penalty text
*imposes*. It ignores statutory ranges quoted from a law (处五万元以上五十万元以下罚款,
可以并处5000元以下的罚款), conditions (不足1万元的), amounts that merely describe the facts
(违法所得412.8元 without 没收), and totals (罚没款合计X元), so that nothing is counted twice.
Where a decision lists penalties per violation and then a consolidated list (合计：1、...
2、罚款4000元), the consolidated list wins; otherwise the amounts imposed per violation are
summed. All arithmetic is Decimal.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from indexer.normalize import literals

log = logging.getLogger(__name__)

__all__ = ["cn_number", "parse_cn_amounts", "AMOUNT_RE"]

_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0,
    "一": 1, "壹": 1, "幺": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
    "三": 3, "叁": 3, "參": 3, "叄": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CN_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)

_ARABIC = r"[0-9０-９](?:[0-9０-９,，]*[0-9０-９])?(?:\s?[.．]\s?[0-9０-９]+)?"
_CN = f"[{_CN_CHARS}]+"
_D1 = f"[{''.join(_DIGITS)}0-9０-９]"
# one money amount: number [万|亿] [元] [整] [X角] [X分], or X角[X分], optionally after 人民币/¥
AMOUNT_RE = re.compile(
    rf"(?:(?P<cur>人民币|[¥￥])\s*[:：]?\s*)?"
    rf"(?P<num>{_D1}\s?角(?:\s?{_D1}\s?分)?|{_D1}\s?分"
    rf"|(?:{_ARABIC}|{_CN})\s?(?:[万萬亿億]\s?)?(?:[元圆]\s?)?(?:[整正])?"
    rf"(?:[零〇]?{_D1}\s?角\s?)?(?:[零〇]?{_D1}\s?分)?)"
)
# what an amount begins with: 人民币, ¥ or a digit (Arabic, full-width, Chinese)
_AMOUNT_HEAD = re.compile(rf"[人¥￥0-9０-９{_CN_CHARS}]")


def _amount_matches(text: str):
    """AMOUNT_RE.finditer(text), tried only where an amount can begin (an amount is never
    empty, so the next one is looked for from the end of the last, as finditer does)."""
    pos = 0
    while True:
        head = _AMOUNT_HEAD.search(text, pos)
        if head is None:
            return
        m = AMOUNT_RE.match(text, head.start())
        if m:
            yield m
            pos = m.end()
        else:
            pos = head.start() + 1


def _cn_integer(s: str) -> int:
    """Integer value of a Chinese numeral such as 壹拾贰万壹仟陆佰陆拾捌 or 二〇二五."""
    if s and all(ch in _DIGITS for ch in s):  # digit-by-digit form: 二〇二五
        return int("".join(str(_DIGITS[ch]) for ch in s))
    total = 0  # completed 亿 sections
    section = 0  # current section below the next big unit
    number = 0
    for ch in s:
        if ch in _DIGITS:
            number = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (number or 1) * _SMALL_UNITS[ch]
            number = 0
        elif ch in _BIG_UNITS:
            unit = _BIG_UNITS[ch]
            if unit == 100_000_000:
                total = (total + section + number) * unit
            else:
                total += (section + number) * unit
            section = number = 0
        else:
            raise ValueError(f"not a Chinese numeral: {ch!r}")
    return total + section + number


def _arabic(s: str) -> Decimal:
    s = unicodedata.normalize("NFKC", s).replace(",", "").replace(" ", "")
    return Decimal(s)


_ARABIC_ONLY = re.compile(r"[0-9０-９.．,，\s]+")


def _unit_value(s: str) -> Decimal:
    s = s.strip()
    if not s:
        return Decimal(0)
    if _ARABIC_ONLY.fullmatch(s):
        return _arabic(s)
    return Decimal(_cn_integer(s))


_YUAN_JIAO_FEN = re.compile(
    r"(?P<head>.*?)(?:[元圆][零〇]?)?(?:(?P<jiao>[^元圆角分])角)?(?:(?P<fen>[^元圆角分])分)?"
)
_SPACE_RUN = re.compile(r"\s+")
_CURRENCY_HEAD = re.compile(r"^(?:人民币|RMB|CNY|[¥￥])[:：]?", re.I)
_WHOLE_SUFFIX = re.compile(r"[整正]$")
_ASCII_DIGIT = re.compile(r"[0-9]")
_DIGITS_AND_UNITS = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)([十百千拾佰仟万萬亿億]*)")
_UNIT_VALUES = {**_SMALL_UNITS, **_BIG_UNITS}


def cn_number(s: str) -> Decimal:
    """Value of one written number / money amount, in yuan where 元/万元 are given.

    >>> cn_number("贰仟捌佰壹拾伍元贰角捌分")
    Decimal('2815.28')
    >>> cn_number("0.0500万元")
    Decimal('500.0000')
    """
    if not isinstance(s, str):
        raise TypeError("cn_number expects a string")
    text = _SPACE_RUN.sub("", unicodedata.normalize("NFKC", s))
    text = _CURRENCY_HEAD.sub("", text)
    text = _WHOLE_SUFFIX.sub("", text)
    m = _YUAN_JIAO_FEN.fullmatch(text)
    if not text or not m:
        raise ValueError(f"cannot read number: {s!r}")
    head = m.group("head")
    try:
        if _ASCII_DIGIT.search(head):
            m2 = _DIGITS_AND_UNITS.fullmatch(head)
            if not m2:
                raise ValueError(f"cannot read number: {s!r}")
            value = _arabic(m2.group(1))
            for unit in m2.group(2):
                value *= _UNIT_VALUES[unit]
        elif head:
            value = Decimal(_cn_integer(head))
        else:
            value = Decimal(0)
        if m.group("jiao"):
            value += _unit_value(m.group("jiao")) / 10
        if m.group("fen"):
            value += _unit_value(m.group("fen")) / 100
    except (InvalidOperation, KeyError) as exc:
        raise ValueError(f"cannot read number: {s!r}") from exc
    if not head and not m.group("jiao") and not m.group("fen"):
        raise ValueError(f"cannot read number: {s!r}")
    return value


# --------------------------------------------------------------------------- amounts

_QUOTE_RE = re.compile(r"“[^”]{0,2000}(?:”|$)|「[^」]{0,2000}(?:」|$)")
_CLAUSE_SPLIT = re.compile(r"[；;。\n]|[，,](?=\s*(?:[并及和]?处|罚没|上述|以上|合计|共计|总计|大写|并|没收|罚款|违法所得))")
_ITEM = re.compile(
    r"^\s*(?:\d{1,2}\s*[、.．；;](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)"
)
_TOTAL = re.compile(
    r"罚没|合并执行|(?:^|[、.．:：\s(（）)])(?:两项|二项|各项)?(?:合计|共计|总计|以上)|以上.{0,30}(?:合计|共计|总计)"
)
_CONSOLIDATED = re.compile(r"(?:合计|总计|综上|合并(?:决定|处罚))[^；;。\n]{0,40}?(?:如下)?[:：]")
_FINE_KW = re.compile(r"罚款|罚金|处罚\s*[:：]?\s*(?=人民币|[¥￥]|[0-9０-９" + _CN_CHARS + r"])")
_CONF_KW = re.compile(r"没收|追缴")
_RANGE_AFTER = re.compile(r"^\s*(?:以上|以下|以内|至|到|[-－~～—]|不等|左右|以外)")
_RANGE_BEFORE = re.compile(r"(?:不足|超过|不超过|低于|高于|达到|满|少于|多于|以上|货值|金额在)\s*$")
_MONEY_UNIT = re.compile(r"[元圆角分]")
_AMOUNT_LABEL_BEFORE = re.compile(r"(?:没收违法所得|罚款|违法所得|金额)\s*[:：]?\s*$")
_CLAUSE_END_AFTER = re.compile(r"\s*(?:[；;。，,）)]|$)")
_CN_NUMERAL_ONLY = re.compile(rf"[{_CN_CHARS}]+")
_ARABIC_IN_BRACKETS_AFTER = re.compile(r"\s*[（(]\s*[¥￥]?\s*[0-9]")
_NOT_MONEY_AFTER = re.compile(r"\s*(?:倍|%|％|‰|天|日|个月|年|份|次|元/|/)")
_MULTIPLE_BASE_AFTER = re.compile(r"\s*[）)]?\s*[0-9.一二三四五六七八九十两]+\s*倍")
_REFUND_AFTER = re.compile(r"\s*(?:退还|退回|返还)")
# a stated total of the fines (罚款人民币共计X元, 共计罚款X元) replaces the fines before it
_FINE_TOTAL = re.compile(r"(?:罚款|罚金)\s*(?:人民币)?\s*(?:共计|合计|总计)"
                         r"|(?:共计|合计|总计)\s*(?:处以?|并处)?\s*(?:罚款|罚金)")
# searched in every clause, and matching in few: run only where their words occur
_TOTAL_SEARCH = literals.prefiltered_search(_TOTAL)
_RANGE_BEFORE_SEARCH = literals.prefiltered_search(_RANGE_BEFORE)
_AMOUNT_LABEL_BEFORE_SEARCH = literals.prefiltered_search(_AMOUNT_LABEL_BEFORE)


def _amounts_in(clause: str) -> list[tuple[int, int, Decimal]]:
    """(start, end, value) of money amounts in a clause, ranges and conditions dropped."""
    found = []
    for m in _amount_matches(clause):
        raw = m.group("num")
        if not raw or not raw.strip():
            continue
        money = m.group("cur") or _MONEY_UNIT.search(raw)
        if not money and _AMOUNT_LABEL_BEFORE_SEARCH(clause[: m.start()]) \
                and _CLAUSE_END_AFTER.match(clause[m.end():]) and _ASCII_DIGIT.search(raw):
            money = True  # 没收违法所得266031；
        if not money:
            # a financial numeral followed by its Arabic rendering: 壹拾贰万...（121668）
            if not _CN_NUMERAL_ONLY.fullmatch(raw.strip()) or \
                    not _ARABIC_IN_BRACKETS_AFTER.match(clause[m.end():]):
                continue
        after = clause[m.end():]
        if _RANGE_AFTER.match(after) or _RANGE_BEFORE_SEARCH(clause[: m.start()]):
            continue
        if _NOT_MONEY_AFTER.match(after):
            continue
        if _MULTIPLE_BASE_AFTER.match(after):
            continue  # the base of a multiple: 处违法所得（74.61元）三倍的罚款
        if _REFUND_AFTER.match(after):
            continue  # ordered refunded, not imposed: 将多收价款48570元退回给交款人
        try:
            value = cn_number(raw)
        except (ValueError, ArithmeticError):
            continue
        found.append((m.start(), m.end(), value))
    return found


_LEADING_AMOUNT = re.compile(
    rf"^\s*(?:\d{{1,2}}\s*[、.．](?!\d)|[（(][一二三四五六七八九十\d]{{1,3}}[）)]|[一二三四五六七八九十]{{1,3}}、)?"
    rf"\s*(?:人民币|[¥￥])?\s*[:：]?\s*(?:{_ARABIC}|{_CN})"
)


def _clause_amounts(clause: str) -> dict:
    """{category: amount} for one clause: each amount belongs to the keyword before it."""
    body = clause.replace("罚没款", "")
    amounts = _amounts_in(body)
    if not amounts:
        return {}
    kws = sorted(
        [(m.start(), m.end(), "fine") for m in _FINE_KW.finditer(body)]
        + [(m.start(), m.end(), "confiscation") for m in _CONF_KW.finditer(body)]
    )
    result: dict = {}
    for start, end, value in amounts:
        before = [k for k in kws if k[1] <= start]
        after = [k for k in kws if k[0] >= end]
        kw = before[-1] if before else (after[0] if after else None)
        if kw is not None:
            result.setdefault(kw[2], value)
    return result


def _scan(text: str) -> tuple[Decimal | None, Decimal | None]:
    totals: dict = {}
    announced = None  # keyword without an amount in the previous clause ("罚款：")
    last_cat = None  # category of the last amount found (for "（二）人民币X元" items)
    for clause in _CLAUSE_SPLIT.split(text):
        clause = clause.replace("罚没款合计", "罚没合计").strip()
        if not clause:
            continue
        body = clause.replace("罚没款", "")
        if _FINE_TOTAL.search(body):
            amounts = _amounts_in(body)
            if amounts:
                totals["fine"] = amounts[0][2]
                announced = None
                continue
        if _TOTAL_SEARCH(clause):
            amounts = _amounts_in(body)
            if announced and amounts:  # 处违法所得（X元）三倍的罚款，共计Y元
                totals[announced] = totals.get(announced, Decimal(0)) + amounts[0][2]
            announced = None
            continue
        found = _clause_amounts(clause)
        has_kw = bool(_FINE_KW.search(body) or _CONF_KW.search(body))
        if not found and not has_kw and _LEADING_AMOUNT.match(body):
            amounts = _amounts_in(body)
            cat = announced or (last_cat if _ITEM.match(body) else None)
            if amounts and cat and amounts[0][0] <= 16:
                found = {cat: amounts[0][2]}
        for cat, value in found.items():
            totals[cat] = totals.get(cat, Decimal(0)) + value
            last_cat = cat
        if found:
            announced = None
        elif has_kw:
            kws = [("fine", m.end()) for m in _FINE_KW.finditer(body)]
            kws += [("confiscation", m.end()) for m in _CONF_KW.finditer(body)]
            announced = max(kws, key=lambda k: k[1])[0]
        elif not _ITEM.match(body):
            announced = None
    return totals.get("fine"), totals.get("confiscation")


# The largest administrative fines on record are about 10^10 in their currency (18.228
# billion yuan, 2021); an amount of 10^13 or more in any currency is a misreading.
IMPLAUSIBLE = Decimal(10) ** 13


def plausible(value: Decimal | None) -> Decimal | None:
    """The amount, or None (logged) when it cannot be a real one: not finite, negative, or
    10^13 and more."""
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value >= IMPLAUSIBLE:
        log.warning("an implausible amount rejected: %.40s", value)
        return None
    return value


def _normalize_amount(value: Decimal | None) -> Decimal | None:
    """Drop insignificant zeros without scientific notation: 2000.00 -> 2000, 159.60 -> 159.6."""
    value = plausible(value)
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def parse_cn_amounts(penalty_text: str | None) -> dict:
    """Fine and confiscation imposed by a penalty text.

    Returns {"fine": Decimal | None, "confiscation": Decimal | None}.
    """
    if not penalty_text or not isinstance(penalty_text, str):
        return {"fine": None, "confiscation": None}
    fine, confiscation = _parse_cn_amounts(penalty_text)
    return {"fine": fine, "confiscation": confiscation}


# A few entries: normalizing one decision reads its penalty text twice (the amounts, and
# the penalty kinds through indexer.documents.cn_decision.penalty_kinds).
@lru_cache(maxsize=16)
def _parse_cn_amounts(penalty_text: str) -> tuple[Decimal | None, Decimal | None]:
    text = unicodedata.normalize("NFKC", penalty_text)
    text = text.replace("\\n", "\n")
    text = _QUOTE_RE.sub("", text)
    fine, conf = _scan(text)
    if fine is None and conf is None:
        bare = _amounts_in(text.strip())
        if len(bare) == 1 and bare[0][0] == 0 and bare[0][1] == len(text.strip()):
            fine = bare[0][2]  # a bare amount in a penalty field is the fine
    # a consolidated list after per-violation penalties replaces them
    consolidated = list(_CONSOLIDATED.finditer(text))
    if consolidated:
        tail_fine, tail_conf = _scan(text[consolidated[-1].end():])
        if tail_fine is not None or tail_conf is not None:
            fine, conf = tail_fine, tail_conf
    return _normalize_amount(fine), _normalize_amount(conf)
