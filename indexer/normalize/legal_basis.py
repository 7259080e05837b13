"""Cited provisions: law-name aliases and European / English citations.

``normalize_law(name)``
    The canonical name of a law (``data/law_aliases.yaml``): 个人信息保护法 and
    《中华人民共和国个人信息保护法》（2021年） are 中华人民共和国个人信息保护法;
    ``DSGVO``, ``Regulation (EU) 2016/679`` and ``règlement (UE) 2016/679`` are ``GDPR``.
    An unlisted Chinese short law name ending in 法 gets the 中华人民共和国 prefix;
    anything else is returned cleaned (NFKC, no 《》, no version note) but otherwise as
    printed.
``parse_citations_en(text, role=None, default_law=None)``
    ``Art. 5 (1) f) GDPR``, ``Art. 5(1)(f) GDPR``, ``Article 32 GDPR``, ``Articles 12, 13
    and 14 GDPR``, ``Art. 5 para. 1 lit. f GDPR``, ``Art. 5 (1) b), c), GDPR``,
    ``Regulation 21 PECR``, ``Regulations 21 and 24 of PECR``, ``section 55A of the DPA
    2018``, and the Spanish forms ``artículo 5.1.f) del RGPD``, ``artículos 12 y 15 del
    RGPD``, ``art. 21 de la LSSI``, and the French ``article 5-1-c) du RGPD``, ``articles
    12, 13 et 32 du RGPD`` -> ``{law, article, paragraph, item, role, raw}`` (one per
    provision).  A
    citation without a law name takes ``default_law`` (an article list on a GDPR
    register), or is dropped.
``parse_citations(text, role, language="zh")``
    Chinese (:func:`parse_citations_zh`, law names as printed) or English,
    with law names normalized.
A Chinese citation that names the law's revision before it (``2005年《证券法》第六十三条``,
as decisions applying the old law to old conduct write it) carries ``revision``: the year.

``normalize_citations(citations)``
    The same citations with law names normalized (the printed ``raw`` is kept).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

from indexer.normalize import literals
from indexer.normalize.amounts import cn_number

DATA_FILE = Path(__file__).parent / "data" / "law_aliases.yaml"
_VERSION = re.compile(
    r"\s*[（(][^（）()]{0,20}(?:修订|修正|修改|公布|年版|版|施行|试行|\d{4}年?)[）)]\s*$"
)
_SHORT_LAW = re.compile(r"^[\u4e00-\u9fff]{2,14}法$")


def _key(name: str) -> str:
    s = unicodedata.normalize("NFKC", str(name or ""))
    s = s.strip().strip("《》<>\"'“”")
    s = _VERSION.sub("", s).strip().strip("《》")
    s = re.sub(r"^(?:the|of\s+the)\s+", "", s, flags=re.I)
    return re.sub(r"\s+", "", s).casefold()


@lru_cache(maxsize=1)
def aliases() -> dict:
    with open(DATA_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    table = {}
    for canonical, names in data.items():
        table[_key(canonical)] = canonical
        for name in names or ():
            table[_key(name)] = canonical
    return table


@lru_cache(maxsize=4096)
def normalize_law(name) -> str | None:
    if not name or not str(name).strip():
        return None
    key = _key(name)
    found = aliases().get(key)
    if found:
        return found
    cleaned = unicodedata.normalize("NFKC", str(name)).strip().strip("《》")
    cleaned = _VERSION.sub("", cleaned).strip().strip("《》")
    compact = re.sub(r"\s+", "", cleaned)
    if _SHORT_LAW.match(compact) and not compact.startswith("中华人民共和国") and \
            not re.search(r"省|市|县|自治区", compact):
        return aliases().get(_key("中华人民共和国" + compact), "中华人民共和国" + compact)
    return compact if re.search(r"[\u4e00-\u9fff]", compact) else cleaned


def normalize_citations(citations) -> list[dict]:
    out = []
    for cit in citations or ():
        cit = dict(cit)
        cit["law"] = normalize_law(cit.get("law")) or cit.get("law")
        out.append(cit)
    return out


# --------------------------------------------------------------------------- English

def _law_pattern() -> str:
    names = set()
    with open(DATA_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for canonical, others in data.items():
        for name in [canonical] + list(others or ()):
            if re.search(r"[A-Za-z]", name):
                names.add(name)
    parts = [re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True)]
    return r"(?:the\s+)?(?P<law%s>" + "|".join(parts).replace("%", "%%") + r")(?![A-Za-z])"


_ART = r"(?P<a>\d{1,3}[A-Z]?(?:-[a-z]+)?)"
_PARA = (r"(?:\s*\(\s*(?P<p>\d{1,2})\s*\)"
         r"|\s*(?:para(?:graph)?\.?|sub-?section|§)\s*(?P<p2>\d{1,2})"
         r"|\.(?P<p3>\d{1,2})(?![\d.,]\d)"  # Spanish: artículo 5.1.f), 83.5
         r"|-(?P<p4>\d{1,2})(?=[-\s,)]|$))?")  # French: article 5-1-c)
_ITEM = (r"(?:\s*\.?\s*\(?\s*(?P<i>[a-z]|[ivx]{1,4})\s*\)(?:\s*,\s*\(?\s*[a-z]\s*\))*"
         r"|\s*(?:lit\.?|letter|point|sub-?para(?:graph)?\.?)\s*\(?(?P<i2>[a-z])\)?"
         r"|-(?P<i3>[a-z])\))?")
_UNIT = _ART + _PARA + _ITEM
_UNIT_RE = re.compile(_UNIT)
_HEAD = r"(?:Art(?:icle|[íi]culo)?s?\.?|Regulations?|Regs?\.|Sections?|ss?\.|§§?)"


@lru_cache(maxsize=1)
def _citation_re():
    law = _law_pattern()
    unit = re.sub(r"\?P<\w+>", "?:", _UNIT)
    nxt = r"(?:\s*(?:,|and|y|et|&|/|\+|;)\s*(?:%s\s*)?(?=\d)%s)" % (_HEAD, unit)
    seq = rf"{_HEAD}\s*{unit}{nxt}*"
    return re.compile(
        rf"(?P<seq>{seq})(?:\s*,?\s*(?:(?:of|in|under|del|de\s+la|du|de\s+l['’])\s*)?"
        rf"{law % ''})?"
        rf"|{law % '2'}\s*,?\s*(?P<seq2>{seq})",
        re.IGNORECASE,
    )


@lru_cache(maxsize=1)
def _citation_search():
    """The citation pattern, tried only where a citation can begin (literals.py)."""
    return literals.PatternSet([_citation_re()])


_LEADING_HEAD = re.compile(rf"^\s*{_HEAD}\s*", re.I)
_UNIT_SEPARATOR = re.compile(
    rf"\s*(?:,\s*(?=(?:{_HEAD}\s*)?\d)|\b(?:and|y|et)\b|&|/|\+|;)\s*(?:{_HEAD}\s*)?", re.I)
_ITEM_LETTERS = re.compile(r"\b([a-z]|[ivx]{1,4})\s*\)", re.I)
_ARTICLE_WITH_LETTER = re.compile(r"\d+[a-z]")


def _units(seq: str):
    """(article, paragraph, items) for each provision in 'Art. 5 (1) b), c), 6 and 13'."""
    body = _LEADING_HEAD.sub("", seq)
    pieces = _UNIT_SEPARATOR.split(body)
    for piece in pieces:
        piece = piece.strip(" ,")
        if not piece:
            continue
        m = _UNIT_RE.match(piece)
        if not m or not m.group("a"):
            continue
        paragraph = m.group("p") or m.group("p2") or m.group("p3") or m.group("p4")
        items = []
        first = m.group("i") or m.group("i2") or m.group("i3")
        if m.group("i"):
            span = piece[m.start("i") - 1 if m.start("i") else 0:m.end()]
            items = [x.lower() for x in _ITEM_LETTERS.findall(span)]
        elif first:
            items = [first.lower()]
        yield m.group("a").upper() if _ARTICLE_WITH_LETTER.fullmatch(m.group("a")) else \
            m.group("a"), paragraph, items or [None]


def parse_citations_en(text, role=None, default_law=None) -> list[dict]:
    if not isinstance(text, str) or not text:
        return []
    try:
        t = unicodedata.normalize("NFKC", text)[:50_000]
        out, seen = [], set()
        for m in _citation_search().finditer(0, t):
            seq = m.group("seq") or m.group("seq2")
            law = m.group("law") or m.group("law2")
            law = normalize_law(law) if law else default_law
            if not law or not seq:
                continue
            raw = " ".join(m.group(0).split()).rstrip(" ,")
            for article, paragraph, items in _units(seq):
                for item in items:
                    key = (law, article, paragraph, item)
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append({"law": law, "article": article, "paragraph": paragraph,
                                "item": item, "role": role, "raw": raw})
        return out
    except Exception:  # noqa: BLE001 - never raise on any string
        return []


def parse_citations(text, role=None, language="zh", default_law=None) -> list[dict]:
    """Citations in text, law names normalized."""
    if not text:
        return []
    if str(language or "zh").startswith("zh"):
        return normalize_citations(parse_citations_zh(text, role))
    return parse_citations_en(text, role, default_law)


# -- Chinese citations: 《law》第X条第Y款第Z项 ------------------------------------------

_ZH_SHORT_LAW = re.compile(r"^[\u4e00-\u9fff]{2,14}法$")
_ZH_VERSION = re.compile(r"[（(][^（）()]{0,12}(?:修订|修正|公布|年版|版|施行|试行)[）)]$")
_ZH_N = "[0-9〇零一二三四五六七八九十百千两]+"
_ZH_UNIT = re.compile(
    rf"(?:第\s*(?P<a>{_ZH_N})\s*条|(?P<a2>{_ZH_N})条)?\s*(?:第\s*(?P<p>{_ZH_N})\s*款)?\s*"
    rf"(?:第?\s*[（(]\s*(?P<i>{_ZH_N})\s*[）)]\s*项?|第\s*(?P<i2>{_ZH_N})\s*项)?"
)
_ZH_SEP = re.compile(r"[\s/]*(?:、|和|及|以及|与|，|,)?[\s/]*")


def _zh_law_name(raw: str) -> str:
    name = re.sub(r"\s", "", raw).strip("《》")
    name = _ZH_VERSION.sub("", name)
    if _ZH_SHORT_LAW.match(name) and not name.startswith("中华人民共和国") and not name.endswith("办法") \
            and not re.search(r"省|市|县|自治区", name):
        name = "中华人民共和国" + name
    return name


def _zh_num(value: str | None) -> str | None:
    if not value:
        return None
    value = unicodedata.normalize("NFKC", value)
    if value.isdigit():
        return str(int(value))
    try:
        return str(int(cn_number(value)))
    except (ValueError, ArithmeticError):
        return None


_REVISION_BEFORE = re.compile(r"((?:19|20)\d\d)\s*年\s*(?:修[订正]的)?\s*$")


def parse_citations_zh(text: str | None, role: str | None) -> list[dict]:
    """Provisions cited as 《law》第X条第Y款第Z项 (several per law: 第九条第五项、第六项)."""
    if not text:
        return []
    text = re.sub(r"“[^”]*(?:”|$)|\"[^\"\n]*\"|「[^」]*」", "", text)  # not quoted text
    out = []
    for m in re.finditer(r"《([^《》]{2,60})》", text):
        law = _zh_law_name(m.group(1))
        # the revision named before the law: 2005年《证券法》, 2019年修订的《证券法》
        revision = _REVISION_BEFORE.search(text, max(0, m.start() - 12), m.start())
        pos = m.end()
        paren = re.match(r"\s*[（(][^（）()]{0,12}[）)]", text[pos:])
        if paren:
            pos += paren.end()
        article = paragraph = None
        units = []
        first = True
        while True:
            sep = _ZH_SEP.match(text, pos)
            listed = bool(re.search(r"[、和及与，,]", sep.group(0))) if not first else False
            start = sep.end() if not first else re.match(r"[\s/]*", text[pos:]).end() + pos
            um = _ZH_UNIT.match(text, start)
            if not um or um.end() == start:
                break
            a = _zh_num(um.group("a") or um.group("a2"))
            p = _zh_num(um.group("p"))
            i = _zh_num(um.group("i") or um.group("i2"))
            if a is None and (first or (p is None and i is None)):
                break  # a citation starts with an article
            if not first and not listed and a is None and units:
                # "第五条 / 第一款": the same provision continued, not a list
                art, par, item, _ = units[-1]
                units[-1] = (art, par if p is None else p, item if i is None else i, um.end())
                pos = um.end()
                continue
            if a is not None:
                article, paragraph = a, p
            elif p is not None:
                paragraph = p
            units.append((article, paragraph if a is None and p is None else p, i, um.end()))
            pos = um.end()
            first = False
        if not units:
            continue
        raw = re.sub(r"\s", "", text[m.start(): units[-1][3]]).rstrip("、，,和及与")
        for art, par, item, _ in units:
            cit = {"law": law, "article": art, "paragraph": par, "item": item, "role": role,
                   "raw": raw}
            if revision:
                cit["revision"] = revision.group(1)
            out.append(cit)
    return out
