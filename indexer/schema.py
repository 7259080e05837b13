"""The Decision record and the raw item, with their JSON Schemas.

The Decision record is what the store indexes, the API returns and exports write; the raw
item is what a spider appends to ``data/raw/<source>/*.jsonl``.  Both schemas are plain
JSON Schema (draft 2020-12) so that other tools can read them; ``docs/schema.md`` is
generated from them (``python -m indexer.schema > docs/schema.md``) and a test checks
that it is current.
"""

import json
import sys

import fastjsonschema
from jsonschema import Draft202012Validator

PARTY_KINDS = ["company", "individual_business", "natural_person", "public_body", "other"]
PENALTY_KINDS = [
    "warning",
    "fine",
    "confiscation_of_illegal_gains",
    "confiscation_of_property",
    "order_to_rectify",
    "suspension",
    "license_revocation",
    "app_removal",
    "no_penalty",
]
STATUSES = ["active", "withdrawn", "publicity_expired"]
AUTHORITY_LEVELS = ["national", "provincial", "municipal", "county"]
UNCLASSIFIED_REASONS = ["document_pending", "no_conduct_stated", "no_text"]

_STR = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_DATETIME = {"type": ["string", "null"], "format": "date-time"}
_AMOUNT = {"type": ["string", "null"], "pattern": r"^\d+(\.\d+)?$"}


def _field(schema, description):
    return dict(schema, description=description)


CITATION = {
    "type": "object",
    "properties": {
        "law": _field(_STR, "law name, normalized (e.g. 中华人民共和国价格法)"),
        "article": _field(_STR, "article number as printed (第十三条 -> 13)"),
        "paragraph": _field(_STR, "paragraph (款) where cited"),
        "item": _field(_STR, "item (项) where cited"),
        "role": _field(_STR, "violated (违反) or basis (依据)"),
        "revision": _field(_STR, "the year of the law's revision where the decision names it "
                           "before the law (2005年《证券法》 -> 2005)"),
        "raw": _field({"type": "string"}, "the citation as printed"),
    },
    "required": ["raw"],
}

DECISION_FIELDS = {
    "id": _field({"type": "string", "pattern": r"^[a-z0-9_]+:.+$"},
                 "stable archive id: <source>:<stable key>"),
    "source": _field({"type": "string"}, "source (spider) name, e.g. cn_samr_cfws"),
    "source_url": _field(_STR, "the page the decision was found on"),
    "document_url": _field(_STR, "where the original document was fetched"),
    "document_sha256": _field(_STR, "SHA-256 of the archived original document"),
    "document_type": _field(_STR, "file extension of the archived original (pdf, html, ...)"),
    "fetched_at": _field(_DATETIME, "when the crawler fetched it (UTC)"),
    "jurisdiction": _field(_STR, "ISO 3166-1 alpha-2 country code"),
    "region": _field(_STR, "ISO 3166-2 subdivision where known (CN-AH, ...)"),
    "authority_name": _field(_STR, "issuing body as printed"),
    "authority_id": _field(_STR, "stable id of the issuing body"),
    "authority_level": _field({"enum": AUTHORITY_LEVELS + [None]}, "administrative level"),
    "decision_number": _field(_STR, "as printed, e.g. 固市监价罚〔2026〕15号"),
    "decision_date": _field(_DATE, "date of the decision (ISO)"),
    "published_date": _field(_DATE, "date the source published it (ISO)"),
    "title": _field(_STR, "document title"),
    "language": _field(_STR, "BCP 47 language tag of the text (zh, en, ...)"),
    "party_name": _field(_STR, "penalized party as printed, a natural person masked by the "
                         "archive's rule (张*; docs/website.md), the publisher's masking kept"),
    "party_kind": _field({"enum": PARTY_KINDS + [None]}, "kind of party"),
    "party_id": _field(_STR, "unified social credit code, company number, ..."),
    "party_id_valid": _field({"type": ["boolean", "null"]}, "identifier checksum valid"),
    "party_name_normalized": _field(_STR, "party name as a grouping key (width, brackets, "
                                    "branch and legal-form suffixes folded)"),
    "violation_types": _field({"type": "array", "items": {"type": "string"}},
                              "taxonomy codes (docs/taxonomy.md)"),
    "violation_evidence": _field({"type": "object", "additionalProperties": {"type": "string"}},
                                 "for each code, why it was assigned"),
    "unclassified_reason": _field(
        {"enum": UNCLASSIFIED_REASONS + [None]},
        "why violation_types is empty (null when it is not): document_pending (the document "
        "has not been fetched and the source's list row names no conduct), no_conduct_stated "
        "(the text cites no provision and names no conduct the tables know), no_text (no "
        "text at all)"),
    "facts": _field(_STR, "违法事实: the facts found"),
    "legal_basis": _field({"type": "array", "items": CITATION}, "cited provisions"),
    "penalty_kinds": _field({"type": "array", "items": {"enum": PENALTY_KINDS}},
                            "kinds of penalty imposed"),
    "penalty_text": _field(_STR, "the penalty imposed, as printed (处罚内容)"),
    "fine_amount": _field(_AMOUNT, "fine, decimal string in the original currency"),
    "confiscation_amount": _field(_AMOUNT, "confiscated illegal gains / property"),
    "total_amount": _field(_AMOUNT, "fine + confiscation"),
    "currency": _field(_STR, "ISO 4217 code of the amounts"),
    "amount_cny": _field(_AMOUNT, "total converted to CNY"),
    "amount_eur": _field(_AMOUNT, "total converted to EUR"),
    "amount_usd": _field(_AMOUNT, "total converted to USD"),
    "rate_date": _field(_DATE, "date of the ECB reference rates used for amount_cny/eur/usd"),
    "summary": _field(_STR, "short plain summary (natural persons masked as in party_name)"),
    "summary_en": _field(_STR, "English gloss of a Chinese decision, generated from its "
                               "structured fields (authority, party, penalties, amounts, "
                               "violation types, provisions): not a translation"),
    "full_text": _field(_STR, "full text; natural persons' names masked by the archive's rule, "
                        "their ID and phone numbers and home addresses always"),
    "document_pending": _field({"type": "boolean"},
                               "the original document has not been fetched yet"),
    "document_mismatch": _field(_STR, "the source served the document of another decision "
                                      "for this one: what differs (the document is kept as "
                                      "evidence; no field is taken from it)"),
    "dedup_key": _field(_STR, "authority|decision number|party: one decision across sources"),
    "other_sources": _field({"type": "array", "items": {"type": "object"}},
                            "the same decision from other sources: {source, id, source_url, "
                            "document_url}"),
    "licence": _field(_STR, "licence of the published text where the source states one "
                            "(SPDX id, e.g. CC-BY-NC-SA-4.0 for GDPRhub's summaries)"),
    "status": _field({"enum": STATUSES}, "active / withdrawn / publicity_expired"),
    "version": _field({"type": "integer", "minimum": 1}, "1, 2, ... when a source edits it"),
    "first_seen": _field(_DATETIME, "first time the archive saw it"),
    "last_seen": _field(_DATETIME, "last time the archive saw it"),
}

DECISION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "penalty-archive/decision.json",
    "title": "Decision",
    "description": "A normalized administrative penalty decision.",
    "type": "object",
    "properties": DECISION_FIELDS,
    "required": ["id", "source", "status", "version", "violation_types", "penalty_kinds",
                 "legal_basis"],
    "additionalProperties": False,
}

RAW_ITEM_FIELDS = {
    "source": _field({"type": "string"}, "source (spider) name"),
    "key": _field(_STR, "the source's stable key for the decision (docid, number)"),
    "url": _field(_STR, "page the item was found on"),
    "document_url": _field(_STR, "URL of the original document"),
    "document_path": _field(_STR, "archived document, relative to the data directory"),
    "document_sha256": _field(_STR, "SHA-256 of the document"),
    "fetched_at": _field(_DATETIME, "fetch time (UTC)"),
    "text": _field(_STR, "text as published, when the source gives text rather than a file"),
    "title": _field(_STR, "title as listed"),
    "decision_number": _field(_STR, "decision number as listed"),
    "party_name": _field(_STR, "party as listed"),
    "authority_name": _field(_STR, "authority as listed"),
    "decision_date": _field(_STR, "date as listed (any common form)"),
    "published_date": _field(_STR, "publication date as listed"),
    "penalty_text": _field(_STR, "penalty summary as listed (处罚内容)"),
    "legal_basis_text": _field(_STR, "legal basis as listed"),
    "jurisdiction": _field(_STR, "ISO 3166-1 alpha-2"),
    "language": _field(_STR, "language tag"),
    "licence": _field(_STR, "licence of the published text, where the source states one "
                            "(SPDX id)"),
    "listing": _field({"type": "object"}, "the list row exactly as the source gave it"),
    "list_topic": _field(_STR, "the source's own category the item was listed under (the SAMR "
                         "portal's 专题 code), when the crawl asked for one"),
}

RAW_ITEM_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "penalty-archive/raw-item.json",
    "title": "Raw item",
    "description": "A decision as a source published it, before normalization. "
                   "Needs `source` and at least one of `text`, `document_path`, "
                   "`decision_number` or `penalty_text`.",
    "type": "object",
    "properties": RAW_ITEM_FIELDS,
    "required": ["source"],
    "anyOf": [{"required": ["text"]}, {"required": ["document_path"]},
              {"required": ["decision_number"]}, {"required": ["penalty_text"]}],
}

DECISION_VALIDATOR = Draft202012Validator(DECISION_SCHEMA)
RAW_VALIDATOR = Draft202012Validator(RAW_ITEM_SCHEMA)


def _compile(schema):
    """A compiled check of the same schema (fastjsonschema), far faster on the valid
    records that are nearly all of them (bench/normalize_rate.py).  The keywords used
    here mean the same in draft-07, which it compiles; formats are annotations in
    2020-12, so not checked."""
    draft7 = dict(schema, **{"$schema": "http://json-schema.org/draft-07/schema#"})
    return fastjsonschema.compile(draft7, formats={"date": _anything, "date-time": _anything})


def _anything(value):
    return True


_COMPILED = {id(DECISION_VALIDATOR): _compile(DECISION_SCHEMA),
             id(RAW_VALIDATOR): _compile(RAW_ITEM_SCHEMA)}


def empty_decision():
    """A Decision with every field present and empty."""
    record = {name: None for name in DECISION_FIELDS}
    record.update(violation_types=[], violation_evidence={}, legal_basis=[], penalty_kinds=[],
                  other_sources=[],
                  document_pending=False, status="active", version=1)
    return record


def validation_errors(record, validator=DECISION_VALIDATOR):
    """Messages naming each field at fault; empty when the record is valid.

    The compiled check answers for valid records; an invalid one is described in full by
    jsonschema (every error, each with its field)."""
    try:
        _COMPILED[id(validator)](record)
        return []
    except fastjsonschema.JsonSchemaException as fast:
        return ["%s: %s" % ("/".join(map(str, e.path)) or "(record)", e.message)
                for e in sorted(validator.iter_errors(record), key=lambda e: list(e.path))
                ] or [str(fast)]


def _markdown_table(fields):
    lines = ["| field | type | meaning |", "|---|---|---|"]
    for name, spec in fields.items():
        kind = spec.get("type") or ("enum: " + ", ".join(str(v) for v in spec["enum"] if v))
        if isinstance(kind, list):
            kind = " or ".join(kind)
        lines.append("| `%s` | %s | %s |" % (name, kind, spec["description"]))
    return "\n".join(lines)


def markdown():
    """docs/schema.md, generated from the schemas."""
    return "\n".join([
        "# Schemas",
        "",
        "Generated by `python -m indexer.schema > docs/schema.md` from `indexer/schema.py`;",
        "a test fails when this file is out of date. Amounts are decimal strings (never",
        "floats) in the currency named by `currency`; dates are ISO 8601.",
        "",
        "## Decision",
        "",
        DECISION_SCHEMA["description"],
        "",
        _markdown_table(DECISION_FIELDS),
        "",
        "A citation in `legal_basis`:",
        "",
        _markdown_table(CITATION["properties"]),
        "",
        "## Raw item",
        "",
        RAW_ITEM_SCHEMA["description"] + " One JSON object per line in "
        "`data/raw/<source>/<date>.jsonl`; append-only.",
        "",
        _markdown_table(RAW_ITEM_FIELDS),
        "",
        "## JSON Schema",
        "",
        "```json",
        json.dumps({"decision": DECISION_SCHEMA, "raw_item": RAW_ITEM_SCHEMA},
                   ensure_ascii=False, indent=1),
        "```",
        "",
    ])


if __name__ == "__main__":
    sys.stdout.write(markdown())
