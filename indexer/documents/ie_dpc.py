"""Reader of the Irish Data Protection Commission's decisions (PDF text, English).

Used for a decision the DPC's site links straight to its PDF, without a page summarising
it (``crawler/spiders/ie_dpc.py``): ``parse(text)`` returns what the decision's own
first pages and operative sentences state:

- ``decision_date``: ``Date of Decision: 1 September 2023`` or ``Decision of 12 May
  2023`` in the first pages;
- ``decision_number``: the inquiry reference (``Inquiry Reference: IN-21-9-1``);
- ``penalty_text``: the sentences in which the DPC imposes or orders something (``The
  DPC imposes an administrative fine of EUR 1.2 billion``), where the indexer reads the
  fine; statutory maxima elsewhere in the text are not read.
"""

from __future__ import annotations

import re

from indexer.normalize import dates

HEAD = 6000  # characters: the cover and the first page
_DATE = re.compile(r"\b(?:Date\s+of\s+(?:the\s+)?Decision\s*:?|Decision\s+(?:of|dated)|"
                   r"Dated\s+(?:the\s+)?)\s*(?P<day>\d{1,2}(?:st|nd|rd|th)?(?:\s+day\s+of)?"
                   r"\s+[A-Z][a-z]+,?\s+\d{4})", re.I)
_REFERENCE = re.compile(r"\bInquiry\s+Ref(?:erence)?(?:\s+No\.?)?\s*:?\s*(?P<ref>IN[-\s]?\d{2}-"
                        r"\d{1,2}-\d{1,3})", re.I)
_BY_DPC = re.compile(r"\bDPC\b|\bCommission\b")
_IMPOSES = re.compile(r"\b(?:impos(?:es|ed|ing)|orders?|ordered|reprimand)\b", re.I)


def parse(text: str | None) -> dict:
    if not text:
        return {}
    out = {}
    head = " ".join(text[:HEAD].split())
    m = _DATE.search(head)
    if m:
        day = re.sub(r"(?<=\d)(?:st|nd|rd|th)|\s+day\s+of", "", m.group("day"))
        out["decision_date"] = dates.parse_date(day.replace(",", ""))
    m = _REFERENCE.search(head)
    if m:
        out["decision_number"] = re.sub(r"\s", "-", m.group("ref").upper())
    sentences = re.split(r"(?<=[.;])\s+", " ".join(text.split()))
    imposed = [s for s in sentences if _IMPOSES.search(s) and _BY_DPC.search(s)]
    if imposed:
        out["penalty_text"] = " ".join(imposed[:3])
    return {k: v for k, v in out.items() if v}
