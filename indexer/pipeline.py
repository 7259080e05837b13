"""Raw item -> Decision: the one code path that ``index`` and ``parse`` share.

``normalize(raw, data_dir)`` reads the archived document (if any), parses it, and fills
the Decision record; the document wins over the list row where both give a field, and
the list row fills what the document lacks.  A document that cannot be read is logged
and skipped: the decision is still made from the list row, the raw item and the
document stay on disk, and a later re-index tries again.
"""

import functools
import hashlib
import logging
import os
import re
from decimal import Decimal

import yaml

from indexer.documents import (
    DocumentError,
    cn_csrc,
    cn_decision,
    es_aepd,
    extract_text,
    ie_dpc,
)
from indexer.normalize import (
    agreement,
    amounts,
    amounts_intl,
    authorities,
    currency,
    dates,
    dedupe,
    glossary,
    legal_basis,
    parties,
    redact,
    violations,
)
from indexer.schema import PENALTY_KINDS, RAW_VALIDATOR, empty_decision, validation_errors

log = logging.getLogger(__name__)

SUMMARY_CHARS = 160
TEXT_CACHE_VERSION = "2"


class NormalizeError(ValueError):
    """A raw item that cannot become a Decision (the message says why)."""


def _document_text(raw, data_dir):
    if raw.get("text"):
        return raw["text"]
    path = raw.get("document_path")
    if not path:
        return None
    full = path if os.path.isabs(path) else os.path.join(data_dir, path)
    ext = os.path.splitext(full)[1].lstrip(".").lower()
    with open(full, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    if raw.get("document_sha256") and raw["document_sha256"] != digest:
        raise DocumentError("damaged: its bytes do not match the SHA-256 it was archived "
                            "with (%s)" % raw["document_sha256"])
    cache = os.path.join(data_dir, "text", "%s.v%s.txt" % (digest, TEXT_CACHE_VERSION))
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            return f.read()
    text = extract_text(data, ext)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache + ".part", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(cache + ".part", cache)
    return text


def _amount_str(value):
    value = amounts.plausible(None if value is None else Decimal(value))
    if value is None:
        return None
    value = value.normalize()
    return format(value, "f")


def _summary(record):
    parts = [record.get("authority_name"), record.get("decision_date"),
             record.get("party_name")]
    head = " · ".join(p for p in parts if p)
    penalty = " ".join((record.get("penalty_text") or "").split())
    if len(penalty) > SUMMARY_CHARS:
        penalty = penalty[:SUMMARY_CHARS - 1] + "…"
    return ("%s: %s" % (head, penalty) if penalty else head) or None


def normalize(raw, data_dir="data"):
    """One raw item -> one Decision record (dict); raises NormalizeError."""
    if not isinstance(raw, dict):
        raise NormalizeError("a raw item is a JSON object")
    errors = validation_errors(raw, RAW_VALIDATOR)
    if errors:
        raise NormalizeError("; ".join(errors))
    record = empty_decision()
    source = raw["source"]
    try:
        text = _document_text(raw, data_dir)
    except (OSError, DocumentError) as exc:
        log.warning("%s %s: document not readable, list fields only: %s", source,
                    raw.get("key"), exc)
        text = None
    language = raw.get("language") or "zh"
    parsed = _parse_text(text, raw)
    mismatch = _disagreement(raw, parsed)
    if mismatch:  # another decision's document: kept as evidence, nothing taken from it
        log.warning("%s %s: the document served is another decision's (%s): kept as "
                    "evidence, the list row's fields are used", source, raw.get("key"), mismatch)
        text, parsed = None, {}

    def pick(field):
        return parsed.get(field) or raw.get(field)

    number = pick("decision_number")
    key = raw.get("key") or number or content_key(raw)
    record.update(
        id="%s:%s" % (source, key),
        source=source,
        source_url=raw.get("url"),
        document_url=raw.get("document_url"),
        document_sha256=raw.get("document_sha256"),
        document_type=(os.path.splitext(raw["document_path"])[1].lstrip(".")
                       if raw.get("document_path") else None),
        fetched_at=raw.get("fetched_at"),
        jurisdiction=raw.get("jurisdiction") or ("CN" if language.startswith("zh") else None),
        language=language,
        title=parsed.get("title") or raw.get("title"),
        decision_number=number,
        party_name=pick("party_name"),
        authority_name=pick("authority_name"),
        facts=parsed.get("facts"),
        legal_basis=parsed.get("legal_basis") or [],
        penalty_kinds=parsed.get("penalty_kinds") or [],
        penalty_text=parsed.get("penalty_text") or raw.get("penalty_text"),
        document_pending=not text and not mismatch,
        document_mismatch=mismatch,
        licence=raw.get("licence"),
    )
    record["decision_date"] = (parsed.get("decision_date")
                               or dates.parse_date(raw.get("decision_date") or ""))
    record["published_date"] = dates.parse_date(raw.get("published_date") or "")
    _normalize_party(record, parsed)
    _normalize_authority(record)
    _normalize_amounts(record, parsed, raw)
    _convert_amounts(record)
    if not record["penalty_kinds"] and raw.get("penalty_text"):
        record["penalty_kinds"] = cn_decision.penalty_kinds(raw["penalty_text"])
    record["penalty_kinds"] = _notice_penalty_kinds(record["penalty_kinds"],
                                                    raw.get("penalty_text"))
    if record["fine_amount"] and "fine" not in record["penalty_kinds"]:
        record["penalty_kinds"] = [k for k in PENALTY_KINDS
                                   if k in record["penalty_kinds"] or k == "fine"]
    _mask_persons(record, text)
    record["summary"] = redact.mask_personal(_summary(record) or "") or None
    _normalize_legal_basis(record, raw)
    _classify(record, raw)
    record["summary_en"] = glossary.gloss(record)
    record["party_name_normalized"] = dedupe.party_group_name(record["party_name"])
    record["dedup_key"] = dedupe.dedup_key(record)
    errors = validation_errors(record)
    if errors:
        raise NormalizeError("; ".join(errors))
    return record


def _disagreement(raw, parsed):
    """A document fetched apart from its list row may be another decision's."""
    return agreement.disagreement(raw, parsed) if parsed and not raw.get("text") else None


def document_disagreement(raw, data_dir):
    """Why the document stored for a raw item is another decision's, or None (also when
    it cannot be read): the crawler's check, with the indexer's reading of the document."""
    try:
        return _disagreement(raw, _parse_text(_document_text(raw, data_dir), raw))
    except (OSError, DocumentError):
        return None


def _mask_persons(record, text):
    """The masking rule (indexer.normalize.redact) in every field that shows a person: the
    names it covers, ID and phone numbers, home addresses; the publisher's own masks (吴*)
    carried to the same person's full name in the text."""
    names = redact.names_to_mask(record["party_name"], record["party_kind"], text or "")
    masked_by_publisher = record["party_kind"] in ("natural_person", "individual_business") \
        and "*" in (record["party_name"] or "")

    def mask(value):
        if not value:
            return value
        value = redact.mask_names(redact.mask_personal(value), names)
        return redact.propagate_masks(value, record["party_name"]) if masked_by_publisher \
            else value

    for field in ("party_name", "title", "penalty_text", "facts"):
        record[field] = mask(record[field])
    if text:
        record["full_text"] = mask(text)


@functools.lru_cache(maxsize=1)
def _notice_penalties():
    path = os.path.join(os.path.dirname(__file__), "normalize", "data", "notice_penalties.yaml")
    with open(path, encoding="utf-8") as f:
        return [(kind, re.compile(pattern)) for kind, pattern in yaml.safe_load(f).items()]


def _notice_penalty_kinds(kinds, penalty_text):
    """Add the kinds that notices on apps name (data/notice_penalties.yaml)."""
    found = {kind for kind, pattern in _notice_penalties() if pattern.search(penalty_text or "")}
    if not found - set(kinds):
        return kinds
    return [k for k in PENALTY_KINDS if k in set(kinds) | found]


def _normalize_party(record, parsed):
    party_id = parsed.get("party_id")
    record["party_id"] = party_id
    record["party_id_valid"] = parties.validate_uscc(party_id) if party_id else None
    if record["party_name"]:
        kind = parsed.get("party_kind")
        if kind in (None, "other"):  # the table knows public bodies and more name forms
            kind = parties.party_kind(record["party_name"], party_id)
        record["party_kind"] = kind


def _normalize_authority(record):
    if not record["authority_name"]:
        return
    if record["jurisdiction"] not in (None, "CN"):
        return  # the authority table covers Chinese bodies only
    found = authorities.resolve_authority(record["authority_name"])
    record["authority_id"] = found.get("authority_id")
    record["authority_level"] = found.get("authority_level")
    record["region"] = found.get("region")
    record["jurisdiction"] = record["jurisdiction"] or found.get("jurisdiction")


# Decision documents whose layout needs a parser of its own, by source.  A CSRC decision
# penalizes several parties: one raw item per party, the parser reads that party's part.
# An AEPD resolution (Spanish) imposes in its operative part (RESUELVE).
DOCUMENT_PARSERS = {
    "cn_csrc": lambda text, raw: cn_csrc.parse_party(text, raw.get("party_name"),
                                                     title=raw.get("title")),
    "es_aepd": lambda text, raw: es_aepd.parse(text),
    # a decision linked straight to its PDF: its date, reference and fine from the PDF
    "ie_dpc": lambda text, raw: {} if raw.get("decision_date") else ie_dpc.parse(text),
}


def _parse_text(text, raw):
    """The fields a decision's text gives: a source's own parser, or the Chinese
    decision reader ({} for no text, or another language without a parser)."""
    if not text:
        return {}
    parser = DOCUMENT_PARSERS.get(raw["source"])
    if parser:
        return parser(text, raw)
    return cn_decision.parse(text) if (raw.get("language") or "zh").startswith("zh") else {}


def _normalize_amounts(record, parsed, raw):
    if not (record["language"] or "zh").startswith("zh"):
        return _normalize_intl_amounts(record, raw)
    fine, confiscation = parsed.get("fine_amount"), parsed.get("confiscation_amount")
    share = parsed.get("total_amount")  # a party's share of a combined sum (cn_csrc)
    if share and fine is None and confiscation is None:
        record["total_amount"] = _amount_str(share)
        return
    if not parsed.get("penalty_text"):  # no decision part read: the list row's summary
        listed = amounts.parse_cn_amounts(raw.get("penalty_text") or "")
        fine, confiscation = listed["fine"], listed["confiscation"]
    record["fine_amount"] = _amount_str(fine)
    record["confiscation_amount"] = _amount_str(confiscation)
    if fine is not None or confiscation is not None:
        record["total_amount"] = _amount_str(Decimal(fine or 0) + Decimal(confiscation or 0))


def _normalize_intl_amounts(record, raw):
    """English / European texts: the fine a penalty field (or the document's operative
    part, where a source's parser reads one) or summary imposes."""
    for text in (record["penalty_text"], raw.get("text")):
        found = amounts_intl.parse_fine(text or "", record["jurisdiction"])
        if found["fine"] is not None:
            record["fine_amount"] = _amount_str(found["fine"])
            record["total_amount"] = record["fine_amount"]
            record["currency"] = found["currency"]
            return


def _convert_amounts(record):
    """total -> CNY, EUR, USD at the ECB reference rates of the decision date."""
    total = record["total_amount"]
    if total is None:
        return
    day = record["decision_date"] or record["published_date"]
    record["currency"] = record["currency"] or currency.default_currency(
        record["jurisdiction"], day)
    converted = currency.convert(total, record["currency"], day)
    if converted is None:  # no rate (no date): a total in CNY/EUR/USD is still comparable
        if record["currency"] in ("CNY", "EUR", "USD"):
            record["amount_" + record["currency"].lower()] = total
        return
    for field in ("amount_cny", "amount_eur", "amount_usd"):
        record[field] = _amount_str(converted[field])
    record["rate_date"] = converted["rate_date"]


def _normalize_legal_basis(record, raw):
    """Law names normalized; a source's own legal-basis field read where the text gave none."""
    language = record["language"] or "zh"
    citations = legal_basis.normalize_citations(record["legal_basis"])
    if not citations and raw.get("legal_basis_text"):
        citations = legal_basis.parse_citations(raw["legal_basis_text"], None, language)
    if not citations and record["penalty_text"]:
        citations = legal_basis.parse_citations(record["penalty_text"], "basis", language)
    record["legal_basis"] = citations


def _classify(record, raw):
    texts = [record["facts"], record["penalty_text"], record["title"]]
    if not record["facts"] and record["full_text"]:
        texts.append(record["full_text"][:20000])
    # the law's revision in force: a decision is published on or after its date
    codes, evidence = violations.classify(
        record["legal_basis"], texts, record["language"],
        record["decision_date"] or record["published_date"],
        topic=violations.topic_code(record["source"], raw.get("list_topic")))
    record["violation_types"] = codes
    record["violation_evidence"] = evidence
    record["unclassified_reason"] = None if codes else violations.unclassified_reason(
        texts, record["document_pending"])


def content_key(raw):
    """A stable key for a raw item that names neither key nor decision number: a digest of
    its document, or else of its text (the same content always gets the same id)."""
    digest = raw.get("document_sha256") or hashlib.sha256(
        (raw.get("text") or raw.get("penalty_text") or "").encode("utf-8", "surrogatepass")
    ).hexdigest()
    return "sha256-" + digest[:20]


def latest_raw_items(items):
    """The newest raw item per (source, key), in first-seen order."""
    latest = {}
    for item in items:
        key = (item.get("source"),
               item.get("key") or item.get("decision_number") or content_key(item))
        if key in latest and not (item.get("document_path") or item.get("text")) and \
                (latest[key].get("document_path") or latest[key].get("text")):
            continue  # a pending re-listing never hides a fetched document
        latest[key] = item
    return list(latest.values())
