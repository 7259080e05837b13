"""Parties: identifier validation, kind of party, a grouping key for names.

``validate_uscc(code)``
    ``True``/``False`` for an 18-character unified social credit code (统一社会信用代码,
    GB 32100-2015) by its check character, through ``stdnum.cn.uscc``.  ``None`` when
    there is nothing to check: no code, a placeholder (无, /), a code masked with ``*``, or
    a 15-digit registration number (注册号) of the old system, for which python-stdnum has
    no validator (its ``cn.ric`` is the resident identity card number).  Anything else
    that is present but malformed is ``False``.

``party_kind(name, party_id=None, hints="")``
    One of company / individual_business / natural_person / public_body / other, decided
    in this order (word lists and code prefixes in ``data/party_kinds.yaml``):

    1. the unified social credit code's first two characters when the code is present
       (even partly masked): 91 company, 92 individual_business, 11/12 public_body,
       51/52/53/93/N* other; an 18-character ``party_id`` that is a valid resident ID
       number means a natural person;
    2. hint words (个体工商户 -> individual_business; 自然人, 性别 -> natural_person);
    3. words of the name: association/co-operative words -> other; company words
       (有限公司, 股份, 集团, 公司) -> company; public-body words (局, 委员会, 政府, 学校,
       医院) -> public_body; shop words (店, 商行, 经营部, 商贸) -> individual_business,
       since an individual business may not call itself a company.  Single-character words
       (店, 行, 部, ...) count only as the last character of a name of 4+ characters, so
       that 王建行 stays a person;
    4. a masked person name (吴*, 李**, 张某某) or 2-4 Han characters (or a minority name
       with a middle dot) with none of the words above -> natural_person;
    5. otherwise other.

``normalize_name(name)``
    A key for grouping spellings of one name: NFKC (full-width -> half-width), every kind
    of bracket folded to ASCII parentheses, whitespace removed, case folded.  The printed
    form is not changed: callers keep both.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date as _date
from functools import lru_cache
from pathlib import Path

import yaml
from stdnum.cn import ric, uscc

DATA_FILE = Path(__file__).parent / "data" / "party_kinds.yaml"
KINDS = ("company", "individual_business", "natural_person", "public_body", "other")
_PLACEHOLDERS = {"", "无", "暂无", "/", "-", "--", "—", "null", "none", "n/a", "未提供"}
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_PERSON_RE = re.compile(rf"^[{_HAN}]{{2,4}}$|^[{_HAN}]{{1,8}}[·•・][{_HAN}]{{1,12}}$")
_OPEN = "（【〔［｛〈《「『[{<"
_CLOSE = "）】〕］｝〉》」』]}>"
_BRACKETS = str.maketrans({**{c: "(" for c in _OPEN}, **{c: ")" for c in _CLOSE}})


@lru_cache(maxsize=1)
def _tables() -> dict:
    with open(DATA_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _clean_code(code) -> str:
    s = unicodedata.normalize("NFKC", str(code or ""))
    return re.sub(r"[\s\-]", "", s).upper()


def validate_uscc(code) -> bool | None:
    s = _clean_code(code)
    if s.lower() in _PLACEHOLDERS or "*" in s or "×" in s:
        return None
    if len(s) == 15 and s.isdigit():
        return None
    return uscc.is_valid(s)


def normalize_name(name) -> str:
    s = unicodedata.normalize("NFKC", str(name or ""))
    s = s.translate(_BRACKETS)
    s = re.sub(r"\s+", "", s)
    return s.casefold()


_SPACES = re.compile(r"\s+")
_PART_SEPARATOR = re.compile(r"[;；]")
_TRAILING_REMARKS = re.compile(r"(\([^()]*\))+$")


def _squash(text) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text or "")))


def _name_parts(name: str) -> list[str]:
    """The parts of 'shop;operator' names, each without a trailing bracketed remark."""
    parts = []
    for part in _PART_SEPARATOR.split(name):
        part = _TRAILING_REMARKS.sub("", part.translate(_BRACKETS))
        if part:
            parts.append(part)
    return parts or [name]


_WORD_FORMS: dict = {}


def _word_forms(words) -> tuple:
    """(single characters, longer words casefolded) of a word list, NFKC; made once per list."""
    found = _WORD_FORMS.get(id(words))
    if found is None or found[0] is not words:
        forms = [unicodedata.normalize("NFKC", w) for w in words]
        found = (words, frozenset(w for w in forms if len(w) == 1),
                 tuple(w.casefold() for w in forms if len(w) != 1))
        _WORD_FORMS[id(words)] = found
    return found[1], found[2]


def _has_word(name: str, words) -> bool:
    singles, longer = _word_forms(words)
    if longer:
        folded = name.casefold()
        if any(w in folded for w in longer):
            return True
    if singles:
        return any(len(p) >= 4 and p[-1] in singles for p in _name_parts(name))
    return False


def _is_resident_id(s: str) -> bool:
    """Structure and check digit of a resident ID number (居民身份证号码).

    ``stdnum.cn.ric.is_valid`` also requires the area code in its own (dated) table, so
    it rejects real numbers from newer counties: use its check digit, and the date.
    """
    if len(s) != 18 or not s[:17].isdigit() or s[:1] not in "123456789":
        return False
    try:
        _date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return ric.calc_check_digit(s) == s[-1]


def _kind_from_id(party_id) -> str | None:
    s = _clean_code(party_id)
    if len(s) != 18:
        return None
    if _is_resident_id(s):
        return "natural_person"
    return (_tables().get("uscc_prefixes") or {}).get(s[:2])


def party_kind(name, party_id=None, hints="") -> str:
    tables = _tables()
    kind = _kind_from_id(party_id)
    if kind:
        return kind
    hint_text = _squash(hints)
    for k, words in (tables.get("hint_words") or {}).items():
        if hint_text and any(_squash(w) in hint_text for w in words):
            return k
    n = _squash(name)
    if not n:
        return "other"
    if _legal_form_re().search(name.strip().rstrip(".")):
        return "company"
    words = tables.get("name_words") or {}
    for k in ("other", "company", "public_body", "individual_business"):
        if _has_word(n, words.get(k, ())):
            return k
    masked = _masked_name_re(tables.get("person_mask_chars") or "*")
    if all(masked.fullmatch(p) or _PERSON_RE.match(p) for p in _PART_SEPARATOR.split(n) if p):
        return "natural_person"
    return "other"


@lru_cache(maxsize=1)
def _legal_form_re():
    """A European or English company legal form ending the name (data/party_kinds.yaml)."""
    pattern = "".join((_tables().get("legal_form_suffix") or "(?!)").split())
    return re.compile(r"(?:^|[\s,(])%s\)?$" % pattern, re.IGNORECASE)


@lru_cache(maxsize=4)
def _masked_name_re(mask_chars: str):
    return re.compile(rf"[{_HAN}]{{1,2}}[{re.escape(mask_chars)}]{{1,3}}")
