"""Violation types: taxonomy codes with the evidence for each, from tables.

``classify(citations, texts, language="zh", decision_date=None)`` returns
``(codes, evidence)``: ``codes`` a list of taxonomy codes (``data/taxonomy.yaml``), the
main one first; ``evidence`` a dict code -> the reason, either the provision as cited
(``《中华人民共和国价格法》第十三条第一款``, ``Art. 5(1)(f) GDPR``) or the phrase found in the
text (``phrase: 未明码标价``).

How a decision is classified (every step is a table lookup; nothing is hidden in code):

1. Cited provisions first (``data/violation_articles.yaml``): each citation is looked up
   from the most specific key to the least (``14(*)(4)`` before ``14`` before ``*``).
   Provisions the decision says were *violated* come before the provisions it *applied*
   (penalty provisions).  A provision marked ``general`` (a principle such as Art. 5 GDPR,
   a penalty provision such as 价格法第四十二条) counts only when nothing specific is
   cited; then phrases of the same family (``price``, ``pi``, ...) say which conduct a
   general provision was applied to.  A cited law without a table gives ``other``.
2. Phrases next (``data/violation_phrases.yaml``, per language): when citations give
   several codes, those the text also describes come first; when citations give none,
   the phrases decide, limited to the family (``price``, ``pi``, ...) of the first phrase
   found so that an incidental word (药品 in a pricing case) adds no code.
3. Nothing cited and no phrase: no code (unknown is not ``other``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from indexer.normalize import literals
from indexer.normalize.legal_basis import normalize_law

DATA_DIR = Path(__file__).parent / "data"
_CN_DIGITS = "零一二三四五六七八九"


@lru_cache(maxsize=1)
def taxonomy() -> dict:
    with open(DATA_DIR / "taxonomy.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def article_tables() -> dict:
    """law -> [(since ISO date or "", {key: (code, general)})], newest first."""
    with open(DATA_DIR / "violation_articles.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    tables: dict = {}
    for law_key, entries in raw.items():
        law, _, since = str(law_key).partition("@")
        table = {}
        for key, value in (entries or {}).items():
            if isinstance(value, dict):
                table[str(key)] = (value.get("code"), bool(value.get("general")))
            else:
                table[str(key)] = (value, False)
        tables.setdefault(law, []).append((since, table))
    for law in tables:
        tables[law].sort(key=lambda entry: entry[0], reverse=True)
    return tables


@lru_cache(maxsize=1)
def phrase_tables() -> dict:
    """language -> [(code, compiled regex)] in table order."""
    with open(DATA_DIR / "violation_phrases.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    out = {}
    for language, codes in raw.items():
        flags = re.IGNORECASE if language != "zh" else 0
        out[language] = [(code, re.compile("|".join("(?:%s)" % p for p in patterns), flags))
                         for code, patterns in codes.items()]
    return out


def _table_for(law: str, decision_date: str | None) -> dict | None:
    versions = article_tables().get(law)
    if not versions:
        return None
    for since, table in versions:
        if not since or (decision_date and decision_date >= since):
            return table
    return versions[-1][1]


def lookup(citation: dict, decision_date: str | None = None):
    """(code, general) for one citation; (None, False) for a provision without a code.

    Returns None when the law has no table at all.
    """
    law = normalize_law(citation.get("law"))
    table = _table_for(law, decision_date) if law else None
    if table is None:
        return None
    a, p, i = citation.get("article"), citation.get("paragraph"), citation.get("item")
    keys = []
    if a:
        if p and i:
            keys.append("%s(%s)(%s)" % (a, p, i))
        if i:
            keys.append("%s(*)(%s)" % (a, i))
        if p:
            keys.append("%s(%s)" % (a, p))
        keys.append(str(a))
    keys.append("*")
    for key in keys:
        if key in table:
            return table[key]
    return (None, False)


def _cn_numeral(value) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return str(value)
    if n <= 0 or n >= 10000:
        return str(n)
    out, units = "", [(1000, "千"), (100, "百"), (10, "十")]
    rest, zero = n, False
    for size, name in units:
        digit, rest = divmod(rest, size)
        if digit:
            if zero:
                out += "零"
            out += ("" if (size == 10 and digit == 1 and not out) else _CN_DIGITS[digit]) + name
            zero = False
        elif out:
            zero = True
    if rest:
        out += ("零" if zero else "") + _CN_DIGITS[rest]
    return out


def describe(citation: dict) -> str:
    """A citation written out: 《...》第十三条第一款 / Art. 5(1)(f) GDPR."""
    law = normalize_law(citation.get("law")) or citation.get("law") or ""
    a, p, i = citation.get("article"), citation.get("paragraph"), citation.get("item")
    if re.search(r"[\u4e00-\u9fff]", law):
        out = "《%s》" % law
        if a:
            out += "第%s条" % _cn_numeral(a)
        if p:
            out += "第%s款" % _cn_numeral(p)
        if i:
            out += "第%s项" % _cn_numeral(i)
        return out
    head = {"PECR": "Regulation ", "DPA 2018": "s. "}.get(law, "Art. ")
    if not a:
        return law
    return "%s%s%s%s %s" % (head, a, "(%s)" % p if p else "", "(%s)" % i if i else "", law)


_ROLE_ORDER = {"violated": 0, None: 1, "basis": 2}


def _from_citations(citations, decision_date):
    specific, general = [], []
    for cit in sorted(citations or (), key=lambda c: _ROLE_ORDER.get(c.get("role"), 1)):
        found = lookup(cit, decision_date)
        if found is None:
            if cit.get("law"):
                general.append(("other", "%s (%s)" % (describe(cit), "no table for this law")))
            continue
        code, is_general = found
        if code:
            (general if is_general else specific).append((code, describe(cit)))
    return specific, general


# Phrase search: a text matches few of the phrase patterns, and searching each over the
# whole text was most of the time normalization took, so the patterns of a language are
# searched through their literal strings (indexer/normalize/literals.py): one pass finds
# them all, a pattern is not run in a text that lacks the strings each of its matches
# contains, and otherwise only where a match can begin.  The match is the one
# pattern.search returns.

@lru_cache(maxsize=1)
def _phrase_searches() -> dict:
    """language -> ([codes], PatternSet of their patterns), in table order."""
    return {language: ([code for code, _ in table],
                       literals.PatternSet([pattern for _, pattern in table]))
            for language, table in phrase_tables().items()}


# a line break or space inside a Chinese word (明\n码标价: PDF lines, list rows) is no gap
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def _from_phrases(texts, language):
    chinese = str(language or "zh").startswith("zh")
    codes, patterns = _phrase_searches().get("zh" if chinese else "en", ([], None))
    if not codes:
        codes, patterns = _phrase_searches().get("en", ([], None))
    joined = "\n".join(t for t in texts if t)[:200_000]
    if chinese:
        joined = _HAN_GAP.sub("", joined)
    found = []
    if not joined:
        return found
    occurrences = patterns.scan(joined)
    for i, code in enumerate(codes):
        m = patterns.search(i, joined, occurrences)
        if m:
            found.append((code, "phrase: %s" % " ".join(m.group(0).split())))
    return found


def classify(citations=(), texts=(), language="zh", decision_date=None):
    """(codes, evidence) for a decision (see the module docstring)."""
    specific, general = _from_citations(citations, decision_date)
    phrases = _from_phrases(texts, language)
    phrase_codes = {code for code, _ in phrases}
    chosen = specific
    if not chosen:
        general_codes = [c for c in general if c[0] != "other"]
        families = {code.split(".")[0] for code, _ in general_codes}
        # a penalty provision names the area; the text says which conduct in it
        chosen = [p for p in phrases if p[0].split(".")[0] in families] or general_codes
    evidence: dict = {}
    codes: list = []
    if chosen:
        ordered = [c for c in chosen if c[0] in phrase_codes] + \
                  [c for c in chosen if c[0] not in phrase_codes]
        for code, why in ordered:
            if code not in evidence:
                codes.append(code)
                evidence[code] = why
    elif phrases:
        family = phrases[0][0].split(".")[0]
        for code, why in phrases:
            if code.split(".")[0] == family and code not in evidence:
                codes.append(code)
                evidence[code] = why
    if not codes:
        for code, why in general:  # only laws without a table were cited
            if code not in evidence:
                codes.append(code)
                evidence[code] = why
    return codes, evidence
