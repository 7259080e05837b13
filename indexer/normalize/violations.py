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
3. The source's own category next (``data/violation_topics.yaml``): a list row filed
   under the SAMR portal's price topic whose text names no conduct gets the family code
   ``price`` (pricing, conduct not stated), with the topic as evidence.  A family code
   (``price``, ``pi``) also comes from phrases that name the area but not the conduct
   (价格违法行为); it is dropped wherever a code below it is found.
4. Nothing cited, no phrase, no category: no code (unknown is not ``other``), and
   ``unclassified_reason`` says why.
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


@lru_cache(maxsize=1)
def topic_table() -> dict:
    """source -> {topic: (code, label)}; topic "*" is every item of the source."""
    with open(DATA_DIR / "violation_topics.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return {source: {str(topic): (entry["code"], entry["label"])
                     for topic, entry in (topics or {}).items()}
            for source, topics in raw.items()}


def topic_code(source, topic):
    """(code, evidence) for the category a source filed an item under, or None."""
    topics = topic_table().get(source) or {}
    found = topics.get(str(topic)) if topic is not None else None
    found = found or topics.get("*")
    return (found[0], "topic: %s" % found[1]) if found else None


def unclassified_reason(texts, document_pending):
    """Why a decision got no code: the document is still pending (the list row names no
    conduct), there is no text at all, or the text names no conduct the tables know."""
    if document_pending:
        return "document_pending"
    if not any(t and t.strip() for t in texts):
        return "no_text"
    return "no_conduct_stated"


def _family(code: str) -> str:
    return code.split(".")[0]


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
    revision = citation.get("revision")
    if revision:  # the revision the decision names: in force by the end of the next year
        decision_date = "%d-12-31" % (int(revision) + 1)
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
        out = "%s《%s》" % ("%s年" % citation["revision"] if citation.get("revision") else "", law)
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


def classify(citations=(), texts=(), language="zh", decision_date=None, topic=None):
    """(codes, evidence) for a decision (see the module docstring).

    ``topic``: (code, evidence) of the category its source filed it under
    (:func:`topic_code`), or None."""
    specific, general = _from_citations(citations, decision_date)
    phrases = _from_phrases(texts, language)
    phrase_codes = {code for code, _ in phrases}
    general_codes = [c for c in general if c[0] != "other"]

    def narrowed(codes):
        # a penalty provision names the area; the text says which conduct in it
        families = {_family(code) for code, _ in codes}
        return [p for p in phrases if _family(p[0]) in families and "." in p[0]] or codes

    chosen = specific
    if chosen:  # a second area only a penalty provision names (食品安全法 + 价格法第四十二条)
        covered = {_family(code) for code, _ in specific}
        chosen = chosen + narrowed([c for c in general_codes if _family(c[0]) not in covered])
    else:
        chosen = narrowed(general_codes)
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
        families = [_family(code) for code, _ in phrases]
        family = _family(topic[0]) if topic and _family(topic[0]) in families else families[0]
        for code, why in phrases:
            if _family(code) == family and code not in evidence:
                codes.append(code)
                evidence[code] = why
    if not codes and topic:
        codes.append(topic[0])
        evidence[topic[0]] = topic[1]
    if not codes:
        for code, why in general:  # only laws without a table were cited
            if code not in evidence:
                codes.append(code)
                evidence[code] = why
    # a family code (price) says less than a code below it (price.unmarked): drop it then
    narrower = {_family(code) for code in codes if "." in code}
    for code in [c for c in codes if "." not in c and c in narrower]:
        codes.remove(code)
        del evidence[code]
    return codes, evidence
