"""Reader of the Spanish DPA's resolutions (AEPD, PDF text, Spanish).

An AEPD resolution states its decision in an operative part after the last ``RESUELVE:``
(``ACUERDA:`` in some), in numbered paragraphs::

    PRIMERO: IMPONER a EMPRESA, S.L., con NIF B00000000, por una infracción del
    artículo 5.1.f) del RGPD, tipificada en el artículo 83.5 del RGPD, una multa de
    70.000 euros.
    SEGUNDO: ORDENAR a EMPRESA, S.L. que ...
    TERCERO: NOTIFICAR la presente resolución a EMPRESA, S.L.

``parse(text)`` returns ``penalty_text`` (the operative part up to the notification
paragraph, where the fine and the articles infringed are read), ``party_name`` (the
party the first paragraph addresses, named before its tax number ``con NIF``; the AEPD
pseudonymises natural persons itself) and ``penalty_kinds`` (``IMPONER ... multa`` a
fine, ``APERCIBIR``/``apercibimiento`` a warning, ``ORDENAR`` an order to rectify).
The rest of the resolution (facts, the proposal, statutory ranges, reductions for
voluntary payment) is not read for amounts: only the operative part imposes.
"""

from __future__ import annotations

import re

_OPERATIVE = re.compile(r"\b(?:RESUELVE|ACUERDA)\s*:?", re.S)
_END = re.compile(r"\b(?:PRIMERO|SEGUNDO|TERCERO|CUARTO|QUINTO|SEXTO|S[ÉE]PTIMO|OCTAVO)\s*:\s*"
                  r"NOTIFICAR\b|\bNOTIFICAR\s+la\s+presente", re.I)
_PARTY = re.compile(r"(?:\b(?:IMPONER|SANCIONAR|APERCIBIR|ESTIMAR|DESESTIMAR|ARCHIVAR|"
                    r"DIRIGIR\s+UN\s+APERCIBIMIENTO)\b[^.:]{0,80}?\b(?:a|contra)|"
                    r"\bDECLARAR\s+que)\s+(?:la\s+entidad\s+)?(?P<party>[^\s,].{1,160}?),?\s+"
                    r"con\s+(?:NIF|CIF|N\.I\.F\.|C\.I\.F\.)", re.S)
_KINDS = (("fine", re.compile(r"\bmulta\b", re.I)),
          ("warning", re.compile(r"\bAPERCIBI(?:R|MIENTO)\b", re.I)),
          ("order_to_rectify", re.compile(r"\bORDENAR\b")))
MAX_CHARS = 4000


def operative_part(text: str | None) -> str | None:
    """The operative part of a resolution, whitespace collapsed; None when there is none."""
    found = list(_OPERATIVE.finditer(text or ""))
    if not found:
        return None
    part = text[found[-1].end():]
    end = _END.search(part)
    if end:
        part = part[:end.start()]
    part = " ".join(part.split())[:MAX_CHARS]
    return part or None


def parse(text: str | None) -> dict:
    part = operative_part(text)
    if not part:
        return {}
    out = {"penalty_text": part,
           "penalty_kinds": [kind for kind, pattern in _KINDS if pattern.search(part)]}
    m = _PARTY.search(part)
    if m:
        out["party_name"] = m.group("party").strip(" ,;")
    return out
