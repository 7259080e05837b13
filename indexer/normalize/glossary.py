"""The bilingual glossary: how a query is read, and an English gloss of a Chinese record.

``interpret(q)``
    Reads a free-text query with the glossary (``data/glossary.yaml``): English phrases
    that name a violation type, a penalty kind or a source become those filters (which
    hold in every language); a Chinese phrase that names a type stays searched as written
    and also finds the decisions of that type (in any language); province names become a
    region, a year becomes the year; an English phrase with only a Chinese equivalent
    (``app`` -> ``App``, ``hotel`` -> ``酒店``) is searched as that term; what is left is
    searched as written.  Returns a :class:`Reading` that says, step by step, how the
    query was read.
``english_authority(name)``
    ``常熟市市场监督管理局`` -> ``Changshu Administration for Market Regulation``: the most
    specific place romanised (``provinces_en`` for provinces, pypinyin otherwise, plus the
    place's level: County, District, ...) and the body in English (``bodies_en``).
``romanise(text)``
    Hanyu pinyin of the Han characters, a capitalised syllable each (``张*`` -> ``Zhang *``);
    ``romanise_name`` writes a natural person's name as surname and given name.
``gloss(record)``
    The English gloss of a Chinese decision, made from its structured fields only (the
    authority, the party, the penalty kinds and amounts, the violation types, the cited
    provisions with English law titles, the date).  It is labelled as generated wherever it
    is shown; it is never a translation of the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pypinyin import lazy_pinyin

from indexer.normalize import authorities

DATA = Path(__file__).parent / "data"
_HAN = re.compile(r"[\u3400-\u9fff]+")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


@lru_cache(maxsize=1)
def tables() -> dict:
    with open(DATA / "glossary.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    with open(DATA / "taxonomy.yaml", encoding="utf-8") as f:
        data["taxonomy"] = yaml.safe_load(f) or {}
    return data


def romanise(text: str | None) -> str:
    """Pinyin of the Han characters, a capitalised syllable each, the rest kept."""
    if not text:
        return ""
    return _HAN.sub(lambda m: " %s " % " ".join(p.capitalize() for p in lazy_pinyin(m.group(0))),
                    text).strip().replace("  ", " ")


def romanise_name(name: str | None, kind: str | None = None) -> str:
    """A party name romanised; a natural person's as surname and given name (Gao Shixiu)."""
    if kind == "natural_person" and name and _HAN.fullmatch(name) and 2 <= len(name) <= 4:
        syllables = lazy_pinyin(name)
        return "%s %s" % (syllables[0].capitalize(), "".join(syllables[1:]).capitalize())
    return romanise(name)


@lru_cache(maxsize=1)
def _province_codes() -> dict:
    return {name: p.code for p in authorities.gazetteer().places if p.level == "province"
            for name in (p.name, p.short_name)}


def _place_en(printed: str) -> str:
    """A place name in English: a province by its usual English name, other places in
    pinyin read from the printed name with its suffix (so that the characters around one
    choose its reading: 朝阳区 -> Chaoyang District), plus the level (County, District)."""
    code = _province_codes().get(printed)
    if code:
        return tables()["provinces_en"].get(code) or romanise(printed)
    word, stem = "", printed
    for suffix, english in sorted(tables()["place_levels_en"].items(), key=lambda kv: -len(kv[0])):
        if printed.endswith(suffix) and len(printed) > len(suffix):
            word, stem = english, printed[: -len(suffix)]
            break
    syllables = lazy_pinyin(printed)
    if len(syllables) != len(printed):  # not all Han: romanise the stem alone
        syllables = lazy_pinyin(stem)
    return ("".join(syllables[:len(stem)]).capitalize() + (" " + word if word else "")).strip()


def english_authority(name: str | None) -> str | None:
    """The authority's name in English, or None where a part of it is not in the table."""
    if not name:
        return None
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", name))
    bodies = tables()["bodies_en"]
    if text in bodies:
        return bodies[text]
    _, spans = authorities.match_places(text)
    pieces, pos, last_was_place = [], 0, False
    for start, end in spans + [(len(text), len(text))]:
        gap = text[pos:start]
        if gap:
            english = _body_en(gap)
            if english is None:
                return None
            pieces.append(english)
            last_was_place = False
        if end > start:
            if last_was_place:  # 北京市朝阳区: the most specific place names it
                pieces.pop()
            pieces.append(_place_en(text[start:end]))
            last_was_place = True
        pos = end
    return " ".join(pieces) if pieces and pos == len(text) else None


def _body_en(body: str) -> str | None:
    bodies = tables()["bodies_en"]
    if body in bodies:
        return bodies[body]
    for key in sorted(bodies, key=len, reverse=True):
        if body.endswith(key) and body[: -len(key)] in bodies:
            return "%s %s" % (bodies[body[: -len(key)]], bodies[key])
    return None


# -- queries ---------------------------------------------------------------------------------

@dataclass
class Reading:
    """How a query was read: the text still searched as written, the filters it became,
    the types whose decisions match the words too (``also_types``: a Chinese phrase stays
    a phrase and also finds that type's decisions in other languages), and the steps
    (``[{"phrase", "zh", "type"/"also_type"/"penalty"/"source"/"region"/"year"}]``)."""

    q: str
    types: tuple = ()
    also_types: tuple = ()
    penalty: str = ""
    source: str = ""
    region: str = ""
    year: int | None = None
    steps: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.steps)


@lru_cache(maxsize=1)
def _phrases():
    """[(pattern, entry)] for every phrase, longest first."""
    out = []
    for entry in tables()["terms"]:
        for phrase in entry.get("en") or []:
            out.append((phrase, dict(entry, language="en")))
        if entry.get("type") or entry.get("penalty") or entry.get("source"):
            for phrase in entry.get("zh") or []:
                out.append((phrase, dict(entry, language="zh")))
    for code, english in tables()["provinces_en"].items():
        out.append((english, {"region": code, "language": "en", "zh": []}))
    for place in authorities.gazetteer().places:
        if place.level == "province":
            for name in {place.name, place.short_name}:
                out.append((name, {"region": place.code, "language": "place", "zh": []}))
    out.sort(key=lambda pe: -len(pe[0]))
    patterns = {"en": r"(?<![\w-])%s(?![\w-])", "zh": "%s", "place": r"(?<!\S)%s(?!\S)"}
    return [(re.compile(patterns[pe["language"]] % re.escape(p), re.IGNORECASE), pe)
            for p, pe in out]


def interpret(q: str) -> Reading:
    """Read a query with the glossary (see the module docstring)."""
    text = " %s " % (q or "")
    reading = Reading(q="")
    kept = []
    for pattern, entry in _phrases():
        while True:
            m = pattern.search(text)
            if not m:
                break
            step = {"phrase": m.group(0), "zh": (entry.get("zh") or [None])[0]}
            replacement = " "
            if entry["language"] == "zh":  # stays searched as written, and finds the type
                step = {"phrase": m.group(0)}
                if entry.get("type"):
                    step["also_type"] = entry["type"]
                    if entry["type"] not in reading.also_types:
                        reading.also_types += (entry["type"],)
                kept.append(m.group(0))
            elif entry.get("type"):
                step["type"] = entry["type"]
                if entry["type"] not in reading.types:
                    reading.types += (entry["type"],)
            elif entry.get("penalty") and not reading.penalty:
                step["penalty"] = reading.penalty = entry["penalty"]
            elif entry.get("source") and not reading.source:
                step["source"] = reading.source = entry["source"]
            elif entry.get("region") and not reading.region:
                step["region"] = reading.region = entry["region"]
            elif entry["language"] == "en" and entry.get("zh"):
                kept.append(entry["zh"][0])
            else:
                break
            reading.steps.append(step)
            text = text[:m.start()] + replacement + text[m.end():]
    m = _YEAR.search(text)
    if m:
        reading.year = int(m.group(1))
        reading.steps.append({"phrase": m.group(1), "year": reading.year})
        text = text[:m.start()] + " " + text[m.end():]
    words = [w for w in text.split() if w.strip(",.;:!?，。；：")]
    reading.q = " ".join(words + kept)
    return reading


# -- the English gloss of a record -----------------------------------------------------------

def _law_en(law: str | None) -> str | None:
    """The law's English title: from the table, by pattern, or else as printed."""
    if not law:
        return None
    if law in tables()["laws_en"]:
        return tables()["laws_en"][law]
    for pattern, english in _law_patterns():
        m = pattern.search(law)
        if m:
            groups = [_place_name_en(g) for g in m.groups()]
            return english.format(law, *groups)
    return law


@lru_cache(maxsize=1)
def _law_patterns():
    return [(re.compile(p), e) for p, e in (tables().get("law_patterns_en") or {}).items()]


def _place_name_en(text: str) -> str:
    """A place named in a law's title (浙江, 湖北省) in English; other text kept."""
    if not _HAN.fullmatch(text or ""):
        return text
    code = _province_codes().get(text)
    return tables()["provinces_en"].get(code) if code else romanise(text)


def provision_en(citation: dict) -> str:
    """``Price Law of the PRC, art. 13(1)``; item as ``(3)`` after the paragraph."""
    out = _law_en(citation.get("law")) or ""
    if citation.get("article"):
        out += ", art. %s" % citation["article"]
        if citation.get("paragraph"):
            out += "(%s)" % citation["paragraph"]
        if citation.get("item"):
            out += "(%s)" % citation["item"] if citation.get("paragraph") else \
                ", item %s" % citation["item"]
    return out


def _money(amount: str | None, currency: str | None) -> str | None:
    if not amount:
        return None
    whole, _, cents = amount.partition(".")
    return "%s %s%s" % (currency or "CNY", "{:,}".format(int(whole)),
                        ("." + cents) if cents and cents.strip("0") else "")


def _join(items):
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def gloss(record: dict) -> str | None:
    """The English gloss of a Chinese decision (None for other languages)."""
    if not (record.get("language") or "zh").startswith("zh"):
        return None
    t = tables()
    authority = english_authority(record.get("authority_name"))
    if not authority and record.get("authority_name"):
        authority = "%s (%s)" % (record["authority_name"],
                                 romanise(record["authority_name"]))
    party = record.get("party_name")
    kind = t["party_kinds_en"].get(record.get("party_kind") or "", "")
    party_text = None
    if party:
        roman = romanise_name(party, record.get("party_kind"))
        party_text = ("%s, %s" % (kind, party) if kind else party) + \
            (" (%s)" % roman if roman != party else "")
    kinds = [k for k in record.get("penalty_kinds") or [] if k != "no_penalty"]
    penalties = []
    for k in kinds:
        words = t["penalty_kinds_en"].get(k, k.replace("_", " "))
        if k == "fine" and record.get("fine_amount"):
            words = "a fine of %s" % _money(record["fine_amount"], record.get("currency"))
        elif k == "confiscation_of_illegal_gains" and record.get("confiscation_amount"):
            words += " (%s)" % _money(record["confiscation_amount"], record.get("currency"))
        penalties.append(words)
    if "no_penalty" in (record.get("penalty_kinds") or []):
        verb = "decided not to penalise"
        sentence = "%s %s" % (authority or "The authority", verb)
        if party_text:
            sentence += " " + party_text
    else:
        sentence = "%s imposed %s" % (authority or "The authority",
                                      _join(penalties) or "a penalty")
        if party_text:
            sentence += " on " + party_text
    types = [t["taxonomy"].get(c, {}).get("en", c) for c in record.get("violation_types") or []]
    if types:
        sentence += " for %s" % _join([s[0].lower() + s[1:] for s in types])
    provisions = []
    for citation in record.get("legal_basis") or []:
        text = provision_en(citation)
        if text and text not in provisions:
            provisions.append(text)
    if provisions:
        sentence += " (%s)" % "; ".join(provisions[:4] + (["..."] if len(provisions) > 4
                                                          else []))
    if record.get("decision_date"):
        sentence += ", on %s" % record["decision_date"]
    if record.get("decision_number"):
        sentence += ". Decision %s" % record["decision_number"]
    return sentence + "."
