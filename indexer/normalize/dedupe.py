"""Grouping keys: party names, and one record for a decision published by several sources.

``party_group_name(name)``
    A key that groups the spellings of one party: :func:`parties.normalize_name` (NFKC
    full-width -> half-width, brackets folded, whitespace removed, case folded), then the
    publisher's remarks in trailing brackets, a branch suffix (有限公司北京分公司 ->
    有限公司, ``..., Dublin Branch``) and an English / European legal-form suffix
    (``Ltd``, ``Limited``, ``S.A.``, ``GmbH``) removed.  The printed name is kept in
    ``party_name``; this key goes in ``party_name_normalized``.
``dedup_key(record)``
    ``<authority>|<decision number>|<party>`` with the number normalized (NFKC, brackets
    folded 〔〕【】[] -> (), whitespace removed, 第 before the serial dropped), the authority
    as its ``authority_id`` (or normalized name) and the party as its grouping name (one
    decision may penalize several parties, each a record).  Records of *different*
    sources with one key are one decision.  ``None`` when the decision number is missing.
``merge_duplicates(records)``
    One record per key: the record with a fetched document (then the one whose source
    sorts first) is kept and lists the others in ``other_sources``; records without a
    key, and keys that one source lists twice, pass through.  Returns
    ``(records, merged_ids)``.

Versions are not this module's concern: the store gives a record a new version when its
content changes (``indexer/store``).
"""

from __future__ import annotations

import re
import unicodedata

from indexer.normalize import literals
from indexer.normalize.parties import normalize_name

_BRANCH_ZH = re.compile(r"(?<=公司|集团|银行|商行|超市)[^()]{0,20}?(?:分公司|分店|分行|支行|营业部|门店|分部)$")
_BRANCH_EN = re.compile(r"[,\s]*(?:\([^()]*\))?\s*[-–,]?\s*(?:[a-z .'-]{1,30}\s)?branch$")
_BRANCH_EN_SEARCH = literals.prefiltered_search(_BRANCH_EN)  # not run without "branch"
_TRAILING_REMARK = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")
_SPACES = re.compile(r"\s+")
_LEGAL_FORM = re.compile(
    r"[,\s]*(?:ltd\.?|limited|plc|llc|inc\.?|corp\.?|s\.?a\.?u?\.?|s\.?l\.?u?\.?|s\.?r\.?l\.?|"
    r"s\.?p\.?a\.?|gmbh|ag|bv|b\.v\.|nv|n\.v\.|a/s|as|ab|oy|sas|sarl|kft\.?|sp\.\s?z\s?o\.?\s?o\.?|"
    r"s\.?a\.?s\.?)$"
)


def party_group_name(name) -> str | None:
    if not name or not str(name).strip():
        return None
    key = unicodedata.normalize("NFKC", str(name)).strip()
    key = _SPACES.sub(" ", key).casefold()
    for _ in range(3):
        before = key
        key = _TRAILING_REMARK.sub("", key) or key
        if _BRANCH_EN_SEARCH(key):
            key = _BRANCH_EN.sub("", key) or key
        key = _LEGAL_FORM.sub("", key).strip(" ,.") or key
        if key == before:
            break
    key = normalize_name(key)
    key = _BRANCH_ZH.sub("", key) or key
    return key or None


def _number_key(number: str) -> str:
    s = unicodedata.normalize("NFKC", number)
    s = re.sub(r"[〔【\[［（(]", "(", s)
    s = re.sub(r"[〕】\]］）)]", ")", s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"\)第(?=\d)", ")", s)
    return s.casefold()


def dedup_key(record) -> str | None:
    number = record.get("decision_number")
    if not number or not str(number).strip():
        return None
    authority = record.get("authority_id") or normalize_name(record.get("authority_name") or "")
    party = record.get("party_name_normalized") or party_group_name(record.get("party_name"))
    return "%s|%s|%s" % (authority or "-", _number_key(str(number)), party or "-")


def _provenance(record) -> dict:
    return {"source": record.get("source"), "id": record.get("id"),
            "source_url": record.get("source_url"), "document_url": record.get("document_url")}


def merge_duplicates(records):
    """(records with one per dedup key, ids merged into another record)."""
    groups: dict = {}
    order = []
    for record in records:
        key = record.get("dedup_key") or dedup_key(record)
        if key is None:
            order.append(("", record))
            continue
        if key not in groups:
            groups[key] = []
            order.append((key, None))
        groups[key].append(record)
    out, merged = [], []
    for key, record in order:
        if record is not None:
            out.append(record)
            continue
        group = groups[key]
        if len(group) == 1 or len({r.get("source") for r in group}) < len(group):
            out.extend(group)  # one source listing a key twice: not ours to merge
            continue
        group = sorted(group, key=lambda r: (bool(r.get("document_pending")),
                                             r.get("source") or "", r.get("id") or ""))
        primary = dict(group[0])
        others = [dict(_provenance(r)) for r in group[1:] if r.get("id") != primary.get("id")]
        known = {o["id"] for o in primary.get("other_sources") or []}
        primary["other_sources"] = list(primary.get("other_sources") or []) + [
            o for o in others if o["id"] not in known]
        for field in ("decision_date", "party_id", "facts"):
            if primary.get(field) is None:
                primary[field] = next((r.get(field) for r in group[1:] if r.get(field)), None)
        merged.extend(o["id"] for o in others)
        out.append(primary)
    return out, merged
